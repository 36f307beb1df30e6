/**
 * The sealed USB export: files and folders into a WinZip AES-256 (AE-2) zip that 7-Zip, WinZip
 * and scelle open with the password, with a `MANIFEST.sha256` (SHA-256 and size of every file,
 * `sha256sum -c` compatible) and — with an identity — its detached CAdES signature
 * `MANIFEST.sha256.p7s`, time-stamped (CAdES-T) when a TSA is given.
 *
 * The zip format's key derivation is weak (PBKDF2-HMAC-SHA1 × 1 000, fixed by the format), so
 * the password must pass the CNIL policy (WEAK_PASSWORD otherwise). See docs/drafts/zip-export.md.
 *
 * Memory is bounded whatever the file sizes: small files are prepared a few at a time in memory,
 * large ones streamed in 1 MiB chunks. The output is atomic (temp file, fsync, rename).
 */
import { createHash, type Hash } from 'node:crypto';
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import { openAtomicOutput } from '../io/atomic-output.js';
import { readFileChunks } from '../io/file-chunks.js';
import { assertStrongPassword } from '../crypto/password.js';
import { signDetached, type SignOptions } from '../crypto/cms/sign.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { ZipWriter, SMALL_ENTRY, type PreparedEntry } from '../crypto/zip/writer.js';
import { assertNoDuplicates, safeSegments } from '../crypto/zip/names.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { requestTimestamp } from '../timestamp/client.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME, formatManifest, type ManifestFile } from './manifest.js';

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
  /** Files prepared ahead of the one being written (default 8). */
  concurrency?: number;
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
  /** Files and folders, in archive order (the manifest and its signature excluded). */
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

interface Item {
  path: string;
  name: string;
  segments: string[];
  directory: boolean;
  size: number;
  mtime: Date;
  mode: number;
}

/** Small files prepared ahead, at most this many bytes in memory. */
const AHEAD_BYTES = 32 * 1024 * 1024;

/**
 * Exports files and folders into an AES-256 zip at `outPath` (atomically). A folder is stored
 * under its own name with everything below it; a file under its name.
 * @throws ScelleError `WEAK_PASSWORD`, `OUTPUT_EXISTS`, `FILE_NOT_FOUND`, `IO_ERROR`, `USAGE`,
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

  const skipped: ExportResult['skipped'] = [];
  const items: Item[] = [];
  for (const p of paths) await collect(resolve(p), undefined, items, skipped, out);
  const checked = items.map((it) => ({ ...it, segments: safeSegments(it.name) }));
  assertNoDuplicates([
    ...checked,
    { name: MANIFEST_NAME, segments: [MANIFEST_NAME], directory: false },
    { name: MANIFEST_SIGNATURE_NAME, segments: [MANIFEST_SIGNATURE_NAME], directory: false },
  ].map((x) => ({ name: x.name, segments: x.segments, directory: x.directory })));
  const totalBytes = items.reduce((n, it) => n + (it.directory ? 0 : it.size), 0);

  const output = await openAtomicOutput(out, { exclusive: options.force !== true, coalesceBytes: 1024 * 1024 });
  let dispose: (() => void) | undefined;
  try {
    // Every file, the manifest and its signature: their keys are derived ahead (see ZipWriterOptions).
    const expectedFiles = items.filter((it) => !it.directory).length + 1 + (options.signer !== undefined ? 1 : 0);
    const writer = new ZipWriter((c) => output.write(c), { password: options.password, level: options.level ?? 6, forceZip64: options.forceZip64 === true, expectedFiles });
    dispose = () => writer.dispose();
    const entries: ExportedEntry[] = [];
    const manifest: ManifestFile[] = [];
    let bytesRead = 0;
    const onProgress = options.onProgress;
    const concurrency = Math.max(1, options.concurrency ?? 8);

    interface Queued { item: Item; prepared?: PreparedEntry; hash?: Hash; inMemory: number }
    const queue: Queued[] = [];
    let cursor = 0;
    let aheadBytes = 0;
    const fill = (): void => {
      while (cursor < items.length && queue.length < concurrency && aheadBytes < AHEAD_BYTES) {
        const item = items[cursor++]!;
        if (item.directory) {
          queue.push({ item, inMemory: 0 });
          continue;
        }
        const hash = createHash('sha256');
        const tap = (c: Uint8Array): void => {
          hash.update(c);
          bytesRead += c.byteLength;
          onProgress?.({ file: item.name, bytes: bytesRead, totalBytes });
        };
        const inMemory = item.size <= SMALL_ENTRY ? item.size : 0;
        aheadBytes += inMemory;
        const prepared = writer.prepareFile({ name: item.name, mtime: item.mtime, unixMode: item.mode }, () => readFileChunks(item.path), item.size, tap);
        queue.push({ item, prepared, hash, inMemory });
      }
    };
    for (;;) {
      fill();
      const q = queue.shift();
      if (q === undefined) break;
      if (q.prepared === undefined) {
        const w = await writer.addDirectory({ name: q.item.name, mtime: q.item.mtime, unixMode: q.item.mode });
        entries.push({ name: w.name, directory: true, size: 0, method: 'stored', compressedSize: 0 });
        continue;
      }
      const w = await writer.writePrepared(q.prepared);
      aheadBytes -= q.inMemory;
      const sha256 = q.hash!.digest('hex');
      entries.push({ name: q.item.name, directory: false, size: w.size, sha256, method: w.method === 8 ? 'deflate' : 'stored', compressedSize: w.compressedSize });
      manifest.push({ name: q.item.name, size: w.size, sha256 });
    }

    const manifestBytes = formatManifest(manifest, now);
    await writer.addBytes({ name: MANIFEST_NAME, mtime: now }, manifestBytes);
    let signature: ExportResult['signature'];
    if (options.signer !== undefined) {
      let sig = await signDetached([manifestBytes], { ...options.signer, signingTime: options.signer.signingTime ?? now });
      const source = options.timestampSource ?? (options.tsaUrl !== undefined ? tsaSource(options.tsaUrl) : undefined);
      if (source !== undefined) sig = await addSignatureTimestamp(sig, source);
      await writer.addBytes({ name: MANIFEST_SIGNATURE_NAME, mtime: now }, sig);
      const s = summarizeCertificate(options.signer.signer.certificate, now);
      signature = { name: MANIFEST_SIGNATURE_NAME, signer: s.holder.displayName, ...(s.rpps !== undefined ? { rpps: s.rpps } : {}), timestamped: source !== undefined };
    }
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
    dispose?.();
    await output.abort();
    throw e;
  }
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

/** Lists a path (a file, or a folder and everything below it) into `items`, sorted by name. */
async function collect(path: string, parentName: string | undefined, items: Item[], skipped: ExportResult['skipped'], outPath: string): Promise<void> {
  if (path === outPath || (dirname(path) === dirname(outPath) && basename(path).startsWith(`.${basename(outPath)}.`) && path.endsWith('.tmp'))) return;
  let st;
  try {
    // A path the caller named is followed when it is a link; links found inside folders are not
    // followed into folders (no cycles, nothing outside what was chosen).
    st = parentName === undefined ? await stat(path) : await lstat(path);
    if (st.isSymbolicLink()) {
      const target = await stat(path);
      if (!target.isFile()) {
        skipped.push({ path, reason: 'a symbolic link to something other than a file' });
        return;
      }
      st = target;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScelleError('FILE_NOT_FOUND', `file not found: ${path}`, { params: { file: path }, cause: e });
    throw new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
  }
  const base = basename(path).normalize('NFC');
  if (parentName === undefined && (base === '' || path === resolve('/'))) throw new ScelleError('USAGE', `cannot export the root folder ${path} as a whole: name a folder inside it`);
  const name = parentName === undefined ? base : `${parentName}/${base}`;
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) {
    items.push({ path, name: `${name}/`, segments: [], directory: true, size: 0, mtime: st.mtime, mode: 0o40000 | mode });
    let children: string[];
    try {
      children = (await readdir(path)).sort();
    } catch (e) {
      throw new ScelleError('IO_ERROR', `cannot list ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
    }
    for (const c of children) await collect(join(path, c), name, items, skipped, outPath);
  } else if (st.isFile()) {
    items.push({ path, name, segments: [], directory: false, size: st.size, mtime: st.mtime, mode: 0o100000 | mode });
  } else {
    skipped.push({ path, reason: 'not a regular file or folder' });
  }
}
