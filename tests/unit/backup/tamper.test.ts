/**
 * What keyless verification and status must catch (issue 12), each with its own code and naming
 * the copy: a wiped destination, a destination replaced by an older copy of itself, one seal
 * removed, a seal from another repository, a destination holding another repository (same
 * passphrase), two destinations swapped; seals signed by another practitioner under the same
 * root; unsigned seals and missing trust anchors never "ok"; hostile sizes; damaged key slots;
 * locks that keep prune away from a verify.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/tmp.js';
import { MemoryDestination } from './memory-destination.js';
import { initRepository, unlockRepository } from '../../../src/backup/repository.js';
import { runBackup, type WriterRepository } from '../../../src/backup/run.js';
import { verifyWithoutKey, verifyRepository } from '../../../src/backup/check.js';
import { restoreSnapshot } from '../../../src/backup/restore.js';
import { listSnapshots } from '../../../src/backup/snapshot.js';
import { pruneRepository } from '../../../src/backup/prune.js';
import { acquireLock } from '../../../src/backup/lock.js';
import { backupStatus } from '../../../src/backup/status.js';
import { DEFAULT_POLICY } from '../../../src/backup/policy.js';
import { sealKey } from '../../../src/backup/seal.js';
import { readState } from '../../../src/backup/state.js';
import { createDemoPki, type DemoPki } from '../../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate } from '../../../src/crypto/identity.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { parseCrls, type Crl } from '../../../src/crypto/x509/crl.js';
import type { SealSigning } from '../../../src/backup/seal.js';
import type { ConfiguredDestination } from '../../../src/backup/setup.js';
import type { BackupConfig } from '../../../src/backup/config.js';
import { parseDestinationUrl } from '../../../src/backup/destination/location.js';

const PASS = 'Cabinet-Durand#2026!';
const SMALL = { min: 2048, avg: 8192, max: 32768 };

let tmp: { dir: string; cleanup: () => void };
let pki: DemoPki;
let practitioner: SealSigning;
let colleague: SealSigning;
let trust: X509Cert[];
let crls: Crl[];
let signer: string;

function signingOf(p12: Uint8Array, password: string): { signing: SealSigning; subject: string } {
  const id = loadPkcs12Identity(p12, password, { name: 'id.p12' });
  const sel = selectCertificate(id, 'sign');
  return { signing: { sign: { signer: sel.entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) } }, subject: sel.entry.certificate.subject };
}

beforeAll(async () => {
  tmp = makeTempDir('scelle-tamper-');
  pki = await createDemoPki();
  const p = signingOf(pki.praticien.p12, pki.praticien.password);
  practitioner = p.signing;
  signer = p.subject;
  colleague = signingOf(pki.confrere.p12, pki.confrere.password).signing;
  trust = [X509Cert.fromDer(pki.root)];
  crls = [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)];
});
afterAll(() => tmp.cleanup());

let counter = 0;

/** A repository on `names` memory destinations with one source folder; `runs` signed runs. */
async function setup(names: string[], runs = 2, signing: SealSigning | false = practitioner) {
  const root = join(tmp.dir, `s${++counter}`);
  const src = join(root, 'dossiers');
  mkdirSync(src, { recursive: true });
  const dests = names.map((n) => new MemoryDestination(n));
  const init = await initRepository(dests, { passphrase: PASS, kdfLogN: 12, chunker: SMALL, packSize: 64 * 1024 });
  const repo: WriterRepository = { id: init.config.id, recipient: init.config.recipient, writeKey: init.master.writeKey };
  const stateDir = join(root, 'state');
  const run = async (only = dests): Promise<void> => {
    writeFileSync(join(src, `lettre-${randomBytes(4).toString('hex')}.txt`), randomBytes(20_000));
    await runBackup({ destinations: only, repository: repo, sources: [src], workers: 0, stateDir, ...(signing !== false ? { seal: signing } : {}) });
  };
  for (let i = 0; i < runs; i++) await run();
  return { dests, init, repo, stateDir, run, root };
}

/** A copy of a destination's objects (an "older copy of itself"). */
function snapshotOf(d: MemoryDestination): Map<string, Uint8Array> {
  return new Map([...d.objects].map(([k, v]) => [k, Uint8Array.from(v)]));
}

async function journal(stateDir: string, name: string) {
  const head = (await readState(stateDir)).destinations[name]?.head;
  return head ? [{ ...head, source: 'the local journal' }] : [];
}

const expect1 = (id: string, name: string) => ({ repository: id, destination: name, trustAnchors: trust, crls, expectedSigners: [signer] });

describe('keyless verification names each tampering', () => {
  it('a clean copy: ok, with its newest snapshot and date', async () => {
    const { dests, init } = await setup(['disque']);
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('ok');
    expect(r.ok).toBe(true);
    expect(r.head?.sequence).toBe(2);
    expect(r.newest?.snapshot).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(r.newest!.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a wiped destination: REPO_NOT_FOUND; an emptied one (config left): SNAPSHOT_NOT_FOUND', async () => {
    const { dests, init } = await setup(['disque', 'nas'], 1);
    dests[0]!.objects.clear();
    const wiped = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(wiped.verdict).toBe('negative');
    expect(wiped.problems.map((p) => p.code)).toEqual(['REPO_NOT_FOUND']);
    for (const k of [...dests[1]!.objects.keys()]) if (k !== 'config' && !k.startsWith('keys/')) dests[1]!.objects.delete(k);
    const empty = await verifyWithoutKey(dests[1]!, expect1(init.config.id, 'nas'));
    expect(empty.problems.map((p) => p.code)).toContain('SNAPSHOT_NOT_FOUND');
  });

  it('a destination replaced by an older copy of itself: ROLLBACK_DETECTED, from the journal, from another destination, and from --expect-after', async () => {
    const { dests, init, stateDir, run } = await setup(['disque', 'nas'], 1);
    const old = snapshotOf(dests[1]!);
    await run();
    const before = new Date();
    await run();
    dests[1]!.objects.clear();
    for (const [k, v] of old) dests[1]!.objects.set(k, v);
    // alone, with no outside knowledge, an older copy is consistent…
    expect((await verifyWithoutKey(dests[1]!, expect1(init.config.id, 'nas'))).verdict).toBe('ok');
    // …but this computer's journal knows better
    const byJournal = await verifyWithoutKey(dests[1]!, { ...expect1(init.config.id, 'nas'), known: await journal(stateDir, 'nas') });
    expect(byJournal.problems.map((p) => p.code)).toEqual(['ROLLBACK_DETECTED']);
    expect(byJournal.problems[0]!.message).toMatch(/"nas" is older than it was: its newest seal is 1.*saw seal 3/);
    // and so does the other destination's last seal (its witness of nas), with no local state at all
    const { readChain, witnessedHeads } = await import('../../../src/backup/chain.js');
    const disqueChain = await readChain(dests[0]!, { repository: init.config.id, destination: 'disque' });
    const byWitness = await verifyWithoutKey(dests[1]!, { ...expect1(init.config.id, 'nas'), known: witnessedHeads('nas', [{ name: 'disque', chain: disqueChain }]) });
    expect(byWitness.problems.map((p) => p.code)).toEqual(['ROLLBACK_DETECTED']);
    expect(byWitness.problems[0]!.message).toMatch(/destination "disque"/);
    const byDate = await verifyWithoutKey(dests[1]!, { ...expect1(init.config.id, 'nas'), expectAfter: before });
    expect(byDate.problems.map((p) => p.code)).toEqual(['ROLLBACK_DETECTED']);
  });

  it('one seal removed: SEAL_CHAIN_BROKEN naming it', async () => {
    const { dests, init } = await setup(['disque'], 3);
    dests[0]!.objects.delete(sealKey(2));
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(r.verdict).toBe('negative');
    expect(r.problems).toEqual([expect.objectContaining({ code: 'SEAL_CHAIN_BROKEN', object: sealKey(2) })]);
  });

  it('a seal from another repository (signed by the same practitioner): REPO_MISMATCH, and it does not count', async () => {
    const a = await setup(['disque'], 1);
    const b = await setup(['disque'], 2);
    a.dests[0]!.objects.set(sealKey(2), b.dests[0]!.objects.get(sealKey(2))!);
    a.dests[0]!.objects.set(sealKey(2).replace('.seal', '.p7s'), b.dests[0]!.objects.get(sealKey(2).replace('.seal', '.p7s'))!);
    const r = await verifyWithoutKey(a.dests[0]!, expect1(a.init.config.id, 'disque'));
    expect(r.problems.map((p) => p.code)).toContain('REPO_MISMATCH');
    expect(r.problems.find((p) => p.code === 'REPO_MISMATCH')!.object).toBe(sealKey(2));
    expect(r.head?.sequence).toBe(1);
    expect((await listSnapshots(a.dests[0]!, { repository: a.init.config.id })).snapshots).toHaveLength(1);
  });

  it('a destination holding another repository (same passphrase): refused by verify, list, unlock and restore, by name', async () => {
    const a = await setup(['disque'], 1);
    const b = await setup(['disque'], 1);
    const other = b.dests[0]!;
    const v = await verifyWithoutKey(other, expect1(a.init.config.id, 'disque'));
    expect(v.problems.map((p) => p.code)).toEqual(['REPO_MISMATCH']);
    expect(v.problems[0]!.message).toMatch(new RegExp(`another backup repository \\(${b.init.config.id}\\), not ${a.init.config.id}`));
    await expect(listSnapshots(other, { repository: a.init.config.id })).rejects.toMatchObject({ code: 'REPO_MISMATCH' });
    await expect(unlockRepository(other, { passphrase: PASS }, { repository: a.init.config.id })).rejects.toMatchObject({ code: 'REPO_MISMATCH' });
    await expect(restoreSnapshot(other, { master: a.init.master, to: join(a.root, 'out'), repository: a.init.config.id })).rejects.toMatchObject({ code: 'REPO_MISMATCH' });
  });

  it('two destinations swapped: DESTINATION_MISMATCH on both', async () => {
    const { dests, init } = await setup(['disque', 'nas'], 1);
    const [x, y] = dests as [MemoryDestination, MemoryDestination];
    const tmpObjects = new Map(x.objects);
    x.objects.clear();
    for (const [k, v] of y.objects) x.objects.set(k, v);
    y.objects.clear();
    for (const [k, v] of tmpObjects) y.objects.set(k, v);
    for (const [d, name, other] of [[x, 'disque', 'nas'], [y, 'nas', 'disque']] as const) {
      const r = await verifyWithoutKey(d, expect1(init.config.id, name));
      expect(r.verdict).toBe('negative');
      expect(r.problems.map((p) => p.code)).toContain('DESTINATION_MISMATCH');
      expect(r.problems.find((p) => p.code === 'DESTINATION_MISMATCH')!.message).toMatch(new RegExp(`destination "${other}", not of "${name}"`));
    }
  });

  it('status names each: wiped, older copy, seal removed, foreign seal, foreign repository, swapped (rule copy-damaged)', async () => {
    const names = ['ok', 'wiped', 'older', 'gap', 'foreignseal', 'foreignrepo', 'swapa', 'swapb'];
    const a = await setup(names, 1);
    const other = await setup(['foreignseal'], 3);
    const by = (n: string): MemoryDestination => a.dests.find((d) => d.info.name === n)!;
    const old = snapshotOf(by('older'));
    await a.run();
    by('wiped').objects.clear();
    by('older').objects.clear();
    for (const [k, v] of old) by('older').objects.set(k, v);
    by('gap').objects.delete(sealKey(1));
    by('foreignseal').objects.set(sealKey(3), other.dests[0]!.objects.get(sealKey(3))!);
    by('foreignrepo').objects.clear();
    for (const [k, v] of other.dests[0]!.objects) by('foreignrepo').objects.set(k, v);
    const [x, y] = [by('swapa'), by('swapb')];
    const kept = new Map(x.objects);
    x.objects.clear();
    for (const [k, v] of y.objects) x.objects.set(k, v);
    y.objects.clear();
    for (const [k, v] of kept) y.objects.set(k, v);
    const cfgPath = join(a.root, 'b.conf');
    writeFileSync(cfgPath, '');
    const { cp } = await import('node:fs/promises');
    await cp(a.stateDir, `${cfgPath}.state`, { recursive: true });
    const cfg: BackupConfig = { path: cfgPath, repository: { id: a.init.config.id, recipient: a.init.config.recipient }, sources: [], destinations: names.map((n) => `${n}=file:///${n}`), policy: DEFAULT_POLICY, seal: { trust: [] } };
    const configured: ConfiguredDestination[] = a.dests.map((d) => ({ spec: parseDestinationUrl(`${d.info.name}=file:///${d.info.name}`), destination: d }));
    const r = await backupStatus(cfg, { destinations: configured });
    const codes = new Map(r.destinations.map((d) => [d.name, d.problems?.map((p) => p.code) ?? []]));
    expect(Object.fromEntries(codes)).toEqual({
      ok: [],
      wiped: ['REPO_NOT_FOUND'],
      older: ['ROLLBACK_DETECTED'],
      gap: ['SEAL_CHAIN_BROKEN'],
      foreignseal: ['REPO_MISMATCH'],
      foreignrepo: ['REPO_MISMATCH'],
      swapa: expect.arrayContaining(['DESTINATION_MISMATCH']),
      swapb: expect.arrayContaining(['DESTINATION_MISMATCH']),
    });
    expect(r.broken).toContain('copy-damaged');
    expect(r.rules.find((x2) => x2.rule === 'copy-damaged')!.targets).toEqual(names.slice(1));
  });
});

describe('signatures: never "ok" unless checked', () => {
  it('unsigned seals: "unsigned" (integrity checked), negative when a signature is required', async () => {
    const { dests, init } = await setup(['disque'], 1, false);
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('unsigned');
    expect(r.ok).toBe(false);
    const strict = await verifyWithoutKey(dests[0]!, { ...expect1(init.config.id, 'disque'), requireSignature: true });
    expect(strict.verdict).toBe('negative');
  });

  it('signed seals without trust anchors: "not-checked", never ok', async () => {
    const { dests, init } = await setup(['disque'], 1);
    const r = await verifyWithoutKey(dests[0]!, { repository: init.config.id, destination: 'disque' });
    expect(r.verdict).toBe('not-checked');
    expect(r.ok).toBe(false);
  });

  it('a seal signed by another practitioner under the same root: SIGNER_MISMATCH', async () => {
    const { dests, init, run } = await setup(['disque'], 1);
    const before = dests[0]!.objects.size;
    expect(before).toBeGreaterThan(0);
    // the colleague's machine appends to this copy with the same write key
    await runBackup({ destinations: dests, repository: { id: init.config.id, recipient: init.config.recipient, writeKey: init.master.writeKey }, sources: [join(tmp.dir, `s${counter}`, 'dossiers')], workers: 0, seal: colleague });
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'SIGNER_MISMATCH', object: 'seals/0000000002.p7s' })]);
    void run;
  });

  it('an unsigned seal added to a signed chain: SEAL_INVALID', async () => {
    const { dests, init, repo, root } = await setup(['disque'], 1);
    await runBackup({ destinations: dests, repository: repo, sources: [join(root, 'dossiers')], workers: 0 });
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(r.problems.map((p) => p.code)).toEqual(['SEAL_INVALID']);
    expect(r.problems[0]!.message).toMatch(/1 seal\(s\) of "disque" are not signed while 1 are/);
  });
});

describe('hostile sizes and damaged key slots', () => {
  it('a 294 MB seal is refused unread (no gigabytes taken)', async () => {
    const { dests, init } = await setup(['disque'], 1);
    const huge = Buffer.alloc(294 * 1024 * 1024, 0x61);
    dests[0]!.objects.set(sealKey(2), huge);
    const rss = process.memoryUsage().rss;
    const r = await verifyWithoutKey(dests[0]!, expect1(init.config.id, 'disque'));
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'SEAL_INVALID', object: sealKey(2) })]);
    expect(r.problems[0]!.message).toMatch(/refused unread/);
    dests[0]!.objects.delete(sealKey(2));
  });

  it.each([
    ['not JSON', (s: string) => s.slice(0, 20)],
    ['a scrypt cost far too high', (s: string) => s.replace(/"logN": \d+/, '"logN": 40')],
    ['a salt that is not hex', (s: string) => s.replace(/"salt": "[0-9a-f]+"/, '"salt": "zz"')],
    ['a box of the wrong size', (s: string) => s.replace(/"box": "([0-9a-f]+)"/, (_m, b: string) => `"box": "${b.slice(0, 40)}"`)],
  ])('a passphrase slot with %s: KEY_SLOT_CORRUPT, not an internal error', async (_what, damage) => {
    const d = new MemoryDestination('disque');
    await initRepository([d], { passphrase: PASS, kdfLogN: 12 });
    d.objects.set('keys/passphrase', Buffer.from(damage(Buffer.from(d.objects.get('keys/passphrase')!).toString('utf8'))));
    const e = await unlockRepository(d, { passphrase: PASS }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'KEY_SLOT_CORRUPT', params: { object: 'keys/passphrase' } });
  });
});

describe('locks', () => {
  it('prune cannot start while a verify holds its shared lock, and a verify cannot start under prune', async () => {
    const { dests, init } = await setup(['disque'], 2);
    const d = dests[0]!;
    const reader = await acquireLock(d, 'backup verify', 'shared');
    await expect(pruneRepository(d, { master: init.master, policy: { ...DEFAULT_POLICY, keepWeekly: 1, keepMonthly: 0, keepYearly: 0 } })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringMatching(/in use by backup verify/) });
    const second = await acquireLock(d, 'backup restore', 'shared');
    await second.release();
    await reader.release();
    const pruner = await acquireLock(d, 'backup prune', 'exclusive');
    await expect(acquireLock(d, 'backup verify', 'shared')).rejects.toMatchObject({ code: 'LOCKED' });
    await pruner.release();
    expect([...d.objects.keys()].filter((k) => k.startsWith('locks/'))).toEqual([]);
  });

  it('verify --read-data during a prune never sees false damage (it waits or is refused, not fooled)', async () => {
    const { dests, init } = await setup(['disque'], 4);
    const d = dests[0]!;
    const policy = { ...DEFAULT_POLICY, keepWeekly: 1, keepMonthly: 0, keepYearly: 0 };
    const outcomes = await Promise.allSettled([
      pruneRepository(d, { master: init.master, policy, repository: init.config.id }),
      verifyRepository(d, { master: init.master, readData: true, repository: init.config.id, destination: 'disque' }),
    ]);
    const verify = outcomes[1]!;
    if (verify.status === 'fulfilled') expect(verify.value.problems.filter((p) => p.code === 'OBJECT_MISSING' || p.code === 'OBJECT_CORRUPT')).toEqual([]);
    const after = await verifyRepository(d, { master: init.master, readData: true, repository: init.config.id, destination: 'disque' });
    expect(after.problems).toEqual([]);
  });
});
