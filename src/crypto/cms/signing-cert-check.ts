/**
 * Signing safety: before signing, the signer's own certificate is checked the way a verifier will
 * check it (RFC 5280 §6.1.3 (a)(2) validity, §6.3 revocation), so that scelle never writes
 * signatures that `verify` would call invalid: a certificate that has expired, is not yet valid,
 * or — when CRLs are given or `online` is asked — is revoked now, is refused.
 *
 * The path is built by {@link verifyCertificateChain} (the one path validator of scelle), with
 * the identity's own CA certificates as anchors unless trust anchors are given: the question here
 * is not "do I trust myself" but "will my signature be valid", so only the outcomes that make a
 * signature invalid for every verifier refuse it (dates, revocation); trust and usage problems are
 * the verifier's to judge.
 */
import { ScelleError, type ErrorCode } from '../../errors.js';
import { summarizeCertificate } from '../cert-summary.js';
import type { X509Cert } from '../x509/certificate.js';
import type { Crl } from '../x509/crl.js';
import type { Fetcher } from '../x509/fetch.js';
import { verifyCertificateChain, type ChainVerdict } from '../x509/verify-chain.js';

/** Options of {@link checkSignerCertificate}. */
export interface SignerCheckOptions {
  /** Check as of this time. Default: now. */
  at?: Date;
  /**
   * CRLs of the signer's chain. With CRLs (or `online`) a revoked certificate is refused, and so
   * is one whose status the given sources cannot establish (fail closed: the check was asked for).
   */
  crls?: readonly Crl[];
  /** Ask OCSP responders and CRL distribution points named in the certificates. */
  online?: boolean;
  /** HTTP client for `online` (tests). */
  fetcher?: Fetcher;
  /** Roots for the revocation path. Default: the self-issued certificates of `chain`. */
  trustAnchors?: readonly X509Cert[];
}

/** What {@link checkSignerCertificate} found (when it did not throw). */
export interface SignerCheck {
  /** End of the signing certificate's validity. */
  notAfter: Date;
  /** `good` when CRLs or OCSP answered for the signing certificate; `not-checked` without them. */
  revocation: 'good' | 'not-checked';
  checkedAt: Date;
}

/** Why {@link checkSignerCertificate} refused (`params.reason` of SIGNER_CERT_INVALID). */
export type SignerRefusal = 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID' | 'CERT_REVOKED' | 'REVOCATION_UNKNOWN';

const iso = (d: Date): string => d.toISOString();

function refuse(reason: SignerRefusal, cert: X509Cert, depth: number, message: string, extra: Record<string, string> = {}): ScelleError {
  const role = depth === 0 ? 'signer' : 'ca';
  return new ScelleError('SIGNER_CERT_INVALID', `${message}: a signature made now would be invalid; nothing was signed`, {
    params: { reason, role, subject: cert.subject, holder: summarizeCertificate(cert).holder.displayName, reasonKey: `signer.refusal.${role}.${reason}`, hintKey: `hint.SIGNER_CERT_INVALID.${reason}`, ...extra },
    hint: reason === 'REVOCATION_UNKNOWN'
      ? 'give an up-to-date CRL of your certification authority (--crl) or check online (--online)'
      : 'renew the certificate (or use your current card) and sign again',
  });
}

/**
 * Refuses to sign with a certificate whose signatures every verifier would reject now. Expiry
 * and not-yet-valid are checked on the signing certificate and its CA certificates; revocation
 * only when `crls` are given or `online` is set.
 * @throws ScelleError `SIGNER_CERT_INVALID` with `params.reason` one of {@link SignerRefusal},
 *   `params.role` (`signer` or `ca`: which certificate), `params.subject`, and `params.date` (ISO
 *   8601: the expiry, start of validity, or revocation date) when there is one.
 */
export async function checkSignerCertificate(signer: X509Cert, chain: readonly X509Cert[], options: SignerCheckOptions = {}): Promise<SignerCheck> {
  const at = options.at ?? new Date();
  const anchors = [...(options.trustAnchors ?? chain.filter((c) => c.isSelfIssued()))];
  const wantRevocation = (options.crls?.length ?? 0) > 0 || options.online === true;
  const verdict = await verifyCertificateChain(signer, {
    trustAnchors: anchors,
    intermediates: chain.filter((c) => !anchors.includes(c)),
    at,
    purpose: 'any',
    ...(options.crls !== undefined ? { crls: [...options.crls] } : {}),
    ...(options.online === true ? { online: true } : {}),
    ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
  });
  refuseDates(verdict);
  refuseRevoked(verdict);
  if (wantRevocation) refuseUnknownStatus(verdict, signer);
  return { notAfter: signer.notAfter, revocation: verdict.revocation[0]?.status === 'good' ? 'good' : 'not-checked', checkedAt: at };
}

function problemAt(verdict: ChainVerdict, codes: readonly ErrorCode[]): { cert: X509Cert; depth: number; message: string; code: ErrorCode } | undefined {
  const p = verdict.problems.find((x) => codes.includes(x.code));
  const cert = p === undefined ? undefined : verdict.path[p.depth];
  return p === undefined || cert === undefined ? undefined : { cert, depth: p.depth, message: p.message, code: p.code };
}

function refuseDates(verdict: ChainVerdict): void {
  const p = problemAt(verdict, ['CERT_EXPIRED', 'CERT_NOT_YET_VALID']);
  if (p === undefined) return;
  if (p.code === 'CERT_EXPIRED') {
    throw refuse('CERT_EXPIRED', p.cert, p.depth, `${p.depth === 0 ? 'the signing certificate' : 'a CA certificate of its chain'} ${p.cert.subject} expired on ${iso(p.cert.notAfter)}`, { date: iso(p.cert.notAfter) });
  }
  throw refuse('CERT_NOT_YET_VALID', p.cert, p.depth, `${p.depth === 0 ? 'the signing certificate' : 'a CA certificate of its chain'} ${p.cert.subject} is not valid before ${iso(p.cert.notBefore)}`, { date: iso(p.cert.notBefore) });
}

function refuseRevoked(verdict: ChainVerdict): void {
  const p = problemAt(verdict, ['CERT_REVOKED']);
  if (p === undefined) return;
  const revokedAt = verdict.revocation.find((r) => r.depth === p.depth)?.revokedAt;
  throw refuse('CERT_REVOKED', p.cert, p.depth, `${p.depth === 0 ? 'the signing certificate' : 'a CA certificate of its chain'} ${p.cert.subject} is revoked${revokedAt ? ` since ${iso(revokedAt)}` : ''}`, revokedAt ? { date: iso(revokedAt) } : {});
}

/** Asked to check revocation: a status the given sources cannot establish refuses too. */
function refuseUnknownStatus(verdict: ChainVerdict, signer: X509Cert): void {
  const p = problemAt(verdict, ['REVOCATION_UNKNOWN', 'CRL_EXPIRED', 'CRL_INVALID', 'OCSP_INVALID']);
  if (p !== undefined) {
    throw refuse('REVOCATION_UNKNOWN', p.cert, p.depth, `the revocation status of ${p.cert.subject} cannot be established (${p.message})`);
  }
  const unchecked = verdict.revocation.find((r) => r.status !== 'good');
  if (verdict.revocation.length === 0 || unchecked !== undefined) {
    const depth = unchecked?.depth ?? 0;
    const cert = verdict.path[depth] ?? signer;
    const why = verdict.problems.some((x) => x.code === 'CHAIN_UNTRUSTED')
      ? 'its chain does not reach a root given with --trust or carried by the identity'
      : 'no given CRL covers it';
    throw refuse('REVOCATION_UNKNOWN', cert, depth, `the revocation status of ${cert.subject} cannot be established: ${why}`);
  }
}
