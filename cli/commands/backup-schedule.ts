/**
 * `scelle backup schedule --weekly|--daily [--at HH:MM] [--day D]`: installs a systemd timer (or
 * a crontab line where there is no systemd) that runs `backup run` with the config's absolute
 * path, a fixed language and the seal identity's password in a file readable by its user only;
 * prints the Windows Task Scheduler and macOS launchd equivalents. `--remove` uninstalls it.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ScelleError, type BackupConfig } from '../../src/index.js';
import {
  parseDestinationUrl, parseSchedule, systemdUnits, cronLine, windowsTask, launchdPlist, nextRun, stateDirOf,
  updateState, type Schedule, type ScheduledCommand,
} from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { loadConfig, localDate, sealSigning } from './backup-common.js';
import { passwordReader } from '../options.js';
import { scelleBin } from '../self.js';

interface ScheduleOpts { config?: string; weekly?: boolean; daily?: boolean; at?: string; day?: string; passFile?: string; dryRun?: boolean; remove?: boolean; cron?: boolean }

function sh(cmd: string, args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', timeout: 30_000 });
  return { code: r.error !== undefined ? -1 : (r.status ?? -1), out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** systemd runs this machine (sd_booted(3): /run/systemd/system exists). */
async function haveSystemd(): Promise<boolean> {
  return stat('/run/systemd/system').then((s) => s.isDirectory(), () => false);
}

const asRoot = (): boolean => process.getuid?.() === 0;
const userFlag = (): string[] => (asRoot() ? [] : ['--user']);
const unitDir = (): string => (asRoot() ? '/etc/systemd/system' : join(homedir(), '.config', 'systemd', 'user'));

/** Whether a recorded schedule is still installed (for `backup status`). */
export async function scheduleInstalled(unit: string, kind: string): Promise<boolean> {
  if (kind === 'systemd') return sh('systemctl', [...userFlag(), 'is-enabled', `${unit}.timer`]).code === 0;
  const r = sh('crontab', ['-l']);
  return r.code === 0 && r.out.split('\n').some((l) => l.endsWith(`# ${unit}`));
}

/** The current crontab without this setup's line. */
function crontabWithout(unit: string): string {
  const r = sh('crontab', ['-l']);
  if (r.code === -1) throw new ScelleError('SCHEDULE_ERROR', 'neither systemd nor cron (crontab) is available on this machine', { params: { detail: 'neither systemd nor cron (crontab) is available on this machine' }, hint: 'install cron, or schedule the command printed below by hand' });
  const lines = r.code === 0 ? r.out.split('\n').filter((l) => l !== '' && !l.endsWith(`# ${unit}`)) : [];
  return lines.map((l) => `${l}\n`).join('');
}

function installCron(s: Schedule, c: ScheduledCommand): void {
  const r = sh('crontab', ['-'], `${crontabWithout(c.name)}${cronLine(s, c)}\n`);
  if (r.code !== 0) throw new ScelleError('SCHEDULE_ERROR', `crontab refused the line: ${r.out.trim()}`, { params: { detail: r.out.trim() } });
}

async function installSystemd(s: Schedule, c: ScheduledCommand): Promise<void> {
  const units = systemdUnits(s, c);
  await mkdir(unitDir(), { recursive: true });
  await writeFile(join(unitDir(), `${c.name}.service`), units.service, { mode: 0o644 });
  await writeFile(join(unitDir(), `${c.name}.timer`), units.timer, { mode: 0o644 });
  for (const args of [['daemon-reload'], ['enable', '--now', `${c.name}.timer`]]) {
    const r = sh('systemctl', [...userFlag(), ...args]);
    if (r.code !== 0) throw new ScelleError('SCHEDULE_ERROR', `systemctl ${args.join(' ')}: ${r.out.trim()}`, { params: { detail: r.out.trim() } });
  }
}

async function uninstall(unit: string, kind: string): Promise<void> {
  if (kind === 'systemd') {
    sh('systemctl', [...userFlag(), 'disable', '--now', `${unit}.timer`]);
    await rm(join(unitDir(), `${unit}.timer`), { force: true });
    await rm(join(unitDir(), `${unit}.service`), { force: true });
    sh('systemctl', [...userFlag(), 'daemon-reload']);
  } else {
    const rest = crontabWithout(unit);
    sh('crontab', rest === '' ? ['-r'] : ['-'], rest);
  }
}

/** The command the scheduler runs, and the secret file it reads (written 0600 when the seals are signed). */
async function scheduledCommand(ctx: Ctx, cfg: BackupConfig, o: ScheduleOpts): Promise<{ command: ScheduledCommand; secret?: { path: string; value: string } }> {
  const stateDir = stateDirOf(cfg.path!);
  const bin = scelleBin();
  const argv = [process.execPath, bin, 'backup', 'run', '--quiet', '--config', cfg.path!];
  let secret: { path: string; value: string } | undefined;
  if (cfg.seal.identity !== undefined || cfg.seal.key !== undefined) {
    const value = await passwordReader(ctx, o.passFile)();
    // the password must open the identity now, not fail every week
    const { identity } = await sealSigningWith(ctx, cfg, value);
    identity?.close();
    secret = { path: join(stateDir, 'seal-pass'), value };
    argv.push('--pass-file', secret.path);
  }
  const env: Record<string, string> = { LANG: ctx.lang === 'fr' ? 'fr_FR.UTF-8' : 'C.UTF-8', PATH: '/usr/local/bin:/usr/bin:/bin' };
  if (ctx.io.env.HOME) env.HOME = ctx.io.env.HOME;
  return { command: { argv, env, name: `scelle-backup-${cfg.repository.id.slice(0, 8)}`, description: `scelle: sauvegarde ${cfg.path}` }, ...(secret ? { secret } : {}) };
}

async function sealSigningWith(ctx: Ctx, cfg: BackupConfig, password: string): Promise<Awaited<ReturnType<typeof sealSigning>>> {
  return sealSigning({ ...ctx, io: { ...ctx.io, env: { ...ctx.io.env, SCELLE_PASSWORD: password } } }, cfg, {}, false);
}

function warnEnvCredentials(ctx: Ctx, cfg: BackupConfig): void {
  const s3 = cfg.destinations.map((d) => parseDestinationUrl(d)).filter((d) => d.scheme === 's3' && d.options.credentials === undefined);
  if (s3.length > 0 && ctx.io.env.AWS_ACCESS_KEY_ID) ctx.log(ctx.t('backup.scheduleEnvCredentials', { targets: s3.map((d) => d.name).join(', ') }));
}

async function scheduleCommand(ctx: Ctx, o: ScheduleOpts): Promise<void> {
  const cfg = await loadConfig(ctx, o);
  const stateDir = stateDirOf(cfg.path!);
  if (o.remove) {
    const name = `scelle-backup-${cfg.repository.id.slice(0, 8)}`;
    const kind = (await haveSystemd()) && !o.cron ? 'systemd' : 'cron';
    await uninstall(name, kind);
    await rm(join(stateDir, 'seal-pass'), { force: true });
    await updateState(stateDir, (s) => { delete s.schedule; });
    if (ctx.json) ctx.emitJson({ ok: true, removed: name });
    else ctx.line(ctx.t('backup.scheduleRemoved', { unit: name }));
    return;
  }
  if (o.weekly === o.daily) throw new ScelleError('USAGE', 'give --weekly or --daily', { params: { detail: 'give --weekly or --daily' } });
  const s = parseSchedule(o.daily ? 'daily' : 'weekly', o.at, o.day ?? 1);
  const { command, secret } = await scheduledCommand(ctx, cfg, o);
  const kind: 'systemd' | 'cron' = (await haveSystemd()) && !o.cron ? 'systemd' : 'cron';
  if (!o.dryRun) {
    if (secret !== undefined) await writeFile(secret.path, `${secret.value}\n`, { mode: 0o600 });
    if (kind === 'systemd') await installSystemd(s, command);
    else installCron(s, command);
    await updateState(stateDir, (st) => { st.schedule = { every: s.every, at: s.at, weekday: s.weekday, installedWith: kind, unit: command.name, installed: new Date().toISOString() }; });
  }
  const next = nextRun(s, new Date());
  if (ctx.json) {
    ctx.emitJson({ ok: true, dryRun: o.dryRun === true, installedWith: kind, unit: command.name, next: next.toISOString(), ...(kind === 'systemd' ? systemdUnits(s, command) : { cron: cronLine(s, command) }), windows: windowsTask(s, command), launchd: launchdPlist(s, command) });
    return;
  }
  ctx.line(ctx.t(o.dryRun ? 'backup.scheduleDry' : 'backup.scheduleDone', { kind, unit: command.name, every: ctx.t(`backup.every.${s.every}`), at: s.at, next: localDate(ctx, next.toISOString()) }));
  if (o.dryRun) ctx.line(kind === 'systemd' ? `${systemdUnits(s, command).timer}\n${systemdUnits(s, command).service}` : cronLine(s, command));
  if (secret !== undefined) ctx.line(ctx.t('backup.scheduleSecret', { file: secret.path }));
  warnEnvCredentials(ctx, cfg);
  ctx.line(ctx.t('backup.scheduleWindows'));
  ctx.line(`  ${windowsTask(s, command)}`);
  ctx.line(ctx.t('backup.scheduleMac', { file: `~/Library/LaunchAgents/fr.scelle.${command.name}.plist` }));
  ctx.line(launchdPlist(s, command));
  return;
}

export function registerScheduleCommand(backup: Command): void {
  backup.command('schedule')
    .description('run the backup every week (or day) with a systemd timer, or cron where there is no systemd; prints the Windows and macOS equivalents')
    .option('--config <file>', 'the backup config written by init')
    .option('--weekly', 'every week (the memento\'s minimum)')
    .option('--daily', 'every day')
    .option('--at <HH:MM>', 'time of day, 24 h (default 20:00)')
    .option('--day <day>', 'weekday of a weekly run: 1–7 or lundi…dimanche (default lundi)')
    .option('--pass-file <file>', 'the seal identity\'s password, stored in a file readable by you only (or SCELLE_PASSWORD, or a prompt)')
    .option('--cron', 'use cron even where systemd runs')
    .option('--dry-run', 'print what would be installed, change nothing')
    .option('--remove', 'uninstall the schedule')
    .action(action(async (ctx: Ctx, o: ScheduleOpts) => scheduleCommand(ctx, o)));
}
