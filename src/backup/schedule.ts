/**
 * Scheduling `backup run` (`backup schedule --weekly|--daily [--at HH:MM]`): the texts to install
 * — a systemd timer and its service (systemd.timer(5), systemd.service(5)), or a crontab line
 * (crontab(5)) where there is no systemd — and the equivalents to set up by hand on Windows (Task
 * Scheduler, `schtasks /Create`) and macOS (a launchd agent, launchd.plist(5)). The scheduled
 * command has the config's absolute path, a fixed language and a secret file readable by its user
 * only: a job started from `/` with no LANG runs exactly like the practitioner's own command.
 * The CLI installs the texts; this module only makes them (and computes the next run).
 */
import { ScelleError } from '../errors.js';

/** A schedule. */
export interface Schedule {
  every: 'daily' | 'weekly';
  /** `HH:MM`, local time. */
  at: string;
  /** Weekly: 1 = Monday … 7 = Sunday (default 1). */
  weekday: number;
}

/** What runs: the program and its arguments, and the environment it needs. */
export interface ScheduledCommand {
  argv: string[];
  env: Record<string, string>;
  /** A name unique to the setup (`scelle-backup-3f9a12c4`). */
  name: string;
  description: string;
}

const DAYS_EN = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Reads `HH:MM` and a weekday (1–7, or a French or English day name).
 * @throws ScelleError USAGE.
 */
export function parseSchedule(every: 'daily' | 'weekly', at = '20:00', day: string | number = 1): Schedule {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (m === null) throw new ScelleError('USAGE', `--at takes a time HH:MM (24 h), not ${JSON.stringify(at)}`, { params: { detail: `--at ${at}` } });
  const names = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
  const en = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const d = String(day).toLowerCase();
  const weekday = /^[1-7]$/.test(d) ? Number(d) : Math.max(names.indexOf(d), en.indexOf(d)) + 1;
  if (weekday < 1) throw new ScelleError('USAGE', `--day takes 1–7 or a day name (lundi … dimanche), not ${JSON.stringify(String(day))}`, { params: { detail: `--day ${day}` } });
  return { every, at: `${m[1]!.padStart(2, '0')}:${m[2]}`, weekday };
}

/** Quotes an argument for a shell (crontab lines run through /bin/sh). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** systemd's quoting of an ExecStart= argument. */
function systemdQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s.replace(/%/g, '%%') : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** The systemd service and timer units. `Persistent=true`: a run missed while off is made at boot. */
export function systemdUnits(s: Schedule, c: ScheduledCommand): { service: string; timer: string } {
  const calendar = s.every === 'daily' ? `*-*-* ${s.at}:00` : `${DAYS_EN[s.weekday - 1]} *-*-* ${s.at}:00`;
  return {
    service: [
      '[Unit]', `Description=${c.description}`, '',
      '[Service]', 'Type=oneshot',
      ...Object.entries(c.env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`),
      `ExecStart=${c.argv.map(systemdQuote).join(' ')}`,
      'Nice=10', 'IOSchedulingClass=idle', '',
    ].join('\n'),
    timer: [
      '[Unit]', `Description=${c.description} (${s.every === 'daily' ? 'daily' : 'weekly'})`, '',
      '[Timer]', `OnCalendar=${calendar}`, 'Persistent=true', 'RandomizedDelaySec=5min', '',
      '[Install]', 'WantedBy=timers.target', '',
    ].join('\n'),
  };
}

/** The crontab line (minute hour day month weekday command), tagged with the setup's name. */
export function cronLine(s: Schedule, c: ScheduledCommand): string {
  const [h, m] = s.at.split(':').map(Number);
  const dow = s.every === 'daily' ? '*' : String(s.weekday % 7);
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  return `${m} ${h} * * ${dow} ${env} ${c.argv.map(shellQuote).join(' ')} # ${c.name}`;
}

/** The Windows Task Scheduler command (to type in an administrator prompt). */
export function windowsTask(s: Schedule, c: ScheduledCommand): string {
  const days = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
  const when = s.every === 'daily' ? '/SC DAILY' : `/SC WEEKLY /D ${days[s.weekday - 1]}`;
  const cmd = c.argv.map((a) => (/[\s"]/.test(a) ? `\\"${a.replace(/"/g, '')}\\"` : a)).join(' ');
  return `schtasks /Create /TN "${c.name}" ${when} /ST ${s.at} /TR "${cmd}" /RL LIMITED /F`;
}

/** The macOS launchd agent (`~/Library/LaunchAgents/fr.scelle.<name>.plist`, then `launchctl load`). */
export function launchdPlist(s: Schedule, c: ScheduledCommand): string {
  const esc = (x: string): string => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const [h, m] = s.at.split(':').map(Number);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0"><dict>',
    `  <key>Label</key><string>fr.scelle.${esc(c.name)}</string>`,
    `  <key>ProgramArguments</key><array>${c.argv.map((a) => `<string>${esc(a)}</string>`).join('')}</array>`,
    `  <key>EnvironmentVariables</key><dict>${Object.entries(c.env).map(([k, v]) => `<key>${esc(k)}</key><string>${esc(v)}</string>`).join('')}</dict>`,
    `  <key>StartCalendarInterval</key><dict>${s.every === 'weekly' ? `<key>Weekday</key><integer>${s.weekday % 7}</integer>` : ''}<key>Hour</key><integer>${h}</integer><key>Minute</key><integer>${m}</integer></dict>`,
    '</dict></plist>',
    '',
  ].join('\n');
}

/** The next time the schedule fires after `from` (local time of this machine). */
export function nextRun(s: Pick<Schedule, 'every' | 'at' | 'weekday'>, from: Date): Date {
  const [h, m] = s.at.split(':').map(Number);
  const d = new Date(from.getTime());
  d.setHours(h!, m!, 0, 0);
  for (let i = 0; i < 8; i++) {
    const weekday = ((d.getDay() + 6) % 7) + 1;
    if (d.getTime() > from.getTime() && (s.every === 'daily' || weekday === s.weekday)) return d;
    d.setDate(d.getDate() + 1);
    d.setHours(h!, m!, 0, 0);
  }
  return d;
}
