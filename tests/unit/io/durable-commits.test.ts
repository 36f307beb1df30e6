/**
 * Durable commits: batches made durable once each, then renamed in order; a failed batch leaves
 * nothing of itself or what follows; files verified out of order are committed in their order.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DurableCommits, OrderedCommits, fsyncEach, type PendingFile } from '../../../src/io/durable-commits.js';
import { isVolatileFileSystem, startFileSystemSyncer } from '../../../src/io/sync-fs.js';
import { isScelleError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

const tmp = makeTempDir('scelle-durable-');
afterAll(() => tmp.cleanup());
/** On tmpfs nothing is synced at all (the sync tests then have nothing to observe). */
const volatileTmp = await isVolatileFileSystem(tmp.dir);
let n = 0;
const fresh = (): string => join(tmp.dir, `case-${n++}`);
const pending = (dir: string, name: string): PendingFile => {
  const temp = join(dir, `.${name}.1-000000000000.tmp`);
  writeFileSync(temp, name);
  return { temp, path: join(dir, name), size: name.length };
};

describe('DurableCommits', () => {
  it('makes each batch durable once, before any of its files is renamed, in order', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const seen: string[][] = [];
    const c = new DurableCommits({
      batchFiles: 2,
      makeDurable: async (batch) => {
        // nothing of this batch is in place yet
        for (const f of batch) expect(existsSync(f.path)).toBe(false);
        seen.push(batch.map((f) => f.path.slice(dir.length + 1)));
      },
    });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await c.add(pending(dir, name));
    await c.finish();
    expect(seen).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(c.committed).toBe(5);
    expect(c.committedBytes).toBe(5);
  });

  it('a batch that cannot be made durable (a full disk): it and the batches after it are removed, the error names a file', async () => {
    const dir = fresh();
    mkdirSync(dir);
    let calls = 0;
    const c = new DurableCommits({
      batchFiles: 2,
      makeDurable: async () => {
        if (++calls === 2) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      },
    });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) await c.add(pending(dir, name)).catch(() => undefined);
    await expect(c.finish()).rejects.toSatisfy((e) => isScelleError(e, 'DISK_FULL'));
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  it.skipIf(volatileTmp)('with a file-system sync, the renames are made durable by one more sync after the last of them (not an fsync per folder)', async () => {
    const dir = fresh();
    const folders = ['p1', 'p2', 'p3'].map((f) => join(dir, f));
    for (const f of folders) mkdirSync(f, { recursive: true });
    const syncs: { dir: string; inPlace: number }[] = [];
    const files = folders.flatMap((f) => ['a', 'b'].map((name) => pending(f, name)));
    const syncer = {
      sync: async (d: string) => {
        syncs.push({ dir: d, inPlace: files.filter((x) => existsSync(x.path)).length });
        return true;
      },
      close: () => undefined,
    };
    const c = new DurableCommits({ batchFiles: 4, syncer });
    for (const f of files) await c.add(f);
    await c.finish();
    // two batches (4 + 2 files), each synced before its renames, then one sync once all are in place
    expect(syncs.map((x) => x.inPlace)).toEqual([0, 4, 6]);
    expect(folders).toContain(syncs[2]!.dir);
    expect(c.committed).toBe(6);
  });

  it.skipIf(volatileTmp)('without a file-system sync, every folder is still made durable (an fsync each) and the files are in place', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'q'), { recursive: true });
    const calls: string[] = [];
    const c = new DurableCommits({ syncer: { sync: async (d) => (calls.push(d), false), close: () => undefined } });
    await c.add(pending(join(dir, 'q'), 'x'));
    await c.finish();
    // the batch asked once, found no syncfs, fsynced its file; the folders are then not asked again
    expect(calls).toHaveLength(1);
    expect(readdirSync(join(dir, 'q'))).toEqual(['x']);
  });

  it('settle() commits what was accepted and swallows nothing it should not', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const c = new DurableCommits({ makeDurable: async () => undefined });
    await c.add(pending(dir, 'x'));
    await c.settle();
    expect(readdirSync(dir)).toEqual(['x']);
  });
});

describe('OrderedCommits', () => {
  it('verified out of order, committed in order; a failure at k leaves exactly the files before k', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const errors: [number, unknown][] = [];
    const commits = new DurableCommits({ makeDurable: async () => undefined });
    const o = new OrderedCommits(commits, (i, e) => errors.push([i, e]));
    // completion order: 1, 0, 4, (3 fails: its reader removed its temp file), 2, 5
    o.done(1, pending(dir, 'f1'));
    o.done(0, pending(dir, 'f0'));
    o.done(4, pending(dir, 'f4'));
    o.stop(3);
    o.done(2, pending(dir, 'f2'));
    o.done(5, pending(dir, 'f5'));
    await o.drain();
    await commits.finish();
    expect(readdirSync(dir).sort()).toEqual(['f0', 'f1', 'f2']);
    expect(errors).toEqual([]);
  });
});

describe('syncfs and volatile file systems', () => {
  it('the helper syncs a file system (Linux, coreutils)', async () => {
    const s = startFileSystemSyncer();
    expect(await s.sync(tmp.dir)).toBe(true);
    expect(await s.sync(tmp.dir)).toBe(true);
    s.close();
    expect(await s.sync(tmp.dir)).toBe(false);
  });

  it.runIf(existsSync('/dev/shm'))('tmpfs is volatile (nothing to sync there)', async () => {
    expect(await isVolatileFileSystem('/dev/shm')).toBe(true);
    expect(await isVolatileFileSystem('/proc/self')).toBe(false);
  });

  it('fsyncEach names the file whose fsync failed', async () => {
    await expect(fsyncEach([{ temp: join(tmp.dir, 'absent.tmp'), path: join(tmp.dir, 'absent') }])).rejects.toSatisfy((e) => isScelleError(e, 'FILE_NOT_FOUND') && String((e as Error).message).includes('absent'));
  });
});
