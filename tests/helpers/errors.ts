import { isScelleError } from '../../src/errors.js';

/** What `fn` throws, or undefined when it returns. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The ScelleError code `fn` throws; undefined when it returns; a marker string for any other error. */
export function codeOf(fn: () => unknown): string | undefined {
  const e = caught(fn);
  if (e === undefined) return undefined;
  return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
}
