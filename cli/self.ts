/**
 * The `scelle` executable's own path, for the commands that run it again (the scheduler's command
 * line, the kit-only drill in a fresh process).
 *
 * This module sits next to bin.ts on purpose: tsc writes it beside dist/cli/bin.js, and the
 * bundled executable (scripts/bundle.mjs) *is* dist/cli/bin.js, so `./bin.js` relative to this
 * code names the executable in both cases.
 */
import { fileURLToPath } from 'node:url';

/** The absolute path of dist/cli/bin.js. */
export function scelleBin(): string {
  return fileURLToPath(new URL('./bin.js', import.meta.url));
}
