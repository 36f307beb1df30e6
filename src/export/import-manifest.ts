/**
 * The manifest of an export and its signature, read and checked before any file is extracted:
 * both authenticated by their MACs, the signature verified when trust anchors are given (a
 * negative verdict throws its code), and the list of names compared with the archive's
 * (MANIFEST_MISMATCH). See docs/FORMAT.md, "USB export", §3–§5.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import { verifySignature } from '../validation/verify-signature.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { ZipEntry, ZipReader } from '../crypto/zip/reader.js';
import { printable, safeSegments } from '../crypto/zip/names.js';
import type { WinZipAesKeys } from '../crypto/zip/winzip-aes.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME, MAX_MANIFEST_BYTES, parseManifest, type ManifestFile } from './manifest.js';
import type { ImportPlan } from './import-plan.js';

/** Largest manifest signature read. */
const MAX_SIGNATURE_BYTES = 16 * 1024 * 1024;

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

/** What the manifest check needs of the import's options. */
export interface ManifestCheckOptions {
  password: string;
  trustAnchors?: X509Cert[];
  crls?: Crl[];
  maxRatio: number;
  ratioFloor: number;
}

/** The name an entry has in the manifest. */
export function manifestKey(entry: ZipEntry): string {
  return safeSegments(entry.name).join('/').normalize('NFC');
}

/**
 * Reads and checks the manifest and its signature (when the archive has them).
 * @throws ScelleError `MANIFEST_MISMATCH`, the signature's codes, and those of reading an entry.
 */
export async function readManifest(reader: ZipReader, plan: ImportPlan, options: ManifestCheckOptions, keysOf: (e: ZipEntry) => Promise<WinZipAesKeys> | undefined): Promise<{ manifest?: Map<string, ManifestFile>; signature?: ManifestSignatureReport }> {
  if (plan.signature !== undefined && plan.manifest === undefined) {
    throw new ScelleError('MANIFEST_MISMATCH', `the archive has ${MANIFEST_SIGNATURE_NAME} but no ${MANIFEST_NAME}`, { params: { entry: MANIFEST_NAME } });
  }
  if (plan.manifest === undefined) return {};
  const readAll = async (entry: ZipEntry, cap: number): Promise<Uint8Array> => {
    if (entry.size > cap) throw new ScelleError('MANIFEST_MISMATCH', `${entry.name} is ${entry.size} bytes, more than the ${cap} accepted`, { params: { entry: entry.name } });
    const parts: Uint8Array[] = [];
    const keys = keysOf(entry);
    for await (const c of reader.readEntry(entry, { maxRatio: options.maxRatio, ratioFloor: options.ratioFloor, maxBytes: cap, password: options.password, ...(keys ? { keys: await keys } : {}) })) parts.push(c);
    return Buffer.concat(parts);
  };
  const bytes = await readAll(plan.manifest, MAX_MANIFEST_BYTES);
  const manifest = parseManifest(bytes);
  const signature = plan.signature === undefined ? undefined : await checkSignature(await readAll(plan.signature, MAX_SIGNATURE_BYTES), bytes, options);
  const listed = new Set(manifest.keys());
  for (const e of reader.entries) {
    if (e.directory || e === plan.manifest || e === plan.signature) continue;
    if (!listed.delete(manifestKey(e))) {
      throw new ScelleError('MANIFEST_MISMATCH', `"${printable(e.name)}" is in the archive but not in its manifest: it was added after the export`, { params: { entry: printable(e.name) } });
    }
  }
  const missing = [...listed][0];
  if (missing !== undefined) {
    throw new ScelleError('MANIFEST_MISMATCH', `"${printable(missing)}" is in the manifest but missing from the archive`, { params: { entry: printable(missing) } });
  }
  return { manifest, ...(signature !== undefined ? { signature } : {}) };
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Verifies the manifest signature when trust anchors are given (a negative verdict throws its
 * code); otherwise reports who signed without verifying.
 */
async function checkSignature(sig: Uint8Array, manifest: Uint8Array, options: ManifestCheckOptions): Promise<ManifestSignatureReport> {
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
