/**
 * Hand-built CMS SignedData (RFC 5652 §5) for negative and edge-case tests that no peer produces on
 * request: an ESS signing-certificate-v2 naming another certificate, signed attributes sent in BER,
 * a time-stamp token pasted in as an unsigned attribute. Deliberately independent of scelle's own
 * signer so that a bug there cannot hide one in the verifier.
 */
import { constants, createHash, sign, type KeyObject } from 'node:crypto';

const cat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function len(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return Uint8Array.from([0x80 | b.length, ...b]);
}

/** DER TLV with a one-byte tag. */
export const tlv = (tag: number, ...contents: Uint8Array[]): Uint8Array => {
  const c = cat(contents);
  return cat([Uint8Array.of(tag), len(c.length), c]);
};
export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c);
export const octet = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const int = (n: number): Uint8Array => tlv(0x02, Uint8Array.of(n));
/** SET OF, sorted as DER wants (X.690 §11.6). */
export const setOf = (items: Uint8Array[]): Uint8Array => tlv(0x31, ...[...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (v: number): void => {
    const g: number[] = [];
    do {
      g.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    g.forEach((x, i) => out.push(i < g.length - 1 ? x | 0x80 : x));
  };
  push(arcs[0]! * 40 + arcs[1]!);
  arcs.slice(2).forEach(push);
  return tlv(0x06, Uint8Array.from(out));
}

export const OIDS = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
};

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }. */
export const attribute = (type: string, ...values: Uint8Array[]): Uint8Array => seq(oid(type), setOf(values));

/** UTCTime of a date (YYMMDDHHMMSSZ). */
export function utcTime(d: Date): Uint8Array {
  const iso = d.toISOString();
  const s = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tlv(0x17, new TextEncoder().encode(s));
}

/** signing-certificate-v2 with one ESSCertIDv2 (SHA-256 by default, no issuerSerial). */
export const essV2 = (certDer: Uint8Array): Uint8Array =>
  attribute(OIDS.signingCertificateV2, seq(seq(seq(octet(createHash('sha256').update(certDer).digest())))));

/** signing-certificate (v1, SHA-1 ESSCertID). */
export const essV1 = (certDer: Uint8Array): Uint8Array =>
  attribute(OIDS.signingCertificate, seq(seq(seq(octet(createHash('sha1').update(certDer).digest())))));

/** IssuerAndSerialNumber of a DER certificate, taken from its TBSCertificate. */
function issuerAndSerial(certDer: Uint8Array): Uint8Array {
  // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version, serial, sigAlg, issuer, … } … }
  const children = (buf: Uint8Array, start: number, end: number): { s: number; e: number }[] => {
    const out: { s: number; e: number }[] = [];
    let p = start;
    while (p < end) {
      let q = p + 1;
      let l = buf[q++]!;
      if (l & 0x80) {
        const n = l & 0x7f;
        l = 0;
        for (let i = 0; i < n; i++) l = l * 256 + buf[q++]!;
      }
      out.push({ s: p, e: q + l });
      p = q + l;
    }
    return out;
  };
  const inner = (el: { s: number; e: number }): { s: number; e: number } => {
    let q = el.s + 1;
    const l = certDer[q++]!;
    if (l & 0x80) q += l & 0x7f;
    return { s: q, e: el.e };
  };
  const cert = children(certDer, 0, certDer.length)[0]!;
  const c = inner(cert);
  const tbs = children(certDer, c.s, c.e)[0]!;
  const t = inner(tbs);
  const f = children(certDer, t.s, t.e);
  const serial = f[1]!;
  const issuer = f[3]!;
  return seq(certDer.subarray(issuer.s, issuer.e), certDer.subarray(serial.s, serial.e));
}

/** Options of {@link buildSignedData}. */
export interface BuildOptions {
  content: Uint8Array;
  detached?: boolean;
  signerCert: Uint8Array;
  key: KeyObject;
  /** Extra signed attributes (DER Attributes) after content-type, message-digest and signing-time. */
  signedAttrs?: Uint8Array[];
  signingTime?: Date;
  /** Certificates to embed (default: the signer's). */
  certificates?: Uint8Array[];
  /** Unsigned attributes, or a function of the signature value that returns them. */
  unsignedAttrs?: (signatureValue: Uint8Array) => Uint8Array[];
  /** Send the signed attributes in BER (indefinite length, unsorted); the signature stays over the DER SET. */
  berSignedAttrs?: boolean;
  /** Sign with RSASSA-PSS over SHA3-256 (MGF1-SHA3-256, salt 32) instead of PKCS#1 v1.5 over SHA-256. */
  pssSha3?: boolean;
}

const SHA3_256 = '2.16.840.1.101.3.4.2.8';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

/** A ContentInfo(SignedData), SHA-256 with RSA PKCS#1 v1.5, one SignerInfo by issuerAndSerialNumber. */
export function buildSignedData(o: BuildOptions): Uint8Array {
  const hash = o.pssSha3 === true ? 'sha3-256' : 'sha256';
  const digest = createHash(hash).update(o.content).digest();
  const attrs = [
    attribute(OIDS.contentType, oid(OIDS.data)),
    attribute(OIDS.signingTime, utcTime(o.signingTime ?? new Date())),
    attribute(OIDS.messageDigest, octet(digest)),
    ...(o.signedAttrs ?? []),
  ];
  const derSet = setOf(attrs);
  const signature = new Uint8Array(o.pssSha3 === true
    ? sign('sha3-256', derSet, { key: o.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : sign('sha256', derSet, o.key));
  const signedAttrsField = o.berSignedAttrs === true
    ? cat([Uint8Array.of(0xa0, 0x80), ...attrs.reverse(), Uint8Array.of(0, 0)])
    : cat([Uint8Array.of(0xa0), derSet.subarray(1)]);
  const unsigned = o.unsignedAttrs?.(signature) ?? [];
  const sha256Alg = o.pssSha3 === true ? seq(oid(SHA3_256)) : seq(oid(OIDS.sha256));
  // RSASSA-PSS-params (RFC 4055 §3.1): [0] hashAlgorithm, [1] maskGenAlgorithm MGF1(hash), [2] saltLength.
  const sigAlg = o.pssSha3 === true
    ? seq(oid(RSASSA_PSS), seq(tlv(0xa0, seq(oid(SHA3_256))), tlv(0xa1, seq(oid(MGF1), seq(oid(SHA3_256)))), tlv(0xa2, int(32))))
    : seq(oid(OIDS.sha256WithRSA), tlv(0x05));
  const signerInfo = seq(
    int(1),
    issuerAndSerial(o.signerCert),
    sha256Alg,
    signedAttrsField,
    sigAlg,
    octet(signature),
    ...(unsigned.length > 0 ? [cat([Uint8Array.of(0xa1), setOf(unsigned).subarray(1)])] : []),
  );
  const certs = o.certificates ?? [o.signerCert];
  const encap = o.detached === true ? seq(oid(OIDS.data)) : seq(oid(OIDS.data), tlv(0xa0, octet(o.content)));
  const signedData = seq(
    int(1),
    setOf([sha256Alg]),
    encap,
    ...(certs.length > 0 ? [tlv(0xa0, ...certs)] : []),
    setOf([signerInfo]),
  );
  return seq(oid(OIDS.signedData), tlv(0xa0, signedData));
}
