/**
 * `backup repair`: puts back what a destination lost, from what another destination (or this
 * computer) still has. For each destination: the seals missing from its chain, from the copies
 * the local state kept when they were written (checked against the chain's links); then every
 * object its live seals list that is missing or does not match — the key slots and the config
 * too — read from a healthy destination and checked by its SHA-256 before it is written, and read
 * back and checked again after. Needs no key. What cannot be repaired is named.
 */
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { readChain, type Chain } from './chain.js';
import { sha256Hex } from './envelope.js';
import { acquireLock, type LockOwner } from './lock.js';
import { limitOf, readVerified } from './objects.js';
import { expectRepository } from './repository.js';
import { sealKey, sealSignatureKey } from './seal.js';
import { readSealCopy, updateState, type BackupState } from './state.js';

/** What repair did on one destination. */
export interface RepairOutcome {
  destination: string;
  /** Objects and seals put back. */
  repaired: string[];
  /** What could not be put back, and why. */
  unrepairable: { object: string; reason: string }[];
  ok: boolean;
}

/** Options of {@link repairDestinations}. */
export interface RepairOptions {
  repository: string;
  /** Every configured destination (sources and targets of the repair). */
  destinations: Destination[];
  /** Only repair these (default: every reachable one). */
  only?: string[];
  stateDir?: string;
  state?: BackupState;
  owner?: LockOwner;
  clock?: () => Date;
}

/**
 * Repairs destinations from the others.
 * @throws ScelleError TARGET_OFFLINE when no destination is reachable, LOCKED.
 */
export async function repairDestinations(options: RepairOptions): Promise<RepairOutcome[]> {
  const online: Destination[] = [];
  for (const d of options.destinations) if ((await d.probe().catch(() => ({ online: false }))).online) online.push(d);
  if (online.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable: nothing to repair');
  const targets = online.filter((d) => options.only === undefined || options.only.includes(d.info.name));
  const out: RepairOutcome[] = [];
  for (const d of targets) {
    const outcome: RepairOutcome = { destination: d.info.name, repaired: [], unrepairable: [], ok: false };
    const lock = await acquireLock(d, 'backup repair', 'exclusive', { ...(options.owner ? { owner: options.owner } : {}), ...(options.clock ? { clock: options.clock } : {}) });
    try {
      await repairOne(d, online.filter((s) => s !== d), options, outcome);
    } finally {
      await lock.release().catch(() => undefined);
    }
    outcome.ok = outcome.unrepairable.length === 0;
    out.push(outcome);
    if (options.stateDir !== undefined) {
      await updateState(options.stateDir, (s) => {
        s.destinations[d.info.name] = { ...s.destinations[d.info.name], lastCheck: { time: (options.clock ?? (() => new Date()))().toISOString(), ok: outcome.ok, problems: outcome.unrepairable.length, codes: outcome.ok ? [] : ['OBJECT_MISSING'], command: 'repair' } };
      });
    }
  }
  return out;
}

async function repairOne(d: Destination, sources: Destination[], options: RepairOptions, outcome: RepairOutcome): Promise<void> {
  try {
    await expectRepository(d, options.repository);
  } catch (e) {
    if (!isScelleError(e, 'REPO_NOT_FOUND')) throw e;
    // a wiped copy: its config and key slots come back first, then what its seals list
    await copyFrom(d, sources, 'config', undefined, outcome);
    for (const s of sources) {
      for await (const o of s.list('keys/')) await copyFrom(d, [s], o.key, undefined, outcome);
      break;
    }
  }
  const chain = await restoreSeals(d, options, outcome);
  const expected = new Map<string, string>();
  for (const c of chain.live) for (const o of c.seal.objects) expected.set(o.key, o.sha256);
  for (const [key, sha] of [...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const sound = await d.get(key, { maxBytes: limitOf(key) }).then((b) => sha256Hex(b) === sha, (e: unknown) => {
      if (isScelleError(e, 'OBJECT_MISSING') || isScelleError(e, 'OBJECT_TOO_LARGE')) return false;
      throw e;
    });
    // an immutable copy is its own best source: the locked version of what was damaged
    if (!sound) await copyFrom(d, d.retention !== undefined ? [d, ...sources] : sources, key, sha, outcome);
  }
}

/** Copies `key` from the first source whose copy matches `sha` (or any, for an unlisted key), then reads it back. */
async function copyFrom(d: Destination, sources: Destination[], key: string, sha: string | undefined, outcome: RepairOutcome): Promise<void> {
  for (const s of sources) {
    let data: Uint8Array;
    try {
      data = sha === undefined ? await s.get(key, { maxBytes: limitOf(key) }) : (await readVerified(s, key, { expected: sha })).data;
    } catch (e) {
      if (isScelleError(e, 'OBJECT_MISSING') || isScelleError(e, 'OBJECT_CORRUPT') || isScelleError(e, 'OBJECT_TOO_LARGE')) continue;
      throw e;
    }
    const want = sha ?? sha256Hex(data);
    await d.put(key, data);
    const back = await d.get(key, { maxBytes: limitOf(key) });
    if (sha256Hex(back) !== want) {
      outcome.unrepairable.push({ object: key, reason: `written from "${s.info.name}" but read back different: the destination is failing` });
      return;
    }
    outcome.repaired.push(key);
    return;
  }
  outcome.unrepairable.push({ object: key, reason: 'no other destination has a sound copy' });
}

/** Puts back missing or damaged seals from the copies kept locally, when they fit the chain. */
async function restoreSeals(d: Destination, options: RepairOptions, outcome: RepairOutcome): Promise<Chain> {
  let chain = await readChain(d, { repository: options.repository, destination: d.info.name });
  const head = options.state?.destinations[d.info.name]?.head;
  const last = Math.max(chain.head?.seal.sequence ?? 0, head?.sequence ?? 0);
  const present = new Set(chain.seals.map((c) => c.seal.sequence));
  let changed = false;
  for (let seq = 1; seq <= last; seq++) {
    if (present.has(seq) || chain.removed.has(seq)) continue;
    const copy = options.stateDir === undefined ? undefined : await readSealCopy(options.stateDir, d.info.name, seq);
    if (copy === undefined) {
      outcome.unrepairable.push({ object: sealKey(seq), reason: 'this computer kept no copy of this seal' });
      continue;
    }
    if (copy.signature !== undefined) await d.put(sealSignatureKey(seq), copy.signature);
    await d.put(sealKey(seq), copy.text);
    outcome.repaired.push(sealKey(seq));
    changed = true;
  }
  if (changed) chain = await readChain(d, { repository: options.repository, destination: d.info.name });
  for (const p of chain.problems.filter((x) => x.code === 'SEAL_CHAIN_BROKEN')) outcome.unrepairable.push({ object: p.object ?? 'seals/', reason: p.message });
  return chain;
}
