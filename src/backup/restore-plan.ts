/**
 * Which reader restores which files (restic's restorer plans by pack the same way): files are
 * grouped by the pack of their first chunk (most files are one chunk), groups come in the order
 * their packs are first used, and a pack first used by a later chunk of a file goes to the reader
 * of that file. A reader then needs each pack about once and keeps only a few in memory; the load
 * (bytes) is spread over the readers.
 */
import type { SnapshotEntry } from './snapshot.js';

/** The files of each of `readers` readers, in the order each should restore them. */
export function planRestore(files: SnapshotEntry[], packs: string[], readers: number): SnapshotEntry[][] {
  interface Group { n: number; files: SnapshotEntry[] }
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  const lists: SnapshotEntry[][] = Array.from({ length: readers }, () => []);
  const load: number[] = lists.map(() => 0);
  const leastLoaded = (): number => load.indexOf(Math.min(...load));
  const group = (pack: string, n: number): Group => {
    let g = groups.get(pack);
    if (g === undefined) {
      groups.set(pack, (g = { n, files: [] }));
      order.push(g);
    }
    return g;
  };
  for (const f of files) {
    const chunks = f.chunks ?? [];
    const first = chunks[0] === undefined ? undefined : packs[chunks[0][1]];
    const g = first === undefined ? { n: leastLoaded(), files: [] } : group(first, leastLoaded());
    if (first === undefined) order.push(g);
    for (const c of chunks) {
      const pack = packs[c[1]];
      if (pack !== undefined) group(pack, g.n);
    }
    g.files.push(f);
    load[g.n]! += f.size ?? 0;
  }
  for (const g of order) lists[g.n]!.push(...g.files);
  return lists;
}
