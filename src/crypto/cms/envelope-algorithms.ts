/**
 * Algorithms of CMS envelopes (RFC 5652 §6, RFC 5083) and their OIDs: content encryption
 * (RFC 3565 AES-CBC, RFC 5084 AES-GCM, RFC 3370 §5.1 Triple-DES for reading old files), key
 * transport (RFC 8017 / RFC 4055 RSAES-OAEP, RSAES-PKCS1-v1_5), key agreement (RFC 5753 ECDH with
 * the X9.63 KDF, RFC 3565 AES key wrap) and passwords (RFC 3211 PWRI with RFC 8018 PBKDF2).
 */

/** Content types and algorithm OIDs of envelopes. */
export const ENVELOPE_OID = {
  data: '1.2.840.113549.1.7.1',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  // key transport (RFC 8017 Appendix A.2, RFC 4055 §4)
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  pSpecified: '1.2.840.113549.1.1.9',
  // key agreement (RFC 5753 §7.1.4, SEC 1, RFC 5480)
  ecPublicKey: '1.2.840.10045.2.1',
  // PWRI (RFC 3211 §2.2, RFC 8018)
  pbkdf2: '1.2.840.113549.1.5.12',
  pwriKek: '1.2.840.113549.1.9.16.3.9',
} as const;

/** A content-encryption algorithm scelle decrypts. */
export interface ContentCipher {
  oid: string;
  /** Name reported to callers and OpenSSL's cipher name. */
  name: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' | 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';
  mode: 'gcm' | 'cbc';
  keyLength: number;
  /** IV length of a CBC cipher (its parameters are the IV, RFC 3565 §4.1). */
  ivLength: number;
  /** Broken or obsolete: read for old files, never written. */
  weak: boolean;
}

export const CONTENT_CIPHERS: readonly ContentCipher[] = [
  { oid: '2.16.840.1.101.3.4.1.46', name: 'aes-256-gcm', mode: 'gcm', keyLength: 32, ivLength: 12, weak: false },
  { oid: '2.16.840.1.101.3.4.1.26', name: 'aes-192-gcm', mode: 'gcm', keyLength: 24, ivLength: 12, weak: false },
  { oid: '2.16.840.1.101.3.4.1.6', name: 'aes-128-gcm', mode: 'gcm', keyLength: 16, ivLength: 12, weak: false },
  { oid: '2.16.840.1.101.3.4.1.42', name: 'aes-256-cbc', mode: 'cbc', keyLength: 32, ivLength: 16, weak: false },
  { oid: '2.16.840.1.101.3.4.1.22', name: 'aes-192-cbc', mode: 'cbc', keyLength: 24, ivLength: 16, weak: false },
  { oid: '2.16.840.1.101.3.4.1.2', name: 'aes-128-cbc', mode: 'cbc', keyLength: 16, ivLength: 16, weak: false },
  // OpenSSL's `cms -encrypt` default when no cipher is named (RFC 3370 §5.1).
  { oid: '1.2.840.113549.3.7', name: 'des-ede3-cbc', mode: 'cbc', keyLength: 24, ivLength: 8, weak: true },
];

/** The CBC ciphers a PWRI KEK may use (RFC 3211 §2.3: any block cipher in CBC mode). */
export const KEK_CBC_CIPHERS: readonly { oid: string; name: string; keyLength: number; blockLength: number }[] = [
  { oid: '2.16.840.1.101.3.4.1.42', name: 'aes-256-cbc', keyLength: 32, blockLength: 16 },
  { oid: '2.16.840.1.101.3.4.1.22', name: 'aes-192-cbc', keyLength: 24, blockLength: 16 },
  { oid: '2.16.840.1.101.3.4.1.2', name: 'aes-128-cbc', keyLength: 16, blockLength: 16 },
  { oid: '1.2.840.113549.3.7', name: 'des-ede3-cbc', keyLength: 24, blockLength: 8 },
];

/** RFC 3394 AES key wrap (RFC 3565 §2.3.2), by OID. */
export const KEY_WRAPS: readonly { oid: string; name: string; cipher: string; keyLength: number }[] = [
  { oid: '2.16.840.1.101.3.4.1.45', name: 'aes256-wrap', cipher: 'id-aes256-wrap', keyLength: 32 },
  { oid: '2.16.840.1.101.3.4.1.25', name: 'aes192-wrap', cipher: 'id-aes192-wrap', keyLength: 24 },
  { oid: '2.16.840.1.101.3.4.1.5', name: 'aes128-wrap', cipher: 'id-aes128-wrap', keyLength: 16 },
];

/** RFC 5753 §7.1.4 key-agreement schemes (standard and cofactor DH are the same on prime curves). */
export const ECDH_SCHEMES: readonly { oid: string; name: string; hash: string }[] = [
  { oid: '1.3.133.16.840.63.0.2', name: 'dhSinglePass-stdDH-sha1kdf-scheme', hash: 'sha1' },
  { oid: '1.3.132.1.11.0', name: 'dhSinglePass-stdDH-sha224kdf-scheme', hash: 'sha224' },
  { oid: '1.3.132.1.11.1', name: 'dhSinglePass-stdDH-sha256kdf-scheme', hash: 'sha256' },
  { oid: '1.3.132.1.11.2', name: 'dhSinglePass-stdDH-sha384kdf-scheme', hash: 'sha384' },
  { oid: '1.3.132.1.11.3', name: 'dhSinglePass-stdDH-sha512kdf-scheme', hash: 'sha512' },
  { oid: '1.3.133.16.840.63.0.3', name: 'dhSinglePass-cofactorDH-sha1kdf-scheme', hash: 'sha1' },
  { oid: '1.3.132.1.14.0', name: 'dhSinglePass-cofactorDH-sha224kdf-scheme', hash: 'sha224' },
  { oid: '1.3.132.1.14.1', name: 'dhSinglePass-cofactorDH-sha256kdf-scheme', hash: 'sha256' },
  { oid: '1.3.132.1.14.2', name: 'dhSinglePass-cofactorDH-sha384kdf-scheme', hash: 'sha384' },
  { oid: '1.3.132.1.14.3', name: 'dhSinglePass-cofactorDH-sha512kdf-scheme', hash: 'sha512' },
];

/** Named curves for ECDH, with the scheme scelle writes for each (RFC 5753 §8 / RFC 5008 pairing). */
export const EC_CURVES: readonly { oid: string; node: string; name: string; scheme: string; pointLength: number }[] = [
  { oid: '1.2.840.10045.3.1.7', node: 'prime256v1', name: 'P-256', scheme: '1.3.132.1.11.1', pointLength: 65 },
  { oid: '1.3.132.0.34', node: 'secp384r1', name: 'P-384', scheme: '1.3.132.1.11.2', pointLength: 97 },
  { oid: '1.3.132.0.35', node: 'secp521r1', name: 'P-521', scheme: '1.3.132.1.11.3', pointLength: 133 },
];

/** Digests for RSAES-OAEP (RFC 4055 §2.1, RFC 8017 Appendix B.1). */
export const DIGESTS: readonly { oid: string; node: string; name: string }[] = [
  { oid: '1.3.14.3.2.26', node: 'sha1', name: 'SHA-1' },
  { oid: '2.16.840.1.101.3.4.2.4', node: 'sha224', name: 'SHA-224' },
  { oid: '2.16.840.1.101.3.4.2.1', node: 'sha256', name: 'SHA-256' },
  { oid: '2.16.840.1.101.3.4.2.2', node: 'sha384', name: 'SHA-384' },
  { oid: '2.16.840.1.101.3.4.2.3', node: 'sha512', name: 'SHA-512' },
];

/** PBKDF2 PRFs (RFC 8018 Appendix B.1.1–B.1.2); hmacWithSHA1 is the DEFAULT. */
export const PBKDF2_PRFS: readonly { oid: string; node: string; name: string }[] = [
  { oid: '1.2.840.113549.2.7', node: 'sha1', name: 'HMAC-SHA1' },
  { oid: '1.2.840.113549.2.8', node: 'sha224', name: 'HMAC-SHA224' },
  { oid: '1.2.840.113549.2.9', node: 'sha256', name: 'HMAC-SHA256' },
  { oid: '1.2.840.113549.2.10', node: 'sha384', name: 'HMAC-SHA384' },
  { oid: '1.2.840.113549.2.11', node: 'sha512', name: 'HMAC-SHA512' },
];

export const SHA256_OID = '2.16.840.1.101.3.4.2.1';
export const HMAC_SHA256_OID = '1.2.840.113549.2.9';
export const AES256_CBC_OID = '2.16.840.1.101.3.4.1.42';
export const AES256_GCM_OID = '2.16.840.1.101.3.4.1.46';
export const AES256_WRAP_OID = '2.16.840.1.101.3.4.1.45';

/** The PBKDF2 iteration count scelle writes (OWASP 2023 for PBKDF2-HMAC-SHA256), and the floor. */
export const PWRI_ITERATIONS = 600_000;

/** Iteration counts above this are refused when reading (a hostile file could ask for 2^31). */
export const PWRI_MAX_ITERATIONS = 10_000_000;
