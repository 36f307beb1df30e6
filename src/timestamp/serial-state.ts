/**
 * Serial numbers of a time-stamping authority, unique for the life of the TSA (RFC 3161 §2.4.2:
 * "Time-Stamping users MUST be ready to accommodate integers up to 160 bits"; the serial number
 * "MUST be unique for each TimeStampToken issued by a given TSA"), kept in a state folder so that
 * a restart — or a crash, or a power cut — never issues a serial twice.
 *
 * The scheme (specified in docs/FORMAT.md, "TSA state folder"):
 * - `serial = folderId (64 bits) ‖ counter (64 bits)`: 16 octets, well under the 20 octets of
 *   RFC 3161. `folderId` is random, made once when the folder is created: two state folders used
 *   with the same TSA key (a mistake, but one that happens) still never collide in practice.
 * - The counter is reserved by blocks: `reserved = counter + block` is written atomically (temp
 *   file, fsync, rename, fsync the folder) *before* any serial of that block is issued. After a
 *   crash the TSA restarts at the persisted high-water mark: serials of the block in flight are
 *   skipped, never reused. The next block is reserved in the background when half of the current
 *   one is used, so issuing does not wait on the disk.
 * - The counter also never starts below `clock() in ms × 1000`: a state file lost or restored from
 *   an old backup cannot make the counter go back below serials issued since, as long as the clock
 *   does not go back and the TSA issues fewer than a million tokens per second.
 * - One process at a time: on Linux the folder is locked by an abstract Unix socket named after
 *   the folder's device and inode. The kernel releases it when the process dies (kill -9
 *   included), so there is no stale lock to clean up. Elsewhere, a `lock` file created
 *   exclusively (deleted on close; after a crash, delete it by hand).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { platform } from 'node:os';
import { join } from 'node:path';
import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Name of the state file in the folder. */
export const SERIAL_STATE_FILE = 'tsa-serial.json';

/** The `format` value of the state file. */
export const SERIAL_STATE_FORMAT = 'scelle-tsa-serial';

/** Unique serial numbers for a TSA (see the module header for the scheme). */
export interface SerialState {
  /** The state folder. */
  readonly dir: string;
  /** The folder's random 64-bit id (hex), the high half of every serial. */
  readonly folderId: string;
  /**
   * The next serial number, as an unsigned big-endian integer (16 bytes). Concurrency-safe within
   * the process: concurrent calls get distinct serials.
   * @throws ScelleError `IO_ERROR` when the reservation cannot be written, `USAGE` after close.
   */
  next(): Promise<Uint8Array>;
  /** Releases the lock. Serials left in the reserved block are never issued. */
  close(): Promise<void>;
}

/** Options of {@link openSerialState}. */
export interface SerialStateOptions {
  /** Serials reserved per write (default 1000). */
  block?: number;
  /** The clock for the counter's floor. Default `() => new Date()`. */
  clock?: () => Date;
}

interface StateFile {
  format: string;
  version: number;
  folderId: string;
  /** Decimal: no serial at or above this counter value has been issued. */
  reserved: string;
}

const MAX_COUNTER = (1n << 64n) - 1n;

/**
 * Opens (creating if needed) a TSA state folder, locks it and reserves a first block.
 * @throws ScelleError `LOCKED` when another process (or another {@link SerialState} of this one)
 *   has the folder open; `IO_ERROR` when the folder or the state file cannot be read or written,
 *   or the state file is damaged (it is never silently replaced: that could restart the counter).
 */
export async function openSerialState(dir: string, options: SerialStateOptions = {}): Promise<SerialState> {
  const block = BigInt(Math.floor(options.block ?? 1000));
  if (block < 1n) throw new ScelleError('USAGE', 'the serial reservation block must be at least 1');
  const clock = options.clock ?? (() => new Date());
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ScelleError('IO_ERROR', `cannot create the TSA state folder ${dir}: ${(e as Error).message}`, { cause: e, params: { file: dir } });
  }
  const release = await lockFolder(dir);
  try {
    const path = join(dir, SERIAL_STATE_FILE);
    const state = await readState(path);
    const floor = BigInt(Math.max(0, Math.floor(clock().getTime()))) * 1000n;
    let next = state.reserved > floor ? state.reserved : floor;
    const folderId = state.folderId;
    const write = async (reserved: bigint): Promise<void> => {
      if (reserved > MAX_COUNTER) throw new ScelleError('IO_ERROR', `the TSA serial counter of ${dir} is exhausted`, { params: { file: dir } });
      const body: StateFile = { format: SERIAL_STATE_FORMAT, version: 1, folderId, reserved: reserved.toString() };
      await writeFileAtomic(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    };
    let persisted = next + block;
    await write(persisted);
    let pending: Promise<void> | undefined;
    let closed = false;
    const extend = (): Promise<void> => {
      if (pending !== undefined) return pending;
      const target = (persisted > next ? persisted : next) + block;
      pending = write(target)
        .then(() => {
          if (target > persisted) persisted = target;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    };
    const prefix = Buffer.from(folderId, 'hex');
    return {
      dir,
      folderId,
      async next(): Promise<Uint8Array> {
        if (closed) throw new ScelleError('USAGE', `the TSA state ${dir} is closed`);
        // Never issue at or above what is durably reserved: wait for the reservation instead.
        while (next >= persisted) await extend();
        const serial = next++;
        if (persisted - next < block / 2n && pending === undefined) extend().catch(() => undefined); // retried by the next call if it failed
        const out = new Uint8Array(16);
        out.set(prefix, 0);
        new DataView(out.buffer).setBigUint64(8, serial);
        return out;
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await pending?.catch(() => undefined);
        await release();
      },
    };
  } catch (e) {
    await release();
    throw e;
  }
}

async function readState(path: string): Promise<{ folderId: string; reserved: bigint }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { folderId: randomBytes(8).toString('hex'), reserved: 0n };
    throw new ScelleError('IO_ERROR', `cannot read the TSA state ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
  }
  let s: Partial<StateFile>;
  try {
    s = JSON.parse(text) as Partial<StateFile>;
  } catch (e) {
    throw damaged(path, 'not JSON', e);
  }
  if (s.format !== SERIAL_STATE_FORMAT || s.version !== 1) throw damaged(path, `not a ${SERIAL_STATE_FORMAT} v1 file`);
  if (typeof s.folderId !== 'string' || !/^[0-9a-f]{16}$/.test(s.folderId)) throw damaged(path, 'bad folderId');
  if (typeof s.reserved !== 'string' || !/^(0|[1-9]\d{0,19})$/.test(s.reserved) || BigInt(s.reserved) > MAX_COUNTER) throw damaged(path, 'bad reserved counter');
  return { folderId: s.folderId, reserved: BigInt(s.reserved) };
}

function damaged(path: string, why: string, cause?: unknown): ScelleError {
  // Never start over silently: a fresh counter could reissue serials.
  return new ScelleError('IO_ERROR', `the TSA state file ${path} is damaged (${why}); refusing to guess the serial counter — restore it, or start a new state folder`, { cause, params: { file: path } });
}

/** Locks `dir` for this process; resolves to the release function. */
async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const st = await stat(dir);
  if (platform() === 'linux') {
    const name = `\0scelle-tsa-state-${createHash('sha256').update(`${st.dev}:${st.ino}`).digest('hex').slice(0, 40)}`;
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE'
            ? new ScelleError('LOCKED', `the TSA state folder ${dir} is in use by another TSA server`, { params: { file: dir }, hint: 'stop the other server, or give this one its own --state folder (and its own key)' })
            : new ScelleError('IO_ERROR', `cannot lock the TSA state folder ${dir}: ${e.message}`, { cause: e, params: { file: dir } }),
        ),
      );
      server.listen(name, () => resolve());
    });
    server.unref();
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const lock = join(dir, 'lock');
  try {
    const h = await open(lock, 'wx', 0o600);
    await h.close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ScelleError('LOCKED', `the TSA state folder ${dir} is in use (${lock} exists)`, { params: { file: dir }, hint: `if no TSA server is running (after a crash), delete ${lock}` });
    }
    throw new ScelleError('IO_ERROR', `cannot lock the TSA state folder ${dir}: ${(e as Error).message}`, { cause: e, params: { file: dir } });
  }
  return () => rm(lock, { force: true });
}
