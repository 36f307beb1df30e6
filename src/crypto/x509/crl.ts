/**
 * Certificate revocation lists (RFC 5280 §5): parsing (PEM or DER), signature verification with
 * the issuing CA's key (§6.3.3 (f)–(g)), the validity window (thisUpdate/nextUpdate, §5.1.2.4–5)
 * and revoked entries with their reason codes (§5.3.1) and invalidity dates (§5.3.2).
 *
 * Only complete, direct CRLs are used for status: delta CRLs (§5.2.4) and indirect CRLs (§5.2.5)
 * parse but are reported as not applicable by {@link crlCoversCertificate}.
 */
import asn1js from '../asn1js-lib.cjs';
import pkijs from '../pkijs-lib.cjs';
import { ScelleError, type ErrorCode } from '../../errors.js';
import { bytesEqual, children, isContext, parseAsn1, pemBlocks, primitiveBytes, toHex } from '../asn1/asn1js-util.js';
import { OID, X509Cert, formatNameDer, namesMatch, parseGeneralNames } from './certificate.js';
import { algorithmIdentifiersEqual, checkSignature, describeSignatureAlgorithm, isWeakSignatureAlgorithm, type SignatureAlgorithmInfo } from './signature.js';

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
  /** Serial number, uppercase hex of its magnitude (same form as {@link X509Cert.serialNumberHex}). */
  serialNumberHex: string;
  revocationDate: Date;
  reason?: CrlReason;
  invalidityDate?: Date;
}

/** The issuingDistributionPoint extension (RFC 5280 §5.2.5). */
export interface IssuingDistributionPoint {
  uris: string[];
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlySomeReasons: boolean;
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
]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([OID.cRLReason, OID.invalidityDate, OID.certificateIssuer, '2.5.29.23' /* holdInstructionCode */]);

function serialHex(i: asn1js.Integer): string {
  let s = toHex(i.valueBlock.valueHexView);
  while (s.length > 2 && s.startsWith('00')) s = s.slice(2);
  return s;
}

function decodeIdp(value: Uint8Array): IssuingDistributionPoint {
  const what = 'issuingDistributionPoint extension';
  const idp: IssuingDistributionPoint = {
    uris: [],
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: false,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  const flag = (n: asn1js.AsnType): boolean => (primitiveBytes(n, what)[0] ?? 0) !== 0;
  for (const field of children(parseAsn1(value, what), what)) {
    if (isContext(field, 0)) {
      // distributionPoint [0] EXPLICIT DistributionPointName; fullName [0] IMPLICIT GeneralNames.
      for (const dpName of children(field, what)) {
        if (!isContext(dpName, 0)) continue;
        for (const gn of parseGeneralNames(dpName, what)) if (gn.type === 'uri') idp.uris.push(gn.value);
      }
    } else if (isContext(field, 1)) idp.onlyContainsUserCerts = flag(field);
    else if (isContext(field, 2)) idp.onlyContainsCACerts = flag(field);
    else if (isContext(field, 3)) idp.onlySomeReasons = true;
    else if (isContext(field, 4)) idp.indirectCRL = flag(field);
    else if (isContext(field, 5)) idp.onlyContainsAttributeCerts = flag(field);
  }
  return idp;
}

/** A parsed X.509 v2 CRL. Build with {@link Crl.fromDer} or {@link parseCrls}. */
export class Crl {
  /** The CRL's DER, exactly as given. */
  readonly der: Uint8Array;
  readonly pkijs: pkijs.CertificateRevocationList;
  /** Raw DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  /** RFC 4514 issuer string. */
  readonly issuer: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber as uppercase hex, when present. */
  readonly crlNumberHex: string | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly signatureAlgorithm: SignatureAlgorithmInfo;
  readonly revoked: readonly RevokedEntry[];
  /** True for a delta CRL (deltaCRLIndicator present). */
  readonly isDelta: boolean;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  readonly criticalExtensionOids: string[];
  /** Critical CRL or entry extensions scelle does not process. */
  readonly unknownCriticalExtensions: string[];
  /** True when some entry names another certificate issuer (indirect CRL entries). */
  readonly hasIndirectEntries: boolean;

  readonly #bySerial: Map<string, RevokedEntry>;

  private constructor(der: Uint8Array) {
    this.der = new Uint8Array(der);
    const root = parseAsn1(this.der, 'CRL');
    let crl: pkijs.CertificateRevocationList;
    try {
      crl = new pkijs.CertificateRevocationList({ schema: root });
    } catch (e) {
      throw new ScelleError('MALFORMED_ASN1', `not an X.509 CRL: ${(e as Error).message}`, { cause: e });
    }
    this.pkijs = crl;
    this.issuerDer = new Uint8Array(crl.issuer.valueBeforeDecode);
    this.issuer = formatNameDer(this.issuerDer);
    this.thisUpdate = crl.thisUpdate.value;
    this.nextUpdate = crl.nextUpdate?.value;
    this.signatureAlgorithm = describeSignatureAlgorithm(crl.signatureAlgorithm);

    const exts = crl.crlExtensions?.extensions ?? [];
    const unknownCritical: string[] = [];
    let crlNumber: string | undefined;
    let aki: Uint8Array | undefined;
    let idp: IssuingDistributionPoint | undefined;
    let isDelta = false;
    for (const e of exts) {
      const value = new Uint8Array(e.extnValue.valueBlock.valueHexView);
      if (e.critical && !KNOWN_CRL_EXTENSIONS.has(e.extnID)) unknownCritical.push(e.extnID);
      if (e.extnID === OID.cRLNumber) {
        const n = parseAsn1(value, 'cRLNumber extension');
        if (!(n instanceof asn1js.Integer)) throw new ScelleError('MALFORMED_ASN1', 'cRLNumber extension is not an INTEGER');
        crlNumber = serialHex(n);
      } else if (e.extnID === OID.authorityKeyIdentifier) {
        const keyId = children(parseAsn1(value, 'CRL authorityKeyIdentifier'), 'CRL authorityKeyIdentifier').find((p) => isContext(p, 0));
        aki = keyId === undefined ? undefined : primitiveBytes(keyId, 'CRL authorityKeyIdentifier keyIdentifier');
      } else if (e.extnID === OID.issuingDistributionPoint) {
        idp = decodeIdp(value);
      } else if (e.extnID === OID.deltaCRLIndicator) {
        isDelta = true;
      }
    }
    this.crlNumberHex = crlNumber;
    this.authorityKeyIdentifier = aki;
    this.issuingDistributionPoint = idp;
    this.isDelta = isDelta;
    this.criticalExtensionOids = exts.filter((e) => e.critical).map((e) => e.extnID);

    let indirect = false;
    const revoked: RevokedEntry[] = [];
    for (const rc of crl.revokedCertificates ?? []) {
      const entry: RevokedEntry = { serialNumberHex: serialHex(rc.userCertificate), revocationDate: rc.revocationDate.value };
      for (const e of rc.crlEntryExtensions?.extensions ?? []) {
        const value = new Uint8Array(e.extnValue.valueBlock.valueHexView);
        if (e.critical && !KNOWN_ENTRY_EXTENSIONS.has(e.extnID) && !unknownCritical.includes(e.extnID)) unknownCritical.push(e.extnID);
        if (e.extnID === OID.cRLReason) {
          const en = parseAsn1(value, 'CRL entry reasonCode');
          if (!(en instanceof asn1js.Enumerated)) throw new ScelleError('MALFORMED_ASN1', 'CRL entry reasonCode is not an ENUMERATED');
          const reason = CRL_REASON_NAMES[en.valueBlock.valueDec];
          if (reason !== undefined) entry.reason = reason;
        } else if (e.extnID === OID.invalidityDate) {
          const gt = parseAsn1(value, 'CRL entry invalidityDate');
          if (gt instanceof asn1js.GeneralizedTime) entry.invalidityDate = gt.toDate();
        } else if (e.extnID === OID.certificateIssuer) {
          indirect = true;
        }
      }
      revoked.push(entry);
    }
    this.revoked = revoked;
    this.hasIndirectEntries = indirect;
    this.unknownCriticalExtensions = unknownCritical;
    this.#bySerial = new Map(revoked.map((r) => [r.serialNumberHex, r]));
  }

  /**
   * Parses one DER-encoded CRL.
   * @throws ScelleError MALFORMED_ASN1 when the bytes are not one well-formed CertificateList.
   */
  static fromDer(der: Uint8Array): Crl {
    try {
      return new Crl(der);
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('MALFORMED_ASN1', `not an X.509 CRL: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The entry revoking serial `serialNumberHex` (uppercase hex, as {@link X509Cert.serialNumberHex}), if any. */
  findRevoked(serialNumberHex: string): RevokedEntry | undefined {
    return this.#bySerial.get(serialNumberHex.toUpperCase());
  }

  /**
   * True when this CRL names `cert` as its issuer: issuer Name matches the certificate's subject and,
   * when both key identifiers are present, the CRL's authorityKeyIdentifier equals the
   * certificate's subjectKeyIdentifier (RFC 5280 §6.3.3 (b), (f)).
   */
  isIssuedBy(cert: X509Cert): boolean {
    if (!namesMatch(this.issuerDer, cert.subjectDer)) return false;
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
  const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const blocks = pemBlocks(text, ['X509 CRL']);
    if (blocks.length === 0) throw new ScelleError('MALFORMED_PEM', 'the PEM input contains no X509 CRL block');
    return blocks.map((b) => Crl.fromDer(b.der));
  }
  return [Crl.fromDer(input)];
}

/** Outcome of {@link verifyCrl}. */
export type CrlVerdict = { ok: true } | { ok: false; code: ErrorCode; message: string };

/**
 * Checks that `crl` can be trusted for certificates issued by `issuer` at time `at`:
 * issuer name/key identifier, the issuer's cRLSign key usage (when it has a keyUsage extension),
 * the signature (never MD5/SHA-1), no unprocessed critical extension, and thisUpdate ≤ at ≤ nextUpdate.
 * Returns a verdict; does not throw.
 *
 * Codes in the verdict: CRL_INVALID (wrong issuer, bad or weak signature, missing cRLSign, critical
 * extension not understood, thisUpdate after `at`), CRL_EXPIRED (nextUpdate before `at`).
 */
export function verifyCrl(crl: Crl, issuer: X509Cert, at: Date): CrlVerdict {
  const name = crlName(crl);
  const fixed = verifyCrlOnce(crl, issuer, name);
  if (!fixed.ok) return fixed;
  if (crl.thisUpdate.getTime() > at.getTime()) {
    return { ok: false, code: 'CRL_INVALID', message: `${name} is not valid yet at ${at.toISOString()}` };
  }
  if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < at.getTime()) {
    return { ok: false, code: 'CRL_EXPIRED', message: `${name} expired: its nextUpdate ${crl.nextUpdate.toISOString()} is before ${at.toISOString()}` };
  }
  return { ok: true };
}

function crlName(crl: Crl): string {
  return `CRL of "${crl.issuer}" (thisUpdate ${crl.thisUpdate.toISOString()})`;
}

/**
 * The time-independent checks of {@link verifyCrl}, per CRL and issuer object (both immutable DER):
 * checking a thousand certificates against one CRL verifies its signature once. Weak maps: the
 * entries go with the CRL and the certificate.
 */
const CRL_CHECKS = new WeakMap<Crl, WeakMap<X509Cert, CrlVerdict>>();

function verifyCrlOnce(crl: Crl, issuer: X509Cert, name: string): CrlVerdict {
  let byIssuer = CRL_CHECKS.get(crl);
  const hit = byIssuer?.get(issuer);
  if (hit !== undefined) return hit;
  const verdict = checkCrlSignature(crl, issuer, name);
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    CRL_CHECKS.set(crl, byIssuer);
  }
  byIssuer.set(issuer, verdict);
  return verdict;
}

function checkCrlSignature(crl: Crl, issuer: X509Cert, name: string): CrlVerdict {
  if (!crl.isIssuedBy(issuer)) {
    return { ok: false, code: 'CRL_INVALID', message: `${name} was not issued by "${issuer.subject}"` };
  }
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('cRLSign')) {
    return { ok: false, code: 'CRL_INVALID', message: `${name}: its issuer "${issuer.subject}" lacks the cRLSign key usage (RFC 5280 §4.2.1.3)` };
  }
  if (!algorithmIdentifiersEqual(crl.pkijs.signature, crl.pkijs.signatureAlgorithm)) {
    return { ok: false, code: 'CRL_INVALID', message: `${name}: signatureAlgorithm differs from tbsCertList.signature (RFC 5280 §5.1.1.2)` };
  }
  if (isWeakSignatureAlgorithm(crl.pkijs.signatureAlgorithm)) {
    return { ok: false, code: 'CRL_INVALID', message: `${name} is signed with ${crl.signatureAlgorithm.name}, a broken digest` };
  }
  let key;
  try {
    key = issuer.publicKey;
  } catch (e) {
    return { ok: false, code: 'CRL_INVALID', message: `${name}: ${(e as Error).message}` };
  }
  const sig = checkSignature(
    crl.pkijs.signatureAlgorithm,
    crl.pkijs.tbsView,
    new Uint8Array(crl.pkijs.signatureValue.valueBlock.valueHexView),
    key,
  );
  if (!sig.valid) {
    return { ok: false, code: 'CRL_INVALID', message: `${name}: signature check with the key of "${issuer.subject}" failed: ${sig.detail}` };
  }
  if (crl.unknownCriticalExtensions.length > 0) {
    return { ok: false, code: 'CRL_INVALID', message: `${name} has critical extension(s) scelle does not process: ${crl.unknownCriticalExtensions.join(', ')}` };
  }
  return { ok: true };
}

/**
 * True when a (verified) complete CRL covers `cert`: not a delta CRL, not indirect, no
 * onlySomeReasons partition, and its issuingDistributionPoint scope includes the certificate
 * (RFC 5280 §6.3.3 (b)(2)).
 */
export function crlCoversCertificate(crl: Crl, cert: X509Cert): boolean {
  if (crl.isDelta || crl.hasIndirectEntries) return false;
  const idp = crl.issuingDistributionPoint;
  if (idp === undefined) return true;
  if (idp.indirectCRL || idp.onlySomeReasons || idp.onlyContainsAttributeCerts) return false;
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return false;
  if (idp.onlyContainsCACerts && !isCa) return false;
  if (idp.uris.length > 0 && cert.crlDistributionPoints.length > 0) {
    return idp.uris.some((u) => cert.crlDistributionPoints.includes(u));
  }
  return true;
}
