/**
 * Writing PDF objects (ISO 32000-1 §7.3) and incremental updates (§7.5.6): new and changed
 * objects are appended after the original bytes, which are never touched, followed by a
 * cross-reference section whose /Prev points to the previous one, `startxref` and `%%EOF`.
 *
 * The new section has the kind of the newest one already there: a table after a table, a
 * cross-reference stream (§7.5.8) after a stream — a reader that understands only tables must not
 * meet a stream it cannot follow, and files with streams (PDF 1.5+, what LibreOffice, Word and
 * pdf-lib write) keep their object streams readable through our section's /Prev.
 *
 * This is scelle's own code, not a PDF library's: the whole point of an incremental update for a
 * signature is that the signed bytes are exactly the original file followed by bytes we chose,
 * with the /ByteRange hole at an offset we know.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';
import type { PdfDocument } from './document.js';

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** §7.3.5: regular characters outside `!`..`~`, delimiters and `#` are written `#xx`. */
function writeName(n: string): string {
  let out = '/';
  for (const ch of Buffer.from(n, 'latin1')) {
    const regular = ch > 0x20 && ch < 0x7f && !'()<>[]{}/%#'.includes(String.fromCharCode(ch));
    out += regular ? String.fromCharCode(ch) : `#${ch.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** A literal string with the escapes §7.3.4.2 needs, or hex when it holds many non-text bytes. */
function writeString(s: PdfString): string {
  const b = s.bytes;
  let binary = 0;
  for (const c of b) if (c < 0x20 || c > 0x7e) binary++;
  if (s.hex || binary > b.length / 4) return `<${Buffer.from(b).toString('hex').toUpperCase()}>`;
  let out = '(';
  for (const c of b) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out})`;
}

/** A real in the shortest form that reads back the same (no exponent: PDF has none). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  let s = n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

/** Serializes a direct object (a stream's data follows its dictionary). */
export function serialize(v: PdfObject): Uint8Array {
  const parts: (string | Uint8Array)[] = [];
  write(v, parts);
  return concat(parts.map((p) => (typeof p === 'string' ? enc(p) : p)));
}

function write(v: PdfObject, out: (string | Uint8Array)[]): void {
  if (v === null) out.push('null');
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
  else if (typeof v === 'number') out.push(formatNumber(v));
  else if (v instanceof PdfReal) out.push(v.text);
  else if (v instanceof PdfName) out.push(writeName(v.name));
  else if (v instanceof PdfString) out.push(writeString(v));
  else if (v instanceof PdfRef) out.push(`${v.num} ${v.gen} R`);
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i > 0) out.push(' ');
      write(x, out);
    });
    out.push(']');
  } else if (v instanceof PdfDict) {
    out.push('<<');
    for (const [k, x] of v.map) {
      out.push(writeName(k), ' ');
      write(x, out);
    }
    out.push('>>');
  } else if (v instanceof PdfStream) {
    const dict = v.dict.clone().set('Length', v.data.length);
    write(dict, out);
    out.push('\nstream\n', v.data, '\nendstream');
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A stream of `data` deflated (FlateDecode), with `dict`'s other entries. */
export function flateStream(dict: PdfDict, data: Uint8Array): PdfStream {
  return new PdfStream(dict.clone().set('Filter', new PdfName('FlateDecode')), new Uint8Array(deflateSync(data)));
}

/** One object of an update: its number, and its value or bytes already serialized. */
interface Pending {
  ref: PdfRef;
  body: Uint8Array;
}

/** Where an object of the update landed, and the update's bytes. */
export interface WrittenUpdate {
  /** The bytes to append to the original file. */
  bytes: Uint8Array;
  /** Offset (in the whole file) of each object written, by object number. */
  offsets: Map<number, number>;
  /** Total length of the file after the update. */
  length: number;
}

/**
 * An incremental update being built: allocate object numbers, set objects, then {@link write}.
 * The caller keeps the original bytes; only the appended bytes are returned.
 */
export class IncrementalUpdate {
  private nextNum: number;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly doc: PdfDocument) {
    this.nextNum = doc.size;
  }

  /** A new object number (generation 0). */
  allocate(): PdfRef {
    return new PdfRef(this.nextNum++, 0);
  }

  /** Sets the object `ref` (new, or replacing the object of the same number). */
  set(ref: PdfRef, value: PdfObject): void {
    this.pending.set(ref.num, { ref, body: serialize(value) });
  }

  /** Sets an object whose serialization the caller made (to know offsets inside it). */
  setRaw(ref: PdfRef, body: Uint8Array): void {
    this.pending.set(ref.num, { ref, body });
  }

  /** Object numbers set so far. */
  get objectNumbers(): number[] {
    return [...this.pending.keys()];
  }

  /**
   * The appended bytes: an end-of-line when the file does not end with one, each object, the
   * cross-reference section and the trailer. The trailer keeps /Root, /Info and the first /ID
   * string and points /Prev to the previous section (§7.5.6).
   */
  write(): WrittenUpdate {
    const base = this.doc.bytes.length;
    const last = this.doc.bytes[base - 1];
    const parts: Uint8Array[] = [];
    let at = base;
    const push = (b: Uint8Array): void => {
      parts.push(b);
      at += b.length;
    };
    if (last !== 0x0a && last !== 0x0d) push(enc('\n'));
    const offsets = new Map<number, number>();
    const sorted = [...this.pending.values()].sort((a, b) => a.ref.num - b.ref.num);
    for (const p of sorted) {
      offsets.set(p.ref.num, at);
      push(enc(`${p.ref.num} ${p.ref.gen} obj\n`));
      push(p.body);
      push(enc('\nendobj\n'));
    }
    const trailer = this.trailer();
    const xrefOffset = at;
    if (this.doc.usesXrefStreams) {
      const xrefRef = this.allocate();
      offsets.set(xrefRef.num, xrefOffset);
      trailer.set('Size', this.nextNum);
      push(this.xrefStream(xrefRef, sorted, offsets, trailer));
    } else {
      trailer.set('Size', this.nextNum);
      push(this.xrefTable(sorted, offsets, trailer));
    }
    push(enc(`startxref\n${xrefOffset}\n%%EOF\n`));
    const bytes = concat(parts);
    return { bytes, offsets, length: base + bytes.length };
  }

  private trailer(): PdfDict {
    const old = this.doc.trailer;
    const t = new PdfDict();
    t.set('Root', this.doc.rootRef);
    const info = old.get('Info');
    if (info !== undefined) t.set('Info', info);
    const id = this.doc.resolve(old.get('ID'));
    if (Array.isArray(id) && id.length === 2 && id[0] instanceof PdfString) {
      // §14.4: the first identifier stays; the second changes with each update.
      t.set('ID', [new PdfString(id[0].bytes, true), new PdfString(new Uint8Array(randomBytes(16)), true)]);
    }
    t.set('Prev', this.doc.revisions[this.doc.revisions.length - 1]!.startxref);
    return t;
  }

  /** §7.5.4: one subsection per run of consecutive object numbers, 20-byte entries. */
  private xrefTable(sorted: Pending[], offsets: Map<number, number>, trailer: PdfDict): Uint8Array {
    let s = 'xref\n';
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1]!.ref.num === sorted[j]!.ref.num + 1) j++;
      s += `${sorted[i]!.ref.num} ${j - i + 1}\n`;
      for (let k = i; k <= j; k++) s += `${String(offsets.get(sorted[k]!.ref.num)).padStart(10, '0')} ${String(sorted[k]!.ref.gen).padStart(5, '0')} n\r\n`;
      i = j + 1;
    }
    return concat([enc(s), enc('trailer\n'), serialize(trailer), enc('\n')]);
  }

  /** §7.5.8: a cross-reference stream listing the update's objects and itself. */
  private xrefStream(self: PdfRef, sorted: Pending[], offsets: Map<number, number>, trailer: PdfDict): Uint8Array {
    const all = [...sorted.map((p) => p.ref), self].sort((a, b) => a.num - b.num);
    const maxOffset = Math.max(...all.map((r) => offsets.get(r.num)!));
    const w2 = Math.max(1, Math.ceil(Math.log2(maxOffset + 1) / 8));
    const index: number[] = [];
    const rows: number[] = [];
    for (let i = 0; i < all.length;) {
      let j = i;
      while (j + 1 < all.length && all[j + 1]!.num === all[j]!.num + 1) j++;
      index.push(all[i]!.num, j - i + 1);
      for (let k = i; k <= j; k++) {
        rows.push(1);
        const off = offsets.get(all[k]!.num)!;
        for (let b = w2 - 1; b >= 0; b--) rows.push(Math.floor(off / 2 ** (8 * b)) & 0xff);
        rows.push(all[k]!.gen);
      }
      i = j + 1;
    }
    const dict = trailer.clone();
    dict.set('Type', new PdfName('XRef')).set('W', [1, w2, 1]).set('Index', index);
    const stream = flateStream(dict, Uint8Array.from(rows));
    return concat([enc(`${self.num} 0 obj\n`), serialize(stream), enc('\nendobj\n')]);
  }
}
