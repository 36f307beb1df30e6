/**
 * The repository lock: `locks/lock` created with putIfAbsent on every target a command writes
 * to. A lock names its host and process; it is stale when that process is gone (same host) or
 * when it was not refreshed for `staleMs` (another host, or a frozen machine).
 */
import { hostname } from 'node:os';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';

export const LOCK_KEY = 'locks/lock';

/** Who holds a lock. */
export interface LockOwner {
  host?: string;
  pid?: number;
  /** Whether a process of this host is alive (the CLI passes `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

interface LockInfo {
  host: string;
  pid: number;
  time: string;
  operation: string;
}

/** A held lock; `release` deletes it, `refresh` rewrites its time. */
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
}

/**
 * Takes the lock of one target.
 * @throws ScelleError LOCKED (another live process holds it), TARGET_*.
 */
export async function acquireLock(t: Destination, operation: string, options: AcquireLockOptions = {}): Promise<HeldLock> {
  const clock = options.clock ?? (() => new Date());
  const me = { host: options.owner?.host ?? hostname(), pid: options.owner?.pid ?? -1 };
  const body = (): Buffer => Buffer.from(JSON.stringify({ ...me, time: clock().toISOString(), operation } satisfies LockInfo));
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await t.putIfAbsent(LOCK_KEY, body())) {
      return {
        release: async () => { await t.delete(LOCK_KEY); },
        refresh: async () => { await t.put(LOCK_KEY, body()); },
      };
    }
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(Buffer.from(await t.get(LOCK_KEY)).toString('utf8')) as LockInfo;
    } catch (e) {
      if (isScelleError(e, 'OBJECT_MISSING')) continue; // released meanwhile
      info = undefined; // unreadable: a lock torn by a crash on a target without atomic puts
    }
    const age = info === undefined ? Infinity : clock().getTime() - Date.parse(info.time);
    const deadHere = info !== undefined && info.host === me.host && info.pid > 0 && options.owner?.isAlive !== undefined && !options.owner.isAlive(info.pid);
    if (info === undefined || deadHere || !(age < (options.staleMs ?? 30 * 60_000))) {
      await t.delete(LOCK_KEY);
      continue;
    }
    throw new ScelleError('LOCKED', `the backup repository on "${t.info.name}" is locked by ${info.operation} (host ${info.host}, process ${info.pid}, since ${info.time})`, {
      params: { target: t.info.name, host: info.host, pid: info.pid, since: info.time },
      hint: 'wait for the other backup command to finish',
    });
  }
  throw new ScelleError('LOCKED', `the lock of "${t.info.name}" keeps changing hands`, { params: { target: t.info.name } });
}
