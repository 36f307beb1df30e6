/**
 * Reading an IHE XDM package (ITI TF-1 §16, ITI TF-3 §4.2.1.1): every document against its
 * DocumentEntry — present, size, SHA-1 (`hash`), SHA-256 when given — and, for a CDA R2 document,
 * its header against its metadata (typeCode, uniqueId, patientId, creationTime, confidentialityCode,
 * title: the mapping of src/mss/xdm-metadata.ts). Files under IHE_XDM/ that no entry describes are
 * reported. Zip entry names are checked like any archive's (no `..`, no absolute paths), sizes are
 * bounded (ARCHIVE_BOMB).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isScelleError, type ErrorCode } from '../errors.js';
import { ZipReader } from '../crypto/zip/reader.js';
import { safeSegments } from '../crypto/zip/names.js';
import { descendants, parseXml, type XmlElement } from './xml.js';
import { parseCdaHeader, tsToDtm, type CdaHeader } from './cda.js';
import { FILE_NAME_SLOT, SHA256_SLOT, XDS, cdaPatientId, cdaUniqueId, patientCx } from './xdm-metadata.js';

/** One problem found in a package. */
export interface XdmProblem {
  code: ErrorCode;
  message: string;
}

/** One document of a package, as checked. */
export interface XdmDocumentReport {
  /** Path in the zip (`IHE_XDM/SUBSET01/DOC00001.PDF`). */
  path: string;
  /** The entry's title (the original file name, or a CDA's title), when given. */
  title?: string;
  /** The file name the sender gave (`urn:scelle:fileName`), when given. */
  fileName?: string;
  mimeType?: string;
  /** Declared in METADATA.XML. */
  declared: { size?: number; sha1?: string; sha256?: string; typeCode?: string; uniqueId?: string; patientId?: string };
  /** Measured on the bytes (absent when the file is missing). */
  actual?: { size: number; sha1: string; sha256: string };
  /** The header of a CDA R2 document. */
  cda?: CdaHeader;
  ok: boolean;
  problems: XdmProblem[];
  /** The document's bytes (absent when missing). */
  content?: Uint8Array;
}

/** The verdict on a package. */
export interface XdmReport {
  ok: boolean;
  /** Every problem, documents' included. */
  problems: XdmProblem[];
  submissionSet?: { uniqueId?: string; submissionTime?: string; title?: string; author?: string; patientId?: string; intendedRecipients: string[] };
  documents: XdmDocumentReport[];
}

/** Options of {@link checkXdmPackage}. */
export interface CheckXdmOptions {
  /** Names the package in messages. Default `IHE_XDM.zip`. */
  name?: string;
  /** Folder for the temporary copy the zip reader needs (removed afterwards). Default the OS's. */
  tempDir?: string;
  /** Most bytes of documents read in all. Default 512 MiB. */
  maxTotalBytes?: number;
}

type Entry = ZipReader['entries'][number];

/** The open package: its files by upper-case path, and a reader bounded by the byte budget. */
interface Opened {
  name: string;
  files: Map<string, Entry>;
  read: (key: string) => Promise<Uint8Array>;
}

/**
 * Opens an XDM package and checks every document against METADATA.XML. Negative findings are in
 * the report (never thrown): XDM_MISMATCH (missing file, size, hash, undeclared file, bad metadata,
 * CDA header that contradicts its metadata), CDA_INVALID, UNSAFE_PATH, ARCHIVE_BOMB.
 * @throws ScelleError MALFORMED_ARCHIVE / TRUNCATED when the bytes are not a readable zip, IO_ERROR.
 */
export async function checkXdmPackage(zipBytes: Uint8Array, options: CheckXdmOptions = {}): Promise<XdmReport> {
  const name = options.name ?? 'IHE_XDM.zip';
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'scelle-xdm-'));
  try {
    const path = join(dir, 'package.zip');
    await writeFile(path, zipBytes, { mode: 0o600 });
    const reader = await ZipReader.open(path);
    try {
      const problems: XdmProblem[] = [];
      const opened = openFiles(reader, name, options.maxTotalBytes ?? 512 * 1024 * 1024, problems);
      return await checkOpened(opened, problems);
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function openFiles(reader: ZipReader, name: string, budget: number, problems: XdmProblem[]): Opened {
  const files = new Map<string, Entry>();
  for (const e of reader.entries) {
    if (e.directory) continue;
    try {
      files.set(safeSegments(e.name).join('/').toUpperCase(), e);
    } catch (err) {
      if (!isScelleError(err)) throw err;
      problems.push({ code: err.code, message: `${name}: ${err.message}` });
    }
  }
  let remaining = budget;
  const read = async (key: string): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    for await (const c of reader.readEntry(files.get(key)!, { maxBytes: remaining })) {
      parts.push(Uint8Array.from(c));
      remaining -= c.length;
    }
    return Buffer.concat(parts);
  };
  return { name, files, read };
}

async function checkOpened(opened: Opened, problems: XdmProblem[]): Promise<XdmReport> {
  const { name, files } = opened;
  const metaKeys = [...files.keys()].filter((k) => /^IHE_XDM\/[^/]+\/METADATA\.XML$/.test(k));
  if (metaKeys.length === 0) {
    problems.push({ code: 'XDM_MISMATCH', message: `${name}: no IHE_XDM/<subset>/METADATA.XML: not an IHE XDM package` });
    return { ok: false, problems, documents: [] };
  }
  const documents: XdmDocumentReport[] = [];
  const described = new Set<string>(metaKeys);
  let submissionSet: XdmReport['submissionSet'];
  for (const metaKey of metaKeys) {
    let root: XmlElement;
    try {
      root = parseXml(new TextDecoder('utf-8', { fatal: false }).decode(await opened.read(metaKey)), `${name}: ${metaKey}`);
    } catch (err) {
      if (!isScelleError(err)) throw err;
      problems.push({ code: err.code, message: err.message });
      continue;
    }
    submissionSet ??= submissionSetOf(root);
    const entries = descendants(root, 'ExtrinsicObject');
    if (entries.length === 0) problems.push({ code: 'XDM_MISMATCH', message: `${name}: ${metaKey} describes no document` });
    const subset = metaKey.slice(0, metaKey.lastIndexOf('/'));
    for (const eo of entries) documents.push(await checkEntry(opened, subset, eo, described));
  }
  for (const key of files.keys()) {
    if (key.startsWith('IHE_XDM/') && !described.has(key)) problems.push({ code: 'XDM_MISMATCH', message: `${name}: "${key}" is in the package but not described in METADATA.XML` });
  }
  for (const d of documents) problems.push(...d.problems);
  return { ok: problems.length === 0, problems, ...(submissionSet ? { submissionSet } : {}), documents };
}

function submissionSetOf(root: XmlElement): XdmReport['submissionSet'] {
  const ss = descendants(root, 'RegistryPackage')[0];
  if (ss === undefined) return undefined;
  const ssAuthor = ss.children.find((c) => c.local === 'Classification' && c.attributes.classificationScheme === XDS.ssAuthor);
  return {
    ...optional('uniqueId', externalIdValue(ss, XDS.ssUniqueId)),
    ...optional('submissionTime', slotValues(ss, 'submissionTime')[0]),
    ...optional('title', titleOf(ss)),
    ...optional('author', ssAuthor ? slotValues(ssAuthor, 'authorPerson')[0] : undefined),
    ...optional('patientId', externalIdValue(ss, XDS.ssPatientId)),
    intendedRecipients: slotValues(ss, 'intendedRecipient').map((v) => v.slice(v.lastIndexOf('^') + 1)),
  };
}

function declaredOf(eo: XmlElement): XdmDocumentReport['declared'] {
  const sizeText = slotValues(eo, 'size')[0];
  const typeCode = eo.children.find((c) => c.local === 'Classification' && c.attributes.classificationScheme === XDS.docTypeCode)?.attributes.nodeRepresentation;
  return {
    ...optional('size', sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined),
    ...optional('sha1', slotValues(eo, 'hash')[0]?.toLowerCase()),
    ...optional('sha256', slotValues(eo, SHA256_SLOT)[0]?.toLowerCase()),
    ...optional('typeCode', typeCode),
    ...optional('uniqueId', externalIdValue(eo, XDS.docUniqueId)),
    ...optional('patientId', externalIdValue(eo, XDS.docPatientId)),
  };
}

async function checkEntry(opened: Opened, subset: string, eo: XmlElement, described: Set<string>): Promise<XdmDocumentReport> {
  const uri = slotValues(eo, 'URI')[0];
  const title = titleOf(eo);
  const fileName = slotValues(eo, FILE_NAME_SLOT)[0];
  const declared = declaredOf(eo);
  const label = `"${uri ?? '?'}"${fileName ?? title ? ` (${fileName ?? title})` : ''}`;
  const report: XdmDocumentReport = { path: uri ? `${subset}/${uri}` : subset, ...optional('title', title), ...optional('fileName', fileName), ...optional('mimeType', eo.attributes.mimeType), declared, ok: true, problems: [] };
  const fail = (code: ErrorCode, message: string): void => {
    report.ok = false;
    report.problems.push({ code, message: `${opened.name}: document ${label}: ${message}` });
  };
  if (uri === undefined) {
    fail('XDM_MISMATCH', 'its DocumentEntry has no URI slot');
    return report;
  }
  let key: string;
  try {
    key = `${subset}/${safeSegments(uri).join('/')}`.toUpperCase();
  } catch (err) {
    if (!isScelleError(err)) throw err;
    fail('UNSAFE_PATH', err.message);
    return report;
  }
  report.path = key;
  described.add(key);
  if (declared.sha1 === undefined) fail('XDM_MISMATCH', 'its DocumentEntry has no hash slot');
  if (declared.size === undefined) fail('XDM_MISMATCH', 'its DocumentEntry has no valid size slot');
  if (!opened.files.has(key)) {
    fail('XDM_MISMATCH', 'the file is missing from the package');
    return report;
  }
  let content: Uint8Array;
  try {
    content = await opened.read(key);
  } catch (err) {
    if (!isScelleError(err)) throw err;
    fail(err.code === 'ARCHIVE_BOMB' ? 'ARCHIVE_BOMB' : 'XDM_MISMATCH', err.message);
    return report;
  }
  const actual = { size: content.length, sha1: createHash('sha1').update(content).digest('hex'), sha256: createHash('sha256').update(content).digest('hex') };
  report.actual = actual;
  report.content = content;
  if (declared.size !== undefined && declared.size !== actual.size) fail('XDM_MISMATCH', `size ${actual.size} bytes, METADATA.XML says ${declared.size}`);
  if (declared.sha1 !== undefined && declared.sha1 !== actual.sha1) fail('XDM_MISMATCH', `SHA-1 ${actual.sha1}, METADATA.XML says ${declared.sha1}`);
  if (declared.sha256 !== undefined && declared.sha256 !== actual.sha256) fail('XDM_MISMATCH', `SHA-256 ${actual.sha256}, METADATA.XML says ${declared.sha256}`);
  if (isCdaCandidate(report.mimeType, content)) checkCda(report, eo, content, key, fail);
  return report;
}

/** An XML document whose root element is a ClinicalDocument (checked on the first bytes only). */
function isCdaCandidate(mimeType: string | undefined, content: Uint8Array): boolean {
  if (mimeType !== undefined && !/xml/i.test(mimeType)) return false;
  const head = Buffer.from(content.subarray(0, 4096)).toString('utf8');
  return /<(?:[\w.-]+:)?ClinicalDocument[\s>]/.test(head);
}

/** The CDA header against its DocumentEntry (the mapping of src/mss/xdm-metadata.ts). */
function checkCda(report: XdmDocumentReport, eo: XmlElement, content: Uint8Array, key: string, fail: (code: ErrorCode, message: string) => void): void {
  let cda: CdaHeader;
  try {
    cda = parseCdaHeader(content, key);
  } catch (err) {
    if (!isScelleError(err)) throw err;
    // Declared as a typed document (typeCode): it had to be a usable CDA. Otherwise it is just an XML file.
    if (report.declared.typeCode !== undefined) fail(err.code, err.message);
    return;
  }
  report.cda = cda;
  const d = report.declared;
  const mismatch = (what: string, metadata: string | undefined, header: string | undefined): void => {
    if (metadata !== header) fail('XDM_MISMATCH', `${what}: METADATA.XML says ${metadata ?? '(nothing)'}, the CDA header says ${header ?? '(nothing)'}`);
  };
  mismatch('typeCode', d.typeCode, cda.code.code);
  mismatch('uniqueId', d.uniqueId, cdaUniqueId(cda.id));
  const pid = cdaPatientId(cda);
  if (d.patientId !== undefined || pid !== undefined) mismatch('patientId', d.patientId, pid ? patientCx(pid) : undefined);
  const created = slotValues(eo, 'creationTime')[0];
  mismatch('creationTime', created, tsToDtm(cda.effectiveTime));
  const conf = eo.children.find((c) => c.local === 'Classification' && c.attributes.classificationScheme === XDS.docConfidentialityCode)?.attributes.nodeRepresentation;
  if (conf !== undefined || cda.confidentiality !== undefined) mismatch('confidentialityCode', conf, cda.confidentiality?.code);
  mismatch('title', report.title, cda.title);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function externalIdValue(el: XmlElement, scheme: string): string | undefined {
  return el.children.find((c) => c.local === 'ExternalIdentifier' && c.attributes.identificationScheme === scheme)?.attributes.value;
}

function slotValues(el: XmlElement, slotName: string): string[] {
  const s = el.children.find((c) => c.local === 'Slot' && c.attributes.name === slotName);
  if (s === undefined) return [];
  return descendants(s, 'Value').map((v) => v.text.trim());
}

function titleOf(el: XmlElement): string | undefined {
  const n = el.children.find((c) => c.local === 'Name');
  return n ? descendants(n, 'LocalizedString')[0]?.attributes.value : undefined;
}
