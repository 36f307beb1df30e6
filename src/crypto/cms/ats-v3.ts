/**
 * The archive-time-stamp-v3 of CAdES-LTA (ETSI EN 319 122-1 V1.3.1 §5.5.2–§5.5.3):
 *
 * ```asn1
 * id-aa-ets-archiveTimestampV3 OBJECT IDENTIFIER ::= { itu-t(0) identified-organization(4) etsi(0)
 *     electronic-signature-standard(1733) attributes(2) 4 }          -- value: a TimeStampToken
 * id-aa-ATSHashIndex-v3 OBJECT IDENTIFIER ::= { itu-t(0) identified-organization(4) etsi(0)
 *     cades(19122) attributes(1) 5 }                                -- in the token's unsignedAttrs
 * ATSHashIndexV3 ::= SEQUENCE {
 *   hashIndAlgorithm            AlgorithmIdentifier,
 *   certificatesHashIndex       SEQUENCE OF OCTET STRING,  -- H(each CertificateChoices)
 *   crlsHashIndex               SEQUENCE OF OCTET STRING,  -- H(each RevocationInfoChoice)
 *   unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING } -- H(attrType ‖ each AttributeValue)
 * ```
 *
 * The token's message imprint is H(eContentType ‖ H(signed content) ‖ version ‖ sid ‖
 * digestAlgorithm ‖ signedAttrs ‖ signatureAlgorithm ‖ signature ‖ ATSHashIndexV3), every field as
 * encoded (tag, length and value), under the index's algorithm. The index names what the time-stamp
 * protects; anything added later (validation data, further archive time-stamps) is simply not named.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, isTag, parseBer, rawBytes } from '../asn1/ber.js';
import { TAG, algorithmIdentifier, concatBytes, objectIdentifier, octetString, sequence, tlv } from '../asn1/der.js';
import { readAlgorithm, readOctetString, readSequence } from '../asn1/values.js';
import { DIGESTS, attributeValues, parseSignerInfo, type Attribute, type SignerInfo } from './signed-data.js';

/** OIDs of CAdES-LTA. */
export const ATS_OID = {
  archiveTimestampV3: '0.4.0.1733.2.4',
  atsHashIndexV3: '0.4.0.19122.1.5',
} as const;

/** A decoded ATSHashIndexV3. */
export interface AtsHashIndex {
  hashOid: string;
  certificates: Uint8Array[];
  crls: Uint8Array[];
  unsignedAttrValues: Uint8Array[];
  /** The value as encoded (what the imprint covers). */
  der: Uint8Array;
}

/** What an index is computed over: the root SignedData's sets and the signer's unsigned attributes. */
export interface AtsCoverage {
  certificates: readonly Uint8Array[];
  crls: readonly Uint8Array[];
  unsignedAttributes: readonly Attribute[];
}

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

function nodeHash(oid: string): string {
  const d = DIGESTS[oid];
  if (d === undefined || d.weak) throw new ScelleError('UNSUPPORTED_ALGORITHM', `the archive time-stamp hash ${d?.name ?? oid} is not accepted`);
  return d.node;
}

/** Each (attrType ‖ AttributeValue) of the unsigned attributes, as encoded (§5.5.2). */
export function attributeValueInputs(attrs: readonly Attribute[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const a of attrs) {
    const type = objectIdentifier(a.oid);
    for (const v of a.values) out.push(concatBytes([type, rawBytes(v)]));
  }
  return out;
}

/** The hash values the index of `coverage` holds, by list. */
export function coverageHashes(hashOid: string, coverage: AtsCoverage): { certificates: Uint8Array[]; crls: Uint8Array[]; unsignedAttrValues: Uint8Array[] } {
  const node = nodeHash(hashOid);
  const h = (b: Uint8Array): Uint8Array => new Uint8Array(crypto.createHash(node).update(b).digest());
  return {
    certificates: coverage.certificates.map(h),
    crls: coverage.crls.map(h),
    unsignedAttrValues: attributeValueInputs(coverage.unsignedAttributes).map(h),
  };
}

/** DER of the ATSHashIndexV3 of `coverage` (every element present now). */
export function buildAtsHashIndex(hashOid: string, coverage: AtsCoverage): Uint8Array {
  const c = coverageHashes(hashOid, coverage);
  const list = (hs: Uint8Array[]): Uint8Array => sequence(...hs.map(octetString));
  return sequence(algorithmIdentifier(hashOid), list(c.certificates), list(c.crls), list(c.unsignedAttrValues));
}

/**
 * Decodes an ATSHashIndexV3 (the hashIndAlgorithm may be absent, as in older writers: SHA-256).
 * @throws ScelleError MALFORMED_ASN1.
 */
export function parseAtsHashIndex(der: Uint8Array): AtsHashIndex {
  const c = readSequence(parseBer(der, 'ats-hash-index-v3'), 'ATSHashIndexV3');
  let i = 0;
  let hashOid = '2.16.840.1.101.3.4.2.1';
  if (c.length === 4) hashOid = readAlgorithm(c[i++], 'hashIndAlgorithm').oid;
  if (c.length - i !== 3) throw malformed('ATSHashIndexV3 has not its three lists');
  const list = (n: (typeof c)[number] | undefined, what: string): Uint8Array[] => readSequence(n, what).map((o) => readOctetString(o, what).slice());
  return { hashOid, certificates: list(c[i++], 'certificatesHashIndex'), crls: list(c[i++], 'crlsHashIndex'), unsignedAttrValues: list(c[i++], 'unsignedAttrValuesHashIndex'), der: der.slice() };
}

/**
 * The message imprint input of an archive-time-stamp-v3 (§5.5.3 steps 1–4), as parts in order:
 * eContentType, the content hash, the SignerInfo's fields from version to signature, the index.
 */
export function atsImprintParts(eContentType: string, contentHash: Uint8Array, info: SignerInfo, indexDer: Uint8Array): Uint8Array[] {
  const fields = info.node.children;
  const lastSigned = isTag(fields[fields.length - 1], 'context', 1) ? fields.length - 1 : fields.length;
  return [objectIdentifier(eContentType), contentHash, ...fields.slice(0, lastSigned).map(rawBytes), indexDer];
}

/** The imprint itself: H(imprint parts). */
export function atsImprint(hashOid: string, parts: readonly Uint8Array[]): Uint8Array {
  const h = crypto.createHash(nodeHash(hashOid));
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * The index an archive time-stamp token carries: the single value of the single ats-hash-index-v3
 * attribute of its SignerInfo's unsigned attributes.
 * @throws ScelleError ARCHIVE_TIMESTAMP_INVALID (absent, repeated), MALFORMED_ASN1.
 */
export function atsHashIndexOfToken(tokenSigner: SignerInfo): AtsHashIndex {
  const values = attributeValues(tokenSigner.unsignedAttributes, ATS_OID.atsHashIndexV3);
  const instances = tokenSigner.unsignedAttributes.filter((a) => a.oid === ATS_OID.atsHashIndexV3).length;
  if (values.length !== 1 || instances !== 1) throw new ScelleError('ARCHIVE_TIMESTAMP_INVALID', `the archive time-stamp token carries ${values.length} ats-hash-index-v3 values; ETSI EN 319 122-1 §5.5.3 requires exactly one`);
  return parseAtsHashIndex(rawBytes(values[0]!));
}

/**
 * A TimeStampToken with the ats-hash-index-v3 attribute added to its SignerInfo's unsigned
 * attributes (the token's signature does not cover them).
 * @throws ScelleError MALFORMED_ASN1 (not a token with one SignerInfo).
 */
export function withAtsHashIndex(token: Uint8Array, indexDer: Uint8Array): Uint8Array {
  const ci = parseBer(token, 'TimeStampToken');
  const sd = ci.children[1]?.children[0];
  const sis = sd?.children[sd.children.length - 1];
  if (sd === undefined || sis === undefined || !isTag(sis, 'universal', UNIVERSAL.SET) || sis.children.length !== 1) throw malformed('the time-stamp token is not a SignedData with one SignerInfo');
  const si = sis.children[0]!;
  parseSignerInfo(si);
  const fields = si.children;
  const last = fields[fields.length - 1]!;
  const hasUnsigned = isTag(last, 'context', 1);
  const kept = (hasUnsigned ? fields.slice(0, -1) : fields).map(rawBytes);
  const existing = hasUnsigned ? last.children.map(rawBytes) : [];
  const attr = sequence(objectIdentifier(ATS_OID.atsHashIndexV3), tlv(TAG.SET, indexDer));
  const newSi = sequence(...kept, tlv(TAG.CONTEXT_1, ...existing, attr));
  const signedData = sequence(...sd.children.slice(0, -1).map(rawBytes), tlv(TAG.SET, newSi));
  return sequence(rawBytes(ci.children[0]!), tlv(TAG.CONTEXT_0, signedData));
}
