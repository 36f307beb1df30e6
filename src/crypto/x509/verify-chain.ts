/**
 * Certification path validation: RFC 5280 §6.1 (basic path validation, `path/validate.ts`) with
 * path building (`path/build.ts`) and §6.3 revocation (`revocation.ts`: CRLs — delta, indirect,
 * partitioned — and OCSP, RFC 6960), at a control time that is either the validation time or, for
 * the validation of the past (ETSI EN 319 102-1 §5.6.2.4), an earlier time proven by a proof of
 * existence.
 *
 * Fails closed: by default the revocation status of every certificate of the path except the
 * trust anchor must be established; when it cannot be (no CRL or OCSP response applies, sources
 * unreachable, stale data) the verdict is not ok, with REVOCATION_UNAVAILABLE (or the specific
 * CRL_INVALID / CRL_EXPIRED / OCSP_INVALID / REVOCATION_UNKNOWN). A caller that knowingly accepts an
 * unchecked status says so with `revocation: 'skip'`, and the verdict records it.
 */
import type { ErrorCode } from '../../errors.js';
import type { X509Cert } from './certificate.js';
import type { Crl } from './crl.js';
import { createHttpFetcher, type Fetcher } from './fetch.js';
import { buildPaths } from './path/build.js';
import { validatePath, type CandidatePath, type CertificatePurpose, type ChainProblem, type PolicySettings } from './path/validate.js';
import { checkRevocation, type RevocationContext, type RevocationEntry } from './revocation.js';

export type { CertificatePurpose, ChainProblem, PolicySettings } from './path/validate.js';
export type { RevocationEntry } from './revocation.js';

/** The result of {@link verifyCertificateChain}. */
export interface ChainVerdict {
  ok: boolean;
  /** The primary reason when `ok` is false. */
  code?: ErrorCode;
  problems: ChainProblem[];
  /** leaf … anchor for the path found (the best failing one when `ok` is false; may stop short of an anchor). */
  path: X509Cert[];
  /** One entry per non-anchor certificate of `path`. */
  revocation: RevocationEntry[];
  /** The control time the path was validated at. */
  checkedAt: Date;
  /** True when validated in the past (at a proven time, with revocation data issued after it). */
  past: boolean;
  /** Certificate policies the path is valid for (RFC 5280 §6.1.6 authorities-constrained set, as intersected with the user's). */
  validPolicies: string[];
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyChainOptions {
  /** The trusted root (or other anchor) certificates. */
  trustAnchors: X509Cert[];
  /** Untrusted certificates that may help build the path or sign CRLs. */
  intermediates?: X509Cert[];
  /** The control time. Default: now. */
  at?: Date;
  /** Usage checked on the leaf. Default `any`. */
  purpose?: CertificatePurpose;
  /** CRLs (complete and delta) to check revocation with. */
  crls?: Crl[];
  /** OCSP responses (DER) known beforehand, e.g. embedded in a signature. */
  ocspResponses?: Uint8Array[];
  /** Fetch CRLs from http(s) distribution points and ask OCSP responders. */
  online?: boolean;
  /** HTTP client for `online`. Default: node:http(s), 10 s timeout, 10 MiB cap. */
  fetcher?: Fetcher;
  /** Smallest accepted RSA modulus, in bits. Default 2048. */
  minRsaBits?: number;
  /** `require` (default): every non-anchor certificate's status must be established. `skip`: not checked. */
  revocation?: 'require' | 'skip';
  /**
   * Validation of the past: `at` is an earlier time proven by a proof of existence, `now` the
   * validation time; revocation data must be issued between the two.
   */
  past?: { now: Date };
  /** RFC 5280 §6.1.1 policy inputs (user-initial-policy-set, explicit policy, inhibit flags). */
  policy?: PolicySettings;
}

/** Order in which a failing path's problems pick the verdict's primary code. */
const CODE_PRIORITY: readonly ErrorCode[] = [
  'CHAIN_UNTRUSTED', 'CERT_SIGNATURE_INVALID', 'UNSUPPORTED_ALGORITHM', 'WEAK_ALGORITHM', 'WEAK_KEY', 'NOT_A_CA', 'CA_KEY_USAGE_MISSING',
  'PATH_LENGTH_EXCEEDED', 'NAME_CONSTRAINTS_VIOLATED', 'POLICY_CONSTRAINTS_FAILED', 'UNKNOWN_CRITICAL_EXTENSION', 'CERT_REVOKED',
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'KEY_USAGE_MISMATCH', 'EKU_MISMATCH', 'CRL_INVALID', 'CRL_EXPIRED', 'OCSP_INVALID',
  'REVOCATION_UNKNOWN', 'REVOCATION_UNAVAILABLE',
];

/** The most telling code among `problems` (see {@link CODE_PRIORITY}). */
export function primaryCode(problems: readonly { code: ErrorCode }[]): ErrorCode | undefined {
  let best: ErrorCode | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const p of problems) {
    const rank = CODE_PRIORITY.indexOf(p.code);
    const r = rank === -1 ? CODE_PRIORITY.length : rank;
    if (r < bestRank) [best, bestRank] = [p.code, r];
  }
  return best;
}

/** Deepest nesting of CRL-signer path validations (a CRL signed by a key whose status needs another CRL…). */
const MAX_CRL_SIGNER_DEPTH = 4;

interface Evaluated {
  candidate: CandidatePath;
  problems: ChainProblem[];
  revocation: RevocationEntry[];
  validPolicies: string[];
}

function better(a: Evaluated, b: Evaluated | undefined): boolean {
  if (b === undefined) return true;
  if (a.candidate.anchored !== b.candidate.anchored) return a.candidate.anchored;
  if (a.problems.length !== b.problems.length) return a.problems.length < b.problems.length;
  return a.candidate.certs.length > b.candidate.certs.length;
}

async function verifyInternal(leaf: X509Cert, options: VerifyChainOptions, inProgress: ReadonlySet<Crl>, depth: number): Promise<ChainVerdict> {
  const at = options.at ?? new Date();
  const now = options.past?.now ?? at;
  const purpose = options.purpose ?? 'any';
  const minRsaBits = options.minRsaBits ?? 2048;
  const anchors = options.trustAnchors;
  const intermediates = options.intermediates ?? [];
  const candidates = buildPaths(leaf, anchors, intermediates);
  const fetcher = options.fetcher ?? createHttpFetcher();
  const checkRevocations = options.revocation !== 'skip';

  const ctx: RevocationContext = {
    crls: options.crls ?? [],
    ocspResponses: options.ocspResponses ?? [],
    online: options.online === true,
    fetcher,
    at,
    past: options.past !== undefined,
    now,
    pool: [...intermediates, ...anchors],
    inProgress,
    validateCrlSigner: async (signer, time, nested) => {
      if (depth >= MAX_CRL_SIGNER_DEPTH) return false;
      const v = await verifyInternal(signer, { ...options, at: time, purpose: 'crl', past: undefined, policy: undefined } as VerifyChainOptions, nested, depth + 1);
      return v.ok;
    },
  };

  let best: Evaluated | undefined;
  for (const candidate of candidates) {
    const { problems, validPolicies } = validatePath(candidate, at, purpose, minRsaBits, options.policy);
    const evaluated: Evaluated = { candidate, problems: [...problems], revocation: [], validPolicies };
    const nonAnchors = candidate.anchored ? candidate.certs.length - 1 : candidate.certs.length;
    if (candidate.anchored && problems.length === 0 && checkRevocations) {
      for (let d = 0; d < nonAnchors; d++) {
        const outcome = await checkRevocation(candidate.certs[d]!, candidate.certs[d + 1]!, d, ctx);
        evaluated.revocation.push(outcome.entry);
        const subject = candidate.certs[d]!.subject;
        evaluated.problems.push(...outcome.problems.map((p) => ({ code: p.code, certificate: subject, depth: d, message: p.message })));
      }
    } else {
      for (let d = 0; d < nonAnchors; d++) evaluated.revocation.push({ depth: d, status: 'not-checked', ...(checkRevocations ? {} : { note: 'revocation not checked at the caller\'s request' }) });
    }
    if (better(evaluated, best)) best = evaluated;
    if (candidate.anchored && evaluated.problems.length === 0) break;
  }
  const chosen = best!;
  const problems = chosen.problems;
  if (anchors.length === 0 && !chosen.candidate.anchored && !problems.some((p) => p.code === 'CHAIN_UNTRUSTED')) {
    problems.push({ code: 'CHAIN_UNTRUSTED', certificate: leaf.subject, depth: 0, message: 'no trust anchor was given' });
  }
  const code = primaryCode(problems);
  const verdict: ChainVerdict = {
    ok: problems.length === 0,
    problems,
    path: chosen.candidate.certs,
    revocation: chosen.revocation,
    checkedAt: at,
    past: options.past !== undefined,
    validPolicies: chosen.validPolicies,
  };
  if (code !== undefined) verdict.code = code;
  return verdict;
}

/**
 * Builds and validates a certification path from `leaf` to one of `options.trustAnchors`
 * (RFC 5280 §6.1), checks the leaf's purpose, and the revocation status of every non-anchor
 * certificate (§6.3) from the given CRLs and OCSP responses and, with `online`, from OCSP
 * responders and CRL distribution points.
 *
 * Never throws for a negative outcome: the verdict carries `ok`, the primary `code` and every
 * problem found on the reported path. Codes: CHAIN_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID,
 * CERT_SIGNATURE_INVALID, UNSUPPORTED_ALGORITHM, WEAK_ALGORITHM, WEAK_KEY, NOT_A_CA,
 * PATH_LENGTH_EXCEEDED, CA_KEY_USAGE_MISSING, NAME_CONSTRAINTS_VIOLATED, POLICY_CONSTRAINTS_FAILED,
 * KEY_USAGE_MISMATCH, EKU_MISMATCH, UNKNOWN_CRITICAL_EXTENSION, CERT_REVOKED, CRL_INVALID,
 * CRL_EXPIRED, OCSP_INVALID, REVOCATION_UNKNOWN, REVOCATION_UNAVAILABLE.
 *
 * Purpose rules (keyUsage/extendedKeyUsage are only enforced when the extension is present, as in
 * RFC 5280 and OpenSSL): `sign` digitalSignature or nonRepudiation, EKU emailProtection,
 * documentSigning (RFC 9336) or Microsoft document signing; `encrypt` keyEncipherment,
 * keyAgreement or dataEncipherment, EKU emailProtection; `tsa` EKU exactly timeStamping and
 * critical, KU only digitalSignature/nonRepudiation; `tls` KU digitalSignature, EKU clientAuth;
 * `ocsp` EKU OCSPSigning; `crl` KU cRLSign. anyExtendedKeyUsage satisfies sign/encrypt/tls.
 */
export async function verifyCertificateChain(leaf: X509Cert, options: VerifyChainOptions): Promise<ChainVerdict> {
  return verifyInternal(leaf, options, new Set(), 0);
}
