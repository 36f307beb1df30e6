/**
 * `scelle doctor` through the real CLI, against real things: a demo PKI, a TSA answering on a
 * loopback port (and a closed port), a SoftHSM2 token as the card, a backup set up, run and
 * drilled, its schedule as systemd user units (or none). Each finding must be the right status
 * with its fix, and the exit code 1 exactly when something is an error.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BIN, REPO, scelle, readJsonOutput } from '../helpers/cli.js';
import { englishLines } from '../helpers/english.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers } from '../helpers/peers.js';
import { createSoftHsm, initToken, type SoftHsm } from '../helpers/softhsm.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';
import { createDemoPki, writeDemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';
import { startTsaServer, type TsaServer } from '../../src/timestamp/server.js';
import { createTimeStampAuthority } from '../../src/timestamp/tsa.js';

interface Run { status: number; stdout: string; stderr: string }

/** Runs scelle without blocking this process (the TSA answers from here). */
function run(args: string[], env: Record<string, string> = {}, cwd = REPO): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => done({ status: code ?? -1, stdout, stderr }));
  });
}

interface Check { check: string; status: string; message: string; fix?: string; params: Record<string, unknown> }
const checks = (r: Run): Check[] => (readJsonOutput(r.stdout) as { checks: Check[] }).checks;
const statuses = (r: Run, name: string): string[] => checks(r).filter((c) => c.check === name).map((c) => c.status);

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

const DAY = 86_400_000;

describe.skipIf(!havePeers('softhsm2', 'softhsm2-util', 'openssl'))('scelle doctor', () => {
  let tmp: { dir: string; cleanup: () => void };
  let fx: TsaFixture;
  let state: SerialState;
  let server: TsaServer;
  let pkiDir: string;
  let p12Pass: string;
  let cfg: string;
  let home: string;
  let hsm: SoftHsm;

  beforeAll(async () => {
    tmp = makeTempDir('scelle-doctor-');
    fx = await createTsaFixture(tmp.dir);
    pkiDir = join(tmp.dir, 'pki');
    await writeDemoPki(fx.pki, pkiDir);
    p12Pass = join(tmp.dir, 'p12-pass');
    writeFileSync(p12Pass, `${fx.pki.praticien.password}\n`, { mode: 0o600 });
    state = await openSerialState(join(tmp.dir, 'tsa-state'));
    server = await startTsaServer({ tsa: createTimeStampAuthority({ signer: fx.entry, chain: fx.chain, state }), port: 0 });

    // a backup set up, run and drilled: the 3-2-1 rule kept
    const root = join(tmp.dir, 'cabinet');
    mkdirSync(join(root, 'dossiers'), { recursive: true });
    mkdirSync(join(root, 'usb1'), { recursive: true });
    writeFileSync(join(root, 'dossiers', 'courrier.txt'), 'Compte rendu de consultation\n');
    writeFileSync(join(tmp.dir, 'repo-pass'), 'Cabinet-Durand#2026!\n', { mode: 0o600 });
    writeFileSync(join(tmp.dir, 'id-pass'), `${fx.pki.praticien.password}\n`, { mode: 0o600 });
    cfg = join(root, 'cabinet.conf');
    const init = scelle(['backup', 'init', '--config', cfg, '--source', join(root, 'dossiers'), '--target', `disque=file://${root}/disque`,
      '--target', `usb1=usb://${root}/usb1`, '--target', `distant=file://${root}/distant;offsite=true;media=network`,
      '--pass-file', join(tmp.dir, 'repo-pass'), '--kdf-log-n', '12', '--identity', join(pkiDir, 'praticien.p12'), '--identity-pass-file', join(tmp.dir, 'id-pass'),
      '--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem')]);
    expect(init.stderr).toBe('');
    expect(scelle(['backup', 'run', '--config', cfg], { env: { SCELLE_PASSWORD: fx.pki.praticien.password } }).status).toBe(0);
    expect(scelle(['backup', 'drill', '--config', cfg, '--pass-file', join(tmp.dir, 'repo-pass')]).status).toBe(0);

    // the schedule as `backup schedule` installs it for a user: a service, a timer, its enable link
    home = join(tmp.dir, 'home');
    const units = join(home, '.config', 'systemd', 'user');
    mkdirSync(join(units, 'timers.target.wants'), { recursive: true });
    writeFileSync(join(units, 'scelle-backup-3f9a12c4.service'), `[Unit]\nDescription=scelle backup\n\n[Service]\nType=oneshot\nEnvironment=LANG=fr_FR.UTF-8\nExecStart=${process.execPath} ${BIN} backup run --config ${cfg}\n`);
    writeFileSync(join(units, 'scelle-backup-3f9a12c4.timer'), '[Timer]\nOnCalendar=Mon *-*-* 20:00:00\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n');
    symlinkSync(join(units, 'scelle-backup-3f9a12c4.timer'), join(units, 'timers.target.wants', 'scelle-backup-3f9a12c4.timer'));

    hsm = createSoftHsm();
    initToken(hsm, { label: 'CPS-DOCTOR', pin: '582913', soPin: '12345678' });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await state?.close();
    hsm?.cleanup();
    tmp?.cleanup();
  });

  const good = (): string[] => ['doctor', '--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem'), '--identity', join(pkiDir, 'praticien.p12'),
    '--pass-file', p12Pass, '--tsa', server.url, '--pkcs11', hsm.module, '--config', cfg];

  it('a good setup: every check ok, exit 0 (JSON)', async () => {
    const r = await run([...good(), '--json'], { HOME: home, SOFTHSM2_CONF: hsm.conf });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = readJsonOutput(r.stdout);
    const notOk = doc.checks.filter((c: Check) => c.status !== 'ok').map((c: Check) => `${c.check}: ${c.message}`);
    expect(notOk).toEqual([]);
    expect(doc.ok).toBe(true);
    const names = new Set(doc.checks.map((c: Check) => c.check));
    for (const n of ['node', 'trust', 'identity', 'tsa', 'tsa-trust', 'pkcs11', 'card', 'backup-config', 'backup-destination', 'backup-last', 'backup-drill', 'backup-rule', 'backup-schedule']) expect(names).toContain(n);
    expect(doc.checks.find((c: Check) => c.check === 'card').message).toContain('CPS-DOCTOR');
    expect(doc.checks.find((c: Check) => c.check === 'backup-schedule').message).toContain('scelle-backup-3f9a12c4');
    expect(statuses(r, 'backup-destination')).toEqual(['ok', 'ok', 'ok']);
  });

  it('the same in French, text: every line OK, dates in French, nothing to fix', async () => {
    const r = await run(good(), { HOME: home, SOFTHSM2_CONF: hsm.conf, LANG: 'fr_FR.UTF-8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^scelle doctor — \d{1,2} \p{L}+ \d{4} à \d\d:\d\d:\d\d$/u);
    expect(lines.slice(1, -1).every((l) => l.startsWith('OK '))).toBe(true);
    expect(r.stdout).toMatch(/valable jusqu’au \d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}/);
    expect(r.stdout).toContain('dernière sauvegarde\u00a0:');
    expect(lines[lines.length - 1]).toBe('tout est en ordre\u00a0: rien à corriger');
    expect(englishLines(r.stdout)).toEqual([]);
    expect(r.stdout).not.toMatch(/ [:;?!»]|« /);
  });

  it('an expired trust root: an error naming the date and what to do, exit 1', async () => {
    const old = await createDemoPki({ now: new Date(Date.now() - 26 * 365.25 * DAY) });
    const file = join(tmp.dir, 'old-root.pem');
    writeFileSync(file, formatPem('CERTIFICATE', old.root));
    const r = await run(['doctor', '--trust', file, '--json'], { HOME: home, LANG: 'fr_FR.UTF-8' });
    expect(r.status).toBe(1);
    const trust = checks(r).filter((c) => c.check === 'trust');
    expect(trust.map((c) => c.status)).toEqual(['error']);
    expect(trust[0]!.message).toMatch(/a expiré le \d{1,2} \p{L}+ \d{4}/u);
    expect(trust[0]!.fix).toContain('racine en cours');
    expect(checks(r).flatMap((c) => englishLines(`${c.message}\n${c.fix ?? ''}`))).toEqual([]);
  });

  it('an identity that expires within 60 days: a warning, exit 0; --warn-days 10 makes it ok', async () => {
    const soon = await createDemoPki({ now: new Date(Date.now() - 3 * 365.25 * DAY + 21 * DAY) });
    const dir = join(tmp.dir, 'soon');
    await writeDemoPki(soon, dir);
    writeFileSync(join(dir, 'pass'), `${soon.praticien.password}\n`, { mode: 0o600 });
    const r = await run(['doctor', '--identity', join(dir, 'praticien.p12'), '--pass-file', join(dir, 'pass'), '--json'], { HOME: home });
    expect(r.status).toBe(0);
    const id = checks(r).filter((c) => c.check === 'identity');
    expect(id.filter((c) => c.status === 'warning').map((c) => c.message)).toEqual([
      expect.stringMatching(/CLAIRE DURAND \(signature\) expires on .* in 20 days/), expect.stringMatching(/CLAIRE DURAND \(encryption \/ authentication\) expires on/),
    ]);
    expect(id.find((c) => c.status === 'warning')!.fix).toMatch(/renew/);
    const later = await run(['doctor', '--identity', join(dir, 'praticien.p12'), '--pass-file', join(dir, 'pass'), '--warn-days', '10', '--json'], { HOME: home });
    expect(statuses(later, 'identity').every((s) => s === 'ok')).toBe(true);
  });

  it('a p12 without its password: says it needs it; a wrong password is an error', async () => {
    const r = await run(['doctor', '--identity', join(pkiDir, 'praticien.p12'), '--json'], { HOME: home });
    expect(r.status).toBe(0);
    const id = checks(r).filter((c) => c.check === 'identity');
    expect(id.map((c) => c.status)).toEqual(['warning']);
    expect(id[0]!.fix).toContain('--pass-file');
    writeFileSync(join(tmp.dir, 'wrong'), 'not-the-password\n', { mode: 0o600 });
    const bad = await run(['doctor', '--identity', join(pkiDir, 'praticien.p12'), '--pass-file', join(tmp.dir, 'wrong'), '--json'], { HOME: home });
    expect(bad.status).toBe(1);
    expect(checks(bad).find((c) => c.check === 'identity')!.message).toMatch(/wrong password/);
    const fr = await run(['doctor', '--identity', join(pkiDir, 'praticien.p12'), '--pass-file', join(tmp.dir, 'wrong')], { HOME: home, LANG: 'fr_FR.UTF-8' });
    expect(fr.stdout).toContain('mot de passe incorrect pour');
    expect(englishLines(fr.stdout)).toEqual([]);
  });

  it('a p12 whose certificates OpenSSL stored in clear (-certpbe NONE): read without the password, marked not authenticated', async () => {
    const dir = join(tmp.dir, 'clear');
    mkdirSync(dir);
    const key = join(dir, 'key.pem');
    writeFileSync(key, fx.pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    writeFileSync(join(dir, 'cert.pem'), formatPem('CERTIFICATE', fx.pki.praticien.certificates[0]!));
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', join(dir, 'cert.pem'), '-certpbe', 'NONE', '-passout', 'pass:Secret-2026!', '-out', join(dir, 'clear.p12')]);
    const r = await run(['doctor', '--identity', join(dir, 'clear.p12'), '--json'], { HOME: home, LANG: 'fr_FR.UTF-8' });
    expect(r.status).toBe(0);
    const id = checks(r).filter((c) => c.check === 'identity');
    expect(id.map((c) => c.status)).toEqual(['ok']);
    expect(id[0]!.message).toMatch(/CLAIRE DURAND \(signature\), valable jusqu’au .* \(lu sans le mot de passe\u00a0: non authentifié\)/);
  });

  it('a TSA that does not answer (closed port): an error with the later time-stamp command, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/tsa`;
    const r = await run(['doctor', '--tsa', url, '--json'], { HOME: home });
    expect(r.status).toBe(1);
    const tsa = checks(r).filter((c) => c.check === 'tsa');
    expect(tsa.map((c) => c.status)).toEqual(['error']);
    expect(tsa[0]!.message).toContain(url);
    expect(tsa[0]!.fix).toContain(`scelle timestamp FILE.p7s --tsa ${url}`);
    expect(tsa[0]!.message).toBe(`time-stamping authority ${url}: no answer (connection refused: nothing listens at this address)`);
    const fr = await run(['doctor', '--tsa', url], { HOME: home, LANG: 'fr_FR.UTF-8' });
    expect(fr.stdout).toContain(`autorité d’horodatage ${url}\u00a0: pas de réponse (connexion refusée\u00a0: rien n’écoute à cette adresse)`);
    expect(englishLines(fr.stdout)).toEqual([]);
    expect(checks(r).some((c) => c.check === 'tsa-trust')).toBe(false);
  });

  it('a TSA that answers but chains to no given root: its time-stamps would not be valid, exit 1', async () => {
    const other = await createDemoPki();
    const file = join(tmp.dir, 'other-root.pem');
    writeFileSync(file, formatPem('CERTIFICATE', other.root));
    const r = await run(['doctor', '--tsa', server.url, '--trust', file, '--json'], { HOME: home });
    expect(r.status).toBe(1);
    expect(statuses(r, 'tsa')).toEqual(['ok']);
    expect(statuses(r, 'tsa-trust')).toEqual(['error']);
  });

  it('the TSA without CRLs: answered, but its validity cannot be proven (warning), exit 0', async () => {
    const r = await run(['doctor', '--tsa', server.url, '--trust', join(pkiDir, 'trust.pem'), '--json'], { HOME: home });
    expect(r.status).toBe(0);
    expect(statuses(r, 'tsa-trust')).toEqual(['warning']);
    expect(checks(r).find((c) => c.check === 'tsa-trust')!.fix).toContain('--crl');
  });

  it('a card reader module without a card: a warning; a module that does not load: an error', async () => {
    const empty = createSoftHsm();
    try {
      const r = await run(['doctor', '--pkcs11', empty.module, '--json'], { HOME: home, SOFTHSM2_CONF: empty.conf });
      expect(r.status).toBe(0);
      expect(statuses(r, 'pkcs11')).toEqual(['ok']);
      expect(statuses(r, 'card')).toEqual(['warning']);
    } finally {
      empty.cleanup();
    }
    const bad = await run(['doctor', '--pkcs11', join(tmp.dir, 'no-such-module.so'), '--json'], { HOME: home });
    expect(bad.status).toBe(1);
    expect(statuses(bad, 'pkcs11')).toEqual(['error']);
  });

  it('no scheduler: a warning naming backup schedule; a timer installed but not enabled: a warning naming systemctl', async () => {
    const bare = join(tmp.dir, 'home-bare');
    mkdirSync(bare, { recursive: true });
    const r = await run(['doctor', '--config', cfg, '--json'], { HOME: bare });
    expect(r.status).toBe(0);
    const s = checks(r).find((c) => c.check === 'backup-schedule')!;
    expect(s.status).toBe('warning');
    expect(s.fix).toBe(`schedule them: scelle backup schedule --config ${cfg} --weekly`);
    const off = join(tmp.dir, 'home-off');
    const units = join(off, '.config', 'systemd', 'user');
    mkdirSync(units, { recursive: true });
    writeFileSync(join(units, 'scelle-backup-0badc0de.service'), `[Service]\nExecStart=/usr/bin/scelle backup run --config ${cfg}\n`);
    const r2 = await run(['doctor', '--config', cfg, '--json'], { HOME: off });
    const s2 = checks(r2).find((c) => c.check === 'backup-schedule')!;
    expect(s2.status).toBe('warning');
    expect(s2.fix).toBe('systemctl --user enable --now scelle-backup-0badc0de.timer');
  });

  it('backups found from ./scelle-backup.conf; a destination gone is an error; none configured is "not checked"', async () => {
    const none = await run(['doctor', '--json'], { HOME: home }, tmp.dir);
    expect(statuses(none, 'backup-config')).toEqual(['skipped']);
    const dir = join(tmp.dir, 'gone');
    mkdirSync(dir);
    writeFileSync(join(dir, 'scelle-backup.conf'), readFileSync(cfg, 'utf8').replace(/^disque = file:\/\/.*$/m, `disque = file://${dir}/nowhere/disque`));
    const r = await run(['doctor', '--json'], { HOME: home }, dir);
    expect(r.status).toBe(1);
    expect(statuses(r, 'backup-config')).toEqual(['ok']);
    const dests = checks(r).filter((c) => c.check === 'backup-destination');
    expect(dests.find((c) => c.params.name === 'disque')!.status).toBe('error');
  });

  it('--at plans ahead: 30 days on the last backup is too old (error naming backup run); 100 days on the restore test is late too', async () => {
    const now = await run(['doctor', '--config', cfg, '--json'], { HOME: home });
    expect(statuses(now, 'backup-last')).toEqual(['ok']);
    expect(checks(now).find((c) => c.check === 'backup-last')!.message).toMatch(/^last backup: .*, 0 days ago, on “(disque|usb1|distant)”$/);
    const month = await run(['doctor', '--config', cfg, '--at', new Date(Date.now() + 30 * DAY).toISOString(), '--json'], { HOME: home });
    expect(month.status).toBe(1);
    const last = checks(month).find((c) => c.check === 'backup-last')!;
    expect(last.status).toBe('error');
    expect(last.message).toMatch(/30 days ago \(at most 7 days allowed\)/);
    expect(last.fix).toBe(`back up now: scelle backup run --config ${cfg}`);
    expect(statuses(month, 'backup-drill')).toEqual(['ok']);
    const later = await run(['doctor', '--config', cfg, '--at', new Date(Date.now() + 100 * DAY).toISOString(), '--json'], { HOME: home });
    expect(statuses(later, 'backup-drill')).toEqual(['warning']);
    expect(checks(later).find((c) => c.check === 'backup-drill')!.fix).toBe(`run one: scelle backup drill --config ${cfg}`);
  });
});
