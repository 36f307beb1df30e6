/**
 * Creating ASiC containers (ETSI EN 319 162-1): a zip whose first entry is `mimetype` (stored, no
 * extra field), then the documents (deflated), then META-INF.
 *
 * - ASiC-E with CAdES (§4.4.3): `META-INF/ASiCManifest001.xml` lists each document with its
 *   SHA-256 digest; `META-INF/signature001.p7s` is a detached CAdES signature over the manifest
 *   (CAdES-T with a TSA). Without a signer, `META-INF/timestamp001.tst` is a time-stamp token over
 *   the manifest instead (§4.4.2).
 * - ASiC-S (§4.3): one document; `META-INF/signature.p7s` over it, or `META-INF/timestamp.tst`.
 *
 * Documents are read once, streamed through the zip writer while their digest is computed; the
 * container is written to a temporary file and renamed only when complete.
 */
import * as crypto from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ScelleError } from '../errors.js';
import type { Signer } from '../crypto/cms/sign.js';
import { safeSegments } from '../crypto/zip/names.js';
import { ZipWriter } from '../crypto/zip/writer.js';
import { writeStreamAtomic } from '../io/atomic-output.js';
import { readFileChunks } from '../io/file-chunks.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { PKI_STATUS, parseTimeStampResp, parseTimeStampToken } from '../timestamp/tsp.js';
import { UNIVERSAL, isTag, parseBer } from '../crypto/asn1/ber.js';
import { buildAsicManifest } from './manifest.js';

/** `application/vnd.etsi.asic-e+zip` / `-s`. */
export const ASIC_MIMETYPES = { E: 'application/vnd.etsi.asic-e+zip', S: 'application/vnd.etsi.asic-s+zip' } as const;
export const SIGNATURE_MIMETYPE = 'application/x-pkcs7-signature';
export const TIMESTAMP_MIMETYPE = 'application/vnd.etsi.timestamp-token';

/** Options of {@link createAsicFile}. */
export interface CreateAsicOptions {
  /** `E` (any number of documents, a manifest) or `S` (one document). */
  type: 'E' | 'S';
  /** Files to put in, under their base names. */
  files: string[];
  /** A CAdES signer; absent: a time-stamp token only (then `timestamps` is required). */
  signer?: Signer;
  /** A TSA: CAdES-T with a signer, else the container's time-stamp. */
  timestamps?: TimestampTokenSource;
  /** Deflate level of the documents (default 6). */
  level?: number;
  clock?: () => Date;
}

/** What {@link createAsicFile} wrote. */
export interface CreateAsicResult {
  outPath: string;
  type: 'ASiC-E' | 'ASiC-S';
  documents: { name: string; sha256: string; bytes: number }[];
  /** `META-INF/signature001.p7s`, `META-INF/timestamp.tst`… */
  proof: string;
  kind: 'signature' | 'signature+timestamp' | 'timestamp';
  bytes: number;
}

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  pdf: 'application/pdf', txt: 'text/plain', xml: 'application/xml', html: 'text/html', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png',
  json: 'application/json', odt: 'application/vnd.oasis.opendocument.text', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};
const mimeOf = (name: string): string => MIME_BY_EXT[/\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

async function tokenFor(source: TimestampTokenSource, imprint: Uint8Array): Promise<Uint8Array> {
  const answer = await source('sha256', imprint);
  let token = answer;
  if (isTag(parseBer(answer, 'time-stamp').children[0], 'universal', UNIVERSAL.SEQUENCE)) {
    const resp = parseTimeStampResp(answer);
    if (resp.token === undefined || (resp.status !== PKI_STATUS.granted && resp.status !== PKI_STATUS.grantedWithMods)) throw new ScelleError('TIMESTAMP_REJECTED', `the TSA refused to time-stamp the container: status ${resp.status}`);
    token = resp.token;
  }
  const tst = parseTimeStampToken(token).tstInfo;
  if (tst.hash !== 'sha256' || Buffer.compare(Buffer.from(tst.imprint), Buffer.from(imprint)) !== 0) throw new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', 'the TSA returned a time-stamp over other data than the container');
  return token.slice();
}

function names(files: readonly string[], type: 'E' | 'S'): string[] {
  if (files.length === 0) throw new ScelleError('USAGE', 'give the documents to put in the container', { params: { detail: 'no document' } });
  if (type === 'S' && files.length !== 1) throw new ScelleError('USAGE', `an ASiC-S container holds one document, not ${files.length} (use ASiC-E: OUT.asice)`, { params: { detail: 'ASiC-S holds one document' } });
  const out = files.map((f) => basename(f));
  const seen = new Set<string>();
  for (const n of out) {
    safeSegments(n);
    const key = n.normalize('NFC').toLowerCase();
    if (key === 'mimetype' || key === 'meta-inf') throw new ScelleError('USAGE', `"${n}" is a name the container reserves`, { params: { detail: n } });
    if (seen.has(key)) throw new ScelleError('DUPLICATE_ENTRY', `two documents are named "${n}"`, { params: { entry: n } });
    seen.add(key);
  }
  return out;
}

/**
 * Writes an ASiC container to `outPath` (atomically).
 * @throws ScelleError USAGE (no document, several for ASiC-S, neither signer nor TSA, a reserved
 *   name), DUPLICATE_ENTRY, UNSAFE_PATH, FILE_NOT_FOUND, IO_ERROR, the signer's and the TSA's errors.
 */
export async function createAsicFile(outPath: string, options: CreateAsicOptions): Promise<CreateAsicResult> {
  if (options.signer === undefined && options.timestamps === undefined) throw new ScelleError('USAGE', 'an ASiC container needs a signature (an identity) or a time-stamp (--tsa)', { params: { detail: 'identity or --tsa needed' } });
  const docNames = names(options.files, options.type);
  const sizes = await Promise.all(options.files.map(async (f) => {
    try {
      return (await stat(f)).size;
    } catch (e) {
      throw new ScelleError('FILE_NOT_FOUND', `file not found: ${f}`, { cause: e, params: { file: f } });
    }
  }));
  const mtime = options.clock?.() ?? new Date();
  const documents: CreateAsicResult['documents'] = [];
  const kind: CreateAsicResult['kind'] = options.signer === undefined ? 'timestamp' : options.timestamps !== undefined ? 'signature+timestamp' : 'signature';
  const proof = options.type === 'E' ? (options.signer !== undefined ? 'META-INF/signature001.p7s' : 'META-INF/timestamp001.tst') : (options.signer !== undefined ? 'META-INF/signature.p7s' : 'META-INF/timestamp.tst');
  const { bytes } = await writeStreamAtomic(outPath, async (write) => {
    const zip = new ZipWriter(write, { level: options.level ?? 6 });
    try {
      await zip.addStoredPlain({ name: 'mimetype', mtime }, new Uint8Array(Buffer.from(ASIC_MIMETYPES[options.type], 'ascii')));
      for (const [i, file] of options.files.entries()) {
        const h = crypto.createHash('sha256');
        const entry = zip.prepareFile({ name: docNames[i]!, mtime }, () => readFileChunks(file), sizes[i]!, (c) => h.update(c));
        const w = await zip.writePrepared(entry);
        documents.push({ name: docNames[i]!, sha256: h.digest('hex'), bytes: w.size });
      }
      // What the signature or time-stamp covers: the manifest (E) or the document itself (S).
      let covered: Uint8Array | undefined;
      if (options.type === 'E') {
        covered = buildAsicManifest({ uri: proof, mimeType: options.signer !== undefined ? SIGNATURE_MIMETYPE : TIMESTAMP_MIMETYPE },
          documents.map((d) => ({ name: d.name, mimeType: mimeOf(d.name), sha256: new Uint8Array(Buffer.from(d.sha256, 'hex')) })));
        await zip.addBytes({ name: 'META-INF/ASiCManifest001.xml', mtime }, covered);
      }
      let proofBytes: Uint8Array;
      if (options.signer !== undefined) {
        proofBytes = await options.signer.signDetached(covered !== undefined ? [covered] : readFileChunks(options.files[0]!));
        if (options.timestamps !== undefined) proofBytes = await addSignatureTimestamp(proofBytes, options.timestamps, options.clock !== undefined ? { clock: options.clock } : {});
      } else {
        const imprint = covered !== undefined ? new Uint8Array(crypto.createHash('sha256').update(covered).digest()) : new Uint8Array(Buffer.from(documents[0]!.sha256, 'hex'));
        proofBytes = await tokenFor(options.timestamps!, imprint);
      }
      await zip.addBytes({ name: proof, mtime }, proofBytes);
      await zip.finish();
    } catch (e) {
      zip.dispose();
      throw e;
    }
  });
  return { outPath, type: options.type === 'E' ? 'ASiC-E' : 'ASiC-S', documents, proof, kind, bytes };
}
