/**
 * Keys derived ahead (src/export/import-keys.ts): the order, a bounded number of batches at once,
 * each key handed out once, nothing more sent after stop() or a wrong password. The workers are
 * scripted here (the real ones run in tests/cli/export.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { KeysAhead } from '../../../src/export/import-keys.js';
import type { ZipEntry } from '../../../src/crypto/zip/entry-reader.js';
import type { WinZipAesKeys } from '../../../src/crypto/zip/winzip-aes.js';
import type { Outcome, ZipWorkers } from '../../../src/crypto/zip/zip-pool.js';

const entry = (index: number, o: Partial<ZipEntry> = {}): ZipEntry => ({
  index, name: `f${index}`, method: 8, aes: { version: 2, strength: 3 }, encrypted: true, compressedSize: 100, size: 200, crc32: 0,
  localHeaderOffset: index * 200, mtime: new Date(0), directory: false, symlink: false, flags: 0, storedMethod: 99, ...o,
});
const keyOf = (i: number): WinZipAesKeys => ({ strength: 3, encryptionKey: new Uint8Array([i]), macKey: new Uint8Array(32), verifier: new Uint8Array(2) });

function scripted(parallel = 2): { workers: ZipWorkers; sent: ZipEntry[][]; answer: (k: number, wrongPassword?: boolean) => Promise<void> } {
  const sent: ZipEntry[][] = [];
  const replies: ((o: Outcome<WinZipAesKeys>[]) => void)[] = [];
  const workers = {
    parallel, local: false,
    derive: (entries: ZipEntry[]) => {
      sent.push(entries);
      return new Promise<Outcome<WinZipAesKeys>[]>((resolve) => replies.push(resolve));
    },
  } as unknown as ZipWorkers;
  const answer = async (k: number, wrongPassword = false): Promise<void> => {
    replies[k]!(sent[k]!.map((e) => (wrongPassword ? { ok: false, error: { code: 'WRONG_PASSWORD', message: 'wrong password', params: {} } } : { ok: true, result: keyOf(e.index) })));
    await new Promise((r) => setTimeout(r, 0));
  };
  return { workers, sent, answer };
}

describe('keys derived ahead', () => {
  it('asks for the AES file entries in order, a bounded number of batches at once, and hands each key out once', async () => {
    const entries = [entry(0, { directory: true, aes: undefined }), entry(1, { aes: undefined, encrypted: false }), ...Array.from({ length: 400 }, (_, i) => entry(i + 2))];
    const { workers, sent, answer } = scripted(2);
    const ahead = new KeysAhead(entries, workers);
    expect(sent.length).toBe(8); // 2 workers × 4 batches
    expect(sent.flat().map((e) => e.index)).toEqual(Array.from({ length: 256 }, (_, i) => i + 2));
    expect(ahead.take(2)).toBeUndefined(); // not derived yet
    await answer(0);
    expect(sent.length).toBe(9); // one answer, one more batch
    expect(sent[8]![0]!.index).toBe(258);
    expect(ahead.take(2)!.encryptionKey[0]).toBe(2);
    expect(ahead.take(2)).toBeUndefined();
    expect(ahead.take(33)!.encryptionKey[0]).toBe(33);
    ahead.stop();
    await answer(1);
    expect(sent.length).toBe(9); // stopped: what was sent still delivers, nothing more is sent
    expect(ahead.take(34)!.encryptionKey[0]).toBe(34);
  });

  it('stops at a wrong password (the import reports it) and keeps no key of a failed entry', async () => {
    const { workers, sent, answer } = scripted(1);
    const ahead = new KeysAhead(Array.from({ length: 300 }, (_, i) => entry(i)), workers);
    expect(sent.length).toBe(4);
    await answer(0, true);
    expect(sent.length).toBe(4);
    expect(ahead.take(0)).toBeUndefined();
  });
});
