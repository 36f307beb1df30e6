/**
 * Retention on the archive (`retention.ts` computes it): the list of what is due, rules set on
 * items, legal holds placed and lifted — each change recorded in the journal.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import { appendJournal } from './journal.js';
import { checkRule, parseDay, retentionState, type LegalHold, type RetentionRule, type RetentionState } from './retention.js';
import { findItems, type ArchiveStore } from './store.js';

/** One item's retention at a date. */
export interface RetentionRow {
  id: string;
  batch: string;
  name?: string;
  rule: RetentionRule;
  state: RetentionState;
}

/**
 * Every present item with its retention state at `now` (only the due ones with `dueOnly`).
 * @throws ScelleError TARGET_ERROR, ARCHIVE_CORRUPT, USAGE (a malformed stored date).
 */
export async function retentionReport(store: ArchiveStore, now: Date, dueOnly = false): Promise<RetentionRow[]> {
  const holds = await store.holds();
  const rows: RetentionRow[] = [];
  for (const b of await store.loadBatches()) {
    for (const it of b.items) {
      if (it.destroyed !== undefined) continue;
      const state = retentionState(it.id, it.retention, holds, now);
      if (dueOnly && state.status !== 'due') continue;
      rows.push({ id: it.id, batch: b.id, ...(it.name !== undefined ? { name: it.name } : {}), rule: it.retention, state });
    }
  }
  return rows;
}

/**
 * Sets the retention rule of items (ids or names).
 * @throws ScelleError USAGE (a bad rule), ARCHIVE_ITEM_NOT_FOUND, LOCKED.
 */
export async function setRetention(store: ArchiveStore, refs: readonly string[], rule: RetentionRule, actor: string, clock: () => Date = () => new Date()): Promise<string[]> {
  checkRule(rule);
  const release = await store.lock(actor, clock);
  try {
    const batches = await store.loadBatches();
    const found = findItems(batches, refs);
    for (const { item } of found) item.retention = rule;
    for (const b of new Set(found.map((f) => f.batch))) await store.saveBatch(b);
    await appendJournal(store.target, found.map(({ item }) => ({ actor, operation: 'archive.retention' as const, object: { kind: 'item', id: item.id, sha256: item.digests.sha256! }, details: { rule: JSON.stringify(rule) } })), clock);
    return found.map((f) => f.item.id);
  } finally {
    await release();
  }
}

/**
 * Places a legal hold on the whole archive (no `items`) or on items: nothing it covers is due
 * while it lasts.
 * @throws ScelleError USAGE (no reason, a bad date), ARCHIVE_ITEM_NOT_FOUND, LOCKED.
 */
export async function placeHold(store: ArchiveStore, hold: { reason: string; since?: string; items?: readonly string[] }, actor: string, clock: () => Date = () => new Date()): Promise<LegalHold> {
  if (hold.reason.trim() === '') throw new ScelleError('USAGE', 'a legal hold needs a reason (the litigation it is for)', { params: { detail: 'a legal hold needs a reason' } });
  const since = hold.since ?? clock().toISOString().slice(0, 10);
  parseDay(since, 'hold start');
  const release = await store.lock(actor, clock);
  try {
    const items = hold.items === undefined ? undefined : findItems(await store.loadBatches(), hold.items).map((f) => f.item.id);
    const h: LegalHold = { id: `hold-${crypto.randomBytes(3).toString('hex')}`, reason: hold.reason, since, ...(items !== undefined ? { items } : {}) };
    await store.saveHolds([...(await store.holds()), h]);
    await appendJournal(store.target, [{ actor, operation: 'archive.hold', object: { kind: 'hold', id: h.id }, details: { since, scope: items === undefined ? 'all' : items.join(','), reason: h.reason } }], clock);
    return h;
  } finally {
    await release();
  }
}

/**
 * Lifts a legal hold (from `until`, default today): the time it lasted is added to the delays it suspended.
 * @throws ScelleError USAGE (unknown or already lifted hold, a bad date), LOCKED.
 */
export async function liftHold(store: ArchiveStore, id: string, actor: string, until?: string, clock: () => Date = () => new Date()): Promise<LegalHold> {
  const end = until ?? clock().toISOString().slice(0, 10);
  parseDay(end, 'hold end');
  const release = await store.lock(actor, clock);
  try {
    const holds = await store.holds();
    const h = holds.find((x) => x.id === id);
    if (h === undefined || h.until !== undefined) throw new ScelleError('USAGE', `no current legal hold ${id}`, { params: { detail: `no current legal hold ${id}` } });
    if (end < h.since) throw new ScelleError('USAGE', `the hold ${id} started on ${h.since}: it cannot end on ${end}`, { params: { detail: `the hold ${id} started on ${h.since}` } });
    h.until = end;
    await store.saveHolds(holds);
    await appendJournal(store.target, [{ actor, operation: 'archive.release', object: { kind: 'hold', id }, details: { until: end } }], clock);
    return h;
  } finally {
    await release();
  }
}
