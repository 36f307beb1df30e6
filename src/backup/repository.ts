/**
 * A backup repository over one or more destinations (dumb blob stores). Layout
 * (docs/FORMAT.md, "Backup repository"):
 *
 *   config                     plaintext JSON: format, id, public key, chunker
 *   keys/<slot>                key slots (JSON) wrapping the master secret
 *   data/<2 hex>/<sha256>      packs of encrypted chunks
 *   index/<sha256>             indexes (chunk id → pack, offset, length), under the index key
 *   snapshots/<sha256>         snapshots (file tree + chunk locations), sealed to the public key
 *   seals/<sequence>.seal      the destination's chain of seals (seal.ts, chain.ts)
 *   seals/<sequence>.p7s       their detached CAdES signatures
 *   locks/<random>             lock files (lock.ts)
 *
 * Every object except config, keys, seals and locks is named by the SHA-256 of its bytes. Every
 * command checks that a destination holds the expected repository (REPO_MISMATCH, by name): the
 * same passphrase may open another practice's repository, never silently.
 */
import { randomBytes } from 'node:crypto';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { DEFAULT_CHUNKER, type ChunkerParams } from './chunker.js';
import { sha256Hex } from './envelope.js';
import {
  DEFAULT_KDF_LOG_N, makeCertificateSlot, makePassphraseSlot, makeRecoverySlot, newMasterSecret, newRecoveryKey, openSlot, parseSlot,
  slotCorrupt, slotName, writeKeysOf, type KeySlot, type MasterSecret, type Unlock, type WriteKeys,
} from './keys.js';
import { LIMITS, nameOf } from './objects.js';

/** The plaintext `config` object of a repository. */
export interface RepoConfig {
  scelle: 'backup-repository';
  version: 2;
  /** Random 128-bit id, hex. */
  id: string;
  created: string;
  /** X25519 public key (hex): what every run encrypts to. */
  recipient: string;
  chunker: ChunkerParams;
  /** Target size of a pack (bytes). */
  packSize: number;
}

/** Default pack size: 4 MiB (a 1 GiB dataset is a few hundred objects). */
export const DEFAULT_PACK_SIZE = 4 * 1024 * 1024;

export { packKey, nameOf } from './objects.js';

/** Options of {@link initRepository}. */
export interface InitRepositoryOptions {
  passphrase: string;
  /** scrypt cost (log2 N). Default 17. Lower only for demos and tests. */
  kdfLogN?: number;
  /** Encryption certificate(s) that may also open the repository. */
  certificates?: { der: Uint8Array; publicKey: import('node:crypto').KeyObject; subject: string }[];
  chunker?: ChunkerParams;
  packSize?: number;
  clock?: () => Date;
}

/** What {@link initRepository} made. The caller prints the recovery kit and stores the write key. */
export interface InitRepositoryResult {
  config: RepoConfig;
  master: MasterSecret;
  writeKeys: WriteKeys;
  recoveryKey: Buffer;
  slots: KeySlot[];
}

/**
 * Creates a repository on every given destination (all must be reachable and empty).
 * @throws ScelleError REPO_EXISTS, TARGET_OFFLINE, TARGET_ERROR.
 */
export async function initRepository(destinations: Destination[], options: InitRepositoryOptions): Promise<InitRepositoryResult> {
  const master = newMasterSecret();
  const writeKeys = writeKeysOf(master);
  const created = (options.clock ?? (() => new Date()))();
  const config: RepoConfig = {
    scelle: 'backup-repository', version: 2, id: randomBytes(16).toString('hex'), created: created.toISOString(),
    recipient: writeKeys.recipient.toString('hex'), chunker: options.chunker ?? DEFAULT_CHUNKER, packSize: options.packSize ?? DEFAULT_PACK_SIZE,
  };
  const recoveryKey = newRecoveryKey();
  const slots = [
    await makePassphraseSlot(master, config.id, options.passphrase, options.kdfLogN ?? DEFAULT_KDF_LOG_N),
    makeRecoverySlot(master, config.id, recoveryKey),
    ...(options.certificates ?? []).map((c) => makeCertificateSlot(master, config.id, c)),
  ];
  for (const d of destinations) {
    const probe = await d.probe();
    if (!probe.online) throw new ScelleError('TARGET_OFFLINE', `destination "${d.info.name}" is not reachable: ${probe.reason}`, { params: { target: d.info.name, detail: probe.reason } });
    if ((await d.stat('config')) !== undefined) throw repoExists(d);
  }
  for (const d of destinations) await writeRepoFiles(d, config, slots);
  return { config, master, writeKeys, recoveryKey, slots };
}

function repoExists(d: Destination): ScelleError {
  return new ScelleError('REPO_EXISTS', `destination "${d.info.name}" already holds a backup repository`, { params: { target: d.info.name } });
}

/** Encodes the config as stored. */
export function encodeRepoConfig(config: RepoConfig): Buffer {
  return Buffer.from(`${JSON.stringify(config, null, 2)}\n`);
}

/** Writes the key slots and the config (last: a destination with a config is a complete repository). */
export async function writeRepoFiles(d: Destination, config: RepoConfig, slots: KeySlot[]): Promise<void> {
  for (const s of slots) await d.putIfAbsent(`keys/${slotName(s)}`, Buffer.from(JSON.stringify(s, null, 2)));
  if (!(await d.putIfAbsent('config', encodeRepoConfig(config)))) throw repoExists(d);
}

/** Adds a key slot to every destination (e.g. a certificate later). */
export async function addKeySlot(destinations: Destination[], slot: KeySlot): Promise<void> {
  for (const d of destinations) await d.putIfAbsent(`keys/${slotName(slot)}`, Buffer.from(JSON.stringify(slot, null, 2)));
}

function validConfig(c: RepoConfig): boolean {
  const ch = c.chunker as Partial<ChunkerParams> | undefined;
  return c.scelle === 'backup-repository' && c.version === 2 && /^[0-9a-f]{32}$/.test(c.id) && /^[0-9a-f]{64}$/.test(c.recipient)
    && typeof ch === 'object' && ch !== null && Number.isInteger(ch.min) && Number.isInteger(ch.avg) && Number.isInteger(ch.max)
    && ch.min! >= 64 && ch.min! <= ch.avg! && ch.avg! <= ch.max! && ch.max! <= 16 * 1024 * 1024
    && Number.isInteger(c.packSize) && c.packSize >= 1024 && c.packSize <= 32 * 1024 * 1024;
}

/**
 * Reads a destination's `config` (bounded, every field checked).
 * @throws ScelleError REPO_NOT_FOUND, REPO_CORRUPT, UNSUPPORTED_FORMAT (an older format).
 */
export async function readRepoConfig(d: Destination): Promise<RepoConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await d.get('config', { maxBytes: LIMITS.config });
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING')) throw new ScelleError('REPO_NOT_FOUND', `destination "${d.info.name}" holds no backup repository (it is empty, or was wiped)`, { params: { target: d.info.name }, hint: 'check the destination (a disk not mounted, a wrong folder or bucket), or run `scelle backup init`' });
    if (isScelleError(e, 'OBJECT_TOO_LARGE')) throw new ScelleError('REPO_CORRUPT', `the repository config on "${d.info.name}" is far too large: it is not a scelle config`, { cause: e, params: { target: d.info.name, object: 'config', detail: 'config far too large' } });
    throw e;
  }
  let c: RepoConfig;
  try {
    c = JSON.parse(Buffer.from(bytes).toString('utf8')) as RepoConfig;
  } catch (e) {
    throw new ScelleError('REPO_CORRUPT', `the repository config on "${d.info.name}" cannot be read`, { cause: e, params: { target: d.info.name, object: 'config', detail: 'config unreadable' } });
  }
  if (c?.scelle === 'backup-repository' && (c as { version: number }).version === 1) {
    throw new ScelleError('UNSUPPORTED_FORMAT', `the repository on "${d.info.name}" has format 1 (seals without a chain): this scelle reads format 2`, { params: { target: d.info.name, detail: 'repository format 1' } });
  }
  if (!validConfig(c)) throw new ScelleError('REPO_CORRUPT', `the repository config on "${d.info.name}" is not a valid scelle config`, { params: { target: d.info.name, object: 'config', detail: 'config not valid' } });
  return c;
}

/**
 * Reads the config and checks that the destination holds repository `id`.
 * @throws ScelleError REPO_MISMATCH (another repository, named), REPO_NOT_FOUND, REPO_CORRUPT.
 */
export async function expectRepository(d: Destination, id: string | undefined): Promise<RepoConfig> {
  const c = await readRepoConfig(d);
  if (id !== undefined && c.id !== id) {
    throw new ScelleError('REPO_MISMATCH', `destination "${d.info.name}" holds another backup repository (${c.id}), not ${id}: refused`, {
      params: { target: d.info.name, repository: c.id, expected: id },
      hint: 'the destination URL points at another practice\'s (or another setup\'s) backups: check the URL, the folder or the bucket prefix',
    });
  }
  return c;
}

/** Every key slot of a destination (bounded reads). @throws ScelleError KEY_SLOT_CORRUPT. */
export async function readSlots(d: Destination): Promise<{ name: string; slot: KeySlot }[]> {
  const out: { name: string; slot: KeySlot }[] = [];
  for await (const o of d.list('keys/')) {
    const name = nameOf(o.key);
    out.push({ name, slot: parseSlot(await d.get(o.key, { maxBytes: LIMITS.keySlot }).catch((e: unknown) => {
      if (isScelleError(e, 'OBJECT_TOO_LARGE')) throw slotCorrupt(name, 'far too large');
      throw e;
    }), name) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Options of {@link unlockRepository}. */
export interface UnlockOptions {
  /** The repository the destination must hold (REPO_MISMATCH otherwise). */
  repository?: string;
}

/**
 * Opens the repository with a passphrase, a recovery key or a certificate's private key: tries
 * the slots of that kind. Slots are checked before use; a damaged one is KEY_SLOT_CORRUPT.
 * @throws ScelleError WRONG_PASSWORD / WRONG_KEY, KEY_SLOT_CORRUPT, REPO_MISMATCH, REPO_NOT_FOUND.
 */
export async function unlockRepository(d: Destination, unlock: Unlock, options: UnlockOptions = {}): Promise<{ master: MasterSecret; config: RepoConfig; slot: string }> {
  const config = await expectRepository(d, options.repository);
  const kind = 'passphrase' in unlock ? 'passphrase' : 'recoveryKey' in unlock ? 'recovery' : 'certificate';
  const slots = await readSlotsOfKind(d, kind);
  if (slots.length === 0) throw new ScelleError(kind === 'passphrase' ? 'WRONG_PASSWORD' : 'WRONG_KEY', `the repository has no ${kind} key slot`);
  let last: unknown;
  for (const c of slots) {
    if ('certificate' in unlock && c.slot.kdf.name === 'rsa-oaep-sha256' && c.slot.kdf.certificateSha256 !== sha256Hex(unlock.certificate)) continue;
    if (c.slot.repository !== config.id) {
      last = slotCorrupt(c.name, `it belongs to repository ${c.slot.repository}, not ${config.id}`);
      continue;
    }
    try {
      const master = await openSlot(c.slot, unlock).catch((e: unknown) => {
        if (e instanceof ScelleError) throw e;
        throw slotCorrupt(c.name, (e as Error).message, e);
      });
      if (writeKeysOf(master).recipient.toString('hex') !== config.recipient) throw slotCorrupt(c.name, 'its secret does not match the repository\'s public key');
      return { master, config, slot: c.name };
    } catch (e) {
      last = e;
    }
  }
  if (last === undefined) throw new ScelleError('WRONG_KEY', 'no key slot of the repository was made for this certificate');
  throw last;
}

/** The slots of one kind; a damaged slot of that kind is kept as an error, not skipped silently. */
async function readSlotsOfKind(d: Destination, kind: KeySlot['kind']): Promise<{ name: string; slot: KeySlot }[]> {
  const out: { name: string; slot: KeySlot }[] = [];
  let damaged: unknown;
  for await (const o of d.list('keys/')) {
    const name = nameOf(o.key);
    const isKind = kind === 'certificate' ? name.startsWith('cert-') : name === kind;
    if (!isKind) continue;
    try {
      const bytes = await d.get(o.key, { maxBytes: LIMITS.keySlot });
      const slot = parseSlot(bytes, name);
      if (slot.kind !== kind) throw slotCorrupt(name, `it holds a ${slot.kind} slot`);
      out.push({ name, slot });
    } catch (e) {
      if (isScelleError(e, 'OBJECT_TOO_LARGE')) damaged = slotCorrupt(name, 'far too large');
      else if (isScelleError(e, 'KEY_SLOT_CORRUPT')) damaged = e;
      else throw e;
    }
  }
  if (out.length === 0 && damaged !== undefined) throw damaged;
  return out;
}
