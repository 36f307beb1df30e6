/**
 * Online revocation (verifyCertificateChain with `online: true`) against real peers on 127.0.0.1:
 * a node:http server serving the CA's CRL, and `openssl ocsp` responders (one delegated responder
 * with id-kp-OCSPSigning, one signing with the CA key, one delegated responder without the EKU).
 * Certificates are generated at test time so their CDP/AIA point at the loopback ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificates, type X509Cert } from '../../../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../../../src/crypto/x509/crl.js';
import type { Fetcher } from '../../../../src/crypto/x509/fetch.js';
import { verifyCertificateChain } from '../../../../src/crypto/x509/verify-chain.js';
import { havePeers, runPeer } from '../../../helpers/peers.js';
import { makeTempDir } from '../../../helpers/tmp.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!havePeers('openssl'))('online revocation against a local CRL server and openssl ocsp', () => {
  const tmp = makeTempDir('scelle-ocsp-');
  const dir = tmp.dir;
  const children: ChildProcess[] = [];
  let crlServer: http.Server;
  const certs: Record<string, X509Cert> = {};
  let root: X509Cert;
  let deadPort = 0;
  const ports = { crl: 0, ocspDelegated: 0, ocspCa: 0, ocspNoEku: 0 };
  const crlRequests: string[] = [];

  const openssl = (...args: string[]): string => runPeer('openssl', args, { cwd: dir });

  beforeAll(async () => {
    // The CRL server first: certificates embed its port.
    let crlBody = new Uint8Array();
    crlServer = http.createServer((req, res) => {
      crlRequests.push(req.url ?? '');
      if (req.url === '/ca.crl') {
        res.writeHead(200, { 'content-type': 'application/pkix-crl' });
        res.end(Buffer.from(crlBody));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => crlServer.listen(0, '127.0.0.1', r));
    ports.crl = (crlServer.address() as net.AddressInfo).port;
    ports.ocspDelegated = await freePort();
    ports.ocspCa = await freePort();
    ports.ocspNoEku = await freePort();
    deadPort = await freePort();

    mkdirSync(join(dir, 'newcerts'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '2000\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    const base = 'basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,nonRepudiation\nextendedKeyUsage = emailProtection\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n';
    const aia = (port: number): string => `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${port}/\n`;
    const cdp = (port: number): string => `crlDistributionPoints = URI:http://127.0.0.1:${port}/ca.crl\n`;
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ca]', 'default_ca = d', '[d]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir/newcerts',
        'serial = $dir/serial', 'crlnumber = $dir/crlnumber', 'default_md = sha256', 'policy = p', 'unique_subject = no',
        'default_days = 30', 'default_crl_days = 7', 'crl_extensions = crl_ext', '[crl_ext]', 'authorityKeyIdentifier = keyid:always',
        '[p]', 'commonName = supplied',
        '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = unused',
        '[root]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature', 'subjectKeyIdentifier = hash',
        '[responder]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = OCSPSigning', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
        '[responder_noeku]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
        `[ocsp_good]\n${base}${aia(ports.ocspDelegated)}`,
        `[ocsp_revoked]\n${base}${aia(ports.ocspCa)}`,
        `[ocsp_noeku]\n${base}${aia(ports.ocspNoEku)}`,
        `[crl_good]\n${base}${cdp(ports.crl)}`,
        `[crl_revoked]\n${base}${cdp(ports.crl)}`,
        `[unreachable]\n${base}${aia(deadPort)}${cdp(deadPort)}`,
        `[fallback]\n${base}${aia(deadPort)}${cdp(ports.crl)}`,
      ].join('\n'),
    );
    const cnf = join(dir, 'ca.cnf');
    const issue = (name: string, ext: string, selfsign = false): void => {
      openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
      openssl('req', '-new', '-config', cnf, '-key', `${name}.key`, '-subj', `/C=FR/O=SCELLE TEST/CN=${name}`, '-out', `${name}.csr`);
      const signer = selfsign ? ['-selfsign', '-keyfile', `${name}.key`] : ['-cert', 'root.pem', '-keyfile', 'root.key'];
      openssl('ca', '-batch', '-notext', '-config', cnf, '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', ext, '-extfile', cnf, ...signer);
      certs[name] = parseCertificates(new Uint8Array(readFileSync(join(dir, `${name}.pem`))))[0]!;
    };
    issue('root', 'root', true);
    root = certs.root!;
    for (const [name, ext] of [
      ['responder', 'responder'],
      ['responder-noeku', 'responder_noeku'],
      ['ocsp-good', 'ocsp_good'],
      ['ocsp-revoked', 'ocsp_revoked'],
      ['ocsp-noeku', 'ocsp_noeku'],
      ['crl-good', 'crl_good'],
      ['crl-revoked', 'crl_revoked'],
      ['unreachable', 'unreachable'],
      ['fallback', 'fallback'],
    ] as const) {
      issue(name, ext);
    }
    openssl('ca', '-config', cnf, '-cert', 'root.pem', '-keyfile', 'root.key', '-revoke', 'ocsp-revoked.pem', '-crl_reason', 'keyCompromise');
    openssl('ca', '-config', cnf, '-cert', 'root.pem', '-keyfile', 'root.key', '-revoke', 'crl-revoked.pem', '-crl_reason', 'cessationOfOperation');
    const oneHourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    openssl('ca', '-gencrl', '-config', cnf, '-cert', 'root.pem', '-keyfile', 'root.key', '-crl_lastupdate', oneHourAgo, '-out', 'ca.crl.pem');
    openssl('crl', '-in', 'ca.crl.pem', '-outform', 'DER', '-out', 'ca.crl');
    crlBody = new Uint8Array(readFileSync(join(dir, 'ca.crl')));

    // Readiness comes from the responder's own log line: a probe connection that sends nothing
    // wedges `openssl ocsp` (it serves one connection at a time and waits for a request on it).
    const responder = (port: number, cert: string, key: string): Promise<void> => {
      const child = spawn(
        'openssl',
        ['ocsp', '-index', 'index.txt', '-port', String(port), '-rsigner', cert, '-rkey', key, '-CA', 'root.pem', '-nmin', '10', '-ignore_err'],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        let log = '';
        const timer = setTimeout(() => reject(new Error(`openssl ocsp on port ${port} did not start: ${log}`)), 10_000);
        const onData = (d: Buffer): void => {
          log += d.toString();
          if (log.includes('waiting for OCSP client connections')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code) => reject(new Error(`openssl ocsp exited with ${code}: ${log}`)));
      });
    };
    await Promise.all([
      responder(ports.ocspDelegated, 'responder.pem', 'responder.key'),
      responder(ports.ocspCa, 'root.pem', 'root.key'),
      responder(ports.ocspNoEku, 'responder-noeku.pem', 'responder-noeku.key'),
    ]);
  });

  afterAll(async () => {
    for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGTERM');
    await new Promise<void>((r) => (crlServer ? crlServer.close(() => r()) : r()));
    tmp.cleanup();
  });

  const verify = (name: string, extra: Partial<Parameters<typeof verifyCertificateChain>[1]> = {}) =>
    verifyCertificateChain(certs[name]!, { trustAnchors: [root], purpose: 'sign', online: true, ...extra });

  it('OCSP good, signed by a delegated responder with id-kp-OCSPSigning', async () => {
    const v = await verify('ocsp-good');
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.revocation).toHaveLength(1);
    expect(v.revocation[0]).toMatchObject({ depth: 0, status: 'good', source: 'ocsp' });
    expect(v.revocation[0]?.ocsp?.responder).toMatch(/./);
  });

  it('OCSP revoked, signed by the CA itself: CERT_REVOKED with date and reason', async () => {
    const v = await verify('ocsp-revoked');
    expect(v.ok).toBe(false);
    expect(v.code).toBe('CERT_REVOKED');
    expect(v.revocation[0]).toMatchObject({ depth: 0, status: 'revoked', source: 'ocsp', reason: 'keyCompromise' });
    expect(v.revocation[0]?.revokedAt).toBeInstanceOf(Date);
    expect(v.problems[0]?.message).toMatch(/was revoked on \d{4}-\d\d-\d\dT.*reason keyCompromise, per the OCSP responder/);
  });

  it('OCSP signed by a responder certificate without id-kp-OCSPSigning: OCSP_INVALID', async () => {
    const v = await verify('ocsp-noeku');
    expect(v.ok).toBe(false);
    expect(v.code).toBe('OCSP_INVALID');
    expect(v.problems[0]?.message).toMatch(/lacks the id-kp-OCSPSigning/);
    expect(v.revocation[0]?.status).toBe('unknown');
  });

  it('CRL from the distribution point: good and revoked', async () => {
    const before = crlRequests.length;
    const good = await verify('crl-good');
    expect(good.ok).toBe(true);
    expect(good.revocation).toHaveLength(1);
    expect(good.revocation[0]).toMatchObject({ depth: 0, status: 'good', source: 'crl' });
    expect(good.revocation[0]?.crl?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const revoked = await verify('crl-revoked');
    expect(revoked.code).toBe('CERT_REVOKED');
    expect(revoked.revocation[0]).toMatchObject({ status: 'revoked', source: 'crl', reason: 'cessationOfOperation' });
    expect(crlRequests.length - before).toBe(2);
  });

  it('unreachable OCSP responder and distribution point: REVOCATION_UNKNOWN, not ok', async () => {
    const v = await verify('unreachable');
    expect(v.ok).toBe(false);
    expect(v.code).toBe('REVOCATION_UNKNOWN');
    expect(v.revocation).toEqual([{ depth: 0, status: 'unknown' }]);
    expect(v.problems[0]?.message).toContain(`http://127.0.0.1:${deadPort}/`);
    expect(v.problems[0]?.message).toMatch(/unreachable/);
  });

  it('falls back from an unreachable OCSP responder to the CRL', async () => {
    const v = await verify('fallback');
    expect(v.ok).toBe(true);
    expect(v.revocation).toHaveLength(1);
    expect(v.revocation[0]).toMatchObject({ depth: 0, status: 'good', source: 'crl' });
  });

  it('offline (default) and no CRL given: nothing fetched, and the verdict fails closed (REVOCATION_UNAVAILABLE)', async () => {
    const before = crlRequests.length;
    const v = await verify('crl-revoked', { online: false });
    expect(v.ok).toBe(false);
    expect(v.code).toBe('REVOCATION_UNAVAILABLE');
    expect(v.revocation).toEqual([{ depth: 0, status: 'unknown' }]);
    expect(v.problems[0]?.message).toMatch(/--crl|--online/);
    expect(crlRequests.length).toBe(before);
  });

  it("revocation: 'skip' is the caller's explicit choice, and the verdict records it", async () => {
    const v = await verify('crl-revoked', { online: false, revocation: 'skip' });
    expect(v.ok).toBe(true);
    expect(v.revocation).toEqual([{ depth: 0, status: 'not-checked', note: "revocation not checked at the caller's request" }]);
  });

  it('a given CRL is used before going online', async () => {
    let calls = 0;
    const fetcher: Fetcher = () => {
      calls++;
      return Promise.reject(new Error('should not be called'));
    };
    const crls = parseCrls(new Uint8Array(readFileSync(join(dir, 'ca.crl.pem'))));
    const v = await verify('crl-revoked', { crls, fetcher });
    expect(v.code).toBe('CERT_REVOKED');
    expect(calls).toBe(0);
  });

  it('a custom fetcher returning garbage for OCSP gives OCSP_INVALID', async () => {
    const fetcher: Fetcher = async () => ({ status: 200, body: new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]) });
    const v = await verify('ocsp-good', { fetcher });
    expect(v.code).toBe('OCSP_INVALID');
  });

  it('an OCSP answer about another certificate does not count (CertID mismatch)', async () => {
    // Forward the request for ocsp-good but ask the responder about ocsp-revoked instead.
    const real = (await import('../../../../src/crypto/x509/fetch.js')).createHttpFetcher();
    const { buildOcspRequest } = await import('../../../../src/crypto/x509/ocsp.js');
    const fetcher: Fetcher = (url, init) => real(url, { ...init, body: buildOcspRequest(certs['ocsp-revoked']!, root).der });
    const v = await verify('ocsp-good', { fetcher });
    expect(v.code).toBe('OCSP_INVALID');
    expect(v.problems[0]?.message).toMatch(/CertID mismatch|nonce/);
  });
});
