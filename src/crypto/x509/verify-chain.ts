/**
 * Certification path building and validation, after RFC 5280 §6 (basic path validation, §6.1) and
 * §6.3 (CRL processing), with OCSP (RFC 6960) when asked to go online.
 *
 * Path building (RFC 4158 in spirit): from the leaf, candidate issuers are the trust anchors and the
 * given intermediates whose subject matches the issuer Name (DER-equal or RFC 5280 §7.1-normalized)
 * and whose subjectKeyIdentifier agrees with the authorityKeyIdentifier when both exist. Every
 * candidate path is tried (bounded depth and count); the first valid one wins, else the most
 * informative failing one is reported.
 *
 * Per certificate (§6.1.3): validity at `at` (also for the anchor, as OpenSSL does), the signature by
 * the next certificate (never the anchor's self-signature, §6.1.1), no MD5/SHA-1 signature, RSA keys
 * of at least `minRsaBits` (anchor included), no unprocessed critical extension. Per issuer (§6.1.4):
 * basicConstraints cA (k), keyCertSign when keyUsage is present (n), pathLenConstraint (l)–(m).
 * Leaf purpose: keyUsage and extendedKeyUsage as OpenSSL's smimesign / smimeencrypt /
 * timestampsign / sslclient purposes check them. Not implemented, and therefore refused when
 * critical: name constraints, policy mappings/constraints, inhibitAnyPolicy (fail closed).
 */
import { type ErrorCode } from '../../errors.js';
import { bytesEqual } from '../asn1/asn1js-util.js';
import { OID, X509Cert } from './certificate.js';
import { Crl, crlCoversCertificate, parseCrls, verifyCrl, type CrlReason } from './crl.js';
import { createHttpFetcher, type Fetcher } from './fetch.js';
import { buildOcspRequest, verifyOcspResponse } from './ocsp.js';
import { algorithmIdentifiersEqual, checkSignature, isWeakSignatureAlgorithm } from './signature.js';

/** What the leaf certificate is going to be used for. */
export type CertificatePurpose = 'sign' | 'encrypt' | 'tsa' | 'tls' | 'any';

/** One reason a path is not valid. */
export interface ChainProblem {
  code: ErrorCode;
  /** Subject (RFC 4514) of the certificate concerned. */
  certificate: string;
  /** Position in the path, 0 = leaf. */
  depth: number;
  /** English, specific: names the certificate and the date, usage or algorithm involved. */
  message: string;
}

/** Revocation status of one certificate of the path. */
export interface RevocationEntry {
  depth: number;
  status: 'good' | 'revoked' | 'unknown' | 'not-checked';
  source?: 'crl' | 'ocsp';
  revokedAt?: Date;
  reason?: string;
}

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
  checkedAt: Date;
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyChainOptions {
  /** The trusted root (or other anchor) certificates. */
  trustAnchors: X509Cert[];
  /** Untrusted certificates that may help build the path. */
  intermediates?: X509Cert[];
  /** The time to validate at. Default: now. */
  at?: Date;
  /** Usage checked on the leaf. Default `any`. */
  purpose?: CertificatePurpose;
  /** CRLs to check revocation with (offline). */
  crls?: Crl[];
  /** Fetch CRLs from http(s) distribution points and ask OCSP responders when no given CRL applies. */
  online?: boolean;
  /** HTTP client for `online`. Default: node:http(s), 10 s timeout, 10 MiB cap. */
  fetcher?: Fetcher;
  /** Smallest accepted RSA modulus, in bits. Default 2048. */
  minRsaBits?: number;
}

const MAX_PATH_LENGTH = 10;
const MAX_CANDIDATE_PATHS = 32;
const MIN_EC_BITS = 224;
const FETCH_TIMEOUT_MS = 10_000;

/** Extensions this module processes (or that RFC 5280 lets a relying party ignore when known). */
const PROCESSED_EXTENSIONS = new Set<string>([
  OID.keyUsage,
  OID.basicConstraints,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.cRLDistributionPoints,
  OID.freshestCRL,
  OID.authorityInfoAccess,
  OID.subjectInfoAccess,
  OID.subjectDirectoryAttributes,
  // certificatePolicies: with no initial policy set and no explicit-policy requirement (§6.1.1 (c),
  // (e)) the policy tree never decides validity, so a critical one is acceptable.
  OID.certificatePolicies,
  OID.ocspNoCheck,
]);

/** Order in which a failing path's problems pick the verdict's primary code. */
const CODE_PRIORITY: readonly ErrorCode[] = [
  'CHAIN_UNTRUSTED',
  'CERT_SIGNATURE_INVALID',
  'WEAK_ALGORITHM',
  'WEAK_KEY',
  'NOT_A_CA',
  'CA_KEY_USAGE_MISSING',
  'PATH_LENGTH_EXCEEDED',
  'UNKNOWN_CRITICAL_EXTENSION',
  'CERT_REVOKED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'KEY_USAGE_MISMATCH',
  'EKU_MISMATCH',
  'CRL_INVALID',
  'CRL_EXPIRED',
  'OCSP_INVALID',
  'REVOCATION_UNKNOWN',
];

function primaryCode(problems: readonly ChainProblem[]): ErrorCode | undefined {
  let best: ErrorCode | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const p of problems) {
    const rank = CODE_PRIORITY.indexOf(p.code);
    const r = rank === -1 ? CODE_PRIORITY.length : rank;
    if (r < bestRank) {
      best = p.code;
      bestRank = r;
    }
  }
  return best;
}

const iso = (d: Date): string => d.toISOString();
const q = (c: X509Cert): string => `"${c.subject}"`;

// ------------------------------------------------------------------------------- path building

interface CandidatePath {
  certs: X509Cert[];
  anchored: boolean;
}

function sameKeyAndName(a: X509Cert, b: X509Cert): boolean {
  return bytesEqual(a.spkiDer, b.spkiDer) && a.subjectMatches(b.subjectDer);
}

/** Could `issuer` have issued `cert`? Name chaining plus AKI/SKI agreement (RFC 5280 §4.2.1.1). */
function couldIssue(issuer: X509Cert, cert: X509Cert): boolean {
  if (!issuer.subjectMatches(cert.issuerDer)) return false;
  if (cert.authorityKeyIdentifier !== undefined && issuer.subjectKeyIdentifier !== undefined) {
    return bytesEqual(cert.authorityKeyIdentifier, issuer.subjectKeyIdentifier);
  }
  return true;
}

function buildPaths(leaf: X509Cert, anchors: readonly X509Cert[], intermediates: readonly X509Cert[]): CandidatePath[] {
  const out: CandidatePath[] = [];
  const anchorFor = (c: X509Cert): X509Cert | undefined => anchors.find((a) => a.equals(c) || sameKeyAndName(a, c));
  const pool = intermediates.filter((c, i) => intermediates.findIndex((d) => d.equals(c)) === i && anchorFor(c) === undefined);

  const walk = (path: X509Cert[]): void => {
    if (out.length >= MAX_CANDIDATE_PATHS) return;
    const cur = path[path.length - 1] as X509Cert;
    if (path.length > MAX_PATH_LENGTH) {
      out.push({ certs: path, anchored: false });
      return;
    }
    // Anchors first: the shortest way to trust, as OpenSSL's trusted_first.
    const issuers = [...anchors, ...pool].filter((c) => couldIssue(c, cur) && !path.some((p) => p.equals(c) || sameKeyAndName(p, c)));
    if (issuers.length === 0) {
      out.push({ certs: path, anchored: false });
      return;
    }
    for (const issuer of issuers) {
      if (anchors.includes(issuer)) out.push({ certs: [...path, issuer], anchored: true });
      else walk([...path, issuer]);
      if (out.length >= MAX_CANDIDATE_PATHS) return;
    }
  };

  const leafAnchor = anchorFor(leaf);
  if (leafAnchor !== undefined) out.push({ certs: [leafAnchor], anchored: true });
  walk([leaf]);
  return out;
}

// ---------------------------------------------------------------------------- path validation

function checkPurpose(leaf: X509Cert, purpose: CertificatePurpose, problems: ChainProblem[]): void {
  const ku = leaf.keyUsage;
  const eku = leaf.extendedKeyUsage;
  const add = (code: ErrorCode, message: string): void => {
    problems.push({ code, certificate: leaf.subject, depth: 0, message });
  };
  const kuText = (ku ?? []).join(', ') || 'none';
  const ekuText = (eku ?? []).join(', ') || 'none';
  const ekuAllows = (oid: string): boolean => eku === undefined || eku.includes(oid) || eku.includes(OID.anyExtendedKeyUsage);
  switch (purpose) {
    case 'sign':
      if (ku !== undefined && !ku.includes('digitalSignature') && !ku.includes('nonRepudiation')) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot sign: its key usage (${kuText}) has neither digitalSignature nor nonRepudiation`);
      }
      if (!ekuAllows(OID.emailProtection)) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} cannot sign documents or mail: its extended key usage (${ekuText}) lacks emailProtection`);
      }
      break;
    case 'encrypt':
      if (ku !== undefined && !ku.includes('keyEncipherment') && !ku.includes('keyAgreement') && !ku.includes('dataEncipherment')) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot receive encrypted data: its key usage (${kuText}) has no keyEncipherment or keyAgreement`);
      }
      if (!ekuAllows(OID.emailProtection)) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} cannot receive encrypted mail: its extended key usage (${ekuText}) lacks emailProtection`);
      }
      break;
    case 'tsa': {
      // RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, and the extension MUST be critical.
      if (eku === undefined || eku.length !== 1 || eku[0] !== OID.timeStamping) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} is not a time-stamping unit: its extended key usage (${ekuText}) must be timeStamping alone (RFC 3161 §2.3)`);
      } else if (!leaf.extendedKeyUsageCritical) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} is not a time-stamping unit: its timeStamping extended key usage is not critical (RFC 3161 §2.3)`);
      }
      if (ku !== undefined && (ku.length === 0 || ku.some((u) => u !== 'digitalSignature' && u !== 'nonRepudiation'))) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} is not a time-stamping unit: its key usage (${kuText}) must be digitalSignature and/or nonRepudiation only`);
      }
      break;
    }
    case 'tls':
      if (ku !== undefined && !ku.includes('digitalSignature')) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot authenticate a TLS client: its key usage (${kuText}) lacks digitalSignature`);
      }
      if (!ekuAllows(OID.clientAuth)) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} cannot authenticate a TLS client: its extended key usage (${ekuText}) lacks clientAuth`);
      }
      break;
    case 'any':
      break;
  }
}

/** The EKU an intermediate CA must allow, when it restricts EKUs at all (OpenSSL's purpose check on CAs). */
const CA_EKU_FOR_PURPOSE: Readonly<Record<CertificatePurpose, string | undefined>> = {
  sign: OID.emailProtection,
  encrypt: OID.emailProtection,
  tls: OID.clientAuth,
  tsa: undefined,
  any: undefined,
};

/** The time-independent outcome of checking a certificate's signature with a candidate issuer's key. */
type IssuerSignature = { kind: 'valid' } | { kind: 'algorithm-mismatch' } | { kind: 'weak' } | { kind: 'invalid'; detail: string };

/**
 * Signature checks already made, per certificate and issuer object (both immutable DER): a batch of
 * signatures by one practitioner checks the same leaf-by-CA signature once. Weak maps: entries go
 * with the certificates. Validity dates, revocation and purpose are not cached: they depend on the
 * time and the caller, and are checked on every call.
 */
const ISSUER_SIGNATURES = new WeakMap<X509Cert, WeakMap<X509Cert, IssuerSignature>>();

function issuerSignatureOf(cert: X509Cert, issuer: X509Cert): IssuerSignature {
  let byIssuer = ISSUER_SIGNATURES.get(cert);
  const hit = byIssuer?.get(issuer);
  if (hit !== undefined) return hit;
  let outcome: IssuerSignature;
  if (!algorithmIdentifiersEqual(cert.pkijs.signature, cert.pkijs.signatureAlgorithm)) {
    outcome = { kind: 'algorithm-mismatch' };
  } else if (isWeakSignatureAlgorithm(cert.pkijs.signatureAlgorithm)) {
    outcome = { kind: 'weak' };
  } else {
    let check;
    try {
      check = checkSignature(cert.pkijs.signatureAlgorithm, cert.pkijs.tbsView, new Uint8Array(cert.pkijs.signatureValue.valueBlock.valueHexView), issuer.publicKey);
    } catch (e) {
      check = { valid: false as const, unsupported: true, detail: (e as Error).message };
    }
    outcome = check.valid ? { kind: 'valid' } : { kind: 'invalid', detail: check.detail };
  }
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    ISSUER_SIGNATURES.set(cert, byIssuer);
  }
  byIssuer.set(issuer, outcome);
  return outcome;
}

function checkPath(candidate: CandidatePath, at: Date, purpose: CertificatePurpose, minRsaBits: number): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const { certs, anchored } = candidate;
  const n = certs.length;
  const add = (code: ErrorCode, cert: X509Cert, depth: number, message: string): void => {
    problems.push({ code, certificate: cert.subject, depth, message });
  };

  for (let depth = 0; depth < n; depth++) {
    const cert = certs[depth] as X509Cert;
    const isAnchor = anchored && depth === n - 1;
    const issuer = certs[depth + 1];
    const role = isAnchor ? 'trust anchor' : depth === 0 ? 'certificate' : 'CA certificate';

    // Validity (§6.1.3 (a)(2)).
    if (at.getTime() < cert.notBefore.getTime()) {
      add('CERT_NOT_YET_VALID', cert, depth, `${role} ${q(cert)} is not valid before ${iso(cert.notBefore)} (checked at ${iso(at)})`);
    }
    if (at.getTime() > cert.notAfter.getTime()) {
      add('CERT_EXPIRED', cert, depth, `${role} ${q(cert)} expired on ${iso(cert.notAfter)} (checked at ${iso(at)})`);
    }

    // Key strength, anchor included.
    const ka = cert.keyAlgorithm;
    if ((ka.type === 'rsa' || ka.type === 'rsa-pss') && ka.bits !== undefined && ka.bits < minRsaBits) {
      add('WEAK_KEY', cert, depth, `${role} ${q(cert)} has a ${ka.bits}-bit RSA key; at least ${minRsaBits} bits are required`);
    } else if (ka.type === 'ec' && (ka.bits === undefined || ka.bits < MIN_EC_BITS)) {
      add('WEAK_KEY', cert, depth, `${role} ${q(cert)} has an EC key on curve ${ka.curve ?? 'unknown'}, weaker than ${MIN_EC_BITS} bits`);
    }

    // Critical extensions we do not process (§6.1.4 (o), §6.1.5 (f)).
    const unknown = cert.criticalExtensionOids.filter((oid) => !PROCESSED_EXTENSIONS.has(oid));
    if (unknown.length > 0) {
      add('UNKNOWN_CRITICAL_EXTENSION', cert, depth, `${role} ${q(cert)} has critical extension(s) scelle does not process: ${unknown.join(', ')}`);
    }

    // Signature by the issuer (§6.1.3 (a)(1)); the anchor's self-signature is not checked (§6.1.1 (d)).
    if (!isAnchor && issuer !== undefined) {
      const signed = issuerSignatureOf(cert, issuer);
      if (signed.kind === 'algorithm-mismatch') {
        add('CERT_SIGNATURE_INVALID', cert, depth, `${role} ${q(cert)}: signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2)`);
      } else if (signed.kind === 'weak') {
        add('WEAK_ALGORITHM', cert, depth, `${role} ${q(cert)} is signed with ${cert.signatureAlgorithm.name}, a broken digest that is no longer accepted`);
      } else if (signed.kind === 'invalid') {
        add('CERT_SIGNATURE_INVALID', cert, depth, `${role} ${q(cert)} is not validly signed by ${q(issuer)}: ${signed.detail}`);
      }
    }

    // Issuer duties (§6.1.4 (k), (l), (m), (n)) for every certificate that issued the one below it.
    if (depth >= 1) {
      const bc = cert.basicConstraints;
      const legacyAnchor = isAnchor && cert.pkijs.version < 2; // v1 roots carry no extensions at all
      if (!legacyAnchor) {
        if (bc === undefined || !bc.ca) {
          add('NOT_A_CA', cert, depth, `${role} ${q(cert)} issued ${q(certs[depth - 1] as X509Cert)} but is not a CA (basicConstraints cA is ${bc === undefined ? 'absent' : 'FALSE'})`);
        }
        if (cert.keyUsage !== undefined && !cert.keyUsage.includes('keyCertSign')) {
          add('CA_KEY_USAGE_MISSING', cert, depth, `${role} ${q(cert)} issued ${q(certs[depth - 1] as X509Cert)} but its key usage (${cert.keyUsage.join(', ') || 'none'}) lacks keyCertSign`);
        }
      }
      if (bc?.pathLen !== undefined) {
        // Non-self-issued intermediate certificates between this CA and the leaf.
        let below = 0;
        for (let k = 1; k < depth; k++) if (!(certs[k] as X509Cert).isSelfIssued()) below++;
        if (below > bc.pathLen) {
          add('PATH_LENGTH_EXCEEDED', cert, depth, `${role} ${q(cert)} allows ${bc.pathLen} intermediate CA(s) below it (pathLenConstraint) but the path has ${below}`);
        }
      }
      const wanted = CA_EKU_FOR_PURPOSE[purpose];
      const caEku = cert.extendedKeyUsage;
      if (!isAnchor && wanted !== undefined && caEku !== undefined && !caEku.includes(wanted) && !caEku.includes(OID.anyExtendedKeyUsage)) {
        add('EKU_MISMATCH', cert, depth, `${role} ${q(cert)} restricts extended key usage to ${caEku.join(', ')}, which excludes ${wanted}`);
      }
    }
  }

  checkPurpose(certs[0] as X509Cert, purpose, problems);

  if (!anchored) {
    const last = certs[n - 1] as X509Cert;
    add(
      'CHAIN_UNTRUSTED',
      last,
      n - 1,
      last.isSelfIssued()
        ? `the path ends at ${q(last)}, which is not a trust anchor`
        : `no trust anchor or given intermediate issued ${q(last)} (issuer ${JSON.stringify(last.issuer)}): the chain is not trusted`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------------- revocation

interface RevocationOutcome {
  entry: RevocationEntry;
  problems: ChainProblem[];
}

function statusFromCrls(cert: X509Cert, usable: Crl[], at: Date, depth: number): RevocationOutcome {
  for (const crl of usable) {
    const hit = crl.findRevoked(cert.serialNumberHex);
    if (hit !== undefined && hit.reason !== 'removeFromCRL' && hit.revocationDate.getTime() <= at.getTime()) {
      const reason = hit.reason ?? 'unspecified';
      return {
        entry: { depth, status: 'revoked', source: 'crl', revokedAt: hit.revocationDate, reason },
        problems: [
          {
            code: 'CERT_REVOKED',
            certificate: cert.subject,
            depth,
            message: `certificate ${JSON.stringify(cert.subject)} (serial ${cert.serialNumberHex}) was revoked on ${iso(hit.revocationDate)}, reason ${reason}, per the CRL of ${JSON.stringify(crl.issuer)} dated ${iso(crl.thisUpdate)}`,
          },
        ],
      };
    }
  }
  return { entry: { depth, status: 'good', source: 'crl' }, problems: [] };
}

function revokedByOcsp(cert: X509Cert, depth: number, revokedAt: Date, reason: CrlReason | undefined, responder: string): RevocationOutcome {
  const r = reason ?? 'unspecified';
  return {
    entry: { depth, status: 'revoked', source: 'ocsp', revokedAt, reason: r },
    problems: [
      {
        code: 'CERT_REVOKED',
        certificate: cert.subject,
        depth,
        message: `certificate ${JSON.stringify(cert.subject)} (serial ${cert.serialNumberHex}) was revoked on ${iso(revokedAt)}, reason ${r}, per the OCSP responder ${JSON.stringify(responder)}`,
      },
    ],
  };
}

async function checkRevocation(
  cert: X509Cert,
  issuer: X509Cert,
  depth: number,
  at: Date,
  crls: readonly Crl[],
  online: boolean,
  fetcher: Fetcher,
): Promise<RevocationOutcome> {
  const failures: { code: ErrorCode; message: string }[] = [];
  const useCrls = (candidates: readonly Crl[]): Crl[] => {
    const usable: Crl[] = [];
    for (const crl of candidates) {
      if (!crl.isIssuedBy(issuer)) continue;
      const v = verifyCrl(crl, issuer, at);
      if (!v.ok) failures.push({ code: v.code, message: v.message });
      else if (crlCoversCertificate(crl, cert)) usable.push(crl);
    }
    return usable;
  };

  const offline = useCrls(crls);
  if (offline.length > 0) return statusFromCrls(cert, offline, at, depth);

  if (online) {
    const httpUrl = (u: string): boolean => /^https?:\/\//i.test(u);
    for (const url of cert.ocspUrls.filter(httpUrl)) {
      try {
        const req = buildOcspRequest(cert, issuer);
        const res = await fetcher(url, {
          method: 'POST',
          body: req.der,
          headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
          timeoutMs: FETCH_TIMEOUT_MS,
        });
        if (res.status !== 200) {
          failures.push({ code: 'REVOCATION_UNKNOWN', message: `OCSP responder ${url} answered HTTP ${res.status}` });
          continue;
        }
        const v = verifyOcspResponse(res.body, cert, issuer, at, req.nonce);
        if (!v.ok) {
          failures.push({ code: v.code, message: `${v.message} (from ${url})` });
          continue;
        }
        const r = v.result;
        if (r.status === 'good') return { entry: { depth, status: 'good', source: 'ocsp' }, problems: [] };
        if (r.status === 'revoked' && r.revokedAt !== undefined) {
          if (r.revokedAt.getTime() <= at.getTime()) return revokedByOcsp(cert, depth, r.revokedAt, r.reason, r.responder);
          return { entry: { depth, status: 'good', source: 'ocsp' }, problems: [] };
        }
        failures.push({ code: 'REVOCATION_UNKNOWN', message: `OCSP responder ${url} does not know certificate ${JSON.stringify(cert.subject)}` });
      } catch (e) {
        failures.push({ code: 'REVOCATION_UNKNOWN', message: `OCSP responder ${url} unreachable: ${(e as Error).message}` });
      }
    }
    for (const url of cert.crlDistributionPoints.filter(httpUrl)) {
      try {
        const res = await fetcher(url, { method: 'GET', timeoutMs: FETCH_TIMEOUT_MS });
        if (res.status !== 200) {
          failures.push({ code: 'REVOCATION_UNKNOWN', message: `CRL distribution point ${url} answered HTTP ${res.status}` });
          continue;
        }
        let fetched: Crl[];
        try {
          fetched = parseCrls(res.body);
        } catch (e) {
          failures.push({ code: 'CRL_INVALID', message: `CRL from ${url} does not parse: ${(e as Error).message}` });
          continue;
        }
        const before = failures.length;
        const usable = useCrls(fetched);
        if (usable.length > 0) return statusFromCrls(cert, usable, at, depth);
        if (failures.length === before) {
          failures.push({ code: 'CRL_INVALID', message: `CRL from ${url} was not issued by ${JSON.stringify(issuer.subject)} or does not cover ${JSON.stringify(cert.subject)}` });
        }
      } catch (e) {
        failures.push({ code: 'REVOCATION_UNKNOWN', message: `CRL distribution point ${url} unreachable: ${(e as Error).message}` });
      }
    }
  }

  if (failures.length === 0) return { entry: { depth, status: 'not-checked' }, problems: [] };
  // Prefer a specific diagnosis (a bad CRL or OCSP answer) over "could not reach".
  const specific = failures.find((f) => f.code !== 'REVOCATION_UNKNOWN');
  const code = specific?.code ?? 'REVOCATION_UNKNOWN';
  const message =
    code === 'REVOCATION_UNKNOWN'
      ? `the revocation status of ${JSON.stringify(cert.subject)} is unknown: ${failures.map((f) => f.message).join('; ')}`
      : failures.map((f) => f.message).join('; ');
  return { entry: { depth, status: 'unknown' }, problems: [{ code, certificate: cert.subject, depth, message }] };
}

// ---------------------------------------------------------------------------------------- entry

/**
 * Builds and validates a certification path from `leaf` to one of `options.trustAnchors`
 * (RFC 5280 §6.1), checks the leaf's purpose, and the revocation status of every non-anchor
 * certificate from the given CRLs (§6.3) and, with `online`, from OCSP responders (RFC 6960) and
 * CRL distribution points.
 *
 * Never throws for a negative outcome: the verdict carries `ok`, the primary `code` and every
 * problem found on the reported path. Codes that may appear: CHAIN_UNTRUSTED, CERT_EXPIRED,
 * CERT_NOT_YET_VALID, CERT_SIGNATURE_INVALID, WEAK_ALGORITHM, WEAK_KEY, NOT_A_CA,
 * PATH_LENGTH_EXCEEDED, CA_KEY_USAGE_MISSING, KEY_USAGE_MISMATCH, EKU_MISMATCH,
 * UNKNOWN_CRITICAL_EXTENSION, CERT_REVOKED, CRL_INVALID, CRL_EXPIRED, OCSP_INVALID,
 * REVOCATION_UNKNOWN (online sources unreachable: the verdict is not ok).
 *
 * Purpose rules (keyUsage/extendedKeyUsage are only enforced when the extension is present, as in
 * RFC 5280 and OpenSSL): `sign` digitalSignature or nonRepudiation, EKU emailProtection;
 * `encrypt` keyEncipherment, keyAgreement or dataEncipherment, EKU emailProtection; `tsa` EKU
 * exactly timeStamping and critical, KU only digitalSignature/nonRepudiation; `tls` KU
 * digitalSignature, EKU clientAuth. anyExtendedKeyUsage satisfies sign/encrypt/tls.
 */
export async function verifyCertificateChain(leaf: X509Cert, options: VerifyChainOptions): Promise<ChainVerdict> {
  const at = options.at ?? new Date();
  const purpose = options.purpose ?? 'any';
  const minRsaBits = options.minRsaBits ?? 2048;
  const anchors = options.trustAnchors;
  const candidates = buildPaths(leaf, anchors, options.intermediates ?? []);

  let best: { candidate: CandidatePath; problems: ChainProblem[] } | undefined;
  const better = (a: { candidate: CandidatePath; problems: ChainProblem[] }, b: typeof best): boolean => {
    if (b === undefined) return true;
    if (a.candidate.anchored !== b.candidate.anchored) return a.candidate.anchored;
    if (a.problems.length !== b.problems.length) return a.problems.length < b.problems.length;
    return a.candidate.certs.length > b.candidate.certs.length;
  };
  for (const candidate of candidates) {
    const problems = checkPath(candidate, at, purpose, minRsaBits);
    const scored = { candidate, problems };
    if (better(scored, best)) best = scored;
    if (candidate.anchored && problems.length === 0) break;
  }
  // buildPaths always yields at least the leaf on its own.
  const chosen = best ?? { candidate: { certs: [leaf], anchored: false }, problems: [] };
  const path = chosen.candidate.certs;
  const problems = [...chosen.problems];
  if (anchors.length === 0 && chosen.candidate.anchored === false && !problems.some((p) => p.code === 'CHAIN_UNTRUSTED')) {
    problems.push({ code: 'CHAIN_UNTRUSTED', certificate: leaf.subject, depth: 0, message: 'no trust anchor was given' });
  }

  const revocation: RevocationEntry[] = [];
  const nonAnchors = chosen.candidate.anchored ? path.length - 1 : path.length;
  if (chosen.candidate.anchored) {
    const fetcher = options.fetcher ?? createHttpFetcher();
    for (let depth = 0; depth < nonAnchors; depth++) {
      const outcome = await checkRevocation(
        path[depth] as X509Cert,
        path[depth + 1] as X509Cert,
        depth,
        at,
        options.crls ?? [],
        options.online === true,
        fetcher,
      );
      revocation.push(outcome.entry);
      problems.push(...outcome.problems);
    }
  } else {
    for (let depth = 0; depth < nonAnchors; depth++) revocation.push({ depth, status: 'not-checked' });
  }

  const code = primaryCode(problems);
  const verdict: ChainVerdict = { ok: problems.length === 0, problems, path, revocation, checkedAt: at };
  if (code !== undefined) verdict.code = code;
  return verdict;
}
