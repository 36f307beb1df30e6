/**
 * The journal (NF Z42-013 lifecycle journal): deleting, editing or reordering any entry is found
 * and the entry named; a chain rewritten consistently is caught by the seal that covers it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addToArchive } from '../../../src/archive/add.js';
import { createArchive, recordJournalEvents } from '../../../src/archive/events.js';
import { entryHash, verifyJournal, type JournalEntry } from '../../../src/archive/journal.js';
import { ArchiveStore } from '../../../src/archive/store.js';
import { verifyArchive } from '../../../src/archive/verify.js';
import { at, clockedTsa, createLongTermPki, type LongTermPki } from '../../helpers/longterm-pki.js';
import { MemoryDestination } from '../backup/memory-destination.js';

describe('the journal', () => {
  let pki: LongTermPki;
  let target: MemoryDestination;
  let store: ArchiveStore;
  const clock = { now: at(0) };
  let pristine: Map<string, Uint8Array>;

  const segments = (): string[] => [...target.objects.keys()].filter((k) => k.startsWith('journal/')).sort();
  const lines = (key: string): JournalEntry[] => Buffer.from(target.objects.get(key)!).toString().trim().split('\n').map((l) => JSON.parse(l) as JournalEntry);
  const write = (key: string, entries: JournalEntry[]): void => {
    target.objects.set(key, new TextEncoder().encode(entries.map((e) => JSON.stringify(e)).join('\n') + '\n'));
  };
  const check = async () => verifyArchive(store, { trustAnchors: pki.anchors, crls: pki.crlsAt(at(0.1)), at: at(0.1), clock: () => at(0.1) });
  const restore = (): void => {
    target.objects.clear();
    for (const [k, v] of pristine) target.objects.set(k, v.slice());
  };

  beforeAll(async () => {
    pki = createLongTermPki();
    const tsa = await clockedTsa(pki, 'tsa1', clock);
    target = new MemoryDestination('journal');
    store = await createArchive(target, 'secretariat@cabinet', () => clock.now);
    const docs = Array.from({ length: 4 }, (_, i) => ({ name: `cr-${i}.pdf`, read: async () => new TextEncoder().encode(`compte rendu ${i}`) }));
    await addToArchive(store, docs, { getToken: tsa.source, actor: 'secretariat@cabinet', clock: () => clock.now });
    await recordJournalEvents(store, [{ operation: 'backup.run', object: { kind: 'snapshot', id: 'a1b2c3d4' }, details: { destinations: 'usb1,nas' } }], 'cron@cabinet', () => clock.now);
    pristine = new Map([...target.objects].map(([k, v]) => [k, v.slice()]));
  }, 60_000);

  it('an untouched journal verifies: 1 + 4 entries, a seal by the batch time-stamp, one entry after it', async () => {
    const r = await check();
    expect(r.journal.problems).toEqual([]);
    expect(r.journal.entries).toBe(7);
    expect(r.journal.seals).toHaveLength(1);
    expect(r.journal.unsealed).toBe(1);
  });

  it.each([
    ['an entry removed', (s: string[]) => { const e = lines(s[1]!); write(s[1]!, [e[0]!, ...e.slice(2)]); }, /entry #2 was removed: entry #3 \(archive\.add of item b1-3/],
    ['a segment removed', (s: string[]) => { target.objects.delete(s[2]!); }, /entry #6 was removed/],
    ['an entry edited', (s: string[]) => { const e = lines(s[1]!); e[2]!.object.sha256 = 'f'.repeat(64); write(s[1]!, e); }, /entry #3 \(archive\.add of item b1-3, .*\) was changed/],
    ['an actor edited', (s: string[]) => { const e = lines(s[2]!); e[0]!.actor = 'quelqu-un@ailleurs'; write(s[2]!, e); }, /entry #6 \(backup\.run of snapshot a1b2c3d4.*\) was changed/],
    ['two entries swapped', (s: string[]) => { const e = lines(s[1]!); write(s[1]!, [e[0]!, e[2]!, e[1]!, ...e.slice(3)]); }, /entry #2 .* comes after entry #3: the journal was reordered/],
  ])('%s is found and named', async (_name, tamper, message) => {
    tamper(segments());
    const r = await check();
    restore();
    expect(r.journal.ok).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.journal.problems.map((p) => p.message).join('\n')).toMatch(message);
    expect(r.journal.problems.every((p) => p.code === 'JOURNAL_BROKEN')).toBe(true);
  });

  it('a chain rewritten consistently (every hash recomputed) is caught by the seal', async () => {
    const s = segments();
    const e = lines(s[1]!);
    e[1]!.details.size = '999';
    let prev = lines(s[0]!)[0]!.hash;
    for (const x of e) {
      x.prev = prev;
      const { hash: _h, ...rest } = x;
      x.hash = entryHash(rest);
      prev = x.hash;
    }
    write(s[1]!, e);
    const after = lines(s[2]!);
    after[0]!.prev = prev;
    const { hash: _h, ...rest } = after[0]!;
    after[0]!.hash = entryHash(rest);
    write(s[2]!, after);
    const r = await check();
    restore();
    expect(r.journal.problems.map((p) => p.message).join('\n')).toMatch(/the seal entry #5 \(journal\.seal .*\) does not hold/);
  });

  it('journal verify alone, without trust, still finds a removal', async () => {
    const s = segments();
    target.objects.delete(s[1]!);
    const r = await verifyJournal(target, async () => ({ ok: true, broken: false }));
    restore();
    expect(r.problems[0]!.message).toMatch(/entries #1 to #5 were removed/);
  });
});
