/**
 * Looking the MSSanté directory up (the index `importDirectory` writes, docs/FORMAT.md "MSSanté
 * directory index"): by name (every word of the query begins a word of the holder's names,
 * organisation or service, accents and case ignored), by RPPS (11 digits) or national identifier
 * (`8` + RPPS, `0` + ADELI), or by address.
 *
 * The index is scanned as bytes, the way grep does: each 1 MiB chunk is searched for the query's
 * most selective text (`Buffer.indexOf`), and only the lines that contain it are decoded and
 * checked. A lookup in the national directory reads the file once at memory-search speed, in
 * bounded memory. An index without its trailer (an interrupted import cannot produce one, the file
 * being replaced atomically) is refused.
 */
import { ScelleError } from '../errors.js';
import { readFileChunks } from '../io/file-chunks.js';
import { releaseBuffersEvery } from '../io/memory.js';
import { DIRECTORY_INDEX_MAGIC, DIRECTORY_INDEX_TRAILER, entryOfIndexLine, normalizeText, type DirectoryEntry, type DirectoryImport } from './directory.js';

/** What the query was taken for. */
export type LookupKind = 'name' | 'rpps' | 'idnat' | 'address';

/** The result of {@link lookupDirectory}. */
export interface LookupResult {
  kind: LookupKind;
  /** Matches, sorted by name then address, at most `limit`. */
  entries: DirectoryEntry[];
  /** How many matched in all. */
  total: number;
  /** The import the index comes from. */
  index: DirectoryImport & { source: string; importedAt: string };
}

/** Options of {@link lookupDirectory}. */
export interface LookupOptions {
  /** Most entries returned. Default 50. */
  limit?: number;
  /** Only these mailbox types (PER, ORG, APP, CAB). */
  types?: string[];
}

/** What a query looks like. */
export function lookupKind(query: string): LookupKind {
  const q = query.trim();
  if (q.includes('@')) return 'address';
  if (/^\d{11}$/.test(q)) return 'rpps';
  if (/^[08]\d{9,11}$/.test(q)) return 'idnat';
  return 'name';
}

/** Field `n` (0 = the search key) of an index line, without splitting the whole line. */
function field(line: string, n: number): string {
  let start = 0;
  for (let i = 0; i < n; i++) {
    start = line.indexOf('\t', start) + 1;
    if (start === 0) return '';
  }
  const stop = line.indexOf('\t', start);
  return stop === -1 ? line.slice(start) : line.slice(start, stop);
}

/** Field numbers of the index line (docs/FORMAT.md): 0 key, 1 type, 2 address, 3 idNat, 4 idPP. */
const F = { type: 1, address: 2, idNat: 3, idPP: 4 } as const;

/** The bytes to search for, and the check of a line that contains them. */
function matcher(kind: LookupKind, query: string): { needle: Buffer; check: (line: string) => boolean } {
  const q = query.trim();
  if (kind === 'address') {
    const a = q.toLowerCase();
    return { needle: Buffer.from(`\t${a}\t`, 'utf8'), check: (line) => field(line, F.address) === a };
  }
  if (kind === 'rpps') return { needle: Buffer.from(q, 'latin1'), check: (line) => field(line, F.idNat) === `8${q}` || field(line, F.idPP) === q };
  if (kind === 'idnat') return { needle: Buffer.from(q, 'latin1'), check: (line) => field(line, F.idNat) === q };
  const tokens = normalizeText(q).split(' ').filter((t) => t !== '');
  if (tokens.length === 0) throw new ScelleError('USAGE', 'the name to look up is empty', { params: { detail: 'empty lookup' } });
  const longest = [...tokens].sort((a, b) => b.length - a.length)[0]!;
  return {
    needle: Buffer.from(longest, 'latin1'),
    check: (line) => {
      const words = line.slice(0, line.indexOf('\t')).split(' ');
      return tokens.every((t) => words.some((w) => w.startsWith(t)));
    },
  };
}

type IndexMeta = LookupResult['index'];

/**
 * Scans the index for the lines that contain `needle`; returns the trailer.
 * @throws ScelleError DIRECTORY_NOT_FOUND, DIRECTORY_INVALID (not an index, incomplete).
 */
async function scanIndex(path: string, needle: Buffer, onLine: (line: string) => void): Promise<IndexMeta> {
  let rest: Buffer = Buffer.alloc(0);
  let first = true;
  let lastLine = '';
  const release = releaseBuffersEvery();
  try {
    for await (const chunk of readFileChunks(path, 256 * 1024)) {
      release(chunk.length);
      const buf = rest.length ? Buffer.concat([rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const end = buf.lastIndexOf(0x0a) + 1;
      const work = buf.subarray(0, end);
      rest = Buffer.from(buf.subarray(end));
      if (first && end > 0) {
        if (work.toString('utf8', 0, work.indexOf(0x0a)) !== DIRECTORY_INDEX_MAGIC) throw new ScelleError('DIRECTORY_INVALID', `${path} is not a scelle MSSanté directory index`, { params: { file: path, detail: 'not an index' } });
        first = false;
      }
      if (end > 0) lastLine = work.toString('utf8', work.lastIndexOf(0x0a, end - 2) + 1, end - 1);
      for (let i = work.indexOf(needle); i !== -1;) {
        const start = work.lastIndexOf(0x0a, i) + 1;
        const stop = work.indexOf(0x0a, i);
        const line = work.toString('utf8', start, stop);
        if (!line.startsWith('#')) onLine(line);
        i = work.indexOf(needle, stop + 1);
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'FILE_NOT_FOUND') throw new ScelleError('DIRECTORY_NOT_FOUND', `no MSSanté directory at ${path}: import one first (scelle mss directory import FILE)`, { params: { file: path } });
    throw e;
  }
  if (first) throw new ScelleError('DIRECTORY_INVALID', `${path} is not a scelle MSSanté directory index`, { params: { file: path, detail: 'not an index' } });
  if (rest.length > 0 || !lastLine.startsWith(`${DIRECTORY_INDEX_TRAILER}\t`)) throw new ScelleError('DIRECTORY_INVALID', `${path} is incomplete (no trailer): import the directory again`, { params: { file: path, detail: 'incomplete index' } });
  try {
    const meta = JSON.parse(lastLine.slice(DIRECTORY_INDEX_TRAILER.length + 1)) as IndexMeta;
    if (typeof meta !== 'object' || meta === null || typeof meta.importedAt !== 'string') throw new Error('not the import metadata');
    return meta;
  } catch (e) {
    throw new ScelleError('DIRECTORY_INVALID', `${path} has a damaged trailer: import the directory again`, { params: { file: path, detail: 'damaged trailer' }, cause: e });
  }
}

/**
 * Looks the directory up.
 * @throws ScelleError DIRECTORY_NOT_FOUND, DIRECTORY_INVALID, USAGE (empty query).
 */
export async function lookupDirectory(indexPath: string, query: string, options: LookupOptions = {}): Promise<LookupResult> {
  const kind = lookupKind(query);
  const { needle, check } = matcher(kind, query);
  const types = options.types?.map((t) => t.toUpperCase());
  const found: string[] = [];
  const index = await scanIndex(indexPath, needle, (line) => {
    if (check(line) && (!types || types.includes(field(line, F.type)))) found.push(line);
  });
  // The search key is already normalised: sorting by it (then the address) needs no per-comparison work.
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // An address the extraction lists twice is shown once (same key, so the copies are neighbours).
  const unique = found.filter((line, i) => i === 0 || field(line, F.address) !== field(found[i - 1]!, F.address) || line.slice(0, line.indexOf('\t')) !== found[i - 1]!.slice(0, found[i - 1]!.indexOf('\t')));
  return { kind, entries: unique.slice(0, options.limit ?? 50).map(entryOfIndexLine), total: unique.length, index };
}

/**
 * The personal mailboxes (PER) of a practitioner, by RPPS or national identifier.
 * @throws ScelleError NOT_IN_DIRECTORY (none), USAGE (not an RPPS), and what {@link lookupDirectory} throws.
 */
export async function mailboxesOf(indexPath: string, rpps: string): Promise<DirectoryEntry[]> {
  const kind = lookupKind(rpps);
  if (kind !== 'rpps' && kind !== 'idnat') throw new ScelleError('USAGE', `--to-rpps ${rpps}: an RPPS number has 11 digits (or 12 with the leading 8 of the national identifier)`, { params: { detail: `not an RPPS: ${rpps}` } });
  const r = await lookupDirectory(indexPath, rpps, { types: ['PER'], limit: 1000 });
  if (r.total === 0) throw new ScelleError('NOT_IN_DIRECTORY', `no personal MSSanté mailbox for RPPS ${rpps} in the directory (imported ${r.index.importedAt})`, { params: { detail: `RPPS ${rpps}` } });
  return r.entries;
}
