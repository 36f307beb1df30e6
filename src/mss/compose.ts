/**
 * Building MSSanté-style messages: RFC 5322 / MIME with nodemailer's composer (RFC 2047 encoded
 * words for French subjects, RFC 2231 for accented file names), then the S/MIME layers of
 * RFC 8551 (signed, enveloped, signed then enveloped), an optional IHE XDM package, and a receipt
 * request (Disposition-Notification-To, RFC 8098 §2.1).
 *
 * The composer writes the whole message; its header fields are then split in two: the message's
 * own (From, To, Subject, Date, Message-ID, Disposition-Notification-To…) stay outside, the
 * Content-* fields and the body form the MIME entity that is signed and encrypted (RFC 8551
 * §3.1: "the MIME entity", not the RFC 5322 header). Outer headers are therefore readable by the
 * servers that route the message, as in any S/MIME mail.
 */
import { randomUUID } from 'node:crypto';
import { ScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { SignatureDigest } from '../crypto/cms/sign.js';
import type { EncryptInfo, EnvelopeCipher, RecipientCertificate } from '../crypto/cms/envelope.js';
import { concat } from '../crypto/asn1/ber.js';
import { encryptMimeEntity, signMimeEntity } from './smime.js';
import { buildXdmPackage, XDM_ATTACHMENT_NAME, type BuildXdmOptions, type XdmDocumentInput, type XdmPackage } from './xdm.js';
import { parseCdaHeader, type CdaHeader } from './cda.js';
import { mssHeadersFor } from './mss-headers.js';

/** A file to attach. */
export interface AttachmentInput {
  fileName: string;
  content: Uint8Array;
  /** Default: from the file name. */
  contentType?: string;
}

/** Options of {@link composeMessage}. */
export interface ComposeOptions {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  /** The text of the message (UTF-8). */
  text?: string;
  attachments?: AttachmentInput[];
  /** Pack the attachments as an IHE XDM package (`IHE_XDM.zip`). */
  xdm?: boolean | Omit<BuildXdmOptions, 'documents'>;
  /**
   * CDA R2 documents: packed in `IHE_XDM.zip` with the metadata of their header, and announced by
   * X-MSS-CODECDA / X-MSS-INS (src/mss/mss-headers.ts). Other attachments travel beside the
   * package unless `xdm` packs them too.
   */
  cda?: { fileName: string; content: Uint8Array }[];
  /** X-MSS-NIL (the software's product reference) and X-MSS-MES (no reply from the patient). */
  mss?: { nil?: string; blockPatientReply?: boolean };
  /** Sign (multipart/signed, detached CAdES-B). */
  sign?: { signer: IdentityEntry; chain?: X509Cert[]; hash?: SignatureDigest };
  /** Encrypt (application/pkcs7-mime) to these certificates; after signing when both are asked. */
  encrypt?: { recipients: (X509Cert | RecipientCertificate)[]; cipher?: EnvelopeCipher; trustAnchors?: X509Cert[]; intermediates?: X509Cert[]; crls?: Crl[] };
  /** Ask for a read receipt (MDN): `true` = to the sender, or an address. Default false. */
  requestReceipt?: boolean | string;
  /** Default: a fresh `<uuid@sender-domain>`. */
  messageId?: string;
  date?: Date;
  inReplyTo?: string;
  references?: string[];
  /**
   * Allow unencrypted attachments to addresses outside MSSanté domains. Default false: ordinary
   * e-mail carries patient documents only encrypted (ANS/CNIL guidance).
   */
  allowPlainAttachments?: boolean;
}

/** A finished message. */
export interface ComposedMessage {
  /** The RFC 5322 message, CRLF line breaks, 7-bit. */
  raw: Uint8Array;
  messageId: string;
  /** SMTP envelope: MAIL FROM and RCPT TO. */
  envelope: { from: string; to: string[] };
  /** Layers from the outside in: `enveloped-data` / `authEnveloped-data`, `signed`. */
  layers: string[];
  xdm?: XdmPackage;
  encryption?: EncryptInfo;
  /** The CDA headers of the documents sent (in the order given). */
  cda?: CdaHeader[];
  /** The X-MSS header fields set. */
  mssHeaders?: Record<string, string>;
}

/** Domains whose mailboxes are MSSanté ones (the national space of trust). */
export function isMssanteAddress(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domain === 'mssante.fr' || domain.endsWith('.mssante.fr');
}

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^[^\s@<>()",;:\\[\]]+@localhost$/;

function checkAddress(a: string, what: string): string {
  const t = a.trim();
  if (!ADDRESS.test(t)) throw new ScelleError('USAGE', `${what}: "${t}" is not an e-mail address (name@domain)`, { params: { detail: `${what}: ${t}` } });
  return t;
}

/** One header field as written (with its folded continuation lines), and its name. */
interface RawField {
  name: string;
  raw: string;
}

function splitFields(headerBlock: string): RawField[] {
  const fields: RawField[] = [];
  for (const line of headerBlock.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length > 0) fields[fields.length - 1]!.raw += `\r\n${line}`;
    else fields.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return fields;
}

/** Builds a message with nodemailer's MailComposer (loaded on first use). */
async function buildWithComposer(mail: Record<string, unknown>): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  // X-MSS-* are written as the référentiel spells them (field names are case-insensitive, but some software is not).
  const normalizeHeaderKey = (key: string): string => (/^x-mss-/i.test(key) ? key.toUpperCase() : key);
  const node = new MailComposer({ ...mail, xMailer: false, newline: '\r\n', normalizeHeaderKey } as ConstructorParameters<typeof MailComposer>[0]).compile();
  return new Promise<Buffer>((resolve, reject) => node.build((err, buf) => (err ? reject(err) : resolve(buf))));
}

/** Splits a composed message into its outer header fields and its MIME entity (Content-* fields + body). */
export function splitMessage(raw: Uint8Array): { outer: string; entity: Uint8Array } {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const sep = buf.indexOf('\r\n\r\n');
  if (sep === -1) throw new ScelleError('INTERNAL', 'composed message without a header/body separator');
  const fields = splitFields(buf.toString('latin1', 0, sep));
  const outer = fields.filter((f) => !f.name.startsWith('content-') && f.name !== 'mime-version').map((f) => `${f.raw}\r\n`).join('');
  const content = fields.filter((f) => f.name.startsWith('content-')).map((f) => `${f.raw}\r\n`).join('');
  return { outer, entity: concat([Buffer.from(`${content}\r\n`, 'latin1'), buf.subarray(sep + 4)]) };
}

/** Joins outer header fields and a MIME entity into a message. */
export function joinMessage(outer: string, entity: Uint8Array): Uint8Array {
  return concat([Buffer.from(`${outer}MIME-Version: 1.0\r\n`, 'latin1'), entity]);
}

/** The outer fields of a message whose MIME entity is built by hand (receipts, error e-mails). */
export interface OuterFields {
  from: string;
  to: string[];
  subject: string;
  date?: Date;
  inReplyTo?: string;
  references?: string[];
  /** More outer header fields (X-MSS-*). */
  headers?: Record<string, string>;
  /** Sign the entity (multipart/signed). */
  sign?: { signer: IdentityEntry; chain?: X509Cert[] };
}

/**
 * Puts a ready MIME entity (its Content-* fields, an empty line, its body) under outer header
 * fields written by the composer (RFC 2047 subject, Message-ID, Date), signing it when asked.
 * @throws ScelleError USAGE (bad address, 8-bit entity to sign) and the signing errors.
 */
export async function buildOuterMessage(fields: OuterFields, entity: Uint8Array): Promise<ComposedMessage> {
  const from = checkAddress(fields.from, 'from');
  const to = fields.to.map((a) => checkAddress(a, 'to'));
  const raw = await buildWithComposer({
    from, to, subject: fields.subject.replace(/[\r\n]+/g, ' '), date: fields.date ?? new Date(),
    ...(fields.inReplyTo ? { inReplyTo: fields.inReplyTo } : {}),
    ...(fields.references ? { references: fields.references } : {}),
    ...(fields.headers ? { headers: fields.headers } : {}),
    text: '',
  });
  const { outer } = splitMessage(raw);
  const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(outer)?.[1] ?? '';
  const body = fields.sign ? await signMimeEntity(entity, fields.sign) : entity;
  return { raw: joinMessage(outer, body), messageId, envelope: { from, to }, layers: fields.sign ? ['signed'] : [] };
}

/** Signs then encrypts the MIME entity of a composed message, as asked (RFC 8551 §3.6). */
async function protect(raw: Uint8Array, options: ComposeOptions): Promise<{ raw: Uint8Array; layers: string[]; encryption?: EncryptInfo }> {
  if (!options.sign && !options.encrypt) return { raw, layers: [] };
  const layers: string[] = [];
  const { outer, entity: inner } = splitMessage(raw);
  let entity = inner;
  if (options.sign) {
    entity = await signMimeEntity(entity, options.sign);
    layers.unshift('signed');
  }
  let encryption: EncryptInfo | undefined;
  if (options.encrypt) {
    const r = await encryptMimeEntity(entity, options.encrypt);
    entity = r.entity;
    encryption = r.info;
    layers.unshift(r.info.contentType === 'authEnvelopedData' ? 'authEnveloped-data' : 'enveloped-data');
  }
  return { raw: joinMessage(outer, entity), layers, ...(encryption ? { encryption } : {}) };
}

/** Ordinary e-mail carries patient documents only encrypted (ANS/CNIL guidance). */
function checkPlainAttachments(options: ComposeOptions, recipients: string[], count: number): void {
  const outside = recipients.filter((a) => !isMssanteAddress(a));
  if (count > 0 && options.encrypt === undefined && outside.length > 0 && options.allowPlainAttachments !== true) {
    throw new ScelleError('USAGE', `attachments to ${outside.join(', ')} (outside MSSanté) must be encrypted: add --encrypt with the recipients' certificates`, {
      params: { detail: `unencrypted attachments to ${outside.join(', ')}` },
      hint: 'ordinary e-mail carries patient documents only encrypted',
    });
  }
}

type MailFile = { filename: string; content: Buffer; contentType?: string };

/** The files the message carries: IHE_XDM.zip (CDA documents, and the attachments with `xdm`), then the other attachments. */
async function packDocuments(options: ComposeOptions, to: string[], attachments: AttachmentInput[], cda: { fileName: string; content: Uint8Array; header: CdaHeader }[]): Promise<{ xdm?: XdmPackage; files: MailFile[] }> {
  const plain: MailFile[] = attachments.map((a) => ({ filename: a.fileName, content: Buffer.from(a.content), ...(a.contentType ? { contentType: a.contentType } : {}) }));
  if (options.xdm && attachments.length === 0 && cda.length === 0) throw new ScelleError('USAGE', '--xdm packs the attachments: give at least one --attach FILE', { params: { detail: '--xdm without attachments' } });
  const documents: XdmDocumentInput[] = [
    ...cda.map((d) => ({ fileName: d.fileName, content: d.content, cda: d.header })),
    ...(options.xdm ? attachments.map((a) => ({ fileName: a.fileName, content: a.content, ...(a.contentType ? { mimeType: a.contentType } : {}) })) : []),
  ];
  if (documents.length === 0) return { files: plain };
  const extra = typeof options.xdm === 'object' ? options.xdm : {};
  const xdm = await buildXdmPackage({ recipients: to, title: options.subject, ...extra, documents });
  return { xdm, files: [{ filename: XDM_ATTACHMENT_NAME, content: Buffer.from(xdm.zip), contentType: 'application/zip' }, ...(options.xdm ? [] : plain)] };
}

/**
 * Builds a message, signed and/or encrypted as asked.
 * @throws ScelleError USAGE (bad address, plain attachments outside MSSanté, nothing to encrypt
 *   to, CDA documents of different patients, X-MSS-MES without a patient), CDA_INVALID,
 *   RECIPIENT_CERT_INVALID, and the signing errors (UNSUPPORTED_ALGORITHM, PKCS11_ERROR…).
 */
export async function composeMessage(options: ComposeOptions): Promise<ComposedMessage> {
  const from = checkAddress(options.from, 'from');
  const to = options.to.map((a) => checkAddress(a, 'to'));
  const cc = (options.cc ?? []).map((a) => checkAddress(a, 'cc'));
  if (to.length === 0) throw new ScelleError('USAGE', 'a message needs at least one recipient (--to)', { params: { detail: 'no recipient' } });
  if (/[\r\n]/.test(options.subject)) throw new ScelleError('USAGE', 'the subject must be one line', { params: { detail: 'subject with a line break' } });
  const attachments = options.attachments ?? [];
  checkPlainAttachments(options, [...to, ...cc], attachments.length + (options.cda?.length ?? 0));
  const cda = (options.cda ?? []).map((d) => ({ ...d, header: parseCdaHeader(d.content, d.fileName) }));
  const { xdm, files } = await packDocuments(options, to, attachments, cda);
  const mssHeaders = mssHeadersFor(cda.map((d) => d.header), { recipients: [...to, ...cc], ...(options.mss?.nil !== undefined ? { nil: options.mss.nil } : {}), ...(options.mss?.blockPatientReply ? { blockPatientReply: true } : {}) });
  const domain = from.slice(from.lastIndexOf('@') + 1);
  const messageId = options.messageId ?? `<${randomUUID()}@${domain}>`;
  const receiptTo = options.requestReceipt === true ? from : typeof options.requestReceipt === 'string' ? checkAddress(options.requestReceipt, 'receipt') : undefined;
  const headers: Record<string, string> = { ...mssHeaders };
  if (receiptTo) headers['Disposition-Notification-To'] = receiptTo;
  const raw = await buildWithComposer({
    from, to, ...(cc.length ? { cc } : {}),
    subject: options.subject,
    messageId,
    date: options.date ?? new Date(),
    ...(options.inReplyTo ? { inReplyTo: options.inReplyTo } : {}),
    ...(options.references ? { references: options.references } : {}),
    text: options.text ?? '',
    textEncoding: 'quoted-printable',
    attachments: files,
    headers,
  });
  const envelope = { from, to: [...to, ...cc] };
  const protectedMessage = await protect(raw, options);
  return { ...protectedMessage, messageId, envelope, ...(xdm ? { xdm } : {}), cda: cda.map((d) => d.header), mssHeaders };
}
