/**
 * 3-2-1 end to end through the CLI: a local folder, a removable drive, a real OpenSSH sshd (SFTP)
 * and a real S3 engine (Ceph RGW) on loopback, the S3 copy immutable (Object Lock). Status green;
 * the drive unplugged and aged turns it red naming offline-copy-too-old; then the practice's
 * computer is gone — config, HOME and local state deleted — and the backups are restored from the
 * SFTP copy and from the S3 copy with the recovery kit alone, byte-identical.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers } from '../helpers/peers.js';
import { startSshd, type SshdFixture } from '../helpers/sshd.js';
import { RGW_PEERS, startS3Server, type S3Fixture } from '../helpers/s3-server.js';
import { createDemoPki, writeDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';

const PASS = 'Cabinet-Durand#2026!';
const ready = havePeers('ssh-keygen', '/usr/sbin/sshd', ...RGW_PEERS);

function hashes(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashes(p, base, out);
    else out.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

let tmp: { dir: string; cleanup: () => void };
let sshd: SshdFixture;
let s3: S3Fixture;
let pki: DemoPki;

beforeAll(async () => {
  if (!ready) return;
  tmp = makeTempDir('scelle-321-');
  [sshd, s3, pki] = await Promise.all([startSshd(), startS3Server('sauvegardes'), createDemoPki()]);
  await s3.createBucket('hds-immuable', { objectLock: true });
  await writeDemoPki(pki, join(tmp.dir, 'pki'));
  writeFileSync(join(tmp.dir, 'pass'), `${PASS}\n`, { mode: 0o600 });
  writeFileSync(join(tmp.dir, 'idpass'), `${pki.praticien.password}\n`, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await sshd?.stop();
  await s3?.stop();
  tmp?.cleanup();
});

describe.skipIf(!ready)('backup 3-2-1 on local + removable + SFTP + S3 (RGW, immutable)', () => {
  it('run to the four, status green, the drive unplugged and aged → red; the computer gone: restore from SFTP and from S3 with the kit alone', () => {
    const src = join(tmp.dir, 'dossiers');
    for (let i = 0; i < 60; i++) {
      mkdirSync(join(src, `patient-${i % 6}`), { recursive: true });
      writeFileSync(join(src, `patient-${i % 6}`, `doc-${i}.${i % 3 ? 'txt' : 'bin'}`), i % 3 ? 'compte rendu de consultation '.repeat(100 + i * 30) : randomBytes(20_000 + i * 1000));
    }
    mkdirSync(join(tmp.dir, 'usb1'));
    const cfg = join(tmp.dir, 'cabinet', 'backup.conf');
    mkdirSync(join(tmp.dir, 'cabinet'));
    const env = { ...s3.env, SCELLE_PASSWORD: pki.praticien.password, HOME: tmp.dir };
    const targets = [
      `disque=file://${tmp.dir}/disque`,
      `usb1=usb://${tmp.dir}/usb1`,
      `nas=sftp://${sshd.user}@${sshd.host}:${sshd.port}${sshd.dir}/data/depot;key=${sshd.clientKey};known_hosts=${sshd.knownHosts}`,
      `hds=s3://hds-immuable/cabinet?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region};lock=compliance,days=3`,
    ];
    const init = scelle(['backup', 'init', '--config', cfg, '--source', src, ...targets.flatMap((t) => ['--target', t]), '--pass-file', join(tmp.dir, 'pass'),
      '--kdf-log-n', '12', '--identity', join(tmp.dir, 'pki', 'praticien.p12'), '--identity-pass-file', join(tmp.dir, 'idpass'),
      '--trust', join(tmp.dir, 'pki', 'trust.pem'), '--crl', join(tmp.dir, 'pki', 'crl.pem')], { env });
    expect(init.status, init.stderr).toBe(0);
    // the kit pins the SSH server's host key it saw at init (a new computer has no known_hosts)
    const kit = readFileSync(`${cfg}.kit-recuperation.txt`, 'utf8');
    expect(kit).toContain(`host_key=${sshd.hostKeyFingerprint.replace(/=+$/, '')}`);
    const run = scelle(['backup', 'run', '--config', cfg, '--json'], { env });
    expect(run.status, run.stderr).toBe(0);
    const result = run.json();
    expect(result.destinations.map((t: { name: string; status: string }) => `${t.name}:${t.status}`)).toEqual(['disque:written', 'usb1:written', 'nas:written', 'hds:written']);
    expect(scelle(['backup', 'drill', '--config', cfg, '--pass-file', join(tmp.dir, 'pass'), '--dest', 'hds'], { env }).status).toBe(0);
    const green = scelle(['backup', 'status', '--config', cfg, '--json'], { env });
    expect(green.json().broken).toEqual([]);
    expect(green.status).toBe(0);

    renameSync(join(tmp.dir, 'usb1'), join(tmp.dir, 'usb1-tiroir'));
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const red = scelle(['backup', 'status', '--config', cfg, '--at', later, '--json'], { env });
    expect(red.status).toBe(1);
    expect(red.json().broken).toEqual(expect.arrayContaining(['offline-copy-too-old', 'backup-too-old']));
    expect(red.json().rules.find((r: { rule: string }) => r.rule === 'offline-copy-too-old').targets).toEqual(['usb1']);
    const nokey = scelle(['backup', 'verify', '--config', cfg, '--dest', 'hds', '--no-key', '--json'], { env: { ...s3.env, HOME: tmp.dir } });
    expect(nokey.status, nokey.stdout).toBe(0);
    expect(nokey.json().reports[0]).toMatchObject({ verdict: 'ok', signature: 'valid' });

    // the computer is gone: the config, its state, the kit files and HOME are deleted
    const home = join(tmp.dir, 'nouvel-ordinateur');
    mkdirSync(home);
    copyFileSync(`${cfg}.kit-recuperation.txt`, join(home, 'kit.txt'));
    rmSync(join(tmp.dir, 'cabinet'), { recursive: true });
    const bare = { PATH: process.env.PATH!, HOME: home, LANG: 'fr_FR.UTF-8' };
    const fromSftp = scelle(['backup', 'restore', '--from', 'nas', '--recovery-file', 'kit.txt', '--to', 'depuis-nas'], { env: bare, cwd: home });
    expect(fromSftp.status, fromSftp.stderr).toBe(0);
    // no revocation data on the new computer: restored, but the seal is not called checked
    expect(fromSftp.stdout).toMatch(/n’a pas pu être vérifié jusqu’au bout \(REVOCATION_UNAVAILABLE/);
    expect(hashes(join(home, 'depuis-nas', 'dossiers'))).toEqual(hashes(src));
    // the CA's current CRL, fetched from another computer: the seal is fully checked
    copyFileSync(join(tmp.dir, 'pki', 'crl.pem'), join(home, 'crl.pem'));
    const fromS3 = scelle(['backup', 'restore', '--from', 'hds', '--recovery-file', 'kit.txt', '--crl', 'crl.pem', '--to', 'depuis-hds'], { env: { ...bare, ...s3.env }, cwd: home });
    expect(fromS3.status, fromS3.stderr).toBe(0);
    expect(fromS3.stdout).toMatch(/sceau vérifié : signé par CN=/);
    expect(hashes(join(home, 'depuis-hds', 'dossiers'))).toEqual(hashes(src));
    expect(readdirSync(home).sort()).toEqual(['crl.pem', 'depuis-hds', 'depuis-nas', 'kit.txt']);
  }, 240_000);
});
