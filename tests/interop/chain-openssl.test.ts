/**
 * Agreement matrix: every case of test-vectors/chains/ is verified by `openssl verify` and by
 * verifyCertificateChain(); both must accept or both reject, and scelle's primary code must be the
 * one recorded in expect.txt.
 *
 * OpenSSL flags that make it agree (see test-vectors/chains/README.md):
 *   -auth_level 2   refuse SHA-1 signatures and RSA keys < 2048 bits (112-bit security), anchor included
 *   -x509_strict    RFC 5280 strictness (CA basicConstraints/keyUsage, AKI/SKI presence…)
 *   -crl_check_all -CRLfile crl.pem   when the case has CRLs (the intermediate's and the root's):
 *                  every certificate's revocation, as scelle checks it by default; cases without
 *                  CRLs are compared with revocation off on both sides (`revocation: 'skip'`)
 *   -purpose smimesign|smimeencrypt|timestampsign|sslclient, -attime 1780272000 (2026-06-01T00:00:00Z)
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificates } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { verifyCertificateChain, type CertificatePurpose } from '../../src/crypto/x509/verify-chain.js';
import { havePeers, tryPeer } from '../helpers/peers.js';

const ROOT = join(import.meta.dirname, '../../test-vectors/chains');
const AT_EPOCH = 1780272000;
const AT = new Date(AT_EPOCH * 1000);

const OPENSSL_PURPOSE: Record<string, string> = {
  sign: 'smimesign',
  encrypt: 'smimeencrypt',
  tsa: 'timestampsign',
  tls: 'sslclient',
};

interface Case {
  name: string;
  dir: string;
  expect: string;
  purpose: CertificatePurpose;
  hasCrl: boolean;
}

function loadCases(): Case[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(ROOT, d.name);
      const kv = Object.fromEntries(
        readFileSync(join(dir, 'expect.txt'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return { name: d.name, dir, expect: kv.expect ?? '', purpose: kv.purpose as CertificatePurpose, hasCrl: existsSync(join(dir, 'crl.pem')) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const cases = loadCases();

describe('test-vectors/chains', () => {
  it('has the required matrix (at least 12 cases, the negative ones all present)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
    const names = cases.map((c) => c.name);
    for (const required of [
      'valid',
      'expired',
      'not-yet-valid',
      'wrong-eku',
      'missing-ku',
      'revoked',
      'untrusted-root',
      'pathlen-violated',
      'ca-false-intermediate',
      'sha1-signed',
      'rsa-1024',
      'broken-signature',
    ]) {
      expect(names).toContain(required);
    }
  });
});

describe.skipIf(!havePeers('openssl'))('openssl verify agrees with verifyCertificateChain', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const args = ['verify', '-auth_level', '2', '-x509_strict', '-CAfile', join(c.dir, 'root.pem'), '-untrusted', join(c.dir, 'chain.pem')];
    if (c.hasCrl) args.push('-crl_check_all', '-CRLfile', join(c.dir, 'crl.pem'));
    args.push('-purpose', OPENSSL_PURPOSE[c.purpose] ?? 'any', '-attime', String(AT_EPOCH), join(c.dir, 'leaf.pem'));
    const ossl = tryPeer('openssl', args);
    const opensslAccepts = ossl.status === 0;

    const [leaf] = parseCertificates(readFileSync(join(c.dir, 'leaf.pem')));
    const verdict = await verifyCertificateChain(leaf!, {
      trustAnchors: parseCertificates(readFileSync(join(c.dir, 'root.pem'))),
      intermediates: parseCertificates(readFileSync(join(c.dir, 'chain.pem'))),
      ...(c.hasCrl ? { crls: parseCrls(readFileSync(join(c.dir, 'crl.pem'))) } : { revocation: 'skip' as const }),
      purpose: c.purpose,
      at: AT,
      fetcher: () => Promise.reject(new Error('no network in the agreement matrix')),
    });

    const detail = `openssl: ${ossl.stdout}${ossl.stderr}\nscelle: ${JSON.stringify(verdict.problems, null, 1)}`;
    expect(verdict.ok, detail).toBe(opensslAccepts);
    expect(verdict.code ?? 'ok', detail).toBe(c.expect);
    if (verdict.ok) {
      expect(verdict.problems).toEqual([]);
      // The path found ends at the trust anchor.
      expect(verdict.path.at(-1)?.subject).toBe(parseCertificates(readFileSync(join(c.dir, 'root.pem')))[0]?.subject);
    }
    if (c.hasCrl && c.expect === 'ok') expect(verdict.revocation[0]).toMatchObject({ depth: 0, status: 'good', source: 'crl' });
  });
});

describe('specific verdict details', () => {
  const verify = async (name: string, extra: Partial<Parameters<typeof verifyCertificateChain>[1]> = {}) => {
    const dir = join(ROOT, name);
    const [leaf] = parseCertificates(readFileSync(join(dir, 'leaf.pem')));
    return verifyCertificateChain(leaf!, {
      trustAnchors: parseCertificates(readFileSync(join(dir, 'root.pem'))),
      intermediates: parseCertificates(readFileSync(join(dir, 'chain.pem'))),
      ...(existsSync(join(dir, 'crl.pem')) ? { crls: parseCrls(readFileSync(join(dir, 'crl.pem'))) } : { revocation: 'skip' as const }),
      at: AT,
      purpose: 'sign',
      ...extra,
    });
  };

  it('revoked: names the revocation date and reason, at depth 0', async () => {
    const v = await verify('revoked');
    expect(v.revocation[0]).toMatchObject({ depth: 0, status: 'revoked', source: 'crl', reason: 'keyCompromise' });
    expect(v.revocation[0]?.revokedAt?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(v.problems[0]?.message).toMatch(/revoked on 2026-03-01T12:00:00\.000Z, reason keyCompromise/);
  });

  it('revoked: a revocation dated after `at` does not count (the certificate was good then), and is noted', async () => {
    const v = await verify('revoked', { at: new Date('2026-02-01T00:00:00Z') });
    expect(v.ok).toBe(true);
    expect(v.revocation[0]).toMatchObject({ status: 'good', note: expect.stringMatching(/^revoked on 2026-03-01T12:00:00\.000Z, after 2026-02-01/) });
  });

  it('revocation required and no CRL at all: REVOCATION_UNAVAILABLE for the leaf and its CA, never valid', async () => {
    const v = await verify('revoked', { crls: [], revocation: 'require' });
    expect(v.ok).toBe(false);
    expect(v.code).toBe('REVOCATION_UNAVAILABLE');
    expect(v.revocation.map((r) => r.status)).toEqual(['unknown', 'unknown']);
  });

  it('expired: the message names the subject and the end date; depth 0', async () => {
    const v = await verify('expired');
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatchObject({ code: 'CERT_EXPIRED', depth: 0 });
    expect(v.problems[0]?.message).toMatch(/^certificate "CN=810012345678,.*" expired on 2025-12-31T23:59:59\.000Z/);
  });

  it('expired-intermediate: reported at depth 1', async () => {
    const v = await verify('expired-intermediate');
    expect(v.problems.map((p) => [p.code, p.depth])).toEqual([['CERT_EXPIRED', 1]]);
  });

  it('pathlen-violated: the constrained CA is at depth 2', async () => {
    const v = await verify('pathlen-violated');
    expect(v.path).toHaveLength(4);
    expect(v.problems.map((p) => [p.code, p.depth])).toEqual([['PATH_LENGTH_EXCEEDED', 2]]);
  });

  it('untrusted-root: no path to the anchor even though names match (AKI/SKI differ)', async () => {
    const v = await verify('untrusted-root');
    expect(v.code).toBe('CHAIN_UNTRUSTED');
    expect(v.path).toHaveLength(2);
    expect(v.revocation.every((r) => r.status === 'not-checked')).toBe(true);
  });

  it('rsa-1024-root: the anchor key counts; minRsaBits 1024 accepts it', async () => {
    const v = await verify('rsa-1024-root');
    expect(v.problems.map((p) => [p.code, p.depth])).toEqual([['WEAK_KEY', 2]]);
    expect((await verify('rsa-1024-root', { minRsaBits: 1024 })).ok).toBe(true);
  });

  it('sha1-signed is WEAK_ALGORITHM, not a signature failure', async () => {
    const v = await verify('sha1-signed');
    expect(v.problems.map((p) => p.code)).toEqual(['WEAK_ALGORITHM']);
  });

  it('the valid leaf is refused for encryption, TSA and TLS, accepted for any', async () => {
    expect((await verify('valid', { purpose: 'encrypt' })).code).toBe('KEY_USAGE_MISMATCH');
    expect((await verify('valid', { purpose: 'tsa' })).code).toBe('EKU_MISMATCH');
    expect((await verify('valid', { purpose: 'tls' })).code).toBe('EKU_MISMATCH');
    expect((await verify('valid', { purpose: 'any' })).ok).toBe(true);
  });

  it('without the intermediate, the chain is untrusted', async () => {
    const v = await verify('valid', { intermediates: [] });
    expect(v.code).toBe('CHAIN_UNTRUSTED');
  });

  it('trust anchor given as intermediate too, duplicates and unrelated certs do not confuse the builder', async () => {
    const dir = join(ROOT, 'valid');
    const noise = [
      ...parseCertificates(readFileSync(join(ROOT, 'untrusted-root/chain.pem'))),
      ...parseCertificates(readFileSync(join(ROOT, 'pathlen-violated/chain.pem'))),
      ...parseCertificates(readFileSync(join(dir, 'chain.pem'))),
      ...parseCertificates(readFileSync(join(dir, 'root.pem'))),
    ];
    const v = await verify('valid', { intermediates: [...noise, ...noise] });
    expect(v.ok).toBe(true);
    expect(v.path).toHaveLength(3);
  });

  it('an expired CRL issued for the intermediate gives CRL_EXPIRED; an unrelated CRL is ignored', async () => {
    expect((await verify('crl-expired')).code).toBe('CRL_EXPIRED');
    const foreign = parseCrls(readFileSync(join(ROOT, 'revoked/crl.pem')));
    const v = await verify('untrusted-root', { crls: foreign });
    expect(v.code).toBe('CHAIN_UNTRUSTED');
  });
});
