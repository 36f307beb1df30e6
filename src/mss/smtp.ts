/**
 * SMTP submission of a finished message (RFC 6409), through nodemailer's SMTP connection: implicit
 * TLS or STARTTLS required (src/mss/transport.ts), then AUTH (RFC 4954) with the account password,
 * a bearer token (OAUTHBEARER / XOAUTH2, src/mss/sasl.ts, as nodemailer custom authentication so
 * that scelle writes the SASL exchange itself), or no AUTH when the TLS client certificate is what
 * the server lets in.
 *
 * An OAuth login the server refuses is renewed once (when a refresh token was given) and the
 * connection made again: nothing is sent before the login succeeds.
 */
import { ScelleError } from '../errors.js';
import { initialResponse, decodeOAuthChallenge, abortResponse, type SaslMechanism } from './sasl.js';
import { tlsOptions, transportError, type MailLogin, type MailServerUrl, type MailTlsOptions } from './transport.js';

/** Options of {@link sendMessage}. */
export interface SendMessageOptions extends MailTlsOptions {
  url: MailServerUrl;
  /** How to log in. Default: `password` when given, else `certificate`. */
  login?: MailLogin;
  /** The SASL password (shorthand for `login: { kind: 'password', password }`). */
  password?: string;
  /** SMTP envelope. */
  envelope: { from: string; to: string[] };
  /** Connection, greeting and socket timeouts, ms. Default 30 000. */
  timeoutMs?: number;
}

/** What the server said. */
export interface SendResult {
  accepted: string[];
  rejected: string[];
  /** The server's final reply (`250 2.0.0 Ok: queued as …`). */
  response: string;
  /** The SASL mechanism used (absent for a certificate login). */
  mechanism?: string;
  /** True when the access token was renewed during this submission. */
  tokenRenewed?: boolean;
}

type CustomAuthContext = {
  auth: { credentials: { user: string; pass: string } };
  extensions: string[];
  authMethods: string[];
  sendCommand: (cmd: string) => Promise<{ status: number; text: string; response: string }>;
};

function loginOf(options: SendMessageOptions): MailLogin {
  if (options.login) return options.login;
  if (options.password !== undefined) return { kind: 'password', password: options.password };
  return { kind: 'certificate' };
}

/** The SASL exchange of a bearer token over SMTP (RFC 7628 §3.2.2 for the error challenge). */
function bearerHandler(mechanism: SaslMechanism, url: MailServerUrl): (ctx: CustomAuthContext) => Promise<void> {
  return async (ctx) => {
    const payload = initialResponse(mechanism, { user: ctx.auth.credentials.user, token: ctx.auth.credentials.pass, host: url.host, port: url.port });
    const first = await ctx.sendCommand(`AUTH ${mechanism} ${payload.toString('base64')}`);
    if (first.status === 235) return;
    let oauth;
    let final = first;
    if (first.status === 334) {
      oauth = decodeOAuthChallenge(first.text);
      final = await ctx.sendCommand(abortResponse(mechanism));
    }
    throw Object.assign(new Error(`AUTH ${mechanism} refused: ${final.response}`), { code: 'EAUTH', responseCode: final.status, response: final.response, oauth });
  };
}

/**
 * Submits a finished message (bytes as is) over SMTP.
 * @throws ScelleError TLS_UNTRUSTED, NOT_IGC_SANTE, AUTH_FAILED, CERT_EXPIRED, TOKEN_EXPIRED,
 *   TOKEN_REFRESH_FAILED, NETWORK_ERROR, SMTP_ERROR (also when a recipient is refused), USAGE.
 */
export async function sendMessage(raw: Uint8Array, options: SendMessageOptions): Promise<SendResult> {
  const { url } = options;
  if (url.protocol !== 'smtps' && url.protocol !== 'smtp') throw new ScelleError('USAGE', 'sending needs an smtps:// or smtp:// URL', { params: { detail: `${url.protocol} URL for sending` } });
  const login = loginOf(options);
  if (login.kind !== 'certificate' && url.user === undefined) throw new ScelleError('USAGE', 'the SMTP URL must name the account (user@) to log in with a password or a token', { params: { detail: 'no user in the URL' } });
  if (login.kind === 'certificate' && options.clientCertificate === undefined) {
    throw new ScelleError('USAGE', 'the SMTP URL names no user and no client certificate is available: give user@ in the URL or an identity with an authentication certificate', { params: { detail: 'no way to authenticate' } });
  }
  if (login.kind !== 'oauth') return submit(raw, options, login, undefined);
  try {
    return await submit(raw, options, login, await login.tokens.token());
  } catch (e) {
    if (!(e instanceof ScelleError) || e.code !== 'AUTH_FAILED' || !login.tokens.canRefresh) throw e;
    return { ...(await submit(raw, options, login, await login.tokens.refresh())), tokenRenewed: true };
  }
}

async function submit(raw: Uint8Array, options: SendMessageOptions, login: MailLogin, token: string | undefined): Promise<SendResult> {
  const { url } = options;
  const tls = tlsOptions(url, options);
  const timeout = options.timeoutMs ?? 30_000;
  const mechanism = login.kind === 'oauth' ? login.mechanism ?? 'OAUTHBEARER' : undefined;
  const auth = login.kind === 'password' ? { auth: { user: url.user!, pass: login.password } }
    // nodemailer would swap a method it calls XOAUTH2 for PLAIN when it holds no token generator of its
    // own: the handler is registered under a name of scelle's, and writes the real AUTH command itself.
    : login.kind === 'oauth' ? { auth: { type: 'custom', method: `SCELLE-${mechanism}`, user: url.user!, pass: token! }, customAuth: { [`SCELLE-${mechanism}`]: bearerHandler(mechanism!, url) } }
      : {};
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: url.host, port: url.port,
    secure: url.security === 'tls', requireTLS: url.security === 'starttls', ignoreTLS: false, opportunisticTLS: false,
    ...auth,
    tls,
    connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout,
    disableFileAccess: true, disableUrlAccess: true, logger: false, debug: false,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    const info = (await transport.sendMail({ envelope: options.envelope, raw: Buffer.from(raw) })) as { accepted?: unknown[]; rejected?: unknown[]; response?: string };
    const str = (a: unknown[] | undefined): string[] => (a ?? []).map((x) => (typeof x === 'string' ? x : String((x as { address?: string }).address ?? x)));
    const result: SendResult = { accepted: str(info.accepted), rejected: str(info.rejected), response: info.response ?? '', ...(login.kind === 'password' ? { mechanism: 'PLAIN' } : mechanism ? { mechanism } : {}) };
    if (result.rejected.length > 0) {
      throw new ScelleError('SMTP_ERROR', `${url.host}:${url.port} refused recipient(s) ${result.rejected.join(', ')}`, { params: { detail: `refused: ${result.rejected.join(', ')}` } });
    }
    return result;
  } catch (e) {
    throw transportError(e, url, 'smtp', options.trustScope);
  } finally {
    transport.close();
  }
}
