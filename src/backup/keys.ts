/**
 * Repository keys and key slots (docs/drafts/backup-repository.md §2).
 *
 * The *master secret* is 64 random bytes: `readKey` (an X25519 private key: it opens every pack
 * and snapshot) ‖ `writeKey` (from which the writer's keys derive). It is never stored in clear:
 * each *key slot* (`keys/<name>` on every target) holds it in a sealed box under a slot key:
 *
 * - `passphrase`: slot key = scrypt(passphrase NFC, salt, N = 2^17, r = 8, p = 1) — memory-hard
 *   (128 MiB), ~1 s here. `openssl kdf … SCRYPT` recomputes it.
 * - `recovery`: slot key = HKDF-SHA256(recovery key, salt, "scelle-backup v1 recovery slot"); the
 *   recovery key is 256 random bits printed in the recovery kit.
 * - `cert-<fingerprint>`: a random slot key wrapped with RSA-OAEP-SHA256 to the practitioner's
 *   encryption certificate.
 *
 * The *writer* (the machine that runs the weekly backup) keeps only the public key and writeKey
 * in its config: it can chunk, deduplicate (ids are HMACs under idKey), read and write the
 * index (indexKey), but it cannot decrypt a pack or a snapshot.
 */
import {
  createHash, createHmac, hkdfSync, privateDecrypt, publicEncrypt, randomBytes, scrypt as scryptCb, constants, type KeyObject,
} from 'node:crypto';
import { ScelleError } from '../errors.js';
import { newX25519, openBox, publicOf, sealBox } from './envelope.js';

/** scrypt cost, as log2(N). 17 is the default (128 MiB, ~1 s); the demo and tests may lower it. */
export const DEFAULT_KDF_LOG_N = 17;
/** Below this the passphrase slot is refused (2^12 = 4 MiB). */
export const MIN_KDF_LOG_N = 12;
/** Above this a slot is refused as damaged or hostile (2^22 = 4 GiB of scrypt memory). */
export const MAX_KDF_LOG_N = 22;

/** The secret that opens a repository. */
export interface MasterSecret {
  /** X25519 private key (32 bytes). */
  readKey: Buffer;
  /** 32 bytes; see {@link WriteKeys}. */
  writeKey: Buffer;
}

/** What the writer holds (from the config): enough to back up, not to read. */
export interface WriteKeys {
  /** The repository's X25519 public key (32 bytes). */
  recipient: Buffer;
  /** Chunk ids are HMAC-SHA256(idKey, SHA-256(chunk)). */
  idKey: Buffer;
  /** Encrypts the index objects. */
  indexKey: Buffer;
  /** Seeds the chunker's Gear table. */
  gearSeed: Buffer;
}

/** A fresh master secret. */
export function newMasterSecret(): MasterSecret {
  return { readKey: newX25519().privateKey, writeKey: randomBytes(32) };
}

/** The writer's keys from a write key and the public key. */
export function deriveWriteKeys(writeKey: Uint8Array, recipient: Uint8Array): WriteKeys {
  const d = (info: string): Buffer => Buffer.from(hkdfSync('sha256', writeKey, Buffer.alloc(0), `scelle-backup v1 ${info}`, 32));
  return { recipient: Buffer.from(recipient), idKey: d('chunk id'), indexKey: d('index key'), gearSeed: d('gear seed') };
}

/** The writer's keys of a master secret. */
export function writeKeysOf(m: MasterSecret): WriteKeys {
  return deriveWriteKeys(m.writeKey, publicOf(m.readKey));
}

/** The id of a chunk from its SHA-256. */
export function chunkId(idKey: Uint8Array, sha256: Uint8Array): Buffer {
  return createHmac('sha256', idKey).update(sha256).digest();
}

/** A key slot as stored (JSON, `keys/<name>`). Hex fields. */
export interface KeySlot {
  scelle: 'backup-key-slot';
  version: 1;
  kind: 'passphrase' | 'recovery' | 'certificate';
  /** Repository id, so a slot is not moved to another repository by mistake. */
  repository: string;
  kdf:
    | { name: 'scrypt'; logN: number; r: number; p: number; salt: string }
    | { name: 'hkdf-sha256'; salt: string; info: string }
    | { name: 'rsa-oaep-sha256'; certificateSha256: string; subject: string; wrappedKey: string };
  /** nonce ‖ ciphertext ‖ tag of the 64-byte master secret (readKey ‖ writeKey), AES-256-GCM. */
  box: string;
}

export const RECOVERY_INFO = 'scelle-backup v1 recovery slot';

function scryptAsync(pass: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return new Promise((res, rej) => {
    const N = 2 ** logN;
    scryptCb(pass.normalize('NFC'), salt, 32, { N, r, p, maxmem: 128 * N * r * p + 32 * 1024 * 1024 }, (e, k) => (e ? rej(e) : res(k)));
  });
}

function packSecret(m: MasterSecret): Buffer {
  return Buffer.concat([m.readKey, m.writeKey]);
}

function unpackSecret(b: Buffer): MasterSecret {
  if (b.length !== 64) throw new ScelleError('KEY_SLOT_CORRUPT', 'a key slot holds a secret of the wrong size: the key slot is corrupted');
  return { readKey: Buffer.from(b.subarray(0, 32)), writeKey: Buffer.from(b.subarray(32)) };
}

/** A passphrase slot. */
export async function makePassphraseSlot(m: MasterSecret, repository: string, passphrase: string, logN = DEFAULT_KDF_LOG_N): Promise<KeySlot> {
  if (!(logN >= MIN_KDF_LOG_N && logN <= MAX_KDF_LOG_N)) throw new ScelleError('USAGE', `scrypt cost 2^${logN} is outside 2^${MIN_KDF_LOG_N}…2^${MAX_KDF_LOG_N}`);
  const salt = randomBytes(16);
  const key = await scryptAsync(passphrase, salt, logN, 8, 1);
  return { scelle: 'backup-key-slot', version: 1, kind: 'passphrase', repository, kdf: { name: 'scrypt', logN, r: 8, p: 1, salt: salt.toString('hex') }, box: sealBox(key, packSecret(m)).toString('hex') };
}

/** A recovery slot; `recoveryKey` is 32 bytes. */
export function makeRecoverySlot(m: MasterSecret, repository: string, recoveryKey: Uint8Array): KeySlot {
  const salt = randomBytes(16);
  const key = Buffer.from(hkdfSync('sha256', recoveryKey, salt, RECOVERY_INFO, 32));
  return { scelle: 'backup-key-slot', version: 1, kind: 'recovery', repository, kdf: { name: 'hkdf-sha256', salt: salt.toString('hex'), info: RECOVERY_INFO }, box: sealBox(key, packSecret(m)).toString('hex') };
}

/** A certificate slot (RSA encryption certificates: what IGC-Santé issues). */
export function makeCertificateSlot(m: MasterSecret, repository: string, cert: { der: Uint8Array; publicKey: KeyObject; subject: string }): KeySlot {
  if (cert.publicKey.asymmetricKeyType !== 'rsa') throw new ScelleError('UNSUPPORTED_ALGORITHM', `the certificate ${cert.subject} has a ${cert.publicKey.asymmetricKeyType} key: only RSA encryption certificates can open a repository`);
  const key = randomBytes(32);
  const wrapped = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  return {
    scelle: 'backup-key-slot', version: 1, kind: 'certificate', repository,
    kdf: { name: 'rsa-oaep-sha256', certificateSha256: createHash('sha256').update(cert.der).digest('hex'), subject: cert.subject, wrappedKey: wrapped.toString('hex') },
    box: sealBox(key, packSecret(m)).toString('hex'),
  };
}

/** The slot name of a slot (`passphrase`, `recovery`, `cert-<first 16 hex of the fingerprint>`). */
export function slotName(slot: KeySlot): string {
  return slot.kdf.name === 'rsa-oaep-sha256' ? `cert-${slot.kdf.certificateSha256.slice(0, 16)}` : slot.kind;
}

const HEX = (n: number): RegExp => new RegExp(`^[0-9a-f]{${n}}$`);

/** Why a parsed value is not a well-formed slot, or undefined. Every field is checked: a slot is read before anything is trusted. */
function slotProblem(s: KeySlot): string | undefined {
  if (typeof s !== 'object' || s === null || s.scelle !== 'backup-key-slot' || s.version !== 1) return 'not a key slot';
  if (!['passphrase', 'recovery', 'certificate'].includes(s.kind)) return 'unknown kind';
  if (typeof s.repository !== 'string' || !HEX(32).test(s.repository)) return 'malformed repository id';
  // nonce (12) ‖ 64-byte secret ‖ tag (16)
  if (typeof s.box !== 'string' || !HEX(184).test(s.box)) return 'malformed box';
  const k = s.kdf as Record<string, unknown> | undefined;
  if (typeof k !== 'object' || k === null) return 'no kdf';
  if (s.kind === 'passphrase') {
    if (k.name !== 'scrypt' || k.r !== 8 || k.p !== 1 || typeof k.salt !== 'string' || !HEX(32).test(k.salt)) return 'malformed scrypt parameters';
    if (!Number.isInteger(k.logN) || (k.logN as number) < MIN_KDF_LOG_N || (k.logN as number) > MAX_KDF_LOG_N) return `scrypt cost outside 2^${MIN_KDF_LOG_N}…2^${MAX_KDF_LOG_N}`;
  } else if (s.kind === 'recovery') {
    if (k.name !== 'hkdf-sha256' || k.info !== RECOVERY_INFO || typeof k.salt !== 'string' || !HEX(32).test(k.salt)) return 'malformed HKDF parameters';
  } else if (k.name !== 'rsa-oaep-sha256' || typeof k.certificateSha256 !== 'string' || !HEX(64).test(k.certificateSha256)
    || typeof k.subject !== 'string' || typeof k.wrappedKey !== 'string' || !/^([0-9a-f]{2}){64,1024}$/.test(k.wrappedKey)) {
    return 'malformed certificate parameters';
  }
  return undefined;
}

/** Parses a stored slot. @throws ScelleError KEY_SLOT_CORRUPT naming the slot. */
export function parseSlot(bytes: Uint8Array, name: string): KeySlot {
  let s: KeySlot;
  try {
    s = JSON.parse(Buffer.from(bytes).toString('utf8')) as KeySlot;
  } catch (e) {
    throw slotCorrupt(name, 'it is not JSON', e);
  }
  const why = slotProblem(s);
  if (why !== undefined) throw slotCorrupt(name, why);
  return s;
}

/** A damaged key slot (its own code: it is not a wrong secret, and never an internal error). */
export function slotCorrupt(name: string, why: string, cause?: unknown): ScelleError {
  return new ScelleError('KEY_SLOT_CORRUPT', `the key slot keys/${name} is damaged (${why}): it cannot open the repository`, {
    ...(cause !== undefined ? { cause } : {}),
    params: { object: `keys/${name}`, detail: why },
    hint: 'open the repository with another key slot (the recovery kit, or an encryption certificate), or copy keys/ from another destination with `scelle backup repair`',
  });
}

/** What can open a repository. */
export type Unlock =
  | { passphrase: string }
  | { recoveryKey: Uint8Array }
  | { privateKey: KeyObject; certificate: Uint8Array };

function openSlotBox(key: Buffer, slot: KeySlot, wrong: () => ScelleError): MasterSecret {
  try {
    return unpackSecret(openBox(key, Buffer.from(slot.box, 'hex'), `key slot ${slot.kind}`));
  } catch (e) {
    if (e instanceof ScelleError && e.code === 'OBJECT_CORRUPT') throw wrong();
    throw e;
  }
}

/**
 * Opens a slot with a secret of its kind.
 * @throws ScelleError WRONG_PASSWORD (passphrase), WRONG_KEY (recovery key, certificate).
 */
export async function openSlot(slot: KeySlot, unlock: Unlock): Promise<MasterSecret> {
  if ('passphrase' in unlock && slot.kdf.name === 'scrypt') {
    const key = await scryptAsync(unlock.passphrase, Buffer.from(slot.kdf.salt, 'hex'), slot.kdf.logN, slot.kdf.r, slot.kdf.p);
    return openSlotBox(key, slot, () => new ScelleError('WRONG_PASSWORD', 'the passphrase does not open this backup repository', { hint: 'check the passphrase, or use the recovery kit' }));
  }
  if ('recoveryKey' in unlock && slot.kdf.name === 'hkdf-sha256') {
    const key = Buffer.from(hkdfSync('sha256', unlock.recoveryKey, Buffer.from(slot.kdf.salt, 'hex'), slot.kdf.info, 32));
    return openSlotBox(key, slot, () => new ScelleError('WRONG_KEY', 'the recovery key does not open this backup repository', { hint: 'check the recovery key against the recovery kit' }));
  }
  if ('privateKey' in unlock && slot.kdf.name === 'rsa-oaep-sha256') {
    let key: Buffer;
    try {
      key = privateDecrypt({ key: unlock.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(slot.kdf.wrappedKey, 'hex'));
    } catch (e) {
      throw new ScelleError('WRONG_KEY', 'the certificate\'s private key does not open this backup repository', { cause: e });
    }
    return openSlotBox(key, slot, () => new ScelleError('WRONG_KEY', 'the certificate\'s private key does not open this backup repository'));
  }
  throw new ScelleError('USAGE', `the key slot ${slot.kind} cannot be opened with this kind of secret`);
}

// ---------------------------------------------------------------------------- recovery key

/** A fresh 256-bit recovery key. */
export function newRecoveryKey(): Buffer {
  return randomBytes(32);
}

/**
 * The recovery key as printed: 64 hex digits in 16 groups of 4, then a check group (the first 4
 * hex digits of its SHA-256) that catches a mistyped group.
 */
export function formatRecoveryKey(key: Uint8Array): string {
  const hex = Buffer.from(key).toString('hex').toUpperCase();
  const groups = hex.match(/.{4}/g)!;
  const check = createHash('sha256').update(key).digest('hex').slice(0, 4).toUpperCase();
  return `${groups.join('-')}-${check}`;
}

/**
 * Reads a recovery key as typed (any case, spaces or dashes, with or without the check group).
 * @throws ScelleError WRONG_KEY when it is malformed or the check group does not match.
 */
export function parseRecoveryKey(text: string): Buffer {
  const hex = text.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}([0-9a-f]{4})?$/.test(hex)) throw new ScelleError('WRONG_KEY', 'a recovery key is 64 hexadecimal digits (16 groups of 4), optionally followed by a check group');
  const key = Buffer.from(hex.slice(0, 64), 'hex');
  if (hex.length === 68 && createHash('sha256').update(key).digest('hex').slice(0, 4) !== hex.slice(64)) {
    throw new ScelleError('WRONG_KEY', 'the recovery key does not match its check group: a group was mistyped');
  }
  return key;
}
