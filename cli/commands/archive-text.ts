/**
 * What the `archive`, `journal` and `extend` commands share: where the archive is (`--archive`,
 * env SCELLE_ARCHIVE: a folder or a backup destination URL), who acts (user@host, for the
 * journal), and plain-words rendering of dates, renewal limits and retention states.
 */
import type { Command } from 'commander';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScelleError, openDestination, type RenewalLimit, type RetentionRule, ArchiveStore } from '../../src/index.js';
import type { Ctx } from '../context.js';

/** `--archive DIR|URL`. */
export function addArchiveOption(cmd: Command): Command {
  return cmd.option('--archive <dir|url>', 'the archive: a folder, or a backup destination URL (file://, usb://, sftp://, s3://); default $SCELLE_ARCHIVE');
}

/** The archive's location as a target URL. @throws ScelleError USAGE when none is given. */
export function archiveUrl(ctx: Ctx, given: string | undefined): string {
  const where = given ?? ctx.io.env.SCELLE_ARCHIVE;
  if (where === undefined || where === '') throw new ScelleError('USAGE', 'which archive? give --archive DIR (or set SCELLE_ARCHIVE)', { params: { detail: 'which archive? give --archive DIR (or set SCELLE_ARCHIVE)' } });
  if (/^[a-z0-9]+:\/\//i.test(where)) return where;
  return pathToFileURL(isAbsolute(where) ? where : resolve(ctx.io.cwd, where)).toString();
}

/** Opens the archive, runs `fn`, and closes the destination (connections of SFTP/S3). */
export async function withArchive<T>(ctx: Ctx, given: string | undefined, fn: (store: ArchiveStore) => Promise<T>): Promise<T> {
  const target = await openDestination(archiveUrl(ctx, given), { env: ctx.io.env });
  try {
    return await fn(await ArchiveStore.open(target));
  } finally {
    await target.close();
  }
}

/** Who acts, for the journal: $SCELLE_ACTOR, else user@host. */
export function actorOf(ctx: Ctx): string {
  const given = ctx.io.env.SCELLE_ACTOR;
  if (given !== undefined && given !== '') return given;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no user name (a container without passwd entry): still journal something
  }
  return `${user}@${hostname()}`;
}

/** A calendar day in the user's language ("31 décembre 2030"). */
export function dayText(ctx: Ctx, d: Date): string {
  return new Intl.DateTimeFormat(ctx.lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

/** A renewal limit in plain words: the date and what reaches it. */
export function limitText(ctx: Ctx, l: RenewalLimit): string {
  return ctx.t(`renewal.${l.reason}`, { date: dayText(ctx, l.until), detail: l.detail });
}

/** A retention rule in plain words. */
export function ruleText(ctx: Ctx, r: RetentionRule): string {
  switch (r.kind) {
    case 'medical-record':
      return ctx.t('retention.show.medical', { lastCare: r.lastCare }) + (r.birthDate !== undefined ? ctx.t('retention.show.birth', { birth: r.birthDate }) : '') + (r.deathDate !== undefined ? ctx.t('retention.show.death', { death: r.deathDate }) : '');
    case 'fse':
      return ctx.t('retention.show.fse', { date: r.date });
    case 'appointment':
      return ctx.t('retention.show.appointment', { until: r.until });
    case 'until':
      return ctx.t('retention.show.until', { until: r.until });
    default:
      return ctx.t('retention.show.unset');
  }
}

/** Options that define a retention rule (`add`, `retention set`). */
export interface RuleOptions {
  retention?: 'medical' | 'fse' | 'appointment' | 'until' | 'none';
  lastCare?: string;
  birth?: string;
  death?: string;
  date?: string;
  until?: string;
}

/** `--retention KIND` and the dates it takes. */
export function addRuleOptions(cmd: Command): Command {
  return cmd
    .option('--retention <kind>', 'retention rule: medical (patient record), fse (care-sheet duplicate), appointment, until (a fixed date), none')
    .option('--last-care <date>', 'medical: date of the last care (YYYY-MM-DD)')
    .option('--birth <date>', 'medical: the patient’s date of birth (a minor’s record is kept until the 28th birthday)')
    .option('--death <date>', 'medical: the patient’s date of death')
    .option('--date <date>', 'fse: date of the care sheet')
    .option('--until <date>', 'appointment/until: the date it may be destroyed from');
}

/** The rule the options describe (undefined when none is given). @throws ScelleError USAGE. */
export function ruleOf(o: RuleOptions): RetentionRule | undefined {
  const need = (v: string | undefined, flag: string): string => {
    if (v === undefined) throw new ScelleError('USAGE', `--retention ${o.retention} needs ${flag}`, { params: { detail: `--retention ${o.retention} needs ${flag}` } });
    return v;
  };
  switch (o.retention) {
    case undefined:
      return undefined;
    case 'medical':
      return { kind: 'medical-record', lastCare: need(o.lastCare, '--last-care DATE'), ...(o.birth !== undefined ? { birthDate: o.birth } : {}), ...(o.death !== undefined ? { deathDate: o.death } : {}) };
    case 'fse':
      return { kind: 'fse', date: need(o.date, '--date DATE') };
    case 'appointment':
      return { kind: 'appointment', until: need(o.until, '--until DATE') };
    case 'until':
      return { kind: 'until', until: need(o.until, '--until DATE') };
    case 'none':
      return { kind: 'unset' };
    default:
      throw new ScelleError('USAGE', `unknown retention rule ${String(o.retention)}: medical, fse, appointment, until or none`, { params: { detail: `unknown retention rule ${String(o.retention)}` } });
  }
}
