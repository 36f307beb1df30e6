/**
 * The evidence record of an archived item, rebuilt from its batch (RFC 4998): the batch keeps each
 * chain's leaves and time-stamps once for all its items, and an item's record is its own path
 * through them —
 *
 * - chain 0, first time-stamp: the reduced hash tree of the item's hash in the batch's tree;
 * - each time-stamp renewal: one list with the hash of every earlier time-stamp of the chain
 *   (`ers/generate.ts`), the same for every item;
 * - each hash-tree renewal (chain j > 0): the reduced tree of `H(H(d) ‖ H(DER(chains so far)))`, for
 *   the items still present when it was made.
 *
 * The validation data kept for the batch goes into the record's cryptoInfos as certificate-values
 * and revocation-values, so that the exported `.ers` verifies with the trust anchors alone.
 */
import { VALUES_OID, encodeCertificateValues, encodeRevocationValues } from '../crypto/cms/validation-values.js';
import { HashTree, digestOf } from '../timestamp/ers/hash-tree.js';
import { hashRenewalLeaf } from '../timestamp/ers/generate.js';
import { ERS_HASH_OID, type ArchiveTimeStamp, type CryptoInfo, type EvidenceRecord } from '../timestamp/ers/structure.js';
import type { ArchiveBatch, ArchiveChain, ArchiveItem, StoredValidationData } from './store.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const fromB64 = (b: string): Uint8Array => new Uint8Array(Buffer.from(b, 'base64'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Hash trees of batches (and what every item of a batch shares), built once per command run. */
export class TreeCache {
  readonly #trees = new Map<string, HashTree>();
  readonly #renewals = new Map<string, ArchiveTimeStamp[]>();
  readonly #infos = new Map<string, CryptoInfo[]>();

  /** The renewal time-stamps of chain `j` of `batch`. */
  renewals(batch: ArchiveBatch, j: number): ArchiveTimeStamp[] {
    const key = `${batch.id}/${j}/${batch.chains[j]!.timestamps.length}`;
    let r = this.#renewals.get(key);
    if (r === undefined) {
      r = renewals(batch.chains[j]!);
      this.#renewals.set(key, r);
    }
    return r;
  }

  /** The cryptoInfos of the batch's validation data. */
  cryptoInfos(batch: ArchiveBatch): CryptoInfo[] {
    const v = batch.validation;
    const key = `${batch.id}/${v.certificates.length}/${v.crls.length}/${v.ocsp.length}`;
    let r = this.#infos.get(key);
    if (r === undefined) {
      r = cryptoInfosOf(v);
      this.#infos.set(key, r);
    }
    return r;
  }

  tree(batch: ArchiveBatch, j: number): HashTree {
    const key = `${batch.id}/${j}/${batch.chains[j]!.leaves.length}`;
    let t = this.#trees.get(key);
    if (t === undefined) {
      const chain = batch.chains[j]!;
      t = HashTree.build(chain.hash, chain.leaves.map(fromHex));
      this.#trees.set(key, t);
    }
    return t;
  }
}

/** The ArchiveTimeStamps of a chain after its first: one list of every earlier time-stamp's hash. */
function renewals(chain: ArchiveChain): ArchiveTimeStamp[] {
  const tokens = chain.timestamps.map((t) => fromB64(t.token));
  return tokens.slice(1).map((token, i) => {
    const distinct = [...new Map(tokens.slice(0, i + 1).map((t) => { const h = digestOf(chain.hash, t); return [hex(h), h] as const; })).values()];
    const ats: ArchiveTimeStamp = { digestAlgorithm: ERS_HASH_OID[chain.hash], timeStamp: token };
    if (distinct.length > 1) ats.reducedHashtree = [distinct.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))];
    return ats;
  });
}

/** certificate-values and revocation-values attributes of the stored validation data. */
export function cryptoInfosOf(v: StoredValidationData): CryptoInfo[] {
  const out: CryptoInfo[] = [];
  if (v.certificates.length > 0) out.push({ type: VALUES_OID.certValues, values: [encodeCertificateValues(v.certificates.map(fromB64))] });
  if (v.crls.length > 0 || v.ocsp.length > 0) out.push({ type: VALUES_OID.revocationValues, values: [encodeRevocationValues(v.crls.map(fromB64), v.ocsp.map(fromB64))] });
  return out;
}

/**
 * The evidence record of `item` (RFC 4998), up to the last chain it takes part in.
 * @throws RangeError when the batch does not hold the item's hash (a damaged batch: `archive verify` reports it).
 */
export function itemEvidenceRecord(batch: ArchiveBatch, item: ArchiveItem, cache: TreeCache = new TreeCache(), withValidationData = true): EvidenceRecord {
  const record: EvidenceRecord = { version: 1, digestAlgorithms: [], chains: [] };
  for (const [j, chain] of batch.chains.entries()) {
    const d = item.digests[chain.hash];
    if (d === undefined) break;
    const leaf = j === 0 ? fromHex(d) : hashRenewalLeaf(chain.hash, fromHex(d), record);
    const tree = cache.tree(batch, j);
    if (tree.indexOf(leaf) < 0) {
      if (j === 0) throw new RangeError(`batch ${batch.id} does not hold the hash of item ${item.id}`);
      break;
    }
    const first: ArchiveTimeStamp = { digestAlgorithm: ERS_HASH_OID[chain.hash], timeStamp: fromB64(chain.timestamps[0]!.token) };
    const reduced = tree.reducedTree(leaf);
    if (reduced !== undefined) first.reducedHashtree = reduced;
    record.chains.push([first, ...cache.renewals(batch, j)]);
    const oid = ERS_HASH_OID[chain.hash];
    if (!record.digestAlgorithms.includes(oid)) record.digestAlgorithms.push(oid);
  }
  if (withValidationData) {
    const infos = cache.cryptoInfos(batch);
    if (infos.length > 0) record.cryptoInfos = infos;
  }
  return record;
}

/** The hex leaf an item has in chain `j` (what a hash-tree renewal adds for it). */
export function leafHex(batch: ArchiveBatch, item: ArchiveItem, j: number, cache: TreeCache): string | undefined {
  const chain = batch.chains[j]!;
  const d = item.digests[chain.hash];
  if (d === undefined) return undefined;
  if (j === 0) return d;
  const upTo = { ...batch, chains: batch.chains.slice(0, j) };
  return hex(hashRenewalLeaf(chain.hash, fromHex(d), itemEvidenceRecord(upTo, item, cache, false)));
}

/** `stored` with the gathered data added (each certificate, CRL and OCSP response once); and how many were new. */
export function mergeValidationData(stored: StoredValidationData, g: { certificates: { der: Uint8Array }[]; crls: { der: Uint8Array }[]; ocspResponses: Uint8Array[] }): { data: StoredValidationData; added: number } {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  const merge = (list: string[], add: string[]): string[] => [...list, ...add.filter((x, i) => !list.includes(x) && add.indexOf(x) === i)];
  const data: StoredValidationData = {
    certificates: merge(stored.certificates, g.certificates.map((c) => b64(c.der))),
    crls: merge(stored.crls, g.crls.map((c) => b64(c.der))),
    ocsp: merge(stored.ocsp, g.ocspResponses.map(b64)),
  };
  const added = data.certificates.length + data.crls.length + data.ocsp.length - stored.certificates.length - stored.crls.length - stored.ocsp.length;
  return { data, added };
}

/**
 * The journal's link that a batch's chain 0 holds (`journalLeaf`), as an item whose record the
 * seal checks: its "document" hash is the link under chain 0's algorithm, and `H(link)` under the
 * algorithm of each later chain (hash-tree renewals carry it too).
 */
export function journalProbe(batch: ArchiveBatch): ArchiveItem | undefined {
  if (batch.journalLeaf === undefined) return undefined;
  const first = batch.chains[0]!.hash;
  const leaf = fromHex(batch.journalLeaf);
  const digests: ArchiveItem['digests'] = { [first]: batch.journalLeaf };
  for (const c of batch.chains.slice(1)) if (c.hash !== first) digests[c.hash] = hex(digestOf(c.hash, leaf));
  return { id: 'journal', size: 0, digests, addedAt: batch.createdAt, retention: { kind: 'unset' } };
}
