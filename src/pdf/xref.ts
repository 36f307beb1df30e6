/**
 * Cross-reference sections (ISO 32000-1 §7.5.4 tables, §7.5.8 streams, §7.5.8.4 hybrid files) and
 * the revisions of a PDF (§7.5.6 incremental updates).
 *
 * Each incremental update appends objects, a cross-reference section whose /Prev points to the
 * previous one, `startxref` and `%%EOF`. The sections are read from the last `startxref` back
 * along /Prev; each revision ends just after its `%%EOF` (and the end-of-line after it). A
 * signature's /ByteRange must end exactly at one of these ends: what follows was added later.
 * A linearized file's first-page section (§F.3) belongs to the same revision as the main one.
 */
import { PdfDict, PdfName, PdfStream, numberOf, type PdfObject } from './objects.js';
import { decodeStream } from './filters.js';
import { PdfLexer, indexOfWord, lastIndexOfWord, malformed, matchWord, isWhite } from './parser.js';

/** Where an object is, per a cross-reference entry. */
export type XrefEntry =
  | { type: 'free'; gen: number }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

/** One cross-reference section. */
export interface XrefSection {
  /** Offset of `xref` or of the cross-reference stream object. */
  offset: number;
  kind: 'table' | 'stream';
  /** The trailer dictionary (a stream's dictionary for a cross-reference stream). */
  trailer: PdfDict;
  entries: Map<number, XrefEntry>;
  /** Object number of the cross-reference stream (kind `stream`), or of a hybrid file's /XRefStm. */
  streamNum?: number;
}

/** A revision: the file as it was after one update. */
export interface Revision {
  /** Offset just after its `%%EOF` (and one end-of-line): the length of the file then. */
  end: number;
  /** Its own sections (newest first); objects they list were written by this revision. */
  sections: XrefSection[];
  /** The `startxref` value of this revision. */
  startxref: number;
}

/** Most sections followed along /Prev (a loop or an absurd chain is PDF_MALFORMED). */
const MAX_SECTIONS = 100_000;

/** Reads the decimal number after `startxref`, from the last one in the file. */
export function lastStartxref(bytes: Uint8Array): number {
  const at = lastIndexOfWord(bytes, 'startxref');
  if (at < 0) throw malformed('no "startxref" at the end of the file: it is not a PDF, or it is truncated');
  const lex = new PdfLexer(bytes, at + 9);
  const word = lex.peekWord();
  if (!/^\d+$/.test(word)) throw malformed('"startxref" is not followed by an offset', at);
  return Number(word);
}

function readTable(bytes: Uint8Array, offset: number): XrefSection {
  const lex = new PdfLexer(bytes, offset);
  lex.expectWord('xref');
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const first = lex.peekWord();
    if (first === 'trailer') {
      lex.pos += 7;
      break;
    }
    if (!/^\d+$/.test(first)) throw malformed(`a cross-reference subsection starts with "${first.slice(0, 20)}"`, lex.pos);
    lex.pos += first.length;
    const count = lex.peekWord();
    if (!/^\d+$/.test(count)) throw malformed('a cross-reference subsection has no count', lex.pos);
    lex.pos += count.length;
    const start = Number(first);
    for (let i = 0; i < Number(count); i++) {
      const off = lex.peekWord();
      lex.pos += off.length;
      const gen = lex.peekWord();
      lex.pos += gen.length;
      const kind = lex.peekWord();
      lex.pos += kind.length;
      if (!/^\d+$/.test(off) || !/^\d+$/.test(gen) || (kind !== 'n' && kind !== 'f')) throw malformed('a cross-reference entry is not "offset gen n|f"', lex.pos);
      const num = start + i;
      // §7.5.4: the first subsection of a section wins for an object listed twice.
      if (entries.has(num)) continue;
      entries.set(num, kind === 'n' ? { type: 'offset', offset: Number(off), gen: Number(gen) } : { type: 'free', gen: Number(gen) });
    }
  }
  const trailer = lex.parseObject();
  if (!(trailer instanceof PdfDict)) throw malformed('the trailer is not a dictionary', lex.pos);
  return { offset, kind: 'table', trailer, entries };
}

function readStreamSection(bytes: Uint8Array, offset: number): XrefSection {
  const lex = new PdfLexer(bytes, offset);
  const obj = lex.parseIndirect();
  if (!(obj.value instanceof PdfStream) || obj.value.dict.name('Type') !== 'XRef') throw malformed('the cross-reference offset points to an object that is not a cross-reference stream', offset);
  const stream = obj.value;
  const dict = stream.dict;
  const w = dict.get('W');
  if (!Array.isArray(w) || w.length < 3 || w.some((x) => typeof x !== 'number' || x < 0 || x > 8)) throw malformed('a cross-reference stream has no valid /W', offset);
  const widths = w as number[];
  const size = numberOf(dict.get('Size')) ?? 0;
  const index = dict.get('Index');
  const ranges = Array.isArray(index) ? (index as PdfObject[]).map((x) => numberOf(x) ?? -1) : [0, size];
  if (ranges.length % 2 !== 0 || ranges.some((x) => x < 0)) throw malformed('a cross-reference stream has an invalid /Index', offset);
  const data = decodeStream(stream);
  const rowLength = widths[0]! + widths[1]! + widths[2]!;
  const entries = new Map<number, XrefEntry>();
  let pos = 0;
  const field = (width: number, fallback: number): number => {
    if (width === 0) return fallback;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[pos++]!;
    return v;
  };
  for (let r = 0; r < ranges.length; r += 2) {
    for (let i = 0; i < ranges[r + 1]!; i++) {
      if (pos + rowLength > data.length) throw malformed('a cross-reference stream is shorter than its /Index says', offset);
      const type = field(widths[0]!, 1);
      const f2 = field(widths[1]!, 0);
      const f3 = field(widths[2]!, 0);
      const num = ranges[r]! + i;
      if (entries.has(num)) continue;
      if (type === 0) entries.set(num, { type: 'free', gen: f3 });
      else if (type === 1) entries.set(num, { type: 'offset', offset: f2, gen: f3 });
      else if (type === 2) entries.set(num, { type: 'compressed', stream: f2, index: f3 });
      // §7.5.8.3: other types are references to the null object.
    }
  }
  return { offset, kind: 'stream', trailer: dict, entries, streamNum: obj.num };
}

/** Reads the section at `offset`: a table (`xref`) or a stream (`n g obj`). */
export function readSection(bytes: Uint8Array, offset: number): XrefSection {
  if (offset < 0 || offset >= bytes.length) throw malformed(`a cross-reference offset (${offset}) is outside the file`);
  const lex = new PdfLexer(bytes, offset);
  lex.skipSpace();
  if (matchWord(bytes, 'xref', lex.pos)) {
    const table = readTable(bytes, lex.pos);
    // §7.5.8.4 hybrid: objects in object streams are listed in the /XRefStm stream only.
    const stm = numberOf(table.trailer.get('XRefStm'));
    if (stm !== undefined) {
      const hidden = readStreamSection(bytes, stm);
      for (const [num, e] of hidden.entries) {
        const seen = table.entries.get(num);
        if (seen === undefined || seen.type === 'free') table.entries.set(num, e);
      }
      table.streamNum = hidden.streamNum!;
    }
    return table;
  }
  return readStreamSection(bytes, lex.pos);
}

/** Sections from the one at `start` back along /Prev, newest first. */
export function readXrefChain(bytes: Uint8Array, start: number): XrefSection[] {
  const out: XrefSection[] = [];
  const seen = new Set<number>();
  let offset: number | undefined = start;
  while (offset !== undefined) {
    if (seen.has(offset)) throw malformed('the cross-reference sections loop (/Prev)');
    if (out.length >= MAX_SECTIONS) throw malformed('too many cross-reference sections');
    seen.add(offset);
    const section = readSection(bytes, offset);
    out.push(section);
    const prev: PdfObject | undefined = section.trailer.get('Prev');
    offset = typeof prev === 'number' ? prev : undefined;
  }
  return out;
}

/** `startxref N %%EOF` markers: the value and the offset just after `%%EOF` and one end-of-line. */
function eofMarkers(bytes: Uint8Array): { value: number; end: number; at: number }[] {
  const out: { value: number; end: number; at: number }[] = [];
  for (let at = indexOfWord(bytes, 'startxref', 0); at >= 0; at = indexOfWord(bytes, 'startxref', at + 9)) {
    const lex = new PdfLexer(bytes, at + 9);
    const word = lex.peekWord();
    if (!/^\d+$/.test(word)) continue;
    lex.pos += word.length;
    // `%%EOF` is a comment to the lexer: look for it by hand.
    let p = lex.pos;
    while (p < bytes.length && isWhite(bytes[p])) p++;
    if (!matchWord(bytes, '%%EOF', p)) continue;
    p += 5;
    if (bytes[p] === 0x0d) p++;
    if (bytes[p] === 0x0a) p++;
    out.push({ value: Number(word), end: p, at });
  }
  return out;
}

/**
 * Groups the sections of the chain (newest first) into revisions, oldest first. A section's
 * revision ends at the first `startxref <its offset> %%EOF` after it; a section no marker names
 * (the main section of a linearized file) belongs to the revision of the section that points to it.
 */
export function revisionsOf(bytes: Uint8Array, chain: readonly XrefSection[]): Revision[] {
  const markers = eofMarkers(bytes);
  const revisions: Revision[] = [];
  let current: Revision | undefined;
  for (const section of chain) {
    const marker = markers.find((m) => m.value === section.offset && m.at > section.offset);
    if (marker === undefined && current !== undefined) {
      current.sections.push(section);
      continue;
    }
    current = { end: marker?.end ?? bytes.length, sections: [section], startxref: section.offset };
    revisions.push(current);
  }
  revisions.reverse();
  // Ends must increase; a damaged file whose markers disagree is read as one revision per section.
  for (let i = 1; i < revisions.length; i++) {
    if (revisions[i]!.end <= revisions[i - 1]!.end) throw malformed('the revisions of the file overlap (a %%EOF marker is missing or misplaced)');
  }
  return revisions;
}

/** The trailer's name entry (`Type`), when a stream's dictionary is used as trailer. */
export function isXrefStream(d: PdfDict): boolean {
  return d.get('Type') instanceof PdfName && d.name('Type') === 'XRef';
}
