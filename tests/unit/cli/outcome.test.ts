/** Commands return outcomes; the exit code comes from one table and one order of seriousness. */
import { describe, it, expect } from 'vitest';
import { EXIT, EXIT_PRECEDENCE, exitCodeOf } from '../../../cli/exit-codes.js';
import { corruptIf, failedIf, fileError, negativeIf, outcome, type Finding } from '../../../cli/outcome.js';

describe('exit code of an outcome', () => {
  it('no outcome, or no finding, is success', () => {
    expect(exitCodeOf(undefined)).toBe(EXIT.OK);
    expect(exitCodeOf(outcome([]))).toBe(EXIT.OK);
    expect(exitCodeOf(outcome([undefined, false]))).toBe(EXIT.OK);
    expect(exitCodeOf(negativeIf(false))).toBe(EXIT.OK);
  });

  it.each([
    [['negative'], EXIT.NEGATIVE],
    [['corrupt'], EXIT.CORRUPTION],
    [['failed'], EXIT.FAILURE],
    [['SIGNATURE_INVALID'], EXIT.NEGATIVE],
    [['WRONG_PASSWORD'], EXIT.WRONG_SECRET],
    [['TARGET_OFFLINE'], EXIT.TARGET_MISSING],
    [['FILE_NOT_FOUND'], EXIT.FAILURE],
    // the most serious wins, whatever the order of the items
    [['failed', 'negative'], EXIT.NEGATIVE],
    [['negative', 'failed'], EXIT.NEGATIVE],
    [['negative', 'corrupt', 'failed'], EXIT.CORRUPTION],
    [['FILE_NOT_FOUND', 'WRONG_PASSWORD'], EXIT.WRONG_SECRET],
    [['WRONG_PASSWORD', 'CONTENT_TAMPERED'], EXIT.NEGATIVE],
    [['INTERRUPTED', 'corrupt'], EXIT.INTERRUPTED],
  ] as [Finding[], number][])('%j → %i', (findings, code) => {
    expect(exitCodeOf(outcome(findings))).toBe(code);
  });

  it('helpers', () => {
    expect(exitCodeOf(negativeIf(true))).toBe(EXIT.NEGATIVE);
    expect(exitCodeOf(corruptIf(true))).toBe(EXIT.CORRUPTION);
    expect(exitCodeOf(failedIf(true))).toBe(EXIT.FAILURE);
    expect(fileError('CONTENT_TAMPERED')).toBe('negative');
    expect(fileError('FILE_NOT_FOUND')).toBe('failed');
    expect(fileError('NOT_A_FILE')).toBe('failed');
  });

  it('the order of seriousness names every exit code but success exactly once', () => {
    expect([...EXIT_PRECEDENCE].sort((a, b) => a - b)).toEqual(Object.values(EXIT).filter((c) => c !== EXIT.OK).sort((a, b) => a - b));
  });
});
