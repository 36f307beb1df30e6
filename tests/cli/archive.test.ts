/**
 * `scelle sign --level`, `extend`, `archive …` and `journal …` as run from a shell, against the
 * demo PKI and `scelle tsa serve`: stdout, stderr, exit codes, French and English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { serveTsa, type ServedTsa } from '../helpers/tsa-serve.js';

const tmp = makeTempDir('scelle-archive-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let tsa: ServedTsa;
const trust = (): string[] => ['--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem')];
const arch = (): string[] => ['--archive', f('archive')];

beforeAll(async () => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  const pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  writeFileSync(f('tsa.pass'), `${pw['tsa.p12']}\n`, { mode: 0o600 });
  writeFileSync(f('praticien.pass'), `${pw['praticien.p12']}\n`, { mode: 0o600 });
  tsa = await serveTsa(['--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--state', f('state')]);
  mkdirSync(f('letters'));
  for (let i = 0; i < 1000; i++) writeFileSync(f(`letters/courrier-${String(i).padStart(4, '0')}.txt`), `Cher confrère, je vous adresse le patient n°${i}.\n`);
}, 120_000);
afterAll(() => {
  tsa?.stop();
  tmp.cleanup();
});

describe('sign --level and extend', () => {
  it('sign --level LTA: signed, time-stamped, validation data and an archive time-stamp; verify says CAdES-LTA', () => {
    writeFileSync(f('lettre.txt'), 'Lettre de sortie.\n');
    const r = scelle(['sign', f('lettre.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--level', 'LTA', '--tsa', tsa.url, ...trust()]);
    expect(r.stderr).toContain('signing with');
    expect(r.stdout).toContain('(CAdES-LTA)');
    expect(r.status).toBe(0);
    const v = scelle(['verify', f('lettre.txt.p7s'), ...trust(), '--json']);
    expect(v.status).toBe(0);
    expect(v.json().results[0].signers[0].level).toBe('CAdES-LTA');
  });

  it('sign --level LT without --trust, or T without --tsa, is a usage error (exit 2) and signs nothing', () => {
    writeFileSync(f('rien.txt'), 'x\n');
    const a = scelle(['sign', f('rien.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--level', 'LT', '--tsa', tsa.url]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--level LT needs --trust/);
    const b = scelle(['--lang', 'fr', 'sign', f('rien.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--level', 'T']);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/^scelle: erreur : /);
  });

  it('extend --level LT without revocation data: VALIDATION_DATA_MISSING, exit 1, the file untouched', () => {
    writeFileSync(f('cr.txt'), 'Compte rendu.\n');
    expect(scelle(['sign', f('cr.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--tsa', tsa.url]).status).toBe(0);
    const before = readFileSync(f('cr.txt.p7s'));
    const r = scelle(['extend', f('cr.txt.p7s'), '--level', 'LT', '--trust', join(pki, 'trust.pem'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().results[0].error.code).toBe('VALIDATION_DATA_MISSING');
    expect(Buffer.compare(readFileSync(f('cr.txt.p7s')), before)).toBe(0);
    const fr = scelle(['--lang', 'fr', 'extend', f('cr.txt.p7s'), '--level', 'LT', '--trust', join(pki, 'trust.pem')]);
    expect(fr.stdout).toMatch(/NON étendue : .* \[VALIDATION_DATA_MISSING\] impossible d’ajouter les données de validation à long terme \(LT\)/);
  });

  it('extend --level LT then LTA twice: each run adds what is missing, and says when to re-archive', () => {
    const lt = scelle(['extend', f('cr.txt.p7s'), '--level', 'LT', ...trust(), '--json']);
    expect(lt.status).toBe(0);
    expect(lt.json().results[0]).toMatchObject({ ok: true, level: 'CAdES-LT', added: { crls: 2 } });
    const lta = scelle(['extend', f('cr.txt.p7s'), '--level', 'LTA', '--tsa', tsa.url, ...trust()]);
    expect(lta.status).toBe(0);
    expect(lta.stdout).toMatch(/CAdES-LTA — added: 1 archive time-stamp/);
    expect(lta.stdout).toMatch(/extend it again \(--level LTA\) before 31 December 2030/);
    const again = scelle(['--lang', 'fr', 'extend', f('cr.txt.p7s'), '--level', 'LTA', '--tsa', tsa.url, ...trust()]);
    expect(again.stdout).toMatch(/CAdES-LTA — ajouté : 1 horodatage\(s\) d’archive/);
    const v = scelle(['verify', f('cr.txt.p7s'), ...trust(), '--json']);
    expect(v.json().results[0].signers[0].level).toBe('CAdES-LTA');
  });
});

describe('archive and journal', () => {
  it('archive init, then archive add of 1 000 letters: one TSA request', async () => {
    // the server's access log reaches this process between tests (spawnSync blocks its event loop)
    await new Promise((r) => setTimeout(r, 300));
    expect(scelle(['archive', 'init', ...arch()]).status).toBe(0);
    const again = scelle(['archive', 'init', ...arch()]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a scelle archive/);
    const files = readdirSync(f('letters')).map((n) => f(`letters/${n}`));
    const before = tsa.requests();
    const r = scelle(['archive', 'add', ...files, ...arch(), '--tsa', tsa.url, ...trust(), '--retention', 'medical', '--last-care', '2026-11-30', '--json']);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, batch: 'b1', requests: 1 });
    expect(r.json().items).toHaveLength(1000);
    await new Promise((res) => setTimeout(res, 500));
    expect(tsa.requests() - before).toBe(1);
  }, 120_000);

  it('archive verify: every letter proven; status says when to renew (exit 0)', () => {
    const v = scelle(['archive', 'verify', ...arch(), ...trust()]);
    expect(v.stdout).toContain('1000 of 1000 document(s) proven');
    expect(v.stdout).toMatch(/journal intact: 1002 entries, 1 seal\(s\) verified/);
    expect(v.status).toBe(0);
    const s = scelle(['--lang', 'fr', 'archive', 'status', ...arch()]);
    expect(s.stdout).toMatch(/b1 \(1000 documents\) : en règle — à renouveler avant le 31 décembre 2030/);
    expect(s.status).toBe(0);
    const later = scelle(['archive', 'status', ...arch(), '--at', '2030-10-01T00:00:00Z']);
    expect(later.stdout).toMatch(/RENEW SOON/);
    expect(later.status).toBe(1);
  });

  it('archive export gives the letter and its .ers; anyone verifies them with the trust anchor alone', () => {
    const e = scelle(['archive', 'export', 'courrier-0042.txt', ...arch(), '--out', f('pour-le-patient'), '--purpose', 'demande du patient']);
    expect(e.status).toBe(0);
    const v = scelle(['archive', 'verify', f('pour-le-patient/courrier-0042.txt'), '--trust', join(pki, 'trust.pem'), '--json']);
    expect(v.json()).toMatchObject({ ok: true, indication: 'TOTAL-PASSED' });
    appendFileSync(f('pour-le-patient/courrier-0042.txt'), 'ajout');
    const bad = scelle(['--lang', 'fr', 'archive', 'verify', f('pour-le-patient/courrier-0042.txt'), '--trust', join(pki, 'trust.pem')]);
    expect(bad.status).toBe(3);
    expect(bad.stdout).toMatch(/NON PROUVÉ/);
  });

  it('retention, hold, destroy: only what is due and not held; the journal records it', () => {
    expect(scelle(['archive', 'retention', 'set', 'b1-1', 'b1-2', ...arch(), '--retention', 'fse', '--date', '2026-01-02']).status).toBe(0);
    const list = scelle(['archive', 'retention', ...arch(), '--json']);
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual(['b1-1', 'b1-2']);
    expect(scelle(['archive', 'retention', 'hold', 'b1-2', ...arch(), '--reason', 'litige']).status).toBe(0);
    const held = scelle(['archive', 'destroy', 'b1-2', ...arch(), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--tsa', tsa.url, '--json']);
    expect(held.json().error.code).toBe('LEGAL_HOLD');
    const d = scelle(['archive', 'destroy', ...arch(), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--tsa', tsa.url, '--json']);
    expect(d.status).toBe(0);
    expect(d.json().items.map((i: { id: string }) => i.id)).toEqual(['b1-1']);
    const cert = d.json().certificate;
    const sig = scelle(['verify', f(`archive/${cert.signatureKey}`), '--content', f(`archive/${cert.key}`), ...trust()]);
    expect(sig.status).toBe(0);
    const j = scelle(['journal', 'verify', ...arch(), ...trust()]);
    expect(j.status).toBe(0);
    expect(j.stdout).toMatch(/journal intact: \d+ entries, 2 seal\(s\) verified/);
  });

  it('backup run and restore --journal: recorded in the archive’s journal', () => {
    mkdirSync(f('dossiers'));
    writeFileSync(f('dossiers/cr.txt'), 'compte rendu\n');
    writeFileSync(f('repo.pass'), 'Cabinet-Durand#2026!\n', { mode: 0o600 });
    const cfg = f('backup.json');
    const init = scelle(['backup', 'init', '--config', cfg, '--source', f('dossiers'), '--target', `disque=file://${f('sauvegarde')}`, '--pass-file', f('repo.pass'), '--kdf-log-n', '12']);
    expect(init.status).toBe(0);
    const run = scelle(['backup', 'run', '--config', cfg, '--journal', f('archive')]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/recorded in the archive’s journal: backup\.run/);
    const restore = scelle(['backup', 'restore', '--config', cfg, '--to', f('restaure'), '--pass-file', f('repo.pass'), '--journal', f('archive')]);
    expect(restore.status).toBe(0);
    const j = scelle(['journal', 'verify', ...arch(), '--json']);
    expect(j.json().ok).toBe(true);
    const segs = readdirSync(f('archive/journal')).sort();
    const last2 = segs.slice(-2).map((k) => JSON.parse(readFileSync(f(`archive/journal/${k}`), 'utf8').trim()));
    expect(last2.map((e: { operation: string }) => e.operation)).toEqual(['backup.run', 'backup.restore']);
  });

  it('journal verify names an edited entry (exit 4)', () => {
    const seg = readdirSync(f('archive/journal')).sort()[1]!;
    const path = f(`archive/journal/${seg}`);
    const saved = readFileSync(path, 'utf8');
    writeFileSync(path, saved.replace('"size":"', '"size":"9'));
    const j = scelle(['--lang', 'fr', 'journal', 'verify', ...arch()]);
    writeFileSync(path, saved);
    expect(j.status).toBe(4);
    expect(j.stdout).toMatch(/entry #1 \(archive\.add of item b1-1, .*\) was changed/);
    expect(j.stdout).toMatch(/JOURNAL ABÎMÉ/);
  });
});

describe('archive and journal --json', () => {
  it('init, retention set, hold and release, status, renew, export, journal seal: each result as its schema says', () => {
    const a = ['--archive', f('archive-json')];
    const init = scelle(['archive', 'init', ...a, '--json']);
    expect(init.status, init.stdout).toBe(0);
    expect(init.json()).toMatchObject({ ok: true, archive: { id: expect.stringMatching(/^[0-9a-f]{16}$/), url: expect.stringContaining('archive-json') } });
    const add = scelle(['archive', 'add', f('letters/courrier-0001.txt'), f('letters/courrier-0002.txt'), ...a, '--tsa', tsa.url, ...trust(), '--json']);
    expect(add.status, add.stdout).toBe(0);
    const set = scelle(['archive', 'retention', 'set', 'b1-1', ...a, '--retention', 'medical', '--last-care', '2020-01-02', '--birth', '2010-05-06', '--json']);
    expect(set.json()).toEqual({ ok: true, items: ['b1-1'], rule: { kind: 'medical-record', lastCare: '2020-01-02', birthDate: '2010-05-06' } });
    const hold = scelle(['archive', 'retention', 'hold', 'b1-2', ...a, '--reason', 'litige', '--since', '2026-01-05', '--json']);
    const h = hold.json().hold;
    expect(h).toEqual({ id: expect.stringMatching(/^hold-[0-9a-f]{6}$/), reason: 'litige', since: '2026-01-05', items: ['b1-2'] });
    const release = scelle(['archive', 'retention', 'release', h.id, ...a, '--until', '2026-02-01', '--json']);
    expect(release.json()).toEqual({ ok: true, hold: { ...h, until: '2026-02-01' } });
    const status = scelle(['archive', 'status', ...a, '--json']);
    expect(status.status, status.stdout).toBe(0);
    expect(status.json()).toMatchObject({
      ok: true, needsAction: false, items: { total: 2, present: 2, destroyed: 0 },
      batches: [{ id: 'b1', items: 2, present: 2, chains: 1, timestamps: 1, state: 'ok', renewBefore: { until: expect.any(String), detail: expect.any(String) } }],
      retention: { due: 0, kept: 1, unset: 1 }, holds: [{ id: h.id, until: '2026-02-01' }], journal: { ok: true },
    });
    const renew = scelle(['archive', 'renew', ...a, '--tsa', tsa.url, '--force', ...trust(), '--json']);
    expect(renew.status, renew.stdout).toBe(0);
    // one request for the batch, one for the journal's seal
    expect(renew.json()).toMatchObject({ ok: true, requests: 2, batches: [{ batch: 'b1', action: 'timestamp', unchecked: 0 }] });
    expect(Date.parse(renew.json().batches[0].genTime)).toBeGreaterThan(Date.parse(status.json().batches[0].lastTimestamp) - 1);
    const exported = scelle(['archive', 'export', 'b1-1', ...a, '--out', f('export-json'), '--json']);
    expect(exported.json()).toEqual({ ok: true, exported: [{ id: 'b1-1', document: f('export-json/courrier-0001.txt'), record: f('export-json/courrier-0001.txt.ers'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    const seal = scelle(['journal', 'seal', ...a, '--tsa', tsa.url, '--json']);
    expect(seal.status, seal.stdout).toBe(0);
    expect(seal.json()).toMatchObject({ ok: true, seal: { seq: expect.any(Number), covers: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(scelle(['archive', 'status', ...a, '--json']).json()).toMatchObject({ journal: { lastSeal: seal.json().seal.time, unsealed: 0 }, batches: [{ timestamps: 2 }] });
  }, 60_000);
});
