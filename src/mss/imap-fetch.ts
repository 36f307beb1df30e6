/**
 * Reading a mailbox: connect (implicit TLS or STARTTLS, src/mss/imap.ts), log in (password,
 * bearer token, or the TLS client certificate with SASL EXTERNAL), then for each message of the
 * folder (unseen ones by default), in UID order: its size, its bytes with BODY.PEEK[] (so that a
 * message whose handling fails stays unseen), the caller's verdict, then \Seen.
 *
 * An OAuth login the server refuses is renewed once (when a refresh token was given) and the
 * connection made again.
 */
import { ScelleError } from '../errors.js';
import { ImapSession } from './imap.js';
import { imapAuthenticate, imapFetchBody, imapFetchMeta, imapMarkSeen, imapSelect, imapUidSearch } from './imap-ops.js';
import { initialResponse, type SaslMechanism } from './sasl.js';
import { tlsOptions, transportError, type MailLogin, type MailServerUrl, type MailTlsOptions } from './transport.js';

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
  /** How to log in. Default: `password` when given, else `certificate`. */
  login?: MailLogin;
  /** The account password (shorthand for `login: { kind: 'password', password }`). */
  password?: string;
  /** Default `INBOX`. */
  mailbox?: string;
  /** Only messages without \Seen (default true). */
  unseenOnly?: boolean;
  /** Set \Seen on each message once `onMessage` returned (default true). */
  markSeen?: boolean;
  /** Larger messages are an IMAP_ERROR. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Called for each message, in UID order. */
  onMessage: (message: FetchedMessage) => Promise<void>;
  timeoutMs?: number;
}

/** How the session logged in. */
export interface FetchResult {
  count: number;
  mechanism: SaslMechanism;
  tokenRenewed?: boolean;
}

function loginOf(options: FetchMessagesOptions): MailLogin {
  if (options.login) return options.login;
  if (options.password !== undefined) return { kind: 'password', password: options.password };
  return { kind: 'certificate' };
}

/**
 * Fetches the messages of a mailbox, calls `onMessage` for each, then marks it seen.
 * @returns how many messages were handed to `onMessage`, and the SASL mechanism used.
 * @throws ScelleError TLS_UNTRUSTED, NOT_IGC_SANTE, AUTH_FAILED, CERT_EXPIRED, TOKEN_EXPIRED,
 *   TOKEN_REFRESH_FAILED, NETWORK_ERROR, IMAP_ERROR, USAGE, and what onMessage throws.
 */
export async function fetchMessages(options: FetchMessagesOptions): Promise<FetchResult> {
  const { url } = options;
  if (url.protocol !== 'imaps' && url.protocol !== 'imap') throw new ScelleError('USAGE', 'reading needs an imaps:// or imap:// URL', { params: { detail: `${url.protocol} URL for reading` } });
  const login = loginOf(options);
  if (login.kind !== 'certificate' && url.user === undefined) throw new ScelleError('USAGE', '--imap: the URL must name the account: imaps://user@host:993', { params: { detail: '--imap without user' } });
  if (login.kind === 'certificate' && options.clientCertificate === undefined) throw new ScelleError('USAGE', 'a login with the certificate needs an identity with an authentication certificate', { params: { detail: 'no client certificate' } });
  if (login.kind !== 'oauth') return session(options, login, undefined);
  try {
    return await session(options, login, await login.tokens.token());
  } catch (e) {
    if (!(e instanceof ScelleError) || e.code !== 'AUTH_FAILED' || !login.tokens.canRefresh) throw e;
    return { ...(await session(options, login, await login.tokens.refresh())), tokenRenewed: true };
  }
}

/** The mechanism and initial response of a login (OAuth: OAUTHBEARER when offered, RFC 7628, else XOAUTH2). */
function saslOf(login: MailLogin, url: MailServerUrl, token: string | undefined, capabilities: Set<string>): { mechanism: SaslMechanism; initial: Buffer } {
  if (login.kind === 'password') return { mechanism: 'PLAIN', initial: initialResponse('PLAIN', { user: url.user!, password: login.password }) };
  if (login.kind === 'certificate') return { mechanism: 'EXTERNAL', initial: initialResponse('EXTERNAL', { ...(url.user !== undefined ? { user: url.user } : {}) }) };
  const mechanism = login.mechanism ?? (capabilities.has('AUTH=OAUTHBEARER') || !capabilities.has('AUTH=XOAUTH2') ? 'OAUTHBEARER' : 'XOAUTH2');
  return { mechanism, initial: initialResponse(mechanism, { user: url.user!, token: token!, host: url.host, port: url.port }) };
}

async function session(options: FetchMessagesOptions, login: MailLogin, token: string | undefined): Promise<FetchResult> {
  const { url } = options;
  const tls = tlsOptions(url, options);
  const max = options.maxMessageBytes ?? 64 * 1024 * 1024;
  let imap: ImapSession | undefined;
  try {
    imap = await ImapSession.open(url.host, url.port, url.security, tls, { timeoutMs: options.timeoutMs ?? 30_000, limits: { maxLiteral: max } });
    const { mechanism, initial } = saslOf(login, url, token, imap.capabilities);
    await imapAuthenticate(imap, mechanism, initial);
    await imapSelect(imap, options.mailbox ?? 'INBOX');
    let count = 0;
    for (const uid of await imapUidSearch(imap, options.unseenOnly !== false)) {
      const meta = await imapFetchMeta(imap, uid);
      if (meta === undefined) continue;
      if (meta.size > max) throw new ScelleError('IMAP_ERROR', `message UID ${uid} is ${meta.size} bytes, over the ${max}-byte limit`, { params: { detail: `message too large (${meta.size} bytes)` } });
      const raw = await imapFetchBody(imap, uid);
      if (raw === undefined) continue;
      await options.onMessage({ uid, raw, flags: meta.flags });
      count++;
      if (options.markSeen !== false) await imapMarkSeen(imap, uid);
    }
    await imap.logout();
    return { count, mechanism };
  } catch (e) {
    imap?.close();
    throw transportError(e, url, 'imap', options.trustScope);
  }
}
