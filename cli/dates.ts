/**
 * Dates for people: the user's time zone (`TZ` when set; Europe/Paris for a French user otherwise;
 * the system's zone for others), in the user's language ("7 décembre 2026 à 15:20:31",
 * "7 December 2026 at 15:20:31"). JSON output keeps ISO-8601 UTC.
 *
 * Dates people type (`--at`…) are ISO-8601 only — `2031-02-01`, `2031-02-01T14:30`,
 * `2031-02-01T14:30:00Z`, `2031-02-01T14:30+01:00` — read in the same zone when they name none.
 * `01/02/2031` is refused: a French reader means 1 February, an American 2 January.
 */
import { ScelleError } from '../src/index.js';
import type { Lang } from './i18n/index.js';

function zoneOf(lang: Lang, env: NodeJS.ProcessEnv): string | undefined {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz !== undefined && tz !== '') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return tz;
    } catch {
      // an unknown zone name: fall through
    }
  }
  return lang === 'fr' ? 'Europe/Paris' : undefined;
}

/** A date and time in the user's language and time zone, to the second. */
export function formatDate(date: Date, lang: Lang, env: NodeJS.ProcessEnv): string {
  const timeZone = zoneOf(lang, env);
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'medium', ...(timeZone !== undefined ? { timeZone } : {}) }).format(date);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds to add to UTC to get the wall clock of `timeZone` at `utcMs`. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** The instant at which the wall clock of `timeZone` (or the system's) shows these fields. */
function fromWallClock(f: readonly number[], timeZone: string | undefined): number {
  const [y, mo, d, h, mi, s, ms] = f as [number, number, number, number, number, number, number];
  if (timeZone === undefined) return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // two rounds settle the offset on both sides of a daylight-saving change
  let utc = wall - zoneOffsetMs(wall, timeZone);
  utc = wall - zoneOffsetMs(utc, timeZone);
  return utc;
}

/**
 * Reads a date a person typed for `option`: ISO-8601, with or without a time and a zone; without a
 * zone, the time is the user's (see {@link formatDate}). Undefined stays undefined.
 * @throws ScelleError DATE_INVALID (exit 2) for anything else, `01/02/2031` included, and for
 *   impossible dates (`2031-02-30`).
 */
export function parseUserDate(text: string | undefined, option: string, lang: Lang, env: NodeJS.ProcessEnv): Date | undefined {
  if (text === undefined) return undefined;
  const value = text.trim();
  const bad = (): ScelleError => new ScelleError('DATE_INVALID', `${option}: "${value}" is not a date scelle accepts; write it ISO-8601: 2031-02-01, 2031-02-01T14:30 (local time) or 2031-02-01T14:30:00Z (UTC)`, { params: { option, value } });
  const m = ISO.exec(value);
  if (m === null) throw bad();
  const num = (i: number, dflt = 0): number => (m[i] === undefined ? dflt : Number(m[i]));
  const fields = [num(1), num(2), num(3), num(4), num(5), num(6), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3))];
  const [y, mo, d, h, mi, s] = fields as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) throw bad();
  const zone = m[8];
  if (zone === undefined) return new Date(fromWallClock(fields, zoneOf(lang, env)));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, fields[6]!);
  if (/^z$/i.test(zone)) return new Date(wall);
  const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const offset = (Number(zm[2]) * 60 + Number(zm[3] ?? '0')) * 60_000 * (zm[1] === '-' ? -1 : 1);
  if (Math.abs(offset) > 18 * 3600_000) throw bad();
  return new Date(wall - offset);
}

/** A day in the user's language and time zone ("7 décembre 2026"): certificate expiry dates. */
export function formatDay(date: Date, lang: Lang, env: NodeJS.ProcessEnv): string {
  const timeZone = zoneOf(lang, env);
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', ...(timeZone !== undefined ? { timeZone } : {}) }).format(date);
}
