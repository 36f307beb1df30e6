/**
 * Gathering validation data for long-term proofs (CAdES-LT, evidence-record renewals): what the
 * validation engine actually used to validate a signature or a time-stamp now — the certificates of
 * each path and the CRLs or OCSP responses that established each status — taken from the CRLs the
 * caller gave, from those already embedded, and from what `online` fetched (a recording fetcher
 * wraps the engine's). Embedding exactly what made today's verdict is what lets a verifier reach
 * the same verdict offline, years later.
 */
import type { X509Cert } from '../crypto/x509/certificate.js';
import { Crl, parseCrls } from '../crypto/x509/crl.js';
import { createHttpFetcher, type Fetcher } from '../crypto/x509/fetch.js';
import type { ChainVerdict } from '../crypto/x509/verify-chain.js';
import { isTspHash, parseTimeStampToken } from '../timestamp/tsp.js';
import { verifyTimestampToken } from '../validation/timestamp.js';

/** What a recording fetcher saw. */
export interface FetchLog {
  crls: Crl[];
  /** DER OCSPResponses received with HTTP 200. */
  ocspResponses: Uint8Array[];
}

/** A fetcher that records every CRL and OCSP response it fetches, and the log it fills. */
export function recordingFetcher(inner: Fetcher = createHttpFetcher()): { fetcher: Fetcher; log: FetchLog } {
  const log: FetchLog = { crls: [], ocspResponses: [] };
  const fetcher: Fetcher = async (url, init) => {
    const res = await inner(url, init);
    if (res.status === 200) {
      if ((init?.method ?? 'GET') === 'POST') log.ocspResponses.push(res.body.slice());
      else {
        try {
          log.crls.push(...parseCrls(res.body));
        } catch {
          // not a CRL: the engine reports it; nothing to keep
        }
      }
    }
    return res;
  };
  return { fetcher, log };
}

/** Certificates and revocation data gathered from path verdicts. */
export interface GatheredData {
  certificates: X509Cert[];
  crls: Crl[];
  ocspResponses: Uint8Array[];
}

/**
 * The certificates (trust anchors excepted) and the revocation data that decided each status of
 * `chains`, looked up by SHA-256 among `crls` (every CRL known: given, embedded, fetched); the OCSP
 * responses of `ocspPool` are all kept when some status came from OCSP.
 */
export function gatherFromChains(chains: readonly (ChainVerdict | undefined)[], anchors: readonly X509Cert[], crls: readonly Crl[], ocspPool: readonly Uint8Array[]): GatheredData {
  const out: GatheredData = { certificates: [], crls: [], ocspResponses: [] };
  const sha = new Map<string, Crl>();
  for (const c of crls) sha.set(c.sha256, c);
  let ocspUsed = false;
  for (const chain of chains) {
    if (chain === undefined) continue;
    for (const cert of chain.path) {
      if (anchors.some((a) => a.equals(cert)) || out.certificates.some((x) => x.equals(cert))) continue;
      out.certificates.push(cert);
    }
    for (const r of chain.revocation) {
      if (r.source === 'ocsp') ocspUsed = true;
      const crl = r.crl !== undefined ? sha.get(r.crl.sha256) : undefined;
      if (crl !== undefined && !out.crls.includes(crl)) out.crls.push(crl);
    }
  }
  if (ocspUsed) out.ocspResponses.push(...ocspPool);
  return out;
}

/** Where validation data comes from when a batch's time-stamps are checked now. */
export interface GatherOptions {
  trustAnchors: X509Cert[];
  crls?: Crl[];
  online?: boolean;
  fetcher?: Fetcher;
  clock?: () => Date;
}

/**
 * Validates each token now (its TSA path, with revocation) and gathers what established it. A token
 * whose TSA certificate has expired or cannot be checked now gives nothing (its data had to be
 * gathered while it could be); each such token is named in `unchecked`.
 */
export async function gatherForTokens(tokens: readonly Uint8Array[], options: GatherOptions): Promise<GatheredData & { unchecked: { token: Uint8Array; reason: string }[] }> {
  const rec = options.online === true ? recordingFetcher(options.fetcher) : undefined;
  const now = options.clock?.() ?? new Date();
  const chains: (ChainVerdict | undefined)[] = [];
  const unchecked: { token: Uint8Array; reason: string }[] = [];
  const crls = [...(options.crls ?? [])];
  for (const der of tokens) {
    const token = parseTimeStampToken(der);
    if (!isTspHash(token.tstInfo.hash)) continue;
    const v = await verifyTimestampToken(der, {
      trustAnchors: options.trustAnchors, crls, online: options.online === true, ...(rec !== undefined ? { fetcher: rec.fetcher } : options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
      expected: { hash: token.tstInfo.hash, imprint: token.tstInfo.imprint }, at: now, clock: () => now,
    });
    if (v.ok) chains.push(v.chain);
    else unchecked.push({ token: der, reason: v.problems[0]?.message ?? v.code ?? 'invalid' });
  }
  const gathered = gatherFromChains(chains, options.trustAnchors, [...crls, ...(rec?.log.crls ?? [])], rec?.log.ocspResponses ?? []);
  return { ...gathered, unchecked };
}
