/**
 * `scelle mss ack` — answer a received message: a read receipt (MDN "displayed"), the volet's
 * integration receipt (`--processed`), or an integration error (`--error CODE`): an MDN
 * `processed/Error: code^label` when the sender asked for a receipt, else the volet's error e-mail.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  readReceiptRequest, readMessage, buildMdn, buildIntegrationErrorMail, selectCertificate, type Identity,
  type ReceiptRequest, type SubjectDocument, type ComposedMessage, type CdaHeader,
} from '../../src/index.js';
import { integrationError, readInputFile } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, openIdentity, readCrls, type IdentityOptions } from '../options.js';
import { readMssTrust } from './mss-trust.js';
import { chainOf, emailsOf, usage } from './mss-common.js';
import { addTransportOptions, deliver, type TransportCliOptions } from './mss-transport.js';

interface AckCliOptions extends IdentityOptions, TransportCliOptions {
  from?: string;
  sign?: boolean;
  processed?: boolean;
  error?: string;
  errorLabel?: string;
}

function myAddress(request: ReceiptRequest, identity: Identity | undefined, given: string | undefined): string {
  if (given !== undefined) return given;
  const mine = identity ? identity.entries.flatMap((e) => emailsOf(e.certificate)) : [];
  const from = request.recipients.find((r) => mine.includes(r.toLowerCase())) ?? (request.recipients.length === 1 ? request.recipients[0] : undefined);
  if (from === undefined) throw usage('the original has several recipients: say which one you are with --from ADDR');
  return from;
}

/** The document and patient the original carried (first CDA of its XDM package), and its attachments. */
async function originalContent(ctx: Ctx, raw: Uint8Array, file: string, o: AckCliOptions, identity: Identity | undefined): Promise<{ document?: SubjectDocument; cda: CdaHeader[]; attachments: { fileName: string; contentType: string; content: Uint8Array }[] }> {
  const report = await readMessage(raw, { trustAnchors: (await readMssTrust(ctx, o)).anchors, crls: await readCrls(ctx, o.crl), name: file, ...(identity ? { identity } : {}) });
  if (report.encryption && !report.encryption.ok) throw usage(`${file} is encrypted and could not be opened (${report.encryption.code}): give your identity to read the document it carries`);
  const cda = report.xdm?.documents.find((d) => d.cda)?.cda;
  const document = cda ? { label: cda.title, ...(cda.patient.name.family ? { family: cda.patient.name.family } : {}), ...(cda.patient.name.given[0] ? { given: cda.patient.name.given[0] } : {}), ...(cda.patient.birthTime ? { birthTime: cda.patient.birthTime } : {}) } : undefined;
  const cdas = (report.xdm?.documents ?? []).map((d) => d.cda).filter((c): c is CdaHeader => c !== undefined);
  return { ...(document ? { document } : {}), cda: cdas, attachments: report.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, content: a.content })) };
}

function errorOf(o: AckCliOptions): { code: string; label: string } | undefined {
  if (o.error === undefined) {
    if (o.errorLabel !== undefined) throw usage('--error-label goes with --error CODE');
    return undefined;
  }
  if (!/^\d{1,6}$/.test(o.error)) throw usage(`--error ${o.error}: an error code is a number (the volet's tables: 100–207, 900–904)`);
  const label = o.errorLabel ?? integrationError(o.error)?.label;
  if (label === undefined) throw usage(`--error ${o.error} is not in the volet's tables: give its label with --error-label TEXT`);
  if (/[\r\n^]/.test(label)) throw usage('--error-label must be one line without "^"');
  return { code: o.error, label };
}

export function registerMssAck(mss: Command): void {
  addTransportOptions(addIdentityOptions(
    mss.command('ack')
      .description('answer a received message: read receipt (MDN displayed), integration receipt (--processed) or integration error (--error CODE: MDN, or the volet’s error e-mail when no receipt was asked), written (--out) or sent (--smtp)')
      .argument('<file.eml>', 'the received message')
      .option('--from <addr>', 'your address (default: the one of the original’s recipients that is yours)')
      .option('--processed', 'the document was integrated: automatic-action/MDN-sent-automatically; processed (ANS volet)')
      .option('--error <code>', 'the document could not be integrated: an error code of the ANS volet (e.g. 902 Identifiant patient inconnu, 903 INS non présent…)')
      .option('--error-label <text>', 'the label of an error code that is not in the volet’s tables')
      .option('--sign', 'sign the receipt with the identity’s signature certificate'),
  )).action(action(async (ctx: Ctx, file: string, o: AckCliOptions) => {
    const raw = await readInputFile(resolve(ctx.io.cwd, file), 256 * 1024 * 1024);
    const request = await readReceiptRequest(raw, file);
    const error = errorOf(o);
    if (request.notifyTo === undefined && error === undefined) throw usage(`${file} asks for no receipt (no Disposition-Notification-To): an MDN may not be sent (RFC 8098 §2.1); to report an integration error, give --error CODE`);
    if (o.sign && !hasIdentity(o)) throw usage('--sign needs your identity');
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    try {
      const from = myAddress(request, identity, o.from);
      const sign = o.sign ? { signer: selectCertificate(identity!, 'sign').entry, chain: chainOf(identity!) } : undefined;
      const content = o.processed || error ? await originalContent(ctx, raw, file, o, identity) : { cda: [], attachments: [] };
      let msg: ComposedMessage;
      let kind: 'mdn' | 'integration-error' = 'mdn';
      if (error && request.notifyTo === undefined) {
        kind = 'integration-error';
        msg = await buildIntegrationErrorMail({ request, from, error, document: content.document ?? { label: request.subject ?? '' }, attachments: content.attachments, cda: content.cda, ...(sign ? { sign } : {}) });
      } else {
        msg = await buildMdn({ request, from, ...(o.processed || error ? { dispositionType: 'processed' as const } : {}), ...(error ? { error } : {}), ...(content.document ? { document: content.document } : {}), ...(sign ? { sign } : {}) });
      }
      const delivered = await deliver(ctx, msg, o, identity);
      const to = msg.envelope.to[0]!;
      if (ctx.json) ctx.emitJson({ ok: true, kind, messageId: msg.messageId, originalMessageId: request.originalMessageId, to, ...(error ? { error } : {}), layers: msg.layers, ...delivered });
      else ctx.line(ctx.t(`mss.ack.${kind}.${delivered.out !== undefined ? 'written' : 'sent'}`, { original: request.originalMessageId, to, file: String(delivered.out ?? ''), server: String(delivered.server ?? ''), code: error?.code ?? '' }));
      return;
    } finally {
      identity?.close();
    }
  }));
}
