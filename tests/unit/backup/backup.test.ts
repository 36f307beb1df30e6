/** The backup library end to end on in-memory targets: chunking, keys, runs, seals, checks, restore, prune, status. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, statSync, utimesSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/tmp.js';
import { MemoryDestination } from './memory-destination.js';
import { Chunker, gearTable } from '../../../src/backup/chunker.js';
import { gunzipSync } from 'node:zlib';
import { compressChunk, compressChunkParts, decompressChunk } from '../../../src/backup/compress.js';
import { BOX_OVERHEAD, openBox, sealBoxInto } from '../../../src/backup/envelope.js';
import { initRepository, unlockRepository } from '../../../src/backup/repository.js';
import { loadIndex } from '../../../src/backup/repo-index.js';
import { packKey, encodeSealed } from '../../../src/backup/objects.js';
import { runBackup, type WriterRepository } from '../../../src/backup/run.js';
import { verifyRepository, verifyWithoutKey } from '../../../src/backup/check.js';
import { restoreSnapshot, drillRestore } from '../../../src/backup/restore.js';
import { listSnapshots, readSnapshot } from '../../../src/backup/snapshot.js';
import { pruneRepository } from '../../../src/backup/prune.js';
import { evaluateStatus, selectKept, DEFAULT_POLICY, type DestinationStatusInput } from '../../../src/backup/policy.js';
import { formatRecoveryKey, parseRecoveryKey, writeKeysOf } from '../../../src/backup/keys.js';
import { parseSeal, formatSeal, sealKey } from '../../../src/backup/seal.js';
import { parseBackupConfig, formatBackupConfig } from '../../../src/backup/config.js';
import { assertSafePath } from '../../../src/backup/snapshot.js';
import { newRunKey } from '../../../src/backup/envelope.js';
import { readState } from '../../../src/backup/state.js';
import { createDemoPki, type DemoPki } from '../../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, type Identity } from '../../../src/crypto/identity.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { parseCrls, type Crl } from '../../../src/crypto/x509/crl.js';
import { createTimeStampAuthority } from '../../../src/timestamp/tsa.js';
import { openSerialState } from '../../../src/timestamp/serial-state.js';
import { buildTimeStampReq } from '../../../src/timestamp/tsp.js';
import type { SealSigning } from '../../../src/backup/seal.js';

const PASS = 'Cabinet-Durand#2026!';
const SMALL = { min: 2048, avg: 8192, max: 32768 };

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function makeTree(dir: string, seed: number, files = 40): void {
  const r = rng(seed);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `patient-${String(i % 5).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    const n = 500 + Math.floor(r() * 40000);
    const text = i % 3 === 0;
    const data = text ? Buffer.from('consultation ordonnance suivi tension '.repeat(Math.ceil(n / 38)).slice(0, n)) : randomBytes(n);
    writeFileSync(join(sub, `doc-${i}.${text ? 'txt' : 'bin'}`), data);
  }
}

function treeHashes(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) treeHashes(p, base, out);
    else if (e.isFile()) out.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

let tmp: { dir: string; cleanup: () => void };
let pki: DemoPki;
let identity: Identity;
let signing: SealSigning;
let trust: X509Cert[];
let crls: Crl[];

beforeAll(async () => {
  tmp = makeTempDir('scelle-backup-unit-');
  pki = await createDemoPki();
  identity = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password, { name: 'praticien.p12' });
  const sel = selectCertificate(identity, 'sign');
  signing = { sign: { signer: sel.entry, chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) } };
  trust = [X509Cert.fromDer(pki.root)];
  crls = [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)];
});
afterAll(() => tmp.cleanup());

async function setup(name: string, targets: MemoryDestination[], opts: { certificates?: boolean } = {}) {
  const src = join(tmp.dir, name, 'src', 'dossiers');
  mkdirSync(src, { recursive: true });
  const init = await initRepository(targets, {
    passphrase: PASS, kdfLogN: 12, chunker: SMALL, packSize: 64 * 1024,
    ...(opts.certificates ? { certificates: [(() => { const c = X509Cert.fromDer(pki.praticien.certificates[pki.praticien.certificates.length > 1 ? 1 : 0]!); return { der: c.der, publicKey: c.publicKey, subject: c.subject }; })()] } : {}),
  });
  const repo: WriterRepository = { id: init.config.id, recipient: init.config.recipient, writeKey: init.master.writeKey };
  const stateDir = join(tmp.dir, name, 'state');
  return { init, repo, src, stateDir, root: join(tmp.dir, name) };
}

describe('chunker', () => {
  it('keeps boundaries after an insertion: most chunks are shared', () => {
    const ch = new Chunker(gearTable(randomBytes(32)), { min: 4096, avg: 16384, max: 65536 });
    const a = randomBytes(2_000_000);
    const b = Buffer.concat([a.subarray(0, 777_777), Buffer.from('inserted text'), a.subarray(777_777)]);
    const ids = (buf: Buffer): Set<string> => {
      const out = new Set<string>();
      let p = 0;
      for (const len of ch.split(buf)) {
        out.add(createHash('sha256').update(buf.subarray(p, p + len)).digest('hex'));
        p += len;
      }
      return out;
    };
    const ia = ids(a);
    const ib = ids(b);
    const shared = [...ib].filter((x) => ia.has(x)).length;
    expect(ia.size).toBeGreaterThan(40);
    expect(shared).toBeGreaterThanOrEqual(ib.size - 3);
  });

  it('cuts the same in WebAssembly (its read buffer) as in JavaScript', () => {
    const gear = gearTable(randomBytes(32));
    const text = Buffer.from('patient consultation ordonnance '.repeat(40_000));
    for (const params of [undefined, { min: 16, avg: 64, max: 256 }, { min: 64, avg: 64, max: 64 }, { min: 40, avg: 100, max: 1000 }]) {
      const js = new Chunker(gear, params);
      const wasm = new Chunker(gear, params);
      const data = Buffer.concat([randomBytes(3_000_000), text, randomBytes(50_000)]);
      const buf = wasm.readBuffer(data.length + 100);
      data.copy(buf, 13);
      const view = buf.subarray(13, 13 + data.length);
      expect(wasm.split(view)).toEqual(js.split(data));
      for (let k = 0; k < 40; k++) {
        const start = (k * 104_729) % 2_000_000;
        const end = start + ((k * 7_919) % 2_000_000);
        expect(wasm.cut(view, start, end, k % 2 === 0)).toBe(js.cut(data, start, end, k % 2 === 0));
      }
    }
  });

  it('respects min and max, and is fast', () => {
    const ch = new Chunker(gearTable(randomBytes(32)));
    const buf = randomBytes(48 * 1024 * 1024);
    const t = performance.now();
    const lens = ch.split(buf);
    const ms = performance.now() - t;
    expect(lens.reduce((a, b) => a + b, 0)).toBe(buf.length);
    for (const l of lens.slice(0, -1)) {
      expect(l).toBeGreaterThanOrEqual(512 * 1024);
      expect(l).toBeLessThanOrEqual(8 * 1024 * 1024);
    }
    const avg = buf.length / lens.length;
    expect(avg).toBeGreaterThan(600 * 1024);
    expect(avg).toBeLessThan(2 * 1024 * 1024);
    console.log(`chunker: ${(48 / (ms / 1000)).toFixed(0)} MiB/s, ${lens.length} chunks, average ${(avg / 1024).toFixed(0)} KiB`);
  });
});

describe('compression', () => {
  const key32 = randomBytes(32);

  it('compresses text, stores random data raw, and round-trips mixed data', () => {
    const text = Buffer.from('patient consultation ordonnance '.repeat(10000));
    const rnd = randomBytes(300_000);
    const t = compressChunk(text);
    expect(t.z).toBe(1);
    expect(t.data.length).toBeLessThan(text.length / 5);
    const r = compressChunk(rnd);
    expect(r.z).toBe(0);
    const mixed = Buffer.concat([text, rnd]);
    const m = compressChunk(mixed);
    expect(m.z).toBe(1);
    expect(Buffer.from(decompressChunk(m.data, m.z, mixed.length)).equals(mixed)).toBe(true);
  });

  it('stores the random half of a region whose two ends differ (text, then an embedded image)', () => {
    const text = Buffer.from('patient consultation ordonnance '.repeat(1250)); // 40 000 bytes
    const chunk = Buffer.concat([text, randomBytes(25_536)]); // one 64 KiB region
    const s = compressChunkParts(chunk);
    expect(s.z).toBe(1);
    // at most one 8 KiB piece of random bytes deflated with the text: the rest is stored, as views
    const stored = s.parts.filter((p) => p.buffer === chunk.buffer).reduce((a, p) => a + p.length, 0);
    expect(stored).toBeGreaterThanOrEqual(25_536 - 8192);
    expect(gunzipSync(Buffer.concat(s.parts)).equals(chunk)).toBe(true);
  });

  it('writes incompressible runs as stored deflate blocks any gunzip reads, without copying them', () => {
    const text = Buffer.from('patient consultation ordonnance '.repeat(4000));
    // stored runs of one region, of several blocks (65535 bytes at most each) and at the very end
    const mixed = Buffer.concat([randomBytes(65536), text, randomBytes(3 * 65536 + 7), text, randomBytes(131072)]);
    const s = compressChunkParts(mixed);
    expect(s.z).toBe(1);
    expect(s.parts.reduce((a, p) => a + p.length, 0)).toBe(s.size);
    // the random bytes are views of the chunk, not copies
    expect(s.parts.some((p) => p.buffer === mixed.buffer)).toBe(true);
    expect(gunzipSync(Buffer.concat(s.parts)).equals(mixed)).toBe(true);
    const box = Buffer.alloc(s.size + BOX_OVERHEAD + 10);
    const n = sealBoxInto(key32, s.parts, box, 10);
    expect(n).toBe(s.size + BOX_OVERHEAD);
    expect(Buffer.from(decompressChunk(openBox(key32, box.subarray(10, 10 + n), 'chunk'), 1, mixed.length)).equals(mixed)).toBe(true);
  });
});

describe('keys', () => {
  it('each key slot opens the repository: passphrase, recovery key, certificate', async () => {
    const t = new MemoryDestination('a');
    const { init } = await setup('slots', [t], { certificates: true });
    const byPass = await unlockRepository(t, { passphrase: PASS });
    expect(byPass.master.readKey.equals(init.master.readKey)).toBe(true);
    const byRecovery = await unlockRepository(t, { recoveryKey: parseRecoveryKey(formatRecoveryKey(init.recoveryKey).toLowerCase()) });
    expect(byRecovery.master.writeKey.equals(init.master.writeKey)).toBe(true);
    const ix = pki.praticien.certificates.length > 1 ? 1 : 0;
    const byCert = await unlockRepository(t, { privateKey: pki.praticien.keys[ix]!, certificate: pki.praticien.certificates[ix]! });
    expect(byCert.master.readKey.equals(init.master.readKey)).toBe(true);
    expect(byCert.slot).toMatch(/^cert-[0-9a-f]{16}$/);
  });

  it('a wrong passphrase gives WRONG_PASSWORD, a wrong recovery key WRONG_KEY, a typo the check group', async () => {
    const t = new MemoryDestination('a');
    const { init } = await setup('wrong', [t]);
    await expect(unlockRepository(t, { passphrase: 'Autre-Phrase#2026!' })).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    await expect(unlockRepository(t, { recoveryKey: randomBytes(32) })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    const printed = formatRecoveryKey(init.recoveryKey);
    const typo = `${printed[0] === 'A' ? 'B' : 'A'}${printed.slice(1)}`;
    expect(() => parseRecoveryKey(typo)).toThrow(expect.objectContaining({ code: 'WRONG_KEY' }));
  });

  it('the writer keys cannot open a snapshot (public-key sealing)', async () => {
    const t = new MemoryDestination('a');
    const { init, repo, src } = await setup('writer', [t]);
    makeTree(src, 1, 5);
    const r = await runBackup({ destinations: [t], repository: repo, sources: [src], workers: 0 });
    const fake = { readKey: randomBytes(32), writeKey: init.master.writeKey };
    await expect(readSnapshot(t, fake, r.snapshot, init.config)).rejects.toMatchObject({ code: 'OBJECT_CORRUPT' });
    expect(writeKeysOf(init.master).indexKey.length).toBe(32);
  });
});

describe('run, restore, dedup', () => {
  it('round trip: restore is byte-identical, mtimes kept; a second run stores nothing new', async () => {
    const a = new MemoryDestination('a');
    const b = new MemoryDestination('b', 'removable');
    const { repo, src, stateDir, root } = await setup('rt', [a, b]);
    makeTree(src, 2);
    utimesSync(join(src, 'patient-00', 'doc-0.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    symlinkSync('doc-0.txt', join(src, 'patient-00', 'lien'));
    const r1 = await runBackup({ destinations: [a, b], repository: repo, sources: [src], stateDir, workers: 0, seal: signing });
    expect(r1.destinations.map((t) => t.status)).toEqual(['written', 'written']);
    expect(r1.newPacks).toBeGreaterThan(3);
    const r2 = await runBackup({ destinations: [a, b], repository: repo, sources: [src], stateDir, workers: 0, seal: signing });
    expect(r2.newBytes).toBe(0);
    expect(r2.filesRead).toBe(0);
    expect(r2.newPacks).toBe(0);
    const { master } = await unlockRepository(b, { passphrase: PASS });
    const out = join(root, 'out');
    const rr = await restoreSnapshot(b, { master, to: out });
    expect(rr.problems).toEqual([]);
    expect(treeHashes(join(out, 'dossiers'))).toEqual(treeHashes(src));
    expect(statSync(join(out, 'dossiers', 'patient-00', 'doc-0.txt')).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(readdirSync(join(out, 'dossiers', 'patient-00'))).toContain('lien');
    expect((await listSnapshots(a)).snapshots.length).toBe(2);
    const st = await readState(stateDir);
    expect(st.destinations.b?.lastSnapshot).toBe(r2.snapshot);
    expect(st.destinations.b?.head?.sequence).toBe(2);
  });

  it('dedup across files and snapshots: a changed file stores only what changed', async () => {
    const a = new MemoryDestination('a');
    const { repo, src, stateDir } = await setup('dedup', [a]);
    const big = randomBytes(400_000);
    writeFileSync(join(src, 'one.bin'), big);
    writeFileSync(join(src, 'copy.bin'), big);
    const r1 = await runBackup({ destinations: [a], repository: repo, sources: [src], stateDir, workers: 0 });
    expect(r1.newBytes).toBe(400_000); // the copy is deduplicated
    writeFileSync(join(src, 'one.bin'), Buffer.concat([big.subarray(0, 200_000), Buffer.from('ajout'), big.subarray(200_000)]));
    const r2 = await runBackup({ destinations: [a], repository: repo, sources: [src], stateDir, workers: 0 });
    expect(r2.filesRead).toBe(1);
    expect(r2.newBytes).toBeGreaterThan(0);
    expect(r2.newBytes).toBeLessThan(100_000);
  });

  it('restore --path restores one patient folder; never overwrites without force; refuses unsafe paths', async () => {
    const a = new MemoryDestination('a');
    const { repo, src, root, init } = await setup('path', [a]);
    makeTree(src, 3, 20);
    await runBackup({ destinations: [a], repository: repo, sources: [src], workers: 0 });
    const out = join(root, 'one');
    const r = await restoreSnapshot(a, { master: init.master, to: out, path: 'dossiers/patient-03' });
    expect(readdirSync(join(out, 'dossiers'))).toEqual(['patient-03']);
    expect(r.files).toBe(4);
    await expect(restoreSnapshot(a, { master: init.master, to: out })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    const again = await restoreSnapshot(a, { master: init.master, to: out, force: true });
    expect(again.files).toBe(20);
    await expect(restoreSnapshot(a, { master: init.master, to: join(root, 'none'), path: 'dossiers/absent' })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    for (const p of ['../evil', '/etc/passwd', 'a/../../b', 'a//b', 'C:/x', 'a\\..\\b']) expect(() => assertSafePath(p)).toThrow(expect.objectContaining({ code: 'UNSAFE_PATH' }));
    // a tampered snapshot naming ../ is refused before anything is written
    const run = newRunKey(Buffer.from(init.config.recipient, 'hex'));
    const bad = encodeSealed('snapshot', run.key, run.ephPub, { scelle: 'backup-snapshot', version: 1, repository: init.config.id, time: new Date().toISOString(), host: 'x', sources: [], packs: [], indexes: [], entries: [{ path: '../evil.txt', type: 'file', mode: 0o644, mtime: 0, size: 0, sha256: createHash('sha256').digest('hex'), chunks: [] }], totals: { files: 1, bytes: 0 } });
    const name = createHash('sha256').update(bad).digest('hex');
    await a.put(`snapshots/${name}`, bad);
    const previous = createHash('sha256').update(a.objects.get(sealKey(1))!).digest('hex');
    await a.put(sealKey(2), Buffer.from(formatSeal({ repository: init.config.id, destination: 'a', sequence: 2, previous, kind: 'snapshot', snapshot: name, time: new Date(Date.now() + 1000).toISOString(), host: 'x', files: 1, bytes: 0, sources: [], objects: [], removed: [], witnesses: [] })));
    await expect(restoreSnapshot(a, { master: init.master, to: join(root, 'evil') })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect(existsSync(join(root, 'evil.txt'))).toBe(false);
  });
});

describe('verify', () => {
  it('--read-data names a flipped byte (OBJECT_CORRUPT) and a deleted object (OBJECT_MISSING); --no-key too, without any key', async () => {
    const a = new MemoryDestination('a');
    const { repo, src, init } = await setup('verify', [a]);
    makeTree(src, 4, 30);
    await runBackup({ destinations: [a], repository: repo, sources: [src], workers: 0, seal: signing });
    const clean = await verifyRepository(a, { master: init.master, readData: true, trustAnchors: trust, crls });
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(true);
    const nk = await verifyWithoutKey(a, { trustAnchors: trust, crls });
    expect(nk.ok).toBe(true);
    expect(nk.signatures[0]?.ok).toBe(true);
    const packs = [...a.objects.keys()].filter((k) => k.startsWith('data/')).sort();
    const flipped = packs[1]!;
    const deleted = packs[2]!;
    const bytes = a.objects.get(flipped)!;
    bytes[bytes.length - 40]! ^= 0x01;
    a.objects.delete(deleted);
    const bad = await verifyRepository(a, { master: init.master, readData: true });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ code: 'OBJECT_CORRUPT', object: flipped }),
      expect.objectContaining({ code: 'OBJECT_MISSING', object: deleted }),
    ]));
    const structure = await verifyRepository(a, { master: init.master });
    expect(structure.problems.map((p) => p.object)).toContain(deleted);
    const nk2 = await verifyWithoutKey(a, { trustAnchors: trust, crls });
    expect(nk2.ok).toBe(false);
    expect(nk2.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ code: 'OBJECT_CORRUPT', object: flipped }),
      expect.objectContaining({ code: 'OBJECT_MISSING', object: deleted }),
    ]));
  });

  it('--no-key refuses a tampered seal, and checks the seal time-stamp', async () => {
    const a = new MemoryDestination('a');
    const { repo, src } = await setup('seal', [a]);
    makeTree(src, 5, 6);
    const tsaId = loadPkcs12Identity(pki.tsa.p12, pki.tsa.password, { name: 'tsa.p12' });
    const tsa = createTimeStampAuthority({ signer: selectCertificate(tsaId, 'tsa').entry, chain: tsaId.certificates.filter((c) => c.basicConstraints?.ca === true), state: await openSerialState(join(tmp.dir, 'tsa-state')) });
    const r = await runBackup({ destinations: [a], repository: repo, sources: [src], workers: 0, seal: { ...signing, timestamp: async (hash, imprint) => tsa.respond(buildTimeStampReq({ hash, imprint, certReq: true })) } });
    expect(r.seal.timestamped).toBe(true);
    const ok = await verifyWithoutKey(a, { trustAnchors: trust, crls });
    expect(ok.problems).toEqual([]);
    expect(ok.signatures[0]?.timestamp).toBeDefined();
    const key = sealKey(1);
    const text = Buffer.from(a.objects.get(key)!).toString('utf8').replace(/^files (\d+)$/m, (_m, n: string) => `files ${Number(n) + 1}`);
    a.objects.set(key, Buffer.from(text));
    const bad = await verifyWithoutKey(a, { trustAnchors: trust, crls });
    expect(bad.problems).toEqual([expect.objectContaining({ code: 'SEAL_INVALID' })]);
    expect(parseSeal(Buffer.from(text)).files).toBeGreaterThan(0);
  });
});

describe('multi-target, prune', () => {
  it('an offline target is skipped, then caught up on the next run', async () => {
    const a = new MemoryDestination('a');
    const usb = new MemoryDestination('usb', 'removable');
    const { repo, src, init } = await setup('catchup', [a, usb]);
    makeTree(src, 6, 10);
    usb.online = false;
    const r1 = await runBackup({ destinations: [a, usb], repository: repo, sources: [src], workers: 0 });
    expect(r1.destinations.find((t) => t.name === 'usb')?.status).toBe('offline');
    usb.online = true;
    const r2 = await runBackup({ destinations: [a, usb], repository: repo, sources: [src], workers: 0 });
    // the run's snapshot on the returning drive references the packs run 1 wrote elsewhere: copied
    expect(r2.destinations.find((t) => t.name === 'usb')?.caughtUp).toBeGreaterThan(0);
    const packsOnA = [...a.objects.keys()].filter((k) => k.startsWith('data/')).sort();
    expect([...usb.objects.keys()].filter((k) => k.startsWith('data/')).sort()).toEqual(packsOnA);
    const v = await verifyRepository(usb, { master: init.master, readData: true, repository: init.config.id, destination: 'usb' });
    expect(v.problems).toEqual([]);
    expect(v.verdict).toBe('unsigned');
    expect(v.snapshots).toBe(1); // each destination keeps its own history
  });

  it('prune keeps what the policy keeps and every object a kept snapshot references', async () => {
    const a = new MemoryDestination('a');
    const { repo, src, init, root } = await setup('prune', [a]);
    let day = Date.parse('2026-01-05T10:00:00Z');
    const clock = (): Date => new Date(day);
    for (let w = 0; w < 8; w++) {
      writeFileSync(join(src, `week-${w}.bin`), randomBytes(50_000));
      if (w > 0) writeFileSync(join(src, `week-${w - 1}.bin`), randomBytes(50_000)); // churn: old data becomes garbage
      await runBackup({ destinations: [a], repository: repo, sources: [src], workers: 0, clock });
      day += 7 * 86_400_000;
    }
    const before = [...a.objects.keys()].filter((k) => k.startsWith('data/')).length;
    const r = await pruneRepository(a, { master: init.master, policy: { ...DEFAULT_POLICY, keepWeekly: 3, keepMonthly: 1, keepYearly: 1 } });
    expect(r.removed.length).toBeGreaterThan(0);
    expect(r.packsDeleted).toBeGreaterThan(0);
    expect([...a.objects.keys()].filter((k) => k.startsWith('data/')).length).toBe(before - r.packsDeleted);
    const check = await verifyRepository(a, { master: init.master, readData: true });
    expect(check.problems).toEqual([]);
    expect((await listSnapshots(a)).snapshots.length).toBe(r.kept.length);
    // prune recorded what it removed: the chain of seals still checks without any key
    const nk = await verifyWithoutKey(a, { repository: init.config.id, destination: 'a' });
    expect(nk.problems).toEqual([]);
    expect(nk.seals).toBeLessThan(9);
    const out = join(root, 'after-prune');
    const rr = await restoreSnapshot(a, { master: init.master, to: out });
    expect(rr.problems).toEqual([]);
    // the writer no longer deduplicates against deleted packs
    const idx = await loadIndex(a, writeKeysOf(init.master).indexKey);
    for (const p of idx.packs.keys()) expect(a.objects.has(packKey(p))).toBe(true);
  });

  it('selectKept keeps the newest of each week, month and year', () => {
    const snaps = Array.from({ length: 60 }, (_, i) => ({ snapshot: `s${i}`, time: new Date(Date.UTC(2025, 0, 1) + i * 7 * 86_400_000).toISOString() }));
    const kept = selectKept(snaps, { ...DEFAULT_POLICY, keepWeekly: 4, keepMonthly: 12, keepYearly: 20 });
    expect(kept.has('s59')).toBe(true);
    expect(kept.has('s0')).toBe(false); // its year has a newer snapshot
    expect(kept.size).toBeGreaterThanOrEqual(12);
    expect(kept.size).toBeLessThanOrEqual(4 + 12 + 2);
  });
});

describe('status rules', () => {
  const at = new Date('2026-11-23T12:00:00Z');
  const ago = (days: number): string => new Date(at.getTime() - days * 86_400_000).toISOString();
  const green: DestinationStatusInput[] = [
    { name: 'disque', url: 'file:///d', media: 'disk', offline: false, offsite: false, online: true, lastSnapshotTime: ago(1) },
    { name: 'usb1', url: 'usb:///u', media: 'removable', offline: true, offsite: false, online: false, lastSnapshotTime: ago(6) },
    { name: 'hds', url: 's3://b', media: 'cloud', offline: false, offsite: true, online: true, lastSnapshotTime: ago(1) },
  ];
  it('green when every rule holds', () => {
    const r = evaluateStatus({ destinations: green, policy: DEFAULT_POLICY, lastDrill: ago(30), at });
    expect(r.broken).toEqual([]);
    expect(r.ok).toBe(true);
  });
  it.each([
    ['too-few-copies', green.slice(0, 1), ago(30)],
    ['one-media-kind', green.map((t) => ({ ...t, media: 'disk' as const })), ago(30)],
    ['no-offline-copy', green.map((t) => ({ ...t, offline: false })), ago(30)],
    ['offline-copy-too-old', green.map((t) => (t.name === 'usb1' ? { ...t, lastSnapshotTime: ago(35) } : t)), ago(30)],
    ['no-offsite-copy', green.map((t) => ({ ...t, offsite: false })), ago(30)],
    ['backup-too-old', green.map((t) => ({ ...t, lastSnapshotTime: ago(9) })), ago(30)],
    ['no-drill-in-3-months', green, ago(100)],
  ] as const)('names %s', (rule, targets, drill) => {
    const r = evaluateStatus({ destinations: [...targets], policy: DEFAULT_POLICY, lastDrill: drill, at });
    expect(r.broken).toContain(rule);
    if (rule === 'offline-copy-too-old') expect(r.rules.find((x) => x.rule === rule)?.targets).toEqual(['usb1']);
  });
});

describe('config and drill', () => {
  it('the commented config round-trips and bad lines are named', () => {
    const cfg = parseBackupConfig(formatBackupConfig({
      repository: { id: 'a'.repeat(32), recipient: 'b'.repeat(64), writeKey: 'c'.repeat(64) }, sources: ['/data/dossiers'], destinations: ['usb1=usb:///media/usb1;offline=true'],
      policy: { ...DEFAULT_POLICY, keepMonthly: 24 }, seal: { identity: '/x/cabinet.p12', trust: ['/x/root.pem'] },
    }, new Date()));
    expect(cfg.policy.keepMonthly).toBe(24);
    expect(cfg.destinations).toEqual(['usb1=usb:///media/usb1;offline=true']);
    expect(cfg.repository.writeKey).toBe('c'.repeat(64));
    expect(() => parseBackupConfig('[depot]\nid = x\n', 'c.conf')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('c.conf:2') }));
  });

  it('drill restores, compares and records the date', async () => {
    const a = new MemoryDestination('a');
    const { repo, src, init, stateDir } = await setup('drill', [a]);
    makeTree(src, 7, 8);
    await runBackup({ destinations: [a], repository: repo, sources: [src], workers: 0, stateDir });
    const r = await drillRestore(a, { master: init.master, stateDir, clock: () => new Date('2026-11-23T00:00:00Z') });
    expect(r.ok).toBe(true);
    expect(r.files).toBe(8);
    expect((await readState(stateDir)).lastDrill?.time).toBe('2026-11-23T00:00:00.000Z');
  });
});
