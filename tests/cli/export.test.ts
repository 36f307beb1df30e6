/** `scelle export` / `scelle import`: the AES USB export as a practitioner and a recipient use it. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { writeZip, findSignature } from '../helpers/zip-build.js';

const tmp = makeTempDir('scelle-export-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
const PASSWORD = 'Clé-USB#2026-Été!';
let pw: Record<string, string> = {};
const env = (): Record<string, string> => ({ SCELLE_PASSWORD: PASSWORD, SCELLE_IDENTITY_PASSWORD: pw['praticien.p12']! });

beforeAll(() => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  mkdirSync(f('dossier/comptes-rendus'), { recursive: true });
  writeFileSync(f('dossier/comptes-rendus/consultation été.txt'), 'Tension 13/8. Glycémie 1,02 g/L.\n');
  writeFileSync(f('dossier/ordonnance.txt'), 'Paracétamol 1 g.\n'.repeat(500));
});
afterAll(() => tmp.cleanup());

describe('scelle export', () => {
  it('writes a signed AES-256 zip that 7-Zip opens with the password, bytes identical', () => {
    const r = scelle(['export', f('dossier'), '--out', f('usb.zip'), '--identity', join(pki, 'praticien.p12'), '--json'], { env: env() });
    expect(r.status, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: true, files: 2, manifest: { name: 'MANIFEST.sha256', files: 2 }, signature: { rpps: '10101234567' } });
    expect(havePeers('7zz')).toBe(true);
    const t = tryPeer('7zz', ['t', `-p${PASSWORD}`, f('usb.zip')]);
    expect(t.status, t.stdout + t.stderr).toBe(0);
    runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${f('7z-out')}`, f('usb.zip')]);
    expect(readFileSync(f('7z-out/dossier/comptes-rendus/consultation été.txt'), 'utf8')).toBe('Tension 13/8. Glycémie 1,02 g/L.\n');
    expect(tryPeer('7zz', ['t', '-pNotThePassword#1', f('usb.zip')]).status).not.toBe(0);
    // the manifest and its signature, checked without scelle
    const v = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('7z-out/MANIFEST.sha256.p7s'), '-content', f('7z-out/MANIFEST.sha256'), '-CAfile', join(pki, 'trust.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(v.stderr).toMatch(/Verification successful/);
    const sums = tryPeer('sha256sum', ['-c', '--strict', 'MANIFEST.sha256'], { cwd: f('7z-out') });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
  });

  it('large files (past the in-memory size, on the worker threads) go whole into the zip: 7-Zip and import give back every byte', () => {
    // sizes around the chunking points: one byte under and over 1 MiB multiples, and 40 MiB + 1
    mkdirSync(f('gros'), { recursive: true });
    const sizes = [(1 << 20) - 1, (1 << 20) + 1, 17 * (1 << 20) + 3, 40 * (1 << 20) + 1];
    const sums = new Map<string, string>();
    for (const [i, n] of sizes.entries()) {
      const b = randomBytes(n);
      writeFileSync(f(`gros/f${i}.bin`), b);
      sums.set(`f${i}.bin`, createHash('sha256').update(b).digest('hex'));
    }
    for (const level of ['0', '6']) {
      const zip = f(`gros-${level}.zip`);
      const r = scelle(['export', f('gros'), '--out', zip, '--level', level, '--json'], { env: env() });
      expect(r.status, r.stderr).toBe(0);
      expect(r.json().totalBytes).toBe(sizes.reduce((a, b) => a + b, 0));
      runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${f(`gros-7z-${level}`)}`, zip]);
      const imp = scelle(['import', zip, '--out', f(`gros-imp-${level}`)], { env: env() });
      expect(imp.status, imp.stderr).toBe(0);
      for (const [name, sum] of sums) {
        expect(createHash('sha256').update(readFileSync(f(`gros-7z-${level}/gros/${name}`))).digest('hex'), `7-Zip ${name} level ${level}`).toBe(sum);
        expect(createHash('sha256').update(readFileSync(f(`gros-imp-${level}/gros/${name}`))).digest('hex'), `import ${name} level ${level}`).toBe(sum);
      }
    }
  }, 180_000);

  it('letters and scans together (the scans streamed between letters encoded on the workers): each file once, every byte back through 7-Zip and import', () => {
    const root = f('cabinet-mixte');
    const sums = new Map<string, string>();
    const put = (rel: string, b: Buffer): void => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), b);
      sums.set(rel, createHash('sha256').update(b).digest('hex'));
    };
    put('a/scan-0.dcm', randomBytes(6 * (1 << 20) + 5));
    for (let i = 0; i < 300; i++) put(`b/p${i % 9}/lettre-${i}.txt`, Buffer.from(`Courrier ${i}, suivi tensionnel. `.repeat(40 + (i % 50) * 20)));
    put('c/scan-1.dcm', randomBytes(5 * (1 << 20) - 7));
    put('c/compte-rendu.txt', Buffer.from('glycémie normale, traitement inchangé. '.repeat(200_000)));
    for (let i = 0; i < 40; i++) put(`d/doc-${i}.pdf`, randomBytes(30_000 + i * 977));
    for (const level of ['0', '1']) {
      const zip = f(`mixte-${level}.zip`);
      const r = scelle(['export', root, '--out', zip, '--level', level, '--json'], { env: env() });
      expect(r.status, r.stderr).toBe(0);
      const names = (r.json().entries as { name: string; directory: boolean }[]).filter((e) => !e.directory).map((e) => e.name);
      expect([...names].sort()).toEqual([...sums.keys()].map((k) => `cabinet-mixte/${k}`).sort());
      runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${f(`mixte-7z-${level}`)}`, zip]);
      const imp = scelle(['import', zip, '--out', f(`mixte-imp-${level}`)], { env: env() });
      expect(imp.status, imp.stderr).toBe(0);
      for (const [rel, sum] of sums) {
        expect(createHash('sha256').update(readFileSync(f(`mixte-7z-${level}/cabinet-mixte/${rel}`))).digest('hex'), `7-Zip ${rel} level ${level}`).toBe(sum);
        expect(createHash('sha256').update(readFileSync(f(`mixte-imp-${level}/cabinet-mixte/${rel}`))).digest('hex'), `import ${rel} level ${level}`).toBe(sum);
      }
    }
  }, 180_000);

  it('refuses a weak password (exit 2) and an existing output (exit 1), writing nothing', () => {
    const w = scelle(['export', f('dossier'), '--out', f('weak.zip'), '--json'], { env: { SCELLE_PASSWORD: 'azerty2026' } });
    expect(w.status).toBe(2);
    expect(w.json().error.code).toBe('WEAK_PASSWORD');
    expect(existsSync(f('weak.zip'))).toBe(false);
    const e = scelle(['export', f('dossier'), '--out', f('usb.zip'), '--json'], { env: env() });
    expect(e.status).toBe(1);
    expect(e.json().error.code).toBe('OUTPUT_EXISTS');
  });
});

describe('scelle import', () => {
  it('--verify-only checks every MAC, the manifest and its signature, and writes nothing', () => {
    const r = scelle(['import', f('usb.zip'), '--verify-only', '--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem'), '--json'], { env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ verifyOnly: true, manifest: { present: true, ok: true }, signature: { verified: true, rpps: '10101234567' } });
  });

  it('extracts into a folder; never overwrites without --force', () => {
    const r = scelle(['import', f('usb.zip'), '--out', f('recu')], { env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(f('recu/dossier/ordonnance.txt'), 'utf8')).toBe('Paracétamol 1 g.\n'.repeat(500));
    const again = scelle(['import', f('usb.zip'), '--out', f('recu'), '--json'], { env: env() });
    expect(again.status).toBe(1);
    expect(again.json().error.code).toBe('OUTPUT_EXISTS');
  });

  it('a wrong password gives exit 12; a tampered zip exit 3 — and no file is left', () => {
    const w = scelle(['import', f('usb.zip'), '--out', f('wrong'), '--json'], { env: { SCELLE_PASSWORD: 'Pas#leBon2026!' } });
    expect(w.status).toBe(12);
    expect(w.json().error.code).toBe('WRONG_PASSWORD');
    const z = readFileSync(f('usb.zip'));
    const bad = Buffer.from(z);
    const descriptor = findSignature(z, 0x08074b50)[0]!; // the first entry's data descriptor
    bad[descriptor - 12] ^= 0x40; // in its encrypted data, just before the MAC
    writeFileSync(f('bad.zip'), bad);
    const t = scelle(['import', f('bad.zip'), '--out', f('tampered'), '--json'], { env: env() });
    expect(t.status).toBe(3);
    expect(['DECRYPTION_FAILED', 'MANIFEST_MISMATCH', 'TRUNCATED']).toContain(t.json().error.code);
    const left = existsSync(f('tampered')) ? readdirSync(f('tampered'), { recursive: true }).map(String).filter((n) => n.endsWith('.txt')) : [];
    expect(left).toEqual([]);
  });

  it('refuses hostile archives: ../ paths (exit 3, nothing written outside)', async () => {
    await writeZip(f('evil.zip'), [{ name: 'ok.txt', data: 'fine' }, { name: '../../evil.txt', data: 'owned' }], { password: PASSWORD });
    const r = scelle(['import', f('evil.zip'), '--out', f('evil-out'), '--json'], { env: env() });
    expect(r.status).toBe(3);
    expect(r.json().error.code).toBe('UNSAFE_PATH');
    expect(existsSync(join(tmp.dir, '..', 'evil.txt'))).toBe(false);
    expect(existsSync(f('evil-out/ok.txt'))).toBe(false);
  });

  it('imports a zip made by 7-Zip (AES-256)', () => {
    // 7-Zip on Linux refuses to create a zip with a non-ASCII password
    const ascii = 'Cle-USB#2026-Ete!';
    runPeer('7zz', ['a', '-tzip', '-mem=AES256', `-p${ascii}`, f('from7z.zip'), f('dossier')]);
    const r = scelle(['import', f('from7z.zip'), '--out', f('from7z'), '--json'], { env: { SCELLE_PASSWORD: ascii } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().manifest.present).toBe(false);
    expect(readFileSync(f('from7z/dossier/comptes-rendus/consultation été.txt'), 'utf8')).toBe('Tension 13/8. Glycémie 1,02 g/L.\n');
  });
});
