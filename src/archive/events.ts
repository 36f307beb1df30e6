/**
 * Journal entries for operations outside the archive commands — a backup run, a restore — and the
 * journal's seal on demand (`scelle journal seal`, e.g. after the nightly backup).
 */
import type { TimestampTokenSource } from '../timestamp/cades-t.js';
import { appendJournal, type JournalEntry, type JournalOperation } from './journal.js';
import { writeSealed } from './renew.js';
import { ArchiveStore } from './store.js';

/** An event to record. */
export interface JournalEvent {
  operation: Extract<JournalOperation, 'backup.run' | 'backup.restore'>;
  object: { kind: string; id: string; sha256?: string };
  details?: Record<string, string>;
}

/**
 * Records events in the archive's journal (under the archive lock).
 * @throws ScelleError LOCKED, TARGET_ERROR / TARGET_OFFLINE.
 */
export async function recordJournalEvents(store: ArchiveStore, events: readonly JournalEvent[], actor: string, clock: () => Date = () => new Date()): Promise<JournalEntry[]> {
  const release = await store.lock(actor, clock);
  try {
    return await appendJournal(store.target, events.map((e) => ({ actor, operation: e.operation, object: e.object, details: e.details ?? {} })), clock);
  } finally {
    await release();
  }
}

/**
 * Seals the journal now: a time-stamp over the hash of its last entry, recorded as a seal entry.
 * @throws ScelleError LOCKED, the TSA's errors, TARGET_ERROR / TARGET_OFFLINE.
 */
export async function sealJournal(store: ArchiveStore, getToken: TimestampTokenSource, actor: string, clock: () => Date = () => new Date()): Promise<JournalEntry | undefined> {
  const release = await store.lock(actor, clock);
  try {
    const written = await writeSealed(store, [], getToken, actor, clock);
    return written[written.length - 1];
  } finally {
    await release();
  }
}

/**
 * Creates an archive on an empty destination and opens its journal.
 * @throws ScelleError ARCHIVE_EXISTS, TARGET_OFFLINE, TARGET_ERROR.
 */
export async function createArchive(target: ArchiveStore['target'], actor: string, clock: () => Date = () => new Date()): Promise<ArchiveStore> {
  const store = await ArchiveStore.init(target, clock);
  await appendJournal(target, [{ actor, operation: 'journal.init', object: { kind: 'archive', id: store.descriptor.id }, details: { format: 'scelle-archive 1' } }], clock);
  return store;
}
