/**
 * Checking a repository copy with its key (restic's `check` and `check --read-data`): after the
 * keyless checks of check.ts (repository, chain, head, signatures), every live snapshot is
 * decrypted and bound to its repository, every chunk it names must be in a pack of the index or
 * of the destination with the indexed size, and with `readData` every pack is read (by worker
 * threads), its name checked, every chunk decrypted, authenticated and checked against its id.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import { keepLargeBuffersMapped } from '../io/memory.js';
import type { Destination } from './destination/destination.js';
import { checkCopy, emptyReport, settle, type CopyExpectations, type VerifyReport } from './check.js';
import type { Problem } from './chain.js';
import { sha256Hex } from './envelope.js';
import { writeKeysOf, type MasterSecret } from './keys.js';
import { decodeSealed, LIMITS, nameOf, packKey } from './objects.js';
import { readerSource, startReadPool } from './read-pool.js';
import { loadIndex, type RepoIndex } from './repo-index.js';
import { readSlots } from './repository.js';
import { withLock } from './lock.js';
import type { SnapshotDoc } from './snapshot.js';

/** Options of {@link verifyRepository}. */
export interface VerifyRepositoryOptions extends CopyExpectations {
  /**
   * The repository's key, or its derivation under way: the keyless checks (lock, repository,
   * chain, signatures, key slots, the listing of the packs) run meanwhile, and its error
   * (WRONG_PASSWORD…) is thrown when it is needed.
   */
  master: MasterSecret | Promise<MasterSecret>;
  /** Read every pack, decrypt and authenticate every chunk. */
  readData?: boolean;
  onObject?: (done: number, total: number) => void;
}

interface Referenced {
  /** pack → chunk ids */
  chunks: Map<string, Set<string>>;
  /** pack → a file, for messages */
  usedBy: Map<string, string>;
}

/**
 * Verifies a repository copy with its key.
 * @throws ScelleError TARGET_* (problems in the data are reported, not thrown).
 */
export async function verifyRepository(d: Destination, options: VerifyRepositoryOptions): Promise<VerifyReport> {
  return withLock(d, options.readData ? 'backup verify --read-data' : 'backup verify', 'shared', { readOnlyOk: true, ...(options.owner ? { owner: options.owner } : {}) }, () => withKey(d, options));
}

async function withKey(d: Destination, options: VerifyRepositoryOptions): Promise<VerifyReport> {
  // a derivation that fails while the copy check ends early is not left unhandled (the caller has it)
  Promise.resolve(options.master).catch(() => undefined);
  const report = emptyReport(d, options.readData ? 'read-data' : 'structure');
  const copy = await checkCopy(d, report, options);
  if (copy === undefined) return settle(report);
  const { chain, config } = copy;
  const problem = (code: ErrorCode, object: string | undefined, message: string): void => {
    report.problems.push({ code, ...(object !== undefined ? { object } : {}), message });
  };
  // the packs are listed (256 folders) while the key slots and snapshots are read
  const listing = (async () => {
    const data = new Map<string, number>();
    for await (const o of d.list('data/')) data.set(o.key, o.size);
    return data;
  })();
  listing.catch(() => undefined);
  try {
    await readSlots(d);
  } catch (e) {
    problem(e instanceof ScelleError ? e.code : 'REPO_CORRUPT', 'keys/', (e as Error).message);
  }
  const recipient = Buffer.from(config.recipient, 'hex');
  const live = new Set(chain.live.map((c) => `snapshots/${c.seal.snapshot}`));
  const master = await options.master;
  const ref = await checkSnapshots(d, master, recipient, live, report);
  const data = await listing;
  const index = await loadIndex(d, writeKeysOf(master).indexKey, (key, e) => problem(e.code, key, e.message));
  checkPacks(d, index, ref, data, report);
  if (options.readData) report.problems.push(...await readAllPacks(d, { ...options, master }, index, ref, data, report));
  return settle(report);
}

/** Decrypts every snapshot (live ones counted, others noted) and gathers the chunks they name. */
async function checkSnapshots(d: Destination, master: MasterSecret, recipient: Uint8Array, live: Set<string>, report: VerifyReport): Promise<Referenced> {
  const ref: Referenced = { chunks: new Map(), usedBy: new Map() };
  const present = new Set<string>();
  for await (const o of d.list('snapshots/')) present.add(o.key);
  for (const k of live) if (!present.has(k)) report.problems.push({ code: 'OBJECT_MISSING', object: k, message: `the sealed snapshot ${nameOf(k)} is missing on "${d.info.name}"` });
  for (const k of [...present].sort()) {
    if (!live.has(k)) {
      report.notes.push({ code: 'SNAPSHOT_NOT_FOUND', object: k, message: `${k} has no live seal (an interrupted run, or pruned): it is not counted` });
      continue;
    }
    let doc: SnapshotDoc;
    try {
      const bytes = await d.get(k, { maxBytes: LIMITS.snapshot });
      report.bytesRead += bytes.length;
      if (sha256Hex(bytes) !== nameOf(k)) throw new ScelleError('OBJECT_CORRUPT', `${k} does not match its SHA-256 name: the object is corrupted`, { params: { object: k } });
      doc = decodeSealed<SnapshotDoc>('snapshot', master, recipient, bytes, k);
    } catch (e) {
      if (!(e instanceof ScelleError) || e.code.startsWith('TARGET_')) throw e;
      report.problems.push({ code: e.code, object: k, message: e.message });
      continue;
    }
    if (doc.repository !== report.repository) report.problems.push({ code: 'REPO_MISMATCH', object: k, message: `${k} is a snapshot of another repository (${doc.repository})` });
    for (const e of doc.entries) {
      for (const [id, pi] of e.chunks ?? []) {
        const pack = doc.packs[pi];
        if (pack === undefined) {
          report.problems.push({ code: 'REPO_CORRUPT', object: k, message: `${k}: ${e.path} names a pack that is not in its list` });
          continue;
        }
        let s = ref.chunks.get(pack);
        if (s === undefined) ref.chunks.set(pack, (s = new Set()));
        s.add(id);
        if (!ref.usedBy.has(pack)) ref.usedBy.set(pack, e.path);
      }
    }
  }
  return ref;
}

/** Every indexed or referenced pack must exist with its size. */
function checkPacks(d: Destination, index: RepoIndex, ref: Referenced, data: Map<string, number>, report: VerifyReport): void {
  const by = (pack: string): string => (ref.usedBy.has(pack) ? ` (it holds data of ${ref.usedBy.get(pack)})` : '');
  for (const [pack, size] of index.packs) {
    const key = packKey(pack);
    const have = data.get(key);
    if (have === undefined) {
      // a pack only another destination needs is not missing here
      if (ref.chunks.has(pack)) report.problems.push({ code: 'OBJECT_MISSING', object: key, message: `${key} is missing on "${d.info.name}"${by(pack)}` });
    } else if (have !== size) report.problems.push({ code: 'OBJECT_CORRUPT', object: key, message: `${key} has ${have} bytes, the index says ${size}: the object is corrupted` });
  }
  for (const pack of ref.chunks.keys()) {
    const key = packKey(pack);
    if (!index.packs.has(pack) && !data.has(key)) report.problems.push({ code: 'OBJECT_MISSING', object: key, message: `${key} is needed by a snapshot${by(pack)} but missing on "${d.info.name}"` });
  }
  for (const key of data.keys()) {
    if (!index.packs.has(nameOf(key)) && !ref.chunks.has(nameOf(key))) report.notes.push({ code: 'OBJECT_MISSING', object: key, message: `${key} is not referenced (left by an interrupted run; prune removes it)` });
  }
}

/** Reads every pack on worker threads: its SHA-256, every chunk authenticated and checked. */
async function readAllPacks(d: Destination, options: VerifyRepositoryOptions & { master: MasterSecret }, index: RepoIndex, ref: Referenced, data: Map<string, number>, report: VerifyReport): Promise<Problem[]> {
  const keys = writeKeysOf(options.master);
  const byPack = new Map<string, { id: string; offset: number; length: number; rawLength: number; z: number }[]>();
  for (const [id, loc] of index.blobs) {
    let l = byPack.get(loc.pack);
    if (l === undefined) byPack.set(loc.pack, (l = []));
    l.push({ id, offset: loc.offset, length: loc.length, rawLength: loc.rawLength, z: loc.z });
  }
  const packs = [...new Set([...index.packs.keys(), ...ref.chunks.keys()])].filter((p) => data.has(packKey(p))).sort();
  // chunk-sized buffers reused, not mapped anew (not for restore: the memory glibc then keeps took
  // a restore's peak above 256 MB)
  keepLargeBuffersMapped();
  // this thread reads the next packs while worker threads hash, decrypt and check the ones read
  const pool = startReadPool({ readKey: options.master.readKey, recipient: keys.recipient, idKey: keys.idKey, ...readerSource(d) }, (name) => d.get(packKey(name), { maxBytes: LIMITS.pack }));
  const found: Problem[][] = packs.map(() => []);
  let done = 0;
  const by = (pack: string): string => (ref.usedBy.has(pack) ? ` (it holds data of ${ref.usedBy.get(pack)})` : '');
  const checkOne = async (pack: string, i: number): Promise<void> => {
    const key = packKey(pack);
    const mine = (code: ErrorCode, message: string): void => { found[i]!.push({ code, object: key, message }); };
    const r = await pool.check(pack, byPack.get(pack) ?? []);
    if (r.error !== undefined) return mine(r.error.code as ErrorCode, r.error.message);
    report.bytesRead += r.size;
    report.objects++;
    if (r.sha256 !== pack) mine('OBJECT_CORRUPT', `${key} does not match its SHA-256 name: the object is corrupted${by(pack)}`);
    if (r.headerError !== undefined) return mine('OBJECT_CORRUPT', r.headerError);
    if (r.bad > 0) mine('OBJECT_CORRUPT', `${key}: ${r.bad} chunk(s) fail authentication: the object is corrupted or was tampered with`);
    options.onObject?.(++done, packs.length);
  };
  try {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < packs.length; i++) {
      const p: Promise<void> = checkOne(packs[i]!, i).finally(() => inFlight.delete(p));
      inFlight.add(p);
      // two packs per reader and one more: one checked, the next read meanwhile (this thread hands
      // out packs only between its own checks, so a worker with fewer would wait for them)
      if (inFlight.size >= 2 * pool.size + 1) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  return found.flat();
}
