/**
 * IHE XDM packages (IHE ITI TF-1 §16, ITI TF-3 §4.2.3.2 and §4.2.1.1), the way MSSanté carries
 * documents: an `IHE_XDM.zip` attachment holding
 *
 * ```
 * INDEX.HTM                       what is in the package, for a person with a browser
 * README.TXT                      who made it, with what
 * IHE_XDM/SUBSET01/METADATA.XML   ebRIM 3.0 SubmitObjectsRequest: one SubmissionSet, one
 *                                 DocumentEntry per document, HasMember associations
 * IHE_XDM/SUBSET01/DOC00001.PDF   the documents, ISO 9660 8.3 names (ITI TF-1 §16.1.2)
 * ```
 *
 * Each DocumentEntry carries the slots `hash` (SHA-1, lowercase hex, as XDS.b requires: ITI TF-3
 * Table 4.2.3.2-1), `size`, `URI` (the file name inside the subset), `creationTime`,
 * `languageCode`, plus `urn:scelle:sha256` (an extension slot, ITI TF-3 §4.2.3.1.7: SHA-1 is kept
 * for conformance, SHA-256 is what scelle trusts). The original file name is the entry's title.
 *
 * Reading checks every document against its entry — present, size, SHA-1, SHA-256 when given —
 * and names each mismatch (XDM_MISMATCH). Zip entry names are checked like any archive's
 * (no `..`, no absolute paths), and sizes are bounded (ARCHIVE_BOMB).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import { ZipWriter } from '../crypto/zip/writer.js';
import { ZipReader } from '../crypto/zip/reader.js';
import { safeSegments } from '../crypto/zip/names.js';
import { descendants, escapeXml, parseXml, type XmlElement } from './xml.js';

/** The attachment name MSSanté uses for an XDM package. */
export const XDM_ATTACHMENT_NAME = 'IHE_XDM.zip';

/** ebRIM / XDS identifiers (ITI TF-3 §4.2.5, Table 4.2.5-1). */
const XDS = {
  documentEntryType: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  docAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  docFormatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  docUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  docPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  hasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
  approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
};
/** OID of the RPPS in French national identifiers (ANS): authors as `8RPPS^NAME^GIVEN^^^^^^&1.2.250.1.71.4.2.1&ISO`. */
const RPPS_AUTHORITY = '1.2.250.1.71.4.2.1';
/** The extension slot for SHA-256 (ITI TF-3 §4.2.3.1.7: extra slots are named `urn:…`). */
export const SHA256_SLOT = 'urn:scelle:sha256';

/** One document to package. */
export interface XdmDocumentInput {
  /** The original file name (kept as the entry's title; the file in the zip gets an 8.3 name). */
  fileName: string;
  content: Uint8Array;
  /** Default from the extension (pdf, xml, txt…), else application/octet-stream. */
  mimeType?: string;
}

/** Options of {@link buildXdmPackage}. */
export interface BuildXdmOptions {
  documents: XdmDocumentInput[];
  /** The author: the practitioner (from the signature certificate). */
  author?: { familyName?: string; givenName?: string; idNat?: string; email?: string };
  /** intendedRecipient: MSSanté addresses of the recipients. */
  recipients?: string[];
  /** Title of the submission set (the message subject). */
  title?: string;
  /** Patient identifier in CX form (`ID^^^&OID&ISO`), when known. */
  patientId?: string;
  /** sourceId OID of the submitting system. Default: a 2.25 OID made from a fresh UUID. */
  sourceId?: string;
  /** The submission time. Default now. */
  now?: Date;
  /** The name of the software, for README.TXT. */
  software?: string;
}

/** What {@link buildXdmPackage} made. */
export interface XdmPackage {
  /** The zip bytes (`IHE_XDM.zip`). */
  zip: Uint8Array;
  /** The METADATA.XML text. */
  metadata: string;
  submissionSetUniqueId: string;
  documents: { fileName: string; uri: string; size: number; sha1: string; sha256: string; uniqueId: string; mimeType: string }[];
}

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf', xml: 'text/xml', txt: 'text/plain', htm: 'text/html', html: 'text/html',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', tif: 'image/tiff', tiff: 'image/tiff', rtf: 'text/rtf',
};

const FORMAT_CODE: Record<string, string> = {
  'application/pdf': 'urn:ihe:iti:xds-sd:pdf:2008',
  'text/plain': 'urn:ihe:iti:xds-sd:text:2008',
};

function extOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

/** A 2.25 OID (ITU-T X.667) from a random UUID: unique without a registered root. */
function uuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
}

/** DTM (HL7 v2) in UTC, to the second: `20261123081603`. */
function dtm(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function slot(name: string, values: string[]): string {
  return `<rim:Slot name="${escapeXml(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${escapeXml(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
}

function localized(value: string): string {
  return `<rim:Name><rim:LocalizedString charset="UTF-8" xml:lang="fr-FR" value="${escapeXml(value)}"/></rim:Name>`;
}

function externalId(scheme: string, object: string, value: string, label: string): string {
  return `<rim:ExternalIdentifier id="urn:uuid:${randomUUID()}" identificationScheme="${scheme}" registryObject="${object}" value="${escapeXml(value)}">${localized(label)}</rim:ExternalIdentifier>`;
}

function authorXcn(a: NonNullable<BuildXdmOptions['author']>): string {
  const id = a.idNat ?? '';
  return `${id}^${a.familyName ?? ''}^${a.givenName ?? ''}^^^^^^${id ? `&${RPPS_AUTHORITY}&ISO` : ''}`;
}

/**
 * Builds an `IHE_XDM.zip` for the documents (plain zip: the message's S/MIME envelope protects it).
 * @throws ScelleError USAGE (no document, or too many for 8.3 names).
 */
export async function buildXdmPackage(options: BuildXdmOptions): Promise<XdmPackage> {
  if (options.documents.length === 0) throw new ScelleError('USAGE', 'an XDM package needs at least one document');
  if (options.documents.length > 99_999) throw new ScelleError('USAGE', 'an XDM package holds at most 99 999 documents');
  const now = options.now ?? new Date();
  const ssId = `urn:uuid:${randomUUID()}`;
  const ssUniqueId = uuidOid();
  const docs = options.documents.map((d, i) => {
    const ext = extOf(d.fileName);
    const mimeType = d.mimeType ?? MIME_BY_EXT[ext] ?? 'application/octet-stream';
    const uri = `DOC${String(i + 1).padStart(5, '0')}${ext ? `.${ext.toUpperCase().slice(0, 3)}` : ''}`;
    return {
      fileName: d.fileName, content: d.content, mimeType, uri,
      entryUUID: `urn:uuid:${randomUUID()}`, uniqueId: uuidOid(),
      size: d.content.length,
      sha1: createHash('sha1').update(d.content).digest('hex'),
      sha256: createHash('sha256').update(d.content).digest('hex'),
    };
  });
  const author = options.author;
  const entries = docs.map((d) => [
    `<rim:ExtrinsicObject id="${d.entryUUID}" mimeType="${escapeXml(d.mimeType)}" objectType="${XDS.documentEntryType}" status="${XDS.approved}">`,
    slot('creationTime', [dtm(now)]),
    slot('hash', [d.sha1]),
    slot('size', [String(d.size)]),
    slot('URI', [d.uri]),
    slot('languageCode', ['fr-FR']),
    slot(SHA256_SLOT, [d.sha256]),
    localized(d.fileName),
    author ? `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${XDS.docAuthor}" classifiedObject="${d.entryUUID}" nodeRepresentation="">${slot('authorPerson', [authorXcn(author)])}${author.email ? slot('authorTelecommunication', [`^^Internet^${author.email}`]) : ''}</rim:Classification>` : '',
    FORMAT_CODE[d.mimeType] ? `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${XDS.docFormatCode}" classifiedObject="${d.entryUUID}" nodeRepresentation="${FORMAT_CODE[d.mimeType]}">${slot('codingScheme', ['1.3.6.1.4.1.19376.1.2.3'])}</rim:Classification>` : '',
    options.patientId ? externalId(XDS.docPatientId, d.entryUUID, options.patientId, 'XDSDocumentEntry.patientId') : '',
    externalId(XDS.docUniqueId, d.entryUUID, d.uniqueId, 'XDSDocumentEntry.uniqueId'),
    '</rim:ExtrinsicObject>',
  ].filter((s) => s !== '').join('\n'));
  const ss = [
    `<rim:RegistryPackage id="${ssId}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage" status="${XDS.approved}">`,
    slot('submissionTime', [dtm(now)]),
    ...(options.recipients && options.recipients.length > 0 ? [slot('intendedRecipient', options.recipients.map((r) => `||^^Internet^${r}`))] : []),
    ...(options.title ? [localized(options.title)] : []),
    author ? `<rim:Classification id="urn:uuid:${randomUUID()}" classificationScheme="${XDS.ssAuthor}" classifiedObject="${ssId}" nodeRepresentation="">${slot('authorPerson', [authorXcn(author)])}${author.email ? slot('authorTelecommunication', [`^^Internet^${author.email}`]) : ''}</rim:Classification>` : '',
    externalId(XDS.ssUniqueId, ssId, ssUniqueId, 'XDSSubmissionSet.uniqueId'),
    externalId(XDS.ssSourceId, ssId, options.sourceId ?? uuidOid(), 'XDSSubmissionSet.sourceId'),
    ...(options.patientId ? [externalId(XDS.ssPatientId, ssId, options.patientId, 'XDSSubmissionSet.patientId')] : []),
    '</rim:RegistryPackage>',
    `<rim:Classification id="urn:uuid:${randomUUID()}" classifiedObject="${ssId}" classificationNode="${XDS.submissionSetNode}"/>`,
    ...docs.map((d) => `<rim:Association id="urn:uuid:${randomUUID()}" associationType="${XDS.hasMember}" sourceObject="${ssId}" targetObject="${d.entryUUID}">${slot('SubmissionSetStatus', ['Original'])}</rim:Association>`),
  ].filter((s) => s !== '').join('\n');
  const metadata = `<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
<rim:RegistryObjectList>
${entries.join('\n')}
${ss}
</rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
`;
  const rows = docs.map((d) => `<tr><td><a href="IHE_XDM/SUBSET01/${d.uri}">${escapeXml(d.fileName)}</a></td><td>${escapeXml(d.mimeType)}</td><td>${d.size}</td><td><code>${d.sha256}</code></td></tr>`).join('\n');
  const index = `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>${escapeXml(options.title ?? 'Documents')}</title></head>
<body>
<h1>${escapeXml(options.title ?? 'Documents')}</h1>
<p>Paquet IHE XDM — ${escapeXml(now.toISOString())}${author ? ` — ${escapeXml(`${author.givenName ?? ''} ${author.familyName ?? ''}`.trim())}` : ''}</p>
<table><tr><th>Document</th><th>Type</th><th>Taille (octets)</th><th>SHA-256</th></tr>
${rows}
</table>
<p>Métadonnées : <a href="IHE_XDM/SUBSET01/METADATA.XML">IHE_XDM/SUBSET01/METADATA.XML</a></p>
</body></html>
`;
  const readme = [
    'IHE XDM package (IHE ITI TF-1 section 16) / Paquet IHE XDM',
    `Made by / produit par : ${options.software ?? 'scelle'}`,
    `Date : ${now.toISOString()}`,
    ...(author ? [`Author / auteur : ${`${author.givenName ?? ''} ${author.familyName ?? ''}`.trim()}${author.idNat ? ` (${author.idNat})` : ''}${author.email ? ` <${author.email}>` : ''}`] : []),
    '',
    'Contents / contenu : INDEX.HTM, IHE_XDM/SUBSET01/METADATA.XML and / et :',
    ...docs.map((d) => `  IHE_XDM/SUBSET01/${d.uri}  ${d.fileName}  ${d.size} bytes  SHA-1 ${d.sha1}`),
    '',
  ].join('\r\n');
  const chunks: Uint8Array[] = [];
  const zip = new ZipWriter(async (c) => {
    chunks.push(Uint8Array.from(c));
  }, { level: 6 });
  const meta = (name: string): { name: string; mtime: Date } => ({ name, mtime: now });
  const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
  await zip.addBytes(meta('INDEX.HTM'), utf8(index));
  await zip.addBytes(meta('README.TXT'), utf8(readme));
  await zip.addDirectory(meta('IHE_XDM/'));
  await zip.addDirectory(meta('IHE_XDM/SUBSET01/'));
  await zip.addBytes(meta('IHE_XDM/SUBSET01/METADATA.XML'), utf8(metadata));
  for (const d of docs) await zip.addBytes(meta(`IHE_XDM/SUBSET01/${d.uri}`), d.content);
  await zip.finish();
  return {
    zip: Buffer.concat(chunks),
    metadata,
    submissionSetUniqueId: ssUniqueId,
    documents: docs.map(({ fileName, uri, size, sha1, sha256, uniqueId, mimeType }) => ({ fileName, uri, size, sha1, sha256, uniqueId, mimeType })),
  };
}

/** One problem found in a package. */
export interface XdmProblem {
  code: ErrorCode;
  message: string;
}

/** One document of a package, as checked. */
export interface XdmDocumentReport {
  /** Path in the zip (`IHE_XDM/SUBSET01/DOC00001.PDF`). */
  path: string;
  /** The entry's title (the original file name), when given. */
  title?: string;
  mimeType?: string;
  /** Declared in METADATA.XML. */
  declared: { size?: number; sha1?: string; sha256?: string };
  /** Measured on the bytes (absent when the file is missing). */
  actual?: { size: number; sha1: string; sha256: string };
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
  submissionSet?: { uniqueId?: string; submissionTime?: string; title?: string; author?: string; intendedRecipients: string[] };
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

/**
 * Opens an XDM package and checks every document against METADATA.XML. Negative findings are in
 * the report (never thrown): XDM_MISMATCH (missing file, size, hash, undeclared file, bad metadata),
 * UNSAFE_PATH, ARCHIVE_BOMB.
 * @throws ScelleError MALFORMED_ARCHIVE / TRUNCATED when the bytes are not a readable zip, IO_ERROR.
 */
export async function checkXdmPackage(zipBytes: Uint8Array, options: CheckXdmOptions = {}): Promise<XdmReport> {
  const name = options.name ?? XDM_ATTACHMENT_NAME;
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'scelle-xdm-'));
  try {
    const path = join(dir, 'package.zip');
    await writeFile(path, zipBytes, { mode: 0o600 });
    const reader = await ZipReader.open(path);
    try {
      return await checkOpened(reader, name, options.maxTotalBytes ?? 512 * 1024 * 1024);
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkOpened(reader: ZipReader, name: string, budget: number): Promise<XdmReport> {
  const problems: XdmProblem[] = [];
  const files = new Map<string, (typeof reader.entries)[number]>();
  for (const e of reader.entries) {
    if (e.directory) continue;
    try {
      const segs = safeSegments(e.name);
      files.set(segs.join('/').toUpperCase(), e);
    } catch (err) {
      if (!isScelleError(err)) throw err;
      problems.push({ code: err.code, message: `${name}: ${err.message}` });
    }
  }
  let remaining = budget;
  const read = async (key: string): Promise<Uint8Array> => {
    const entry = files.get(key)!;
    const parts: Uint8Array[] = [];
    for await (const c of reader.readEntry(entry, { maxBytes: remaining })) {
      parts.push(Uint8Array.from(c));
      remaining -= c.length;
    }
    return Buffer.concat(parts);
  };
  const metaKeys = [...files.keys()].filter((k) => /^IHE_XDM\/[^/]+\/METADATA\.XML$/.test(k));
  if (metaKeys.length === 0) {
    problems.push({ code: 'XDM_MISMATCH', message: `${name}: no IHE_XDM/<subset>/METADATA.XML: not an IHE XDM package` });
    return { ok: false, problems, documents: [] };
  }
  const documents: XdmDocumentReport[] = [];
  const described = new Set<string>();
  let submissionSet: XdmReport['submissionSet'];
  for (const metaKey of metaKeys) {
    const subset = metaKey.slice(0, metaKey.lastIndexOf('/'));
    described.add(metaKey);
    let root: XmlElement;
    try {
      root = parseXml(new TextDecoder('utf-8', { fatal: false }).decode(await read(metaKey)), `${name}: ${metaKey}`);
    } catch (err) {
      if (!isScelleError(err)) throw err;
      problems.push({ code: err.code, message: err.message });
      continue;
    }
    const ss = descendants(root, 'RegistryPackage')[0];
    if (ss !== undefined && submissionSet === undefined) {
      const ext = (scheme: string): string | undefined => ss.children.find((c) => c.local === 'ExternalIdentifier' && c.attributes.identificationScheme === scheme)?.attributes.value;
      const ssAuthor = ss.children.find((c) => c.local === 'Classification' && c.attributes.classificationScheme === XDS.ssAuthor);
      submissionSet = {
        ...optional('uniqueId', ext(XDS.ssUniqueId)),
        ...optional('submissionTime', slotValues(ss, 'submissionTime')[0]),
        ...optional('title', titleOf(ss)),
        ...optional('author', ssAuthor ? slotValues(ssAuthor, 'authorPerson')[0] : undefined),
        intendedRecipients: slotValues(ss, 'intendedRecipient').map((v) => v.slice(v.lastIndexOf('^') + 1)),
      };
    }
    const entries = descendants(root, 'ExtrinsicObject');
    if (entries.length === 0) problems.push({ code: 'XDM_MISMATCH', message: `${name}: ${metaKey} describes no document` });
    for (const eo of entries) {
      const uri = slotValues(eo, 'URI')[0];
      const title = titleOf(eo);
      const sizeText = slotValues(eo, 'size')[0];
      const declared = {
        ...optional('size', sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined),
        ...optional('sha1', slotValues(eo, 'hash')[0]?.toLowerCase()),
        ...optional('sha256', slotValues(eo, SHA256_SLOT)[0]?.toLowerCase()),
      };
      const label = `"${uri ?? '?'}"${title ? ` (${title})` : ''}`;
      const report: XdmDocumentReport = { path: uri ? `${subset}/${uri}` : subset, ...optional('title', title), ...optional('mimeType', eo.attributes.mimeType), declared, ok: true, problems: [] };
      documents.push(report);
      const fail = (code: ErrorCode, message: string): void => {
        report.ok = false;
        report.problems.push({ code, message: `${name}: document ${label}: ${message}` });
      };
      if (uri === undefined) {
        fail('XDM_MISMATCH', 'its DocumentEntry has no URI slot');
        continue;
      }
      let key: string;
      try {
        key = `${subset}/${safeSegments(uri).join('/')}`.toUpperCase();
      } catch (err) {
        if (!isScelleError(err)) throw err;
        fail('UNSAFE_PATH', err.message);
        continue;
      }
      report.path = key;
      described.add(key);
      if (declared.sha1 === undefined) fail('XDM_MISMATCH', 'its DocumentEntry has no hash slot');
      if (declared.size === undefined) fail('XDM_MISMATCH', 'its DocumentEntry has no valid size slot');
      if (!files.has(key)) {
        fail('XDM_MISMATCH', 'the file is missing from the package');
        continue;
      }
      let content: Uint8Array;
      try {
        content = await read(key);
      } catch (err) {
        if (!isScelleError(err)) throw err;
        fail(err.code === 'ARCHIVE_BOMB' ? 'ARCHIVE_BOMB' : 'XDM_MISMATCH', err.message);
        continue;
      }
      const actual = {
        size: content.length,
        sha1: createHash('sha1').update(content).digest('hex'),
        sha256: createHash('sha256').update(content).digest('hex'),
      };
      report.actual = actual;
      report.content = content;
      if (declared.size !== undefined && declared.size !== actual.size) fail('XDM_MISMATCH', `size ${actual.size} bytes, METADATA.XML says ${declared.size}`);
      if (declared.sha1 !== undefined && declared.sha1 !== actual.sha1) fail('XDM_MISMATCH', `SHA-1 ${actual.sha1}, METADATA.XML says ${declared.sha1}`);
      if (declared.sha256 !== undefined && declared.sha256 !== actual.sha256) fail('XDM_MISMATCH', `SHA-256 ${actual.sha256}, METADATA.XML says ${declared.sha256}`);
    }
  }
  for (const key of files.keys()) {
    if (key.startsWith('IHE_XDM/') && !described.has(key)) {
      problems.push({ code: 'XDM_MISMATCH', message: `${name}: "${key}" is in the package but not described in METADATA.XML` });
    }
  }
  for (const d of documents) problems.push(...d.problems);
  return { ok: problems.length === 0, problems, ...(submissionSet ? { submissionSet } : {}), documents };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
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
