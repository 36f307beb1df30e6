/**
 * `archive add`: documents in, one time-stamp out (RFC 4998 §4.2). The documents of one command
 * form a batch: their bytes go into packs, their SHA-256 values — and the hash of the journal
 * entries recording their arrival — are the leaves of one hash tree, whose root one TSA request
 * time-stamps. That single token is both every document's first archive time-stamp and the seal of
 * the journal entries that record them.
 *
 * Order (crash safety, as backups): packs, the token, the batch (the commit point), the journal.
 * A failure before the batch is written leaves nothing but unreferenced packs, which are removed.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import type { TimestampTokenSource } from '../timestamp/cades-t.js';
import { timestampTree } from '../timestamp/ers/generate.js';
import { parseTimeStampToken, type TspHash } from '../timestamp/tsp.js';
import { mergeValidationData } from './batch.js';
import { journalHead, prepareJournal, writeJournal, type NewJournalEntry } from './journal.js';
import { checkRule, type RetentionRule } from './retention.js';
import { BATCH_FORMAT, MAX_DOCUMENT, type ArchiveBatch, type ArchiveItem, type ArchiveStore } from './store.js';
import { gatherForTokens, type GatherOptions } from './validation-data.js';

export { MAX_DOCUMENT } from './store.js';
/** Packs are closed past this size. */
const PACK_SIZE = 32 * 1024 * 1024;

/** A document to archive: its name, and how to read it. */
export interface ArchiveInput {
  name: string;
  read: () => Promise<Uint8Array>;
}

/** Options of {@link addToArchive}. */
export interface AddToArchiveOptions {
  getToken: TimestampTokenSource;
  /** Who (user@host): recorded in the journal. */
  actor: string;
  retention?: RetentionRule;
  /** Hash of the tree. Default SHA-256. */
  hash?: TspHash;
  clock?: () => Date;
  /** When given, the token's validation data (TSA path, CRLs) is gathered now and kept with the batch. */
  validation?: GatherOptions;
}

/** What {@link addToArchive} did. */
export interface AddToArchiveResult {
  batch: string;
  items: { id: string; name: string; size: number; sha256: string }[];
  genTime: Date;
  tsa?: string;
  /** TSA requests made: one. */
  requests: number;
  /** Validation data elements kept for the batch (0 when not gathered). */
  validationData: number;
  /** Why validation data could not be gathered, when it could not. */
  validationProblem?: string;
}

interface Packed {
  items: ArchiveItem[];
  packs: string[];
}

/** Reads the documents into packs (written as they fill; their keys go into `packs` at once, for cleanup). */
async function pack(store: ArchiveStore, batchId: string, inputs: readonly ArchiveInput[], hash: TspHash, rule: RetentionRule, now: Date, packs: string[]): Promise<Packed> {
  const items: ArchiveItem[] = [];
  let buffer: Uint8Array[] = [];
  let size = 0;
  let pending: ArchiveItem[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const key = await store.writePack(Buffer.concat(buffer));
    packs.push(key);
    for (const it of pending) it.pack = key;
    buffer = [];
    size = 0;
    pending = [];
  };
  for (const [i, input] of inputs.entries()) {
    const bytes = await input.read();
    if (bytes.length > MAX_DOCUMENT) throw new ScelleError('USAGE', `${input.name} is larger than ${MAX_DOCUMENT / 1024 / 1024} MiB: split it or archive a compressed copy`, { params: { detail: `${input.name} is too large` } });
    const digests: ArchiveItem['digests'] = { sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
    if (hash !== 'sha256') digests[hash] = crypto.createHash(hash).update(bytes).digest('hex');
    if (size > 0 && size + bytes.length > PACK_SIZE) await flush();
    const item: ArchiveItem = { id: `${batchId}-${i + 1}`, name: input.name, size: bytes.length, digests, offset: size, addedAt: now.toISOString(), retention: rule };
    buffer.push(bytes);
    size += bytes.length;
    pending.push(item);
    items.push(item);
  }
  await flush();
  return { items, packs };
}

/**
 * Archives documents as one batch with one TSA request.
 * @throws ScelleError USAGE (no document, one too large, a bad retention rule), LOCKED, the
 *   documents' read errors (FILE_NOT_FOUND, IO_ERROR), the TSA's (TSA_UNAVAILABLE,
 *   TIMESTAMP_REJECTED…), TARGET_ERROR / TARGET_OFFLINE.
 */
export async function addToArchive(store: ArchiveStore, inputs: readonly ArchiveInput[], options: AddToArchiveOptions): Promise<AddToArchiveResult> {
  if (inputs.length === 0) throw new ScelleError('USAGE', 'nothing to archive: give the documents', { params: { detail: 'nothing to archive: give the documents' } });
  const clock = options.clock ?? ((): Date => new Date());
  const hash = options.hash ?? 'sha256';
  const rule = checkRule(options.retention ?? { kind: 'unset' });
  const release = await store.lock(options.actor, clock);
  const written: string[] = [];
  let committed = false;
  try {
    const id = await store.nextBatchId();
    const now = clock();
    const packed = await pack(store, id, inputs, hash, rule, now, written);
    const entries: NewJournalEntry[] = packed.items.map((it) => ({ actor: options.actor, operation: 'archive.add', object: { kind: 'item', id: it.id, sha256: it.digests.sha256! }, details: { batch: id, size: String(it.size), retention: rule.kind } }));
    const journal = prepareJournal(await journalHead(store.target), entries, clock);
    const journalLeaf = journal[journal.length - 1]!.hash;
    const leaves = [...packed.items.map((it) => it.digests[hash]!), journalLeaf];
    const t = await timestampTree(leaves.map((h) => new Uint8Array(Buffer.from(h, 'hex'))), hash, { getToken: options.getToken, clock }, `the batch of ${inputs.length} document(s)`);
    const batch: ArchiveBatch = {
      format: BATCH_FORMAT, version: 1, id, createdAt: now.toISOString(), actor: options.actor, items: packed.items,
      chains: [{ hash, leaves: t.tree.rows[0]!.map((l) => Buffer.from(l).toString('hex')), timestamps: [{ token: Buffer.from(t.token).toString('base64') }] }],
      journalLeaf, validation: { certificates: [], crls: [], ocsp: [] },
    };
    const result: AddToArchiveResult = { batch: id, items: packed.items.map((it) => ({ id: it.id, name: it.name!, size: it.size, sha256: it.digests.sha256! })), genTime: t.genTime, requests: 1, validationData: 0 };
    if (options.validation !== undefined) {
      const g = await gatherForTokens([t.token], { ...options.validation, clock });
      const merged = mergeValidationData(batch.validation, g);
      batch.validation = merged.data;
      result.validationData = merged.added;
      if (g.unchecked[0] !== undefined) result.validationProblem = g.unchecked[0].reason;
    }
    await store.saveBatch(batch);
    committed = true;
    const seal = prepareJournal(journal[journal.length - 1], [{ actor: options.actor, operation: 'journal.seal', object: { kind: 'journal', id: String(journal[journal.length - 1]!.seq), sha256: journalLeaf }, details: { batch: id }, seal: { batch: id } }], clock);
    await writeJournal(store.target, [...journal, ...seal]);
    const signer = parseTimeStampToken(t.token);
    const tsa = signer.tstInfo.tsaName;
    if (tsa !== undefined) result.tsa = tsa;
    return result;
  } finally {
    if (!committed) for (const p of written) await store.target.delete(p).catch(() => undefined);
    await release();
  }
}
