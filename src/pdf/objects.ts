/**
 * The PDF object model (ISO 32000-1 §7.3): null, booleans, numbers, names, strings, arrays,
 * dictionaries, streams and indirect references — as scelle reads and writes them.
 *
 * Integers are JS numbers; a real keeps the text it was read from ({@link PdfReal}), so that an
 * object scelle rewrites (a page that gets a signature widget in its /Annots) keeps every value
 * it does not touch exactly as it was. Strings are bytes ({@link PdfString}): PDF strings are not
 * text until a dictionary entry says so. A string read from a file remembers where it was
 * (`start`/`end`): the /Contents of a signature must be exactly the hole its /ByteRange leaves.
 */

/** A name (`/Type`), decoded (`#20` → space). */
export class PdfName {
  constructor(readonly name: string) {}
}

/** A real number, with the text it was written as. */
export class PdfReal {
  constructor(readonly value: number, readonly text: string) {}
}

/** A string: its bytes; `hex` when written `<…>`; where it was in the file, when read from one. */
export class PdfString {
  constructor(readonly bytes: Uint8Array, readonly hex = false, readonly start?: number, readonly end?: number) {}

  /** The bytes as latin1 text (PDFDocEncoding for ASCII), or UTF-16BE when it starts with a BOM (§7.9.2.2). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      let s = '';
      for (let i = 2; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    return Buffer.from(b).toString('latin1');
  }
}

/** An indirect reference `num gen R`. */
export class PdfRef {
  constructor(readonly num: number, readonly gen: number) {}

  get key(): string {
    return `${this.num} ${this.gen}`;
  }
}

/** A dictionary; keys are names without the slash. Insertion order is kept (and written back). */
export class PdfDict {
  readonly map: Map<string, PdfObject>;

  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries);
  }

  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }

  set(key: string, value: PdfObject): this {
    this.map.set(key, value);
    return this;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** A copy, so that an object read from a file is never modified in place. */
  clone(): PdfDict {
    return new PdfDict(this.map);
  }

  /** The name value of `key`, if it is a name. */
  name(key: string): string | undefined {
    const v = this.map.get(key);
    return v instanceof PdfName ? v.name : undefined;
  }
}

/**
 * A stream: its dictionary and its encoded bytes (as they are in the file). `dataStart` is the
 * offset of the data in the file it was read from.
 */
export class PdfStream {
  constructor(readonly dict: PdfDict, readonly data: Uint8Array, readonly dataStart?: number) {}
}

/** Any PDF object. Arrays are plain arrays. */
export type PdfObject = null | boolean | number | PdfReal | PdfName | PdfString | PdfRef | PdfObject[] | PdfDict | PdfStream;

/** Shorthand for a name. */
export const name = (n: string): PdfName => new PdfName(n);

/** A string from text: latin1 when it fits PDFDocEncoding's ASCII/latin1 range, else UTF-16BE with a BOM. */
export function textString(s: string): PdfString {
  if (/^[\x20-\x7e\u00a0-\u00ff]*$/.test(s)) return new PdfString(new Uint8Array(Buffer.from(s, 'latin1')));
  const out = new Uint8Array(2 + s.length * 2);
  out[0] = 0xfe;
  out[1] = 0xff;
  for (let i = 0; i < s.length; i++) {
    out[2 + i * 2] = s.charCodeAt(i) >> 8;
    out[3 + i * 2] = s.charCodeAt(i) & 0xff;
  }
  return new PdfString(out);
}

/** The number value of an integer or a real, or undefined. */
export function numberOf(v: PdfObject | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PdfReal) return v.value;
  return undefined;
}

/** The dictionary of a dictionary or stream, or undefined. */
export function dictOf(v: PdfObject | undefined): PdfDict | undefined {
  if (v instanceof PdfDict) return v;
  if (v instanceof PdfStream) return v.dict;
  return undefined;
}
