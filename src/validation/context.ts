/**
 * What every validation shares (ETSI EN 319 102-1 §5.2.4 "validation context initialization"): the
 * trust anchors, the certificates and revocation data at hand (given, embedded, fetched), the
 * validation time, the revocation policy — and the X.509 validation of a certificate at the
 * validation time, or, when a proof of existence allows it, in the past (§5.6.2.4 past certificate
 * validation): a certificate that has expired or been revoked since is still good for a signature
 * proven to exist before that happened, checked with revocation data issued after the proven time.
 */
import type { ErrorCode } from '../errors.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import { verifyCertificateChain, type CertificatePurpose, type ChainProblem, type ChainVerdict, type PolicySettings } from '../crypto/x509/verify-chain.js';
import { PASSED, RECOVERABLE_WITH_POE, chainConclusion, type Conclusion } from './indication.js';

/** Where a proof of existence comes from. */
export type PoeOrigin = 'signature-timestamp' | 'archive-timestamp' | 'document-timestamp' | 'evidence-record' | 'tsa-own-time';

/**
 * A proof of existence: the object existed at `time` (ETSI EN 319 102-1 §5.2.9). `tsa-own-time`
 * is a time-stamp's own genTime, trusted only in the case RFC 3161 §4 allows: its TSA certificate
 * was revoked later for a reason that is not a key compromise.
 */
export interface Poe {
  time: Date;
  origin: PoeOrigin;
  /** The TSA that vouches for it, when a time-stamp does. */
  tsa?: string;
}

/** The shared inputs of a validation. */
export interface ValidationContext {
  trustAnchors: X509Cert[];
  /** Certificates that may help build paths (given and embedded); never trusted by themselves. */
  certificates: X509Cert[];
  /** CRLs (given, embedded, fetched). */
  crls: Crl[];
  /** OCSP responses (DER) known beforehand. */
  ocspResponses: Uint8Array[];
  online: boolean;
  fetcher?: Fetcher;
  /** The validation time: now, or the caller's `at`. */
  validationTime: Date;
  /** The real current time (a time-stamp from after it is refused). */
  now: Date;
  /** `require` (default): revocation status must be established; `skip`: not checked, said so. */
  revocation: 'require' | 'skip';
  policy?: PolicySettings;
  minRsaBits?: number;
}

/** What {@link validateCertificate} concluded. */
export interface CertificateValidation {
  conclusion: Conclusion;
  /** The primary code when not passed. */
  code?: ErrorCode;
  /** The problems of the decisive check (the past one when it was made). */
  problems: ChainProblem[];
  /** The path validated at the validation time. */
  chain: ChainVerdict;
  /** The path validated at the proof of existence, when one was used. */
  pastChain?: ChainVerdict;
  /** The time the certificate was finally checked at. */
  controlTime: Date;
  /** The proof of existence that made it pass (or was tried). */
  poe?: Poe;
}

function chainOptions(ctx: ValidationContext, purpose: CertificatePurpose, intermediates: readonly X509Cert[]): Parameters<typeof verifyCertificateChain>[1] {
  return {
    trustAnchors: ctx.trustAnchors,
    intermediates: [...intermediates, ...ctx.certificates],
    purpose,
    crls: ctx.crls,
    ocspResponses: ctx.ocspResponses,
    online: ctx.online,
    ...(ctx.fetcher !== undefined ? { fetcher: ctx.fetcher } : {}),
    revocation: ctx.revocation,
    ...(ctx.policy !== undefined ? { policy: ctx.policy } : {}),
    ...(ctx.minRsaBits !== undefined ? { minRsaBits: ctx.minRsaBits } : {}),
  };
}

function primaryDepth(chain: ChainVerdict): number {
  return chain.problems.find((p) => p.code === chain.code)?.depth ?? 0;
}

/**
 * X.509 validation of `cert` for `purpose` at the validation time; when that fails only for
 * reasons time can explain (expired, revoked, revocation data unavailable or stale) and `poe`
 * proves the signed object existed earlier, validation again at the proven time with revocation
 * data issued after it. Never throws.
 */
export async function validateCertificate(cert: X509Cert, purpose: CertificatePurpose, intermediates: readonly X509Cert[], ctx: ValidationContext, poe?: Poe): Promise<CertificateValidation> {
  const base = chainOptions(ctx, purpose, intermediates);
  const now = ctx.validationTime;
  const chain = await verifyCertificateChain(cert, { ...base, at: now });
  if (chain.ok) return { conclusion: PASSED, problems: [], chain, controlTime: now };
  const recoverable = chain.problems.every((p) => RECOVERABLE_WITH_POE.has(p.code));
  const failed = (v: ChainVerdict, extra: Partial<CertificateValidation> = {}): CertificateValidation => {
    const out: CertificateValidation = { conclusion: chainConclusion(v.code ?? 'CHAIN_UNTRUSTED', primaryDepth(v)), problems: v.problems, chain, controlTime: v.checkedAt, ...extra };
    if (v.code !== undefined) out.code = v.code;
    return out;
  };
  if (!recoverable || poe === undefined || poe.time.getTime() >= now.getTime()) return failed(chain, poe === undefined ? {} : { poe });
  const past = await verifyCertificateChain(cert, { ...base, at: poe.time, past: { now } });
  if (past.ok) return { conclusion: PASSED, problems: [], chain, pastChain: past, controlTime: poe.time, poe };
  const out = failed(past, { pastChain: past, poe });
  // ETSI EN 319 102-1 §5.5.4: proven to exist before its certificate was issued.
  if (past.code === 'CERT_NOT_YET_VALID' && primaryDepth(past) === 0) out.conclusion = { indication: 'TOTAL-FAILED', subIndication: 'NOT_YET_VALID' };
  return out;
}
