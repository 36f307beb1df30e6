/**
 * The order of a restore (restic's restorer plans by pack the same way): files are grouped by the
 * pack of their first chunk (most files are one chunk, so a group needs its pack only, read once),
 * and the readers of the pool take the next group as soon as they have room (restore.ts): a reader
 * that meets slow file creations (thousands of letters) or a large file takes fewer groups, and
 * both cores stay busy to the end. A pack at the border of two large files may be read by both
 * readers, once each: a few milliseconds.
 *
 * Groups come largest first (longest-processing-time-first scheduling): a 50 MiB scan taken last
 * would leave the other reader idle for its whole restore. Each file costs as much as reading
 * 256 KiB besides its bytes: creating, renaming and dating a file is most of the time of a letter.
 */
import type { SnapshotEntry } from './snapshot.js';

/** Cost of one file beyond its bytes, in bytes of work. */
const FILE_COST = 256 * 1024;

/** The groups of files to restore, in the order the readers should take them. */
export function planRestore(files: SnapshotEntry[], packs: string[]): SnapshotEntry[][] {
  interface Group { cost: number; files: SnapshotEntry[] }
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const f of files) {
    const c = f.chunks?.[0];
    const first = c === undefined ? undefined : packs[c[1]];
    let g = first === undefined ? undefined : groups.get(first);
    if (g === undefined) {
      g = { cost: 0, files: [] };
      order.push(g);
      if (first !== undefined) groups.set(first, g);
    }
    g.files.push(f);
    g.cost += (f.size ?? 0) + FILE_COST;
  }
  // Array.prototype.sort is stable: equal costs keep the order of their packs
  return order.sort((a, b) => b.cost - a.cost).map((g) => g.files);
}
