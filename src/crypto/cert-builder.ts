/**
 * Building X.509 v3 certificates (RFC 5280 §4) and v2 CRLs (RFC 5280 §5) — for the demo PKI and
 * for tests. Structures come from pkijs/asn1js; signatures from Node's native crypto.
 */
import asn1js from './asn1js-lib.cjs';
import pkijs from './pkijs-lib.cjs';
import { createHash, createPublicKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { KEY_USAGE_BITS, type KeyUsageName } from './x509/certificate.js';
import { CRL_REASON_NAMES, type CrlReason } from './x509/crl.js';

/** A key usage bit name (RFC 5280 §4.2.1.3). */
export type KeyUsageBit = KeyUsageName;

/** One relative distinguished name attribute, e.g. `{ type: 'CN', value: '810012345678' }`. */
export interface DnAttribute {
  /** Short name (C, O, OU, CN, SN, GN, T, L, ST, serialNumber, emailAddress) or a dotted OID. */
  type: string;
  value: string;
}

const DN_OIDS: Record<string, string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  GN: '2.5.4.42',
  T: '2.5.4.12',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  serialNumber: '2.5.4.5',
  emailAddress: '1.2.840.113549.1.9.1',
  organizationIdentifier: '2.5.4.97',
};

/** Everything a new certificate needs. */
export interface CertificateTemplate {
  subject: DnAttribute[];
  /** Issuer certificate (DER) — omit for a self-signed root. */
  issuerCertificate?: Uint8Array;
  /** Subject public key (SubjectPublicKeyInfo). */
  publicKey: KeyObject;
  /** Key that signs the certificate (the issuer's, or the subject's own for a root). */
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Serial number bytes; default 16 random bytes (positive). */
  serialNumber?: Uint8Array;
  ca?: { pathLen?: number };
  keyUsage?: KeyUsageBit[];
  /** Extended key usage OIDs. */
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical?: boolean;
  emails?: string[];
  dnsNames?: string[];
  certificatePolicies?: string[];
  crlDistributionPoints?: string[];
  ocspUrl?: string;
  caIssuersUrl?: string;
  /** Digest of the signature, default sha256. */
  hash?: 'sha256' | 'sha384' | 'sha512';
}

const OID_EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
};

/**
 * Builds a Name (RFC 5280 §4.1.2.4) with one attribute per RDN, in the given order
 * (C as PrintableString, e-mail as IA5String, others UTF8String). The DER is built here and parsed
 * back, because pkijs would put every attribute into one multi-valued RDN.
 */
export function buildName(attrs: DnAttribute[]): pkijs.RelativeDistinguishedNames {
  const rdns = attrs.map((a) => {
    const oid = DN_OIDS[a.type] ?? (/^\d+(\.\d+)+$/.test(a.type) ? a.type : undefined);
    if (oid === undefined) throw new ScelleError('USAGE', `unknown name attribute ${a.type}`);
    const printable = a.type === 'C' || a.type === 'serialNumber';
    const value = a.type === 'emailAddress'
      ? new asn1js.IA5String({ value: a.value })
      : printable
        ? new asn1js.PrintableString({ value: a.value })
        : new asn1js.Utf8String({ value: a.value });
    return new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), value] })] });
  });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns }).toBER(false));
}

function time(d: Date): pkijs.Time {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds only
  // (§4.1.2.5.2 forbids fractional seconds; gpgsm rejects them).
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: whole.getUTCFullYear() < 2050 ? 0 : 1, value: whole });
}

function keyUsageBitString(bits: KeyUsageBit[]): asn1js.BitString {
  let highest = -1;
  const bytes = new Uint8Array(2);
  for (const b of bits) {
    const i = KEY_USAGE_BITS.indexOf(b);
    bytes[i >> 3]! |= 0x80 >> (i & 7);
    highest = Math.max(highest, i);
  }
  const len = highest < 8 ? 1 : 2;
  const unused = len * 8 - (highest + 1);
  return new asn1js.BitString({ valueHex: bytes.slice(0, len), unusedBits: unused });
}

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKey: KeyObject): Uint8Array {
  const spki = pkijs.PublicKeyInfo.fromBER(spkiOf(publicKey));
  return new Uint8Array(createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest());
}

function signatureAlgorithm(key: KeyObject, hash: 'sha256' | 'sha384' | 'sha512'): pkijs.AlgorithmIdentifier {
  const t = key.asymmetricKeyType;
  if (t === 'rsa') {
    const oid = { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' }[hash];
    return new pkijs.AlgorithmIdentifier({ algorithmId: oid, algorithmParams: new asn1js.Null() });
  }
  if (t === 'ec') {
    const oid = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' }[hash];
    return new pkijs.AlgorithmIdentifier({ algorithmId: oid });
  }
  if (t === 'ed25519') return new pkijs.AlgorithmIdentifier({ algorithmId: '1.3.101.112' });
  throw new ScelleError('UNSUPPORTED_ALGORITHM', `cannot sign certificates with a ${String(t)} key`, { params: { detail: String(t) } });
}

function signBytes(key: KeyObject, hash: string, data: Uint8Array): Uint8Array {
  const algo = key.asymmetricKeyType === 'ed25519' ? null : hash;
  return new Uint8Array(cryptoSign(algo, data, key));
}

function ext(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function randomSerial(): Uint8Array {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x40; // positive, no leading zero byte
  return new Uint8Array(s);
}

/**
 * Creates and signs a certificate; returns its DER.
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` for a signing key scelle cannot use, `USAGE` for an unknown name attribute.
 */
export function buildCertificate(tpl: CertificateTemplate): Uint8Array {
  const hash = tpl.hash ?? 'sha256';
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: tpl.serialNumber ?? randomSerial() });
  cert.subject = buildName(tpl.subject);
  let issuerSki: Uint8Array;
  if (tpl.issuerCertificate) {
    const issuer = pkijs.Certificate.fromBER(tpl.issuerCertificate);
    cert.issuer = issuer.subject;
    const skiExt = issuer.extensions?.find((e) => e.extnID === OID_EXT.subjectKeyIdentifier);
    issuerSki = skiExt
      ? new Uint8Array((asn1js.fromBER(skiExt.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock.valueHexView)
      : new Uint8Array(createHash('sha1').update(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest());
  } else {
    cert.issuer = buildName(tpl.subject);
    issuerSki = keyIdentifier(tpl.publicKey);
  }
  cert.notBefore = time(tpl.notBefore);
  cert.notAfter = time(tpl.notAfter);
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiOf(tpl.publicKey));

  const exts: pkijs.Extension[] = [];
  if (tpl.ca) {
    exts.push(ext(OID_EXT.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, ...(tpl.ca.pathLen !== undefined ? { pathLenConstraint: tpl.ca.pathLen } : {}) }).toSchema()));
  } else {
    exts.push(ext(OID_EXT.basicConstraints, true, new asn1js.Sequence({ value: [] })));
  }
  if (tpl.keyUsage && tpl.keyUsage.length > 0) exts.push(ext(OID_EXT.keyUsage, true, keyUsageBitString(tpl.keyUsage)));
  if (tpl.extendedKeyUsage && tpl.extendedKeyUsage.length > 0) {
    exts.push(ext(OID_EXT.extKeyUsage, tpl.extendedKeyUsageCritical ?? false, new pkijs.ExtKeyUsage({ keyPurposes: tpl.extendedKeyUsage }).toSchema()));
  }
  exts.push(ext(OID_EXT.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(tpl.publicKey) })));
  exts.push(ext(OID_EXT.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuerSki }) }).toSchema()));
  const altNames = [
    ...(tpl.emails ?? []).map((v) => new pkijs.GeneralName({ type: 1, value: v })),
    ...(tpl.dnsNames ?? []).map((v) => new pkijs.GeneralName({ type: 2, value: v })),
  ];
  if (altNames.length > 0) exts.push(ext(OID_EXT.subjectAltName, false, new pkijs.GeneralNames({ names: altNames }).toSchema()));
  if (tpl.certificatePolicies && tpl.certificatePolicies.length > 0) {
    exts.push(ext(OID_EXT.certificatePolicies, false, new pkijs.CertificatePolicies({
      certificatePolicies: tpl.certificatePolicies.map((p) => new pkijs.PolicyInformation({ policyIdentifier: p })),
    }).toSchema()));
  }
  if (tpl.crlDistributionPoints && tpl.crlDistributionPoints.length > 0) {
    exts.push(ext(OID_EXT.crlDistributionPoints, false, new pkijs.CRLDistributionPoints({
      distributionPoints: tpl.crlDistributionPoints.map((url) => new pkijs.DistributionPoint({
        distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })],
      })),
    }).toSchema()));
  }
  const access: pkijs.AccessDescription[] = [];
  if (tpl.ocspUrl) access.push(new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.1', accessLocation: new pkijs.GeneralName({ type: 6, value: tpl.ocspUrl }) }));
  if (tpl.caIssuersUrl) access.push(new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.2', accessLocation: new pkijs.GeneralName({ type: 6, value: tpl.caIssuersUrl }) }));
  if (access.length > 0) exts.push(ext(OID_EXT.authorityInfoAccess, false, new pkijs.InfoAccess({ accessDescriptions: access }).toSchema()));
  cert.extensions = exts;

  const alg = signatureAlgorithm(tpl.signingKey, hash);
  cert.signature = alg;
  cert.signatureAlgorithm = alg;
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: signBytes(tpl.signingKey, hash, tbs) });
  return new Uint8Array(cert.toSchema(false).toBER(false));
}

export type { CrlReason };

/** A CRL to build. */
export interface CrlTemplate {
  issuerCertificate: Uint8Array;
  signingKey: KeyObject;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
  revoked: { serialNumber: Uint8Array; revocationDate: Date; reason?: CrlReason }[];
}

/** Creates and signs a v2 CRL (RFC 5280 §5); returns its DER. */
export function buildCrl(tpl: CrlTemplate): Uint8Array {
  const issuer = pkijs.Certificate.fromBER(tpl.issuerCertificate);
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = issuer.subject;
  crl.thisUpdate = time(tpl.thisUpdate);
  crl.nextUpdate = time(tpl.nextUpdate);
  if (tpl.revoked.length > 0) {
    crl.revokedCertificates = tpl.revoked.map((r) => new pkijs.RevokedCertificate({
      userCertificate: new asn1js.Integer({ valueHex: r.serialNumber }),
      revocationDate: time(r.revocationDate),
      ...(r.reason
        ? { crlEntryExtensions: new pkijs.Extensions({ extensions: [ext(OID_EXT.reasonCode, false, new asn1js.Enumerated({ value: CRL_REASON_NAMES.indexOf(r.reason) }))] }) }
        : {}),
    }));
  }
  const issuerKeyId = keyIdentifier(createPublicKey({ key: Buffer.from(issuer.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' }));
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      ext(OID_EXT.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuerKeyId }) }).toSchema()),
      ext(OID_EXT.crlNumber, false, new asn1js.Integer({ value: tpl.crlNumber })),
    ],
  });
  const alg = signatureAlgorithm(tpl.signingKey, 'sha256');
  crl.signature = alg;
  crl.signatureAlgorithm = alg;
  const full = crl.toSchema(true) as asn1js.Sequence;
  const tbs = new Uint8Array(full.valueBlock.value[0]!.toBER(false));
  crl.tbsView = tbs;
  crl.signatureValue = new asn1js.BitString({ valueHex: signBytes(tpl.signingKey, 'sha256', tbs) });
  return new Uint8Array(crl.toSchema(false).toBER(false));
}

/** Serial number bytes of a certificate (DER INTEGER content). */
export function certificateSerial(der: Uint8Array): Uint8Array {
  return new Uint8Array(pkijs.Certificate.fromBER(der).serialNumber.valueBlock.valueHexView);
}
