/**
 * Decoders of the certificate extensions RFC 5280 §4.2 defines, strict (`MALFORMED_ASN1` on any
 * deviation): key usage (§4.2.1.3), extended key usage (§4.2.1.12), basic constraints (§4.2.1.9),
 * key identifiers (§4.2.1.1–2), alternative names (§4.2.1.6–7), certificate policies (§4.2.1.4),
 * policy mappings (§4.2.1.5), name constraints (§4.2.1.10), policy constraints (§4.2.1.11),
 * inhibit anyPolicy (§4.2.1.14), CRL distribution points (§4.2.1.13, also used by freshestCRL
 * §4.2.1.15) and authority information access (§4.2.2.1).
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import { readBitString, readBoolean, readIntegerHex, readOctetString, readSequence, readSmallInteger } from '../asn1/values.js';
import { parseGeneralName, parseGeneralNames, parseRdn, type GeneralName, type NameAttribute } from './names.js';

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** The nine KeyUsage bits, in bit order (RFC 5280 §4.2.1.3). */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** KeyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** ReasonFlags bits (RFC 5280 §4.2.1.13), in bit order; bit 0 is unused. */
export const REASON_FLAG_BITS = [
  'unused',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** A reason a CRL may cover (RFC 5280 §4.2.1.13 ReasonFlags, without `unused`). */
export type ReasonFlag = Exclude<(typeof REASON_FLAG_BITS)[number], 'unused'>;

/** Every reason: what a CRL without a reasons partition covers. */
export const ALL_REASONS: readonly ReasonFlag[] = REASON_FLAG_BITS.filter((r): r is ReasonFlag => r !== 'unused');

/** Basic constraints (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
  critical: boolean;
}

/** Authority key identifier (RFC 5280 §4.2.1.1). */
export interface AuthorityKeyId {
  keyIdentifier?: Uint8Array;
  /** authorityCertIssuer: the issuer's issuer names. */
  issuer?: GeneralName[];
  /** authorityCertSerialNumber, as {@link integerHex}. */
  serialNumber?: string;
}

/** One PolicyInformation (RFC 5280 §4.2.1.4). */
export interface PolicyInformation {
  oid: string;
  /** The policyQualifiers SEQUENCE, raw, when present (carried into the policy tree, never interpreted). */
  qualifiers?: Uint8Array;
}

/** One policy mapping (RFC 5280 §4.2.1.5). */
export interface PolicyMapping {
  issuerDomainPolicy: string;
  subjectDomainPolicy: string;
}

/** Policy constraints (RFC 5280 §4.2.1.11). */
export interface PolicyConstraints {
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
}

/** A GeneralSubtree (RFC 5280 §4.2.1.10): `minimum` is 0 and `maximum` absent in every conforming profile. */
export interface GeneralSubtree {
  base: GeneralName;
  minimum: number;
  maximum?: number;
}

/** Name constraints (RFC 5280 §4.2.1.10). */
export interface NameConstraints {
  permitted?: GeneralSubtree[];
  excluded?: GeneralSubtree[];
}

/** A distribution point name (RFC 5280 §4.2.1.13). */
export type DistributionPointName =
  | { kind: 'fullName'; names: GeneralName[] }
  | { kind: 'relative'; rdn: NameAttribute[] };

/** One DistributionPoint (RFC 5280 §4.2.1.13). */
export interface DistributionPoint {
  name?: DistributionPointName;
  /** The reasons partition this point covers; undefined = every reason. */
  reasons?: ReasonFlag[];
  /** The CRL issuer when it is not the certificate's issuer (indirect CRLs). */
  crlIssuer?: GeneralName[];
}

const parse = (value: Uint8Array, what: string): BerNode => parseBer(value, what, { maxNodes: 50_000 });

function bits<T extends string>(node: BerNode, names: readonly T[], what: string, implicit = false): T[] {
  const { bytes, unusedBits } = readBitString(node, what, implicit);
  const total = bytes.length * 8 - unusedBits;
  const out: T[] = [];
  names.forEach((name, i) => {
    if (i < total && (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) out.push(name);
  });
  return out;
}

/** keyUsage BIT STRING. */
export function decodeKeyUsage(value: Uint8Array): KeyUsageName[] {
  return bits(parse(value, 'keyUsage extension'), KEY_USAGE_BITS, 'keyUsage extension');
}

/** basicConstraints SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }. */
export function decodeBasicConstraints(value: Uint8Array, critical: boolean): BasicConstraints {
  const what = 'basicConstraints extension';
  let ca = false;
  let pathLen: number | undefined;
  for (const p of readSequence(parse(value, what), what)) {
    if (isTag(p, 'universal', UNIVERSAL.BOOLEAN) && pathLen === undefined) ca = readBoolean(p, what);
    else if (isTag(p, 'universal', UNIVERSAL.INTEGER) && pathLen === undefined) pathLen = readSmallInteger(p, `${what} pathLenConstraint`);
    else throw malformed(`${what} has an unexpected element`);
  }
  return pathLen === undefined ? { ca, critical } : { ca, pathLen, critical };
}

/** SEQUENCE OF OBJECT IDENTIFIER (extKeyUsage). */
export function decodeOidSequence(value: Uint8Array, what: string): string[] {
  const oids = readSequence(parse(value, what), what).map((n) => decodeOid(n, what));
  if (oids.length === 0) throw malformed(`${what} is empty (RFC 5280 §4.2.1.12: SIZE (1..MAX))`);
  return oids;
}

/** subjectKeyIdentifier OCTET STRING. */
export function decodeSki(value: Uint8Array): Uint8Array {
  return readOctetString(parse(value, 'subjectKeyIdentifier extension'), 'subjectKeyIdentifier').slice();
}

/** authorityKeyIdentifier SEQUENCE { [0] keyIdentifier, [1] authorityCertIssuer, [2] authorityCertSerialNumber }. */
export function decodeAki(value: Uint8Array): AuthorityKeyId {
  const what = 'authorityKeyIdentifier extension';
  const out: AuthorityKeyId = {};
  for (const p of readSequence(parse(value, what), what)) {
    if (isTag(p, 'context', 0) && !p.constructed) out.keyIdentifier = p.buffer.slice(p.contentStart, p.contentEnd);
    else if (isTag(p, 'context', 1)) out.issuer = parseGeneralNames(p, `${what} authorityCertIssuer`);
    else if (isTag(p, 'context', 2)) out.serialNumber = readIntegerHex(p, `${what} authorityCertSerialNumber`, true);
    else throw malformed(`${what} has an unexpected element`);
  }
  if ((out.issuer === undefined) !== (out.serialNumber === undefined)) {
    throw malformed(`${what}: authorityCertIssuer and authorityCertSerialNumber go together (RFC 5280 §4.2.1.1)`);
  }
  return out;
}

/** GeneralNames extension (subjectAltName, issuerAltName). */
export function decodeGeneralNamesExtension(value: Uint8Array, what: string): GeneralName[] {
  const node = parse(value, what);
  readSequence(node, what);
  return parseGeneralNames(node, what);
}

/** certificatePolicies SEQUENCE OF PolicyInformation; a policy OID appears once (RFC 5280 §4.2.1.4). */
export function decodePolicies(value: Uint8Array): PolicyInformation[] {
  const what = 'certificatePolicies extension';
  const out: PolicyInformation[] = [];
  for (const pi of readSequence(parse(value, what), what)) {
    const c = readSequence(pi, `${what} PolicyInformation`);
    if (c.length < 1 || c.length > 2) throw malformed(`${what}: malformed PolicyInformation`);
    const oid = decodeOid(c[0], what);
    if (out.some((p) => p.oid === oid)) throw malformed(`${what} repeats policy ${oid} (RFC 5280 §4.2.1.4)`);
    const info: PolicyInformation = { oid };
    if (c[1] !== undefined) {
      readSequence(c[1], `${what} policyQualifiers`);
      info.qualifiers = rawBytes(c[1]).slice();
    }
    out.push(info);
  }
  if (out.length === 0) throw malformed(`${what} is empty`);
  return out;
}

/** policyMappings SEQUENCE OF SEQUENCE { issuerDomainPolicy, subjectDomainPolicy }. */
export function decodePolicyMappings(value: Uint8Array): PolicyMapping[] {
  const what = 'policyMappings extension';
  const out = readSequence(parse(value, what), what).map((m) => {
    const c = readSequence(m, what);
    if (c.length !== 2) throw malformed(`${what}: a mapping has two policies`);
    return { issuerDomainPolicy: decodeOid(c[0], what), subjectDomainPolicy: decodeOid(c[1], what) };
  });
  if (out.length === 0) throw malformed(`${what} is empty`);
  return out;
}

/** policyConstraints SEQUENCE { [0] requireExplicitPolicy, [1] inhibitPolicyMapping } (one at least). */
export function decodePolicyConstraints(value: Uint8Array): PolicyConstraints {
  const what = 'policyConstraints extension';
  const out: PolicyConstraints = {};
  for (const p of readSequence(parse(value, what), what)) {
    if (isTag(p, 'context', 0) && out.requireExplicitPolicy === undefined && out.inhibitPolicyMapping === undefined) {
      out.requireExplicitPolicy = readSmallInteger(p, `${what} requireExplicitPolicy`, true);
    } else if (isTag(p, 'context', 1) && out.inhibitPolicyMapping === undefined) {
      out.inhibitPolicyMapping = readSmallInteger(p, `${what} inhibitPolicyMapping`, true);
    } else throw malformed(`${what} has an unexpected element`);
  }
  if (out.requireExplicitPolicy === undefined && out.inhibitPolicyMapping === undefined) {
    throw malformed(`${what} is empty (RFC 5280 §4.2.1.11 forbids it)`);
  }
  return out;
}

/** inhibitAnyPolicy SkipCerts. */
export function decodeInhibitAnyPolicy(value: Uint8Array): number {
  return readSmallInteger(parse(value, 'inhibitAnyPolicy extension'), 'inhibitAnyPolicy extension');
}

function decodeSubtrees(node: BerNode, what: string): GeneralSubtree[] {
  if (!node.constructed || node.children.length === 0) throw malformed(`${what}: GeneralSubtrees is empty`);
  return node.children.map((st) => {
    const c = readSequence(st, what);
    if (c[0] === undefined) throw malformed(`${what}: GeneralSubtree without a base`);
    const subtree: GeneralSubtree = { base: parseGeneralName(c[0], what), minimum: 0 };
    for (const f of c.slice(1)) {
      if (isTag(f, 'context', 0)) subtree.minimum = readSmallInteger(f, `${what} minimum`, true);
      else if (isTag(f, 'context', 1)) subtree.maximum = readSmallInteger(f, `${what} maximum`, true);
      else throw malformed(`${what}: unexpected GeneralSubtree field`);
    }
    return subtree;
  });
}

/** nameConstraints SEQUENCE { [0] permittedSubtrees, [1] excludedSubtrees } (one at least). */
export function decodeNameConstraints(value: Uint8Array): NameConstraints {
  const what = 'nameConstraints extension';
  const out: NameConstraints = {};
  for (const p of readSequence(parse(value, what), what)) {
    if (isTag(p, 'context', 0) && out.permitted === undefined && out.excluded === undefined) out.permitted = decodeSubtrees(p, `${what} permittedSubtrees`);
    else if (isTag(p, 'context', 1) && out.excluded === undefined) out.excluded = decodeSubtrees(p, `${what} excludedSubtrees`);
    else throw malformed(`${what} has an unexpected element`);
  }
  if (out.permitted === undefined && out.excluded === undefined) throw malformed(`${what} is empty (RFC 5280 §4.2.1.10 forbids it)`);
  return out;
}

/** ReasonFlags BIT STRING ([1] IMPLICIT in a DistributionPoint, [3] in an IssuingDistributionPoint). */
export function decodeReasonFlags(node: BerNode, what: string): ReasonFlag[] {
  return bits(node, REASON_FLAG_BITS, what, true).filter((r): r is ReasonFlag => r !== 'unused');
}

/** DistributionPointName CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN }. */
export function decodeDistributionPointName(node: BerNode, what: string): DistributionPointName {
  const choice = node.children[0];
  if (!node.constructed || node.children.length !== 1 || choice === undefined) throw malformed(`${what}: malformed DistributionPointName`);
  if (isTag(choice, 'context', 0)) return { kind: 'fullName', names: parseGeneralNames(choice, `${what} fullName`) };
  if (isTag(choice, 'context', 1)) return { kind: 'relative', rdn: parseRdn(choice, `${what} nameRelativeToCRLIssuer`) };
  throw malformed(`${what}: unknown DistributionPointName choice`);
}

/** cRLDistributionPoints / freshestCRL: SEQUENCE OF DistributionPoint. */
export function decodeDistributionPoints(value: Uint8Array, what = 'cRLDistributionPoints extension'): DistributionPoint[] {
  return readSequence(parse(value, what), what).map((dp) => {
    const out: DistributionPoint = {};
    for (const f of readSequence(dp, what)) {
      if (isTag(f, 'context', 0)) out.name = decodeDistributionPointName(f, what);
      else if (isTag(f, 'context', 1)) out.reasons = decodeReasonFlags(f, `${what} reasons`);
      else if (isTag(f, 'context', 2)) out.crlIssuer = parseGeneralNames(f, `${what} cRLIssuer`);
      else throw malformed(`${what}: unexpected DistributionPoint field`);
    }
    if (out.name === undefined && out.crlIssuer === undefined) throw malformed(`${what}: a DistributionPoint needs a name or a cRLIssuer (RFC 5280 §4.2.1.13)`);
    return out;
  });
}

/** The URIs of every fullName of distribution points (where to fetch CRLs). */
export function distributionPointUris(points: readonly DistributionPoint[]): string[] {
  return points.flatMap((p) => (p.name?.kind === 'fullName' ? p.name.names.filter((n) => n.type === 'uri').map((n) => n.value) : []));
}

/** authorityInfoAccess: OCSP and caIssuers URIs. */
export function decodeInfoAccess(value: Uint8Array): { ocsp: string[]; caIssuers: string[] } {
  const what = 'authorityInfoAccess extension';
  const ocsp: string[] = [];
  const caIssuers: string[] = [];
  for (const ad of readSequence(parse(value, what), what)) {
    const c = readSequence(ad, what);
    if (c.length !== 2) throw malformed(`${what}: AccessDescription without a location`);
    const method = decodeOid(c[0], what);
    const location = parseGeneralName(c[1]!, what);
    if (location.type !== 'uri') continue;
    if (method === '1.3.6.1.5.5.7.48.1') ocsp.push(location.value);
    else if (method === '1.3.6.1.5.5.7.48.2') caIssuers.push(location.value);
  }
  return { ocsp, caIssuers };
}
