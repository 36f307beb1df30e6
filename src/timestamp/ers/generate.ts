/**
 * Making and renewing evidence records (RFC 4998 §4.2, §5.2).
 *
 * - A batch: the hash values of N data objects are the leaves of one hash tree; one time-stamp
 *   request covers its root; each object's record holds its reduced hash tree and that token.
 * - Time-stamp renewal (§5.2): before the last time-stamp's TSA certificate expires (or its
 *   algorithms weaken), a new ArchiveTimeStamp over the hash of the previous ones is appended to
 *   the same chain. scelle's renewal covers the hash of *every* time-stamp of the chain in one
 *   list (the previous one among them, as §5.3 checks), which is also what BouncyCastle's
 *   `ERSEvidenceRecord.validate` checks of a chain.
 * - Hash-tree renewal (§5.2): when the chain's hash algorithm weakens, every object is hashed
 *   again with the new algorithm, concatenated with the hash of the record's whole
 *   ArchiveTimeStampSequence (DER): `h(i) = H(H(d) ‖ H(atsSeq))`, and a new chain starts with an
 *   ArchiveTimeStamp over a tree of those.
 */
import { ScelleError } from '../../errors.js';
import { hashNameOf, isTspHash, parseTimeStampToken, type TspHash } from '../tsp.js';
import type { TimestampTokenSource } from '../cades-t.js';
import { HashTree, digestOf, hashSorted } from './hash-tree.js';
import { ERS_HASH_OID, encodeChains, ersHashOf, type ArchiveTimeStamp, type EvidenceRecord } from './structure.js';

/** Where time-stamps come from, and the clock they are checked against. */
export interface ErsTimestampOptions {
  /** Obtains a token over an imprint (typically `requestTimestamp` against the TSA). */
  getToken: TimestampTokenSource;
  /** The current time: a token dated after it (beyond 5 minutes) is refused. Default: now. */
  clock?: () => Date;
}

/** One time-stamped tree: the tree, and the token over its root. */
export interface TimestampedTree {
  tree: HashTree;
  /** The TimeStampToken (ContentInfo DER). */
  token: Uint8Array;
  genTime: Date;
}

import { tokenFromAnswer } from '../token-answer.js';

export { tokenFromAnswer };

/**
 * Builds the tree over `leaves` and time-stamps its root: one TSA request for any number of
 * objects.
 * @throws ScelleError USAGE (no leaf, a leaf of the wrong length), and what {@link tokenFromAnswer}
 *   and `getToken` throw (TSA_UNAVAILABLE…).
 */
export async function timestampTree(leaves: readonly Uint8Array[], hash: TspHash, options: ErsTimestampOptions, what = 'the archive batch'): Promise<TimestampedTree> {
  if (leaves.length === 0) throw new ScelleError('USAGE', 'nothing to time-stamp: no data object given');
  const length = digestOf(hash).length;
  if (leaves.some((l) => l.length !== length)) throw new ScelleError('USAGE', `every hash value of a ${hash} tree is ${length} bytes`);
  const tree = HashTree.build(hash, leaves);
  const { token, genTime } = tokenFromAnswer(await options.getToken(hash, tree.root), hash, tree.root, what, options.clock?.() ?? new Date());
  return { tree, token, genTime };
}

/** The ArchiveTimeStamp proving `leaf` with the tree's token (digestAlgorithm always written). */
export function archiveTimeStampOf(t: TimestampedTree, leaf: Uint8Array): ArchiveTimeStamp {
  const reduced = t.tree.reducedTree(leaf);
  return { digestAlgorithm: ERS_HASH_OID[t.tree.hash], ...(reduced !== undefined ? { reducedHashtree: reduced } : {}), timeStamp: t.token };
}

/** A new record of one data object whose hash is `leaf`, from a time-stamped tree. */
export function evidenceRecordOf(t: TimestampedTree, leaf: Uint8Array): EvidenceRecord {
  return { version: 1, digestAlgorithms: [ERS_HASH_OID[t.tree.hash]], chains: [[archiveTimeStampOf(t, leaf)]] };
}

/**
 * The hash algorithm of a chain: its first ArchiveTimeStamp's digestAlgorithm, else the message
 * imprint algorithm of its token (RFC 4998 §4.1).
 * @throws ScelleError UNSUPPORTED_ALGORITHM (a hash other than SHA-256/384/512), MALFORMED_ASN1.
 */
export function chainHash(chain: readonly ArchiveTimeStamp[]): TspHash {
  const first = chain[0];
  if (first === undefined) throw new ScelleError('EVIDENCE_RECORD_INVALID', 'an empty ArchiveTimeStampChain');
  const oid = first.digestAlgorithm;
  const name = oid !== undefined ? ersHashOf(oid) : parseTimeStampToken(first.timeStamp).tstInfo.hash;
  if (name === undefined || !isTspHash(name)) throw new ScelleError('UNSUPPORTED_ALGORITHM', `the chain uses the hash ${oid !== undefined ? hashNameOf(oid) : 'of its token'}, which scelle does not renew or trust (SHA-256, SHA-384 or SHA-512 only)`);
  return name;
}

/** The leaves a time-stamp renewal covers: the hash of each time-stamp of the chain (RFC 4998 §5.2). */
export function timestampRenewalLeaves(chain: readonly ArchiveTimeStamp[]): Uint8Array[] {
  const hash = chainHash(chain);
  return chain.map((a) => digestOf(hash, a.timeStamp));
}

/**
 * Time-stamp renewal of a chain (RFC 4998 §5.2): the ArchiveTimeStamp to append to it. Records
 * sharing the chain (a batch) share the result. The renewal's list names every previous
 * time-stamp of the chain; with a single one there is no tree and the token covers its hash.
 */
export async function renewChainTimestamp(chain: readonly ArchiveTimeStamp[], options: ErsTimestampOptions): Promise<ArchiveTimeStamp> {
  const hash = chainHash(chain);
  // Sorted, each once: one list whose hash (RFC 4998 §4.3 step 3) is what the new token covers.
  const distinct = HashTree.build(hash, timestampRenewalLeaves(chain)).rows[0]!;
  const imprint = distinct.length === 1 ? distinct[0]! : hashSorted(hash, distinct);
  const { token } = tokenFromAnswer(await options.getToken(hash, imprint), hash, imprint, 'the previous archive time-stamps', options.clock?.() ?? new Date());
  const ats: ArchiveTimeStamp = { digestAlgorithm: ERS_HASH_OID[hash], timeStamp: token };
  if (distinct.length > 1) ats.reducedHashtree = [[...distinct]];
  return ats;
}

/** Appends `ats` to the last chain of `record` (time-stamp renewal). */
export function withRenewedTimestamp(record: EvidenceRecord, ats: ArchiveTimeStamp): EvidenceRecord {
  const chains = record.chains.map((c) => [...c]);
  chains[chains.length - 1]!.push(ats);
  return { ...record, chains };
}

/**
 * The leaf of a hash-tree renewal (RFC 4998 §5.2 steps 3–4): `H(H(d) ‖ H(DER(atsSeq)))`, with
 * `documentHash` = H(d) under the new algorithm.
 */
export function hashRenewalLeaf(hash: TspHash, documentHash: Uint8Array, record: EvidenceRecord): Uint8Array {
  return digestOf(hash, documentHash, digestOf(hash, encodeChains(record.chains)));
}

/** One record to renew, with its data object's hash under the new algorithm. */
export interface HashRenewalEntry {
  record: EvidenceRecord;
  documentHash: Uint8Array;
}

/**
 * Hash-tree renewal of many records at once (RFC 4998 §5.2): one new tree and one time-stamp; each
 * record gets a new chain.
 * @throws ScelleError USAGE (a document hash of the wrong length), and what {@link timestampTree} throws.
 */
export async function renewHashTrees(entries: readonly HashRenewalEntry[], hash: TspHash, options: ErsTimestampOptions): Promise<EvidenceRecord[]> {
  const leaves = entries.map((e) => hashRenewalLeaf(hash, e.documentHash, e.record));
  const t = await timestampTree(leaves, hash, options, 'the renewed hash tree');
  return entries.map((e, i) => {
    const oid = ERS_HASH_OID[hash];
    const digestAlgorithms = e.record.digestAlgorithms.includes(oid) ? [...e.record.digestAlgorithms] : [...e.record.digestAlgorithms, oid];
    return { ...e.record, digestAlgorithms, chains: [...e.record.chains.map((c) => [...c]), [archiveTimeStampOf(t, leaves[i]!)]] };
  });
}
