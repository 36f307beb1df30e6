/** Runs the built `scelle` command (dist/cli/bin.js) as a user or script would. */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'dist', 'cli', 'bin.js');

export interface ScelleRun {
  status: number;
  stdout: string;
  stderr: string;
  /**
   * The --json output, checked: the envelope against docs/json/envelope.schema.json, its result
   * against the command's schema (docs/json/commands/), NDJSON events before it. Returns the
   * result (with the envelope's `ok` when the result has none), or `{ ok: false, error, exitCode }`.
   */
  json: () => any;
  /** The envelope itself, checked the same way. */
  envelope: () => any;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateEnvelope = ajv.compile(JSON.parse(readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'docs', 'json', 'envelope.schema.json'), 'utf8')) as object);
const commandSchemas = new Map<string, ValidateFunction | undefined>();

/** The schema of a command's result (`backup run` → docs/json/commands/backup-run.schema.json), when documented. */
export function commandSchema(command: string): ValidateFunction | undefined {
  if (!commandSchemas.has(command)) {
    const file = join(REPO, 'docs', 'json', 'commands', `${command.replace(/ /g, '-')}.schema.json`);
    commandSchemas.set(command, existsSync(file) ? ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object) : undefined);
  }
  return commandSchemas.get(command);
}

/** Parses and checks a --json stdout (see {@link ScelleRun.json}); throws naming what breaks the contract. */
export function parseEnvelope(stdout: string): any {
  const text = stdout.trim();
  let envelope: any;
  try {
    envelope = JSON.parse(text);
  } catch {
    // a stream: NDJSON events, each with its type, then the envelope on the last line
    const lines = text.split('\n');
    for (const l of lines.slice(0, -1)) {
      const ev = JSON.parse(l) as { type?: unknown };
      if (typeof ev.type !== 'string') throw new Error(`an NDJSON event without a type: ${l.slice(0, 200)}`);
    }
    envelope = JSON.parse(lines[lines.length - 1] ?? '');
  }
  if (!validateEnvelope(envelope)) throw new Error(`not a scelle JSON envelope: ${ajv.errorsText(validateEnvelope.errors)}\n${text.slice(0, 500)}`);
  if (envelope.result !== undefined) {
    const v = commandSchema(envelope.command);
    if (v !== undefined && !v(envelope.result)) throw new Error(`the result of ${envelope.command} breaks docs/json/commands/${envelope.command.replace(/ /g, '-')}.schema.json: ${ajv.errorsText(v.errors)}`);
    if (process.env.SCELLE_JSON_RECORD) appendFileSync(process.env.SCELLE_JSON_RECORD, `${JSON.stringify({ command: envelope.command, ok: envelope.ok, result: envelope.result })}\n`);
  }
  return envelope;
}

/** The envelope's result as the tests read it (see {@link ScelleRun.json}). */
export function readJsonOutput(stdout: string): any {
  const envelope = parseEnvelope(stdout);
  if (envelope.error !== undefined) return { ok: false, error: envelope.error, exitCode: envelope.exitCode, command: envelope.command };
  const r = envelope.result;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return r;
  return 'ok' in r ? r : { ...r, ok: envelope.ok };
}

/** Runs scelle with a clean environment (LANG=C unless given), no TTY on stdin. */
export function scelle(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string; uid?: number; gid?: number } = {}): ScelleRun {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env };
  if (process.env.SOFTHSM2_CONF && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  const ids = options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {};
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? REPO, input: options.input ?? '', encoding: 'utf8', timeout: 120_000, ...ids });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  return { ...out, json: () => readJsonOutput(out.stdout), envelope: () => parseEnvelope(out.stdout) };
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
    child.on('close', (code) => resolvePromise({ status: code ?? -1, stdout, stderr, json: () => readJsonOutput(stdout), envelope: () => parseEnvelope(stdout) }));
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
