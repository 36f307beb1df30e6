/**
 * Which destinations a writing command (run, prune) may write to: each is probed, must hold the
 * expected repository, and its chain of seals must be whole, name this destination, and be at
 * least as new as the local journal says — a destination replaced by an older copy, or by another
 * practice's repository, is refused by name instead of being appended to. Only `create` makes a
 * missing destination (a folder, a drive label) and fills an empty one with the repository's
 * config and key slots.
 */
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import type { Destination, MediaKind } from './destination/destination.js';
import { checkHead, readChain, type Chain } from './chain.js';
import { limitOf } from './objects.js';
import type { ActiveSet } from './pack-uploader.js';
import { readRepoConfig, type RepoConfig } from './repository.js';
import type { BackupState } from './state.js';

/** One destination's outcome. */
export interface DestinationOutcome {
  name: string;
  media: MediaKind;
  status: 'written' | 'offline' | 'failed';
  code?: ErrorCode;
  reason?: string;
  /** Objects copied to catch it up. */
  caughtUp?: number;
  /** It was created (`--create`). */
  created?: boolean;
}

/** Events of a writing command about its destinations. */
export type DestinationEvent =
  | { type: 'destination'; destination: string; media: MediaKind; online: boolean; reason?: string }
  | { type: 'destination-failed'; destination: string; code: string; message: string }
  | { type: 'destination-created'; destination: string };

/** The destinations of a command, the active ones, and what happened to the others. */
export class DestinationSet implements ActiveSet {
  readonly active: Destination[] = [];
  readonly outcomes = new Map<string, DestinationOutcome>();
  readonly chains = new Map<Destination, Chain>();
  /** Destinations made by this command (`--create`). */
  readonly created = new Set<string>();

  constructor(private readonly emit: (e: DestinationEvent) => void) {}

  fail(d: Destination, e: unknown): void {
    const i = this.active.indexOf(d);
    if (i >= 0) this.active.splice(i, 1);
    const code = (e as ScelleError).code ?? 'TARGET_ERROR';
    this.outcomes.set(d.info.name, { name: d.info.name, media: d.info.media, status: 'failed', code, reason: (e as Error).message });
    this.emit({ type: 'destination-failed', destination: d.info.name, code, message: (e as Error).message });
  }

  offline(d: Destination, reason: string): void {
    this.outcomes.set(d.info.name, { name: d.info.name, media: d.info.media, status: 'offline', reason });
  }
}

/** Options of {@link prepareDestinations}. */
export interface PrepareOptions {
  repository: { id: string; recipient: string };
  state: BackupState;
  /** Create missing destinations and fill empty ones (`--create`). */
  create?: boolean;
  emit: (e: DestinationEvent) => void;
}

/** Codes of chain problems that forbid appending a seal. */
const BLOCKING: ErrorCode[] = ['REPO_MISMATCH', 'DESTINATION_MISMATCH', 'SEAL_CHAIN_BROKEN', 'ROLLBACK_DETECTED'];

/**
 * Probes and binds every destination. Returns the set (active ones first in config order) and the
 * repository config.
 * @throws ScelleError TARGET_OFFLINE when none is usable, REPO_NOT_FOUND when none holds the repository.
 */
export async function prepareDestinations(destinations: Destination[], o: PrepareOptions): Promise<{ set: DestinationSet; config: RepoConfig }> {
  const set = new DestinationSet(o.emit);
  const empty: Destination[] = [];
  let config: RepoConfig | undefined;
  const results = await Promise.all(destinations.map((d) => bind(d, o, set)));
  for (const [i, r] of results.entries()) {
    const d = destinations[i]!;
    if (r.kind === 'offline') set.offline(d, r.reason);
    else if (r.kind === 'failed') set.fail(d, r.error);
    else if (r.kind === 'empty') empty.push(d);
    else {
      config ??= r.config;
      set.active.push(d);
      set.chains.set(d, r.chain);
    }
  }
  if (empty.length > 0) await fillEmpty(set, empty, config);
  if (set.active.length === 0) {
    const failed = [...set.outcomes.values()].filter((x) => x.status === 'failed');
    if (failed.length > 0 && config === undefined && failed.every((f) => f.code === 'REPO_NOT_FOUND')) {
      throw new ScelleError('REPO_NOT_FOUND', 'no reachable destination holds the backup repository', { hint: 'a disk or share not mounted? check the destinations; `--create` makes a new empty destination a copy' });
    }
    throw new ScelleError('TARGET_OFFLINE', failed.length > 0 ? `no backup destination can be used: ${failed.map((f) => `${f.name} (${f.code})`).join(', ')}` : 'no backup destination is reachable: nothing was done', { hint: 'plug in a backup drive or check the network, then run again' });
  }
  return { set, config: config! };
}

type Bound =
  | { kind: 'offline'; reason: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'empty' }
  | { kind: 'ok'; config: RepoConfig; chain: Chain };

async function bind(d: Destination, o: PrepareOptions, set: DestinationSet): Promise<Bound> {
  try {
    let p = await d.probe();
    if (!p.online && o.create) {
      await d.create();
      set.created.add(d.info.name);
      o.emit({ type: 'destination-created', destination: d.info.name });
      p = await d.probe();
    }
    o.emit({ type: 'destination', destination: d.info.name, media: d.info.media, online: p.online, ...(p.online ? {} : { reason: p.reason }) });
    if (!p.online) return { kind: 'offline', reason: p.reason };
    let config: RepoConfig;
    try {
      config = await readRepoConfig(d);
    } catch (e) {
      if (isScelleError(e, 'REPO_NOT_FOUND') && o.create) return { kind: 'empty' };
      if (isScelleError(e, 'REPO_NOT_FOUND')) {
        return { kind: 'failed', error: new ScelleError('REPO_NOT_FOUND', `destination "${d.info.name}" holds no backup repository: nothing was written there (a disk or share not mounted, or a wiped copy?)`, { params: { target: d.info.name }, hint: 'mount it, or run `scelle backup run --create` to make this empty destination a new copy' }) };
      }
      throw e;
    }
    if (config.id !== o.repository.id) return { kind: 'failed', error: new ScelleError('REPO_MISMATCH', `destination "${d.info.name}" holds another backup repository (${config.id}, not ${o.repository.id}): nothing was written there`, { params: { target: d.info.name } }) };
    if (config.recipient !== o.repository.recipient) return { kind: 'failed', error: new ScelleError('CONFIG_INVALID', `the public key in the config does not match the repository on "${d.info.name}"`, { params: { target: d.info.name, detail: 'recipient mismatch' } }) };
    const chain = await readChain(d, { repository: config.id, destination: d.info.name });
    const head = o.state.destinations[d.info.name]?.head;
    const problems = [...chain.problems, ...checkHead(chain, head ? [{ ...head, source: 'the local journal' }] : [])];
    const blocking = problems.find((x) => BLOCKING.includes(x.code));
    if (blocking !== undefined) return { kind: 'failed', error: new ScelleError(blocking.code, `destination "${d.info.name}": ${blocking.message}; nothing was written there`, { params: { target: d.info.name, detail: blocking.message, ...(blocking.object ? { object: blocking.object } : {}) }, hint: '`scelle backup verify --no-key` lists every problem; `scelle backup repair` puts back what another copy or this computer still has' }) };
    return { kind: 'ok', config, chain };
  } catch (e) {
    if (e instanceof ScelleError && e.code === 'TARGET_OFFLINE') return { kind: 'offline', reason: String(e.params.detail ?? e.message) };
    return { kind: 'failed', error: e };
  }
}

/** Makes empty destinations copies: config and key slots from an active destination (config last). */
async function fillEmpty(set: DestinationSet, empty: Destination[], config: RepoConfig | undefined): Promise<void> {
  const source = set.active[0];
  for (const d of empty) {
    if (source === undefined || config === undefined) {
      set.fail(d, new ScelleError('REPO_NOT_FOUND', `destination "${d.info.name}" is empty and no other reachable destination holds the repository to copy`, { params: { target: d.info.name } }));
      continue;
    }
    try {
      for await (const o of source.list('keys/')) await d.putIfAbsent(o.key, await source.get(o.key, { maxBytes: limitOf(o.key) }));
      await d.putIfAbsent('config', await source.get('config', { maxBytes: limitOf('config') }));
      set.active.push(d);
      set.chains.set(d, { seals: [], head: undefined, live: [], removed: new Map(), destination: d.info.name, problems: [] });
      set.created.add(d.info.name);
    } catch (e) {
      set.fail(d, e);
    }
  }
}
