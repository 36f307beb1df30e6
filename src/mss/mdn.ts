/**
 * Message Disposition Notifications (RFC 8098) as the ANS volet "Transmission d'un document CDA en
 * HL7v2 par messagerie sécurisée de santé" structures them (struct-msg-mdn.md): the receipt that
 * tells the sender a message was shown (`displayed`), integrated (`processed`) or could not be
 * integrated (`processed/Error: code^label`).
 *
 * An MDN is `multipart/report; report-type=disposition-notification` (RFC 6522 §3) with exactly the
 * three parts the volet requires, in this order:
 * 1. `text/plain`: for a person; on error it names the code and the label;
 * 2. `message/disposition-notification` (RFC 8098 §3.1): Reporting-UA, Original-Recipient,
 *    Final-Recipient, Original-Message-ID, Disposition (`automatic-action/MDN-sent-automatically;
 *    processed` or `…; processed/Error: 902^Identifiant patient inconnu`, the volet's form), and on
 *    error the RFC 8098 §3.2.7 `Error` field with the same text;
 * 3. `message/rfc822`: the original message as received (the volet: "sans lequel elle ne pourrait
 *    ni identifier le document concerné ni le soumettre à nouveau"); its attachments (IHE_XDM.zip,
 *    the PDF) travel inside it.
 * It goes to the Disposition-Notification-To of the original (RFC 8098 §2.1), never asks for an
 * MDN itself, and its subject follows the volet ("Objet du MDN") when the original carried a CDA.
 */
import { ScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { concat } from '../crypto/asn1/ber.js';
import { canonicalizeLineBreaks, decodeBody, headerValue, parseMimeEntity, type MimeEntity, type MimeLimits } from './mime.js';
import { newBoundary } from './smime.js';
import { buildOuterMessage, type ComposedMessage } from './compose.js';
import { integrationSubject, type SubjectDocument } from './integration-errors.js';

/** What a received message asks for and what a receipt needs of it, read from its outer header fields. */
export interface ReceiptRequest {
  /** Where the MDN goes (Disposition-Notification-To); absent when no receipt was asked. */
  notifyTo?: string;
  originalMessageId: string;
  /** The original's subject, decoded. */
  subject?: string;
  /** The original's sender (where an integration-error e-mail goes when no MDN was asked). */
  from?: string;
  /** The original's recipients (To). */
  recipients: string[];
  /** The Original-Recipient field of the received message (RFC 8098 §2.3), when the MTA set one. */
  originalRecipient?: string;
  /** The original message, CRLF line breaks: the message/rfc822 part. */
  original: Uint8Array;
}

/** The disposition (RFC 8098 §3.2.6). */
export interface Disposition {
  actionMode: string;
  sendingMode: string;
  type: string;
  /** `processed/Error: 902^Identifiant patient inconnu` (the volet) or an RFC 8098 Error field. */
  error?: { code: string; label?: string };
  raw: string;
}

/** The content of an MDN (RFC 8098 §3.1). */
export interface MdnReport {
  originalMessageId?: string;
  disposition: Disposition;
  finalRecipient?: string;
  originalRecipient?: string;
  reportingUa?: string;
  /** Content types of the report's parts, in order. */
  parts: string[];
}

function addressOf(value: string): string {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  return (m ? m[1]! : value.trim()).replace(/^rfc822;\s*/i, '');
}

function addressList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((v) => addressOf(v)).filter((a) => a.includes('@'));
}

/**
 * Reads what a receipt needs of a received message. The subject is decoded with mailparser (RFC 2047).
 * @throws ScelleError MIME_MALFORMED; USAGE when the message has no Message-ID.
 */
export async function readReceiptRequest(raw: Uint8Array, name = 'the message', limits?: MimeLimits): Promise<ReceiptRequest> {
  const entity = parseMimeEntity(raw, name, limits);
  const notify = headerValue(entity.headers, 'disposition-notification-to');
  const id = headerValue(entity.headers, 'message-id');
  if (id === undefined || !/^<[^<>]+>$/.test(id.trim())) throw new ScelleError('USAGE', `${name} has no Message-ID: a receipt could not name it`, { params: { detail: 'no Message-ID' } });
  const head = entity.raw.subarray(0, entity.raw.length - entity.body.length);
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(Buffer.concat([Buffer.from(head), Buffer.from('\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const origRcpt = headerValue(entity.headers, 'original-recipient');
  const from = headerValue(entity.headers, 'from');
  return {
    ...(notify !== undefined ? { notifyTo: addressOf(notify) } : {}),
    originalMessageId: id.trim(),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    ...(from !== undefined ? { from: addressOf(from) } : {}),
    recipients: addressList(headerValue(entity.headers, 'to')),
    ...(origRcpt !== undefined ? { originalRecipient: addressOf(origRcpt) } : {}),
    original: canonicalizeLineBreaks(raw),
  };
}

/** Options of {@link buildMdn}. */
export interface BuildMdnOptions {
  request: ReceiptRequest;
  /** Who acknowledges: the recipient's address (Final-Recipient). */
  from: string;
  /**
   * `displayed` (default; manual-action/MDN-sent-manually: the practitioner showed it) or
   * `processed` (automatic-action/MDN-sent-automatically: the software integrated it, the volet's
   * receipt), `deleted`, `dispatched`.
   */
  dispositionType?: 'displayed' | 'deleted' | 'dispatched' | 'processed';
  /** With `processed`: the document could not be integrated (the volet's error codes). */
  error?: { code: string; label: string };
  /** The document and patient of the original (from its CDA): the volet's subject. */
  document?: SubjectDocument;
  /** Reporting-UA product. Default `scelle`. */
  reportingUa?: string;
  /** Sign the MDN (multipart/signed). */
  sign?: { signer: IdentityEntry; chain?: X509Cert[] };
  date?: Date;
}

function humanText(o: BuildMdnOptions, type: string, date: Date): string {
  const r = o.request;
  const subject = r.subject ?? '';
  if (o.error) {
    return [
      `Le message ci-dessous n’a pas pu être intégré automatiquement dans le DPI pour la raison suivante : ${o.error.label} (erreur ${o.error.code}^${o.error.label}).`,
      `Message « ${subject} » (${r.originalMessageId}), traité par ${o.from} le ${date.toISOString()}.`,
      `The message below could not be integrated automatically: ${o.error.code}^${o.error.label}.`,
      '',
    ].join('\r\n');
  }
  const fr = type === 'displayed' ? 'affiché' : type === 'processed' ? 'intégré (traité)' : type === 'deleted' ? 'supprimé' : 'transmis';
  return [
    `Le message « ${subject} » (${r.originalMessageId}) a été ${fr} par ${o.from} le ${date.toISOString()}.`,
    `The message "${subject}" (${r.originalMessageId}) was ${type} by ${o.from} on ${date.toISOString()}.`,
    ...(type === 'displayed' ? ['Cet accusé ne garantit pas que le contenu a été lu ou compris. / This receipt does not mean the content was read or understood.'] : []),
    '',
  ].join('\r\n');
}

/** The fields of the message/disposition-notification part (RFC 8098 §3.1–§3.2). */
function notificationFields(o: BuildMdnOptions, type: string): string {
  const automatic = type === 'processed';
  const disposition = `${automatic ? 'automatic-action/MDN-sent-automatically' : 'manual-action/MDN-sent-manually'}; ${type}${o.error ? `/Error: ${o.error.code}^${o.error.label}` : ''}`;
  return [
    `Reporting-UA: ${o.reportingUa ?? 'scelle'}`,
    `Original-Recipient: rfc822;${o.request.originalRecipient ?? o.from}`,
    `Final-Recipient: rfc822;${o.from}`,
    `Original-Message-ID: ${o.request.originalMessageId}`,
    `Disposition: ${asciiField(disposition)}`,
    ...(o.error ? [`Error: ${asciiField(`${o.error.code}^${o.error.label}`)}`] : []),
    '',
  ].join('\r\n');
}

/**
 * The machine-readable part stays US-ASCII (RFC 8098 §3.1; a UTF-8 report would be
 * message/global-disposition-notification, RFC 6533, which the volet does not name): accents and
 * typographic apostrophes of a label are written without them (« d’intégration » → « d'integration »).
 */
export function asciiField(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d\u00ab\u00bb]/g, '"').replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Builds an MDN for a received message.
 * @throws ScelleError USAGE (no Disposition-Notification-To, an error without `processed`, a bad
 *   address, signing an 8-bit original), and the signing errors.
 */
export async function buildMdn(options: BuildMdnOptions): Promise<ComposedMessage> {
  const { request } = options;
  if (request.notifyTo === undefined) throw new ScelleError('USAGE', 'the message asks for no receipt (no Disposition-Notification-To): an MDN may not be sent (RFC 8098 §2.1); an integration error goes back as an e-mail instead', { params: { detail: 'no Disposition-Notification-To' } });
  const type = options.dispositionType ?? (options.error ? 'processed' : 'displayed');
  if (options.error && type !== 'processed') throw new ScelleError('USAGE', 'an integration error is reported with the disposition "processed" (the volet: processed/Error: code^label)', { params: { detail: 'error without processed' } });
  const date = options.date ?? new Date();
  const boundary = newBoundary('scelle_mdn');
  const fields = notificationFields(options, type);
  const original = request.original;
  const originalEightBit = original.some((b) => b >= 0x80 || b === 0);
  if (options.sign && originalEightBit) {
    throw new ScelleError('USAGE', 'the original message holds 8-bit characters: a signed MDN, which carries it, must be 7-bit (RFC 8551 §3.1.2); send the receipt unsigned', { params: { detail: '8-bit original in a signed MDN' } });
  }
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  const entity = concat([
    Buffer.from([
      `Content-Type: multipart/report; report-type=disposition-notification;\r\n boundary="${boundary}"`, '',
      `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(humanText(options, type, date)),
      `--${boundary}`, 'Content-Type: message/disposition-notification', 'Content-Transfer-Encoding: 7bit', '', fields, '',
    ].join('\r\n'), 'latin1'),
    Buffer.from([`--${boundary}`, 'Content-Type: message/rfc822', `Content-Transfer-Encoding: ${originalEightBit ? '8bit' : '7bit'}`, '', ''].join('\r\n'), 'latin1'),
    original,
    // the line break before the closing delimiter belongs to the delimiter: the original stays whole
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
  const subject = options.document ? integrationSubject(options.document, options.error?.code) : `${type === 'displayed' ? 'Accusé de lecture' : 'Accusé de traitement'} : ${request.subject ?? ''}`;
  return buildOuterMessage({
    from: options.from, to: [request.notifyTo], subject, date,
    inReplyTo: request.originalMessageId, references: [request.originalMessageId],
    ...(options.sign ? { sign: options.sign } : {}),
  }, entity);
}

/** True when the entity is an MDN (multipart/report; report-type=disposition-notification). */
export function isMdn(entity: MimeEntity): boolean {
  return entity.contentType.mediaType === 'multipart/report' && (entity.contentType.params['report-type'] ?? '').toLowerCase() === 'disposition-notification';
}

/** Parses a Disposition field: mode, type, and the volet's `/Error: code^label` modifier. */
export function parseDisposition(value: string, errorField?: string): Disposition {
  const m = /^\s*([\w-]+)\s*\/\s*([\w-]+)\s*;\s*([\w-]+)\s*(?:\/\s*([\s\S]*))?$/.exec(value);
  const modifier = m?.[4]?.trim();
  const errorText = /^error\s*:\s*(.+)$/i.exec(modifier ?? '')?.[1] ?? (/^error$/i.test(modifier ?? '') || errorField !== undefined ? errorField : undefined);
  const error = errorText !== undefined ? splitError(errorText) : undefined;
  return { actionMode: m?.[1]?.toLowerCase() ?? '', sendingMode: m?.[2]?.toLowerCase() ?? '', type: m?.[3]?.toLowerCase() ?? '', ...(error ? { error } : {}), raw: value };
}

/** `902^Identifiant patient inconnu^messageErrorCondition| E^Error^errorSeverity` → code and label. */
function splitError(text: string): { code: string; label?: string } {
  const [code, label] = text.trim().split('^');
  return { code: (code ?? '').trim(), ...(label !== undefined && label.trim() !== '' ? { label: label.trim() } : {}) };
}

/**
 * Reads the disposition-notification part of an MDN.
 * @throws ScelleError MIME_MALFORMED (no message/disposition-notification part, no Disposition field).
 */
export function parseMdn(entity: MimeEntity, name = 'the message'): MdnReport {
  const part = entity.parts.find((p) => p.contentType.mediaType === 'message/disposition-notification' || p.contentType.mediaType === 'message/global-disposition-notification');
  if (part === undefined) throw new ScelleError('MIME_MALFORMED', `${name}: a disposition-notification report without its message/disposition-notification part`, { params: { file: name, detail: 'no message/disposition-notification part' } });
  const body = decodeBody(part, name);
  const fields = parseMimeEntity(concat([body, Buffer.from('\r\n\r\n', 'latin1')]), `${name}: disposition notification`).headers;
  const disposition = headerValue(fields, 'disposition');
  if (disposition === undefined) throw new ScelleError('MIME_MALFORMED', `${name}: the disposition notification has no Disposition field`, { params: { file: name, detail: 'no Disposition field' } });
  const orig = headerValue(fields, 'original-message-id')?.trim();
  const finalRecipient = headerValue(fields, 'final-recipient');
  const originalRecipient = headerValue(fields, 'original-recipient');
  const ua = headerValue(fields, 'reporting-ua');
  return {
    ...(orig ? { originalMessageId: orig } : {}),
    disposition: parseDisposition(decodeUtf8(disposition), decodeOptional(headerValue(fields, 'error'))),
    ...(finalRecipient ? { finalRecipient: addressOf(finalRecipient) } : {}),
    ...(originalRecipient ? { originalRecipient: addressOf(originalRecipient) } : {}),
    ...(ua ? { reportingUa: ua.trim() } : {}),
    parts: entity.parts.map((p) => p.contentType.mediaType),
  };
}

/** Header values are read as Latin-1 bytes; an 8-bit label is UTF-8 (RFC 6532). */
function decodeUtf8(value: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function decodeOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : decodeUtf8(value);
}
