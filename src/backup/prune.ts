/**
 * Pruning a destination by the policy. Packs are never rewritten: a pack is deleted only when no
 * kept snapshot references any chunk in it. Crash-safe order: a tombstone index naming the packs
 * to delete (the writer stops deduplicating against them), then the prune seal — the commit
 * point, which records every seal removed with its hash so the chain stays checkable — then
 * the seals, snapshots and packs themselves.
 *
 * On an immutable destination (S3 Object Lock) prune never tries to delete an object that is
 * still locked: it is left in place and deleted by a later prune once its lock has ended; and it
 * extends the locks of what the kept snapshots still need. When the credentials have no delete
 * right, nothing is deleted and prune says so.
 */
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { readChain, type Chain, type ChainSeal } from './chain.js';
import { sha256Hex } from './envelope.js';
import { writeKeysOf, type MasterSecret } from './keys.js';
import { acquireLock, type LockOwner } from './lock.js';
import { nameOf, packKey } from './objects.js';
import { encodeIndex, loadIndex, type IndexDoc } from './repo-index.js';
import { expectRepository } from './repository.js';
import { selectKept, type BackupPolicy } from './policy.js';
import { sealKey, sealSignatureKey, type RemovedSeal, type SealSigning, type Witness } from './seal.js';
import { writeSeals } from './sealer.js';
import { listingsOf, readSnapshot } from './snapshot.js';
import { dropSealCopy, updateState } from './state.js';
import { hostname } from 'node:os';
import { extendLocks } from './retention.js';

/** What prune did (or would do with `dryRun`). */
export interface PruneResult {
  destination: string;
  kept: string[];
  removed: string[];
  packsDeleted: number;
  bytesFreed: number;
  unsealedRemoved: number;
  /** Objects left in place because their lock (Object Lock) has not ended. */
  lockedKept: number;
  /** Objects left in place because the credentials cannot delete. */
  notDeleted: number;
  /** The prune seal written (absent with dryRun or when nothing was removed). */
  sealSequence?: number;
}

/** Options of {@link pruneRepository}. */
export interface PruneOptions {
  master: MasterSecret;
  policy: BackupPolicy;
  /** The repository the destination must hold. */
  repository?: string;
  /** Signs the prune seal (required when the destination's seals are signed). */
  signing?: SealSigning;
  /** Local state: seal heads and copies are kept up to date. */
  stateDir?: string;
  witnesses?: (destination: string) => Witness[];
  dryRun?: boolean;
  owner?: LockOwner;
  clock?: () => Date;
}

/**
 * Prunes one destination.
 * @throws ScelleError LOCKED, REPO_NOT_FOUND, REPO_MISMATCH, SEAL_CHAIN_BROKEN (a damaged chain is
 *   not pruned), OBJECT_CORRUPT (a kept snapshot cannot be read: nothing is deleted then).
 */
export async function pruneRepository(d: Destination, options: PruneOptions): Promise<PruneResult> {
  const clock = options.clock ?? (() => new Date());
  const lock = await acquireLock(d, 'backup prune', 'exclusive', { ...(options.owner ? { owner: options.owner } : {}), clock });
  try {
    const config = await expectRepository(d, options.repository);
    const chain = await readChain(d, { repository: config.id, destination: d.info.name });
    const blocking = chain.problems.find((p) => ['SEAL_CHAIN_BROKEN', 'DESTINATION_MISMATCH', 'REPO_MISMATCH'].includes(p.code));
    if (blocking !== undefined) throw new ScelleError(blocking.code, `"${d.info.name}" is not pruned: ${blocking.message}`, { params: { target: d.info.name, detail: blocking.message }, hint: 'run `scelle backup verify --no-key`, then `scelle backup repair`' });
    const listed = listingsOf(chain);
    const kept = selectKept(listed, options.policy);
    const removedSnaps = listed.filter((s) => !kept.has(s.snapshot)).map((s) => s.snapshot);
    const needed = new Set<string>();
    for (const s of kept) {
      const doc = await readSnapshot(d, options.master, s, config).catch((e: unknown) => {
        throw new ScelleError('OBJECT_CORRUPT', `snapshot ${s} cannot be read, nothing was deleted: ${(e as Error).message}`, { cause: e, params: { object: `snapshots/${s}` } });
      });
      for (const p of doc.packs) needed.add(p);
    }
    const packs = new Map<string, number>();
    for await (const o of d.list('data/')) packs.set(nameOf(o.key), o.size);
    const doomed = [...packs.keys()].filter((p) => !needed.has(p));
    const liveSnaps = new Set(listed.map((s) => s.snapshot));
    const unsealed: string[] = [];
    for await (const o of d.list('snapshots/')) if (!liveSnaps.has(nameOf(o.key))) unsealed.push(nameOf(o.key));
    const result: PruneResult = {
      destination: d.info.name, kept: [...kept], removed: removedSnaps, packsDeleted: 0, bytesFreed: 0, unsealedRemoved: 0, lockedKept: 0, notDeleted: 0,
    };
    if (options.dryRun) {
      result.packsDeleted = doomed.length;
      result.bytesFreed = doomed.reduce((a, p) => a + (packs.get(p) ?? 0), 0);
      result.unsealedRemoved = unsealed.length;
      return result;
    }
    const sealsGone = chain.seals.filter((c) => (c.seal.kind === 'prune') || (c.seal.snapshot !== undefined && removedSnaps.includes(c.seal.snapshot)));
    if (removedSnaps.length > 0 || doomed.length > 0 || unsealed.length > 0) {
      await tombstone(d, options.master, doomed);
      result.sealSequence = await writePruneSeal(d, config.id, chain, sealsGone, options, clock);
    }
    await deleteAll(d, [...sealsGone.flatMap((c) => [sealSignatureKey(c.seal.sequence), sealKey(c.seal.sequence)])], result, clock());
    await deleteAll(d, removedSnaps.map((s) => `snapshots/${s}`), result, clock());
    await deleteAll(d, unsealed.map((s) => `snapshots/${s}`), result, clock(), () => { result.unsealedRemoved++; });
    await deleteAll(d, doomed.map(packKey), result, clock(), (key) => { result.packsDeleted++; result.bytesFreed += packs.get(nameOf(key)) ?? 0; });
    await d.removeTemp(3_600_000, clock()).catch(() => 0);
    // what the kept snapshots still need stays locked on an immutable copy
    const keptObjects = chain.live.filter((c) => kept.has(c.seal.snapshot!)).flatMap((c) => c.seal.objects);
    await extendLocks({ active: [d], fail: (_d, e) => { throw e; } }, keptObjects, clock());
    if (options.stateDir !== undefined) for (const c of sealsGone) await dropSealCopy(options.stateDir, d.info.name, c.seal.sequence);
    return result;
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** A tombstone index: the writer stops deduplicating against packs about to be deleted. */
async function tombstone(d: Destination, master: MasterSecret, doomed: string[]): Promise<void> {
  const keys = writeKeysOf(master);
  const index = await loadIndex(d, keys.indexKey);
  const tombstoned = doomed.filter((p) => index.packs.has(p));
  if (tombstoned.length === 0) return;
  const doc: IndexDoc = { scelle: 'backup-index', version: 1, packs: [], removedPacks: tombstoned };
  const data = encodeIndex(keys.indexKey, doc);
  await d.putIfAbsent(`index/${sha256Hex(data)}`, data);
}

/** The prune seal: every seal removed so far (cumulative), with its hash. */
async function writePruneSeal(d: Destination, repository: string, chain: Chain, gone: ChainSeal[], options: PruneOptions, clock: () => Date): Promise<number> {
  const removed = new Map<number, string>(chain.removed);
  for (const c of gone) removed.set(c.seal.sequence, c.sha256);
  const records: RemovedSeal[] = [...removed].map(([sequence, sha256]) => ({ sequence, sha256 }));
  let failure: unknown;
  const head = chain.head === undefined ? undefined : { sequence: chain.head.seal.sequence, sha256: chain.head.sha256 };
  const heads = await writeSeals([{ destination: d, head }], {
    repository, kind: 'prune', time: clock().toISOString(), host: options.owner?.host ?? hostname(), sources: [], objects: [], removed: records,
  }, { ...(options.signing ? { signing: options.signing } : {}), ...(options.stateDir ? { stateDir: options.stateDir } : {}), ...(options.witnesses ? { witnesses: options.witnesses } : {}), onFail: (_d, e) => { failure = e; } });
  const h = heads.get(d.info.name);
  if (h === undefined) throw failure;
  if (options.stateDir !== undefined) await updateState(options.stateDir, (s) => { s.destinations[d.info.name] = { ...s.destinations[d.info.name], head: h }; });
  return h.sequence;
}

/** Deletes `keys`, leaving locked objects and objects the credentials cannot delete. */
async function deleteAll(d: Destination, keys: string[], result: PruneResult, now: Date, onDeleted?: (key: string) => void): Promise<void> {
  for (const key of keys) {
    if (d.retention !== undefined) {
      const until = await d.retention.lockedUntil(key);
      if (until !== undefined && until > now) {
        result.lockedKept++;
        continue;
      }
    }
    try {
      await d.delete(key);
      onDeleted?.(key);
    } catch (e) {
      if (!isScelleError(e, 'TARGET_ERROR')) throw e;
      result.notDeleted++;
    }
  }
}
