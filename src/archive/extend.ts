/**
 * CAdES levels (ETSI EN 319 122-1 §6): upgrading an existing CMS/CAdES signature to
 *
 * - **T**: a signature time-stamp on each signer (`timestamp/cades-t.ts`);
 * - **LT**: the validation data embedded — every certificate of the signer's and the TSAs' paths in
 *   SignedData.certificates, the CRLs (and OCSP responses, as RFC 5940 OtherRevocationInfoFormat)
 *   that establish their status in SignedData.crls (§5.4, baseline B-LT). They are exactly what the
 *   validation engine used to accept the signature *now*; if it cannot accept it now (revocation data
 *   not found, the signature invalid), nothing is written — an LT signature that cannot be verified
 *   offline later is worse than none;
 * - **LTA**: LT, then an archive-time-stamp-v3 with its ats-hash-index-v3 (§5.5.3) on each signer.
 *   Extending an LTA signature again gathers the validation data of everything already there
 *   (including the previous archive time-stamps) and adds a new archive time-stamp over it: the
 *   re-archiving that keeps it provable past each TSA certificate's expiry.
 *
 * The signed parts are never touched: `openssl cms -verify` and every CMS verifier still accept it.
 */
import { ScelleError, type ErrorCode } from '../errors.js';
import { ATS_OID, atsImprint, atsImprintParts, buildAtsHashIndex, withAtsHashIndex } from '../crypto/cms/ats-v3.js';
import { DIGESTS, parseSignerInfo } from '../crypto/cms/signed-data.js';
import { pemSignature, readSignedData, type StreamedSignedData } from '../crypto/cms/signed-data-stream.js';
import { MAX_AUGMENTED_SIGNATURE, appendUnsignedAttribute, readSignedDataLayout, withAdded, withDigestAlgorithm, writeSignedDataLayout } from '../crypto/cms/signed-data-edit.js';
import { formatPem, looksLikePem } from '../crypto/pem.js';
import { readInputFile } from '../io/read-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { ocspRevocationChoice } from '../crypto/cms/validation-values.js';
import { parseBer } from '../crypto/asn1/ber.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { tokenFromAnswer } from '../timestamp/ers/generate.js';
import { ERS_HASH_OID } from '../timestamp/ers/structure.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { isTspHash, type TspHash } from '../timestamp/tsp.js';
import { archiveRenewalLimit } from '../validation/cades-lta.js';
import type { RenewalLimit } from '../validation/renewal.js';
import { PoeStore } from '../validation/poe.js';
import { validateSignedData, type SignatureVerdict, type VerifySignatureOptions } from '../validation/verify-signature.js';
import { gatherFromChains, recordingFetcher, type GatheredData } from './validation-data.js';

/** A CAdES level scelle writes. */
export type CadesLevel = 'B' | 'T' | 'LT' | 'LTA';

/** Options of {@link extendSignature}. */
export interface ExtendSignatureOptions {
  level: 'T' | 'LT' | 'LTA';
  /** Trust anchors the signature and its time-stamps must chain to now. */
  trustAnchors: X509Cert[];
  /** CRLs to validate with and embed (those embedded already are used too). */
  crls?: Crl[];
  /** Fetch CRLs and OCSP responses named in the certificates (and embed what was fetched). */
  online?: boolean;
  fetcher?: Fetcher;
  extraCertificates?: X509Cert[];
  /** Time-stamps: for T (and LT/LTA on a signature without one) and for each archive time-stamp. */
  getToken?: TimestampTokenSource;
  /** The detached content, when the signature is detached (called once per pass over it). */
  content?: () => AsyncIterable<Uint8Array>;
  /** The current time. Default: now. */
  clock?: () => Date;
  /** Hash of archive time-stamps. Default: the signer's digest algorithm when it is SHA-256/384/512, else SHA-256. */
  archiveHash?: TspHash;
}

/** What {@link extendSignature} did. */
export interface ExtendSignatureResult {
  signature: Uint8Array;
  level: 'T' | 'LT' | 'LTA';
  added: { signatureTimestamps: number; certificates: number; crls: number; ocspResponses: number; archiveTimestamps: number };
  /** For LTA: until when the newest archive time-stamp keeps the signature provable (re-archive before). */
  renewBefore?: RenewalLimit;
  /**
   * Revocation data embedded that was issued before the signature time-stamp: it cannot show the
   * certificate was not revoked at that time (ETSI EN 319 102-1's grace period). Once the
   * signer's certificate has expired, the signature needs newer data: extend it again (LT or LTA)
   * after the certification authority has published newer revocation data.
   */
  earlyRevocationData: { subject: string; issued: Date; signatureTime: Date }[];
}

const REVOCATION_CODES = new Set<ErrorCode>(['REVOCATION_UNAVAILABLE', 'REVOCATION_UNKNOWN', 'CRL_EXPIRED', 'CRL_INVALID', 'OCSP_INVALID']);

function hasSignatureTimestamp(sd: StreamedSignedData): boolean {
  return sd.signerInfos.every((i) => i.unsignedAttributes.some((a) => a.oid === CMS_OID.timeStampToken));
}

async function readWith(der: Uint8Array, options: ExtendSignatureOptions): Promise<StreamedSignedData> {
  return readSignedData(der, options.content !== undefined ? { detachedContent: options.content } : {});
}

function verifyOptionsOf(options: ExtendSignatureOptions, fetcher: Fetcher | undefined): VerifySignatureOptions {
  const now = options.clock?.() ?? new Date();
  return {
    trustAnchors: options.trustAnchors,
    crls: options.crls ?? [],
    online: options.online === true,
    ...(fetcher !== undefined ? { fetcher } : {}),
    ...(options.extraCertificates !== undefined ? { extraCertificates: options.extraCertificates } : {}),
    at: now,
    clock: () => now,
  };
}

/** Refuses to preserve a signature the engine does not accept now, with the reason. */
function requireValid(v: SignatureVerdict): void {
  if (v.ok) return;
  const problems = v.signers.flatMap((s) => s.problems);
  const revocation = problems.find((p) => REVOCATION_CODES.has(p.code));
  if (revocation !== undefined) {
    throw new ScelleError('VALIDATION_DATA_MISSING', `the validation data cannot be gathered: ${revocation.message}`, {
      params: { detail: revocation.message }, hint: 'give the certification authorities’ current CRLs with --crl (repeatable), or fetch them with --online',
    });
  }
  const first = problems[0];
  const code: ErrorCode = v.code ?? first?.code ?? 'SIGNATURE_INVALID';
  throw new ScelleError(code, `the signature does not verify now, so it is not extended: ${first?.message ?? code}`, { params: { detail: first?.message ?? code } });
}

/** Validates now and gathers what made the verdict (paths, CRLs, OCSP responses). */
/** Revocation data of the signers' paths issued before their signature time-stamps. */
function earlyData(v: SignatureVerdict): ExtendSignatureResult['earlyRevocationData'] {
  const out: ExtendSignatureResult['earlyRevocationData'] = [];
  for (const s of v.signers) {
    const t = s.poe?.time;
    if (t === undefined || s.chain === undefined) continue;
    for (const r of s.chain.revocation) {
      const issued = r.crl?.thisUpdate ?? r.ocsp?.thisUpdate;
      const cert = s.chain.path[r.depth];
      if (issued !== undefined && cert !== undefined && issued.getTime() < t.getTime()) out.push({ subject: cert.subject, issued, signatureTime: t });
    }
  }
  return out;
}

async function gather(der: Uint8Array, options: ExtendSignatureOptions): Promise<{ data: GatheredData; sd: StreamedSignedData; early: ExtendSignatureResult['earlyRevocationData'] }> {
  const rec = options.online === true ? recordingFetcher(options.fetcher) : undefined;
  const sd = await readWith(der, options);
  const verdict = await validateSignedData(sd, verifyOptionsOf(options, rec?.fetcher ?? options.fetcher), new PoeStore());
  requireValid(verdict);
  const chains = verdict.signers.flatMap((s) => [
    s.chain, s.pastChain,
    ...s.timestamps.flatMap((t) => [t.chain, t.pastChain]),
    ...(s.archiveTimestamps ?? []).flatMap((a) => [a.timestamp?.chain, a.timestamp?.pastChain]),
  ]);
  const embedded = sd.crls.flatMap((d) => {
    try {
      return [Crl.fromDer(d)];
    } catch {
      return [];
    }
  });
  const crls = [...(options.crls ?? []), ...embedded, ...(rec?.log.crls ?? [])];
  return { data: gatherFromChains(chains, options.trustAnchors, crls, rec?.log.ocspResponses ?? []), sd, early: earlyData(verdict) };
}

/** SignedData.certificates / crls with the gathered data added (what is there already is kept). */
function embed(der: Uint8Array, data: GatheredData): { der: Uint8Array; certificates: number; crls: number; ocsp: number } {
  const layout = readSignedDataLayout(der);
  const certs = withAdded(layout.certificates, data.certificates.map((c) => c.der));
  const crls = withAdded(layout.crls, data.crls.map((c) => c.der));
  const all = withAdded(crls.list, data.ocspResponses.map(ocspRevocationChoice));
  if (certs.count + crls.count + all.count === 0) return { der, certificates: 0, crls: 0, ocsp: 0 };
  return { der: writeSignedDataLayout({ ...layout, certificates: certs.list, crls: all.list }), certificates: certs.count, crls: crls.count, ocsp: all.count };
}

function archiveHashOf(digestOid: string, options: ExtendSignatureOptions, sd: StreamedSignedData): TspHash {
  if (options.archiveHash !== undefined) return options.archiveHash;
  const name = DIGESTS[digestOid]?.node;
  if (name !== undefined && isTspHash(name) && sd.contentDigests.has(digestOid)) return name;
  return 'sha256';
}

/** Adds an archive-time-stamp-v3 to every signer (ETSI EN 319 122-1 §5.5.3). */
async function archive(der: Uint8Array, sd: StreamedSignedData, options: ExtendSignatureOptions, getToken: TimestampTokenSource): Promise<Uint8Array> {
  let layout = readSignedDataLayout(der);
  const now = options.clock?.() ?? new Date();
  for (let k = 0; k < layout.signerInfos.length; k++) {
    const info = parseSignerInfo(parseBer(layout.signerInfos[k]!, 'SignerInfo', { maxNodes: 2_000_000 }));
    const hash = archiveHashOf(info.digestAlgorithm.oid, options, sd);
    const oid = ERS_HASH_OID[hash];
    const contentHash = sd.contentDigests.get(oid);
    if (contentHash === undefined) throw new ScelleError('UNSUPPORTED_ALGORITHM', `the content was not hashed with ${hash}: choose the archive time-stamp hash among the signature's digest algorithms`);
    layout = withDigestAlgorithm(layout, oid);
    const index = buildAtsHashIndex(oid, { certificates: layout.certificates, crls: layout.crls, unsignedAttributes: info.unsignedAttributes });
    const imprint = atsImprint(oid, atsImprintParts(layout.eContentType, contentHash, info, index));
    const { token } = tokenFromAnswer(await getToken(hash, imprint), hash, imprint, 'the archived signature', now);
    const value = withAtsHashIndex(token, index);
    layout = { ...layout, signerInfos: layout.signerInfos.map((s, j) => (j === k ? appendUnsignedAttribute(s, ATS_OID.archiveTimestampV3, value) : s)) };
  }
  return writeSignedDataLayout(layout);
}

/**
 * Upgrades a CMS/CAdES signature (DER or BER ContentInfo) to T, LT or LTA.
 * @throws ScelleError USAGE (a time-stamp is needed and no source given), VALIDATION_DATA_MISSING
 *   (the revocation status of a certificate cannot be established now: nothing is written), the
 *   verdict's code when the signature does not verify now (SIGNATURE_INVALID, CHAIN_UNTRUSTED,
 *   CERT_EXPIRED…), CONTENT_REQUIRED (detached and no content), MALFORMED_ASN1, UNSUPPORTED_FORMAT,
 *   and what the time-stamp source throws (TSA_UNAVAILABLE, TIMESTAMP_REJECTED…).
 */
export async function extendSignature(der: Uint8Array, options: ExtendSignatureOptions): Promise<ExtendSignatureResult> {
  const added = { signatureTimestamps: 0, certificates: 0, crls: 0, ocspResponses: 0, archiveTimestamps: 0 };
  let current = der;
  const first = await readWith(current, options);
  if (!hasSignatureTimestamp(first)) {
    if (options.getToken === undefined) throw new ScelleError('USAGE', `CAdES-${options.level} needs a signature time-stamp: give a TSA (--tsa URL)`, { params: { detail: `CAdES-${options.level} needs a signature time-stamp: give a TSA (--tsa URL)` } });
    current = await addSignatureTimestamp(current, options.getToken, options.clock !== undefined ? { clock: options.clock } : {});
    added.signatureTimestamps = first.signerInfos.length;
  }
  if (options.level === 'T') return { signature: current, level: 'T', added, earlyRevocationData: [] };
  const { data, sd, early } = await gather(current, options);
  const e = embed(current, data);
  current = e.der;
  Object.assign(added, { certificates: e.certificates, crls: e.crls, ocspResponses: e.ocsp });
  if (options.level === 'LT') return { signature: current, level: 'LT', added, earlyRevocationData: early };
  if (options.getToken === undefined) throw new ScelleError('USAGE', 'CAdES-LTA needs an archive time-stamp: give a TSA (--tsa URL)', { params: { detail: 'CAdES-LTA needs an archive time-stamp: give a TSA (--tsa URL)' } });
  current = await archive(current, sd, options, options.getToken);
  added.archiveTimestamps = sd.signerInfos.length;
  const result: ExtendSignatureResult = { signature: current, level: 'LTA', added, earlyRevocationData: early };
  const check = await validateSignedData(await readWith(current, options), { ...verifyOptionsOf(options, options.fetcher), revocation: 'skip' });
  const broken = check.signers.flatMap((s) => s.archiveTimestamps ?? []).find((a) => a.code === 'ARCHIVE_TIMESTAMP_INVALID');
  if (broken !== undefined) throw new ScelleError('INTERNAL', `the archive time-stamp just added does not verify: ${broken.problems[0]?.message ?? ''}`);
  const limit = archiveRenewalLimit(check.signers.flatMap((s) => s.archiveTimestamps ?? []));
  if (limit !== undefined) result.renewBefore = limit;
  return result;
}

/** Options of {@link extendSignatureFile}. */
export interface ExtendSignatureFileOptions extends ExtendSignatureOptions {
  /** Write here instead of replacing the signature file. */
  outPath?: string;
}

/**
 * {@link extendSignature} on a signature file (DER, BER or PEM — written back in the same armour,
 * PEM as `CMS`), replaced atomically: an interruption or a refusal leaves the original untouched.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR, MALFORMED_PEM, and everything {@link extendSignature} throws.
 */
export async function extendSignatureFile(path: string, options: ExtendSignatureFileOptions): Promise<ExtendSignatureResult & { outPath: string; bytes: number }> {
  const bytes = await readInputFile(path, MAX_AUGMENTED_SIGNATURE);
  const pem = looksLikePem(bytes);
  const der = pem ? pemSignature(bytes) : bytes;
  const result = await extendSignature(der, options);
  const out: Uint8Array | string = pem ? formatPem('CMS', result.signature) : result.signature;
  const outPath = options.outPath ?? path;
  await writeFileAtomic(outPath, out);
  return { ...result, outPath, bytes: typeof out === 'string' ? Buffer.byteLength(out) : out.length };
}
