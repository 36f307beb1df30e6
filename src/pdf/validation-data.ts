/**
 * Gathering the validation data of a long-term signature (ETSI EN 319 142-1 §5.4.2 B-LT, ETSI EN
 * 319 102-1 §5.2.6): for each certificate to keep provable — the signer's, each TSA's — its path
 * to a root and, for every certificate of the path but the root, revocation data that establishes
 * its status now: the CRLs and OCSP responses given, and with `online` those fetched from the
 * distribution points and OCSP responders the certificates name.
 *
 * Fail closed: when a status cannot be established (no applicable CRL, an unreachable responder),
 * no B-LT is written (VALIDATION_DATA_MISSING) — a DSS that does not actually prove the status
 * would only look long-term. A revoked certificate stops it too (CERT_REVOKED).
 */
import { ScelleError } from '../errors.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { Crl, parseCrls } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import { createHttpFetcher } from '../crypto/x509/fetch.js';
import { buildOcspRequest, verifyOcspResponse } from '../crypto/x509/ocsp.js';
import { verifyCertificateChain, type CertificatePurpose, type ChainVerdict } from '../crypto/x509/verify-chain.js';

/** Where validation data comes from. */
export interface ValidationDataOptions {
  /** CRLs at hand (`--crl`). */
  crls?: Crl[];
  /** OCSP responses at hand (DER). */
  ocspResponses?: Uint8Array[];
  /** Fetch CRLs and ask OCSP responders named in the certificates. */
  online?: boolean;
  fetcher?: Fetcher;
  /** Further certificates to build paths with (CA certificates). */
  certificates?: X509Cert[];
  /** Roots the paths end at. Default: the self-signed certificates among those known. */
  trustAnchors?: X509Cert[];
  /** The time the status is established at. Default now. */
  clock?: () => Date;
}

/** A certificate whose status must be kept, and why. */
export interface ValidationTarget {
  cert: X509Cert;
  purpose: CertificatePurpose;
  /** Certificates that came with it (a signature's or token's certificates field). */
  carried: X509Cert[];
  /** How it is named in messages ("the signer of Signature1", "the TSA of …"). */
  role: string;
}

/** The data that proves each target's status, ready for a DSS. */
export interface ValidationData {
  certificates: X509Cert[];
  crls: Crl[];
  ocspResponses: Uint8Array[];
  /** Per target, the objects its path uses (for VRI entries). */
  perTarget: { target: ValidationTarget; chain: ChainVerdict; certificates: X509Cert[]; crls: Crl[]; ocspResponses: Uint8Array[] }[];
  /** The oldest thisUpdate of the revocation data used: a verifier in the past needs data from after the signature's time-stamp. */
  oldestRevocationData?: Date;
}

const FETCH_TIMEOUT_MS = 10_000;
const httpUrl = (u: string): boolean => /^https?:\/\//i.test(u);

function uniqueCerts(certs: readonly X509Cert[]): X509Cert[] {
  const out: X509Cert[] = [];
  for (const c of certs) if (!out.some((o) => o.equals(c))) out.push(c);
  return out;
}

/** Fetches what the path's certificates name: OCSP first (fresh), then CRLs. Failures are left to the check after. */
async function fetchFor(path: readonly X509Cert[], fetcher: Fetcher, crls: Crl[], ocsp: Uint8Array[], now: Date): Promise<void> {
  for (let depth = 0; depth + 1 < path.length; depth++) {
    const cert = path[depth]!;
    const issuer = path[depth + 1]!;
    let haveOcsp = false;
    for (const url of cert.ocspUrls.filter(httpUrl)) {
      try {
        const req = buildOcspRequest(cert, issuer);
        const res = await fetcher(url, { method: 'POST', body: req.der, headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, timeoutMs: FETCH_TIMEOUT_MS });
        if (res.status === 200 && verifyOcspResponse(res.body, cert, issuer, now, req.nonce).ok) {
          ocsp.push(res.body);
          haveOcsp = true;
          break;
        }
      } catch {
        // the status check below reports what is missing
      }
    }
    if (haveOcsp) continue;
    for (const url of cert.crlDistributionPoints.filter(httpUrl)) {
      try {
        const res = await fetcher(url, { method: 'GET', timeoutMs: FETCH_TIMEOUT_MS });
        if (res.status === 200) crls.push(...parseCrls(res.body));
      } catch {
        // reported below
      }
    }
  }
}

/**
 * Establishes the status of every target now and returns the data that proves it.
 * @throws ScelleError VALIDATION_DATA_MISSING (no path to a root, or a status that cannot be
 *   established), CERT_REVOKED, CERT_EXPIRED (a certificate no longer valid: too late for B-LT).
 */
export async function gatherValidationData(targets: readonly ValidationTarget[], options: ValidationDataOptions = {}): Promise<ValidationData> {
  const now = options.clock?.() ?? new Date();
  const pool = uniqueCerts([...(options.certificates ?? []), ...targets.flatMap((t) => [t.cert, ...t.carried])]);
  const anchors = options.trustAnchors ?? pool.filter((c) => c.isSelfIssued());
  const crls = [...(options.crls ?? [])];
  const ocsp = [...(options.ocspResponses ?? [])];
  const fetcher = options.fetcher ?? createHttpFetcher();
  const perTarget: ValidationData['perTarget'] = [];
  for (const target of targets) {
    const base = { trustAnchors: anchors, intermediates: pool, purpose: target.purpose, at: now, revocation: 'require' as const, online: false };
    let chain = await verifyCertificateChain(target.cert, { ...base, crls, ocspResponses: ocsp });
    if (!chain.ok && options.online === true) {
      await fetchFor(chain.path, fetcher, crls, ocsp, now);
      chain = await verifyCertificateChain(target.cert, { ...base, crls, ocspResponses: ocsp });
    }
    if (!chain.ok) throw refusal(target, chain);
    const usedCrls = crls.filter((c) => chain.revocation.some((r) => r.crl?.sha256 === c.sha256));
    const usedOcsp = ocsp.filter((der) => chain.path.some((cert, depth) => {
      const issuer = chain.path[depth + 1];
      return issuer !== undefined && verifyOcspResponse(der, cert, issuer, now).ok;
    }));
    perTarget.push({ target, chain, certificates: chain.path, crls: usedCrls, ocspResponses: usedOcsp });
  }
  const certificates = uniqueCerts(perTarget.flatMap((p) => p.certificates));
  const usedCrls = [...new Set(perTarget.flatMap((p) => p.crls))];
  const usedOcsp = [...new Set(perTarget.flatMap((p) => p.ocspResponses))];
  const times = perTarget.flatMap((p) => p.chain.revocation.map((r) => r.crl?.thisUpdate ?? r.ocsp?.thisUpdate)).filter((t): t is Date => t !== undefined);
  const out: ValidationData = { certificates, crls: usedCrls, ocspResponses: usedOcsp, perTarget };
  if (times.length > 0) out.oldestRevocationData = new Date(Math.min(...times.map((t) => t.getTime())));
  return out;
}

function refusal(target: ValidationTarget, chain: ChainVerdict): ScelleError {
  const primary = chain.problems.find((p) => p.code === chain.code) ?? chain.problems[0];
  const why = primary?.message ?? 'the certificate chain cannot be checked';
  if (chain.code === 'CERT_REVOKED' || chain.code === 'CERT_EXPIRED') {
    return new ScelleError(chain.code, `no long-term (LT) data can be added for ${target.role}: ${why}`, { params: { detail: why } });
  }
  const hint = chain.code === 'CHAIN_UNTRUSTED'
    ? 'give the certification authorities\' certificates (they must lead to a root)'
    : 'give the certification authorities\' CRLs with --crl, or fetch them with --online';
  return new ScelleError('VALIDATION_DATA_MISSING', `no long-term (LT) data can be added for ${target.role}: ${why}`, { params: { detail: why }, hint });
}
