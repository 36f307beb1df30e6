/**
 * Backups, as `scelle backup status` sees them: the config, each destination reachable or not, the
 * age of the last backup and of the last restore test, and the other 3-2-1 rules. Kept to the
 * public `readBackupConfig` and `backupStatus` (src/index.ts) in this one module, so that a change
 * of the backup library changes this file only.
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readBackupConfig, backupStatus, type BackupConfig, type RuleVerdict } from '../../src/index.js';
import type { CliIo } from '../io.js';
import { daysSince, errorOf, found, type DoctorCheck } from './check.js';

const DEFAULT_CONFIG = 'scelle-backup.conf';

/** Where the backup config is: `--config`, SCELLE_BACKUP_CONFIG, or ./scelle-backup.conf when it exists. */
export async function findBackupConfig(io: CliIo, given: string | undefined): Promise<{ path: string; explicit: boolean } | undefined> {
  const named = given ?? io.env.SCELLE_BACKUP_CONFIG;
  if (named !== undefined && named !== '') return { path: resolve(io.cwd, named), explicit: true };
  const local = resolve(io.cwd, DEFAULT_CONFIG);
  return (await stat(local).then((s) => s.isFile(), () => false)) ? { path: local, explicit: false } : undefined;
}

/** What the rest of doctor takes from the config: the seal identity, its TSA and trust roots (absolute paths). */
export interface BackupSettings {
  identity?: string;
  certificate?: string;
  tsa?: string;
  trust: string[];
}

export function settingsOf(cfg: BackupConfig, configPath: string): BackupSettings {
  const base = dirname(configPath);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...(cfg.seal.identity !== undefined ? { identity: abs(cfg.seal.identity) } : {}),
    ...(cfg.seal.cert !== undefined ? { certificate: abs(cfg.seal.cert) } : {}),
    ...(cfg.seal.tsa !== undefined ? { tsa: cfg.seal.tsa } : {}),
    trust: cfg.seal.trust.map(abs),
  };
}

/** Reads the config; a check says what it holds or why it cannot be read. */
export async function loadBackupConfig(path: string): Promise<{ check: DoctorCheck; config?: BackupConfig }> {
  try {
    const config = await readBackupConfig(path);
    return {
      config,
      check: found('backup-config', 'ok', 'doctor.backup.config', { params: { file: path }, counts: { sources: ['doctor.n.source', config.sources.length], targets: ['doctor.n.destination', config.destinations.length] } }),
    };
  } catch (e) {
    return { check: found('backup-config', 'error', 'doctor.backup.configError', { params: { file: path }, error: errorOf(e), fixKey: 'doctor.backup.configErrorFix' }) };
  }
}

function ruleCheck(rule: RuleVerdict, config: string): DoctorCheck {
  const params = { config };
  return found('backup-rule', rule.ok ? 'ok' : 'warning', 'doctor.rule', {
    params, texts: { rule: { key: `backup.rule.${rule.rule}.${rule.ok ? 'ok' : 'bad'}`, params: rule.params } }, ...(rule.ok ? {} : { fixKey: 'doctor.rules.fix' }),
  });
}

/** Destinations, last backup, last restore test and the other rules, from `backupStatus`. */
export async function checkBackups(cfg: BackupConfig, configPath: string, env: NodeJS.ProcessEnv, now: Date): Promise<DoctorCheck[]> {
  const params = { config: configPath };
  let report: Awaited<ReturnType<typeof backupStatus>>;
  try {
    report = await backupStatus(cfg, { at: now, context: { env } });
  } catch (e) {
    return [found('backup-destination', 'error', 'doctor.backup.configError', { params: { file: configPath }, error: errorOf(e), fixKey: 'doctor.backup.configErrorFix' })];
  }
  const out: DoctorCheck[] = report.destinations.map((t) => {
    const p = { ...params, name: t.name, url: t.url };
    if (t.online) return found('backup-destination', 'ok', 'doctor.dest.ok', { params: p });
    if (t.offline || t.media === 'removable') return found('backup-destination', 'ok', 'doctor.dest.unplugged', { params: p });
    return found('backup-destination', 'error', 'doctor.dest.down', { params: p, fixKey: 'doctor.dest.downFix' });
  });
  const newest = report.destinations.filter((t) => t.lastSnapshotTime !== undefined).sort((a, b) => Date.parse(b.lastSnapshotTime!) - Date.parse(a.lastSnapshotTime!))[0];
  const tooOld = report.broken.includes('backup-too-old');
  if (newest === undefined) {
    out.push(found('backup-last', 'error', 'doctor.backup.never', { params, fixKey: 'doctor.backup.runFix' }));
  } else {
    const days = daysSince(new Date(newest.lastSnapshotTime!), now);
    out.push(found('backup-last', tooOld ? 'error' : 'ok', tooOld ? 'doctor.backup.tooOld' : 'doctor.backup.last', {
      params: { ...params, target: newest.name }, dates: { time: newest.lastSnapshotTime! },
      counts: { days: ['doctor.n.day', days], max: ['doctor.n.day', cfg.policy.everyDays] }, ...(tooOld ? { fixKey: 'doctor.backup.runFix' } : {}),
    }));
  }
  const drillBroken = report.broken.includes('no-drill-in-3-months');
  if (report.lastDrill === undefined) {
    out.push(found('backup-drill', 'warning', 'doctor.drill.never', { params, fixKey: 'doctor.drill.fix' }));
  } else {
    out.push(found('backup-drill', drillBroken ? 'warning' : 'ok', drillBroken ? 'doctor.drill.old' : 'doctor.drill.ok', {
      params: { ...params, months: cfg.policy.drillMonths }, dates: { time: report.lastDrill },
      counts: { days: ['doctor.n.day', daysSince(new Date(report.lastDrill), now)] }, ...(drillBroken ? { fixKey: 'doctor.drill.fix' } : {}),
    }));
  }
  for (const r of report.rules.filter((x) => x.rule !== 'backup-too-old' && x.rule !== 'no-drill-in-3-months')) out.push(ruleCheck(r, configPath));
  return out;
}
