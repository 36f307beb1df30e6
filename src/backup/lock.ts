/**
 * Repository locks, as restic takes them: each command writes its own lock file
 * `locks/<random>` (JSON: host, process, time, operation, kind), then lists the others and backs
 * off when one conflicts. No atomic create and no delete right are needed: a destination whose
 * credentials cannot delete (an immutable S3 copy) releases a lock by overwriting it with a
 * `released` marker.
 *
 * Kinds: `shared` (verify, restore, list, drill: readers), `append` (run: adds objects, never
 * removes any), `exclusive` (prune, repair: remove or replace objects). Readers and a run go
 * together; a run excludes another run; prune excludes everything — so prune cannot delete an
 * object under a verify that would then report false damage.
 *
 * A lock is stale when its process is gone (same host) or when it was not refreshed for
 * `staleMs` (another host, or a frozen machine); stale locks are ignored and removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { LIMITS } from './objects.js';

/** Who holds a lock. */
export interface LockOwner {
  host?: string;
  pid?: number;
  /** Whether a process of this host is alive (the CLI passes `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

/** What a command does to the repository. */
export type LockKind = 'shared' | 'append' | 'exclusive';

interface LockInfo {
  scelle: 'backup-lock';
  host: string;
  pid: number;
  time: string;
  operation: string;
  kind: LockKind;
}

/** A held lock; `release` removes it (or marks it released), `refresh` rewrites its time. */
export interface HeldLock {
  release(): Promise<void>;
  refresh(): Promise<void>;
}

/** Options of {@link acquireLock}. */
export interface AcquireLockOptions {
  owner?: LockOwner;
  clock?: () => Date;
  /** A lock not refreshed for this long is stale. Default 30 minutes. */
  staleMs?: number;
  /**
   * A reader with read-only credentials (a vendor checking a copy) may be unable to write its lock:
   * then it only checks that nothing holds an exclusive lock. For `shared` locks only.
   */
  readOnlyOk?: boolean;
}

/** The released marker: its fixed size lets a list skip it without reading it. */
const RELEASED = Buffer.from('{"scelle":"backup-lock","released":true}\n');
const LOCKS = 'locks/';

function conflicts(mine: LockKind, theirs: LockKind): boolean {
  return mine === 'exclusive' || theirs === 'exclusive' || (mine === 'append' && theirs === 'append');
}

async function readLock(d: Destination, key: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(Buffer.from(await d.get(key, { maxBytes: LIMITS.lock })).toString('utf8')) as Partial<LockInfo> & { released?: boolean };
    if (v.released === true || v.scelle !== 'backup-lock' || typeof v.time !== 'string') return undefined;
    return { scelle: 'backup-lock', host: String(v.host), pid: Number(v.pid), time: v.time, operation: String(v.operation), kind: v.kind === 'shared' || v.kind === 'append' ? v.kind : 'exclusive' };
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING') || isScelleError(e, 'OBJECT_TOO_LARGE') || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** Removes a lock file, or marks it released when the credentials cannot delete. */
async function dropLock(d: Destination, key: string): Promise<void> {
  try {
    await d.delete(key);
  } catch (e) {
    if (!isScelleError(e, 'TARGET_ERROR')) throw e;
    await d.put(key, RELEASED);
  }
}

/**
 * Takes a lock of `kind` on one destination.
 * @throws ScelleError LOCKED (a live lock conflicts: names its operation, host, process), TARGET_*.
 */
export async function acquireLock(d: Destination, operation: string, kind: LockKind, options: AcquireLockOptions = {}): Promise<HeldLock> {
  const clock = options.clock ?? (() => new Date());
  const me = { host: options.owner?.host ?? hostname(), pid: options.owner?.pid ?? -1 };
  const key = `${LOCKS}${randomBytes(12).toString('hex')}`;
  const body = (): Buffer => Buffer.from(JSON.stringify({ scelle: 'backup-lock', ...me, time: clock().toISOString(), operation, kind } satisfies LockInfo));
  let written = true;
  try {
    await d.put(key, body());
  } catch (e) {
    if (!(kind === 'shared' && options.readOnlyOk && (isScelleError(e, 'TARGET_ERROR') || isScelleError(e, 'AUTH_FAILED')))) throw e;
    written = false;
  }
  try {
    await checkOthers(d, key, kind, me, clock, options);
  } catch (e) {
    if (written) await dropLock(d, key).catch(() => undefined);
    throw e;
  }
  return {
    release: async () => { if (written) await dropLock(d, key); },
    refresh: async () => { if (written) await d.put(key, body()); },
  };
}

async function checkOthers(d: Destination, mine: string, kind: LockKind, me: { host: string; pid: number }, clock: () => Date, options: AcquireLockOptions): Promise<void> {
  for await (const o of d.list(LOCKS)) {
    if (o.key === mine || o.size === RELEASED.length) continue;
    const info = await readLock(d, o.key);
    if (info === undefined) continue;
    const age = clock().getTime() - Date.parse(info.time);
    const deadHere = info.host === me.host && info.pid > 0 && info.pid !== me.pid && options.owner?.isAlive !== undefined && !options.owner.isAlive(info.pid);
    if (deadHere || !(age < (options.staleMs ?? 30 * 60_000))) {
      await dropLock(d, o.key).catch(() => undefined);
      continue;
    }
    if (!conflicts(kind, info.kind)) continue;
    throw new ScelleError('LOCKED', `the backup repository on "${d.info.name}" is in use by ${info.operation} (host ${info.host}, process ${info.pid}, since ${info.time})`, {
      params: { target: d.info.name, host: info.host, pid: info.pid, since: info.time, operation: info.operation, detail: `${info.operation}, ${info.host}, ${info.pid}, ${info.time}` },
      hint: 'wait for the other backup command to finish, then run this one again',
    });
  }
}

/** Locks of several destinations: every one taken, or none (those taken are released). */
export async function acquireLocks(destinations: Destination[], operation: string, kind: LockKind, options: AcquireLockOptions = {}): Promise<HeldLock> {
  const held: HeldLock[] = [];
  try {
    for (const d of destinations) held.push(await acquireLock(d, operation, kind, options));
  } catch (e) {
    for (const h of held) await h.release().catch(() => undefined);
    throw e;
  }
  return {
    release: async () => { for (const h of held) await h.release().catch(() => undefined); },
    refresh: async () => { for (const h of held) await h.refresh().catch(() => undefined); },
  };
}

/** A held local lock; `tookOver` says a previous command died holding it (an interrupted run). */
export interface LocalLock {
  release(): Promise<void>;
  tookOver: boolean;
}

/**
 * The local lock (`<stateDir>/lock`): one writing command per setup on this machine. A lock left
 * by a dead process (same host) is taken over.
 * @throws ScelleError LOCKED, IO_ERROR.
 */
export async function takeLocalLock(stateDir: string, owner?: LockOwner): Promise<LocalLock> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  const me = { host: owner?.host ?? hostname(), pid: owner?.pid ?? -1 };
  let tookOver = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const h = await open(path, 'wx', 0o600);
      await h.writeFile(JSON.stringify(me));
      await h.close();
      return { release: async () => { await rm(path, { force: true }); }, tookOver };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ScelleError('IO_ERROR', `cannot create the lock ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
      let other: { host?: string; pid?: number } = {};
      try {
        other = JSON.parse(await readFile(path, 'utf8')) as typeof other;
      } catch {
        // torn: stale
      }
      const alive = other.pid !== undefined && other.pid > 0 && other.host === me.host && (owner?.isAlive?.(other.pid) ?? true);
      if (alive && other.pid !== me.pid) {
        throw new ScelleError('LOCKED', `another backup command (process ${other.pid}) is running on this machine`, { params: { pid: other.pid ?? 0, host: other.host ?? '' }, hint: 'wait for it to finish' });
      }
      await rm(path, { force: true });
      tookOver = true;
    }
  }
  throw new ScelleError('LOCKED', `cannot take the lock ${path}`);
}

/** Runs `fn` under a lock of `kind` on `d` (released afterwards, whatever happens). */
export async function withLock<T>(d: Destination, operation: string, kind: LockKind, options: AcquireLockOptions, fn: () => Promise<T>): Promise<T> {
  const held = await acquireLock(d, operation, kind, options);
  try {
    return await fn();
  } finally {
    await held.release().catch(() => undefined);
  }
}
