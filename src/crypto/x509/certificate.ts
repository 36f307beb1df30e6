/**
 * A parsed X.509 certificate (RFC 5280 §4.1) with its extensions decoded eagerly and strictly
 * (RFC 5280 §4.2, decoders in `extensions.ts`). Parsed by scelle's own bounded BER reader, not a
 * general ASN.1 library: a certificate is read in one pass, with a cap on its size and element
 * count, and every field RFC 5280 path validation needs is kept (policies, mappings, name and
 * policy constraints, distribution points with their reasons and CRL issuers).
 *
 * The public key is a Node `KeyObject` (OpenSSL), so signatures are checked natively. An EC key with
 * explicit curve parameters is flagged (RFC 5480 §2.1.1 requires a named curve) and refused by
 * path validation.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, countBerElements, decodeOid, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import { readAlgorithm, readBitString, readBoolean, decodeTime, readIntegerHex, readOctetString, readSequence, readSmallInteger } from '../asn1/values.js';
import { bytesEqual, pemBlocks, toHex } from '../asn1/asn1js-util.js';
import {
  decodeAki, decodeBasicConstraints, decodeDistributionPoints, decodeGeneralNamesExtension, decodeInfoAccess, decodeInhibitAnyPolicy,
  decodeKeyUsage, decodeNameConstraints, decodeOidSequence, decodePolicies, decodePolicyConstraints, decodePolicyMappings, decodeSki,
  distributionPointUris,
  type AuthorityKeyId, type BasicConstraints, type DistributionPoint, type KeyUsageName, type NameConstraints, type PolicyConstraints,
  type PolicyInformation, type PolicyMapping,
} from './extensions.js';
import { EMAIL_ADDRESS_OID, decodeName, formatName, parseNameNode, type DecodedName, type GeneralName, type NameAttribute } from './names.js';
import { OID } from './oids.js';
import { algorithmIdOfNode, algorithmIdsEqual, describeSignatureAlgorithm, type AlgorithmId, type SignatureAlgorithmInfo } from './signature.js';
import { BoundedCache, bytesKey } from './bounded-cache.js';

export { OID } from './oids.js';
export { KEY_USAGE_BITS } from './extensions.js';
export type { KeyUsageName, BasicConstraints, AuthorityKeyId, PolicyInformation, PolicyMapping, PolicyConstraints, NameConstraints, DistributionPoint } from './extensions.js';
export { namesMatch, formatNameDer, decodeName } from './names.js';
export type { NameAttribute, GeneralName, SubjectAltName } from './names.js';

/** The subject public key algorithm and size. */
export interface KeyAlgorithm {
  type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'other';
  /** RSA modulus bits or EC field size. */
  bits?: number;
  /** `P-256`, `P-384`, `P-521`, or OpenSSL's curve name for other curves. */
  curve?: string;
}

/** One extension, raw (`value` is the extnValue contents). */
export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** Largest certificate accepted (real ones are a few KiB; a hostile one must not take gigabytes). */
export const MAX_CERTIFICATE_BYTES = 1024 * 1024;
/** Most ASN.1 elements a certificate may hold. */
const MAX_CERTIFICATE_ELEMENTS = 20_000;

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

const malformed = (message: string, cause?: unknown): ScelleError =>
  new ScelleError('MALFORMED_ASN1', message, cause === undefined ? {} : { cause });

function keyAlgorithmOf(key: crypto.KeyObject | undefined, spkiOid: string): KeyAlgorithm {
  if (key === undefined) return spkiOid === '1.2.840.10040.4.1' ? { type: 'dsa' } : { type: 'other' };
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return details.modulusLength === undefined ? { type: key.asymmetricKeyType } : { type: key.asymmetricKeyType, bits: details.modulusLength };
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
    case 'dsa':
      return details.modulusLength === undefined ? { type: 'dsa' } : { type: 'dsa', bits: details.modulusLength };
    default:
      return { type: 'other' };
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
      key = null; // unsupported algorithm (or DSA parameters inherited from the issuer): reported lazily
    }
    KEY_CACHE.set(id, key);
  }
  return key ?? undefined;
}

/** The decoded extensions of one certificate. */
interface Decoded {
  keyUsage?: KeyUsageName[];
  keyUsageCritical: boolean;
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical: boolean;
  basicConstraints?: BasicConstraints;
  subjectKeyIdentifier?: Uint8Array;
  authorityKey?: AuthorityKeyId;
  subjectAltNames: GeneralName[];
  distributionPoints?: DistributionPoint[];
  freshestCrl?: DistributionPoint[];
  ocspUrls: string[];
  caIssuersUrls: string[];
  policies?: PolicyInformation[];
  policyMappings?: PolicyMapping[];
  policyConstraints?: PolicyConstraints;
  inhibitAnyPolicy?: number;
  nameConstraints?: NameConstraints;
  ocspNoCheck: boolean;
}

function decodeExtensions(exts: readonly RawExtension[], subject: string): Decoded {
  const get = (oid: string): RawExtension | undefined => exts.find((e) => e.oid === oid);
  const d: Decoded = { keyUsageCritical: false, extendedKeyUsageCritical: false, subjectAltNames: [], ocspUrls: [], caIssuersUrls: [], ocspNoCheck: false };
  const ku = get(OID.keyUsage);
  if (ku !== undefined) [d.keyUsage, d.keyUsageCritical] = [decodeKeyUsage(ku.value), ku.critical];
  const eku = get(OID.extKeyUsage);
  if (eku !== undefined) [d.extendedKeyUsage, d.extendedKeyUsageCritical] = [decodeOidSequence(eku.value, 'extKeyUsage extension'), eku.critical];
  const bc = get(OID.basicConstraints);
  if (bc !== undefined) d.basicConstraints = decodeBasicConstraints(bc.value, bc.critical);
  const ski = get(OID.subjectKeyIdentifier);
  if (ski !== undefined) d.subjectKeyIdentifier = decodeSki(ski.value);
  const aki = get(OID.authorityKeyIdentifier);
  if (aki !== undefined) d.authorityKey = decodeAki(aki.value);
  const san = get(OID.subjectAltName);
  if (san !== undefined) d.subjectAltNames = decodeGeneralNamesExtension(san.value, 'subjectAltName extension');
  const cdp = get(OID.cRLDistributionPoints);
  if (cdp !== undefined) d.distributionPoints = decodeDistributionPoints(cdp.value);
  const fresh = get(OID.freshestCRL);
  if (fresh !== undefined) d.freshestCrl = decodeDistributionPoints(fresh.value, 'freshestCRL extension');
  const aia = get(OID.authorityInfoAccess);
  if (aia !== undefined) ({ ocsp: d.ocspUrls, caIssuers: d.caIssuersUrls } = decodeInfoAccess(aia.value));
  const cp = get(OID.certificatePolicies);
  if (cp !== undefined) d.policies = decodePolicies(cp.value);
  const pm = get(OID.policyMappings);
  if (pm !== undefined) d.policyMappings = decodePolicyMappings(pm.value);
  const pc = get(OID.policyConstraints);
  if (pc !== undefined) d.policyConstraints = decodePolicyConstraints(pc.value);
  const iap = get(OID.inhibitAnyPolicy);
  if (iap !== undefined) d.inhibitAnyPolicy = decodeInhibitAnyPolicy(iap.value);
  const nc = get(OID.nameConstraints);
  if (nc !== undefined) d.nameConstraints = decodeNameConstraints(nc.value);
  d.ocspNoCheck = get(OID.ocspNoCheck) !== undefined;
  if (d.subjectAltNames.length === 0 && san !== undefined) throw malformed(`certificate "${subject}" has an empty subjectAltName (RFC 5280 §4.2.1.6)`);
  return d;
}

function parseExtensions(node: BerNode, subject: string): RawExtension[] {
  const what = 'certificate extensions';
  if (!node.constructed || node.children.length !== 1) throw malformed(`${what}: [3] is not EXPLICIT`);
  const list = readSequence(node.children[0], what);
  if (list.length === 0) throw malformed(`${what}: empty Extensions (RFC 5280 §4.1: SIZE (1..MAX))`);
  const out: RawExtension[] = [];
  for (const e of list) {
    const c = readSequence(e, 'Extension');
    let i = 0;
    const oid = decodeOid(c[i++], 'Extension extnID');
    let critical = false;
    if (isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) critical = readBoolean(c[i++], 'Extension critical');
    const value = readOctetString(c[i++], 'Extension extnValue').slice();
    if (i !== c.length) throw malformed('Extension: unexpected field');
    if (out.some((x) => x.oid === oid)) throw malformed(`certificate "${subject}" repeats extension ${oid} (RFC 5280 §4.2 allows one instance)`);
    out.push({ oid, critical, value });
  }
  return out;
}

/**
 * A parsed, immutable X.509 certificate. Build with {@link X509Cert.fromDer} or
 * {@link parseCertificates}.
 */
export class X509Cert {
  /** The certificate's DER encoding, exactly as given. */
  readonly der: Uint8Array;
  /** Version number: 1, 2 or 3. */
  readonly version: number;
  /** The bytes the issuer signed (tbsCertificate, exactly as encoded). */
  readonly tbsDer: Uint8Array;
  /** signatureAlgorithm of the Certificate (outer). */
  readonly signatureAlgorithmId: AlgorithmId;
  /** tbsCertificate.signature (must equal the outer one, RFC 5280 §4.1.1.2). */
  readonly tbsSignatureAlgorithmId: AlgorithmId;
  /** The signature value (BIT STRING contents without the unused-bits octet). */
  readonly signatureValue: Uint8Array;
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
  /**
   * Serial number as uppercase hex of its value, `-` first when negative (`1000`, `4F2A…`, `-01`):
   * serial numbers compare with their sign (RFC 5280 §4.1.2.2).
   */
  readonly serialNumberHex: string;
  /** The serialNumber INTEGER element, DER exactly as encoded (copied into CMS SignerInfos). */
  readonly serialNumberDer: Uint8Array;
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
  /** The whole authority key identifier, when present. */
  readonly authorityKey?: AuthorityKeyId;
  readonly subjectAltNames: GeneralName[];
  /** E-mail addresses: rfc822Name alternative names, then emailAddress attributes of the subject (RFC 8550 §3). */
  readonly emailAddresses: string[];
  /** URIs of the CRL distribution points' full names. */
  readonly crlDistributionPoints: string[];
  /** The cRLDistributionPoints extension, decoded; undefined when absent. */
  readonly distributionPoints: DistributionPoint[] | undefined;
  /** The freshestCRL extension (where delta CRLs are), decoded; undefined when absent. */
  readonly freshestCrl: DistributionPoint[] | undefined;
  /** OCSP responder URIs from authority information access. */
  readonly ocspUrls: string[];
  /** CA issuer URIs from authority information access. */
  readonly caIssuersUrls: string[];
  /** Certificate policy OIDs ([] when the extension is absent: see {@link policies}). */
  readonly certificatePolicies: string[];
  /** The certificatePolicies extension; undefined when absent (RFC 5280 §6.1.3 (e) prunes the tree then). */
  readonly policies: PolicyInformation[] | undefined;
  readonly policyMappings: PolicyMapping[] | undefined;
  readonly policyConstraints: PolicyConstraints | undefined;
  readonly inhibitAnyPolicy: number | undefined;
  readonly nameConstraints: NameConstraints | undefined;
  /** id-pkix-ocsp-nocheck present (RFC 6960 §4.2.2.2.1): an OCSP responder whose status is not checked. */
  readonly ocspNoCheck: boolean;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spkiDer: Uint8Array;
  /** The subjectPublicKey BIT STRING contents (what an OCSP issuerKeyHash hashes, RFC 6960 §4.1.1). */
  readonly subjectPublicKeyBytes: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithm;
  /** True for an EC key given with explicit curve parameters (RFC 5480 §2.1.1 forbids them). */
  readonly explicitCurveParameters: boolean;
  readonly signatureAlgorithm: SignatureAlgorithmInfo;
  /** OIDs of every extension marked critical. */
  readonly criticalExtensionOids: string[];
  /** Every extension, raw. */
  readonly extensions: readonly RawExtension[];

  readonly #publicKey: crypto.KeyObject | undefined;
  readonly #subjectName: DecodedName;
  readonly #issuerName: DecodedName;

  private constructor(der: Uint8Array) {
    if (der.length > MAX_CERTIFICATE_BYTES) throw malformed(`not a certificate: ${der.length} bytes is more than any real certificate (limit ${MAX_CERTIFICATE_BYTES})`);
    this.der = new Uint8Array(der);
    if (countBerElements(this.der, MAX_CERTIFICATE_ELEMENTS, 'certificate') > MAX_CERTIFICATE_ELEMENTS) {
      throw malformed(`not a certificate: more than ${MAX_CERTIFICATE_ELEMENTS} ASN.1 elements`);
    }
    const root = parseBer(this.der, 'certificate', { maxNodes: MAX_CERTIFICATE_ELEMENTS });
    const top = readSequence(root, 'Certificate');
    if (top.length !== 3) throw malformed(`not an X.509 certificate: ${top.length} fields instead of 3`);
    const [tbs, outerAlg, sigValue] = top as [BerNode, BerNode, BerNode];
    this.tbsDer = rawBytes(tbs);
    this.signatureAlgorithmId = algorithmIdOfNode(readAlgorithm(outerAlg, 'Certificate signatureAlgorithm'));
    this.signatureValue = readBitString(sigValue, 'Certificate signatureValue').bytes;

    const f = readSequence(tbs, 'TBSCertificate');
    let i = 0;
    let version = 1;
    if (isTag(f[i], 'context', 0)) {
      const v = f[i++]!;
      if (!v.constructed || v.children.length !== 1) throw malformed('TBSCertificate version is not [0] EXPLICIT');
      version = readSmallInteger(v.children[0], 'TBSCertificate version') + 1;
      if (version > 3) throw malformed(`unknown certificate version ${version}`);
    }
    this.version = version;
    const serialNode = f[i++];
    this.serialNumberHex = readIntegerHex(serialNode, 'serialNumber');
    this.serialNumberDer = rawBytes(serialNode!);
    this.tbsSignatureAlgorithmId = algorithmIdOfNode(readAlgorithm(f[i++], 'TBSCertificate signature'));
    const issuerNode = f[i++];
    const validity = readSequence(f[i++], 'Validity');
    const subjectNode = f[i++];
    const spkiNode = f[i++];
    if (validity.length !== 2 || issuerNode === undefined || subjectNode === undefined || spkiNode === undefined) throw malformed('TBSCertificate is incomplete');
    this.notBefore = decodeTime(validity[0], 'notBefore');
    this.notAfter = decodeTime(validity[1], 'notAfter');
    this.issuerDer = rawBytes(issuerNode);
    this.subjectDer = rawBytes(subjectNode);
    const issuerRdns = parseNameNode(issuerNode, 'certificate issuer');
    const subjectRdns = parseNameNode(subjectNode, 'certificate subject');
    this.issuerAttributes = issuerRdns.flat();
    this.subjectAttributes = subjectRdns.flat();
    this.issuer = formatName(issuerRdns);
    this.subject = formatName(subjectRdns);
    this.#issuerName = decodeName(this.issuerDer);
    this.#subjectName = decodeName(this.subjectDer);

    const spki = readSequence(spkiNode, 'SubjectPublicKeyInfo');
    if (spki.length !== 2) throw malformed('malformed SubjectPublicKeyInfo');
    const keyAlg = readAlgorithm(spki[0], 'SubjectPublicKeyInfo algorithm');
    this.subjectPublicKeyBytes = readBitString(spki[1], 'subjectPublicKey').bytes;
    this.spkiDer = rawBytes(spkiNode);
    this.explicitCurveParameters = keyAlg.oid === EC_PUBLIC_KEY && keyAlg.params !== undefined && isTag(keyAlg.params, 'universal', UNIVERSAL.SEQUENCE);
    this.#publicKey = publicKeyOf(this.spkiDer);
    this.keyAlgorithm = keyAlgorithmOf(this.#publicKey, keyAlg.oid);
    this.signatureAlgorithm = describeSignatureAlgorithm(this.signatureAlgorithmId);

    // issuerUniqueID [1], subjectUniqueID [2] (v2/v3), then extensions [3] (v3).
    while (isTag(f[i], 'context', 1) || isTag(f[i], 'context', 2)) {
      if (version < 2) throw malformed('a version 1 certificate carries unique identifiers');
      i++;
    }
    let exts: RawExtension[] = [];
    if (isTag(f[i], 'context', 3)) {
      if (version !== 3) throw malformed(`certificate "${this.subject}" has extensions but is not version 3 (RFC 5280 §4.1.2.1)`);
      exts = parseExtensions(f[i++]!, this.subject);
    }
    if (i !== f.length) throw malformed('TBSCertificate has unexpected fields');
    this.extensions = exts;
    this.criticalExtensionOids = exts.filter((e) => e.critical).map((e) => e.oid);

    const d = decodeExtensions(exts, this.subject);
    this.keyUsage = d.keyUsage;
    this.keyUsageCritical = d.keyUsageCritical;
    this.extendedKeyUsage = d.extendedKeyUsage;
    this.extendedKeyUsageCritical = d.extendedKeyUsageCritical;
    this.basicConstraints = d.basicConstraints;
    if (d.subjectKeyIdentifier !== undefined) this.subjectKeyIdentifier = d.subjectKeyIdentifier;
    if (d.authorityKey !== undefined) {
      this.authorityKey = d.authorityKey;
      if (d.authorityKey.keyIdentifier !== undefined) this.authorityKeyIdentifier = d.authorityKey.keyIdentifier;
    }
    this.subjectAltNames = d.subjectAltNames;
    this.emailAddresses = [
      ...d.subjectAltNames.filter((n) => n.type === 'email').map((n) => n.value),
      ...this.subjectAttributes.filter((a) => a.oid === EMAIL_ADDRESS_OID && a.hex !== true).map((a) => a.value),
    ];
    this.distributionPoints = d.distributionPoints;
    this.crlDistributionPoints = distributionPointUris(d.distributionPoints ?? []);
    this.freshestCrl = d.freshestCrl;
    this.ocspUrls = d.ocspUrls;
    this.caIssuersUrls = d.caIssuersUrls;
    this.policies = d.policies;
    this.certificatePolicies = (d.policies ?? []).map((p) => p.oid);
    this.policyMappings = d.policyMappings;
    this.policyConstraints = d.policyConstraints;
    this.inhibitAnyPolicy = d.inhibitAnyPolicy;
    this.nameConstraints = d.nameConstraints;
    this.ocspNoCheck = d.ocspNoCheck;
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
      throw malformed(`not an X.509 certificate: ${(e as Error).message}`, e);
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

  /** True when the outer signatureAlgorithm equals tbsCertificate.signature (RFC 5280 §4.1.1.2). */
  get signatureAlgorithmsAgree(): boolean {
    return algorithmIdsEqual(this.signatureAlgorithmId, this.tbsSignatureAlgorithmId);
  }

  /** The decoded subject Name (RDNs and comparison keys). */
  get subjectName(): DecodedName {
    return this.#subjectName;
  }

  /** The decoded issuer Name. */
  get issuerName(): DecodedName {
    return this.#issuerName;
  }

  /** SHA-256 of the DER, uppercase hex with colons (`AB:CD:…`), as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint(): string {
    return toHex(crypto.createHash('sha256').update(this.der).digest(), ':');
  }

  /** True when subject and issuer are the same Name (RFC 5280 §3.2 "self-issued"). */
  isSelfIssued(): boolean {
    return this.#subjectName.key === this.#issuerName.key;
  }

  /** True when this certificate's subject matches `nameDer` (exact DER or RFC 5280 §7.1 normalized). */
  subjectMatches(nameDer: Uint8Array): boolean {
    if (bytesEqual(this.subjectDer, nameDer)) return true;
    return this.#subjectName.key === decodeName(nameDer).key;
  }

  /** True when both certificates have the same DER encoding. */
  equals(other: X509Cert): boolean {
    return other === this || bytesEqual(this.der, other.der);
  }
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
