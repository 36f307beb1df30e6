/**
 * Time-Stamp Protocol structures (RFC 3161 §2.4, with the ESSCertIDv2 of RFC 5816 and RFC 5035
 * §5.4): building and strictly parsing TimeStampReq, TimeStampResp, the TimeStampToken (a CMS
 * SignedData, RFC 5652 §5, whose eContent is a TSTInfo) and the TSTInfo itself.
 *
 * Parsing is strict: truncated input, trailing bytes, non-minimal INTEGERs, an unknown version,
 * and a TSTInfo that is not DER (RFC 3161 §2.4.2 requires DER) are `MALFORMED_ASN1`. Parsing
 * checks structure only; whether a token is *valid* (signature, certificate, imprint, nonce,
 * policy) is the verifier's job (verify-token.ts), which takes {@link TimeStampToken} as input.
 *
 * Encoding reuses the CMS DER writer (`crypto/asn1/der.ts`); decoding reuses the strict BER
 * tree parser (`crypto/asn1/ber.ts`).
 */
import { ScelleError } from '../errors.js';
import {
  decodeOid,
  encodeDer,
  isTag,
  parseBer,
  rawBytes,
  stringContents,
  UNIVERSAL,
  type BerNode,
} from '../crypto/asn1/ber.js';
import {
  TAG,
  algorithmIdentifier,
  concatBytes,
  objectIdentifier,
  octetString,
  sequence,
  smallInteger,
  tlv,
} from '../crypto/asn1/der.js';
import { ALG_OID, CMS_OID, DIGEST_OID } from '../crypto/cms/oids.js';
import { formatNameDer } from '../crypto/x509/certificate.js';

/** Content-Type of a request (RFC 3161 §3.4). */
export const TIMESTAMP_QUERY_TYPE = 'application/timestamp-query';
/** Content-Type of a response (RFC 3161 §3.4). */
export const TIMESTAMP_REPLY_TYPE = 'application/timestamp-reply';

/** Digests accepted in a message imprint. SHA-1 and MD5 are refused (collisions are practical). */
export type TspHash = 'sha256' | 'sha384' | 'sha512';

/** The digests of {@link TspHash}, strongest last. */
export const TSP_HASHES: readonly TspHash[] = ['sha256', 'sha384', 'sha512'];

/** Digest length in bytes of each {@link TspHash}. */
export const TSP_HASH_LENGTH: Readonly<Record<TspHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** PKIStatus values (RFC 3161 §2.4.2, RFC 4210). */
export const PKI_STATUS = {
  granted: 0,
  grantedWithMods: 1,
  rejection: 2,
  waiting: 3,
  revocationWarning: 4,
  revocationNotification: 5,
} as const;

/** PKIFailureInfo bit names and their bit numbers (RFC 3161 §2.4.2). */
export const PKI_FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

/** A PKIFailureInfo bit name. */
export type PkiFailureName = keyof typeof PKI_FAILURE_BITS;

/** An extension of a request or a TSTInfo (RFC 5280 §4.1 `Extension`). */
export interface TspExtension {
  oid: string;
  critical: boolean;
  /** Contents of extnValue (the DER of the extension's value). */
  value: Uint8Array;
}

/** A TimeStampReq (RFC 3161 §2.4.1). */
export interface TimeStampRequest {
  /** hashAlgorithm of the messageImprint. */
  hash: TspHash;
  /** hashedMessage: the digest of the data to timestamp. */
  imprint: Uint8Array;
  /** The nonce, as an unsigned big-endian integer (leading zero bytes are not significant). */
  nonce?: Uint8Array;
  /** Ask the TSA to include its certificate in the token. */
  certReq: boolean;
  /** reqPolicy: the TSA policy asked for (dotted OID). */
  policy?: string;
  /** Request extensions (set by {@link parseTimeStampReq}; scelle's TSA accepts none). */
  extensions?: TspExtension[];
  /**
   * The DER of the messageImprint exactly as received (set by {@link parseTimeStampReq}): a TSA
   * copies it into the TSTInfo unchanged, parameters of the AlgorithmIdentifier included
   * (RFC 3161 §2.4.2: "MUST have the same value").
   */
  messageImprintDer?: Uint8Array;
}

/** A decoded TSTInfo (RFC 3161 §2.4.2). */
export interface TstInfo {
  /** The TSA policy under which the token was made (dotted OID). */
  policy: string;
  /** The messageImprint's digest: a {@link TspHash}, `sha1`/`sha224`/`md5`, or the OID when unknown. */
  hash: TspHash | string;
  /** The messageImprint's hashedMessage. */
  imprint: Uint8Array;
  /** DER of the messageImprint (to compare with a request's byte for byte). */
  messageImprintDer: Uint8Array;
  /** serialNumber: lowercase hex of the INTEGER's bytes without leading zero bytes (`"07"`, `"2b"`; zero is `"00"`). */
  serialNumber: string;
  /** genTime (GeneralizedTime, UTC; fractions beyond milliseconds are truncated). */
  genTime: Date;
  /** The genTime text exactly as encoded (`YYYYMMDDhhmmss[.f…]Z`). */
  genTimeText: string;
  accuracy?: { seconds?: number; millis?: number; micros?: number };
  ordering: boolean;
  /** The nonce as an unsigned big-endian integer (minimal: no leading zero byte). */
  nonce?: Uint8Array;
  /** The tsa field rendered (a directoryName as RFC 4514 text, else `type:value`). */
  tsaName?: string;
  /** The tsa GeneralName's Name DER when it is a directoryName (to match the TSA certificate's subject). */
  tsaNameDer?: Uint8Array;
  extensions?: TspExtension[];
  /** The DER of the TSTInfo: the eContent the token's message-digest covers. */
  der: Uint8Array;
}

/** A TimeStampResp (RFC 3161 §2.4.2). */
export interface TimeStampResponse {
  /** PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning, 5 revocationNotification. */
  status: number;
  /** PKIFreeText: the TSA's explanations (UTF8String). */
  statusStrings: string[];
  /** Names of the PKIFailureInfo bits set (unknown bits as `bitN`). */
  failInfo: string[];
  /** The TimeStampToken: the ContentInfo DER, exactly as received. */
  token?: Uint8Array;
  /** The decoded TSTInfo of the token. */
  tstInfo?: TstInfo;
  /** The whole response, exactly as given to the parser. */
  der: Uint8Array;
}

/** An ESSCertID (RFC 2634 §5.4.1, SHA-1) or ESSCertIDv2 (RFC 5035 §5.4.1.1). */
export interface EssCertId {
  /** 1: ESSCertID of signing-certificate; 2: ESSCertIDv2 of signing-certificate-v2. */
  version: 1 | 2;
  /** Digest of `certHash`: `sha1` (v1), the v2 hashAlgorithm (`sha256` when absent: the DEFAULT), or its OID when unknown. */
  hash: string;
  /** The digest of the certificate's DER. */
  certHash: Uint8Array;
  /** issuerSerial: the issuer's directoryNames (Name DER) and the serial (hex, as {@link TstInfo.serialNumber}). */
  issuerSerial?: { issuerNames: Uint8Array[]; serialNumber: string };
}

/** One attribute of a SignerInfo (RFC 5652 §5.3). */
export interface CmsAttribute {
  oid: string;
  /** The DER of each value. */
  values: Uint8Array[];
}

/** A SignerInfo of a timestamp token, decoded for verification (RFC 5652 §5.3). */
export interface TokenSignerInfo {
  /** SignerInfo version: 1 (issuerAndSerialNumber) or 3 (subjectKeyIdentifier). */
  version: number;
  /** The signer identifier. */
  sid:
    | { kind: 'issuerAndSerialNumber'; issuer: Uint8Array /* Name DER */; serialNumber: string /* hex, as TstInfo.serialNumber */ }
    | { kind: 'subjectKeyIdentifier'; keyIdentifier: Uint8Array };
  /** digestAlgorithm: name (as {@link TstInfo.hash}) or OID. */
  digestAlgorithm: string;
  /** The digestAlgorithm OID. */
  digestAlgorithmOid: string;
  /**
   * The DER of the signed attributes as a `SET OF` (tag 0x31): exactly what the signature covers
   * (RFC 5652 §5.4). Re-encoded as DER when the token carried them in BER.
   */
  signedAttrs: Uint8Array;
  /** The signed attributes, in encoded order. */
  attributes: CmsAttribute[];
  /** content-type attribute (RFC 5652 §11.1). Must be id-ct-TSTInfo for a token. */
  contentType?: string;
  /** message-digest attribute (RFC 5652 §11.2): the digest of the TSTInfo DER. */
  messageDigest?: Uint8Array;
  /** signing-time attribute, when present (RFC 5652 §11.3). */
  signingTime?: Date;
  /** The certs of signing-certificate-v2 (RFC 5035, RFC 5816) when present. */
  signingCertificateV2?: EssCertId[];
  /** The certs of signing-certificate (v1, RFC 2634 — SHA-1, RFC 3161 §2.4.1) when present. */
  signingCertificate?: EssCertId[];
  /** signatureAlgorithm OID. */
  signatureAlgorithmOid: string;
  /** signatureAlgorithm parameters DER (RSASSA-PSS-params), when present and not NULL. */
  signatureAlgorithmParams?: Uint8Array;
  /** The DER of the whole signatureAlgorithm AlgorithmIdentifier. */
  signatureAlgorithmDer: Uint8Array;
  /** The signature value. */
  signature: Uint8Array;
  /** Unsigned attributes, when present. */
  unsignedAttributes?: CmsAttribute[];
}

/**
 * A TimeStampToken (RFC 3161 §2.4.2): a ContentInfo(SignedData) whose eContent is a TSTInfo,
 * with the SignedData pieces a strict verifier needs. The verifier checks, in order: one
 * SignerInfo; content-type = id-ct-TSTInfo; message-digest = hash(`tstInfo.der`) with
 * `digestAlgorithm`; the signature over `signedAttrs`; the signing certificate (ESSCertIDv2 or
 * ESSCertID) against the certificate found in `certificates` (or given); its critical
 * id-kp-timeStamping EKU (RFC 3161 §2.3); then imprint, nonce and policy against the request.
 */
export interface TimeStampToken {
  tstInfo: TstInfo;
  /** The ContentInfo DER as given. */
  der: Uint8Array;
  /** SignedData version. */
  version: number;
  /** digestAlgorithms of the SignedData (names or OIDs). */
  digestAlgorithms: string[];
  /** eContentType (always id-ct-TSTInfo here: anything else is refused). */
  eContentType: string;
  /** Certificates of the `certificates` field (DER, in order; other CertificateChoices skipped). */
  certificates: Uint8Array[];
  /** CRLs of the `crls` field (DER of each RevocationInfoChoice). */
  crls: Uint8Array[];
  signerInfos: TokenSignerInfo[];
}

// -------------------------------------------------------------------------------------- helpers

function malformed(message: string, failInfo?: PkiFailureName): ScelleError {
  return new ScelleError('MALFORMED_ASN1', message, failInfo === undefined ? {} : { params: { failInfo } });
}

const HASH_BY_OID: Readonly<Record<string, string>> = {
  [ALG_OID.md5]: 'md5',
  [ALG_OID.sha1]: 'sha1',
  [ALG_OID.sha224]: 'sha224',
  [ALG_OID.sha256]: 'sha256',
  [ALG_OID.sha384]: 'sha384',
  [ALG_OID.sha512]: 'sha512',
};

/** The name of a digest OID (`sha256`, `sha1`, …), or the OID itself when unknown. */
export function hashNameOf(oid: string): string {
  return HASH_BY_OID[oid] ?? oid;
}

/** True when `name` is one of the {@link TspHash} digests. */
export function isTspHash(name: string): name is TspHash {
  return (TSP_HASHES as readonly string[]).includes(name);
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Strips leading zero bytes of an unsigned big-endian integer (an all-zero value becomes one 0 byte). */
export function normalizeUnsigned(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.length === 0 ? Uint8Array.of(0) : bytes.slice(i);
}

/** `INTEGER` encoding of an unsigned big-endian integer (X.690 §8.3: minimal two's complement). */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  const v = normalizeUnsigned(bytes);
  return tlv(TAG.INTEGER, (v[0]! & 0x80) !== 0 ? concatBytes([Uint8Array.of(0), v]) : v);
}

/** Contents of an INTEGER, checked minimal (X.690 §8.3.2). */
function integerContents(node: BerNode | undefined, what: string): Uint8Array {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.INTEGER) || node.constructed) throw malformed(`${what}: expected an INTEGER`);
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  if (b.length === 0) throw malformed(`${what}: empty INTEGER`);
  if (b.length > 1 && ((b[0] === 0 && (b[1]! & 0x80) === 0) || (b[0] === 0xff && (b[1]! & 0x80) !== 0))) {
    throw malformed(`${what}: INTEGER not minimally encoded (X.690 §8.3.2)`);
  }
  return b;
}

/** A non-negative INTEGER as an unsigned big-endian magnitude (minimal). */
function unsignedOf(node: BerNode | undefined, what: string, failInfo?: PkiFailureName): Uint8Array {
  const b = integerContents(node, what);
  if ((b[0]! & 0x80) !== 0) throw malformed(`${what}: negative INTEGER`, failInfo);
  return normalizeUnsigned(b);
}

/** A small non-negative INTEGER as a number. */
function smallIntOf(node: BerNode | undefined, what: string): number {
  const b = unsignedOf(node, what);
  if (b.length > 6) throw malformed(`${what}: INTEGER too large`);
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

function expectSequence(node: BerNode | undefined, what: string): BerNode[] {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.SEQUENCE) || !node.constructed) throw malformed(`${what}: expected a SEQUENCE`);
  return node.children;
}

function parseTop(der: Uint8Array, what: string, failInfo?: PkiFailureName): BerNode {
  if (!(der instanceof Uint8Array)) throw new ScelleError('USAGE', `${what}: expected bytes`);
  try {
    return parseBer(der, what);
  } catch (e) {
    if (e instanceof ScelleError && failInfo !== undefined) throw malformed(e.message, failInfo);
    throw e;
  }
}

function parseAlgorithm(node: BerNode | undefined, what: string): { oid: string; params: BerNode | undefined } {
  const c = expectSequence(node, what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: an AlgorithmIdentifier has one or two fields`);
  return { oid: decodeOid(c[0], `${what} algorithm`), params: c[1] };
}

function parseExtensions(node: BerNode, what: string): TspExtension[] {
  const out: TspExtension[] = [];
  for (const e of node.children) {
    const c = expectSequence(e, what);
    let i = 0;
    const oid = decodeOid(c[i++], `${what} extnID`);
    let critical = false;
    if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) critical = booleanOf(c[i++]!, what);
    const v = c[i++];
    if (v === undefined || !isTag(v, 'universal', UNIVERSAL.OCTET_STRING) || i !== c.length) throw malformed(`${what}: malformed Extension`);
    out.push({ oid, critical, value: stringContents(v, what) });
  }
  return out;
}

function booleanOf(node: BerNode, what: string): boolean {
  const b = node.buffer.subarray(node.contentStart, node.contentEnd);
  if (node.constructed || b.length !== 1) throw malformed(`${what}: malformed BOOLEAN`);
  return b[0] !== 0;
}

/** MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING } */
function parseMessageImprint(node: BerNode | undefined, what: string, failInfo?: PkiFailureName): { oid: string; imprint: Uint8Array; der: Uint8Array } {
  const c = expectSequence(node, `${what} messageImprint`);
  if (c.length !== 2) throw malformed(`${what}: messageImprint has ${c.length} fields, not 2`, failInfo);
  const alg = parseAlgorithm(c[0], `${what} hashAlgorithm`);
  // RFC 5754 §2: parameters absent or NULL.
  if (alg.params !== undefined && !(isTag(alg.params, 'universal', UNIVERSAL.NULL) && alg.params.contentEnd === alg.params.contentStart)) {
    throw malformed(`${what}: digest algorithm parameters must be absent or NULL`, failInfo);
  }
  if (!isTag(c[1], 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: hashedMessage is not an OCTET STRING`, failInfo);
  return { oid: alg.oid, imprint: stringContents(c[1]!, what), der: rawBytes(node!) };
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * GeneralizedTime as RFC 3161 §2.4.2 requires: UTC (`Z`), seconds always present, a fraction
 * only when non-zero and without trailing zeros. `Date` holds milliseconds, so at most three digits.
 */
export function encodeGeneralizedTime(date: Date): Uint8Array {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new ScelleError('USAGE', 'genTime is not a valid date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new ScelleError('USAGE', `genTime year ${y} cannot be written as a GeneralizedTime`);
  let s = `${String(y).padStart(4, '0')}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  if (ms !== 0) s += `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(`${s}Z`));
}

function parseGeneralizedTime(node: BerNode | undefined, what: string): { date: Date; text: string } {
  if (node === undefined || !isTag(node, 'universal', UNIVERSAL.GENERALIZED_TIME) || node.constructed) throw malformed(`${what}: expected a GeneralizedTime`);
  const text = new TextDecoder().decode(node.buffer.subarray(node.contentStart, node.contentEnd));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text);
  if (m === null) throw malformed(`${what}: "${text}" is not a UTC GeneralizedTime with seconds (RFC 3161 §2.4.2)`);
  const [yy, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const date = new Date(Date.UTC(yy, mo - 1, d, h, mi, s, ms));
  if (yy < 100) date.setUTCFullYear(yy);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw malformed(`${what}: "${text}" is not a valid date`);
  }
  return { date, text };
}

function parseUtcOrGeneralizedTime(node: BerNode | undefined, what: string): Date {
  if (node !== undefined && isTag(node, 'universal', UNIVERSAL.UTC_TIME) && !node.constructed) {
    const text = new TextDecoder().decode(node.buffer.subarray(node.contentStart, node.contentEnd));
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (m === null) throw malformed(`${what}: "${text}" is not a UTCTime with seconds`);
    const [yy, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, mo - 1, d, h, mi, s));
  }
  return parseGeneralizedTime(node, what).date;
}

// ---------------------------------------------------------------------------------- TimeStampReq

/**
 * Encodes a TimeStampReq (RFC 3161 §2.4.1) in DER: version 1, the messageImprint (hash OID with
 * absent parameters, RFC 5754 §2), reqPolicy, nonce, certReq (omitted when false: DEFAULT).
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` (a hash outside {@link TspHash}), `USAGE` (an
 *   imprint whose length does not match the hash, an empty nonce, a malformed policy OID).
 */
export function buildTimeStampReq(req: TimeStampRequest): Uint8Array {
  if (!isTspHash(String(req.hash))) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `unsupported message imprint digest "${String(req.hash)}": use SHA-256, SHA-384 or SHA-512`, { params: { detail: String(req.hash) } });
  }
  if (!(req.imprint instanceof Uint8Array) || req.imprint.byteLength !== TSP_HASH_LENGTH[req.hash]) {
    throw new ScelleError('USAGE', `the message imprint must be a ${req.hash} digest of ${TSP_HASH_LENGTH[req.hash]} bytes`);
  }
  const parts = [smallInteger(1), sequence(algorithmIdentifier(DIGEST_OID[req.hash]), octetString(req.imprint))];
  if (req.policy !== undefined) parts.push(policyOid(req.policy));
  if (req.nonce !== undefined) {
    if (req.nonce.byteLength === 0) throw new ScelleError('USAGE', 'the nonce is empty');
    parts.push(unsignedInteger(req.nonce));
  }
  if (req.certReq) parts.push(Uint8Array.of(0x01, 0x01, 0xff));
  return sequence(...parts);
}

/** A TSAPolicyId, validated. */
export function policyOid(policy: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(policy)) throw new ScelleError('USAGE', `"${policy}" is not a dotted OBJECT IDENTIFIER`);
  return objectIdentifier(policy);
}

/**
 * Parses a TimeStampReq (RFC 3161 §2.4.1).
 *
 * Errors carry the PKIFailureInfo a TSA answers with in `params.failInfo`: `badDataFormat` when
 * the bytes are not a TimeStampReq at all, `badRequest` when the structure is there but wrong
 * (version ≠ 1, an imprint whose length does not fit its digest, a negative nonce).
 * @throws ScelleError `MALFORMED_ASN1` (see above), `UNSUPPORTED_ALGORITHM` for a digest outside
 *   {@link TspHash} — SHA-1 included (`params.detail` names it; a TSA answers badAlg).
 */
export function parseTimeStampReq(der: Uint8Array): TimeStampRequest {
  const what = 'TimeStampReq';
  const top = parseTop(der, what, 'badDataFormat');
  let c: BerNode[];
  try {
    c = expectSequence(top, what);
  } catch (e) {
    throw malformed((e as Error).message, 'badDataFormat');
  }
  let i = 0;
  let version: number;
  let mi: { oid: string; imprint: Uint8Array; der: Uint8Array };
  try {
    version = smallIntOf(c[i++], `${what} version`);
    mi = parseMessageImprint(c[i++], what);
  } catch (e) {
    throw malformed((e as Error).message, 'badDataFormat');
  }
  if (version !== 1) throw malformed(`${what}: version ${version}, only v1 exists`, 'badRequest');
  const out: TimeStampRequest = { hash: 'sha256', imprint: mi.imprint, certReq: false, messageImprintDer: mi.der };
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof ScelleError && e.params.failInfo !== undefined ? e : malformed((e as Error).message, 'badDataFormat');
    }
  };
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.OID)) out.policy = wrap(() => decodeOid(c[i++], `${what} reqPolicy`));
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.INTEGER)) out.nonce = wrap(() => unsignedOf(c[i++], `${what} nonce`, 'badRequest'));
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) out.certReq = wrap(() => booleanOf(c[i++]!, `${what} certReq`));
  if (c[i] !== undefined && isTag(c[i], 'context', 0)) out.extensions = wrap(() => parseExtensions(c[i++]!, `${what} extensions`));
  if (i !== c.length) throw malformed(`${what}: unexpected field ${i + 1}`, 'badDataFormat');
  const name = hashNameOf(mi.oid);
  if (!isTspHash(name)) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `the request's message imprint uses ${name.toUpperCase()}, which this TSA does not accept (SHA-256, SHA-384, SHA-512)`, { params: { detail: name, failInfo: 'badAlg' } });
  }
  out.hash = name;
  if (mi.imprint.byteLength !== TSP_HASH_LENGTH[name]) {
    throw malformed(`${what}: a ${name} imprint has ${TSP_HASH_LENGTH[name]} bytes, not ${mi.imprint.byteLength}`, 'badRequest');
  }
  return out;
}

// --------------------------------------------------------------------------------- TimeStampResp

/** What {@link buildTimeStampResp} encodes. */
export interface TimeStampRespParts {
  status: number;
  statusStrings?: string[];
  failInfo?: PkiFailureName[];
  /** The TimeStampToken (ContentInfo DER), for status 0 or 1. */
  token?: Uint8Array;
}

/**
 * Encodes a TimeStampResp (RFC 3161 §2.4.2): PKIStatusInfo (statusString as UTF8Strings,
 * failInfo as a DER named BIT STRING without trailing zero bits, X.690 §11.2.2) and the token.
 * @throws ScelleError `USAGE` for a status outside 0–5 or an unknown failure name.
 */
export function buildTimeStampResp(parts: TimeStampRespParts): Uint8Array {
  if (!Number.isInteger(parts.status) || parts.status < 0 || parts.status > 5) throw new ScelleError('USAGE', `PKIStatus ${parts.status} does not exist`);
  const info = [smallInteger(parts.status)];
  if (parts.statusStrings !== undefined && parts.statusStrings.length > 0) {
    info.push(sequence(...parts.statusStrings.map((s) => tlv(0x0c, new TextEncoder().encode(s)))));
  }
  if (parts.failInfo !== undefined && parts.failInfo.length > 0) {
    const bits = parts.failInfo.map((n) => {
      const b = PKI_FAILURE_BITS[n];
      if (b === undefined) throw new ScelleError('USAGE', `unknown PKIFailureInfo "${n}"`);
      return b;
    });
    const max = Math.max(...bits);
    const bytes = new Uint8Array(Math.floor(max / 8) + 1);
    for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
    info.push(tlv(0x03, Uint8Array.of(7 - (max % 8)), bytes));
  }
  return parts.token === undefined ? sequence(sequence(...info)) : sequence(sequence(...info), parts.token);
}

const FAILURE_NAME_BY_BIT = new Map<number, string>(Object.entries(PKI_FAILURE_BITS).map(([k, v]) => [v, k]));

/**
 * Parses a TimeStampResp (RFC 3161 §2.4.2) and, when present, its token and TSTInfo.
 * A rejection is a normal result (`status` 2, `failInfo`), not an error.
 * @throws ScelleError `MALFORMED_ASN1` (not a TimeStampResp, a malformed token or TSTInfo),
 *   `TIMESTAMP_INVALID` (the token's content is not a TSTInfo).
 */
export function parseTimeStampResp(der: Uint8Array): TimeStampResponse {
  const what = 'TimeStampResp';
  const c = expectSequence(parseTop(der, what), what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: ${c.length} fields, expected 1 or 2`);
  const si = expectSequence(c[0], `${what} status`);
  let i = 0;
  const status = smallIntOf(si[i++], `${what} PKIStatus`);
  if (status > 5) throw malformed(`${what}: PKIStatus ${status} does not exist`);
  const statusStrings: string[] = [];
  const failInfo: string[] = [];
  if (si[i] !== undefined && isTag(si[i], 'universal', UNIVERSAL.SEQUENCE)) {
    for (const s of si[i++]!.children) {
      if (!isTag(s, 'universal', 12)) throw malformed(`${what}: statusString holds a non-UTF8String`);
      statusStrings.push(new TextDecoder('utf-8', { fatal: true }).decode(stringContents(s, what)));
    }
  }
  if (si[i] !== undefined && isTag(si[i], 'universal', UNIVERSAL.BIT_STRING)) {
    const b = stringContents(si[i++]!, `${what} failInfo`);
    if (b.length === 0 || b[0]! > 7) throw malformed(`${what}: malformed failInfo BIT STRING`);
    for (let bit = 0; bit < (b.length - 1) * 8; bit++) {
      if ((b[1 + (bit >> 3)]! & (0x80 >> (bit & 7))) !== 0) failInfo.push(FAILURE_NAME_BY_BIT.get(bit) ?? `bit${bit}`);
    }
  }
  if (i !== si.length) throw malformed(`${what}: unexpected field in PKIStatusInfo`);
  const out: TimeStampResponse = { status, statusStrings, failInfo, der };
  if (c[1] !== undefined) {
    const token = rawBytes(c[1]);
    out.token = token;
    out.tstInfo = parseTimeStampToken(token).tstInfo;
  }
  return out;
}

// ---------------------------------------------------------------------------------------- token

/**
 * Parses a TimeStampToken: ContentInfo(SignedData) (RFC 5652 §3, §5) with eContentType
 * id-ct-TSTInfo and its TSTInfo (RFC 3161 §2.4.2). Structure only — no signature or certificate
 * is checked here (see {@link TimeStampToken} for what the verifier does with the pieces).
 * @throws ScelleError `MALFORMED_ASN1` (bad structure; a TSTInfo that is not DER), `TIMESTAMP_INVALID`
 *   (a SignedData whose content is not a TSTInfo, or that carries none).
 */
export function parseTimeStampToken(der: Uint8Array): TimeStampToken {
  const what = 'TimeStampToken';
  const ci = expectSequence(parseTop(der, what), `${what} ContentInfo`);
  if (ci.length !== 2) throw malformed(`${what}: ContentInfo has ${ci.length} fields, not 2`);
  const ct = decodeOid(ci[0], `${what} contentType`);
  if (ct !== CMS_OID.signedData) throw new ScelleError('TIMESTAMP_INVALID', `${what}: the content type is ${ct}, not SignedData`, { params: { detail: ct } });
  if (!isTag(ci[1], 'context', 0) || ci[1]!.children.length !== 1) throw malformed(`${what}: ContentInfo content is not [0] EXPLICIT`);
  const sd = expectSequence(ci[1]!.children[0], `${what} SignedData`);
  let i = 0;
  const version = smallIntOf(sd[i++], `${what} SignedData version`);
  const dAlgs = sd[i++];
  if (dAlgs === undefined || !isTag(dAlgs, 'universal', UNIVERSAL.SET)) throw malformed(`${what}: digestAlgorithms is not a SET`);
  const digestAlgorithms = dAlgs.children.map((a) => hashNameOf(parseAlgorithm(a, `${what} digestAlgorithm`).oid));
  const eci = expectSequence(sd[i++], `${what} encapContentInfo`);
  const eContentType = decodeOid(eci[0], `${what} eContentType`);
  if (eContentType !== CMS_OID.tstInfo) {
    throw new ScelleError('TIMESTAMP_INVALID', `${what}: the signed content is ${eContentType}, not a TSTInfo (id-ct-TSTInfo)`, { params: { detail: eContentType } });
  }
  const wrapped = eci[1];
  if (eci.length !== 2 || wrapped === undefined || !isTag(wrapped, 'context', 0) || wrapped.children.length !== 1 || !isTag(wrapped.children[0], 'universal', UNIVERSAL.OCTET_STRING)) {
    throw new ScelleError('TIMESTAMP_INVALID', `${what}: the SignedData carries no TSTInfo (eContent absent)`);
  }
  const tstInfo = parseTstInfo(stringContents(wrapped.children[0]!, `${what} eContent`));
  const certificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  if (sd[i] !== undefined && isTag(sd[i], 'context', 0)) {
    for (const cert of sd[i++]!.children) if (isTag(cert, 'universal', UNIVERSAL.SEQUENCE)) certificates.push(encodeDerIfNeeded(cert));
  }
  if (sd[i] !== undefined && isTag(sd[i], 'context', 1)) {
    for (const crl of sd[i++]!.children) crls.push(rawBytes(crl));
  }
  const sis = sd[i++];
  if (sis === undefined || !isTag(sis, 'universal', UNIVERSAL.SET) || i !== sd.length) throw malformed(`${what}: signerInfos is not the last field, a SET`);
  const signerInfos = sis.children.map((s, k) => parseSignerInfo(s, `${what} SignerInfo #${k + 1}`));
  return { tstInfo, der, version, digestAlgorithms, eContentType, certificates, crls, signerInfos };
}

/** Certificates are DER; an element in indefinite-length form is re-encoded (it could not be DER otherwise). */
function encodeDerIfNeeded(node: BerNode): Uint8Array {
  return node.length === undefined ? encodeDer(node) : rawBytes(node);
}

/**
 * Parses a TSTInfo DER (RFC 3161 §2.4.2).
 * @throws ScelleError `MALFORMED_ASN1` for anything but a DER TSTInfo v1.
 */
export function parseTstInfo(der: Uint8Array): TstInfo {
  const what = 'TSTInfo';
  const top = parseTop(der, what);
  const reencoded = encodeDer(top);
  if (reencoded.byteLength !== der.byteLength || Buffer.compare(Buffer.from(reencoded), Buffer.from(der.buffer, der.byteOffset, der.byteLength)) !== 0) {
    throw malformed(`${what} is not DER-encoded (RFC 3161 §2.4.2 requires DER)`);
  }
  const c = expectSequence(top, what);
  let i = 0;
  const version = smallIntOf(c[i++], `${what} version`);
  if (version !== 1) throw malformed(`${what}: version ${version}, only v1 exists`);
  const policy = decodeOid(c[i++], `${what} policy`);
  const mi = parseMessageImprint(c[i++], what);
  const serial = integerContents(c[i++], `${what} serialNumber`);
  if ((serial[0]! & 0x80) !== 0) throw malformed(`${what}: negative serialNumber`);
  const gt = parseGeneralizedTime(c[i++], `${what} genTime`);
  const out: TstInfo = {
    policy,
    hash: hashNameOf(mi.oid),
    imprint: mi.imprint,
    messageImprintDer: mi.der,
    serialNumber: toHex(normalizeUnsigned(serial)),
    genTime: gt.date,
    genTimeText: gt.text,
    ordering: false,
    der,
  };
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.SEQUENCE)) out.accuracy = parseAccuracy(c[i++]!, `${what} accuracy`);
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) out.ordering = booleanOf(c[i++]!, `${what} ordering`);
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.INTEGER)) out.nonce = unsignedOf(c[i++], `${what} nonce`);
  if (c[i] !== undefined && isTag(c[i], 'context', 0)) {
    const gn = c[i++]!;
    if (gn.children.length !== 1) throw malformed(`${what}: tsa is not one GeneralName`);
    const name = gn.children[0]!;
    if (isTag(name, 'context', 4) && name.constructed && name.children.length === 1) {
      out.tsaNameDer = rawBytes(name.children[0]!);
      out.tsaName = formatName(out.tsaNameDer);
    } else {
      out.tsaName = `[${name.tagNumber}]:${toHex(name.buffer.subarray(name.contentStart, name.contentEnd))}`;
    }
  }
  if (c[i] !== undefined && isTag(c[i], 'context', 1)) out.extensions = parseExtensions(c[i++]!, `${what} extensions`);
  if (i !== c.length) throw malformed(`${what}: unexpected field ${i + 1}`);
  return out;
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL, micros [1] INTEGER (1..999) OPTIONAL } */
function parseAccuracy(node: BerNode, what: string): { seconds?: number; millis?: number; micros?: number } {
  const out: { seconds?: number; millis?: number; micros?: number } = {};
  let i = 0;
  const c = node.children;
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.INTEGER)) out.seconds = smallIntOf(c[i++], `${what} seconds`);
  const implicitInt = (n: BerNode, field: string): number => {
    if (n.constructed) throw malformed(`${what}: ${field} is constructed`);
    const v = smallIntOf({ ...n, tagClass: 'universal', tagNumber: UNIVERSAL.INTEGER }, `${what} ${field}`);
    if (v < 1 || v > 999) throw malformed(`${what}: ${field} ${v} is outside 1..999`);
    return v;
  };
  if (c[i] !== undefined && isTag(c[i], 'context', 0)) out.millis = implicitInt(c[i++]!, 'millis');
  if (c[i] !== undefined && isTag(c[i], 'context', 1)) out.micros = implicitInt(c[i++]!, 'micros');
  if (i !== c.length) throw malformed(`${what}: unexpected field`);
  return out;
}

/** Encodes an Accuracy (RFC 3161 §2.4.2); undefined when every field is absent or zero. */
export function encodeAccuracy(a: { seconds?: number; millis?: number; micros?: number }): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  const check = (v: number | undefined, name: string, max: number): number | undefined => {
    if (v === undefined || v === 0) return undefined;
    if (!Number.isInteger(v) || v < 0 || v > max) throw new ScelleError('USAGE', `accuracy ${name} must be an integer in 0..${max}`);
    return v;
  };
  const s = check(a.seconds, 'seconds', 0x7fffffff);
  const ms = check(a.millis, 'millis', 999);
  const us = check(a.micros, 'micros', 999);
  if (s !== undefined) parts.push(smallInteger(s));
  if (ms !== undefined) parts.push(retag(smallInteger(ms), 0x80));
  if (us !== undefined) parts.push(retag(smallInteger(us), 0x81));
  return parts.length === 0 ? undefined : sequence(...parts);
}

function retag(der: Uint8Array, tag: number): Uint8Array {
  const out = new Uint8Array(der);
  out[0] = tag;
  return out;
}

// -------------------------------------------------------------------------------- SignerInfo

function parseSignerInfo(node: BerNode, what: string): TokenSignerInfo {
  const c = expectSequence(node, what);
  let i = 0;
  const version = smallIntOf(c[i++], `${what} version`);
  const sidNode = c[i++];
  let sid: TokenSignerInfo['sid'];
  if (sidNode !== undefined && isTag(sidNode, 'universal', UNIVERSAL.SEQUENCE)) {
    if (sidNode.children.length !== 2) throw malformed(`${what}: issuerAndSerialNumber has ${sidNode.children.length} fields`);
    const issuer = sidNode.children[0]!;
    expectSequence(issuer, `${what} issuer`);
    sid = { kind: 'issuerAndSerialNumber', issuer: encodeDerIfNeeded(issuer), serialNumber: toHex(normalizeUnsigned(integerContents(sidNode.children[1], `${what} serialNumber`))) };
  } else if (sidNode !== undefined && isTag(sidNode, 'context', 0)) {
    sid = { kind: 'subjectKeyIdentifier', keyIdentifier: stringContents(sidNode, `${what} subjectKeyIdentifier`) };
  } else {
    throw malformed(`${what}: sid is neither issuerAndSerialNumber nor subjectKeyIdentifier`);
  }
  const digestOid = parseAlgorithm(c[i++], `${what} digestAlgorithm`).oid;
  let signedAttrsNode: BerNode | undefined;
  if (c[i] !== undefined && isTag(c[i], 'context', 0)) signedAttrsNode = c[i++];
  const sigAlgNode = c[i++];
  const sigAlg = parseAlgorithm(sigAlgNode, `${what} signatureAlgorithm`);
  const sigNode = c[i++];
  if (sigNode === undefined || !isTag(sigNode, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: signature is not an OCTET STRING`);
  let unsignedNode: BerNode | undefined;
  if (c[i] !== undefined && isTag(c[i], 'context', 1)) unsignedNode = c[i++];
  if (i !== c.length) throw malformed(`${what}: unexpected field ${i + 1}`);
  if (signedAttrsNode === undefined || !signedAttrsNode.constructed) {
    // RFC 3161 §2.4.2 / RFC 5652 §5.3: with an eContentType other than id-data, signedAttrs MUST be present.
    throw malformed(`${what}: no signed attributes (RFC 5652 §5.3 requires them for a TSTInfo)`);
  }
  const attributes = parseAttributes(signedAttrsNode, `${what} signedAttrs`);
  const out: TokenSignerInfo = {
    version,
    sid,
    digestAlgorithm: hashNameOf(digestOid),
    digestAlgorithmOid: digestOid,
    signedAttrs: encodeDer(signedAttrsNode, { tagClass: 'universal', tagNumber: UNIVERSAL.SET }),
    attributes,
    signatureAlgorithmOid: sigAlg.oid,
    signatureAlgorithmDer: encodeDerIfNeeded(sigAlgNode!),
    signature: stringContents(sigNode, `${what} signature`),
  };
  if (sigAlg.params !== undefined && !isTag(sigAlg.params, 'universal', UNIVERSAL.NULL)) out.signatureAlgorithmParams = encodeDer(sigAlg.params);
  if (unsignedNode !== undefined) out.unsignedAttributes = parseAttributes(unsignedNode, `${what} unsignedAttrs`);

  const single = (oid: string, name: string): BerNode | undefined => {
    const found = signedAttrsNode!.children.filter((a) => decodeOid(a.children[0], name) === oid);
    if (found.length === 0) return undefined;
    const values = found[0]!.children[1]!.children;
    if (found.length > 1 || values.length !== 1) throw malformed(`${what}: the ${name} attribute must occur once with one value (RFC 5652 §11)`);
    return values[0];
  };
  const ctv = single(CMS_OID.contentType, 'content-type');
  if (ctv !== undefined) out.contentType = decodeOid(ctv, `${what} content-type`);
  const mdv = single(CMS_OID.messageDigest, 'message-digest');
  if (mdv !== undefined) {
    if (!isTag(mdv, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: message-digest is not an OCTET STRING`);
    out.messageDigest = stringContents(mdv, `${what} message-digest`);
  }
  const stv = single(CMS_OID.signingTime, 'signing-time');
  if (stv !== undefined) out.signingTime = parseUtcOrGeneralizedTime(stv, `${what} signing-time`);
  const sc2 = single(CMS_OID.signingCertificateV2, 'signing-certificate-v2');
  if (sc2 !== undefined) out.signingCertificateV2 = parseSigningCertificate(sc2, 2, `${what} signing-certificate-v2`);
  const sc1 = single(CMS_OID.signingCertificate, 'signing-certificate');
  if (sc1 !== undefined) out.signingCertificate = parseSigningCertificate(sc1, 1, `${what} signing-certificate`);
  return out;
}

function parseAttributes(node: BerNode, what: string): CmsAttribute[] {
  return node.children.map((a) => {
    const c = expectSequence(a, what);
    if (c.length !== 2 || !isTag(c[1], 'universal', UNIVERSAL.SET)) throw malformed(`${what}: an Attribute is SEQUENCE { OID, SET OF value }`);
    return { oid: decodeOid(c[0], `${what} attrType`), values: c[1]!.children.map((v) => encodeDer(v)) };
  });
}

/**
 * SigningCertificate (RFC 2634 §5.4) / SigningCertificateV2 (RFC 5035 §5.4.1):
 * SEQUENCE { certs SEQUENCE OF ESSCertID[v2], policies SEQUENCE OF PolicyInformation OPTIONAL }.
 */
function parseSigningCertificate(node: BerNode, version: 1 | 2, what: string): EssCertId[] {
  const c = expectSequence(node, what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: malformed SigningCertificate`);
  return expectSequence(c[0], `${what} certs`).map((idNode) => {
    const f = expectSequence(idNode, `${what} ESSCertID`);
    let i = 0;
    let hash = 'sha1';
    if (version === 2) {
      hash = 'sha256'; // RFC 5035 §5.4.1.1: DEFAULT id-sha256
      if (f[i] !== undefined && isTag(f[i], 'universal', UNIVERSAL.SEQUENCE)) hash = hashNameOf(parseAlgorithm(f[i++], `${what} hashAlgorithm`).oid);
    }
    const h = f[i++];
    if (h === undefined || !isTag(h, 'universal', UNIVERSAL.OCTET_STRING)) throw malformed(`${what}: certHash is not an OCTET STRING`);
    const id: EssCertId = { version, hash, certHash: stringContents(h, `${what} certHash`) };
    if (f[i] !== undefined) {
      const is = expectSequence(f[i++], `${what} issuerSerial`);
      if (is.length !== 2) throw malformed(`${what}: IssuerSerial has ${is.length} fields`);
      const names = expectSequence(is[0], `${what} issuer GeneralNames`);
      const issuerNames = names.filter((n) => isTag(n, 'context', 4) && n.constructed && n.children.length === 1).map((n) => encodeDerIfNeeded(n.children[0]!));
      id.issuerSerial = { issuerNames, serialNumber: toHex(normalizeUnsigned(integerContents(is[1], `${what} serialNumber`))) };
    }
    if (i !== f.length) throw malformed(`${what}: unexpected field in ESSCertID`);
    return id;
  });
}

function formatName(der: Uint8Array): string {
  try {
    return formatNameDer(der);
  } catch {
    return toHex(der);
  }
}
