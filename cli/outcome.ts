/**
 * How a command's run came out when not everything went right, as a value. A command returns an
 * {@link Outcome} (or throws a ScelleError); cli/action.ts turns it into the exit code through the
 * one table of cli/exit-codes.ts. A command never chooses an exit-code number.
 */
import type { ErrorCode } from '../src/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/**
 * What went wrong with one item of a run:
 * - `negative`: a check said no (signature, certificate, time-stamp, seal, integrity);
 * - `corrupt`: data found damaged or missing;
 * - `failed`: the item could not be done, or something needs the user's action;
 * - an error code: the item's error (its exit code is the code's).
 */
export type Finding = 'negative' | 'corrupt' | 'failed' | ErrorCode;

/** The findings of a run; none means success. */
export interface Outcome {
  readonly findings: readonly Finding[];
}

/** The outcome of a run from its items' findings (`undefined`/`false`: the item went right). */
export function outcome(findings: Iterable<Finding | undefined | false>): Outcome {
  const kept: Finding[] = [];
  for (const f of findings) if (f !== undefined && f !== false) kept.push(f);
  return { findings: kept };
}

/** Success, or one finding of kind `kind` when `when` holds. */
function findingIf(kind: Finding, when: boolean): Outcome {
  return { findings: when ? [kind] : [] };
}

/** A check said no when `when` holds. */
export const negativeIf = (when: boolean): Outcome => findingIf('negative', when);
/** Damage found when `when` holds. */
export const corruptIf = (when: boolean): Outcome => findingIf('corrupt', when);
/** Something failed or needs action when `when` holds. */
export const failedIf = (when: boolean): Outcome => findingIf('failed', when);

/**
 * One file's error in a run over several files: a negative verdict when its code is one (a
 * tampered or untrusted file), else a failure (unreadable, malformed), so that the run's exit code
 * says whether any file was found bad.
 */
export function fileError(code: ErrorCode): Finding {
  return exitCodeFor(code) === EXIT.NEGATIVE ? 'negative' : 'failed';
}
