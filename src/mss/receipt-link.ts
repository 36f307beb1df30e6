/**
 * Linking a receipt back to the message it answers: an MDN (RFC 8098; the volet's three parts, the
 * third being the original as `message/rfc822`) or the volet's integration-error e-mail
 * (struct-email-standard.md: subject `[KO Intégration système !][code] …`, the original attached as
 * `message/rfc822`).
 *
 * The original carried inside names the message (Message-ID, subject, date, recipients); it must be
 * the one the receipt says it answers (Original-Message-ID, In-Reply-To): a receipt whose carried
 * original is another message is RECEIPT_MISMATCH. Departures from the volet's structure that do
 * not make the receipt wrong (no third part, no Original-Recipient) are notes, not failures.
 */
import { decodeBody, headerValue, parseMimeEntity, type MimeEntity } from './mime.js';
import { integrationError } from './integration-errors.js';
import type { MdnReport } from './mdn.js';
import type { MessageProblem } from './read-types.js';

/** The original message, as the receipt carries it. */
export interface CarriedOriginal {
  messageId?: string;
  subject?: string;
  date?: Date;
  from?: string;
  to: string[];
}

/** What a receipt answers and reports. */
export interface ReceiptLink {
  kind: 'mdn' | 'integration-error';
  /** The Message-ID of the message answered. */
  originalMessageId?: string;
  original?: CarriedOriginal;
  /** The integration error reported (code, the label given, the volet's description of the code). */
  error?: { code: string; label?: string; description?: string };
  /** Where the receipt departs from the volet's structure (not failures). */
  notes: ReceiptNote[];
}

/** A departure from the volet's structure: a stable code, and the detail in English. */
export interface ReceiptNote {
  code: 'parts' | 'no-original-recipient' | 'no-original-message-id' | 'no-original' | 'unreadable-original';
  detail: string;
}

const RFC822 = /^message\/(rfc822|global)$/;

/**
 * Links an MDN or an integration-error e-mail to the message it answers.
 * `entity` is the innermost entity of the receipt (its S/MIME layers peeled).
 */
export async function linkReceipt(entity: MimeEntity, input: { mdn?: MdnReport; errorCode?: string; inReplyTo?: string; name: string }): Promise<{ link: ReceiptLink; problems: MessageProblem[] }> {
  const { mdn, name } = input;
  const notes: ReceiptNote[] = [];
  const part = mdn ? entity.parts[2] : entity.parts.find((p) => RFC822.test(p.contentType.mediaType));
  const original = part && RFC822.test(part.contentType.mediaType) ? await carriedOriginal(part, name, notes) : undefined;
  if (mdn) notes.push(...mdnNotes(mdn));
  else if (original === undefined) notes.push({ code: 'no-original', detail: 'the e-mail does not carry the original message (message/rfc822), as the volet asks' });
  const originalMessageId = mdn ? mdn.originalMessageId : original?.messageId ?? input.inReplyTo;
  const problems: MessageProblem[] = [];
  if (original?.messageId !== undefined && originalMessageId !== undefined && original.messageId !== originalMessageId) {
    problems.push({ code: 'RECEIPT_MISMATCH', message: `${name}: the receipt says it answers ${originalMessageId}, but the message it carries is ${original.messageId}` });
  }
  const raw = mdn ? mdn.disposition.error : input.errorCode !== undefined ? { code: input.errorCode } : undefined;
  const known = raw ? integrationError(raw.code) : undefined;
  const error = raw ? { code: raw.code, ...(raw.label ?? known?.label ? { label: raw.label ?? known!.label } : {}), ...(known ? { description: known.description } : {}) } : undefined;
  return {
    link: { kind: mdn ? 'mdn' : 'integration-error', ...(originalMessageId ? { originalMessageId } : {}), ...(original ? { original } : {}), ...(error ? { error } : {}), notes },
    problems,
  };
}

/** The volet's structure of an MDN (struct-msg-mdn.md, "Structure du corps du MDN"). */
function mdnNotes(mdn: MdnReport): ReceiptNote[] {
  const notes: ReceiptNote[] = [];
  const expected = ['text/plain', 'message/disposition-notification', 'message/rfc822'];
  if (mdn.parts.length !== 3 || !expected.every((t, i) => mdn.parts[i] === t || (i === 2 && mdn.parts[i] === 'message/global'))) {
    notes.push({ code: 'parts', detail: mdn.parts.join(', ') });
  }
  if (mdn.originalRecipient === undefined) notes.push({ code: 'no-original-recipient', detail: 'no Original-Recipient field (the volet asks for it)' });
  if (mdn.originalMessageId === undefined) notes.push({ code: 'no-original-message-id', detail: 'no Original-Message-ID field (the volet asks for it)' });
  return notes;
}

async function carriedOriginal(part: MimeEntity, name: string, notes: ReceiptNote[]): Promise<CarriedOriginal | undefined> {
  let inner: MimeEntity;
  try {
    inner = parseMimeEntity(decodeBody(part, name), `${name}: original message`);
  } catch {
    notes.push({ code: 'unreadable-original', detail: 'the carried original message cannot be read' });
    return undefined;
  }
  const head = inner.raw.subarray(0, inner.raw.length - inner.body.length);
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(Buffer.concat([Buffer.from(head), Buffer.from('\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
  const messageId = headerValue(inner.headers, 'message-id')?.trim();
  return {
    ...(messageId ? { messageId } : {}),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    ...(parsed.date ? { date: parsed.date } : {}),
    ...(parsed.from?.value[0]?.address ? { from: parsed.from.value[0].address } : {}),
    to,
  };
}
