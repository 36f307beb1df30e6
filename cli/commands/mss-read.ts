/** `scelle mss read` — read messages from a file or a mailbox and give a verdict on each. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  isScelleError, readMessage, parseMailUrl, fetchMessages, type Identity, type MessageReport,
  type ReadMessageOptions, type Crl,
} from '../../src/index.js';
import { readInputFile, findSentRecord } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, addTrustOptions, hasIdentity, openIdentity, readCrls, parseAt, type IdentityOptions } from '../options.js';
import { addIgcSanteOptions, readMssTrust, type MssTrust } from './mss-trust.js';
import { usage } from './mss-common.js';
import { addAccessOptions, mailAccess, type AccessCliOptions } from './mss-transport.js';
import { jsonReport, renderReport, saveAll, type ReadEntry } from './mss-render.js';
import { outcome, type Outcome } from '../outcome.js';

interface ReadCliOptions extends IdentityOptions, AccessCliOptions {
  imap?: string;
  mailbox: string;
  all?: boolean;
  keepUnseen?: boolean;
  crl: string[];
  at?: string;
  saveDir?: string;
  requireSignature?: boolean;
  online?: boolean;
  sentLog?: string;
}

/** The verdict-independent options of readMessage, from the command line. */
function readOptions(ctx: Ctx, trust: MssTrust, crls: Crl[], o: ReadCliOptions, identity: Identity | undefined): Omit<ReadMessageOptions, 'name'> {
  const at = parseAt(o.at, ctx);
  return {
    trustAnchors: trust.anchors,
    ...(trust.scope ? { trustScope: trust.scope } : {}),
    ...(identity ? { identity } : {}),
    ...(crls.length > 0 ? { crls } : {}),
    ...(o.online ? { online: true } : {}),
    ...(at ? { at } : {}),
    ...(o.requireSignature ? { requireSignature: true } : {}),
  };
}

function readOutcome(results: ReadEntry[]): Outcome {
  // A message that could not be decrypted or verified at all is a negative verdict; one that could not be parsed is a failure.
  return outcome(results.map((r) => (r.report !== undefined && !r.report.ok ? 'negative'
    : r.error !== undefined && (['MIME_MALFORMED', 'IO_ERROR', 'INTERNAL'].includes(r.error.code) ? 'failed' : 'negative'))));
}

export function registerMssRead(mss: Command): void {
  addAccessOptions(addIgcSanteOptions(addTrustOptions(addIdentityOptions(
    mss.command('read')
      .description('read messages from a file or a mailbox: decrypt, verify the signature and the sender (name, RPPS), show the text, check XDM hashes, recognise read receipts')
      .argument('[file.eml]', 'a message file (instead of --imap)')
      .option('--imap <url>', 'read this mailbox: imaps://user@host:993 (TLS) or imap://user@host:143 (STARTTLS required)')
      .option('--mailbox <name>', 'IMAP folder', 'INBOX')
      .option('--all', 'read every message, not only unseen ones')
      .option('--keep-unseen', 'do not mark the messages read as seen')
      .option('--save-dir <dir>', 'save the attachments (and XDM documents) of messages whose checks pass, with safe names, never overwriting')
      .option('--require-signature', 'a message that is not signed fails (exit 3) and nothing of it is saved')
      .option('--online', 'fetch CRLs / ask OCSP responders named in the certificates')
      .option('--sent-log <file>', 'the register mss send --sent-log keeps: receipts and integration errors are linked to your sent message (default: SCELLE_MSS_SENT_LOG)'),
  )))).action(action(async (ctx: Ctx, file: string | undefined, o: ReadCliOptions) => {
    if ((file === undefined) === (o.imap === undefined)) throw usage('give a message file or --imap URL (one of them)');
    const trust = await readMssTrust(ctx, o);
    if (trust.anchors.length === 0) throw usage('mss read needs --trust FILE (or --trust-igc-sante): the roots that senders’ certificates (and the mail server’s) must chain to');
    const crls = await readCrls(ctx, o.crl);
    const identity = hasIdentity(o) ? await openIdentity(ctx, o) : undefined;
    const base = readOptions(ctx, trust, crls, o, identity);
    const results: ReadEntry[] = [];
    let login: Record<string, unknown> | undefined;
    const sentLog = o.sentLog ?? (ctx.io.env.SCELLE_MSS_SENT_LOG || undefined);
    const judge = async (raw: Uint8Array, source: string): Promise<ReadEntry> => {
      const report: MessageReport = await readMessage(raw, { ...base, name: source });
      const saved = o.saveDir !== undefined && report.ok ? await saveAll(resolve(ctx.io.cwd, o.saveDir), report) : [];
      const id = report.receipt?.originalMessageId;
      const sent = sentLog !== undefined && id !== undefined ? await findSentRecord(resolve(ctx.io.cwd, sentLog), id) : undefined;
      return { source, report, saved, ...(sentLog !== undefined && report.receipt ? { sent: sent ?? null } : {}) };
    };
    try {
      if (file !== undefined) {
        // One file: a message that cannot be parsed at all is an error (exit 1), not a verdict.
        const entry = await judge(await readInputFile(resolve(ctx.io.cwd, file), 256 * 1024 * 1024), file);
        results.push(entry);
        renderReport(ctx, entry, o.saveDir !== undefined);
      } else {
        const url = parseMailUrl(o.imap!, 'imap');
        const access = await mailAccess(ctx, url, o, identity);
        const fetched = await fetchMessages({
          url, ...access.options, mailbox: o.mailbox,
          unseenOnly: o.all !== true, markSeen: o.keepUnseen !== true,
          onMessage: async (m) => {
            const source = `${o.mailbox} UID ${m.uid}`;
            let entry: ReadEntry;
            try {
              entry = await judge(m.raw, source);
            } catch (e) {
              if (!isScelleError(e)) throw e;
              entry = { source, error: e, saved: [] };
            }
            results.push(entry);
            renderReport(ctx, entry, o.saveDir !== undefined);
          },
        });
        login = { server: `${url.host}:${url.port}`, security: url.security, kind: access.login, mechanism: fetched.mechanism, ...(fetched.tokenRenewed ? { tokenRenewed: true } : {}) };
        if (results.length === 0 && !ctx.json) ctx.line(ctx.t('mss.read.none', { mailbox: o.mailbox }));
      }
    } finally {
      identity?.close();
    }
    const verdict = readOutcome(results);
    if (ctx.json) {
      ctx.emitJson({ ok: verdict.findings.length === 0, ...(login ? { login } : {}), messages: results.map((r) => (r.report ? { source: r.source, ...jsonReport(r.report), ...(r.sent !== undefined ? { sent: r.sent } : {}), saved: r.saved } : { source: r.source, ok: false, error: { code: r.error!.code, message: r.error!.message } })) });
    }
    return verdict;
  }));
}
