/**
 * Revocation status of one certificate of a path (RFC 5280 §6.3, RFC 6960), at a control time.
 *
 * CRL processing follows §6.3.3 for every distribution point of the certificate (or the default
 * one: "the CRL of the certificate's issuer"): issuer and scope of each complete CRL ((b): direct
 * or indirect with cRLIssuer, the issuing distribution point's names, onlyContainsUser/CACerts,
 * onlySomeReasons), the reasons mask ((d), (e), (l)), the CRL signer's own certification path to
 * the same trust anchors ((f): a CRL signed by another key of the CA — key rollover — or by a
 * separate CRL issuer), the signature ((g)), delta CRLs ((h), (i)), entries of indirect CRLs under
 * their certificateIssuer, removeFromCRL ((k)). The newest usable CRL is read first, so an old CRL
 * given beside a newer one never hides a revocation.
 *
 * Freshness depends on the control time:
 * - `current`: the revocation data is valid at the time (thisUpdate ≤ at ≤ nextUpdate);
 * - `past` (validation of the past, ETSI EN 319 102-1 §5.6.2.4): the data was issued at or after the
 *   control time (thisUpdate ≥ at) and before the validation time, so it reflects every revocation
 *   that happened up to the control time. A certificate revoked after the control time was good then.
 * A CRL issued after a certificate expired only vouches for it when it keeps expired certificates
 * (expiredCertsOnCRL at or before the certificate's notAfter); otherwise it can only say "revoked".
 *
 * Then OCSP responses given (embedded in a signature) and, when online, OCSP responders and CRL
 * distribution points over HTTP. When nothing establishes the status the entry is `unknown`, and
 * the caller's verdict cannot be valid (fail closed).
 */
import type { ErrorCode } from '../../errors.js';
import type { X509Cert } from './certificate.js';
import { Crl, crlName, parseCrls, verifyCrlSignature, type CrlReason } from './crl.js';
import { ALL_REASONS, type DistributionPoint, type DistributionPointName, type ReasonFlag } from './extensions.js';
import type { Fetcher } from './fetch.js';
import { appendRdnKey, decodeName, type DecodedName, type GeneralName } from './names.js';
import { buildOcspRequest, verifyOcspResponse } from './ocsp.js';

/** Revocation status of one certificate of the path. */
export interface RevocationEntry {
  depth: number;
  status: 'good' | 'revoked' | 'unknown' | 'not-checked';
  source?: 'crl' | 'ocsp';
  revokedAt?: Date;
  reason?: string;
  /** The CRL that decided (for reports). */
  crl?: { issuer: string; thisUpdate: Date; nextUpdate?: Date; number?: string; sha256: string; delta?: boolean };
  /** The OCSP response that decided. */
  ocsp?: { responder: string; thisUpdate: Date; nextUpdate?: Date };
  /** Why the status is `good` though a revocation exists (revoked after the control time), or why it was not checked. */
  note?: string;
}

/** One problem found checking revocation. */
export interface RevocationProblem {
  code: ErrorCode;
  message: string;
}

/** How {@link checkRevocation} checks one certificate. */
export interface RevocationContext {
  /** Complete and delta CRLs from every source (given, embedded, fetched). */
  crls: readonly Crl[];
  /** DER OCSP responses known beforehand (embedded in a signature). */
  ocspResponses: readonly Uint8Array[];
  online: boolean;
  fetcher: Fetcher;
  /** The control time. */
  at: Date;
  /** Validation of the past: data must be issued at or after `at` (and not after `now`). */
  past: boolean;
  /** The validation time ("now", or the caller's `at`): no revocation data from after it is used. */
  now: Date;
  /** Certificates that may sign CRLs (the CA's other keys, indirect CRL issuers). */
  pool: readonly X509Cert[];
  /**
   * Validates the certification path of a CRL signer that is not the certificate's issuer
   * (§6.3.3 (f)), at `time`, with the same trust anchors; `inProgress` are the CRLs being
   * checked by callers up the stack (their own signers are trusted to them, which ends cycles).
   */
  validateCrlSigner: (signer: X509Cert, time: Date, inProgress: ReadonlySet<Crl>) => Promise<boolean>;
  /** CRLs whose signer validation is already under way up the stack. */
  inProgress: ReadonlySet<Crl>;
}

const FETCH_TIMEOUT_MS = 10_000;
const iso = (d: Date): string => d.toISOString();
const httpUrl = (u: string): boolean => /^https?:\/\//i.test(u);

/** The default distribution point of a certificate without cRLDistributionPoints (§6.3.3). */
const DEFAULT_POINT: DistributionPoint = {};

/**
 * Full names of a distribution point name, as comparison strings (§6.3.3 (b)(2)(i)): a
 * nameRelativeToCRLIssuer is appended to `base` (the CRL issuer, §4.2.1.13) to make a directory name.
 */
function pointNames(name: DistributionPointName, base: DecodedName): string[] {
  if (name.kind === 'relative') return [`dn:${appendRdnKey(base, name.rdn)}`];
  return name.names.map(generalNameKey);
}

function generalNameKey(n: GeneralName): string {
  if (n.type === 'dirName') return `dn:${decodeName(n.der).key}`;
  if (n.type === 'uri' || n.type === 'dns' || n.type === 'email') return `${n.type}:${n.value.toLowerCase()}`;
  return `${n.type}:${n.value}`;
}

/** The CRL issuer names a distribution point designates: its cRLIssuer, else the certificate's issuer. */
function designatedIssuers(point: DistributionPoint, cert: X509Cert): string[] {
  if (point.crlIssuer === undefined) return [cert.issuerName.key];
  return point.crlIssuer.filter((n) => n.type === 'dirName').map((n) => (n.type === 'dirName' ? decodeName(n.der).key : ''));
}

/** §6.3.3 (b): does this complete CRL apply to `cert` through `point`? Returns why not, or undefined. */
function scopeMismatch(crl: Crl, cert: X509Cert, point: DistributionPoint): string | undefined {
  const idp = crl.issuingDistributionPoint;
  if (point.crlIssuer !== undefined) {
    if (!designatedIssuers(point, cert).includes(crl.issuerName.key)) return 'its issuer is not the cRLIssuer the certificate names';
    if (idp?.indirectCRL !== true) return 'the certificate names a separate CRL issuer but this CRL is not indirect';
  } else if (crl.issuerName.key !== cert.issuerName.key) {
    return 'it is not issued by the certificate issuer';
  }
  if (idp === undefined) return undefined;
  if (idp.name !== undefined) {
    const idpNames = pointNames(idp.name, crl.issuerName);
    let pointSide: string[];
    if (point.name !== undefined) {
      const dir = point.crlIssuer?.find((n) => n.type === 'dirName');
      pointSide = pointNames(point.name, dir !== undefined && dir.type === 'dirName' ? decodeName(dir.der) : cert.issuerName);
    } else if (point.crlIssuer !== undefined) {
      pointSide = point.crlIssuer.map(generalNameKey);
    } else {
      pointSide = [];
    }
    if (!idpNames.some((x) => pointSide.includes(x))) return 'its issuing distribution point is not one of the certificate\'s distribution points';
  }
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return 'it only covers end-entity certificates';
  if (idp.onlyContainsCACerts && !isCa) return 'it only covers CA certificates';
  if (idp.onlyContainsAttributeCerts) return 'it only covers attribute certificates';
  return undefined;
}

function interimReasons(crl: Crl, point: DistributionPoint): ReasonFlag[] {
  const idpReasons = crl.issuingDistributionPoint?.onlySomeReasons;
  const dpReasons = point.reasons;
  if (idpReasons !== undefined && dpReasons !== undefined) return idpReasons.filter((r) => dpReasons.includes(r));
  return idpReasons ?? dpReasons ?? [...ALL_REASONS];
}

/**
 * Why revocation data issued `thisUpdate`, valid until `nextUpdate`, cannot serve for the control
 * time (with the code that says so), or undefined when it can.
 */
function freshness(ctx: RevocationContext, thisUpdate: Date, nextUpdate: Date | undefined): RevocationProblem | undefined {
  const unusable = (message: string): RevocationProblem => ({ code: 'REVOCATION_UNAVAILABLE', message });
  if (thisUpdate.getTime() > ctx.now.getTime()) return unusable(`it was issued ${iso(thisUpdate)}, after the validation time ${iso(ctx.now)}`);
  if (ctx.past) {
    if (thisUpdate.getTime() < ctx.at.getTime()) return unusable(`it was issued ${iso(thisUpdate)}, before the time to check (${iso(ctx.at)}): it cannot show the status then`);
    return undefined;
  }
  if (thisUpdate.getTime() > ctx.at.getTime()) return unusable(`it was issued ${iso(thisUpdate)}, after ${iso(ctx.at)}: it was not known then`);
  if (nextUpdate !== undefined && nextUpdate.getTime() < ctx.at.getTime()) return { code: 'CRL_EXPIRED', message: `it expired: its nextUpdate ${iso(nextUpdate)} is before ${iso(ctx.at)}` };
  return undefined;
}

/** Can data issued at `thisUpdate` say a certificate expired before then is NOT revoked? (expiredCertsOnCRL) */
function vouchesForExpired(crl: Crl, cert: X509Cert): boolean {
  if (crl.thisUpdate.getTime() <= cert.notAfter.getTime()) return true;
  return crl.expiredCertsOnCRL !== undefined && crl.expiredCertsOnCRL.getTime() <= cert.notAfter.getTime();
}

function crlInfo(crl: Crl): NonNullable<RevocationEntry['crl']> {
  const out: NonNullable<RevocationEntry['crl']> = { issuer: crl.issuer, thisUpdate: crl.thisUpdate, sha256: crl.sha256 };
  if (crl.nextUpdate !== undefined) out.nextUpdate = crl.nextUpdate;
  if (crl.crlNumberHex !== undefined) out.number = crl.crlNumberHex;
  if (crl.isDelta) out.delta = true;
  return out;
}

/** Newest first: thisUpdate, then cRLNumber. */
function newestFirst(a: Crl, b: Crl): number {
  const t = b.thisUpdate.getTime() - a.thisUpdate.getTime();
  if (t !== 0) return t;
  return Number((b.crlNumber ?? 0n) - (a.crlNumber ?? 0n));
}

interface CrlOutcome {
  /** A decided status, or undefined when the CRLs do not cover every reason. */
  entry?: RevocationEntry;
  failures: RevocationProblem[];
}

/**
 * Finds a verified signer for `crl`: the path issuer when it signed it, else a certificate of the
 * pool named like the CRL issuer whose own path validates (§6.3.3 (f)).
 */
async function crlSigner(crl: Crl, issuer: X509Cert, ctx: RevocationContext): Promise<X509Cert | undefined> {
  if (crl.isIssuedBy(issuer) && verifyCrlSignature(crl, issuer).ok) return issuer;
  const time = ctx.past ? crl.thisUpdate : ctx.at;
  for (const candidate of ctx.pool) {
    if (candidate.equals(issuer) || !crl.isIssuedBy(candidate)) continue;
    if (!verifyCrlSignature(crl, candidate).ok) continue;
    if (ctx.inProgress.has(crl)) return candidate; // the caller up the stack is validating this very signer
    if (await ctx.validateCrlSigner(candidate, time, new Set([...ctx.inProgress, crl]))) return candidate;
  }
  return undefined;
}

function statusFrom(hit: { revocationDate: Date; reason?: CrlReason } | undefined, ctx: RevocationContext): 'revoked' | 'later' | 'none' {
  if (hit === undefined || hit.reason === 'removeFromCRL') return 'none';
  return hit.revocationDate.getTime() <= ctx.at.getTime() ? 'revoked' : 'later';
}

async function fromCrls(cert: X509Cert, issuer: X509Cert, depth: number, crls: readonly Crl[], ctx: RevocationContext): Promise<CrlOutcome> {
  const failures: RevocationProblem[] = [];
  const complete = crls.filter((c) => !c.isDelta).sort(newestFirst);
  const deltas = crls.filter((c) => c.isDelta).sort(newestFirst);
  const points = cert.distributionPoints ?? [DEFAULT_POINT];
  const mask = new Set<ReasonFlag>();
  let laterRevocation: RevocationEntry | undefined;
  let decidedBy: Crl | undefined;
  for (const point of points) {
    for (const crl of complete) {
      if (mask.size === ALL_REASONS.length) break;
      if (scopeMismatch(crl, cert, point) !== undefined) continue;
      const reasons = interimReasons(crl, point);
      if (reasons.every((r) => mask.has(r))) continue;
      const stale = freshness(ctx, crl.thisUpdate, crl.nextUpdate);
      if (stale !== undefined) {
        failures.push({ code: stale.code, message: `${crlName(crl)} cannot be used: ${stale.message}` });
        continue;
      }
      const signer = await crlSigner(crl, issuer, ctx);
      if (signer === undefined) {
        const direct = crl.isIssuedBy(issuer) ? verifyCrlSignature(crl, issuer) : undefined;
        failures.push({ code: 'CRL_INVALID', message: direct !== undefined && !direct.ok ? direct.message : `${crlName(crl)}: no valid certificate of its issuer signed it (RFC 5280 §6.3.3 (f))` });
        continue;
      }
      // (h), (i): a delta CRL for this complete CRL, signed by the same signer, fresh.
      const delta = deltas.find((d) => d.issuerName.key === crl.issuerName.key && d.deltaBaseNumber !== undefined && crl.crlNumber !== undefined
        && d.deltaBaseNumber <= crl.crlNumber && (d.crlNumber ?? 0n) > crl.crlNumber && sameScope(d, crl)
        && freshness(ctx, d.thisUpdate, d.nextUpdate) === undefined && verifyCrlSignature(d, signer).ok);
      const deltaHit = delta?.findRevoked(cert.serialNumberHex, cert.issuerDer);
      const completeHit = crl.findRevoked(cert.serialNumberHex, cert.issuerDer);
      const hit = deltaHit ?? completeHit;
      const from = deltaHit !== undefined ? delta! : crl;
      const state = deltaHit?.reason === 'removeFromCRL' ? 'none' : statusFrom(hit, ctx);
      if (state === 'revoked' && hit !== undefined) {
        return { entry: { depth, status: 'revoked', source: 'crl', revokedAt: hit.revocationDate, reason: hit.reason ?? 'unspecified', crl: crlInfo(from) }, failures };
      }
      if (state === 'later' && hit !== undefined) {
        laterRevocation = { depth, status: 'good', source: 'crl', revokedAt: hit.revocationDate, reason: hit.reason ?? 'unspecified', crl: crlInfo(from), note: `revoked on ${iso(hit.revocationDate)}, after ${iso(ctx.at)}` };
      }
      if (!vouchesForExpired(crl, cert)) {
        failures.push({ code: 'REVOCATION_UNAVAILABLE', message: `${crlName(crl)} was issued after "${cert.subject}" expired (${iso(cert.notAfter)}) and does not keep expired certificates: it cannot show it was not revoked` });
        continue;
      }
      for (const r of reasons) mask.add(r);
      decidedBy ??= delta ?? crl;
    }
  }
  if (mask.size === ALL_REASONS.length) {
    return { entry: laterRevocation ?? { depth, status: 'good', source: 'crl', crl: crlInfo(decidedBy!) }, failures };
  }
  if (mask.size > 0) failures.push({ code: 'REVOCATION_UNAVAILABLE', message: `the CRLs of "${cert.issuer}" given cover only some revocation reasons (${[...mask].join(', ')}) for "${cert.subject}"` });
  return { failures };
}

function sameScope(a: Crl, b: Crl): boolean {
  const ia = JSON.stringify(a.issuingDistributionPoint ?? null);
  const ib = JSON.stringify(b.issuingDistributionPoint ?? null);
  if (ia !== ib) return false;
  const ka = a.authorityKeyIdentifier;
  const kb = b.authorityKeyIdentifier;
  return ka === undefined || kb === undefined || Buffer.from(ka).equals(Buffer.from(kb));
}

function fromOcsp(der: Uint8Array, cert: X509Cert, issuer: X509Cert, depth: number, ctx: RevocationContext, nonce?: Uint8Array): { entry?: RevocationEntry; failure?: RevocationProblem } {
  const v = verifyOcspResponse(der, cert, issuer, ctx.at, nonce, { checkFreshness: !ctx.past });
  if (!v.ok) return { failure: { code: v.code, message: v.message } };
  const r = v.result;
  if (ctx.past) {
    const stale = freshness(ctx, r.thisUpdate, r.nextUpdate);
    if (stale !== undefined) return { failure: { code: stale.code, message: `OCSP response by "${r.responder}" cannot be used: ${stale.message}` } };
  }
  const ocsp = { responder: r.responder, thisUpdate: r.thisUpdate, ...(r.nextUpdate !== undefined ? { nextUpdate: r.nextUpdate } : {}) };
  if (r.status === 'good') return { entry: { depth, status: 'good', source: 'ocsp', ocsp } };
  if (r.status === 'revoked' && r.revokedAt !== undefined) {
    const reason = r.reason ?? 'unspecified';
    if (r.revokedAt.getTime() <= ctx.at.getTime()) return { entry: { depth, status: 'revoked', source: 'ocsp', revokedAt: r.revokedAt, reason, ocsp } };
    return { entry: { depth, status: 'good', source: 'ocsp', revokedAt: r.revokedAt, reason, ocsp, note: `revoked on ${iso(r.revokedAt)}, after ${iso(ctx.at)}` } };
  }
  return { failure: { code: 'REVOCATION_UNKNOWN', message: `the OCSP responder "${r.responder}" does not know "${cert.subject}"` } };
}

/** The problem reported for a revoked certificate. */
function revokedProblem(cert: X509Cert, entry: RevocationEntry): RevocationProblem {
  const by = entry.source === 'ocsp' ? `the OCSP responder "${entry.ocsp?.responder ?? ''}"` : `the ${entry.crl?.delta === true ? 'delta CRL' : 'CRL'} of "${entry.crl?.issuer ?? ''}" dated ${entry.crl !== undefined ? iso(entry.crl.thisUpdate) : ''}`;
  return { code: 'CERT_REVOKED', message: `certificate ${JSON.stringify(cert.subject)} (serial ${cert.serialNumberHex}) was revoked on ${iso(entry.revokedAt!)}, reason ${entry.reason ?? 'unspecified'}, per ${by}` };
}

/**
 * The revocation status of `cert` (issued by `issuer`, at `depth` in the path) at `ctx.at`.
 * Never throws. A status that cannot be established is `unknown` with a problem: CRL_INVALID,
 * CRL_EXPIRED, OCSP_INVALID, REVOCATION_UNKNOWN (online sources unreachable) or
 * REVOCATION_UNAVAILABLE (no applicable revocation data).
 */
export async function checkRevocation(cert: X509Cert, issuer: X509Cert, depth: number, ctx: RevocationContext): Promise<{ entry: RevocationEntry; problems: RevocationProblem[] }> {
  const failures: RevocationProblem[] = [];
  const decided = (entry: RevocationEntry): { entry: RevocationEntry; problems: RevocationProblem[] } => ({ entry, problems: entry.status === 'revoked' ? [revokedProblem(cert, entry)] : [] });

  if (cert.ocspNoCheck && (cert.extendedKeyUsage ?? []).includes('1.3.6.1.5.5.7.3.9')) {
    return { entry: { depth, status: 'good', note: 'OCSP responder certificate with id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1)' }, problems: [] };
  }

  const offline = await fromCrls(cert, issuer, depth, ctx.crls, ctx);
  if (offline.entry !== undefined) return decided(offline.entry);
  failures.push(...offline.failures);

  for (const der of ctx.ocspResponses) {
    const o = fromOcsp(der, cert, issuer, depth, ctx);
    if (o.entry !== undefined) return decided(o.entry);
    // A response about another certificate is not a failure for this one.
    if (o.failure !== undefined && !/CertID mismatch/.test(o.failure.message)) failures.push(o.failure);
  }

  if (ctx.online && !ctx.past) {
    for (const url of cert.ocspUrls.filter(httpUrl)) {
      try {
        const req = buildOcspRequest(cert, issuer);
        const res = await ctx.fetcher(url, { method: 'POST', body: req.der, headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, timeoutMs: FETCH_TIMEOUT_MS });
        if (res.status !== 200) {
          failures.push({ code: 'REVOCATION_UNKNOWN', message: `OCSP responder ${url} answered HTTP ${res.status}` });
          continue;
        }
        const o = fromOcsp(res.body, cert, issuer, depth, ctx, req.nonce);
        if (o.entry !== undefined) return decided(o.entry);
        if (o.failure !== undefined) failures.push({ code: o.failure.code, message: `${o.failure.message} (from ${url})` });
      } catch (e) {
        failures.push({ code: 'REVOCATION_UNKNOWN', message: `OCSP responder ${url} unreachable: ${(e as Error).message}` });
      }
    }
    const fetched: Crl[] = [];
    for (const url of cert.crlDistributionPoints.filter(httpUrl)) {
      try {
        const res = await ctx.fetcher(url, { method: 'GET', timeoutMs: FETCH_TIMEOUT_MS });
        if (res.status !== 200) {
          failures.push({ code: 'REVOCATION_UNKNOWN', message: `CRL distribution point ${url} answered HTTP ${res.status}` });
          continue;
        }
        fetched.push(...parseCrls(res.body));
      } catch (e) {
        failures.push({ code: (e as { code?: string }).code === 'MALFORMED_ASN1' ? 'CRL_INVALID' : 'REVOCATION_UNKNOWN', message: `CRL distribution point ${url}: ${(e as Error).message}` });
      }
    }
    if (fetched.length > 0) {
      const online = await fromCrls(cert, issuer, depth, [...fetched, ...ctx.crls], ctx);
      if (online.entry !== undefined) return decided(online.entry);
      failures.push(...online.failures);
    }
  }

  // Prefer a specific diagnosis (a bad or stale CRL, a bad OCSP answer) over "nothing found".
  const specific = failures.find((f) => f.code === 'CRL_INVALID' || f.code === 'CRL_EXPIRED' || f.code === 'OCSP_INVALID') ?? failures.find((f) => f.code === 'REVOCATION_UNKNOWN');
  const code: ErrorCode = specific?.code ?? 'REVOCATION_UNAVAILABLE';
  const when = ctx.past ? `at ${iso(ctx.at)} (revocation data issued at or after that time is needed)` : `at ${iso(ctx.at)}`;
  const message = failures.length === 0
    ? `the revocation status of ${JSON.stringify(cert.subject)} cannot be established ${when}: no CRL of "${cert.issuer}" or OCSP response applies${ctx.online ? ' and none could be fetched' : ' (give its CRL with --crl, or check online with --online)'}`
    : `the revocation status of ${JSON.stringify(cert.subject)} cannot be established ${when}: ${failures.map((f) => f.message).join('; ')}`;
  return { entry: { depth, status: 'unknown' }, problems: [{ code, message }] };
}
