/**
 * `backup status`: the 3-2-1 table, with no key. Per destination: whether it is there, its newest
 * sealed snapshot and the head of its seal chain (from its seals when reachable, else from the
 * local state and a removable drive's label); whether it holds another repository, is another
 * destination's copy, has a broken chain, was rolled back (its head older than the local journal
 * or another destination's witness), is stale (missed the latest runs), or was found damaged by
 * its last check; then the rules, when the next backup is due, and whether it is scheduled.
 */
import { ScelleError } from '../errors.js';
import { readDriveLabel } from './destination/usb.js';
import type { OpenDestinationContext } from './destination/index.js';
import { checkHead, readChain, witnessedHeads, type Chain } from './chain.js';
import { stateDirOf, type BackupConfig } from './config.js';
import { evaluateStatus, type DestinationStatusInput, type StatusReport } from './policy.js';
import { expectRepository } from './repository.js';
import { openConfiguredDestinations, type ConfiguredDestination } from './setup.js';
import { listingsOf } from './snapshot.js';
import { readState, type BackupState } from './state.js';

/** Options of {@link backupStatus}. */
export interface BackupStatusOptions {
  /** Evaluate as of this time (default now). */
  at?: Date;
  context?: OpenDestinationContext;
  /** Already opened destinations (default: open the config's). */
  destinations?: ConfiguredDestination[];
  /** Whether the schedule recorded in the state is still installed (the CLI asks systemd or cron). */
  scheduleInstalled?: (unit: string, kind: string) => Promise<boolean>;
  /** When the scheduler will run next (the CLI computes it from the schedule). */
  nextRun?: (s: NonNullable<BackupState['schedule']>, at: Date) => Date | undefined;
}

interface Probed {
  c: ConfiguredDestination;
  online: boolean;
  chain?: Chain;
  problems: { code: string; message: string }[];
}

/** Probes a destination and reads its chain (no key). */
async function probeOne(c: ConfiguredDestination, cfg: BackupConfig): Promise<Probed> {
  const p = await c.destination.probe().catch((e: unknown) => ({ online: false as const, reason: (e as Error).message }));
  if (!p.online) return { c, online: false, problems: [] };
  try {
    await expectRepository(c.destination, cfg.repository.id);
    const chain = await readChain(c.destination, { repository: cfg.repository.id, destination: c.spec.name });
    return { c, online: true, chain, problems: chain.problems.map((x) => ({ code: x.code, message: x.message })) };
  } catch (e) {
    if (!(e instanceof ScelleError) || e.code.startsWith('TARGET_')) return { c, online: false, problems: [] };
    return { c, online: true, problems: [{ code: e.code, message: e.message }] };
  }
}

/** The row of one destination. */
async function rowOf(p: Probed, all: Probed[], state: BackupState, at: Date): Promise<DestinationStatusInput> {
  const { spec } = p.c;
  const row: DestinationStatusInput = { name: spec.name, url: spec.url, media: spec.media, offline: spec.offline, offsite: spec.offsite, online: p.online };
  const st = state.destinations[spec.name];
  const problems = [...p.problems];
  if (p.chain !== undefined) {
    const known = [
      ...(st?.head ? [{ ...st.head, source: 'the local journal' }] : []),
      ...witnessedHeads(spec.name, all.filter((x) => x.chain !== undefined).map((x) => ({ name: x.c.spec.name, chain: x.chain! }))),
    ];
    problems.push(...checkHead(p.chain, known).map((x) => ({ code: x.code, message: x.message })));
    const snaps = listingsOf(p.chain).filter((s) => Date.parse(s.time) <= at.getTime());
    const last = snaps[snaps.length - 1];
    if (last) {
      row.lastSnapshotTime = last.time;
      row.lastSnapshot = last.snapshot;
    }
    row.snapshots = snaps.length;
    if (p.chain.head) row.head = { sequence: p.chain.head.seal.sequence, time: p.chain.head.seal.time };
  } else if (!p.online) {
    if (st?.lastSnapshotTime && Date.parse(st.lastSnapshotTime) <= at.getTime()) {
      row.lastSnapshotTime = st.lastSnapshotTime;
      if (st.lastSnapshot) row.lastSnapshot = st.lastSnapshot;
    } else if (spec.scheme === 'usb') {
      const label = await readDriveLabel(spec.path).catch(() => undefined);
      if (label?.lastWrite) row.lastSnapshotTime = label.lastWrite;
    }
  }
  if (st?.lastCheck !== undefined && !st.lastCheck.ok && problems.length === 0) {
    problems.push({ code: st.lastCheck.codes[0] ?? 'OBJECT_CORRUPT', message: `its last check (${st.lastCheck.command}, ${st.lastCheck.time}) found ${st.lastCheck.problems} problem(s): run \`scelle backup repair\`` });
  }
  if (problems.length > 0) row.problems = problems;
  return row;
}

/**
 * The 3-2-1 status at `at`. No key needed.
 * @throws ScelleError only for a config that cannot be used (problems of a copy are in the report).
 */
export async function backupStatus(cfg: BackupConfig, options: BackupStatusOptions = {}): Promise<StatusReport> {
  const at = options.at ?? new Date();
  const state = cfg.path !== undefined ? await readState(stateDirOf(cfg.path)) : { version: 1 as const, destinations: {} };
  const configured = options.destinations ?? (await openConfiguredDestinations(cfg, options.context ?? {}));
  let rows: DestinationStatusInput[];
  try {
    const probed = await Promise.all(configured.map((c) => probeOne(c, cfg)));
    rows = await Promise.all(probed.map((p) => rowOf(p, probed, state, at)));
  } finally {
    if (options.destinations === undefined) for (const c of configured) await c.destination.close().catch(() => undefined);
  }
  const newest = Math.max(...rows.map((r) => (r.lastSnapshotTime ? Date.parse(r.lastSnapshotTime) : 0)));
  for (const r of rows) if (r.lastSnapshotTime !== undefined && Date.parse(r.lastSnapshotTime) < newest) r.stale = true;
  const lastDrill = state.lastDrill?.time;
  const report = evaluateStatus({ destinations: rows, policy: cfg.policy, at, ...(lastDrill && Date.parse(lastDrill) <= at.getTime() ? { lastDrill } : {}) });
  if (state.schedule !== undefined) {
    const s = state.schedule;
    const installed = options.scheduleInstalled !== undefined ? await options.scheduleInstalled(s.unit, s.installedWith).catch(() => false) : true;
    const next = installed ? options.nextRun?.(s, at) : undefined;
    report.schedule = { installed, kind: s.installedWith, every: s.every, at: s.at, ...(next ? { next: next.toISOString() } : {}) };
  }
  return report;
}
