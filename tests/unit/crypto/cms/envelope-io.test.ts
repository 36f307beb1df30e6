import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openInputFile } from '../../../../src/crypto/cms/envelope-io.js';
import { makeTempDir } from '../../../helpers/tmp.js';

describe('openInputFile', () => {
  const tmp = makeTempDir('scelle-envelope-io-');
  const data = randomBytes(5 * 65536 + 123);
  const file = join(tmp.dir, 'data.bin');
  writeFileSync(file, data);

  it.each([false, true])('reads every byte in order, in chunks of the asked size (reuseBuffers %s)', async (reuseBuffers) => {
    const input = await openInputFile(file, 65536, { reuseBuffers });
    expect(input.size).toBe(data.length);
    const h = createHash('sha256');
    const sizes: number[] = [];
    for await (const c of input.chunks) {
      h.update(c); // consumed at once, as cipher.update does
      sizes.push(c.byteLength);
    }
    expect(h.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(sizes).toEqual([65536, 65536, 65536, 65536, 65536, 123]);
  });

  it('fresh buffers (the default) stay valid after later reads; reused ones are recycled', async () => {
    const keep: Uint8Array[] = [];
    for await (const c of (await openInputFile(file, 65536)).chunks) keep.push(c);
    expect(Buffer.concat(keep).equals(data)).toBe(true);
    const reused: Uint8Array[] = [];
    for await (const c of (await openInputFile(file, 65536, { reuseBuffers: true })).chunks) reused.push(c);
    // only two buffers take turns: kept references no longer hold the bytes they were given
    expect(new Set(reused.map((c) => c.buffer)).size).toBeLessThanOrEqual(2);
    tmp.cleanup();
  });
});
