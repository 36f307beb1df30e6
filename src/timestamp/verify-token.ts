/**
 * Strict verification of RFC 3161 time-stamp tokens and responses.
 *
 * - RFC 3161 §2.4.2: a TimeStampResp carries a PKIStatusInfo and, when the status is granted (0)
 *   or grantedWithMods (1), a TimeStampToken: a CMS SignedData (RFC 5652 §5) whose eContent is a
 *   DER TSTInfo, signed by the TSA alone (one SignerInfo).
 * - RFC 3161 §2.4.1 / RFC 5816 §2.2.1: the TSA's certificate is bound by an ESS
 *   signing-certificate (ESSCertID, SHA-1, RFC 2634 §5.4) or signing-certificate-v2 (ESSCertIDv2,
 *   RFC 5035 §5.4) signed attribute; the `tsa` field, when present, names that certificate.
 * - RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, id-kp-timeStamping,
 *   and the extension is critical.
 * - ETSI EN 319 122-1 §5.3: a CAdES-T signature time-stamp is such a token over a SignerInfo's
 *   signature value (see `cades-t.ts`); it is verified here like any other.
 *
 * Stricter than common libraries: every check reports its own stable code, the chain is
 * validated at genTime with revocation, and certificates that arrive inside the token are only
 * ever path-building intermediates — never trust anchors. A response that tries to carry its own
 * root (a self-signed CA certificate through which alone the TSA chains) is reported as
 * TSA_INJECTED_CA rather than as a plain CHAIN_UNTRUSTED.
 *
 * Negative outcomes are verdicts; only input that is not a well-formed TimeStampResp /
 * TimeStampToken throws (MALFORMED_ASN1).
 */
import * as crypto from 'node:crypto';
import { ScelleError, type ErrorCode } from '../errors.js';
import { parseBer } from '../crypto/asn1/ber.js';
import { CMS_OID } from '../crypto/cms/oids.js';
import {
  DIGESTS,
  checkSigningCertificate,
  effectiveSignatureAlgorithm,
  findSigner,
  sidText,
  type ParsedSignerInfo,
} from '../crypto/cms/verify.js';
import { bytesEqual, toHex } from '../crypto/asn1/asn1js-util.js';
import { OID, X509Cert, namesMatch } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import { checkSignature, type SignatureCheck } from '../crypto/x509/signature.js';
import { verifyCertificateChain, type ChainVerdict } from '../crypto/x509/verify-chain.js';
import {
  PKI_STATUS,
  isTspHash,
  normalizeUnsigned,
  parseTimeStampResp,
  parseTimeStampToken,
  type TimeStampToken,
  type TokenSignerInfo,
  type TspHash,
  type TstInfo,
} from './tsp.js';

/** Hash algorithms scelle accepts for a message imprint (SHA-1 and MD5 are refused); the TSP module's {@link TspHash}. */
export type TimestampHash = TspHash;

/** What the token must be about: the hash algorithm and the hash of the time-stamped data. */
export interface TimestampExpectation {
  hash: TimestampHash;
  /** The hashed message: the digest of the data (RFC 3161 §2.4.1 MessageImprint.hashedMessage). */
  imprint: Uint8Array;
}

/** Options of {@link verifyTimestampToken} and {@link verifyTimestampResponse}. */
export interface VerifyTimestampOptions {
  /** Trusted roots the TSA certificate must chain to. Certificates carried by the token never are. */
  trustAnchors: X509Cert[];
  /** CRLs for the revocation of the TSA certificate and its CAs (offline). */
  crls?: Crl[];
  /** Fetch CRLs / ask OCSP responders named in the certificates. */
  online?: boolean;
  /** HTTP client for `online`. */
  fetcher?: Fetcher;
  /** The data the token must cover (see {@link hashForTimestamp} and {@link imprintFromDigest}). */
  expected: TimestampExpectation;
  /** The nonce sent in the request (big-endian magnitude bytes, or an integer); it must be echoed. */
  nonce?: Uint8Array | bigint;
  /** The policy OID requested; the token must carry exactly this one. */
  policy?: string;
  /**
   * Certificates known out of band (the TSA's, when the request did not ask for it with certReq).
   * Used to find the TSA certificate and as intermediates, never as trust anchors.
   */
  extraCertificates?: X509Cert[];
  /** Current time, for the "genTime in the future" check and key-compromise revocations. Default: now. */
  clock?: () => Date;
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
  /** True when every check passed. */
  ok: boolean;
  /** The first problem's code when not ok. */
  code?: ErrorCode;
  /** Every problem, in the order checked (status, imprint, nonce, policy, TSA certificate, EKU, ESS, CMS signature, chain). */
  problems: TimestampProblem[];
  /** PKIStatus (RFC 3161 §2.4.2): 0 granted, 1 grantedWithMods, 2 rejection, …; 0 for a bare token. */
  status: number;
  /** PKIStatusInfo statusString, joined, when present. */
  statusText?: string;
  /** PKIStatusInfo failInfo bit names (`badAlg`, `unacceptedPolicy`, …), when present. */
  failInfo?: string[];
  /** When the TSA says the data existed (TSTInfo genTime). */
  genTime?: Date;
  /** TSTInfo serialNumber, lowercase hex. */
  serialNumber?: string;
  /** TSTInfo policy OID. */
  policy?: string;
  accuracy?: TimestampAccuracy;
  ordering?: boolean;
  /** TSTInfo nonce, lowercase hex, when present. */
  nonce?: string;
  /** The message imprint the token covers: hash name (`sha256`, or `sha1`/an OID for others) and value. */
  imprint?: { hash: string; value: Uint8Array };
  /** The TSTInfo `tsa` field, rendered (a directory name as RFC 4514), when present. */
  tsaName?: string;
  /** The TSA certificate the SignerInfo names, when found. */
  tsa?: { subject: string; certificate: X509Cert };
  /** Path validation of the TSA certificate at genTime. */
  chain?: ChainVerdict;
  /** The TimeStampToken ContentInfo DER (for a response: the token inside it). */
  token?: Uint8Array;
}

const STATUS_NAMES = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** Digest length and display name of each accepted imprint hash. */
const IMPRINT_HASH: Readonly<Record<TimestampHash, { length: number; name: string }>> = {
  sha256: { length: 32, name: 'SHA-256' },
  sha384: { length: 48, name: 'SHA-384' },
  sha512: { length: 64, name: 'SHA-512' },
};

/** How far in the future a genTime may be before it is refused (clock skew between TSA and verifier). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

const malformed = (message: string, cause?: unknown): ScelleError =>
  new ScelleError('MALFORMED_ASN1', message, cause === undefined ? {} : { cause });

// ------------------------------------------------------------------------------- expectations

/**
 * Hashes the data to time-stamp or to check a token against, streaming it through native hashing.
 * @param source - the bytes, or chunks of them (a file's {@link readFileChunks}).
 * @throws ScelleError UNSUPPORTED_ALGORITHM for a hash other than SHA-256/384/512; IO_ERROR when
 *   the source fails.
 */
export async function hashForTimestamp(
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  hash: TimestampHash = 'sha256',
): Promise<TimestampExpectation> {
  checkHash(hash);
  const h = crypto.createHash(hash);
  if (source instanceof Uint8Array) {
    h.update(source);
  } else {
    try {
      for await (const chunk of source as AsyncIterable<Uint8Array>) h.update(chunk);
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('IO_ERROR', `reading the data to time-stamp failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return { hash, imprint: new Uint8Array(h.digest()) };
}

/**
 * An expectation from a digest computed elsewhere (`openssl ts -query -digest` style).
 * @param digest - the raw digest, or its hexadecimal form (colons and spaces allowed).
 * @throws ScelleError UNSUPPORTED_ALGORITHM for another hash; USAGE when the digest is not hex or
 *   not the hash's length.
 */
export function imprintFromDigest(hash: TimestampHash, digest: Uint8Array | string): TimestampExpectation {
  const info = checkHash(hash);
  let bytes: Uint8Array;
  if (typeof digest === 'string') {
    const hex = digest.replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new ScelleError('USAGE', `the ${info.name} digest "${digest}" is not hexadecimal`);
    bytes = new Uint8Array(Buffer.from(hex, 'hex'));
  } else {
    bytes = digest.slice();
  }
  if (bytes.length !== info.length) {
    throw new ScelleError('USAGE', `a ${info.name} digest has ${info.length} bytes, not ${bytes.length}`);
  }
  return { hash, imprint: bytes };
}

function checkHash(hash: string): { length: number; name: string } {
  const info = (IMPRINT_HASH as Record<string, { length: number; name: string }>)[hash];
  if (info === undefined) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `the time-stamp imprint hash must be sha256, sha384 or sha512, not "${hash}"`);
  }
  return info;
}

/**
 * The imprint hash of a TimeStampResp's token, so that the data can be hashed the same way before
 * {@link verifyTimestampResponse}; undefined when there is no token or its hash is not SHA-2.
 * @throws ScelleError MALFORMED_ASN1 (not a TimeStampResp).
 */
export function imprintHashOfResponse(respDer: Uint8Array): TimestampHash | undefined {
  const h = parseTimeStampResp(respDer).tstInfo?.hash;
  return h !== undefined && isTspHash(h) ? h : undefined;
}

/**
 * The imprint hash of a TimeStampToken (see {@link imprintHashOfResponse}).
 * @throws ScelleError MALFORMED_ASN1 (not a TimeStampToken), TIMESTAMP_INVALID (no TSTInfo).
 */
export function imprintHashOfToken(tokenDer: Uint8Array): TimestampHash | undefined {
  const h = parseTimeStampToken(tokenDer).tstInfo.hash;
  return isTspHash(h) ? h : undefined;
}

// ------------------------------------------------------------------------------- verification

/**
 * Verifies a TimeStampResp (a `.tsr`, as `openssl ts -reply` writes it): its status, then the
 * token as {@link verifyTimestampToken} does.
 *
 * Never throws for a negative outcome. Codes: TIMESTAMP_REJECTED (status other than granted or
 * grantedWithMods; the message names the status, statusString and failInfo), and every code of
 * {@link verifyTimestampToken}.
 * @throws ScelleError MALFORMED_ASN1 (not a well-formed response or token; a granted status
 *   without a token or a refusal with one, RFC 3161 §2.4.2), TIMESTAMP_INVALID (the token's
 *   SignedData does not hold a TSTInfo).
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
    const problem: TimestampProblem = {
      code: 'TIMESTAMP_REJECTED',
      message: `the TSA refused the request: status ${resp.status} (${name})${details.length === 0 ? '' : `, ${details.join(', ')}`}`,
    };
    return extras({ ok: false, code: problem.code, problems: [problem], status: resp.status });
  }
  return extras(await verifyTimestampToken(resp.token, options));
}

/**
 * Verifies a bare TimeStampToken (a ContentInfo, as inside a CAdES-T signature or written by
 * `openssl ts -reply -token_out`).
 *
 * Checks, each failure its own code, all reported:
 * - the message imprint is `options.expected` (hash algorithm and value) — TIMESTAMP_IMPRINT_MISMATCH;
 * - the nonce sent is echoed — TIMESTAMP_NONCE_MISMATCH; the policy requested is the one used —
 *   TIMESTAMP_POLICY_MISMATCH;
 * - the TSA certificate named by the SignerInfo sid is found (in the token or
 *   `extraCertificates`), the `tsa` field names it, and an ESS signing-certificate(-v2) attribute
 *   binds it (certHash, and issuerSerial when present) — TSA_CERT_MISMATCH;
 * - it has the timeStamping extended key usage — TSA_EKU_MISSING — in a critical extension —
 *   TSA_EKU_NOT_CRITICAL;
 * - one SignerInfo, content-type id-ct-TSTInfo, message-digest of the TSTInfo, a valid
 *   signature, a genTime not in the future — TIMESTAMP_INVALID (UNSUPPORTED_ALGORITHM for an
 *   unknown digest, WEAK_ALGORITHM for MD5/SHA-1);
 * - the chain at genTime, with revocation: the chain's codes (CHAIN_UNTRUSTED, CERT_EXPIRED,
 *   CERT_REVOKED, …), or TSA_INJECTED_CA when the TSA chains only through a self-signed
 *   certificate that the token itself carries. A TSA certificate revoked for keyCompromise after
 *   genTime (as of `clock()`) is also CERT_REVOKED (RFC 3161 §4: its tokens can no longer be relied on).
 *
 * @throws ScelleError MALFORMED_ASN1 (not a well-formed time-stamp token), TIMESTAMP_INVALID (a
 *   SignedData that does not hold a TSTInfo).
 */
export async function verifyTimestampToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampVerdict> {
  return verifyParsedToken(parseTimeStampToken(tokenDer), options);
}

async function verifyParsedToken(token: TimeStampToken, options: VerifyTimestampOptions): Promise<TimestampVerdict> {
  const problems: TimestampProblem[] = [];
  const add = (code: ErrorCode, message: string): void => {
    problems.push({ code, message });
  };
  const tst = token.tstInfo;
  const clock = options.clock ?? ((): Date => new Date());
  const hashName = (h: string): string => (isTspHash(h) ? IMPRINT_HASH[h].name : h.toUpperCase());

  // Message imprint (RFC 3161 §2.4.2: hash algorithm and value "MUST be the same").
  const expectedHash = checkHash(options.expected.hash);
  if (tst.hash !== options.expected.hash) {
    add('TIMESTAMP_IMPRINT_MISMATCH', `the time-stamp is over a ${hashName(tst.hash)} hash, not the ${expectedHash.name} expected`);
  } else if (!bytesEqual(tst.imprint, options.expected.imprint)) {
    add('TIMESTAMP_IMPRINT_MISMATCH', `the time-stamp covers other data: its ${expectedHash.name} message imprint ${toHex(tst.imprint)} is not ${toHex(options.expected.imprint)}`);
  }

  // Nonce (RFC 3161 §2.4.2: "MUST be … the same value").
  if (options.nonce !== undefined) {
    const sent = normalizeUnsigned(typeof options.nonce === 'bigint' ? bigintBytes(options.nonce) : options.nonce);
    if (tst.nonce === undefined) add('TIMESTAMP_NONCE_MISMATCH', `the request had nonce ${toHex(sent)} but the time-stamp carries none: it may be a replayed answer`);
    else if (!bytesEqual(tst.nonce, sent)) add('TIMESTAMP_NONCE_MISMATCH', `the time-stamp's nonce ${toHex(tst.nonce)} is not the request's ${toHex(sent)}: it answers another request`);
  }

  // Policy.
  if (options.policy !== undefined && tst.policy !== options.policy) {
    add('TIMESTAMP_POLICY_MISMATCH', `the time-stamp was issued under policy ${tst.policy}, not the ${options.policy} requested`);
  }

  const now = clock();
  if (tst.genTime.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    add('TIMESTAMP_INVALID', `the time-stamp's genTime ${tst.genTime.toISOString()} is in the future (now ${now.toISOString()})`);
  }

  // The one SignerInfo (RFC 3161 §2.4.2: no signature other than the TSA's).
  if (token.signerInfos.length !== 1) {
    add('TIMESTAMP_INVALID', `the time-stamp token has ${token.signerInfos.length} SignerInfos; RFC 3161 §2.4.2 allows only the TSA's`);
  }
  const info = token.signerInfos[0];
  const carried = decodeCertificates(token.certificates);
  const extra = options.extraCertificates ?? [];
  let cert: X509Cert | undefined;
  let ekuReported = false;
  if (info !== undefined) {
    const sid = cmsSid(info);
    cert = findSigner(sid, [...carried, ...extra]);
    if (cert === undefined) {
      add('TSA_CERT_MISMATCH', `the TSA certificate (${sidText(sid)}) is neither in the time-stamp token nor among the certificates given`);
    } else {
      if (tst.tsaName !== undefined) {
        const why = tsaNameMismatch(tst, cert);
        if (why !== undefined) add('TSA_CERT_MISMATCH', why);
      }
      // RFC 3161 §2.3: EKU timeStamping, critical.
      const eku = cert.extendedKeyUsage;
      if (eku === undefined || !eku.includes(OID.timeStamping)) {
        ekuReported = true;
        add('TSA_EKU_MISSING', `the TSA certificate "${cert.subject}" has no timeStamping extended key usage (${(eku ?? []).join(', ') || 'no EKU extension'}): it is not a time-stamping unit (RFC 3161 §2.3)`);
      } else if (!cert.extendedKeyUsageCritical) {
        ekuReported = true;
        add('TSA_EKU_NOT_CRITICAL', `the TSA certificate "${cert.subject}" has the timeStamping extended key usage in a non-critical extension; RFC 3161 §2.3 requires it critical`);
      }
      checkEss(info, cert, add);
    }
    checkCms(info, tst.der, cert, add);
  }

  const verdict: TimestampVerdict = {
    ok: false,
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

  if (cert !== undefined) {
    verdict.tsa = { subject: cert.subject, certificate: cert };
    const chain = await checkChain(cert, tst.genTime, carried, options, now, ekuReported);
    verdict.chain = chain.verdict;
    problems.push(...chain.problems);
  }
  verdict.ok = problems.length === 0;
  if (problems[0] !== undefined) verdict.code = problems[0].code;
  return verdict;
}

function bigintBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new ScelleError('USAGE', 'a time-stamp nonce is a non-negative integer');
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Certificates carried by the token; an undecodable one cannot be the TSA's (TSA_CERT_MISMATCH says so). */
function decodeCertificates(ders: readonly Uint8Array[]): X509Cert[] {
  const out: X509Cert[] = [];
  for (const der of ders) {
    try {
      out.push(X509Cert.fromDer(der));
    } catch {
      // skipped
    }
  }
  return out;
}

/** The sid in the form the CMS verifier's certificate lookup takes. */
function cmsSid(info: TokenSignerInfo): ParsedSignerInfo['sid'] {
  return info.sid.kind === 'subjectKeyIdentifier'
    ? { kind: 'ski', ski: info.sid.keyIdentifier }
    : { kind: 'issuerSerial', issuer: info.sid.issuer, serialHex: info.sid.serialNumber.toUpperCase() }; // X509Cert's form
}

/**
 * ESS signing-certificate (v1, SHA-1 ESSCertID) or -v2 (ESSCertIDv2) binding the TSA certificate:
 * RFC 3161 §2.4.1, RFC 5816 §2.2.1, checked by the CMS verifier's own ESS check (RFC 5035 §5.4).
 */
function checkEss(info: TokenSignerInfo, cert: X509Cert, add: (code: ErrorCode, message: string) => void): void {
  const v2 = info.attributes.filter((a) => a.oid === CMS_OID.signingCertificateV2);
  const v1 = info.attributes.filter((a) => a.oid === CMS_OID.signingCertificate);
  if (v1.length === 0 && v2.length === 0) {
    add('TSA_CERT_MISMATCH', 'the time-stamp token has neither an ESS signing-certificate nor a signing-certificate-v2 attribute binding the TSA certificate (RFC 3161 §2.4.1, RFC 5816)');
    return;
  }
  for (const [list, v] of [[v2, 2], [v1, 1]] as const) {
    const value = list[0]?.values[0];
    if (value === undefined) continue;
    const name = v === 2 ? 'signing-certificate-v2' : 'signing-certificate';
    let why: string | undefined;
    try {
      why = checkSigningCertificate(parseBer(value, `${name} attribute`), v, cert);
    } catch (e) {
      why = `the ${name} attribute cannot be decoded (${(e as Error).message})`;
    }
    if (why !== undefined) add('TSA_CERT_MISMATCH', `time-stamp token: ${why.replace(/the signer certificate's/g, "the TSA certificate's").replace(/the signer's/g, "the TSA's")}`);
  }
}

/** content-type, message-digest over the TSTInfo DER, and the signature (RFC 5652 §5.3–§5.4, §11). */
function checkCms(info: TokenSignerInfo, tstInfoDer: Uint8Array, cert: X509Cert | undefined, add: (code: ErrorCode, message: string) => void): void {
  if (info.contentType === undefined) {
    add('TIMESTAMP_INVALID', "the time-stamp token's signed attributes lack a content-type (RFC 5652 §5.3)");
  } else if (info.contentType !== CMS_OID.tstInfo) {
    add('TIMESTAMP_INVALID', `the time-stamp token's content-type attribute is ${info.contentType}, not id-ct-TSTInfo (RFC 3161 §2.4.2)`);
  }
  const digest = DIGESTS[info.digestAlgorithmOid];
  if (digest === undefined) {
    add('UNSUPPORTED_ALGORITHM', `the time-stamp token is signed with an unsupported digest ${info.digestAlgorithmOid}`);
    return;
  }
  if (digest.weak) add('WEAK_ALGORITHM', `the time-stamp token is signed over a ${digest.name} digest, which is broken: another TSTInfo could carry the same signature`);
  if (info.messageDigest === undefined) {
    add('TIMESTAMP_INVALID', "the time-stamp token's signed attributes lack a message-digest (RFC 5652 §5.3)");
  } else if (!bytesEqual(info.messageDigest, new Uint8Array(crypto.createHash(digest.node).update(tstInfoDer).digest()))) {
    add('TIMESTAMP_INVALID', `the TSTInfo was modified after the TSA signed it (its ${digest.name} differs from the message-digest attribute)`);
  }
  if (cert === undefined) return;
  let check: SignatureCheck;
  try {
    const alg = effectiveSignatureAlgorithm({ oid: info.signatureAlgorithmOid, node: parseBer(info.signatureAlgorithmDer, 'signatureAlgorithm') }, digest);
    check = checkSignature(alg, info.signedAttrs, info.signature, cert.publicKey);
  } catch (e) {
    check = { valid: false, unsupported: true, detail: (e as Error).message };
  }
  if (!check.valid) {
    if (check.unsupported) add('UNSUPPORTED_ALGORITHM', `the time-stamp token's signature cannot be checked: ${check.detail}`);
    else add('TIMESTAMP_INVALID', `the time-stamp token's signature by "${cert.subject}" is not valid: ${check.detail}`);
  }
}

/** RFC 3161 §2.4.2: the `tsa` field "MUST correspond to one of the subject names included in the certificate". */
function tsaNameMismatch(tst: TstInfo, cert: X509Cert): string | undefined {
  if (tst.tsaNameDer !== undefined) {
    const der = tst.tsaNameDer;
    try {
      if (namesMatch(der, cert.subjectDer)) return undefined;
    } catch {
      // an undecodable name matches nothing
    }
    if (cert.subjectAltNames.some((s) => s.type === 'dirName' && s.value === tst.tsaName)) return undefined;
  }
  return `the TSTInfo names the TSA "${tst.tsaName}", which is not a name of the certificate that signed it ("${cert.subject}")`;
}

/** Chain at genTime, EKU duplicates dropped, injected roots named, later key compromise caught. */
async function checkChain(
  cert: X509Cert,
  genTime: Date,
  carried: X509Cert[],
  options: VerifyTimestampOptions,
  now: Date,
  ekuReported: boolean,
): Promise<{ verdict: ChainVerdict; problems: TimestampProblem[] }> {
  const common = {
    trustAnchors: options.trustAnchors,
    // Carried certificates only ever help build the path: verifyCertificateChain never trusts an intermediate.
    intermediates: [...carried, ...(options.extraCertificates ?? [])],
    purpose: 'tsa' as const,
    ...(options.crls !== undefined ? { crls: options.crls } : {}),
    ...(options.online !== undefined ? { online: options.online } : {}),
    ...(options.fetcher !== undefined ? { fetcher: options.fetcher } : {}),
  };
  const verdict = await verifyCertificateChain(cert, { ...common, at: genTime });
  const problems: TimestampProblem[] = [];
  const top = verdict.path[verdict.path.length - 1];
  const injected = top !== undefined && top.isSelfIssued() && carried.some((c) => c.equals(top)) && !options.trustAnchors.some((a) => a.equals(top));
  // The chain's primary code first.
  const ordered = [...verdict.problems].sort((a, b) => Number(b.code === verdict.code) - Number(a.code === verdict.code));
  for (const p of ordered) {
    // The EKU was already judged with its own code (TSA_EKU_MISSING / TSA_EKU_NOT_CRITICAL).
    if (ekuReported && p.code === 'EKU_MISMATCH' && p.depth === 0) continue;
    if (p.code === 'CHAIN_UNTRUSTED' && injected) {
      problems.push({
        code: 'TSA_INJECTED_CA',
        message: `the TSA certificate chains only to "${top.subject}", a self-signed certificate carried inside the time-stamp and not among the trust anchors: a time-stamp cannot bring its own root`,
      });
      continue;
    }
    const when = p.message.includes('checked at') ? '' : ` (checked at genTime ${genTime.toISOString()})`;
    problems.push({ code: p.code, message: `TSA certificate chain: ${p.message}${when}` });
  }
  if (problems.length === 0 && verdict.ok && now.getTime() > genTime.getTime()) {
    // RFC 3161 §4 (1): once the TSA key is compromised, none of its tokens can be relied on,
    // whatever their genTime. Revocation as of now, for reason keyCompromise only.
    const later = await verifyCertificateChain(cert, { ...common, at: now });
    const leaf = later.revocation.find((r) => r.depth === 0);
    if (leaf?.status === 'revoked' && leaf.reason === 'keyCompromise' && leaf.revokedAt !== undefined) {
      problems.push({
        code: 'CERT_REVOKED',
        message: `the TSA certificate "${cert.subject}" was revoked for keyCompromise on ${leaf.revokedAt.toISOString()}, after this time-stamp's genTime ${genTime.toISOString()}: time-stamps by a compromised key prove nothing (RFC 3161 §4)`,
      });
    }
  }
  return { verdict, problems };
}
