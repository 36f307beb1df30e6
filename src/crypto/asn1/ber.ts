/**
 * BER (X.690 §8) reading for CMS: a strict in-memory tree parser for the small parts (certificates,
 * SignerInfos, attributes), a canonical DER re-encoder (X.690 §10) for signed attributes that a
 * signer wrote in BER, and a streaming reader that walks a ContentInfo of any size with a bounded
 * buffer, so that an attached eContent of gigabytes goes through the digest without being held.
 *
 * RFC 5652 §2 lets CMS be BER: indefinite lengths and constructed OCTET STRINGs (as
 * `openssl cms -stream` writes them) are accepted everywhere; anything truncated, overlong or with
 * trailing bytes is `MALFORMED_ASN1`.
 */
import { ScelleError } from '../../errors.js';

/** X.690 §8.1.2.2 tag classes. */
export type TagClass = 'universal' | 'application' | 'context' | 'private';

const CLASSES: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

/** Universal tag numbers used by CMS. */
export const UNIVERSAL = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

/** Deepest nesting accepted (CMS structures are a dozen levels deep at most). */
const MAX_DEPTH = 64;

/**
 * Elements one in-memory parse may create, by default. A signature with its certificates holds a
 * few thousand; a hostile 20 MB SET of 10 million empty elements would otherwise take gigabytes
 * of tree before anything could refuse it.
 */
export const DEFAULT_MAX_NODES = 200_000;

/** Options of {@link parseBer}. */
export interface ParseBerOptions {
  /** Most elements the tree may hold (default {@link DEFAULT_MAX_NODES}); beyond: MALFORMED_ASN1. */
  maxNodes?: number;
}

/** An identifier + length header. `length` is undefined for the indefinite form. */
export interface BerHeader {
  tagClass: TagClass;
  constructed: boolean;
  tagNumber: number;
  length: number | undefined;
  /** Size of the identifier and length octets. */
  headerLength: number;
}

/** One element of an in-memory BER tree; offsets index the buffer given to {@link parseBer}. */
export interface BerNode extends BerHeader {
  /** The whole buffer the node was parsed from. */
  buffer: Uint8Array;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first contents octet. */
  contentStart: number;
  /** Offset just after the contents (before the end-of-contents octets of an indefinite form). */
  contentEnd: number;
  /** Offset just after the whole element (after the end-of-contents octets, if any). */
  end: number;
  /** Children of a constructed element (end-of-contents markers excluded). */
  children: BerNode[];
}

function malformed(message: string): ScelleError {
  return new ScelleError('MALFORMED_ASN1', message);
}

/**
 * Decodes a header at `offset` of `bytes`, or returns `'short'` when more bytes are needed.
 * @throws ScelleError MALFORMED_ASN1 for a reserved length octet or a length beyond 2^53.
 */
export function decodeHeader(bytes: Uint8Array, offset: number, what: string): BerHeader | 'short' {
  return decodeHeaderBefore(bytes, offset, bytes.length, what);
}

/** {@link decodeHeader} reading no byte at or after `limit` (no subarray: parsing allocates little). */
function decodeHeaderBefore(bytes: Uint8Array, offset: number, limit: number, what: string): BerHeader | 'short' {
  let p = offset;
  if (p >= limit) return 'short';
  const first = bytes[p++]!;
  const tagClass = CLASSES[first >> 6]!;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit) return 'short';
      const b = bytes[p++]!;
      if (i === 0 && b === 0x80) throw malformed(`${what}: tag number with a leading zero octet (X.690 §8.1.2.4.2)`);
      if (i >= 4) throw malformed(`${what}: tag number too large`);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) return 'short';
  const l0 = bytes[p++]!;
  let length: number | undefined;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 === 0x80) {
    if (!constructed) throw malformed(`${what}: indefinite length on a primitive element (X.690 §8.1.3.2)`);
    length = undefined;
  } else {
    const n = l0 & 0x7f;
    if (n === 0x7f) throw malformed(`${what}: reserved length octet 0xFF (X.690 §8.1.3.5)`);
    if (n > 6) throw malformed(`${what}: length of ${n} octets is beyond any real file`);
    if (p + n > limit) return 'short';
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[p++]!;
  }
  return { tagClass, constructed, tagNumber, length, headerLength: p - offset };
}

/**
 * Parses exactly one BER element spanning all of `bytes` into a tree.
 * @param what - names the object in error messages ("SignerInfo", "certificate set").
 * @throws ScelleError MALFORMED_ASN1 when the bytes are truncated, nested too deeply, or followed by
 *   trailing bytes.
 */
export function parseBer(bytes: Uint8Array, what: string, options: ParseBerOptions = {}): BerNode {
  const budget = { left: options.maxNodes ?? DEFAULT_MAX_NODES, what };
  const node = parseNode(bytes, 0, bytes.length, what, 0, budget);
  if (node.end !== bytes.length) throw malformed(`${what}: ${bytes.length - node.end} trailing byte(s) after the element`);
  return node;
}

interface NodeBudget {
  left: number;
  what: string;
}

function parseNode(bytes: Uint8Array, offset: number, limit: number, what: string, depth: number, budget: NodeBudget): BerNode {
  if (depth > MAX_DEPTH) throw malformed(`${what}: nested more than ${MAX_DEPTH} levels deep`);
  if (--budget.left < 0) throw malformed(`${what}: more ASN.1 elements than any genuine ${budget.what} holds (refused to bound memory)`);
  const h = decodeHeaderBefore(bytes, offset, limit, what);
  if (h === 'short') throw malformed(`${what}: truncated (the data ends inside a header)`);
  const contentStart = offset + h.headerLength;
  const children: BerNode[] = [];
  if (h.length !== undefined) {
    const end = contentStart + h.length;
    if (end > limit) throw malformed(`${what}: truncated (an element claims ${h.length} bytes, ${limit - contentStart} remain)`);
    if (h.constructed) {
      let p = contentStart;
      while (p < end) {
        const child = parseNode(bytes, p, end, what, depth + 1, budget);
        if (isEoc(child)) throw malformed(`${what}: end-of-contents inside a definite-length element`);
        children.push(child);
        p = child.end;
      }
    }
    return berNode(h, bytes, offset, contentStart, end, end, children);
  }
  let p = contentStart;
  for (;;) {
    if (p >= limit) throw malformed(`${what}: truncated (an indefinite-length element has no end-of-contents)`);
    const child = parseNode(bytes, p, limit, what, depth + 1, budget);
    if (isEoc(child)) return berNode(h, bytes, offset, contentStart, p, child.end, children);
    children.push(child);
    p = child.end;
  }
}

/** One object shape for every node (an object spread would make each a dictionary-mode copy). */
function berNode(h: BerHeader, buffer: Uint8Array, start: number, contentStart: number, contentEnd: number, end: number, children: BerNode[]): BerNode {
  return {
    tagClass: h.tagClass,
    constructed: h.constructed,
    tagNumber: h.tagNumber,
    length: h.length,
    headerLength: h.headerLength,
    buffer,
    start,
    contentStart,
    contentEnd,
    end,
    children,
  };
}

function isEoc(h: BerHeader): boolean {
  return h.tagClass === 'universal' && h.tagNumber === 0 && !h.constructed && h.length === 0;
}

/** True when `node` has the given class and number. */
export function isTag(node: BerHeader | undefined, tagClass: TagClass, tagNumber: number): boolean {
  return node !== undefined && node.tagClass === tagClass && node.tagNumber === tagNumber;
}

/** The element's bytes exactly as encoded (identifier to end). */
export function rawBytes(node: BerNode): Uint8Array {
  return node.buffer.subarray(node.start, node.end);
}

/** Contents octets of a primitive element, or the concatenated contents of a constructed string (X.690 §8.7.3). */
export function stringContents(node: BerNode, what: string): Uint8Array {
  if (!node.constructed) return node.buffer.subarray(node.contentStart, node.contentEnd);
  const parts = node.children.map((c) => {
    if (c.tagClass !== node.tagClass || c.tagNumber !== node.tagNumber) {
      throw malformed(`${what}: a constructed string holds a segment of another type`);
    }
    return stringContents(c, what);
  });
  return concat(parts);
}

/**
 * Counts the elements of one BER element spanning `bytes` without building a tree (a header walk),
 * stopping at `limit`: lets a caller refuse a hostile input before handing it to a parser that
 * allocates per element (asn1js).
 * @returns the count, or `limit + 1` when there are more.
 * @throws ScelleError MALFORMED_ASN1 when the headers do not nest properly.
 */
export function countBerElements(bytes: Uint8Array, limit: number, what: string): number {
  let count = 0;
  const truncated = (): ScelleError => malformed(`${what}: truncated (an element claims more bytes than remain)`);
  // Returns the offset just after the element at `offset`.
  const element = (offset: number, end: number, depth: number): number => {
    if (depth > MAX_DEPTH) throw malformed(`${what}: nested more than ${MAX_DEPTH} levels deep`);
    const h = decodeHeaderBefore(bytes, offset, end, what);
    if (h === 'short') throw truncated();
    count++;
    const cs = offset + h.headerLength;
    if (h.length !== undefined) {
      const e = cs + h.length;
      if (e > end) throw truncated();
      if (h.constructed) for (let p = cs; p < e && count <= limit; ) p = element(p, e, depth + 1);
      return e;
    }
    for (let p = cs; ; ) {
      if (count > limit) return end;
      if (p + 2 <= end && bytes[p] === 0 && bytes[p + 1] === 0) return p + 2;
      if (p >= end) throw malformed(`${what}: truncated (an indefinite-length element has no end-of-contents)`);
      p = element(p, end, depth + 1);
    }
  };
  element(0, bytes.length, 0);
  return count;
}

/**
 * The encodings of the children of the one constructed element spanning `bytes`, found by walking
 * headers only (no tree): a SET of a thousand certificates becomes a thousand subarrays.
 * @throws ScelleError MALFORMED_ASN1 when the element is not constructed or malformed, or holds more
 *   than `maxChildren` elements.
 */
export function childrenOf(bytes: Uint8Array, what: string, maxChildren = 10_000): Uint8Array[] {
  const h = decodeHeaderBefore(bytes, 0, bytes.length, what);
  if (h === 'short' || !h.constructed) throw malformed(`${what}: expected a constructed element`);
  const out: Uint8Array[] = [];
  let p = h.headerLength;
  const end = h.length === undefined ? bytes.length : h.headerLength + h.length;
  if (end > bytes.length) throw malformed(`${what}: truncated`);
  for (;;) {
    if (h.length === undefined && p + 2 <= bytes.length && bytes[p] === 0 && bytes[p + 1] === 0) {
      p += 2;
      break;
    }
    if (p >= end) break;
    const start = p;
    p = elementEnd(bytes, p, end, what, 1);
    if (out.length >= maxChildren) throw malformed(`${what}: more than ${maxChildren} elements (refused to bound memory)`);
    out.push(bytes.subarray(start, p));
  }
  if (p !== bytes.length) throw malformed(`${what}: ${bytes.length - p} trailing byte(s)`);
  return out;
}

/** Offset just after the element at `offset` (header walk, nested indefinite forms included). */
function elementEnd(bytes: Uint8Array, offset: number, limit: number, what: string, depth: number): number {
  if (depth > MAX_DEPTH) throw malformed(`${what}: nested more than ${MAX_DEPTH} levels deep`);
  const h = decodeHeaderBefore(bytes, offset, limit, what);
  if (h === 'short') throw malformed(`${what}: truncated (the data ends inside a header)`);
  const cs = offset + h.headerLength;
  if (h.length !== undefined) {
    if (cs + h.length > limit) throw malformed(`${what}: truncated`);
    return cs + h.length;
  }
  for (let p = cs; ; ) {
    if (p + 2 <= limit && bytes[p] === 0 && bytes[p + 1] === 0) return p + 2;
    if (p >= limit) throw malformed(`${what}: truncated (an indefinite-length element has no end-of-contents)`);
    p = elementEnd(bytes, p, limit, what, depth + 1);
  }
}

/**
 * The value of an INTEGER's contents octets (two's complement, X.690 §8.3) as a canonical string:
 * uppercase hexadecimal of the absolute value, with a leading `-` for a negative number (the form
 * `openssl x509 -serial` prints). A redundant leading 00 / FF octet does not change the result, and a
 * negative serial number never equals the positive one with the same octets (RFC 5280 §4.1.2.2).
 */
export function integerHex(contents: Uint8Array): string {
  if (contents.length === 0) return '0';
  const negative = (contents[0]! & 0x80) !== 0;
  let v = 0n;
  for (const b of contents) v = (v << 8n) | BigInt(b);
  if (negative) v -= 1n << BigInt(contents.length * 8);
  const abs = v < 0n ? -v : v;
  const hex = abs.toString(16).toUpperCase();
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return v < 0n ? `-${even}` : even;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The dotted form of an OBJECT IDENTIFIER element. */
export function decodeOid(node: BerNode | undefined, what: string): string {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.OID) || node.constructed) {
    throw malformed(`${what}: expected an OBJECT IDENTIFIER`);
  }
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  if (b.length === 0 || (b[b.length - 1]! & 0x80) !== 0) throw malformed(`${what}: invalid OBJECT IDENTIFIER encoding`);
  const arcs: bigint[] = [];
  let v = 0n;
  let started = false;
  for (const byte of b) {
    if (!started && byte === 0x80) throw malformed(`${what}: OBJECT IDENTIFIER arc with a leading 0x80 octet`);
    started = true;
    v = (v << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
      started = false;
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Encodes a header (identifier + definite length). */
export function encodeHeader(tagClass: TagClass, constructed: boolean, tagNumber: number, length: number): Uint8Array {
  const id: number[] = [];
  const cls = CLASSES.indexOf(tagClass) << 6;
  if (tagNumber < 31) {
    id.push(cls | (constructed ? 0x20 : 0) | tagNumber);
  } else {
    id.push(cls | (constructed ? 0x20 : 0) | 0x1f);
    const groups: number[] = [];
    let n = tagNumber;
    do {
      groups.unshift(n & 0x7f);
      n = Math.floor(n / 128);
    } while (n > 0);
    groups.forEach((g, i) => id.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  if (length < 0x80) return Uint8Array.from([...id, length]);
  const lenBytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n & 0xff);
  return Uint8Array.from([...id, 0x80 | lenBytes.length, ...lenBytes]);
}

/** Universal string types whose constructed BER form becomes primitive in DER (X.690 §10.2). */
const STRING_TAGS = new Set([3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30]);

/**
 * Re-encodes a BER element as DER (X.690 §10): definite lengths, primitive strings, and the
 * elements of every SET sorted by their encodings (§11.6; for a SET of distinct tags this is the
 * tag order §10.3 asks for).
 * @throws ScelleError MALFORMED_ASN1 for a malformed constructed BIT STRING.
 */
export function encodeDer(node: BerNode, tagOverride?: { tagClass: TagClass; tagNumber: number }): Uint8Array {
  const tagClass = tagOverride?.tagClass ?? node.tagClass;
  const tagNumber = tagOverride?.tagNumber ?? node.tagNumber;
  if (!node.constructed) {
    const contents = node.buffer.subarray(node.contentStart, node.contentEnd);
    return concat([encodeHeader(tagClass, false, tagNumber, contents.length), contents]);
  }
  if (node.tagClass === 'universal' && STRING_TAGS.has(node.tagNumber)) {
    let contents = stringContents(node, 'constructed string');
    if (node.tagNumber === UNIVERSAL.BIT_STRING) contents = joinBitString(node);
    return concat([encodeHeader(tagClass, false, tagNumber, contents.length), contents]);
  }
  const sortSet = isTag(node, 'universal', UNIVERSAL.SET) || (tagOverride !== undefined && tagOverride.tagClass === 'universal' && tagOverride.tagNumber === UNIVERSAL.SET);
  if (node.length !== undefined && childrenAreDer(node, sortSet)) {
    // Already canonical below this node (what nearly every signer writes): its contents are their
    // own DER; only this node's header is rebuilt.
    const contents = node.buffer.subarray(node.contentStart, node.contentEnd);
    return concat([encodeHeader(tagClass, true, tagNumber, contents.length), contents]);
  }
  let parts = node.children.map((c) => encodeDer(c));
  if (sortSet) {
    parts = [...parts].sort(compareBytes);
  }
  const contents = concat(parts);
  return concat([encodeHeader(tagClass, true, tagNumber, contents.length), contents]);
}

/** Size of the header {@link encodeHeader} writes: the minimal identifier and length octets. */
function derHeaderLength(tagNumber: number, length: number): number {
  let n = 2;
  if (tagNumber >= 31) for (let t = tagNumber; t > 0; t = Math.floor(t / 128)) n++;
  if (length >= 0x80) for (let l = length; l > 0; l = Math.floor(l / 256)) n++;
  return n;
}

/**
 * True when {@link encodeDer} would give back `node`'s own bytes: a definite, minimal header,
 * no constructed string, every descendant likewise, and (for a SET) children already in order.
 */
function isDer(node: BerNode): boolean {
  if (node.length === undefined || node.headerLength !== derHeaderLength(node.tagNumber, node.length)) return false;
  if (!node.constructed) return true;
  if (node.tagClass === 'universal' && STRING_TAGS.has(node.tagNumber)) return false;
  return childrenAreDer(node, isTag(node, 'universal', UNIVERSAL.SET));
}

function childrenAreDer(node: BerNode, sorted: boolean): boolean {
  let previous: Uint8Array | undefined;
  for (const c of node.children) {
    if (!isDer(c)) return false;
    if (sorted) {
      const raw = rawBytes(c);
      if (previous !== undefined && compareBytes(previous, raw) > 0) return false;
      previous = raw;
    }
  }
  return true;
}

function joinBitString(node: BerNode): Uint8Array {
  // X.690 §8.6.4: each segment starts with its unused-bits octet; only the last may be non-zero.
  const segments: Uint8Array[] = [];
  const walk = (n: BerNode): void => {
    if (n.constructed) n.children.forEach(walk);
    else segments.push(n.buffer.subarray(n.contentStart, n.contentEnd));
  };
  walk(node);
  if (segments.length === 0) return Uint8Array.of(0);
  const body: Uint8Array[] = [];
  segments.forEach((s, i) => {
    if (s.length === 0 || (i < segments.length - 1 && s[0] !== 0)) throw malformed('constructed BIT STRING with a bad segment');
    body.push(s.subarray(1));
  });
  return concat([Uint8Array.of(segments[segments.length - 1]![0]!), ...body]);
}

/** Lexicographic byte order (shorter first on a common prefix), as X.690 §11.6 sorts SET OF. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Where a streamed element ends: a byte position, or an end-of-contents marker. */
export type ElementEnd = { kind: 'definite'; end: number } | { kind: 'indefinite' };

/**
 * Pulls BER from an async byte source with a bounded look-ahead: headers and small elements are
 * buffered, large contents are handed to a sink chunk by chunk (views of the source's own chunks,
 * never copied or accumulated).
 */
export class BerStreamReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #what: string;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  /** Bytes consumed so far. */
  position = 0;

  /**
   * @param source - the encoded bytes, in chunks of any size.
   * @param what - names the input in error messages.
   */
  constructor(source: AsyncIterable<Uint8Array>, what: string) {
    this.#source = source[Symbol.asyncIterator]();
    this.#what = what;
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#done) {
      const r = await this.#source.next();
      if (r.done === true) {
        this.#done = true;
        break;
      }
      const chunk = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBufferLike);
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    return this.#buffered >= n;
  }

  /** The first `n` buffered bytes (copied only when they span chunks). */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.#chunks) {
      const take = Math.min(c.length, n - o);
      out.set(c.subarray(0, take), o);
      o += take;
      if (o === n) break;
    }
    return out;
  }

  #skip(n: number): void {
    this.position += n;
    this.#buffered -= n;
    while (n > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= n) {
        this.#chunks.shift();
        n -= c.length;
      } else {
        this.#chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /** True when the source has no more bytes. */
  async atEof(): Promise<boolean> {
    return !(await this.#fill(1));
  }

  /** Decodes the next header without consuming it; undefined at end of input. */
  async peekHeader(): Promise<BerHeader | undefined> {
    for (let want = 2; ; want++) {
      const have = await this.#fill(want);
      if (this.#buffered === 0) return undefined;
      const h = decodeHeader(this.#peek(Math.min(this.#buffered, want)), 0, this.#what);
      if (h !== 'short') return h;
      if (!have) throw malformed(`${this.#what}: truncated (the data ends inside a header)`);
    }
  }

  /**
   * Consumes the next header, which must exist.
   * @throws ScelleError MALFORMED_ASN1 at end of input.
   */
  async readHeader(expect: string): Promise<BerHeader> {
    const h = await this.peekHeader();
    if (h === undefined) throw malformed(`${this.#what}: truncated (expected ${expect})`);
    this.#skip(h.headerLength);
    return h;
  }

  /** Where the element whose header was just read ends. */
  endOf(h: BerHeader): ElementEnd {
    return h.length === undefined ? { kind: 'indefinite' } : { kind: 'definite', end: this.position + h.length };
  }

  /**
   * True when the element ending at `end` has no more children; consumes the end-of-contents
   * octets of an indefinite form.
   * @throws ScelleError MALFORMED_ASN1 when a child overran a definite end.
   */
  async atEnd(end: ElementEnd): Promise<boolean> {
    if (end.kind === 'definite') {
      if (this.position > end.end) throw malformed(`${this.#what}: an element overruns its enclosing element`);
      return this.position === end.end;
    }
    if (!(await this.#fill(2))) throw malformed(`${this.#what}: truncated (an indefinite-length element has no end-of-contents)`);
    const two = this.#peek(2);
    if (two[0] === 0 && two[1] === 0) {
      this.#skip(2);
      return true;
    }
    return false;
  }

  /**
   * Requires the element to be finished here.
   * @throws ScelleError MALFORMED_ASN1 naming `what` when more children follow.
   */
  async expectEnd(end: ElementEnd, what: string): Promise<void> {
    if (!(await this.atEnd(end))) throw malformed(`${this.#what}: unexpected data at the end of ${what}`);
  }

  /**
   * Reads one whole element (header, contents, children) into memory and parses it.
   * @param maxBytes - refuse larger elements (certificates and SignerInfos are small).
   * @throws ScelleError MALFORMED_ASN1 when truncated or larger than `maxBytes`.
   */
  async readElement(what: string, maxBytes: number, parseOptions: ParseBerOptions = {}): Promise<BerNode> {
    return parseBer(await this.readRawElement(what, maxBytes), what, parseOptions);
  }

  /**
   * Reads the next whole element into memory as bytes, without building a tree (large sets of
   * certificates or CRLs are split with {@link childrenOf} and parsed one by one).
   * @throws ScelleError MALFORMED_ASN1 when it is larger than `maxBytes` or truncated.
   */
  async readRawElement(what: string, maxBytes: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    const take = async (n: number): Promise<void> => {
      total += n;
      if (total > maxBytes) throw malformed(`${this.#what}: ${what} is larger than ${maxBytes} bytes`);
      if (!(await this.#fill(n))) throw malformed(`${this.#what}: truncated inside ${what}`);
      parts.push(this.#peek(n).slice());
      this.#skip(n);
    };
    const copy = async (depth: number): Promise<void> => {
      if (depth > MAX_DEPTH) throw malformed(`${this.#what}: ${what} is nested too deeply`);
      const h = await this.peekHeader();
      if (h === undefined) throw malformed(`${this.#what}: truncated inside ${what}`);
      await take(h.headerLength);
      if (h.length !== undefined) {
        await take(h.length);
        return;
      }
      for (;;) {
        const next = await this.peekHeader();
        if (next === undefined) throw malformed(`${this.#what}: truncated inside ${what}`);
        if (isEoc(next)) {
          await take(2);
          return;
        }
        await copy(depth + 1);
      }
    };
    await copy(0);
    return concat(parts);
  }

  /**
   * Hands the next `n` bytes to `sink` as they arrive, without holding them.
   * @throws ScelleError MALFORMED_ASN1 when the input ends first.
   */
  async pipe(n: number, sink: (chunk: Uint8Array) => void): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill(1))) throw malformed(`${this.#what}: truncated (${left} byte(s) of content missing)`);
      const c = this.#chunks[0]!;
      const take = Math.min(c.length, left);
      sink(c.subarray(0, take));
      this.#skip(take);
      left -= take;
    }
  }

  /**
   * Streams the value of an OCTET STRING whose header was just read — primitive, or constructed
   * from segments (X.690 §8.7.3, nested at any depth) — into `sink`.
   * @returns the number of content bytes.
   * @throws ScelleError MALFORMED_ASN1 for a segment that is not an OCTET STRING or a truncation.
   */
  async pipeOctetString(h: BerHeader, sink: (chunk: Uint8Array) => void, depth = 0): Promise<number> {
    if (depth > MAX_DEPTH) throw malformed(`${this.#what}: constructed OCTET STRING nested too deeply`);
    if (!h.constructed) {
      await this.pipe(h.length!, sink);
      return h.length!;
    }
    const end = this.endOf(h);
    let total = 0;
    while (!(await this.atEnd(end))) {
      const seg = await this.readHeader('an OCTET STRING segment');
      if (!isTag(seg, 'universal', UNIVERSAL.OCTET_STRING)) {
        throw malformed(`${this.#what}: a constructed OCTET STRING holds a segment that is not an OCTET STRING (X.690 §8.7.3.2)`);
      }
      total += await this.pipeOctetString(seg, sink, depth + 1);
    }
    return total;
  }
}
