/**
 * Immutable off-site copies on a real S3 engine (Ceph RGW, S3 Object Lock in COMPLIANCE mode), as
 * a practice would run them: the machine's credentials may write and read but not delete (a bucket
 * policy), every object is locked N days. What ransomware holding those credentials can do —
 * overwrite and try to delete — fails or is undone: restore still works, repair puts it right.
 * prune leaves locked objects alone. Two machines starting a run together never overwrite an object.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, cpSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { scelle, BIN } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers } from '../helpers/peers.js';
import { RGW_PEERS, startS3Server, type S3Credentials, type S3Fixture } from '../helpers/s3-server.js';
import { parseVersionsPage } from '../../src/backup/destination/s3-xml.js';

const PASS = 'Cabinet-Durand#2026!';
const ready = havePeers(...RGW_PEERS);

function hashes(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashes(p, base, out);
    else out.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

let tmp: { dir: string; cleanup: () => void };
let s3: S3Fixture;
let machine: S3Credentials;

/** What the practice's machine may do on the bucket: everything but delete. */
function noDeletePolicy(bucket: string): string {
  const user = ['arn:aws:iam:::user/machine'];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: user }, Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:ListBucketVersions', 's3:GetObjectVersion', 's3:PutObjectRetention', 's3:GetObjectRetention', 's3:GetBucketObjectLockConfiguration'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      { Effect: 'Deny', Principal: { AWS: user }, Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  });
}

beforeAll(async () => {
  if (!ready) return;
  tmp = makeTempDir('scelle-immutable-');
  s3 = await startS3Server('unused');
  await s3.createBucket('immuable', { objectLock: true });
  machine = await s3.createUser('machine');
  const p = await s3.request('PUT', '/immuable?policy', { body: noDeletePolicy('immuable') });
  expect(p.status).toBe(204);
  writeFileSync(join(tmp.dir, 'pass'), `${PASS}\n`, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await s3?.stop();
  tmp?.cleanup();
});

/** Every version of every key under `prefix` (delete markers included). */
async function versions(prefix: string): Promise<Map<string, number>> {
  const r = await s3.request('GET', `/immuable?versions&prefix=${encodeURIComponent(prefix)}`);
  const out = new Map<string, number>();
  for (const e of parseVersionsPage(await r.text()).entries) out.set(e.key, (out.get(e.key) ?? 0) + 1);
  return out;
}

describe.skipIf(!ready)('immutable S3 copy (RGW Object Lock, credentials without delete right)', () => {
  it('objects locked N days, ransomware with the machine\'s keys cannot destroy them, restore works, repair puts right, prune leaves locks alone', async () => {
    const root = join(tmp.dir, 'cabinet');
    const src = join(root, 'dossiers');
    mkdirSync(src, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(src, `courrier-${i}.txt`), i % 2 ? randomBytes(30_000) : `consultation ${i} `.repeat(500));
    const cfg = join(root, 'cabinet.conf');
    const env = { AWS_ACCESS_KEY_ID: machine.accessKeyId, AWS_SECRET_ACCESS_KEY: machine.secretAccessKey };
    const hds = `hds=s3://immuable/cabinet?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region};lock=compliance,days=3`;
    const init = scelle(['backup', 'init', '--config', cfg, '--source', src, '--target', `disque=file://${root}/disque`, '--target', hds, '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12'], { env });
    expect(init.status, init.stderr).toBe(0);
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(src, `semaine-${i}.txt`), randomBytes(10_000));
      const run = scelle(['backup', 'run', '--config', cfg], { env });
      expect(run.status, run.stderr).toBe(0);
    }
    // every object but the released lock files is locked about 3 days
    const clean = scelle(['backup', 'verify', '--config', cfg, '--dest', 'hds', '--no-key', '--json'], { env });
    expect(clean.status, clean.stdout).toBe(0);
    {
      const keys = [...(await versions('cabinet/')).keys()].filter((k) => !k.startsWith('cabinet/locks/'));
      expect(keys.length).toBeGreaterThan(10);
      for (const k of keys.filter((x) => /\/(data|seals|snapshots|keys)\/|\/config$/.test(x))) {
        const h = await s3.request('HEAD', `/immuable/${k}`, { as: machine });
        expect(h.headers.get('x-amz-object-lock-mode'), k).toBe('COMPLIANCE');
        expect(Date.parse(h.headers.get('x-amz-object-lock-retain-until-date')!) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
      }
      // ransomware with the machine's keys: deleting is refused, overwriting only adds a version
      const pack = keys.find((k) => k.includes('/data/'))!;
      expect((await s3.request('DELETE', `/immuable/${pack}`, { as: machine })).status).toBe(403);
      const [v] = parseVersionsPage(await (await s3.request('GET', `/immuable?versions&prefix=${encodeURIComponent(pack)}`, { as: machine })).text()).entries;
      expect((await s3.request('DELETE', `/immuable/${pack}?versionId=${encodeURIComponent(v!.id)}`, { as: machine })).status).toBe(403);
      expect((await s3.request('PUT', `/immuable/${pack}`, { body: randomBytes(1000), as: machine })).status).toBe(200);
      // the visible pack is garbage now; verify says so, restore reads the locked version
      const damaged = scelle(['backup', 'verify', '--config', cfg, '--dest', 'hds', '--read-data', '--pass-file', join(tmp.dir, 'pass'), '--json'], { env });
      expect(damaged.status).toBe(4);
      expect(damaged.json().reports[0].problems.map((p: { object: string }) => p.object)).toContain(pack.replace('cabinet/', ''));
      const out = join(root, 'restauration');
      const rest = scelle(['backup', 'restore', '--config', cfg, '--dest', 'hds', '--to', out, '--pass-file', join(tmp.dir, 'pass')], { env });
      expect(rest.status, rest.stderr).toBe(0);
      expect(hashes(join(out, 'dossiers'))).toEqual(hashes(src));
      // repair puts the sound version back on top (a new version; nothing deleted)
      const rep = scelle(['backup', 'repair', '--config', cfg, '--dest', 'hds'], { env });
      expect(rep.status, rep.stdout).toBe(0);
      expect(rep.stdout).toContain(pack.replace('cabinet/', ''));
      expect(scelle(['backup', 'verify', '--config', cfg, '--dest', 'hds', '--read-data', '--pass-file', join(tmp.dir, 'pass')], { env }).status).toBe(0);
      // prune: the snapshots the policy drops are still locked: left alone, and said so
      writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/^hebdomadaires = \d+$/m, 'hebdomadaires = 1').replace(/^mensuelles = \d+$/m, 'mensuelles = 0').replace(/^annuelles = \d+$/m, 'annuelles = 0'));
      const before = await versions('cabinet/');
      const prune = scelle(['backup', 'prune', '--config', cfg, '--dest', 'hds', '--pass-file', join(tmp.dir, 'pass'), '--json'], { env });
      expect(prune.status, prune.stdout).toBe(0);
      const pr = prune.json().results[0];
      expect(pr.removed.length).toBe(2);
      expect(pr.lockedKept).toBeGreaterThan(0);
      const after = await versions('cabinet/');
      for (const [k, n] of before) if (!k.includes('/locks/')) expect(after.get(k), k).toBeGreaterThanOrEqual(n);
      const nk = scelle(['backup', 'verify', '--config', cfg, '--dest', 'hds', '--no-key', '--json'], { env });
      expect(nk.status, nk.stdout).toBe(0);
      expect(nk.json().reports[0].snapshots).toBe(1);
      expect(scelle(['backup', 'restore', '--config', cfg, '--dest', 'hds', '--to', join(root, 'apres-prune'), '--pass-file', join(tmp.dir, 'pass')], { env }).status).toBe(0);
    }
  }, 300_000);

  it('two machines starting a run together: one waits its turn (LOCKED), no object is ever written twice', async () => {
    const root = join(tmp.dir, 'deux');
    const src = join(root, 'dossiers');
    mkdirSync(src, { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, `f-${i}.bin`), randomBytes(50_000));
    const cfg = join(root, 'a.conf');
    const env = { AWS_ACCESS_KEY_ID: machine.accessKeyId, AWS_SECRET_ACCESS_KEY: machine.secretAccessKey };
    const hds = `hds=s3://immuable/deux?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region};lock=compliance,days=1`;
    expect(scelle(['backup', 'init', '--config', cfg, '--source', src, '--target', hds, '--pass-file', join(tmp.dir, 'pass'), '--kdf-log-n', '12'], { env }).status).toBe(0);
    // the second machine: the same config, its own local state
    const cfgB = join(root, 'b.conf');
    cpSync(cfg, cfgB);
    const start = (c: string): Promise<number> => new Promise((res) => {
      const child = spawn(process.execPath, [BIN, 'backup', 'run', '--config', c, '--workers', '1'], { env: { PATH: process.env.PATH, HOME: root, LANG: 'C.UTF-8', ...env }, stdio: 'ignore' });
      child.on('exit', (code) => res(code ?? -1));
    });
    const codes = await Promise.all([start(cfg), new Promise<number>((r) => setTimeout(() => void start(cfgB).then(r), 300))]);
    expect(codes.sort()).toContain(0);
    for (const c of codes) expect([0, 11]).toContain(c);
    const twice = [...(await versions('deux/'))].filter(([k, n]) => n > 1 && !k.startsWith('deux/locks/'));
    expect(twice).toEqual([]);
    // and the next run of the other machine completes on top
    expect(scelle(['backup', 'run', '--config', cfgB], { env }).status).toBe(0);
    expect([...(await versions('deux/'))].filter(([k, n]) => n > 1 && !k.startsWith('deux/locks/'))).toEqual([]);
    expect(scelle(['backup', 'verify', '--config', cfg, '--no-key'], { env }).status).toBe(0);
  }, 180_000);
});
