/**
 * `scelle backup …` through the real CLI: init → run → status → verify (with and without key) →
 * restore → drill; a removable drive unplugged and aged; SIGKILL at 20 random moments of a run;
 * and a stored object decrypted from the recovery key with openssl alone (docs: FORMAT).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, renameSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { scelle, BIN } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createDemoPki, writeDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';

const PASS = 'Cabinet-Durand#2026!';

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function hashes(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashes(p, base, out);
    else out.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

function makeDataset(dir: string, seed: number, files: number, maxSize: number): void {
  const r = lcg(seed);
  const words = 'patient consultation traitement ordonnance courrier confrère diagnostic suivi tension glycémie '.split(' ');
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'patients', String(i % 25).padStart(3, '0'));
    mkdirSync(sub, { recursive: true });
    const n = 1000 + Math.floor(r() * maxSize);
    if (i % 4 === 0) writeFileSync(join(sub, `scan-${seed}-${i}.dcm`), randomBytes(n));
    else {
      let s = '';
      while (s.length < n) s += `${words[Math.floor(r() * words.length)]} `;
      writeFileSync(join(sub, `courrier-${seed}-${i}.txt`), s.slice(0, n));
    }
  }
}

let tmp: { dir: string; cleanup: () => void };
let pki: DemoPki;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = makeTempDir('scelle-backup-cli-');
  pki = await createDemoPki();
  await writeDemoPki(pki, join(tmp.dir, 'pki'));
  writeFileSync(join(tmp.dir, 'pass'), `${PASS}\n`, { mode: 0o600 });
  // the p12 password unlocks the seal identity for `run`; the repository passphrase comes from --pass-file
  env = { SCELLE_PASSWORD: pki.praticien.password };
  writeFileSync(join(tmp.dir, 'idpass'), `${pki.praticien.password}\n`, { mode: 0o600 });
}, 120_000);
afterAll(() => tmp.cleanup());

function init(name: string, targets: string[], sources: string[], extra: string[] = []): string {
  const cfg = join(tmp.dir, name, 'backup.conf');
  mkdirSync(join(tmp.dir, name), { recursive: true });
  const r = scelle(['backup', 'init', '--config', cfg, ...sources.flatMap((s) => ['--source', s]), ...targets.flatMap((t) => ['--target', t]),
    '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12', '--identity', join(tmp.dir, 'pki', 'praticien.p12'), '--identity-pass-file', join(tmp.dir, 'idpass'),
    '--trust', join(tmp.dir, 'pki', 'trust.pem'), '--crl', join(tmp.dir, 'pki', 'crl.pem'), ...extra]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.status, r.stderr).toBe(0);
  return cfg;
}

describe('scelle backup (CLI)', () => {
  it('init → run → status green → verify → restore byte-identical; unplugged and aged drive turns status red', () => {
    const root = join(tmp.dir, 'green');
    const src = join(root, 'dossiers');
    makeDataset(src, 1, 120, 60_000);
    mkdirSync(join(root, 'usb1'), { recursive: true });
    const cfg = init('green', [`disque=file://${root}/disque`, `usb1=usb://${root}/usb1`, `distant=file://${root}/distant;offsite=true;media=network`], [src]);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toMatch(/^# scelle — configuration des sauvegardes/);
    expect(text).toContain('cle-ecriture = ');
    expect(readFileSync(`${cfg}.kit-recuperation.txt`, 'utf8')).toMatch(/sous pli fermé[\s\S]*([0-9A-F]{4}-){16}[0-9A-F]{4}/);

    const run = scelle(['backup', 'run', '--config', cfg, '--json'], { env });
    expect(run.status).toBe(0);
    // NDJSON progress events, then the envelope on the last line
    const env1 = run.envelope();
    expect(env1).toMatchObject({ schemaVersion: 1, ok: true, command: 'backup run', exitCode: 0 });
    expect(run.stdout.trim().split('\n').slice(0, -1).every((l) => typeof JSON.parse(l).type === 'string')).toBe(true);
    const result = run.json();
    expect(result.destinations.map((t: { status: string }) => t.status)).toEqual(['written', 'written', 'written']);
    expect(result.seal.signed).toBe(true);
    expect(scelle(['backup', 'drill', '--config', cfg, '--pass-file', join(tmp.dir, 'pass')]).status).toBe(0);

    const status = scelle(['backup', 'status', '--config', cfg, '--json']);
    expect(status.json().broken).toEqual([]);
    expect(status.status).toBe(0);

    const ver = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', cfg, '--read-data', '--pass-file', join(tmp.dir, 'pass')]);
    expect(ver.status).toBe(0);
    expect(ver.stdout).toMatch(/usb1: ok, signed and checked \(all data read\)/);

    const out = join(root, 'restaure');
    const rest = scelle(['backup', 'restore', '--config', cfg, '--to', out, '--pass-file', join(tmp.dir, 'pass'), '--dest', 'usb1']);
    expect(rest.status).toBe(0);
    expect(hashes(join(out, 'dossiers'))).toEqual(hashes(src));
    const again = scelle(['backup', 'restore', '--config', cfg, '--to', out, '--pass-file', join(tmp.dir, 'pass')]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists and is not empty/);

    // unplug the drive (its folder loses the label) and look 5 weeks ahead
    renameSync(join(root, 'usb1'), join(root, 'usb1-unplugged'));
    makeDataset(join(src, 'semaine-2'), 9, 10, 40_000); // new letters while the drive is away
    mkdirSync(join(root, 'usb1'));
    const plain = scelle(['backup', 'run', '--config', cfg], { env });
    expect(plain.status).toBe(0);
    expect(plain.stderr).toMatch(/usb1.*not plugged in/);
    const later = new Date(Date.now() + 35 * 86_400_000).toISOString();
    const red = scelle(['backup', 'status', '--config', cfg, '--at', later, '--json']);
    expect(red.status).toBe(1);
    expect(red.json().broken).toContain('offline-copy-too-old');
    expect(red.json().rules.find((r: { rule: string }) => r.rule === 'offline-copy-too-old').targets).toEqual(['usb1']);
    const fr = scelle(['backup', 'status', '--config', cfg, '--at', later, '--lang', 'fr']);
    expect(fr.stdout).toMatch(/NON  offline-copy-too-old +la copie déconnectée usb1 date de 3\d jours/);
    expect(fr.stdout).toMatch(/prochaine sauvegarde à faire avant le \d\d\/\d\d\/\d{4}/);

    // plugged back: caught up
    rmSync(join(root, 'usb1'), { recursive: true });
    renameSync(join(root, 'usb1-unplugged'), join(root, 'usb1'));
    const back = scelle(['backup', 'run', '--config', cfg], { env });
    expect(back.stderr).toMatch(/usb1.*caught up/);
    expect(scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', cfg, '--dest', 'usb1', '--no-key']).status).toBe(0);
  }, 120_000);

  it('a wrong passphrase: verify, restore and drill say WRONG_PASSWORD (exit 12) though their keyless checks run while the key is derived; nothing restored', () => {
    const root = join(tmp.dir, 'wrong');
    const src = join(root, 'dossiers');
    makeDataset(src, 3, 20, 20_000);
    const cfg = init('wrong', [`disque=file://${root}/disque`], [src]);
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    writeFileSync(join(root, 'autre'), 'Autre-Phrase#2026!\n', { mode: 0o600 });
    const wrong = ['--config', cfg, '--pass-file', join(root, 'autre'), '--json'];
    for (const args of [['verify', '--read-data'], ['verify'], ['restore', '--to', join(root, 'restaure')], ['drill']]) {
      const r = scelle(['backup', ...args, ...wrong]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(12);
      expect(r.json().error.code, args.join(' ')).toBe('WRONG_PASSWORD');
      expect(r.stderr).not.toMatch(/Unhandled|at .*\.js:\d+/);
    }
    expect(existsSync(join(root, 'restaure'))).toBe(false);
    // and the right one still works
    expect(scelle(['backup', 'restore', '--config', cfg, '--to', join(root, 'restaure'), '--pass-file', join(tmp.dir, 'pass')]).status).toBe(0);
    expect(hashes(join(root, 'restaure', 'dossiers'))).toEqual(hashes(src));
  }, 120_000);

  it('verify --no-key passes with no key material present, and names a flipped byte', () => {
    const root = join(tmp.dir, 'nokey');
    const src = join(root, 'dossiers');
    makeDataset(src, 2, 30, 40_000);
    const cfg = init('nokey', [`disque=file://${root}/disque`], [src]);
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    // a verifier's copy of the config: no write key, no passphrase, no recovery kit, no identity
    const verifier = join(root, 'verifier.conf');
    writeFileSync(verifier, readFileSync(cfg, 'utf8').split('\n').filter((l) => !l.startsWith('cle-ecriture') && !l.startsWith('identite')).join('\n'));
    const clean = { PATH: process.env.PATH!, HOME: join(root, 'nohome') };
    const ok = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', verifier, '--no-key', '--json'], { env: clean });
    expect(ok.status).toBe(0);
    expect(ok.json().reports[0].signatures[0].ok).toBe(true);
    const packs = readdirSync(join(root, 'disque', 'data'), { recursive: true }).map(String).filter((p) => /[0-9a-f]{64}$/.test(p));
    const victim = join(root, 'disque', 'data', packs[0]!);
    const bytes = readFileSync(victim);
    bytes[100]! ^= 0x80;
    writeFileSync(victim, bytes);
    const bad = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', verifier, '--no-key', '--json'], { env: clean });
    expect(bad.status).toBe(4);
    expect(bad.json().reports[0].problems).toEqual([expect.objectContaining({ code: 'OBJECT_CORRUPT', object: `data/${packs[0]!}` })]);
    const wrong = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', cfg, '--read-data'], { env: { SCELLE_PASSWORD: 'Mauvaise-Phrase#2026' } });
    expect(wrong.status).toBe(12);
  }, 60_000);

  it('a stored object decrypts from the recovery key with openssl alone', () => {
    const root = join(tmp.dir, 'openssl');
    const src = join(root, 'dossiers');
    mkdirSync(src, { recursive: true });
    const letter = 'Cher confrère, je vous adresse Mme D. pour suivi de sa tension. '.repeat(200);
    writeFileSync(join(src, 'courrier.txt'), letter);
    const cfg = init('openssl', [`disque=file://${root}/disque`], [src]);
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    const repo = join(root, 'disque');
    const work = join(root, 'work');
    mkdirSync(work);
    const sh = (cmd: string): Buffer => execFileSync('bash', ['-c', cmd], { cwd: work });
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    // 1. the recovery key, as printed in the kit
    const kit = readFileSync(`${cfg}.kit-recuperation.txt`, 'utf8');
    const rk = /((?:[0-9A-F]{4}-){16})[0-9A-F]{4}/.exec(kit)![1]!.replace(/-/g, '').toLowerCase();
    // 2. the recovery slot key: HKDF-SHA256 (openssl kdf)
    const slot = JSON.parse(readFileSync(join(repo, 'keys', 'recovery'), 'utf8'));
    const slotKey = sh(`openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:${rk} -kdfopt hexsalt:${slot.kdf.salt} -kdfopt 'info:${slot.kdf.info}' -binary HKDF`);
    // 3. the master secret: AES-256-GCM = AES-256-CTR from nonce ‖ 00000002 (openssl enc)
    const ctr = (key: Buffer, box: Buffer, name: string): Buffer => {
      writeFileSync(join(work, name), box.subarray(12, box.length - 16));
      return sh(`openssl enc -d -aes-256-ctr -K ${hex(key)} -iv ${hex(box.subarray(0, 12))}00000002 -in ${name}`);
    };
    const master = ctr(slotKey, Buffer.from(slot.box, 'hex'), 'slot.ct');
    expect(master.length).toBe(64);
    const config = JSON.parse(readFileSync(join(repo, 'config'), 'utf8'));
    // 4. a data key: X25519 (openssl pkeyutl -derive) then HKDF (openssl kdf)
    writeFileSync(join(work, 'read.der'), Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), master.subarray(0, 32)]));
    const dataKey = (object: Buffer): Buffer => {
      const eph = object.subarray(8, 40);
      writeFileSync(join(work, 'eph.der'), Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), eph]));
      const shared = sh('openssl pkeyutl -derive -inkey read.der -keyform DER -peerkey eph.der -peerform DER');
      return sh(`openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:${hex(shared)} -kdfopt hexsalt:${hex(eph)}${config.recipient} -kdfopt 'info:scelle-backup v1 data key' -binary HKDF`);
    };
    // 5. the snapshot (openssl), gunzip, find the letter's chunk
    const sealText = readFileSync(join(repo, 'seals', '0000000001.seal'), 'utf8');
    const snapName = /^snapshot ([0-9a-f]{64})$/m.exec(sealText)![1]!;
    const snapObj = readFileSync(join(repo, 'snapshots', snapName));
    expect(snapObj.subarray(0, 8).toString('latin1')).toBe('SCELLES1');
    const snap = JSON.parse(gunzipSync(ctr(dataKey(snapObj), snapObj.subarray(40), 'snap.ct')).toString('utf8'));
    const entry = snap.entries.find((e: { path: string }) => e.path === 'dossiers/courrier.txt');
    const [, pi, offset, length, , z] = entry.chunks[0];
    const pack = snap.packs[pi];
    const packObj = readFileSync(join(repo, 'data', pack.slice(0, 2), pack));
    expect(sh(`sha256sum ${join(repo, 'data', pack.slice(0, 2), pack)}`).toString().slice(0, 64)).toBe(pack);
    // 6. the chunk: openssl enc, then gunzip (the standard gzip tool)
    const plain = ctr(dataKey(packObj), packObj.subarray(offset, offset + length), 'chunk.ct');
    expect(z).toBe(1);
    writeFileSync(join(work, 'chunk.gz'), plain);
    expect(sh('gunzip -c chunk.gz').toString('utf8')).toBe(letter);
  }, 60_000);

  it('SIGKILL at 20 random moments: after each kill the repository verifies and the next run completes', async () => {
    const root = join(tmp.dir, 'kill');
    const src = join(root, 'dossiers');
    makeDataset(src, 3, 200, 100_000);
    mkdirSync(join(root, 'usb'), { recursive: true });
    const cfg = init('kill', [`disque=file://${root}/disque`, `usb=usb://${root}/usb`], [src]);
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    // how long a run with a new lot takes here and now: the kills fall inside such a run, however
    // fast the machine (and scelle) is
    makeDataset(join(src, 'lot-mesure'), 99, 12, 200_000);
    const t0 = Date.now();
    expect(scelle(['backup', 'run', '--config', cfg], { env }).status).toBe(0);
    const span = Date.now() - t0;
    const r = lcg(20261123);
    const started = Date.now();
    let killedMidRun = 0;
    for (let i = 0; i < 20; i++) {
      makeDataset(join(src, `lot-${i}`), 100 + i, 12, 200_000); // new work for the run to be killed in
      const delay = 30 + Math.floor(r() * Math.max(100, span * 0.85 - 30));
      const child = spawn(process.execPath, [BIN, 'backup', 'run', '--config', cfg], { env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env }, stdio: 'ignore' });
      const exited = await new Promise<boolean>((res) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); res(false); }, delay);
        child.on('exit', () => { clearTimeout(t); res(true); });
      });
      if (!exited) {
        killedMidRun++;
        await new Promise((res) => child.on('close', res));
      }
      const v = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', cfg, '--read-data', '--pass-file', join(tmp.dir, 'pass')]);
      expect(v.status, `verify after kill ${i} (${delay} ms): ${v.stdout}${v.stderr}`).toBe(0);
      const next = scelle(['backup', 'run', '--config', cfg], { env });
      expect(next.status, `run after kill ${i}: ${next.stderr}`).toBe(0);
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(15);
    const out = join(root, 'out');
    expect(scelle(['backup', 'restore', '--config', cfg, '--to', out, '--pass-file', join(tmp.dir, 'pass')]).status).toBe(0);
    expect(hashes(join(out, 'dossiers'))).toEqual(hashes(src));
    expect(existsSync(join(`${cfg}.state`, 'lock'))).toBe(false);
    console.log(`kill test: ${killedMidRun}/20 runs killed mid-run, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 180_000);
});
