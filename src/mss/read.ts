/**
 * Reading a received message and giving a verdict on it: who sent it (the signer's certificate:
 * name, RPPS, profession, and whether its e-mail address is the From address), whether the
 * signature holds and chains to a trusted root, how it was encrypted, the text of the message, its
 * attachments with their SHA-256, an IHE XDM package checked document by document, and, for a read
 * receipt (MDN), which message it acknowledges.
 *
 * A message that is not signed proves nothing about its sender: its verdict says so
 * (`status: 'not-proven'`, `senderProven: false`), and `requireSignature` turns that into a
 * negative check (NOT_SIGNED).
 *
 * Layers are peeled from the outside in (src/mss/read-layers.ts); the innermost entity is decoded
 * with mailparser (src/mss/read-content.ts).
 */
import type { Identity } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { headerValue, parseMimeEntity, type MimeEntity, type MimeLimits } from './mime.js';
import { peelLayers } from './read-layers.js';
import { readContent } from './read-content.js';
import { isMdn, parseMdn } from './mdn.js';
import { checkMssHeaders } from './mss-headers.js';
import { linkReceipt } from './receipt-link.js';
import { errorCodeOfSubject } from './integration-errors.js';
import type { MessageReport, MessageStatus } from './read-types.js';

export type { MessageProblem, SenderIdentity, MessageSignature, MessageEncryption, MessageAttachment, AttachmentIntegrity, MessageReport, MessageStatus } from './read-types.js';
export { safeAttachmentName, saveAttachment } from './save.js';

/** Options of {@link readMessage}. */
export interface ReadMessageOptions {
  /** Trusted roots for the signer's certificate. */
  trustAnchors: X509Cert[];
  /** The reader's identity, to decrypt (software keys). */
  identity?: Identity;
  /** CRLs of the signers' CAs (the signature engine needs revocation data to call a signer good). */
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  extraCertificates?: X509Cert[];
  /** Validate as of this time. */
  at?: Date;
  clock?: () => Date;
  /** A message that is not signed is a negative check (NOT_SIGNED). Default false. */
  requireSignature?: boolean;
  /**
   * `igc-sante`: `trustAnchors` are the IGC-Santé trust store (Référentiel #2 ECO.1.1.10), and a
   * signer whose certificate does not chain to it is NOT_IGC_SANTE.
   */
  trustScope?: 'igc-sante';
  /** Names the message in errors (a file name, `UID 12`). */
  name?: string;
  limits?: MimeLimits;
  /** Folder for temporary copies (XDM zips). Default the OS's. */
  tempDir?: string;
}

interface OuterFields {
  messageId?: string;
  from?: string;
  to: string[];
  subject?: string;
  date?: Date;
  receiptRequestedBy?: string;
}

/**
 * Reads one message (RFC 5322 bytes) and returns its verdict. Negative checks (bad signature,
 * not a recipient, XDM mismatch…) are in `problems`, not thrown.
 * @throws ScelleError MIME_MALFORMED when the message cannot be parsed at all.
 */
export async function readMessage(raw: Uint8Array, options: ReadMessageOptions): Promise<MessageReport> {
  const name = options.name ?? 'the message';
  const outer = parseMimeEntity(raw, name, options.limits);
  const fields = await outerFields(outer.raw.subarray(0, outer.raw.length - outer.body.length), headerValue(outer.headers, 'disposition-notification-to'));
  const report: MessageReport = { ok: true, status: 'not-proven', senderProven: false, kind: 'message', ...fields, layers: [], hasHtml: false, attachments: [], problems: [] };
  const peeled = await peelLayers(outer, {
    name, from: fields.from, limits: options.limits,
    ...(options.identity ? { identity: options.identity } : {}),
    verify: {
      trustAnchors: options.trustAnchors,
      ...(options.crls ? { crls: options.crls } : {}),
      ...(options.online ? { online: true } : {}),
      ...(options.extraCertificates ? { extraCertificates: options.extraCertificates } : {}),
      ...(options.at ? { at: options.at } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  });
  report.layers = peeled.layers;
  if (peeled.encryption) report.encryption = peeled.encryption;
  if (peeled.signature) report.signature = peeled.signature;
  report.problems.push(...peeled.problems);
  if (peeled.entity !== undefined) {
    const entity = peeled.entity;
    await readReceipt(report, entity, headerValue(outer.headers, 'in-reply-to'), name);
    const content = await readContent(entity, name, options.tempDir);
    if (content.text !== undefined) report.text = content.text;
    if (content.textSource) report.textSource = content.textSource;
    report.hasHtml = content.hasHtml;
    report.attachments = content.attachments;
    if (content.xdm) report.xdm = content.xdm;
    report.problems.push(...content.problems);
    const mss = checkMssHeaders(outer.headers, content.xdm, name);
    if (mss) {
      report.mss = mss;
      report.problems.push(...mss.problems);
    }
  }
  const chain = report.signature?.verdict.signers[0]?.chain;
  if (options.trustScope === 'igc-sante' && report.signature && chain?.code === 'CHAIN_UNTRUSTED') {
    report.problems.unshift({ code: 'NOT_IGC_SANTE', message: `${name}: the signer's certificate (${report.signature.signer?.subject ?? '?'}) does not chain to the IGC-Santé trust store` });
  }
  if (options.requireSignature && report.signature === undefined && peeled.entity !== undefined) {
    report.problems.unshift({ code: 'NOT_SIGNED', message: `${name} is not signed: nothing proves who sent it, and a signature is required` });
  }
  return finish(report);
}

/** Recognises an MDN or an integration-error e-mail and links it to the message it answers. */
async function readReceipt(report: MessageReport, entity: MimeEntity, inReplyTo: string | undefined, name: string): Promise<void> {
  const errorCode = errorCodeOfSubject(report.subject);
  if (isMdn(entity)) {
    report.kind = 'mdn';
    report.mdn = parseMdn(entity, name);
  } else if (errorCode !== undefined) report.kind = 'integration-error';
  else return;
  const { link, problems } = await linkReceipt(entity, { ...(report.mdn ? { mdn: report.mdn } : {}), ...(errorCode !== undefined ? { errorCode } : {}), ...(inReplyTo ? { inReplyTo: inReplyTo.trim() } : {}), name });
  report.receipt = link;
  report.problems.push(...problems);
}

/** The message's own header fields, decoded by mailparser (RFC 2047, address lists). */
async function outerFields(headerBlock: Uint8Array, dnt: string | undefined): Promise<OuterFields> {
  const { simpleParser } = await import('mailparser');
  const head = await simpleParser(Buffer.concat([Buffer.from(headerBlock), Buffer.from('\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const from = head.from?.value[0]?.address;
  const to = (Array.isArray(head.to) ? head.to : head.to ? [head.to] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
  return {
    ...(head.messageId ? { messageId: head.messageId } : {}),
    ...(from ? { from } : {}),
    to,
    ...(head.subject !== undefined ? { subject: head.subject } : {}),
    ...(head.date ? { date: head.date } : {}),
    ...(dnt ? { receiptRequestedBy: /<([^>]+)>/.exec(dnt)?.[1] ?? dnt.trim() } : {}),
  };
}

function finish(report: MessageReport): MessageReport {
  report.ok = report.problems.length === 0;
  const s = report.signature;
  report.senderProven = report.ok && s !== undefined && s.ok && s.chainOk && s.fromMatches;
  const status: MessageStatus = !report.ok ? 'negative' : report.senderProven ? 'verified' : 'not-proven';
  report.status = status;
  const integrity = s === undefined ? 'not-signed' : s.ok ? 'signed' : 'signature-failed';
  for (const a of report.attachments) a.integrity = integrity;
  return report;
}
