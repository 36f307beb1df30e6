/**
 * The MSSanté directory as the Annuaire Santé publishes it: the public extraction of mailboxes
 * ("Extraction_Correspondance_MSSante", ANS, Licence Ouverte; a zip holding one
 * `Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt`, also mirrored on data.gouv.fr). UTF-8
 * text, `|`-separated, one header line, 31 columns in this order ({@link DIRECTORY_COLUMNS}).
 *
 * `importDirectory` streams the file (the real one has ~535 000 lines, ~89 MB) in bounded memory
 * and writes scelle's index (docs/FORMAT.md "MSSanté directory index"): the fields a lookup needs,
 * one line per mailbox, replaced atomically. Mailboxes on the *liste rouge* (the Annuaire Santé's
 * `listeRouge` attribute, ANS IG-fhir-annuaire `as-ext-mailbox-mss-metadata`) are never written:
 * the public extraction already leaves them out, and an extraction that carries the attribute
 * (a 32nd column "Liste rouge") has them dropped at import, so no lookup can show them.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ScelleError, isScelleError } from '../errors.js';
import { readFileChunks } from '../io/file-chunks.js';
import { writeStreamAtomic } from '../io/atomic-output.js';
import { releaseBuffersEvery } from '../io/memory.js';
import { ZipReader } from '../crypto/zip/reader.js';

/** The columns of the public extraction, in order (Annuaire Santé, Extraction_Correspondance_MSSante). */
export const DIRECTORY_COLUMNS = [
  'Type de BAL', 'Adresse BAL', 'Type Identifiant PP', 'Identifiant PP', 'Identification nationale PP',
  'Type identifiant structure', 'Identification Structure', 'Service de rattachement', "Civilité d'exercice",
  "Nom d'exercice", "Prénom d'exercice", 'Catégorie profession', 'Libellé de catégorie profession', 'Code Profession',
  'Libellé Profession', 'Code savoir-faire', 'Libellé savoir-faire', 'Dématérialisation', 'Raison Sociale structure BAL',
  'Enseigne commerciale structure BAL', 'L2COMPLEMENTLOCALISATION structure BAL', 'L3COMPLEMENTDISTRIBUTION structure BAL',
  'L4NUMEROVOIE structure BAL', 'L4COMPLEMENTNUMEROVOIE structure BAL', 'NL4TYPEVOIE structure BAL', 'L4LIBELLEVOIE structure BAL',
  'L5LIEUDITMENTION structure BAL', 'L6LIGNEACHEMINEMENT structure BAL', 'Code postal structure BAL', 'Département structure BAL',
  'Pays structure BAL',
] as const;

/** The optional column that carries the liste-rouge attribute. */
export const LISTE_ROUGE_COLUMN = 'Liste rouge';

/** The first line of scelle's index. */
export const DIRECTORY_INDEX_MAGIC = '# scelle-mss-directory 1';
/** The last line of a complete index starts with this, then a tab and the import's JSON metadata. */
export const DIRECTORY_INDEX_TRAILER = '#meta';

/** One mailbox as the index keeps it. */
export interface DirectoryEntry {
  /** PER (personal), ORG (organisation), APP (application), CAB (practice). */
  type: string;
  address: string;
  /** Identification nationale PP: 8 + RPPS, or 0 + ADELI. */
  idNat?: string;
  /** Identifiant PP (the RPPS or ADELI number). */
  idPP?: string;
  civility?: string;
  family?: string;
  given?: string;
  professionCode?: string;
  profession?: string;
  specialty?: string;
  organization?: string;
  service?: string;
  structureId?: string;
  postalCode?: string;
  /** Ligne d'acheminement (`75015 PARIS`). */
  city?: string;
  department?: string;
}

/** What an import read and kept. */
export interface DirectoryImport {
  entries: number;
  /** Rows without the right number of fields or without an address. */
  skipped: number;
  /** Line numbers of the first skipped rows. */
  skippedLines: number[];
  /** Liste-rouge rows, dropped. */
  listeRouge: number;
  /** SHA-256 of the source text. */
  sourceSha256: string;
  /** From the file name (`…_AAAAMMJJhhmm.txt`), when it carries it. */
  generatedAt?: string;
}

/** Header names compared without accents, case, spacing, or the " structure BAL" suffix. */
export function normalizeText(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

function headerKey(s: string): string {
  return normalizeText(s.replace(/^\ufeff/, '')).replace(/ structure bal$/, '').replace(/[^a-z0-9]/g, '');
}

const EXPECTED = DIRECTORY_COLUMNS.map(headerKey);

const bad = (file: string, detail: string): ScelleError =>
  new ScelleError('DIRECTORY_INVALID', `${file} is not an Annuaire Santé MSSanté extraction: ${detail}`, { params: { file, detail } });

/** Checks the header line; returns whether the liste-rouge column is there. */
function checkHeader(fields: string[], file: string): { listeRouge: boolean } {
  const keys = fields.map(headerKey);
  while (keys.length > EXPECTED.length && keys[keys.length - 1] === '') keys.pop();
  for (let i = 0; i < EXPECTED.length; i++) {
    if (keys[i] !== EXPECTED[i]) throw bad(file, `column ${i + 1} is "${fields[i] ?? '(missing)'}", the published layout has "${DIRECTORY_COLUMNS[i]}"`);
  }
  if (keys.length === EXPECTED.length) return { listeRouge: false };
  if (keys.length === EXPECTED.length + 1 && keys[EXPECTED.length] === headerKey(LISTE_ROUGE_COLUMN)) return { listeRouge: true };
  throw bad(file, `${keys.length} columns, the published layout has ${EXPECTED.length} (and optionally "${LISTE_ROUGE_COLUMN}")`);
}

/** The fields of an index line after its search key, in order (docs/FORMAT.md). */
export const INDEX_FIELDS = ['type', 'address', 'idNat', 'idPP', 'civility', 'family', 'given', 'professionCode', 'profession', 'specialty', 'organization', 'service', 'structureId', 'postalCode', 'city', 'department'] as const;

/** Where each index field comes from in the extraction (organisation: raison sociale, else enseigne). */
const SOURCE: Record<(typeof INDEX_FIELDS)[number], number> = {
  type: 0, address: 1, idNat: 4, idPP: 3, civility: 8, family: 9, given: 10, professionCode: 13, profession: 14,
  specialty: 16, organization: 18, service: 7, structureId: 6, postalCode: 28, city: 27, department: 29,
};

/** A value as one index field: trimmed, no tab or line break inside. */
const clean = (v: string | undefined): string => (v ?? '').replace(/[\t\r\n]+/g, ' ').trim();

/** A data row as an index line (undefined when it has no usable address). */
function indexLine(f: string[]): { address: string; line: string } | undefined {
  const address = clean(f[1]).toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(address)) return undefined;
  const values = INDEX_FIELDS.map((k) => (k === 'address' ? address : k === 'type' ? clean(f[0]).toUpperCase() : k === 'organization' ? clean(f[18]) || clean(f[19]) : clean(f[SOURCE[k]])));
  const key = normalizeText([values[5], values[6], values[10], values[11]].filter((v) => v !== '').join(' '));
  return { address, line: `${key}\t${values.join('\t')}\n` };
}

/** An index line (without its newline) as an entry. */
export function entryOfIndexLine(line: string): DirectoryEntry {
  const values = line.split('\t').slice(1);
  const e: Record<string, string> = {};
  INDEX_FIELDS.forEach((k, i) => {
    if (values[i]) e[k] = values[i]!;
  });
  return e as unknown as DirectoryEntry;
}

/** `O`, `oui`, `true`, `1`, `Y` are on the liste rouge. */
function onListeRouge(v: string | undefined): boolean {
  return /^(o|oui|y|yes|true|1|vrai)$/i.test((v ?? '').trim());
}

/** The lines of a stream of chunks (LF or CRLF), as bytes, bounded. */
async function* linesOf(chunks: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>, file: string): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const c of chunks) {
    hash.update(c);
    const buf: Buffer = rest.length ? Buffer.concat([rest, c]) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      yield buf.subarray(start, nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl);
      start = nl + 1;
    }
    // a copy: the reader may reuse its buffer for the next chunk
    rest = Buffer.from(buf.subarray(start));
    if (rest.length > 64 * 1024) throw bad(file, 'a line longer than 64 KiB');
  }
  if (rest.length > 0) yield rest;
}

/** The text of the extraction: the .txt itself, or the one .txt inside the ANS zip. */
async function withSource<T>(path: string, use: (chunks: AsyncIterable<Uint8Array>, name: string) => Promise<T>): Promise<T> {
  const head = readFileChunks(path, 4);
  const first = (await head.next()).value;
  await head.return(undefined);
  if (!(first instanceof Uint8Array) || first[0] !== 0x50 || first[1] !== 0x4b) return use(readFileChunks(path, 256 * 1024), basename(path));
  const reader = await ZipReader.open(path);
  try {
    const txt = reader.entries.filter((e) => !e.directory && /\.txt$/i.test(e.name));
    if (txt.length !== 1) throw bad(basename(path), `the zip holds ${txt.length} .txt files, the ANS extraction holds one`);
    return await use(reader.readEntry(txt[0]!, { maxBytes: 2 * 1024 * 1024 * 1024 }), basename(txt[0]!.name));
  } finally {
    await reader.close();
  }
}

/**
 * Imports an extraction (the .txt, or the ANS zip) into the index at `indexPath`, replacing it
 * atomically: one pass, the magic line first, the entries, then the metadata trailer (a lookup
 * refuses an index without it), in memory that does not grow with the file. An address the
 * extraction lists twice (it has some) is written twice; lookups show it once.
 * @throws ScelleError DIRECTORY_INVALID (not the published layout, no entry), FILE_NOT_FOUND,
 *   IO_ERROR, MALFORMED_ARCHIVE.
 */
export async function importDirectory(sourcePath: string, indexPath: string, options: { now?: Date } = {}): Promise<DirectoryImport> {
  const stats = { entries: 0, skipped: 0, skippedLines: [] as number[], listeRouge: 0 };
  const hash = createHash('sha256');
  const { result } = await writeStreamAtomic(indexPath, async (write) => withSource(sourcePath, async (chunks, name) => {
    await write(Buffer.from(`${DIRECTORY_INDEX_MAGIC}\n`, 'utf8'));
    let header: { listeRouge: boolean } | undefined;
    let lineNo = 0;
    // Each row makes a few dozen short strings: a minor collection every MiB keeps the heap small.
    const release = releaseBuffersEvery();
    const pending: string[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      await write(Buffer.from(pending.join(''), 'utf8'));
      pending.length = 0;
    };
    for await (const raw of linesOf(chunks, hash, name)) {
      lineNo++;
      release(raw.length);
      const line = raw.toString('utf8');
      if (header === undefined) {
        header = checkHeader(line.split('|'), name);
        continue;
      }
      if (line.trim() === '') continue;
      const row = acceptRow(line.split('|'), header.listeRouge, stats, lineNo);
      if (row === undefined) continue;
      pending.push(row);
      if (pending.length >= 1024) await flush();
    }
    if (header === undefined) throw bad(name, 'it is empty');
    if (stats.entries === 0) throw bad(name, `no mailbox could be read (${stats.skipped} malformed rows)`);
    await flush();
    const generatedAt = /_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})\.(txt|zip)$/i.exec(name);
    const meta: DirectoryImport = { ...stats, sourceSha256: hash.digest('hex'), ...(generatedAt ? { generatedAt: `${generatedAt[1]}-${generatedAt[2]}-${generatedAt[3]}T${generatedAt[4]}:${generatedAt[5]}` } : {}) };
    await write(Buffer.from(`${DIRECTORY_INDEX_TRAILER}\t${JSON.stringify({ source: name, importedAt: (options.now ?? new Date()).toISOString(), ...meta })}\n`, 'utf8'));
    return meta;
  }), { mode: 0o644 }).catch((e: unknown) => {
    if (isScelleError(e)) throw e;
    throw new ScelleError('IO_ERROR', `cannot write the directory index ${indexPath}: ${(e as Error).message}`, { cause: e, params: { file: indexPath } });
  });
  return result;
}

function acceptRow(f: string[], hasListeRouge: boolean, stats: { entries: number; skipped: number; skippedLines: number[]; listeRouge: number }, lineNo: number): string | undefined {
  const want = DIRECTORY_COLUMNS.length + (hasListeRouge ? 1 : 0);
  while (f.length > want && f[f.length - 1] === '') f.pop();
  const e = f.length === want ? indexLine(f) : undefined;
  if (e === undefined) {
    stats.skipped++;
    if (stats.skippedLines.length < 20) stats.skippedLines.push(lineNo);
    return undefined;
  }
  if (hasListeRouge && onListeRouge(f[DIRECTORY_COLUMNS.length])) {
    stats.listeRouge++;
    return undefined;
  }
  stats.entries++;
  return e.line;
}
