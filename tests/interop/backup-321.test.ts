/**
 * 3-2-1 end to end through the CLI: a local folder, a removable drive, a real OpenSSH sshd (SFTP)
 * and an S3 server on loopback. Status green; the drive unplugged and aged turns it red naming
 * offline-copy-too-old; restore from SFTP byte-identical; verify --no-key on S3.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { startSshd, type SshdFixture } from '../helpers/sshd.js';
import { startS3Server, type S3Fixture } from '../helpers/s3-server.js';
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
let sshd: SshdFixture;
let s3: S3Fixture;
let pki: DemoPki;

beforeAll(async () => {
  tmp = makeTempDir('scelle-321-');
  [sshd, s3, pki] = await Promise.all([startSshd(), startS3Server('sauvegardes'), createDemoPki()]);
  await writeDemoPki(pki, join(tmp.dir, 'pki'));
  writeFileSync(join(tmp.dir, 'pass'), `${PASS}\n`, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await sshd?.stop();
  await s3?.stop();
  tmp?.cleanup();
});

describe('backup 3-2-1 on local + removable + SFTP + S3', () => {
  it('run to the four, status green, unplug and age the drive → red, restore from SFTP, verify --no-key on S3', () => {
    const src = join(tmp.dir, 'dossiers');
    for (let i = 0; i < 60; i++) {
      mkdirSync(join(src, `patient-${i % 6}`), { recursive: true });
      writeFileSync(join(src, `patient-${i % 6}`, `doc-${i}.${i % 3 ? 'txt' : 'bin'}`), i % 3 ? 'compte rendu de consultation '.repeat(100 + i * 30) : randomBytes(20_000 + i * 1000));
    }
    mkdirSync(join(tmp.dir, 'usb1'));
    const cfg = join(tmp.dir, 'backup.conf');
    const env = { ...s3.env, SCELLE_PASSWORD: pki.praticien.password, HOME: tmp.dir };
    const targets = [
      `disque=file://${tmp.dir}/disque`,
      `usb1=usb://${tmp.dir}/usb1`,
      `nas=sftp://${sshd.user}@${sshd.host}:${sshd.port}${sshd.dir}/data/depot;key=${sshd.clientKey};host_key=${sshd.hostKeyFingerprint}`,
      `hds=s3://${s3.bucket}/cabinet?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}`,
    ];
    const init = scelle(['backup', 'init', '--config', cfg, '--source', src, ...targets.flatMap((t) => ['--target', t]), '--pass-file', join(tmp.dir, 'pass'),
      '--kdf-log-n', '12', '--identity', join(tmp.dir, 'pki', 'praticien.p12'), '--trust', join(tmp.dir, 'pki', 'trust.pem')], { env });
    expect(init.status, init.stderr).toBe(0);
    const run = scelle(['backup', 'run', '--config', cfg, '--json'], { env });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(result.targets.map((t: { name: string; status: string }) => `${t.name}:${t.status}`)).toEqual(['disque:written', 'usb1:written', 'nas:written', 'hds:written']);
    expect(scelle(['backup', 'drill', '--config', cfg, '--pass-file', join(tmp.dir, 'pass'), '--dest', 'hds'], { env }).status).toBe(0);
    const green = scelle(['backup', 'status', '--config', cfg, '--json'], { env });
    expect(green.json().broken).toEqual([]);
    expect(green.status).toBe(0);

    renameSync(join(tmp.dir, 'usb1'), join(tmp.dir, 'usb1-tiroir'));
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const red = scelle(['backup', 'status', '--config', cfg, '--at', later, '--json'], { env });
    expect(red.status).toBe(1);
    // 30 days later everything is old; the unplugged drive is named by the rotation rule
    expect(red.json().broken).toEqual(expect.arrayContaining(['offline-copy-too-old', 'backup-too-old']));
    expect(red.json().rules.find((r: { rule: string }) => r.rule === 'offline-copy-too-old').targets).toEqual(['usb1']);

    const out = join(tmp.dir, 'restaure');
    const rest = scelle(['backup', 'restore', '--config', cfg, '--dest', 'nas', '--to', out, '--pass-file', join(tmp.dir, 'pass')], { env });
    expect(rest.status, rest.stderr).toBe(0);
    expect(hashes(join(out, 'dossiers'))).toEqual(hashes(src));
    const nokey = scelle(['backup', 'verify', '--crl', join(tmp.dir, 'pki', 'crl.pem'), '--config', cfg, '--dest', 'hds', '--no-key', '--json'], { env: { ...s3.env, HOME: tmp.dir } });
    expect(nokey.status, nokey.stdout).toBe(0);
    expect(nokey.json().reports[0].signatures[0].ok).toBe(true);
  }, 180_000);
});
