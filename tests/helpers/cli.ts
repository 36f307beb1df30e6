/** Runs the built `scelle` command (dist/cli/bin.js) as a user or script would. */
import { spawn, spawnSync } from 'node:child_process';
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
export function scelle(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string; uid?: number; gid?: number } = {}): ScelleRun {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env };
  if (process.env.SOFTHSM2_CONF && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  const ids = options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {};
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? REPO, input: options.input ?? '', encoding: 'utf8', timeout: 120_000, ...ids });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  return { ...out, json: () => JSON.parse(out.stdout) };
}

/** {@link scelle} without blocking the test's event loop (for servers running in the test process). */
export function scelleAsync(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<ScelleRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env };
  if (process.env.SOFTHSM2_CONF && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => resolvePromise({ status: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

/**
 * Runs scelle on a pseudo-terminal (util-linux `script`), answering each prompt that matches
 * `prompt` with the next answer, only once the prompt is shown (so echo is really off by then).
 */
export function scelleTty(args: string[], options: { prompt: RegExp; answers: string[]; env?: Record<string, string>; timeoutMs?: number }): Promise<{ status: number; output: string; prompts: number }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, BIN, ...args].map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TERM: 'dumb', ...options.env };
  if (process.env.SOFTHSM2_CONF && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let prompts = 0;
    let seen = 0;
    const answers = [...options.answers];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scelleTty timed out; output so far:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (d: Buffer): void => {
      output += d.toString('utf8');
      const count = output.split(options.prompt).length - 1;
      while (seen < count) {
        seen++;
        prompts++;
        const a = answers.shift();
        if (a !== undefined) child.stdin.write(`${a}\r`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolvePromise({ status: code ?? -1, output, prompts });
    });
  });
}
