/**
 * Message Disposition Notifications (RFC 8098): the read receipts MSSanté uses as proof that a
 * message was received and shown.
 *
 * An MDN is `multipart/report; report-type=disposition-notification` (RFC 6522) with three parts:
 * a human-readable text, a `message/disposition-notification` part (Reporting-UA, Final-Recipient,
 * Original-Message-ID, Disposition: `manual-action/MDN-sent-manually; displayed`, §3.2), and the
 * original header fields (`text/rfc822-headers`). It is addressed to the Disposition-Notification-To
 * of the original (§2.1), never asks for an MDN itself (§2.1), and may be signed like any message.
 */
import { ScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { concat } from '../crypto/asn1/ber.js';
import { decodeBody, headerValue, parseMimeEntity, type MimeEntity, type MimeLimits } from './mime.js';
import { signMimeEntity, newBoundary } from './smime.js';
import { joinMessage, splitMessage, type ComposedMessage } from './compose.js';

/** What a received message asks for, read from its outer header fields. */
export interface ReceiptRequest {
  /** Where the MDN goes (Disposition-Notification-To). */
  notifyTo: string;
  originalMessageId: string;
  /** The original's subject, decoded. */
  subject?: string;
  /** The original's recipients (To). */
  recipients: string[];
  /** The original's header block (7-bit only), for the text/rfc822-headers part. */
  headerBlock?: string;
}

/** The content of an MDN (RFC 8098 §3.1). */
export interface MdnReport {
  originalMessageId?: string;
  /** `manual-action/MDN-sent-manually; displayed` → action mode, sending mode, type. */
  disposition: { actionMode: string; sendingMode: string; type: string; raw: string };
  finalRecipient?: string;
  originalRecipient?: string;
  reportingUa?: string;
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
 * Reads what a received message asks for. The subject is decoded with mailparser (RFC 2047).
 * @throws ScelleError MIME_MALFORMED; USAGE when the message asks for no receipt or has no Message-ID.
 */
export async function readReceiptRequest(raw: Uint8Array, name = 'the message', limits?: MimeLimits): Promise<ReceiptRequest> {
  const entity = parseMimeEntity(raw, name, limits);
  const notify = headerValue(entity.headers, 'disposition-notification-to');
  const id = headerValue(entity.headers, 'message-id');
  if (notify === undefined) throw new ScelleError('USAGE', `${name} asks for no read receipt (no Disposition-Notification-To)`, { params: { detail: 'no Disposition-Notification-To' } });
  if (id === undefined || !/^<[^<>]+>$/.test(id.trim())) throw new ScelleError('USAGE', `${name} has no Message-ID: a receipt could not name it`, { params: { detail: 'no Message-ID' } });
  const headerEnd = Buffer.from(raw).indexOf('\r\n\r\n');
  const alt = headerEnd === -1 ? Buffer.from(raw).indexOf('\n\n') : headerEnd;
  const block = alt === -1 ? undefined : Buffer.from(raw).toString('latin1', 0, alt);
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(Buffer.from(`${block ?? ''}\r\n\r\n`, 'latin1'), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  return {
    notifyTo: addressOf(notify),
    originalMessageId: id.trim(),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    recipients: addressList(headerValue(entity.headers, 'to')),
    // text/rfc822-headers must stay 7-bit to be signed; an 8-bit header block is left out.
    ...(block !== undefined && /^[\x09\x0a\x0d\x20-\x7e]*$/.test(block) ? { headerBlock: block.replace(/\r?\n/g, '\r\n') } : {}),
  };
}

/** Options of {@link buildMdn}. */
export interface BuildMdnOptions {
  request: ReceiptRequest;
  /** Who acknowledges: the recipient's address (Final-Recipient). */
  from: string;
  /** Default `displayed`. */
  dispositionType?: 'displayed' | 'deleted' | 'dispatched' | 'processed';
  /** Reporting-UA product. Default `scelle`. */
  reportingUa?: string;
  /** Sign the MDN (multipart/signed). */
  sign?: { signer: IdentityEntry; chain?: X509Cert[] };
  date?: Date;
}

/**
 * Builds an MDN for a received message.
 * @throws ScelleError USAGE (bad address), and the signing errors.
 */
export async function buildMdn(options: BuildMdnOptions): Promise<ComposedMessage> {
  const { request } = options;
  const date = options.date ?? new Date();
  const type = options.dispositionType ?? 'displayed';
  const subject = request.subject ?? '';
  const boundary = newBoundary('scelle_mdn');
  const human = [
    `Le message « ${subject} » (${request.originalMessageId}) a été ${type === 'displayed' ? 'affiché' : 'traité'} par ${options.from} le ${date.toISOString()}.`,
    `The message "${subject}" (${request.originalMessageId}) was ${type} by ${options.from} on ${date.toISOString()}.`,
    'Cet accusé ne garantit pas que le contenu a été lu ou compris. / This receipt does not mean the content was read or understood.',
    '',
  ].join('\r\n');
  const fields = [
    `Reporting-UA: ${options.reportingUa ?? 'scelle'}`,
    `Final-Recipient: rfc822;${options.from}`,
    `Original-Message-ID: ${request.originalMessageId}`,
    `Disposition: manual-action/MDN-sent-manually; ${type}`,
    '',
  ].join('\r\n');
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  const entity = [
    `Content-Type: multipart/report; report-type=disposition-notification;\r\n boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64(human),
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    'Content-Transfer-Encoding: 7bit',
    '',
    fields,
    ...(request.headerBlock !== undefined ? [`--${boundary}`, 'Content-Type: text/rfc822-headers', 'Content-Transfer-Encoding: 7bit', '', `${request.headerBlock}\r\n`] : []),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  // The outer header fields come from the composer (RFC 2047 for the French subject).
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const node = new MailComposer({
    from: options.from, to: request.notifyTo, subject: `Accusé de lecture : ${subject}`, date,
    inReplyTo: request.originalMessageId, references: [request.originalMessageId], text: '', xMailer: false, newline: '\r\n',
  }).compile();
  const raw = await new Promise<Buffer>((resolve, reject) => node.build((err, buf) => (err ? reject(err) : resolve(buf))));
  const { outer } = splitMessage(raw);
  const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(outer)?.[1] ?? '';
  let body: Uint8Array = new Uint8Array(Buffer.from(entity, 'latin1'));
  const layers: string[] = [];
  if (options.sign) {
    body = await signMimeEntity(body, options.sign);
    layers.push('signed');
  }
  return { raw: joinMessage(outer, body), messageId, envelope: { from: options.from, to: [request.notifyTo] }, layers };
}

/** True when the entity is an MDN (multipart/report; report-type=disposition-notification). */
export function isMdn(entity: MimeEntity): boolean {
  return entity.contentType.mediaType === 'multipart/report' && (entity.contentType.params['report-type'] ?? '').toLowerCase() === 'disposition-notification';
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
  const m = /^\s*([\w-]+)\/([\w-]+)\s*;\s*([\w-]+)/.exec(disposition);
  const orig = headerValue(fields, 'original-message-id')?.trim();
  const finalRecipient = headerValue(fields, 'final-recipient');
  const originalRecipient = headerValue(fields, 'original-recipient');
  const ua = headerValue(fields, 'reporting-ua');
  return {
    ...(orig ? { originalMessageId: orig } : {}),
    disposition: { actionMode: m?.[1]?.toLowerCase() ?? '', sendingMode: m?.[2]?.toLowerCase() ?? '', type: m?.[3]?.toLowerCase() ?? '', raw: disposition },
    ...(finalRecipient ? { finalRecipient: addressOf(finalRecipient) } : {}),
    ...(originalRecipient ? { originalRecipient: addressOf(originalRecipient) } : {}),
    ...(ua ? { reportingUa: ua.trim() } : {}),
  };
}
