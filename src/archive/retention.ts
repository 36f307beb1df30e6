/**
 * Retention rules of a French health practice (docs/GUIDANCE, from the CNIL / med-in-occ guidance,
 * code de la santé publique art. R.1112-7), computed with a fixed clock:
 *
 * | rule | kept until |
 * |---|---|
 * | `medical-record` | 20 years after the last care (`lastCare`) |
 * | … patient a minor | not before the 28th birthday (`birthDate`) when that is later |
 * | … patient deceased less than 10 years after the last care | 10 years after the death (`deathDate`) |
 * | `fse` (duplicate of a care sheet) | 3 months after the care sheet (`date`), and never less than 90 days |
 * | `appointment` | the date the practice sets (`until`): "as soon as no longer needed" |
 * | `until` | a fixed date (`until`) |
 * | `unset` | never due: the practice has not said |
 *
 * A legal hold (litigation involving the practitioner) suspends every delay: while it lasts nothing
 * it covers is due, and once it ends, the time it lasted (within the retention period) is added.
 * Dates are calendar dates (UTC midnight); an item is due *on* its date.
 */
import { ScelleError } from '../errors.js';

/** A retention rule, as stored with each archived item. Dates are `YYYY-MM-DD`. */
export type RetentionRule =
  | { kind: 'medical-record'; lastCare: string; birthDate?: string; deathDate?: string }
  | { kind: 'fse'; date: string }
  | { kind: 'appointment'; until: string }
  | { kind: 'until'; until: string }
  | { kind: 'unset' };

/** A legal hold: everything it covers (every item, or the listed ones) is kept while it lasts. */
export interface LegalHold {
  id: string;
  reason: string;
  /** `YYYY-MM-DD`. */
  since: string;
  /** `YYYY-MM-DD`, absent while the hold lasts. */
  until?: string;
  /** Item ids; absent: the whole archive. */
  items?: string[];
}

/** Where an item stands. */
export interface RetentionState {
  status: 'due' | 'kept' | 'held' | 'unset';
  /** The date it may be destroyed from (holds included), when known. */
  dueAt?: Date;
  /** The rule's plain-words explanation (English; the CLI translates by `ruleKey`). */
  explanation: string;
  /** Message key of the rule applied (`retention.rule.medical`, `.minor`, `.death`, `.fse`, …). */
  ruleKey: string;
  /** Holds that suspended or suspend it. */
  holds: string[];
}

const DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses a `YYYY-MM-DD` date (UTC midnight).
 * @throws ScelleError USAGE for anything else (an invalid calendar date included).
 */
export function parseDay(text: string, what = 'date'): Date {
  const m = DATE.exec(text);
  const d = m === null ? undefined : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d === undefined || d.toISOString().slice(0, 10) !== text) throw new ScelleError('USAGE', `${what}: "${text}" is not a date (YYYY-MM-DD)`, { params: { detail: `${what}: "${text}" is not a date (YYYY-MM-DD)` } });
  return d;
}

/**
 * `d` plus whole months, as French law counts a delay in months (code de procédure civile art.
 * 641): the same day of the month, or the month's last day when it has no such day (30 November
 * plus 3 months is 28 February).
 */
export function addMonths(d: Date, months: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last)));
}

/** `d` plus whole years, counted the same way (29 February plus one year is 28 February). */
export function addYears(d: Date, years: number): Date {
  return addMonths(d, 12 * years);
}

const later = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

/** The nominal date an item may be destroyed from, before holds; with the rule that decided and the period's start. */
function nominal(rule: Exclude<RetentionRule, { kind: 'unset' }>): { due: Date; start: Date; key: string; text: string } {
  switch (rule.kind) {
    case 'medical-record': {
      const last = parseDay(rule.lastCare, 'last care');
      const base = addYears(last, 20);
      if (rule.deathDate !== undefined) {
        const death = parseDay(rule.deathDate, 'date of death');
        if (death.getTime() < addYears(last, 10).getTime()) return { due: addYears(death, 10), start: last, key: 'retention.rule.death', text: `10 years after the death (${rule.deathDate}), which came less than 10 years after the last care` };
      }
      if (rule.birthDate !== undefined) {
        const adult = addYears(parseDay(rule.birthDate, 'date of birth'), 28);
        if (adult.getTime() > base.getTime()) return { due: adult, start: last, key: 'retention.rule.minor', text: `the patient's 28th birthday (${adult.toISOString().slice(0, 10)}), later than 20 years after the last care` };
      }
      return { due: base, start: last, key: 'retention.rule.medical', text: `20 years after the last care (${rule.lastCare})` };
    }
    case 'fse': {
      const d = parseDay(rule.date, 'care sheet date');
      return { due: later(addMonths(d, 3), new Date(d.getTime() + 90 * DAY)), start: d, key: 'retention.rule.fse', text: `3 months after the care sheet (${rule.date})` };
    }
    case 'appointment':
      return { due: parseDay(rule.until, 'until'), start: parseDay(rule.until, 'until'), key: 'retention.rule.appointment', text: `no longer needed from ${rule.until}` };
    case 'until':
      return { due: parseDay(rule.until, 'until'), start: parseDay(rule.until, 'until'), key: 'retention.rule.until', text: `kept until ${rule.until}` };
  }
}

/**
 * Where an item stands at `now` under `rule` and the archive's `holds`.
 * @throws ScelleError USAGE (a malformed date in the rule or a hold).
 */
export function retentionState(itemId: string, rule: RetentionRule, holds: readonly LegalHold[], now: Date): RetentionState {
  if (rule.kind === 'unset') return { status: 'unset', explanation: 'no retention rule set', ruleKey: 'retention.rule.unset', holds: [] };
  const n = nominal(rule);
  const mine = holds.filter((h) => h.items === undefined || h.items.includes(itemId)).sort((a, b) => a.since.localeCompare(b.since));
  // A hold in force keeps the item, even one already due: nothing is destroyed during litigation.
  const active = mine.find((h) => h.until === undefined && parseDay(h.since, 'hold start').getTime() <= now.getTime());
  if (active !== undefined) return { status: 'held', explanation: `${n.text}; suspended by legal hold ${active.id} since ${active.since} (${active.reason})`, ruleKey: n.key, holds: [active.id] };
  let due = n.due;
  const applied: string[] = [];
  for (const h of mine) {
    const since = parseDay(h.since, 'hold start');
    if (since.getTime() >= due.getTime() || h.until === undefined) continue;
    applied.push(h.id);
    const until = parseDay(h.until, 'hold end');
    const paused = Math.max(0, until.getTime() - Math.max(since.getTime(), n.start.getTime()));
    due = new Date(due.getTime() + paused);
  }
  const explanation = applied.length === 0 ? n.text : `${n.text}, extended by the legal hold(s) ${applied.join(', ')}`;
  return { status: now.getTime() >= due.getTime() ? 'due' : 'kept', dueAt: due, explanation, ruleKey: n.key, holds: applied };
}

/**
 * Checks a rule given by a user (dates well-formed, the fields its kind needs).
 * @throws ScelleError USAGE naming what is wrong.
 */
export function checkRule(rule: RetentionRule): RetentionRule {
  if (rule.kind !== 'unset') nominal(rule);
  return rule;
}
