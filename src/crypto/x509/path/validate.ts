/**
 * RFC 5280 §6.1 basic path validation of one candidate path (revocation, §6.3, is `revocation.ts`).
 *
 * Inputs as §6.1.1: the path (certificate 1 issued by the trust anchor … certificate n the target),
 * the validation time, user-initial-policy-set, initial-policy-mapping-inhibit,
 * initial-explicit-policy, initial-any-policy-inhibit; no initial name subtrees.
 *
 * Per certificate (§6.1.3): the signature by the working public key (never MD5/SHA-1), validity at
 * the time, name constraints (b)–(c), certificate policies (d)–(f). Preparation for the next one
 * (§6.1.4): policy mappings (a)–(b), name constraints (g), the explicit_policy / policy_mapping /
 * inhibit_anyPolicy counters (h)–(j), basicConstraints cA (k) (a v1/v2 intermediate is refused),
 * max_path_length (l)–(m), keyCertSign (n), critical extensions (o). Wrap-up (§6.1.5) and the
 * intersection with the user's policies (g).
 *
 * scelle's own additions, fail-closed: RSA keys of at least `minRsaBits` and EC keys of at least
 * 224 bits (the anchor's too, as OpenSSL's security level 2), EC keys on named curves only
 * (RFC 5480 §2.1.1), the anchor's validity period (as OpenSSL), and the leaf's purpose.
 */
import type { ErrorCode } from '../../../errors.js';
import type { X509Cert } from '../certificate.js';
import { OID } from '../oids.js';
import { checkSignature, isWeakSignatureAlgorithm } from '../signature.js';
import { NameConstraintState } from './name-constraints.js';
import { PolicyTree, PolicyTreeTooLarge } from './policy-tree.js';

/** What the leaf certificate is going to be used for. */
export type CertificatePurpose = 'sign' | 'encrypt' | 'tsa' | 'tls' | 'ocsp' | 'crl' | 'any';

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

/** RFC 5280 §6.1.1 (c)–(f) policy inputs. */
export interface PolicySettings {
  /** user-initial-policy-set; default [anyPolicy]. */
  initialPolicySet?: string[];
  /** initial-explicit-policy: the path must be valid for at least one policy of the set. */
  requireExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit. */
  inhibitPolicyMapping?: boolean;
  /** initial-any-policy-inhibit. */
  inhibitAnyPolicy?: boolean;
}

/** A path to check: certificates leaf first, and whether it ends at a trust anchor. */
export interface CandidatePath {
  certs: X509Cert[];
  anchored: boolean;
}

/** What {@link validatePath} found. */
export interface PathResult {
  problems: ChainProblem[];
  /** Policies the path is valid for (after the user set), when the policy tree is not NULL. */
  validPolicies: string[];
}

/** Extensions processed by path validation (or that RFC 5280 lets a relying party ignore when known). */
const PROCESSED_EXTENSIONS = new Set<string>([
  OID.keyUsage, OID.basicConstraints, OID.extKeyUsage, OID.subjectAltName, OID.issuerAltName, OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier, OID.cRLDistributionPoints, OID.freshestCRL, OID.authorityInfoAccess, OID.subjectInfoAccess,
  OID.subjectDirectoryAttributes, OID.certificatePolicies, OID.policyMappings, OID.policyConstraints, OID.inhibitAnyPolicy,
  OID.nameConstraints, OID.ocspNoCheck,
]);

const MIN_EC_BITS = 224;
const iso = (d: Date): string => d.toISOString();
const q = (c: X509Cert): string => `"${c.subject}"`;

/** The time-independent outcome of checking a certificate's signature with a candidate issuer's key. */
type IssuerSignature = { kind: 'valid' } | { kind: 'algorithm-mismatch' } | { kind: 'weak' } | { kind: 'unsupported'; detail: string } | { kind: 'invalid'; detail: string };

/**
 * Signature checks already made, per certificate and issuer object (both immutable DER): a batch of
 * signatures by one practitioner checks the same leaf-by-CA signature once.
 */
const ISSUER_SIGNATURES = new WeakMap<X509Cert, WeakMap<X509Cert, IssuerSignature>>();

/** Checks `cert`'s signature with `issuer`'s key (cached). */
export function issuerSignatureOf(cert: X509Cert, issuer: X509Cert): IssuerSignature {
  let byIssuer = ISSUER_SIGNATURES.get(cert);
  const hit = byIssuer?.get(issuer);
  if (hit !== undefined) return hit;
  let outcome: IssuerSignature;
  if (!cert.signatureAlgorithmsAgree) outcome = { kind: 'algorithm-mismatch' };
  else if (isWeakSignatureAlgorithm(cert.signatureAlgorithmId)) outcome = { kind: 'weak' };
  else {
    let key;
    try {
      key = issuer.publicKey;
    } catch (e) {
      key = undefined;
      outcome = { kind: 'unsupported', detail: (e as Error).message };
    }
    if (key !== undefined) {
      const check = checkSignature(cert.signatureAlgorithmId, cert.tbsDer, cert.signatureValue, key);
      outcome = check.valid ? { kind: 'valid' } : check.unsupported ? { kind: 'unsupported', detail: check.detail } : { kind: 'invalid', detail: check.detail };
    } else outcome ??= { kind: 'unsupported', detail: 'unsupported key' };
  }
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    ISSUER_SIGNATURES.set(cert, byIssuer);
  }
  byIssuer.set(issuer, outcome);
  return outcome;
}

/** EKUs that allow document and e-mail signatures (RFC 8550, RFC 9336, Microsoft document signing). */
const SIGNING_EKUS = [OID.emailProtection, OID.documentSigning, OID.msDocumentSigning, OID.anyExtendedKeyUsage];

function checkPurpose(leaf: X509Cert, purpose: CertificatePurpose, add: (code: ErrorCode, message: string) => void): void {
  const ku = leaf.keyUsage;
  const eku = leaf.extendedKeyUsage;
  const kuText = (ku ?? []).join(', ') || 'none';
  const ekuText = (eku ?? []).join(', ') || 'none';
  const ekuAllows = (...oids: string[]): boolean => eku === undefined || eku.includes(OID.anyExtendedKeyUsage) || oids.some((o) => eku.includes(o));
  switch (purpose) {
    case 'sign':
      if (ku !== undefined && !ku.includes('digitalSignature') && !ku.includes('nonRepudiation')) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot sign: its key usage (${kuText}) has neither digitalSignature nor nonRepudiation`);
      }
      if (eku !== undefined && !SIGNING_EKUS.some((o) => eku.includes(o))) {
        add('EKU_MISMATCH', `certificate ${q(leaf)} cannot sign documents or mail: its extended key usage (${ekuText}) has none of emailProtection, documentSigning`);
      }
      break;
    case 'encrypt':
      if (ku !== undefined && !ku.includes('keyEncipherment') && !ku.includes('keyAgreement') && !ku.includes('dataEncipherment')) {
        add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot receive encrypted data: its key usage (${kuText}) has no keyEncipherment or keyAgreement`);
      }
      if (!ekuAllows(OID.emailProtection)) add('EKU_MISMATCH', `certificate ${q(leaf)} cannot receive encrypted mail: its extended key usage (${ekuText}) lacks emailProtection`);
      break;
    case 'tsa':
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
    case 'tls':
      if (ku !== undefined && !ku.includes('digitalSignature')) add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot authenticate a TLS client: its key usage (${kuText}) lacks digitalSignature`);
      if (!ekuAllows(OID.clientAuth)) add('EKU_MISMATCH', `certificate ${q(leaf)} cannot authenticate a TLS client: its extended key usage (${ekuText}) lacks clientAuth`);
      break;
    case 'ocsp':
      if (eku === undefined || !eku.includes(OID.OCSPSigning)) add('EKU_MISMATCH', `certificate ${q(leaf)} cannot sign OCSP responses: it lacks id-kp-OCSPSigning (RFC 6960 §4.2.2.2)`);
      break;
    case 'crl':
      if (ku !== undefined && !ku.includes('cRLSign')) add('KEY_USAGE_MISMATCH', `certificate ${q(leaf)} cannot sign CRLs: its key usage (${kuText}) lacks cRLSign`);
      break;
    case 'any':
      break;
  }
}

/** The EKU an intermediate CA must allow, when it restricts EKUs at all (OpenSSL's purpose check on CAs). */
const CA_EKU_FOR_PURPOSE: Readonly<Record<CertificatePurpose, string[] | undefined>> = {
  sign: SIGNING_EKUS,
  encrypt: [OID.emailProtection],
  tls: [OID.clientAuth],
  tsa: undefined,
  ocsp: undefined,
  crl: undefined,
  any: undefined,
};

/** Key strength and form, anchor included. */
function checkKey(cert: X509Cert, role: string, minRsaBits: number, add: (code: ErrorCode, message: string) => void): void {
  const ka = cert.keyAlgorithm;
  if (cert.explicitCurveParameters) add('UNSUPPORTED_ALGORITHM', `${role} ${q(cert)} has an EC key with explicit curve parameters; RFC 5480 §2.1.1 requires a named curve`);
  else if ((ka.type === 'rsa' || ka.type === 'rsa-pss') && ka.bits !== undefined && ka.bits < minRsaBits) add('WEAK_KEY', `${role} ${q(cert)} has a ${ka.bits}-bit RSA key; at least ${minRsaBits} bits are required`);
  else if (ka.type === 'ec' && (ka.bits === undefined || ka.bits < MIN_EC_BITS)) add('WEAK_KEY', `${role} ${q(cert)} has an EC key on curve ${ka.curve ?? 'unknown'}, weaker than ${MIN_EC_BITS} bits`);
  else if (ka.type === 'dsa') add('UNSUPPORTED_ALGORITHM', `${role} ${q(cert)} has a DSA key; DSA is not supported (FIPS 186-5 withdrew it)`);
}

/**
 * Runs RFC 5280 §6.1 on one candidate path at time `at`. Never throws; every problem found is
 * reported with its depth (0 = leaf).
 */
export function validatePath(candidate: CandidatePath, at: Date, purpose: CertificatePurpose, minRsaBits: number, settings: PolicySettings = {}): PathResult {
  const problems: ChainProblem[] = [];
  const { certs, anchored } = candidate;
  // §6.1 numbers the path from the anchor's child (1) to the target (n); `certs` is leaf first.
  const n = anchored ? certs.length - 1 : certs.length;
  const anchor = anchored ? certs[certs.length - 1] : undefined;
  const addAt = (cert: X509Cert, depth: number) => (code: ErrorCode, message: string): void => {
    problems.push({ code, certificate: cert.subject, depth, message });
  };

  if (anchor !== undefined) {
    const add = addAt(anchor, certs.length - 1);
    if (at.getTime() < anchor.notBefore.getTime()) add('CERT_NOT_YET_VALID', `trust anchor ${q(anchor)} is not valid before ${iso(anchor.notBefore)} (checked at ${iso(at)})`);
    if (at.getTime() > anchor.notAfter.getTime()) add('CERT_EXPIRED', `trust anchor ${q(anchor)} expired on ${iso(anchor.notAfter)} (checked at ${iso(at)})`);
    checkKey(anchor, 'trust anchor', minRsaBits, add);
  }

  const initial = settings.initialPolicySet ?? [OID.anyPolicy];
  const tree = new PolicyTree();
  const names = new NameConstraintState();
  let explicitPolicy = settings.requireExplicitPolicy === true ? 0 : n + 1;
  let inhibitAny = settings.inhibitAnyPolicy === true ? 0 : n + 1;
  let policyMapping = settings.inhibitPolicyMapping === true ? 0 : n + 1;
  let maxPathLength = n;
  let pathLenSetBy: { cert: X509Cert; depth: number } | undefined;
  let policyFailure = false;

  for (let i = 1; i <= n; i++) {
    const depth = n - i; // position in `certs`
    const cert = certs[depth]!;
    const issuer = certs[depth + 1];
    const isLast = i === n;
    const role = depth === 0 ? 'certificate' : 'CA certificate';
    const add = addAt(cert, depth);

    // §6.1.3 (a): signature, validity (revocation: revocation.ts).
    if (issuer !== undefined) {
      const signed = issuerSignatureOf(cert, issuer);
      if (signed.kind === 'algorithm-mismatch') add('CERT_SIGNATURE_INVALID', `${role} ${q(cert)}: signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2)`);
      else if (signed.kind === 'weak') add('WEAK_ALGORITHM', `${role} ${q(cert)} is signed with ${cert.signatureAlgorithm.name}, a broken digest that is no longer accepted`);
      else if (signed.kind === 'unsupported') add('UNSUPPORTED_ALGORITHM', `${role} ${q(cert)}: its signature cannot be checked (${signed.detail})`);
      else if (signed.kind === 'invalid') add('CERT_SIGNATURE_INVALID', `${role} ${q(cert)} is not validly signed by ${q(issuer)}: ${signed.detail}`);
    }
    if (at.getTime() < cert.notBefore.getTime()) add('CERT_NOT_YET_VALID', `${role} ${q(cert)} is not valid before ${iso(cert.notBefore)} (checked at ${iso(at)})`);
    if (at.getTime() > cert.notAfter.getTime()) add('CERT_EXPIRED', `${role} ${q(cert)} expired on ${iso(cert.notAfter)} (checked at ${iso(at)})`);
    checkKey(cert, role, minRsaBits, add);

    // (b), (c): name constraints, for the target and every non-self-issued certificate.
    if (isLast || !cert.isSelfIssued()) {
      const why = names.check(cert);
      if (why !== undefined) add('NAME_CONSTRAINTS_VIOLATED', `${role} ${q(cert)} violates the name constraints of its CAs: ${why}`);
    }

    // (d)–(f): policies.
    try {
      if (cert.policies !== undefined && tree.root !== undefined) {
        tree.processCertificatePolicies(cert, i, inhibitAny > 0 || (!isLast && cert.isSelfIssued()));
      } else if (cert.policies === undefined) {
        tree.root = undefined;
      }
    } catch (e) {
      if (!(e instanceof PolicyTreeTooLarge)) throw e;
      add('POLICY_CONSTRAINTS_FAILED', `${role} ${q(cert)}: ${e.message}; the path is refused`);
      policyFailure = true;
      tree.root = undefined;
    }
    if (explicitPolicy <= 0 && tree.root === undefined && !policyFailure) {
      add('POLICY_CONSTRAINTS_FAILED', `${role} ${q(cert)}: an explicit certificate policy is required here, and no policy is valid for the path (RFC 5280 §6.1.3 (f))`);
      policyFailure = true;
    }

    if (isLast) break;

    // §6.1.4: preparation for certificate i + 1.
    if (cert.policyMappings !== undefined) {
      if (cert.policyMappings.some((m) => m.issuerDomainPolicy === OID.anyPolicy || m.subjectDomainPolicy === OID.anyPolicy)) {
        add('POLICY_CONSTRAINTS_FAILED', `CA certificate ${q(cert)} maps anyPolicy, which RFC 5280 §6.1.4 (a) forbids`);
        policyFailure = true;
      } else {
        try {
          tree.applyMappings(cert, i, policyMapping > 0);
        } catch (e) {
          if (!(e instanceof PolicyTreeTooLarge)) throw e;
          add('POLICY_CONSTRAINTS_FAILED', `CA certificate ${q(cert)}: ${e.message}; the path is refused`);
          policyFailure = true;
          tree.root = undefined;
        }
      }
    }
    if (cert.nameConstraints !== undefined) names.add(cert.nameConstraints.permitted, cert.nameConstraints.excluded);
    if (!cert.isSelfIssued()) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAny > 0) inhibitAny--;
    }
    const pc = cert.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined && pc.requireExplicitPolicy < explicitPolicy) explicitPolicy = pc.requireExplicitPolicy;
    if (pc?.inhibitPolicyMapping !== undefined && pc.inhibitPolicyMapping < policyMapping) policyMapping = pc.inhibitPolicyMapping;
    if (cert.inhibitAnyPolicy !== undefined && cert.inhibitAnyPolicy < inhibitAny) inhibitAny = cert.inhibitAnyPolicy;

    // (k): a CA; v1/v2 intermediates cannot show it and are refused.
    const below = certs[depth - 1]!;
    if (cert.version < 3) add('NOT_A_CA', `${role} ${q(cert)} issued ${q(below)} but is a version ${cert.version} certificate, which cannot show it is a CA (RFC 5280 §6.1.4 (k))`);
    else if (cert.basicConstraints === undefined || !cert.basicConstraints.ca) {
      add('NOT_A_CA', `${role} ${q(cert)} issued ${q(below)} but is not a CA (basicConstraints cA is ${cert.basicConstraints === undefined ? 'absent' : 'FALSE'})`);
    }
    // (l), (m): path length.
    if (!cert.isSelfIssued()) {
      if (maxPathLength <= 0) {
        const by = pathLenSetBy;
        if (by !== undefined) {
          problems.push({ code: 'PATH_LENGTH_EXCEEDED', certificate: by.cert.subject, depth: by.depth, message: `CA certificate ${q(by.cert)} allows ${by.cert.basicConstraints?.pathLen ?? 0} intermediate CA(s) below it (pathLenConstraint) but ${q(cert)} is one more` });
        } else add('PATH_LENGTH_EXCEEDED', `${role} ${q(cert)} makes the path longer than allowed`);
      } else maxPathLength--;
    }
    const pathLen = cert.basicConstraints?.pathLen;
    if (pathLen !== undefined && pathLen < maxPathLength) {
      maxPathLength = pathLen;
      pathLenSetBy = { cert, depth };
    }
    // (n): keyCertSign.
    if (cert.keyUsage !== undefined && !cert.keyUsage.includes('keyCertSign')) {
      add('CA_KEY_USAGE_MISSING', `${role} ${q(cert)} issued ${q(below)} but its key usage (${cert.keyUsage.join(', ') || 'none'}) lacks keyCertSign`);
    }
    const wanted = CA_EKU_FOR_PURPOSE[purpose];
    const caEku = cert.extendedKeyUsage;
    if (wanted !== undefined && caEku !== undefined && !caEku.includes(OID.anyExtendedKeyUsage) && !wanted.some((w) => caEku.includes(w))) {
      add('EKU_MISMATCH', `${role} ${q(cert)} restricts extended key usage to ${caEku.join(', ')}, which excludes ${wanted.join(' / ')}`);
    }
    // (o): critical extensions.
    const unknown = cert.criticalExtensionOids.filter((oid) => !PROCESSED_EXTENSIONS.has(oid));
    if (unknown.length > 0) add('UNKNOWN_CRITICAL_EXTENSION', `${role} ${q(cert)} has critical extension(s) scelle does not process: ${unknown.join(', ')}`);
  }

  // §6.1.5: wrap-up on the target (certificate n).
  let validPolicies: string[] = [];
  if (n >= 1) {
    const target = certs[0]!;
    const add = addAt(target, 0);
    if (explicitPolicy > 0) explicitPolicy--;
    if (target.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
    const unknown = target.criticalExtensionOids.filter((oid) => !PROCESSED_EXTENSIONS.has(oid));
    if (unknown.length > 0) add('UNKNOWN_CRITICAL_EXTENSION', `certificate ${q(target)} has critical extension(s) scelle does not process: ${unknown.join(', ')}`);
    try {
      tree.intersect(initial, n);
    } catch (e) {
      if (!(e instanceof PolicyTreeTooLarge)) throw e;
      tree.root = undefined;
    }
    if (explicitPolicy <= 0 && tree.root === undefined && !policyFailure) {
      add('POLICY_CONSTRAINTS_FAILED', `certificate ${q(target)} is not valid for any acceptable certificate policy (${initial.includes(OID.anyPolicy) ? 'an explicit policy is required' : `wanted: ${initial.join(', ')}`}) (RFC 5280 §6.1.5 (g))`);
    }
    if (tree.root !== undefined) validPolicies = tree.leafPolicies(n);
    checkPurpose(target, purpose, add);
  } else if (anchor !== undefined) {
    checkPurpose(anchor, purpose, addAt(anchor, 0));
  }

  if (!anchored) {
    const last = certs[certs.length - 1]!;
    problems.push({
      code: 'CHAIN_UNTRUSTED',
      certificate: last.subject,
      depth: certs.length - 1,
      message: last.isSelfIssued()
        ? `the path ends at ${q(last)}, which is not a trust anchor`
        : `no trust anchor or given intermediate issued ${q(last)} (issuer ${JSON.stringify(last.issuer)}): the chain is not trusted`,
    });
  }
  return { problems, validPolicies };
}
