/**
 * The Evidence Record Syntax (RFC 4998 §3–§5, module `ERS`, IMPLICIT TAGS): strict reading and
 * DER writing of
 *
 * ```asn1
 * EvidenceRecord ::= SEQUENCE {
 *   version                  INTEGER { v1(1) },
 *   digestAlgorithms         SEQUENCE OF AlgorithmIdentifier,
 *   cryptoInfos              [0] CryptoInfos OPTIONAL,      -- SEQUENCE SIZE (1..MAX) OF Attribute
 *   encryptionInfo           [1] EncryptionInfo OPTIONAL,
 *   archiveTimeStampSequence ArchiveTimeStampSequence }     -- SEQUENCE OF ArchiveTimeStampChain
 * ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp
 * ArchiveTimeStamp ::= SEQUENCE {
 *   digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
 *   attributes      [1] Attributes OPTIONAL,
 *   reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
 *   timeStamp       ContentInfo }
 * PartialHashtree ::= SEQUENCE OF OCTET STRING
 * ```
 *
 * The time-stamp token is kept as the bytes of its ContentInfo, in DER (RFC 4998 §5.2 hashes "the
 * timeStamp field" as DER, and so does every implementation, BouncyCastle's included): a BER token
 * is re-encoded once on reading. What a record is worth is decided by the validation engine
 * (`src/validation/evidence-record.ts`).
 */
import { ScelleError } from '../../errors.js';
import { UNIVERSAL, decodeOid, encodeDer, isTag, parseBer, type BerNode } from '../../crypto/asn1/ber.js';
import { TAG, algorithmIdentifier, objectIdentifier, octetString, sequence, smallInteger, tlv } from '../../crypto/asn1/der.js';
import { readAlgorithm, readOctetString, readSequence, readSmallInteger } from '../../crypto/asn1/values.js';
import { ALG_OID } from '../../crypto/cms/oids.js';
import { isTspHash, type TspHash } from '../tsp.js';

/** One ArchiveTimeStamp (RFC 4998 §4.1). */
export interface ArchiveTimeStamp {
  /** digestAlgorithm OID, when the field is present (else the token's imprint algorithm applies). */
  digestAlgorithm?: string;
  /** The `[1] attributes` element as encoded, when present (kept, never interpreted). */
  attributes?: Uint8Array;
  /** The reduced hash tree: lists of hash values, the first holding the covered object's hash. */
  reducedHashtree?: Uint8Array[][];
  /** The TimeStampToken (ContentInfo), DER. */
  timeStamp: Uint8Array;
}

/** An Attribute of cryptoInfos (RFC 4998 §3.1: certificates, CRLs, OCSP responses useful later). */
export interface CryptoInfo {
  type: string;
  /** Each AttributeValue as encoded. */
  values: Uint8Array[];
}

/** An EvidenceRecord (RFC 4998 §3.1). */
export interface EvidenceRecord {
  version: 1;
  /** Every digest algorithm the record uses, OIDs. */
  digestAlgorithms: string[];
  cryptoInfos?: CryptoInfo[];
  /** The `[1] encryptionInfo` element as encoded (scelle never writes one: records cover plaintext). */
  encryptionInfo?: Uint8Array;
  /** ArchiveTimeStampSequence: chains, oldest first; each chain's time-stamps oldest first. */
  chains: ArchiveTimeStamp[][];
}

/** Digest algorithm OIDs of the hashes a record may use (the time-stamp hashes, RFC 3161 imprints). */
export const ERS_HASH_OID: Readonly<Record<TspHash, string>> = {
  sha256: ALG_OID.sha256,
  sha384: ALG_OID.sha384,
  sha512: ALG_OID.sha512,
};

/** The hash name of a digest OID a record may use, or undefined for another (SHA-1, MD5, unknown). */
export function ersHashOf(oid: string): TspHash | undefined {
  const name = (Object.keys(ERS_HASH_OID) as TspHash[]).find((h) => ERS_HASH_OID[h] === oid);
  return name !== undefined && isTspHash(name) ? name : undefined;
}

/** Largest evidence record read: a record of a document holds a few KB per time-stamp. */
export const MAX_EVIDENCE_RECORD = 16 * 1024 * 1024;

const malformed = (message: string): ScelleError => new ScelleError('MALFORMED_ASN1', `evidence record: ${message}`);

function readPartialHashtrees(node: BerNode): Uint8Array[][] {
  if (!node.constructed) throw malformed('reducedHashtree is not constructed');
  const lists = node.children.map((p, i) => readSequence(p, `PartialHashtree #${i + 1}`).map((h, k) => readOctetString(h, `PartialHashtree #${i + 1} value #${k + 1}`).slice()));
  if (lists.length === 0 || lists.some((l) => l.length === 0)) throw malformed('an empty reducedHashtree or PartialHashtree (RFC 4998 §4.1 lists hold hash values)');
  return lists;
}

function readArchiveTimeStamp(node: BerNode, where: string): ArchiveTimeStamp {
  const c = readSequence(node, `${where} ArchiveTimeStamp`);
  let i = 0;
  const out: Partial<ArchiveTimeStamp> = {};
  if (isTag(c[i], 'context', 0)) {
    // [0] IMPLICIT AlgorithmIdentifier: the SEQUENCE tag replaced by [0].
    const alg = c[i++]!;
    if (!alg.constructed || alg.children.length < 1 || alg.children.length > 2) throw malformed(`${where}: digestAlgorithm is not an AlgorithmIdentifier`);
    out.digestAlgorithm = decodeOid(alg.children[0], `${where} digestAlgorithm`);
  }
  if (isTag(c[i], 'context', 1)) {
    // [1] IMPLICIT Attributes: SET SIZE (1..MAX) OF Attribute — checked, kept as encoded.
    const attrs = c[i++]!;
    if (!attrs.constructed || attrs.children.length === 0) throw malformed(`${where}: attributes is not a non-empty SET OF Attribute`);
    for (const a of attrs.children) {
      const f = readSequence(a, `${where} attribute`);
      if (f.length !== 2 || !isTag(f[1], 'universal', UNIVERSAL.SET)) throw malformed(`${where}: an attribute is not SEQUENCE { type, SET OF value }`);
      decodeOid(f[0], `${where} attribute type`);
    }
    out.attributes = encodeDer(attrs);
  }
  if (isTag(c[i], 'context', 2)) out.reducedHashtree = readPartialHashtrees(c[i++]!);
  const ts = c[i++];
  if (ts === undefined || !isTag(ts, 'universal', UNIVERSAL.SEQUENCE)) throw malformed(`${where}: the timeStamp ContentInfo is missing`);
  if (i !== c.length) throw malformed(`${where}: unexpected fields after the timeStamp`);
  out.timeStamp = encodeDer(ts);
  return out as ArchiveTimeStamp;
}

function readCryptoInfos(node: BerNode): CryptoInfo[] {
  if (!node.constructed || node.children.length === 0) throw malformed('cryptoInfos is empty (SIZE (1..MAX))');
  return node.children.map((a, k) => {
    const f = readSequence(a, `cryptoInfos Attribute #${k + 1}`);
    if (f.length !== 2 || !isTag(f[1], 'universal', UNIVERSAL.SET)) throw malformed(`cryptoInfos Attribute #${k + 1} is not SEQUENCE { type, SET OF value }`);
    return { type: decodeOid(f[0], 'cryptoInfos attribute type'), values: f[1]!.children.map((v) => encodeDer(v)) };
  });
}

/**
 * Parses an EvidenceRecord (DER or BER; time-stamps are kept in DER).
 * @throws ScelleError MALFORMED_ASN1 (not an EvidenceRecord v1, an empty sequence or chain, an
 *   unknown field), EVIDENCE_RECORD_INVALID (larger than {@link MAX_EVIDENCE_RECORD}).
 */
export function parseEvidenceRecord(der: Uint8Array): EvidenceRecord {
  if (der.length > MAX_EVIDENCE_RECORD) throw new ScelleError('EVIDENCE_RECORD_INVALID', `the evidence record is ${der.length} bytes, more than any genuine record (${MAX_EVIDENCE_RECORD})`);
  const top = readSequence(parseBer(der, 'evidence record'), 'EvidenceRecord');
  let i = 0;
  const version = readSmallInteger(top[i++], 'EvidenceRecord version');
  if (version !== 1) throw malformed(`version ${version}, not v1(1)`);
  const digestAlgorithms = readSequence(top[i++], 'digestAlgorithms').map((a) => readAlgorithm(a, 'digestAlgorithms').oid);
  const record: EvidenceRecord = { version: 1, digestAlgorithms, chains: [] };
  if (isTag(top[i], 'context', 0)) record.cryptoInfos = readCryptoInfos(top[i++]!);
  if (isTag(top[i], 'context', 1)) record.encryptionInfo = encodeDer(top[i++]!);
  const chains = readSequence(top[i++], 'ArchiveTimeStampSequence');
  if (i !== top.length) throw malformed('unexpected fields after the ArchiveTimeStampSequence');
  if (chains.length === 0) throw malformed('the ArchiveTimeStampSequence holds no chain');
  record.chains = chains.map((ch, j) => {
    const atss = readSequence(ch, `ArchiveTimeStampChain #${j + 1}`);
    if (atss.length === 0) throw malformed(`ArchiveTimeStampChain #${j + 1} holds no ArchiveTimeStamp`);
    return atss.map((a, k) => readArchiveTimeStamp(a, `chain #${j + 1} ArchiveTimeStamp #${k + 1}`));
  });
  return record;
}

// -------------------------------------------------------------------------------------- writing

/** DER of one ArchiveTimeStamp. */
export function encodeArchiveTimeStamp(ats: ArchiveTimeStamp): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ats.digestAlgorithm !== undefined) parts.push(tlv(TAG.CONTEXT_0, objectIdentifier(ats.digestAlgorithm)));
  if (ats.attributes !== undefined) parts.push(ats.attributes);
  if (ats.reducedHashtree !== undefined) parts.push(tlv(TAG.CONTEXT_2, ...ats.reducedHashtree.map((l) => sequence(...l.map(octetString)))));
  parts.push(ats.timeStamp);
  return sequence(...parts);
}

/** DER of a chain (ArchiveTimeStampChain). */
export function encodeChain(chain: readonly ArchiveTimeStamp[]): Uint8Array {
  return sequence(...chain.map(encodeArchiveTimeStamp));
}

/** DER of an ArchiveTimeStampSequence made of `chains` (RFC 4998 §5.2 hashes it for hash-tree renewal). */
export function encodeChains(chains: readonly (readonly ArchiveTimeStamp[])[]): Uint8Array {
  return sequence(...chains.map(encodeChain));
}

/** DER of an EvidenceRecord. */
export function encodeEvidenceRecord(record: EvidenceRecord): Uint8Array {
  const parts: Uint8Array[] = [smallInteger(1), sequence(...record.digestAlgorithms.map((oid) => algorithmIdentifier(oid)))];
  if (record.cryptoInfos !== undefined && record.cryptoInfos.length > 0) {
    parts.push(tlv(TAG.CONTEXT_0, ...record.cryptoInfos.map((a) => sequence(objectIdentifier(a.type), tlv(TAG.SET, ...a.values)))));
  }
  if (record.encryptionInfo !== undefined) parts.push(record.encryptionInfo);
  parts.push(encodeChains(record.chains));
  return sequence(...parts);
}

/** The hash name of a record's ArchiveTimeStamp: its digestAlgorithm, else its token's imprint hash. */
export function atsHashOid(ats: ArchiveTimeStamp, tokenImprintOid: string): string {
  return ats.digestAlgorithm ?? tokenImprintOid;
}
