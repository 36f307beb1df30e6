/**
 * `scelle mss send|read|ack` — secure health messaging (MSSanté-style): S/MIME signed and/or
 * encrypted messages, IHE XDM packages, read receipts (MDN), over SMTP submission and IMAPS with
 * TLS ≥ 1.2 checked against --trust. Thin: options → library → text or --json.
 *
 * The mail account password is not the identity's: `--mail-pass-file FILE` or SCELLE_MAIL_PASSWORD
 * (or a prompt); `--pass-file` / SCELLE_PASSWORD stay for the p12.
 */
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import {
  ScelleError, isScelleError, readInputFile, writeFileAtomic, parseCertificates, selectCertificate,
  composeMessage, readMessage, readReceiptRequest, buildMdn, parseMailUrl, sendMessage, fetchMessages, saveAttachment,
  type Identity, type IdentityEntry, type X509Cert, type MessageReport, type ComposedMessage, type MailServerUrl, type Crl,
} from '../../src/index.js';
import { action, localizedMessage } from '../main.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, addTrustOptions, hasIdentity, openIdentity, readCrls, readTrust, parseAt, type IdentityOptions } from '../options.js';
import { readSecret } from '../secrets.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface TransportCliOptions {
  smtp?: string;
  out?: string;
  trust: string[];
  crl: string[];
  at?: string;
  mailPassFile?: string;
  clientCert?: boolean;
}

interface SendCliOptions extends IdentityOptions, TransportCliOptions {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  body?: string;
  attach: string[];
  xdm?: boolean;
  sign?: boolean;
  encrypt?: boolean;
  toCert: string[];
  cbc?: boolean;
  receipt: boolean;
  allowPlainAttachments?: boolean;
}

interface ReadCliOptions extends IdentityOptions {
  imap?: string;
  mailbox: string;
  all?: boolean;
  keepUnseen?: boolean;
  trust: string[];
  crl: string[];
  at?: string;
  saveDir?: string;
  mailPassFile?: string;
  clientCert?: boolean;
}

interface AckCliOptions extends IdentityOptions, TransportCliOptions {
  from?: string;
  sign?: boolean;
}

function usage(detail: string): ScelleError {
  return new ScelleError('USAGE', detail, { params: { detail } });
}

function mailPassword(ctx: Ctx, file: string | undefined): Promise<string> {
  return readSecret({ ...(file !== undefined ? { file } : {}), envVar: 'SCELLE_MAIL_PASSWORD', promptKey: 'mss.prompt.mailPassword', missingCode: 'PASSWORD_REQUIRED' }, ctx.io, ctx.t);
}

/** `--smtp`, `--out`, trust and the mail password, shared by send and ack. */
function addTransportOptions(cmd: Command): Command {
  return addTrustOptions(cmd)
    .option('--smtp <url>', 'send through this server: smtps://user@host:465 (TLS) or smtp://user@host:587 (STARTTLS required)')
    .option('--out <file.eml>', 'write the finished message to this file instead of sending it')
    .option('--mail-pass-file <file>', 'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)')
    .option('--client-cert', 'also present the identity’s authentication certificate (TLS client authentication); implied when the URL names no user');
}

/** The CA certificates of an identity without the root (to embed in signatures and TLS chains). */
function chainOf(identity: Identity): X509Cert[] {
  return identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued());
}

/** Sends or writes a finished message; returns what to report. */
async function deliver(ctx: Ctx, msg: ComposedMessage, o: TransportCliOptions, identity: Identity | undefined): Promise<Record<string, unknown>> {
  if ((o.smtp === undefined) === (o.out === undefined)) throw usage('give exactly one of --smtp URL (send) or --out FILE.eml (write)');
  if (o.out !== undefined) {
    const path = resolve(ctx.io.cwd, o.out);
    await writeFileAtomic(path, msg.raw, { mode: 0o600 });
    return { out: path, bytes: msg.raw.length };
  }
  const url: MailServerUrl = parseMailUrl(o.smtp!, 'smtp');
  const trustAnchors = await readTrust(ctx, o.trust);
  if (trustAnchors.length === 0) throw usage('--smtp needs --trust FILE: the authority of the mail server’s certificate (the system store is never used silently)');
  const clientCertificate = url.user === undefined || o.clientCert ? clientCertOf(identity) : undefined;
  const password = url.user !== undefined ? await mailPassword(ctx, o.mailPassFile) : undefined;
  const result = await sendMessage(msg.raw, {
    url, trustAnchors, envelope: msg.envelope,
    ...(password !== undefined ? { password } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
  });
  return { server: `${url.host}:${url.port}`, security: url.security, clientCertificate: clientCertificate?.entry.certificate.subject, accepted: result.accepted, response: result.response };
}

function clientCertOf(identity: Identity | undefined): { entry: IdentityEntry; chain: X509Cert[] } {
  if (identity === undefined) throw usage('TLS client authentication needs an identity (--identity, --key/--cert) with an authentication certificate');
  return { entry: selectCertificate(identity, 'auth').entry, chain: chainOf(identity) };
}

/** Encryption certificates from --to-cert files: for each file, the certificates fit for encryption. */
async function recipientCertificates(ctx: Ctx, files: string[]): Promise<{ fit: { certificate: X509Cert; name: string }[]; all: X509Cert[] }> {
  const fit: { certificate: X509Cert; name: string }[] = [];
  const all: X509Cert[] = [];
  for (const f of files) {
    const certs = parseCertificates(await readInputFile(resolve(ctx.io.cwd, f)));
    all.push(...certs);
    const leaves = certs.filter((c) => c.basicConstraints?.ca !== true);
    const enc = leaves.filter((c) => c.keyUsage === undefined || c.keyUsage.includes('keyEncipherment') || c.keyUsage.includes('keyAgreement'));
    if (enc.length === 0) throw new ScelleError('RECIPIENT_CERT_INVALID', `${f} holds no encryption certificate (key usage keyEncipherment or keyAgreement)`, { params: { file: f, detail: 'no encryption certificate' } });
    for (const c of enc) fit.push({ certificate: c, name: basename(f) });
  }
  return { fit, all };
}

const emailsOf = (c: X509Cert): string[] => c.subjectAltNames.filter((n) => n.type === 'email').map((n) => n.value.toLowerCase());

export function registerMssCommands(program: Command): void {
  const mss = program.command('mss').description('secure health messaging (MSSanté): S/MIME, IHE XDM, read receipts, SMTP/IMAP over TLS');

  addTransportOptions(addIdentityOptions(
    mss.command('send')
      .description('compose a message (signed, encrypted, XDM as asked) and send it (--smtp) or write it (--out)')
      .requiredOption('--from <addr>', 'sender address (must be in your certificate when signing)')
      .requiredOption('--to <addr...>', 'recipient addresses')
      .option('--cc <addr>', 'copy to (repeatable)', collect, [])
      .requiredOption('--subject <text>', 'subject (French accents are fine)')
      .option('--body <file>', 'text of the message (UTF-8 file)')
      .option('--attach <file...>', 'files to attach', [])
      .option('--xdm', 'pack the attachments as an IHE XDM package (IHE_XDM.zip, with hashes in METADATA.XML)')
      .option('--sign', 'sign (S/MIME multipart/signed, CAdES, SHA-256) with the identity’s signature certificate')
      .option('--encrypt', 'encrypt (S/MIME, AES-256-GCM AuthEnvelopedData) to --to-cert and to yourself')
      .option('--to-cert <file...>', 'recipients’ certificates (PEM/DER; the encryption one is picked)', [])
      .option('--cbc', 'with --encrypt: compatibility mode for PKCS#7-only clients (openssl smime, gpgsm 2.2): EnvelopedData AES-256-CBC, RSA PKCS#1 v1.5 key transport')
      .option('--no-receipt', 'do not ask for a read receipt (Disposition-Notification-To)')
      .addOption(new Option('--allow-plain-attachments', 'send attachments unencrypted even outside MSSanté (not advised)').hideHelp()),
  )).action(action(async (ctx: Ctx, o: SendCliOptions) => {
    if (o.encrypt && o.toCert.length === 0) throw usage('--encrypt needs the recipients’ certificates: --to-cert FILE…');
    if (!o.encrypt && (o.toCert.length > 0 || o.cbc)) throw usage('--to-cert and --cbc go with --encrypt');
    const needIdentity = o.sign === true || (o.smtp !== undefined && (o.clientCert === true || !/^smtps?:\/\/[^/@]+@/.test(o.smtp)));
    if (needIdentity && !hasIdentity(o)) throw usage('this needs your identity (--identity FILE.p12, --key/--cert or --pkcs11): to sign, or for TLS client authentication');
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    try {
      const text = o.body !== undefined ? Buffer.from(await readInputFile(resolve(ctx.io.cwd, o.body))).toString('utf8') : '';
      const attachments = await Promise.all(o.attach.map(async (f) => ({ fileName: basename(f), content: await readInputFile(resolve(ctx.io.cwd, f), 256 * 1024 * 1024) })));
      const trustAnchors = await readTrust(ctx, o.trust);
      const crls: Crl[] = await readCrls(ctx, o.crl);
      let sign: { signer: IdentityEntry; chain: X509Cert[] } | undefined;
      if (o.sign) {
        const sel = selectCertificate(identity!, 'sign');
        ctx.log(ctx.t('sign.picked', { subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
        if (!emailsOf(sel.entry.certificate).includes(o.from.toLowerCase())) {
          throw usage(`--from ${o.from} is not the address of your signature certificate (${emailsOf(sel.entry.certificate).join(', ') || 'none'}): recipients would see a sender mismatch`);
        }
        sign = { signer: sel.entry, chain: chainOf(identity!) };
      }
      let encrypt;
      if (o.encrypt) {
        const { fit, all } = await recipientCertificates(ctx, o.toCert);
        for (const addr of [...o.to, ...o.cc]) {
          if (!fit.some((r) => emailsOf(r.certificate).includes(addr.toLowerCase()))) {
            throw usage(`no encryption certificate for ${addr} among --to-cert: that recipient could not read the message`);
          }
        }
        const recipients = [...fit];
        if (identity) {
          try {
            const own = selectCertificate(identity, 'encrypt').entry.certificate;
            if (!recipients.some((r) => r.certificate.equals(own))) recipients.push({ certificate: own, name: 'you (sent copy)' });
          } catch (e) {
            if (!isScelleError(e, 'NO_SUITABLE_CERTIFICATE')) throw e;
          }
        }
        const at = parseAt(o.at, ctx);
        encrypt = {
          recipients, cipher: o.cbc ? 'aes-256-cbc' as const : 'aes-256-gcm' as const,
          ...(trustAnchors.length > 0 ? { trustAnchors, intermediates: [...all, ...(identity?.certificates ?? [])] } : {}),
          ...(crls.length > 0 ? { crls } : {}),
          ...(at ? { at } : {}),
        };
      }
      const msg = await composeMessage({
        from: o.from, to: o.to, cc: o.cc, subject: o.subject, text, attachments,
        ...(o.xdm ? { xdm: xdmAuthor(sign?.signer) } : {}),
        ...(sign ? { sign } : {}),
        ...(encrypt ? { encrypt } : {}),
        requestReceipt: o.receipt !== false,
        ...(o.allowPlainAttachments ? { allowPlainAttachments: true } : {}),
      });
      const delivered = await deliver(ctx, msg, o, identity);
      if (ctx.json) {
        ctx.emitJson({
          ok: true, messageId: msg.messageId, envelope: msg.envelope, layers: msg.layers,
          ...(msg.encryption ? { encryption: { contentType: msg.encryption.contentType, cipher: msg.encryption.cipher, recipients: msg.encryption.recipients.length } } : {}),
          ...(msg.xdm ? { xdm: { submissionSetUniqueId: msg.xdm.submissionSetUniqueId, documents: msg.xdm.documents } } : {}),
          receiptRequested: o.receipt !== false,
          ...delivered,
        });
      } else {
        const how = [
          msg.layers.includes('signed') ? ctx.t('mss.send.signed') : ctx.t('mss.send.unsigned'),
          msg.encryption ? ctx.t('mss.send.encrypted', { type: msg.layers[0]!, cipher: msg.encryption.cipher, n: msg.encryption.recipients.length }) : ctx.t('mss.send.notEncrypted'),
          ...(msg.xdm ? [ctx.t('mss.send.xdm', { n: msg.xdm.documents.length })] : []),
        ].join(', ');
        if (delivered.out !== undefined) ctx.line(ctx.t('mss.send.written', { id: msg.messageId, file: String(delivered.out), how }));
        else ctx.line(ctx.t('mss.send.sent', { id: msg.messageId, to: msg.envelope.to.join(', '), server: String(delivered.server), how }));
      }
      return 0;
    } finally {
      identity?.close();
    }
  }));

  addTrustOptions(addIdentityOptions(
    mss.command('read')
      .description('read messages from a file or an IMAPS mailbox: decrypt, verify the signature and the sender (name, RPPS), check XDM hashes, recognise read receipts')
      .argument('[file.eml]', 'a message file (instead of --imap)')
      .option('--imap <url>', 'read this mailbox: imaps://user@host:993')
      .option('--mailbox <name>', 'IMAP folder', 'INBOX')
      .option('--all', 'read every message, not only unseen ones')
      .option('--keep-unseen', 'do not mark the messages read as seen')
      .option('--save-dir <dir>', 'save the attachments (and XDM documents) of messages whose checks pass, with safe names, never overwriting')
      .option('--mail-pass-file <file>', 'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)')
      .option('--client-cert', 'present the identity’s authentication certificate (TLS client authentication)'),
  )).action(action(async (ctx: Ctx, file: string | undefined, o: ReadCliOptions) => {
    if ((file === undefined) === (o.imap === undefined)) throw usage('give a message file or --imap URL (one of them)');
    const trustAnchors = await readTrust(ctx, o.trust);
    if (trustAnchors.length === 0) throw usage('mss read needs --trust FILE: the roots that senders’ certificates (and the mail server’s) must chain to');
    const crls = await readCrls(ctx, o.crl);
    const at = parseAt(o.at, ctx);
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    const results: { source: string; report?: MessageReport; error?: ScelleError; saved: string[] }[] = [];
    const handle = async (raw: Uint8Array, source: string): Promise<void> => {
      let entry: (typeof results)[number];
      try {
        const report = await readMessage(raw, {
          trustAnchors, name: source,
          ...(identity ? { identity } : {}),
          ...(crls.length > 0 ? { crls } : {}),
          ...(at ? { at } : {}),
        });
        const saved = o.saveDir !== undefined && report.ok ? await saveAll(resolve(ctx.io.cwd, o.saveDir), report) : [];
        entry = { source, report, saved };
      } catch (e) {
        if (!isScelleError(e)) throw e;
        entry = { source, error: e, saved: [] };
      }
      results.push(entry);
      renderReport(ctx, entry, o.saveDir !== undefined);
    };
    try {
      if (file !== undefined) {
        const raw = await readInputFile(resolve(ctx.io.cwd, file), 256 * 1024 * 1024);
        // One file: a message that cannot be parsed at all is an error (exit 1), not a verdict.
        const report = await readMessage(raw, {
          trustAnchors, name: file,
          ...(identity ? { identity } : {}),
          ...(crls.length > 0 ? { crls } : {}),
          ...(at ? { at } : {}),
        });
        const saved = o.saveDir !== undefined && report.ok ? await saveAll(resolve(ctx.io.cwd, o.saveDir), report) : [];
        const entry = { source: file, report, saved };
        results.push(entry);
        renderReport(ctx, entry, o.saveDir !== undefined);
      } else {
        const url = parseMailUrl(o.imap!, 'imap');
        const password = await mailPassword(ctx, o.mailPassFile);
        const clientCertificate = o.clientCert ? clientCertOf(identity) : undefined;
        await fetchMessages({
          url, password, trustAnchors, mailbox: o.mailbox,
          unseenOnly: o.all !== true, markSeen: o.keepUnseen !== true,
          ...(clientCertificate ? { clientCertificate } : {}),
          onMessage: async (m) => handle(m.raw, `${o.mailbox} UID ${m.uid}`),
        });
        if (results.length === 0 && !ctx.json) ctx.line(ctx.t('mss.read.none', { mailbox: o.mailbox }));
      }
    } finally {
      identity?.close();
    }
    const negative = results.some((r) => (r.report && !r.report.ok) || (r.error && r.error.code !== 'MIME_MALFORMED' && !['IO_ERROR', 'INTERNAL'].includes(r.error.code)));
    const failed = results.some((r) => r.error);
    if (ctx.json) {
      ctx.emitJson({ ok: !negative && !failed, messages: results.map((r) => (r.report ? { source: r.source, ...jsonReport(r.report), saved: r.saved } : { source: r.source, ok: false, error: { code: r.error!.code, message: r.error!.message } })) });
    }
    if (results.some((r) => r.report && !r.report.ok)) return 3;
    if (failed) return negative ? 3 : 1;
    return 0;
  }));

  addTransportOptions(addIdentityOptions(
    mss.command('ack')
      .description('answer a received message with a read receipt (MDN, RFC 8098: displayed), written (--out) or sent (--smtp)')
      .argument('<file.eml>', 'the received message')
      .option('--from <addr>', 'your address (default: the one of the original’s recipients that is yours)')
      .option('--sign', 'sign the receipt with the identity’s signature certificate'),
  )).action(action(async (ctx: Ctx, file: string, o: AckCliOptions) => {
    const raw = await readInputFile(resolve(ctx.io.cwd, file), 256 * 1024 * 1024);
    const request = await readReceiptRequest(raw, file);
    if (o.sign && !hasIdentity(o)) throw usage('--sign needs your identity');
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    try {
      let from = o.from;
      if (from === undefined) {
        const mine = identity ? identity.entries.flatMap((e) => emailsOf(e.certificate)) : [];
        from = request.recipients.find((r) => mine.includes(r.toLowerCase())) ?? (request.recipients.length === 1 ? request.recipients[0] : undefined);
        if (from === undefined) throw usage('the original has several recipients: say which one you are with --from ADDR');
      }
      const msg = await buildMdn({
        request, from,
        ...(o.sign ? { sign: { signer: selectCertificate(identity!, 'sign').entry, chain: chainOf(identity!) } } : {}),
      });
      const delivered = await deliver(ctx, msg, o, identity);
      if (ctx.json) ctx.emitJson({ ok: true, messageId: msg.messageId, originalMessageId: request.originalMessageId, to: request.notifyTo, layers: msg.layers, ...delivered });
      else ctx.line(ctx.t(delivered.out !== undefined ? 'mss.ack.written' : 'mss.ack.sent', { original: request.originalMessageId, to: request.notifyTo, file: String(delivered.out ?? ''), server: String(delivered.server ?? '') }));
      return 0;
    } finally {
      identity?.close();
    }
  }));
}

function xdmAuthor(signer: IdentityEntry | undefined): { author?: { familyName?: string; givenName?: string; idNat?: string; email?: string } } {
  if (signer === undefined) return {};
  const c = signer.certificate;
  const attr = (short: string): string | undefined => c.subjectAttributes.find((a) => a.shortName === short)?.value;
  const email = emailsOf(c)[0];
  const familyName = attr('SN');
  const givenName = attr('GN');
  const idNat = attr('CN');
  return { author: { ...(familyName ? { familyName } : {}), ...(givenName ? { givenName } : {}), ...(idNat ? { idNat } : {}), ...(email ? { email } : {}) } };
}

/** Saves a passing message's attachments; XDM documents are extracted under their titles. */
async function saveAll(dir: string, report: MessageReport): Promise<string[]> {
  const saved: string[] = [];
  for (const a of report.attachments) saved.push(await saveAttachment(dir, a.fileName, a.content));
  for (const d of report.xdm?.documents ?? []) {
    if (d.content !== undefined && d.ok) saved.push(await saveAttachment(dir, d.title ?? basename(d.path), d.content));
  }
  return saved;
}

function jsonReport(r: MessageReport): Record<string, unknown> {
  return {
    ok: r.ok, kind: r.kind, messageId: r.messageId, from: r.from, to: r.to, subject: r.subject, date: r.date?.toISOString(),
    receiptRequestedBy: r.receiptRequestedBy, layers: r.layers,
    encryption: r.encryption,
    signature: r.signature ? { ...r.signature, verdict: undefined, signingTime: r.signature.signingTime?.toISOString() } : undefined,
    attachments: r.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, size: a.size, sha256: a.sha256 })),
    xdm: r.xdm ? { ok: r.xdm.ok, submissionSet: r.xdm.submissionSet, documents: r.xdm.documents.map((d) => ({ path: d.path, title: d.title, mimeType: d.mimeType, declared: d.declared, actual: d.actual, ok: d.ok, problems: d.problems })) } : undefined,
    mdn: r.mdn,
    problems: r.problems,
  };
}

function renderReport(ctx: Ctx, entry: { source: string; report?: MessageReport; error?: ScelleError; saved: string[] }, saving: boolean): void {
  if (ctx.json) return;
  const { t } = ctx;
  const c = t('punct.colon');
  if (entry.error) {
    ctx.line(`${entry.source}${c}${t('mss.read.error')} [${entry.error.code}] ${localizedMessage(entry.error, ctx.lang)}`);
    return;
  }
  const r = entry.report!;
  const lines: string[] = [];
  lines.push(`${entry.source}${c}${r.ok ? t('mss.read.ok') : t('mss.read.negative')}${r.problems[0] ? ` [${r.problems[0].code}]` : ''}`);
  lines.push(`  ${t('mss.read.message')}${c}${r.messageId ?? '—'}`);
  lines.push(`  ${t('mss.read.from')}${c}${r.from ?? '—'} → ${r.to.join(', ')}`);
  lines.push(`  ${t('mss.read.subject')}${c}${r.subject ?? ''}${r.date ? ` (${r.date.toISOString()})` : ''}`);
  if (r.encryption) {
    lines.push(`  ${t('mss.read.encryption')}${c}${r.encryption.ok ? t('mss.read.decrypted', { type: r.encryption.smimeType, cipher: r.encryption.cipher ?? '', with: r.encryption.openedWith ?? '' }) : `${t('mss.read.notDecrypted')} [${r.encryption.code}]`}`);
  } else lines.push(`  ${t('mss.read.encryption')}${c}${t('mss.read.notEncrypted')}`);
  const s = r.signature;
  if (s) {
    const who = s.signer ? `${s.signer.name}${s.signer.rpps ? ` (RPPS ${s.signer.rpps})` : ''}${s.signer.profession ? `, ${s.signer.profession}` : ''}` : '—';
    lines.push(`  ${t('mss.read.signature')}${c}${s.ok ? t('sig.valid') : t('sig.invalid')}${s.code ? ` [${s.code}]` : ''} — ${who}`);
    lines.push(`  ${t('mss.read.sender')}${c}${s.fromMatches ? t('mss.read.senderOk') : t('mss.read.senderMismatch')}; ${t('mss.read.chain')}${c}${s.chainOk ? t('sig.chainOk') : t('mss.read.chainBad')}${s.signingTime ? `; ${t('sig.when')}${c}${s.signingTime.toISOString()}` : ''}`);
  } else lines.push(`  ${t('mss.read.signature')}${c}${t('mss.read.unsigned')}`);
  if (r.mdn) lines.push(`  ${t('mss.read.mdn', { original: r.mdn.originalMessageId ?? '?', disposition: r.mdn.disposition.type, by: r.mdn.finalRecipient ?? r.from ?? '?' })}`);
  for (const a of r.attachments) lines.push(`  ${t('mss.read.attachment')}${c}${a.fileName} (${a.contentType}, ${a.size} ${t('mss.read.bytes')}, SHA-256 ${a.sha256})`);
  if (r.xdm) {
    lines.push(`  XDM${c}${r.xdm.ok ? t('mss.read.xdmOk', { n: r.xdm.documents.length }) : t('mss.read.xdmBad')}`);
    for (const d of r.xdm.documents) lines.push(`    ${d.path}${d.title ? ` « ${d.title} »` : ''} ${d.actual ? `${d.actual.size} ${t('mss.read.bytes')}, SHA-1 ${d.actual.sha1}` : ''} ${d.ok ? 'OK' : t('mss.read.xdmDocBad')}`);
  }
  if (r.receiptRequestedBy) lines.push(`  ${t('mss.read.receipt', { to: r.receiptRequestedBy })}`);
  for (const p of r.problems) lines.push(`  ${t('verify.problem')} [${p.code}] ${ctx.lang === 'fr' ? `${t(`error.${p.code}`, { detail: '', file: '', host: '', user: '' }).replace(/\s*:\s*$/, '')} — ` : ''}${p.message}`);
  for (const f of entry.saved) lines.push(`  ${t('mss.read.saved', { file: f })}`);
  if (saving && !r.ok) lines.push(`  ${t('mss.read.notSaved')}`);
  ctx.line(lines.join('\n'));
}
