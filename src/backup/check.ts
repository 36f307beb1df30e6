/**
 * Checking a repository copy (restic's `check`, read in the reverse order of writing: config,
 * seals, snapshots, index, packs). Every problem is collected with the object it concerns; nothing
 * stops at the first one.
 *
 * - {@link verifyWithoutKey}: what a host or vendor can check with no key at all — that the copy
 *   holds the expected repository and destination, its chain of seals (each signature, signer and
 *   time-stamp, each link, its head against what was seen elsewhere), and the SHA-256 and size of
 *   every object the live seals list.
 * - {@link verifyRepository}: with the key — the same chain, then structure (every chunk of every
 *   snapshot is in a pack that exists with the indexed size), and with `readData` every pack is
 *   read, its name checked, every chunk decrypted, authenticated and checked against its id.
 *
 * The verdict is `ok` only when every check was made and held: seals without a signature give
 * `unsigned` (integrity checked, not signed), signatures without trust anchors give
 * `not-checked` — never `ok`.
 */
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { checkHead, readChain, type Chain, type KnownHead, type Problem } from './chain.js';
import { withLock, type LockOwner } from './lock.js';
import { sha256Hex } from './envelope.js';
import { LIMITS, limitOf } from './objects.js';
import { expectRepository, type RepoConfig } from './repository.js';
import { MAX_SEAL_SIGNATURE_BYTES, sealSignatureKey, verifySealSignature, type VerifySealOptions } from './seal.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';

export type { Problem as VerifyProblem } from './chain.js';

/** How the seals' signatures stand. */
export type SignatureStatus = 'valid' | 'invalid' | 'unsigned' | 'not-checked' | 'none';

/** A verification report for one destination. */
export interface VerifyReport {
  /** True only when the verdict is `ok`. */
  ok: boolean;
  /** `ok`; `unsigned` (integrity checked, seals not signed); `not-checked` (signed, no trust anchors given); `negative`. */
  verdict: 'ok' | 'unsigned' | 'not-checked' | 'negative';
  destination: string;
  repository?: string;
  mode: 'no-key' | 'structure' | 'read-data';
  /** The newest seal of the chain. */
  head?: { sequence: number; time: string };
  /** The newest sealed snapshot: what a restore from this copy gives. */
  newest?: { snapshot: string; time: string; timestamp?: string };
  seals: number;
  snapshots: number;
  objects: number;
  bytesRead: number;
  /** Errors: the copy is damaged or cannot be trusted. */
  problems: Problem[];
  /** Not errors: unsealed snapshots and unreferenced packs left by an interrupted run. */
  notes: Problem[];
  signature: SignatureStatus;
  /** Seal signature verdicts (when checked). */
  signatures: { sequence: number; snapshot?: string; ok: boolean; signer?: string; timestamp?: string; code?: string }[];
}

/** What every check of a copy is given: who it must be, whom to trust, what was seen elsewhere. */
export interface CopyExpectations {
  /** The repository the copy must hold (from the config or a kit); absent: the copy's own, noted. */
  repository?: string;
  /** The destination name its seals must give (absent: the name they agree on). */
  destination?: string;
  /** Roots the seals' signers (and TSAs) must chain to. Without any, signatures are `not-checked`. */
  trustAnchors?: X509Cert[];
  /** CRLs for the signer's and the TSA's certificates. */
  crls?: Crl[];
  /** Fetch revocation data online. */
  online?: boolean;
  /** The subjects that may sign seals (RFC 4514). */
  expectedSigners?: string[];
  /** Unsigned seals are a negative verdict. */
  requireSignature?: boolean;
  /** Heads seen elsewhere (the local journal, other destinations' witnesses). */
  known?: KnownHead[];
  /** The head must be at least this recent. */
  expectAfter?: Date;
  /** A chain already read (to compare destinations without reading twice). */
  chain?: Chain;
  clock?: () => Date;
  /** Who takes the shared lock (a reader's lock keeps prune away; read-only credentials are fine). */
  owner?: LockOwner;
}

/** Options of {@link verifyWithoutKey}. */
export interface VerifyWithoutKeyOptions extends CopyExpectations {
  onObject?: (done: number, total: number) => void;
}

export function emptyReport(d: Destination, mode: VerifyReport['mode']): VerifyReport {
  return { ok: false, verdict: 'negative', destination: d.info.name, mode, seals: 0, snapshots: 0, objects: 0, bytesRead: 0, problems: [], notes: [], signature: 'none', signatures: [] };
}

/** Sets `verdict` and `ok` from the problems and the signature status. */
export function settle(report: VerifyReport): VerifyReport {
  report.verdict = report.problems.length > 0 ? 'negative' : report.signature === 'unsigned' ? 'unsigned' : report.signature === 'not-checked' ? 'not-checked' : 'ok';
  report.ok = report.verdict === 'ok';
  return report;
}

/**
 * The checks every verification makes first: the repository the copy holds, its chain of seals,
 * its head against what was seen, the signatures. Returns the chain (undefined when the copy holds
 * no repository or another one).
 */
export async function checkCopy(d: Destination, report: VerifyReport, o: CopyExpectations): Promise<{ chain: Chain; config: RepoConfig } | undefined> {
  let id = o.repository;
  let config: RepoConfig;
  try {
    config = await expectRepository(d, id);
    id ??= config.id;
    report.repository = config.id;
    if (o.repository === undefined) report.notes.push({ code: 'REPO_MISMATCH', object: 'config', message: `no repository id was given: checked as repository ${config.id}, the one this copy holds` });
  } catch (e) {
    if (!(e instanceof ScelleError) || !['REPO_NOT_FOUND', 'REPO_MISMATCH', 'REPO_CORRUPT', 'UNSUPPORTED_FORMAT'].includes(e.code)) throw e;
    report.problems.push({ code: e.code, object: 'config', message: e.message });
    return undefined;
  }
  const chain = o.chain ?? await readChain(d, { repository: id, ...(o.destination !== undefined ? { destination: o.destination } : {}) });
  report.problems.push(...chain.problems, ...checkHead(chain, o.known ?? [], o.expectAfter));
  report.seals = chain.seals.length;
  report.snapshots = chain.live.length;
  if (chain.head) report.head = { sequence: chain.head.seal.sequence, time: chain.head.seal.time };
  const newest = chain.live[chain.live.length - 1];
  if (newest === undefined) {
    report.problems.push({ code: 'SNAPSHOT_NOT_FOUND', message: `"${d.info.name}" holds no sealed snapshot: nothing could be restored from it` });
  } else report.newest = { snapshot: newest.seal.snapshot!, time: newest.seal.time };
  await checkSignatures(d, chain, report, o);
  if (newest !== undefined) {
    const ts = report.signatures.find((s) => s.sequence === newest.seal.sequence)?.timestamp;
    if (ts !== undefined) report.newest!.timestamp = ts;
  }
  return { chain, config };
}

/** Checks the signature of every seal of the chain; sets `report.signature`. */
async function checkSignatures(d: Destination, chain: Chain, report: VerifyReport, o: CopyExpectations): Promise<void> {
  const anchors = o.trustAnchors ?? [];
  let signed = 0;
  let unsigned = 0;
  let bad = 0;
  let indeterminate = 0;
  for (const c of chain.seals) {
    const sigKey = sealSignatureKey(c.seal.sequence);
    let sig: Uint8Array | undefined;
    try {
      sig = await d.get(sigKey, { maxBytes: MAX_SEAL_SIGNATURE_BYTES });
    } catch (e) {
      if (isScelleError(e, 'OBJECT_TOO_LARGE')) {
        report.problems.push({ code: 'SEAL_INVALID', object: sigKey, message: e.message });
        bad++;
        continue;
      }
      if (!isScelleError(e, 'OBJECT_MISSING')) throw e;
    }
    if (sig === undefined) {
      unsigned++;
      continue;
    }
    signed++;
    if (anchors.length === 0) continue;
    const options: VerifySealOptions = { trustAnchors: anchors, ...(o.crls ? { crls: o.crls } : {}), ...(o.online ? { online: true } : {}), ...(o.expectedSigners ? { expectedSigners: o.expectedSigners } : {}), ...(o.clock ? { clock: o.clock } : {}) };
    const v = await verifySealSignature(c.bytes, sig, options);
    report.signatures.push({ sequence: c.seal.sequence, ...(c.seal.snapshot ? { snapshot: c.seal.snapshot } : {}), ok: v.ok, ...(v.signer ? { signer: v.signer } : {}), ...(v.timestamp?.genTime ? { timestamp: v.timestamp.genTime } : {}), ...(v.code ? { code: v.code } : {}) });
    if (v.indeterminate) {
      indeterminate++;
      report.notes.push({ code: (v.code ?? 'REVOCATION_UNKNOWN') as ErrorCode, object: sigKey, message: `the signature of seal ${c.seal.sequence} could not be fully checked: [${v.code}] ${v.message ?? ''} (give --crl or --online)` });
    } else if (!v.ok) {
      bad++;
      const code: ErrorCode = v.code === 'SIGNER_MISMATCH' ? 'SIGNER_MISMATCH' : 'SEAL_INVALID';
      report.problems.push({ code, object: sigKey, message: `the signature of seal ${c.seal.sequence} is not valid: [${v.code}] ${v.message ?? ''}` });
    }
  }
  if (signed > 0 && unsigned > 0) {
    report.problems.push({ code: 'SEAL_INVALID', object: 'seals/', message: `${unsigned} seal(s) of "${d.info.name}" are not signed while ${signed} are: a seal was added or its signature removed` });
  } else if (unsigned > 0 && o.requireSignature) {
    report.problems.push({ code: 'SEAL_INVALID', object: 'seals/', message: `the seals of "${d.info.name}" are not signed (no sealing identity), and a signature is required` });
  }
  report.signature = bad > 0 ? 'invalid' : signed === 0 ? (unsigned > 0 ? 'unsigned' : 'none') : anchors.length === 0 || indeterminate > 0 ? 'not-checked' : 'valid';
}

/** Runs `fn` over `items` with at most `n` at a time. */
async function eachLimited<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * Verifies a repository copy without any key.
 * @throws ScelleError TARGET_OFFLINE / TARGET_ERROR / AUTH_FAILED only (problems are reported).
 */
export async function verifyWithoutKey(d: Destination, options: VerifyWithoutKeyOptions = {}): Promise<VerifyReport> {
  return withLock(d, 'backup verify --no-key', 'shared', { readOnlyOk: true, ...(options.owner ? { owner: options.owner } : {}) }, () => keyless(d, options));
}

async function keyless(d: Destination, options: VerifyWithoutKeyOptions): Promise<VerifyReport> {
  const report = emptyReport(d, 'no-key');
  const copy = await checkCopy(d, report, options);
  if (copy === undefined) return settle(report);
  const { chain } = copy;
  const expected = new Map<string, { sha256: string; size: number }>();
  for (const c of chain.live) {
    for (const o of c.seal.objects) {
      const prev = expected.get(o.key);
      if (prev !== undefined && (prev.sha256 !== o.sha256 || prev.size !== o.size) && o.key.startsWith('data/')) {
        report.problems.push({ code: 'SEAL_INVALID', object: o.key, message: `two seals disagree on ${o.key}` });
      }
      expected.set(o.key, { sha256: o.sha256, size: o.size });
    }
  }
  const keys = [...expected.keys()].sort();
  const found: Problem[][] = keys.map(() => []);
  let done = 0;
  await eachLimited(keys.map((k, i) => [k, i] as const), 4, async ([key, i]) => {
    const exp = expected.get(key)!;
    const p = await hashObject(d, key, exp, Math.min(exp.size, limitOf(key)));
    if (p.problem !== undefined) found[i]!.push(p.problem);
    else {
      report.bytesRead += p.bytes;
      report.objects++;
    }
    options.onObject?.(++done, keys.length);
  });
  for (const f of found) report.problems.push(...f);
  const sealed = new Set(chain.live.map((c) => `snapshots/${c.seal.snapshot}`));
  for await (const o of d.list('snapshots/')) {
    if (!sealed.has(o.key)) report.notes.push({ code: 'SNAPSHOT_NOT_FOUND', object: o.key, message: `${o.key} has no live seal (an interrupted run, or pruned): it is not counted` });
  }
  return settle(report);
}

/** Reads one sealed object and compares it with its seal; a problem, or the bytes read. */
async function hashObject(d: Destination, key: string, exp: { sha256: string; size: number }, max: number): Promise<{ problem?: Problem; bytes: number }> {
  let data: Uint8Array;
  try {
    // config and key slots have their own bound; an object larger than sealed is refused unread
    data = await d.get(key, { maxBytes: key === 'config' ? LIMITS.config : max });
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING')) return { bytes: 0, problem: { code: 'OBJECT_MISSING', object: key, message: `${key} is listed by a seal but missing on "${d.info.name}"` } };
    if (isScelleError(e, 'OBJECT_TOO_LARGE')) return { bytes: 0, problem: { code: 'OBJECT_CORRUPT', object: key, message: `${key} is larger than its seal says (${exp.size} bytes): the object is corrupted` } };
    throw e;
  }
  const sha = sha256Hex(data);
  if (sha !== exp.sha256 || data.length !== exp.size) {
    return { bytes: data.length, problem: { code: 'OBJECT_CORRUPT', object: key, message: `${key} does not match its seal (SHA-256 ${sha.slice(0, 16)}…, ${data.length} bytes; sealed ${exp.sha256.slice(0, 16)}…, ${exp.size} bytes): the object is corrupted` } };
  }
  return { bytes: data.length };
}

export { verifyRepository, type VerifyRepositoryOptions } from './check-data.js';
