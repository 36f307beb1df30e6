/**
 * A backup repository over one or more targets (dumb blob stores, each a full copy).
 * Layout (docs/drafts/backup-repository.md §1):
 *
 *   config                     plaintext JSON: format, id, public key, chunker
 *   keys/<slot>                key slots (JSON) wrapping the master secret
 *   data/<2 hex>/<sha256>      packs of encrypted chunks
 *   index/<sha256>             indexes (chunk id → pack, offset, length), under the index key
 *   snapshots/<sha256>         snapshots (file tree + chunk locations), sealed to the public key
 *   seals/<snapshot>.seal      the seal: a canonical listing of the snapshot's objects and hashes
 *   seals/<snapshot>.p7s       its detached CAdES signature (with a signature time-stamp)
 *   locks/lock                 the exclusive lock
 *
 * Every object except config, keys, seals and locks is named by the SHA-256 of its bytes.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { DEFAULT_CHUNKER, type ChunkerParams } from './chunker.js';
import { headerLength, objectHeader, openBox, readHeader, runKeyFor, sealBox, sha256Hex, type ObjectKind } from './envelope.js';
import {
  DEFAULT_KDF_LOG_N, makeCertificateSlot, makePassphraseSlot, makeRecoverySlot, newMasterSecret, newRecoveryKey, openSlot, parseSlot,
  slotName, writeKeysOf, type KeySlot, type MasterSecret, type Unlock, type WriteKeys,
} from './keys.js';
import type { BlobEntry } from './file-processor.js';

/** The plaintext `config` object of a repository. */
export interface RepoConfig {
  scelle: 'backup-repository';
  version: 1;
  /** Random 128-bit id, hex. */
  id: string;
  created: string;
  /** X25519 public key (hex): what every run encrypts to. */
  recipient: string;
  chunker: ChunkerParams;
  /** Destination size of a pack (bytes). */
  packSize: number;
}

/** Default pack size: 4 MiB (a 1 GiB dataset is a few hundred objects). */
export const DEFAULT_PACK_SIZE = 4 * 1024 * 1024;

/** Key of a pack. */
export function packKey(name: string): string {
  return `data/${name.slice(0, 2)}/${name}`;
}

/** Name of an object from its key (the last segment). */
export function nameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

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
 * Creates a repository on every given target (all must be reachable and empty).
 * @throws ScelleError REPO_EXISTS, TARGET_OFFLINE, TARGET_ERROR.
 */
export async function initRepository(targets: Destination[], options: InitRepositoryOptions): Promise<InitRepositoryResult> {
  const master = newMasterSecret();
  const writeKeys = writeKeysOf(master);
  const created = (options.clock ?? (() => new Date()))();
  const config: RepoConfig = {
    scelle: 'backup-repository', version: 1, id: randomBytes(16).toString('hex'), created: created.toISOString(),
    recipient: writeKeys.recipient.toString('hex'), chunker: options.chunker ?? DEFAULT_CHUNKER, packSize: options.packSize ?? DEFAULT_PACK_SIZE,
  };
  const recoveryKey = newRecoveryKey();
  const slots = [
    await makePassphraseSlot(master, config.id, options.passphrase, options.kdfLogN ?? DEFAULT_KDF_LOG_N),
    makeRecoverySlot(master, config.id, recoveryKey),
    ...(options.certificates ?? []).map((c) => makeCertificateSlot(master, config.id, c)),
  ];
  for (const t of targets) {
    const probe = await t.probe();
    if (!probe.online) throw new ScelleError('TARGET_OFFLINE', `destination "${t.info.name}" is not reachable: ${probe.reason}`, { params: { target: t.info.name, detail: probe.reason } });
    if ((await t.stat('config')) !== undefined) throw new ScelleError('REPO_EXISTS', `destination "${t.info.name}" already holds a backup repository`, { params: { target: t.info.name } });
  }
  for (const t of targets) await writeRepoFiles(t, config, slots);
  return { config, master, writeKeys, recoveryKey, slots };
}

async function writeRepoFiles(t: Destination, config: RepoConfig, slots: KeySlot[]): Promise<void> {
  for (const s of slots) await t.put(`keys/${slotName(s)}`, Buffer.from(JSON.stringify(s, null, 2)));
  // config last: a target with a config is a complete repository
  if (!(await t.putIfAbsent('config', Buffer.from(`${JSON.stringify(config, null, 2)}\n`)))) {
    throw new ScelleError('REPO_EXISTS', `destination "${t.info.name}" already holds a backup repository`, { params: { target: t.info.name } });
  }
}

/** Adds a key slot to every target (e.g. a certificate later). */
export async function addKeySlot(targets: Destination[], slot: KeySlot): Promise<void> {
  for (const t of targets) await t.put(`keys/${slotName(slot)}`, Buffer.from(JSON.stringify(slot, null, 2)));
}

/**
 * Reads a target's `config`.
 * @throws ScelleError REPO_NOT_FOUND, REPO_CORRUPT.
 */
export async function readRepoConfig(t: Destination): Promise<RepoConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await t.get('config');
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING')) throw new ScelleError('REPO_NOT_FOUND', `destination "${t.info.name}" holds no backup repository`, { params: { target: t.info.name }, hint: 'run `scelle backup init` first, or check the destination' });
    throw e;
  }
  try {
    const c = JSON.parse(Buffer.from(bytes).toString('utf8')) as RepoConfig;
    if (c.scelle !== 'backup-repository' || c.version !== 1 || !/^[0-9a-f]{64}$/.test(c.recipient)) throw new Error('unknown format');
    return c;
  } catch (e) {
    throw new ScelleError('REPO_CORRUPT', `the repository config on "${t.info.name}" cannot be read`, { cause: e, params: { target: t.info.name, object: 'config' } });
  }
}

/** Every key slot of a target. */
export async function readSlots(t: Destination): Promise<{ name: string; slot: KeySlot }[]> {
  const out: { name: string; slot: KeySlot }[] = [];
  for await (const o of t.list('keys/')) {
    const name = nameOf(o.key);
    out.push({ name, slot: parseSlot(await t.get(o.key), name) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Opens the repository with a passphrase, a recovery key or a certificate's private key: tries
 * the slots of that kind.
 * @throws ScelleError WRONG_PASSWORD / WRONG_KEY, REPO_CORRUPT (the secret does not match the public key).
 */
export async function unlockRepository(t: Destination, unlock: Unlock): Promise<{ master: MasterSecret; config: RepoConfig; slot: string }> {
  const config = await readRepoConfig(t);
  const slots = await readSlots(t);
  const kind = 'passphrase' in unlock ? 'passphrase' : 'recoveryKey' in unlock ? 'recovery' : 'certificate';
  const candidates = slots.filter((s) => s.slot.kind === kind);
  if (candidates.length === 0) {
    throw new ScelleError(kind === 'passphrase' ? 'WRONG_PASSWORD' : 'WRONG_KEY', `the repository has no ${kind} key slot`);
  }
  let last: unknown;
  for (const c of candidates) {
    if ('certificate' in unlock && c.slot.kdf.name === 'rsa-oaep-sha256' && c.slot.kdf.certificateSha256 !== sha256Hex(unlock.certificate)) continue;
    try {
      const master = await openSlot(c.slot, unlock);
      if (writeKeysOf(master).recipient.toString('hex') !== config.recipient) throw new ScelleError('REPO_CORRUPT', `the key slot ${c.name} does not belong to this repository`);
      return { master, config, slot: c.name };
    } catch (e) {
      last = e;
    }
  }
  if (last === undefined) throw new ScelleError('WRONG_KEY', 'no key slot of the repository was made for this certificate');
  throw last;
}

// ------------------------------------------------------------------------------------- index

/** Where a chunk is. */
export interface BlobLocation {
  pack: string;
  offset: number;
  length: number;
  rawLength: number;
  z: number;
}

/** An index object's contents. */
export interface IndexDoc {
  scelle: 'backup-index';
  version: 1;
  packs: { name: string; size: number; blobs: BlobEntry[] }[];
  /** Packs deleted by prune (tombstones): their entries in older indexes no longer count. */
  removedPacks?: string[];
}

/** The merged index of a repository. */
export interface RepoIndex {
  blobs: Map<string, BlobLocation>;
  /** Pack name → size. */
  packs: Map<string, number>;
  /** Index object names. */
  objects: string[];
  removed: Set<string>;
}

/** Encodes an index object: magic ‖ box(gzip(JSON)) under the index key. */
export function encodeIndex(indexKey: Uint8Array, doc: IndexDoc): Buffer {
  return Buffer.concat([objectHeader('index'), sealBox(indexKey, gzipSync(JSON.stringify(doc), { level: 6 }))]);
}

/** Decodes an index object. @throws ScelleError OBJECT_CORRUPT. */
export function decodeIndex(indexKey: Uint8Array, data: Uint8Array, what: string): IndexDoc {
  readHeader('index', data, what);
  const plain = openBox(indexKey, data.subarray(headerLength('index')), what);
  try {
    const doc = JSON.parse(gunzipSync(plain).toString('utf8')) as IndexDoc;
    if (doc.scelle !== 'backup-index') throw new Error('not an index');
    return doc;
  } catch (e) {
    throw new ScelleError('OBJECT_CORRUPT', `${what} is not a readable index`, { cause: e, params: { object: what } });
  }
}

/** Reads and merges every index object of a target (the index key suffices: the writer can). */
export async function loadIndex(t: Destination, indexKey: Uint8Array, problems?: (key: string, e: ScelleError) => void): Promise<RepoIndex> {
  const idx: RepoIndex = { blobs: new Map(), packs: new Map(), objects: [], removed: new Set() };
  const docs: IndexDoc[] = [];
  for await (const o of t.list('index/')) {
    try {
      const data = await t.get(o.key);
      if (sha256Hex(data) !== nameOf(o.key)) throw new ScelleError('OBJECT_CORRUPT', `${o.key} does not match its name (SHA-256): the object is corrupted`, { params: { object: o.key } });
      docs.push(decodeIndex(indexKey, data, o.key));
      idx.objects.push(nameOf(o.key));
    } catch (e) {
      if (problems !== undefined && e instanceof ScelleError) problems(o.key, e);
      else throw e;
    }
  }
  for (const d of docs) for (const r of d.removedPacks ?? []) idx.removed.add(r);
  for (const d of docs) addToIndex(idx, d);
  idx.objects.sort();
  return idx;
}

/** Adds an index document's packs to a merged index (first location wins). */
export function addToIndex(idx: RepoIndex, d: IndexDoc): void {
  for (const p of d.packs) {
    if (idx.removed.has(p.name)) continue;
    idx.packs.set(p.name, p.size);
    for (const [id, offset, length, rawLength, z] of p.blobs) {
      if (!idx.blobs.has(id)) idx.blobs.set(id, { pack: p.name, offset, length, rawLength, z });
    }
  }
}

// ----------------------------------------------------------------------------------- objects

/** Encodes a snapshot object under a run key: magic ‖ ephPub ‖ box(gzip(JSON)). */
export function encodeSealed(kind: ObjectKind, runKey: Uint8Array, ephPub: Uint8Array, json: unknown): Buffer {
  return Buffer.concat([objectHeader(kind, ephPub), sealBox(runKey, gzipSync(JSON.stringify(json), { level: 6 }))]);
}

/** Decodes a snapshot object with the read key. */
export function decodeSealed<T>(kind: ObjectKind, master: MasterSecret, recipient: Uint8Array, data: Uint8Array, what: string): T {
  const eph = readHeader(kind, data, what)!;
  const key = runKeyFor(master.readKey, recipient, eph);
  const plain = openBox(key, data.subarray(headerLength(kind)), what);
  try {
    return JSON.parse(gunzipSync(plain).toString('utf8')) as T;
  } catch (e) {
    throw new ScelleError('OBJECT_CORRUPT', `${what} cannot be decoded`, { cause: e, params: { object: what } });
  }
}

/** Reads an object and checks it against its name. @throws OBJECT_MISSING, OBJECT_CORRUPT. */
export async function getVerified(t: Destination, key: string): Promise<Uint8Array> {
  const data = await t.get(key);
  if (sha256Hex(data) !== nameOf(key)) {
    throw new ScelleError('OBJECT_CORRUPT', `${key} on "${t.info.name}" does not match its SHA-256 name: the object is corrupted`, { params: { object: key, target: t.info.name } });
  }
  return data;
}
