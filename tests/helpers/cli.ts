/** Runs the built `scelle` command (dist/cli/bin.js) as a user or script would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'dist', 'cli', 'bin.js');

export interface ScelleRun {
  status: number;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** Runs scelle with a clean environment (LANG=C unless given), no TTY on stdin. */
export function scelle(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): ScelleRun {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env };
  if (process.env.SOFTHSM2_CONF && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? REPO, input: options.input ?? '', encoding: 'utf8', timeout: 120_000 });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  return { ...out, json: () => JSON.parse(out.stdout) };
}
