/**
 * Certificate revocation lists (RFC 5280 §5): parsing (PEM or DER) with bounded memory, the
 * extensions path validation needs — cRLNumber (§5.2.3), deltaCRLIndicator (§5.2.4),
 * issuingDistributionPoint (§5.2.5), freshestCRL (§5.2.6), authorityKeyIdentifier (§5.2.1),
 * X.509's expiredCertsOnCRL — and the entries with their reason codes (§5.3.1), invalidity dates
 * (§5.3.2) and certificate issuers (§5.3.3, indirect CRLs).
 *
 * Memory: a CRL of a large CA holds hundreds of thousands of entries. The entries are not turned
 * into a tree: one pass indexes each (certificate issuer, serial number) to the entry's offset, and
 * an entry is decoded again only when it is looked up.
 *
 * Which CRL applies to which certificate, and with what freshness, is decided by
 * `revocation.ts` (RFC 5280 §6.3); this module checks a CRL's own signature and structure.
 */
import * as crypto from 'node:crypto';
import { ScelleError, type ErrorCode } from '../../errors.js';
import { UNIVERSAL, decodeHeader, decodeOid, integerHex, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import {
  readAlgorithm, readBitString, readBoolean, decodeGeneralizedTime, decodeTime, readIntegerContents, readIntegerHex, isTime, readOctetString, readSequence,
  readSmallInteger,
} from '../asn1/values.js';
import { bytesEqual, pemBlocks } from '../asn1/asn1js-util.js';
import { X509Cert } from './certificate.js';
import {
  decodeAki, decodeDistributionPointName, decodeDistributionPoints, decodeReasonFlags,
  type AuthorityKeyId, type DistributionPoint, type DistributionPointName, type ReasonFlag,
} from './extensions.js';
import { decodeName, parseGeneralNames, type DecodedName } from './names.js';
import { OID } from './oids.js';
import { algorithmIdOfNode, algorithmIdsEqual, checkSignature, describeSignatureAlgorithm, isWeakSignatureAlgorithm, type AlgorithmId, type SignatureAlgorithmInfo } from './signature.js';

/** CRLReason names (RFC 5280 §5.3.1). */
export type CrlReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** CRLReason by ENUMERATED value (RFC 5280 §5.3.1); 7 is unused. */
export const CRL_REASON_NAMES: readonly (CrlReason | undefined)[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined, // 7 is not used
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** One revokedCertificates entry. */
export interface RevokedEntry {
  /** Serial number as {@link X509Cert.serialNumberHex} (sign kept). */
  serialNumberHex: string;
  revocationDate: Date;
  reason?: CrlReason;
  invalidityDate?: Date;
  /** The certificate issuer of this entry, when it is not the CRL issuer (indirect CRL, §5.3.3). */
  certificateIssuer?: string;
}

/** The issuingDistributionPoint extension (RFC 5280 §5.2.5). */
export interface IssuingDistributionPoint {
  name?: DistributionPointName;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  /** The reasons this CRL is limited to; undefined = every reason. */
  onlySomeReasons?: ReasonFlag[];
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
}

/** CRL extensions scelle understands; any other critical one makes the CRL unusable (§5.2). */
const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.authorityKeyIdentifier,
  OID.cRLNumber,
  OID.issuingDistributionPoint,
  OID.deltaCRLIndicator,
  OID.issuerAltName,
  OID.freshestCRL,
  OID.authorityInfoAccess,
  OID.expiredCertsOnCRL,
]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([OID.cRLReason, OID.invalidityDate, OID.certificateIssuer, OID.holdInstructionCode]);

/** Largest CRL read (the biggest public CRLs are tens of MiB). */
export const MAX_CRL_BYTES = 256 * 1024 * 1024;
/** Most entries a CRL may hold. */
export const MAX_CRL_ENTRIES = 2_000_000;

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** Parses one small element at `offset` of `buf` (bounded), returning it and its end. */
function elementAt(buf: Uint8Array, offset: number, end: number, what: string, maxNodes = 10_000): BerNode {
  const h = decodeHeader(buf.subarray(0, end), offset, what);
  if (h === 'short' || h.length === undefined) throw malformed(`${what}: truncated or indefinite-length (a CRL is DER)`);
  const stop = offset + h.headerLength + h.length;
  if (stop > end) throw malformed(`${what}: truncated`);
  return parseBer(buf.subarray(offset, stop), what, { maxNodes });
}

/** Header of the element at `offset`: its contents range. */
function headerAt(buf: Uint8Array, offset: number, end: number, what: string): { tag: { cls: string; n: number; constructed: boolean }; cs: number; ce: number } {
  const h = decodeHeader(buf.subarray(0, end), offset, what);
  if (h === 'short' || h.length === undefined) throw malformed(`${what}: truncated or indefinite-length (a CRL is DER)`);
  const cs = offset + h.headerLength;
  const ce = cs + h.length;
  if (ce > end) throw malformed(`${what}: truncated`);
  return { tag: { cls: h.tagClass, n: h.tagNumber, constructed: h.constructed }, cs, ce };
}

function decodeIdp(value: Uint8Array): IssuingDistributionPoint {
  const what = 'issuingDistributionPoint extension';
  const idp: IssuingDistributionPoint = { onlyContainsUserCerts: false, onlyContainsCACerts: false, indirectCRL: false, onlyContainsAttributeCerts: false };
  for (const f of readSequence(parseBer(value, what, { maxNodes: 10_000 }), what)) {
    if (isTag(f, 'context', 0)) idp.name = decodeDistributionPointName(f, what);
    else if (isTag(f, 'context', 1)) idp.onlyContainsUserCerts = readBoolean(f, what, true);
    else if (isTag(f, 'context', 2)) idp.onlyContainsCACerts = readBoolean(f, what, true);
    else if (isTag(f, 'context', 3)) idp.onlySomeReasons = decodeReasonFlags(f, `${what} onlySomeReasons`);
    else if (isTag(f, 'context', 4)) idp.indirectCRL = readBoolean(f, what, true);
    else if (isTag(f, 'context', 5)) idp.onlyContainsAttributeCerts = readBoolean(f, what, true);
    else throw malformed(`${what}: unexpected field`);
  }
  return idp;
}

function bigintOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

interface Extension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

function parseExtensionList(node: BerNode, what: string): Extension[] {
  const out: Extension[] = [];
  for (const e of readSequence(node, what)) {
    const c = readSequence(e, `${what} Extension`);
    let i = 0;
    const oid = decodeOid(c[i++], `${what} extnID`);
    let critical = false;
    if (isTag(c[i], 'universal', UNIVERSAL.BOOLEAN)) critical = readBoolean(c[i++], `${what} critical`);
    const value = readOctetString(c[i++], `${what} extnValue`).slice();
    if (i !== c.length) throw malformed(`${what}: unexpected Extension field`);
    if (out.some((x) => x.oid === oid)) throw malformed(`${what} repeats extension ${oid}`);
    out.push({ oid, critical, value });
  }
  return out;
}

/** A parsed X.509 v2 CRL. Build with {@link Crl.fromDer} or {@link parseCrls}. */
export class Crl {
  /** The CRL's DER, exactly as given. */
  readonly der: Uint8Array;
  /** The bytes the issuer signed (tbsCertList). */
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithmId: AlgorithmId;
  readonly tbsSignatureAlgorithmId: AlgorithmId;
  readonly signatureValue: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithmInfo;
  /** Raw DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  /** RFC 4514 issuer string. */
  readonly issuer: string;
  readonly issuerName: DecodedName;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber as uppercase hex, when present. */
  readonly crlNumberHex: string | undefined;
  readonly crlNumber: bigint | undefined;
  /** BaseCRLNumber of a delta CRL (deltaCRLIndicator, §5.2.4). */
  readonly deltaBaseNumber: bigint | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly authorityKey: AuthorityKeyId | undefined;
  /** True for a delta CRL (deltaCRLIndicator present). */
  readonly isDelta: boolean;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /** freshestCRL: where delta CRLs for this complete CRL are published. */
  readonly freshestCrl: DistributionPoint[] | undefined;
  /** expiredCertsOnCRL: entries are kept for certificates that expired at or after this date. */
  readonly expiredCertsOnCRL: Date | undefined;
  readonly criticalExtensionOids: string[];
  /** Critical CRL or entry extensions scelle does not process. */
  readonly unknownCriticalExtensions: string[];
  /** True when some entry names another certificate issuer (indirect CRL entries). */
  readonly hasIndirectEntries: boolean;
  /** Number of revokedCertificates entries. */
  readonly revokedCount: number;
  /** SHA-256 of the DER, lowercase hex (names the CRL in validation reports). */
  readonly sha256: string;

  /** (certificate issuer key + serial) → offset of the entry in `der`. */
  readonly #index = new Map<string, number>();
  readonly #entriesEnd: number;
  /** Issuer names by comparison key, for indirect entries. */
  readonly #issuerText = new Map<string, string>();

  private constructor(der: Uint8Array) {
    if (der.length > MAX_CRL_BYTES) throw malformed(`a CRL of ${der.length} bytes is larger than ${MAX_CRL_BYTES}: refused`);
    this.der = new Uint8Array(der);
    this.sha256 = crypto.createHash('sha256').update(this.der).digest('hex');
    const buf = this.der;
    const top = headerAt(buf, 0, buf.length, 'CertificateList');
    if (top.ce !== buf.length) throw malformed(`CRL: ${buf.length - top.ce} trailing byte(s)`);
    const tbs = headerAt(buf, top.cs, top.ce, 'TBSCertList');
    this.tbsDer = buf.subarray(top.cs, tbs.ce);
    const sigAlgNode = elementAt(buf, tbs.ce, top.ce, 'CertificateList signatureAlgorithm');
    this.signatureAlgorithmId = algorithmIdOfNode(readAlgorithm(sigAlgNode, 'CRL signatureAlgorithm'));
    const sigValueNode = elementAt(buf, tbs.ce + sigAlgNode.end, top.ce, 'CRL signatureValue');
    if (tbs.ce + sigAlgNode.end + sigValueNode.end !== top.ce) throw malformed('CertificateList has unexpected fields');
    this.signatureValue = readBitString(sigValueNode, 'CRL signatureValue').bytes;
    this.signatureAlgorithm = describeSignatureAlgorithm(this.signatureAlgorithmId);

    // TBSCertList fields, one element at a time: revokedCertificates is indexed, not parsed.
    let p = tbs.cs;
    const next = (what: string, maxNodes?: number): BerNode => {
      const node = elementAt(buf, p, tbs.ce, what, maxNodes);
      p += node.end;
      return node;
    };
    let first = next('TBSCertList first field');
    if (isTag(first, 'universal', UNIVERSAL.INTEGER)) {
      const v = readSmallInteger(first, 'CRL version');
      if (v !== 1) throw malformed(`CRL version ${v + 1} is not v2`);
      first = next('TBSCertList signature');
    }
    this.tbsSignatureAlgorithmId = algorithmIdOfNode(readAlgorithm(first, 'TBSCertList signature'));
    const issuerNode = next('CRL issuer');
    this.issuerDer = rawBytes(issuerNode).slice();
    this.issuerName = decodeName(this.issuerDer);
    this.issuer = this.issuerName.text;
    this.thisUpdate = decodeTime(next('thisUpdate'), 'CRL thisUpdate');
    let nextUpdate: Date | undefined;
    let entriesStart = -1;
    let entriesEnd = -1;
    let extsNode: BerNode | undefined;
    while (p < tbs.ce) {
      const h = headerAt(buf, p, tbs.ce, 'TBSCertList field');
      if (h.tag.cls === 'universal' && (h.tag.n === UNIVERSAL.UTC_TIME || h.tag.n === UNIVERSAL.GENERALIZED_TIME) && nextUpdate === undefined && entriesStart < 0) {
        const node = next('nextUpdate');
        if (!isTime(node)) throw malformed('CRL nextUpdate is not a time');
        nextUpdate = decodeTime(node, 'CRL nextUpdate');
      } else if (h.tag.cls === 'universal' && h.tag.n === UNIVERSAL.SEQUENCE && entriesStart < 0 && extsNode === undefined) {
        entriesStart = h.cs;
        entriesEnd = h.ce;
        p = h.ce;
      } else if (h.tag.cls === 'context' && h.tag.n === 0 && extsNode === undefined) {
        const node = next('crlExtensions', 50_000);
        if (!node.constructed || node.children.length !== 1) throw malformed('crlExtensions is not [0] EXPLICIT');
        extsNode = node.children[0];
      } else throw malformed('TBSCertList has an unexpected field');
    }
    this.nextUpdate = nextUpdate;

    const exts = extsNode === undefined ? [] : parseExtensionList(extsNode, 'crlExtensions');
    const unknownCritical: string[] = [];
    let crlNumber: Uint8Array | undefined;
    let deltaBase: Uint8Array | undefined;
    for (const e of exts) {
      if (e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid)) unknownCritical.push(e.oid);
      const node = (): BerNode => parseBer(e.value, `CRL extension ${e.oid}`, { maxNodes: 10_000 });
      if (e.oid === OID.cRLNumber) crlNumber = readIntegerContents(node(), 'cRLNumber');
      else if (e.oid === OID.deltaCRLIndicator) deltaBase = readIntegerContents(node(), 'deltaCRLIndicator BaseCRLNumber');
      else if (e.oid === OID.authorityKeyIdentifier) this.authorityKey = decodeAki(e.value);
      else if (e.oid === OID.issuingDistributionPoint) this.issuingDistributionPoint = decodeIdp(e.value);
      else if (e.oid === OID.freshestCRL) this.freshestCrl = decodeDistributionPoints(e.value, 'freshestCRL extension');
      else if (e.oid === OID.expiredCertsOnCRL) this.expiredCertsOnCRL = decodeGeneralizedTime(node(), 'expiredCertsOnCRL').date;
    }
    this.crlNumber = crlNumber === undefined ? undefined : bigintOf(crlNumber);
    this.crlNumberHex = crlNumber === undefined ? undefined : integerHex(crlNumber);
    this.deltaBaseNumber = deltaBase === undefined ? undefined : bigintOf(deltaBase);
    this.isDelta = deltaBase !== undefined;
    this.authorityKeyIdentifier = this.authorityKey?.keyIdentifier;
    this.criticalExtensionOids = exts.filter((e) => e.critical).map((e) => e.oid);

    // Index the entries: (certificate issuer, serial) → offset. certificateIssuer applies to its
    // entry and every following one until the next (RFC 5280 §5.3.3).
    let count = 0;
    let indirect = false;
    let issuerKey = this.issuerName.key;
    this.#entriesEnd = entriesEnd;
    if (entriesStart >= 0) {
      for (let q = entriesStart; q < entriesEnd; ) {
        if (++count > MAX_CRL_ENTRIES) throw malformed(`the CRL has more than ${MAX_CRL_ENTRIES} entries: refused`);
        const entry = elementAt(buf, q, entriesEnd, 'revokedCertificates entry');
        const decoded = this.#decodeEntry(entry, unknownCritical);
        if (decoded.issuerDer !== undefined) {
          const name = decodeName(decoded.issuerDer);
          issuerKey = name.key;
          this.#issuerText.set(issuerKey, name.text);
          indirect = true;
        }
        this.#index.set(`${issuerKey}|${decoded.serial}`, q);
        q += entry.end;
      }
    }
    this.revokedCount = count;
    this.hasIndirectEntries = indirect;
    this.unknownCriticalExtensions = unknownCritical;
  }

  #decodeEntry(entry: BerNode, unknownCritical?: string[]): { serial: string; date: Date; reason?: CrlReason; invalidity?: Date; issuerDer?: Uint8Array } {
    const c = readSequence(entry, 'revokedCertificates entry');
    if (c.length < 2 || c.length > 3) throw malformed('a CRL entry has 2 or 3 fields');
    const out: { serial: string; date: Date; reason?: CrlReason; invalidity?: Date; issuerDer?: Uint8Array } = {
      serial: readIntegerHex(c[0], 'CRL entry userCertificate'),
      date: decodeTime(c[1], 'CRL entry revocationDate'),
    };
    if (c[2] === undefined) return out;
    for (const e of parseExtensionList(c[2], 'crlEntryExtensions')) {
      if (e.critical && !KNOWN_ENTRY_EXTENSIONS.has(e.oid) && unknownCritical !== undefined && !unknownCritical.includes(e.oid)) unknownCritical.push(e.oid);
      if (e.oid === OID.cRLReason) {
        const en = parseBer(e.value, 'CRL entry reasonCode');
        if (!isTag(en, 'universal', 10) || en.constructed || en.contentEnd - en.contentStart !== 1) throw malformed('CRL entry reasonCode is not an ENUMERATED');
        const reason = CRL_REASON_NAMES[en.buffer[en.contentStart]!];
        if (reason === undefined) throw malformed('CRL entry reasonCode has an unknown value');
        out.reason = reason;
      } else if (e.oid === OID.invalidityDate) {
        out.invalidity = decodeGeneralizedTime(parseBer(e.value, 'CRL entry invalidityDate'), 'CRL entry invalidityDate').date;
      } else if (e.oid === OID.certificateIssuer) {
        const names = parseGeneralNames(parseBer(e.value, 'CRL entry certificateIssuer', { maxNodes: 10_000 }), 'CRL entry certificateIssuer');
        const dir = names.find((n) => n.type === 'dirName');
        if (dir === undefined || dir.type !== 'dirName') throw malformed('CRL entry certificateIssuer names no directoryName');
        out.issuerDer = dir.der;
      }
    }
    return out;
  }

  /**
   * Parses one DER-encoded CRL.
   * @throws ScelleError MALFORMED_ASN1 when the bytes are not one well-formed CertificateList, or
   *   exceed {@link MAX_CRL_BYTES} / {@link MAX_CRL_ENTRIES}.
   */
  static fromDer(der: Uint8Array): Crl {
    try {
      return new Crl(der);
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw malformed(`not an X.509 CRL: ${(e as Error).message}`);
    }
  }

  /**
   * The entry revoking the certificate with serial `serialNumberHex` ({@link X509Cert.serialNumberHex}
   * form) issued by the CA named `certIssuer` (DER; default: the CRL issuer), if any.
   */
  findRevoked(serialNumberHex: string, certIssuer?: Uint8Array): RevokedEntry | undefined {
    const key = certIssuer === undefined ? this.issuerName.key : decodeName(certIssuer).key;
    const offset = this.#index.get(`${key}|${serialNumberHex.toUpperCase()}`);
    if (offset === undefined) return undefined;
    const e = this.#decodeEntry(elementAt(this.der, offset, this.#entriesEnd, 'revokedCertificates entry'));
    const out: RevokedEntry = { serialNumberHex: e.serial, revocationDate: e.date };
    if (e.reason !== undefined) out.reason = e.reason;
    if (e.invalidity !== undefined) out.invalidityDate = e.invalidity;
    if (key !== this.issuerName.key) out.certificateIssuer = this.#issuerText.get(key) ?? '';
    return out;
  }

  /** Every entry, decoded (for display and tests; path validation looks entries up). */
  get revoked(): RevokedEntry[] {
    const out: RevokedEntry[] = [];
    for (const [key, offset] of this.#index) {
      const e = this.#decodeEntry(elementAt(this.der, offset, this.#entriesEnd, 'revokedCertificates entry'));
      const entry: RevokedEntry = { serialNumberHex: e.serial, revocationDate: e.date };
      if (e.reason !== undefined) entry.reason = e.reason;
      if (e.invalidity !== undefined) entry.invalidityDate = e.invalidity;
      const issuerKey = key.slice(0, key.lastIndexOf('|'));
      if (issuerKey !== this.issuerName.key) entry.certificateIssuer = this.#issuerText.get(issuerKey) ?? '';
      out.push(entry);
    }
    return out;
  }

  /**
   * True when `cert` could have signed this CRL: its subject is the CRL issuer and, when both are
   * present, the CRL's authorityKeyIdentifier equals its subjectKeyIdentifier (RFC 5280 §5.2.1).
   */
  isIssuedBy(cert: X509Cert): boolean {
    if (cert.subjectName.key !== this.issuerName.key) return false;
    if (this.authorityKeyIdentifier !== undefined && cert.subjectKeyIdentifier !== undefined) {
      return bytesEqual(this.authorityKeyIdentifier, cert.subjectKeyIdentifier);
    }
    return true;
  }
}

/**
 * Parses CRLs from a PEM input (every `X509 CRL` block, detected by `-----BEGIN`) or one DER CRL.
 * @throws ScelleError MALFORMED_PEM when a PEM input holds no `X509 CRL` block or bad base64;
 *   MALFORMED_ASN1 when a CRL does not parse.
 */
export function parseCrls(input: Uint8Array): Crl[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.includes('-----BEGIN')) {
    const blocks = pemBlocks(buf.toString('latin1'), ['X509 CRL']);
    if (blocks.length === 0) throw new ScelleError('MALFORMED_PEM', 'the PEM input contains no X509 CRL block');
    return blocks.map((b) => Crl.fromDer(b.der));
  }
  return [Crl.fromDer(input)];
}

/** Outcome of {@link verifyCrlSignature} and {@link verifyCrl}. */
export type CrlVerdict = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** How a CRL is named in messages. */
export function crlName(crl: Crl): string {
  return `${crl.isDelta ? 'delta CRL' : 'CRL'} of "${crl.issuer}" (thisUpdate ${crl.thisUpdate.toISOString()}${crl.crlNumberHex !== undefined ? `, number ${crl.crlNumberHex}` : ''})`;
}

/**
 * The time-independent checks of {@link verifyCrl}, per CRL and signer object (both immutable DER):
 * checking a thousand certificates against one CRL verifies its signature once.
 */
const CRL_CHECKS = new WeakMap<Crl, WeakMap<X509Cert, CrlVerdict>>();

/**
 * Checks that `signer` signed `crl`: name and key identifier, the cRLSign key usage (when it has a
 * keyUsage extension), both signature algorithm fields equal, not MD5/SHA-1, the signature itself,
 * and no unprocessed critical extension (RFC 5280 §6.3.3 (f), (g)). Does not throw.
 * Codes: CRL_INVALID.
 */
export function verifyCrlSignature(crl: Crl, signer: X509Cert): CrlVerdict {
  let bySigner = CRL_CHECKS.get(crl);
  const hit = bySigner?.get(signer);
  if (hit !== undefined) return hit;
  const verdict = checkCrlSignature(crl, signer);
  if (bySigner === undefined) {
    bySigner = new WeakMap();
    CRL_CHECKS.set(crl, bySigner);
  }
  bySigner.set(signer, verdict);
  return verdict;
}

function checkCrlSignature(crl: Crl, signer: X509Cert): CrlVerdict {
  const name = crlName(crl);
  const fail = (message: string): CrlVerdict => ({ ok: false, code: 'CRL_INVALID', message: `${name}${message}` });
  if (!crl.isIssuedBy(signer)) return fail(` was not issued by "${signer.subject}"`);
  if (signer.keyUsage !== undefined && !signer.keyUsage.includes('cRLSign')) {
    return fail(`: its signer "${signer.subject}" lacks the cRLSign key usage (RFC 5280 §4.2.1.3)`);
  }
  if (!algorithmIdsEqual(crl.signatureAlgorithmId, crl.tbsSignatureAlgorithmId)) return fail(': signatureAlgorithm differs from tbsCertList.signature (RFC 5280 §5.1.1.2)');
  if (isWeakSignatureAlgorithm(crl.signatureAlgorithmId)) return fail(` is signed with ${crl.signatureAlgorithm.name}, a broken digest`);
  let key: crypto.KeyObject;
  try {
    key = signer.publicKey;
  } catch (e) {
    return fail(`: ${(e as Error).message}`);
  }
  const sig = checkSignature(crl.signatureAlgorithmId, crl.tbsDer, crl.signatureValue, key);
  if (!sig.valid) return fail(`: signature check with the key of "${signer.subject}" failed: ${sig.detail}`);
  if (crl.unknownCriticalExtensions.length > 0) return fail(` has critical extension(s) scelle does not process: ${crl.unknownCriticalExtensions.join(', ')}`);
  return { ok: true };
}

/**
 * Checks that `crl` was signed by `issuer` ({@link verifyCrlSignature}) and is current at `at`
 * (thisUpdate ≤ at ≤ nextUpdate). Does not throw.
 * Codes: CRL_INVALID (signature, issuer, thisUpdate after `at`), CRL_EXPIRED (nextUpdate before `at`).
 */
export function verifyCrl(crl: Crl, issuer: X509Cert, at: Date): CrlVerdict {
  const fixed = verifyCrlSignature(crl, issuer);
  if (!fixed.ok) return fixed;
  if (crl.thisUpdate.getTime() > at.getTime()) return { ok: false, code: 'CRL_INVALID', message: `${crlName(crl)} is not valid yet at ${at.toISOString()}` };
  if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < at.getTime()) {
    return { ok: false, code: 'CRL_EXPIRED', message: `${crlName(crl)} expired: its nextUpdate ${crl.nextUpdate.toISOString()} is before ${at.toISOString()}` };
  }
  return { ok: true };
}
