/** `scelle sign` and `scelle verify` as a practice script and a practitioner run them. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scelle, scelleTty } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, tryPeer, runPeer } from '../helpers/peers.js';

const tmp = makeTempDir('scelle-sign-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let pw: Record<string, string> = {};
const passFile = (name: string): string => {
  const p = f(`${name}.pass`);
  writeFileSync(p, `${pw[`${name}.p12`]}\n`, { mode: 0o600 });
  return p;
};
const trust = (): string[] => ['--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem')];

beforeAll(() => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  for (let i = 1; i <= 3; i++) writeFileSync(f(`lettre${i}.txt`), `Ordonnance n°${i}\nParacétamol 1 g, matin et soir, 5 jours.\n`);
});
afterAll(() => tmp.cleanup());

describe('scelle sign', () => {
  it('signs several files in one run, detached, and reports each (--json)', () => {
    const r = scelle(['sign', f('lettre1.txt'), f('lettre2.txt'), f('lettre3.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--json']);
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: true, signed: 3, failed: 0 });
    for (let i = 1; i <= 3; i++) expect(existsSync(f(`lettre${i}.txt.p7s`))).toBe(true);
    expect(doc.results[0].digest.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('one failing file is reported, the others are signed, and the exit code says so', () => {
    writeFileSync(f('b1.txt'), 'un');
    writeFileSync(f('b2.txt'), 'deux');
    const r = scelle(['sign', f('b1.txt'), f('absent.txt'), f('b2.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--json']);
    expect(r.status).toBe(1);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: false, signed: 2, failed: 1 });
    expect(doc.results.find((x: { file: string }) => x.file.endsWith('absent.txt')).error.code).toBe('FILE_NOT_FOUND');
    expect(existsSync(f('b1.txt.p7s')) && existsSync(f('b2.txt.p7s'))).toBe(true);
    expect(existsSync(f('absent.txt.p7s'))).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('on a terminal the password is asked once for the whole batch, without echo', async () => {
    for (let i = 1; i <= 3; i++) writeFileSync(f(`t${i}.txt`), `lettre ${i}`);
    const secret = pw['praticien.p12']!;
    const r = await scelleTty(['sign', f('t1.txt'), f('t2.txt'), f('t3.txt'), '--identity', join(pki, 'praticien.p12')], { prompt: /Password of praticien\.p12: /, answers: [secret] });
    expect(r.prompts).toBe(1);
    expect(r.status).toBe(0);
    expect(r.output).not.toContain(secret);
    for (let i = 1; i <= 3; i++) expect(existsSync(f(`t${i}.txt.p7s`))).toBe(true);
  });

  it('--attached writes FILE.p7m, --out-dir puts signatures elsewhere', () => {
    const r = scelle(['sign', f('lettre1.txt'), '--attached', '--out-dir', f('out'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien')]);
    expect(r.status).toBe(0);
    expect(existsSync(join(f('out'), 'lettre1.txt.p7m'))).toBe(true);
  });

  it('a wrong password: exit 12, nothing signed', () => {
    writeFileSync(f('w.txt'), 'x');
    writeFileSync(f('wrong.pass'), 'Pas-Le-Bon-2026!\n');
    const r = scelle(['sign', f('w.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('wrong.pass')]);
    expect(r.status).toBe(12);
    expect(existsSync(f('w.txt.p7s'))).toBe(false);
  });
});

describe('scelle verify', () => {
  it('valid signatures: who (name, RPPS), when, chain and revocation; exit 0', () => {
    const r = scelle(['verify', f('lettre1.txt.p7s'), f('lettre2.txt.p7s'), ...trust(), '--json']);
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.valid).toBe(2);
    const s = doc.results[0].signers[0];
    expect(s.signer).toMatchObject({ name: 'CLAIRE DURAND', rpps: '10101234567', profession: 'Médecin' });
    expect(s.level).toBe('CAdES-B');
    expect(new Date(s.claimedSigningTime).getTime()).toBeGreaterThan(Date.now() - 600_000);
    expect(s.indication).toBe('TOTAL-PASSED');
    expect(s.chain.ok).toBe(true);
    expect(s.chain.revocation[0].status).toBe('good');
  });

  it('French output for a practitioner', () => {
    const r = scelle(['verify', f('lettre1.txt.p7s'), ...trust()], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Signature VALIDE');
    expect(r.stdout).toContain('Signé par : CLAIRE DURAND (RPPS 10101234567), Médecin');
  });

  it('an attached signature verifies without --content', () => {
    const r = scelle(['verify', join(f('out'), 'lettre1.txt.p7m'), ...trust(), '--json']);
    expect(r.status).toBe(0);
    expect(r.json().results[0].detached).toBe(false);
  });

  it('altered content: CONTENT_MISMATCH, exit 3', () => {
    copyFileSync(f('lettre2.txt'), f('alt.txt'));
    writeFileSync(f('alt.txt'), `${readFileSync(f('alt.txt'), 'utf8')}10 comprimés.\n`);
    const r = scelle(['verify', f('lettre2.txt.p7s'), '--content', f('alt.txt'), ...trust(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().results[0].code).toBe('CONTENT_MISMATCH');
  });

  it('altered attached content: CONTENT_TAMPERED, exit 3', () => {
    const sig = readFileSync(join(f('out'), 'lettre1.txt.p7m'));
    const i = sig.indexOf(Buffer.from('Paracétamol'));
    expect(i).toBeGreaterThan(0);
    sig[i] = 'X'.charCodeAt(0);
    writeFileSync(f('tampered.p7m'), sig);
    const r = scelle(['verify', f('tampered.p7m'), ...trust(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().results[0].code).toBe('CONTENT_TAMPERED');
  });

  it('altered signature value: SIGNATURE_INVALID, exit 3', () => {
    const sig = readFileSync(f('lettre3.txt.p7s'));
    sig[sig.length - 10]! ^= 0x01;
    writeFileSync(f('badsig.p7s'), sig);
    const r = scelle(['verify', f('badsig.p7s'), '--content', f('lettre3.txt'), ...trust(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().results[0].code).toBe('SIGNATURE_INVALID');
  });

  it('untrusted chain: CHAIN_UNTRUSTED, exit 3', () => {
    const other = makeTempDir('scelle-other-');
    try {
      expect(scelle(['pki', 'demo', '--out', other.dir]).status).toBe(0);
      const r = scelle(['verify', f('lettre1.txt.p7s'), '--trust', join(other.dir, 'trust.pem'), '--json']);
      expect(r.status).toBe(3);
      expect(r.json().results[0].code).toBe('CHAIN_UNTRUSTED');
    } finally {
      other.cleanup();
    }
  });

  it('revoked signer: CERT_REVOKED, exit 3', () => {
    writeFileSync(f('rev.txt'), 'signé par un certificat révoqué');
    expect(scelle(['sign', f('rev.txt'), '--identity', join(pki, 'revoque.p12'), '--pass-file', passFile('revoque')]).status).toBe(0);
    const r = scelle(['verify', f('rev.txt.p7s'), ...trust(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().results[0].code).toBe('CERT_REVOKED');
  });

  it('detached signature and no content file: CONTENT_REQUIRED', () => {
    copyFileSync(f('lettre1.txt.p7s'), f('orphan.sig'));
    const r = scelle(['verify', f('orphan.sig'), ...trust(), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().results[0].error.code).toBe('CONTENT_REQUIRED');
  });

  it('garbage signature file: MALFORMED_ASN1, a clear error, no crash', () => {
    writeFileSync(f('garbage.p7s'), Buffer.from('30800680', 'hex'));
    writeFileSync(f('garbage'), 'x');
    const r = scelle(['verify', f('garbage.p7s'), ...trust(), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().results[0].error.code).toBe('MALFORMED_ASN1');
  });
});

describe.skipIf(!havePeers('openssl'))('scelle sign/verify and openssl cms', () => {
  it('openssl cms -verify accepts what scelle sign wrote (detached and attached)', () => {
    const a = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('lettre1.txt.p7s'), '-content', f('lettre1.txt'), '-CAfile', join(pki, 'trust.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(a.stderr).toContain('Verification successful');
    const b = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(f('out'), 'lettre1.txt.p7m'), '-CAfile', join(pki, 'trust.pem'), '-purpose', 'any', '-out', f('extracted.txt')]);
    expect(b.stderr).toContain('Verification successful');
    expect(readFileSync(f('extracted.txt'))).toEqual(readFileSync(f('lettre1.txt')));
  });

  it('a signature without certificates: SIGNER_CERT_MISSING, then valid with --certs', () => {
    runPeer('openssl', ['pkcs12', '-in', join(pki, 'praticien.p12'), '-nodes', '-passin', `file:${passFile('praticien')}`, '-out', f('all.pem')]);
    // the first key/certificate pair openssl prints is the signature one
    const all = readFileSync(f('all.pem'), 'utf8');
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(all)![0];
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(all)![0];
    writeFileSync(f('k.pem'), key, { mode: 0o600 });
    writeFileSync(f('c.pem'), cert);
    runPeer('openssl', ['cms', '-sign', '-binary', '-nocerts', '-in', f('lettre1.txt'), '-signer', f('c.pem'), '-inkey', f('k.pem'), '-outform', 'DER', '-out', f('nocerts.p7s')]);
    const r = scelle(['verify', f('nocerts.p7s'), '--content', f('lettre1.txt'), ...trust(), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().results[0].code).toBe('SIGNER_CERT_MISSING');
    const ok = scelle(['verify', f('nocerts.p7s'), '--content', f('lettre1.txt'), '--certs', join(pki, 'praticien.pem'), ...trust(), '--json']);
    expect(ok.status).toBe(0);
  });
});
