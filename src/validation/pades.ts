/**
 * Validation of a signed PDF (ETSI EN 319 102-1 applied to PAdES, ETSI EN 319 142-1; ISO 32000-1
 * §12.8): for each signature, what it covers, what was changed after it, and the validation
 * engine's verdict on its CAdES signature over its /ByteRange; for each document time-stamp, the
 * engine's verdict on the token — and the proofs of existence the time-stamps give.
 *
 * Long-term validation (§5.6.2.5): document time-stamps are validated newest first
 * (`validateTimestampChain`); each valid one proves that everything in the revisions before it
 * existed at its time — earlier signatures' values, their signature time-stamps, earlier document
 * time-stamps, the DSS as it was. The signatures are then validated with those proofs, using the
 * certificates, CRLs and OCSP responses of the DSS beside those given: a B-LTA PDF verifies long
 * after its certificates and TSAs have expired.
 *
 * The document verdict is valid only when every signature and time-stamp is valid and no update
 * after a signature changed the content (PDF_MODIFIED); DSS and time-stamp additions, and later
 * signatures, are reported but are not modifications.
 */
import * as crypto from 'node:crypto';
import { ScelleError, isScelleError, type ErrorCode } from '../errors.js';
import { rawBytes } from '../crypto/asn1/ber.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { attributeValues, parseSignedData } from '../crypto/cms/signed-data.js';
import { readSignedData } from '../crypto/cms/signed-data-stream.js';
import { readInputFile } from '../io/read-file.js';
import { MAX_PDF_BYTES, PdfDocument } from '../pdf/document.js';
import { isContentChange, revisionChanges, type RevisionChanges } from '../pdf/modifications.js';
import { byteRangeChunks, docMdpPermission, listSignatures, type PdfSignatureEntry } from '../pdf/signatures.js';
import { dictOf } from '../pdf/objects.js';
import { isTspHash, parseTimeStampToken } from '../timestamp/tsp.js';
import type { Indication, SubIndication } from './indication.js';
import { readDss } from '../pdf/dss-read.js';
import { PoeStore, poeKey, validateTimestampChain, type ChainedTimestamp } from './poe.js';
import type { TimestampVerdict } from './timestamp.js';
import { signatureContext, validateSignedData, type SignatureVerdict, type VerifySignatureOptions } from './verify-signature.js';

/** The format of one signature as found. */
export type PdfSignatureFormat = 'PAdES-B-B' | 'PAdES-B-T' | 'PAdES-B-LT' | 'PAdES-B-LTA' | 'PDF-CMS' | 'document-timestamp';

/** A PDF-level problem of one signature (its structure, not its cryptography). */
export interface PdfProblem {
  code: ErrorCode;
  message: string;
}

/** The verdict on one signature or document time-stamp of a PDF. */
export interface PdfSignatureVerdict {
  fieldName: string;
  kind: 'signature' | 'document-timestamp';
  subFilter?: string;
  format: PdfSignatureFormat;
  ok: boolean;
  code?: ErrorCode;
  indication: Indication;
  subIndication?: SubIndication;
  /** Structure problems (byte range, sub-filter, contents); the engine's are in `signature` / `timestamp`. */
  problems: PdfProblem[];
  /** Deviations from the PAdES profile that do not change the verdict. */
  notes: string[];
  /** The revision it signs (0 = the original document). */
  revision?: number;
  byteRange?: number[];
  /** True when it signs the file as it is (the last revision, nothing after). */
  coversWholeFile: boolean;
  /** What the revisions after it changed. */
  laterChanges: RevisionChanges[];
  /** True when a later revision changed the content. */
  modifiedAfter: boolean;
  /** The validation engine's verdict on the CMS signature (signatures). */
  signature?: SignatureVerdict;
  /** The engine's verdict on the token (document time-stamps). */
  timestamp?: TimestampVerdict;
  /** /M: the signer's claim. */
  claimedTime?: Date;
  reason?: string;
  location?: string;
  name?: string;
}

/** The verdict on a PDF. */
export interface PdfVerdict {
  ok: boolean;
  code?: ErrorCode;
  indication: Indication;
  subIndication?: SubIndication;
  signatures: PdfSignatureVerdict[];
  /** What each update (revision 1…) changed. */
  revisions: RevisionChanges[];
  dss?: { certificates: number; crls: number; ocspResponses: number; vri: number; unreadable: number };
  /** DocMDP permission of a certified document. */
  certification?: number;
  validationTime: Date;
  fileLength: number;
  /** Bytes after the last `%%EOF` that no revision accounts for. */
  trailingBytes: number;
}

const RANK: Record<Indication, number> = { 'TOTAL-FAILED': 2, INDETERMINATE: 1, 'TOTAL-PASSED': 0 };

async function* asyncChunks(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** Objects a signature contributes to proofs: its signature values and signature time-stamp tokens. */
function signatureObjects(der: Uint8Array): Uint8Array[] {
  try {
    const sd = parseSignedData(der);
    return sd.signerInfos.flatMap((si) => [si.signature, ...attributeValues(si.unsignedAttributes, CMS_OID.timeStampToken).map((n) => rawBytes(n).slice())]);
  } catch {
    return [];
  }
}

function baseVerdict(e: PdfSignatureEntry): PdfSignatureVerdict {
  const v: PdfSignatureVerdict = {
    fieldName: e.fieldName, kind: e.kind, format: e.kind === 'document-timestamp' ? 'document-timestamp' : 'PDF-CMS',
    ok: false, indication: 'INDETERMINATE', problems: [], notes: [], coversWholeFile: false, laterChanges: [], modifiedAfter: false,
  };
  if (e.subFilter !== undefined) v.subFilter = e.subFilter;
  if (e.revision !== undefined) v.revision = e.revision;
  if (e.byteRange !== undefined) v.byteRange = e.byteRange;
  if (e.claimedTime !== undefined) v.claimedTime = e.claimedTime;
  if (e.reason !== undefined) v.reason = e.reason;
  if (e.location !== undefined) v.location = e.location;
  if (e.name !== undefined) v.name = e.name;
  return v;
}

function fail(v: PdfSignatureVerdict, code: ErrorCode, message: string, indication: Indication, sub: SubIndication): PdfSignatureVerdict {
  v.problems.push({ code, message });
  v.ok = false;
  v.code ??= code;
  if (RANK[indication] >= RANK[v.indication]) {
    v.indication = indication;
    v.subIndication = sub;
  }
  return v;
}

/** The document time-stamps as a chain of proofs, each covering what came before it. */
function timestampChain(doc: PdfDocument, entries: readonly PdfSignatureEntry[], verdicts: Map<PdfSignatureEntry, PdfSignatureVerdict>): { chain: ChainedTimestamp[]; of: PdfSignatureEntry[] } {
  const chain: ChainedTimestamp[] = [];
  const of: PdfSignatureEntry[] = [];
  for (const e of entries) {
    if (e.kind !== 'document-timestamp') continue;
    const v = verdicts.get(e)!;
    if (e.byteRangeProblem !== undefined || e.der === undefined || e.revision === undefined) continue;
    let token;
    try {
      token = parseTimeStampToken(e.der);
    } catch (err) {
      fail(v, 'TIMESTAMP_INVALID', `the document time-stamp cannot be read: ${(err as Error).message}`, 'TOTAL-FAILED', 'FORMAT_FAILURE');
      continue;
    }
    const hash = token.tstInfo.hash;
    if (!isTspHash(hash)) {
      fail(v, 'UNSUPPORTED_ALGORITHM', `the document time-stamp uses a ${hash} imprint, which is not accepted`, 'INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE');
      continue;
    }
    const h = crypto.createHash(hash);
    for (const c of byteRangeChunks(doc.bytes, e.byteRange!)) h.update(c);
    const covers: Uint8Array[] = [];
    for (const earlier of entries) {
      if (earlier.revision === undefined || earlier.revision >= e.revision || earlier.der === undefined) continue;
      covers.push(...(earlier.kind === 'signature' ? signatureObjects(earlier.der) : [earlier.der]));
    }
    covers.push(...readDss(doc, e.revision - 1).ders);
    chain.push({ token, expected: { hash, imprint: new Uint8Array(h.digest()) }, covers: covers.map(poeKey), origin: 'document-timestamp' });
    of.push(e);
  }
  return { chain, of };
}

/** The CMS signature of one entry, validated with the proofs gathered. */
async function validateCmsEntry(doc: PdfDocument, e: PdfSignatureEntry, v: PdfSignatureVerdict, options: VerifySignatureOptions, poes: PoeStore): Promise<void> {
  if (e.subFilter !== 'ETSI.CAdES.detached' && e.subFilter !== 'adbe.pkcs7.detached') {
    fail(v, 'UNSUPPORTED_FORMAT', `the signature uses /SubFilter /${e.subFilter ?? '(none)'}, which scelle does not validate (ETSI.CAdES.detached and adbe.pkcs7.detached are)`, 'INDETERMINATE', 'FORMAT_FAILURE');
    return;
  }
  if (e.der === undefined) {
    fail(v, 'MALFORMED_ASN1', 'the signature /Contents is not a DER CMS signature', 'INDETERMINATE', 'FORMAT_FAILURE');
    return;
  }
  let verdict: SignatureVerdict;
  try {
    const sd = await readSignedData(e.der, { content: asyncChunks(byteRangeChunks(doc.bytes, e.byteRange!)) });
    if (!sd.detached) v.notes.push('the CMS signature carries its own content: a PDF signature must be detached, the PDF bytes are what it signs');
    verdict = await validateSignedData(sd, options, poes);
  } catch (err) {
    if (!isScelleError(err)) throw err;
    fail(v, err.code, `the signature cannot be read: ${err.message}`, 'INDETERMINATE', 'FORMAT_FAILURE');
    return;
  }
  v.signature = verdict;
  v.ok = verdict.ok;
  v.indication = verdict.indication;
  if (verdict.subIndication !== undefined) v.subIndication = verdict.subIndication;
  if (verdict.code !== undefined) v.code = verdict.code;
  if (e.subFilter === 'ETSI.CAdES.detached') {
    const s = verdict.signers[0];
    v.format = s !== undefined && s.timestamps.length > 0 ? 'PAdES-B-T' : 'PAdES-B-B';
    if (s?.signingTime !== undefined) v.notes.push('the CMS signature carries a signing-time attribute, which PAdES leaves to /M (ETSI EN 319 142-1 §5.3)');
    if (s !== undefined && !s.cades.signingCertificateV2 && !s.cades.signingCertificateV1) v.notes.push('no ESS signing-certificate attribute: not a PAdES baseline signature');
  }
}

/** Sets coverage, later changes, and the LT/LTA format of each entry. */
function coverage(doc: PdfDocument, verdicts: readonly PdfSignatureVerdict[], changes: readonly RevisionChanges[], entries: readonly PdfSignatureEntry[], certifiedBy: PdfSignatureEntry | undefined, permission: number | undefined): void {
  const last = doc.revisions.length - 1;
  verdicts.forEach((v, i) => {
    const e = entries[i]!;
    if (v.revision === undefined) return;
    v.coversWholeFile = v.revision === last && doc.revisions[last]!.end === doc.bytes.length;
    v.laterChanges = changes.filter((c) => c.revision > v.revision!);
    v.modifiedAfter = v.laterChanges.some(isContentChange);
    // DocMDP P=1 (ISO 32000-1 §12.8.2.2): after a certification, only DSS and document time-stamps.
    if (e === certifiedBy && permission === 1 && v.laterChanges.some((c) => c.kinds.includes('signature') || c.kinds.includes('metadata'))) v.modifiedAfter = true;
    if (v.kind === 'signature' && v.format.startsWith('PAdES')) {
      const lt = v.laterChanges.find((c) => c.kinds.includes('validation-data'));
      if (lt !== undefined) {
        const lta = verdicts.some((d) => d.kind === 'document-timestamp' && d.revision !== undefined && d.revision > lt.revision);
        v.format = lta ? 'PAdES-B-LTA' : 'PAdES-B-LT';
      }
    }
  });
}

/**
 * Validates every signature and document time-stamp of a PDF held in memory. The options are
 * those of `verifySignature` (trust anchors, CRLs, `online`, `at`…); the DSS adds to them.
 * Never throws for a negative outcome.
 * @throws ScelleError PDF_MALFORMED, PDF_ENCRYPTED, PDF_NOT_SIGNED (no signature at all),
 *   UNSUPPORTED_FORMAT.
 */
export async function verifyPdf(pdf: Uint8Array, options: VerifySignatureOptions): Promise<PdfVerdict> {
  const doc = PdfDocument.parse(pdf);
  const entries = listSignatures(doc);
  if (entries.length === 0) throw new ScelleError('PDF_NOT_SIGNED', 'the PDF has no signature', { params: { detail: 'no signature' } });
  const changes: RevisionChanges[] = [];
  for (let i = 1; i < doc.revisions.length; i++) changes.push(revisionChanges(doc, i));
  const dss = readDss(doc);
  const base: VerifySignatureOptions = {
    ...options,
    crls: [...(options.crls ?? []), ...dss.crls],
    extraCertificates: [...(options.extraCertificates ?? []), ...dss.certificates],
    ocspResponses: [...(options.ocspResponses ?? []), ...dss.ocspResponses],
  };
  const verdicts = new Map(entries.map((e) => [e, baseVerdict(e)] as const));
  for (const e of entries) {
    if (e.byteRangeProblem !== undefined) fail(verdicts.get(e)!, 'PDF_BYTE_RANGE_INVALID', e.byteRangeProblem, 'TOTAL-FAILED', 'FORMAT_FAILURE');
  }
  const poes = new PoeStore();
  const { chain, of } = timestampChain(doc, entries, verdicts);
  const tsVerdicts = await validateTimestampChain(chain, signatureContext(base), poes);
  of.forEach((e, i) => {
    const v = verdicts.get(e)!;
    const t = tsVerdicts[i]!.verdict;
    v.timestamp = t;
    v.ok = t.ok;
    v.indication = t.indication;
    if (t.subIndication !== undefined) v.subIndication = t.subIndication;
    if (t.code !== undefined) v.code = t.code;
  });
  for (const e of entries) {
    const v = verdicts.get(e)!;
    if (e.kind === 'signature' && e.byteRangeProblem === undefined) await validateCmsEntry(doc, e, v, base, poes);
    else if (e.kind === 'document-timestamp' && v.timestamp === undefined && v.problems.length === 0) {
      fail(v, 'MALFORMED_ASN1', 'the document time-stamp /Contents is not a DER time-stamp token', 'INDETERMINATE', 'FORMAT_FAILURE');
    }
  }
  const list = entries.map((e) => verdicts.get(e)!);
  const permission = docMdpPermission(doc);
  const mdpSignature = doc.resolve(dictOf(doc.resolve(doc.catalog.get('Perms')))?.get('DocMDP'));
  const certifiedBy = permission === undefined ? undefined : entries.find((e) => e.dict === mdpSignature);
  coverage(doc, list, changes, entries, certifiedBy, permission);
  return documentVerdict(doc, list, changes, dss, permission, signatureContext(base).validationTime);
}

function documentVerdict(doc: PdfDocument, list: PdfSignatureVerdict[], changes: RevisionChanges[], dss: ReturnType<typeof readDss>, permission: number | undefined, validationTime: Date): PdfVerdict {
  const lastEnd = doc.revisions[doc.revisions.length - 1]!.end;
  const trailingBytes = Math.max(0, doc.bytes.length - lastEnd);
  const worst = [...list].sort((a, b) => RANK[b.indication] - RANK[a.indication])[0]!;
  const failing = list.find((v) => !v.ok);
  const modified = list.some((v) => v.modifiedAfter) || trailingBytes > 0;
  const verdict: PdfVerdict = {
    ok: failing === undefined && !modified,
    indication: worst.indication,
    signatures: list,
    revisions: changes,
    validationTime,
    fileLength: doc.bytes.length,
    trailingBytes,
  };
  if (worst.subIndication !== undefined) verdict.subIndication = worst.subIndication;
  if (failing?.code !== undefined) verdict.code = failing.code;
  else if (modified) {
    verdict.code = 'PDF_MODIFIED';
    verdict.indication = 'INDETERMINATE';
    verdict.subIndication = 'SIG_CONSTRAINTS_FAILURE';
  }
  if (dss.certificates.length + dss.crls.length + dss.ocspResponses.length + dss.vriKeys.length + dss.unreadable > 0) {
    verdict.dss = { certificates: dss.certificates.length, crls: dss.crls.length, ocspResponses: dss.ocspResponses.length, vri: dss.vriKeys.length, unreadable: dss.unreadable };
  }
  if (permission !== undefined) verdict.certification = permission;
  return verdict;
}

/**
 * {@link verifyPdf} for a file (read whole: up to 1 GiB).
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, and what {@link verifyPdf} throws.
 */
export async function verifyPdfFile(path: string, options: VerifySignatureOptions): Promise<PdfVerdict> {
  return verifyPdf(await readInputFile(path, MAX_PDF_BYTES), options);
}
