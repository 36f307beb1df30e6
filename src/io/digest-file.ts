/** Digesting a file of any size as a stream, with Node's native hashing (OpenSSL). */
import { createHash } from 'node:crypto';
import { readFileChunks } from './file-chunks.js';

/**
 * The digest of the file at `path`, read in chunks: memory does not grow with the file.
 * @param hash - a Node digest name (`sha256`, `sha384`, `sha512`).
 * @throws ScelleError `FILE_NOT_FOUND`, `IO_ERROR` (unreadable, a folder).
 */
export async function digestFile(path: string, hash: string): Promise<Uint8Array> {
  const h = createHash(hash);
  for await (const chunk of readFileChunks(path)) h.update(chunk);
  return new Uint8Array(h.digest());
}
