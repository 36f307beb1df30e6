/**
 * Transport to and from the messaging operator: SMTP submission (nodemailer) and IMAP (imapflow),
 * always over TLS 1.2 or later, with the server certificate checked against the trust anchors the
 * caller gives — never the system store — and its name checked against the host.
 *
 * - `smtps://[user@]host[:465]`: implicit TLS (RFC 8314 §3.3).
 * - `smtp://[user@]host[:587]`: submission with STARTTLS required (RFC 3207); a server that does not
 *   offer it is refused before anything is sent. Plaintext SMTP does not exist here.
 * - `imaps://user@host[:993]`: implicit TLS.
 * - Authentication: SASL PLAIN/LOGIN with the account password (when the URL names a user), or
 *   a TLS client certificate (the identity's authentication certificate, as IGC-Santé issues it
 *   on CPS cards) when the URL names none or when asked. Client certificates work with software
 *   keys (p12, key + cert); a PKCS#11 key cannot be handed to Node's TLS stack (USAGE).
 *
 * A certificate problem is TLS_UNTRUSTED (the connection is dropped during the handshake, so
 * nothing was sent); a refused login AUTH_FAILED; an expired client certificate CERT_EXPIRED before
 * any connection is made.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { formatPem } from '../crypto/pem.js';

/** A parsed `smtps://`, `smtp://` or `imaps://` URL. */
export interface MailServerUrl {
  protocol: 'smtps' | 'smtp' | 'imaps';
  host: string;
  port: number;
  /** The account (SASL user), when given. */
  user?: string;
  /** `tls` = implicit TLS, `starttls` = STARTTLS required. */
  security: 'tls' | 'starttls';
}

const DEFAULT_PORT = { smtps: 465, smtp: 587, imaps: 993 } as const;

/**
 * Parses a server URL. A password in the URL is refused (it would end up in argv and logs).
 * @throws ScelleError USAGE.
 */
export function parseMailUrl(url: string, kind: 'smtp' | 'imap'): MailServerUrl {
  const usage = (detail: string): ScelleError => new ScelleError('USAGE', `${kind === 'smtp' ? '--smtp' : '--imap'}: ${detail}`, { params: { detail: `${kind === 'smtp' ? '--smtp' : '--imap'}: ${detail}` } });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usage(`"${url}" is not a URL (${kind === 'smtp' ? 'smtps://user@host:465 or smtp://user@host:587' : 'imaps://user@host:993'})`);
  }
  const protocol = u.protocol.replace(/:$/, '');
  const allowed = kind === 'smtp' ? ['smtps', 'smtp'] : ['imaps'];
  if (!allowed.includes(protocol)) {
    throw usage(kind === 'smtp' ? `use smtps:// (implicit TLS) or smtp:// (STARTTLS, required), not ${protocol}://` : `use imaps:// (IMAP over TLS), not ${protocol}://`);
  }
  if (u.password !== '') throw usage('never put the password in the URL: use --mail-pass-file or SCELLE_MAIL_PASSWORD');
  if (u.hostname === '') throw usage('the URL names no host');
  const p = protocol as MailServerUrl['protocol'];
  const port = u.port === '' ? DEFAULT_PORT[p] : Number(u.port);
  let user: string | undefined;
  try {
    user = u.username === '' ? undefined : decodeURIComponent(u.username);
  } catch {
    throw usage('the user name in the URL has a % that is not followed by two hexadecimal digits');
  }
  return { protocol: p, host: u.hostname.replace(/^\[|\]$/g, ''), port, ...(user !== undefined ? { user } : {}), security: p === 'smtp' ? 'starttls' : 'tls' };
}

/** TLS settings shared by SMTP and IMAP. */
export interface MailTlsOptions {
  /** Certificates the server's chain must end in (PEM is built from them). Required, never empty. */
  trustAnchors: X509Cert[];
  /** Present this certificate (and key) for TLS client authentication. */
  clientCertificate?: { entry: IdentityEntry; chain?: X509Cert[] };
  /** The name the server certificate must carry. Default: the URL's host. */
  servername?: string;
  /** Current time, for the client-certificate validity check. */
  clock?: () => Date;
}

/** The `tls` options handed to Node (tls.connect). */
export function tlsOptions(url: MailServerUrl, options: MailTlsOptions): Record<string, unknown> {
  if (options.trustAnchors.length === 0) {
    throw new ScelleError('USAGE', 'connecting to a mail server needs --trust: the authority that issued its certificate (the system store is never used silently)', { params: { detail: 'no --trust for the mail server' } });
  }
  const tls: Record<string, unknown> = {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ca: options.trustAnchors.map((c) => formatPem('CERTIFICATE', c.der)),
    servername: options.servername ?? url.host,
  };
  const client = options.clientCertificate;
  if (client) {
    const { entry } = client;
    const now = (options.clock ?? (() => new Date()))();
    const cert = entry.certificate;
    if (now > cert.notAfter) {
      throw new ScelleError('CERT_EXPIRED', `your authentication certificate "${cert.subject}" expired on ${cert.notAfter.toISOString()}: the server would refuse it; nothing was sent`, {
        params: { detail: `authentication certificate expired on ${cert.notAfter.toISOString()}`, file: cert.subject },
        hint: 'renew the certificate (or the card) with its issuer',
      });
    }
    if (now < cert.notBefore) {
      throw new ScelleError('CERT_NOT_YET_VALID', `your authentication certificate "${cert.subject}" is valid only from ${cert.notBefore.toISOString()}; nothing was sent`, { params: { detail: `valid from ${cert.notBefore.toISOString()}` } });
    }
    if (entry.key.privateKey === undefined) {
      throw new ScelleError('USAGE', 'TLS client authentication needs a software key (p12 or --key/--cert): a card key (PKCS#11) cannot be used for it here; log in with the account password instead', { params: { detail: 'PKCS#11 key for TLS client authentication' } });
    }
    tls.key = entry.key.privateKey.export({ type: 'pkcs8', format: 'pem' });
    tls.cert = [cert, ...(client.chain ?? [])].map((c) => formatPem('CERTIFICATE', c.der)).join('');
  }
  return tls;
}

const TLS_UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_REVOKED', 'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_REJECTED',
]);

/** OpenSSL's verification messages, for wrappers (nodemailer) that keep the message and drop the code. */
const TLS_UNTRUSTED_MESSAGES = /unable to get local issuer certificate|unable to get issuer certificate|self[- ]signed certificate|unable to verify the first certificate|certificate signature failure|certificate has expired|certificate is not yet valid|certificate revoked|invalid CA certificate|Hostname\/IP does not match certificate|does not match certificate's altnames|certificate not trusted|path length constraint exceeded|unsupported certificate purpose/i;

/** Walks an error and its causes for Node's TLS verification code (or, failing that, OpenSSL's message). */
function tlsCode(e: unknown): string | undefined {
  for (let cur = e as { code?: unknown; cause?: unknown; message?: unknown } | undefined, n = 0; cur && n < 5; cur = cur.cause as typeof cur, n++) {
    if (typeof cur.code === 'string' && TLS_UNTRUSTED_CODES.has(cur.code)) return cur.code;
    if (typeof cur.message === 'string' && TLS_UNTRUSTED_MESSAGES.test(cur.message) && !/\b[45]\d\d\b/.test(cur.message)) return TLS_UNTRUSTED_MESSAGES.exec(cur.message)![0];
  }
  return undefined;
}

/**
 * Maps a transport failure to a ScelleError. Messages name the server, never a secret.
 */
export function transportError(e: unknown, url: MailServerUrl, kind: 'smtp' | 'imap'): ScelleError {
  if (e instanceof ScelleError) return e;
  const err = e as { code?: string; message?: string; responseCode?: number; response?: string; authenticationFailed?: boolean; serverResponseCode?: string };
  const server = `${url.host}:${url.port}`;
  const msg = String(err?.message ?? e);
  const tls = tlsCode(e);
  const make = (code: ErrorCode, message: string, detail: string, extra: Record<string, string> = {}): ScelleError =>
    new ScelleError(code, message, { cause: e, params: { host: server, detail, ...extra } });
  if (tls) {
    return make('TLS_UNTRUSTED', `the certificate of ${server} is not trusted (${tls}): the connection was dropped during the TLS handshake; nothing was sent`, tls);
  }
  if (/alert certificate expired|alert number 45\b/i.test(msg)) {
    return make('CERT_EXPIRED', `${server} refused the TLS client certificate as expired; nothing was sent`, 'the server says the client certificate expired');
  }
  if (/alert (bad certificate|unknown ca|certificate required|certificate unknown|handshake failure)|alert number (42|48|116|40)\b/i.test(msg)) {
    return make('AUTH_FAILED', `${server} refused the TLS connection: it wants a client certificate it trusts (${msg.replace(/\s+/g, ' ').slice(0, 120)}); nothing was sent`, 'client certificate refused', { user: 'TLS client certificate' });
  }
  if (/client certificate/i.test(err.response ?? msg) && /\b4\.7\.|\b5\.7\./.test(err.response ?? msg)) {
    return make('AUTH_FAILED', `${server} did not accept your TLS client certificate (expired, revoked, or from an authority it does not trust): "${(err.response ?? msg).slice(0, 160)}"; nothing was sent`, 'client certificate refused', { user: 'TLS client certificate' });
  }
  if (kind === 'smtp' && (err.code === 'EAUTH' || err.responseCode === 535)) {
    return make('AUTH_FAILED', `${server} refused the login for ${url.user ?? '(no user)'}; nothing was sent`, 'login refused', { user: url.user ?? '' });
  }
  if (kind === 'imap' && (err.authenticationFailed || err.serverResponseCode === 'AUTHENTICATIONFAILED')) {
    return make('AUTH_FAILED', `${server} refused the login for ${url.user ?? '(no user)'}`, 'login refused', { user: url.user ?? '' });
  }
  if (err.code === 'ETLS') {
    return make('TLS_UNTRUSTED', `${server} does not offer STARTTLS: refusing to send in clear; nothing was sent`, 'no STARTTLS');
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'ETIMEDOUT' || err.code === 'ECONNECTION' || err.code === 'ECONNRESET') {
    return new ScelleError('NETWORK_ERROR', `cannot reach ${server}: ${msg}`, { cause: e, params: { host: server, detail: msg } });
  }
  if (/wrong version number|unsupported protocol|protocol version/i.test(msg)) {
    return make('TLS_UNTRUSTED', `${server}: no TLS 1.2 or later connection could be made (${msg}); nothing was sent`, 'TLS version');
  }
  const response = err.response ?? msg;
  return make(kind === 'smtp' ? 'SMTP_ERROR' : 'IMAP_ERROR', `${server}: ${response}`, response);
}

/** Options of {@link sendMessage}. */
export interface SendMessageOptions extends MailTlsOptions {
  url: MailServerUrl;
  /** The SASL password (when the URL names a user). */
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
}

/**
 * Submits a finished message (bytes as is) over SMTP.
 * @throws ScelleError TLS_UNTRUSTED, AUTH_FAILED, CERT_EXPIRED, NETWORK_ERROR, SMTP_ERROR (also when
 *   a recipient is refused), USAGE.
 */
export async function sendMessage(raw: Uint8Array, options: SendMessageOptions): Promise<SendResult> {
  const { url } = options;
  if (url.protocol === 'imaps') throw new ScelleError('USAGE', 'sending needs an smtps:// or smtp:// URL', { params: { detail: 'imaps URL for sending' } });
  if (url.user !== undefined && options.password === undefined) throw new ScelleError('PASSWORD_REQUIRED', `the password of ${url.user} is needed to log in to ${url.host}`, { params: { detail: url.user } });
  if (url.user === undefined && options.clientCertificate === undefined) {
    throw new ScelleError('USAGE', 'the SMTP URL names no user and no client certificate is available: give user@ in the URL or an identity with an authentication certificate', { params: { detail: 'no way to authenticate' } });
  }
  const tls = tlsOptions(url, options);
  const timeout = options.timeoutMs ?? 30_000;
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: url.host,
    port: url.port,
    secure: url.security === 'tls',
    requireTLS: url.security === 'starttls',
    ignoreTLS: false,
    opportunisticTLS: false,
    ...(url.user !== undefined ? { auth: { user: url.user, pass: options.password! } } : {}),
    tls,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    const info = (await transport.sendMail({ envelope: options.envelope, raw: Buffer.from(raw) })) as { accepted?: unknown[]; rejected?: unknown[]; response?: string };
    const str = (a: unknown[] | undefined): string[] => (a ?? []).map((x) => (typeof x === 'string' ? x : String((x as { address?: string }).address ?? x)));
    const result = { accepted: str(info.accepted), rejected: str(info.rejected), response: info.response ?? '' };
    if (result.rejected.length > 0) {
      throw new ScelleError('SMTP_ERROR', `${url.host}:${url.port} refused recipient(s) ${result.rejected.join(', ')}`, { params: { detail: `refused: ${result.rejected.join(', ')}` } });
    }
    return result;
  } catch (e) {
    throw transportError(e, url, 'smtp');
  } finally {
    transport.close();
  }
}

/** One message fetched over IMAP. */
export interface FetchedMessage {
  uid: number;
  raw: Uint8Array;
  /** Flags before this fetch. */
  flags: string[];
}

/** Options of {@link fetchMessages}. */
export interface FetchMessagesOptions extends MailTlsOptions {
  url: MailServerUrl;
  password: string;
  /** Default `INBOX`. */
  mailbox?: string;
  /** Only messages without \Seen (default true). */
  unseenOnly?: boolean;
  /** Set \Seen on each message once `onMessage` returned (default true). */
  markSeen?: boolean;
  /** Larger messages are skipped with an IMAP_ERROR reported to onMessage's caller. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Called for each message, in UID order. */
  onMessage: (message: FetchedMessage) => Promise<void>;
  timeoutMs?: number;
}

/**
 * Fetches the messages of a mailbox over IMAPS, calls `onMessage` for each, then marks it seen.
 * The body is fetched with BODY.PEEK: a message that `onMessage` fails on stays unseen.
 * @returns how many messages were handed to `onMessage`.
 * @throws ScelleError TLS_UNTRUSTED, AUTH_FAILED, CERT_EXPIRED, NETWORK_ERROR, IMAP_ERROR, and what onMessage throws.
 */
export async function fetchMessages(options: FetchMessagesOptions): Promise<{ count: number }> {
  const { url } = options;
  if (url.protocol !== 'imaps') throw new ScelleError('USAGE', 'reading needs an imaps:// URL', { params: { detail: 'not an imaps URL' } });
  if (url.user === undefined) throw new ScelleError('USAGE', '--imap: the URL must name the account: imaps://user@host:993', { params: { detail: '--imap without user' } });
  const tls = tlsOptions(url, options);
  const timeout = options.timeoutMs ?? 30_000;
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: url.host, port: url.port, secure: true,
    servername: tls.servername as string,
    auth: { user: url.user, pass: options.password },
    tls: tls as never,
    logger: false, emitLogs: false, disableAutoIdle: true,
    connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout,
  });
  // imapflow emits 'error' on socket failures after connect; without a listener it would throw asynchronously.
  let lateError: unknown;
  client.on('error', (e: unknown) => {
    lateError = e;
  });
  let count = 0;
  try {
    await client.connect();
    const lock = await client.getMailboxLock(options.mailbox ?? 'INBOX');
    try {
      const found = await client.search(options.unseenOnly === false ? { all: true } : { seen: false }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).sort((a, b) => a - b);
      const max = options.maxMessageBytes ?? 64 * 1024 * 1024;
      for (const uid of uids) {
        const meta = await client.fetchOne(String(uid), { uid: true, size: true, flags: true }, { uid: true });
        if (meta === false) continue;
        if ((meta.size ?? 0) > max) throw new ScelleError('IMAP_ERROR', `message UID ${uid} is ${meta.size} bytes, over the ${max}-byte limit`, { params: { detail: `message too large (${meta.size} bytes)` } });
        const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        if (msg === false || msg.source === undefined) continue;
        await options.onMessage({ uid, raw: new Uint8Array(msg.source), flags: [...(meta.flags ?? [])] });
        count++;
        if (options.markSeen !== false) await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
    await client.logout();
    return { count };
  } catch (e) {
    client.close();
    throw transportError(e ?? lateError, url, 'imap');
  }
}
