/**
 * The 3-2-1 rule and the schedule of the ANS memento (docs/drafts/backup-repository.md §7):
 * 3 copies (the original and 2 backups) on 2 kinds of media, 1 offline; at least weekly; removable
 * media in a 4-week rotation; monthly backups kept 12 months, yearly ones for the records' 20
 * years; one copy away from the practice; a restore test every quarter.
 */
import type { MediaKind } from './destination/destination.js';

/** The policy (config section [politique]). */
export interface BackupPolicy {
  /** A backup at least every N days (7). */
  everyDays: number;
  /** Removable media rotation, weeks (4): an offline copy older than this breaks the rule. */
  rotationWeeks: number;
  /** Weekly snapshots kept (5). */
  keepWeekly: number;
  /** Monthly snapshots kept (12). */
  keepMonthly: number;
  /** Yearly snapshots kept (20: the retention of a patient record). */
  keepYearly: number;
  /** A restore drill at least every N months (3). */
  drillMonths: number;
  /** Copies required, the original included (3). */
  copies: number;
}

export const DEFAULT_POLICY: BackupPolicy = { everyDays: 7, rotationWeeks: 4, keepWeekly: 5, keepMonthly: 12, keepYearly: 20, drillMonths: 3, copies: 3 };

/** Stable names of the rules. */
export type RuleName = 'too-few-copies' | 'one-media-kind' | 'no-offline-copy' | 'offline-copy-too-old' | 'no-offsite-copy' | 'backup-too-old' | 'no-drill-in-3-months' | 'copy-damaged';

/** One destination as status sees it. */
export interface DestinationStatusInput {
  name: string;
  url: string;
  media: MediaKind;
  offline: boolean;
  offsite: boolean;
  /** Reachable now. */
  online: boolean;
  /** Its newest snapshot (from its seals when reachable, else from the local state). */
  lastSnapshotTime?: string;
  lastSnapshot?: string;
  snapshots?: number;
  /** The newest seal of its chain (when reachable). */
  head?: { sequence: number; time: string };
  /** What is wrong with this copy now (chain, repository, rollback) or at its last check (damage). */
  problems?: { code: string; message: string }[];
  /** Its newest snapshot is older than another destination's: it missed the latest run(s). */
  stale?: boolean;
}

/** A row of the status table. */
export interface DestinationStatus extends DestinationStatusInput {
  ageDays?: number;
}

/** A rule and its verdict. */
export interface RuleVerdict {
  rule: RuleName;
  ok: boolean;
  /** English detail, with the figures. */
  detail: string;
  /** Targets concerned. */
  targets?: string[];
  params: Record<string, string | number>;
}

/** The status report. */
export interface StatusReport {
  ok: boolean;
  at: string;
  destinations: DestinationStatus[];
  rules: RuleVerdict[];
  broken: RuleName[];
  lastDrill?: string;
  /** When the next backup is due (the newest backup + the policy's days). */
  nextDue?: string;
  /** The scheduler running `backup run`, when one was installed (`backup schedule`). */
  schedule?: { installed: boolean; kind: string; every: string; at: string; next?: string };
}

const DAY = 86_400_000;

/** Evaluates the rules at `at`. */
export function evaluateStatus(input: { destinations: DestinationStatusInput[]; policy: BackupPolicy; lastDrill?: string; at: Date }): StatusReport {
  const at = input.at.getTime();
  const p = input.policy;
  const rows: DestinationStatus[] = input.destinations.map((t) => ({ ...t, ...(t.lastSnapshotTime ? { ageDays: Math.round(((at - Date.parse(t.lastSnapshotTime)) / DAY) * 10) / 10 } : {}) }));
  const withCopy = rows.filter((t) => t.lastSnapshotTime !== undefined);
  const age = (t: DestinationStatus): number => at - Date.parse(t.lastSnapshotTime!);
  const rules: RuleVerdict[] = [];
  const add = (rule: RuleName, ok: boolean, detail: string, params: Record<string, string | number>, targets?: string[]): void => {
    rules.push({ rule, ok, detail, params, ...(targets ? { targets } : {}) });
  };
  const copies = 1 + withCopy.length;
  add('too-few-copies', copies >= p.copies, `${copies} copies (the original and ${withCopy.length} backup(s)); ${p.copies} required`, { copies, required: p.copies });
  const kinds = new Set(withCopy.map((t) => t.media));
  add('one-media-kind', kinds.size >= 2, `${kinds.size} kind(s) of media among the backups (${[...kinds].join(', ') || 'none'}); 2 required`, { kinds: kinds.size, media: [...kinds].join(', ') });
  const offline = withCopy.filter((t) => t.offline);
  add('no-offline-copy', offline.length > 0, offline.length > 0 ? `offline copies: ${offline.map((t) => t.name).join(', ')}` : 'no copy is kept disconnected', { count: offline.length });
  const limit = p.rotationWeeks * 7 * DAY;
  const stale = offline.filter((t) => age(t) > limit);
  add('offline-copy-too-old', stale.length === 0,
    stale.length === 0 ? `every offline copy is younger than ${p.rotationWeeks} weeks` : stale.map((t) => `${t.name} last written ${Math.floor(age(t) / DAY)} days ago`).join('; ') + ` (rotation: ${p.rotationWeeks} weeks)`,
    { weeks: p.rotationWeeks, targets: stale.map((t) => t.name).join(', '), days: stale.length > 0 ? Math.floor(Math.max(...stale.map(age)) / DAY) : 0 }, stale.map((t) => t.name));
  const offsite = withCopy.filter((t) => t.offsite);
  add('no-offsite-copy', offsite.length > 0, offsite.length > 0 ? `offsite copies: ${offsite.map((t) => t.name).join(', ')}` : 'no copy is kept away from the practice', { count: offsite.length });
  const newest = withCopy.length > 0 ? Math.min(...withCopy.map(age)) : Infinity;
  add('backup-too-old', newest <= p.everyDays * DAY,
    Number.isFinite(newest) ? `the newest backup is ${Math.floor(newest / DAY)} days old (at most ${p.everyDays})` : 'there is no backup yet',
    { days: Number.isFinite(newest) ? Math.floor(newest / DAY) : -1, max: p.everyDays });
  const drillAge = input.lastDrill ? at - Date.parse(input.lastDrill) : Infinity;
  const drillLimit = addMonths(new Date(input.lastDrill ?? 0), p.drillMonths).getTime();
  const drillOk = input.lastDrill !== undefined && at <= drillLimit;
  add('no-drill-in-3-months', drillOk,
    input.lastDrill ? `the last restore test was ${Math.floor(drillAge / DAY)} days ago (every ${p.drillMonths} months)` : 'no restore test was ever made',
    { days: Number.isFinite(drillAge) ? Math.floor(drillAge / DAY) : -1, months: p.drillMonths });
  const damaged = rows.filter((t) => (t.problems ?? []).length > 0);
  add('copy-damaged', damaged.length === 0,
    damaged.length === 0 ? 'no copy is damaged, rolled back or foreign' : damaged.map((t) => `${t.name}: ${t.problems![0]!.code}`).join('; '),
    { targets: damaged.map((t) => t.name).join(', '), codes: [...new Set(damaged.flatMap((t) => t.problems!.map((x) => x.code)))].join(', ') }, damaged.map((t) => t.name));
  const broken = rules.filter((r) => !r.ok).map((r) => r.rule);
  const nextDue = Number.isFinite(newest) ? new Date(at - newest + p.everyDays * DAY).toISOString() : undefined;
  return { ok: broken.length === 0, at: input.at.toISOString(), destinations: rows, rules, broken, ...(input.lastDrill ? { lastDrill: input.lastDrill } : {}), ...(nextDue ? { nextDue } : {}) };
}

function addMonths(d: Date, n: number): Date {
  const r = new Date(d.getTime());
  r.setUTCMonth(r.getUTCMonth() + n);
  return r;
}

/** ISO week key (`2026-W47`). */
function weekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const w = Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / DAY + 1) / 7);
  return `${y}-W${w}`;
}

/**
 * Which snapshots the policy keeps: the newest, the newest of each of the last `keepWeekly`
 * weeks, `keepMonthly` months and `keepYearly` years that have one (restic's --keep-weekly,
 * --keep-monthly, --keep-yearly).
 */
export function selectKept(snapshots: { snapshot: string; time: string }[], policy: BackupPolicy): Set<string> {
  const sorted = [...snapshots].sort((a, b) => (a.time > b.time ? -1 : a.time < b.time ? 1 : 0));
  const keep = new Set<string>();
  if (sorted[0]) keep.add(sorted[0].snapshot);
  const bucket = (n: number, key: (d: Date) => string): void => {
    const seen = new Set<string>();
    for (const s of sorted) {
      const k = key(new Date(s.time));
      if (seen.has(k)) continue;
      if (seen.size >= n) break;
      seen.add(k);
      keep.add(s.snapshot);
    }
  };
  bucket(policy.keepWeekly, weekKey);
  bucket(policy.keepMonthly, (d) => d.toISOString().slice(0, 7));
  bucket(policy.keepYearly, (d) => d.toISOString().slice(0, 4));
  return keep;
}
