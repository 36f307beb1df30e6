/**
 * Revocation of the mail server's certificate (DST des interfaces MSSanté des clients de messagerie,
 * « Vérification des certificats serveurs »: the client checks that the server certificate is not
 * revoked): with `tlsCrls` (`--tls-crl`), every certificate of the server's chain must be covered by
 * a current CRL of its issuer, and a revoked one ends the handshake before anything is sent.
 * A local TLS server stands for the operator's IMAP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:tls';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchMessages } from '../../../src/mss/imap-fetch.js';
import { buildCrl, certificateSerial } from '../../../src/crypto/cert-builder.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { ScelleError } from '../../../src/errors.js';
import { issueServerCertificate } from '../../helpers/mailservers.js';
import { createMssFixture, type MssFixture } from '../../helpers/mss-fixtures.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { BIN, readJsonOutput } from '../../helpers/cli.js';

let f: MssFixture;
let server: Server;
let port: number;
let serverDer: Uint8Array;
/** Lines the server received after the handshake. */
const seen: string[] = [];
const { dir, cleanup } = makeTempDir('scelle-mss-tlscrl-');
const p = (n: string): string => join(dir, n);

/** A CRL of the "personnes" CA, revoking the given serials. */
function caCrl(revoked: Uint8Array[], options: { nextUpdate?: Date } = {}): Uint8Array {
  const now = Date.now();
  return buildCrl({
    issuerCertificate: f.pki.ca, signingKey: f.pki.caKey, crlNumber: 7,
    thisUpdate: new Date(now - 3_600_000), nextUpdate: options.nextUpdate ?? new Date(now + 7 * 86_400_000),
    revoked: revoked.map((serialNumber) => ({ serialNumber, revocationDate: new Date(now - 1_800_000), reason: 'keyCompromise' as const })),
  });
}

beforeAll(async () => {
  f = await createMssFixture();
  const cert = issueServerCertificate(f.pki);
  serverDer = cert.der;
  server = createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' }, (sock) => {
    sock.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] faux serveur IMAP\r\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        seen.push(line);
        const tag = line.split(' ')[0]!;
        if (/ CAPABILITY/i.test(line)) sock.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
        else if (/ AUTHENTICATE/i.test(line)) sock.write(`${tag} NO [AUTHENTICATIONFAILED] refusé\r\n`);
        else if (/ LOGOUT/i.test(line)) sock.end(`* BYE\r\n${tag} OK bye\r\n`);
        else sock.write(`${tag} BAD ?\r\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  writeFileSync(p('trust.pem'), formatPem('CERTIFICATE', f.pki.root));
  writeFileSync(p('crls-ok.pem'), f.crlPem);
  writeFileSync(p('crls-revoked.pem'), formatPem('X509 CRL', caCrl([certificateSerial(serverDer)])) + formatPem('X509 CRL', f.pki.rootCrl));
  writeFileSync(p('mailpass'), 'mot-de-passe\n');
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  cleanup();
});

/** Tries to read the mailbox with these CRLs; returns the error (the fake server refuses every login). */
async function attempt(tlsCrls: Uint8Array[] | undefined): Promise<ScelleError> {
  seen.length = 0;
  const err = await fetchMessages({
    url: { protocol: 'imaps', host: 'localhost', port, user: 'praticien@demo.mssante.fr', security: 'tls' },
    trustAnchors: [f.root], login: { kind: 'password', password: 'mot-de-passe' },
    ...(tlsCrls ? { tlsCrls } : {}), onMessage: () => undefined, timeoutMs: 20_000,
  }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScelleError);
  return err as ScelleError;
}

describe('the server certificate checked against CRLs (tlsCrls, --tls-crl)', () => {
  it('current CRLs for the whole chain, the certificate not in them: the handshake goes through (the login is then refused by this fake server)', async () => {
    const e = await attempt([f.pki.crl, f.pki.rootCrl]);
    expect(e.code).toBe('AUTH_FAILED');
    expect(seen.some((l) => /AUTHENTICATE/i.test(l))).toBe(true);
  });

  it('the server certificate revoked: TLS_UNTRUSTED (CERT_REVOKED), the connection dropped before a single command', async () => {
    const e = await attempt([caCrl([certificateSerial(serverDer)]), f.pki.rootCrl]);
    expect(e.code).toBe('TLS_UNTRUSTED');
    expect(e.message).toMatch(/CERT_REVOKED|revoked/i);
    expect(seen).toEqual([]);
  });

  it('no CRL for one certificate of the chain, or an expired CRL: refused, never taken as "not revoked"', async () => {
    const missing = await attempt([f.pki.rootCrl]);
    expect(missing.code).toBe('TLS_UNTRUSTED');
    expect(missing.message).toMatch(/UNABLE_TO_GET_CRL/);
    const stale = await attempt([caCrl([], { nextUpdate: new Date(Date.now() - 60_000) }), f.pki.rootCrl]);
    expect(stale.code).toBe('TLS_UNTRUSTED');
    expect(stale.message).toMatch(/CRL_HAS_EXPIRED/);
    expect(seen).toEqual([]);
  });

  it('without CRLs the revocation of the server certificate is not checked (said in docs/MSSANTE.md): the handshake goes through', async () => {
    expect((await attempt(undefined)).code).toBe('AUTH_FAILED');
  });

  it('the CLI: mss read --tls-crl with the server revoked is exit 3, TLS_UNTRUSTED, and the password never reaches the server', async () => {
    const run = (crlFile: string): Promise<{ status: number; stdout: string }> => new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, 'mss', 'read', '--imap', `imaps://praticien@localhost:${port}`, '--trust', p('trust.pem'), '--tls-crl', p(crlFile), '--mail-pass-file', p('mailpass'), '--json'],
        { env: { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ status: code ?? -1, stdout }));
    });
    seen.length = 0;
    const revoked = await run('crls-revoked.pem');
    expect(revoked.status).toBe(3);
    expect(readJsonOutput(revoked.stdout).error.code).toBe('TLS_UNTRUSTED');
    expect(seen).toEqual([]);
    const ok = await run('crls-ok.pem');
    expect(ok.status).toBe(12);
    expect(readJsonOutput(ok.stdout).error.code).toBe('AUTH_FAILED');
  }, 60_000);
});
