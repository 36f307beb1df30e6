/**
 * `archive renew` (RFC 4998 §5.2), batch by batch:
 *
 * - **time-stamp renewal** when the newest time-stamp of a batch reaches, within the horizon, the
 *   end of what keeps it verifiable (its TSA path's expiry, its algorithms' deadlines:
 *   `validation/renewal.ts`): one new time-stamp over the hash of the chain's time-stamps;
 * - **hash-tree renewal** when the chain's hash algorithm itself reaches its deadline (or a stronger
 *   one is asked for): every document still present is hashed again and a new chain starts.
 *
 * Every run also keeps the validation data (TSA paths, CRLs, OCSP responses) of every time-stamp
 * whose authority can still be checked now: run regularly, it keeps what a verifier will need in
 * twenty years to check each old time-stamp at the time its renewal proves — revocation data
 * issued after that time and before the certificate's expiry.
 */
import * as crypto from 'node:crypto';
import type { TimestampTokenSource } from '../timestamp/cades-t.js';
import { renewChainTimestamp, timestampTree, tokenFromAnswer } from '../timestamp/ers/generate.js';
import { ERS_HASH_OID, type ArchiveTimeStamp } from '../timestamp/ers/structure.js';
import { TSP_HASHES, type TspHash } from '../timestamp/tsp.js';
import { digestDeadline } from '../validation/algorithms.js';
import { IMPRINT_HASH } from '../timestamp/imprint.js';
import { earliestLimit, tokenRenewalLimits, type RenewalLimit } from '../validation/renewal.js';
import { TreeCache, journalProbe, leafHex, mergeValidationData } from './batch.js';
import { journalHead, prepareJournal, writeJournal, type JournalEntry, type NewJournalEntry } from './journal.js';
import type { ArchiveBatch, ArchiveStore } from './store.js';
import { gatherForTokens, type GatherOptions } from './validation-data.js';

const DAY = 86_400_000;

/** Options of {@link renewArchive}. */
export interface RenewArchiveOptions {
  getToken: TimestampTokenSource;
  actor: string;
  clock?: () => Date;
  /** Renew what reaches its limit within this many days. Default 365. */
  horizonDays?: number;
  /** Renew every batch now, due or not. */
  force?: boolean;
  /** Hash-tree renewal to this algorithm (when stronger than the chain's). */
  hash?: TspHash;
  /** Trust and revocation sources: the validation data of each time-stamp is gathered and kept. */
  validation?: GatherOptions;
}

/** What happened to one batch. */
export interface BatchRenewal {
  batch: string;
  action: 'timestamp' | 'hash-tree' | 'none';
  /** The limit that made it due (or the next one, when nothing was done). */
  limit?: RenewalLimit;
  genTime?: Date;
  /** Validation data elements newly kept. */
  validationData: number;
  /** Time-stamps whose validation data could not be gathered now (their authority expired or unreachable). */
  unchecked: number;
}

/** The result of {@link renewArchive}. */
export interface RenewArchiveResult {
  batches: BatchRenewal[];
  /** TSA requests made (renewals, plus the journal seal). */
  requests: number;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function newestToken(batch: ArchiveBatch): Uint8Array {
  const chain = batch.chains[batch.chains.length - 1]!;
  return fromB64(chain.timestamps[chain.timestamps.length - 1]!.token);
}

/** What a batch needs: nothing, a time-stamp renewal, or a hash-tree renewal to `to`. */
function decide(batch: ArchiveBatch, options: RenewArchiveOptions, now: Date): { action: BatchRenewal['action']; to?: TspHash; limit?: RenewalLimit } {
  const chain = batch.chains[batch.chains.length - 1]!;
  const horizon = now.getTime() + (options.horizonDays ?? 365) * DAY;
  const stronger = TSP_HASHES.indexOf(options.hash ?? chain.hash) > TSP_HASHES.indexOf(chain.hash);
  const hashUntil = digestDeadline(IMPRINT_HASH[chain.hash].name);
  if (stronger) return { action: 'hash-tree', to: options.hash! };
  if (hashUntil !== undefined && hashUntil.getTime() <= horizon) {
    const to = TSP_HASHES[TSP_HASHES.length - 1]!;
    return { action: 'hash-tree', to, limit: { until: hashUntil, reason: 'hash-algorithm', detail: IMPRINT_HASH[chain.hash].name } };
  }
  const limit = earliestLimit(tokenRenewalLimits(newestToken(batch)));
  if (options.force === true || (limit !== undefined && limit.until.getTime() <= horizon)) return { action: 'timestamp', ...(limit !== undefined ? { limit } : {}) };
  return { action: 'none', ...(limit !== undefined ? { limit } : {}) };
}

async function renewTimestamp(batch: ArchiveBatch, options: RenewArchiveOptions, clock: () => Date): Promise<Date> {
  const chain = batch.chains[batch.chains.length - 1]!;
  const atss: ArchiveTimeStamp[] = chain.timestamps.map((t) => ({ timeStamp: fromB64(t.token) }));
  atss[0]!.digestAlgorithm = ERS_HASH_OID[chain.hash];
  const ats = await renewChainTimestamp(atss, { getToken: options.getToken, clock });
  chain.timestamps.push({ token: b64(ats.timeStamp) });
  return clock();
}

async function renewHashTree(store: ArchiveStore, batch: ArchiveBatch, to: TspHash, options: RenewArchiveOptions, clock: () => Date): Promise<Date> {
  const trees = new TreeCache();
  const present = batch.items.filter((i) => i.destroyed === undefined);
  for (const item of present) item.digests[to] = crypto.createHash(to).update(await store.readItem(item)).digest('hex');
  batch.chains.push({ hash: to, leaves: [], timestamps: [] });
  const j = batch.chains.length - 1;
  const probe = journalProbe(batch);
  const leaves = [...present, ...(probe !== undefined ? [probe] : [])].map((i) => leafHex(batch, i, j, trees)!);
  const t = await timestampTree(leaves.map((l) => new Uint8Array(Buffer.from(l, 'hex'))), to, { getToken: options.getToken, clock }, `the renewed hash tree of batch ${batch.id}`);
  batch.chains[j] = { hash: to, leaves: t.tree.rows[0]!.map((l) => Buffer.from(l).toString('hex')), timestamps: [{ token: b64(t.token) }] };
  return t.genTime;
}

/** Keeps the validation data of every token of the batch that can be checked now. */
async function keepValidationData(batch: ArchiveBatch, options: RenewArchiveOptions, clock: () => Date): Promise<{ added: number; unchecked: number }> {
  if (options.validation === undefined) return { added: 0, unchecked: 0 };
  const tokens = batch.chains.flatMap((c) => c.timestamps.map((t) => fromB64(t.token)));
  const g = await gatherForTokens(tokens, { ...options.validation, clock });
  const merged = mergeValidationData(batch.validation, g);
  batch.validation = merged.data;
  return { added: merged.added, unchecked: g.unchecked.length };
}

/**
 * Renews what is due (or everything with `force`), keeps validation data, records each renewal in
 * the journal and seals it with one more time-stamp.
 * @throws ScelleError LOCKED, the TSA's errors (TSA_UNAVAILABLE…), TARGET_ERROR / TARGET_OFFLINE,
 *   ARCHIVE_CORRUPT, ARCHIVE_ITEM_NOT_FOUND (a document missing for a hash-tree renewal).
 */
export async function renewArchive(store: ArchiveStore, options: RenewArchiveOptions): Promise<RenewArchiveResult> {
  const clock = options.clock ?? ((): Date => new Date());
  const release = await store.lock(options.actor, clock);
  try {
    const result: RenewArchiveResult = { batches: [], requests: 0 };
    const entries: NewJournalEntry[] = [];
    for (const batch of await store.loadBatches()) {
      const d = decide(batch, options, clock());
      const r: BatchRenewal = { batch: batch.id, action: d.action, ...(d.limit !== undefined ? { limit: d.limit } : {}), validationData: 0, unchecked: 0 };
      const before = await keepValidationData(batch, options, clock);
      if (d.action === 'timestamp') r.genTime = await renewTimestamp(batch, options, clock);
      if (d.action === 'hash-tree') r.genTime = await renewHashTree(store, batch, d.to!, options, clock);
      if (d.action !== 'none') result.requests++;
      const after = d.action === 'none' ? { added: 0, unchecked: before.unchecked } : await keepValidationData(batch, options, clock);
      r.validationData = before.added + after.added;
      r.unchecked = after.unchecked;
      if (d.action !== 'none' || r.validationData > 0) await store.saveBatch(batch);
      if (d.action !== 'none') {
        const token = newestToken(batch);
        entries.push({ actor: options.actor, operation: 'archive.renew', object: { kind: 'batch', id: batch.id, sha256: crypto.createHash('sha256').update(token).digest('hex') }, details: { kind: d.action, ...(d.limit !== undefined ? { reason: `${d.limit.reason}: ${d.limit.detail} until ${d.limit.until.toISOString()}` } : {}) } });
      }
      result.batches.push(r);
    }
    if (entries.length > 0) {
      await writeSealed(store, entries, options.getToken, options.actor, clock);
      result.requests++;
    }
    return result;
  } finally {
    await release();
  }
}

/**
 * Writes `entries` followed by a seal: a time-stamp over the hash of the last of them.
 * @throws the TSA's errors (nothing is written then).
 */
export async function writeSealed(store: ArchiveStore, entries: readonly NewJournalEntry[], getToken: TimestampTokenSource, actor: string, clock: () => Date): Promise<JournalEntry[]> {
  const prepared = prepareJournal(await journalHead(store.target), entries, clock);
  const head = prepared[prepared.length - 1] ?? (await journalHead(store.target));
  if (head === undefined) return [];
  const imprint = new Uint8Array(Buffer.from(head.hash, 'hex'));
  const { token } = tokenFromAnswer(await getToken('sha256', imprint), 'sha256', imprint, 'the journal', clock());
  const seal = prepareJournal(head, [{ actor, operation: 'journal.seal', object: { kind: 'journal', id: String(head.seq), sha256: head.hash }, details: {}, seal: { token: b64(token) } }], clock);
  const all = [...prepared, ...seal];
  await writeJournal(store.target, all);
  return all;
}
