/**
 * The one strict parser of CMS SignedData parts (RFC 5652 §5), shared by signatures (CAdES,
 * S/MIME, seals, PAdES) and RFC 3161 time-stamp tokens: SignerInfo (§5.3) with its attributes
 * (§11), the ESS signing-certificate(-v2) attributes (RFC 2634 §5.4, RFC 5035 §5.4), the
 * certificate set (§10.2.3) and revocation info choices (§10.2.1), and a whole SignedData held in
 * memory (a time-stamp token, a seal). A signature of any size is read as a stream by
 * `signed-data-stream.ts`, which hands its SignerInfos here.
 *
 * Everything unexpected is MALFORMED_ASN1: the verifier never guesses at a structure.
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, encodeDer, isTag, parseBer, rawBytes, stringContents, type BerNode } from '../asn1/ber.js';
import { readAlgorithm, decodeTime, readIntegerHex, readOctetString, readSequence, readSet, readSmallInteger, type AlgorithmNode } from '../asn1/values.js';
import { bytesEqual, toHex } from '../asn1/asn1js-util.js';
import { X509Cert, parseCertificateCached } from '../x509/certificate.js';
import { decodeName, formatNameDer } from '../x509/names.js';
import { CMS_OID } from './oids.js';

/** A digest CMS may use: Node's name, the display name, and whether it is broken. */
export interface DigestInfo {
  node: string;
  name: string;
  weak: boolean;
}

/** Digest algorithms by OID (RFC 5754, RFC 8702; MD5/SHA-1 recognised and reported as weak). */
export const DIGESTS: Readonly<Record<string, DigestInfo>> = {
  '1.2.840.113549.2.5': { node: 'md5', name: 'MD5', weak: true },
  '1.3.14.3.2.26': { node: 'sha1', name: 'SHA-1', weak: true },
  '2.16.840.1.101.3.4.2.4': { node: 'sha224', name: 'SHA-224', weak: false },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', name: 'SHA-256', weak: false },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', name: 'SHA-384', weak: false },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', name: 'SHA-512', weak: false },
  '2.16.840.1.101.3.4.2.7': { node: 'sha3-224', name: 'SHA3-224', weak: false },
  '2.16.840.1.101.3.4.2.8': { node: 'sha3-256', name: 'SHA3-256', weak: false },
  '2.16.840.1.101.3.4.2.9': { node: 'sha3-384', name: 'SHA3-384', weak: false },
  '2.16.840.1.101.3.4.2.10': { node: 'sha3-512', name: 'SHA3-512', weak: false },
};

/** SHA-256, the DEFAULT of ESSCertIDv2 (RFC 5035 §5.4.1.1). */
export const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const SHA1_OID = '1.3.14.3.2.26';

/** The signer identifier (RFC 5652 §5.3). */
export type SignerIdentifier = { kind: 'issuerSerial'; issuer: Uint8Array; serialHex: string } | { kind: 'ski'; ski: Uint8Array };

/** One attribute (RFC 5652 §5.3). */
export interface Attribute {
  oid: string;
  values: BerNode[];
}

/** A parsed SignerInfo (RFC 5652 §5.3). */
export interface SignerInfo {
  version: number;
  sid: SignerIdentifier;
  digestAlgorithm: AlgorithmNode;
  /** The signedAttrs `[0]` node, when present. */
  signedAttrs: BerNode | undefined;
  /** Signed attributes, in encoded order ([] without signedAttrs). */
  signedAttributes: Attribute[];
  signatureAlgorithm: AlgorithmNode;
  /** The signature value (contents of its OCTET STRING): what a signature time-stamp covers. */
  signature: Uint8Array;
  unsignedAttrs: BerNode | undefined;
  /** Unsigned attributes, in encoded order. */
  unsignedAttributes: Attribute[];
  /** The whole SignerInfo element. */
  node: BerNode;
}

/** An ESSCertID (RFC 2634 §5.4.1) or ESSCertIDv2 (RFC 5035 §5.4.1.1). */
export interface EssCertId {
  version: 1 | 2;
  /** The digest OID of certHash. */
  hashOid: string;
  certHash: Uint8Array;
  issuerSerial?: { issuerNames: Uint8Array[]; serialHex: string };
}

const malformed = (message: string, cause?: unknown): ScelleError => new ScelleError('MALFORMED_ASN1', message, cause === undefined ? {} : { cause });

function parseAttributes(node: BerNode, what: string): Attribute[] {
  if (!node.constructed) throw malformed(`${what} is not constructed`);
  return node.children.map((a) => {
    const c = readSequence(a, `${what} Attribute`);
    if (c.length !== 2) throw malformed(`${what}: an Attribute is SEQUENCE { type, values }`);
    return { oid: decodeOid(c[0], `${what} attribute type`), values: readSet(c[1], `${what} attribute values`) };
  });
}

/** SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs } */
export function parseSignerInfo(node: BerNode, what = 'SignerInfo'): SignerInfo {
  const c = readSequence(node, what);
  let i = 0;
  const version = readSmallInteger(c[i++], `${what} version`);
  const sidNode = c[i++];
  let sid: SignerIdentifier;
  if (isTag(sidNode, 'universal', UNIVERSAL.SEQUENCE)) {
    const parts = sidNode!.children;
    if (parts.length !== 2 || !isTag(parts[0], 'universal', UNIVERSAL.SEQUENCE)) throw malformed(`${what} issuerAndSerialNumber is not SEQUENCE { Name, INTEGER }`);
    sid = { kind: 'issuerSerial', issuer: encodeDer(parts[0]!), serialHex: readIntegerHex(parts[1], `${what} serialNumber`) };
  } else if (isTag(sidNode, 'context', 0)) {
    sid = { kind: 'ski', ski: stringContents(sidNode!, `${what} subjectKeyIdentifier`) };
  } else {
    throw malformed(`${what}: sid is neither issuerAndSerialNumber nor [0] subjectKeyIdentifier`);
  }
  const digestAlgorithm = readAlgorithm(c[i++], `${what} digestAlgorithm`);
  let signedAttrs: BerNode | undefined;
  if (isTag(c[i], 'context', 0)) signedAttrs = c[i++];
  const signatureAlgorithm = readAlgorithm(c[i++], `${what} signatureAlgorithm`);
  const signature = readOctetString(c[i++], `${what} signature`);
  let unsignedAttrs: BerNode | undefined;
  if (isTag(c[i], 'context', 1)) unsignedAttrs = c[i++];
  if (i !== c.length) throw malformed(`${what} has unexpected fields after its signature`);
  if (signedAttrs !== undefined && !signedAttrs.constructed) throw malformed(`${what} signedAttrs is not constructed`);
  return {
    version,
    sid,
    digestAlgorithm,
    signedAttrs,
    signedAttributes: signedAttrs === undefined ? [] : parseAttributes(signedAttrs, `${what} signedAttrs`),
    signatureAlgorithm,
    signature,
    unsignedAttrs,
    unsignedAttributes: unsignedAttrs === undefined ? [] : parseAttributes(unsignedAttrs, `${what} unsignedAttrs`),
    node,
  };
}

/**
 * The single value of a signed attribute that RFC 5652 §11 allows once with one value.
 * @returns `{ value }`, `{}` when absent, or `{ problem }` when repeated or multi-valued.
 */
export function singleAttribute(attrs: readonly Attribute[], oid: string, name: string): { value?: BerNode; problem?: string } {
  const found = attrs.filter((a) => a.oid === oid);
  if (found.length === 0) return {};
  if (found.length > 1 || found[0]!.values.length !== 1) return { problem: `the ${name} attribute must appear once with one value (RFC 5652 §11)` };
  return { value: found[0]!.values[0]! };
}

/** Every value of every instance of an (unsigned) attribute, in order. */
export function attributeValues(attrs: readonly Attribute[], oid: string): BerNode[] {
  return attrs.filter((a) => a.oid === oid).flatMap((a) => a.values);
}

/** The DER of the signed attributes as `SET OF` (tag 0x31): what the signature covers (RFC 5652 §5.4). */
export function signedAttributesDer(info: SignerInfo): Uint8Array | undefined {
  if (info.signedAttrs === undefined) return undefined;
  return encodeDer(info.signedAttrs, { tagClass: 'universal', tagNumber: UNIVERSAL.SET });
}

/** The signing-time attribute (the signer's claim, RFC 5652 §11.3), when present and single. */
export function signingTimeOf(info: SignerInfo): Date | undefined {
  const st = singleAttribute(info.signedAttributes, CMS_OID.signingTime, 'signing-time');
  return st.value === undefined ? undefined : decodeTime(st.value, 'signing-time attribute');
}

/**
 * SigningCertificate (RFC 2634 §5.4) / SigningCertificateV2 (RFC 5035 §5.4.1):
 * SEQUENCE { certs SEQUENCE OF ESSCertID[v2], policies SEQUENCE OF PolicyInformation OPTIONAL }.
 */
export function parseEssCertIds(node: BerNode, version: 1 | 2): EssCertId[] {
  const what = version === 2 ? 'signing-certificate-v2' : 'signing-certificate';
  const c = readSequence(node, what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: malformed SigningCertificate`);
  const ids = readSequence(c[0], `${what} certs`);
  if (ids.length === 0) throw malformed(`${what}: no ESSCertID`);
  return ids.map((idNode) => {
    const f = readSequence(idNode, `${what} ESSCertID`);
    let i = 0;
    let hashOid = SHA1_OID;
    if (version === 2) {
      hashOid = SHA256_OID;
      if (isTag(f[i], 'universal', UNIVERSAL.SEQUENCE)) hashOid = readAlgorithm(f[i++], `${what} hashAlgorithm`).oid;
    }
    const id: EssCertId = { version, hashOid, certHash: readOctetString(f[i++], `${what} certHash`) };
    if (f[i] !== undefined) {
      const is = readSequence(f[i++], `${what} issuerSerial`);
      if (is.length !== 2) throw malformed(`${what}: IssuerSerial has ${is.length} fields`);
      const names = readSequence(is[0], `${what} issuer GeneralNames`);
      const issuerNames = names.filter((n) => isTag(n, 'context', 4) && n.constructed && n.children.length === 1).map((n) => encodeDer(n.children[0]!));
      id.issuerSerial = { issuerNames, serialHex: readIntegerHex(is[1], `${what} serialNumber`) };
    }
    if (i !== f.length) throw malformed(`${what}: unexpected field in ESSCertID`);
    return id;
  });
}

/** Human form of a sid: `issuer=…, serial=…` or `subjectKeyIdentifier=…`. */
export function sidText(sid: SignerIdentifier): string {
  if (sid.kind === 'ski') return `subjectKeyIdentifier=${toHex(sid.ski, ':')}`;
  let issuer: string;
  try {
    issuer = formatNameDer(sid.issuer);
  } catch {
    issuer = `#${toHex(sid.issuer)}`;
  }
  return `issuer=${issuer}, serial=${sid.serialHex}`;
}

/** The certificate a sid names, among `candidates`. */
export function findSigner(sid: SignerIdentifier, candidates: readonly X509Cert[]): X509Cert | undefined {
  let issuerKey: string | undefined;
  return candidates.find((cert) => {
    if (sid.kind === 'ski') return cert.subjectKeyIdentifier !== undefined && bytesEqual(cert.subjectKeyIdentifier, sid.ski);
    if (cert.serialNumberHex !== sid.serialHex) return false;
    try {
      issuerKey ??= decodeName(sid.issuer).key;
      return cert.issuerName.key === issuerKey;
    } catch {
      return false;
    }
  });
}

/**
 * Certificates of a CertificateSet (RFC 5652 §10.2.3): plain X.509 certificates only (attribute
 * and other certificates are skipped); an undecodable one is skipped too — if it was the signer's,
 * the signer is reported missing.
 */
export function parseCertificateSet(set: BerNode | undefined): X509Cert[] {
  const out: X509Cert[] = [];
  for (const choice of set?.children ?? []) {
    if (!isTag(choice, 'universal', UNIVERSAL.SEQUENCE)) continue;
    try {
      out.push(parseCertificateCached(choice.length === undefined ? encodeDer(choice) : rawBytes(choice)));
    } catch {
      // skipped
    }
  }
  return out;
}

/** The certificates among the encodings of CertificateChoices (plain X.509 ones; see {@link parseCertificateSet}). */
export function parseCertificateDers(ders: readonly Uint8Array[]): X509Cert[] {
  const out: X509Cert[] = [];
  for (const der of ders) {
    if (der[0] !== 0x30) continue;
    try {
      out.push(parseCertificateCached(der));
    } catch {
      // skipped, as in parseCertificateSet
    }
  }
  return out;
}

/**
 * RevocationInfoChoices (RFC 5652 §10.2.1) from the encodings of its elements: each CRL's DER, and
 * each OCSP response of an OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940 §4.1).
 */
export function splitRevocationInfo(ders: readonly Uint8Array[]): { crls: Uint8Array[]; ocsp: Uint8Array[] } {
  const crls: Uint8Array[] = [];
  const ocsp: Uint8Array[] = [];
  for (const der of ders) {
    if (der[0] === 0x30) crls.push(der.slice());
    else if (der[0] === 0xa1) {
      const choice = parseBer(der, 'OtherRevocationInfoFormat', { maxNodes: 100_000 });
      const [format, info] = choice.children;
      if (format !== undefined && info !== undefined && decodeOid(format, 'otherRevInfoFormat') === '1.3.6.1.5.5.7.16.2') ocsp.push(rawBytes(info).slice());
    }
  }
  return { crls, ocsp };
}

/** A SignedData held in memory (a time-stamp token, a seal signature). */
export interface SignedDataParts {
  version: number;
  digestAlgorithms: string[];
  eContentType: string;
  /** The encapsulated content (OCTET STRING segments joined), when attached. */
  eContent: Uint8Array | undefined;
  certificates: X509Cert[];
  /** The DER of each certificate choice that is a plain certificate, as encoded. */
  certificateDers: Uint8Array[];
  crls: Uint8Array[];
  ocspResponses: Uint8Array[];
  signerInfos: SignerInfo[];
}

/**
 * Parses a ContentInfo(SignedData) held in memory (RFC 5652 §3, §5.1).
 * @throws ScelleError MALFORMED_ASN1 (not well-formed), UNSUPPORTED_FORMAT (not SignedData).
 */
export function parseSignedData(der: Uint8Array, what = 'SignedData'): SignedDataParts {
  const ci = readSequence(parseBer(der, what), `${what} ContentInfo`);
  if (ci.length !== 2) throw malformed(`${what}: ContentInfo has ${ci.length} fields, not 2`);
  const ct = decodeOid(ci[0], `${what} contentType`);
  if (ct !== CMS_OID.signedData) throw new ScelleError('UNSUPPORTED_FORMAT', `${what}: the content type is ${ct}, not SignedData`, { params: { detail: ct } });
  if (!isTag(ci[1], 'context', 0) || ci[1]!.children.length !== 1) throw malformed(`${what}: ContentInfo content is not [0] EXPLICIT`);
  const sd = readSequence(ci[1]!.children[0], what);
  let i = 0;
  const version = readSmallInteger(sd[i++], `${what} version`);
  const digestAlgorithms = readSet(sd[i++], `${what} digestAlgorithms`).map((a) => readAlgorithm(a, `${what} digestAlgorithm`).oid);
  const eci = readSequence(sd[i++], `${what} encapContentInfo`);
  const eContentType = decodeOid(eci[0], `${what} eContentType`);
  let eContent: Uint8Array | undefined;
  if (eci[1] !== undefined) {
    if (!isTag(eci[1], 'context', 0) || eci[1].children.length !== 1 || eci.length !== 2) throw malformed(`${what}: eContent is not [0] EXPLICIT OCTET STRING`);
    eContent = readOctetString(eci[1].children[0], `${what} eContent`);
  }
  let certsNode: BerNode | undefined;
  let crlsNode: BerNode | undefined;
  if (isTag(sd[i], 'context', 0)) certsNode = sd[i++];
  if (isTag(sd[i], 'context', 1)) crlsNode = sd[i++];
  const sis = readSet(sd[i++], `${what} signerInfos`);
  if (i !== sd.length) throw malformed(`${what}: signerInfos is not the last field`);
  const certificateDers = (certsNode?.children ?? []).filter((c) => isTag(c, 'universal', UNIVERSAL.SEQUENCE)).map((c) => (c.length === undefined ? encodeDer(c) : rawBytes(c).slice()));
  const revocation = splitRevocationInfo((crlsNode?.children ?? []).map((c) => rawBytes(c)));
  return {
    version,
    digestAlgorithms,
    eContentType,
    eContent,
    certificates: parseCertificateSet(certsNode),
    certificateDers,
    crls: revocation.crls,
    ocspResponses: revocation.ocsp,
    signerInfos: sis.map((s, k) => parseSignerInfo(s, `${what} SignerInfo #${k + 1}`)),
  };
}
