/**
 * Reading PDF objects from bytes (ISO 32000-1 §7.2 lexical conventions, §7.3 objects, §7.3.10
 * indirect objects): a small recursive-descent parser over a Uint8Array, used for indirect objects
 * at their cross-reference offsets and for the objects of object streams.
 *
 * Hostile input is expected: nesting is bounded, a stream's /Length is checked against the
 * `endstream` keyword (and the keyword searched for when the length is wrong, as every reader
 * does), and every failure is PDF_MALFORMED naming the offset.
 */
import { ScelleError } from '../errors.js';
import { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';

/** Deepest nesting of arrays and dictionaries accepted. */
const MAX_DEPTH = 256;

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

/** True for PDF white-space (§7.2.2 Table 1). */
export const isWhite = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
const isRegular = (c: number | undefined): boolean => c !== undefined && WS[c] === 0 && DELIM[c] === 0;
/** §7.3.4.2 Table 3: the one-character escapes of literal strings. */
const ESCAPES: Readonly<Record<number, number>> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** PDF_MALFORMED at an offset. */
export function malformed(message: string, at?: number): ScelleError {
  return new ScelleError('PDF_MALFORMED', `the PDF is damaged: ${message}${at !== undefined ? ` (at byte ${at})` : ''}`, { params: { detail: message } });
}

/** An indirect object as read: `num gen obj … endobj`. */
export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfObject;
  /** Offset just after `endobj` (or after the value when `endobj` is missing). */
  end: number;
}

/** Resolves an indirect /Length of a stream; undefined when it cannot. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

/** A cursor over PDF bytes. */
export class PdfLexer {
  pos: number;

  /**
   * @param fileOffsets - false when `bytes` is not the file (an object stream's decoded data): the
   *   strings read then carry no offsets, since they would not be offsets in the file.
   */
  constructor(readonly bytes: Uint8Array, pos = 0, private readonly resolveLength?: LengthResolver, private readonly fileOffsets = true) {
    this.pos = pos;
  }

  /** Skips white-space and comments. */
  skipSpace(): void {
    const b = this.bytes;
    for (;;) {
      while (this.pos < b.length && WS[b[this.pos]!] === 1) this.pos++;
      if (b[this.pos] !== 0x25) return; // %
      while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
    }
  }

  /** The next regular-character token (a keyword or a number) without consuming it. */
  peekWord(): string {
    this.skipSpace();
    let end = this.pos;
    while (end < this.bytes.length && isRegular(this.bytes[end])) end++;
    return Buffer.from(this.bytes.subarray(this.pos, end)).toString('latin1');
  }

  /** Consumes the keyword `word` or throws. */
  expectWord(word: string): void {
    const w = this.peekWord();
    if (w !== word) throw malformed(`expected "${word}", found "${w.slice(0, 20)}"`, this.pos);
    this.pos += word.length;
  }

  /** Reads one object (not an indirect object header). */
  parseObject(depth = 0): PdfObject {
    if (depth > MAX_DEPTH) throw malformed(`objects nested more than ${MAX_DEPTH} deep`, this.pos);
    this.skipSpace();
    const b = this.bytes;
    const c = b[this.pos];
    if (c === undefined) throw malformed('unexpected end of data', this.pos);
    if (c === 0x2f) return this.parseName(); // /
    if (c === 0x28) return this.parseLiteralString(); // (
    if (c === 0x3c) {
      if (b[this.pos + 1] === 0x3c) return this.parseDictOrStream(depth);
      return this.parseHexString();
    }
    if (c === 0x5b) { // [
      this.pos++;
      const out: PdfObject[] = [];
      for (;;) {
        this.skipSpace();
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return out;
        }
        if (this.pos >= b.length) throw malformed('unterminated array', this.pos);
        out.push(this.parseObject(depth + 1));
      }
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.parseNumberOrRef();
    const word = this.peekWord();
    this.pos += word.length;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    throw malformed(`unexpected "${word.slice(0, 20) || String.fromCharCode(c)}"`, this.pos - word.length);
  }

  private parseNumberOrRef(): number | PdfReal | PdfRef {
    const start = this.pos;
    const word = this.peekWord();
    this.pos += word.length;
    if (/^\d+$/.test(word)) {
      // `num gen R`?
      const save = this.pos;
      const gen = this.peekWord();
      if (/^\d+$/.test(gen)) {
        this.pos += gen.length;
        if (this.peekWord() === 'R') {
          this.pos += 1;
          return new PdfRef(Number(word), Number(gen));
        }
      }
      this.pos = save;
      return Number(word);
    }
    if (/^[+-]?\d+$/.test(word)) return Number(word);
    // Reals: 34.5, -.002, 4. ; producers also write "--1" or "1.2.3": read what a reader would.
    const m = /^[+-]{0,2}(\d*\.?\d*)/.exec(word);
    const value = Number((word.includes('-') ? '-' : '') + (m?.[1] ?? ''));
    if (m === null || m[1] === '' || m[1] === '.' || Number.isNaN(value)) throw malformed(`"${word.slice(0, 20)}" is not a number`, start);
    return new PdfReal(value, word);
  }

  private parseName(): PdfName {
    const b = this.bytes;
    this.pos++;
    const bytes: number[] = [];
    while (this.pos < b.length && isRegular(b[this.pos])) {
      const c = b[this.pos]!;
      if (c === 0x23 && /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(b[this.pos + 1] ?? 0, b[this.pos + 2] ?? 0))) {
        bytes.push(parseInt(String.fromCharCode(b[this.pos + 1]!, b[this.pos + 2]!), 16));
        this.pos += 3;
      } else {
        bytes.push(c);
        this.pos++;
      }
    }
    return new PdfName(Buffer.from(bytes).toString('latin1'));
  }

  private parseLiteralString(): PdfString {
    const b = this.bytes;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let nest = 1;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x5c) { // backslash (§7.3.4.2 Table 3)
        const e = b[this.pos++];
        if (e === undefined) break;
        const simple = ESCAPES[e];
        if (simple !== undefined) out.push(simple);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && b[this.pos] !== undefined && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; k++) v = v * 8 + (b[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos++; // line continuation
        } else if (e !== 0x0a) out.push(e);
        continue;
      }
      if (c === 0x28) nest++;
      if (c === 0x29 && --nest === 0) return this.fileOffsets ? new PdfString(new Uint8Array(out), false, start, this.pos) : new PdfString(new Uint8Array(out));
      // §7.3.4.2: an end-of-line inside a string reads as a single LF.
      if (c === 0x0d) {
        if (b[this.pos] === 0x0a) this.pos++;
        out.push(0x0a);
        continue;
      }
      out.push(c);
    }
    throw malformed('unterminated string', start);
  }

  private parseHexString(): PdfString {
    const b = this.bytes;
    const start = this.pos;
    const end = b.indexOf(0x3e, this.pos + 1);
    if (end < 0) throw malformed('unterminated hexadecimal string', start);
    const hex = Buffer.from(b.subarray(this.pos + 1, end)).toString('latin1').replace(/[\x00\t\n\f\r ]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw malformed('a hexadecimal string holds other characters', start);
    this.pos = end + 1;
    const bytes = new Uint8Array(Buffer.from(hex.length % 2 === 1 ? `${hex}0` : hex, 'hex'));
    return this.fileOffsets ? new PdfString(bytes, true, start, this.pos) : new PdfString(bytes, true);
  }

  private parseDictOrStream(depth: number): PdfDict | PdfStream {
    const b = this.bytes;
    const start = this.pos;
    this.pos += 2;
    const dict = new PdfDict();
    for (;;) {
      this.skipSpace();
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        break;
      }
      if (this.pos >= b.length) throw malformed('unterminated dictionary', start);
      if (b[this.pos] !== 0x2f) throw malformed('a dictionary key is not a name', this.pos);
      const key = this.parseName().name;
      const value = this.parseObject(depth + 1);
      // §7.3.7: an entry whose value is null is the same as no entry.
      if (value !== null) dict.set(key, value);
    }
    const save = this.pos;
    if (this.peekWord() !== 'stream') {
      this.pos = save;
      return dict;
    }
    this.pos += 6;
    // §7.3.8.1: `stream` is followed by CRLF or LF (a lone CR is tolerated, as readers do).
    if (b[this.pos] === 0x0d) this.pos++;
    if (b[this.pos] === 0x0a) this.pos++;
    const dataStart = this.pos;
    const length = this.streamLength(dict.get('Length'));
    let dataEnd = length === undefined ? -1 : dataStart + length;
    if (dataEnd < dataStart || dataEnd > b.length || !this.endstreamAt(dataEnd)) {
      const found = indexOfWord(b, 'endstream', dataStart);
      if (found < 0) throw malformed('a stream has no "endstream"', dataStart);
      dataEnd = found;
      // the end-of-line before `endstream` is not part of the data
      if (b[dataEnd - 1] === 0x0a) dataEnd--;
      if (b[dataEnd - 1] === 0x0d) dataEnd--;
      if (dataEnd < dataStart) dataEnd = dataStart;
    }
    this.pos = dataEnd;
    this.skipSpace();
    if (this.peekWord() === 'endstream') this.pos += 9;
    return new PdfStream(dict, b.subarray(dataStart, dataEnd), dataStart);
  }

  private streamLength(v: PdfObject | undefined): number | undefined {
    if (typeof v === 'number') return v;
    if (v instanceof PdfRef) return this.resolveLength?.(v);
    return undefined;
  }

  /** True when `endstream` follows `at` (after optional white-space). */
  private endstreamAt(at: number): boolean {
    let p = at;
    while (p < this.bytes.length && WS[this.bytes[p]!] === 1) p++;
    return matchWord(this.bytes, 'endstream', p);
  }

  /** Reads `num gen obj <object> endobj` at the cursor. */
  parseIndirect(): IndirectObject {
    const start = this.pos;
    const num = this.peekWord();
    if (!/^\d+$/.test(num)) throw malformed('no indirect object here', start);
    this.pos += num.length;
    const gen = this.peekWord();
    if (!/^\d+$/.test(gen)) throw malformed('no indirect object here', start);
    this.pos += gen.length;
    this.expectWord('obj');
    const value = this.parseObject();
    const save = this.pos;
    if (this.peekWord() === 'endobj') this.pos += 6;
    else this.pos = save;
    return { num: Number(num), gen: Number(gen), value, end: this.pos };
  }
}

/** True when `word` is at `at` in `b`. */
export function matchWord(b: Uint8Array, word: string, at: number): boolean {
  if (at + word.length > b.length) return false;
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Offset of the next `word` at or after `from`, or -1. */
export function indexOfWord(b: Uint8Array, word: string, from: number): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(word, from, 'latin1');
}

/** Offset of the last `word` before `before`, or -1. */
export function lastIndexOfWord(b: Uint8Array, word: string, before = b.length): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).lastIndexOf(word, before, 'latin1');
}
