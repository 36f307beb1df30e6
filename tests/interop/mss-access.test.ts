/**
 * The access modes MSSanté operators offer a client (Référentiel socle MSSanté #2; the DST clients
 * de messagerie: SMTP with STARTTLS on 587, IMAP with STARTTLS on 143), against the real Postfix and
 * Dovecot of tests/helpers/mailservers.ts: password, e-CPS style bearer tokens (SASL XOAUTH2 and
 * OAUTHBEARER, checked by Dovecot's oauth2 passdb against the local introspection endpoint, renewed
 * with a refresh token when expired or refused), and the TLS client certificate (SASL EXTERNAL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { formatPem } from '../../src/crypto/pem.js';
import { startMailServers, haveMailServers, type MailServers } from '../helpers/mailservers.js';
import { createMssFixture, type MssFixture } from '../helpers/mss-fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';
import { spawn } from 'node:child_process';
import { BIN, readJsonOutput, scelle } from '../helpers/cli.js';

/** Runs scelle without blocking this process (the fake servers of a test live in it). */
function scelleAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string; json: () => any }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr, json: () => readJsonOutput(stdout) }));
  });
}

const enabled = haveMailServers() || process.env.CI === 'true';

describe.skipIf(!enabled)('MSSanté access modes with Postfix and Dovecot on loopback', () => {
  let f: MssFixture;
  let servers: MailServers;
  let dir: string;
  let cleanup: () => void;
  const p = (name: string): string => join(dir, name);
  const PRATICIEN = 'praticien@demo.mssante.fr';
  const CONFRERE = 'confrere@demo.mssante.fr';

  beforeAll(async () => {
    f = await createMssFixture();
    servers = await startMailServers(f.pki);
    ({ dir, cleanup } = makeTempDir('scelle-mss-access-'));
    for (const who of ['praticien', 'confrere', 'revoque'] as const) {
      writeFileSync(p(`${who}.p12`), f.pki[who].p12);
      writeFileSync(p(`${who}.pass`), `${f.pki[who].password}\n`);
    }
    writeFileSync(p('trust.pem'), formatPem('CERTIFICATE', f.pki.root));
    writeFileSync(p('crl.pem'), f.crlPem);
    writeFileSync(p('confrere.mailpass'), `${servers.users.confrere.password}\n`);
    writeFileSync(p('praticien.mailpass'), `${servers.users.praticien.password}\n`);
    writeFileSync(p('body.txt'), 'Bonjour,\nmessage de test.\n');
  }, 60_000);
  afterAll(async () => {
    await servers?.stop();
    cleanup?.();
  });

  const send = (smtp: string, extra: string[], env: Record<string, string> = {}): ReturnType<typeof scelle> => scelle([
    'mss', 'send', '--from', PRATICIEN, '--to', CONFRERE, '--subject', 'Accès MSSanté', '--body', p('body.txt'),
    '--trust', p('trust.pem'), '--smtp', smtp, '--json', ...extra,
  ], { env });
  const read = (imap: string, extra: string[], env: Record<string, string> = {}): ReturnType<typeof scelle> => scelle([
    'mss', 'read', '--imap', imap, '--trust', p('trust.pem'), '--crl', p('crl.pem'), '--json', ...extra,
  ], { env });
  const submission = (): string => `smtp://${PRATICIEN}@localhost:${servers.ports.submission}`;

  it('IMAP with STARTTLS (the 143 role): password login after TLS, the message read; nothing in clear', async () => {
    const before = servers.mailbox('confrere').length;
    const s = send(submission(), ['--mail-pass-file', p('praticien.mailpass')]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.json()).toMatchObject({ security: 'starttls', login: 'password', mechanism: 'PLAIN' });
    await servers.waitForMail('confrere', before + 1);
    const r = read(`imap://${CONFRERE}@localhost:${servers.ports.imap}`, ['--mail-pass-file', p('confrere.mailpass')]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const m = r.json().messages.find((x: any) => x.subject === 'Accès MSSanté');
    expect(m).toMatchObject({ ok: true, status: 'not-proven', text: 'Bonjour,\nmessage de test.\n' });
    // the server wanted TLS before any login: Dovecot logged a TLS session on the 143 listener
    expect(servers.logs()).toMatch(/imap-login: (?:Info: )?Login: user=<confrere@demo\.mssante\.fr>, method=PLAIN, .*TLS/);
  });

  it('a server that offers no STARTTLS, or slips data in after it, is refused before any login (TLS_UNTRUSTED)', async () => {
    const seen: string[] = [];
    const fake = (script: (line: string, write: (s: string) => void) => void): Promise<Server> => new Promise((resolve) => {
      const srv = createServer((sock) => {
        sock.write('* OK faux serveur IMAP\r\n');
        let buf = '';
        sock.on('data', (d) => {
          buf += d.toString('latin1');
          let i;
          while ((i = buf.indexOf('\r\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 2);
            seen.push(line);
            script(line, (out) => sock.write(out));
          }
        });
      });
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const tagOf = (line: string): string => line.split(' ')[0]!;
    const noStarttls = await fake((line, w) => {
      if (/CAPABILITY/i.test(line)) w(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tagOf(line)} OK done\r\n`);
    });
    const injecting = await fake((line, w) => {
      if (/CAPABILITY/i.test(line)) w(`* CAPABILITY IMAP4rev1 STARTTLS\r\n${tagOf(line)} OK done\r\n`);
      if (/STARTTLS/i.test(line)) w(`${tagOf(line)} OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n`);
    });
    try {
      const port = (s: Server): number => (s.address() as { port: number }).port;
      const readAsync = (url: string): ReturnType<typeof scelleAsync> => scelleAsync(['mss', 'read', '--imap', url, '--trust', p('trust.pem'), '--mail-pass-file', p('confrere.mailpass'), '--json']);
      const a = await readAsync(`imap://${CONFRERE}@localhost:${port(noStarttls)}`);
      expect(a.status).toBe(3);
      expect(a.json().error).toMatchObject({ code: 'TLS_UNTRUSTED', message: expect.stringMatching(/does not offer STARTTLS/) });
      const b = await readAsync(`imap://${CONFRERE}@localhost:${port(injecting)}`);
      expect(b.status).toBe(3);
      expect(b.json().error.message).toMatch(/sent data after its STARTTLS answer/);
      expect(seen.some((l) => /AUTHENTICATE|LOGIN/i.test(l))).toBe(false);
      expect(seen.join('\n')).not.toContain(servers.users.confrere.password);
    } finally {
      noStarttls.close();
      injecting.close();
    }
  });

  describe('e-CPS style login: OAuth 2.0 bearer tokens over SASL', () => {
    it.each([
      ['OAUTHBEARER', 'oauthbearer'],
      ['XOAUTH2', 'xoauth2'],
    ])('SMTP submission (STARTTLS) with %s: Postfix passes it to Dovecot, Dovecot asks the introspection endpoint', async (mech, sasl) => {
      const token = await servers.oauth.issue(PRATICIEN);
      writeFileSync(p(`token-${sasl}`), `${token}\n`);
      const before = (await servers.oauth.state()).calls.introspect;
      const boxBefore = servers.mailbox('confrere').length;
      const s = send(submission(), ['--oauth-token-file', p(`token-${sasl}`), '--sasl', sasl]);
      expect(s.status, s.stdout + s.stderr + servers.logs().slice(-4000)).toBe(0);
      expect(s.json()).toMatchObject({ login: 'oauth', mechanism: mech });
      const state = await servers.oauth.state();
      expect(state.calls.introspect).toBeGreaterThan(before);
      expect(state.introspected).toContain(token);
      expect(s.stdout + s.stderr).not.toContain(token);
      await servers.waitForMail('confrere', boxBefore + 1);
    });

    it.each([
      ['imaps (993 role), OAUTHBEARER by default', 'imaps', [] as string[], 'OAUTHBEARER'],
      ['imap STARTTLS (143 role), XOAUTH2', 'imap', ['--sasl', 'xoauth2'], 'XOAUTH2'],
    ])('IMAP %s', async (_what, scheme, extra, mech) => {
      const token = await servers.oauth.issue(CONFRERE);
      writeFileSync(p('token-imap'), JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 }));
      const port = scheme === 'imaps' ? servers.ports.imaps : servers.ports.imap;
      const r = read(`${scheme}://${CONFRERE}@localhost:${port}`, ['--oauth-token-file', p('token-imap'), '--all', '--keep-unseen', ...extra]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.json().messages.length).toBeGreaterThan(0);
      expect(servers.logs()).toMatch(new RegExp(`imap-login: (?:Info: )?Login: user=<confrere@demo\\.mssante\\.fr>, method=${mech}`));
    });

    it('an expired token is renewed before connecting: the refresh token goes to the token endpoint, both files are written back (rotation)', async () => {
      const expired = await servers.oauth.issue(PRATICIEN, -60);
      writeFileSync(p('expired.json'), JSON.stringify({ access_token: expired, expires_at: new Date(Date.now() - 60_000).toISOString() }));
      const rt = await servers.oauth.issueRefresh(PRATICIEN);
      writeFileSync(p('refresh'), `${rt}\n`, { mode: 0o600 });
      writeFileSync(p('client-secret'), `${servers.oauth.clientSecret}\n`);
      const tokenCalls = (await servers.oauth.state()).calls.token;
      const s = send(submission(), ['--oauth-token-file', p('expired.json'), '--oauth-refresh-file', p('refresh'), '--oauth-token-url', servers.oauth.tokenUrl,
        '--oauth-client-id', servers.oauth.clientId, '--oauth-client-secret-file', p('client-secret')]);
      expect(s.status, s.stdout + s.stderr).toBe(0);
      const state = await servers.oauth.state();
      expect(state.calls.token).toBe(tokenCalls + 1);
      expect(state.introspected).not.toContain(expired); // never shown to the server
      const renewed = JSON.parse(readFileSync(p('expired.json'), 'utf8'));
      expect(renewed.access_token).not.toBe(expired);
      expect(new Date(renewed.expires_at).getTime()).toBeGreaterThan(Date.now());
      expect(readFileSync(p('refresh'), 'utf8')).not.toContain(rt); // rotated
      expect(s.stdout + s.stderr).not.toMatch(/at-|rt-/);
    });

    it('a token the server refuses (expired without saying so) is renewed once and the login made again', async () => {
      const stale = await servers.oauth.issue(CONFRERE, -5);
      writeFileSync(p('stale'), `${stale}\n`); // raw token: scelle cannot know it expired
      writeFileSync(p('refresh-c'), JSON.stringify({ refresh_token: await servers.oauth.issueRefresh(CONFRERE) }));
      const r = read(`imap://${CONFRERE}@localhost:${servers.ports.imap}`, ['--oauth-token-file', p('stale'), '--oauth-refresh-file', p('refresh-c'),
        '--oauth-token-url', servers.oauth.tokenUrl, '--oauth-client-id', servers.oauth.clientId, '--all', '--keep-unseen']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect((await servers.oauth.state()).introspected).toContain(stale);
      expect(readFileSync(p('stale'), 'utf8')).not.toContain(stale);
    });

    it('an expired token and no refresh token: TOKEN_EXPIRED, exit 12, no connection; a revoked refresh token: TOKEN_REFRESH_FAILED; an unknown token: AUTH_FAILED', async () => {
      writeFileSync(p('old.json'), JSON.stringify({ access_token: await servers.oauth.issue(PRATICIEN, -60), expires_at: '2020-01-01T00:00:00Z' }));
      const calls = (await servers.oauth.state()).calls.introspect;
      const a = send(submission(), ['--oauth-token-file', p('old.json')]);
      expect(a.status).toBe(12);
      expect(a.json().error.code).toBe('TOKEN_EXPIRED');
      expect((await servers.oauth.state()).calls.introspect).toBe(calls);
      const fr = send(submission(), ['--oauth-token-file', p('old.json'), '--lang', 'fr']);
      expect(fr.stderr).toMatch(/le jeton d’accès a expiré/);
      const rt = await servers.oauth.issueRefresh(PRATICIEN);
      await servers.oauth.revokeRefresh(rt);
      writeFileSync(p('revoked'), rt);
      const b = send(submission(), ['--oauth-token-file', p('old.json'), '--oauth-refresh-file', p('revoked'), '--oauth-token-url', servers.oauth.tokenUrl, '--oauth-client-id', servers.oauth.clientId]);
      expect(b.status).toBe(12);
      expect(b.json().error).toMatchObject({ code: 'TOKEN_REFRESH_FAILED', message: expect.stringMatching(/invalid_grant/) });
      writeFileSync(p('forged'), 'at-pas-un-vrai-jeton');
      const c = read(`imaps://${CONFRERE}@localhost:${servers.ports.imaps}`, ['--oauth-token-file', p('forged')]);
      expect(c.status).toBe(12);
      expect(c.json().error).toMatchObject({ code: 'AUTH_FAILED' });
      expect(c.stdout + c.stderr).not.toContain('at-pas-un-vrai-jeton');
    });
  });

  describe('--trust-igc-sante: servers checked against the IGC-Santé store only', () => {
    it('the store holds the servers’ root: SMTP and IMAP go through; another store: NOT_IGC_SANTE, exit 3, nothing sent, no login', async () => {
      const { createDemoPki } = await import('../../src/crypto/demo-pki.js');
      const stranger = await createDemoPki();
      writeFileSync(p('igc-store.pem'), formatPem('CERTIFICATE', f.pki.root));
      writeFileSync(p('other-store.pem'), formatPem('CERTIFICATE', stranger.root));
      const before = servers.mailbox('confrere').length;
      const ok = scelle(['mss', 'send', '--from', PRATICIEN, '--to', CONFRERE, '--subject', 'IGC', '--body', p('body.txt'), '--trust-igc-sante', '--igc-sante-store', p('igc-store.pem'),
        '--smtp', submission(), '--mail-pass-file', p('praticien.mailpass'), '--json']);
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      await servers.waitForMail('confrere', before + 1);
      const refused = scelle(['mss', 'send', '--from', PRATICIEN, '--to', CONFRERE, '--subject', 'IGC', '--body', p('body.txt'), '--trust-igc-sante', '--igc-sante-store', p('other-store.pem'),
        '--smtp', submission(), '--mail-pass-file', p('praticien.mailpass'), '--json']);
      expect(refused.status).toBe(3);
      expect(refused.json().error).toMatchObject({ code: 'NOT_IGC_SANTE', message: expect.stringMatching(/does not chain to the IGC-Santé trust store.*nothing was sent/) });
      const imap = scelle(['mss', 'read', '--imap', `imap://${CONFRERE}@localhost:${servers.ports.imap}`, '--trust-igc-sante', '--igc-sante-store', p('other-store.pem'), '--mail-pass-file', p('confrere.mailpass'), '--json', '--lang', 'fr']);
      expect(imap.status).toBe(3);
      expect(imap.json().error.code).toBe('NOT_IGC_SANTE');
      expect(imap.stderr).toMatch(/ne remonte pas au magasin de confiance IGC-Santé/);
      await new Promise((res) => setTimeout(res, 1000));
      expect(servers.mailbox('confrere').length).toBe(before + 1);
      const read = scelle(['mss', 'read', '--imap', `imaps://${CONFRERE}@localhost:${servers.ports.imaps}`, '--trust-igc-sante', '--igc-sante-store', p('igc-store.pem'), '--crl', p('crl.pem'), '--mail-pass-file', p('confrere.mailpass'), '--json']);
      expect(read.status, read.stdout + read.stderr).toBe(0);
    });
  });

  it('--tls-crl: SMTP with STARTTLS and IMAP go through with current CRLs for the servers’ chain; a CRL that revokes the servers’ certificate: TLS_UNTRUSTED, exit 3, nothing sent', async () => {
    const { buildCrl, certificateSerial } = await import('../../src/crypto/cert-builder.js');
    const now = Date.now();
    const revoking = buildCrl({
      issuerCertificate: f.pki.ca, signingKey: f.pki.caKey, crlNumber: 9, thisUpdate: new Date(now - 3_600_000), nextUpdate: new Date(now + 86_400_000),
      revoked: [{ serialNumber: certificateSerial(servers.serverCertificate), revocationDate: new Date(now - 60_000), reason: 'keyCompromise' }],
    });
    writeFileSync(p('server-revoked-crl.pem'), formatPem('X509 CRL', revoking) + formatPem('X509 CRL', f.pki.rootCrl));
    const before = servers.mailbox('confrere').length;
    const ok = send(submission(), ['--mail-pass-file', p('praticien.mailpass'), '--tls-crl', p('crl.pem')]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    await servers.waitForMail('confrere', before + 1);
    const refused = send(submission(), ['--mail-pass-file', p('praticien.mailpass'), '--tls-crl', p('server-revoked-crl.pem')]);
    expect(refused.status).toBe(3);
    expect(refused.json().error).toMatchObject({ code: 'TLS_UNTRUSTED', message: expect.stringMatching(/revoked|CERT_REVOKED/i) });
    const imap = read(`imap://${CONFRERE}@localhost:${servers.ports.imap}`, ['--mail-pass-file', p('confrere.mailpass'), '--tls-crl', p('server-revoked-crl.pem')]);
    expect(imap.status).toBe(3);
    expect(imap.json().error.code).toBe('TLS_UNTRUSTED');
    await new Promise((res) => setTimeout(res, 1000));
    expect(servers.mailbox('confrere').length).toBe(before + 1);
  });

  describe('client-certificate login', () => {
    it('IMAP without a user in the URL: the CPS-style authentication certificate logs in (SASL EXTERNAL); the mailbox is the certificate holder’s', () => {
      const r = read(`imaps://localhost:${servers.ports.imaps}`, ['--identity', p('confrere.p12'), '--pass-file', p('confrere.pass'), '--all', '--keep-unseen']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.json().messages.length).toBeGreaterThan(0);
      expect(servers.logs()).toMatch(/imap-login: (?:Info: )?Login: user=<confrere@demo\.mssante\.fr>, method=EXTERNAL/);
      const starttls = read(`imap://localhost:${servers.ports.imap}`, ['--identity', p('praticien.p12'), '--pass-file', p('praticien.pass'), '--all', '--keep-unseen']);
      expect(starttls.status, starttls.stdout + starttls.stderr).toBe(0);
      expect(servers.logs()).toMatch(/imap-login: (?:Info: )?Login: user=<praticien@demo\.mssante\.fr>, method=EXTERNAL/);
    });

    it('a revoked certificate does not log in (the server checks the CRL): AUTH_FAILED, exit 12', () => {
      const r = read(`imaps://localhost:${servers.ports.imaps}`, ['--identity', p('revoque.p12'), '--pass-file', p('revoque.pass')]);
      expect(r.status, r.stdout + r.stderr).toBe(12);
      expect(r.json().error.code).toBe('AUTH_FAILED');
    });

    it('SMTP without a user: the certificate is what the server lets in (the mtls listener)', async () => {
      const before = servers.mailbox('confrere').length;
      const s = send(`smtps://localhost:${servers.ports.mtls}`, ['--identity', p('praticien.p12'), '--pass-file', p('praticien.pass')]);
      expect(s.status, s.stdout + s.stderr).toBe(0);
      expect(s.json()).toMatchObject({ login: 'certificate' });
      await servers.waitForMail('confrere', before + 1);
    });
  });
});
