/**
 * The export's writing order and its memory bound: large files first while the workers have room,
 * small files in listing order, the window of encoded-ahead bytes never past its cap (counting
 * payloads once encoded), drained to half once full.
 */
import { describe, expect, it } from 'vitest';
import { AHEAD_BYTES, ExportQueue } from '../../../src/export/export-queue.js';
import type { ExportItem } from '../../../src/export/export-list.js';
import type { ZipWorkers } from '../../../src/crypto/zip/zip-pool.js';
import type { ZipWriter } from '../../../src/crypto/zip/writer.js';
import type { EncodeJob, EncodeResult } from '../../../src/crypto/zip/entry-jobs.js';

const MiB = 1024 * 1024;
const item = (name: string, size: number): ExportItem => ({ path: `/nowhere/${name}`, name, directory: false, size, mtime: new Date(0), mode: 0o100644 });

/** Workers whose jobs finish when the test says, with a payload of `payload` bytes. */
function fakeWorkers(): { workers: ZipWorkers; jobs: { job: EncodeJob; finish: (payload: number) => void }[] } {
  const jobs: { job: EncodeJob; finish: (payload: number) => void }[] = [];
  const workers = {
    parallel: 2,
    encode: (job: EncodeJob) => new Promise<EncodeResult>((resolve) => {
      jobs.push({ job, finish: (payload) => resolve({ sha256: '', size: 0, method: 8, crc: 0, encrypted: true, payload: new Uint8Array(payload) }) });
    }),
  } as unknown as ZipWorkers;
  return { workers, jobs };
}
const fakeWriter = { prepareFile: (meta: { name: string }) => ({ meta, ready: Promise.resolve(), run: () => Promise.reject(new Error('not run here')) }) } as unknown as ZipWriter;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ExportQueue', () => {
  it('large files first while there is room; the window holds at most its cap; small files in listing order', async () => {
    const items = [item('a-scan', 10 * MiB), ...Array.from({ length: 100 }, (_, i) => item(`b/lettre-${String(i).padStart(3, '0')}`, MiB)), item('c-scan', 10 * MiB)];
    const { workers, jobs } = fakeWorkers();
    const q = new ExportQueue(items, fakeWriter, workers, 4096, () => undefined);
    // both large files are taken first, while the workers encode 32 MiB of letters
    expect(q.next()!.item.name).toBe('a-scan');
    expect(jobs).toHaveLength(AHEAD_BYTES / MiB);
    expect(q.next()!.item.name).toBe('c-scan');
    // encoded to a third: the reservations shrink and the window refills at once, still within the cap
    for (const j of jobs.slice()) j.finish(MiB / 3);
    await tick();
    // 32 encoded (a third of a MiB held each) and the new ones pending (a whole MiB each): refilled to the cap, not past it
    const held = 32 * (MiB / 3) + (jobs.length - 32) * MiB;
    expect(jobs.length).toBeGreaterThan(32);
    expect(held).toBeGreaterThanOrEqual(AHEAD_BYTES);
    expect(held).toBeLessThan(AHEAD_BYTES + MiB);
    // then the letters, in listing order, each written once
    const order: string[] = [];
    for (let n = q.next(); n !== undefined; n = q.next()) {
      // finish whatever was dispatched, as the workers would
      for (const j of jobs) j.finish(MiB / 3);
      await n.encoded;
      q.written(n);
      order.push(n.item.name);
      await tick();
    }
    expect(order).toEqual(items.slice(1, 101).map((x) => x.name));
    expect(jobs.map((j) => j.job.path)).toEqual(items.slice(1, 101).map((x) => x.path));
  });

  it('once the window is full, every small file ready is written before the next large file, which comes as soon as none is ready', async () => {
    const items = [...Array.from({ length: 64 }, (_, i) => item(`l-${String(i).padStart(2, '0')}`, MiB)), ...Array.from({ length: 5 }, (_, i) => item(`s-${i}`, 8 * MiB))];
    const { workers, jobs } = fakeWorkers();
    const q = new ExportQueue(items, fakeWriter, workers, 4096, () => undefined);
    expect(q.next()!.item.name).toBe('s-0');
    // the 32 letters of the window encoded, none smaller: the window is full
    expect(jobs).toHaveLength(32);
    for (const j of jobs) j.finish(MiB);
    await tick();
    const names: string[] = [];
    for (let k = 0; k < 33; k++) {
      const n = q.next()!;
      names.push(n.item.name);
      if (n.encoded !== undefined) {
        await n.encoded;
        q.written(n);
      }
    }
    // each letter written let one more be dispatched (the window stays full, the workers busy);
    // those are not encoded yet, so the next scan comes right after the 32 ready ones
    expect(names.slice(0, 32)).toEqual(items.slice(0, 32).map((x) => x.name));
    expect(names[32]).toBe('s-1');
    expect(jobs).toHaveLength(64);
  });
});
