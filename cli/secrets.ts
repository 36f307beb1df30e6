/**
 * Secrets (passwords, PINs) come from a file, an environment variable, or a no-echo prompt on a
 * terminal — never from argv. They are never written to stdout, stderr or a log.
 *
 * A prompt names what it asks for ("Mot de passe de praticien.p12 : "). A new secret (one that
 * will protect data) is judged before it is typed a second time: a weak one is refused with its
 * reasons and asked again, and a confirmation that differs starts over — a few times, then the
 * command stops.
 */
import { stat, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ScelleError } from '../src/index.js';
import type { CliIo } from './io.js';
import type { Translate } from './i18n/index.js';

export interface SecretSource {
  /** `--pass-file` / `--pin-file` value. */
  file?: string;
  /** Environment variable to read (`SCELLE_PASSWORD`, `SCELLE_PIN`). */
  envVar: string;
  /** Catalog key of the prompt … */
  promptKey: string;
  /** … and its values (`{ name: 'praticien.p12' }`). */
  promptParams?: Readonly<Record<string, string>>;
  /** Error code when nothing is available. */
  missingCode: 'PASSWORD_REQUIRED' | 'PIN_REQUIRED';
}

/** A new secret: confirmed on a terminal, and judged by `check` before the confirmation. */
export interface NewSecretSource extends SecretSource {
  /** Catalog key of the confirmation prompt. */
  confirmKey: string;
  /**
   * Judges a candidate typed at the prompt: the reasons it is refused, in the user's language,
   * or an empty list. (From a file or the environment the library judges it and throws.)
   */
  check?: (candidate: string) => string[];
  /** Candidates typed before the command gives up. Default 3. */
  attempts?: number;
}

const hasTerminal = (io: CliIo): boolean => io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';

/** Reads a secret; see {@link SecretSource}. Strips one trailing newline from a file. */
export async function readSecret(src: SecretSource, io: CliIo, t: Translate): Promise<string> {
  if (src.file !== undefined) return readSecretFile(src.file, io, t);
  const fromEnv = io.env[src.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (hasTerminal(io)) return promptNoEcho(t(src.promptKey, src.promptParams), io);
  throw new ScelleError(src.missingCode, `${src.missingCode === 'PIN_REQUIRED' ? 'a PIN' : 'a password'} is required: use a file option, ${src.envVar}, or a terminal`);
}

/**
 * Reads a secret file, warning (stderr) when other users may read it: a password file must be
 * the practitioner's alone.
 * @throws ScelleError `FILE_NOT_FOUND`, `NOT_A_FILE`, `PERMISSION_DENIED`, `IO_ERROR`.
 */
async function readSecretFile(file: string, io: CliIo, t: Translate): Promise<string> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new ScelleError('NOT_A_FILE', `${file} is a folder, not a secret file`, { params: { file } });
    if ((st.mode & 0o044) !== 0) {
      io.stderr.write(`${t('prefix.warning')}${t('warn.passFileReadable', { file, mode: `0${(st.mode & 0o777).toString(8)}` })}\n`);
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScelleError('FILE_NOT_FOUND', `secret file not found: ${file}`, { params: { file } });
    if (code === 'EACCES' || code === 'EPERM') throw new ScelleError('PERMISSION_DENIED', `permission denied: cannot read the secret file ${file}`, { params: { file, opKey: 'fs.op.read' } });
    throw new ScelleError('IO_ERROR', `cannot read secret file ${file}`, { params: { file } });
  }
  return text.replace(/\r?\n$/, '');
}

/**
 * Reads a new secret (one that will protect data: an export, a PWRI envelope, a backup
 * passphrase). From a file or the environment it is read once; on a terminal it is judged by
 * `check` (a weak one is asked again, with its reasons), then typed a second time, and both must
 * match, so a typo does not lock the practitioner out of their own data.
 * @throws ScelleError `WEAK_PASSWORD` or `USAGE` (mismatch) after the last attempt, `INTERRUPTED`.
 */
export async function readNewSecret(src: NewSecretSource, io: CliIo, t: Translate): Promise<string> {
  if (src.file !== undefined || (io.env[src.envVar] ?? '') !== '' || !hasTerminal(io)) return readSecret(src, io, t);
  const attempts = Math.max(1, src.attempts ?? 3);
  let failure: ScelleError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const first = await promptNoEcho(t(src.promptKey, src.promptParams), io);
    const reasons = src.check?.(first) ?? [];
    if (reasons.length > 0) {
      io.stderr.write(`${t('prompt.weak', { reasons: reasons.join(t('prompt.reasonSeparator')) })}\n`);
      failure = new ScelleError('WEAK_PASSWORD', `the password typed is too weak (${attempt} attempt(s))`, { params: { reason: reasons.join('; ') } });
      continue;
    }
    const again = await promptNoEcho(t(src.confirmKey, src.promptParams), io);
    if (again === first) return first;
    io.stderr.write(`${t('prompt.mismatchAgain')}\n`);
    failure = new ScelleError('USAGE', 'the two passwords typed differ', { params: { detail: t('prompt.mismatch') } });
  }
  throw failure!;
}

/** Reads one line from the terminal without echoing it. Ctrl-C or Ctrl-D stop the command. */
function promptNoEcho(prompt: string, io: CliIo): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const stdin = io.stdin;
    // Echo off first, then the prompt: an answer typed as soon as the prompt shows is never echoed.
    stdin.setRawMode?.(true);
    io.stderr.write(prompt);
    stdin.resume();
    let value = '';
    const finish = (result: { value: string } | { error: ScelleError }): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if ('value' in result) resolvePromise(result.value);
      else reject(result.error);
    };
    const interrupted = (): ScelleError => new ScelleError('INTERRUPTED', 'interrupted at the prompt: nothing was done', { params: { hintKey: 'hint.INTERRUPTED.clean' } });
    const onEnd = (): void => finish({ error: interrupted() });
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish({ value });
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish({ error: interrupted() });
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = ''; // Ctrl-U: start the line over
        else if (ch === '\t' || ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}
