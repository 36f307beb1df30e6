/**
 * Validation of RFC 3161 time-stamp tokens and responses by the validation engine.
 *
 * - RFC 3161 §2.4.2: a TimeStampResp carries a PKIStatusInfo and, when granted, a TimeStampToken: a
 *   CMS SignedData whose eContent is a DER TSTInfo, signed by the TSA alone (one SignerInfo),
 *   checked by the shared SignerInfo checks (`crypto/cms/signer-check.ts`).
 * - RFC 3161 §2.4.1 / RFC 5816 §2.2.1: the TSA certificate is bound by an ESS signing-certificate(-v2)
 *   attribute; the `tsa` field, when present, names that certificate. §2.3: its only extended key
 *   usage is id-kp-timeStamping, in a critical extension.
 * - ETSI EN 319 102-1 §5.4 (validation of time-stamps): the TSA's certificate path is validated at
 *   the validation time, like any signer's, with revocation. A token whose TSA certificate has
 *   since expired or been revoked proves nothing by itself: it needs its own proof of existence (an
 *   archive time-stamp, an evidence record) — passed here as `poe` — and is INDETERMINATE without.
 *   This replaces RFC 3161's "check the TSA at genTime", which would let a leaked old TSA key date
 *   anything.
 *
 * Certificates carried by a token only ever help build the path; a token that brings its own root
 * is reported as TSA_INJECTED_CA.
 */
import * as crypto from 'node:crypto';
import { ScelleError, type ErrorCode } from '../errors.js';
import { bytesEqual, toHex } from '../crypto/asn1/asn1js-util.js';
import { checkSignerInfo, essMismatch } from '../crypto/cms/signer-check.js';
import { DIGESTS, findSigner, sidText, singleAttribute } from '../crypto/cms/signed-data.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import type { ChainVerdict, PolicySettings } from '../crypto/x509/verify-chain.js';
import { namesMatch } from '../crypto/x509/names.js';
import { OID } from '../crypto/x509/oids.js';
import { IMPRINT_HASH, checkHash, type TimestampExpectation } from '../timestamp/imprint.js';
import { PKI_STATUS, isTspHash, normalizeUnsigned, parseTimeStampResp, parseTimeStampToken, type TimeStampToken, type TstInfo } from '../timestamp/tsp.js';
import { validateCertificate, type CertificateValidation, type Poe, type ValidationContext } from './context.js';
import { PASSED, type Conclusion, type Indication, type SubIndication } from './indication.js';

/** Options of {@link verifyTimestampToken} and {@link verifyTimestampResponse}. */
export interface VerifyTimestampOptions {
  /** Trusted roots the TSA certificate must chain to. Certificates carried by the token never are. */
  trustAnchors: X509Cert[];
  /** CRLs for the revocation of the TSA certificate and its CAs. */
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  /** HTTP client for `online`. */
  fetcher?: Fetcher;
  /** The data the token must cover (see `hashForTimestamp` and `imprintFromDigest`). */
  expected: TimestampExpectation;
  /** The nonce sent in the request (big-endian magnitude bytes, or an integer); it must be echoed. */
  nonce?: Uint8Array | bigint;
  /** The policy OID requested; the token must carry exactly this one. */
  policy?: string;
  /** Certificates known out of band (the TSA's, when the request did not ask for it). Never anchors. */
  extraCertificates?: X509Cert[];
  /** The validation time. Default: now. */
  at?: Date;
  /** The current time (a genTime after it is refused). Default: now. */
  clock?: () => Date;
  /** `require` (default) or `skip` (the TSA certificate's revocation is then not checked, and said so). */
  revocation?: 'require' | 'skip';
  /** RFC 5280 policy inputs for the TSA certificate path. */
  certificatePolicy?: PolicySettings;
}

/** One problem found with a time-stamp. */
export interface TimestampProblem {
  code: ErrorCode;
  /** English, specific. */
  message: string;
}

/** TSTInfo accuracy (RFC 3161 §2.4.2), each part 0 when absent. */
export interface TimestampAccuracy {
  seconds: number;
  millis: number;
  micros: number;
}

/** The verdict on one time-stamp token or response. */
export interface TimestampVerdict {
  /** True when every check passed (indication TOTAL-PASSED). */
  ok: boolean;
  /** The primary problem's code when not ok. */
  code?: ErrorCode;
  indication: Indication;
  subIndication?: SubIndication;
  /** Every problem, in the order checked. */
  problems: TimestampProblem[];
  /** PKIStatus (RFC 3161 §2.4.2); 0 for a bare token. */
  status: number;
  statusText?: string;
  failInfo?: string[];
  /** When the TSA says the data existed (TSTInfo genTime). */
  genTime?: Date;
  /** TSTInfo serialNumber, lowercase hex (a leading `-` when negative). */
  serialNumber?: string;
  policy?: string;
  accuracy?: TimestampAccuracy;
  ordering?: boolean;
  nonce?: string;
  imprint?: { hash: string; value: Uint8Array };
  tsaName?: string;
  /** The TSA certificate the SignerInfo names, when found. */
  tsa?: { subject: string; certificate: X509Cert };
  /** The TSA certificate path at the validation time. */
  chain?: ChainVerdict;
  /** The TSA certificate path at the token's own proof of existence, when one was used. */
  pastChain?: ChainVerdict;
  /** The proof of existence of the token itself that was used (an archive time-stamp…). */
  poe?: Poe;
  /** The TimeStampToken ContentInfo DER. */
  token?: Uint8Array;
}

const STATUS_NAMES = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];
/** How far in the future a genTime may be (clock skew between TSA and verifier). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** The validation context of a stand-alone token or response. */
export function timestampContext(options: VerifyTimestampOptions): ValidationContext {
  const now = options.clock?.() ?? new Date();
  return {
    trustAnchors: options.trustAnchors,
    certificates: options.extraCertificates ?? [],
    crls: options.crls ?? [],
    ocspResponses: [],
    online: options.online === true,
    ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
    validationTime: options.at ?? now,
    now,
    revocation: options.revocation ?? 'require',
    ...(options.certificatePolicy !== undefined ? { policy: options.certificatePolicy } : {}),
  };
}

/**
 * Verifies a TimeStampResp (a `.tsr`, as `openssl ts -reply` writes it): its status, then the token
 * as {@link verifyTimestampToken} does. Never throws for a negative outcome: TIMESTAMP_REJECTED
 * for a refusal, and every code of {@link verifyTimestampToken}.
 * @throws ScelleError MALFORMED_ASN1 (not a well-formed response; a granted status without a token
 *   or a refusal with one, RFC 3161 §2.4.2), TIMESTAMP_INVALID (the token holds no TSTInfo).
 */
export async function verifyTimestampResponse(respDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampVerdict> {
  const resp = parseTimeStampResp(respDer);
  const granted = resp.status === PKI_STATUS.granted || resp.status === PKI_STATUS.grantedWithMods;
  if (granted && resp.token === undefined) throw malformed(`time-stamp response: status ${STATUS_NAMES[resp.status]} without a time-stamp token (RFC 3161 §2.4.2)`);
  if (!granted && resp.token !== undefined) throw malformed(`time-stamp response: status ${resp.status} with a time-stamp token, which RFC 3161 §2.4.2 forbids`);
  const extras = (v: TimestampVerdict): TimestampVerdict => {
    v.status = resp.status;
    if (resp.statusStrings.length > 0) v.statusText = resp.statusStrings.join('; ');
    if (resp.failInfo.length > 0) v.failInfo = resp.failInfo;
    return v;
  };
  if (resp.token === undefined) {
    const name = STATUS_NAMES[resp.status] ?? 'unknown';
    const details = [
      resp.statusStrings.length > 0 ? `"${resp.statusStrings.join('; ')}"` : undefined,
      resp.failInfo.length > 0 ? `failInfo ${resp.failInfo.join(', ')}` : undefined,
    ].filter((x) => x !== undefined);
    const problem: TimestampProblem = { code: 'TIMESTAMP_REJECTED', message: `the TSA refused the request: status ${resp.status} (${name})${details.length === 0 ? '' : `, ${details.join(', ')}`}` };
    return extras({ ok: false, code: problem.code, indication: 'TOTAL-FAILED', subIndication: 'FORMAT_FAILURE', problems: [problem], status: resp.status });
  }
  return extras(await verifyTimestampToken(resp.token, options));
}

/**
 * Verifies a bare TimeStampToken (a ContentInfo, as inside a CAdES-T signature or written by
 * `openssl ts -reply -token_out`). Checks, each failure its own code, all reported:
 * the message imprint (TIMESTAMP_IMPRINT_MISMATCH), the nonce (TIMESTAMP_NONCE_MISMATCH), the policy
 * (TIMESTAMP_POLICY_MISMATCH), the TSA certificate named, bound by ESS and named by `tsa`
 * (TSA_CERT_MISMATCH), its critical timeStamping EKU (TSA_EKU_MISSING, TSA_EKU_NOT_CRITICAL), one
 * SignerInfo with content-type TSTInfo, message-digest and signature (TIMESTAMP_INVALID,
 * UNSUPPORTED_ALGORITHM, WEAK_ALGORITHM), a genTime not in the future (TIMESTAMP_INVALID), and the
 * TSA certificate path at the validation time with revocation (the chain's codes, or
 * TSA_INJECTED_CA).
 * @throws ScelleError MALFORMED_ASN1 (not a well-formed token), TIMESTAMP_INVALID (no TSTInfo).
 */
export async function verifyTimestampToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampVerdict> {
  return validateTimestamp(parseTimeStampToken(tokenDer), timestampContext(options), {
    expected: options.expected,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
  });
}

/** What a token must match, and the proof of its own existence when an outer time-stamp gives one. */
export interface TimestampChecks {
  expected: TimestampExpectation;
  nonce?: Uint8Array | bigint;
  policy?: string;
  poe?: Poe;
}

function bigintBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new ScelleError('USAGE', 'a time-stamp nonce is a non-negative integer');
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function decodeCertificates(ders: readonly Uint8Array[]): X509Cert[] {
  const out: X509Cert[] = [];
  for (const der of ders) {
    try {
      out.push(X509Cert.fromDer(der));
    } catch {
      // an undecodable one cannot be the TSA's (TSA_CERT_MISMATCH says so)
    }
  }
  return out;
}

/** RFC 3161 §2.4.2: the `tsa` field "MUST correspond to one of the subject names included in the certificate". */
function tsaNameMismatch(tst: TstInfo, cert: X509Cert): string | undefined {
  if (tst.tsaNameDer !== undefined) {
    try {
      if (namesMatch(tst.tsaNameDer, cert.subjectDer)) return undefined;
    } catch {
      // an undecodable name matches nothing
    }
    if (cert.subjectAltNames.some((s) => s.type === 'dirName' && s.value === tst.tsaName)) return undefined;
  }
  return `the TSTInfo names the TSA "${tst.tsaName}", which is not a name of the certificate that signed it ("${cert.subject}")`;
}

/** The RFC 3161 checks that do not need the certificate path. */
function checkTokenContent(token: TimeStampToken, checks: TimestampChecks, ctx: ValidationContext, add: (code: ErrorCode, message: string) => void): void {
  const tst = token.tstInfo;
  const hashName = (h: string): string => (isTspHash(h) ? IMPRINT_HASH[h].name : h.toUpperCase());
  const expected = checkHash(checks.expected.hash);
  if (tst.hash !== checks.expected.hash) add('TIMESTAMP_IMPRINT_MISMATCH', `the time-stamp is over a ${hashName(tst.hash)} hash, not the ${expected.name} expected`);
  else if (!bytesEqual(tst.imprint, checks.expected.imprint)) {
    add('TIMESTAMP_IMPRINT_MISMATCH', `the time-stamp covers other data: its ${expected.name} message imprint ${toHex(tst.imprint)} is not ${toHex(checks.expected.imprint)}`);
  }
  if (checks.nonce !== undefined) {
    const sent = normalizeUnsigned(typeof checks.nonce === 'bigint' ? bigintBytes(checks.nonce) : checks.nonce);
    if (tst.nonce === undefined) add('TIMESTAMP_NONCE_MISMATCH', `the request had nonce ${toHex(sent)} but the time-stamp carries none: it may be a replayed answer`);
    else if (!bytesEqual(tst.nonce, sent)) add('TIMESTAMP_NONCE_MISMATCH', `the time-stamp's nonce ${toHex(tst.nonce)} is not the request's ${toHex(sent)}: it answers another request`);
  }
  if (checks.policy !== undefined && tst.policy !== checks.policy) add('TIMESTAMP_POLICY_MISMATCH', `the time-stamp was issued under policy ${tst.policy}, not the ${checks.policy} requested`);
  if (tst.genTime.getTime() > ctx.now.getTime() + MAX_FUTURE_SKEW_MS) add('TIMESTAMP_INVALID', `the time-stamp's genTime ${tst.genTime.toISOString()} is in the future (now ${ctx.now.toISOString()})`);
  else if (tst.genTime.getTime() > ctx.validationTime.getTime() + MAX_FUTURE_SKEW_MS) {
    add('TIMESTAMP_INVALID', `the time-stamp's genTime ${tst.genTime.toISOString()} is after the validation time ${ctx.validationTime.toISOString()}`);
  }
  if (token.signerInfos.length !== 1) add('TIMESTAMP_INVALID', `the time-stamp token has ${token.signerInfos.length} SignerInfos; RFC 3161 §2.4.2 allows only the TSA's`);
}

/** The TSA certificate: named by the sid, by `tsa`, bound by ESS, with a critical timeStamping EKU. */
function checkTsaCertificate(token: TimeStampToken, cert: X509Cert, add: (code: ErrorCode, message: string) => void): boolean {
  const tst = token.tstInfo;
  const info = token.signerInfos[0]!;
  if (tst.tsaName !== undefined) {
    const why = tsaNameMismatch(tst, cert);
    if (why !== undefined) add('TSA_CERT_MISMATCH', why);
  }
  let ekuReported = false;
  const eku = cert.extendedKeyUsage;
  if (eku === undefined || !eku.includes(OID.timeStamping)) {
    ekuReported = true;
    add('TSA_EKU_MISSING', `the TSA certificate "${cert.subject}" has no timeStamping extended key usage (${(eku ?? []).join(', ') || 'no EKU extension'}): it is not a time-stamping unit (RFC 3161 §2.3)`);
  } else if (!cert.extendedKeyUsageCritical) {
    ekuReported = true;
    add('TSA_EKU_NOT_CRITICAL', `the TSA certificate "${cert.subject}" has the timeStamping extended key usage in a non-critical extension; RFC 3161 §2.3 requires it critical`);
  }
  const v2 = singleAttribute(info.signedAttributes, CMS_OID.signingCertificateV2, 'signing-certificate-v2');
  const v1 = singleAttribute(info.signedAttributes, CMS_OID.signingCertificate, 'signing-certificate');
  if (v2.value === undefined && v1.value === undefined && v2.problem === undefined && v1.problem === undefined) {
    add('TSA_CERT_MISMATCH', 'the time-stamp token has neither an ESS signing-certificate nor a signing-certificate-v2 attribute binding the TSA certificate (RFC 3161 §2.4.1, RFC 5816)');
  }
  for (const [attr, v] of [[v2, 2], [v1, 1]] as const) {
    const name = v === 2 ? 'signing-certificate-v2' : 'signing-certificate';
    if (attr.problem !== undefined) add('TSA_CERT_MISMATCH', `time-stamp token: ${attr.problem}`);
    if (attr.value === undefined) continue;
    let why: string | undefined;
    try {
      why = essMismatch(attr.value, v, cert);
    } catch (e) {
      why = `the ${name} attribute cannot be decoded (${(e as Error).message})`;
    }
    if (why !== undefined) add('TSA_CERT_MISMATCH', `time-stamp token: ${why.replace(/the signer certificate's/g, "the TSA certificate's").replace(/the signer's/g, "the TSA's")}`);
  }
  return ekuReported;
}

/** RFC 3161 §4: revocation reasons that say the TSA key was not compromised. */
const NOT_A_COMPROMISE = new Set(['unspecified', 'affiliationChanged', 'superseded', 'cessationOfOperation']);

/**
 * RFC 3161 §4: "tokens generated before the revocation time will remain valid" when the TSA
 * certificate was revoked for a reason that is not a key compromise — the TSA's clock can then be
 * trusted for them, so the token's genTime is a proof of its own existence. Undefined otherwise
 * (a key compromise, an expiry, no later revocation, or a better proof already given).
 */
function ownTimePoe(v: CertificateValidation, genTime: Date, given: Poe | undefined): Poe | undefined {
  if (v.conclusion.indication === 'TOTAL-PASSED' || v.code !== 'CERT_REVOKED') return undefined;
  if (!v.problems.every((p) => p.code === 'CERT_REVOKED' && p.depth === 0)) return undefined;
  const entry = v.chain.revocation.find((r) => r.depth === 0 && r.status === 'revoked');
  if (entry?.revokedAt === undefined || !NOT_A_COMPROMISE.has(entry.reason ?? 'unspecified')) return undefined;
  if (entry.revokedAt.getTime() <= genTime.getTime()) return undefined;
  if (given !== undefined && given.time.getTime() <= genTime.getTime()) return undefined;
  return { time: genTime, origin: 'tsa-own-time' };
}

/**
 * Validates a parsed token in a validation context (the engine's entry for signature, archive and
 * document time-stamps). Never throws for a negative outcome.
 */
export async function validateTimestamp(token: TimeStampToken, ctx: ValidationContext, checks: TimestampChecks): Promise<TimestampVerdict> {
  const problems: TimestampProblem[] = [];
  const add = (code: ErrorCode, message: string): void => {
    problems.push({ code, message });
  };
  const tst = token.tstInfo;
  checkTokenContent(token, checks, ctx, add);

  const info = token.signerInfos[0];
  const carried = decodeCertificates(token.certificates);
  let cert: X509Cert | undefined;
  let ekuReported = false;
  let crypto_ = true;
  if (info !== undefined) {
    cert = findSigner(info.sid, [...carried, ...ctx.certificates]);
    if (cert === undefined) add('TSA_CERT_MISMATCH', `the TSA certificate (${sidText(info.sid)}) is neither in the time-stamp token nor among the certificates given`);
    else ekuReported = checkTsaCertificate(token, cert, add);
    const digest = DIGESTS[info.digestAlgorithm.oid];
    const digests = new Map<string, Uint8Array>();
    if (digest !== undefined) digests.set(info.digestAlgorithm.oid, new Uint8Array(crypto.createHash(digest.node).update(tst.der).digest()));
    const check = checkSignerInfo({ info, signer: cert, eContentType: CMS_OID.tstInfo, contentDigests: digests, detached: false, who: 'time-stamp token' });
    for (const p of check.problems) {
      const code: ErrorCode = p.code === 'CONTENT_TAMPERED' || p.code === 'SIGNATURE_INVALID' ? 'TIMESTAMP_INVALID' : p.code === 'SIGNING_CERT_MISMATCH' ? 'TSA_CERT_MISMATCH' : p.code;
      const message = p.code === 'CONTENT_TAMPERED' ? 'the TSTInfo was modified after the TSA signed it (its digest differs from the message-digest attribute)' : p.message;
      // ESS is judged by checkTsaCertificate with its TSA wording.
      if (p.code !== 'SIGNING_CERT_MISMATCH') add(code, message);
    }
    if (check.weakAlgorithms.length > 0) add('WEAK_ALGORITHM', `the time-stamp token is signed over a ${check.weakAlgorithms.join(', ')} digest, which is broken: another TSTInfo could carry the same signature`);
    crypto_ = check.problems.length === 0 && check.weakAlgorithms.length === 0;
  }

  const verdict: TimestampVerdict = {
    ok: false,
    indication: 'INDETERMINATE',
    problems,
    status: PKI_STATUS.granted,
    genTime: tst.genTime,
    serialNumber: tst.serialNumber,
    policy: tst.policy,
    ordering: tst.ordering,
    imprint: { hash: tst.hash, value: tst.imprint },
    token: token.der,
  };
  if (tst.accuracy !== undefined) verdict.accuracy = { seconds: tst.accuracy.seconds ?? 0, millis: tst.accuracy.millis ?? 0, micros: tst.accuracy.micros ?? 0 };
  if (tst.nonce !== undefined) verdict.nonce = Buffer.from(tst.nonce).toString('hex');
  if (tst.tsaName !== undefined) verdict.tsaName = tst.tsaName;

  let conclusion: Conclusion = problems.length > 0 || !crypto_ ? { indication: 'TOTAL-FAILED', subIndication: 'SIG_CRYPTO_FAILURE' } : PASSED;
  if (cert !== undefined) {
    verdict.tsa = { subject: cert.subject, certificate: cert };
    let v = await validateCertificate(cert, 'tsa', carried, ctx, checks.poe);
    const ownTime = ownTimePoe(v, tst.genTime, checks.poe);
    if (ownTime !== undefined) v = await validateCertificate(cert, 'tsa', carried, ctx, ownTime);
    verdict.chain = v.chain;
    if (v.pastChain !== undefined) verdict.pastChain = v.pastChain;
    if (v.poe !== undefined && v.conclusion.indication === 'TOTAL-PASSED') verdict.poe = v.poe;
    const top = v.chain.path[v.chain.path.length - 1];
    const injected = top !== undefined && top.isSelfIssued() && carried.some((c) => c.equals(top)) && !ctx.trustAnchors.some((a) => a.equals(top));
    const ordered = [...v.problems].sort((a, b) => Number(b.code === v.code) - Number(a.code === v.code));
    for (const p of ordered) {
      if (ekuReported && p.code === 'EKU_MISMATCH' && p.depth === 0) continue;
      if (p.code === 'CHAIN_UNTRUSTED' && injected) {
        add('TSA_INJECTED_CA', `the TSA certificate chains only to "${top.subject}", a self-signed certificate carried inside the time-stamp and not among the trust anchors: a time-stamp cannot bring its own root`);
        continue;
      }
      add(p.code, `TSA certificate chain: ${p.message}`);
    }
    if (conclusion.indication === 'TOTAL-PASSED' && v.conclusion.indication !== 'TOTAL-PASSED') conclusion = v.conclusion;
  } else if (conclusion.indication === 'TOTAL-PASSED' || problems.length > 0) {
    conclusion = { indication: 'INDETERMINATE', subIndication: 'NO_SIGNING_CERTIFICATE_FOUND' };
  }
  // Failures of the token's own content are decisive; chain problems alone leave it indeterminate.
  const contentFailure = problems.find((p) => !p.message.startsWith('TSA certificate chain:') && p.code !== 'TSA_INJECTED_CA');
  if (contentFailure !== undefined) {
    const sub: SubIndication = contentFailure.code === 'TIMESTAMP_IMPRINT_MISMATCH' ? 'HASH_FAILURE'
      : contentFailure.code === 'TSA_CERT_MISMATCH' ? 'NO_SIGNING_CERTIFICATE_FOUND'
        : contentFailure.code === 'TSA_EKU_MISSING' || contentFailure.code === 'TSA_EKU_NOT_CRITICAL' ? 'CHAIN_CONSTRAINTS_FAILURE'
          : contentFailure.code === 'UNSUPPORTED_ALGORITHM' ? 'FORMAT_FAILURE'
            : contentFailure.code === 'WEAK_ALGORITHM' ? 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'
              : 'SIG_CRYPTO_FAILURE';
    conclusion = { indication: sub === 'HASH_FAILURE' || sub === 'SIG_CRYPTO_FAILURE' ? 'TOTAL-FAILED' : 'INDETERMINATE', subIndication: sub };
  }
  verdict.indication = conclusion.indication;
  if (conclusion.subIndication !== undefined) verdict.subIndication = conclusion.subIndication;
  verdict.ok = conclusion.indication === 'TOTAL-PASSED' && problems.length === 0;
  if (!verdict.ok && verdict.indication === 'TOTAL-PASSED') [verdict.indication, verdict.subIndication] = ['INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE'];
  const first = contentFailure ?? problems[0];
  if (first !== undefined) verdict.code = first.code;
  return verdict;
}
