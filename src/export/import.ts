/**
 * Import of an AES zip (ours or 7-Zip's/WinZip's, AE-1 or AE-2), or a check of it without writing
 * (`verifyOnly`). The order of the checks is the security argument:
 *
 * 1. the whole central directory is vetted before any byte is written (import-plan.ts): names
 *    that escape the target (UNSAFE_PATH), symbolic links (SYMLINK_REFUSED), duplicates also on
 *    case-insensitive and Unicode-normalising file systems (DUPLICATE_ENTRY), ZipCrypto or unknown
 *    methods (UNSUPPORTED_ALGORITHM), a declared total over the cap (ARCHIVE_BOMB), more entries
 *    than the cap (TOO_MANY_ENTRIES), files already in the target (OUTPUT_EXISTS, unless `force`),
 *    too little room for the declared total (DISK_FULL);
 * 2. the password, on the first encrypted entry (WRONG_PASSWORD);
 * 3. the manifest and its signature, when present (import-manifest.ts): read and authenticated
 *    (MAC), the signature verified when trust anchors are given, the list of names compared with
 *    the archive (MANIFEST_MISMATCH);
 * 4. each file is decrypted into a private temp file (0600) next to its target, counted
 *    (ARCHIVE_BOMB on actual inflated bytes), and moved into place only after its MAC (and CRC for
 *    AE-1), its size and its manifest hash matched and its data is on disk (fsync). A failure
 *    removes the temp file: nothing is left for that file (files before it, verified, stay).
 *
 * Step 4 runs on worker threads, one per core (key derivation, decryption, inflate and SHA-256 of
 * several entries at once), and the fsyncs run in the background, grouped by the file system
 * (io/durable-commits.ts). Memory stays bounded: entries are read in chunks of at most a few MiB,
 * and the central directory — whose size the entry cap bounds — is parsed from 1 MiB windows.
 */
import { resolve } from 'node:path';
import { utimes } from 'node:fs/promises';
import { ScelleError } from '../errors.js';
import { DEFAULT_MAX_ENTRIES, ZipReader, type ZipEntry } from '../crypto/zip/reader.js';
import type { WinZipAesKeys } from '../crypto/zip/winzip-aes.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { checkTargets, makeFolders, vetEntries } from './import-plan.js';
import { readManifest, type ManifestSignatureReport } from './import-manifest.js';
import { extractAll } from './import-extract.js';
import { startZipWorkers, type ZipWorkers } from '../crypto/zip/zip-pool.js';

export type { ManifestSignatureReport } from './import-manifest.js';
export { DEFAULT_MAX_ENTRIES } from '../crypto/zip/reader.js';

/** Default cap on the total uncompressed size of an import: 64 GiB. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 ** 3;
/** Default cap on an entry's compression ratio. */
export const DEFAULT_MAX_RATIO = 1000;
/** Entries that inflate to less than this are not held to the ratio cap. */
export const DEFAULT_RATIO_FLOOR = 1024 * 1024;

/** Options of {@link importZip}. */
export interface ImportOptions {
  /** The archive's password (may be empty for an archive without encrypted entries). */
  password: string;
  /** Where to extract (created when missing). Required unless `verifyOnly`. */
  outDir?: string;
  /** Authenticate and hash every entry, check the manifest and signature, write nothing. */
  verifyOnly?: boolean;
  /** Replace files that exist in `outDir` (default: OUTPUT_EXISTS before anything is written). */
  force?: boolean;
  /** Cap on the total uncompressed size, declared and actual. Default {@link DEFAULT_MAX_TOTAL_BYTES}. */
  maxTotalBytes?: number;
  /** Cap on each entry's expansion ratio beyond {@link ImportOptions.ratioFloor}. Default 1000. */
  maxRatio?: number;
  /** Default {@link DEFAULT_RATIO_FLOOR}. */
  ratioFloor?: number;
  /** Verify the manifest signature against these roots (without them it is reported, not verified). */
  trustAnchors?: X509Cert[];
  /** CRLs for the signer's and the TSA's chains. */
  crls?: Crl[];
  /** Refuse entries that are not encrypted (default: accept them and list them in `plainEntries`). */
  requireEncryption?: boolean;
  /** Called as bytes are read. */
  onProgress?: (e: { file: string; bytes: number; totalBytes: number }) => void;
  /** Most entries accepted (default {@link DEFAULT_MAX_ENTRIES}; TOO_MANY_ENTRIES beyond). */
  maxEntries?: number;
  /** Stops the import (INTERRUPTED): no new file is started, files already verified are kept. */
  signal?: AbortSignal;
  /** Worker threads (default one per core, at most 4; 0: this thread only). */
  workers?: number;
}

/** One entry of an imported archive. */
export interface ImportedEntry {
  name: string;
  directory: boolean;
  size: number;
  /** Lower-case hex (files). */
  sha256?: string;
  encrypted: boolean;
  /** `AE-1` or `AE-2` for AES entries. */
  aes?: 'AE-1' | 'AE-2';
  /** AES key size in bits. */
  aesBits?: 128 | 192 | 256;
  method: 'stored' | 'deflate';
  mtime: Date;
  /** Where it was written (not in `verifyOnly`). */
  path?: string;
  /** The manifest listed it and its hash and size matched. */
  inManifest: boolean;
}

/** What {@link importZip} found and did. */
export interface ImportResult {
  verifyOnly: boolean;
  outDir?: string;
  entries: ImportedEntry[];
  files: number;
  directories: number;
  totalBytes: number;
  manifest: { present: boolean; files: number; ok: boolean };
  signature?: ManifestSignatureReport;
  /** Entries stored without encryption (accepted unless `requireEncryption`). */
  plainEntries: string[];
}

/**
 * Imports (or, with `verifyOnly`, checks) an AES zip.
 * @throws ScelleError `WRONG_PASSWORD`, `DECRYPTION_FAILED` (a MAC or CRC mismatch: corrupted or
 *   tampered with), `TRUNCATED`, `MALFORMED_ARCHIVE`, `UNSAFE_PATH`, `SYMLINK_REFUSED`,
 *   `DUPLICATE_ENTRY`, `ARCHIVE_BOMB`, `TOO_MANY_ENTRIES`, `UNSUPPORTED_ALGORITHM`,
 *   `UNSUPPORTED_FORMAT`, `OUTPUT_EXISTS`, `MANIFEST_MISMATCH`, the signature verdict's codes
 *   (`SIGNATURE_INVALID`, `CONTENT_MISMATCH`, `CHAIN_UNTRUSTED`, `CERT_REVOKED`, …, timestamp codes),
 *   `PASSWORD_REQUIRED`, `USAGE`, `INTERRUPTED`, `FILE_NOT_FOUND`, `NOT_A_FILE`, `PERMISSION_DENIED`,
 *   `DISK_FULL` (with `params.missingBytes`), `READ_ONLY_MEDIUM`, `IO_ERROR`. Every error names the
 *   entry (`params.entry`) when there is one.
 */
export async function importZip(zipPath: string, options: ImportOptions): Promise<ImportResult> {
  const verifyOnly = options.verifyOnly === true;
  if (!verifyOnly && (options.outDir === undefined || options.outDir === '')) throw new ScelleError('USAGE', 'an import needs a target folder (or verifyOnly)');
  const maxTotal = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const limits = { maxRatio: options.maxRatio ?? DEFAULT_MAX_RATIO, ratioFloor: options.ratioFloor ?? DEFAULT_RATIO_FLOOR };
  const reader = await ZipReader.open(zipPath, { maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES });
  // The workers start now: each loads its modules (~0.2 s of a core) while this thread vets the
  // central directory, the target, the password and the manifest, instead of after.
  let workers: ZipWorkers | undefined;
  try {
    workers = startZipWorkers({ zipPath: resolve(reader.path), centralDirectoryOffset: reader.centralDirectoryOffset, ...(options.password ? { password: options.password } : {}) }, reader.entryReader, options.workers);
    // 1. The whole central directory, and the target.
    const plan = vetEntries(reader.entries, { maxTotal, ...(options.requireEncryption === true ? { requireEncryption: true } : {}) });
    const outDir = verifyOnly ? undefined : resolve(options.outDir!);
    if (outDir !== undefined) await checkTargets(outDir, reader.entries, { force: options.force === true, declared: plan.declared });
    // 2. The password, before anything else is read.
    let firstKeys: WinZipAesKeys | undefined;
    if (plan.firstEncrypted !== undefined) {
      if (typeof options.password !== 'string' || options.password.length === 0) throw new ScelleError('PASSWORD_REQUIRED', `${zipPath} is encrypted: its password is needed`, { params: { file: zipPath } });
      firstKeys = await reader.deriveKeys(plan.firstEncrypted, options.password);
    }
    const keysOf = (e: ZipEntry): Promise<WinZipAesKeys> | undefined => (e.aes === undefined ? undefined : e === plan.firstEncrypted ? Promise.resolve(firstKeys!) : reader.deriveKeys(e, options.password));
    // 3. Manifest and signature.
    const { manifest, signature } = await readManifest(reader, plan, { password: options.password, ...limits, ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}), ...(options.crls ? { crls: options.crls } : {}) }, keysOf);
    // 4. Every file, authenticated before it is moved into place.
    const dirTimes = outDir !== undefined ? await makeFolders(outDir, reader.entries) : [];
    const entries = await extractAll(reader, plan, { ...options, ...limits, maxTotal, ...(outDir !== undefined ? { outDir } : {}), ...(firstKeys ? { firstKeys } : {}), ...(manifest ? { manifest } : {}) }, workers);
    // Folder times last: writing the files inside changed them.
    for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime).catch(() => undefined);
    const files = entries.filter((x) => !x.directory);
    return {
      verifyOnly,
      ...(outDir !== undefined ? { outDir } : {}),
      entries,
      files: files.length,
      directories: entries.length - files.length,
      totalBytes: files.reduce((n, x) => n + x.size, 0),
      manifest: { present: manifest !== undefined, files: manifest?.size ?? 0, ok: manifest !== undefined },
      ...(signature !== undefined ? { signature } : {}),
      plainEntries: plan.plainEntries,
    };
  } finally {
    await workers?.close();
    await reader.close();
  }
}
