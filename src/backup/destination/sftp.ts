/**
 * `sftp://user@host:port/path` — a folder on an SSH server (a NAS, a host), through SFTP v3
 * (draft-ietf-secsh-filexfer-02) and OpenSSH's extensions (PROTOCOL, §4.3 posix-rename,
 * §4.6 hardlink, §4.7 fsync) with the `ssh2` package.
 *
 * Security: the server's host key is always checked — against a pinned fingerprint
 * (`host_key=SHA256:…`, as `ssh-keygen -lf` prints it) or a known_hosts file (`known_hosts=`,
 * default `~/.ssh/known_hosts`). An unknown or changed host key is refused (TARGET_ERROR),
 * never accepted silently. Authentication is by private key file (`key=`); a password callback
 * may be given programmatically; a refused key is AUTH_FAILED. No secret ever reaches a message.
 *
 * The remote folder is never created by a write (only by {@link SftpDestination.create}): a
 * missing folder — a NAS volume not mounted — is TARGET_OFFLINE.
 *
 * Atomicity: `put` writes `KEY~tmp~<random>`, fsyncs it (fsync@openssh.com) and renames it over
 * the key with posix-rename@openssh.com (rename(2): atomic replace). Without that extension the
 * old object is removed first (a short window where the key is absent, never partial).
 * `putIfAbsent` publishes the complete temp file with hardlink@openssh.com (link(2) fails when
 * the key exists) or a plain SFTP rename, which OpenSSH also implements with link(2).
 */
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { ScelleError } from '../../errors.js';
import { checkKey, checkPrefix, errorText, isTempName, isValidKey, objectMissing, objectTooLarge, destinationError, destinationOffline, tempName } from './common.js';
import { DEFAULT_MAX_OBJECT, type GetOptions, type ObjectInfo, type ProbeResult, type Destination, type DestinationInfo } from './destination.js';
import { openSession, UNREACHABLE, type Session, type SftpDestinationOptions } from './sftp-session.js';

export { checkHostKey } from './known-hosts.js';
export type { SftpDestinationOptions } from './sftp-session.js';

/** SFTP status codes (filexfer-02 §7). */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

const sftpCode = (e: unknown): number | undefined => {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
};

/** The SFTP destination. Connects on first use and again after the connection dropped. */
export class SftpDestination implements Destination {
  readonly info: DestinationInfo;
  private readonly options: SftpDestinationOptions;
  private session: Promise<Session> | undefined;
  private readonly madeDirs = new Set<string>();
  private closed = false;
  /** The server's host key fingerprint, once connected (the recovery kit pins it). */
  hostKey: string | undefined;

  constructor(info: DestinationInfo, options: SftpDestinationOptions) {
    this.info = info;
    this.options = options;
  }

  private remote(key: string): string {
    const base = this.options.path.replace(/\/+$/, '');
    return base === '' ? `/${key}` : `${base}/${key}`;
  }

  /** Opens (or reuses) the SSH connection and the SFTP channel. */
  private connect(): Promise<Session> {
    if (this.closed) return Promise.reject(destinationError(this.info, 'connect', 'the destination was closed'));
    if (this.session !== undefined) return this.session;
    const attempt = this.open();
    this.session = attempt;
    attempt.then(
      (s) => {
        const reset = (): void => {
          if (this.session === attempt) this.session = undefined;
        };
        s.client.on('close', reset);
        s.client.on('end', reset);
        s.sftp.on('close', reset);
      },
      () => {
        if (this.session === attempt) this.session = undefined;
      },
    );
    return attempt;
  }

  private open(): Promise<Session> {
    return openSession(this.info, this.options, (fp) => { this.hostKey = fp; });
  }

  /** Runs one SFTP call; maps errors (a dropped connection is TARGET_OFFLINE). */
  private async call<T>(what: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const s = await this.connect();
    try {
      return await this.guard(s, fn(s.sftp));
    } catch (e) {
      throw this.fail(what, e);
    }
  }

  /** `op`, or a rejection as soon as the connection is lost. */
  private guard<T>(s: Session, op: Promise<T>): Promise<T> {
    op.catch(() => undefined);
    return Promise.race([op, s.lost]);
  }

  private fail(what: string, e: unknown): ScelleError {
    if (e instanceof ScelleError) return e;
    const code = sftpCode(e);
    if (code === PERMISSION_DENIED) return destinationError(this.info, what, 'permission denied', e);
    if (code === undefined) {
      const sys = (e as { code?: unknown }).code;
      if (typeof sys === 'string' && UNREACHABLE.has(sys)) return destinationOffline(this.info, errorText(e), e);
      if (/no response|not connected|closed|No SFTP|end/i.test(errorText(e))) return destinationOffline(this.info, `the connection was lost (${errorText(e)})`, e);
    }
    return destinationError(this.info, what, errorText(e), e);
  }

  /** The remote folder (`/` removed at the end; `.` for the login folder itself). */
  private get base(): string {
    return this.options.path.replace(/\/+$/, '') || '/';
  }

  /** Online when the server answers, accepts us, and the remote folder exists. */
  async probe(): Promise<ProbeResult> {
    try {
      const s = await this.connect();
      const st = await this.guard(s, p<{ isDirectory(): boolean }>((cb) => s.sftp.stat(this.base, cb))).catch((e: unknown) => {
        if (sftpCode(e) === NO_SUCH_FILE) return undefined;
        throw e;
      });
      if (st === undefined) return { online: false, reason: `the folder ${this.base} does not exist on the server (is its volume mounted?)` };
      if (!st.isDirectory()) return { online: false, reason: `${this.base} on the server is not a folder` };
      return { online: true };
    } catch (e) {
      const err = this.fail('probe', e);
      if (err.code === 'TARGET_OFFLINE') return { online: false, reason: String(err.params.detail ?? err.message) };
      throw err;
    }
  }

  /** mkdir -p of the remote folder: `backup init` or `--create` only. */
  async create(): Promise<void> {
    await this.call('create the folder', async (sftp) => {
      const abs = this.base.startsWith('/');
      const parts = this.base.split('/').filter((x) => x !== '');
      for (let i = 1; i <= parts.length; i++) await this.mkdirOne(sftp, `${abs ? '/' : ''}${parts.slice(0, i).join('/')}`);
    });
  }

  /** mkdir of one folder; an existing folder is fine (SFTP v3 has no EEXIST: check). */
  private async mkdirOne(sftp: SFTPWrapper, d: string): Promise<void> {
    try {
      await p<void>((cb) => sftp.mkdir(d, cb));
    } catch (e) {
      const st = await p<{ isDirectory(): boolean }>((cb) => sftp.stat(d, cb)).catch(() => undefined);
      if (st === undefined || !st.isDirectory()) throw e;
    }
  }

  /**
   * The fan-out folders of `key`, one level at a time below the remote folder, which must exist:
   * a missing remote folder is TARGET_OFFLINE, never recreated.
   */
  private async mkdirs(sftp: SFTPWrapper, key: string): Promise<void> {
    const parts = key.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = this.remote(parts.slice(0, i).join('/'));
      if (this.madeDirs.has(d)) continue;
      if (i === 1 && !this.madeDirs.has(this.base)) {
        const root = await p<{ isDirectory(): boolean }>((cb) => sftp.stat(this.base, cb)).catch(() => undefined);
        if (root === undefined || !root.isDirectory()) throw destinationOffline(this.info, `the folder ${this.base} does not exist on the server any more (is its volume mounted?)`);
        this.madeDirs.add(this.base);
      }
      await this.mkdirOne(sftp, d);
      this.madeDirs.add(d);
    }
  }

  /** Writes the whole object to a temp file and fsyncs it; returns the temp path. */
  private async writeTemp(sftp: SFTPWrapper, key: string, path: string, data: Uint8Array): Promise<string> {
    await this.mkdirs(sftp, key);
    const tmp = tempName(path);
    const handle = await p<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
    try {
      if (data.byteLength > 0) {
        const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        await p<void>((cb) => sftp.write(handle, buf, 0, buf.length, 0, cb));
      }
      await p<unknown>((cb) => sftp.ext_openssh_fsync(handle, cb)).catch((e: unknown) => {
        if (!/not support/i.test(errorText(e))) throw e;
      });
    } catch (e) {
      await p<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
      await p<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw e;
    }
    await p<void>((cb) => sftp.close(handle, cb));
    return tmp;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(this.info, key);
    const path = this.remote(key);
    await this.call(`write ${key}`, async (sftp) => {
      const tmp = await this.writeTemp(sftp, key, path, data);
      try {
        try {
          await p<void>((cb) => sftp.ext_openssh_rename(tmp, path, cb));
        } catch (e) {
          if (!/not support/i.test(errorText(e))) throw e;
          // Plain SFTP rename refuses to replace: remove the old object first.
          await p<void>((cb) => sftp.unlink(path, cb)).catch(() => undefined);
          await p<void>((cb) => sftp.rename(tmp, path, cb));
        }
      } catch (e) {
        await p<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
        throw e;
      }
    });
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    checkKey(this.info, key);
    const path = this.remote(key);
    return await this.call(`write ${key}`, async (sftp) => {
      const tmp = await this.writeTemp(sftp, key, path, data);
      try {
        try {
          await p<void>((cb) => sftp.ext_openssh_hardlink(tmp, path, cb));
        } catch (e) {
          if (/not support/i.test(errorText(e))) await p<void>((cb) => sftp.rename(tmp, path, cb));
          else throw e;
        }
        return true;
      } catch (e) {
        // SFTP v3 reports EEXIST as a generic failure: the key being there is the answer.
        const exists = await p<unknown>((cb) => sftp.stat(path, cb)).then(() => true, () => false);
        if (exists) return false;
        throw e;
      } finally {
        await p<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      }
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array> {
    checkKey(this.info, key);
    const path = this.remote(key);
    const max = options.maxBytes ?? DEFAULT_MAX_OBJECT;
    const s = await this.connect();
    try {
      const sftp = s.sftp;
      const handle = await this.guard(s, p<Buffer>((cb) => sftp.open(path, 'r', cb)));
      try {
        const st = await this.guard(s, p<{ size: number; isFile(): boolean }>((cb) => sftp.fstat(handle, cb)));
        if (!st.isFile()) throw objectMissing(this.info, key);
        if (st.size > max) throw objectTooLarge(this.info, key, st.size, max);
        const buf = Buffer.allocUnsafe(st.size);
        // parallel reads of 256 KiB (the server answers them in order): one round trip per window
        const CHUNK = 256 * 1024;
        const reads: Promise<number>[] = [];
        for (let o = 0; o < st.size; o += CHUNK) {
          const n = Math.min(CHUNK, st.size - o);
          reads.push(this.readAt(s, handle, buf, o, n));
        }
        const got = await Promise.all(reads);
        if (got.some((n, i) => n !== Math.min(CHUNK, st.size - i * CHUNK))) throw destinationError(this.info, `read ${key}`, 'the object changed while it was read');
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } finally {
        await p<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
      }
    } catch (e) {
      if (sftpCode(e) === NO_SUCH_FILE) throw objectMissing(this.info, key, e);
      throw this.fail(`read ${key}`, e);
    }
  }

  /** Reads `n` bytes at `offset` (SFTP may return fewer per request: loops). */
  private async readAt(s: Session, handle: Buffer, buf: Buffer, offset: number, n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      const got = await this.guard(s, new Promise<number>((resolve, reject) => {
        s.sftp.read(handle, buf, offset + done, n - done, offset + done, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
      })).catch((e: unknown) => {
        // SFTP reports end of file as an error with code EOF (1)
        if (sftpCode(e) === 1) return 0;
        throw e;
      });
      if (got === 0) break;
      done += got;
    }
    return done;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    checkKey(this.info, key);
    const path = this.remote(key);
    const s = await this.connect();
    try {
      const st = await this.guard(s, p<{ size: number; isFile(): boolean }>((cb) => s.sftp.stat(path, cb)));
      return st.isFile() ? { size: st.size } : undefined;
    } catch (e) {
      if (sftpCode(e) === NO_SUCH_FILE) return undefined;
      throw this.fail(`read ${key}`, e);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(this.info, prefix);
    const cut = prefix.lastIndexOf('/');
    const stack: string[] = [cut < 0 ? '' : prefix.slice(0, cut + 1)];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      const dir = rel === '' ? this.options.path.replace(/\/+$/, '') || '/' : this.remote(rel.slice(0, -1));
      const s = await this.connect();
      let entries: FileEntryWithStats[];
      try {
        entries = await this.guard(s, p<FileEntryWithStats[]>((cb) => s.sftp.readdir(dir, cb)));
      } catch (e) {
        if (sftpCode(e) === NO_SUCH_FILE) continue;
        throw this.fail(`list ${prefix || '/'}`, e);
      }
      for (const entry of entries) {
        const key = rel + entry.filename;
        if (!isValidKey(key)) continue; // temp files, `.` and `..`
        if (entry.attrs.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) stack.push(`${key}/`);
        } else if (entry.attrs.isFile() && key.startsWith(prefix)) {
          yield { key, size: entry.attrs.size };
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(this.info, key);
    const path = this.remote(key);
    const s = await this.connect();
    try {
      await this.guard(s, p<void>((cb) => s.sftp.unlink(path, cb)));
    } catch (e) {
      if (sftpCode(e) === NO_SUCH_FILE) return;
      throw this.fail(`delete ${key}`, e);
    }
  }

  async removeTemp(olderThanMs: number, now: Date): Promise<number> {
    let removed = 0;
    const stack: string[] = [''];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      const dir = rel === '' ? this.base : this.remote(rel.slice(0, -1));
      const s = await this.connect();
      let entries: FileEntryWithStats[];
      try {
        entries = await this.guard(s, p<FileEntryWithStats[]>((cb) => s.sftp.readdir(dir, cb)));
      } catch (e) {
        if (sftpCode(e) === NO_SUCH_FILE) continue;
        throw this.fail('clean temp files', e);
      }
      for (const entry of entries) {
        const name = rel + entry.filename;
        if (entry.attrs.isDirectory() && isValidKey(name)) stack.push(`${name}/`);
        else if (entry.attrs.isFile() && isTempName(entry.filename) && now.getTime() - entry.attrs.mtime * 1000 >= olderThanMs) {
          await this.guard(s, p<void>((cb) => s.sftp.unlink(`${dir}/${entry.filename}`, cb))).then(() => { removed++; }, () => undefined);
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    try {
      const s = await session;
      await new Promise<void>((resolve) => {
        s.client.once('close', () => resolve());
        s.client.end();
        setTimeout(resolve, 2000).unref();
      });
    } catch {
      // never connected
    }
  }
}

/** Promise of a node-style callback call. */
function p<T>(start: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(err) : resolve(value)));
    } catch (e) {
      reject(e as Error);
    }
  });
}

