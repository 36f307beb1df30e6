/** How restore and verify read packs: the order of a restore, reused pack buffers, reads ahead. */
import { describe, it, expect } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRestore } from '../../../src/backup/restore-plan.js';
import { PackBuffers } from '../../../src/backup/pack-buffers.js';
import { PackReader, type RestoreJob } from '../../../src/backup/pack-reader.js';
import { MAGIC, newRunKey, newX25519, sealBox } from '../../../src/backup/envelope.js';
import type { SnapshotEntry } from '../../../src/backup/snapshot.js';

const MiB = 1024 * 1024;
const file = (path: string, size: number, packs: number[]): SnapshotEntry => ({
  path, type: 'file', mode: 0o644, mtime: 0, size, chunks: packs.map((p, i) => [`id${path}${i}`, p, 40, 10, 10, 0]),
});

describe('the order of a restore', () => {
  it('groups files by the pack of their first chunk, largest group first, ties in pack order', () => {
    const files = [file('a', 1000, [0]), file('big', 50 * MiB, [1, 2, 3]), file('b', 2000, [0]), file('c', 1000, [3]), file('d', 1000, [4]), file('empty', 0, [])];
    const groups = planRestore(files, ['p0', 'p1', 'p2', 'p3', 'p4']).map((g) => g.map((f) => f.path));
    expect(groups).toEqual([['big'], ['a', 'b'], ['c'], ['d'], ['empty']]);
  });
});

describe('pack buffers', () => {
  it('hands back a buffer given back, and ignores buffers it did not make', () => {
    const pool = new PackBuffers(2);
    const a = pool.take(3 * MiB + 5);
    expect(a.length).toBe(3 * MiB + 5);
    pool.give(a);
    pool.give(Buffer.alloc(4 * MiB));
    const b = pool.take(3 * MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.take(3 * MiB).buffer).not.toBe(a.buffer);
  });

  it('keeps at most `keep` free buffers, and never the same one twice', () => {
    const pool = new PackBuffers(1);
    const a = pool.take(MiB);
    const b = pool.take(MiB);
    pool.give(a);
    pool.give(a);
    pool.give(b);
    expect(pool.take(MiB).buffer).toBe(a.buffer);
    const c = pool.take(MiB);
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.buffer).not.toBe(b.buffer);
  });
});

describe('a reader with reused buffers', () => {
  it('restores files spread over more packs than it caches, each pack buffer reused only once free', async () => {
    const { privateKey, publicKey } = newX25519();
    const run = newRunKey(publicKey);
    // six packs of three 64 KiB chunks; a file takes one chunk of each of three packs
    const chunks: Buffer[][] = [];
    const packs = new Map<string, Buffer>();
    for (let p = 0; p < 6; p++) {
      const plain = [0, 1, 2].map(() => randomBytes(64 * 1024));
      chunks.push(plain);
      packs.set(`p${p}`, Buffer.concat([MAGIC.pack, run.ephPub, ...plain.map((c) => sealBox(run.key, c))]));
    }
    const pool = new PackBuffers(2);
    let reads = 0;
    // the buffer is taken and filled at once, resolved later: a buffer given back too early
    // (while a job still decrypts from it) would be overwritten by the next read
    const fetch = async (name: string): Promise<Uint8Array> => {
      reads++;
      const src = packs.get(name)!;
      const b = pool.take(src.length);
      src.copy(b);
      await new Promise((r) => setTimeout(r, 1));
      return b;
    };
    const reader = new PackReader({ readKey: privateKey, recipient: publicKey, cacheSize: 1 }, fetch, undefined, pool);
    const dir = await mkdtemp(join(tmpdir(), 'scelle-read-'));
    try {
      const box = 12 + 64 * 1024 + 16;
      const jobs: RestoreJob[] = [];
      const expected: Buffer[] = [];
      for (let f = 0; f < 6; f++) {
        const parts = [f, (f + 2) % 6, (f + 4) % 6].map((p, k) => ({ p, c: (f + k) % 3 }));
        expected.push(Buffer.concat(parts.map(({ p, c }) => chunks[p]![c]!)));
        jobs.push({
          path: `f${f}`, dest: join(dir, `f${f}`), tmp: join(dir, `.f${f}.tmp`), mode: 0o640, mtime: 1_700_000_000_000,
          sha256: createHash('sha256').update(expected[f]!).digest('hex'),
          chunks: parts.map(({ p, c }) => [`c${p}${c}`, `p${p}`, 40 + c * box, box, 64 * 1024, 0]),
        });
      }
      const results = await Promise.all(jobs.map((j) => reader.restore(j)));
      expect(results).toEqual(jobs.map(() => ({ ok: true })));
      for (let f = 0; f < 6; f++) {
        expect((await readFile(join(dir, `f${f}`))).equals(expected[f]!)).toBe(true);
        expect((await stat(join(dir, `f${f}`))).mode & 0o777).toBe(0o640);
      }
      expect(reads).toBeGreaterThanOrEqual(6);
      // a tampered chunk is still caught, in buffers that went round
      packs.get('p3')![40 + 100] ^= 1;
      const again = new PackReader({ readKey: privateKey, recipient: publicKey, cacheSize: 1 }, fetch, undefined, pool);
      const bad = await again.restore({ ...jobs[3]!, dest: join(dir, 'bad'), tmp: join(dir, '.bad.tmp') });
      expect(bad).toMatchObject({ ok: false, code: 'OBJECT_CORRUPT' });
      await expect(stat(join(dir, 'bad'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
