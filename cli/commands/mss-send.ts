/** `scelle mss send` — compose a message (signed, encrypted, XDM as asked) and send or write it. */
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import {
  ScelleError, isScelleError, parseCertificates, selectCertificate, composeMessage, type DirectoryEntry,
  type Identity, type IdentityEntry, type X509Cert, type Crl,
} from '../../src/index.js';
import { readInputFile, appendSentRecord, mailboxesOf } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, openIdentity, readCrls, parseAt, type IdentityOptions } from '../options.js';
import { readMssTrust } from './mss-trust.js';
import { directoryPath } from './mss-directory.js';
import { chainOf, collect, emailsOf, usage } from './mss-common.js';
import { addTransportOptions, deliver, type TransportCliOptions } from './mss-transport.js';

interface SendCliOptions extends IdentityOptions, TransportCliOptions {
  from: string;
  to: string[];
  toRpps: string[];
  directory?: string;
  cc: string[];
  subject: string;
  body?: string;
  attach: string[];
  cda: string[];
  nil?: string;
  blockPatientReply?: boolean;
  sentLog?: string;
  xdm?: boolean;
  sign?: boolean;
  encrypt?: boolean;
  toCert: string[];
  cbc?: boolean;
  receipt: boolean;
  allowPlainAttachments?: boolean;
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

function signerOf(ctx: Ctx, identity: Identity, from: string): { signer: IdentityEntry; chain: X509Cert[] } {
  const sel = selectCertificate(identity, 'sign');
  ctx.log(ctx.t('sign.picked', { subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
  if (!emailsOf(sel.entry.certificate).includes(from.toLowerCase())) {
    throw usage(`--from ${from} is not the address of your signature certificate (${emailsOf(sel.entry.certificate).join(', ') || 'none'}): recipients would see a sender mismatch`);
  }
  return { signer: sel.entry, chain: chainOf(identity) };
}

async function encryptionOf(ctx: Ctx, o: SendCliOptions, identity: Identity | undefined, recipientsTo: string[]): Promise<NonNullable<Parameters<typeof composeMessage>[0]['encrypt']>> {
  const { fit, all } = await recipientCertificates(ctx, o.toCert);
  for (const addr of recipientsTo) {
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
  const trustAnchors = (await readMssTrust(ctx, o)).anchors;
  const crls: Crl[] = await readCrls(ctx, o.crl);
  const at = parseAt(o.at, ctx);
  return {
    recipients, cipher: o.cbc ? 'aes-256-cbc' as const : 'aes-256-gcm' as const,
    ...(trustAnchors.length > 0 ? { trustAnchors, intermediates: [...all, ...(identity?.certificates ?? [])] } : {}),
    ...(crls.length > 0 ? { crls } : {}),
    ...(at ? { at } : {}),
  };
}

/** The personal mailbox of each --to-rpps practitioner; several mailboxes: the user chooses. */
async function resolveRpps(ctx: Ctx, o: SendCliOptions): Promise<string[]> {
  const out: string[] = [];
  for (const rpps of o.toRpps) {
    const boxes = await mailboxesOf(directoryPath(ctx, o.directory), rpps);
    const name = (e: DirectoryEntry): string => [e.given, e.family].filter(Boolean).join(' ');
    if (boxes.length > 1) throw usage(`--to-rpps ${rpps}: ${name(boxes[0]!)} has ${boxes.length} personal mailboxes (${boxes.map((b) => b.address).join(', ')}): choose one with --to ADDR`);
    ctx.log(ctx.t('mss.send.toRpps', { rpps, address: boxes[0]!.address, name: name(boxes[0]!) }));
    out.push(boxes[0]!.address);
  }
  return out;
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

export function registerMssSend(mss: Command): void {
  addTransportOptions(addIdentityOptions(
    mss.command('send')
      .description('compose a message (signed, encrypted, XDM as asked) and send it (--smtp) or write it (--out)')
      .requiredOption('--from <addr>', 'sender address (must be in your certificate when signing)')
      .option('--to <addr...>', 'recipient addresses', [])
      .option('--to-rpps <rpps...>', 'recipients by RPPS number: their personal MSSanté mailbox from the directory (mss directory import)', [])
      .option('--directory <file>', 'the directory index for --to-rpps (default: SCELLE_MSS_DIRECTORY, else ~/.local/share/scelle/annuaire-mssante.idx)')
      .option('--cc <addr>', 'copy to (repeatable)', collect, [])
      .requiredOption('--subject <text>', 'subject (French accents are fine)')
      .option('--body <file>', 'text of the message (UTF-8 file)')
      .option('--attach <file...>', 'files to attach', [])
      .option('--cda <file.xml>', 'a CDA R2 document (e.g. a compte rendu): sent in IHE_XDM.zip with the metadata of its header, announced by X-MSS-CODECDA and X-MSS-INS (repeatable)', collect, [])
      .option('--xdm', 'pack the attachments as an IHE XDM package too (IHE_XDM.zip, with hashes in METADATA.XML); without it, --attach files travel beside the package')
      .option('--nil <reference>', 'your software’s product reference from convergence.esante.gouv.fr, sent as X-MSS-NIL (default: SCELLE_MSS_NIL)')
      .option('--sent-log <file>', 'append the message to this register of sent messages, so that mss read links receipts to it (default: SCELLE_MSS_SENT_LOG)')
      .option('--block-patient-reply', 'to a patient’s Mon espace santé address (…@patient.mssante.fr): the patient may not answer (X-MSS-MES: FIN)')
      .option('--sign', 'sign (S/MIME multipart/signed, CAdES, SHA-256) with the identity’s signature certificate')
      .option('--encrypt', 'encrypt (S/MIME, AES-256-GCM AuthEnvelopedData) to --to-cert and to yourself')
      .option('--to-cert <file...>', 'recipients’ certificates (PEM/DER; the encryption one is picked)', [])
      .option('--cbc', 'with --encrypt: compatibility mode for PKCS#7-only clients (openssl smime, gpgsm 2.2): EnvelopedData AES-256-CBC, RSA PKCS#1 v1.5 key transport')
      .option('--no-receipt', 'do not ask for a read receipt (Disposition-Notification-To)')
      .addOption(new Option('--allow-plain-attachments', 'send attachments unencrypted even outside MSSanté (not advised)').hideHelp()),
  )).action(action(async (ctx: Ctx, o: SendCliOptions) => {
    o.to = [...o.to, ...(await resolveRpps(ctx, o))];
    if (o.to.length === 0) throw usage('give the recipients: --to ADDR… or --to-rpps RPPS…');
    if (o.encrypt && o.toCert.length === 0) throw usage('--encrypt needs the recipients’ certificates: --to-cert FILE…');
    if (!o.encrypt && (o.toCert.length > 0 || o.cbc)) throw usage('--to-cert and --cbc go with --encrypt');
    const needIdentity = o.sign === true || (o.smtp !== undefined && (o.clientCert === true || !/^smtps?:\/\/[^/@]+@/.test(o.smtp)));
    if (needIdentity && !hasIdentity(o)) throw usage('this needs your identity (--identity FILE.p12, --key/--cert or --pkcs11): to sign, or for TLS client authentication');
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    try {
      const text = o.body !== undefined ? Buffer.from(await readInputFile(resolve(ctx.io.cwd, o.body))).toString('utf8') : '';
      const attachments = await Promise.all(o.attach.map(async (f) => ({ fileName: basename(f), content: await readInputFile(resolve(ctx.io.cwd, f), 256 * 1024 * 1024) })));
      const cda = await Promise.all(o.cda.map(async (f) => ({ fileName: basename(f), content: await readInputFile(resolve(ctx.io.cwd, f), 64 * 1024 * 1024) })));
      const nil = o.nil ?? ctx.io.env.SCELLE_MSS_NIL;
      const sign = o.sign ? signerOf(ctx, identity!, o.from) : undefined;
      const encrypt = o.encrypt ? await encryptionOf(ctx, o, identity, [...o.to, ...o.cc]) : undefined;
      const msg = await composeMessage({
        from: o.from, to: o.to, cc: o.cc, subject: o.subject, text, attachments,
        ...(o.xdm ? { xdm: xdmAuthor(sign?.signer) } : {}),
        ...(cda.length > 0 ? { cda } : {}),
        mss: { ...(nil ? { nil } : {}), ...(o.blockPatientReply ? { blockPatientReply: true } : {}) },
        ...(sign ? { sign } : {}),
        ...(encrypt ? { encrypt } : {}),
        requestReceipt: o.receipt !== false,
        ...(o.allowPlainAttachments ? { allowPlainAttachments: true } : {}),
      });
      const delivered = await deliver(ctx, msg, o, identity);
      const sentLog = o.sentLog ?? ctx.io.env.SCELLE_MSS_SENT_LOG;
      if (sentLog !== undefined && sentLog !== '') {
        await appendSentRecord(resolve(ctx.io.cwd, sentLog), {
          v: 1, messageId: msg.messageId, date: new Date().toISOString(), from: msg.envelope.from, to: msg.envelope.to, subject: o.subject,
          receiptRequested: o.receipt !== false, via: delivered.out !== undefined ? 'file' : 'smtp',
          cdaCodes: (msg.cda ?? []).map((c) => c.code.code), files: [...cda.map((c) => c.fileName), ...attachments.map((a) => a.fileName)],
        });
      }
      if (ctx.json) {
        ctx.emitJson({
          ok: true, messageId: msg.messageId, envelope: msg.envelope, layers: msg.layers,
          ...(msg.encryption ? { encryption: { contentType: msg.encryption.contentType, cipher: msg.encryption.cipher, recipients: msg.encryption.recipients.length } } : {}),
          ...(msg.xdm ? { xdm: { submissionSetUniqueId: msg.xdm.submissionSetUniqueId, documents: msg.xdm.documents } } : {}),
          mssHeaders: msg.mssHeaders ?? {},
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
      return;
    } finally {
      identity?.close();
    }
  }));
}
