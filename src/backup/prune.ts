/**
 * Pruning by the policy. Packs are never rewritten: a pack is deleted only when no kept snapshot
 * references any chunk in it. Crash-safe order: a tombstone index naming the packs to delete is
 * written first (the writer stops deduplicating against them), then seals (un-committing the
 * snapshots), then snapshots, then packs. Index objects are never deleted, so the seals of kept
 * snapshots (which list the index objects of their run) stay whole.
 */
import { ScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { sha256Hex } from './envelope.js';
import { writeKeysOf, type MasterSecret } from './keys.js';
import { encodeIndex, loadIndex, nameOf, packKey, type IndexDoc } from './repository.js';
import { listSnapshots, readSnapshot } from './restore.js';
import { selectKept, type BackupPolicy } from './policy.js';
import { sealKey, sealSignatureKey } from './seal.js';
import { acquireLock, type LockOwner } from './lock.js';

/** What prune did (or would do with `dryRun`). */
export interface PruneResult {
  target: string;
  kept: string[];
  removed: string[];
  packsDeleted: number;
  bytesFreed: number;
  unsealedRemoved: number;
}

/**
 * Prunes one target.
 * @throws ScelleError LOCKED, REPO_NOT_FOUND, OBJECT_CORRUPT (a kept snapshot cannot be read:
 *   nothing is deleted then).
 */
export async function pruneRepository(t: Destination, options: { master: MasterSecret; policy: BackupPolicy; dryRun?: boolean; owner?: LockOwner; clock?: () => Date }): Promise<PruneResult> {
  const lock = await acquireLock(t, 'backup prune', { ...(options.owner ? { owner: options.owner } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  try {
    const keys = writeKeysOf(options.master);
    const listed = await listSnapshots(t);
    const kept = selectKept(listed, options.policy);
    const removed = listed.filter((s) => !kept.has(s.snapshot)).map((s) => s.snapshot);
    const sealed = new Set(listed.map((s) => s.snapshot));
    const unsealed: string[] = [];
    for await (const o of t.list('snapshots/')) if (!sealed.has(nameOf(o.key))) unsealed.push(nameOf(o.key));
    const needed = new Set<string>();
    for (const s of kept) {
      const doc = await readSnapshot(t, options.master, s).catch((e: unknown) => {
        throw new ScelleError('OBJECT_CORRUPT', `snapshot ${s} cannot be read, nothing was deleted: ${(e as Error).message}`, { cause: e, params: { object: `snapshots/${s}` } });
      });
      for (const p of doc.packs) needed.add(p);
    }
    const index = await loadIndex(t, keys.indexKey);
    const packs = new Map<string, number>();
    for await (const o of t.list('data/')) packs.set(nameOf(o.key), o.size);
    // a pack no kept snapshot needs: unreferenced, or left unindexed by an interrupted run
    const doomed = [...packs.keys()].filter((p) => !needed.has(p));
    const result: PruneResult = { target: t.info.name, kept: [...kept], removed, packsDeleted: doomed.length, bytesFreed: doomed.reduce((a, p) => a + (packs.get(p) ?? 0), 0), unsealedRemoved: unsealed.length };
    if (options.dryRun) return result;
    const tombstoned = doomed.filter((p) => index.packs.has(p));
    if (tombstoned.length > 0) {
      const doc: IndexDoc = { scelle: 'backup-index', version: 1, packs: [], removedPacks: tombstoned };
      const data = encodeIndex(keys.indexKey, doc);
      await t.put(`index/${sha256Hex(data)}`, data);
    }
    for (const s of removed) {
      await t.delete(sealKey(s));
      await t.delete(sealSignatureKey(s));
    }
    for (const s of [...removed, ...unsealed]) await t.delete(`snapshots/${s}`);
    for (const p of doomed) await t.delete(packKey(p));
    return result;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
