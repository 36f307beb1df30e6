/**
 * A local OAuth 2.0 authorization server for the e-CPS style login tests, on loopback HTTP, in a
 * child process (the tests run scelle synchronously, which would freeze a server living in the test
 * process while Dovecot waits for it):
 * - `POST /introspect` (RFC 7662): what Dovecot's oauth2 passdb asks (`introspection_mode = post`,
 *   form field `token`); answers `{"active":true,"username":…,"exp":…}` for a live token,
 *   `{"active":false}` otherwise;
 * - `POST /token` (RFC 6749 §6, grant_type=refresh_token): issues a new access token and rotates
 *   the refresh token; checks the client (client_id in the body, or HTTP Basic with the secret);
 * - `/admin/…`: the test issues and revokes tokens and reads the counters.
 * Tokens are random (RFC 6750 b64token characters); their lifetime is chosen per issue, so a test can
 * hold an expired one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

export interface OAuthServer {
  url: string;
  introspectionUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Issues an access token for `user` valid `ttlSeconds` (negative: already expired). */
  issue(user: string, ttlSeconds?: number): Promise<string>;
  /** Issues a refresh token for `user`. */
  issueRefresh(user: string): Promise<string>;
  /** Makes a refresh token unusable (as a revoked e-CPS session). */
  revokeRefresh(token: string): Promise<void>;
  /** Requests seen by path, and the tokens the introspection endpoint was asked about. */
  state(): Promise<{ calls: { introspect: number; token: number }; introspected: string[] }>;
  stop(): Promise<void>;
}

/** The server, run by `node --input-type=module -e`. */
const SERVER = String.raw`
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
const clientId = process.env.OAUTH_CLIENT_ID, clientSecret = process.env.OAUTH_CLIENT_SECRET;
const access = new Map(), refresh = new Map();
const calls = { introspect: 0, token: 0 }, introspected = [];
const tok = (p) => p + randomBytes(24).toString('base64url');
const issue = (user, ttl = 300) => { const t = tok('at-'); access.set(t, { user, exp: Math.floor(Date.now() / 1000) + ttl }); return t; };
const issueRefresh = (user) => { const t = tok('rt-'); refresh.set(t, user); return t; };
const json = (res, status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
const server = createServer((req, res) => handle(req, res).catch((e) => { process.stderr.write('oauth test server: ' + req.url + ': ' + e.message + '\n'); res.writeHead(500).end(); }));
async function handle(req, res) {
  const chunks = []; for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  const form = new URLSearchParams(raw);
  if (req.url === '/introspect') {
    calls.introspect++; const t = form.get('token') ?? ''; introspected.push(t);
    const a = access.get(t);
    return a && a.exp > Math.floor(Date.now() / 1000) ? json(res, 200, { active: true, username: a.user, exp: a.exp, token_type: 'Bearer' }) : json(res, 200, { active: false });
  }
  if (req.url === '/token') {
    calls.token++;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent) : [form.get('client_id'), undefined];
    if (id !== clientId || (basic && secret !== clientSecret)) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'refresh_token') return json(res, 400, { error: 'unsupported_grant_type' });
    const old = form.get('refresh_token') ?? ''; const user = refresh.get(old);
    if (user === undefined) return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token unknown, expired or revoked' });
    refresh.delete(old);
    return json(res, 200, { access_token: issue(user, 300), token_type: 'Bearer', expires_in: 300, refresh_token: issueRefresh(user) });
  }
  const a = raw ? JSON.parse(raw) : {};
  if (req.url === '/admin/issue') return json(res, 200, { token: issue(a.user, a.ttl) });
  if (req.url === '/admin/issue-refresh') return json(res, 200, { token: issueRefresh(a.user) });
  if (req.url === '/admin/revoke') { refresh.delete(a.token); return json(res, 200, {}); }
  if (req.url === '/admin/state') return json(res, 200, { calls, introspected });
  res.writeHead(404).end();
}
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\n'));
`;

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startOAuthServer(): Promise<OAuthServer> {
  const clientId = 'scelle-test-client';
  const clientSecret = `cs-${randomBytes(12).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    env: { PATH: process.env.PATH, OAUTH_CLIENT_ID: clientId, OAUTH_CLIENT_SECRET: clientSecret }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the OAuth test server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  // One connection per call (no keep-alive): the tests block this process for seconds at a time,
  // and a pooled socket the server closed meanwhile would fail the next call.
  const admin = (path: string, body: unknown = {}): Promise<any> => new Promise((resolve, reject) => {
    const req = request(`${url}/admin/${path}`, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  return {
    url, introspectionUrl: `${url}/introspect`, tokenUrl: `${url}/token`, clientId, clientSecret,
    issue: async (user, ttl) => (await admin('issue', { user, ...(ttl !== undefined ? { ttl } : {}) })).token,
    issueRefresh: async (user) => (await admin('issue-refresh', { user })).token,
    revokeRefresh: async (token) => void (await admin('revoke', { token })),
    state: () => admin('state'),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}
