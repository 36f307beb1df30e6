/**
 * `archive status`: what the archive holds, which batches need renewal and by when (the newest
 * time-stamp's TSA certificate expiry and the algorithms' deadlines, `validation/renewal.ts`),
 * whether validation data is kept for them, what retention makes due or holds, and the journal's
 * state. Read-only, no network, no trust anchors: dates come from the tokens themselves.
 */
import type { RenewalLimit } from '../validation/renewal.js';
import { earliestLimit, tokenRenewalLimits } from '../validation/renewal.js';
import { parseTimeStampToken } from '../timestamp/tsp.js';
import { verifyJournal } from './journal.js';
import { retentionState, type LegalHold } from './retention.js';
import type { ArchiveStore } from './store.js';

const DAY = 86_400_000;

/** The state of one batch. */
export interface BatchStatus {
  id: string;
  createdAt: string;
  items: number;
  present: number;
  chains: number;
  timestamps: number;
  /** genTime of the newest time-stamp. */
  lastTimestamp?: Date;
  /** What limits the newest time-stamp first: renew before that date. */
  renewBefore?: RenewalLimit;
  /** `ok`, `soon` (within the warning horizon), `overdue` (the limit has passed: the proof can no longer be renewed from itself). */
  state: 'ok' | 'soon' | 'overdue' | 'unreadable';
  /** Validation data elements kept for its time-stamps. */
  validationData: number;
}

/** The report of {@link archiveStatus}. */
export interface ArchiveStatusReport {
  archive: { id: string; createdAt: string; url: string };
  items: { total: number; present: number; destroyed: number };
  batches: BatchStatus[];
  /** The earliest renewal date over all batches. */
  nextRenewal?: RenewalLimit & { batch: string };
  retention: { due: number; kept: number; held: number; unset: number; nextDue?: Date };
  holds: LegalHold[];
  journal: { entries: number; seals: number; lastSeal?: string; unsealed: number; ok: boolean };
  /** True when something needs doing now: a renewal overdue or within the horizon, or a broken journal. */
  needsAction: boolean;
}

function batchStatus(b: Awaited<ReturnType<ArchiveStore['loadBatch']>>, now: Date, horizon: number): BatchStatus {
  const chain = b.chains[b.chains.length - 1]!;
  const out: BatchStatus = {
    id: b.id, createdAt: b.createdAt, items: b.items.length, present: b.items.filter((i) => i.destroyed === undefined).length,
    chains: b.chains.length, timestamps: b.chains.reduce((n, c) => n + c.timestamps.length, 0), state: 'ok',
    validationData: b.validation.certificates.length + b.validation.crls.length + b.validation.ocsp.length,
  };
  try {
    const token = new Uint8Array(Buffer.from(chain.timestamps[chain.timestamps.length - 1]!.token, 'base64'));
    out.lastTimestamp = parseTimeStampToken(token).tstInfo.genTime;
    const limit = earliestLimit(tokenRenewalLimits(token));
    if (limit !== undefined) {
      out.renewBefore = limit;
      if (limit.until.getTime() <= now.getTime()) out.state = 'overdue';
      else if (limit.until.getTime() <= now.getTime() + horizon) out.state = 'soon';
    }
  } catch {
    out.state = 'unreadable';
  }
  return out;
}

/**
 * The archive's status at `now`; `horizonDays` (default 180) is how far ahead a renewal counts as
 * due soon.
 * @throws ScelleError TARGET_OFFLINE / TARGET_ERROR, ARCHIVE_CORRUPT.
 */
export async function archiveStatus(store: ArchiveStore, options: { now?: Date; horizonDays?: number } = {}): Promise<ArchiveStatusReport> {
  const now = options.now ?? new Date();
  const horizon = (options.horizonDays ?? 180) * DAY;
  const batches = await store.loadBatches();
  const holds = await store.holds();
  const statuses = batches.map((b) => batchStatus(b, now, horizon));
  const items = batches.flatMap((b) => b.items);
  const retention = { due: 0, kept: 0, held: 0, unset: 0 } as ArchiveStatusReport['retention'];
  for (const it of items.filter((i) => i.destroyed === undefined)) {
    const s = retentionState(it.id, it.retention, holds, now);
    retention[s.status === 'due' ? 'due' : s.status === 'held' ? 'held' : s.status === 'unset' ? 'unset' : 'kept']++;
    if (s.status === 'kept' && s.dueAt !== undefined && (retention.nextDue === undefined || s.dueAt.getTime() < retention.nextDue.getTime())) retention.nextDue = s.dueAt;
  }
  const journal = await verifyJournal(store.target, async () => ({ ok: true, broken: false }));
  const withLimit = statuses.filter((s) => s.renewBefore !== undefined).sort((a, b) => a.renewBefore!.until.getTime() - b.renewBefore!.until.getTime());
  const report: ArchiveStatusReport = {
    archive: { id: store.descriptor.id, createdAt: store.descriptor.createdAt, url: store.target.info.url },
    items: { total: items.length, present: items.filter((i) => i.destroyed === undefined).length, destroyed: items.filter((i) => i.destroyed !== undefined).length },
    batches: statuses,
    retention,
    holds,
    journal: { entries: journal.entries, seals: journal.seals.length, ...(journal.seals.length > 0 ? { lastSeal: journal.seals[journal.seals.length - 1]!.time } : {}), unsealed: journal.unsealed, ok: journal.ok },
    needsAction: statuses.some((s) => s.state !== 'ok') || !journal.ok,
  };
  const first = withLimit[0];
  if (first !== undefined) report.nextRenewal = { ...first.renewBefore!, batch: first.id };
  return report;
}
