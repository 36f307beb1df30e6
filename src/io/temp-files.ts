/**
 * Temp files: where every output is written before it is renamed into place (atomic-output.ts).
 *
 * - Names: `.NAME.PID-RANDOM.tmp` next to the destination (same file system, so the rename is
 *   atomic), hidden, with the writer's process id when a {@link TempScope} gives it.
 * - Modes: a temp file is created 0600 whatever the umask, so unauthenticated plaintext (a
 *   decryption or an import in progress) is never readable by others, even left behind.
 * - Interruption: the temp files being written in a {@link TempScope} (one CLI command) are known,
 *   so Ctrl-C can remove them all at once ({@link removeLiveTemps}).
 * - Leftovers: a process killed with SIGKILL cannot clean up; {@link sweepStaleTemps} removes the
 *   temp files of dead writers (or, when the writer cannot be told, those older than an hour)
 *   from a folder the next run writes into.
 *
 * The scope travels with the asynchronous context (AsyncLocalStorage): library code finds it
 * without it being passed through every call, and two runs in one process never see each other's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { rmSync, readFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The temp files of one run (a CLI command); see {@link runInTempScope}. */
export interface TempScope {
  /** Temp files being written now. */
  readonly live: Set<string>;
  /** Folders swept for leftovers in this run (each is swept once). */
  readonly swept: Set<string>;
  /** This process's id: written into temp names, so that a later run can tell a dead writer's leftovers. */
  readonly pid?: number;
  /** Whether process `pid` is running (for leftovers). Without it only age decides. */
  readonly isAlive?: (pid: number) => boolean;
  /** The process's umask (for the final mode of outputs that are not secret). */
  readonly umask?: number;
  /** Temp names of this scope: a random tag, then a counter (a random draw per name cost 10 µs). */
  readonly names: { tag: string; next: number };
}

const scopes = new AsyncLocalStorage<TempScope>();

/** A new scope (the CLI makes one per command, with its pid, a liveness test and its umask). */
export function createTempScope(options: { pid?: number; isAlive?: (pid: number) => boolean; umask?: number } = {}): TempScope {
  return { live: new Set(), swept: new Set(), names: { tag: randomBytes(3).toString('hex'), next: 0 }, ...options };
}

/** Runs `fn` with `scope` as the current scope of everything it starts. */
export function runInTempScope<T>(scope: TempScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The scope of the running code, if any. */
export function currentTempScope(): TempScope | undefined {
  return scopes.getStore();
}

/**
 * Removes every temp file of `scope` now, synchronously (for a signal handler that exits next).
 * Never throws. Returns the paths removed.
 */
export function removeLiveTemps(scope: TempScope): string[] {
  const removed: string[] = [];
  for (const p of scope.live) {
    try {
      rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // already gone, or the folder vanished
    }
  }
  scope.live.clear();
  return removed;
}

/** Temp file name next to `path`: `.NAME.PID-RANDOM.tmp` (RANDOM: 12 hex digits). */
export function tempPathFor(path: string): string {
  const scope = currentTempScope();
  let unique: string;
  if (scope === undefined) unique = randomBytes(6).toString('hex');
  else {
    unique = `${scope.names.tag}${(scope.names.next & 0xffffff).toString(16).padStart(6, '0')}`;
    scope.names.next++;
  }
  return join(dirname(path), `.${basename(path)}.${scope?.pid !== undefined ? `${scope.pid}-` : ''}${unique}.tmp`);
}

/** Records `temp` as being written (removed on interruption); returns the function that forgets it. */
export function trackTemp(temp: string): () => void {
  const scope = currentTempScope();
  if (scope === undefined) return () => undefined;
  scope.live.add(temp);
  return () => void scope.live.delete(temp);
}

/**
 * The umask, for the final mode of an output that is not secret: the scope's, else the kernel's
 * (/proc/self/status on Linux), else the usual 022.
 */
export function currentUmask(): number {
  const given = currentTempScope()?.umask;
  if (given !== undefined) return given;
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (m !== null) return parseInt(m[1]!, 8);
  } catch {
    // not Linux
  }
  return 0o022;
}

/** Temp files written by scelle: `.NAME.[PID-]RANDOM.tmp` (older versions wrote no PID). */
const TEMP_NAME = /^\..+\.(?:(\d+)-)?[0-9a-f]{12}\.tmp$/;

/** A temp file whose writer cannot be told dead is left alone this long. */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes scelle's leftover temp files from `dir`: those of a writer that is no longer running,
 * and those older than {@link STALE_TEMP_AGE_MS} whose writer cannot be told (only the user's own
 * files, never one being written in this run). Each folder is swept once per scope. Never throws.
 * @returns The paths removed.
 */
export async function sweepStaleTemps(dir: string, options: { now?: Date } = {}): Promise<string[]> {
  const scope = currentTempScope();
  if (scope?.swept.has(dir)) return [];
  scope?.swept.add(dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => TEMP_NAME.test(n));
  } catch {
    return [];
  }
  const now = (options.now ?? new Date()).getTime();
  const uid = ownUid();
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (scope?.live.has(path)) continue;
    try {
      const st = await lstat(path);
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue;
      const pid = TEMP_NAME.exec(name)?.[1];
      const writer = pid === undefined ? undefined : Number(pid);
      if (writer !== undefined && writer === scope?.pid) continue;
      const dead = writer !== undefined && scope?.isAlive !== undefined && !scope.isAlive(writer);
      if (!dead && now - st.mtimeMs < STALE_TEMP_AGE_MS) continue;
      await rm(path, { force: true });
      removed.push(path);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

function ownUid(): number | undefined {
  try {
    const uid = userInfo().uid;
    return uid >= 0 ? uid : undefined;
  } catch {
    return undefined;
  }
}
