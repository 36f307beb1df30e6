/**
 * The backup setup as the CLI and the demo use it: a config file, its targets, its state.
 * `initBackup` creates everything; `openConfiguredDestinations` opens the destinations of a config;
 * `backupStatus` evaluates the 3-2-1 rules.
 */
import { mkdir, stat } from 'node:fs/promises';

import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Destination } from './destination/destination.js';
import { initRemovable, openDestination, parseDestinationUrl, readDriveLabel, type OpenDestinationContext, type ParsedDestination } from './destination/index.js';
import { formatBackupConfig, stateDirOf, type BackupConfig } from './config.js';
import { initRepository, type InitRepositoryOptions } from './repository.js';
import { recoveryKitHtml, recoveryKitText, formatRecoveryKey } from './keys.js';
import { DEFAULT_POLICY, evaluateStatus, type BackupPolicy, type StatusReport, type TargetStatusInput } from './policy.js';
import { listSnapshots } from './restore.js';
import { readState } from './state.js';

/** A destination of a config, opened. */
export interface ConfiguredDestination {
  spec: ParsedDestination;
  target: Destination;
}

/** Opens every destination of a config (nothing is contacted yet). */
export async function openConfiguredDestinations(cfg: BackupConfig, context: OpenDestinationContext = {}): Promise<ConfiguredDestination[]> {
  const out: ConfiguredDestination[] = [];
  for (const s of cfg.targets) {
    const spec = parseDestinationUrl(s);
    out.push({ spec, target: await openDestination(spec, context) });
  }
  return out;
}

/** Options of {@link initBackup}. */
export interface InitBackupOptions {
  /** Where to write the config (must not exist). */
  configPath: string;
  sources: string[];
  /** `NAME=URL;options`. */
  targets: string[];
  passphrase: string;
  /** scrypt cost (log2 N); default 17. Lower only for a demo or tests. */
  kdfLogN?: number;
  certificates?: InitRepositoryOptions['certificates'];
  policy?: Partial<BackupPolicy>;
  seal?: BackupConfig['seal'];
  context?: OpenDestinationContext;
  clock?: () => Date;
}

/** What {@link initBackup} made. */
export interface InitBackupResult {
  config: BackupConfig;
  configPath: string;
  stateDir: string;
  /** The recovery kit files (mode 0600). */
  recoveryKit: { html: string; text: string };
  /** The recovery key as printed (only returned here, never stored in clear by scelle). */
  recoveryKey: string;
  repositoryId: string;
  /** Destinations initialised now; the others are filled by the first run that reaches them. */
  initialised: string[];
  offline: { name: string; reason: string }[];
}

/**
 * Creates a backup setup: the repository on every reachable destination, the commented config
 * (0600), the recovery kit (0600) and the state folder. Removable drives that are plugged in are
 * prepared (label file) with the destination's name.
 * @throws ScelleError OUTPUT_EXISTS (config exists), CONFIG_INVALID, REPO_EXISTS,
 *   TARGET_OFFLINE (no destination reachable), WEAK_PASSWORD is the caller's check.
 */
export async function initBackup(options: InitBackupOptions): Promise<InitBackupResult> {
  const clock = options.clock ?? (() => new Date());
  if (await stat(options.configPath).then(() => true, () => false)) {
    throw new ScelleError('OUTPUT_EXISTS', `${options.configPath} already exists: a backup setup is already there`, { params: { file: options.configPath } });
  }
  if (options.sources.length === 0) throw new ScelleError('USAGE', 'give at least one --source folder');
  if (options.targets.length === 0) throw new ScelleError('USAGE', 'give at least one --target NAME=URL');
  for (const s of options.sources) {
    if (!(await stat(s).then((x) => x.isDirectory() || x.isFile(), () => false))) throw new ScelleError('FILE_NOT_FOUND', `the source ${s} does not exist`, { params: { file: s } });
  }
  const specs = options.targets.map((t) => parseDestinationUrl(t));
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new ScelleError('CONFIG_INVALID', `two destinations are named ${s.name}`, { params: { detail: s.name } });
    names.add(s.name);
  }
  const reachable: Destination[] = [];
  const offline: { name: string; reason: string }[] = [];
  for (const spec of specs) {
    if (spec.scheme === 'usb' && (await stat(spec.path).then((x) => x.isDirectory(), () => false)) && (await readDriveLabel(spec.path)) === undefined) {
      await initRemovable(spec.path, { name: spec.name }, { now: clock() });
    }
    if (spec.scheme === 'file') await mkdir(spec.path, { recursive: true });
    const t = await openDestination(spec, { ...options.context, now: clock });
    const p = await t.probe();
    if (p.online) reachable.push(t);
    else {
      offline.push({ name: spec.name, reason: p.reason });
      await t.close();
    }
  }
  if (reachable.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no destination is reachable: the repository cannot be created', { hint: 'plug in the backup drive or check the network' });
  let repo;
  try {
    repo = await initRepository(reachable, {
      passphrase: options.passphrase, clock,
      ...(options.kdfLogN !== undefined ? { kdfLogN: options.kdfLogN } : {}),
      ...(options.certificates ? { certificates: options.certificates } : {}),
    });
  } finally {
    for (const t of reachable) await t.close();
  }
  const config: BackupConfig = {
    path: options.configPath,
    repository: { id: repo.config.id, recipient: repo.config.recipient, writeKey: repo.master.writeKey.toString('hex') },
    sources: options.sources,
    targets: options.targets,
    policy: { ...DEFAULT_POLICY, ...options.policy },
    seal: options.seal ?? { trust: [] },
  };
  const created = clock();
  await writeFileAtomic(options.configPath, formatBackupConfig(config, created), { mode: 0o600 });
  const stateDir = stateDirOf(options.configPath);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const kitInfo = { repository: repo.config.id, created, recoveryKey: repo.recoveryKey, targets: specs.map((s) => ({ name: s.name, url: s.url })) };
  const html = `${options.configPath}.kit-recuperation.html`;
  const text = `${options.configPath}.kit-recuperation.txt`;
  await writeFileAtomic(html, recoveryKitHtml(kitInfo), { mode: 0o600 });
  await writeFileAtomic(text, recoveryKitText(kitInfo), { mode: 0o600 });
  return {
    config, configPath: options.configPath, stateDir, recoveryKit: { html, text }, recoveryKey: formatRecoveryKey(repo.recoveryKey),
    repositoryId: repo.config.id, initialised: reachable.map((t) => t.info.name), offline,
  };
}

/** Options of {@link backupStatus}. */
export interface BackupStatusOptions {
  /** Evaluate as of this time (default now). */
  at?: Date;
  context?: OpenDestinationContext;
  /** Already opened targets (default: open the config's). */
  targets?: ConfiguredDestination[];
}

/**
 * The 3-2-1 status: per destination its newest snapshot (from its seals when reachable, else
 * from the local state and a removable drive's label), and the rules at `at`. No key needed.
 */
export async function backupStatus(cfg: BackupConfig, options: BackupStatusOptions = {}): Promise<StatusReport> {
  const at = options.at ?? new Date();
  const stateDir = cfg.path !== undefined ? stateDirOf(cfg.path) : undefined;
  const state = stateDir !== undefined ? await readState(stateDir) : { version: 1 as const, targets: {} as Record<string, { lastSnapshotTime?: string; lastSnapshot?: string }> };
  const configured = options.targets ?? (await openConfiguredDestinations(cfg, options.context ?? {}));
  const rows: TargetStatusInput[] = [];
  try {
    for (const { spec, target } of configured) {
      const p = await target.probe().catch((e: unknown) => ({ online: false as const, reason: (e as Error).message }));
      const row: TargetStatusInput = { name: spec.name, url: spec.url, media: spec.media, offline: spec.offline, offsite: spec.offsite, online: p.online };
      const st = state.targets[spec.name];
      let last: { time: string; snapshot: string } | undefined;
      if (p.online) {
        const snaps = (await listSnapshots(target).catch(() => [])).filter((s) => Date.parse(s.time) <= at.getTime());
        const l = snaps[snaps.length - 1];
        if (l) last = { time: l.time, snapshot: l.snapshot };
        row.snapshots = snaps.length;
      } else {
        if (st?.lastSnapshotTime && Date.parse(st.lastSnapshotTime) <= at.getTime()) last = { time: st.lastSnapshotTime, snapshot: st.lastSnapshot ?? '' };
        if (spec.scheme === 'usb' && last === undefined) {
          const label = await readDriveLabel(spec.path).catch(() => undefined);
          if (label?.lastWrite) last = { time: label.lastWrite, snapshot: '' };
        }
      }
      if (last) {
        row.lastSnapshotTime = last.time;
        if (last.snapshot) row.lastSnapshot = last.snapshot;
      }
      rows.push(row);
    }
  } finally {
    if (options.targets === undefined) for (const c of configured) await c.target.close().catch(() => undefined);
  }
  const lastDrill = (state as { lastDrill?: { time: string } }).lastDrill?.time;
  return evaluateStatus({ targets: rows, policy: cfg.policy, at, ...(lastDrill && Date.parse(lastDrill) <= at.getTime() ? { lastDrill } : {}) });
}


