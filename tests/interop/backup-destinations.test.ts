/**
 * One conformance suite for every backup destination (src/backup/destination/destination.ts), run
 * against a local folder, a prepared removable drive, a real OpenSSH sshd and a real S3 engine
 * (Ceph RADOS Gateway) on loopback, in a plain bucket and in an Object Lock bucket; then what is
 * specific to each destination, and the URL parser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readVerified } from '../../src/backup/objects.js';
import { join } from 'node:path';
import { isScelleError, type ScelleError } from '../../src/errors.js';
import { initRemovable, openDestination, parseDestinationUrl, readDriveLabel, DRIVE_LABEL_FILE } from '../../src/backup/destination/index.js';
import type { Destination } from '../../src/backup/destination/destination.js';
import { havePeers } from '../helpers/peers.js';
import { freePort, startSshd, type SshdFixture } from '../helpers/sshd.js';
import { RGW_PEERS, startS3Server, type S3Fixture } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/tmp.js';

const haveSshd = havePeers('ssh-keygen', '/usr/sbin/sshd');
const haveRgw = havePeers(...RGW_PEERS);

/** Deterministic bytes (a different pattern per seed). */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function collect(t: Destination, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const o of t.list(prefix)) out.set(o.key, o.size);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isScelleError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

async function errorOf(p: Promise<unknown>): Promise<ScelleError> {
  try {
    await p;
  } catch (e) {
    if (isScelleError(e)) return e;
    throw e;
  }
  throw new Error('expected a ScelleError');
}

/** A kind of destination: `make()` opens a fresh, empty destination for one test. */
interface Kind {
  name: string;
  make(): Promise<Destination>;
  /** putIfAbsent is atomic (exactly one of racing writers wins). */
  atomicCreate: boolean;
  /** The server shows an object only once it is whole: never part of an overwrite or of an interrupted upload. */
  atomicPublish: boolean;
  /** Leaves `~tmp~` files when a write is interrupted (and so cleans them). */
  temps: boolean;
}

const tmp = makeTempDir('scelle-targets-');
let sshd: SshdFixture | undefined;
let s3: S3Fixture | undefined;
let counter = 0;
const opened: Destination[] = [];
const track = async (t: Promise<Destination>): Promise<Destination> => {
  const target = await t;
  opened.push(target);
  return target;
};

beforeAll(async () => {
  const [a, b] = await Promise.all([haveSshd ? startSshd() : Promise.resolve(undefined), haveRgw ? startS3Server() : Promise.resolve(undefined)]);
  sshd = a;
  s3 = b;
  await s3?.createBucket('scelle-lock', { objectLock: true });
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
  await sshd?.stop();
  await s3?.stop();
  tmp.cleanup();
});

const sftpSpec = (path: string, extra = ''): string => {
  const f = sshd as SshdFixture;
  return `nas=sftp://${f.user}@${f.host}:${f.port}${path};key=${f.clientKey};host_key=${f.hostKeyFingerprint}${extra}`;
};
const s3Spec = (prefix: string, extra = '', bucket?: string): string => {
  const f = s3 as S3Fixture;
  return `hds=s3://${bucket ?? f.bucket}/${prefix}?endpoint=${encodeURIComponent(f.endpoint)}&region=${f.region}${extra}`;
};
/** Opens a destination and creates it (as `backup init` does). */
const made = async (spec: string, context = {}): Promise<Destination> => {
  const d = await track(openDestination(spec, context));
  await d.create();
  return d;
};

const kinds: Kind[] = [
  {
    name: 'local',
    atomicCreate: true,
    atomicPublish: true,
    temps: true,
    make: () => made(`disk=file://${join(tmp.dir, `local-${++counter}`)}`),
  },
  {
    name: 'usb',
    atomicCreate: true,
    atomicPublish: true,
    temps: true,
    make: async () => {
      const dir = join(tmp.dir, `usb-${++counter}`);
      mkdirSync(dir);
      await initRemovable(dir, { name: `semaine-${counter}` });
      return track(openDestination(`usb1=usb://${dir}`));
    },
  },
  {
    name: 'sftp',
    atomicCreate: true,
    atomicPublish: true,
    temps: true,
    make: () => made(sftpSpec(`${(sshd as SshdFixture).dir}/data/t${++counter}`)),
  },
  {
    name: 's3',
    // RGW honours If-None-Match: * in an unversioned bucket: exactly one racing create wins.
    atomicCreate: true,
    atomicPublish: true,
    temps: false,
    make: () => made(s3Spec(`run-${++counter}`), { env: (s3 as S3Fixture).env }),
  },
  {
    name: 's3 with Object Lock',
    // In a versioned bucket RGW does not honour If-None-Match (a PUT adds a version): putIfAbsent
    // is HEAD-then-PUT there, and the repository lock keeps writers apart.
    atomicCreate: false,
    atomicPublish: true,
    temps: false,
    make: () => made(s3Spec(`run-${++counter}`, ';lock=compliance,days=1', 'scelle-lock'), { env: (s3 as S3Fixture).env }),
  },
].filter((k) => (k.name !== 'sftp' || haveSshd) && (!k.name.startsWith('s3') || haveRgw));

describe.each(kinds)('Destination conformance: $name', (kind) => {
  it('probes online, round-trips 0 B, 1 B and 5 MiB objects, and stats them', async () => {
    const t = await kind.make();
    expect(await t.probe()).toEqual({ online: true });
    const sizes = [0, 1, 5 * 1024 * 1024];
    for (const [i, n] of sizes.entries()) {
      const data = bytes(n, i + 7);
      await t.put(`data/${i}/obj-${n}`, data);
      expect(await t.stat(`data/${i}/obj-${n}`)).toEqual({ size: n });
      const back = await t.get(`data/${i}/obj-${n}`);
      expect(back.byteLength).toBe(n);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    }
    expect(await t.stat('data/absent')).toBeUndefined();
    expect(await t.stat('data/0')).toBeUndefined(); // a folder is not an object
  });

  it('overwrites atomically: the second put replaces the first', async () => {
    const t = await kind.make();
    await t.put('keys/passphrase', bytes(1000, 1));
    await t.put('keys/passphrase', bytes(10, 2));
    expect(Buffer.from(await t.get('keys/passphrase')).equals(Buffer.from(bytes(10, 2)))).toBe(true);
    expect(await t.stat('keys/passphrase')).toEqual({ size: 10 });
  });

  it('putIfAbsent creates once, then returns false and leaves the object untouched', async () => {
    const t = await kind.make();
    expect(await t.putIfAbsent('locks/lock-1', bytes(5, 1))).toBe(true);
    expect(await t.putIfAbsent('locks/lock-1', bytes(9, 2))).toBe(false);
    expect(Buffer.from(await t.get('locks/lock-1')).equals(Buffer.from(bytes(5, 1)))).toBe(true);
    const keys = await collect(t, 'locks/');
    expect([...keys.keys()]).toEqual(['locks/lock-1']);
  });

  it(`racing putIfAbsent: ${kind.atomicCreate ? 'exactly one writer wins' : 'at least one wins (best effort)'}, and the object is one writer's whole`, async () => {
    const t = await kind.make();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => t.putIfAbsent('locks/race', bytes(2048, i))));
    const winners = results.filter((r) => r).length;
    if (kind.atomicCreate) expect(winners).toBe(1);
    else expect(winners).toBeGreaterThanOrEqual(1);
    const got = Buffer.from(await t.get('locks/race'));
    expect([1, 2, 3, 4, 5].some((i) => got.equals(Buffer.from(bytes(2048, i))))).toBe(true);
  });

  it('lists by prefix, nested keys included, and nothing else', async () => {
    const t = await kind.make();
    const keys = ['data/aa/aa01', 'data/aa/aa02', 'data/ab/ab01', 'data/b/deep/er/x', 'snapshots/2026-11-23t07-00-00z', 'index/i1', 'config'];
    await Promise.all(keys.map((k, i) => t.put(k, bytes(i + 1, i))));
    const all = await collect(t, '');
    expect([...all.keys()].sort()).toEqual([...keys].sort());
    expect(all.get('data/ab/ab01')).toBe(3);
    expect([...(await collect(t, 'data/')).keys()].sort()).toEqual(['data/aa/aa01', 'data/aa/aa02', 'data/ab/ab01', 'data/b/deep/er/x']);
    expect([...(await collect(t, 'data/a')).keys()].sort()).toEqual(['data/aa/aa01', 'data/aa/aa02', 'data/ab/ab01']);
    expect([...(await collect(t, 'data/aa/aa0')).keys()].sort()).toEqual(['data/aa/aa01', 'data/aa/aa02']);
    expect([...(await collect(t, 'snap')).keys()]).toEqual(['snapshots/2026-11-23t07-00-00z']);
    expect((await collect(t, 'nothing/')).size).toBe(0);
  });

  it('deletes, and deleting a missing key is not an error; get of a missing key is OBJECT_MISSING', async () => {
    const t = await kind.make();
    await t.put('data/x/1', bytes(3));
    await t.delete('data/x/1');
    expect(await t.stat('data/x/1')).toBeUndefined();
    await t.delete('data/x/1');
    await t.delete('never/was/there');
    const e = await errorOf(t.get('data/x/1'));
    expect(e.code).toBe('OBJECT_MISSING');
    expect(e.params.object).toBe('data/x/1');
    expect(await codeOf(t.get('nowhere/at/all'))).toBe('OBJECT_MISSING');
  });

  it('refuses keys that could climb out of the destination', async () => {
    const t = await kind.make();
    for (const bad of ['../escape', 'a/../../b', '/abs', 'UPPER', 'a//b', '', 'x~tmp~1']) {
      expect(await codeOf(t.put(bad, bytes(1)))).toBe('TARGET_ERROR');
    }
  });

  it('concurrent puts of 24 objects in subfolders all land whole', async () => {
    const t = await kind.make();
    const keys = Array.from({ length: 24 }, (_, i) => `data/${(i % 6).toString(16).padStart(2, '0')}/obj${i}`);
    await Promise.all(keys.map((k, i) => t.put(k, bytes(20_000 + i, i))));
    const listed = await collect(t, 'data/');
    expect(listed.size).toBe(24);
    await Promise.all(keys.map(async (k, i) => {
      expect(Buffer.from(await t.get(k)).equals(Buffer.from(bytes(20_000 + i, i)))).toBe(true);
      expect(listed.get(k)).toBe(20_000 + i);
    }));
  });

  it(`${kind.atomicPublish ? 'readers never see a partial object while it is overwritten' : 'overwrites under load end with the last object whole'}, and list never shows temp files`, async () => {
    const t = await kind.make();
    const a = bytes(512 * 1024, 1);
    const b = bytes(512 * 1024, 2);
    await t.put('data/hot', a);
    let stop = false;
    const seen = new Set<string>();
    const reader = (async () => {
      let reads = 0;
      while (!stop || reads < 3) {
        if (kind.atomicPublish) {
          const got = Buffer.from(await t.get('data/hot'));
          expect(got.equals(Buffer.from(a)) || got.equals(Buffer.from(b))).toBe(true);
        }
        for await (const o of t.list('data/')) seen.add(o.key);
        reads++;
      }
    })();
    for (let i = 0; i < 6; i++) await t.put('data/hot', i % 2 === 0 ? b : a);
    stop = true;
    await reader;
    expect([...seen]).toEqual(['data/hot']);
    expect(Buffer.from(await t.get('data/hot')).equals(Buffer.from(a))).toBe(true);
  });

  it(`a put interrupted by close() settles${kind.atomicPublish ? ' and leaves no partial object' : ''}`, async () => {
    const t = await kind.make();
    const info = t.info;
    const big = bytes(5 * 1024 * 1024, 3);
    const pending = t.put('data/interrupted', big).then(() => 'done', (e: unknown) => (isScelleError(e) ? e.code : 'other'));
    await new Promise((r) => setTimeout(r, 5));
    await t.close();
    const outcome = await pending;
    expect(['done', 'TARGET_ERROR', 'TARGET_OFFLINE']).toContain(outcome);
    // A fresh connection to the same destination sees the whole object or nothing.
    if (!kind.atomicPublish) return;
    const again = await track(openDestination(rebuildSpec(kind.name, info.url), kind.name.startsWith('s3') ? { env: (s3 as S3Fixture).env } : {}));
    const st = await again.stat('data/interrupted');
    if (st !== undefined) {
      expect(st.size).toBe(big.byteLength);
      expect(Buffer.from(await again.get('data/interrupted')).equals(Buffer.from(big))).toBe(true);
    }
    const listed = await collect(again, '');
    expect([...listed.keys()].every((k) => k === 'data/interrupted')).toBe(true);
  });

  it('get refuses, unread, an object larger than the bound (OBJECT_TOO_LARGE)', async () => {
    const t = await kind.make();
    await t.put('seals/0000000001.seal', bytes(300_000, 4));
    const e = await errorOf(t.get('seals/0000000001.seal', { maxBytes: 1000 }));
    expect(e.code).toBe('OBJECT_TOO_LARGE');
    expect(e.params).toMatchObject({ object: 'seals/0000000001.seal', size: 300_000, max: 1000 });
    expect((await t.get('seals/0000000001.seal', { maxBytes: 300_000 })).byteLength).toBe(300_000);
  });

  it(`removeTemp ${kind.temps ? 'removes the temp files interrupted writes left, when old enough' : 'has nothing to remove: uploads are published whole or not at all'}`, async () => {
    const t = await kind.make();
    await t.put('data/ab/ab01', bytes(10));
    if (!kind.temps) {
      expect(await t.removeTemp(0, new Date())).toBe(0);
      return;
    }
    // the folder behind the destination is on this machine for every kind that leaves temps
    const root = kind.name === 'sftp' ? t.info.url.replace(/^sftp:\/\/[^/]*/, '') : t.info.url.replace(/^[a-z]+:\/\//, '');
    const old = join(root, 'data', 'ab', 'ab02~tmp~0123456789abcdef01234567');
    const young = join(root, 'data', 'ab', 'ab03~tmp~89abcdef0123456701234567');
    writeFileSync(old, 'left by a killed run');
    writeFileSync(young, 'being written now');
    utimesSync(old, new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000));
    expect(await t.removeTemp(3_600_000, new Date())).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect([...(await collect(t, '')).keys()]).toEqual(['data/ab/ab01']);
  });
});

describe('no write where the medium is absent', () => {
  it('file:// whose folder is gone (a share not mounted): probe offline, every write TARGET_OFFLINE, nothing created', async () => {
    const mount = join(tmp.dir, 'mnt-nas');
    mkdirSync(mount);
    const t = await track(openDestination(`nas=file://${mount}/scelle`));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(!p.online && p.reason).toMatch(/does not exist/);
    expect(await codeOf(t.put('data/ab/ab01', bytes(3)))).toBe('TARGET_OFFLINE');
    expect(await codeOf(t.putIfAbsent('config', bytes(3)))).toBe('TARGET_OFFLINE');
    expect(readdirSync(mount)).toEqual([]);
    // a folder that existed and vanished between two writes is not recreated either
    const d = await made(`disk=file://${join(tmp.dir, 'vanishing')}`);
    await d.put('data/aa/aa01', bytes(3));
    rmSync(join(tmp.dir, 'vanishing'), { recursive: true });
    expect(await codeOf(d.put('data/bb/bb01', bytes(3)))).toBe('TARGET_OFFLINE');
    expect(existsSync(join(tmp.dir, 'vanishing'))).toBe(false);
  });

  it.skipIf(!haveSshd)('sftp:// whose remote folder is gone: offline, nothing created on the server', async () => {
    const f = sshd as SshdFixture;
    const t = await track(openDestination(sftpSpec(`${f.dir}/data/never-created`)));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(await codeOf(t.put('data/ab/ab01', bytes(3)))).toBe('TARGET_OFFLINE');
    expect(existsSync(join(f.dir, 'data', 'never-created'))).toBe(false);
  });
});

/** The spec of an already-opened destination (its URL plus the test credentials). */
function rebuildSpec(kind: string, url: string): string {
  if (kind === 'sftp') return `nas=${url};key=${(sshd as SshdFixture).clientKey};host_key=${(sshd as SshdFixture).hostKeyFingerprint}`;
  if (kind === 'usb') return `usb1=${url}`;
  return `x=${url}`;
}

describe('removable drive (usb://)', () => {
  it('absent drive: probe is offline with a reason, and every method is TARGET_OFFLINE', async () => {
    const t = await track(openDestination(`usb2=usb://${join(tmp.dir, 'not-plugged')}`));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(!p.online && p.reason).toMatch(/not plugged/);
    const e = await errorOf(t.put('data/1', bytes(1)));
    expect(e.code).toBe('TARGET_OFFLINE');
    expect(e.params).toMatchObject({ target: 'usb2' });
    expect(String(e.params.detail)).toMatch(/not plugged/);
    expect(await codeOf(t.putIfAbsent('locks/x', bytes(1)))).toBe('TARGET_OFFLINE');
    expect(await codeOf(t.get('data/1'))).toBe('TARGET_OFFLINE');
    expect(await codeOf(t.stat('data/1'))).toBe('TARGET_OFFLINE');
    expect(await codeOf(t.delete('data/1'))).toBe('TARGET_OFFLINE');
    expect(await codeOf(collect(t, ''))).toBe('TARGET_OFFLINE');
  });

  it('a mount point without the label (drive not mounted) is offline and nothing is written there', async () => {
    const dir = join(tmp.dir, 'empty-mount-point');
    mkdirSync(dir);
    const t = await track(openDestination(`usb3=usb://${dir}`));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(!p.online && p.reason).toMatch(/\.scelle-drive/);
    expect(await codeOf(t.put('data/1', bytes(1)))).toBe('TARGET_OFFLINE');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes the label at init, reads it back, records lastWrite on close, and hides it from keys', async () => {
    const dir = join(tmp.dir, 'prepared');
    mkdirSync(dir);
    const now = new Date('2026-11-23T07:00:00Z');
    const label = await initRemovable(dir, { name: 'semaine-2' }, { now, id: 'drive-0002' });
    expect(label).toEqual({ id: 'drive-0002', name: 'semaine-2', created: '2026-11-23T07:00:00.000Z' });
    expect(await readDriveLabel(dir)).toEqual(label);
    // Preparing again keeps the drive's identity.
    expect(await initRemovable(dir, { name: 'other' })).toEqual(label);
    const written = new Date('2026-11-30T07:00:00Z');
    const t = await openDestination(`usb1=usb://${dir}`, { now: () => written });
    await t.put('data/1', bytes(4));
    expect([...(await collect(t, '')).keys()]).toEqual(['data/1']);
    expect(await codeOf(t.put(DRIVE_LABEL_FILE, bytes(1)))).toBe('TARGET_ERROR');
    expect(await codeOf(t.delete(DRIVE_LABEL_FILE))).toBe('TARGET_ERROR');
    await t.close();
    expect(await readDriveLabel(dir)).toEqual({ ...label, lastWrite: '2026-11-30T07:00:00.000Z' });
    // A drive unplugged after a backup: its label leaves with it.
    rmSync(join(dir, DRIVE_LABEL_FILE));
    const t2 = await track(openDestination(`usb1=usb://${dir}`));
    expect(await codeOf(t2.get('data/1'))).toBe('TARGET_OFFLINE');
  });

  it('a foreign label file is refused', async () => {
    const dir = join(tmp.dir, 'foreign');
    mkdirSync(dir);
    writeFileSync(join(dir, DRIVE_LABEL_FILE), '{"hello": 1}');
    expect(await codeOf(readDriveLabel(dir))).toBe('TARGET_ERROR');
    const p = await (await track(openDestination(`u=usb://${dir}`))).probe();
    expect(p.online).toBe(false);
  });
});

describe.skipIf(!haveSshd)('SFTP (real OpenSSH sshd)', () => {
  it('checks the host key against known_hosts too', async () => {
    const f = sshd as SshdFixture;
    const t = await made(`nas=sftp://${f.user}@${f.host}:${f.port}${f.dir}/data/kh;key=${f.clientKey};known_hosts=${f.knownHosts}`);
    await t.put('data/1', bytes(10));
    expect(await t.stat('data/1')).toEqual({ size: 10 });
  });

  it('refuses a server whose host key does not match the pinned fingerprint (TARGET_ERROR)', async () => {
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const t = await track(openDestination(sftpSpec(`${(sshd as SshdFixture).dir}/data/mitm`).replace(/host_key=[^;]*/, `host_key=${wrong}`)));
    const e = await errorOf(t.put('data/1', bytes(1)));
    expect(e.code).toBe('TARGET_ERROR');
    expect(e.message).toMatch(/host key refused/);
    expect(e.message).toContain((sshd as SshdFixture).hostKeyFingerprint.replace(/=+$/, ''));
    await expect(t.probe()).rejects.toMatchObject({ code: 'TARGET_ERROR' });
  });

  it('refuses a host missing from known_hosts, and a destination with no host key to check', async () => {
    const f = sshd as SshdFixture;
    const empty = join(tmp.dir, 'empty_known_hosts');
    writeFileSync(empty, `[127.0.0.1]:1 ${'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGR1bW15ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1'}\n`);
    const t = await track(openDestination(`nas=sftp://${f.user}@${f.host}:${f.port}/tmp/x;key=${f.clientKey};known_hosts=${empty}`));
    const e = await errorOf(t.stat('data/1'));
    expect(e.code).toBe('TARGET_ERROR');
    expect(e.message).toMatch(/not in known_hosts/);
    const none = await track(openDestination(`nas=sftp://${f.user}@${f.host}:${f.port}/tmp/x;key=${f.clientKey}`, { env: {} }));
    expect(await codeOf(none.stat('data/1'))).toBe('TARGET_ERROR');
  });

  it('a key the server does not accept is AUTH_FAILED, and the message holds no key material', async () => {
    const f = sshd as SshdFixture;
    const other = join(tmp.dir, 'other_key');
    const { runPeer } = await import('../helpers/peers.js');
    runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const t = await track(openDestination(sftpSpec(`${f.dir}/data/k`).replace(/key=[^;]*/, `key=${other}`)));
    const e = await errorOf(t.put('data/1', bytes(1)));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/refused the key/);
    expect(e.message).not.toMatch(/PRIVATE KEY|AAAA/);
  });

  it('a server that is down is TARGET_OFFLINE (probe says offline)', async () => {
    const f = sshd as SshdFixture;
    const port = await freePort();
    const t = await track(openDestination(`nas=sftp://${f.user}@127.0.0.1:${port}/tmp/x;key=${f.clientKey};host_key=${f.hostKeyFingerprint}`));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(!p.online && p.reason).toMatch(/ECONNREFUSED/);
    expect(await codeOf(t.put('data/1', bytes(1)))).toBe('TARGET_OFFLINE');
  });

  it('reconnects after the connection dropped', async () => {
    const f = sshd as SshdFixture;
    const t = await made(sftpSpec(`${f.dir}/data/reconnect`));
    await t.put('data/1', bytes(10));
    // Kill this client's session on the server side: its sshd child process.
    const internal = t as unknown as { session?: Promise<{ client: { end(): void } }> };
    (await internal.session)?.client.end();
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.stat('data/1')).toEqual({ size: 10 });
  });
});

describe.skipIf(!haveRgw)('S3 (Ceph RGW on loopback)', () => {
  it('paginates list beyond 1000 keys', async () => {
    const t = await track(openDestination(s3Spec('many'), { env: (s3 as S3Fixture).env }));
    const n = 1003;
    const keys = Array.from({ length: n }, (_, i) => `data/${(i % 16).toString(16)}/k${i.toString().padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 48) await Promise.all(keys.slice(i, i + 48).map((k) => t.put(k, bytes(1, 1))));
    const listed = await collect(t, 'data/');
    expect(listed.size).toBe(n);
    expect([...listed.keys()].sort()).toEqual([...keys].sort());
  }, 60_000);

  it('an unknown access key, and a wrong secret (SigV4 really checked), are AUTH_FAILED with no secret in the message', async () => {
    const f = s3 as S3Fixture;
    const unknown = await track(openDestination(s3Spec('denied'), { env: { AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: 'very-secret-value' } }));
    const e = await errorOf(unknown.put('data/1', bytes(1)));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/InvalidAccessKeyId/);
    expect(e.message).not.toContain('very-secret-value');
    expect(JSON.stringify(e.params)).not.toContain('very-secret-value');
    await expect(unknown.probe()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const wrongSecret = await track(openDestination(s3Spec('denied'), { env: { AWS_ACCESS_KEY_ID: f.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: `${f.credentials.secretAccessKey}x` } }));
    const w = await errorOf(wrongSecret.get('data/1'));
    expect(w.code).toBe('AUTH_FAILED');
    expect(w.message).toMatch(/SignatureDoesNotMatch/);
    expect(w.message).not.toContain(f.credentials.secretAccessKey);
  });

  it('lock=compliance on a bucket without Object Lock is refused at creation', async () => {
    const t = await track(openDestination(s3Spec('nolock', ';lock=compliance,days=3'), { env: (s3 as S3Fixture).env }));
    const e = await errorOf(t.create());
    expect(e.code).toBe('TARGET_ERROR');
    expect(e.message).toMatch(/Object Lock/);
  });

  it('Object Lock: every object locked N days; the same credentials cannot delete or shorten it; a deleted or overwritten object is read back from its locked version', async () => {
    const f = s3 as S3Fixture;
    const t = await made(s3Spec('locked', ';lock=compliance,days=2', 'scelle-lock'), { env: f.env });
    const r = t.retention!;
    expect(r.days).toBe(2);
    const data = bytes(70_000, 9);
    const name = createHash('sha256').update(data).digest('hex');
    const key = `data/${name.slice(0, 2)}/${name}`;
    expect(await t.putIfAbsent(key, data)).toBe(true);
    const until = (await r.lockedUntil(key))!.getTime();
    expect(Math.abs(until - (Date.now() + 2 * 86_400_000))).toBeLessThan(120_000);
    const [version] = await r.versions(key);
    const path = `/scelle-lock/locked/${key}`;
    // the account's own keys cannot delete the locked version…
    const del = await f.request('DELETE', `${path}?versionId=${encodeURIComponent(version!.id)}`);
    expect(del.status).toBe(403);
    expect(await del.text()).toMatch(/AccessDenied/);
    // …nor shorten its lock
    const shorter = `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>COMPLIANCE</Mode><RetainUntilDate>${new Date(Date.now() + 3_600_000).toISOString()}</RetainUntilDate></Retention>`;
    expect((await f.request('PUT', `${path}?retention&versionId=${encodeURIComponent(version!.id)}`, { body: shorter })).status).toBe(403);
    // scelle extends locks, never shortens them (COMPLIANCE refuses)
    await r.extend(key, new Date(Date.now() + 5 * 86_400_000));
    expect(Math.abs((await r.lockedUntil(key))!.getTime() - (Date.now() + 5 * 86_400_000))).toBeLessThan(120_000);
    await expect(r.extend(key, new Date(Date.now() + 86_400_000))).rejects.toMatchObject({ code: 'TARGET_ERROR' });
    // an attacker overwrites it, then deletes it (a delete marker): the locked version stays
    expect((await f.request('PUT', path, { body: 'ransomware was here' })).ok).toBe(true);
    expect((await readVerified(t, key)).version).toBe(version!.id);
    expect((await f.request('DELETE', path)).status).toBe(204);
    expect(await codeOf(t.get(key))).toBe('OBJECT_MISSING');
    const back = await readVerified(t, key);
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
  });

  it('a missing bucket is TARGET_ERROR naming the bucket', async () => {
    const f = s3 as S3Fixture;
    const t = await track(openDestination(`x=s3://no-such-bucket/p?endpoint=${encodeURIComponent(f.endpoint)}`, { env: f.env }));
    const e = await errorOf(t.get('data/1'));
    expect(e.code).toBe('TARGET_ERROR');
    expect(e.message).toMatch(/no-such-bucket does not exist/);
  });

  it('a server that is down is TARGET_OFFLINE (probe says offline)', async () => {
    const port = await freePort();
    const t = await track(openDestination(`x=s3://bucket1/p?endpoint=http://127.0.0.1:${port}`, { env: (s3 as S3Fixture).env }));
    const p = await t.probe();
    expect(p.online).toBe(false);
    expect(!p.online && p.reason).toMatch(/ECONNREFUSED/);
    expect(await codeOf(t.put('data/1', bytes(1)))).toBe('TARGET_OFFLINE');
    expect(await codeOf(t.get('data/1'))).toBe('TARGET_OFFLINE');
  });

  it('reads credentials from a credentials file (credentials=, profile=), and refuses to open without any', async () => {
    const f = s3 as S3Fixture;
    const file = join(tmp.dir, 'aws-credentials');
    writeFileSync(file, `[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n\n[scelle]\naws_access_key_id = ${f.credentials.accessKeyId}\naws_secret_access_key = ${f.credentials.secretAccessKey}\n`);
    const t = await track(openDestination(s3Spec('credfile', `;credentials=${file};profile=scelle`), { env: {} }));
    await t.put('data/1', bytes(2));
    expect(await t.stat('data/1')).toEqual({ size: 2 });
    expect(await codeOf(openDestination(s3Spec('nocred'), { env: {} }))).toBe('TARGET_ERROR');
  });
});

describe('parseDestinationUrl (CLI.md "Backups")', () => {
  it('file:///path is a disk', () => {
    expect(parseDestinationUrl('disk=file:///srv/sauvegardes')).toMatchObject({ name: 'disk', scheme: 'file', url: 'file:///srv/sauvegardes', path: '/srv/sauvegardes', media: 'disk', offsite: false, offline: false });
  });

  it('usb:///mount/path is removable and offline by default', () => {
    expect(parseDestinationUrl('usb:///mount/path')).toMatchObject({ name: 'usb', scheme: 'usb', path: '/mount/path', media: 'removable', offline: true, offsite: false });
  });

  it('sftp://user@host:port/path with ;options', () => {
    const t = parseDestinationUrl('offsite=sftp://u@h:22/p;offsite=true;key=/k');
    expect(t).toMatchObject({ name: 'offsite', scheme: 'sftp', config: { user: 'u', host: 'h', port: 22, key: '/k', hostKeys: [] }, path: '/p', media: 'network', offsite: true, offline: false, url: 'sftp://u@h:22/p' });
    expect(t.options).toEqual({ offsite: 'true', key: '/k' });
    expect(parseDestinationUrl('nas=sftp://backup@nas.cabinet.lan:2222/volume1/scelle')).toMatchObject({ config: { host: 'nas.cabinet.lan', port: 2222 }, path: '/volume1/scelle' });
    expect(parseDestinationUrl('nas=sftp://backup@nas/~/scelle')).toMatchObject({ config: { port: 22 }, path: 'scelle' });
  });

  it('s3://bucket/prefix?endpoint=URL&region=R is cloud and off-site', () => {
    const t = parseDestinationUrl('hds=s3://cabinet-durand/scelle/prod?endpoint=https://s3.fr-par.scw.cloud&region=fr-par;media=cloud');
    expect(t).toMatchObject({ name: 'hds', scheme: 's3', config: { bucket: 'cabinet-durand', prefix: 'scelle/prod' }, path: 'scelle/prod', media: 'cloud', offsite: true });
    expect(t.options).toMatchObject({ endpoint: 'https://s3.fr-par.scw.cloud', region: 'fr-par' });
    expect(t.url).toBe('s3://cabinet-durand/scelle/prod?endpoint=https%3A%2F%2Fs3.fr-par.scw.cloud&region=fr-par');
  });

  it('lock=compliance,days=N is an s3 option (immutable copies)', () => {
    expect(parseDestinationUrl('hds=s3://cabinet/p;lock=compliance,days=30')).toMatchObject({ config: { lock: { mode: 'compliance', days: 30 } } });
    for (const bad of ['x=s3://cabinet/p;lock=governance,days=30', 'x=s3://cabinet/p;lock=compliance', 'x=s3://cabinet/p;lock=compliance,days=0', 'x=file:///srv;lock=compliance,days=3']) {
      expect(() => parseDestinationUrl(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });

  it('media= and offline= override the defaults', () => {
    expect(parseDestinationUrl('nas=file:///mnt/nas;media=network;offsite=yes')).toMatchObject({ media: 'network', offsite: true, offline: false });
    expect(parseDestinationUrl('coffre=usb:///media/cle;offline=false')).toMatchObject({ offline: false });
  });

  it.each([
    ['no scheme', 'x=/srv/backup'],
    ['unknown scheme', 'x=ftp://h/p'],
    ['password in an sftp URL', 'x=sftp://u:hunter2@h/p'],
    ['secret as an option', 'x=s3://bucket/p;secret_access_key=abc'],
    ['unknown option', 'x=file:///srv;colour=blue'],
    ['usb with a host', 'x=usb://media/cle'],
    ['sftp without user', 'x=sftp://h/p'],
    ['sftp without folder', 'x=sftp://u@h:22/'],
    ['bad media', 'x=file:///srv;media=floppy'],
    ['bad flag', 'x=file:///srv;offsite=maybe'],
    ['bad name', 'a b=file:///srv'],
  ])('refuses %s (CONFIG_INVALID, no secret echoed)', (_what, spec) => {
    let err: unknown;
    try {
      parseDestinationUrl(spec);
    } catch (e) {
      err = e;
    }
    expect(isScelleError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).not.toContain('hunter2');
  });
});
