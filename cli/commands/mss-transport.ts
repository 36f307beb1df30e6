/**
 * How `mss` commands reach the operator's servers: which certificates the server's must chain to
 * (--trust), how to log in (the account password, or the identity's authentication certificate),
 * and delivery of a finished message (--smtp, or --out to write it).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  writeFileAtomic, parseMailUrl, sendMessage,
  type Identity, type MailServerUrl, type MailTlsOptions, type ComposedMessage,
} from '../../src/index.js';
import type { Ctx } from '../context.js';
import { addTrustOptions, readTrust } from '../options.js';
import { clientCertOf, mailPassword, usage } from './mss-common.js';

/** The login options of a command that talks to a server. */
export interface AccessCliOptions {
  trust: string[];
  mailPassFile?: string;
  clientCert?: boolean;
}

/** `--mail-pass-file`, `--client-cert`. */
export function addAccessOptions(cmd: Command): Command {
  return cmd
    .option('--mail-pass-file <file>', 'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)')
    .option('--client-cert', 'present the identity’s authentication certificate (TLS client authentication); implied when the URL names no user');
}

/** What {@link mailAccess} settled. */
export interface MailAccess {
  login: 'password' | 'certificate';
  options: MailTlsOptions & { password?: string };
}

/** Reads the trust and the login secret for `url`. */
export async function mailAccess(ctx: Ctx, url: MailServerUrl, o: AccessCliOptions, identity: Identity | undefined): Promise<MailAccess> {
  const trustAnchors = await readTrust(ctx, o.trust);
  if (trustAnchors.length === 0) throw usage(`${url.protocol}:// needs --trust FILE: the authority of the mail server’s certificate (the system store is never used silently)`);
  const useCert = url.user === undefined || o.clientCert === true;
  const clientCertificate = useCert ? clientCertOf(identity) : undefined;
  const password = url.user !== undefined ? await mailPassword(ctx, o.mailPassFile) : undefined;
  return {
    login: password !== undefined ? 'password' : 'certificate',
    options: { trustAnchors, ...(clientCertificate ? { clientCertificate } : {}), ...(password !== undefined ? { password } : {}) },
  };
}

/** Options of commands that send (send, ack). */
export interface TransportCliOptions extends AccessCliOptions {
  smtp?: string;
  out?: string;
  trust: string[];
  crl: string[];
  at?: string;
}

/** `--smtp`, `--out`, trust, and the ways to log in, shared by send and ack. */
export function addTransportOptions(cmd: Command): Command {
  return addAccessOptions(addTrustOptions(cmd)
    .option('--smtp <url>', 'send through this server: smtps://user@host:465 (TLS) or smtp://user@host:587 (STARTTLS required)')
    .option('--out <file.eml>', 'write the finished message to this file instead of sending it'));
}

/** Sends or writes a finished message; returns what to report. */
export async function deliver(ctx: Ctx, msg: ComposedMessage, o: TransportCliOptions, identity: Identity | undefined): Promise<Record<string, unknown>> {
  if ((o.smtp === undefined) === (o.out === undefined)) throw usage('give exactly one of --smtp URL (send) or --out FILE.eml (write)');
  if (o.out !== undefined) {
    const path = resolve(ctx.io.cwd, o.out);
    await writeFileAtomic(path, msg.raw, { mode: 0o600 });
    return { out: path, bytes: msg.raw.length };
  }
  const url: MailServerUrl = parseMailUrl(o.smtp!, 'smtp');
  const access = await mailAccess(ctx, url, o, identity);
  const result = await sendMessage(msg.raw, { url, envelope: msg.envelope, ...access.options });
  return {
    server: `${url.host}:${url.port}`, security: url.security, login: access.login,
    ...(access.options.clientCertificate ? { clientCertificate: access.options.clientCertificate.entry.certificate.subject } : {}),
    accepted: result.accepted, response: result.response,
  };
}

