/**
 * What each incremental update changed (ISO 32000-1 §7.5.6, §12.8.2.2 DocMDP; ETSI EN 319 142-1
 * §5.4 long-term validation data): every object an update writes is compared with the previous
 * revision and classified.
 *
 * Allowed after a signature, because they change nothing a reader sees:
 * - `signature`: a new signature field (merged with its widget or with widget kids), its signature
 *   dictionary and appearance, the form's /Fields and /SigFlags, the page's /Annots gaining it;
 * - `document-timestamp`: the same for a document time-stamp;
 * - `validation-data`: the DSS and what it holds, the catalog's /DSS and /Extensions;
 * - `metadata`: the document information dictionary or the catalog's XMP /Metadata (shown, not
 *   counted as content).
 * Anything else — page contents, a page's other entries, new or deleted pages, annotations, form
 * values, an object deleted — is `content`: the document a reader shows is no longer the one signed.
 */
import type { PdfDocument } from './document.js';
import { PdfDict, PdfRef, PdfStream, PdfString, dictOf, type PdfObject } from './objects.js';
import type { XrefEntry } from './xref.js';
import { serialize } from './writer.js';

/** How one object of an update was classified. */
export type ChangeKind = 'signature' | 'document-timestamp' | 'validation-data' | 'metadata' | 'content';

/** The changes of one revision. */
export interface RevisionChanges {
  /** Index of the revision (0 is the original document). */
  revision: number;
  /** Offset of the end of the revision. */
  end: number;
  /** The kinds found, most serious last (`content` when any object is content). */
  kinds: ChangeKind[];
  /** Content changes, described ("page 1: its contents", "object 12 deleted"). */
  content: string[];
  /** Field names of signatures and time-stamps the revision added. */
  added: string[];
}

/** Keys not followed when collecting what a new field or the DSS owns (they point back into the document). */
const BACK_LINKS = new Set(['P', 'Parent', 'Data', 'Dest', 'A', 'AA', 'Next', 'First', 'Last', 'Prev']);
/** Most objects collected from one root (a hostile file could link everything to everything). */
const MAX_COLLECT = 100_000;

interface RevisionView {
  doc: PdfDocument;
  prev: Map<number, XrefEntry>;
  cur: Map<number, XrefEntry>;
  written: Set<number>;
}

const same = (a: PdfObject, b: PdfObject): boolean => Buffer.compare(Buffer.from(serialize(a)), Buffer.from(serialize(b))) === 0;

/** Objects written by the revision reachable from `v` (not through back links). */
function collect(view: RevisionView, v: PdfObject | undefined, into: Set<number>): void {
  const stack: PdfObject[] = v === undefined ? [] : [v];
  while (stack.length > 0 && into.size < MAX_COLLECT) {
    const x = stack.pop()!;
    if (x instanceof PdfRef) {
      if (!view.written.has(x.num) || into.has(x.num)) continue;
      into.add(x.num);
      stack.push(view.doc.objectIn(view.cur, x.num));
    } else if (Array.isArray(x)) {
      stack.push(...x);
    } else if (x instanceof PdfDict || x instanceof PdfStream) {
      const d = x instanceof PdfStream ? x.dict : x;
      for (const [k, val] of d.map) if (!BACK_LINKS.has(k)) stack.push(val);
    }
  }
}

/** Object numbers reachable from `v` in `table` (not through back links). */
function reachable(view: RevisionView, table: Map<number, XrefEntry>, v: PdfObject | undefined): Set<number> {
  const out = new Set<number>();
  const stack: PdfObject[] = v === undefined ? [] : [v];
  while (stack.length > 0 && out.size < MAX_COLLECT) {
    const x = stack.pop()!;
    if (x instanceof PdfRef) {
      if (out.has(x.num)) continue;
      out.add(x.num);
      stack.push(view.doc.objectIn(table, x.num));
    } else if (Array.isArray(x)) {
      stack.push(...x);
    } else if (x instanceof PdfDict) {
      for (const [k, val] of x.map) if (!BACK_LINKS.has(k)) stack.push(val);
    }
  }
  return out;
}

function resolveIn(view: RevisionView, table: Map<number, XrefEntry>, v: PdfObject | undefined): PdfObject | undefined {
  let cur = v;
  for (let i = 0; cur instanceof PdfRef && i < 32; i++) cur = view.doc.objectIn(table, cur.num);
  return cur;
}

/** Signature fields with a value in `table` (by field object number, or their widgets' numbers). */
function signedFields(view: RevisionView, table: Map<number, XrefEntry>): Map<string, { refs: PdfRef[]; dict: PdfDict; timestamp: boolean; name: string }> {
  const out = new Map<string, { refs: PdfRef[]; dict: PdfDict; timestamp: boolean; name: string }>();
  const catalog = dictOf(resolveIn(view, table, view.doc.rootRef));
  const acro = dictOf(resolveIn(view, table, catalog?.get('AcroForm')));
  const fields = resolveIn(view, table, acro?.get('Fields'));
  const stack: { v: PdfObject; name: string; depth: number }[] = Array.isArray(fields) ? fields.map((v) => ({ v, name: '', depth: 0 })) : [];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const { v, name, depth } = stack.pop()!;
    if (depth > 32) continue;
    if (v instanceof PdfRef) {
      if (seen.has(v.num)) continue;
      seen.add(v.num);
    }
    const d = dictOf(resolveIn(view, table, v));
    if (d === undefined) continue;
    const t = resolveIn(view, table, d.get('T'));
    const own = t instanceof PdfString ? t.text() : undefined;
    const full = own === undefined ? name : name === '' ? own : `${name}.${own}`;
    const kids = resolveIn(view, table, d.get('Kids'));
    if (Array.isArray(kids) && kids.some((k) => dictOf(resolveIn(view, table, k))?.has('T') === true)) {
      for (const k of kids) stack.push({ v: k, name: full, depth: depth + 1 });
      continue;
    }
    const sig = dictOf(resolveIn(view, table, d.get('V')));
    if (d.name('FT') !== 'Sig' || sig === undefined || !(v instanceof PdfRef)) continue;
    const refs = [v, ...(Array.isArray(kids) ? kids.filter((k): k is PdfRef => k instanceof PdfRef) : [])];
    out.set(`${v.num}`, { refs, dict: d, timestamp: sig.name('Type') === 'DocTimeStamp' || sig.name('SubFilter') === 'ETSI.RFC3161', name: full });
  }
  return out;
}

/** Keys of two dictionaries whose values differ. */
function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  return [...keys].filter((k) => {
    const x = a.get(k);
    const y = b.get(k);
    return x === undefined || y === undefined || !same(x, y);
  });
}

/** True when `after` is `before` with only refs from `allowed` added (nothing removed or reordered). */
function onlyAdded(before: PdfObject | undefined, after: PdfObject | undefined, allowed: Set<number>): boolean {
  const a = Array.isArray(before) ? before : before === undefined ? [] : undefined;
  if (a === undefined || !Array.isArray(after) || after.length < a.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, after[i]!)) return false;
  return after.slice(a.length).every((x) => x instanceof PdfRef && allowed.has(x.num));
}

/** Plain words for an object that changed the content. */
function describe(view: RevisionView, num: number, value: PdfObject, pages: Map<number, number>): string {
  const page = pages.get(num);
  if (page !== undefined) return `page ${page}`;
  const d = dictOf(value);
  const type = d?.name('Type') ?? d?.name('Subtype');
  if (value === null) return `object ${num} deleted`;
  if (type !== undefined) return `object ${num} (${type})`;
  return `object ${num}${value instanceof PdfStream ? ' (a stream)' : ''}`;
}

/**
 * Classifies what revision `index` (≥ 1) changed relative to the revision before it.
 */
export function revisionChanges(doc: PdfDocument, index: number): RevisionChanges {
  const rev = doc.revisions[index]!;
  const prev = doc.tableOfRevision(index - 1);
  const cur = doc.tableOfRevision(index);
  const written = new Set<number>();
  const containers = new Set<number>();
  for (const s of rev.sections) {
    for (const [num] of s.entries) written.add(num);
    if (s.streamNum !== undefined) containers.add(s.streamNum);
  }
  const view: RevisionView = { doc, prev, cur, written };
  // Object streams and cross-reference streams only carry other objects.
  for (const num of written) {
    const v = doc.objectIn(cur, num);
    if (v instanceof PdfStream && (v.dict.name('Type') === 'ObjStm' || v.dict.name('Type') === 'XRef')) containers.add(num);
  }
  const allowed = new Map<number, ChangeKind>();
  const added: string[] = [];
  let fieldKind: ChangeKind = 'signature';
  const before = signedFields(view, prev);
  const newWidgets = new Set<number>();
  for (const [key, f] of signedFields(view, cur)) {
    if (before.has(key)) continue;
    added.push(f.name);
    const kind: ChangeKind = f.timestamp ? 'document-timestamp' : 'signature';
    if (added.length === 1 || kind === 'signature') fieldKind = kind;
    const owned = new Set<number>();
    for (const r of f.refs) {
      newWidgets.add(r.num);
      owned.add(r.num);
      collect(view, resolveIn(view, cur, r), owned);
    }
    for (const n of owned) allowed.set(n, kind);
  }
  const catalogNow = dictOf(resolveIn(view, cur, doc.rootRef));
  const catalogBefore = dictOf(resolveIn(view, prev, doc.rootRef));
  const dssOwned = new Set<number>();
  collect(view, catalogNow?.get('DSS'), dssOwned);
  for (const n of dssOwned) if (!allowed.has(n)) allowed.set(n, 'validation-data');
  // An existing object may be rewritten as validation data only if it already belonged to the DSS.
  const dssBefore = reachable(view, prev, catalogBefore?.get('DSS'));
  const newFieldNums = new Set(newWidgets);
  const pageNumbers = new Map<number, number>();
  doc.pages().forEach((p, i) => pageNumbers.set(p.ref.num, i + 1));

  const content: string[] = [];
  const kinds = new Set<ChangeKind>();
  const infoRef = doc.trailer.get('Info');
  for (const num of [...written].sort((a, b) => a - b)) {
    if (containers.has(num)) continue;
    const now = doc.objectIn(cur, num);
    const was = doc.objectIn(prev, num);
    if (was !== null && now !== null && same(was, now)) continue;
    const kind = allowed.get(num);
    if (kind !== undefined && was === null) {
      kinds.add(kind);
      continue;
    }
    if (kind === 'validation-data' && now !== null && dssBefore.has(num)) {
      kinds.add(kind);
      continue;
    }
    // A signature field that was there unsigned and now has its value (and appearance).
    if (kind !== undefined && newFieldNums.has(num) && dictOf(was) !== undefined && dictOf(now) !== undefined
      && changedKeys(dictOf(was)!, dictOf(now)!).every((k) => k === 'V' || k === 'AP')) {
      kinds.add(kind);
      continue;
    }
    const classified = classifyChanged(view, num, was, now, { catalogBefore, catalogNow, newFieldNums, infoRef, allowed });
    // The form and the page gaining a field are part of what the field is.
    const verdict = classified === 'signature' ? fieldKind : classified;
    if (verdict === 'content') content.push(describe(view, num, now, pageNumbers));
    kinds.add(verdict);
  }
  const order: ChangeKind[] = ['metadata', 'validation-data', 'signature', 'document-timestamp', 'content'];
  return { revision: index, end: rev.end, kinds: order.filter((k) => kinds.has(k)), content, added };
}

interface ChangeContext {
  catalogBefore: PdfDict | undefined;
  catalogNow: PdfDict | undefined;
  newFieldNums: Set<number>;
  infoRef: PdfObject | undefined;
  allowed: Map<number, ChangeKind>;
}

/** An existing object rewritten: the catalog, the form, a page's /Annots, /Fields arrays, /Info. */
function classifyChanged(view: RevisionView, num: number, was: PdfObject, now: PdfObject, c: ChangeContext): ChangeKind {
  if (was === null || now === null) return 'content';
  if (num === view.doc.rootRef.num && c.catalogBefore !== undefined && c.catalogNow !== undefined) {
    const keys = changedKeys(c.catalogBefore, c.catalogNow);
    const bad = keys.filter((k) => !['AcroForm', 'DSS', 'Extensions', 'Metadata', 'Version'].includes(k));
    if (bad.length > 0) return 'content';
    if (keys.includes('AcroForm') && !formChangeAllowed(view, c.catalogBefore.get('AcroForm'), c.catalogNow.get('AcroForm'), c.newFieldNums)) return 'content';
    if (keys.includes('Metadata')) return 'metadata';
    return keys.includes('DSS') || keys.includes('Extensions') ? 'validation-data' : 'signature';
  }
  if (c.infoRef instanceof PdfRef && c.infoRef.num === num) return 'metadata';
  const acroRef = c.catalogNow?.get('AcroForm');
  if (acroRef instanceof PdfRef && acroRef.num === num) {
    return formChangeAllowed(view, was, now, c.newFieldNums) ? 'signature' : 'content';
  }
  const wasDict = dictOf(was);
  const nowDict = dictOf(now);
  if (wasDict instanceof PdfDict && nowDict instanceof PdfDict && !(now instanceof PdfStream)) {
    const keys = changedKeys(wasDict, nowDict);
    // A page (or any annotated object) gaining the new signature widgets in its /Annots.
    if (keys.length === 1 && keys[0] === 'Annots' && onlyAdded(resolveIn(view, view.prev, wasDict.get('Annots')), nowDict.get('Annots'), c.newFieldNums)) return 'signature';
    return 'content';
  }
  // An indirect /Annots or /Fields array gaining the new signature fields.
  if (Array.isArray(was) && onlyAdded(was, now, c.newFieldNums)) return 'signature';
  if (now instanceof PdfStream && now.dict.name('Type') === 'Metadata') return 'metadata';
  return 'content';
}

/** The form may only gain the new signature fields, /SigFlags, and default resources. */
function formChangeAllowed(view: RevisionView, was: PdfObject | undefined, now: PdfObject | undefined, newFields: Set<number>): boolean {
  const a = dictOf(resolveIn(view, view.prev, was)) ?? new PdfDict();
  const b = dictOf(resolveIn(view, view.cur, now));
  if (b === undefined) return false;
  for (const k of changedKeys(a, b)) {
    if (k === 'SigFlags' || k === 'DR' || k === 'DA') continue;
    if (k === 'Fields') {
      const before = resolveIn(view, view.prev, a.get('Fields'));
      const after = b.get('Fields');
      // An indirect /Fields array is judged as its own object.
      if (after instanceof PdfRef && a.get('Fields') instanceof PdfRef && (a.get('Fields') as PdfRef).num === after.num) continue;
      if (!onlyAdded(before, resolveIn(view, view.cur, after), newFields)) return false;
      continue;
    }
    return false;
  }
  return true;
}

/** The kind names a document reader should worry about. */
export const isContentChange = (c: RevisionChanges): boolean => c.kinds.includes('content');
