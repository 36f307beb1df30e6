/** Reading input files with scelle's errors instead of raw Node ones. */
import { readFile, stat } from 'node:fs/promises';
import { ScelleError } from '../errors.js';
import { fsError } from './fs-errors.js';

/** Largest structure file (certificate, p12, CRL, key) scelle reads whole into memory. */
export const MAX_STRUCTURE_FILE = 64 * 1024 * 1024;

/**
 * Reads a small file whole (certificates, keys, p12, CRLs).
 * @throws ScelleError `FILE_NOT_FOUND`, `NOT_A_FILE` (a folder), `PERMISSION_DENIED`, `IO_ERROR`
 *   (unreadable, or larger than `maxBytes`).
 */
export async function readInputFile(path: string, maxBytes = MAX_STRUCTURE_FILE): Promise<Uint8Array> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new ScelleError('NOT_A_FILE', `${path} is a folder, not a file`, { params: { file: path } });
    if (s.size > maxBytes) throw new ScelleError('IO_ERROR', `${path} is too large (${s.size} bytes) for this kind of file`, { params: { file: path } });
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw fsError(e, path, 'read');
  }
}
