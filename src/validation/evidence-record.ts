/**
 * Verification of RFC 4998 evidence records (§5.3) by the validation engine.
 *
 * 1. The data object's hash, under the algorithm of each chain, must be in the first list of the
 *    chain's first ArchiveTimeStamp (for a chain after a hash-tree renewal: `H(H(d) ‖
 *    H(DER(previous chains)))`), and each list must lead to the time-stamp's message imprint
 *    (`ers/hash-tree.ts`); each later ArchiveTimeStamp of a chain must hold the hash of the previous
 *    time-stamp in its first list (time-stamp renewal). All time-stamps of a chain use one hash
 *    algorithm, and their times never go back.
 * 2. Every time-stamp is validated strictly by the engine (`timestamp.ts`), from the newest to the
 *    oldest (`poe.ts`): the newest stands on its own at the validation time; each older one is
 *    validated in the past, at the time the next one proves it existed — so a record stays valid
 *    after its first TSA's certificate has expired, as long as it was renewed in time.
 * 3. The verdict says when the data object is proven to have existed, and until when the record
 *    keeps proving it without renewal (`renewal.ts`).
 *
 * Validation data may come with the record: in each time-stamp's SignedData (certificates, crls) or
 * in cryptoInfos as certificate-values / revocation-values attributes (`crypto/cms/validation-values.ts`).
 */
import * as crypto from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { VALUES_OID, parseCertificateValues, parseRevocationValues } from '../crypto/cms/validation-values.js';
import { X509Cert } from '../crypto/x509/certificate.js';
import { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import { IMPRINT_HASH } from '../timestamp/imprint.js';
import { isTspHash, parseTimeStampToken, type TimeStampToken, type TspHash } from '../timestamp/tsp.js';
import { chainHash } from '../timestamp/ers/generate.js';
import { digestOf, firstListHolds, rootOfReducedTree } from '../timestamp/ers/hash-tree.js';
import { ERS_HASH_OID, encodeChains, parseEvidenceRecord, type EvidenceRecord } from '../timestamp/ers/structure.js';
import { archivalTokenProblems } from './archival-token.js';
import { bytesEqual } from '../crypto/asn1/asn1js-util.js';
import type { Poe, ValidationContext } from './context.js';
import { PASSED, type Conclusion, type Indication, type SubIndication } from './indication.js';
import { PoeStore, poeKey, validateTimestampChain, type ChainedTimestamp, type ChainedTimestampVerdict } from './poe.js';
import { earliestLimit, timestampRenewalLimits, type RenewalLimit } from './renewal.js';
import type { TimestampVerdict } from './timestamp.js';

/** Options of {@link verifyEvidenceRecord}. */
export interface VerifyEvidenceRecordOptions {
  /** Trusted roots the TSA certificates must chain to. */
  trustAnchors: X509Cert[];
  /** CRLs for the TSA certificates (those the record carries are added). */
  crls?: Crl[];
  /** OCSP responses (DER OCSPResponse) known beforehand. */
  ocspResponses?: Uint8Array[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  fetcher?: Fetcher;
  /** Certificates that may help build the TSA paths (never anchors). */
  extraCertificates?: X509Cert[];
  /** The validation time. Default: now. */
  at?: Date;
  /** The current time. Default: now. */
  clock?: () => Date;
  /** `require` (default) or `skip` (revocation not checked, and said so). */
  revocation?: 'require' | 'skip';
  /** Proofs of existence gathered beforehand; the record's are added (the data object under the SHA-256 of its bytes). */
  poes?: PoeStore;
  /**
   * What several verifications in one run with the same options may share: the many records of one
   * archive batch share their time-stamps and validation data, which are then read and validated
   * once (each record's hash tree is still checked against its own data object).
   */
  cache?: EvidenceCache;
}

/** Parsed tokens, decoded validation data and time-stamp verdicts, shared by the verifications of one run. */
export class EvidenceCache {
  readonly chains = new Map<string, ChainedTimestampVerdict[]>();
  readonly tokens = new Map<string, { token?: TimeStampToken; error?: string; strict: string[] }>();
  readonly carried = new Map<string, ReturnType<typeof carriedValidationData>>();
}

/** The data object: its bytes, its bytes as chunks, or its hash under each algorithm the record uses. */
export type EvidenceData = Uint8Array | AsyncIterable<Uint8Array> | { digests: Partial<Record<TspHash, Uint8Array>> };

/** One problem of a record. */
export interface EvidenceProblem {
  code: ErrorCode;
  message: string;
}

/** The verdict on one ArchiveTimeStamp of the record. */
export interface ArchiveTimeStampVerdict {
  /** Chain and position (0-based). */
  chain: number;
  index: number;
  /** Hash algorithm of its chain (`SHA-256`…). */
  hash: string;
  /** What it covers: the data object, the previous time-stamps (renewal), or the data object and the previous chains (hash-tree renewal). */
  covers: 'data' | 'timestamps' | 'hash-tree-renewal';
  /** Its reduced hash tree holds what it must and leads to its time-stamp. */
  hashTreeOk: boolean;
  genTime?: Date;
  tsa?: string;
  timestamp?: TimestampVerdict;
  /** The proof of existence of this time-stamp that its validation used (from the next one). */
  provenBy?: Poe;
}

/** The verdict on an evidence record and its data object. */
export interface EvidenceRecordVerdict {
  ok: boolean;
  code?: ErrorCode;
  indication: Indication;
  subIndication?: SubIndication;
  problems: EvidenceProblem[];
  /** When the data object is proven to have existed: the first time-stamp's genTime (when valid). */
  existedAt?: Date;
  /** Until when the record proves it without renewal (the earliest of `limits`). */
  provenUntil?: Date;
  /** What limits the newest time-stamp: its TSA path's expiry, its algorithms' deadlines. */
  limits: RenewalLimit[];
  archiveTimeStamps: ArchiveTimeStampVerdict[];
  /** Digest algorithm OIDs the record declares. */
  digestAlgorithms: string[];
  /** The data object's hash under each algorithm used, hex. */
  dataDigests: Record<string, string>;
  validationTime: Date;
}

interface AtsPlan {
  verdict: ArchiveTimeStampVerdict;
  token?: TimeStampToken;
  /** The root its reduced tree leads to: what its token must cover. */
  root?: Uint8Array;
  covers: string[];
}

const iso = (d: Date): string => d.toISOString();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function digestData(data: EvidenceData, hashes: ReadonlySet<TspHash>): Promise<Partial<Record<TspHash, Uint8Array>>> {
  if (!(data instanceof Uint8Array) && !(Symbol.asyncIterator in data)) return data.digests;
  const all = new Set<TspHash>([...hashes, 'sha256']);
  const hs = [...all].map((h) => [h, crypto.createHash(h)] as const);
  if (data instanceof Uint8Array) for (const [, h] of hs) h.update(data);
  else for await (const chunk of data) for (const [, h] of hs) h.update(chunk);
  return Object.fromEntries(hs.map(([name, h]) => [name, new Uint8Array(h.digest())]));
}

/** Validation data the record carries: its time-stamps' certificates and CRLs, and its cryptoInfos. */
function carriedValidationData(record: EvidenceRecord, tokens: readonly TimeStampToken[]): { certs: X509Cert[]; crls: Crl[]; ocsp: Uint8Array[] } {
  const out = { certs: [] as X509Cert[], crls: [] as Crl[], ocsp: [] as Uint8Array[] };
  const cert = (der: Uint8Array): void => {
    try {
      out.certs.push(X509Cert.fromDer(der));
    } catch {
      // an undecodable certificate helps no path; validation fails closed without it
    }
  };
  const crl = (der: Uint8Array): void => {
    try {
      out.crls.push(Crl.fromDer(der));
    } catch {
      // likewise: revocation then fails closed without it
    }
  };
  for (const t of tokens) {
    t.certificates.forEach(cert);
    t.crls.forEach(crl);
  }
  for (const a of record.cryptoInfos ?? []) {
    try {
      if (a.type === VALUES_OID.certValues) a.values.flatMap(parseCertificateValues).forEach(cert);
      if (a.type === VALUES_OID.revocationValues) {
        for (const v of a.values.map(parseRevocationValues)) {
          v.crls.forEach(crl);
          out.ocsp.push(...v.ocspResponses);
        }
      }
    } catch {
      // a malformed attribute carries nothing usable
    }
  }
  return out;
}

function contextOf(options: VerifyEvidenceRecordOptions, carried: ReturnType<typeof carriedValidationData>): ValidationContext {
  const now = options.clock?.() ?? new Date();
  return {
    trustAnchors: options.trustAnchors,
    certificates: [...(options.extraCertificates ?? []), ...carried.certs],
    crls: [...(options.crls ?? []), ...carried.crls],
    ocspResponses: [...(options.ocspResponses ?? []), ...carried.ocsp],
    online: options.online === true,
    ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
    validationTime: options.at ?? now,
    now,
    revocation: options.revocation ?? 'require',
  };
}

const tokenKey = (der: Uint8Array): string => crypto.createHash('sha256').update(der).digest('hex');

/** A token parsed and read strictly, once per run. */
function readToken(der: Uint8Array, cache: EvidenceCache | undefined): { token?: TimeStampToken; error?: string; strict: string[] } {
  const key = cache !== undefined ? tokenKey(der) : '';
  const known = cache?.tokens.get(key);
  if (known !== undefined) return known;
  let out: { token?: TimeStampToken; error?: string; strict: string[] };
  try {
    const token = parseTimeStampToken(der);
    out = { token, strict: archivalTokenProblems(token) };
  } catch (e) {
    out = { error: (e as Error).message, strict: [] };
  }
  cache?.tokens.set(key, out);
  return out;
}

/** {@link carriedValidationData}, decoded once per run for the same tokens and cryptoInfos. */
function carriedCached(record: EvidenceRecord, tokens: readonly TimeStampToken[], cache: EvidenceCache | undefined): ReturnType<typeof carriedValidationData> {
  if (cache === undefined) return carriedValidationData(record, tokens);
  const h = crypto.createHash('sha256');
  for (const t of tokens) h.update(t.der);
  for (const a of record.cryptoInfos ?? []) for (const v of a.values) h.update(v);
  const key = h.digest('hex');
  let c = cache.carried.get(key);
  if (c === undefined) {
    c = carriedValidationData(record, tokens);
    cache.carried.set(key, c);
  }
  return c;
}

/** Reads each ArchiveTimeStamp's token and chain algorithm; problems for what cannot be read. */
function planRecord(record: EvidenceRecord, problems: EvidenceProblem[], cache: EvidenceCache | undefined): { plans: AtsPlan[][]; hashes: (TspHash | undefined)[] } {
  const hashes: (TspHash | undefined)[] = [];
  const plans = record.chains.map((chain, j) => {
    let hash: TspHash | undefined;
    try {
      hash = chainHash(chain);
    } catch (e) {
      problems.push({ code: (e as { code?: ErrorCode }).code ?? 'EVIDENCE_RECORD_INVALID', message: `chain #${j + 1}: ${(e as Error).message}` });
    }
    hashes.push(hash);
    if (hash !== undefined && !record.digestAlgorithms.includes(ERS_HASH_OID[hash])) {
      problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `chain #${j + 1} uses ${IMPRINT_HASH[hash].name}, which the record's digestAlgorithms does not declare (RFC 4998 §3.1)` });
    }
    return chain.map((ats, k): AtsPlan => {
      const verdict: ArchiveTimeStampVerdict = { chain: j, index: k, hash: hash !== undefined ? IMPRINT_HASH[hash].name : '?', covers: k > 0 ? 'timestamps' : j > 0 ? 'hash-tree-renewal' : 'data', hashTreeOk: false };
      const plan: AtsPlan = { verdict, covers: [] };
      try {
        const read = readToken(ats.timeStamp, cache);
        if (read.token === undefined) throw new Error(read.error);
        plan.token = read.token;
        verdict.genTime = plan.token.tstInfo.genTime;
        for (const p of read.strict) problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `chain #${j + 1}, archive time-stamp #${k + 1}: its time-stamp token is not in the strict form an archive needs: ${p}` });
        if (ats.digestAlgorithm !== undefined && hash !== undefined && plan.token.tstInfo.hash !== hash) {
          problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `chain #${j + 1}, archive time-stamp #${k + 1}: its time-stamp is over a ${plan.token.tstInfo.hash} hash, not the ${verdict.hash} of its chain (RFC 4998 §5.1)` });
        }
      } catch (e) {
        problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `chain #${j + 1}, archive time-stamp #${k + 1}: its time-stamp cannot be read (${(e as Error).message})` });
      }
      return plan;
    });
  });
  return { plans, hashes };
}

/** The value a chain's first ArchiveTimeStamp must hold: H(d), or H(H(d) ‖ H(DER(previous chains))). */
function chainTarget(record: EvidenceRecord, j: number, hash: TspHash, digests: Partial<Record<TspHash, Uint8Array>>): Uint8Array | undefined {
  const d = digests[hash];
  if (d === undefined) return undefined;
  if (j === 0) return d;
  return digestOf(hash, d, digestOf(hash, encodeChains(record.chains.slice(0, j))));
}

/**
 * RFC 4998 §5.3 step by step for one ArchiveTimeStamp: the value it must hold is in its first list
 * (or is its imprint, without a tree), and its tree leads to its token's imprint.
 */
function checkHashTree(record: EvidenceRecord, plans: AtsPlan[][], j: number, k: number, hash: TspHash, target: Uint8Array | undefined, dataKey: string, problems: EvidenceProblem[]): void {
  const ats = record.chains[j]![k]!;
  const plan = plans[j]![k]!;
  const where = `chain #${j + 1}, archive time-stamp #${k + 1}`;
  if (target === undefined) {
    problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `${where}: the data object's ${IMPRINT_HASH[hash].name} hash was not given, so the record cannot be checked` });
    return;
  }
  const tree = ats.reducedHashtree;
  const held = tree === undefined ? undefined : firstListHolds(tree, target);
  plan.root = tree === undefined ? target : rootOfReducedTree(hash, tree);
  const imprint = plan.token?.tstInfo.imprint;
  const leadsToToken = plan.root !== undefined && imprint !== undefined && bytesEqual(plan.root, imprint);
  const notHeld = held === false || (tree === undefined && !leadsToToken && plan.token !== undefined);
  if (k === 0 && notHeld) {
    problems.push({ code: 'EVIDENCE_RECORD_MISMATCH', message: j === 0
      ? `the data object is not the one this evidence record covers: its ${IMPRINT_HASH[hash].name} hash ${hex(target)} is not in the record (${where})`
      : `the data object is not the one the hash-tree renewal covers: its renewed ${IMPRINT_HASH[hash].name} hash is not in ${where}` });
  } else if (notHeld) {
    problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `${where}: it does not hold the hash of the previous time-stamp of its chain: the renewal chain is broken (RFC 4998 §5.3)` });
  } else if (!leadsToToken && plan.token !== undefined) {
    problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `${where}: its hash tree leads to ${plan.root !== undefined ? hex(plan.root) : 'nothing'}, not to the ${hex(plan.token.tstInfo.imprint)} its time-stamp covers: the record is damaged or forged` });
  } else {
    plan.verdict.hashTreeOk = plan.token !== undefined;
  }
  if (k === 0) {
    plan.covers.push(dataKey);
    for (const earlier of plans.slice(0, j).flat()) if (earlier.token !== undefined) plan.covers.push(poeKey(earlier.token.der));
  } else if (tree !== undefined || plan.root !== undefined) {
    for (const prev of plans[j]!.slice(0, k)) {
      if (prev.token === undefined) continue;
      const h = digestOf(hash, prev.token.der);
      if (tree === undefined ? plan.root !== undefined && bytesEqual(plan.root, h) : firstListHolds(tree, h)) plan.covers.push(poeKey(prev.token.der));
    }
  }
}

/** Time-stamps must not go back in time along the record (RFC 4998 §5.3). */
function checkOrder(plans: AtsPlan[][], problems: EvidenceProblem[]): void {
  let previous: AtsPlan | undefined;
  for (const p of plans.flat()) {
    const t = p.verdict.genTime;
    const before = previous?.verdict.genTime;
    if (t !== undefined && before !== undefined && t.getTime() < before.getTime()) {
      problems.push({ code: 'EVIDENCE_RECORD_INVALID', message: `chain #${p.verdict.chain + 1}, archive time-stamp #${p.verdict.index + 1} is dated ${iso(t)}, before the one it renews (${iso(before)}): the record's time-stamps are out of order` });
    }
    if (t !== undefined) previous = p;
  }
}

function conclusionOf(structural: readonly EvidenceProblem[], tokens: readonly AtsPlan[]): Conclusion & { code?: ErrorCode } {
  const first = structural[0];
  if (first !== undefined) {
    const format = structural.every((p) => p.code === 'UNSUPPORTED_ALGORITHM');
    return { indication: format ? 'INDETERMINATE' : 'TOTAL-FAILED', subIndication: format ? 'FORMAT_FAILURE' : 'HASH_FAILURE', code: first.code };
  }
  const failed = tokens.find((p) => p.verdict.timestamp !== undefined && !p.verdict.timestamp.ok);
  if (failed?.verdict.timestamp !== undefined) {
    const v = failed.verdict.timestamp;
    return { indication: v.indication === 'TOTAL-PASSED' ? 'INDETERMINATE' : v.indication, ...(v.subIndication !== undefined ? { subIndication: v.subIndication } : {}), code: v.code ?? 'TIMESTAMP_INVALID' };
  }
  return PASSED;
}

/** {@link validateTimestampChain}, or the verdicts already made for the same tokens (their proofs still recorded in `store`). */
async function validateChainCached(chained: ChainedTimestamp[], ctx: ValidationContext, store: PoeStore, cache: Map<string, ChainedTimestampVerdict[]> | undefined): Promise<ChainedTimestampVerdict[]> {
  const key = chained.map((c) => `${poeKey(c.token.der)}:${hex(c.expected.imprint)}`).join(',');
  const known = cache?.get(key);
  if (known === undefined) {
    const results = await validateTimestampChain(chained, ctx, store);
    cache?.set(key, results);
    return results;
  }
  known.forEach((r, i) => {
    if (r.verdict.ok && r.verdict.genTime !== undefined) for (const o of chained[i]!.covers) store.add(o, { time: r.verdict.genTime, origin: chained[i]!.origin });
  });
  return known;
}

/**
 * Verifies an evidence record (DER, or parsed) for a data object. Never throws for a negative
 * outcome: EVIDENCE_RECORD_MISMATCH (not this data object), EVIDENCE_RECORD_INVALID (a broken hash
 * tree or renewal chain, algorithms mixed in a chain, time-stamps out of order), UNSUPPORTED_ALGORITHM,
 * and every code of the time-stamps' validation (TIMESTAMP_INVALID, CERT_EXPIRED,
 * REVOCATION_UNAVAILABLE, …).
 * @throws ScelleError MALFORMED_ASN1 (not an EvidenceRecord), EVIDENCE_RECORD_INVALID (too large),
 *   IO_ERROR (the data stream failed).
 */
export async function verifyEvidenceRecord(record: Uint8Array | EvidenceRecord, data: EvidenceData, options: VerifyEvidenceRecordOptions): Promise<EvidenceRecordVerdict> {
  const rec = record instanceof Uint8Array ? parseEvidenceRecord(record) : record;
  const problems: EvidenceProblem[] = [];
  const { plans, hashes } = planRecord(rec, problems, options.cache);
  const digests = await digestData(data, new Set(hashes.filter((h): h is TspHash => h !== undefined)));
  const dataKey = digests.sha256 !== undefined ? hex(digests.sha256) : 'evidence-record-data';
  plans.forEach((chain, j) => {
    const hash = hashes[j];
    if (hash === undefined) return;
    chain.forEach((_, k) => {
      const target = k === 0 ? chainTarget(rec, j, hash, digests) : plans[j]![k - 1]!.token !== undefined ? digestOf(hash, plans[j]![k - 1]!.token!.der) : undefined;
      checkHashTree(rec, plans, j, k, hash, target, dataKey, problems);
    });
  });
  checkOrder(plans, problems);

  const all = plans.flat();
  const readable = all.filter((p) => p.token !== undefined && p.root !== undefined && isTspHash(p.token.tstInfo.hash));
  const ctx = contextOf(options, carriedCached(rec, readable.map((p) => p.token!), options.cache));
  const store = options.poes ?? new PoeStore();
  const chained: ChainedTimestamp[] = readable.map((p) => ({ token: p.token!, expected: { hash: p.token!.tstInfo.hash as TspHash, imprint: p.root! }, covers: p.covers, origin: 'evidence-record' }));
  const results = await validateChainCached(chained, ctx, store, options.cache?.chains);
  readable.forEach((p, i) => {
    const r = results[i]!;
    p.verdict.timestamp = r.verdict;
    if (r.provenBy !== undefined) p.verdict.provenBy = r.provenBy;
    if (r.verdict.tsa !== undefined) p.verdict.tsa = r.verdict.tsa.subject;
  });
  for (const p of all) {
    const v = p.verdict.timestamp;
    if (v !== undefined && !v.ok) {
      const primary = v.problems.find((x) => x.code === v.code) ?? v.problems[0];
      problems.push({ code: v.code ?? 'TIMESTAMP_INVALID', message: `chain #${p.verdict.chain + 1}, archive time-stamp #${p.verdict.index + 1}${p.verdict.genTime !== undefined ? ` of ${iso(p.verdict.genTime)}` : ''}: ${primary?.message ?? 'invalid'}` });
    }
  }
  return verdictOf(rec, all, problems, digests, ctx.validationTime);
}

function verdictOf(rec: EvidenceRecord, all: AtsPlan[], problems: EvidenceProblem[], digests: Partial<Record<TspHash, Uint8Array>>, validationTime: Date): EvidenceRecordVerdict {
  const structural = problems.filter((p) => p.code === 'EVIDENCE_RECORD_INVALID' || p.code === 'EVIDENCE_RECORD_MISMATCH' || p.code === 'UNSUPPORTED_ALGORITHM');
  const c = conclusionOf(structural, all);
  const newest = all[all.length - 1]?.verdict.timestamp;
  const limits = newest?.ok === true ? timestampRenewalLimits(newest) : [];
  const verdict: EvidenceRecordVerdict = {
    ok: c.indication === 'TOTAL-PASSED' && problems.length === 0,
    indication: c.indication,
    problems,
    limits,
    archiveTimeStamps: all.map((p) => p.verdict),
    digestAlgorithms: rec.digestAlgorithms,
    dataDigests: Object.fromEntries(Object.entries(digests).map(([h, d]) => [h, hex(d!)])),
    validationTime,
  };
  if (!verdict.ok && verdict.indication === 'TOTAL-PASSED') verdict.indication = 'INDETERMINATE';
  if (c.subIndication !== undefined) verdict.subIndication = c.subIndication;
  if (!verdict.ok) verdict.code = c.code ?? problems[0]?.code ?? 'EVIDENCE_RECORD_INVALID';
  const first = all[0]?.verdict;
  if (verdict.ok && first?.genTime !== undefined) verdict.existedAt = first.genTime;
  const limit = earliestLimit(limits);
  if (verdict.ok && limit !== undefined) verdict.provenUntil = limit.until;
  return verdict;
}
