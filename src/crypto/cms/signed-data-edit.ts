/**
 * Augmenting a CMS SignedData held in memory (RFC 5652 §5.1) without touching what is signed:
 * certificates and revocation data added to its `certificates` and `crls` sets, a digest algorithm
 * added to `digestAlgorithms`, an unsigned attribute appended to a SignerInfo (§5.3) — what
 * CAdES-LT and CAdES-LTA do (ETSI EN 319 122-1 §5.5.3), and what an archive time-stamp's token
 * needs to carry its ats-hash-index-v3.
 *
 * Every element already present is copied byte for byte, in its place: ETSI EN 319 122-1 §5.5.3
 * "the augmentation shall preserve the binary encoding of already present unsigned attributes and
 * any component contributing to the archive time-stamp's message imprint"; new elements go last,
 * in DER. The wrappers around them get new definite lengths (a BER input stays valid BER).
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, isTag, parseBer, rawBytes, type BerNode } from '../asn1/ber.js';
import { TAG, objectIdentifier, sequence, tlv } from '../asn1/der.js';
import { bytesEqual } from '../asn1/asn1js-util.js';
import { readAlgorithm } from '../asn1/values.js';
import { CMS_OID } from './oids.js';

/** Largest signature augmented in memory (a detached .p7s is a few KB; an attached .p7m may be larger). */
export const MAX_AUGMENTED_SIGNATURE = 256 * 1024 * 1024;

/** A ContentInfo(SignedData) split into its parts (RFC 5652 §3, §5.1), each as encoded. */
export interface SignedDataLayout {
  /** The ContentInfo contentType element. */
  contentType: Uint8Array;
  version: Uint8Array;
  digestAlgorithms: Uint8Array[];
  /** The encapContentInfo element. */
  encapContentInfo: Uint8Array;
  /** The eContentType OID (dotted). */
  eContentType: string;
  /** Each CertificateChoices of `certificates`. */
  certificates: Uint8Array[];
  /** Each RevocationInfoChoice of `crls`. */
  crls: Uint8Array[];
  /** Each SignerInfo element. */
  signerInfos: Uint8Array[];
}

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', message);

/**
 * Splits a ContentInfo(SignedData) (DER or BER) into its parts.
 * @throws ScelleError MALFORMED_ASN1, UNSUPPORTED_FORMAT (not SignedData, no SignerInfo, larger than
 *   {@link MAX_AUGMENTED_SIGNATURE}).
 */
export function readSignedDataLayout(der: Uint8Array): SignedDataLayout {
  if (der.length > MAX_AUGMENTED_SIGNATURE) throw new ScelleError('UNSUPPORTED_FORMAT', `the signature is larger than ${MAX_AUGMENTED_SIGNATURE / 1024 / 1024} MiB: extend a detached signature instead (it is rewritten in memory)`);
  const ci = parseBer(der, 'CMS signature', { maxNodes: 2_000_000 });
  if (!isTag(ci, 'universal', UNIVERSAL.SEQUENCE) || ci.children.length !== 2) throw malformed('not a CMS ContentInfo SEQUENCE { contentType, [0] content }');
  const [type, explicit] = ci.children as [BerNode, BerNode];
  const ct = decodeOid(type, 'ContentInfo contentType');
  if (ct !== CMS_OID.signedData) throw new ScelleError('UNSUPPORTED_FORMAT', `the CMS content is ${ct}, not SignedData (${CMS_OID.signedData})`);
  const sd = explicit.children[0];
  if (!isTag(explicit, 'context', 0) || explicit.children.length !== 1 || sd === undefined || !isTag(sd, 'universal', UNIVERSAL.SEQUENCE)) throw malformed('ContentInfo content is not [0] EXPLICIT SignedData');
  const c = sd.children;
  let i = 0;
  const version = c[i++];
  const algs = c[i++];
  const encap = c[i++];
  if (version === undefined || algs === undefined || encap === undefined || !isTag(algs, 'universal', UNIVERSAL.SET) || !isTag(encap, 'universal', UNIVERSAL.SEQUENCE)) throw malformed('SignedData does not start with version, digestAlgorithms, encapContentInfo');
  const out: SignedDataLayout = {
    contentType: rawBytes(type),
    version: rawBytes(version),
    digestAlgorithms: algs.children.map(rawBytes),
    encapContentInfo: rawBytes(encap),
    eContentType: decodeOid(encap.children[0], 'eContentType'),
    certificates: [],
    crls: [],
    signerInfos: [],
  };
  if (isTag(c[i], 'context', 0)) out.certificates = c[i++]!.children.map(rawBytes);
  if (isTag(c[i], 'context', 1)) out.crls = c[i++]!.children.map(rawBytes);
  const sis = c[i++];
  if (sis === undefined || !isTag(sis, 'universal', UNIVERSAL.SET) || i !== c.length) throw malformed('SignedData does not end with its signerInfos SET');
  if (sis.children.length === 0) throw new ScelleError('UNSUPPORTED_FORMAT', 'the SignedData has no SignerInfo: there is no signature to extend');
  out.signerInfos = sis.children.map(rawBytes);
  return out;
}

/** Encodes a layout back into a ContentInfo (DER wrappers, parts as they are). */
export function writeSignedDataLayout(l: SignedDataLayout): Uint8Array {
  const parts = [l.version, tlv(TAG.SET, ...l.digestAlgorithms), l.encapContentInfo];
  if (l.certificates.length > 0) parts.push(tlv(TAG.CONTEXT_0, ...l.certificates));
  if (l.crls.length > 0) parts.push(tlv(TAG.CONTEXT_1, ...l.crls));
  parts.push(tlv(TAG.SET, ...l.signerInfos));
  return sequence(l.contentType, tlv(TAG.CONTEXT_0, sequence(...parts)));
}

/** `list` with each of `added` not already in it (compared byte for byte) appended; and how many were new. */
export function withAdded(list: readonly Uint8Array[], added: readonly Uint8Array[]): { list: Uint8Array[]; count: number } {
  const out = [...list];
  let count = 0;
  for (const a of added) {
    if (out.some((x) => bytesEqual(x, a))) continue;
    out.push(a);
    count++;
  }
  return { list: out, count };
}

/** The layout with `oid` in digestAlgorithms (added last when missing). */
export function withDigestAlgorithm(l: SignedDataLayout, oid: string): SignedDataLayout {
  const present = l.digestAlgorithms.some((a) => readAlgorithm(parseBer(a, 'digestAlgorithm'), 'digestAlgorithm').oid === oid);
  return present ? l : { ...l, digestAlgorithms: [...l.digestAlgorithms, sequence(objectIdentifier(oid))] };
}

/**
 * A SignerInfo with one more unsigned attribute `SEQUENCE { type, SET { value } }` appended to its
 * unsignedAttrs (created when absent); every other byte as it was.
 * @throws ScelleError MALFORMED_ASN1 (not a SignerInfo).
 */
export function appendUnsignedAttribute(signerInfo: Uint8Array, type: string, value: Uint8Array): Uint8Array {
  const node = parseBer(signerInfo, 'SignerInfo', { maxNodes: 2_000_000 });
  if (!isTag(node, 'universal', UNIVERSAL.SEQUENCE) || node.children.length < 5) throw malformed('not a SignerInfo');
  const fields = node.children;
  const last = fields[fields.length - 1]!;
  const hasUnsigned = isTag(last, 'context', 1);
  const kept = (hasUnsigned ? fields.slice(0, -1) : fields).map(rawBytes);
  const existing = hasUnsigned ? last.children.map(rawBytes) : [];
  const attribute = sequence(objectIdentifier(type), tlv(TAG.SET, value));
  return sequence(...kept, tlv(TAG.CONTEXT_1, ...existing, attribute));
}
