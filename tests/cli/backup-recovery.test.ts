/**
 * `scelle backup` through the real CLI, the day things go wrong: restore and list from the
 * recovery kit alone (no config, empty HOME), the kit accepted as it is by --recovery-file, the
 * drill from the kit, an unmounted folder never filled, init asking the passphrase twice and
 * warning about what the configuration lacks, verdicts that are never "ok" unless checked, the
 * verifier kit, repair, and the schedule (a real crontab).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { scelle, scelleTty } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { createDemoPki, writeDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';

const PASS = 'Cabinet-Durand#2026!';

function hashes(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashes(p, base, out);
    else out.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

let tmp: { dir: string; cleanup: () => void };
let pki: DemoPki;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = makeTempDir('scelle-backup-recovery-');
  pki = await createDemoPki();
  await writeDemoPki(pki, join(tmp.dir, 'pki'));
  writeFileSync(join(tmp.dir, 'pass'), `${PASS}\n`, { mode: 0o600 });
  writeFileSync(join(tmp.dir, 'idpass'), `${pki.praticien.password}\n`, { mode: 0o600 });
  env = { SCELLE_PASSWORD: pki.praticien.password };
}, 120_000);
afterAll(() => tmp.cleanup());

function dataset(dir: string, n = 25): void {
  mkdirSync(join(dir, 'patients'), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'patients', `courrier-${i}.txt`), i % 3 === 0 ? randomBytes(5000 + i * 300) : `compte rendu ${i} `.repeat(200 + i * 10));
}

function init(root: string, targets: string[], extra: string[] = []): { cfg: string; r: ReturnType<typeof scelle> } {
  const cfg = join(root, 'cabinet.conf');
  mkdirSync(root, { recursive: true });
  const r = scelle(['backup', 'init', '--config', cfg, '--source', join(root, 'dossiers'), ...targets.flatMap((t) => ['--target', t]),
    '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12', ...extra]);
  return { cfg, r };
}

const signed = ['--identity', '', '--identity-pass-file', '', '--trust', '', '--crl', ''];
function signedArgs(): string[] {
  return signed.map((a, i) => (a !== '' ? a : [join(tmp.dir, 'pki', 'praticien.p12'), join(tmp.dir, 'idpass'), join(tmp.dir, 'pki', 'trust.pem'), join(tmp.dir, 'pki', 'crl.pem')][Math.floor(i / 2)]!));
}

describe('restore from the recovery kit alone', () => {
  it('config, HOME and local state deleted: list, restore and drill from --from URL and the kit, byte-identical', () => {
    const root = join(tmp.dir, 'kit');
    dataset(join(root, 'dossiers'));
    mkdirSync(join(root, 'usb1'));
    const { cfg, r } = init(root, [`disque=file://${root}/disque`, `usb1=usb://${root}/usb1`], signedArgs());
    expect(r.status, r.stderr).toBe(0);
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    expect(scelle(['backup', 'drill', '--config', cfg, '--from-kit', '--json'], { env: {} }).json()).toMatchObject({ ok: true, results: [{ destination: 'disque', ok: true }, { destination: 'usb1', ok: true }] });
    // the computer is gone: only the kit (as init wrote it) survives, in a new empty home
    const home = join(root, 'nouvel-ordinateur');
    mkdirSync(home);
    copyFileSync(`${cfg}.kit-recuperation.txt`, join(home, 'kit.txt'));
    rmSync(cfg);
    rmSync(`${cfg}.state`, { recursive: true });
    rmSync(`${cfg}.kit-recuperation.txt`);
    const bare = { PATH: process.env.PATH!, HOME: home, LANG: 'fr_FR.UTF-8' };
    const list = scelle(['backup', 'list', '--from', 'disque', '--recovery-file', 'kit.txt', '--json'], { env: bare, cwd: home });
    expect(list.status, list.stderr).toBe(0);
    expect(list.json().snapshots).toHaveLength(1);
    // without revocation data the seal cannot be fully checked: restored, with a warning that says so
    const noCrl = scelle(['backup', 'restore', '--from', `file://${root}/usb1`.replace('file://', 'usb://'), '--recovery-file', 'kit.txt', '--to', 'R0'], { env: bare, cwd: home });
    expect(noCrl.status, noCrl.stderr).toBe(0);
    expect(noCrl.stdout).toMatch(/n’a pas pu être vérifié jusqu’au bout \(REVOCATION_UNAVAILABLE/);
    expect(noCrl.stdout).not.toMatch(/sceau vérifié/);
    // the CRL published by the CA, fetched from another computer
    copyFileSync(join(tmp.dir, 'pki', 'crl.pem'), join(home, 'crl.pem'));
    const rest = scelle(['backup', 'restore', '--from', `file://${root}/usb1`.replace('file://', 'usb://'), '--recovery-file', 'kit.txt', '--crl', 'crl.pem', '--to', 'R'], { env: bare, cwd: home });
    expect(rest.status, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/restaurés dans .*\/R/);
    expect(rest.stdout).toMatch(/sceau vérifié : signé par CN=/);
    expect(hashes(join(home, 'R', 'dossiers'))).toEqual(hashes(join(root, 'dossiers')));
    // a file holding only the key, as retyped from the printed kit
    const key = /recovery-key (\S+)/.exec(readFileSync(join(home, 'kit.txt'), 'utf8'))![1]!;
    writeFileSync(join(home, 'cle.txt'), `clé : ${key.toLowerCase().replace(/-/g, ' ')}\n`);
    const byKey = scelle(['backup', 'restore', '--from', `disque=file://${root}/disque`, '--recovery-file', 'cle.txt', '--to', 'R2', '--path', 'dossiers/patients/courrier-3.txt'], { env: bare, cwd: home });
    expect(byKey.status, byKey.stderr).toBe(0);
    expect(readFileSync(join(home, 'R2', 'dossiers', 'patients', 'courrier-3.txt')).equals(readFileSync(join(root, 'dossiers', 'patients', 'courrier-3.txt')))).toBe(true);
    const json = scelle(['backup', 'restore', '--from', `disque=file://${root}/disque`, '--recovery-file', 'kit.txt', '--crl', 'crl.pem', '--to', 'R3', '--json'], { env: bare, cwd: home });
    expect(json.status, json.stdout).toBe(0);
    expect(json.json()).toMatchObject({ ok: true, snapshot: list.json().snapshots[0].snapshot, to: join(home, 'R3'), files: 25, destination: 'disque', seal: { status: 'valid', signer: expect.stringMatching(/^CN=/) }, problems: [] });
  }, 120_000);

  it('the kit binds the repository: another practice\'s destination is refused by name (exit 3)', () => {
    const a = join(tmp.dir, 'cabinet-a');
    const b = join(tmp.dir, 'cabinet-b');
    dataset(join(a, 'dossiers'), 5);
    dataset(join(b, 'dossiers'), 5);
    const ia = init(a, [`disque=file://${a}/disque`]);
    const ib = init(b, [`disque=file://${b}/disque`]);
    expect(ia.r.status).toBe(0);
    expect(ib.r.status).toBe(0);
    expect(scelle(['backup', 'run', '--config', ib.cfg]).status).toBe(0);
    // same passphrase, kit of A, destination of B
    const r = scelle(['backup', 'restore', '--from', `disque=file://${b}/disque`, '--recovery-file', `${ia.cfg}.kit-recuperation.txt`, '--to', join(a, 'R'), '--json'], { env: { HOME: a } });
    expect(r.status).toBe(3);
    expect(r.json().error.code).toBe('REPO_MISMATCH');
    expect(existsSync(join(a, 'R'))).toBe(false);
    const idA = /^id = (\w+)$/m.exec(readFileSync(ia.cfg, 'utf8'))![1]!;
    const p = scelle(['backup', 'restore', '--from', `disque=file://${b}/disque`, '--pass-file', join(tmp.dir, 'pass'), '--repository', idA, '--to', join(a, 'R'), '--json'], { env: { HOME: a } });
    expect(p.status).toBe(3);
    expect(p.json().error.code).toBe('REPO_MISMATCH');
  }, 60_000);
});

describe('never write where the medium is absent', () => {
  it('an unmounted file:// destination: TARGET_OFFLINE (exit 10 when it is the only one), nothing written anywhere else; run --create makes it a copy', () => {
    const root = join(tmp.dir, 'unmounted');
    dataset(join(root, 'dossiers'), 5);
    mkdirSync(join(root, 'mnt', 'nas'), { recursive: true });
    const { cfg, r } = init(root, [`disque=file://${root}/disque`, `nas=file://${root}/mnt/nas/scelle`]);
    expect(r.status).toBe(0);
    expect(scelle(['backup', 'run', '--config', cfg]).status).toBe(0);
    // the share is unmounted: its mount point is an empty folder of the local disk
    rmSync(join(root, 'mnt', 'nas'), { recursive: true });
    mkdirSync(join(root, 'mnt', 'nas'));
    const run = scelle(['backup', 'run', '--config', cfg, '--json']);
    expect(run.status).toBe(0);
    const result = run.json();
    expect(result.destinations).toEqual([expect.objectContaining({ name: 'disque', status: 'written' }), expect.objectContaining({ name: 'nas', status: 'offline', reason: expect.stringMatching(/does not exist/) })]);
    expect(readdirSync(join(root, 'mnt', 'nas'))).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['cabinet.conf', 'cabinet.conf.kit-recuperation.html', 'cabinet.conf.kit-recuperation.txt', 'cabinet.conf.state', 'disque', 'dossiers', 'mnt']);
    // a config whose only destination is that share: nothing can be backed up, exit 10
    const lone = join(root, 'seul.conf');
    writeFileSync(lone, readFileSync(cfg, 'utf8').replace(/^disque = .*$/m, ''));
    const off = scelle(['backup', 'run', '--config', lone, '--json']);
    expect(off.status).toBe(10);
    // --json: NDJSON events, then the error envelope on the last line
    expect(off.envelope()).toMatchObject({ ok: false, command: 'backup run', exitCode: 10, error: { code: 'TARGET_OFFLINE', exitCode: 10 } });
    expect(readdirSync(join(root, 'mnt', 'nas'))).toEqual([]);
    // remounted empty (a new disk): --create makes it a copy
    const created = scelle(['backup', 'run', '--config', cfg, '--create']);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/destination "nas" created/);
    expect(existsSync(join(root, 'mnt', 'nas', 'scelle', 'config'))).toBe(true);
    expect(scelle(['backup', 'verify', '--config', cfg, '--no-key', '--dest', 'nas']).status).toBe(0);
  }, 60_000);
});

describe('init', () => {
  it('asks the new passphrase twice on a terminal, and refuses two different ones', async () => {
    const root = join(tmp.dir, 'tty');
    dataset(join(root, 'dossiers'), 2);
    const base = ['backup', 'init', '--config', join(root, 'c.conf'), '--source', join(root, 'dossiers'), '--target', `d=file://${root}/d`, '--kdf-log-n', '12'];
    const prompt = /New passphrase of the backup repository \(remember it\): |Type it again to confirm: /;
    const ok = await scelleTty(base, { prompt, answers: [PASS, PASS] });
    expect(ok.prompts).toBe(2);
    expect(ok.status, ok.output).toBe(0);
    // a differing confirmation starts over, three times at most
    const bad = await scelleTty([...base.slice(0, 3), join(root, 'c2.conf'), ...base.slice(4)], { prompt, answers: [PASS, `${PASS}x`, PASS, `${PASS}y`, PASS, `${PASS}z`] });
    expect(bad.prompts).toBe(6);
    expect(bad.status).toBe(2);
    expect(existsSync(join(root, 'c2.conf'))).toBe(false);
  }, 60_000);

  it('warns, in French, when there is no sealing identity and about every 3-2-1 rule already broken', () => {
    const root = join(tmp.dir, 'warn');
    dataset(join(root, 'dossiers'), 2);
    const r = scelle(['backup', 'init', '--config', join(root, 'c.conf'), '--source', join(root, 'dossiers'), '--target', `d=file://${root}/d`, '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12', '--lang', 'fr']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/ATTENTION : aucune identité de scellement/);
    for (const rule of ['trop peu de copies', 'un seul type de support', 'aucune copie déconnectée', 'aucune copie hors du cabinet']) expect(r.stderr).toContain(rule);
    expect(r.stdout).toMatch(/imprimez .*kit-recuperation\.txt.*--from-kit/s);
    const j = scelle(['backup', 'init', '--config', join(root, 'j.conf'), '--source', join(root, 'dossiers'), '--target', `d2=file://${root}/d2`, '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12', '--json']);
    expect(j.status, j.stdout).toBe(0);
    expect(j.json()).toMatchObject({ ok: true, config: join(root, 'j.conf'), repository: expect.stringMatching(/^[0-9a-f]+$/), initialised: ['d2'], offline: [], kdfLogN: 12, signer: null, recoveryKit: { text: `${join(root, 'j.conf')}.kit-recuperation.txt` } });
    expect(j.json().warnings).toEqual([{ kind: 'no-identity' }, ...['too-few-copies', 'one-media-kind', 'no-offline-copy', 'no-offsite-copy'].map((rule) => ({ kind: 'rule', rule, detail: expect.any(String) }))]);
  });
});

describe('verdicts', () => {
  it('unsigned seals: "integrity checked, not signed", exit 0; 3 with --require-signature; signed without trust anchors: not checked, exit 3', () => {
    const root = join(tmp.dir, 'verdicts');
    dataset(join(root, 'dossiers'), 4);
    const { cfg } = init(root, [`d=file://${root}/d`]);
    expect(scelle(['backup', 'run', '--config', cfg]).status).toBe(0);
    const v = scelle(['backup', 'verify', '--config', cfg, '--no-key']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/integrity checked, NOT SIGNED/);
    expect(scelle(['backup', 'verify', '--config', cfg, '--no-key', '--require-signature']).status).toBe(3);
    const root2 = join(tmp.dir, 'verdicts2');
    dataset(join(root2, 'dossiers'), 4);
    const s = init(root2, [`d=file://${root2}/d`], ['--identity', join(tmp.dir, 'pki', 'praticien.p12'), '--identity-pass-file', join(tmp.dir, 'idpass')]);
    expect(s.r.stderr).toMatch(/no trust anchors/);
    expect(scelle(['backup', 'run', '--config', s.cfg], { env }).status).toBe(0);
    const nc = scelle(['backup', 'verify', '--config', s.cfg, '--no-key', '--json']);
    expect(nc.status).toBe(3);
    expect(nc.json().reports[0]).toMatchObject({ verdict: 'not-checked', ok: false });
    const ok = scelle(['backup', 'verify', '--config', s.cfg, '--no-key', '--trust', join(tmp.dir, 'pki', 'trust.pem'), '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--json']);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.json().reports[0]).toMatchObject({ verdict: 'ok', signature: 'valid' });
  }, 60_000);

  it('a copy rolled back is caught with --expect-after; repair puts back what it lost', () => {
    const root = join(tmp.dir, 'rollback');
    dataset(join(root, 'dossiers'), 6);
    const { cfg } = init(root, [`disque=file://${root}/disque`, `nas=file://${root}/nas`], signedArgs());
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    const old = readdirSync(join(root, 'nas', 'seals'));
    const before = new Date().toISOString();
    writeFileSync(join(root, 'dossiers', 'nouveau.txt'), 'nouvelle consultation');
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    for (const f of readdirSync(join(root, 'nas', 'seals'))) if (!old.includes(f)) rmSync(join(root, 'nas', 'seals', f));
    // a verifier's copy of the config (no journal) with --expect-after
    const verifier = join(root, 'verifier.conf');
    writeFileSync(verifier, readFileSync(cfg, 'utf8').replace(/^cle-ecriture.*$/m, ''));
    const v = scelle(['backup', 'verify', '--config', verifier, '--no-key', '--dest', 'nas', '--expect-after', before, '--json'], { env: { HOME: root } });
    expect(v.status).toBe(3);
    expect(v.json().reports[0].problems.map((p: { code: string }) => p.code)).toContain('ROLLBACK_DETECTED');
    const st = scelle(['backup', 'status', '--config', cfg, '--json']);
    expect(st.status).toBe(1);
    expect(st.json().destinations.find((d: { name: string }) => d.name === 'nas').problems[0].code).toBe('ROLLBACK_DETECTED');
    const rep = scelle(['backup', 'repair', '--config', cfg, '--json']);
    expect(rep.status, rep.stdout).toBe(0);
    const nas = rep.json().results.find((x: { destination: string }) => x.destination === 'nas');
    expect(nas).toMatchObject({ ok: true, unrepairable: [] });
    expect(nas.repaired).toEqual(expect.arrayContaining([expect.stringMatching(/^seals\//)]));
    const again = scelle(['backup', 'repair', '--config', cfg]);
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/nas: repaired/);
    expect(scelle(['backup', 'verify', '--config', cfg, '--no-key']).status).toBe(0);
  }, 60_000);

  it('the verifier kit: a vendor checks a copy with no key and no config, from an empty home', () => {
    const root = join(tmp.dir, 'vendor');
    dataset(join(root, 'dossiers'), 4);
    const { cfg } = init(root, [`disque=file://${root}/disque`], signedArgs());
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    const kit = scelle(['backup', 'verifier-kit', '--config', cfg, '--out', join(root, 'kit-verification.txt')]);
    expect(kit.status).toBe(0);
    const text = readFileSync(join(root, 'kit-verification.txt'), 'utf8');
    expect(text).not.toMatch(/recovery-key|cle-ecriture/);
    expect(text).toMatch(/^signer CN=/m);
    const kitJson = scelle(['backup', 'verifier-kit', '--config', cfg, '--out', join(root, 'kit-2.txt'), '--json']);
    expect(kitJson.json()).toMatchObject({ ok: true, file: join(root, 'kit-2.txt'), repository: expect.stringMatching(/^[0-9a-f]+$/), signers: [expect.stringMatching(/^CN=/)], trustAnchors: 1 });
    // the same kit but for its creation time
    const noTime = (t: string): string => t.replace(/^created .*$/m, '');
    expect(noTime(readFileSync(join(root, 'kit-2.txt'), 'utf8'))).toBe(noTime(text));
    const home = join(root, 'prestataire');
    mkdirSync(home);
    const v = scelle(['backup', 'verify', '--no-key', '--verifier-kit', join(root, 'kit-verification.txt'), '--from', 'disque', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--json'], { env: { HOME: home }, cwd: home });
    expect(v.status, v.stdout).toBe(0);
    expect(v.json().reports[0]).toMatchObject({ verdict: 'ok', destination: 'disque' });
  }, 60_000);
});

describe('prune', () => {
  it('--dry-run says what would go and changes nothing; then prune removes it (--json)', () => {
    const root = join(tmp.dir, 'prune');
    dataset(join(root, 'dossiers'), 3);
    const { cfg } = init(root, [`d=file://${root}/d`]);
    // two snapshots in the same week: the policy (one a week, a month, a year) keeps the newer
    const first = scelle(['backup', 'run', '--config', cfg, '--json']);
    writeFileSync(join(root, 'dossiers', 'nouveau.txt'), 'nouvelle consultation');
    const second = scelle(['backup', 'run', '--config', cfg, '--json']);
    expect(second.status).toBe(0);
    const dry = scelle(['backup', 'prune', '--config', cfg, '--pass-file', join(tmp.dir, 'pass'), '--dry-run', '--json']);
    expect(dry.status, dry.stdout).toBe(0);
    expect(dry.json()).toMatchObject({ ok: true, dryRun: true, results: [{ destination: 'd', kept: [second.json().snapshot], removed: [first.json().snapshot], lockedKept: 0, notDeleted: 0 }] });
    expect(dry.json().results[0].sealSequence).toBeUndefined();
    const done = scelle(['backup', 'prune', '--config', cfg, '--pass-file', join(tmp.dir, 'pass'), '--json']);
    expect(done.status, done.stdout).toBe(0);
    expect(done.json()).toMatchObject({ ok: true, dryRun: false, results: [{ destination: 'd', kept: [second.json().snapshot], removed: [first.json().snapshot], sealSequence: expect.any(Number) }] });
    expect(scelle(['backup', 'verify', '--config', cfg, '--no-key']).status).toBe(0);
  }, 60_000);
});

describe.skipIf(!havePeers('crontab'))('schedule (cron where systemd does not run)', () => {
  it('installs a cron line with the config\'s absolute path and a 0600 secret file, says it in status, and removes it', () => {
    const root = join(tmp.dir, 'schedule');
    dataset(join(root, 'dossiers'), 2);
    const { cfg } = init(root, [`d=file://${root}/d`], signedArgs());
    const before = tryPeer('crontab', ['-l']);
    try {
      const dry = scelle(['backup', 'schedule', '--config', cfg, '--daily', '--at', '07:15', '--cron', '--dry-run', '--pass-file', join(tmp.dir, 'idpass'), '--json'], { env: { HOME: root } });
      expect(dry.status, dry.stdout).toBe(0);
      expect(dry.json()).toMatchObject({ ok: true, dryRun: true, installedWith: 'cron', unit: expect.stringMatching(/^scelle-backup-/), cron: expect.stringMatching(/^15 7 \* \* \* /), windows: expect.stringMatching(/\/SC DAILY \/ST 07:15/), launchd: expect.stringContaining('<plist') });
      expect(new Date(dry.json().next).getHours()).toBe(7);
      expect(tryPeer('crontab', ['-l']).stdout).not.toContain('# scelle-backup-');
      const r = scelle(['backup', 'schedule', '--config', cfg, '--weekly', '--at', '19:30', '--day', 'vendredi', '--cron', '--pass-file', join(tmp.dir, 'idpass'), '--lang', 'fr'], { env: { HOME: root } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/sauvegarde programmée avec cron .*chaque semaine à 19:30/);
      expect(r.stdout).toMatch(/schtasks \/Create .*\/SC WEEKLY \/D FRI \/ST 19:30/);
      expect(r.stdout).toMatch(/<key>Weekday<\/key><integer>5<\/integer>/);
      const line = tryPeer('crontab', ['-l']).stdout.split('\n').find((l) => l.includes('# scelle-backup-'))!;
      expect(line).toMatch(new RegExp(`^30 19 \\* \\* 5 LANG=fr_FR.UTF-8 .* backup run --quiet --config ${cfg} --pass-file ${cfg}.state/seal-pass # scelle-backup-`));
      const secret = join(`${cfg}.state`, 'seal-pass');
      expect(readFileSync(secret, 'utf8')).toBe(`${pki.praticien.password}\n`);
      expect(statSync(secret).mode & 0o777).toBe(0o600);
      const st = scelle(['backup', 'status', '--config', cfg, '--json']);
      expect(st.json().schedule).toMatchObject({ installed: true, kind: 'cron', every: 'weekly', at: '19:30' });
      expect(new Date(st.json().schedule.next).getDay()).toBe(5);
      // the scheduled command itself, run as cron would (cwd /, no LANG, nothing else)
      const cmd = line.replace(/^(\S+\s+){5}/, '').replace(/ # scelle-backup-\w+$/, '');
      const ran = tryPeer('sh', ['-c', cmd], { cwd: '/', env: { PATH: '/usr/bin:/bin' } });
      expect(ran.status, ran.stderr).toBe(0);
      const rm = scelle(['backup', 'schedule', '--config', cfg, '--remove', '--cron', '--json'], { env: { HOME: root } });
      expect(rm.status).toBe(0);
      expect(rm.json()).toEqual({ ok: true, removed: dry.json().unit });
      expect(tryPeer('crontab', ['-l']).stdout).not.toContain('# scelle-backup-');
      expect(existsSync(secret)).toBe(false);
      expect(scelle(['backup', 'status', '--config', cfg]).stdout).toMatch(/no scheduled backup/);
    } finally {
      if (before.status === 0) tryPeer('crontab', ['-'], { input: before.stdout });
      else tryPeer('crontab', ['-r']);
    }
  }, 60_000);
});
