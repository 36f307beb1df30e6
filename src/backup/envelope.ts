/**
 * The encryption of everything a repository stores (see docs/drafts/backup-repository.md §3).
 *
 * - A *sealed box*: AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce, laid out
 *   `nonce(12) ‖ ciphertext ‖ tag(16)`, no additional data. GCM's ciphertext is AES-256-CTR with
 *   the counter block `nonce ‖ 00000002`, so `openssl enc -d -aes-256-ctr` decrypts it by hand;
 *   the seal's signed SHA-256 of every object authenticates it without the key.
 * - A *run key*: the write side never holds a reading key. Each run draws an ephemeral X25519 key
 *   pair and derives its data key from ECDH with the repository's public key (as age's X25519
 *   recipients do): `HKDF-SHA256(ikm = X25519(eph, recipient), salt = ephPub ‖ recipient,
 *   info = "scelle-backup v1 data key")`. Every object the run writes carries `ephPub` in its
 *   header; only the holder of the repository's private key re-derives the key.
 */
import {
  createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman,
  generateKeyPairSync, hkdfSync, randomBytes, randomFillSync, type KeyObject,
} from 'node:crypto';
import { ScelleError } from '../errors.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const BOX_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** Object magics (8 bytes): packs of chunks, snapshots, indexes. */
export const MAGIC = {
  pack: Buffer.from('SCELLEP1', 'latin1'),
  snapshot: Buffer.from('SCELLES1', 'latin1'),
  index: Buffer.from('SCELLEI1', 'latin1'),
} as const;
export type ObjectKind = keyof typeof MAGIC;

/** PKCS#8 / SPKI DER prefixes of raw X25519 keys (RFC 8410 §7, §4): for `openssl pkeyutl -derive`. */
export const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
export const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export const DATA_KEY_INFO = 'scelle-backup v1 data key';

/** Encrypts `plain` into a sealed box (one allocation: nonce ‖ ciphertext ‖ tag). */
export function sealBox(key: Uint8Array, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  const out = Buffer.allocUnsafe(NONCE_BYTES + plain.length + TAG_BYTES);
  nonce.copy(out, 0);
  let n = NONCE_BYTES;
  n += c.update(plain).copy(out, n);
  n += c.final().copy(out, n);
  c.getAuthTag().copy(out, n);
  return out;
}

/**
 * Encrypts `plain` (or the concatenation of its parts) into a sealed box written at
 * `out[offset…]` (no pack-sized copy afterwards); returns the box length. `out` must have room for
 * the plaintext's length + BOX_OVERHEAD bytes.
 */
export function sealBoxInto(key: Uint8Array, plain: Uint8Array | readonly Uint8Array[], out: Buffer, offset: number): number {
  randomFillSync(out, offset, NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, out.subarray(offset, offset + NONCE_BYTES));
  let n = offset + NONCE_BYTES;
  for (const part of plain instanceof Uint8Array ? [plain] : plain) n += c.update(part).copy(out, n);
  n += c.final().copy(out, n);
  n += c.getAuthTag().copy(out, n);
  return n - offset;
}

/**
 * Decrypts a sealed box.
 * @throws ScelleError OBJECT_CORRUPT (names `what`) when authentication fails.
 */
export function openBox(key: Uint8Array, box: Uint8Array, what: string): Buffer {
  if (box.length < BOX_OVERHEAD) throw new ScelleError('OBJECT_CORRUPT', `${what} is truncated: the data is corrupted`, { params: { object: what } });
  const nonce = box.subarray(0, NONCE_BYTES);
  const tag = box.subarray(box.length - TAG_BYTES);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(tag);
  try {
    const a = d.update(box.subarray(NONCE_BYTES, box.length - TAG_BYTES));
    const b = d.final();
    return b.length === 0 ? a : Buffer.concat([a, b]);
  } catch (e) {
    throw new ScelleError('OBJECT_CORRUPT', `authentication failed on ${what}: the object is corrupted or was tampered with`, { cause: e, params: { object: what } });
  }
}

/** An X25519 private key from its 32 raw bytes. */
export function x25519Private(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** An X25519 public key from its 32 raw bytes. */
export function x25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw 32 bytes of an X25519 public key. */
export function rawPublic(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(X25519_SPKI_PREFIX.length);
}

/** A fresh X25519 key pair, raw. */
export function newX25519(): { privateKey: Buffer; publicKey: Buffer } {
  const kp = generateKeyPairSync('x25519');
  const priv = (kp.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).subarray(X25519_PKCS8_PREFIX.length);
  return { privateKey: Buffer.from(priv), publicKey: rawPublic(kp.publicKey) };
}

function dataKey(shared: Uint8Array, ephPub: Uint8Array, recipient: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPub, recipient]), DATA_KEY_INFO, 32));
}

/** The write side of a run: an ephemeral key and the data key it shares with the recipient. */
export function newRunKey(recipient: Uint8Array): { ephPub: Buffer; key: Buffer } {
  const eph = newX25519();
  const shared = diffieHellman({ privateKey: x25519Private(eph.privateKey), publicKey: x25519Public(recipient) });
  return { ephPub: eph.publicKey, key: dataKey(shared, eph.publicKey, recipient) };
}

/** The read side: the data key of the run whose ephemeral public key is `ephPub`. */
export function runKeyFor(readKey: Uint8Array, recipient: Uint8Array, ephPub: Uint8Array): Buffer {
  const shared = diffieHellman({ privateKey: x25519Private(readKey), publicKey: x25519Public(ephPub) });
  return dataKey(shared, ephPub, recipient);
}

/** The public key of a raw X25519 private key. */
export function publicOf(readKey: Uint8Array): Buffer {
  return rawPublic(createPublicKey(x25519Private(readKey)));
}

/** SHA-256, lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Header of an object: magic, then for packs and snapshots the run's ephemeral public key. */
export function objectHeader(kind: ObjectKind, ephPub?: Uint8Array): Buffer {
  return kind === 'index' ? MAGIC.index : Buffer.concat([MAGIC[kind], ephPub!]);
}

/** Length of the header of `kind`. */
export function headerLength(kind: ObjectKind): number {
  return kind === 'index' ? 8 : 40;
}

/**
 * Checks an object's magic and returns its ephemeral public key (packs and snapshots).
 * @throws ScelleError OBJECT_CORRUPT naming `what`.
 */
export function readHeader(kind: ObjectKind, data: Uint8Array, what: string): Buffer | undefined {
  if (data.length < headerLength(kind) || !Buffer.from(data.subarray(0, 8)).equals(MAGIC[kind])) {
    throw new ScelleError('OBJECT_CORRUPT', `${what} does not start with the ${kind} magic ${MAGIC[kind].toString('latin1')}: the object is corrupted`, { params: { object: what } });
  }
  return kind === 'index' ? undefined : Buffer.from(data.subarray(8, 40));
}
