/**
 * Test-only RFC 3161 token builder: TSTInfo (RFC 3161 §2.4.2) signed as a CMS SignedData with the
 * ESS signing-certificate(-v2) attribute (RFC 2634 §5.4, RFC 5035 §5.4), by any certificate and
 * key — including ones a real TSA (openssl ts -reply) refuses to sign with: a non-critical or
 * missing timeStamping EKU, an expired certificate. Checked against `openssl ts -verify` in
 * tests/interop/timestamp-verify-openssl.test.ts so that the builder itself is known to be right.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { certificateSerial } from '../../src/crypto/cert-builder.js';
import { DER_NULL, TAG, algorithmIdentifier, objectIdentifier, octetString, sequence, setOf, smallInteger, tlv } from '../../src/crypto/asn1/der.js';
import { ALG_OID, CMS_OID } from '../../src/crypto/cms/oids.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { encodeAccuracy, encodeGeneralizedTime, unsignedInteger } from '../../src/timestamp/tsp.js';

const HASH_OID = { sha1: ALG_OID.sha1, sha256: ALG_OID.sha256, sha384: ALG_OID.sha384, sha512: ALG_OID.sha512 } as const;

/** Fields of a TSTInfo to build. */
export interface TstFields {
  policy?: string;
  hash?: keyof typeof HASH_OID;
  imprint: Uint8Array;
  serial?: Uint8Array;
  /** The serialNumber INTEGER's contents octets as given (two's complement: may be negative). */
  serialContents?: Uint8Array;
  genTime?: Date;
  nonce?: Uint8Array;
  /** Put the signer's subject in the `tsa` field (or this Name DER). */
  tsaName?: boolean | Uint8Array;
  accuracy?: { seconds?: number; millis?: number; micros?: number };
}

/** The DER of a TSTInfo. */
export function buildTstInfo(f: TstFields, signerCert?: Uint8Array): Uint8Array {
  const parts = [
    smallInteger(1),
    objectIdentifier(f.policy ?? '1.2.250.1.999.1'),
    sequence(algorithmIdentifier(HASH_OID[f.hash ?? 'sha256']), octetString(f.imprint)),
    f.serialContents !== undefined ? Uint8Array.from([0x02, f.serialContents.length, ...f.serialContents]) : unsignedInteger(f.serial ?? Uint8Array.of(0x2a)),
    encodeGeneralizedTime(f.genTime ?? new Date()),
  ];
  const acc = f.accuracy === undefined ? undefined : encodeAccuracy(f.accuracy);
  if (acc !== undefined) parts.push(acc);
  if (f.nonce !== undefined) parts.push(unsignedInteger(f.nonce));
  if (f.tsaName !== undefined && f.tsaName !== false) {
    const name = f.tsaName === true ? X509Cert.fromDer(signerCert!).subjectDer : f.tsaName;
    parts.push(tlv(TAG.CONTEXT_0, tlv(TAG.CONTEXT_4, name)));
  }
  return sequence(...parts);
}

/** How to sign a TSTInfo. */
export interface TokenSigning {
  cert: Uint8Array;
  key: KeyObject;
  /** Certificates to embed (default: the signer's). */
  certs?: Uint8Array[];
  /** ESS attribute: v2 (SHA-256 ESSCertIDv2, default), v1 (SHA-1 ESSCertID), none. */
  ess?: 'v1' | 'v2' | 'none';
  /** The certificate the ESS attribute names (default: the signer's). */
  essCert?: Uint8Array;
  /** Sign a content-type other than id-ct-TSTInfo. */
  contentType?: string;
  /** Put this in the message-digest attribute instead of the TSTInfo's digest. */
  messageDigest?: Uint8Array;
}

const attribute = (oid: string, value: Uint8Array): Uint8Array => sequence(objectIdentifier(oid), setOf([value]));

/** A TimeStampToken ContentInfo DER over `tstInfo`. */
export function signTstInfo(tstInfo: Uint8Array, s: TokenSigning): Uint8Array {
  const cert = X509Cert.fromDer(s.cert);
  const essCert = X509Cert.fromDer(s.essCert ?? s.cert);
  const issuerSerial = sequence(sequence(tlv(TAG.CONTEXT_4, essCert.issuerDer)), tlv(TAG.INTEGER, certificateSerial(essCert.der)));
  const attrs = [
    attribute(CMS_OID.contentType, objectIdentifier(s.contentType ?? CMS_OID.tstInfo)),
    attribute(CMS_OID.messageDigest, octetString(s.messageDigest ?? new Uint8Array(createHash('sha256').update(tstInfo).digest()))),
  ];
  if ((s.ess ?? 'v2') === 'v2') {
    const id = sequence(octetString(new Uint8Array(createHash('sha256').update(essCert.der).digest())), issuerSerial);
    attrs.push(attribute(CMS_OID.signingCertificateV2, sequence(sequence(id))));
  } else if (s.ess === 'v1') {
    const id = sequence(octetString(new Uint8Array(createHash('sha1').update(essCert.der).digest())), issuerSerial);
    attrs.push(attribute(CMS_OID.signingCertificate, sequence(sequence(id))));
  }
  const signedAttrs = setOf(attrs);
  const signature = new Uint8Array(sign('sha256', signedAttrs, s.key));
  const signedAttrsImplicit = Uint8Array.from(signedAttrs);
  signedAttrsImplicit[0] = TAG.CONTEXT_0;
  const signerInfo = sequence(
    smallInteger(1),
    sequence(cert.issuerDer, tlv(TAG.INTEGER, certificateSerial(cert.der))),
    algorithmIdentifier(ALG_OID.sha256),
    signedAttrsImplicit,
    algorithmIdentifier(ALG_OID.sha256WithRSAEncryption, DER_NULL),
    octetString(signature),
  );
  const signedData = sequence(
    smallInteger(3),
    setOf([algorithmIdentifier(ALG_OID.sha256)]),
    sequence(objectIdentifier(CMS_OID.tstInfo), tlv(TAG.CONTEXT_0, octetString(tstInfo))),
    tlv(TAG.CONTEXT_0, ...(s.certs ?? [s.cert])),
    setOf([signerInfo]),
  );
  return sequence(objectIdentifier(CMS_OID.signedData), tlv(TAG.CONTEXT_0, signedData));
}

/** A granted TimeStampResp around a token. */
export function grantedResponse(token: Uint8Array): Uint8Array {
  return sequence(sequence(smallInteger(0)), token);
}
