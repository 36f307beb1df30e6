/**
 * A parsed X.509 v3 certificate (RFC 5280 §4.1) with the extensions scelle relies on decoded
 * eagerly and strictly (RFC 5280 §4.2): key usage (§4.2.1.3), extended key usage (§4.2.1.12),
 * basic constraints (§4.2.1.9), key identifiers (§4.2.1.1, §4.2.1.2), subject alternative names
 * (§4.2.1.6), certificate policies (§4.2.1.4), CRL distribution points (§4.2.1.13) and authority
 * information access (§4.2.2.1). Names are rendered as RFC 4514 strings and compared as RFC 5280
 * §7.1 describes (exact DER, else a case- and space-insensitive comparison).
 *
 * Parsing uses pkijs/asn1js; the public key is a Node `KeyObject` (OpenSSL) so signatures are
 * checked natively.
 */
import * as crypto from 'node:crypto';
import asn1js from '../asn1js-lib.cjs';
import pkijs from '../pkijs-lib.cjs';
import { ScelleError } from '../../errors.js';
import {
  bytesEqual,
  children,
  isContext,
  oidOf,
  parseAsn1,
  pemBlocks,
  primitiveBytes,
  rawDer,
  stringValue,
  toHex,
  TAG_CONTEXT,
} from '../asn1/asn1js-util.js';
import { describeSignatureAlgorithm, type SignatureAlgorithmInfo } from './signature.js';
import { BoundedCache, bytesKey } from './bounded-cache.js';

/** Named OIDs used across scelle. */
export const OID = {
  // extended key usages (RFC 5280 §4.2.1.12)
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
  // certificate and CRL extensions (RFC 5280 §4.2, §5.2, §5.3)
  subjectDirectoryAttributes: '2.5.29.9',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  nameConstraints: '2.5.29.30',
  cRLDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCRL: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  qcStatements: '1.3.6.1.5.5.7.1.3',
  subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
  anyPolicy: '2.5.29.32.0',
  // access methods and OCSP (RFC 5280 §4.2.2.1, RFC 6960 §4.2.1, §4.4)
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  // public key algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  // signature algorithms
  md5WithRSAEncryption: '1.2.840.113549.1.1.4',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha224WithRSAEncryption: '1.2.840.113549.1.1.14',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  // digests
  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

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

/** One attribute of a distinguished name. */
export interface NameAttribute {
  /** The attribute type OID. */
  oid: string;
  /** CN, O, OU, C, L, ST, SN, GN, T (title), serialNumber, emailAddress… or the OID when unknown. */
  shortName: string;
  /** The decoded string value, or `#<hex DER>` when the value is not a string (RFC 4514 §2.4). */
  value: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** A subject alternative name entry (RFC 5280 §4.2.1.6). */
export interface SubjectAltName {
  type: 'email' | 'dns' | 'uri' | 'ip' | 'dirName' | 'other';
  value: string;
}

/** The subject public key algorithm and size. */
export interface KeyAlgorithm {
  type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'other';
  /** RSA modulus bits or EC field size. */
  bits?: number;
  /** `P-256`, `P-384`, `P-521`, or OpenSSL's curve name for other curves. */
  curve?: string;
}

/** Basic constraints (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
  critical: boolean;
}

// ------------------------------------------------------------------------------------------ names

/** Parses a Name (RFC 5280 §4.1.2.4) into its RDNs, in encoding order. */
function parseName(der: Uint8Array, what: string): NameAttribute[][] {
  const seq = parseAsn1(der, what);
  if (!(seq instanceof asn1js.Sequence)) throw new ScelleError('MALFORMED_ASN1', `${what} is not a SEQUENCE`);
  return seq.valueBlock.value.map((rdn) => {
    if (!(rdn instanceof asn1js.Set)) throw new ScelleError('MALFORMED_ASN1', `${what}: an RDN is not a SET`);
    const atvs = rdn.valueBlock.value.map((atv) => {
      const parts = children(atv, what);
      if (parts.length !== 2) throw new ScelleError('MALFORMED_ASN1', `${what}: malformed AttributeTypeAndValue`);
      const oid = oidOf(parts[0], what);
      const node = parts[1] as asn1js.AsnType;
      const str = stringValue(node);
      const attr: NameAttribute = { oid, shortName: SHORT_NAMES[oid] ?? oid, value: str ?? `#${toHex(rawDer(node)).toLowerCase()}` };
      if (str === undefined) HEX_VALUES.add(attr);
      return attr;
    });
    if (atvs.length === 0) throw new ScelleError('MALFORMED_ASN1', `${what}: empty RDN`);
    return atvs;
  });
}

/** Attributes whose value is not a string and is shown as `#<hex DER>` (RFC 4514 §2.4): not escaped. */
const HEX_VALUES = new WeakSet<NameAttribute>();

function escapeRfc4514(value: string): string {
  let out = value.replace(/[\\"+,;<>]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** RFC 4514 §2.1: RDNs in reverse encoding order, `,` between RDNs, `+` inside one. */
function formatName(rdns: NameAttribute[][]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.shortName}=${HEX_VALUES.has(a) ? a.value : escapeRfc4514(a.value)}`).join('+'))
    .join(',');
}

function normalizeValue(v: string): string {
  return v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A comparison key for a Name: RFC 5280 §7.1 matching simplified to what CAs emit in practice
 * (same RDN sequence; attribute values compared after NFKC, case folding and space collapsing).
 */
function nameKey(rdns: NameAttribute[][]): string {
  return JSON.stringify(rdns.map((rdn) => rdn.map((a) => `${a.oid}=${normalizeValue(a.value)}`).sort()));
}

/**
 * True when two DER-encoded Names match: byte-identical, or equal under RFC 5280 §7.1-style
 * normalization (case-insensitive, insignificant spaces ignored).
 * @throws ScelleError MALFORMED_ASN1 when a Name cannot be decoded.
 */
export function namesMatch(a: Uint8Array, b: Uint8Array): boolean {
  if (bytesEqual(a, b)) return true;
  return nameKeyOfDer(a) === nameKeyOfDer(b);
}

/** Decoded Names by their exact DER: path building and SignerInfo lookups compare the same few Names over and over. */
const NAME_CACHE = new BoundedCache<string, { key: string; text: string }>(512);

function decodedName(der: Uint8Array): { key: string; text: string } {
  const id = bytesKey(der);
  let hit = NAME_CACHE.get(id);
  if (hit === undefined) {
    const rdns = parseName(der, 'Name'); // throws MALFORMED_ASN1: failures are not cached
    hit = { key: nameKey(rdns), text: formatName(rdns) };
    NAME_CACHE.set(id, hit);
  }
  return hit;
}

function nameKeyOfDer(der: Uint8Array): string {
  return decodedName(der).key;
}

/**
 * Renders a DER Name as an RFC 4514 string (`CN=…,O=…,C=FR`).
 * @throws ScelleError MALFORMED_ASN1 when the Name cannot be decoded.
 */
export function formatNameDer(der: Uint8Array): string {
  return decodedName(der).text;
}

// ------------------------------------------------------------------------------------ extensions

interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

function parseGeneralName(node: asn1js.AsnType, what: string): SubjectAltName {
  if (node.idBlock.tagClass !== TAG_CONTEXT) throw new ScelleError('MALFORMED_ASN1', `${what}: GeneralName is not context-tagged`);
  const latin1 = (): string => Buffer.from(primitiveBytes(node, what)).toString('latin1');
  switch (node.idBlock.tagNumber) {
    case 1:
      return { type: 'email', value: latin1() };
    case 2:
      return { type: 'dns', value: latin1() };
    case 6:
      return { type: 'uri', value: latin1() };
    case 7: {
      const b = primitiveBytes(node, what);
      if (b.length === 4) return { type: 'ip', value: Array.from(b).join('.') };
      if (b.length === 16) {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
        return { type: 'ip', value: groups.join(':') };
      }
      return { type: 'ip', value: toHex(b) };
    }
    case 4: {
      // directoryName [4] EXPLICIT Name
      const inner = children(node, what)[0];
      if (inner === undefined) throw new ScelleError('MALFORMED_ASN1', `${what}: empty directoryName`);
      return { type: 'dirName', value: formatName(parseName(rawDer(inner), `${what} directoryName`)) };
    }
    case 0: {
      // otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
      const parts = children(node, what);
      const oid = oidOf(parts[0], `${what} otherName`);
      const inner = parts[1] !== undefined ? children(parts[1], what)[0] : undefined;
      const str = inner !== undefined ? stringValue(inner) : undefined;
      return { type: 'other', value: `${oid}:${str ?? (inner !== undefined ? `#${toHex(rawDer(inner)).toLowerCase()}` : '')}` };
    }
    default:
      return { type: 'other', value: `[${node.idBlock.tagNumber}]#${toHex(rawDer(node)).toLowerCase()}` };
  }
}

/**
 * Decodes GeneralNames (RFC 5280 §4.2.1.6) from a constructed element.
 * @throws ScelleError MALFORMED_ASN1 on malformed entries.
 */
export function parseGeneralNames(node: asn1js.AsnType, what: string): SubjectAltName[] {
  return children(node, what).map((n) => parseGeneralName(n, what));
}

function decodeKeyUsage(value: Uint8Array): KeyUsageName[] {
  const bs = parseAsn1(value, 'keyUsage extension');
  if (!(bs instanceof asn1js.BitString)) throw new ScelleError('MALFORMED_ASN1', 'keyUsage extension is not a BIT STRING');
  const bytes = bs.valueBlock.valueHexView;
  const unused = bs.valueBlock.unusedBits;
  const total = bytes.length * 8 - unused;
  const out: KeyUsageName[] = [];
  KEY_USAGE_BITS.forEach((name, i) => {
    if (i < total && (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) out.push(name);
  });
  return out;
}

function decodeBasicConstraints(value: Uint8Array, critical: boolean): BasicConstraints {
  const parts = children(parseAsn1(value, 'basicConstraints extension'), 'basicConstraints extension');
  let ca = false;
  let pathLen: number | undefined;
  for (const p of parts) {
    if (p instanceof asn1js.Boolean) ca = p.getValue();
    else if (p instanceof asn1js.Integer) {
      const n = p.valueBlock.valueDec;
      if (n < 0 || !Number.isSafeInteger(n)) throw new ScelleError('MALFORMED_ASN1', 'basicConstraints pathLenConstraint is out of range');
      pathLen = n;
    } else throw new ScelleError('MALFORMED_ASN1', 'basicConstraints extension has an unexpected element');
  }
  return pathLen === undefined ? { ca, critical } : { ca, pathLen, critical };
}

function decodeOidSequence(value: Uint8Array, what: string): string[] {
  return children(parseAsn1(value, what), what).map((n) => oidOf(n, what));
}

function decodeAki(value: Uint8Array): Uint8Array | undefined {
  const parts = children(parseAsn1(value, 'authorityKeyIdentifier extension'), 'authorityKeyIdentifier extension');
  const keyId = parts.find((p) => isContext(p, 0));
  return keyId === undefined ? undefined : primitiveBytes(keyId, 'authorityKeyIdentifier keyIdentifier');
}

function decodeSki(value: Uint8Array): Uint8Array {
  const os = parseAsn1(value, 'subjectKeyIdentifier extension');
  if (!(os instanceof asn1js.OctetString)) throw new ScelleError('MALFORMED_ASN1', 'subjectKeyIdentifier extension is not an OCTET STRING');
  return primitiveBytes(os, 'subjectKeyIdentifier');
}

/** URIs of the fullName of every DistributionPoint (RFC 5280 §4.2.1.13). */
export function decodeDistributionPointUris(value: Uint8Array, what = 'cRLDistributionPoints extension'): string[] {
  const uris: string[] = [];
  for (const dp of children(parseAsn1(value, what), what)) {
    for (const field of children(dp, what)) {
      if (!isContext(field, 0)) continue; // reasons [1], cRLIssuer [2]
      for (const dpName of children(field, what)) {
        if (!isContext(dpName, 0)) continue; // nameRelativeToCRLIssuer [1]
        for (const gn of parseGeneralNames(dpName, what)) if (gn.type === 'uri') uris.push(gn.value);
      }
    }
  }
  return uris;
}

function decodeInfoAccess(value: Uint8Array): { ocsp: string[]; caIssuers: string[] } {
  const what = 'authorityInfoAccess extension';
  const ocsp: string[] = [];
  const caIssuers: string[] = [];
  for (const ad of children(parseAsn1(value, what), what)) {
    const parts = children(ad, what);
    const method = oidOf(parts[0], what);
    if (parts[1] === undefined) throw new ScelleError('MALFORMED_ASN1', `${what}: AccessDescription without a location`);
    const location = parseGeneralName(parts[1], what);
    if (location.type !== 'uri') continue;
    if (method === OID.adOcsp) ocsp.push(location.value);
    else if (method === OID.adCaIssuers) caIssuers.push(location.value);
  }
  return { ocsp, caIssuers };
}

function decodePolicies(value: Uint8Array): string[] {
  const what = 'certificatePolicies extension';
  return children(parseAsn1(value, what), what).map((pi) => oidOf(children(pi, what)[0], what));
}

function keyAlgorithmOf(key: crypto.KeyObject | undefined): KeyAlgorithm {
  if (key === undefined) return { type: 'other' };
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return details.modulusLength === undefined
        ? { type: key.asymmetricKeyType }
        : { type: key.asymmetricKeyType, bits: details.modulusLength };
    case 'ec': {
      const named: Record<string, [string, number]> = {
        prime256v1: ['P-256', 256],
        secp384r1: ['P-384', 384],
        secp521r1: ['P-521', 521],
        secp224r1: ['P-224', 224],
        secp256k1: ['secp256k1', 256],
        prime192v1: ['P-192', 192],
      };
      const curve = details.namedCurve ?? 'unknown';
      const n = named[curve];
      return n === undefined ? { type: 'ec', curve } : { type: 'ec', curve: n[0], bits: n[1] };
    }
    case 'ed25519':
      return { type: 'ed25519', bits: 256 };
    case 'ed448':
      return { type: 'ed448', bits: 456 };
    default:
      return { type: 'other' };
  }
}

// ----------------------------------------------------------------------------------- certificate

/**
 * A parsed, immutable X.509 certificate. Build with {@link X509Cert.fromDer} or
 * {@link parseCertificates}.
 */
export class X509Cert {
  /** The certificate's DER encoding, exactly as given. */
  readonly der: Uint8Array;
  /** The pkijs structure (for CMS/OCSP code that needs it). */
  readonly pkijs: pkijs.Certificate;
  /** Raw DER of the subject Name, for exact matching. */
  readonly subjectDer: Uint8Array;
  /** Raw DER of the issuer Name, for exact matching. */
  readonly issuerDer: Uint8Array;
  /** Subject attributes in encoding order (multi-valued RDNs flattened). */
  readonly subjectAttributes: NameAttribute[];
  /** Issuer attributes in encoding order. */
  readonly issuerAttributes: NameAttribute[];
  /** RFC 4514 subject string. */
  readonly subject: string;
  /** RFC 4514 issuer string. */
  readonly issuer: string;
  /** Serial number, uppercase hex of its magnitude (`1000`, `4F2A…`). */
  readonly serialNumberHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Key usage bits set, or undefined when the extension is absent. */
  readonly keyUsage: KeyUsageName[] | undefined;
  readonly keyUsageCritical: boolean;
  /** Extended key usage OIDs, or undefined when the extension is absent. */
  readonly extendedKeyUsage: string[] | undefined;
  readonly extendedKeyUsageCritical: boolean;
  readonly basicConstraints: BasicConstraints | undefined;
  readonly subjectKeyIdentifier?: Uint8Array;
  /** The keyIdentifier field of the authority key identifier, when present. */
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly subjectAltNames: SubjectAltName[];
  /** URIs of the CRL distribution points' full names. */
  readonly crlDistributionPoints: string[];
  /** OCSP responder URIs from authority information access. */
  readonly ocspUrls: string[];
  /** CA issuer URIs from authority information access. */
  readonly caIssuersUrls: string[];
  /** Certificate policy OIDs. */
  readonly certificatePolicies: string[];
  /** DER of the SubjectPublicKeyInfo. */
  readonly spkiDer: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly signatureAlgorithm: SignatureAlgorithmInfo;
  /** OIDs of every extension marked critical. */
  readonly criticalExtensionOids: string[];
  /** Every extension, raw (`value` is the extnValue contents). */
  readonly extensions: readonly RawExtension[];

  readonly #publicKey: crypto.KeyObject | undefined;
  readonly #subjectRdns: NameAttribute[][];
  readonly #issuerRdns: NameAttribute[][];
  #selfIssued: boolean | undefined;

  private constructor(der: Uint8Array) {
    this.der = new Uint8Array(der);
    const root = parseAsn1(this.der, 'certificate');
    let cert: pkijs.Certificate;
    try {
      cert = new pkijs.Certificate({ schema: root });
    } catch (e) {
      throw new ScelleError('MALFORMED_ASN1', `not an X.509 certificate: ${(e as Error).message}`, { cause: e });
    }
    this.pkijs = cert;
    this.subjectDer = new Uint8Array(cert.subject.valueBeforeDecode);
    this.issuerDer = new Uint8Array(cert.issuer.valueBeforeDecode);
    this.#subjectRdns = parseName(this.subjectDer, 'certificate subject');
    this.#issuerRdns = parseName(this.issuerDer, 'certificate issuer');
    this.subjectAttributes = this.#subjectRdns.flat();
    this.issuerAttributes = this.#issuerRdns.flat();
    this.subject = formatName(this.#subjectRdns);
    this.issuer = formatName(this.#issuerRdns);

    let serial = toHex(cert.serialNumber.valueBlock.valueHexView);
    while (serial.length > 2 && serial.startsWith('00')) serial = serial.slice(2);
    this.serialNumberHex = serial;
    this.notBefore = cert.notBefore.value;
    this.notAfter = cert.notAfter.value;

    this.spkiDer = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
    const key = publicKeyOf(this.spkiDer);
    this.#publicKey = key;
    this.keyAlgorithm = keyAlgorithmOf(key);
    this.signatureAlgorithm = describeSignatureAlgorithm(cert.signatureAlgorithm);

    const exts: RawExtension[] = (cert.extensions ?? []).map((e) => ({
      oid: e.extnID,
      critical: e.critical,
      value: new Uint8Array(e.extnValue.valueBlock.valueHexView),
    }));
    if (exts.length > 0 && cert.version !== 2) {
      throw new ScelleError('MALFORMED_ASN1', `certificate "${this.subject}" has extensions but is not version 3 (RFC 5280 §4.1.2.1)`);
    }
    const seen = new Set<string>();
    for (const e of exts) {
      if (seen.has(e.oid)) {
        throw new ScelleError('MALFORMED_ASN1', `certificate "${this.subject}" repeats extension ${e.oid} (RFC 5280 §4.2 allows one instance)`);
      }
      seen.add(e.oid);
    }
    this.extensions = exts;
    this.criticalExtensionOids = exts.filter((e) => e.critical).map((e) => e.oid);
    const get = (oid: string): RawExtension | undefined => exts.find((e) => e.oid === oid);

    const ku = get(OID.keyUsage);
    this.keyUsage = ku === undefined ? undefined : decodeKeyUsage(ku.value);
    this.keyUsageCritical = ku?.critical ?? false;
    const eku = get(OID.extKeyUsage);
    this.extendedKeyUsage = eku === undefined ? undefined : decodeOidSequence(eku.value, 'extKeyUsage extension');
    this.extendedKeyUsageCritical = eku?.critical ?? false;
    const bc = get(OID.basicConstraints);
    this.basicConstraints = bc === undefined ? undefined : decodeBasicConstraints(bc.value, bc.critical);
    const ski = get(OID.subjectKeyIdentifier);
    if (ski !== undefined) this.subjectKeyIdentifier = decodeSki(ski.value);
    const aki = get(OID.authorityKeyIdentifier);
    const akid = aki === undefined ? undefined : decodeAki(aki.value);
    if (akid !== undefined) this.authorityKeyIdentifier = akid;
    const san = get(OID.subjectAltName);
    this.subjectAltNames = san === undefined ? [] : parseGeneralNames(parseAsn1(san.value, 'subjectAltName extension'), 'subjectAltName extension');
    const cdp = get(OID.cRLDistributionPoints);
    this.crlDistributionPoints = cdp === undefined ? [] : decodeDistributionPointUris(cdp.value);
    const aia = get(OID.authorityInfoAccess);
    const access = aia === undefined ? { ocsp: [], caIssuers: [] } : decodeInfoAccess(aia.value);
    this.ocspUrls = access.ocsp;
    this.caIssuersUrls = access.caIssuers;
    const cp = get(OID.certificatePolicies);
    this.certificatePolicies = cp === undefined ? [] : decodePolicies(cp.value);
  }

  /**
   * Parses one DER-encoded certificate.
   * @throws ScelleError MALFORMED_ASN1 when the bytes are not one well-formed X.509 certificate
   *   (including trailing bytes, repeated extensions or undecodable standard extensions).
   */
  static fromDer(der: Uint8Array): X509Cert {
    try {
      return new X509Cert(der);
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('MALFORMED_ASN1', `not an X.509 certificate: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * The subject public key as a Node KeyObject.
   * @throws ScelleError UNSUPPORTED_ALGORITHM when OpenSSL cannot load the key's algorithm.
   */
  get publicKey(): crypto.KeyObject {
    if (this.#publicKey === undefined) {
      throw new ScelleError('UNSUPPORTED_ALGORITHM', `the public key of certificate "${this.subject}" uses an unsupported algorithm`);
    }
    return this.#publicKey;
  }

  /** SHA-256 of the DER, uppercase hex with colons (`AB:CD:…`), as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint(): string {
    return toHex(crypto.createHash('sha256').update(this.der).digest(), ':');
  }

  /** True when subject and issuer are the same Name (RFC 5280 §3.2 "self-issued"). */
  isSelfIssued(): boolean {
    this.#selfIssued ??= bytesEqual(this.subjectDer, this.issuerDer) || nameKey(this.#subjectRdns) === nameKey(this.#issuerRdns);
    return this.#selfIssued;
  }

  /** True when this certificate's subject matches `issuerDer` (exact DER or RFC 5280 §7.1 normalized). */
  subjectMatches(nameDer: Uint8Array): boolean {
    return namesMatch(this.subjectDer, nameDer);
  }

  /** True when both certificates have the same DER encoding. */
  equals(other: X509Cert): boolean {
    return other === this || bytesEqual(this.der, other.der);
  }
}

/** Public keys by their exact SubjectPublicKeyInfo DER; `null` when OpenSSL cannot load the algorithm. */
const KEY_CACHE = new BoundedCache<string, crypto.KeyObject | null>(256);

function publicKeyOf(spkiDer: Uint8Array): crypto.KeyObject | undefined {
  const id = bytesKey(spkiDer);
  let key = KEY_CACHE.get(id);
  if (key === undefined) {
    try {
      key = crypto.createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    } catch {
      key = null; // unsupported algorithm: reported lazily by `publicKey`
    }
    KEY_CACHE.set(id, key);
  }
  return key ?? undefined;
}

/** Parsed certificates by their exact DER. */
const CERT_CACHE = new BoundedCache<string, X509Cert>(256);

/**
 * {@link X509Cert.fromDer} through a bounded cache keyed on the exact DER: the certificates embedded
 * in a batch of signatures by one signer are parsed once. The instance returned may be shared.
 * @throws ScelleError MALFORMED_ASN1 as {@link X509Cert.fromDer} (failures are not cached).
 */
export function parseCertificateCached(der: Uint8Array): X509Cert {
  const id = bytesKey(der);
  const hit = CERT_CACHE.get(id);
  if (hit !== undefined) return hit;
  const cert = X509Cert.fromDer(der);
  CERT_CACHE.set(id, cert);
  return cert;
}

/**
 * Parses certificates from either a PEM bundle (input containing `-----BEGIN`; every `CERTIFICATE`
 * block is returned in order, other blocks are ignored) or a single DER certificate.
 * @throws ScelleError MALFORMED_PEM for a PEM input without any CERTIFICATE block or with bad base64;
 *   MALFORMED_ASN1 when a certificate does not parse.
 */
export function parseCertificates(input: Uint8Array): X509Cert[] {
  const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const blocks = pemBlocks(text, ['CERTIFICATE', 'X509 CERTIFICATE']);
    if (blocks.length === 0) throw new ScelleError('MALFORMED_PEM', 'the PEM input contains no CERTIFICATE block');
    return blocks.map((b) => X509Cert.fromDer(b.der));
  }
  return [X509Cert.fromDer(input)];
}
