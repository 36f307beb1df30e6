/**
 * Object identifiers of CMS (RFC 5652), its attributes (RFC 5652 §11, RFC 5035 §5.4) and the
 * algorithms scelle signs and digests with (RFC 5754, RFC 4055, RFC 5758). Shared by signing and
 * verification so both sides speak of the same OIDs.
 */
import type { SignatureHash } from '../signature-scheme.js';
import { OID } from '../x509/certificate.js';

/** CMS content types and attribute types. */
export const CMS_OID = {
  // content types (RFC 5652 §4, §5)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  // signed attributes (RFC 5652 §11; RFC 5035 §5.4; RFC 2634 §5.4)
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // unsigned attributes (RFC 3161 Appendix A: CAdES-T)
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
} as const;

/**
 * Digest and signature algorithm OIDs: the ones certificates use (x509 `OID`), plus RSASSA-PSS
 * and MGF1 for CMS.
 */
export const ALG_OID = {
  md5: OID.md5,
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
  rsaEncryption: OID.rsaEncryption,
  sha256WithRSAEncryption: OID.sha256WithRSAEncryption,
  sha384WithRSAEncryption: OID.sha384WithRSAEncryption,
  sha512WithRSAEncryption: OID.sha512WithRSAEncryption,
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSHA256: OID.ecdsaWithSHA256,
  ecdsaWithSHA384: OID.ecdsaWithSHA384,
  ecdsaWithSHA512: OID.ecdsaWithSHA512,
} as const;

/** Digest OID of each digest scelle signs with (RFC 5754 §2). */
export const DIGEST_OID: Readonly<Record<SignatureHash, string>> = {
  sha256: ALG_OID.sha256,
  sha384: ALG_OID.sha384,
  sha512: ALG_OID.sha512,
};

/** `sha…WithRSAEncryption` of each digest (RFC 5754 §3.2). */
export const RSA_PKCS1_OID: Readonly<Record<SignatureHash, string>> = {
  sha256: ALG_OID.sha256WithRSAEncryption,
  sha384: ALG_OID.sha384WithRSAEncryption,
  sha512: ALG_OID.sha512WithRSAEncryption,
};

/** `ecdsa-with-SHA…` of each digest (RFC 5758 §3.2). */
export const ECDSA_OID: Readonly<Record<SignatureHash, string>> = {
  sha256: ALG_OID.ecdsaWithSHA256,
  sha384: ALG_OID.ecdsaWithSHA384,
  sha512: ALG_OID.ecdsaWithSHA512,
};
