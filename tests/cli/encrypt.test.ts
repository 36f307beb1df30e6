/** `scelle encrypt` / `scelle decrypt` as a practitioner and a script run them. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scelle, scelleTty } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, tryPeer } from '../helpers/peers.js';

const tmp = makeTempDir('scelle-encrypt-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let pw: Record<string, string> = {};
const passFile = (name: string): string => {
  const p = f(`${name}.pass`);
  writeFileSync(p, `${pw[`${name}.p12`]}\n`, { mode: 0o600 });
  return p;
};
const LETTER = 'Compte rendu de consultation — patiente née le 03/04/1961.\nTension 13/8, glycémie à jeun 1,02 g/L.\n';
const STRONG = 'Vq7#mLp2!xRt-Ouest';

beforeAll(() => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  writeFileSync(f('cr.txt'), LETTER);
});
afterAll(() => tmp.cleanup());

const noTemp = (): void => expect(readdirSync(tmp.dir).filter((n) => n.includes('.tmp'))).toEqual([]);

describe('scelle encrypt / decrypt to certificates', () => {
  it('encrypts to a colleague (AES-256-GCM) with the sender added; both read it back', () => {
    const r = scelle(['encrypt', f('cr.txt'), '--to', join(pki, 'confrere.pem'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem'), '--json']);
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.results[0]).toMatchObject({ ok: true, contentType: 'authEnvelopedData', cipher: 'aes-256-gcm', format: 'ber' });
    expect(doc.results[0].recipients).toHaveLength(2);
    expect(readFileSync(f('cr.txt.p7m')).includes(Buffer.from('glycémie'))).toBe(false);

    const c = scelle(['decrypt', f('cr.txt.p7m'), '--identity', join(pki, 'confrere.p12'), '--pass-file', passFile('confrere'), '--out', f('cr-confrere.txt'), '--json']);
    expect(c.status).toBe(0);
    expect(c.json()).toMatchObject({ ok: true, authenticated: true, cipher: 'aes-256-gcm' });
    expect(readFileSync(f('cr-confrere.txt'), 'utf8')).toBe(LETTER);
    const p = scelle(['decrypt', f('cr.txt.p7m'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--out', f('cr-self.txt')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('intégrité vérifiée');
    expect(readFileSync(f('cr-self.txt'), 'utf8')).toBe(LETTER);
  });

  it('--no-self leaves the sender out; --cbc writes EnvelopedData; --cert names the sender without a password', () => {
    const r = scelle(['encrypt', f('cr.txt'), '--to', join(pki, 'confrere.pem'), '--no-self', '--cbc', '--out', f('cbc.p7m'), '--json']);
    expect(r.status).toBe(0);
    expect(r.json().results[0]).toMatchObject({ contentType: 'envelopedData', cipher: 'aes-256-cbc' });
    expect(r.json().results[0].recipients).toHaveLength(1);
    const self = scelle(['decrypt', f('cbc.p7m'), '--identity', join(pki, 'praticien.p12'), '--pass-file', passFile('praticien'), '--out', f('x.txt'), '--json']);
    expect(self.status).toBe(12);
    expect(self.json().error.code).toBe('NOT_A_RECIPIENT');
    expect(existsSync(f('x.txt'))).toBe(false);
    const withCert = scelle(['encrypt', f('cr.txt'), '--to', join(pki, 'confrere.pem'), '--cert', join(pki, 'praticien.pem'), '--out', f('cert.p7m'), '--json']);
    expect(withCert.status).toBe(0);
    expect(withCert.json().results[0].recipients).toHaveLength(2);
  });

  it('a revoked recipient is refused when --trust/--crl are given (exit 3), nothing written', () => {
    const r = scelle(['encrypt', f('cr.txt'), '--to', join(pki, 'revoque.pem'), '--no-self', '--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem'), '--out', f('rev.p7m'), '--json']);
    expect(r.status).toBe(3);
    expect(r.json().error.code).toBe('RECIPIENT_CERT_INVALID');
    expect(existsSync(f('rev.p7m'))).toBe(false);
  });

  it('a tampered envelope gives exit 3 and leaves no output; a truncated one too', () => {
    const good = readFileSync(f('cr.txt.p7m'));
    const bad = Buffer.from(good);
    bad[bad.length - 40] ^= 0x01;
    writeFileSync(f('bad.p7m'), bad);
    const r = scelle(['decrypt', f('bad.p7m'), '--identity', join(pki, 'confrere.p12'), '--pass-file', passFile('confrere'), '--json']);
    expect(r.status).toBe(3);
    expect(['DECRYPTION_FAILED', 'TRUNCATED']).toContain(r.json().error.code);
    expect(existsSync(f('bad'))).toBe(false);
    writeFileSync(f('short.p7m'), good.subarray(0, good.length - 30));
    const t = scelle(['decrypt', f('short.p7m'), '--identity', join(pki, 'confrere.p12'), '--pass-file', passFile('confrere'), '--json']);
    expect(t.status).toBe(3);
    expect(existsSync(f('short'))).toBe(false);
    noTemp();
  });

  it('does not overwrite an existing output without --force', () => {
    writeFileSync(f('exists.txt'), 'keep me');
    const r = scelle(['decrypt', f('cr.txt.p7m'), '--identity', join(pki, 'confrere.p12'), '--pass-file', passFile('confrere'), '--out', f('exists.txt'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('OUTPUT_EXISTS');
    expect(readFileSync(f('exists.txt'), 'utf8')).toBe('keep me');
    expect(scelle(['decrypt', f('cr.txt.p7m'), '--identity', join(pki, 'confrere.p12'), '--pass-file', passFile('confrere'), '--out', f('exists.txt'), '--force']).status).toBe(0);
    expect(readFileSync(f('exists.txt'), 'utf8')).toBe(LETTER);
  });

  it('decrypt --info describes the envelope without any key', () => {
    const r = scelle(['decrypt', '--info', f('cr.txt.p7m'), '--json']);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ contentType: 'authEnvelopedData', authenticated: true });
    expect(r.json().recipients[0].algorithm).toMatch(/OAEP/);
  });

  it.runIf(havePeers('openssl'))('openssl cms -decrypt opens what scelle encrypt wrote', () => {
    const key = f('confrere-key.pem');
    const cert = f('confrere-cert.pem');
    const r = tryPeer('openssl', ['pkcs12', '-in', join(pki, 'confrere.p12'), '-nodes', '-passin', `pass:${pw['confrere.p12']}`, '-out', f('confrere-all.pem')]);
    expect(r.status).toBe(0);
    const all = readFileSync(f('confrere-all.pem'), 'utf8');
    writeFileSync(key, all.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/g)!.join(''));
    writeFileSync(cert, all);
    // openssl picks the key that matches the recipient; try each private key of the p12
    const keys = all.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/g)!;
    const opened = keys.some((k) => {
      writeFileSync(key, k);
      return tryPeer('openssl', ['cms', '-decrypt', '-binary', '-in', f('cr.txt.p7m'), '-inform', 'DER', '-inkey', key, '-out', f('ossl.txt')]).status === 0;
    });
    expect(opened).toBe(true);
    expect(readFileSync(f('ossl.txt'), 'utf8')).toBe(LETTER);
  });
});

describe('scelle encrypt --password (RFC 3211)', () => {
  it('encrypts for a strong password and decrypts with it; a wrong password gives exit 12', () => {
    const e = scelle(['encrypt', f('cr.txt'), '--password', '--out', f('pw.p7m'), '--json'], { env: { SCELLE_PASSWORD: STRONG } });
    expect(e.status).toBe(0);
    expect(e.json().results[0].recipients[0]).toMatchObject({ type: 'password', kdf: { iterations: 600000 } });
    const d = scelle(['decrypt', f('pw.p7m'), '--password', '--out', f('pw.txt')], { env: { SCELLE_PASSWORD: STRONG } });
    expect(d.status).toBe(0);
    expect(readFileSync(f('pw.txt'), 'utf8')).toBe(LETTER);
    const w = scelle(['decrypt', f('pw.p7m'), '--password', '--out', f('pw2.txt'), '--json'], { env: { SCELLE_PASSWORD: `${STRONG}x` } });
    expect(w.status).toBe(12);
    expect(w.json().error.code).toBe('WRONG_PASSWORD');
    expect(existsSync(f('pw2.txt'))).toBe(false);
    expect(w.stdout + w.stderr).not.toContain(STRONG);
  });

  it('refuses a weak password with the reason in French (exit 2), nothing written', () => {
    const r = scelle(['encrypt', f('cr.txt'), '--password', '--out', f('weak.p7m')], { env: { SCELLE_PASSWORD: 'soleil2024', LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('mot de passe trop faible');
    expect(r.stderr).toContain('moins de 12 caractères');
    expect(existsSync(f('weak.p7m'))).toBe(false);
  });

  it('on a terminal the new password is typed twice; three mismatches write nothing', async () => {
    const prompt = /(?:New password to encrypt cr\.txt \(give it to the recipient by another channel\)|Type it again to confirm): /;
    const ok = await scelleTty(['encrypt', f('cr.txt'), '--password', '--out', f('tty.p7m')], { prompt, answers: [STRONG, STRONG] });
    expect(ok.status).toBe(0);
    expect(ok.prompts).toBe(2);
    expect(ok.output).not.toContain(STRONG);
    const bad = await scelleTty(['encrypt', f('cr.txt'), '--password', '--out', f('tty2.p7m')], { prompt, answers: [STRONG, `${STRONG}!`, STRONG, `${STRONG}!`, STRONG, `${STRONG}!`] });
    expect(bad.status).toBe(2);
    expect(bad.prompts).toBe(6);
    expect(bad.output).toContain('the two entries differ; start again');
    expect(existsSync(f('tty2.p7m'))).toBe(false);
  });

  it.runIf(havePeers('openssl'))('openssl cms -decrypt -pwri_password opens it', () => {
    const r = tryPeer('openssl', ['cms', '-decrypt', '-binary', '-in', f('pw.p7m'), '-inform', 'DER', '-pwri_password', STRONG, '-out', f('ossl-pw.txt')]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(f('ossl-pw.txt'), 'utf8')).toBe(LETTER);
  });
});
