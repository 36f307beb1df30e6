/**
 * Time-Stamp Protocol structures (RFC 3161 §2.4, with the ESSCertIDv2 of RFC 5816 and RFC 5035
 * §5.4): building and strictly parsing TimeStampReq, TimeStampResp, the TimeStampToken (a CMS
 * SignedData, RFC 5652 §5, whose eContent is a TSTInfo) and the TSTInfo itself.
 *
 * Parsing is strict: truncated input, trailing bytes, non-minimal INTEGERs, an unknown version,
 * and a TSTInfo that is not DER (RFC 3161 §2.4.2 requires DER) are `MALFORMED_ASN1`. Parsing
 * checks structure only; whether a token is *valid* (signature, certificate, imprint, nonce,
 * policy) is the validation engine's job (src/validation/timestamp.ts), which takes {@link TimeStampToken} as input.
 *
 * Encoding reuses the CMS DER writer (`crypto/asn1/der.ts`); decoding reuses the strict BER
 * tree parser (`crypto/asn1/ber.ts`).
 */
import { ScelleError } from '../errors.js';
import {
  decodeOid,
  encodeDer,
  integerHex,
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
import { parseSignedData, type SignedDataParts, type SignerInfo } from '../crypto/cms/signed-data.js';
import { decodeGeneralizedTime, readAlgorithm, readBoolean, readIntegerContents, readSequence, readSmallInteger } from '../crypto/asn1/values.js';
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
  /** The SignerInfos, parsed by the shared CMS parser (`crypto/cms/signed-data.ts`). */
  signerInfos: SignerInfo[];
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

/** A non-negative INTEGER as an unsigned big-endian magnitude (minimal). */
function unsignedOf(node: BerNode | undefined, what: string, failInfo?: PkiFailureName): Uint8Array {
  const b = readIntegerContents(node, what);
  if ((b[0]! & 0x80) !== 0) throw malformed(`${what}: negative INTEGER`, failInfo);
  return normalizeUnsigned(b);
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

function parseExtensions(node: BerNode, what: string): TspExtension[] {
  const out: TspExtension[] = [];
  for (const e of node.children) {
    const c = readSequence(e, what);
    let i = 0;
    const oid = decodeOid(c[i++], `${what} extnID`);
    let critical = false;
    if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) critical = readBoolean(c[i++], what);
    const v = c[i++];
    if (v === undefined || !isTag(v, 'universal', UNIVERSAL.OCTET_STRING) || i !== c.length) throw malformed(`${what}: malformed Extension`);
    out.push({ oid, critical, value: stringContents(v, what) });
  }
  return out;
}

/** MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING } */
function parseMessageImprint(node: BerNode | undefined, what: string, failInfo?: PkiFailureName): { oid: string; imprint: Uint8Array; der: Uint8Array } {
  const c = readSequence(node, `${what} messageImprint`);
  if (c.length !== 2) throw malformed(`${what}: messageImprint has ${c.length} fields, not 2`, failInfo);
  const alg = readAlgorithm(c[0], `${what} hashAlgorithm`);
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
    c = readSequence(top, what);
  } catch (e) {
    throw malformed((e as Error).message, 'badDataFormat');
  }
  let i = 0;
  let version: number;
  let mi: { oid: string; imprint: Uint8Array; der: Uint8Array };
  try {
    version = readSmallInteger(c[i++], `${what} version`);
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
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) out.certReq = wrap(() => readBoolean(c[i++], `${what} certReq`));
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
  const c = readSequence(parseTop(der, what), what);
  if (c.length < 1 || c.length > 2) throw malformed(`${what}: ${c.length} fields, expected 1 or 2`);
  const si = readSequence(c[0], `${what} status`);
  let i = 0;
  const status = readSmallInteger(si[i++], `${what} PKIStatus`);
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
  let sd: SignedDataParts;
  try {
    sd = parseSignedData(der, what);
  } catch (e) {
    if (e instanceof ScelleError && e.code === 'UNSUPPORTED_FORMAT') throw new ScelleError('TIMESTAMP_INVALID', e.message, { params: { detail: e.message } });
    throw e;
  }
  if (sd.eContentType !== CMS_OID.tstInfo) {
    throw new ScelleError('TIMESTAMP_INVALID', `${what}: the signed content is ${sd.eContentType}, not a TSTInfo (id-ct-TSTInfo)`, { params: { detail: sd.eContentType } });
  }
  if (sd.eContent === undefined) throw new ScelleError('TIMESTAMP_INVALID', `${what}: the SignedData carries no TSTInfo (eContent absent)`);
  for (const [k, si] of sd.signerInfos.entries()) {
    // RFC 3161 §2.4.2 / RFC 5652 §5.3: with an eContentType other than id-data, signedAttrs MUST be present.
    if (si.signedAttrs === undefined) throw malformed(`${what} SignerInfo #${k + 1}: no signed attributes (RFC 5652 §5.3 requires them for a TSTInfo)`);
  }
  return {
    tstInfo: parseTstInfo(sd.eContent),
    der,
    version: sd.version,
    digestAlgorithms: sd.digestAlgorithms.map(hashNameOf),
    eContentType: sd.eContentType,
    certificates: sd.certificateDers,
    crls: sd.crls,
    signerInfos: sd.signerInfos,
  };
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
  const c = readSequence(top, what);
  let i = 0;
  const version = readSmallInteger(c[i++], `${what} version`);
  if (version !== 1) throw malformed(`${what}: version ${version}, only v1 exists`);
  const policy = decodeOid(c[i++], `${what} policy`);
  const mi = parseMessageImprint(c[i++], what);
  // RFC 3161 §2.4.2 asks for a positive serial but does not make a negative one invalid: TSAs that
  // wrote one exist, and their tokens are read (the serial keeps its sign).
  const serial = readIntegerContents(c[i++], `${what} serialNumber`);
  const gt = decodeGeneralizedTime(c[i++], `${what} genTime`);
  const out: TstInfo = {
    policy,
    hash: hashNameOf(mi.oid),
    imprint: mi.imprint,
    messageImprintDer: mi.der,
    serialNumber: integerHex(serial).toLowerCase(),
    genTime: gt.date,
    genTimeText: gt.text,
    ordering: false,
    der,
  };
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.SEQUENCE)) out.accuracy = parseAccuracy(c[i++]!, `${what} accuracy`);
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) out.ordering = readBoolean(c[i++], `${what} ordering`);
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
  if (c[i] !== undefined && isTag(c[i], 'universal', UNIVERSAL.INTEGER)) out.seconds = readSmallInteger(c[i++], `${what} seconds`);
  const implicitInt = (n: BerNode, field: string): number => {
    if (n.constructed) throw malformed(`${what}: ${field} is constructed`);
    const v = readSmallInteger({ ...n, tagClass: 'universal', tagNumber: UNIVERSAL.INTEGER }, `${what} ${field}`);
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

function formatName(der: Uint8Array): string {
  try {
    return formatNameDer(der);
  } catch {
    return toHex(der);
  }
}
