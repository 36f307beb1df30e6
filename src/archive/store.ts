/**
 * The practice archive's storage over any backup destination (a folder, a removable drive, SFTP,
 * S3: `backup/destination`), laid out as docs/FORMAT.md "Practice archive" says:
 *
 *   scelle-archive.json        the descriptor (format, id, creation)
 *   packs/<sha256>             documents of a batch, concatenated; named by the SHA-256 of the pack
 *   batches/b<n>.json          a batch: its items (name, size, digests, place in a pack, retention
 *                              rule), its hash-tree chains with their time-stamps, and the
 *                              validation data gathered for them
 *   holds.json                 legal holds
 *   destructions/<id>.json     destruction certificates, with <id>.json.p7s (signed, time-stamped)
 *   journal/<seq>.ndjson       the journal (`journal.ts`)
 *   archive.lock               present while a command changes the archive
 *
 * Writes follow the backup order: packs first, then the batch (the commit point), then the journal.
 */
import * as crypto from 'node:crypto';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from '../backup/destination/destination.js';
import type { TspHash } from '../timestamp/tsp.js';
import type { LegalHold, RetentionRule } from './retention.js';

export const ARCHIVE_FORMAT = 'scelle-archive';
export const BATCH_FORMAT = 'scelle-archive-batch';
const DESCRIPTOR = 'scelle-archive.json';
const LOCK = 'archive.lock';
const HOLDS = 'holds.json';

/** The archive descriptor. */
export interface ArchiveDescriptor {
  format: typeof ARCHIVE_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
}

/** One archived document. */
export interface ArchiveItem {
  /** `b<batch>-<n>`. */
  id: string;
  /** Its file name when added (absent once destroyed: it may name the patient). */
  name?: string;
  size: number;
  /** Hex digests of its bytes, by algorithm (SHA-256 always; others from hash-tree renewals). */
  digests: Partial<Record<TspHash, string>>;
  /** Where its bytes are (absent once destroyed). */
  pack?: string;
  offset?: number;
  addedAt: string;
  retention: RetentionRule;
  destroyed?: { at: string; certificate: string };
}

/** A chain of the batch's evidence records (RFC 4998 ArchiveTimeStampChain), shared by its items. */
export interface ArchiveChain {
  hash: TspHash;
  /** The distinct leaves of the chain's first tree, hex, sorted (documents, or renewed hashes, and the journal's link). */
  leaves: string[];
  /** Each time-stamp of the chain (DER, base64), oldest first. */
  timestamps: { token: string }[];
}

/** Validation data kept for the batch's time-stamps (DER, base64). */
export interface StoredValidationData {
  certificates: string[];
  crls: string[];
  ocsp: string[];
}

/** One batch: documents added together under one time-stamp. */
export interface ArchiveBatch {
  format: typeof BATCH_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
  actor: string;
  items: ArchiveItem[];
  chains: ArchiveChain[];
  /** The journal link (hash hex) the batch's first tree also holds: its time-stamp seals the journal. */
  journalLeaf?: string;
  validation: StoredValidationData;
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(v, null, 1)}\n`);

/** Largest document archived (held in memory while its pack is written, and when it is read back). */
export const MAX_DOCUMENT = 512 * 1024 * 1024;

async function readJson<T>(target: Destination, key: string, what: string): Promise<T> {
  const bytes = await target.get(key);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (e) {
    throw new ScelleError('ARCHIVE_CORRUPT', `the archive's ${what} (${key}) is not valid JSON: it was damaged`, { cause: e, params: { file: key } });
  }
}

/** An opened practice archive. */
export class ArchiveStore {
  readonly target: Destination;
  readonly descriptor: ArchiveDescriptor;
  readonly #packCache = new Map<string, Uint8Array>();

  private constructor(target: Destination, descriptor: ArchiveDescriptor) {
    this.target = target;
    this.descriptor = descriptor;
  }

  /**
   * Creates an archive on an empty destination.
   * @throws ScelleError ARCHIVE_EXISTS, TARGET_OFFLINE, TARGET_ERROR.
   */
  static async init(target: Destination, clock: () => Date = () => new Date()): Promise<ArchiveStore> {
    const descriptor: ArchiveDescriptor = { format: ARCHIVE_FORMAT, version: 1, id: crypto.randomBytes(8).toString('hex'), createdAt: clock().toISOString() };
    if (!(await target.putIfAbsent(DESCRIPTOR, json(descriptor)))) throw new ScelleError('ARCHIVE_EXISTS', `${target.info.url} already holds a scelle archive`, { params: { file: target.info.url } });
    return new ArchiveStore(target, descriptor);
  }

  /**
   * Opens an existing archive.
   * @throws ScelleError ARCHIVE_NOT_FOUND, ARCHIVE_CORRUPT, TARGET_OFFLINE, TARGET_ERROR.
   */
  static async open(target: Destination): Promise<ArchiveStore> {
    let d: ArchiveDescriptor;
    try {
      d = await readJson<ArchiveDescriptor>(target, DESCRIPTOR, 'descriptor');
    } catch (e) {
      if (isScelleError(e, 'OBJECT_MISSING')) throw new ScelleError('ARCHIVE_NOT_FOUND', `${target.info.url} holds no scelle archive (create one with: scelle archive init)`, { params: { file: target.info.url } });
      throw e;
    }
    if (d.format !== ARCHIVE_FORMAT || d.version !== 1) throw new ScelleError('ARCHIVE_CORRUPT', `${target.info.url}: not a scelle archive of version 1`, { params: { file: target.info.url } });
    return new ArchiveStore(target, d);
  }

  /**
   * Takes the archive lock for a command that changes it; returns the release function.
   * @throws ScelleError LOCKED (naming who holds it and since when).
   */
  async lock(actor: string, clock: () => Date = () => new Date()): Promise<() => Promise<void>> {
    // what another process may have changed is read again
    this.#packCache.clear();
    const mine = json({ actor, since: clock().toISOString(), nonce: crypto.randomBytes(8).toString('hex') });
    if (!(await this.target.putIfAbsent(LOCK, mine))) {
      let who = 'another command';
      try {
        const l = await readJson<{ actor?: string; since?: string }>(this.target, LOCK, 'lock');
        who = `${l.actor ?? '?'} since ${l.since ?? '?'}`;
      } catch {
        // an unreadable lock still locks
      }
      throw new ScelleError('LOCKED', `the archive is being changed by ${who}`, { hint: `if that command is no longer running, delete ${LOCK} from the archive`, params: { detail: who } });
    }
    return async () => this.target.delete(LOCK);
  }

  /** Batch ids, oldest first. */
  async batchIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const o of this.target.list('batches/')) {
      const m = /^batches\/(b\d+)\.json$/.exec(o.key);
      if (m !== null) ids.push(m[1]!);
    }
    return ids.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  }

  /** The id the next batch gets. */
  async nextBatchId(): Promise<string> {
    const ids = await this.batchIds();
    return `b${ids.length === 0 ? 1 : Number(ids[ids.length - 1]!.slice(1)) + 1}`;
  }

  /** @throws ScelleError ARCHIVE_CORRUPT, OBJECT_MISSING. */
  async loadBatch(id: string): Promise<ArchiveBatch> {
    const b = await readJson<ArchiveBatch>(this.target, `batches/${id}.json`, `batch ${id}`);
    if (b.format !== BATCH_FORMAT || b.version !== 1 || b.id !== id) throw new ScelleError('ARCHIVE_CORRUPT', `batches/${id}.json is not the batch ${id}`, { params: { file: `batches/${id}.json` } });
    return b;
  }

  /** Every batch, oldest first. */
  async loadBatches(): Promise<ArchiveBatch[]> {
    const out: ArchiveBatch[] = [];
    for (const id of await this.batchIds()) out.push(await this.loadBatch(id));
    return out;
  }

  async saveBatch(b: ArchiveBatch): Promise<void> {
    await this.target.put(`batches/${b.id}.json`, json(b));
  }

  /** Stores a pack; returns its key (`packs/<sha256>`). */
  async writePack(bytes: Uint8Array): Promise<string> {
    const key = `packs/${crypto.createHash('sha256').update(bytes).digest('hex')}`;
    await this.target.put(key, bytes);
    return key;
  }

  /** A pack's bytes (the last two read are kept in memory); a pack holds one document at most when it is larger than a pack. */
  async readPack(key: string): Promise<Uint8Array> {
    let p = this.#packCache.get(key);
    if (p === undefined) {
      p = await this.target.get(key, { maxBytes: MAX_DOCUMENT });
      if (this.#packCache.size >= 2) this.#packCache.delete(this.#packCache.keys().next().value!);
      this.#packCache.set(key, p);
    }
    return p;
  }

  /**
   * An item's bytes.
   * @throws ScelleError ARCHIVE_ITEM_NOT_FOUND (destroyed), ARCHIVE_CORRUPT (outside its pack), OBJECT_MISSING.
   */
  async readItem(item: ArchiveItem): Promise<Uint8Array> {
    if (item.pack === undefined || item.offset === undefined) throw new ScelleError('ARCHIVE_ITEM_NOT_FOUND', `item ${item.id} was destroyed on ${item.destroyed?.at ?? '?'}`, { params: { file: item.id } });
    const pack = await this.readPack(item.pack);
    if (item.offset + item.size > pack.length) throw new ScelleError('ARCHIVE_CORRUPT', `item ${item.id} lies outside ${item.pack}: the pack was truncated`, { params: { file: item.pack } });
    return pack.subarray(item.offset, item.offset + item.size);
  }

  /** Forgets cached packs (after a repack). */
  dropPackCache(): void {
    this.#packCache.clear();
  }

  async holds(): Promise<LegalHold[]> {
    try {
      return (await readJson<{ holds: LegalHold[] }>(this.target, HOLDS, 'legal holds')).holds;
    } catch (e) {
      if (isScelleError(e, 'OBJECT_MISSING')) return [];
      throw e;
    }
  }

  async saveHolds(holds: readonly LegalHold[]): Promise<void> {
    await this.target.put(HOLDS, json({ format: 'scelle-archive-holds', version: 1, holds }));
  }

  /** Every pack key present. */
  async packKeys(): Promise<string[]> {
    const out: string[] = [];
    for await (const o of this.target.list('packs/')) out.push(o.key);
    return out.sort();
  }
}

/**
 * Finds items by id (`b3-7`) or file name among `batches`.
 * @throws ScelleError ARCHIVE_ITEM_NOT_FOUND (nothing of that name), USAGE (a name that several items have).
 */
export function findItems(batches: readonly ArchiveBatch[], refs: readonly string[]): { batch: ArchiveBatch; item: ArchiveItem }[] {
  const all = batches.flatMap((batch) => batch.items.map((item) => ({ batch, item })));
  return refs.map((ref) => {
    const byId = all.find((x) => x.item.id === ref);
    if (byId !== undefined) return byId;
    const byName = all.filter((x) => x.item.name === ref);
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new ScelleError('USAGE', `several archived items are named ${ref}: give one of their ids (${byName.map((x) => x.item.id).join(', ')})`, { params: { detail: `several archived items are named ${ref}` } });
    throw new ScelleError('ARCHIVE_ITEM_NOT_FOUND', `no archived item has the id or name ${ref}`, { params: { file: ref } });
  });
}
