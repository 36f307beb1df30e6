/**
 * Checking a repository copy (restic's `check`, read in the reverse order of writing: seals,
 * snapshots, index, packs). Every problem is collected with the object it concerns; nothing stops
 * at the first one.
 *
 * - {@link verifyWithoutKey}: what a host or vendor can check with no key at all — each seal's
 *   signature and time-stamp, and the SHA-256 and size of every object a seal lists.
 * - {@link verifyRepository}: with the key — structure (every chunk of every snapshot is in a pack
 *   that exists with the indexed size), and with `readData` every pack is read, its name checked,
 *   every chunk decrypted, authenticated and checked against its id.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import type { Destination } from './destination/destination.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { sha256Hex } from './envelope.js';
import { writeKeysOf, type MasterSecret } from './keys.js';
import { readerSource, startReadPool } from './read-pool.js';
import { decodeSealed, loadIndex, nameOf, packKey, readRepoConfig, readSlots, type RepoConfig } from './repository.js';
import { parseSeal, sealSignatureKey, verifySealSignature, type Seal } from './seal.js';
import type { SnapshotDoc } from './snapshot.js';

/** One problem (or note) found. */
export interface VerifyProblem {
  code: ErrorCode;
  /** The object concerned (`data/3f/3f9a…`). */
  object?: string;
  message: string;
}

/** A verification report for one target. */
export interface VerifyReport {
  ok: boolean;
  target: string;
  mode: 'no-key' | 'structure' | 'read-data';
  seals: number;
  snapshots: number;
  objects: number;
  bytesRead: number;
  /** Errors: the copy is damaged or cannot be trusted. */
  problems: VerifyProblem[];
  /** Not errors: unsealed snapshots and unreferenced packs left by an interrupted run. */
  notes: VerifyProblem[];
  /** Seal signature verdicts. */
  signatures: { snapshot: string; ok: boolean; signer?: string; timestamp?: string; code?: string }[];
}

/** Options of {@link verifyWithoutKey}. */
export interface VerifyWithoutKeyOptions {
  /** Roots the seals' signers (and TSAs) must chain to. Without any, signatures are reported unchecked. */
  trustAnchors?: X509Cert[];
  crls?: Crl[];
  /** An unsigned seal is a problem (default true). */
  requireSignature?: boolean;
  onObject?: (done: number, total: number) => void;
}

async function listKeys(t: Destination, prefix: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for await (const o of t.list(prefix)) m.set(o.key, o.size);
  return m;
}

/** Reads every seal of a target (problems collected). */
async function readSeals(t: Destination, report: VerifyReport): Promise<{ seal: Seal; text: Uint8Array }[]> {
  const out: { seal: Seal; text: Uint8Array }[] = [];
  const keys = [...(await listKeys(t, 'seals/')).keys()].filter((k) => k.endsWith('.seal')).sort();
  for (const k of keys) {
    try {
      const text = await t.get(k);
      const seal = parseSeal(text, k);
      if (`seals/${seal.snapshot}.seal` !== k) throw new ScelleError('SEAL_INVALID', `${k} names another snapshot (${seal.snapshot})`, { params: { object: k } });
      out.push({ seal, text });
    } catch (e) {
      report.problems.push({ code: e instanceof ScelleError ? e.code : 'SEAL_INVALID', object: k, message: (e as Error).message });
    }
  }
  return out;
}

/**
 * Verifies a repository copy without any key: seal signatures and time-stamps, and the SHA-256
 * and size of every object a seal lists.
 * @throws ScelleError TARGET_OFFLINE / TARGET_ERROR only (problems are reported).
 */
export async function verifyWithoutKey(t: Destination, options: VerifyWithoutKeyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, target: t.info.name, mode: 'no-key', seals: 0, snapshots: 0, objects: 0, bytesRead: 0, problems: [], notes: [], signatures: [] };
  const seals = await readSeals(t, report);
  report.seals = seals.length;
  const expected = new Map<string, { sha256: string; size: number }>();
  for (const { seal, text } of seals) {
    const sigKey = sealSignatureKey(seal.snapshot);
    let sig: Uint8Array | undefined;
    try {
      sig = await t.get(sigKey);
    } catch {
      sig = undefined;
    }
    if (sig === undefined) {
      if (options.requireSignature ?? true) report.problems.push({ code: 'SEAL_INVALID', object: sigKey, message: `the seal of snapshot ${seal.snapshot} is not signed` });
    } else if ((options.trustAnchors ?? []).length === 0) {
      report.notes.push({ code: 'CHAIN_UNTRUSTED', object: sigKey, message: 'no trust anchors given: the seal signature was not checked' });
    } else {
      const v = await verifySealSignature(text, sig, { trustAnchors: options.trustAnchors!, ...(options.crls ? { crls: options.crls } : {}) });
      report.signatures.push({ snapshot: seal.snapshot, ok: v.ok, ...(v.signer ? { signer: v.signer } : {}), ...(v.timestamp?.genTime ? { timestamp: v.timestamp.genTime } : {}), ...(v.code ? { code: v.code } : {}) });
      if (!v.ok) report.problems.push({ code: 'SEAL_INVALID', object: sigKey, message: `the seal signature of snapshot ${seal.snapshot} is not valid: [${v.code}] ${v.message ?? ''}` });
    }
    for (const o of seal.objects) {
      const prev = expected.get(o.key);
      if (prev !== undefined && (prev.sha256 !== o.sha256 || prev.size !== o.size)) {
        report.problems.push({ code: 'SEAL_INVALID', object: o.key, message: `two seals disagree on ${o.key}` });
      }
      expected.set(o.key, { sha256: o.sha256, size: o.size });
    }
  }
  report.snapshots = seals.length;
  let done = 0;
  for (const [key, exp] of [...expected.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let data: Uint8Array;
    try {
      data = await t.get(key);
    } catch (e) {
      if (e instanceof ScelleError && e.code === 'OBJECT_MISSING') {
        report.problems.push({ code: 'OBJECT_MISSING', object: key, message: `${key} is listed by a seal but missing on "${t.info.name}"` });
        continue;
      }
      throw e;
    }
    report.bytesRead += data.length;
    report.objects++;
    const sha = sha256Hex(data);
    if (sha !== exp.sha256 || data.length !== exp.size) {
      report.problems.push({ code: 'OBJECT_CORRUPT', object: key, message: `${key} does not match its seal (SHA-256 ${sha.slice(0, 16)}…, ${data.length} bytes; sealed ${exp.sha256.slice(0, 16)}…, ${exp.size} bytes): the object is corrupted` });
    }
    options.onObject?.(++done, expected.size);
  }
  const snaps = await listKeys(t, 'snapshots/');
  for (const k of snaps.keys()) {
    if (!seals.some((s) => `snapshots/${s.seal.snapshot}` === k)) report.notes.push({ code: 'SNAPSHOT_NOT_FOUND', object: k, message: `${k} has no seal (an interrupted run): it is not counted` });
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** Options of {@link verifyRepository}. */
export interface VerifyRepositoryOptions {
  master: MasterSecret;
  /** Read every pack, decrypt and authenticate every chunk. */
  readData?: boolean;
  /** Also check seal signatures against these roots. */
  trustAnchors?: X509Cert[];
  onObject?: (done: number, total: number) => void;
}

/**
 * Verifies a repository copy with its key.
 * @throws ScelleError REPO_NOT_FOUND, TARGET_* (problems in the data are reported, not thrown).
 */
export async function verifyRepository(t: Destination, options: VerifyRepositoryOptions): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, target: t.info.name, mode: options.readData ? 'read-data' : 'structure', seals: 0, snapshots: 0, objects: 0, bytesRead: 0, problems: [], notes: [], signatures: [] };
  const config: RepoConfig = await readRepoConfig(t);
  const keys = writeKeysOf(options.master);
  const recipient = Buffer.from(config.recipient, 'hex');
  const problem = (code: ErrorCode, object: string | undefined, message: string): void => {
    report.problems.push({ code, ...(object !== undefined ? { object } : {}), message });
  };
  try {
    await readSlots(t);
  } catch (e) {
    problem('REPO_CORRUPT', 'keys/', (e as Error).message);
  }
  // seals (structure only; signatures when roots are given)
  const seals = await readSeals(t, report);
  report.seals = seals.length;
  if (options.trustAnchors !== undefined && options.trustAnchors.length > 0) {
    const nk = await verifyWithoutKey(t, { trustAnchors: options.trustAnchors });
    report.signatures = nk.signatures;
    for (const p of nk.problems) if (p.code === 'SEAL_INVALID') report.problems.push(p);
  }
  // snapshots
  const data = await listKeys(t, 'data/');
  const snapKeys = [...(await listKeys(t, 'snapshots/')).keys()].sort();
  const sealed = new Set(seals.map((s) => `snapshots/${s.seal.snapshot}`));
  const referenced = new Map<string, Set<string>>(); // pack → chunk ids
  const usedBy = new Map<string, string>(); // pack → a file, for messages
  for (const { seal } of seals) {
    if (!snapKeys.includes(`snapshots/${seal.snapshot}`)) problem('OBJECT_MISSING', `snapshots/${seal.snapshot}`, `the sealed snapshot ${seal.snapshot} is missing`);
  }
  for (const k of snapKeys) {
    if (!sealed.has(k)) report.notes.push({ code: 'SNAPSHOT_NOT_FOUND', object: k, message: `${k} has no seal (an interrupted run): it is not counted` });
    let doc: SnapshotDoc;
    try {
      const bytes = await t.get(k);
      report.bytesRead += bytes.length;
      if (sha256Hex(bytes) !== nameOf(k)) throw new ScelleError('OBJECT_CORRUPT', `${k} does not match its SHA-256 name: the object is corrupted`, { params: { object: k } });
      doc = decodeSealed<SnapshotDoc>('snapshot', options.master, recipient, bytes, k);
    } catch (e) {
      problem(e instanceof ScelleError ? e.code : 'OBJECT_CORRUPT', k, (e as Error).message);
      continue;
    }
    if (sealed.has(k)) report.snapshots++;
    for (const e of doc.entries) {
      for (const [id, pi] of e.chunks ?? []) {
        const pack = doc.packs[pi];
        if (pack === undefined) {
          problem('REPO_CORRUPT', k, `${k}: ${e.path} names a pack that is not in its list`);
          continue;
        }
        let s = referenced.get(pack);
        if (s === undefined) referenced.set(pack, (s = new Set()));
        s.add(id);
        if (!usedBy.has(pack)) usedBy.set(pack, e.path);
      }
    }
  }
  // index
  const index = await loadIndex(t, keys.indexKey, (key, e) => problem(e.code, key, e.message));
  for (const [pack, size] of index.packs) {
    const key = packKey(pack);
    const have = data.get(key);
    if (have === undefined) problem('OBJECT_MISSING', key, `${key} is in the index but missing on "${t.info.name}"${usedBy.has(pack) ? ` (it holds data of ${usedBy.get(pack)})` : ''}`);
    else if (have !== size) problem('OBJECT_CORRUPT', key, `${key} has ${have} bytes, the index says ${size}: the object is corrupted`);
  }
  for (const pack of referenced.keys()) {
    const key = packKey(pack);
    if (!index.packs.has(pack) && !data.has(key)) problem('OBJECT_MISSING', key, `${key} is needed by a snapshot (${usedBy.get(pack)}) but missing on "${t.info.name}"`);
  }
  for (const key of data.keys()) {
    if (!index.packs.has(nameOf(key)) && !referenced.has(nameOf(key))) report.notes.push({ code: 'OBJECT_MISSING', object: key, message: `${key} is not referenced (left by an interrupted run; prune removes it)` });
  }
  // data
  if (options.readData) {
    const byPack = new Map<string, { id: string; offset: number; length: number; rawLength: number; z: number }[]>();
    for (const [id, loc] of index.blobs) {
      let l = byPack.get(loc.pack);
      if (l === undefined) byPack.set(loc.pack, (l = []));
      l.push({ id, offset: loc.offset, length: loc.length, rawLength: loc.rawLength, z: loc.z });
    }
    const packs = [...new Set([...index.packs.keys(), ...referenced.keys()])].filter((p) => data.has(packKey(p))).sort();
    // this thread reads the next packs while worker threads hash, decrypt and check the ones read
    const pool = startReadPool({ readKey: options.master.readKey, recipient, idKey: keys.idKey, ...readerSource(t) }, (name) => t.get(packKey(name)));
    const found: VerifyProblem[][] = packs.map(() => []);
    let done = 0;
    const checkOne = async (pack: string, i: number): Promise<void> => {
      const key = packKey(pack);
      const mine = (code: ErrorCode, message: string): void => { found[i]!.push({ code, object: key, message }); };
      const r = await pool.check(pack, byPack.get(pack) ?? []);
      if (r.error !== undefined) {
        mine(r.error.code as ErrorCode, r.error.message);
        return;
      }
      report.bytesRead += r.size;
      report.objects++;
      if (r.sha256 !== pack) mine('OBJECT_CORRUPT', `${key} does not match its SHA-256 name: the object is corrupted${usedBy.has(pack) ? ` (it holds data of ${usedBy.get(pack)})` : ''}`);
      if (r.headerError !== undefined) {
        mine('OBJECT_CORRUPT', r.headerError);
        return;
      }
      if (r.bad > 0) mine('OBJECT_CORRUPT', `${key}: ${r.bad} chunk(s) fail authentication: the object is corrupted or was tampered with`);
      options.onObject?.(++done, packs.length);
    };
    try {
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < packs.length; i++) {
        const p: Promise<void> = checkOne(packs[i]!, i).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= pool.size + 2) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      await pool.close();
    }
    for (const f of found) report.problems.push(...f);
  }
  report.ok = report.problems.length === 0;
  return report;
}
