/**
 * src/io/atomic-output.ts: a streamed output appears under its name only when committed, whole;
 * aborting or failing leaves neither the output nor the temp file, and an older file untouched.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAtomicOutput, writeStreamAtomic } from '../../../src/io/atomic-output.js';
import { isScelleError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

describe('atomic streamed output', () => {
  let dir: string;
  let cleanup: () => void;
  let n = 0;
  const fresh = (): string => {
    const d = join(dir, `d${++n}`);
    mkdirSync(d);
    return d;
  };
  beforeAll(() => ({ dir, cleanup } = makeTempDir('scelle-atomic-out-')));
  afterAll(() => cleanup?.());

  it('many small and large writes, in order; nothing under the name before commit; mode applied', async () => {
    const d = fresh();
    const path = join(d, 'out.bin');
    const out = await openAtomicOutput(path, { mode: 0o600 });
    const parts = [randomBytes(3), randomBytes(70_000), randomBytes(1), randomBytes(200_000), randomBytes(65_536)];
    for (const p of parts) await out.write(p);
    expect(readdirSync(d)).toEqual([out.tempPath.slice(d.length + 1)]);
    expect(out.bytesWritten).toBe(parts.reduce((a, p) => a + p.byteLength, 0));
    await out.commit();
    expect(readdirSync(d)).toEqual(['out.bin']);
    expect(readFileSync(path)).toEqual(Buffer.concat(parts));
    const { statSync } = await import('node:fs');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('abort: no output, no temp file; an older file is untouched; writing afterwards is refused', async () => {
    const d = fresh();
    const path = join(d, 'out.bin');
    writeFileSync(path, 'old');
    const out = await openAtomicOutput(path);
    await out.write(randomBytes(100_000));
    await out.abort();
    expect(readdirSync(d)).toEqual(['out.bin']);
    expect(readFileSync(path, 'utf8')).toBe('old');
    await expect(out.write(new Uint8Array(1))).rejects.toSatisfy((e) => isScelleError(e, 'IO_ERROR'));
  });

  it('syncEveryBytes: background syncs while writing change nothing of the bytes; an abort with one in flight leaves nothing', async () => {
    const d = fresh();
    const path = join(d, 'out.bin');
    const out = await openAtomicOutput(path, { coalesceBytes: 64 * 1024, syncEveryBytes: 1024 * 1024 });
    const parts = Array.from({ length: 25 }, (_, i) => randomBytes(50_000 + i));
    for (const p of parts) await out.write(p);
    await out.commit();
    expect(readFileSync(path)).toEqual(Buffer.concat(parts));
    expect(readdirSync(d)).toEqual(['out.bin']);

    const d2 = fresh();
    const aborted = await openAtomicOutput(join(d2, 'x.bin'), { coalesceBytes: 1, syncEveryBytes: 1 });
    await aborted.write(randomBytes(300_000));
    await aborted.abort();
    expect(readdirSync(d2)).toEqual([]);
  });

  it('writeStreamAtomic: a producer that throws mid-way leaves nothing and its error goes through', async () => {
    const d = fresh();
    const path = join(d, 'out.bin');
    const boom = new Error('producer failed');
    await expect(writeStreamAtomic(path, async (write) => {
      await write(randomBytes(150_000));
      throw boom;
    })).rejects.toBe(boom);
    expect(readdirSync(d)).toEqual([]);
    const ok = await writeStreamAtomic(path, async (write) => {
      await write(new TextEncoder().encode('abc'));
      return 7;
    });
    expect(ok).toEqual({ result: 7, bytes: 3 });
    expect(readFileSync(path, 'utf8')).toBe('abc');
  });

  it('exclusive refuses an existing file (OUTPUT_EXISTS); a file on the way of the folder is NOT_A_FOLDER', async () => {
    const d = fresh();
    const path = join(d, 'out.bin');
    writeFileSync(path, 'old');
    await expect(openAtomicOutput(path, { exclusive: true })).rejects.toSatisfy((e) => isScelleError(e, 'OUTPUT_EXISTS'));
    await expect(openAtomicOutput(join(path, 'below-a-file'))).rejects.toSatisfy((e) => isScelleError(e, 'NOT_A_FOLDER'));
    expect(readdirSync(d)).toEqual(['out.bin']);
  });
});
