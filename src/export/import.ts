/**
 * Import of an AES zip (ours or 7-Zip's/WinZip's, AE-1 or AE-2), or a check of it without writing
 * (`verifyOnly`). The order of the checks is the security argument:
 *
 * 1. the whole central directory is vetted before any byte is written: names that escape the
 *    target (UNSAFE_PATH), symbolic links (SYMLINK_REFUSED), duplicates also on case-insensitive
 *    and Unicode-normalising file systems (DUPLICATE_ENTRY), ZipCrypto or unknown methods
 *    (UNSUPPORTED_ALGORITHM), a declared total over the cap (ARCHIVE_BOMB), files already in the
 *    target (OUTPUT_EXISTS, unless `force`);
 * 2. the password, on the first encrypted entry (WRONG_PASSWORD);
 * 3. the manifest and its signature, when present: read and authenticated (MAC), the signature
 *    verified when trust anchors are given, the list of names compared with the archive
 *    (MANIFEST_MISMATCH);
 * 4. each file is decrypted into a temp file next to its target, counted (ARCHIVE_BOMB on actual
 *    inflated bytes), and moved into place only after its MAC (and CRC for AE-1), its size and its
 *    manifest hash matched. A failure removes the temp file: nothing is left for that file.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ScelleError, type ErrorCode } from '../errors.js';
import { openAtomicOutput, syncFolder, type AtomicOutput } from '../io/atomic-output.js';
import { verifySignature } from '../validation/verify-signature.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import { ZipReader, assertReadable, type ZipEntry } from '../crypto/zip/reader.js';
import { assertNoDuplicates, printable, safeSegments } from '../crypto/zip/names.js';
import type { WinZipAesKeys } from '../crypto/zip/winzip-aes.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME, MAX_MANIFEST_BYTES, parseManifest, type ManifestFile } from './manifest.js';

/** Default cap on the total uncompressed size of an import: 64 GiB. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 ** 3;
/** Default cap on an entry's compression ratio. */
export const DEFAULT_MAX_RATIO = 1000;
/** Entries that inflate to less than this are not held to the ratio cap. */
export const DEFAULT_RATIO_FLOOR = 1024 * 1024;
/** Largest manifest signature read. */
const MAX_SIGNATURE_BYTES = 16 * 1024 * 1024;
/** Verified files whose fsync + rename may run at once in the background. */
const PARALLEL_COMMITS = 8;
/** Key derivations started ahead of the entry being read. */
const KEYS_AHEAD = 4;

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

/** The manifest signature's verdict. */
export interface ManifestSignatureReport {
  /** False when no trust anchors were given: the signature is present but was not checked. */
  verified: boolean;
  /** Signer's name, RPPS and profession, from the certificate in the signature. */
  signer?: string;
  rpps?: string;
  profession?: string;
  /** The signing-time attribute (the signer's claim). */
  signingTime?: Date;
  /** CAdES level found. */
  level?: 'CMS' | 'CAdES-B' | 'CAdES-T' | 'CAdES-LT' | 'CAdES-LTA';
  /** The signature time-stamp, verified strictly when `verified`. */
  timestamp?: { genTime: Date; tsa?: string };
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

interface Planned {
  entry: ZipEntry;
  segments: string[];
  target?: string;
}

/**
 * Imports (or, with `verifyOnly`, checks) an AES zip.
 * @throws ScelleError `WRONG_PASSWORD`, `DECRYPTION_FAILED` (a MAC or CRC mismatch: corrupted or
 *   tampered with), `UNSAFE_PATH`, `SYMLINK_REFUSED`, `DUPLICATE_ENTRY`, `ARCHIVE_BOMB`,
 *   `MANIFEST_MISMATCH`, `OUTPUT_EXISTS`, `TRUNCATED`, `MALFORMED_ARCHIVE` (not a zip, malformed),
 *   `UNSUPPORTED_ALGORITHM` (ZipCrypto, other methods), the signature's negative verdict codes
 *   (`SIGNATURE_INVALID`, `CONTENT_MISMATCH`, `CHAIN_UNTRUSTED`, `CERT_REVOKED`, …, timestamp codes),
 *   `PASSWORD_REQUIRED`, `USAGE`, `FILE_NOT_FOUND`, `IO_ERROR`. Every error names the entry (`params.entry`) when there is one.
 */
export async function importZip(zipPath: string, options: ImportOptions): Promise<ImportResult> {
  const verifyOnly = options.verifyOnly === true;
  if (!verifyOnly && (options.outDir === undefined || options.outDir === '')) throw new ScelleError('USAGE', 'an import needs a target folder (or verifyOnly)');
  const maxTotal = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const readLimits = { maxRatio: options.maxRatio ?? DEFAULT_MAX_RATIO, ratioFloor: options.ratioFloor ?? DEFAULT_RATIO_FLOOR };
  const reader = await ZipReader.open(zipPath);
  let current: AtomicOutput | undefined;
  const commits: Promise<void>[] = [];
  try {
    // 1. Vet the whole central directory.
    const plan: Planned[] = [];
    let declared = 0;
    const plainEntries: string[] = [];
    for (const entry of reader.entries) {
      const segments = safeSegments(entry.name);
      if (entry.symlink) throw new ScelleError('SYMLINK_REFUSED', `refusing the symbolic link "${printable(entry.name)}" in the archive: a link could point outside the target folder`, { params: { entry: printable(entry.name) } });
      assertReadable(entry);
      if (!entry.encrypted && !entry.directory) {
        if (options.requireEncryption === true) throw new ScelleError('UNSUPPORTED_FORMAT', `"${printable(entry.name)}" is not encrypted`, { params: { entry: printable(entry.name) } });
        plainEntries.push(entry.name);
      }
      declared += entry.size;
      plan.push({ entry, segments });
    }
    assertNoDuplicates(plan.map((p) => ({ name: p.entry.name, segments: p.segments, directory: p.entry.directory })));
    if (declared > maxTotal) {
      throw new ScelleError('ARCHIVE_BOMB', `the archive declares ${declared} bytes once extracted, more than the cap of ${maxTotal}: refused as a possible zip bomb (raise the cap if it is expected)`, { params: { bytes: declared, max: maxTotal } });
    }

    const outDir = verifyOnly ? undefined : resolve(options.outDir!);
    if (outDir !== undefined) {
      for (const p of plan) p.target = join(outDir, ...p.segments);
      await checkTargets(outDir, plan, options.force === true);
    }

    // 2. The password, before anything else is read.
    const keyCache = new Map<number, Promise<WinZipAesKeys>>();
    const keysFor = (e: ZipEntry): Promise<WinZipAesKeys> | undefined => {
      if (e.aes === undefined || e.directory) return undefined;
      let k = keyCache.get(e.index);
      if (k === undefined) {
        k = reader.deriveKeys(e, options.password);
        k.catch(() => undefined);
        keyCache.set(e.index, k);
      }
      return k;
    };
    const firstEncrypted = plan.find((p) => p.entry.aes !== undefined && !p.entry.directory);
    if (firstEncrypted !== undefined) {
      if (typeof options.password !== 'string' || options.password.length === 0) throw new ScelleError('PASSWORD_REQUIRED', `${zipPath} is encrypted: its password is needed`, { params: { file: zipPath } });
      await keysFor(firstEncrypted.entry);
    }

    let budget = maxTotal;
    let done = 0;
    const readAll = async (entry: ZipEntry, cap: number): Promise<Uint8Array> => {
      if (entry.size > cap) throw new ScelleError('MANIFEST_MISMATCH', `${entry.name} is ${entry.size} bytes, more than the ${cap} accepted`, { params: { entry: entry.name } });
      const parts: Uint8Array[] = [];
      const keys = keysFor(entry);
      for await (const c of reader.readEntry(entry, { ...readLimits, maxBytes: cap, password: options.password, ...(keys ? { keys: await keys } : {}) })) parts.push(c);
      return Buffer.concat(parts);
    };

    // 3. Manifest and signature.
    const manifestPlan = plan.find((p) => p.segments.length === 1 && p.segments[0] === MANIFEST_NAME && !p.entry.directory);
    const signaturePlan = plan.find((p) => p.segments.length === 1 && p.segments[0] === MANIFEST_SIGNATURE_NAME && !p.entry.directory);
    let manifest: Map<string, ManifestFile> | undefined;
    let signature: ManifestSignatureReport | undefined;
    if (signaturePlan !== undefined && manifestPlan === undefined) {
      throw new ScelleError('MANIFEST_MISMATCH', `the archive has ${MANIFEST_SIGNATURE_NAME} but no ${MANIFEST_NAME}`, { params: { entry: MANIFEST_NAME } });
    }
    if (manifestPlan !== undefined) {
      const bytes = await readAll(manifestPlan.entry, MAX_MANIFEST_BYTES);
      manifest = parseManifest(bytes);
      if (signaturePlan !== undefined) {
        const sig = await readAll(signaturePlan.entry, MAX_SIGNATURE_BYTES);
        signature = await checkSignature(sig, bytes, options);
      }
      const listed = new Set(manifest.keys());
      for (const p of plan) {
        if (p.entry.directory || p === manifestPlan || p === signaturePlan) continue;
        const name = p.segments.join('/').normalize('NFC');
        if (!listed.delete(name)) {
          throw new ScelleError('MANIFEST_MISMATCH', `"${printable(p.entry.name)}" is in the archive but not in its manifest: it was added after the export`, { params: { entry: printable(p.entry.name) } });
        }
      }
      const missing = [...listed][0];
      if (missing !== undefined) {
        throw new ScelleError('MANIFEST_MISMATCH', `"${printable(missing)}" is in the manifest but missing from the archive`, { params: { entry: printable(missing) } });
      }
    }

    // 4. Every entry, authenticated before it is moved into place.
    const entries: ImportedEntry[] = [];
    const folders = new Set<string>();
    const dirTimes: { path: string; mtime: Date }[] = [];
    for (const [i, p] of plan.entries()) {
      for (let j = i + 1; j < Math.min(plan.length, i + 1 + KEYS_AHEAD); j++) keysFor(plan[j]!.entry);
      const e = p.entry;
      const base: Omit<ImportedEntry, 'size' | 'inManifest'> = {
        name: e.name, directory: e.directory, encrypted: e.encrypted, method: e.method === 8 ? 'deflate' : 'stored', mtime: e.mtime,
        ...(e.aes ? { aes: e.aes.version === 1 ? 'AE-1' as const : 'AE-2' as const, aesBits: ([128, 192, 256] as const)[e.aes.strength - 1]! } : {}),
        ...(p.target !== undefined ? { path: p.target } : {}),
      };
      if (e.directory) {
        if (p.target !== undefined) {
          await mkdir(p.target, { recursive: true }).catch((err: unknown) => { throw ioError(p.target!, err); });
          dirTimes.push({ path: p.target, mtime: e.mtime });
        }
        entries.push({ ...base, size: 0, inManifest: false });
        continue;
      }
      const listed = p === manifestPlan || p === signaturePlan ? undefined : manifest?.get(p.segments.join('/').normalize('NFC'));
      if (listed !== undefined && listed.size !== e.size) {
        throw new ScelleError('MANIFEST_MISMATCH', `"${printable(e.name)}" has ${e.size} bytes where the manifest says ${listed.size}`, { params: { entry: printable(e.name) } });
      }
      const hash = createHash('sha256');
      let size = 0;
      const keys = keysFor(e);
      if (p.target !== undefined) {
        const parent = join(p.target, '..');
        if (!folders.has(parent)) {
          await mkdir(parent, { recursive: true }).catch((err: unknown) => { throw ioError(parent, err); });
          folders.add(parent);
        }
        current = await openAtomicOutput(p.target, { exclusive: options.force !== true, syncFolder: false });
      }
      for await (const chunk of reader.readEntry(e, { ...readLimits, maxBytes: budget, password: options.password, ...(keys ? { keys: await keys } : {}) })) {
        hash.update(chunk);
        size += chunk.byteLength;
        done += chunk.byteLength;
        if (current !== undefined) await current.write(chunk);
        options.onProgress?.({ file: e.name, bytes: done, totalBytes: declared });
      }
      budget -= size;
      const sha256 = hash.digest('hex');
      if (listed !== undefined && listed.sha256 !== sha256) {
        throw new ScelleError('MANIFEST_MISMATCH', `"${printable(e.name)}" does not match the SHA-256 in the manifest: it was changed after the export`, { params: { entry: printable(e.name) } });
      }
      if (current !== undefined) {
        const out = current;
        current = undefined;
        // The file is authenticated: its fsync and rename run in the background, a few at once,
        // while the next entries are read (one fsync after another cost 5–10 ms each here).
        const commit = utimes(out.tempPath, e.mtime, e.mtime).catch(() => undefined).then(() => out.commit());
        commit.catch(() => undefined);
        commits.push(commit);
        if (commits.length >= PARALLEL_COMMITS) await commits.shift();
      }
      entries.push({ ...base, size, sha256, inManifest: listed !== undefined });
    }
    while (commits.length > 0) await commits.shift();
    // Folder times last: writing the files inside changed them.
    for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime).catch(() => undefined);
    for (const f of folders) await syncFolder(f);

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
      plainEntries,
    };
  } finally {
    await current?.abort();
    // Files already authenticated are still moved into place; a failed commit removed its temp file.
    await Promise.allSettled(commits);
    await reader.close();
  }
}

function ioError(path: string, e: unknown): ScelleError {
  if (e instanceof ScelleError) return e;
  return new ScelleError('IO_ERROR', `cannot create ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
}

/**
 * Before anything is written: no target may exist (unless `force`; a folder may), and no existing
 * component under `outDir` may be a symbolic link (it could lead outside the target).
 */
async function checkTargets(outDir: string, plan: Planned[], force: boolean): Promise<void> {
  const checked = new Map<string, 'dir' | 'missing'>();
  const kind = async (path: string): Promise<'dir' | 'file' | 'link' | 'missing'> => {
    try {
      const st = await lstat(path);
      return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
      throw ioError(path, e);
    }
  };
  for (const p of plan) {
    let path = outDir;
    for (const [i, s] of p.segments.entries()) {
      path = join(path, s);
      const last = i === p.segments.length - 1;
      if (!last || p.entry.directory) {
        const c = checked.get(path);
        if (c === 'missing') break;
        if (c === 'dir') continue;
      }
      const k = await kind(path);
      if (k === 'link') {
        throw new ScelleError('UNSAFE_PATH', `refusing to extract "${printable(p.entry.name)}": ${path} is a symbolic link in the target folder`, { params: { entry: printable(p.entry.name) } });
      }
      if (k === 'missing') {
        checked.set(path, 'missing');
        break;
      }
      if (!last || p.entry.directory) {
        if (k !== 'dir') throw new ScelleError('OUTPUT_EXISTS', `${path} exists and is not a folder`, { params: { file: path, entry: printable(p.entry.name) } });
        checked.set(path, 'dir');
      } else if (!force) {
        throw new ScelleError('OUTPUT_EXISTS', `${path} already exists (nothing was extracted)`, { params: { file: path, entry: printable(p.entry.name) }, hint: 'extract into an empty folder, or overwrite with --force' });
      } else if (k === 'dir') {
        throw new ScelleError('OUTPUT_EXISTS', `${path} is a folder, the archive has a file there`, { params: { file: path, entry: printable(p.entry.name) } });
      }
    }
  }
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Verifies the manifest signature when trust anchors are given (a negative verdict throws its
 * code); otherwise reports who signed without verifying.
 */
async function checkSignature(sig: Uint8Array, manifest: Uint8Array, options: ImportOptions): Promise<ManifestSignatureReport> {
  const anchors = options.trustAnchors ?? [];
  const fail = (code: ErrorCode | undefined, message: string): ScelleError =>
    new ScelleError(code ?? 'SIGNATURE_INVALID', `the manifest signature ${MANIFEST_SIGNATURE_NAME} is not valid: ${message}`, { params: { entry: MANIFEST_SIGNATURE_NAME } });
  const verdict = await verifySignature(sig, { trustAnchors: anchors, content: one(manifest), ...(options.crls ? { crls: options.crls } : {}) });
  const signer = verdict.signers[0];
  const report: ManifestSignatureReport = { verified: anchors.length > 0 };
  if (signer?.signer !== undefined) {
    const s = summarizeCertificate(signer.signer);
    report.signer = s.holder.displayName;
    if (s.rpps !== undefined) report.rpps = s.rpps;
    if (s.holder.profession !== undefined) report.profession = s.holder.profession;
  }
  if (signer?.signingTime !== undefined) report.signingTime = signer.signingTime;
  if (signer !== undefined) report.level = signer.cades.level;
  if (anchors.length === 0) {
    // Without trust anchors only the content digest can be checked: a mismatch is still fatal.
    const contentProblem = verdict.signers.flatMap((s) => s.problems).find((p) => p.code === 'CONTENT_MISMATCH' || p.code === 'SIGNATURE_INVALID');
    if (contentProblem !== undefined) throw fail(contentProblem.code, contentProblem.message);
    if (signer?.timestamp !== undefined) report.timestamp = { genTime: signer.timestamp.genTime, ...(signer.timestamp.tsa !== undefined ? { tsa: signer.timestamp.tsa } : {}) };
    return report;
  }
  if (!verdict.ok) {
    const problem = verdict.signers.flatMap((s) => s.problems)[0];
    throw fail(verdict.code, problem?.message ?? 'negative verdict');
  }
  // A time-stamp the engine found invalid already made the verdict negative.
  const t = signer?.timestamps.find((x) => x.ok && x.genTime !== undefined);
  if (t?.genTime !== undefined) report.timestamp = { genTime: t.genTime, ...(t.tsa !== undefined ? { tsa: summarizeCertificate(t.tsa.certificate).holder.displayName } : {}) };
  return report;
}
