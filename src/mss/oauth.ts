/**
 * Access tokens for e-CPS / Pro Santé Connect style logins (OAuth 2.0 bearer tokens, RFC 6749 and
 * RFC 6750, given to the mail servers over SASL: src/mss/sasl.ts).
 *
 * A token is read from a file — the raw token, or JSON `{"access_token", "expires_at" | "expires_in",
 * "token_type"}` — or obtained with a refresh token from the token endpoint (RFC 6749 §6:
 * `grant_type=refresh_token`, client authentication HTTP Basic when a secret is given, §2.3.1).
 * Tokens last minutes: one whose expiry has passed (or is within `skewSeconds`) is renewed before
 * connecting, and a server that refuses the token triggers one renewal and one retry (the caller's
 * job: nothing was sent before the login). A renewed token, and a rotated refresh token, are written
 * back (atomic replace, mode 0600) so that the next run starts from them.
 *
 * The expiry of a JWT access token is read from its `exp` claim without verifying the token: it only
 * decides *when* to renew; the server decides whether the token is good.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Options of {@link OAuthTokenSource}. */
export interface OAuthTokenOptions {
  /** The access token file (raw token or JSON). */
  tokenFile?: string;
  /** The refresh token file (raw token or JSON `{"refresh_token"}`). */
  refreshFile?: string;
  /** The token endpoint (https; http only on the loopback interface). */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  /** Trust anchors for an https token endpoint (PEM); default Node's store. */
  ca?: string[];
  /** Renew this long before expiry. Default 60 s. */
  skewSeconds?: number;
  clock?: () => Date;
  /** Timeout of the token endpoint, ms. Default 15 000. */
  timeoutMs?: number;
}

interface Held {
  token: string;
  expiresAt?: Date;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Where access tokens come from, for one run. */
export class OAuthTokenSource {
  private held: Held | undefined;
  constructor(private readonly o: OAuthTokenOptions) {
    if (o.tokenFile === undefined && o.refreshFile === undefined) throw new ScelleError('USAGE', 'an OAuth login needs an access token file or a refresh token file', { params: { detail: 'no token file' } });
    if (o.refreshFile !== undefined && (o.tokenUrl === undefined || o.clientId === undefined)) throw new ScelleError('USAGE', 'renewing a token needs the token endpoint and the client id (--oauth-token-url, --oauth-client-id)', { params: { detail: 'refresh without token endpoint' } });
    if (o.tokenUrl !== undefined) checkTokenUrl(o.tokenUrl);
  }

  /** True when an expired or refused token can be renewed. */
  get canRefresh(): boolean {
    return this.o.refreshFile !== undefined;
  }

  private now(): Date {
    return (this.o.clock ?? (() => new Date()))();
  }

  private fresh(h: Held | undefined): h is Held {
    return h !== undefined && (h.expiresAt === undefined || h.expiresAt.getTime() - (this.o.skewSeconds ?? 60) * 1000 > this.now().getTime());
  }

  /**
   * A token that has not expired: the one held, the one in the token file, or a renewed one.
   * @throws ScelleError TOKEN_EXPIRED (expired and no way to renew), TOKEN_REFRESH_FAILED,
   *   NETWORK_ERROR, FILE_NOT_FOUND / IO_ERROR, USAGE (malformed file).
   */
  async token(): Promise<string> {
    if (this.fresh(this.held)) return this.held.token;
    if (this.o.tokenFile !== undefined && this.held === undefined) {
      const h = await readTokenFile(this.o.tokenFile, this.now());
      if (h !== undefined) {
        this.held = h;
        if (this.fresh(h)) return h.token;
      }
    }
    if (!this.canRefresh) {
      const when = this.held?.expiresAt?.toISOString();
      throw new ScelleError('TOKEN_EXPIRED', `the access token ${when ? `expired at ${when}` : 'is missing'} and no refresh token was given; nothing was sent`, { params: { detail: when ? `expired at ${when}` : 'no token' } });
    }
    return this.refresh();
  }

  /**
   * Renews the token with the refresh token (RFC 6749 §6) and writes both back.
   * @throws ScelleError TOKEN_REFRESH_FAILED, NETWORK_ERROR, USAGE.
   */
  async refresh(): Promise<string> {
    if (!this.canRefresh) throw new ScelleError('TOKEN_EXPIRED', 'the server refused the access token and no refresh token was given', { params: { detail: 'refused, no refresh token' } });
    const refreshToken = await readRefreshFile(this.o.refreshFile!);
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(this.o.scope ? { scope: this.o.scope } : {}) });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    // RFC 6749 §2.3.1: client_secret_basic (id and secret form-urlencoded, then Basic); a public client sends client_id in the body.
    if (this.o.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.o.clientId!)}:${encodeURIComponent(this.o.clientSecret)}`).toString('base64')}`;
    else body.set('client_id', this.o.clientId!);
    const { status, json } = await postForm(this.o.tokenUrl!, body.toString(), headers, this.o.ca, this.o.timeoutMs ?? 15_000);
    const issued = parseTokenResponse(status, json, this.o.tokenUrl!);
    const expiresAt = issued.expiresIn !== undefined ? new Date(this.now().getTime() + issued.expiresIn * 1000) : jwtExpiry(issued.accessToken);
    this.held = { token: issued.accessToken, ...(expiresAt ? { expiresAt } : {}) };
    if (issued.refreshToken !== undefined && issued.refreshToken !== refreshToken) {
      await writeFileAtomic(this.o.refreshFile!, `${JSON.stringify({ refresh_token: issued.refreshToken })}\n`, { mode: 0o600 });
    }
    if (this.o.tokenFile !== undefined) {
      await writeFileAtomic(this.o.tokenFile, `${JSON.stringify({ access_token: issued.accessToken, token_type: 'Bearer', ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}) })}\n`, { mode: 0o600 });
    }
    return issued.accessToken;
  }
}

function checkTokenUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ScelleError('USAGE', `--oauth-token-url: "${url}" is not a URL`, { params: { detail: 'bad token URL' } });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || /^127\./.test(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new ScelleError('USAGE', `--oauth-token-url must be https:// (a refresh token must not travel in clear); http:// only on this computer`, { params: { detail: 'token URL not https' } });
  }
  if (u.username !== '' || u.password !== '') throw new ScelleError('USAGE', '--oauth-token-url: never put credentials in the URL: use --oauth-client-secret-file', { params: { detail: 'credentials in token URL' } });
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScelleError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR', `cannot read the ${what} ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
  }
}

/** Reads an access token file; undefined when it is empty (a refresh will fill it). */
export async function readTokenFile(path: string, now: Date): Promise<Held | undefined> {
  const text = await readText(path, 'access token file');
  if (text === '') return undefined;
  let token = text;
  let expiresAt: Date | undefined;
  if (text.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ScelleError('USAGE', `${path} is neither a token nor JSON`, { params: { detail: 'bad token file', file: path } });
    }
    if (typeof json.access_token !== 'string') throw new ScelleError('USAGE', `${path} has no "access_token"`, { params: { detail: 'no access_token', file: path } });
    token = json.access_token;
    if (typeof json.expires_at === 'string') expiresAt = new Date(json.expires_at);
    else if (typeof json.expires_at === 'number') expiresAt = new Date(json.expires_at * 1000);
    else if (typeof json.expires_in === 'number') expiresAt = new Date(now.getTime() + json.expires_in * 1000);
  }
  if (!B64TOKEN.test(token)) throw new ScelleError('USAGE', `${path} does not hold a bearer token (RFC 6750 §2.1)`, { params: { detail: 'malformed token', file: path } });
  expiresAt ??= jwtExpiry(token);
  return { token, ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}) };
}

async function readRefreshFile(path: string): Promise<string> {
  const text = await readText(path, 'refresh token file');
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { refresh_token?: unknown };
      if (typeof json.refresh_token === 'string' && json.refresh_token !== '') return json.refresh_token;
    } catch {
      // fall through
    }
    throw new ScelleError('USAGE', `${path} has no "refresh_token"`, { params: { detail: 'no refresh_token', file: path } });
  }
  if (text === '' || /[\s\u0000-\u001f]/.test(text)) throw new ScelleError('USAGE', `${path} does not hold a refresh token`, { params: { detail: 'bad refresh token file', file: path } });
  return text;
}

/** The `exp` claim of a JWT (RFC 7519 §4.1.4), unverified: only to schedule renewal. */
export function jwtExpiry(token: string): Date | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

function parseTokenResponse(status: number, json: unknown, url: string): { accessToken: string; expiresIn?: number; refreshToken?: string } {
  const j = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (status !== 200) {
    const error = typeof j.error === 'string' ? j.error : `HTTP ${status}`;
    throw new ScelleError('TOKEN_REFRESH_FAILED', `the token endpoint ${url} refused to renew the token: ${error}${typeof j.error_description === 'string' ? ` (${j.error_description})` : ''}`, { params: { detail: error } });
  }
  if (typeof j.access_token !== 'string' || !B64TOKEN.test(j.access_token)) throw new ScelleError('TOKEN_REFRESH_FAILED', `the token endpoint ${url} answered without a usable access_token`, { params: { detail: 'no access_token in the answer' } });
  if (typeof j.token_type !== 'string' || j.token_type.toLowerCase() !== 'bearer') throw new ScelleError('TOKEN_REFRESH_FAILED', `the token endpoint ${url} issued a "${String(j.token_type)}" token, not a bearer token (RFC 6750)`, { params: { detail: 'not a bearer token' } });
  return {
    accessToken: j.access_token,
    ...(typeof j.expires_in === 'number' ? { expiresIn: j.expires_in } : {}),
    ...(typeof j.refresh_token === 'string' && j.refresh_token !== '' ? { refreshToken: j.refresh_token } : {}),
  };
}

/** POSTs a form and reads a JSON answer (≤ 64 KiB). */
function postForm(url: string, body: string, headers: Record<string, string>, ca: string[] | undefined, timeoutMs: number): Promise<{ status: number; json: unknown }> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(u, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs, ...(ca && u.protocol === 'https:' ? { ca, minVersion: 'TLSv1.2' as const } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy(new Error('the token endpoint answer is larger than 64 KiB'));
        else chunks.push(c);
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${u.host} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(new ScelleError('NETWORK_ERROR', `cannot reach the token endpoint ${u.host}: ${e.message}`, { cause: e, params: { host: u.host, detail: e.message } })));
    req.end(body);
  });
}
