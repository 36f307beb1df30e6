/**
 * Software private keys: PKCS#8 (RFC 5958) plain or encrypted, PEM or DER, and the traditional
 * OpenSSL PEM forms (`RSA PRIVATE KEY`, `EC PRIVATE KEY`). Keys become Node KeyObjects, so the
 * private key bytes are handled by OpenSSL, not JavaScript, once loaded.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { looksLikePem, parsePem } from './pem.js';
import { decryptPkcs8 } from './pkcs8.js';

/** Options of {@link loadPrivateKey}. */
export interface LoadPrivateKeyOptions {
  /** Password of an encrypted key; asked for only when the key is encrypted. */
  password?: () => Promise<string>;
  /** Name shown in messages (a file name). */
  name?: string;
}

/** True when the key file is encrypted and needs a password. */
export function isEncryptedKey(bytes: Uint8Array): boolean {
  if (looksLikePem(bytes)) {
    return parsePem(Buffer.from(bytes).toString('utf8')).some((b) => b.label === 'ENCRYPTED PRIVATE KEY' || b.headers?.['Proc-Type']?.includes('ENCRYPTED'));
  }
  try {
    createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8' });
    return false;
  } catch {
    return true;
  }
}

/**
 * Loads a private key.
 * @throws ScelleError `WRONG_PASSWORD`, `MALFORMED_PEM`, `MALFORMED_ASN1`, `UNSUPPORTED_FORMAT`, `PASSWORD_REQUIRED`.
 */
export async function loadPrivateKey(bytes: Uint8Array, options: LoadPrivateKeyOptions = {}): Promise<KeyObject> {
  const name = options.name ?? 'private key';
  const askPassword = async (): Promise<string> => {
    if (!options.password) throw new ScelleError('PASSWORD_REQUIRED', `${name} is encrypted: a password is required`, { params: { file: name } });
    return options.password();
  };
  if (looksLikePem(bytes)) {
    const blocks = parsePem(Buffer.from(bytes).toString('utf8'));
    const block = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
    if (!block) throw new ScelleError('UNSUPPORTED_FORMAT', `${name} has no PRIVATE KEY block`, { params: { detail: name } });
    if (block.label === 'ENCRYPTED PRIVATE KEY') return fromPkcs8(decryptPkcs8(block.der, await askPassword()), name);
    if (block.label === 'PRIVATE KEY') return fromPkcs8(block.der, name);
    if (block.label === 'RSA PRIVATE KEY' || block.label === 'EC PRIVATE KEY') {
      const encrypted = block.headers?.['Proc-Type']?.includes('ENCRYPTED') === true;
      const pemText = Buffer.from(bytes).toString('utf8');
      try {
        return createPrivateKey(encrypted ? { key: pemText, format: 'pem', passphrase: await askPassword() } : { key: pemText, format: 'pem' });
      } catch (e) {
        if (e instanceof ScelleError) throw e;
        if (encrypted) throw new ScelleError('WRONG_PASSWORD', `wrong password for ${name}`, { params: { file: name } });
        throw new ScelleError('MALFORMED_ASN1', `${name} is not a valid private key`, { params: { what: 'private key' } });
      }
    }
    throw new ScelleError('UNSUPPORTED_FORMAT', `${name}: unsupported key block "${block.label}"`, { params: { detail: block.label } });
  }
  try {
    return createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8' });
  } catch {
    return fromPkcs8(decryptPkcs8(bytes, await askPassword()), name);
  }
}

function fromPkcs8(der: Uint8Array, name: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new ScelleError('MALFORMED_ASN1', `${name} is not a valid PKCS#8 private key`, { params: { what: 'private key' }, cause: e });
  }
}

/** The SubjectPublicKeyInfo DER of a private key's public half. */
export function publicSpkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}
