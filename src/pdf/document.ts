/**
 * A PDF read for signing and verifying (ISO 32000-1 §7.5 file structure, §7.7 document
 * structure): its revisions, the objects of each revision (uncompressed and in object streams,
 * §7.5.7), the catalog, the pages, the interactive form's fields.
 *
 * Why scelle reads PDFs itself rather than through a PDF library: signing appends an incremental
 * update to the exact original bytes and verifying must tell, revision by revision, which objects
 * each update wrote. Libraries such as pdf-lib parse a file into one object model and save it
 * whole; they keep neither the revisions nor the byte offsets a /ByteRange is about.
 *
 * Encrypted PDFs (a trailer /Encrypt, §7.6) are refused with PDF_ENCRYPTED: their strings and
 * streams cannot be read or written without the document's key.
 */
import { ScelleError } from '../errors.js';
import { PdfDict, PdfRef, PdfStream, PdfString, dictOf, numberOf, type PdfObject } from './objects.js';
import { decodeStream } from './filters.js';
import { PdfLexer, malformed } from './parser.js';
import { lastStartxref, readXrefChain, revisionsOf, type Revision, type XrefEntry, type XrefSection } from './xref.js';

/** Largest PDF scelle reads (it is held in memory: parsing needs random access). */
export const MAX_PDF_BYTES = 1024 * 1024 * 1024;

/** Deepest page tree followed. */
const MAX_PAGE_DEPTH = 64;

/** A page: its object and reference, with the inheritable attributes resolved (§7.7.3.4). */
export interface PdfPage {
  ref: PdfRef;
  dict: PdfDict;
  mediaBox: number[];
  cropBox: number[];
  rotate: number;
}

/** A field of the interactive form (§12.7.3), with its fully qualified name. */
export interface PdfField {
  ref?: PdfRef;
  dict: PdfDict;
  fullName: string;
  /** Field type, inherited (§12.7.3.1 Table 220): `Sig` for signature fields. */
  type?: string;
}

/** A parsed PDF: the bytes, the revisions, and object lookup in any revision. */
export class PdfDocument {
  readonly revisions: Revision[];
  /** The cross-reference sections, newest first. */
  readonly chain: XrefSection[];
  /** The newest trailer. */
  readonly trailer: PdfDict;
  /** Object table of the newest revision. */
  private readonly table: Map<number, XrefEntry>;
  private readonly cache = new Map<string, PdfObject>();
  private readonly objStreams = new Map<number, { offsets: number[]; data: Uint8Array; first: number }>();
  private scanned: Map<number, number> | undefined;

  private constructor(readonly bytes: Uint8Array) {
    this.chain = readXrefChain(bytes, lastStartxref(bytes));
    this.revisions = revisionsOf(bytes, this.chain);
    this.trailer = this.chain[0]!.trailer;
    this.table = tableOf(this.chain);
  }

  /**
   * Reads a PDF held in memory.
   * @throws ScelleError PDF_MALFORMED (not a PDF, damaged structure), PDF_ENCRYPTED,
   *   UNSUPPORTED_FORMAT (a structure stream with an unsupported filter).
   */
  static parse(bytes: Uint8Array): PdfDocument {
    const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
    if (!head.includes('%PDF-')) throw new ScelleError('PDF_MALFORMED', 'this is not a PDF file (no "%PDF-" header)', { params: { detail: 'no %PDF- header' } });
    if (bytes.length > MAX_PDF_BYTES) throw new ScelleError('UNSUPPORTED_FORMAT', `the PDF is larger than ${MAX_PDF_BYTES / 1024 / 1024} MiB`);
    const doc = new PdfDocument(bytes);
    if (doc.trailer.has('Encrypt')) {
      throw new ScelleError('PDF_ENCRYPTED', 'the PDF is encrypted (password-protected or with usage restrictions): scelle cannot sign or check it; remove the protection first (for example qpdf --decrypt)', { params: { detail: 'encrypted PDF' } });
    }
    if (!(doc.resolve(doc.trailer.get('Root')) instanceof PdfDict)) throw malformed('the trailer has no document catalog (/Root)');
    return doc;
  }

  /** The `%PDF-x.y` version of the header. */
  get headerVersion(): string {
    const m = /%PDF-(\d\.\d)/.exec(Buffer.from(this.bytes.subarray(0, 1024)).toString('latin1'));
    return m?.[1] ?? '1.4';
  }

  /** True when the newest cross-reference section is a stream (updates then use streams too). */
  get usesXrefStreams(): boolean {
    return this.chain[0]!.kind === 'stream';
  }

  /** The largest object number + 1 (the trailer /Size). */
  get size(): number {
    let max = numberOf(this.trailer.get('Size')) ?? 0;
    for (const num of this.table.keys()) max = Math.max(max, num + 1);
    return max;
  }

  /** The reference of the document catalog. */
  get rootRef(): PdfRef {
    const r = this.trailer.get('Root');
    if (!(r instanceof PdfRef)) throw malformed('the trailer /Root is not an indirect reference');
    return r;
  }

  get catalog(): PdfDict {
    return this.resolve(this.rootRef) as PdfDict;
  }

  /** Resolves references (one level at a time until a direct object); other values come back as is. */
  resolve(v: PdfObject | undefined): PdfObject | undefined {
    let cur = v;
    for (let hops = 0; cur instanceof PdfRef; hops++) {
      if (hops > 32) throw malformed('a chain of references loops');
      cur = this.getObject(cur.num, cur.gen);
    }
    return cur;
  }

  /** The object `num` in the newest revision (null when free or absent, §7.3.10). */
  getObject(num: number, gen?: number): PdfObject {
    return this.objectIn(this.table, num, gen);
  }

  /** The object `num` as a given object table (of an earlier revision) has it. */
  objectIn(table: Map<number, XrefEntry>, num: number, gen?: number): PdfObject {
    const entry = table.get(num);
    if (entry === undefined || entry.type === 'free') return null;
    const key = entry.type === 'offset' ? `o${entry.offset}` : `c${entry.stream}/${entry.index}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let value: PdfObject;
    if (entry.type === 'offset') {
      if (gen !== undefined && entry.gen !== gen) return null;
      value = this.readAt(entry.offset, num);
    } else {
      value = this.readCompressed(entry.stream, entry.index, num);
    }
    this.cache.set(key, value);
    return value;
  }

  private readAt(offset: number, num: number): PdfObject {
    try {
      const obj = new PdfLexer(this.bytes, offset, (r) => numberOf(this.getObject(r.num, r.gen))).parseIndirect();
      if (obj.num === num) return obj.value;
    } catch {
      // fall through to the scan: the offset is wrong
    }
    const found = this.scanFor(num);
    if (found === undefined) throw malformed(`object ${num} is not where the cross-reference table says (${offset})`, offset);
    return new PdfLexer(this.bytes, found, (r) => numberOf(this.getObject(r.num, r.gen))).parseIndirect().value;
  }

  /** Last `num gen obj` header in the file (damaged tables point a few bytes off). */
  private scanFor(num: number): number | undefined {
    if (this.scanned === undefined) {
      this.scanned = new Map();
      const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1');
      const re = /(?:^|[\r\n\s])(\d+)[ \t\r\n]+(\d+)[ \t\r\n]+obj\b/g;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) this.scanned.set(Number(m[1]), m.index + m[0].length - m[0].trimStart().length);
    }
    return this.scanned.get(num);
  }

  private readCompressed(streamNum: number, index: number, num: number): PdfObject {
    let os = this.objStreams.get(streamNum);
    if (os === undefined) {
      const s = this.getObject(streamNum);
      if (!(s instanceof PdfStream) || s.dict.name('Type') !== 'ObjStm') throw malformed(`object ${num} is said to be in object stream ${streamNum}, which is not one`);
      const data = decodeStream(s, (v) => this.resolve(v));
      const n = numberOf(s.dict.get('N')) ?? 0;
      const first = numberOf(s.dict.get('First')) ?? 0;
      const lex = new PdfLexer(data, 0, undefined, false);
      const offsets: number[] = [];
      for (let i = 0; i < n; i++) {
        const objNum = lex.parseObject();
        const off = lex.parseObject();
        if (typeof objNum !== 'number' || typeof off !== 'number') throw malformed(`object stream ${streamNum} has a damaged header`);
        offsets.push(off);
      }
      os = { offsets, data, first };
      this.objStreams.set(streamNum, os);
    }
    const off = os.offsets[index];
    if (off === undefined) throw malformed(`object stream ${streamNum} has no object #${index}`);
    return new PdfLexer(os.data, os.first + off, undefined, false).parseObject();
  }

  /** The object table of a revision (index into {@link revisions}). */
  tableOfRevision(index: number): Map<number, XrefEntry> {
    const rev = this.revisions[index];
    if (rev === undefined) throw new ScelleError('INTERNAL', `no revision ${index}`);
    const firstSection = this.chain.indexOf(rev.sections[0]!);
    return tableOf(this.chain.slice(firstSection));
  }

  /** The pages in order (§7.7.3). */
  pages(): PdfPage[] {
    const out: PdfPage[] = [];
    const seen = new Set<string>();
    const walk = (ref: PdfObject | undefined, inherited: { mediaBox?: number[]; cropBox?: number[]; rotate?: number }, depth: number): void => {
      if (!(ref instanceof PdfRef) || seen.has(ref.key) || depth > MAX_PAGE_DEPTH) return;
      seen.add(ref.key);
      const node = this.resolve(ref);
      if (!(node instanceof PdfDict)) return;
      const here = {
        mediaBox: this.box(node.get('MediaBox')) ?? inherited.mediaBox,
        cropBox: this.box(node.get('CropBox')) ?? inherited.cropBox,
        rotate: numberOf(this.resolve(node.get('Rotate'))) ?? inherited.rotate,
      };
      const kids = this.resolve(node.get('Kids'));
      if (node.name('Type') === 'Pages' || (Array.isArray(kids) && node.name('Type') !== 'Page')) {
        if (Array.isArray(kids)) for (const k of kids) walk(k, here, depth + 1);
        return;
      }
      const mediaBox = here.mediaBox ?? [0, 0, 612, 792];
      out.push({ ref, dict: node, mediaBox, cropBox: here.cropBox ?? mediaBox, rotate: ((here.rotate ?? 0) % 360 + 360) % 360 });
    };
    walk(this.catalog.get('Pages'), {}, 0);
    return out;
  }

  private box(v: PdfObject | undefined): number[] | undefined {
    const a = this.resolve(v);
    if (!Array.isArray(a) || a.length !== 4) return undefined;
    const n = a.map((x) => numberOf(this.resolve(x)));
    if (n.some((x) => x === undefined)) return undefined;
    const [x1, y1, x2, y2] = n as number[];
    return [Math.min(x1!, x2!), Math.min(y1!, y2!), Math.max(x1!, x2!), Math.max(y1!, y2!)];
  }

  /** The interactive form dictionary, if any. */
  acroForm(): PdfDict | undefined {
    const a = this.resolve(this.catalog.get('AcroForm'));
    return a instanceof PdfDict ? a : undefined;
  }

  /** Every terminal field of the form, depth first (§12.7.3.1). */
  fields(): PdfField[] {
    const out: PdfField[] = [];
    const seen = new Set<string>();
    const walk = (v: PdfObject | undefined, parentName: string, parentType: string | undefined, depth: number): void => {
      if (depth > MAX_PAGE_DEPTH) return;
      if (v instanceof PdfRef) {
        if (seen.has(v.key)) return;
        seen.add(v.key);
      }
      const d = dictOf(this.resolve(v));
      if (d === undefined) return;
      const partial = this.resolve(d.get('T'));
      const own = partial instanceof PdfString ? partial.text() : undefined;
      const fullName = own === undefined ? parentName : parentName === '' ? own : `${parentName}.${own}`;
      const type = d.name('FT') ?? parentType;
      const kids = this.resolve(d.get('Kids'));
      const fieldKids = Array.isArray(kids) ? kids.filter((k) => dictOf(this.resolve(k))?.has('T') === true) : [];
      if (fieldKids.length > 0) {
        for (const k of fieldKids) walk(k, fullName, type, depth + 1);
        return;
      }
      out.push({ ...(v instanceof PdfRef ? { ref: v } : {}), dict: d, fullName, ...(type !== undefined ? { type } : {}) });
    };
    const fields = this.resolve(this.acroForm()?.get('Fields'));
    if (Array.isArray(fields)) for (const f of fields) walk(f, '', undefined, 0);
    return out;
  }
}

/** Merges sections (newest first) into one object table: the newest entry of each object wins. */
function tableOf(chain: readonly XrefSection[]): Map<number, XrefEntry> {
  const table = new Map<number, XrefEntry>();
  for (const section of chain) {
    for (const [num, e] of section.entries) if (!table.has(num)) table.set(num, e);
  }
  return table;
}
