/**
 * Secrets (passwords, PINs) come from a file, an environment variable, or a no-echo prompt on a
 * terminal — never from argv. They are never written to stdout, stderr or a log.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ScelleError } from '../src/index.js';
import type { CliIo } from './io.js';
import type { Translate } from './i18n/index.js';

export interface SecretSource {
  /** `--pass-file` / `--pin-file` value. */
  file?: string;
  /** Environment variable to read (`SCELLE_PASSWORD`, `SCELLE_PIN`). */
  envVar: string;
  /** Catalog key of the prompt. */
  promptKey: string;
  /** Error code when nothing is available. */
  missingCode: 'PASSWORD_REQUIRED' | 'PIN_REQUIRED';
}

/** Reads a secret; see {@link SecretSource}. Strips one trailing newline from a file. */
export async function readSecret(src: SecretSource, io: CliIo, t: Translate): Promise<string> {
  if (src.file !== undefined) {
    const path = resolve(io.cwd, src.file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR';
      throw new ScelleError(code, `cannot read secret file ${src.file}`, { params: { file: src.file } });
    }
    return text.replace(/\r?\n$/, '');
  }
  const fromEnv = io.env[src.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') {
    return promptNoEcho(t(src.promptKey), io);
  }
  throw new ScelleError(src.missingCode, `${src.missingCode === 'PIN_REQUIRED' ? 'a PIN' : 'a password'} is required: use a file option, ${src.envVar}, or a terminal`);
}

/**
 * Reads a new secret (one that will protect data: an export, a PWRI envelope, a backup
 * passphrase). From a file or the environment it is read once; on a terminal it is typed twice
 * and both must match, so a typo does not lock the practitioner out of their own data.
 */
export async function readNewSecret(src: SecretSource & { confirmKey: string }, io: CliIo, t: Translate): Promise<string> {
  if (src.file !== undefined || (io.env[src.envVar] ?? '') !== '') return readSecret(src, io, t);
  const first = await readSecret(src, io, t);
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') {
    const again = await promptNoEcho(t(src.confirmKey), io);
    if (again !== first) {
      throw new ScelleError('USAGE', 'the two passwords typed differ', { params: { detail: t('prompt.mismatch') } });
    }
  }
  return first;
}

/** Reads one line from the terminal without echoing it. Ctrl-C aborts with exit 130. */
function promptNoEcho(prompt: string, io: CliIo): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const stdin = io.stdin;
    // Echo off first, then the prompt: an answer typed as soon as the prompt shows is never echoed.
    stdin.setRawMode?.(true);
    io.stderr.write(prompt);
    stdin.resume();
    let value = '';
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolvePromise(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          const err = new ScelleError('USAGE', 'interrupted');
          (err as { interrupted?: boolean }).interrupted = true;
          reject(err);
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
