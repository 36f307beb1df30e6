/**
 * Saving what a sender attached, on the reader's disk: names chosen by a stranger are reduced to
 * a safe last path segment, and nothing is ever overwritten.
 */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ScelleError } from '../errors.js';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/**
 * A file name that is safe to create in a folder, from a name a sender chose: the last path
 * segment only (no `/`, `\`, drive letters), no control or reserved characters, no leading dots,
 * no Windows device names, at most 200 bytes (the extension kept), Unicode NFC.
 */
export function safeAttachmentName(name: string, fallback = 'piece-jointe'): string {
  let n = name.normalize('NFC');
  n = n.split(/[/\\]/).pop() ?? '';
  n = n.replace(/^[A-Za-z]:/, '');
  n = n.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_');
  n = n.trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (n === '' || n === '.' || n === '..') n = fallback;
  if (WINDOWS_RESERVED.test(n)) n = `_${n}`;
  while (Buffer.byteLength(n, 'utf8') > 200) {
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 10 ? n.slice(dot) : '';
    const stem = n.slice(0, n.length - ext.length);
    n = `${stem.slice(0, Math.max(1, stem.length - 8))}${ext}`;
  }
  return n;
}

/**
 * Writes `content` into `dir` under a safe form of `name`, never replacing a file: `name (2).ext`,
 * `name (3).ext`… when taken. Created with O_EXCL and mode 0600.
 * @returns the path written.
 * @throws ScelleError IO_ERROR, UNSAFE_PATH (the result would leave `dir`: cannot happen with safe names; checked anyway).
 */
export async function saveAttachment(dir: string, name: string, content: Uint8Array): Promise<string> {
  const base = resolve(dir);
  await mkdir(base, { recursive: true });
  const safe = safeAttachmentName(name);
  const dot = safe.lastIndexOf('.');
  const stem = dot > 0 ? safe.slice(0, dot) : safe;
  const ext = dot > 0 ? safe.slice(dot) : '';
  for (let i = 1; i < 10_000; i++) {
    const candidate = join(base, i === 1 ? safe : `${stem} (${i})${ext}`);
    if (!candidate.startsWith(base + sep)) throw new ScelleError('UNSAFE_PATH', `refusing to write "${name}" outside ${base}`, { params: { entry: name } });
    let fh;
    try {
      fh = await open(candidate, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ScelleError('IO_ERROR', `cannot write ${candidate}: ${(e as Error).message}`, { cause: e, params: { file: candidate } });
    }
    try {
      await fh.writeFile(content);
      await fh.sync();
    } catch (e) {
      throw new ScelleError('IO_ERROR', `cannot write ${candidate}: ${(e as Error).message}`, { cause: e, params: { file: candidate } });
    } finally {
      await fh.close();
    }
    return candidate;
  }
  throw new ScelleError('OUTPUT_EXISTS', `too many files named like "${safe}" in ${base}`, { params: { file: safe } });
}
