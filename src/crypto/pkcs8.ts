/**
 * PKCS#8 private keys: PrivateKeyInfo / OneAsymmetricKey (RFC 5958 §2) and
 * EncryptedPrivateKeyInfo (RFC 5958 §3) protected with PBES2/PBKDF2 (RFC 8018 §6.2) or a PKCS#12
 * PBE scheme (RFC 7292 App. C). PEM armour (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, RFC 7468
 * §10–11) is handled by `pem.ts`; this module works on DER.
 *
 * A wrong password is detected by the CBC padding check and, since a wrong key still yields valid
 * padding about once in 256 tries with 8-byte-block ciphers, by requiring the plaintext to be a
 * well-formed PrivateKeyInfo: either failure is `WRONG_PASSWORD`.
 */
import asn1js from './asn1js-lib.cjs';
import pkijs from './pkijs-lib.cjs';
const { AlgorithmIdentifier } = pkijs;
type AlgorithmIdentifier = pkijs.AlgorithmIdentifier;
import { ScelleError, isScelleError } from '../errors.js';
import {
  DEFAULT_ITERATIONS,
  DEFAULT_PBE,
  type PbeAlgorithm,
  type PbePassword,
  describePbe,
  matchSchema,
  octets,
  parseBer,
  passwordCandidates,
  pbeDecrypt,
  pbeEncrypt,
  smallInteger,
} from './pbe.js';

// RFC 5958 §2: OneAsymmetricKey ::= SEQUENCE { version, privateKeyAlgorithm, privateKey,
// attributes [0] IMPLICIT OPTIONAL, ..., [[2: publicKey [1] IMPLICIT BIT STRING OPTIONAL ]], ... }
function oneAsymmetricKeySchema(): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.Integer({ name: 'version' }),
      AlgorithmIdentifier.schema({ names: { blockName: 'algorithm' } }),
      new asn1js.OctetString({ name: 'privateKey' }),
      new asn1js.Constructed({ optional: true, idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Repeated({ value: new asn1js.Any() })] }),
      new asn1js.Primitive({ optional: true, idBlock: { tagClass: 3, tagNumber: 1 } }),
    ],
  });
}

// RFC 5958 §3: EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
function encryptedPrivateKeyInfoSchema(): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [AlgorithmIdentifier.schema({ names: { blockName: 'algorithm' } }), new asn1js.OctetString({ name: 'encryptedData' })],
  });
}

/**
 * Checks that `der` is one well-formed PrivateKeyInfo / OneAsymmetricKey (version 0 or 1) and
 * returns its algorithm OID.
 *
 * @param der - PrivateKeyInfo DER.
 * @throws ScelleError `MALFORMED_ASN1` — not a PrivateKeyInfo.
 */
export function checkPrivateKeyInfo(der: Uint8Array): { algorithm: string } {
  const node = parseBer(der, 'PrivateKeyInfo');
  const m = matchSchema(node, oneAsymmetricKeySchema(), 'PrivateKeyInfo');
  const version = smallInteger(m.version, 'PrivateKeyInfo version');
  if (version > 1) throw new ScelleError('MALFORMED_ASN1', `PrivateKeyInfo version ${version} is unknown (0 or 1 expected)`);
  if (octets(m.privateKey, 'PrivateKeyInfo privateKey').length === 0) throw new ScelleError('MALFORMED_ASN1', 'PrivateKeyInfo has an empty privateKey');
  const alg = new AlgorithmIdentifier({ schema: m.algorithm });
  return { algorithm: alg.algorithmId };
}

function readEncrypted(der: Uint8Array): { algorithm: AlgorithmIdentifier; encryptedData: Uint8Array } {
  const node = parseBer(der, 'EncryptedPrivateKeyInfo');
  const m = matchSchema(node, encryptedPrivateKeyInfoSchema(), 'EncryptedPrivateKeyInfo');
  return { algorithm: new AlgorithmIdentifier({ schema: m.algorithm }), encryptedData: octets(m.encryptedData, 'EncryptedPrivateKeyInfo encryptedData') };
}

/**
 * Decrypts an EncryptedPrivateKeyInfo with already-encoded password forms, trying each in turn.
 * Used by `pkcs12.ts` for PKCS8ShroudedKeyBags.
 * @internal
 * @returns the PrivateKeyInfo DER and the human name of the scheme.
 * @throws ScelleError `WRONG_PASSWORD`, `UNSUPPORTED_ALGORITHM`, `MALFORMED_ASN1`.
 */
export function decryptPkcs8WithCandidates(encryptedDer: Uint8Array, candidates: readonly PbePassword[]): { pkcs8: Uint8Array; scheme: string } {
  const { algorithm, encryptedData } = readEncrypted(encryptedDer);
  const scheme = describePbe(algorithm);
  for (const candidate of candidates) {
    let plain: Uint8Array;
    try {
      plain = pbeDecrypt(algorithm, encryptedData, candidate);
    } catch (e) {
      if (isScelleError(e, 'WRONG_PASSWORD')) continue;
      throw e;
    }
    try {
      checkPrivateKeyInfo(plain);
      return { pkcs8: plain, scheme };
    } catch (e) {
      if (!isScelleError(e, 'MALFORMED_ASN1')) throw e;
      // Valid padding by chance, garbage inside: a wrong password too.
    }
  }
  throw new ScelleError('WRONG_PASSWORD', `cannot decrypt the private key (${scheme}): the password is wrong or the key file was altered`);
}

/**
 * Decrypts a PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) into a PrivateKeyInfo.
 *
 * Supported: PBES2 with PBKDF2 (HMAC-SHA1/224/256/384/512) and AES-128/192/256-CBC or
 * DES-EDE3-CBC; the PKCS#12 schemes pbeWithSHAAnd3-KeyTripleDES-CBC,
 * pbeWithSHAAnd2-KeyTripleDES-CBC, pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC.
 *
 * @param encryptedDer - EncryptedPrivateKeyInfo DER (the body of an `ENCRYPTED PRIVATE KEY` PEM block).
 * @param password - the password.
 * @returns PrivateKeyInfo DER (loadable with `crypto.createPrivateKey({ format: 'der', type: 'pkcs8' })`).
 * @throws ScelleError `WRONG_PASSWORD` — bad padding or a plaintext that is not a PrivateKeyInfo;
 *   `UNSUPPORTED_ALGORITHM` — another scheme, cipher or PRF, or more than 10,000,000 iterations;
 *   `MALFORMED_ASN1` — not an EncryptedPrivateKeyInfo, or broken parameters.
 */
export function decryptPkcs8(encryptedDer: Uint8Array, password: string): Uint8Array {
  return decryptPkcs8WithCandidates(encryptedDer, passwordCandidates(password)).pkcs8;
}

/**
 * The human name of the scheme protecting an EncryptedPrivateKeyInfo, without decrypting it
 * (e.g. `PBES2/AES-256-CBC/PBKDF2-SHA256`).
 *
 * @throws ScelleError `MALFORMED_ASN1`, `UNSUPPORTED_ALGORITHM`.
 */
export function describeEncryptedPkcs8(encryptedDer: Uint8Array): string {
  return describePbe(readEncrypted(encryptedDer).algorithm);
}

/** Options of {@link encryptPkcs8}. */
export interface EncryptPkcs8Options {
  /**
   * PBKDF2 (or PKCS#12 KDF) iterations. Default 2048, what `openssl pkcs8 -topk8` uses
   * (PKCS5_DEFAULT_ITER); raise it for keys that live long on disk.
   */
  iterations?: number;
  /** Default PBES2 / AES-256-CBC / PBKDF2-HMAC-SHA256, as OpenSSL 3 writes. */
  algorithm?: PbeAlgorithm;
}

/**
 * Encrypts a PrivateKeyInfo into an EncryptedPrivateKeyInfo (RFC 5958 §3), by default with PBES2,
 * AES-256-CBC and PBKDF2-HMAC-SHA256 (RFC 8018 §6.2), a random 16-byte salt and IV, and 2048
 * iterations — what `openssl pkcs8 -topk8` writes with OpenSSL 3.
 *
 * @param pkcs8Der - PrivateKeyInfo DER.
 * @param password - the password (UTF-8 for PBKDF2).
 * @param options - iteration count and scheme.
 * @returns EncryptedPrivateKeyInfo DER (wrap with `formatPem('ENCRYPTED PRIVATE KEY', …)`).
 * @throws ScelleError `MALFORMED_ASN1` — `pkcs8Der` is not a PrivateKeyInfo; `USAGE` — iterations
 *   outside 1…10,000,000.
 */
export function encryptPkcs8(pkcs8Der: Uint8Array, password: string, options: EncryptPkcs8Options = {}): Uint8Array {
  checkPrivateKeyInfo(pkcs8Der);
  const { algorithm, ciphertext } = pbeEncrypt(pkcs8Der, password, {
    algorithm: options.algorithm ?? DEFAULT_PBE,
    iterations: options.iterations ?? DEFAULT_ITERATIONS,
  });
  return encodeEncryptedPrivateKeyInfo(algorithm, ciphertext);
}

/**
 * DER of an EncryptedPrivateKeyInfo from its parts.
 * @internal
 */
export function encodeEncryptedPrivateKeyInfo(algorithm: AlgorithmIdentifier, ciphertext: Uint8Array): Uint8Array {
  const seq = new asn1js.Sequence({ value: [algorithm.toSchema(), new asn1js.OctetString({ valueHex: ciphertext })] });
  return new Uint8Array(seq.toBER(false));
}
