/** Dates people read and type (cli/dates.ts): ISO-8601 only, in the user's zone when none is named. */
import { describe, expect, it } from 'vitest';
import { formatDate, parseUserDate } from '../../cli/dates.js';
import { isScelleError } from '../../src/errors.js';

const fr = (s: string, env: NodeJS.ProcessEnv = {}): Date | undefined => parseUserDate(s, '--at', 'fr', env);
const iso = (d: Date | undefined): string | undefined => d?.toISOString();
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return undefined;
};

describe('parseUserDate', () => {
  it('a French user without TZ types Paris time: winter UTC+1, summer UTC+2, a date alone is midnight', () => {
    expect(iso(fr('2031-02-01'))).toBe('2031-01-31T23:00:00.000Z');
    expect(iso(fr('2031-02-01T14:30'))).toBe('2031-02-01T13:30:00.000Z');
    expect(iso(fr('2031-07-01T14:30:15'))).toBe('2031-07-01T12:30:15.000Z');
    expect(iso(fr('2031-07-01 14:30:15,250'))).toBe('2031-07-01T12:30:15.250Z');
  });

  it('TZ is respected; an explicit zone wins over it', () => {
    expect(iso(fr('2031-02-01T09:00', { TZ: 'America/New_York' }))).toBe('2031-02-01T14:00:00.000Z');
    expect(iso(parseUserDate('2031-02-01T09:00', '--at', 'en', { TZ: 'Asia/Tokyo' }))).toBe('2031-02-01T00:00:00.000Z');
    expect(iso(fr('2031-02-01T14:30:00Z', { TZ: 'America/New_York' }))).toBe('2031-02-01T14:30:00.000Z');
    expect(iso(fr('2031-02-01T14:30+05:30'))).toBe('2031-02-01T09:00:00.000Z');
    expect(iso(fr('2031-02-01T14:30-0300'))).toBe('2031-02-01T17:30:00.000Z');
  });

  it('around the daylight-saving changes in Paris the time is one of the two readings', () => {
    // 26 October 2031, 02:30 happens twice; 30 March 2031, 02:30 does not happen
    expect(['2031-10-26T00:30:00.000Z', '2031-10-26T01:30:00.000Z']).toContain(iso(fr('2031-10-26T02:30')));
    expect(['2031-03-30T00:30:00.000Z', '2031-03-30T01:30:00.000Z']).toContain(iso(fr('2031-03-30T02:30')));
    expect(iso(fr('2031-03-30T03:30'))).toBe('2031-03-30T01:30:00.000Z');
  });

  it('anything else is DATE_INVALID, 01/02/2031 first (1 February or 2 January?)', () => {
    for (const bad of ['01/02/2031', '1/2/2031', '2031/02/01', '01-02-2031', '2031-02-30', '2031-13-01', '2031-02-01T24:00', '2031-02-01T12:60', 'demain', '', '2031-02-01T14:30+25:00', 'Feb 1 2031']) {
      expect(codeOf(() => fr(bad)), bad).toBe('DATE_INVALID');
    }
    expect(fr(undefined as unknown as string)).toBeUndefined();
  });

  it('what it reads, formatDate gives back in the same zone', () => {
    const d = fr('2031-07-01T14:30:15')!;
    expect(formatDate(d, 'fr', {})).toBe('1 juillet 2031 à 14:30:15');
    expect(formatDate(d, 'en', { TZ: 'UTC' })).toBe('1 July 2031 at 12:30:15');
  });
});
