/**
 * Signature schemes scelle signs with: RSA PKCS#1 v1.5 (RFC 8017 §8.2, what CPS cards do), RSA-PSS
 * (RFC 8017 §8.1) and ECDSA (FIPS 186-4, DER-encoded signatures as X.509/CMS carry them).
 * SHA-1 and MD5 are never used for new signatures.
 */
import { sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { ScelleError } from '../errors.js';

/** Digests allowed for new signatures. */
export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

/** A signature scheme. */
export type SignatureScheme =
  | { type: 'rsa-pkcs1'; hash: SignatureHash }
  | { type: 'rsa-pss'; hash: SignatureHash; saltLength: number }
  | { type: 'ecdsa'; hash: SignatureHash };

/** Human name, e.g. `RSA PKCS#1 v1.5 / SHA-256`. */
export function describeScheme(s: SignatureScheme): string {
  const h = s.hash.toUpperCase().replace('SHA', 'SHA-');
  return s.type === 'rsa-pkcs1' ? `RSA PKCS#1 v1.5 / ${h}` : s.type === 'rsa-pss' ? `RSA-PSS / ${h}` : `ECDSA / ${h}`;
}

/**
 * The default scheme for a key type: RSA PKCS#1 v1.5 SHA-256 for RSA (what CPS cards do),
 * ECDSA with SHA-256/384/512 matched to the curve size.
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` for other key types.
 */
export function defaultSchemeFor(keyType: string, curve?: string): SignatureScheme {
  if (keyType === 'rsa') return { type: 'rsa-pkcs1', hash: 'sha256' };
  if (keyType === 'rsa-pss') return { type: 'rsa-pss', hash: 'sha256', saltLength: 32 };
  if (keyType === 'ec') {
    const hash: SignatureHash = curve === 'P-384' || curve === 'secp384r1' ? 'sha384' : curve === 'P-521' || curve === 'secp521r1' ? 'sha512' : 'sha256';
    return { type: 'ecdsa', hash };
  }
  throw new ScelleError('UNSUPPORTED_ALGORITHM', `no signature scheme for a ${keyType} key`, { params: { detail: keyType } });
}

function nodeOptions(key: KeyObject, s: SignatureScheme): Parameters<typeof cryptoSign>[2] {
  if (s.type === 'rsa-pss') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: s.saltLength };
  if (s.type === 'rsa-pkcs1') return { key, padding: constants.RSA_PKCS1_PADDING };
  return { key, dsaEncoding: 'der' };
}

/**
 * Signs `data` with a software private key.
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` when the scheme does not fit the key.
 */
export function signWithKeyObject(key: KeyObject, scheme: SignatureScheme, data: Uint8Array): Uint8Array {
  checkSchemeFits(key.asymmetricKeyType ?? 'unknown', scheme);
  return new Uint8Array(cryptoSign(scheme.hash, data, nodeOptions(key, scheme)));
}

/**
 * Signs `data` with a software private key on Node's thread pool (libuv), so that several
 * signatures in flight use several cores and the event loop stays free.
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` when the scheme does not fit the key.
 */
export async function signWithKeyObjectAsync(key: KeyObject, scheme: SignatureScheme, data: Uint8Array): Promise<Uint8Array> {
  checkSchemeFits(key.asymmetricKeyType ?? 'unknown', scheme);
  return new Promise((resolve, reject) => {
    cryptoSign(scheme.hash, data, nodeOptions(key, scheme), (err, signature) => (err ? reject(err) : resolve(new Uint8Array(signature))));
  });
}

/** Verifies a signature made with {@link signWithKeyObject} or a token; returns true when it verifies. */
export function verifyWithPublicKey(key: KeyObject, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(scheme.hash, data, nodeOptions(key, scheme) as Parameters<typeof cryptoVerify>[2], signature);
  } catch {
    return false;
  }
}

function checkSchemeFits(keyType: string, s: SignatureScheme): void {
  const ok = s.type === 'ecdsa' ? keyType === 'ec' : keyType === 'rsa' || keyType === 'rsa-pss';
  if (!ok) throw new ScelleError('UNSUPPORTED_ALGORITHM', `a ${keyType} key cannot make ${describeScheme(s)} signatures`, { params: { detail: describeScheme(s) } });
}
