/**
 * Validation of CAdES-LTA archive time-stamps (ETSI EN 319 122-1 §5.5.2–§5.5.3, EN 319 102-1
 * §5.6.3 "validation process for signatures providing long term availability and integrity of
 * validation material").
 *
 * For each archive-time-stamp-v3 of a signer, newest first:
 * 1. its ats-hash-index-v3 is checked: under the token's imprint algorithm, every hash it holds must
 *    match a certificate, a revocation element or an unsigned attribute value present now — one
 *    that matches nothing makes the index, and so the time-stamp, invalid (§5.5.2);
 * 2. its message imprint is recomputed from the content hash, the signer's signed fields and the
 *    index (§5.5.3) and the token is validated by the engine — the newest at the validation time,
 *    each older one at the time the next one proves it existed;
 * 3. a valid one proves that everything it covers existed at its genTime: the signature value, the
 *    signature time-stamps and older archive time-stamps it names, the certificates and revocation
 *    data it names. The signer's certificate and the signature time-stamps are then validated in the
 *    past with those proofs (`signer.ts`).
 */
import * as crypto from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { rawBytes } from '../crypto/asn1/ber.js';
import { bytesEqual } from '../crypto/asn1/asn1js-util.js';
import { ATS_OID, atsHashIndexOfToken, atsImprint, atsImprintParts, attributeValueInputs, type AtsHashIndex } from '../crypto/cms/ats-v3.js';
import { DIGESTS, attributeValues, type SignerInfo } from '../crypto/cms/signed-data.js';
import type { StreamedSignedData } from '../crypto/cms/signed-data-stream.js';
import { isTspHash, parseTimeStampToken, type TimeStampToken, type TspHash } from '../timestamp/tsp.js';
import { archivalTokenProblems } from './archival-token.js';
import type { Poe, ValidationContext } from './context.js';
import { PoeStore, poeKey, validateTimestampChain, type ChainedTimestamp } from './poe.js';
import { earliestLimit, timestampRenewalLimits, type RenewalLimit } from './renewal.js';
import type { TimestampVerdict } from './timestamp.js';
import type { SignerVerdict } from './signer.js';

/** The verdict on one archive-time-stamp-v3. */
export interface ArchiveTimestampV3Verdict {
  ok: boolean;
  code?: ErrorCode;
  problems: { code: ErrorCode; message: string }[];
  genTime?: Date;
  tsa?: string;
  /** How many elements its index names: certificates, revocation elements, unsigned attribute values. */
  covers: { certificates: number; crls: number; attributeValues: number };
  /** The engine's verdict on its token (absent when the index already made it invalid). */
  timestamp?: TimestampVerdict;
  /** The proof of existence of the token itself, from a newer archive time-stamp. */
  provenBy?: Poe;
  /** What limits it (certificate expiry, algorithm deadlines): set on the newest. */
  limits?: RenewalLimit[];
  /** The token exactly as encoded. */
  token: Uint8Array;
}

/** True when the signer carries archive-time-stamp-v3 attributes. */
export function hasArchiveTimestamps(info: SignerInfo): boolean {
  return info.unsignedAttributes.some((a) => a.oid === ATS_OID.archiveTimestampV3);
}

const hashWith = (node: string, b: Uint8Array): Uint8Array => new Uint8Array(crypto.createHash(node).update(b).digest());

interface Planned {
  verdict: ArchiveTimestampV3Verdict;
  token?: TimeStampToken;
  expected?: { hash: TspHash; imprint: Uint8Array };
  covers: string[];
}

/** Matches the index against what is present; returns the problem, or the keys of what it covers. */
function matchIndex(index: AtsHashIndex, sd: StreamedSignedData, info: SignerInfo): { problem?: string; covers: string[] } {
  const node = DIGESTS[index.hashOid]?.node;
  if (node === undefined) return { problem: `its index uses the unknown hash ${index.hashOid}`, covers: [] };
  const pools: [string, Uint8Array[], Uint8Array[]][] = [
    ['certificate', index.certificates, sd.certificateChoices ?? []],
    ['revocation element', index.crls, sd.revocationChoices ?? []],
  ];
  const covers: string[] = [];
  for (const [what, hashes, present] of pools) {
    const byHash = present.map((p) => ({ p, h: hashWith(node, p) }));
    for (const h of hashes) {
      const found = byHash.find((x) => bytesEqual(x.h, h));
      if (found === undefined) return { problem: `its index names a ${what} the signature no longer carries (ETSI EN 319 122-1 §5.5.2): something protected was removed or changed`, covers };
      covers.push(poeKey(found.p));
    }
  }
  const inputs = attributeValueInputs(info.unsignedAttributes);
  const values = info.unsignedAttributes.flatMap((a) => a.values.map((v) => rawBytes(v)));
  const hashed = inputs.map((x) => hashWith(node, x));
  for (const h of index.unsignedAttrValues) {
    const k = hashed.findIndex((x) => bytesEqual(x, h));
    if (k < 0) return { problem: 'its index names an unsigned attribute value the signature no longer carries (ETSI EN 319 122-1 §5.5.2): a time-stamp or other attribute it protected was removed or changed', covers };
    covers.push(poeKey(values[k]!));
  }
  return { covers };
}

function planOne(der: Uint8Array, sd: StreamedSignedData, info: SignerInfo): Planned {
  const verdict: ArchiveTimestampV3Verdict = { ok: false, problems: [], covers: { certificates: 0, crls: 0, attributeValues: 0 }, token: der };
  const fail = (code: ErrorCode, message: string): Planned => {
    verdict.problems.push({ code, message: `archive time-stamp: ${message}` });
    verdict.code = code;
    return { verdict, covers: [] };
  };
  let token: TimeStampToken;
  let index: AtsHashIndex;
  try {
    token = parseTimeStampToken(der);
    verdict.genTime = token.tstInfo.genTime;
    index = atsHashIndexOfToken(token.signerInfos[0]!);
  } catch (e) {
    return fail('ARCHIVE_TIMESTAMP_INVALID', `it cannot be read (${(e as Error).message})`);
  }
  const strict = archivalTokenProblems(token);
  if (strict.length > 0) return fail('ARCHIVE_TIMESTAMP_INVALID', `its token is not in the strict form an archive needs: ${strict.join('; ')}`);
  const hash = token.tstInfo.hash;
  if (!isTspHash(hash) || DIGESTS[index.hashOid]?.node !== hash) return fail('ARCHIVE_TIMESTAMP_INVALID', `its index is under ${DIGESTS[index.hashOid]?.name ?? index.hashOid} but its token under ${hash}: ETSI EN 319 122-1 §5.5.2 requires the same algorithm`);
  const matched = matchIndex(index, sd, info);
  if (matched.problem !== undefined) return fail('ARCHIVE_TIMESTAMP_INVALID', matched.problem);
  const contentHash = sd.contentDigests.get(index.hashOid);
  if (contentHash === undefined) return fail('ARCHIVE_TIMESTAMP_INVALID', `the content was not hashed with ${hash}, the archive time-stamp's algorithm (it is not among the signature's digestAlgorithms)`);
  verdict.covers = { certificates: index.certificates.length, crls: index.crls.length, attributeValues: index.unsignedAttrValues.length };
  const imprint = atsImprint(index.hashOid, atsImprintParts(sd.eContentType, contentHash, info, index.der));
  const dataKey = Buffer.from(sd.contentDigests.get('2.16.840.1.101.3.4.2.1') ?? contentHash).toString('hex');
  return { verdict, token, expected: { hash, imprint }, covers: [...matched.covers, poeKey(info.signature), dataKey] };
}

/**
 * Validates every archive-time-stamp-v3 of `info`, newest first, and records in `poes` what each
 * valid one proves. Never throws: problems are in the verdicts (ARCHIVE_TIMESTAMP_INVALID for an
 * index or imprint that does not hold; the token's own codes otherwise).
 */
export async function validateArchiveTimestamps(sd: StreamedSignedData, info: SignerInfo, ctx: ValidationContext, poes: PoeStore): Promise<ArchiveTimestampV3Verdict[]> {
  const ders = attributeValues(info.unsignedAttributes, ATS_OID.archiveTimestampV3).map((n) => rawBytes(n).slice());
  const plans = ders.map((der) => planOne(der, sd, info));
  const ready = plans.filter((p) => p.token !== undefined && p.expected !== undefined);
  const chain: ChainedTimestamp[] = ready.map((p) => ({ token: p.token!, expected: p.expected!, covers: p.covers, origin: 'archive-timestamp' }));
  const context = { ...ctx, certificates: [...ctx.certificates, ...sd.certificates] };
  const results = await validateTimestampChain(chain, context, poes);
  ready.forEach((p, i) => {
    const r = results[i]!;
    const v = p.verdict;
    v.timestamp = r.verdict;
    if (r.provenBy !== undefined) v.provenBy = r.provenBy;
    if (r.verdict.tsa !== undefined) v.tsa = r.verdict.tsa.subject;
    v.ok = r.verdict.ok;
    if (!r.verdict.ok) {
      v.code = r.verdict.code ?? 'TIMESTAMP_INVALID';
      const primary = r.verdict.problems.find((x) => x.code === r.verdict.code) ?? r.verdict.problems[0];
      v.problems.push({ code: v.code, message: `archive time-stamp${v.genTime !== undefined ? ` of ${v.genTime.toISOString()}` : ''} proves nothing: ${primary?.message ?? 'invalid'}` });
    }
  });
  const newest = [...plans].sort((a, b) => (b.verdict.genTime?.getTime() ?? 0) - (a.verdict.genTime?.getTime() ?? 0))[0];
  if (newest?.verdict.timestamp?.ok === true) newest.verdict.limits = timestampRenewalLimits(newest.verdict.timestamp);
  return plans.map((p) => p.verdict);
}

/** Until when the newest valid archive time-stamp keeps the signature provable without re-archiving. */
export function archiveRenewalLimit(verdicts: readonly ArchiveTimestampV3Verdict[]): RenewalLimit | undefined {
  return earliestLimit(verdicts.flatMap((v) => v.limits ?? []));
}

/**
 * True when the signature carries the validation data of CAdES-LT (ETSI EN 319 122-1 §6.3 level
 * B-LT): every certificate of the signer's path but the trust anchor in SignedData.certificates, and
 * revocation data in SignedData.crls.
 */
function carriesValidationData(v: SignerVerdict, sd: StreamedSignedData): boolean {
  const path = v.chain?.path ?? [];
  if (path.length === 0 || (sd.crls.length === 0 && sd.ocspResponses.length === 0)) return false;
  return path.slice(0, -1).every((c) => sd.certificates.some((x) => x.equals(c)));
}

/**
 * The signer's verdict with its archive time-stamps and its CAdES level (LT, LTA). An archive
 * time-stamp that is present but proves nothing makes a passing verdict INDETERMINATE
 * (SIG_CONSTRAINTS_FAILURE), as for a signature time-stamp: it claims a proof it does not give.
 */
export function withLongTermData(v: SignerVerdict, sd: StreamedSignedData, ats: ArchiveTimestampV3Verdict[] | undefined): SignerVerdict {
  const out: SignerVerdict = { ...v, cades: { ...v.cades }, problems: [...v.problems] };
  if (ats === undefined) {
    if (v.cades.level === 'CAdES-T' && carriesValidationData(v, sd)) out.cades.level = 'CAdES-LT';
    return out;
  }
  out.archiveTimestamps = ats;
  if (v.cades.level === 'CAdES-T' || v.cades.level === 'CAdES-B') out.cades.level = 'CAdES-LTA';
  const bad = ats.flatMap((a) => a.problems);
  if (bad.length === 0) return out;
  // A broken archive time-stamp is the cause of what follows from it (an expired certificate with
  // no proof of existence): it comes first, unless the signature itself failed.
  out.problems = [...bad.map((p) => ({ code: p.code, message: `signer ${v.sid}: ${p.message}` })), ...v.problems];
  if (out.indication !== 'TOTAL-FAILED') out.code = bad[0]!.code;
  if (out.ok) {
    out.ok = false;
    out.indication = 'INDETERMINATE';
    out.subIndication = 'SIG_CONSTRAINTS_FAILURE';
  }
  return out;
}
