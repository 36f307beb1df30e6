/**
 * Object identifiers of CMS (RFC 5652), its attributes (RFC 5652 §11, RFC 5035 §5.4) and the
 * algorithms scelle signs and digests with (RFC 5754, RFC 4055, RFC 5758). Shared by signing and
 * verification so both sides speak of the same OIDs.
 */
import type { SignatureHash } from '../signature-scheme.js';

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

/** Digest and signature algorithm OIDs. */
export const ALG_OID = {
  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
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
