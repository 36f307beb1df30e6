/**
 * `scelle asic create|verify|extract`: ASiC-E and ASiC-S containers checked by the real peers —
 * `unzip -l` shows `mimetype` first and stored, `openssl cms -verify` accepts the signature over
 * the manifest, `openssl ts -verify` the ASiC-S time-stamp — and a changed document named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makeDemoPki } from '../helpers/demo-pki.js';
import { serveTsa, type ServedTsa } from '../helpers/tsa-serve.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';

const tmp = makeTempDir('scelle-asic-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let url = '';
let tsa: ServedTsa | undefined;
const id = (): string[] => ['--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass')];
const trust = (): string[] => ['--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem')];

/** Rewrites a zip with Python's zipfile (a peer), replacing or adding entries, keeping the order. */
function rewriteZip(src: string, dst: string, replace: Record<string, string>): void {
  const py = `
import sys, zipfile, json
src, dst, rep = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w') as zo:
    for info in zi.infolist():
        data = rep.pop(info.filename).encode() if info.filename in rep else zi.read(info.filename)
        zo.writestr(info, data)
    for name, data in rep.items():
        zo.writestr(name, data.encode(), compress_type=zipfile.ZIP_DEFLATED)
`;
  execFileSync('python3', ['-c', py, src, dst, JSON.stringify(replace)]);
}

beforeAll(async () => {
  makeDemoPki(pki, tmp.dir);
  writeFileSync(f('compte-rendu.txt'), 'Compte rendu de consultation : tension 12/8, glycémie normale.\n');
  writeFileSync(f('ordonnance.txt'), 'Ordonnance : amoxicilline 1 g, 2 fois par jour, 6 jours.\n');
  tsa = await serveTsa(['--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--state', f('state')]);
  url = tsa.url;
}, 60_000);
afterAll(() => {
  tsa?.stop();
  tmp.cleanup();
});

describe('scelle asic', () => {
  it('ASiC-E: mimetype first and stored, a manifest, a CAdES-T signature over it; verified', () => {
    const r = scelle(['asic', 'create', f('dossier.asice'), f('compte-rendu.txt'), f('ordonnance.txt'), ...id(), '--tsa', url, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, type: 'ASiC-E', kind: 'signature+timestamp', proof: 'META-INF/signature001.p7s' });
    const bytes = readFileSync(f('dossier.asice'));
    // Local header of the first entry: name at 30, no extra field, the value right after (offset 38).
    expect(bytes.subarray(30, 38).toString()).toBe('mimetype');
    expect(bytes.readUInt16LE(28)).toBe(0);
    expect(bytes.subarray(38, 38 + 31).toString()).toBe('application/vnd.etsi.asic-e+zip');
    const v = scelle(['asic', 'verify', f('dossier.asice'), ...trust(), '--json']);
    expect(v.status, v.stdout).toBe(0);
    const j = v.json().results[0];
    expect(j.documents.map((d: { name: string; status: string }) => [d.name, d.status])).toEqual([['compte-rendu.txt', 'ok'], ['ordonnance.txt', 'ok']]);
    expect(j.proofs[0].signers[0].level).toBe('CAdES-T');
  });

  it.runIf(havePeers('unzip', 'openssl'))('unzip -l lists mimetype first, stored; openssl cms -verify accepts the signature over the manifest', () => {
    const list = runPeer('unzip', ['-lv', f('dossier.asice')]).split('\n').filter((l) => /\d{4}-\d\d-\d\d/.test(l));
    expect(list[0]).toMatch(/\bStored\b.*\bmimetype$/);
    const out = f('unzipped');
    runPeer('unzip', ['-q', f('dossier.asice'), '-d', out]);
    const cms = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(out, 'META-INF/signature001.p7s'), '-content', join(out, 'META-INF/ASiCManifest001.xml'), '-CAfile', join(pki, 'trust.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(cms.stderr).toContain('Verification successful');
    expect(readFileSync(join(out, 'ordonnance.txt'), 'utf8')).toContain('amoxicilline');
  });

  it('a changed document is reported by name (MANIFEST_MISMATCH, exit 3), in French too; an added file is not covered', () => {
    rewriteZip(f('dossier.asice'), f('change.asice'), { 'ordonnance.txt': 'Ordonnance : amoxicilline 3 g, 2 fois par jour, 6 jours.\n' });
    const v = scelle(['asic', 'verify', f('change.asice'), ...trust()]);
    expect(v.status).toBe(3);
    expect(v.stdout).toContain('ordonnance.txt — CHANGED since signing');
    expect(v.stdout).toContain('compte-rendu.txt — intact');
    expect(v.stdout).toContain('[MANIFEST_MISMATCH]');
    const fr = scelle(['asic', 'verify', f('change.asice'), ...trust()], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(fr.stdout).toContain('ordonnance.txt — MODIFIÉ depuis la signature');
    rewriteZip(f('dossier.asice'), f('added.asice'), { 'ajout.txt': 'non signé' });
    const a = scelle(['asic', 'verify', f('added.asice'), ...trust(), '--json']);
    expect(a.status).toBe(3);
    expect(a.json().results[0]).toMatchObject({ ok: false, code: 'ASIC_UNCOVERED_FILE' });
  });

  it.runIf(havePeers('unzip', 'openssl'))('ASiC-S with a time-stamp token only: verified, and openssl ts -verify accepts the token', () => {
    const r = scelle(['asic', 'create', f('ordonnance.asics'), f('ordonnance.txt'), '--tsa', url]);
    expect(r.status, r.stderr).toBe(0);
    const v = scelle(['asic', 'verify', f('ordonnance.asics'), ...trust(), '--json']);
    expect(v.status, v.stdout).toBe(0);
    expect(v.json().results[0]).toMatchObject({ ok: true, type: 'ASiC-S' });
    const out = f('asics');
    runPeer('unzip', ['-q', f('ordonnance.asics'), '-d', out]);
    const ts = runPeer('openssl', ['ts', '-verify', '-token_in', '-in', join(out, 'META-INF/timestamp.tst'), '-data', join(out, 'ordonnance.txt'), '-CAfile', join(pki, 'trust.pem'), '-untrusted', join(pki, 'ca.pem')]);
    expect(ts).toContain('Verification: OK');
  });

  it('extract writes the documents (not META-INF) and never replaces a file', () => {
    mkdirSync(f('out'), { recursive: true });
    const e = scelle(['asic', 'extract', f('dossier.asice'), '--out', f('out'), '--json']);
    expect(e.status, e.stdout + e.stderr).toBe(0);
    expect(e.json().documents).toEqual(['compte-rendu.txt', 'ordonnance.txt']);
    expect(readFileSync(f('out/ordonnance.txt'), 'utf8')).toBe(readFileSync(f('ordonnance.txt'), 'utf8'));
    expect(scelle(['asic', 'extract', f('dossier.asice'), '--out', f('out')]).status).not.toBe(0);
  });

  it('usage errors: a wrong extension, ASiC-S with two documents, nothing to sign with', () => {
    expect(scelle(['asic', 'create', f('x.zip'), f('ordonnance.txt'), ...id()]).status).toBe(2);
    expect(scelle(['asic', 'create', f('x.asics'), f('ordonnance.txt'), f('compte-rendu.txt'), ...id()]).status).toBe(2);
    expect(scelle(['asic', 'create', f('x.asice'), f('ordonnance.txt')]).status).toBe(2);
  });
});
