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
