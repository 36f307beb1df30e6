/**
 * Augmenting a signed PDF to B-LT and B-LTA (ETSI EN 319 142-1 §6.4, ETSI EN 319 102-1 §5.5
 * augmentation; ISO 32000-2 §12.8.4 DSS, §12.8.5 document time-stamps):
 *
 * - LT: one update adding to the DSS the validation data of every signature and every time-stamp
 *   already in the file — signer and TSA certificate paths, CRLs, OCSP responses — with a VRI
 *   entry per signature.
 * - LTA: LT, then one update with a document time-stamp whose /ByteRange covers the whole file,
 *   DSS included: a proof that all of it existed at the TSA's time. Running LTA again later (before
 *   the last time-stamp's TSA certificate expires or its algorithms weaken) adds the validation data
 *   of the previous document time-stamp and a new one: the chain of proofs a verifier follows
 *   newest first.
 */
import { ScelleError } from '../errors.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { attributeValues, findSigner, parseSignedData } from '../crypto/cms/signed-data.js';
import { rawBytes } from '../crypto/asn1/ber.js';
import { X509Cert } from '../crypto/x509/certificate.js';
import type { TimestampTokenSource } from '../timestamp/cades-t.js';
import type { TimestampHash } from '../timestamp/imprint.js';
import { parseTimeStampToken } from '../timestamp/tsp.js';
import { PdfDocument } from './document.js';
import { dssUpdate, type VriEntry } from './dss.js';
import { readDss } from './dss-read.js';
import { PdfName, type PdfObject } from './objects.js';
import { listSignatures, vriKey, type PdfSignatureEntry } from './signatures.js';
import { fillContents, fits, prepareSignatureRevision, signedRanges } from './signature-field.js';
import { timestampOver } from './timestamp-token.js';
import { gatherValidationData, type ValidationDataOptions, type ValidationTarget } from './validation-data.js';
import { concat } from './writer.js';

/** Something the signer should know; the PDF is written all the same. */
export interface PadesWarning {
  code: 'REVOCATION_DATA_BEFORE_TIMESTAMP' | 'PDFA_FONT_NOT_EMBEDDED';
  message: string;
  /** The time after which revocation data must have been issued. */
  after?: Date;
}

/** Options of {@link extendPdf}. */
export interface ExtendOptions {
  level: 'B-LT' | 'B-LTA';
  /** The TSA of the document time-stamp (B-LTA). */
  timestamps?: TimestampTokenSource;
  timestampHash?: TimestampHash;
  validation?: ValidationDataOptions;
  clock?: () => Date;
  /** Size of the tokens this TSA returns, when known (learnt and updated here). */
  tokenSize?: { size: number | undefined };
}

/** What {@link extendPdf} produced. */
export interface ExtendResult {
  /** The whole file: the input's parts, then the new updates. */
  parts: Uint8Array[];
  length: number;
  updates: ('signature' | 'dss' | 'document-timestamp')[];
  warnings: PadesWarning[];
}

const SLACK = 256;
const FIRST_TOKEN_GUESS = 8 * 1024;

interface EntryTargets {
  entry: PdfSignatureEntry;
  targets: ValidationTarget[];
  /** genTime of its signature time-stamps / of the document time-stamp. */
  times: Date[];
}

function tokenTarget(tokenDer: Uint8Array, role: string): { target: ValidationTarget; genTime: Date } | undefined {
  const token = parseTimeStampToken(tokenDer);
  const carried = token.certificates.map((d) => X509Cert.fromDer(d));
  const info = token.signerInfos[0];
  const cert = info === undefined ? undefined : findSigner(info.sid, carried);
  if (cert === undefined) return undefined;
  return { target: { cert, purpose: 'tsa', carried, role }, genTime: token.tstInfo.genTime };
}

/** The certificates whose status each signature and time-stamp of the PDF needs. */
function targetsOf(doc: PdfDocument, extra: readonly X509Cert[]): EntryTargets[] {
  const out: EntryTargets[] = [];
  for (const entry of listSignatures(doc)) {
    if (entry.der === undefined) continue;
    const targets: ValidationTarget[] = [];
    const times: Date[] = [];
    if (entry.kind === 'document-timestamp') {
      const t = tokenTarget(entry.der, `the TSA of the document time-stamp ${entry.fieldName}`);
      if (t !== undefined) {
        targets.push(t.target);
        times.push(t.genTime);
      }
    } else {
      const sd = parseSignedData(entry.der, `signature ${entry.fieldName}`);
      sd.signerInfos.forEach((info) => {
        const cert = findSigner(info.sid, [...sd.certificates, ...extra]);
        if (cert !== undefined) targets.push({ cert, purpose: 'sign', carried: sd.certificates, role: `the signer of ${entry.fieldName}` });
        for (const node of attributeValues(info.unsignedAttributes, CMS_OID.timeStampToken)) {
          const t = tokenTarget(rawBytes(node).slice(), `the TSA of the signature time-stamp of ${entry.fieldName}`);
          if (t !== undefined) {
            targets.push(t.target);
            times.push(t.genTime);
          }
        }
      });
    }
    out.push({ entry, targets, times });
  }
  return out;
}

/** The LT update: validation data of everything signed so far. */
async function ltUpdate(doc: PdfDocument, options: ExtendOptions, now: Date): Promise<{ update: Uint8Array; warnings: PadesWarning[] }> {
  // Certificates already in the DSS (an earlier LT) help build the paths again.
  const known = [...(options.validation?.certificates ?? []), ...readDss(doc).certificates];
  const entries = targetsOf(doc, known);
  if (entries.length === 0) throw new ScelleError('PDF_NOT_SIGNED', 'the PDF has no signature to add long-term validation data for', { params: { detail: 'no signature' } });
  const data = await gatherValidationData(entries.flatMap((e) => e.targets), { ...options.validation, certificates: known, clock: () => now });
  const warnings: PadesWarning[] = [];
  const vri: VriEntry[] = [];
  for (const e of entries) {
    const mine = data.perTarget.filter((p) => e.targets.includes(p.target));
    vri.push({
      key: vriKey(e.entry.contents!),
      certificates: [...new Set(mine.flatMap((p) => p.certificates))].map((c) => c.der),
      crls: [...new Set(mine.flatMap((p) => p.crls))].map((c) => c.der),
      ocspResponses: [...new Set(mine.flatMap((p) => p.ocspResponses))],
    });
    // ETSI EN 319 102-1 §5.6.2.4: after the certificates expire, a verifier checks their status at
    // the time-stamp with data issued after it. Data from before it proves the status now only.
    const latest = e.times.length > 0 ? new Date(Math.max(...e.times.map((t) => t.getTime()))) : undefined;
    const stale = mine.flatMap((p) => p.chain.revocation).map((r) => r.crl?.thisUpdate ?? r.ocsp?.thisUpdate).filter((t): t is Date => t !== undefined && latest !== undefined && t.getTime() < latest.getTime());
    if (latest !== undefined && stale.length > 0) {
      warnings.push({
        code: 'REVOCATION_DATA_BEFORE_TIMESTAMP',
        after: latest,
        message: `the revocation data added for ${e.entry.fieldName} was issued before its time-stamp (${latest.toISOString()}): it proves the certificates' status now, but once they expire a verifier needs data issued after that time — extend the PDF again (LT or LTA) once the certification authorities have published newer CRLs, or use --online for OCSP`,
      });
    }
  }
  return {
    update: dssUpdate(doc, { certificates: data.certificates.map((c) => c.der), crls: data.crls.map((c) => c.der), ocspResponses: data.ocspResponses, vri, time: now }),
    warnings,
  };
}

/** ISO 32000-2 §12.8.5: the document time-stamp dictionary (no /M: the token's genTime is the time). */
const DOC_TIMESTAMP_ENTRIES: [string, PdfObject][] = [['Type', new PdfName('DocTimeStamp')], ['Filter', new PdfName('Adobe.PPKLite')], ['SubFilter', new PdfName('ETSI.RFC3161')]];

/**
 * The update with a document time-stamp over the whole of `doc`.
 * @throws ScelleError USAGE (no TSA), the TSA's errors.
 */
export async function documentTimestampUpdate(doc: PdfDocument, source: TimestampTokenSource, options: { hash?: TimestampHash; clock?: () => Date; tokenSize?: { size: number | undefined } } = {}): Promise<Uint8Array> {
  const hash = options.hash ?? 'sha256';
  const sizes = options.tokenSize ?? { size: undefined };
  let hole = (sizes.size ?? FIRST_TOKEN_GUESS) + SLACK;
  for (let round = 1; round <= 3; round++) {
    const prep = prepareSignatureRevision(doc, { entries: DOC_TIMESTAMP_ENTRIES, contentsBytes: hole, fieldPrefix: 'DocTimeStamp' });
    const token = await timestampOver(source, signedRanges(prep), hash, 'the document', options.clock?.() ?? new Date());
    sizes.size = Math.max(sizes.size ?? 0, token.length);
    if (fits(prep, token)) {
      fillContents(prep, token);
      return prep.update;
    }
    hole = token.length + SLACK;
  }
  throw new ScelleError('INTERNAL', 'the document time-stamp still does not fit after 3 attempts');
}

/**
 * Adds B-LT validation data (and for B-LTA a document time-stamp) to a signed PDF.
 * `prior`: the parts `pdf` was made of, to return them instead of a copy.
 * @throws ScelleError PDF_NOT_SIGNED, VALIDATION_DATA_MISSING, CERT_REVOKED, CERT_EXPIRED, USAGE
 *   (B-LTA without a TSA), PDF_MALFORMED, PDF_ENCRYPTED, and the TSA's errors.
 */
export async function extendPdf(pdf: Uint8Array, options: ExtendOptions, prior?: { parts: Uint8Array[]; updates: ExtendResult['updates']; warnings: PadesWarning[] }): Promise<ExtendResult> {
  if (options.level === 'B-LTA' && options.timestamps === undefined) {
    throw new ScelleError('USAGE', 'PAdES B-LTA needs a time-stamping authority (--tsa URL)', { params: { detail: 'B-LTA needs --tsa' } });
  }
  const now = options.clock?.() ?? new Date();
  const parts = prior?.parts.slice() ?? [pdf];
  const updates = prior?.updates.slice() ?? [];
  const warnings = prior?.warnings.slice() ?? [];
  const doc = PdfDocument.parse(pdf);
  const lt = await ltUpdate(doc, options, now);
  parts.push(lt.update);
  updates.push('dss');
  warnings.push(...lt.warnings);
  if (options.level === 'B-LTA') {
    const withDss = PdfDocument.parse(concat([pdf, lt.update]));
    const ts = await documentTimestampUpdate(withDss, options.timestamps!, { ...(options.timestampHash !== undefined ? { hash: options.timestampHash } : {}), ...(options.clock !== undefined ? { clock: options.clock } : {}), ...(options.tokenSize !== undefined ? { tokenSize: options.tokenSize } : {}) });
    parts.push(ts);
    updates.push('document-timestamp');
  }
  return { parts, length: parts.reduce((n, p) => n + p.length, 0), updates, warnings };
}
