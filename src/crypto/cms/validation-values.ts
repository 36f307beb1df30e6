/**
 * Validation data as CMS carries it for later verification:
 *
 * - RFC 5652 §10.2.1 RevocationInfoChoice: a CRL as itself, an OCSP response as
 *   `[1] OtherRevocationInfoFormat { id-ri-ocsp-response, OCSPResponse }` (RFC 5940 §4.1) — what
 *   CAdES-LT puts in SignedData.crls (ETSI EN 319 122-1 §5.4.2.2).
 * - ETSI EN 319 122-1 Annex A.1.1.2 / A.1.2.2 `certificate-values` (CertificateValues ::= SEQUENCE OF
 *   Certificate) and `revocation-values` (RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF
 *   CertificateList OPTIONAL, ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, … }, EXPLICIT
 *   tags) — what scelle's evidence records carry in cryptoInfos (RFC 4998 §3.1).
 *
 * OCSP responses travel between these as the whole OCSPResponse (what the validation engine reads)
 * and as BasicOCSPResponse (what RevocationValues holds).
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, isTag, parseBer, rawBytes } from '../asn1/ber.js';
import { TAG, objectIdentifier, octetString, sequence, tlv } from '../asn1/der.js';
import { readOctetString, readSequence, readSmallInteger } from '../asn1/values.js';

/** OIDs of the validation-data attributes and formats. */
export const VALUES_OID = {
  /** id-aa-ets-certValues (ETSI EN 319 122-1 Annex A.1.1.2). */
  certValues: '1.2.840.113549.1.9.16.2.23',
  /** id-aa-ets-revocationValues (ETSI EN 319 122-1 Annex A.1.2.2). */
  revocationValues: '1.2.840.113549.1.9.16.2.24',
  /** id-ri-ocsp-response (RFC 5940 §4.1). */
  riOcspResponse: '1.3.6.1.5.5.7.16.2',
  /** id-pkix-ocsp-basic (RFC 6960 §4.2.1). */
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
} as const;

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/** A RevocationInfoChoice holding an OCSP response (RFC 5940 §4.1). */
export function ocspRevocationChoice(ocspResponse: Uint8Array): Uint8Array {
  return tlv(TAG.CONTEXT_1, objectIdentifier(VALUES_OID.riOcspResponse), ocspResponse);
}

/** CertificateValues ::= SEQUENCE OF Certificate. */
export function encodeCertificateValues(certificates: readonly Uint8Array[]): Uint8Array {
  return sequence(...certificates);
}

/** The certificates of a CertificateValues value (each DER as encoded). */
export function parseCertificateValues(der: Uint8Array): Uint8Array[] {
  return readSequence(parseBer(der, 'certificate-values'), 'CertificateValues').map((c) => rawBytes(c).slice());
}

/** RevocationValues with the CRLs and the OCSP responses (whole OCSPResponses, stored as BasicOCSPResponse). */
export function encodeRevocationValues(crls: readonly Uint8Array[], ocspResponses: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  if (crls.length > 0) parts.push(tlv(TAG.CONTEXT_0, sequence(...crls)));
  if (ocspResponses.length > 0) parts.push(tlv(TAG.CONTEXT_1, sequence(...ocspResponses.map(basicOcspResponseOf))));
  return sequence(...parts);
}

/** The CRLs and OCSP responses (as whole OCSPResponses) of a RevocationValues value. */
export function parseRevocationValues(der: Uint8Array): { crls: Uint8Array[]; ocspResponses: Uint8Array[] } {
  const out = { crls: [] as Uint8Array[], ocspResponses: [] as Uint8Array[] };
  for (const f of readSequence(parseBer(der, 'revocation-values'), 'RevocationValues')) {
    if (!f.constructed || f.children.length !== 1) throw malformed('RevocationValues: a field is not [n] EXPLICIT SEQUENCE OF');
    const items = readSequence(f.children[0], 'RevocationValues list');
    if (isTag(f, 'context', 0)) out.crls.push(...items.map((c) => rawBytes(c).slice()));
    else if (isTag(f, 'context', 1)) out.ocspResponses.push(...items.map((b) => ocspResponseOfBasic(rawBytes(b))));
    // [2] otherRevVals: kept by nobody here, skipped
  }
  return out;
}

/** OCSPResponse { successful, responseBytes { id-pkix-ocsp-basic, BasicOCSPResponse } } (RFC 6960 §4.2.1). */
export function ocspResponseOfBasic(basic: Uint8Array): Uint8Array {
  return sequence(tlv(0x0a, Uint8Array.of(0)), tlv(TAG.CONTEXT_0, sequence(objectIdentifier(VALUES_OID.ocspBasic), octetString(basic))));
}

/**
 * The BasicOCSPResponse inside a successful OCSPResponse.
 * @throws ScelleError MALFORMED_ASN1 (not a successful basic OCSP response).
 */
export function basicOcspResponseOf(ocspResponse: Uint8Array): Uint8Array {
  const c = readSequence(parseBer(ocspResponse, 'OCSP response'), 'OCSPResponse');
  const status = c[0];
  if (status === undefined || !isTag(status, 'universal', 10)) throw malformed('OCSPResponse: no responseStatus');
  if (readSmallInteger({ ...status, tagNumber: UNIVERSAL.INTEGER }, 'responseStatus') !== 0) throw malformed('OCSPResponse: not a successful response');
  const bytes = c[1];
  if (bytes === undefined || !isTag(bytes, 'context', 0) || bytes.children.length !== 1) throw malformed('OCSPResponse: no responseBytes');
  const rb = readSequence(bytes.children[0], 'ResponseBytes');
  if (decodeOid(rb[0], 'responseType') !== VALUES_OID.ocspBasic) throw malformed('OCSPResponse: not a basic response');
  return readOctetString(rb[1], 'response').slice();
}
