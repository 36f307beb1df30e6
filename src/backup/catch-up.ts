/**
 * Catching up a destination that missed runs (a rotation drive, a NAS that was off): before a
 * snapshot is sealed on a destination, every object it needs there — the key slots, the index
 * objects, the packs of older runs it references — is copied from another destination that has
 * it, checked by its SHA-256 on the way. Each destination keeps its own history: the snapshots it
 * missed are not copied, only what the new one needs.
 */
import { isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { limitOf, readVerified } from './objects.js';
import type { ActiveSet } from './pack-uploader.js';

/** What each destination holds, by key (listed once at the start of a run, then kept up to date). */
export type Holdings = Map<Destination, Set<string>>;

/** Lists `prefixes` of every active destination; one that cannot be listed leaves the set. */
export async function listHoldings(set: ActiveSet, prefixes: string[]): Promise<Holdings> {
  const out: Holdings = new Map();
  await Promise.all([...set.active].map(async (d) => {
    try {
      const keys = new Set<string>();
      for (const p of prefixes) for await (const o of d.list(p)) keys.add(o.key);
      out.set(d, keys);
    } catch (e) {
      set.fail(d, e);
    }
  }));
  return out;
}

/** Reads `key` from a destination that holds it and whose copy is sound. */
async function readFromAny(key: string, sources: Destination[]): Promise<Uint8Array | undefined> {
  for (const s of sources) {
    try {
      // key slots and the config are not content-addressed: they are copied as they are
      if (key.startsWith('keys/') || key === 'config') return await s.get(key, { maxBytes: limitOf(key) });
      return (await readVerified(s, key)).data;
    } catch (e) {
      if (!isScelleError(e, 'OBJECT_MISSING') && !isScelleError(e, 'OBJECT_CORRUPT') && !isScelleError(e, 'OBJECT_TOO_LARGE')) throw e;
    }
  }
  return undefined;
}

/**
 * Copies to each active destination the `keys` it lacks. Returns, per destination name, how many
 * objects and bytes were copied. A destination that fails leaves the set.
 */
export async function copyMissing(set: ActiveSet, have: Holdings, keys: Iterable<string>, signal?: AbortSignal): Promise<Map<string, { objects: number; bytes: number }>> {
  const wanted = [...new Set(keys)];
  const counts = new Map<string, { objects: number; bytes: number }>();
  for (const d of [...set.active]) {
    const mine = have.get(d) ?? new Set<string>();
    const missing = wanted.filter((k) => !mine.has(k));
    if (missing.length === 0) continue;
    const c = { objects: 0, bytes: 0 };
    try {
      for (const key of missing) {
        if (signal?.aborted) return counts;
        const sources = set.active.filter((s) => s !== d && have.get(s)?.has(key));
        const data = await readFromAny(key, sources);
        if (data === undefined) continue; // nobody has a sound copy: the seal step will say so
        await d.putIfAbsent(key, data);
        mine.add(key);
        c.objects++;
        c.bytes += data.length;
      }
      have.set(d, mine);
      counts.set(d.info.name, c);
    } catch (e) {
      set.fail(d, e);
    }
  }
  return counts;
}
