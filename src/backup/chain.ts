/**
 * The seal chain of one destination (docs/FORMAT.md, "Seals"): seals 1…n, each naming the
 * SHA-256 of the one before. Reading it needs no key. What it reveals, each with its own code:
 * a seal of another repository (REPO_MISMATCH) or of another destination (DESTINATION_MISMATCH),
 * a removed or replaced seal (SEAL_CHAIN_BROKEN), a head older than what the local journal, another
 * destination or the caller has seen (ROLLBACK_DETECTED). Prune removes old seals but records
 * their hashes in its own seal, so the chain stays whole.
 */
import { isScelleError, ScelleError, type ErrorCode } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { sha256Hex } from './envelope.js';
import { MAX_SEAL_BYTES, parseSeal, sequenceOfKey, type Seal } from './seal.js';

/** One problem (or note) found, with the object it concerns. */
export interface Problem {
  code: ErrorCode;
  /** The object concerned (`data/3f/3f9a…`, `seals/0000000004.seal`). */
  object?: string;
  message: string;
}

/** A seal read from a destination. */
export interface ChainSeal {
  key: string;
  seal: Seal;
  /** SHA-256 of its bytes: what the next seal names. */
  sha256: string;
  bytes: Uint8Array;
}

/** A destination's chain. */
export interface Chain {
  /** The seals present that belong here, by sequence. */
  seals: ChainSeal[];
  /** The newest of them. */
  head: ChainSeal | undefined;
  /** Snapshot seals not removed by prune: the snapshots this copy holds. */
  live: ChainSeal[];
  /** Sequence → SHA-256 of every seal prune removed (from the newest prune seal). */
  removed: Map<number, string>;
  /** The destination name the seals give (when the caller did not know it). */
  destination: string | undefined;
  problems: Problem[];
}

/** What a head must at least be, and who says so (the journal, another destination, the caller). */
export interface KnownHead {
  sequence: number;
  sha256: string;
  time?: string;
  /** Who saw it: `the local journal`, `destination "nas"`. */
  source: string;
}

/** Options of {@link readChain}. */
export interface ReadChainOptions {
  /** The repository the seals must name. */
  repository: string;
  /** The destination name the seals must give; when absent, the one the seals agree on. */
  destination?: string;
}

/** Reads every seal of a destination, keeps those that belong, and checks the links. */
export async function readChain(d: Destination, options: ReadChainOptions): Promise<Chain> {
  const chain: Chain = { seals: [], head: undefined, live: [], removed: new Map(), destination: options.destination, problems: [] };
  const keys: { key: string; sequence: number }[] = [];
  for await (const o of d.list('seals/')) {
    const sequence = sequenceOfKey(o.key);
    if (sequence !== undefined) keys.push({ key: o.key, sequence });
    else if (!/^seals\/\d{10}\.p7s$/.test(o.key)) chain.problems.push({ code: 'SEAL_INVALID', object: o.key, message: `${o.key} is not a seal of this format: a foreign or damaged object` });
  }
  keys.sort((a, b) => a.sequence - b.sequence);
  const read: ChainSeal[] = [];
  for (const { key, sequence } of keys) {
    const c = await readOne(d, key, sequence, chain.problems);
    if (c !== undefined) read.push(c);
  }
  for (const c of read) {
    if (c.seal.repository !== options.repository) {
      chain.problems.push({ code: 'REPO_MISMATCH', object: c.key, message: `${c.key} is a seal of another backup repository (${c.seal.repository}, not ${options.repository}): refused` });
      continue;
    }
    chain.destination ??= c.seal.destination;
    if (c.seal.destination !== chain.destination) {
      chain.problems.push({ code: 'DESTINATION_MISMATCH', object: c.key, message: `${c.key} is a seal of destination "${c.seal.destination}", not of "${chain.destination}": copies were swapped or mixed` });
      continue;
    }
    chain.seals.push(c);
  }
  const prunes = chain.seals.filter((c) => c.seal.kind === 'prune');
  for (const r of prunes[prunes.length - 1]?.seal.removed ?? []) chain.removed.set(r.sequence, r.sha256);
  checkLinks(chain);
  chain.head = chain.seals[chain.seals.length - 1];
  chain.live = chain.seals.filter((c) => c.seal.kind === 'snapshot' && !chain.removed.has(c.seal.sequence));
  return chain;
}

async function readOne(d: Destination, key: string, sequence: number, problems: Problem[]): Promise<ChainSeal | undefined> {
  try {
    const bytes = await d.get(key, { maxBytes: MAX_SEAL_BYTES });
    const seal = parseSeal(bytes, key);
    if (seal.sequence !== sequence) throw new ScelleError('SEAL_INVALID', `${key} says it is seal ${seal.sequence}: a seal moved or replaced`, { params: { object: key } });
    return { key, seal, sha256: sha256Hex(bytes), bytes };
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING')) return undefined; // removed meanwhile
    if (!(e instanceof ScelleError) || e.code === 'TARGET_OFFLINE' || e.code === 'TARGET_ERROR' || e.code === 'AUTH_FAILED') throw e;
    problems.push({ code: e.code === 'OBJECT_TOO_LARGE' ? 'SEAL_INVALID' : e.code, object: key, message: e.message });
    return undefined;
  }
}

/** Checks sequence 1…head: each seal present (or recorded as removed) and linked to the one before. */
function checkLinks(chain: Chain): void {
  const bySeq = new Map(chain.seals.map((c) => [c.seal.sequence, c]));
  const last = chain.seals[chain.seals.length - 1]?.seal.sequence ?? 0;
  let previousTime = '';
  for (let seq = 1; seq <= last; seq++) {
    const c = bySeq.get(seq);
    const recorded = chain.removed.get(seq);
    if (c === undefined) {
      if (recorded === undefined) chain.problems.push({ code: 'SEAL_CHAIN_BROKEN', object: keyOf(seq), message: `seal ${seq} is missing: the chain of seals is broken (a seal was deleted)` });
      continue;
    }
    if (recorded !== undefined && recorded !== c.sha256) {
      chain.problems.push({ code: 'SEAL_CHAIN_BROKEN', object: c.key, message: `seal ${seq} is not the seal prune recorded: it was replaced` });
    }
    if (seq > 1) {
      const before = bySeq.get(seq - 1)?.sha256 ?? chain.removed.get(seq - 1);
      if (before !== undefined && c.seal.previous !== before) {
        chain.problems.push({ code: 'SEAL_CHAIN_BROKEN', object: c.key, message: `seal ${seq} does not follow seal ${seq - 1} (it names another previous seal): the chain was altered` });
      }
    }
    if (previousTime !== '' && c.seal.time < previousTime) {
      chain.problems.push({ code: 'SEAL_CHAIN_BROKEN', object: c.key, message: `seal ${seq} is dated ${c.seal.time}, before seal ${seq - 1} (${previousTime})` });
    }
    previousTime = c.seal.time;
  }
}

function keyOf(seq: number): string {
  return `seals/${String(seq).padStart(10, '0')}.seal`;
}

/**
 * Compares a chain's head with heads seen elsewhere: an older head is ROLLBACK_DETECTED, a seal
 * that differs from what was seen is SEAL_CHAIN_BROKEN. `expectAfter`: the head must be at least
 * that recent.
 */
export function checkHead(chain: Chain, known: readonly KnownHead[], expectAfter?: Date): Problem[] {
  const out: Problem[] = [];
  const head = chain.head;
  const name = chain.destination ?? 'this destination';
  for (const k of known) {
    if (head === undefined || head.seal.sequence < k.sequence) {
      out.push({
        code: 'ROLLBACK_DETECTED',
        ...(head ? { object: head.key } : {}),
        message: `"${name}" is older than it was: its newest seal is ${head?.seal.sequence ?? 'none'}${head ? ` (${head.seal.time})` : ''}, but ${k.source} saw seal ${k.sequence}${k.time ? ` (${k.time})` : ''} — the copy was replaced by an older one, or seals were deleted`,
      });
      continue;
    }
    const seen = chain.seals.find((c) => c.seal.sequence === k.sequence)?.sha256 ?? chain.removed.get(k.sequence);
    if (seen !== undefined && seen !== k.sha256) {
      out.push({ code: 'SEAL_CHAIN_BROKEN', object: keyOf(k.sequence), message: `seal ${k.sequence} of "${name}" is not the one ${k.source} saw: the copy's history was rewritten (it diverges)` });
    }
  }
  if (expectAfter !== undefined && (head === undefined || Date.parse(head.seal.time) < expectAfter.getTime())) {
    out.push({
      code: 'ROLLBACK_DETECTED',
      ...(head ? { object: head.key } : {}),
      message: `the newest seal of "${name}" is ${head ? `from ${head.seal.time}` : 'absent'}, older than the expected ${expectAfter.toISOString()}: the copy is stale or was rolled back`,
    });
  }
  return out;
}

/** The heads that destination `name` must have, according to the head seals of the other chains. */
export function witnessedHeads(name: string, others: readonly { name: string; chain: Chain }[]): KnownHead[] {
  const out: KnownHead[] = [];
  for (const o of others) {
    if (o.name === name || o.chain.head === undefined) continue;
    for (const w of o.chain.head.seal.witnesses) {
      if (w.destination === name) out.push({ sequence: w.sequence, sha256: w.sha256, source: `destination "${o.name}" (its seal ${o.chain.head.seal.sequence}, ${o.chain.head.seal.time})` });
    }
  }
  return out;
}
