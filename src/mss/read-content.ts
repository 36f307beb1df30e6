/**
 * The content of a message once its S/MIME layers are peeled: the text to show, the attachments
 * with their SHA-256, an IHE XDM package checked document by document, and the parts of a read
 * receipt (MDN). Decoding (charsets, RFC 2047 / RFC 2231 names, HTML to text) is mailparser's,
 * on the innermost entity only, after its signature was checked.
 */
import { createHash } from 'node:crypto';
import { isScelleError } from '../errors.js';
import type { MimeEntity } from './mime.js';
import { decodeHeaderlessText, type TextSource } from './body.js';
import { checkXdmPackage, type XdmReport } from './xdm.js';
import { isMdn } from './mdn.js';
import type { MessageAttachment, MessageProblem } from './read-types.js';

/** What {@link readContent} found. */
export interface MessageContent {
  text?: string;
  textSource?: TextSource;
  hasHtml: boolean;
  attachments: MessageAttachment[];
  xdm?: XdmReport;
  problems: MessageProblem[];
}

/** Parts of an MDN that are the report itself, not attachments (RFC 8098 §3, RFC 6522 §3). */
const REPORT_PARTS = /^(message\/(global-)?disposition-notification|text\/rfc822-headers|message\/rfc822|message\/global)$/;

/**
 * Reads the innermost entity of a message.
 * @throws ScelleError what mailparser's input checks throw (never for content it can decode).
 */
export async function readContent(entity: MimeEntity, name: string, tempDir?: string): Promise<MessageContent> {
  const out: MessageContent = { hasHtml: false, attachments: [], problems: [] };
  if (entity.headerless) {
    out.text = decodeHeaderlessText(entity.body).replace(/\r\n/g, '\n');
    out.textSource = 'headerless';
    return out;
  }
  const { simpleParser } = await import('mailparser');
  // HTML is converted to text (never rendered); links keep their target beside the text.
  const bytes = withExplicitHeaders(entity);
  const body = await simpleParser(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipHtmlToText: false, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  out.hasHtml = typeof body.html === 'string' && body.html.length > 0;
  if (body.text) {
    out.text = body.text;
    out.textSource = out.hasHtml && !hasPlainPart(entity) ? 'html' : 'plain';
  }
  const mdn = isMdn(entity);
  let n = 0;
  for (const a of body.attachments) {
    n++;
    const contentType = (a.contentType ?? 'application/octet-stream').toLowerCase();
    if (mdn && REPORT_PARTS.test(contentType)) continue;
    const content: Uint8Array = a.content;
    const fileName = a.filename ?? `piece-jointe-${n}`;
    out.attachments.push({ fileName, contentType, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), content, integrity: 'not-signed' });
    if (/^ihe_xdm\.zip$/i.test(fileName) && out.xdm === undefined) out.xdm = await xdmOf(content, `${name}: ${fileName}`, out.problems, tempDir);
  }
  if (out.xdm) out.problems.push(...out.xdm.problems);
  return out;
}

/**
 * The entity's bytes for mailparser, with a `Content-Type: text/plain` header block written in
 * front of every body part that had none (mailparser would read its first lines as header fields).
 * The charset is UTF-8 when the bytes are valid UTF-8, else Windows-1252. Unchanged when no part
 * is headerless (the usual case).
 */
function withExplicitHeaders(entity: MimeEntity): Uint8Array {
  if (!hasHeaderless(entity)) return entity.raw;
  if (entity.headerless) {
    const charset = isUtf8(entity.body) ? 'utf-8' : 'windows-1252';
    return Buffer.concat([Buffer.from(`Content-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`, 'latin1'), entity.raw]);
  }
  const boundary = entity.contentType.params.boundary!;
  const head = entity.raw.subarray(0, entity.raw.length - entity.body.length);
  const chunks: Uint8Array[] = [head];
  for (const part of entity.parts) chunks.push(Buffer.from(`--${boundary}\r\n`, 'latin1'), withExplicitHeaders(part), Buffer.from('\r\n', 'latin1'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

function hasHeaderless(entity: MimeEntity): boolean {
  return entity.headerless === true || entity.parts.some(hasHeaderless);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** True when the entity has a text/plain leaf that is not an attachment. */
function hasPlainPart(entity: MimeEntity): boolean {
  if (entity.parts.length === 0) {
    const disposition = entity.headers.find((h) => h.name.toLowerCase() === 'content-disposition')?.value ?? '';
    return entity.contentType.mediaType === 'text/plain' && !/^\s*attachment/i.test(disposition);
  }
  return entity.parts.some(hasPlainPart);
}

async function xdmOf(content: Uint8Array, label: string, problems: MessageProblem[], tempDir?: string): Promise<XdmReport | undefined> {
  try {
    return await checkXdmPackage(content, { name: label, ...(tempDir ? { tempDir } : {}) });
  } catch (e) {
    if (!isScelleError(e)) throw e;
    problems.push({ code: 'XDM_MISMATCH', message: `${label} is not a readable zip: ${e.message}` });
    return undefined;
  }
}
