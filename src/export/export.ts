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
 * files (scans) are streamed here in 1 MiB chunks, their deflate in libuv's thread pool, while the
 * workers encode the small ones (so the archive's file order interleaves them). Memory is
 * bounded whatever the file sizes (at most 32 MiB prepared ahead) and whatever their number (the
 * entry cap, TOO_MANY_ENTRIES). The output is atomic (temp file, fsync, rename): a failure or an
 * interruption leaves no archive and no temp file.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import { openAtomicOutput } from '../io/atomic-output.js';
import { sweepStaleTemps } from '../io/temp-files.js';
import { assertStrongPassword } from '../crypto/password.js';
import { signDetached, type SignOptions } from '../crypto/cms/sign.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { ZipWriter, SMALL_ENTRY } from '../crypto/zip/writer.js';
import { DEFAULT_MAX_ENTRIES } from '../crypto/zip/reader.js';
import { assertNoDuplicates, safeSegments } from '../crypto/zip/names.js';
import { startZipWorkers, type ZipWorkers } from '../crypto/zip/zip-pool.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { requestTimestamp } from '../timestamp/client.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME, formatManifest, type ManifestFile } from './manifest.js';
import { listInputs, type ExportItem } from './export-list.js';
import { ExportQueue } from './export-queue.js';

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

type Written = { entries: ExportedEntry[]; manifest: ManifestFile[] };
type WriteOptions = ExportOptions & { totalBytes: number; progress: { read: number } };

/**
 * Writes every folder (first: a file written early is then never ahead of its folder's entry),
 * then every file in the order of {@link ExportQueue}.
 */
async function writeEntries(writer: ZipWriter, workers: ZipWorkers, items: ExportItem[], o: WriteOptions): Promise<Written> {
  const out: Written = { entries: [], manifest: [] };
  for (const item of items) {
    if (!item.directory) continue;
    await writer.addDirectory({ name: item.name, mtime: item.mtime, unixMode: item.mode });
    out.entries.push({ name: item.name, directory: true, size: 0, method: 'stored', compressedSize: 0 });
  }
  const report = (item: ExportItem): void => o.onProgress?.({ file: item.name, bytes: o.progress.read, totalBytes: o.totalBytes });
  const queue = new ExportQueue(items, writer, workers, Math.max(1, o.concurrency ?? 4096), (item, chunk) => {
    o.progress.read += chunk.byteLength;
    report(item);
  });
  try {
    for (let q = queue.next(); q !== undefined; q = queue.next()) {
      if (o.signal?.aborted === true) throw new ScelleError('INTERRUPTED', 'the export was interrupted: no archive was written', { params: { hintKey: 'hint.INTERRUPTED.clean' } });
      const meta = { name: q.item.name, mtime: q.item.mtime, unixMode: q.item.mode };
      let sha256: string;
      let w;
      if (q.encoded !== undefined) {
        const r = await q.encoded;
        w = await writer.writeEncoded(meta, r);
        queue.written(q);
        sha256 = r.sha256;
        o.progress.read += r.size;
        report(q.item);
      } else {
        w = await writer.writePrepared(q.prepared!);
        sha256 = q.hash!.digest('hex');
      }
      out.entries.push({ name: q.item.name, directory: false, size: w.size, sha256, method: w.method === 8 ? 'deflate' : 'stored', compressedSize: w.compressedSize });
      out.manifest.push({ name: q.item.name, size: w.size, sha256 });
    }
  } finally {
    queue.stop();
  }
  return out;
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
