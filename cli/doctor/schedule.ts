/**
 * Whether `backup run` is scheduled for this config, the two ways `scelle backup schedule` installs
 * it: a systemd timer `scelle-backup-….timer` with its service (user units in
 * ~/.config/systemd/user, or /etc/systemd/system for root), enabled (its link in
 * `timers.target.wants/`), or a crontab line. Either counts when it runs `backup run` with this
 * config's absolute path; a line or unit set up by hand the same way counts too.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from '../io.js';
import { found, type DoctorCheck } from './check.js';

function unitDirs(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? '';
  const user = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'systemd', 'user') : join(home, '.config', 'systemd', 'user');
  return [...(home !== '' || env.XDG_CONFIG_HOME ? [user] : []), '/etc/systemd/system'];
}

const runsConfig = (text: string, config: string): boolean => /\bbackup\s+run\b/.test(text) && text.includes(config);

/** systemd units of scelle that run this config: name and whether its timer is enabled. */
async function systemdUnits(env: NodeJS.ProcessEnv, config: string): Promise<{ unit: string; enabled: boolean }[]> {
  const out: { unit: string; enabled: boolean }[] = [];
  for (const dir of unitDirs(env)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const f of names.filter((n) => /^scelle-backup-.*\.service$/.test(n))) {
      const text = await readFile(join(dir, f), 'utf8').catch(() => '');
      if (!runsConfig(text, config)) continue;
      const unit = f.slice(0, -'.service'.length);
      const enabled = await stat(join(dir, 'timers.target.wants', `${unit}.timer`)).then(() => true, () => false);
      out.push({ unit, enabled });
    }
  }
  return out;
}

/** The crontab lines that run this config (`crontab -l` of this user; none when there is no crontab). */
function cronLines(config: string): string[] {
  const r = spawnSync('crontab', ['-l'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) return [];
  return (r.stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && runsConfig(l, config));
}

export async function checkSchedule(io: CliIo, config: string): Promise<DoctorCheck> {
  const params = { config };
  const units = await systemdUnits(io.env, config);
  const on = units.find((u) => u.enabled);
  if (on) return found('backup-schedule', 'ok', 'doctor.schedule.systemd', { params: { ...params, unit: on.unit } });
  const line = cronLines(config)[0];
  if (line !== undefined) return found('backup-schedule', 'ok', 'doctor.schedule.cron', { params: { ...params, line } });
  const off = units[0];
  if (off) return found('backup-schedule', 'warning', 'doctor.schedule.systemdOff', { params: { ...params, unit: off.unit }, fixKey: 'doctor.schedule.systemdOffFix' });
  return found('backup-schedule', 'warning', 'doctor.schedule.none', { params, fixKey: 'doctor.schedule.noneFix' });
}
