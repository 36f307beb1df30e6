/**
 * Looking the MSSanté directory up (the index `importDirectory` writes, docs/FORMAT.md "MSSanté
 * directory index"): by name (every word of the query begins a word of the holder's names,
 * organisation or service, accents and case ignored), by RPPS (11 digits) or national identifier
 * (`8` + RPPS, `0` + ADELI), or by address. The index is streamed line by line; a line is parsed
 * only when its search key matches, so a lookup in the full national directory takes well under a
 * second and little memory. An index without its trailer (an interrupted import cannot produce one,
 * the file being replaced atomically) is refused.
 */
import { ScelleError } from '../errors.js';
import { readFileChunks } from '../io/file-chunks.js';
import { DIRECTORY_INDEX_MAGIC, DIRECTORY_INDEX_TRAILER, normalizeText, type DirectoryEntry, type DirectoryImport } from './directory.js';

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

function matcher(kind: LookupKind, query: string): (key: string) => boolean {
  const q = query.trim();
  if (kind === 'address') {
    const a = q.toLowerCase();
    return (key) => key.slice(key.lastIndexOf('|') + 1) === a;
  }
  if (kind === 'rpps') return (key) => key.includes(q) && (key.split('|')[1] === `8${q}` || key.split('|')[2] === q);
  if (kind === 'idnat') return (key) => key.includes(q) && key.split('|')[1] === q;
  const tokens = normalizeText(q).split(' ').filter((t) => t !== '');
  if (tokens.length === 0) throw new ScelleError('USAGE', 'the name to look up is empty', { params: { detail: 'empty lookup' } });
  const longest = [...tokens].sort((a, b) => b.length - a.length)[0]!;
  return (key) => {
    if (!key.includes(longest)) return false;
    const words = key.slice(0, key.indexOf('|')).split(' ');
    return tokens.every((t) => words.some((w) => w.startsWith(t)));
  };
}

/**
 * Streams the index and calls `onLine` with each entry line's key and JSON; returns the trailer.
 * @throws ScelleError DIRECTORY_NOT_FOUND, DIRECTORY_INVALID (not an index, incomplete).
 */
async function scanIndex(path: string, onLine: (key: string, json: string) => void): Promise<LookupResult['index']> {
  let first = true;
  let trailer: string | undefined;
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  const handle = (line: string): void => {
    if (first) {
      if (line !== DIRECTORY_INDEX_MAGIC) throw new ScelleError('DIRECTORY_INVALID', `${path} is not a scelle MSSanté directory index`, { params: { file: path, detail: 'not an index' } });
      first = false;
    } else if (line.startsWith(`${DIRECTORY_INDEX_TRAILER}\t`)) trailer = line.slice(DIRECTORY_INDEX_TRAILER.length + 1);
    else if (line !== '') {
      const tab = line.indexOf('\t');
      onLine(line.slice(0, tab), line.slice(tab + 1));
    }
  };
  try {
    for await (const chunk of readFileChunks(path)) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const l of lines) handle(l);
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'FILE_NOT_FOUND' || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new ScelleError('DIRECTORY_NOT_FOUND', `no MSSanté directory at ${path}: import one first (scelle mss directory import FILE)`, { params: { file: path } });
    throw e;
  }
  if (rest !== '') handle(rest);
  if (trailer === undefined) throw new ScelleError('DIRECTORY_INVALID', `${path} is incomplete (no trailer): import the directory again`, { params: { file: path, detail: 'incomplete index' } });
  return JSON.parse(trailer) as LookupResult['index'];
}

/**
 * Looks the directory up.
 * @throws ScelleError DIRECTORY_NOT_FOUND, DIRECTORY_INVALID, USAGE (empty query).
 */
export async function lookupDirectory(indexPath: string, query: string, options: LookupOptions = {}): Promise<LookupResult> {
  const kind = lookupKind(query);
  const match = matcher(kind, query);
  const types = options.types?.map((t) => t.toUpperCase());
  const found: DirectoryEntry[] = [];
  const index = await scanIndex(indexPath, (key, json) => {
    if (!match(key)) return;
    const e = JSON.parse(json) as DirectoryEntry;
    if (types && !types.includes(e.type)) return;
    found.push(e);
  });
  const name = (e: DirectoryEntry): string => normalizeText(`${e.family ?? e.organization ?? ''} ${e.given ?? ''}`);
  found.sort((a, b) => name(a).localeCompare(name(b)) || a.address.localeCompare(b.address));
  return { kind, entries: found.slice(0, options.limit ?? 50), total: found.length, index };
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
