/**
 * The sealed USB export: files and folders into a WinZip AES-256 (AE-2) zip that 7-Zip, WinZip
 * and scelle open with the password, with a `MANIFEST.sha256` (SHA-256 and size of every file,
 * `sha256sum -c` compatible) and — with an identity — its detached CAdES signature
 * `MANIFEST.sha256.p7s`, time-stamped (CAdES-T) when a TSA is given.
 *
 * The zip format's key derivation is weak (PBKDF2-HMAC-SHA1 × 1 000, fixed by the format), so
 * the password must pass the CNIL policy (WEAK_PASSWORD otherwise). See docs/FORMAT.md.
 *
 * Speed: small files (up to 4 MiB: letters, documents) are read, hashed, deflated, given their
 * keys and encrypted on worker threads, one per core, far ahead of the one being written; large
 * files (scans) are streamed here in 1 MiB chunks, their deflate in libuv's thread pool, whenever
 * the next small file is not ready yet (so the archive's file order interleaves them). Memory is
 * bounded whatever the file sizes (at most 32 MiB prepared ahead) and whatever their number (the
 * entry cap, TOO_MANY_ENTRIES). The output is atomic (temp file, fsync, rename): a failure or an
 * interruption leaves no archive and no temp file.
 */
import { createHash, type Hash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import { openAtomicOutput } from '../io/atomic-output.js';
import { readFileChunks } from '../io/file-chunks.js';
import { sweepStaleTemps } from '../io/temp-files.js';
import { assertStrongPassword } from '../crypto/password.js';
import { signDetached, type SignOptions } from '../crypto/cms/sign.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { ZipWriter, SMALL_ENTRY, type PreparedEntry } from '../crypto/zip/writer.js';
import { DEFAULT_MAX_ENTRIES } from '../crypto/zip/reader.js';
import { assertNoDuplicates, safeSegments } from '../crypto/zip/names.js';
import { startZipWorkers, type ZipWorkers } from '../crypto/zip/zip-pool.js';
import type { EncodeResult } from '../crypto/zip/entry-jobs.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { requestTimestamp } from '../timestamp/client.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME, formatManifest, type ManifestFile } from './manifest.js';
import { listInputs, type ExportItem } from './export-list.js';

/** Progress of {@link exportZip}: plaintext bytes read so far, over all files. */
export interface ExportProgress {
  file: string;
  bytes: number;
  totalBytes: number;
}

/** Options of {@link exportZip}. */
export interface ExportOptions {
  /** The archive password; must pass the CNIL policy (`assertStrongPassword`). */
  password: string;
  /** Deflate level 0–9 (0: store everything). Default 6. Files deflate does not shrink are stored. */
  level?: number;
  /** Sign the manifest (detached CAdES-B, `MANIFEST.sha256.p7s`) with this identity. */
  signer?: SignOptions;
  /** Time-stamp the manifest signature (CAdES-T) at this RFC 3161 TSA. Needs `signer`. */
  tsaUrl?: string;
  /** Or obtain the time-stamp token from here (an in-process TSA). Needs `signer`. */
  timestampSource?: TimestampTokenSource;
  /** Called as bytes are read. */
  onProgress?: (e: ExportProgress) => void;
  /** Skip the password policy. For tests only: the zip KDF is too weak for a weak password. */
  allowWeakPassword?: boolean;
  /** The manifest's creation time and the signing-time. Default now. */
  now?: Date;
  /** Replace `outPath` when it exists (default: OUTPUT_EXISTS). */
  force?: boolean;
  /** Write zip64 records even when not needed (tests). */
  forceZip64?: boolean;
  /** Files prepared ahead of the one being written (default 4096, within 32 MiB). */
  concurrency?: number;
  /** Most files and folders (default {@link DEFAULT_MAX_ENTRIES}; TOO_MANY_ENTRIES beyond, before anything is written). */
  maxEntries?: number;
  /** Stops the export (INTERRUPTED): the archive is not written, its temp file is removed. */
  signal?: AbortSignal;
  /** Worker threads (default one per core, at most 4; 0: this thread only). */
  workers?: number;
}

/** One entry of an export. */
export interface ExportedEntry {
  /** The name in the zip (`/`-separated; folders end with `/`). */
  name: string;
  directory: boolean;
  size: number;
  /** Lower-case hex; absent for folders. */
  sha256?: string;
  /** `stored` or `deflate` (inside AES). */
  method: 'stored' | 'deflate';
  /** Bytes in the zip, with the AES salt, verifier and MAC. */
  compressedSize: number;
}

/** What {@link exportZip} wrote. */
export interface ExportResult {
  outPath: string;
  /**
   * Files and folders, in archive order (the manifest and its signature excluded): the folders,
   * then the files in listing order, the large ones (over 4 MiB) interleaved where they were
   * streamed (docs/FORMAT.md, "USB export" §1).
   */
  entries: ExportedEntry[];
  files: number;
  directories: number;
  /** Plaintext bytes of the files. */
  totalBytes: number;
  /** Size of the zip. */
  archiveBytes: number;
  zip64: boolean;
  manifest: { name: string; sha256: string; files: number };
  /** Present when the manifest was signed. */
  signature?: { name: string; signer: string; rpps?: string; timestamped: boolean };
  /** Inputs left out: symbolic links to folders, sockets, FIFOs, devices. */
  skipped: { path: string; reason: string }[];
}

/** Small files prepared ahead, at most this many bytes in memory. */
const AHEAD_BYTES = 32 * 1024 * 1024;

/**
 * Exports files and folders into an AES-256 zip at `outPath` (atomically). A folder is stored
 * under its own name with everything below it; a file under its name.
 * @throws ScelleError `WEAK_PASSWORD`, `OUTPUT_EXISTS`, `FILE_NOT_FOUND`, `NOT_A_FILE`,
 *   `PERMISSION_DENIED`, `IO_ERROR`, `USAGE`, `TOO_MANY_ENTRIES`, `INTERRUPTED`, `DISK_FULL` (with
 *   `params.missingBytes`, an estimate), `READ_ONLY_MEDIUM`,
 *   `UNSAFE_PATH` (a file name with a backslash or control character: 7-Zip and scelle would refuse it),
 *   `DUPLICATE_ENTRY` (two inputs with the same name, also case-insensitively or once Unicode-normalised;
 *   or a file named like the manifest), the signer's errors (`WRONG_PIN`, …), `TSA_UNAVAILABLE`,
 *   `TIMESTAMP_REJECTED`.
 */
export async function exportZip(paths: readonly string[], outPath: string, options: ExportOptions): Promise<ExportResult> {
  if (typeof options.password !== 'string' || options.password.length === 0) {
    throw new ScelleError('PASSWORD_REQUIRED', 'an export needs a password');
  }
  if (options.allowWeakPassword !== true) assertStrongPassword(options.password);
  if (paths.length === 0) throw new ScelleError('USAGE', 'nothing to export: give at least one file or folder');
  if ((options.tsaUrl !== undefined || options.timestampSource !== undefined) && options.signer === undefined) {
    throw new ScelleError('USAGE', 'a time-stamp needs a signature: give an identity to sign the manifest');
  }
  const now = options.now ?? new Date();
  const out = resolve(outPath);
  if (options.force !== true && (await exists(out))) {
    throw new ScelleError('OUTPUT_EXISTS', `${outPath} already exists`, { params: { file: outPath }, hint: 'choose another name or remove it' });
  }
  const { items, skipped } = await listInputs(paths, out, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  assertNoDuplicates([
    ...items.map((it) => ({ name: it.name, segments: safeSegments(it.name), directory: it.directory })),
    { name: MANIFEST_NAME, segments: [MANIFEST_NAME], directory: false },
    { name: MANIFEST_SIGNATURE_NAME, segments: [MANIFEST_SIGNATURE_NAME], directory: false },
  ]);
  const totalBytes = items.reduce((n, it) => n + (it.directory ? 0 : it.size), 0);
  await sweepStaleTemps(dirname(out));

  const progress = { read: 0, written: 0 };
  // A full medium: how much more the archive needed, from what it wrote and what is left to read.
  const expectedBytes = (): number => Math.ceil(progress.written + (totalBytes - progress.read) * (progress.read > 0 ? Math.min(1, progress.written / progress.read) : 1));
  const output = await openAtomicOutput(out, { exclusive: options.force !== true, coalesceBytes: 1024 * 1024, syncEveryBytes: 64 * 1024 * 1024, expectedBytes });
  // Large files, the manifest and its signature: their keys are derived ahead by the writer (small files' on the workers).
  const expectedFiles = items.filter((it) => !it.directory && it.size > SMALL_ENTRY).length + 1 + (options.signer !== undefined ? 1 : 0);
  const writer = new ZipWriter(async (c) => {
    await output.write(c);
    progress.written += c.byteLength;
  }, { password: options.password, level: options.level ?? 6, forceZip64: options.forceZip64 === true, expectedFiles });
  const workers = startZipWorkers({ password: options.password, encode: { password: options.password, ...writer.encoding } }, undefined, options.workers);
  let failed = false;
  try {
    const { entries, manifest } = await writeEntries(writer, workers, items, { ...options, totalBytes, progress });
    const manifestBytes = formatManifest(manifest, now);
    await writer.addBytes({ name: MANIFEST_NAME, mtime: now }, manifestBytes);
    const signature = options.signer === undefined ? undefined : await signManifest(writer, manifestBytes, options, now);
    const end = await writer.finish();
    await output.commit();
    return {
      outPath,
      entries,
      files: manifest.length,
      directories: entries.length - manifest.length,
      totalBytes: manifest.reduce((n, f) => n + f.size, 0),
      archiveBytes: end.bytes,
      zip64: end.zip64,
      manifest: { name: MANIFEST_NAME, sha256: createHash('sha256').update(manifestBytes).digest('hex'), files: manifest.length },
      ...(signature !== undefined ? { signature } : {}),
      skipped,
    };
  } catch (e) {
    failed = true;
    writer.dispose();
    await output.abort();
    throw e;
  } finally {
    await workers.close({ abandon: failed });
  }
}

/** The manifest's detached CAdES signature (CAdES-T with a TSA), written as the last entry. */
async function signManifest(writer: ZipWriter, manifestBytes: Uint8Array, options: ExportOptions, now: Date): Promise<NonNullable<ExportResult['signature']>> {
  const signer = options.signer!;
  let sig = await signDetached([manifestBytes], { ...signer, signingTime: signer.signingTime ?? now });
  const source = options.timestampSource ?? (options.tsaUrl !== undefined ? tsaSource(options.tsaUrl) : undefined);
  if (source !== undefined) sig = await addSignatureTimestamp(sig, source);
  await writer.addBytes({ name: MANIFEST_SIGNATURE_NAME, mtime: now }, sig);
  const s = summarizeCertificate(signer.signer.certificate, now);
  return { name: MANIFEST_SIGNATURE_NAME, signer: s.holder.displayName, ...(s.rpps !== undefined ? { rpps: s.rpps } : {}), timestamped: source !== undefined };
}

interface Queued {
  item: ExportItem;
  /** A small file, encoded on a worker. */
  encoded?: Promise<EncodeResult>;
  /** Its result has arrived (the loop can write it without waiting). */
  ready?: boolean;
  /** Bytes it holds against {@link AHEAD_BYTES}: its size until encoded, then its payload's. */
  reserved?: number;
  /** A large file, streamed by the writer; `hash` sees its plaintext. */
  prepared?: PreparedEntry;
  hash?: Hash;
}

/** Large files prepared (keys derived ahead) before their turn, at most. */
const LARGE_AHEAD = 64;

type Written = { entries: ExportedEntry[]; manifest: ManifestFile[] };
type WriteOptions = ExportOptions & { totalBytes: number; progress: { read: number } };

/**
 * Writes every folder, then every file: small files encoded ahead on the workers (within
 * {@link AHEAD_BYTES} and `concurrency` files) and written in listing order; large files streamed
 * here (SHA-256, AES, MAC on this thread) while the workers have room to encode ahead, the small
 * ones written in between whenever that room runs out. So this thread streams the scans while the
 * workers deflate the documents and derive the letters' keys, instead of each waiting for the
 * other in listing order (measured one core idle for a third of an export). The archive order is
 * therefore the folders, then the files with the large ones interleaved; the manifest and the
 * result follow it, and readers do not depend on it.
 *
 * The window counts what is held: a file's size while it is being encoded, its payload (deflated,
 * often a third of a letter) once encoded; it is refilled as each result arrives.
 */
async function writeEntries(writer: ZipWriter, workers: ZipWorkers, items: ExportItem[], o: WriteOptions): Promise<Written> {
  const out: Written = { entries: [], manifest: [] };
  // Folders first: a large file written early is then never ahead of its folder's entry.
  for (const item of items) {
    if (!item.directory) continue;
    await writer.addDirectory({ name: item.name, mtime: item.mtime, unixMode: item.mode });
    out.entries.push({ name: item.name, directory: true, size: 0, method: 'stored', compressedSize: 0 });
  }
  const small: Queued[] = [];
  const large: Queued[] = [];
  const ahead = Math.max(1, o.concurrency ?? 4096);
  // Two cursors over the listing: the small files in order within the window, and the large ones
  // as far ahead as LARGE_AHEAD (a large file listed after 100 MB of documents is ready to stream
  // while they are being encoded).
  let smallCursor = 0;
  let largeCursor = 0;
  let aheadBytes = 0;
  let stopped = false;
  const report = (item: ExportItem): void => o.onProgress?.({ file: item.name, bytes: o.progress.read, totalBytes: o.totalBytes });
  const isLarge = (item: ExportItem): boolean => !item.directory && item.size > SMALL_ENTRY;
  const fill = (): void => {
    while (!stopped && large.length < LARGE_AHEAD && largeCursor < items.length) {
      const item = items[largeCursor++]!;
      if (isLarge(item)) large.push(prepareLarge(item));
    }
    while (!stopped && small.length < ahead && aheadBytes < AHEAD_BYTES && smallCursor < items.length) {
      const item = items[smallCursor++]!;
      if (!item.directory && !isLarge(item)) small.push(encodeAhead(item));
    }
  };
  const encodeAhead = (item: ExportItem): Queued => {
    const q: Queued = { item, reserved: item.size, encoded: workers.encode({ path: item.path, maxBytes: 2 * SMALL_ENTRY }) };
    aheadBytes += item.size;
    q.encoded!.then((r) => {
      // (This runs before the loop sees the result: it was attached first.)
      q.ready = true;
      aheadBytes += r.payload.byteLength - q.reserved!;
      q.reserved = r.payload.byteLength;
      fill();
    }, () => {
      q.ready = true;
    });
    return q;
  };
  const prepareLarge = (item: ExportItem): Queued => {
    const hash = createHash('sha256');
    const tap = (c: Uint8Array): void => {
      hash.update(c);
      o.progress.read += c.byteLength;
      report(item);
    };
    return { item, hash, prepared: writer.prepareFile({ name: item.name, mtime: item.mtime, unixMode: item.mode }, () => readFileChunks(item.path), item.size, tap, { ownChunks: true }) };
  };
  try {
    for (;;) {
      fill();
      // A large file whenever the workers still have room to encode ahead (its seconds of work
      // here then overlap theirs, and no scan is left for the end); the next small file once the
      // window is full and it is ready, or when no large one is left.
      const full = aheadBytes >= AHEAD_BYTES || small.length >= ahead;
      const q = large.length > 0 && !(full && small[0]?.ready === true) ? large.shift() : small.shift();
      if (q === undefined) break;
      if (o.signal?.aborted === true) throw new ScelleError('INTERRUPTED', 'the export was interrupted: no archive was written', { params: { hintKey: 'hint.INTERRUPTED.clean' } });
      await writeFile(writer, q, out, (held, size) => {
        aheadBytes -= held;
        o.progress.read += size;
        report(q.item);
      });
    }
  } finally {
    // After a failure, results still arriving start nothing more.
    stopped = true;
  }
  return out;
}

/**
 * Writes one file entry (encoded on a worker, or streamed here, whose tap counts its progress);
 * `written` gets the bytes an encoded one held and its size.
 */
async function writeFile(writer: ZipWriter, q: Queued, out: Written, written: (held: number, size: number) => void): Promise<void> {
  const meta = { name: q.item.name, mtime: q.item.mtime, unixMode: q.item.mode };
  let sha256: string;
  let w;
  if (q.encoded !== undefined) {
    const r = await q.encoded;
    w = await writer.writeEncoded(meta, r);
    sha256 = r.sha256;
    written(q.reserved!, r.size);
  } else {
    w = await writer.writePrepared(q.prepared!);
    sha256 = q.hash!.digest('hex');
  }
  out.entries.push({ name: q.item.name, directory: false, size: w.size, sha256, method: w.method === 8 ? 'deflate' : 'stored', compressedSize: w.compressedSize });
  out.manifest.push({ name: q.item.name, size: w.size, sha256 });
}

/** A time-stamp source over HTTP (RFC 3161): the whole TimeStampResp is handed to CAdES-T. */
function tsaSource(url: string): TimestampTokenSource {
  return async (hash, imprint) => (await requestTimestamp({ url, hash, imprint })).der;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
