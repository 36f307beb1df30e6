/**
 * IHE XDM packages (IHE ITI TF-1 §16, ITI TF-3 §4.2.3.2 and §4.2.1.1), the way MSSanté carries
 * documents: an `IHE_XDM.zip` attachment holding
 *
 * ```
 * INDEX.HTM                       what is in the package, for a person with a browser
 * README.TXT                      who made it, with what
 * IHE_XDM/SUBSET01/METADATA.XML   ebRIM 3.0 SubmitObjectsRequest (src/mss/xdm-metadata.ts)
 * IHE_XDM/SUBSET01/DOC00001.XML   the documents, ISO 9660 8.3 names (ITI TF-1 §16.1.2)
 * ```
 *
 * Each DocumentEntry carries the slots `hash` (SHA-1, lowercase hex, as XDS.b requires: ITI TF-3
 * Table 4.2.3.2-1), `size`, `URI` (the file name inside the subset), `creationTime`,
 * `languageCode`, plus `urn:scelle:sha256` and `urn:scelle:fileName` (extension slots, ITI TF-3
 * §4.2.3.1.7: SHA-1 is kept for conformance, SHA-256 is what scelle trusts). A CDA R2 document
 * (given with its parsed header) gets the metadata of its header: see src/mss/xdm-metadata.ts.
 *
 * Reading (src/mss/xdm-check.ts) checks every document against its entry and every CDA header
 * against its metadata.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { ZipWriter } from '../crypto/zip/writer.js';
import { escapeXml } from './xml.js';
import type { CdaHeader } from './cda.js';
import { cdaPatientId, documentEntry, patientCx, submissionSet, type EntryInput, type XdmAuthor } from './xdm-metadata.js';

export { SHA256_SLOT, FILE_NAME_SLOT } from './xdm-metadata.js';
export { checkXdmPackage } from './xdm-check.js';
export type { XdmProblem, XdmDocumentReport, XdmReport, CheckXdmOptions } from './xdm-check.js';

/** The attachment name MSSanté uses for an XDM package. */
export const XDM_ATTACHMENT_NAME = 'IHE_XDM.zip';

/** One document to package. */
export interface XdmDocumentInput {
  /** The original file name (kept in `urn:scelle:fileName`; the file in the zip gets an 8.3 name). */
  fileName: string;
  content: Uint8Array;
  /** Default from the extension (pdf, xml, txt…), else application/octet-stream; `text/xml` for a CDA. */
  mimeType?: string;
  /** The CDA header when the document is a CDA R2 document: its metadata come from it. */
  cda?: CdaHeader;
}

/** Options of {@link buildXdmPackage}. */
export interface BuildXdmOptions {
  documents: XdmDocumentInput[];
  /** The author when no CDA header names one: the practitioner (from the signature certificate). */
  author?: XdmAuthor;
  /** intendedRecipient: MSSanté addresses of the recipients. */
  recipients?: string[];
  /** Title of the submission set (the message subject). */
  title?: string;
  /** Patient identifier in CX form (`ID^^^&OID&ISO^NH`) for documents that are not CDA. */
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
  documents: { fileName: string; uri: string; size: number; sha1: string; sha256: string; uniqueId: string; mimeType: string; cdaCode?: string }[];
}

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf', xml: 'text/xml', txt: 'text/plain', htm: 'text/html', html: 'text/html',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', tif: 'image/tiff', tiff: 'image/tiff', rtf: 'text/rtf',
};

function extOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

/** A 2.25 OID (ITU-T X.667) from a random UUID: unique without a registered root. */
function uuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
}

function entriesOf(documents: XdmDocumentInput[]): (EntryInput & { content: Uint8Array })[] {
  return documents.map((d, i) => {
    const ext = d.cda ? 'xml' : extOf(d.fileName);
    const mimeType = d.cda ? 'text/xml' : d.mimeType ?? MIME_BY_EXT[ext] ?? 'application/octet-stream';
    return {
      fileName: d.fileName, content: d.content, mimeType,
      uri: `DOC${String(i + 1).padStart(5, '0')}${ext ? `.${ext.toUpperCase().slice(0, 3)}` : ''}`,
      entryUUID: `urn:uuid:${randomUUID()}`, uniqueId: uuidOid(),
      size: d.content.length,
      sha1: createHash('sha1').update(d.content).digest('hex'),
      sha256: createHash('sha256').update(d.content).digest('hex'),
      ...(d.cda ? { cda: d.cda } : {}),
    };
  });
}

/** The submission set's patient: the one patient every CDA names (IHE: one patient per submission set). */
function submissionPatient(documents: XdmDocumentInput[], given: string | undefined): string | undefined {
  const ids = [...new Set(documents.filter((d) => d.cda).map((d) => cdaPatientId(d.cda!)).filter((i) => i !== undefined).map((i) => patientCx(i!)))];
  if (ids.length > 1) throw new ScelleError('USAGE', `the CDA documents are about different patients (${ids.join(', ')}): send one message per patient (IHE XDM: one patient per submission set)`, { params: { detail: 'CDA documents about different patients' } });
  return ids[0] ?? given;
}

/**
 * Builds an `IHE_XDM.zip` for the documents (plain zip: the message's S/MIME envelope protects it).
 * @throws ScelleError USAGE (no document, too many for 8.3 names, CDA documents of different patients).
 */
export async function buildXdmPackage(options: BuildXdmOptions): Promise<XdmPackage> {
  if (options.documents.length === 0) throw new ScelleError('USAGE', 'an XDM package needs at least one document');
  if (options.documents.length > 99_999) throw new ScelleError('USAGE', 'an XDM package holds at most 99 999 documents');
  const now = options.now ?? new Date();
  const ssId = `urn:uuid:${randomUUID()}`;
  const ssUniqueId = uuidOid();
  const docs = entriesOf(options.documents);
  const patientId = submissionPatient(options.documents, options.patientId);
  const entryOptions = { now, ...(options.author ? { author: options.author } : {}), ...(options.patientId ? { patientId: options.patientId } : {}) };
  const entries = docs.map((d) => documentEntry(d, entryOptions));
  const ss = submissionSet({
    id: ssId, uniqueId: ssUniqueId, sourceId: options.sourceId ?? uuidOid(), now,
    ...(options.title ? { title: options.title } : {}),
    ...(options.recipients ? { recipients: options.recipients } : {}),
    ...(options.author ? { author: options.author } : {}),
    ...(patientId ? { patientId } : {}),
    ...(docs.find((d) => d.cda)?.cda ? { firstCda: docs.find((d) => d.cda)!.cda! } : {}),
  }, docs.map((d) => d.entryUUID));
  const metadata = `<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
<rim:RegistryObjectList>
${entries.join('\n')}
${ss}
</rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
`;
  const zip = await writeZip(docs, metadata, now, options);
  return {
    zip,
    metadata,
    submissionSetUniqueId: ssUniqueId,
    documents: docs.map(({ fileName, uri, size, sha1, sha256, uniqueId, mimeType, cda }) => ({ fileName, uri, size, sha1, sha256, uniqueId, mimeType, ...(cda ? { cdaCode: cda.code.code } : {}) })),
  };
}

async function writeZip(docs: (EntryInput & { content: Uint8Array })[], metadata: string, now: Date, options: BuildXdmOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const zip = new ZipWriter(async (c) => {
    chunks.push(Uint8Array.from(c));
  }, { level: 6 });
  const meta = (name: string): { name: string; mtime: Date } => ({ name, mtime: now });
  const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
  await zip.addBytes(meta('INDEX.HTM'), utf8(indexHtml(docs, now, options)));
  await zip.addBytes(meta('README.TXT'), utf8(readme(docs, now, options)));
  await zip.addDirectory(meta('IHE_XDM/'));
  await zip.addDirectory(meta('IHE_XDM/SUBSET01/'));
  await zip.addBytes(meta('IHE_XDM/SUBSET01/METADATA.XML'), utf8(metadata));
  for (const d of docs) await zip.addBytes(meta(`IHE_XDM/SUBSET01/${d.uri}`), d.content);
  await zip.finish();
  return Buffer.concat(chunks);
}

function who(options: BuildXdmOptions): string {
  const a = options.author;
  return a ? `${a.givenName ?? ''} ${a.familyName ?? ''}`.trim() : '';
}

function indexHtml(docs: EntryInput[], now: Date, options: BuildXdmOptions): string {
  const rows = docs.map((d) => `<tr><td><a href="IHE_XDM/SUBSET01/${d.uri}">${escapeXml(d.cda ? `${d.cda.title} (${d.fileName})` : d.fileName)}</a></td><td>${escapeXml(d.mimeType)}</td><td>${d.size}</td><td><code>${d.sha256}</code></td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>${escapeXml(options.title ?? 'Documents')}</title></head>
<body>
<h1>${escapeXml(options.title ?? 'Documents')}</h1>
<p>Paquet IHE XDM — ${escapeXml(now.toISOString())}${who(options) ? ` — ${escapeXml(who(options))}` : ''}</p>
<table><tr><th>Document</th><th>Type</th><th>Taille (octets)</th><th>SHA-256</th></tr>
${rows}
</table>
<p>Métadonnées : <a href="IHE_XDM/SUBSET01/METADATA.XML">IHE_XDM/SUBSET01/METADATA.XML</a></p>
</body></html>
`;
}

function readme(docs: EntryInput[], now: Date, options: BuildXdmOptions): string {
  const a = options.author;
  return [
    'IHE XDM package (IHE ITI TF-1 section 16) / Paquet IHE XDM',
    `Made by / produit par : ${options.software ?? 'scelle'}`,
    `Date : ${now.toISOString()}`,
    ...(a ? [`Author / auteur : ${who(options)}${a.idNat ? ` (${a.idNat})` : ''}${a.email ? ` <${a.email}>` : ''}`] : []),
    '',
    'Contents / contenu : INDEX.HTM, IHE_XDM/SUBSET01/METADATA.XML and / et :',
    ...docs.map((d) => `  IHE_XDM/SUBSET01/${d.uri}  ${d.fileName}  ${d.size} bytes  SHA-1 ${d.sha1}`),
    '',
  ].join('\r\n');
}

