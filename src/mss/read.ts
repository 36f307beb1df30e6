/**
 * Reading a received message and giving a verdict on it: who sent it (the signer's certificate:
 * name, RPPS, profession, and whether its e-mail address is the From address), whether the
 * signature holds and chains to a trusted root, how it was encrypted, its attachments with their
 * SHA-256, an IHE XDM package checked document by document, and, for a read receipt (MDN), which
 * message it acknowledges.
 *
 * Layers are peeled from the outside in (at most four): enveloped / authEnveloped data (RFC 8551
 * §3.3) with the identity's keys, multipart/signed (§3.5.3) or opaque signed data (§3.5.2); the
 * innermost entity is decoded with mailparser (charsets, RFC 2047 / RFC 2231 names).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import type { Identity } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { SignatureVerdict } from '../validation/verify-signature.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { headerValue, parseMimeEntity, type MimeEntity, type MimeLimits } from './mime.js';
import { decryptMimeEntity, smimeLayerOf, verifyMultipartSigned, verifyOpaqueSigned, type SignedLayer } from './smime.js';
import { checkXdmPackage, type XdmReport } from './xdm.js';
import { isMdn, parseMdn, type MdnReport } from './mdn.js';

/** Options of {@link readMessage}. */
export interface ReadMessageOptions {
  /** Trusted roots for the signer's certificate. */
  trustAnchors: X509Cert[];
  /** The reader's identity, to decrypt (software keys). */
  identity?: Identity;
  crls?: Crl[];
  extraCertificates?: X509Cert[];
  /** Validate as of this time. */
  at?: Date;
  clock?: () => Date;
  /** Names the message in errors (a file name, `UID 12`). */
  name?: string;
  limits?: MimeLimits;
  /** Folder for temporary copies (XDM zips). Default the OS's. */
  tempDir?: string;
}

/** One problem with a message: a negative check. */
export interface MessageProblem {
  code: ErrorCode;
  message: string;
}

/** Who signed, from the signer's certificate. */
export interface SenderIdentity {
  name: string;
  rpps?: string;
  profession?: string;
  email?: string;
  subject: string;
  issuer: string;
  sha256Fingerprint: string;
}

/** The signature layer of a message. */
export interface MessageSignature {
  kind: 'multipart-signed' | 'signed-data';
  ok: boolean;
  code?: ErrorCode;
  micalg?: string;
  signer?: SenderIdentity;
  signingTime?: Date;
  digestAlgorithm?: string;
  signatureAlgorithm?: string;
  chainOk: boolean;
  /** The signer's certificate carries the From address. */
  fromMatches: boolean;
  problems: MessageProblem[];
  verdict: SignatureVerdict;
}

/** The encryption layer of a message. */
export interface MessageEncryption {
  smimeType: 'enveloped-data' | 'authEnveloped-data';
  ok: boolean;
  code?: ErrorCode;
  cipher?: string;
  authenticated?: boolean;
  recipients?: number;
  /** The certificate of ours that opened it. */
  openedWith?: string;
  message?: string;
}

/** One attachment. */
export interface MessageAttachment {
  /** The name as the sender gave it (decoded), or a made-up one. */
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
  /** From an XDM package: its path there. */
  xdmPath?: string;
}

/** The verdict on one message. */
export interface MessageReport {
  /** True when no check is negative. */
  ok: boolean;
  kind: 'message' | 'mdn';
  messageId?: string;
  from?: string;
  to: string[];
  subject?: string;
  date?: Date;
  /** The sender asks for a read receipt to this address. */
  receiptRequestedBy?: string;
  /** S/MIME layers found, outside in. */
  layers: string[];
  encryption?: MessageEncryption;
  signature?: MessageSignature;
  text?: string;
  attachments: MessageAttachment[];
  xdm?: XdmReport;
  /** For an MDN: what it acknowledges. */
  mdn?: MdnReport;
  problems: MessageProblem[];
}

const MAX_LAYERS = 4;

/**
 * Reads one message (RFC 5322 bytes) and returns its verdict. Negative checks (bad signature,
 * not a recipient, XDM mismatch…) are in `problems`, not thrown.
 * @throws ScelleError MIME_MALFORMED when the message cannot be parsed at all.
 */
export async function readMessage(raw: Uint8Array, options: ReadMessageOptions): Promise<MessageReport> {
  const name = options.name ?? 'the message';
  const outer = parseMimeEntity(raw, name, options.limits);
  const { simpleParser } = await import('mailparser');
  const parserOptions = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;
  const headerEnd = outer.raw.length - outer.body.length;
  const head = await simpleParser(Buffer.concat([Buffer.from(outer.raw.subarray(0, headerEnd)), Buffer.from('\r\n')]), parserOptions);
  const from = head.from?.value[0]?.address;
  const toList = (Array.isArray(head.to) ? head.to : head.to ? [head.to] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
  const dnt = headerValue(outer.headers, 'disposition-notification-to');
  const report: MessageReport = {
    ok: true,
    kind: 'message',
    ...(head.messageId ? { messageId: head.messageId } : {}),
    ...(from ? { from } : {}),
    to: toList,
    ...(head.subject !== undefined ? { subject: head.subject } : {}),
    ...(head.date ? { date: head.date } : {}),
    ...(dnt ? { receiptRequestedBy: /<([^>]+)>/.exec(dnt)?.[1] ?? dnt.trim() } : {}),
    layers: [],
    attachments: [],
    problems: [],
  };
  const problem = (code: ErrorCode, message: string): void => {
    report.problems.push({ code, message });
  };

  let entity: MimeEntity = outer;
  for (let depth = 0; depth < MAX_LAYERS; depth++) {
    const kind = smimeLayerOf(entity, name);
    if (kind === undefined) break;
    report.layers.push(kind);
    if (kind === 'enveloped-data' || kind === 'authEnveloped-data') {
      if (report.encryption !== undefined) problem('MIME_MALFORMED', `${name}: encrypted twice`);
      if (options.identity === undefined) {
        report.encryption = { smimeType: kind, ok: false, code: 'NOT_A_RECIPIENT', message: 'no identity given to decrypt' };
        problem('NOT_A_RECIPIENT', `${name} is encrypted and no identity was given to decrypt it`);
        return finish(report);
      }
      try {
        const { content, info } = await decryptMimeEntity(entity, options.identity, name);
        report.encryption = {
          smimeType: kind, ok: true, cipher: info.cipher, authenticated: info.authenticated, recipients: info.recipients.length,
          ...(info.usedRecipient.certificate ? { openedWith: info.usedRecipient.certificate.subject } : {}),
        };
        if (info.weakCipher) problem('WEAK_ALGORITHM', `${name} is encrypted with ${info.cipher}, which is obsolete`);
        entity = parseMimeEntity(content, `${name} (decrypted)`, options.limits);
      } catch (e) {
        if (!isScelleError(e) || e.code === 'MIME_MALFORMED') throw e;
        report.encryption = { smimeType: kind, ok: false, code: e.code, message: e.message };
        problem(e.code, e.message);
        return finish(report);
      }
      continue;
    }
    // signed
    if (report.signature !== undefined) problem('MIME_MALFORMED', `${name}: signed twice; only the outer signature is reported`);
    let layer: SignedLayer;
    try {
      const verifyOptions = {
        trustAnchors: options.trustAnchors,
        ...(options.crls ? { crls: options.crls } : {}),
        ...(options.extraCertificates ? { extraCertificates: options.extraCertificates } : {}),
        ...(options.at ? { at: options.at } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      };
      layer = kind === 'multipart-signed' ? await verifyMultipartSigned(entity, verifyOptions, name) : await verifyOpaqueSigned(entity, verifyOptions, name);
    } catch (e) {
      if (!isScelleError(e) || e.code === 'MIME_MALFORMED') throw e;
      problem(e.code === 'MALFORMED_ASN1' || e.code === 'UNSUPPORTED_FORMAT' ? 'SIGNATURE_INVALID' : e.code, `${name}: the signature cannot be read: ${e.message}`);
      return finish(report);
    }
    if (report.signature === undefined) report.signature = signatureOf(layer, report.from, name);
    entity = parseMimeEntity(layer.content, `${name} (signed content)`, options.limits);
  }
  if (smimeLayerOf(entity, name) !== undefined) problem('MIME_MALFORMED', `${name}: more than ${MAX_LAYERS} S/MIME layers`);
  if (report.signature) report.problems.push(...report.signature.problems);

  if (isMdn(entity)) {
    report.kind = 'mdn';
    report.mdn = parseMdn(entity, name);
  }
  const body = await simpleParser(Buffer.from(entity.raw), parserOptions);
  if (body.text) report.text = body.text;
  let n = 0;
  for (const a of body.attachments) {
    n++;
    const content = new Uint8Array(a.content);
    const contentType = (a.contentType ?? 'application/octet-stream').toLowerCase();
    if (report.kind === 'mdn' && /^(message\/(global-)?disposition-notification|text\/rfc822-headers)$/.test(contentType)) continue;
    const fileName = a.filename ?? `piece-jointe-${n}`;
    report.attachments.push({ fileName, contentType, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), content });
    if (/^ihe_xdm\.zip$/i.test(fileName)) {
      try {
        const xdm = await checkXdmPackage(content, { name: `${name}: ${fileName}`, ...(options.tempDir ? { tempDir: options.tempDir } : {}) });
        report.xdm = xdm;
        report.problems.push(...xdm.problems);
      } catch (e) {
        if (!isScelleError(e)) throw e;
        problem('XDM_MISMATCH', `${name}: ${fileName} is not a readable zip: ${e.message}`);
      }
    }
  }
  return finish(report);
}

function finish(report: MessageReport): MessageReport {
  report.ok = report.problems.length === 0;
  return report;
}

function signatureOf(layer: SignedLayer, from: string | undefined, name: string): MessageSignature {
  const v = layer.verdict;
  const s = v.signers[0];
  const problems: MessageProblem[] = [];
  for (const signer of v.signers) {
    for (const p of signer.problems) {
      // A detached multipart/signed whose content changed: in a message, that is tampering.
      const code: ErrorCode = p.code === 'CONTENT_MISMATCH' ? 'CONTENT_TAMPERED' : p.code;
      const message = p.code === 'CONTENT_MISMATCH' ? `${name}: the message was altered after it was signed (${p.message})` : `${name}: ${p.message}`;
      problems.push({ code, message });
    }
  }
  if (v.signers.length === 0) problems.push({ code: 'SIGNATURE_INVALID', message: `${name}: the signature has no signer` });
  const cert = s?.signer;
  const summary = cert ? summarizeCertificate(cert, s!.validatedAt) : undefined;
  // RFC 8550 §3: the address may be an rfc822Name or, in older certificates, the subject's emailAddress.
  const emails = cert ? cert.emailAddresses.map((e) => e.toLowerCase()) : [];
  const fromMatches = from !== undefined && emails.includes(from.toLowerCase());
  if (cert && !fromMatches) {
    problems.push({ code: 'SENDER_MISMATCH', message: `${name}: the From address ${from ?? '(none)'} is not in the signer's certificate (${emails.join(', ') || 'no e-mail address'}): the sender is not who signed` });
  }
  const code = problems[0]?.code;
  return {
    kind: layer.kind,
    ok: problems.length === 0,
    ...(code ? { code } : {}),
    ...(layer.micalg ? { micalg: layer.micalg } : {}),
    ...(summary ? {
      signer: {
        name: summary.holder.displayName,
        ...(summary.rpps ? { rpps: summary.rpps } : {}),
        ...(summary.holder.profession ? { profession: summary.holder.profession } : {}),
        ...(summary.email ? { email: summary.email } : {}),
        subject: summary.subject, issuer: summary.issuer, sha256Fingerprint: summary.sha256Fingerprint,
      },
    } : {}),
    ...(s?.signingTime ? { signingTime: s.signingTime } : {}),
    ...(s ? { digestAlgorithm: s.digestAlgorithm, signatureAlgorithm: s.signatureAlgorithm } : {}),
    chainOk: s?.chain?.ok === true,
    fromMatches,
    problems,
    verdict: v,
  };
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/**
 * A file name that is safe to create in a folder, from a name a sender chose: the last path
 * segment only (no `/`, `\`, drive letters), no control or reserved characters, no leading dots,
 * no Windows device names, at most 200 bytes (the extension kept), Unicode NFC.
 */
export function safeAttachmentName(name: string, fallback = 'piece-jointe'): string {
  let n = name.normalize('NFC');
  n = n.split(/[/\\]/).pop() ?? '';
  n = n.replace(/^[A-Za-z]:/, '');
  n = n.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_');
  n = n.trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (n === '' || n === '.' || n === '..') n = fallback;
  if (WINDOWS_RESERVED.test(n)) n = `_${n}`;
  while (Buffer.byteLength(n, 'utf8') > 200) {
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 10 ? n.slice(dot) : '';
    const stem = n.slice(0, n.length - ext.length);
    n = `${stem.slice(0, Math.max(1, stem.length - 8))}${ext}`;
  }
  return n;
}

/**
 * Writes `content` into `dir` under a safe form of `name`, never replacing a file: `name (2).ext`,
 * `name (3).ext`… when taken. Created with O_EXCL and mode 0600.
 * @returns the path written.
 * @throws ScelleError IO_ERROR, UNSAFE_PATH (the result would leave `dir`: cannot happen with safe names; checked anyway).
 */
export async function saveAttachment(dir: string, name: string, content: Uint8Array): Promise<string> {
  const base = resolve(dir);
  await mkdir(base, { recursive: true });
  const safe = safeAttachmentName(name);
  const dot = safe.lastIndexOf('.');
  const stem = dot > 0 ? safe.slice(0, dot) : safe;
  const ext = dot > 0 ? safe.slice(dot) : '';
  for (let i = 1; i < 10_000; i++) {
    const candidate = join(base, i === 1 ? safe : `${stem} (${i})${ext}`);
    if (!candidate.startsWith(base + sep)) throw new ScelleError('UNSAFE_PATH', `refusing to write "${name}" outside ${base}`, { params: { entry: name } });
    let fh;
    try {
      fh = await open(candidate, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ScelleError('IO_ERROR', `cannot write ${candidate}: ${(e as Error).message}`, { cause: e, params: { file: candidate } });
    }
    try {
      await fh.writeFile(content);
      await fh.sync();
    } catch (e) {
      throw new ScelleError('IO_ERROR', `cannot write ${candidate}: ${(e as Error).message}`, { cause: e, params: { file: candidate } });
    } finally {
      await fh.close();
    }
    return candidate;
  }
  throw new ScelleError('OUTPUT_EXISTS', `too many files named like "${safe}" in ${base}`, { params: { file: safe } });
}
