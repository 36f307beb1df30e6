/**
 * Verifying ASiC containers (ETSI EN 319 162-1; validation per ETSI EN 319 102-1 by the engine):
 *
 * - each `META-INF/ASiCManifest*.xml` (ASiC-E): its SigReference — a CAdES signature (`.p7s`)
 *   over the manifest, or a time-stamp token (`.tst`) over it — validated by the engine; each
 *   DataObjectReference's digest compared with the document's, which is named when it differs
 *   or is missing (MANIFEST_MISMATCH);
 * - ASiC-S: `META-INF/signature.p7s` or `META-INF/timestamp.tst` over the one document;
 * - every document must be covered by a valid signature or time-stamp (ASIC_UNCOVERED_FILE);
 * - `mimetype` is checked (first, stored, the right value) and deviations noted;
 * - `META-INF/evidencerecord*.ers` (RFC 4998 evidence records) are listed, not yet checked: they
 *   prove nothing here until the long-term-proof verifier reads them.
 *
 * Documents are streamed through their digests; manifests, signatures and tokens (small) are read
 * whole, up to 16 MiB each.
 */
import * as crypto from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import { ZipReader, type ZipEntry } from '../crypto/zip/reader.js';
import { safeSegments } from '../crypto/zip/names.js';
import { writeStreamAtomic } from '../io/atomic-output.js';
import { readSignedData } from '../crypto/cms/signed-data-stream.js';
import { parseTimeStampToken, isTspHash } from '../timestamp/tsp.js';
import type { Indication, SubIndication } from '../validation/indication.js';
import { validateTimestamp, type TimestampVerdict } from '../validation/timestamp.js';
import { signatureContext, validateSignedData, type SignatureVerdict, type VerifySignatureOptions } from '../validation/verify-signature.js';
import { ASIC_MIMETYPES } from './create.js';
import { DIGEST_URIS, parseAsicManifest, uriFile } from './manifest.js';

/** Largest manifest, signature or token read whole. */
const MAX_SMALL_ENTRY = 16 * 1024 * 1024;

/** One document of the container. */
export interface AsicDocument {
  name: string;
  /** `ok`: covered by a valid proof and unchanged. */
  status: 'ok' | 'changed' | 'missing' | 'uncovered';
  /** The signatures or time-stamps (files) that cover it validly. */
  coveredBy: string[];
}

/** One signature or time-stamp of the container. */
export interface AsicProof {
  /** `META-INF/signature001.p7s`… */
  file: string;
  kind: 'signature' | 'timestamp';
  /** The manifest it signs (ASiC-E). */
  manifest?: string;
  ok: boolean;
  indication: Indication;
  subIndication?: SubIndication;
  code?: ErrorCode;
  signature?: SignatureVerdict;
  timestamp?: TimestampVerdict;
  problems: { code: ErrorCode; message: string }[];
}

/** The verdict on a container. */
export interface AsicVerdict {
  ok: boolean;
  code?: ErrorCode;
  indication: Indication;
  subIndication?: SubIndication;
  type: 'ASiC-E' | 'ASiC-S';
  documents: AsicDocument[];
  proofs: AsicProof[];
  /** Evidence records present (not checked by this version). */
  evidenceRecords: string[];
  /** Format deviations that do not change the verdict. */
  notes: string[];
  validationTime: Date;
}

const RANK: Record<Indication, number> = { 'TOTAL-FAILED': 2, INDETERMINATE: 1, 'TOTAL-PASSED': 0 };
const inMetaInf = (n: string): boolean => n.startsWith('META-INF/');

async function readSmall(zip: ZipReader, e: ZipEntry): Promise<Uint8Array> {
  if (e.size > MAX_SMALL_ENTRY) throw new ScelleError('ASIC_MALFORMED', `${e.name} is larger than ${MAX_SMALL_ENTRY / 1024 / 1024} MiB`, { params: { detail: e.name } });
  const parts: Uint8Array[] = [];
  for await (const c of zip.readEntry(e)) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

async function digestOf(zip: ZipReader, e: ZipEntry, hash: string): Promise<Uint8Array> {
  const h = crypto.createHash(hash);
  for await (const c of zip.readEntry(e)) h.update(c);
  return new Uint8Array(h.digest());
}

/** Validates a CAdES signature (`.p7s`) or a token (`.tst`) over `content`. */
async function validateProof(file: string, der: Uint8Array, content: () => AsyncIterable<Uint8Array>, contentSha256: () => Promise<Uint8Array>, options: VerifySignatureOptions): Promise<AsicProof> {
  const isToken = /\.tst$/i.test(file);
  const proof: AsicProof = { file, kind: isToken ? 'timestamp' : 'signature', ok: false, indication: 'INDETERMINATE', problems: [] };
  try {
    if (isToken) {
      const token = parseTimeStampToken(der);
      const hash = token.tstInfo.hash;
      if (!isTspHash(hash) || hash !== 'sha256') throw new ScelleError('UNSUPPORTED_ALGORITHM', `${file} is over a ${hash} imprint; scelle checks SHA-256 container time-stamps`);
      const t = await validateTimestamp(token, signatureContext(options), { expected: { hash, imprint: await contentSha256() } });
      Object.assign(proof, { timestamp: t, ok: t.ok, indication: t.indication, problems: t.problems.map((p) => ({ code: p.code, message: p.message })) });
      if (t.subIndication !== undefined) proof.subIndication = t.subIndication;
      if (t.code !== undefined) proof.code = t.code;
    } else {
      const v = await validateSignedData(await readSignedData(der, { content: content() }), options);
      Object.assign(proof, { signature: v, ok: v.ok, indication: v.indication });
      if (v.subIndication !== undefined) proof.subIndication = v.subIndication;
      if (v.code !== undefined) proof.code = v.code;
    }
  } catch (e) {
    if (!isScelleError(e)) throw e;
    Object.assign(proof, { ok: false, indication: 'INDETERMINATE', subIndication: 'FORMAT_FAILURE', code: e.code });
    proof.problems.push({ code: e.code, message: `${file}: ${e.message}` });
  }
  return proof;
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

/**
 * Verifies an ASiC-E or ASiC-S container. Never throws for a negative outcome.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, MALFORMED_ARCHIVE (not a zip), ASIC_MALFORMED (no
 *   signature, time-stamp or manifest at all; an unreadable manifest).
 */
export async function verifyAsicFile(path: string, options: VerifySignatureOptions): Promise<AsicVerdict> {
  const zip = await ZipReader.open(path);
  try {
    const entries = zip.entries.filter((e) => !e.directory);
    const byName = new Map(entries.map((e) => [e.name, e] as const));
    const notes: string[] = [];
    const mimetype = byName.get('mimetype');
    const mimeValue = mimetype !== undefined ? Buffer.from(await readSmall(zip, mimetype)).toString('latin1') : undefined;
    if (mimetype === undefined) notes.push('no mimetype entry');
    else if (zip.entries[0] !== mimetype || mimetype.method !== 0) notes.push('the mimetype entry is not the first one, stored (ETSI EN 319 162-1 §A.1)');
    const manifests = entries.filter((e) => /^META-INF\/ASiCManifest[^/]*\.xml$/i.test(e.name));
    const type = mimeValue === ASIC_MIMETYPES.S || (manifests.length === 0 && mimeValue !== ASIC_MIMETYPES.E) ? 'ASiC-S' : 'ASiC-E';
    if (mimeValue !== undefined && mimeValue !== ASIC_MIMETYPES.E && mimeValue !== ASIC_MIMETYPES.S) notes.push(`the mimetype is "${mimeValue}", not an ASiC type`);
    const documents = entries.filter((e) => e.name !== 'mimetype' && !inMetaInf(e.name));
    const status = new Map<string, AsicDocument>(documents.map((d) => [d.name, { name: d.name, status: 'uncovered', coveredBy: [] }]));
    const proofs: AsicProof[] = [];
    const changed: { code: ErrorCode; message: string }[] = [];

    if (type === 'ASiC-E') {
      if (manifests.length === 0) throw new ScelleError('ASIC_MALFORMED', 'the ASiC-E container has no META-INF/ASiCManifest*.xml', { params: { detail: 'no manifest' } });
      for (const m of manifests) {
        const bytes = await readSmall(zip, m);
        const manifest = parseAsicManifest(bytes);
        const sigName = uriFile(manifest.sigReference.uri);
        const sigEntry = byName.get(sigName);
        let proof: AsicProof;
        if (sigEntry === undefined) {
          proof = { file: sigName, kind: /\.tst$/i.test(sigName) ? 'timestamp' : 'signature', manifest: m.name, ok: false, indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND', code: 'ASIC_MALFORMED', problems: [{ code: 'ASIC_MALFORMED', message: `${m.name} names ${sigName}, which is not in the container` }] };
        } else {
          proof = { ...(await validateProof(sigName, await readSmall(zip, sigEntry), () => once(bytes), async () => new Uint8Array(crypto.createHash('sha256').update(bytes).digest()), options)), manifest: m.name };
        }
        proofs.push(proof);
        for (const ref of manifest.references) {
          const name = uriFile(ref.uri);
          const doc = byName.get(name);
          const hash = DIGEST_URIS[ref.digestMethod];
          let state = status.get(name);
          if (state === undefined && doc === undefined) {
            state = { name, status: 'missing', coveredBy: [] };
            status.set(name, state);
          }
          if (doc === undefined) {
            state!.status = 'missing';
            changed.push({ code: 'MANIFEST_MISMATCH', message: `${name} is listed by ${m.name} but missing from the container` });
            continue;
          }
          if (hash === undefined) {
            changed.push({ code: 'UNSUPPORTED_ALGORITHM', message: `${m.name} lists ${name} with the digest ${ref.digestMethod}, which scelle does not accept` });
            continue;
          }
          if (Buffer.compare(Buffer.from(await digestOf(zip, doc, hash)), Buffer.from(ref.digest)) !== 0) {
            state!.status = 'changed';
            changed.push({ code: 'MANIFEST_MISMATCH', message: `${name} was changed after it was signed: its ${hash.toUpperCase()} digest is not the one ${m.name} lists` });
            continue;
          }
          if (proof.ok) state!.coveredBy.push(sigName);
        }
      }
    } else {
      const doc = documents[0];
      if (documents.length !== 1 || doc === undefined) throw new ScelleError('ASIC_MALFORMED', `an ASiC-S container holds one document, not ${documents.length}`, { params: { detail: 'ASiC-S document count' } });
      const proofEntry = byName.get('META-INF/signature.p7s') ?? byName.get('META-INF/timestamp.tst');
      if (proofEntry === undefined) throw new ScelleError('ASIC_MALFORMED', 'the ASiC-S container has neither META-INF/signature.p7s nor META-INF/timestamp.tst', { params: { detail: 'no signature' } });
      const proof = await validateProof(proofEntry.name, await readSmall(zip, proofEntry), () => zip.readEntry(doc), () => digestOf(zip, doc, 'sha256'), options);
      proofs.push(proof);
      const st = status.get(doc.name)!;
      if (proof.ok) st.coveredBy.push(proofEntry.name);
      else if (proof.subIndication === 'HASH_FAILURE') {
        st.status = 'changed';
        changed.push({ code: 'MANIFEST_MISMATCH', message: `${doc.name} was changed after it was signed` });
      }
    }
    for (const d of status.values()) if (d.status === 'uncovered' && d.coveredBy.length > 0) d.status = 'ok';
    return verdictOf(type, [...status.values()], proofs, changed, entries.filter((e) => /^META-INF\/evidencerecord[^/]*\.ers$/i.test(e.name)).map((e) => e.name), notes, signatureContext(options).validationTime);
  } finally {
    await zip.close();
  }
}

function verdictOf(type: AsicVerdict['type'], documents: AsicDocument[], proofs: AsicProof[], changed: { code: ErrorCode; message: string }[], evidenceRecords: string[], notes: string[], validationTime: Date): AsicVerdict {
  const worst = [...proofs].sort((a, b) => RANK[b.indication] - RANK[a.indication])[0];
  const v: AsicVerdict = { ok: false, indication: worst?.indication ?? 'INDETERMINATE', type, documents, proofs, evidenceRecords, notes, validationTime };
  if (worst?.subIndication !== undefined) v.subIndication = worst.subIndication;
  const failing = proofs.find((p) => !p.ok);
  const uncovered = documents.find((d) => d.status === 'uncovered');
  if (changed.length > 0) {
    v.code = changed[0]!.code;
    v.indication = 'TOTAL-FAILED';
    v.subIndication = 'HASH_FAILURE';
  } else if (failing !== undefined) {
    v.code = failing.code ?? 'SIGNATURE_INVALID';
  } else if (uncovered !== undefined) {
    v.code = 'ASIC_UNCOVERED_FILE';
    v.indication = 'INDETERMINATE';
    v.subIndication = 'SIGNED_DATA_NOT_FOUND';
  }
  for (const p of changed) proofs[0]?.problems.push(p);
  v.ok = v.code === undefined && proofs.length > 0;
  if (v.ok) v.indication = 'TOTAL-PASSED';
  return v;
}

/**
 * Extracts the documents of a container (not `mimetype`, not META-INF) into `dir`; names are
 * checked (no `..`, no absolute path), existing files are not replaced (OUTPUT_EXISTS… from the
 * atomic writer), each file is written whole or not at all.
 * @throws ScelleError UNSAFE_PATH, FILE_NOT_FOUND, IO_ERROR, MALFORMED_ARCHIVE, ARCHIVE_BOMB.
 */
export async function extractAsicFile(path: string, dir: string): Promise<string[]> {
  const zip = await ZipReader.open(path);
  try {
    const out: string[] = [];
    for (const e of zip.entries) {
      if (e.directory || e.name === 'mimetype' || inMetaInf(e.name)) continue;
      const target = join(dir, ...safeSegments(e.name));
      await mkdir(dirname(target), { recursive: true });
      await writeStreamAtomic(target, async (write) => {
        for await (const c of zip.readEntry(e)) await write(c);
      }, { exclusive: true });
      out.push(e.name);
    }
    return out;
  } finally {
    await zip.close();
  }
}
