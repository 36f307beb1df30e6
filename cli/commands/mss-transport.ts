/**
 * How `mss` commands reach the operator's servers: which certificates the server's must chain to
 * (--trust), how to log in (the account password, an OAuth 2.0 access token as e-CPS / Pro Santé
 * Connect issue them, or the identity's authentication certificate), and delivery of a finished
 * message (--smtp, or --out to write it).
 */
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import {
  parseMailUrl, sendMessage, OAuthTokenSource, type Identity, type MailServerUrl, type MailTlsOptions,
  type MailLogin, type ComposedMessage,
} from '../../src/index.js';
import { writeFileAtomic, readInputFile } from '../../src/internal.js';
import type { Ctx } from '../context.js';
import { addTrustOptions, readCrls } from '../options.js';
import { clientCertOf, mailPassword, usage } from './mss-common.js';
import { addIgcSanteOptions, readMssTrust, type TrustCliOptions } from './mss-trust.js';

/** The login options of a command that talks to a server. */
export interface AccessCliOptions extends TrustCliOptions {
  trust: string[];
  mailPassFile?: string;
  clientCert?: boolean;
  oauthTokenFile?: string;
  oauthRefreshFile?: string;
  oauthTokenUrl?: string;
  oauthClientId?: string;
  oauthClientSecretFile?: string;
  oauthScope?: string;
  sasl?: 'oauthbearer' | 'xoauth2';
  tlsCrl?: string[];
}

/** `--mail-pass-file`, `--client-cert`, the e-CPS style (OAuth 2.0 bearer token) login. */
export function addAccessOptions(cmd: Command): Command {
  return cmd
    .option('--mail-pass-file <file>', 'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)')
    .option('--client-cert', 'present the identity’s authentication certificate (TLS client authentication); a URL without user logs in with the certificate alone (IMAP: SASL EXTERNAL)')
    .option('--oauth-token-file <file>', 'log in with this access token (e-CPS / Pro Santé Connect style, SASL OAUTHBEARER or XOAUTH2): the raw token or JSON {"access_token","expires_at"}; renewed tokens are written back')
    .option('--oauth-refresh-file <file>', 'renew the access token with this refresh token when it expires or is refused (with --oauth-token-url and --oauth-client-id)')
    .option('--oauth-token-url <url>', 'the token endpoint (https) that renews access tokens')
    .option('--oauth-client-id <id>', 'the client id registered at the token endpoint')
    .option('--oauth-client-secret-file <file>', 'the client secret, for a confidential client (else SCELLE_OAUTH_CLIENT_SECRET; none for a public client)')
    .option('--oauth-scope <scope>', 'the scope to ask when renewing')
    .option('--tls-crl <file>', 'check the mail server’s certificate chain against these CRLs, PEM or DER (repeatable): each certificate of the chain needs a current CRL of its issuer; revoked or not covered → refused', (v: string, prev: string[] = []) => [...prev, v], [])
    .addOption(new Option('--sasl <mechanism>', 'the SASL mechanism for the token (default OAUTHBEARER; IMAP falls back to XOAUTH2 when the server offers only that)').choices(['oauthbearer', 'xoauth2']));
}

/** What {@link mailAccess} settled. */
export interface MailAccess {
  /** How the login is made (for the report). */
  login: 'password' | 'oauth' | 'certificate';
  options: MailTlsOptions & { login: MailLogin };
}

async function oauthLogin(ctx: Ctx, o: AccessCliOptions): Promise<MailLogin> {
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.io.cwd, p));
  const secretFile = path(o.oauthClientSecretFile);
  const clientSecret = secretFile !== undefined ? Buffer.from(await readInputFile(secretFile)).toString('utf8').trim() : ctx.io.env.SCELLE_OAUTH_CLIENT_SECRET || undefined;
  const tokens = new OAuthTokenSource({
    ...(o.oauthTokenFile !== undefined ? { tokenFile: path(o.oauthTokenFile)! } : {}),
    ...(o.oauthRefreshFile !== undefined ? { refreshFile: path(o.oauthRefreshFile)! } : {}),
    ...(o.oauthTokenUrl !== undefined ? { tokenUrl: o.oauthTokenUrl } : {}),
    ...(o.oauthClientId !== undefined ? { clientId: o.oauthClientId } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(o.oauthScope !== undefined ? { scope: o.oauthScope } : {}),
  });
  return { kind: 'oauth', tokens, ...(o.sasl ? { mechanism: o.sasl.toUpperCase() as 'OAUTHBEARER' | 'XOAUTH2' } : {}) };
}

/** Reads the trust and the login secret for `url`. */
export async function mailAccess(ctx: Ctx, url: MailServerUrl, o: AccessCliOptions, identity: Identity | undefined): Promise<MailAccess> {
  const trust = await readMssTrust(ctx, o);
  const trustAnchors = trust.anchors;
  if (trustAnchors.length === 0) throw usage(`${url.protocol}:// needs --trust FILE (or --trust-igc-sante): the authority of the mail server’s certificate (the system store is never used silently)`);
  const oauth = o.oauthTokenFile !== undefined || o.oauthRefreshFile !== undefined;
  if (!oauth && (o.oauthTokenUrl !== undefined || o.oauthClientId !== undefined || o.sasl !== undefined)) throw usage('the --oauth-… options and --sasl go with --oauth-token-file or --oauth-refresh-file');
  if (oauth && url.user === undefined) throw usage(`${url.protocol}://: a token login needs the account in the URL (user@host)`);
  const useCert = url.user === undefined || o.clientCert === true;
  const clientCertificate = useCert ? clientCertOf(identity) : undefined;
  const login: MailLogin = oauth ? await oauthLogin(ctx, o)
    : url.user !== undefined ? { kind: 'password', password: await mailPassword(ctx, o.mailPassFile) } : { kind: 'certificate' };
  const tlsCrls = (await readCrls(ctx, o.tlsCrl ?? [])).map((c) => c.der);
  return { login: login.kind, options: { trustAnchors, ...(trust.scope ? { trustScope: trust.scope } : {}), ...(tlsCrls.length > 0 ? { tlsCrls } : {}), ...(clientCertificate ? { clientCertificate } : {}), login } };
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
  return addAccessOptions(addIgcSanteOptions(addTrustOptions(cmd))
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
    server: `${url.host}:${url.port}`, security: url.security, login: access.login, ...(result.mechanism ? { mechanism: result.mechanism } : {}), ...(result.tokenRenewed ? { tokenRenewed: true } : {}),
    ...(access.options.clientCertificate ? { clientCertificate: access.options.clientCertificate.entry.certificate.subject } : {}),
    accepted: result.accepted, response: result.response,
  };
}

