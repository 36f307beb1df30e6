/** Retention rules (GUIDANCE.md, "Retention and destruction"), table by table, with a fixed clock. */
import { describe, expect, it } from 'vitest';
import { checkRule, parseDay, retentionState, type LegalHold, type RetentionRule } from '../../../src/archive/retention.js';
import { codeOf } from '../../helpers/errors.js';

const at = (d: string): Date => parseDay(d);

describe('retention rules', () => {
  it.each<[string, RetentionRule, string, string, string]>([
    // [case, rule, today, expected status, expected due date]
    ['record: 20 years after the last care, one day before', { kind: 'medical-record', lastCare: '2000-03-15' }, '2020-03-14', 'kept', '2020-03-15'],
    ['record: 20 years after the last care, on the day', { kind: 'medical-record', lastCare: '2000-03-15' }, '2020-03-15', 'due', '2020-03-15'],
    ['record: a 29 February last care', { kind: 'medical-record', lastCare: '2004-02-29' }, '2024-02-29', 'due', '2024-02-29'],
    ['record: a 29 February last care, common year', { kind: 'medical-record', lastCare: '2000-02-29' }, '2020-02-28', 'kept', '2020-02-29'],
    ['minor: 20 years end before the 28th birthday → the birthday', { kind: 'medical-record', lastCare: '2005-06-01', birthDate: '2000-09-10' }, '2025-06-02', 'kept', '2028-09-10'],
    ['minor: on the 28th birthday', { kind: 'medical-record', lastCare: '2005-06-01', birthDate: '2000-09-10' }, '2028-09-10', 'due', '2028-09-10'],
    ['minor: 20 years end after the 28th birthday → 20 years', { kind: 'medical-record', lastCare: '2012-01-01', birthDate: '1999-01-01' }, '2031-12-31', 'kept', '2032-01-01'],
    ['death less than 10 years after the last care → 10 years after the death', { kind: 'medical-record', lastCare: '2010-05-01', deathDate: '2013-07-20' }, '2023-07-20', 'due', '2023-07-20'],
    ['death less than 10 years after: one day before', { kind: 'medical-record', lastCare: '2010-05-01', deathDate: '2013-07-20' }, '2023-07-19', 'kept', '2023-07-20'],
    ['death 10 years or more after the last care → 20 years', { kind: 'medical-record', lastCare: '2010-05-01', deathDate: '2021-01-01' }, '2030-05-01', 'due', '2030-05-01'],
    ['death on a 29 February: its 10th anniversary is 28 February', { kind: 'medical-record', lastCare: '2000-01-01', deathDate: '2004-02-29' }, '2014-02-28', 'due', '2014-02-28'],
    ['death of a minor, less than 10 years after → 10 years after the death', { kind: 'medical-record', lastCare: '2010-05-01', birthDate: '2005-01-01', deathDate: '2012-01-01' }, '2022-01-01', 'due', '2022-01-01'],
    ['FSE duplicate: 3 months', { kind: 'fse', date: '2026-01-15' }, '2026-04-15', 'due', '2026-04-15'],
    ['FSE duplicate: never less than 90 days (February)', { kind: 'fse', date: '2026-12-01' }, '2027-03-01', 'due', '2027-03-01'],
    ['FSE duplicate: 3 months from 30 November end on 28 February, 90 days too', { kind: 'fse', date: '2026-11-30' }, '2027-02-27', 'kept', '2027-02-28'],
    ['FSE duplicate: 90 days when 3 months are shorter (31 January → 30 April is 89 days)', { kind: 'fse', date: '2027-01-31' }, '2027-04-30', 'kept', '2027-05-01'],
    ['appointment data: the date set', { kind: 'appointment', until: '2027-01-01' }, '2026-12-31', 'kept', '2027-01-01'],
    ['fixed date', { kind: 'until', until: '2030-01-01' }, '2030-01-01', 'due', '2030-01-01'],
  ])('%s', (_name, rule, today, status, due) => {
    const s = retentionState('b1-1', rule, [], at(today));
    expect(s.status).toBe(status);
    expect(s.dueAt?.toISOString().slice(0, 10)).toBe(due);
  });

  it('no rule: never due', () => {
    expect(retentionState('b1-1', { kind: 'unset' }, [], at('2099-01-01')).status).toBe('unset');
  });

  const record: RetentionRule = { kind: 'medical-record', lastCare: '2000-01-01' };
  it.each<[string, LegalHold[], string, string, string | undefined]>([
    ['a hold in force keeps everything', [{ id: 'h1', reason: 'procès', since: '2015-01-01' }], '2030-01-01', 'held', undefined],
    ['a hold on another item does not', [{ id: 'h1', reason: 'procès', since: '2015-01-01', items: ['b9-9'] }], '2020-01-01', 'due', '2020-01-01'],
    ['a hold on this item does', [{ id: 'h1', reason: 'procès', since: '2015-01-01', items: ['b1-1'] }], '2030-01-01', 'held', undefined],
    ['a lifted hold adds the time it lasted', [{ id: 'h1', reason: 'procès', since: '2015-01-01', until: '2017-01-01' }], '2021-12-31', 'kept', '2022-01-01'],
    ['a hold in force keeps even an item already due', [{ id: 'h1', reason: 'procès', since: '2021-01-01' }], '2021-06-01', 'held', undefined],
    ['once lifted, a hold that started after the item was due adds nothing', [{ id: 'h1', reason: 'procès', since: '2021-01-01', until: '2021-03-01' }], '2021-06-01', 'due', '2020-01-01'],
    ['a hold announced for later does not hold yet', [{ id: 'h1', reason: 'procès', since: '2025-01-01' }], '2021-06-01', 'due', '2020-01-01'],
    ['two lifted holds add up', [{ id: 'h1', reason: 'a', since: '2010-01-01', until: '2011-01-01' }, { id: 'h2', reason: 'b', since: '2019-06-01', until: '2020-06-01' }], '2022-01-01', 'due', '2022-01-01'],
  ])('legal hold: %s', (_name, holds, today, status, due) => {
    const s = retentionState('b1-1', record, holds, at(today));
    expect(s.status).toBe(status);
    expect(s.dueAt?.toISOString().slice(0, 10)).toBe(due);
  });

  it.each([
    [{ kind: 'medical-record', lastCare: '2024-13-01' } as RetentionRule],
    [{ kind: 'medical-record', lastCare: '2024-02-30' } as RetentionRule],
    [{ kind: 'fse', date: 'hier' } as RetentionRule],
    [{ kind: 'until', until: '2024-1-1' } as RetentionRule],
  ])('a malformed date is refused with USAGE: %j', (rule) => {
    expect(codeOf(() => checkRule(rule))).toBe('USAGE');
  });
});
