/**
 * One entry's work, the same in a worker thread or in the caller's: reading an entry — key
 * derivation, decryption, MAC, inflate, SHA-256 — into a private temp file, or encoding a small
 * file — SHA-256, deflate, key derivation, encryption, MAC — for the writer. Jobs and results are
 * plain data, so they cross a worker boundary as they are; a ScelleError crosses as its code,
 * message, parameters and hint.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, fstatSync, futimesSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { ScelleError, type ErrorCode, type ErrorParams } from '../../errors.js';
import { fsError } from '../../io/fs-errors.js';
import type { EntryReader, ZipEntry } from './entry-reader.js';
import { METHOD } from './format.js';
import { WINZIP_AES, WinZipAesEncryptor, deriveWinZipAesKeysSync, type AesStrength, type AesVersion, type WinZipAesKeys } from './winzip-aes.js';

/** Read one entry, check it, and (with `temp`) write its plaintext. */
export interface DecodeJob {
  entry: ZipEntry;
  /** Keys already derived for this entry (the first one, derived to check the password). */
  keys?: WinZipAesKeys;
  /** Create this temp file (0600, exclusive) and write the plaintext into it; absent: only check. */
  temp?: string;
  /** The destination, for messages. */
  path?: string;
  /** Modification time to give the temp file (ms since the epoch). */
  mtime?: number;
  /** Caps (see `ReadEntryOptions`). */
  maxRatio: number;
  ratioFloor: number;
  maxBytes: number;
}

/** What a {@link DecodeJob} found. */
export interface DecodeResult {
  /** SHA-256 of the plaintext, lower-case hex. */
  sha256: string;
  size: number;
  /** The temp file was written and closed (its fsync and rename are the caller's). */
  written: boolean;
}

/** A ScelleError as plain data. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  params: ErrorParams;
  hint?: string;
}

/** Any error as plain data (an unexpected one as INTERNAL, with its message only). */
export function errorData(e: unknown): ErrorData {
  if (e instanceof ScelleError) return { code: e.code, message: e.message, params: e.params, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
  return { code: 'INTERNAL', message: (e as Error | undefined)?.message ?? String(e), params: {} };
}

/** The ScelleError back from its data. */
export function errorFromData(d: ErrorData): ScelleError {
  return new ScelleError(d.code, d.message, { params: d.params, ...(d.hint !== undefined ? { hint: d.hint } : {}) });
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.byteLength) done += writeSync(fd, chunk, done, chunk.byteLength - done);
}

/**
 * Runs a {@link DecodeJob} on `reader`. The plaintext reaches the temp file before the entry's MAC
 * is checked (large entries are streamed): on any failure the temp file is removed, and the
 * caller only moves it into place after this returns.
 * @throws ScelleError as `EntryReader.readEntry`, and `DISK_FULL`, `READ_ONLY_MEDIUM`,
 *   `PERMISSION_DENIED`, `IO_ERROR` for the temp file (naming the destination).
 */
export async function decodeEntry(reader: EntryReader, password: string | undefined, job: DecodeJob): Promise<DecodeResult> {
  const target = job.path ?? job.temp ?? job.entry.name;
  let fd: number | undefined;
  try {
    if (job.temp !== undefined) {
      try {
        fd = openSync(job.temp, 'wx', 0o600);
      } catch (e) {
        throw fsError(e, target, 'create');
      }
    }
    const hash = createHash('sha256');
    let size = 0;
    const chunks = reader.readEntry(job.entry, {
      maxRatio: job.maxRatio, ratioFloor: job.ratioFloor, maxBytes: job.maxBytes,
      ...(password !== undefined ? { password } : {}), ...(job.keys !== undefined ? { keys: job.keys } : {}),
      // each chunk is hashed and written before the next is read
      reuseBuffers: true,
    });
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.byteLength;
      if (fd !== undefined) {
        try {
          writeAll(fd, chunk);
        } catch (e) {
          throw fsError(e, target, 'write');
        }
      }
    }
    if (fd !== undefined) {
      if (job.mtime !== undefined) futimesSync(fd, job.mtime / 1000, job.mtime / 1000);
      // Closed by the thread that opened it: a worker's descriptors are its own (it closes them when it ends).
      const f = fd;
      fd = undefined;
      closeSync(f);
    }
    return { sha256: hash.digest('hex'), size, written: job.temp !== undefined };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (job.temp !== undefined) rmSync(job.temp, { force: true });
    throw e;
  }
}

/** How the files of an export are encoded (the same for every entry). */
export interface EncodeSettings {
  /** Absent: entries are not encrypted. */
  password?: string;
  level: number;
  strength: AesStrength;
  aesVersion: AesVersion;
}

/** Encode one small file (read whole): its payload as it goes into the zip. */
export interface EncodeJob {
  path: string;
  /** The largest size accepted (the file may have grown since it was listed). */
  maxBytes: number;
}

/** An encoded entry: the header values and the payload (salt ‖ verifier ‖ ciphertext ‖ MAC for AES). */
export interface EncodeResult {
  sha256: string;
  size: number;
  /** 0 stored, 8 deflate (the real method, inside AES). */
  method: number;
  /** CRC-32 of the plaintext (0 for AE-2). */
  crc: number;
  encrypted: boolean;
  payload: Uint8Array;
}

/** Deflate must save at least this fraction for the entry to be stored deflated. */
export const MIN_SAVING = 0.02;

/**
 * Reads a file whole and encodes it: SHA-256 of the plaintext, deflate when it saves at least
 * {@link MIN_SAVING}, a fresh salt and PBKDF2 keys, AES-CTR and the MAC. Synchronous: the worker's
 * own core does it all.
 * @throws ScelleError `FILE_NOT_FOUND`, `NOT_A_FILE`, `PERMISSION_DENIED`, `IO_ERROR` (also when
 *   the file grew past `maxBytes` since it was listed: export again).
 */
export function encodeFile(job: EncodeJob, settings: EncodeSettings, scratch: ReadScratch = {}): EncodeResult {
  const data = readWhole(job.path, job.maxBytes, scratch);
  const sha256 = createHash('sha256').update(data).digest('hex');
  let method: number = METHOD.stored;
  let body = data;
  if (settings.level > 0 && data.byteLength > 0) {
    const z = deflateRawSync(data, { level: settings.level });
    if (z.byteLength < data.byteLength * (1 - MIN_SAVING)) {
      method = METHOD.deflate;
      body = new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
    }
  }
  const crc = settings.password === undefined || settings.aesVersion === 1 ? crc32(data) >>> 0 : 0;
  if (settings.password === undefined) return { sha256, size: data.byteLength, method, crc, encrypted: false, payload: body === data ? data.slice() : owned(body) };
  const saltBytes = WINZIP_AES.saltBytes[settings.strength];
  const payload = new Uint8Array(saltBytes + 2 + body.byteLength + WINZIP_AES.macBytes);
  const salt = payload.subarray(0, saltBytes);
  randomFillSync(salt);
  const keys = deriveWinZipAesKeysSync(new TextEncoder().encode(settings.password), salt, settings.strength);
  payload.set(keys.verifier, saltBytes);
  const enc = new WinZipAesEncryptor(keys);
  const cipher = payload.subarray(saltBytes + 2, saltBytes + 2 + body.byteLength);
  cipher.set(body);
  enc.updateInPlace(cipher);
  payload.set(enc.final(), saltBytes + 2 + body.byteLength);
  return { sha256, size: data.byteLength, method, crc, encrypted: true, payload };
}

/** `bytes` in an ArrayBuffer of its own (so it can be transferred, not copied). */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** A read buffer kept from one file to the next (a fresh one per file costs more than the read). */
export interface ReadScratch {
  buffer?: Uint8Array;
}

/** The file's bytes, in `scratch` (valid until the next call with it). */
function readWhole(path: string, maxBytes: number, scratch: ReadScratch): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fsError(e, path, 'read');
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ScelleError('NOT_A_FILE', `${path} is a folder, not a file`, { params: { file: path } });
    // One byte more than the size: a file that grew shows it.
    const want = Math.min(maxBytes, st.size) + 1;
    if (scratch.buffer === undefined || scratch.buffer.byteLength < want) scratch.buffer = new Uint8Array(Math.max(want, 1024 * 1024));
    const buf = scratch.buffer.subarray(0, want);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.byteLength - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.byteLength) throw new ScelleError('IO_ERROR', `${path} grew while it was being exported: export again`, { params: { file: path } });
    }
    return buf.subarray(0, n);
  } catch (e) {
    throw fsError(e, path, 'read');
  } finally {
    closeSync(fd);
  }
}

/**
 * Renames temp files into place, one after another (a worker thread does a batch of them: on a
 * folder of thousands of letters the renames would otherwise be this thread's main cost). A
 * rename that fails removes its temp file; its error names the destination.
 */
export function renameAll(files: readonly { temp: string; path: string }[]): (ErrorData | null)[] {
  return files.map((f) => {
    try {
      renameSync(f.temp, f.path);
      return null;
    } catch (e) {
      rmSync(f.temp, { force: true });
      return errorData(fsError(e, f.path, 'write'));
    }
  });
}
