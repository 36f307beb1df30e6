/**
 * Transport to and from the messaging operator, as the Référentiel socle MSSanté #2 describes the
 * access modes of a client: SMTP submission (src/mss/smtp.ts, nodemailer) and IMAP
 * (src/mss/imap-fetch.ts, scelle's own client), always over TLS 1.2 or later, with the server
 * certificate checked against the trust anchors the caller gives — never the system store — and
 * its name checked against the host.
 *
 * - `smtps://[user@]host[:465]`: implicit TLS (RFC 8314 §3.3).
 * - `smtp://[user@]host[:587]`: submission with STARTTLS required (RFC 3207); a server that does not
 *   offer it is refused before anything is sent. Plaintext SMTP does not exist here.
 * - `imaps://[user@]host[:993]`: implicit TLS; `imap://[user@]host[:143]`: STARTTLS required.
 * - Logins ({@link MailLogin}): the account password (SASL PLAIN/LOGIN); an OAuth 2.0 access token
 *   (e-CPS / Pro Santé Connect style: SASL OAUTHBEARER or XOAUTH2, renewed with a refresh token
 *   when it expires or is refused); or the TLS client certificate alone (the identity's
 *   authentication certificate, as IGC-Santé issues it on CPS cards: SASL EXTERNAL for IMAP, the
 *   certificate itself for SMTP). Client certificates work with software keys (p12, key + cert);
 *   a PKCS#11 key cannot be handed to Node's TLS stack (USAGE).
 *
 * Revocation of the server's certificate (DST des interfaces MSSanté des clients de messagerie,
 * « Vérification des certificats serveurs »): with `tlsCrls` every certificate of the server's chain
 * must be covered by a current CRL of its issuer (OpenSSL's CRL_CHECK_ALL, which Node sets when CRLs
 * are given); a revoked certificate, a missing or expired CRL end the handshake. Without CRLs the
 * server certificate's revocation is not checked (Node's TLS cannot fetch CRLs or ask OCSP during
 * the handshake) — docs/MSSANTE.md says so.
 *
 * A certificate problem is TLS_UNTRUSTED (the connection is dropped during the handshake, so
 * nothing was sent), or NOT_IGC_SANTE when the trust is restricted to the IGC-Santé store; a
 * refused login AUTH_FAILED; an expired client certificate CERT_EXPIRED before any connection.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { formatPem } from '../crypto/pem.js';
import type { OAuthTokenSource } from './oauth.js';

/**
 * How to log in:
 * - `password`: SASL PLAIN (or LOGIN) with the account password;
 * - `oauth`: a bearer token (OAUTHBEARER, RFC 7628, when the server offers it, else XOAUTH2; or the
 *   one named), renewed when it expires or is refused;
 * - `certificate`: the TLS client certificate alone (IMAP: SASL EXTERNAL, RFC 4422 App. A).
 */
export type MailLogin =
  | { kind: 'password'; password: string }
  | { kind: 'oauth'; tokens: Pick<OAuthTokenSource, 'token' | 'refresh' | 'canRefresh'>; mechanism?: 'OAUTHBEARER' | 'XOAUTH2' }
  | { kind: 'certificate' };

/** A parsed `smtps://`, `smtp://`, `imaps://` or `imap://` URL. */
export interface MailServerUrl {
  protocol: 'smtps' | 'smtp' | 'imaps' | 'imap';
  host: string;
  port: number;
  /** The account (SASL user), when given. */
  user?: string;
  /** `tls` = implicit TLS, `starttls` = STARTTLS required. */
  security: 'tls' | 'starttls';
}

const DEFAULT_PORT = { smtps: 465, smtp: 587, imaps: 993, imap: 143 } as const;

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
    throw usage(`"${url}" is not a URL (${kind === 'smtp' ? 'smtps://user@host:465 or smtp://user@host:587' : 'imaps://user@host:993 or imap://user@host:143'})`);
  }
  const protocol = u.protocol.replace(/:$/, '');
  const allowed = kind === 'smtp' ? ['smtps', 'smtp'] : ['imaps', 'imap'];
  if (!allowed.includes(protocol)) {
    throw usage(kind === 'smtp' ? `use smtps:// (implicit TLS) or smtp:// (STARTTLS, required), not ${protocol}://` : `use imaps:// (implicit TLS) or imap:// (STARTTLS, required), not ${protocol}://`);
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
  return { protocol: p, host: u.hostname.replace(/^\[|\]$/g, ''), port, ...(user !== undefined ? { user } : {}), security: p === 'smtp' || p === 'imap' ? 'starttls' : 'tls' };
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
  /**
   * `igc-sante`: `trustAnchors` are the IGC-Santé trust store (Référentiel #2 ECO.1.1.10: IGC-Santé
   * is the only authority a client accepts), and a server certificate that does not chain to it
   * is NOT_IGC_SANTE rather than TLS_UNTRUSTED.
   */
  trustScope?: 'igc-sante';
  /**
   * CRLs (DER) the server's chain is checked against: every certificate of the chain needs a
   * current CRL of its issuer; revoked, not covered or expired → TLS_UNTRUSTED. None: not checked.
   */
  tlsCrls?: Uint8Array[];
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
  // Node adds the CRLs to the context's store with X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL.
  if (options.tlsCrls !== undefined && options.tlsCrls.length > 0) tls.crl = options.tlsCrls.map((c) => formatPem('X509 CRL', c));
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
  'UNABLE_TO_GET_CRL', 'CRL_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'UNABLE_TO_GET_CRL_ISSUER',
]);

/** OpenSSL's verification messages, for wrappers (nodemailer) that keep the message and drop the code. */
const TLS_UNTRUSTED_MESSAGES = /unable to get local issuer certificate|unable to get issuer certificate|self[- ]signed certificate|unable to verify the first certificate|certificate signature failure|certificate has expired|certificate is not yet valid|certificate revoked|invalid CA certificate|Hostname\/IP does not match certificate|does not match certificate's altnames|certificate not trusted|path length constraint exceeded|unsupported certificate purpose|unable to get certificate CRL|CRL has expired|CRL is not yet valid|CRL signature failure/i;

/** The verification failures that mean "no path to a trust anchor" (not an expiry or a name mismatch). */
const NO_ANCHOR = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_UNTRUSTED|unable to get local issuer certificate|unable to get issuer certificate|self[- ]signed certificate|unable to verify the first certificate|certificate not trusted)$/i;

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
export function transportError(e: unknown, url: MailServerUrl, kind: 'smtp' | 'imap', trustScope?: 'igc-sante'): ScelleError {
  if (e instanceof ScelleError) return e;
  const err = e as { code?: string; message?: string; responseCode?: number; response?: string; authenticationFailed?: boolean; serverResponseCode?: string; oauth?: { status?: string } };
  const server = `${url.host}:${url.port}`;
  const msg = String(err?.message ?? e);
  const tls = tlsCode(e);
  const make = (code: ErrorCode, message: string, detail: string, extra: Record<string, string> = {}): ScelleError =>
    new ScelleError(code, message, { cause: e, params: { host: server, detail, ...extra } });
  if (tls && trustScope === 'igc-sante' && NO_ANCHOR.test(tls)) {
    return make('NOT_IGC_SANTE', `the certificate of ${server} does not chain to the IGC-Santé trust store (${tls}): the connection was dropped during the TLS handshake; nothing was sent`, `${server}: ${tls}`);
  }
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
  const token = err.oauth?.status ? ` (the token: ${err.oauth.status})` : '';
  if (kind === 'smtp' && (err.code === 'EAUTH' || err.responseCode === 535)) {
    return make('AUTH_FAILED', `${server} refused the login for ${url.user ?? '(no user)'}${token}; nothing was sent`, 'login refused', { user: url.user ?? '' });
  }
  if (kind === 'imap' && (err.authenticationFailed || err.serverResponseCode === 'AUTHENTICATIONFAILED')) {
    return make('AUTH_FAILED', `${server} refused the login for ${url.user ?? '(certificate)'}${token}`, 'login refused', { user: url.user ?? '' });
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

