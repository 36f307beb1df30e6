/**
 * RFC 4998 evidence records: hash trees, records, renewals, and their verification by the engine
 * on a timeline (tests/helpers/longterm-pki.ts): a record made with a TSA whose certificate lasts
 * 5 years, renewed at year 3 with one that lasts 25, still proves the document at year 15.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { HashTree, firstListHolds, rootOfReducedTree, hashSorted } from '../../../src/timestamp/ers/hash-tree.js';
import { encodeEvidenceRecord, parseEvidenceRecord } from '../../../src/timestamp/ers/structure.js';
import { evidenceRecordOf, renewChainTimestamp, renewHashTrees, timestampTree, withRenewedTimestamp } from '../../../src/timestamp/ers/generate.js';
import { verifyEvidenceRecord, type VerifyEvidenceRecordOptions } from '../../../src/validation/evidence-record.js';
import { at, clockedTsa, createLongTermPki, type LongTermPki } from '../../helpers/longterm-pki.js';
import { codeOf } from '../../helpers/errors.js';

const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const sha512 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha512').update(b).digest());

describe('hash trees (RFC 4998 §4.2–4.3)', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('%i leaves: every leaf’s reduced tree leads to the root, and holds the leaf first', (n) => {
    const leaves = Array.from({ length: n }, (_, i) => sha256(`document ${i}`));
    const tree = HashTree.build('sha256', leaves);
    expect(tree.size).toBe(n);
    for (const leaf of leaves) {
      const reduced = tree.reducedTree(leaf);
      if (n === 1) {
        expect(reduced).toBeUndefined();
        expect(Buffer.compare(tree.root, leaf)).toBe(0);
        continue;
      }
      expect(firstListHolds(reduced!, leaf)).toBe(true);
      expect(Buffer.compare(rootOfReducedTree('sha256', reduced!)!, tree.root)).toBe(0);
      // a proof is logarithmic in the batch
      expect(reduced!.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
    }
  });

  it('a tree of 1 000 leaves: a changed sibling or a foreign leaf does not lead to the root', () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => sha256(`lettre ${i}`));
    const tree = HashTree.build('sha256', leaves);
    const reduced = tree.reducedTree(leaves[417]!)!;
    const bad = reduced.map((l) => l.map((h) => h.slice()));
    bad[3]![0]![5] ^= 1;
    expect(Buffer.compare(rootOfReducedTree('sha256', bad)!, tree.root)).not.toBe(0);
    expect(firstListHolds(reduced, sha256('not archived'))).toBe(false);
    expect(() => tree.reducedTree(sha256('not archived'))).toThrow(RangeError);
  });

  it('duplicates are one leaf; the order the leaves come in does not matter', () => {
    const leaves = [sha256('a'), sha256('b'), sha256('a'), sha256('c')];
    const t1 = HashTree.build('sha256', leaves);
    const t2 = HashTree.build('sha256', [...leaves].reverse());
    expect(t1.size).toBe(3);
    expect(Buffer.compare(t1.root, t2.root)).toBe(0);
    expect(Buffer.compare(hashSorted('sha256', [sha256('x'), sha256('y')]), hashSorted('sha256', [sha256('y'), sha256('x')]))).toBe(0);
  });

  it('a first list of one value is that value (BouncyCastle’s shape), later lists join the node', () => {
    const [a, b, c] = [sha256('a'), sha256('b'), sha256('c')];
    const ab = hashSorted('sha256', [a, b]);
    expect(Buffer.compare(rootOfReducedTree('sha256', [[a], [b]])!, ab)).toBe(0);
    expect(Buffer.compare(rootOfReducedTree('sha256', [[a, b], [c]])!, hashSorted('sha256', [ab, c]))).toBe(0);
    // RFC 4998 §4.3: a later list of several values is hashed with the node joined to it
    expect(Buffer.compare(rootOfReducedTree('sha256', [[a, b], [c, a]])!, hashSorted('sha256', [ab, c, a]))).toBe(0);
  });
});

describe('hostile records', () => {
  it.each([
    ['empty', new Uint8Array()],
    ['random bytes', Uint8Array.from({ length: 200 }, (_, i) => (i * 7919) % 256)],
    ['a SEQUENCE with nothing useful', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)],
    ['version 2', Uint8Array.of(0x30, 0x08, 0x02, 0x01, 0x02, 0x30, 0x00, 0x30, 0x00)],
    ['no chain', Uint8Array.of(0x30, 0x08, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00)],
    ['an empty chain', Uint8Array.of(0x30, 0x0a, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x02, 0x30, 0x00)],
  ])('%s: MALFORMED_ASN1, never a crash', (_name, der) => {
    expect(codeOf(() => parseEvidenceRecord(der))).toBe('MALFORMED_ASN1');
  });

  it('a record larger than any genuine one is refused before parsing', () => {
    expect(codeOf(() => parseEvidenceRecord(new Uint8Array(17 * 1024 * 1024)))).toBe('EVIDENCE_RECORD_INVALID');
  });
});

describe('evidence records on a 15-year timeline', () => {
  let pki: LongTermPki;
  const clock = { now: at(0) };
  const docs = Array.from({ length: 5 }, (_, i) => new TextEncoder().encode(`Courrier n°${i} — compte rendu de consultation`));
  let records: Uint8Array[];
  const options = (years: number, crlYears: number[] = [years]): VerifyEvidenceRecordOptions => ({
    trustAnchors: pki.anchors, crls: crlYears.flatMap((y) => pki.crlsAt(at(y))), at: at(years),
  });

  beforeAll(async () => {
    pki = createLongTermPki();
    const { source } = await clockedTsa(pki, 'tsa1', clock);
    const t = await timestampTree(docs.map(sha256), 'sha256', { getToken: source, clock: () => clock.now });
    records = docs.map((d) => encodeEvidenceRecord(evidenceRecordOf(t, sha256(d))));
  });

  it('one request for the batch; each record proves its document alone, and round-trips in DER', async () => {
    const v = await verifyEvidenceRecord(records[2]!, docs[2]!, options(1));
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.existedAt?.getTime()).toBe(at(0).getTime());
    // the TSA certificate (5 years) limits it first
    expect(v.provenUntil?.getTime()).toBe(at(5).getTime());
    expect(Buffer.compare(encodeEvidenceRecord(parseEvidenceRecord(records[2]!)), records[2]!)).toBe(0);
    const tokens = new Set(records.map((r) => Buffer.from(parseEvidenceRecord(r).chains[0]![0]!.timeStamp).toString('hex')));
    expect(tokens.size).toBe(1);
  });

  it('another document, or a changed byte, is found', async () => {
    const other = await verifyEvidenceRecord(records[2]!, docs[3]!, options(1));
    expect(other.code).toBe('EVIDENCE_RECORD_MISMATCH');
    expect(other.indication).toBe('TOTAL-FAILED');
    const changed = docs[2]!.slice();
    changed[4] ^= 0x20;
    expect((await verifyEvidenceRecord(records[2]!, changed, options(1))).code).toBe('EVIDENCE_RECORD_MISMATCH');
  });

  it('without renewal it proves nothing once the TSA certificate has expired', async () => {
    const v = await verifyEvidenceRecord(records[0]!, docs[0]!, options(6));
    expect(v.ok).toBe(false);
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.code).toBe('CERT_EXPIRED');
  });

  it('renewed at year 3 with a 25-year TSA, it still proves the document at year 15', async () => {
    clock.now = at(3);
    const { source } = await clockedTsa(pki, 'tsa2', clock);
    const rec = parseEvidenceRecord(records[1]!);
    const ats = await renewChainTimestamp(rec.chains[0]!, { getToken: source, clock: () => clock.now });
    const renewed = encodeEvidenceRecord(withRenewedTimestamp(rec, ats));
    // the first TSA is checked at year 3 (proven by the renewal) with a CRL issued between year 3 and its expiry
    const v = await verifyEvidenceRecord(renewed, docs[1]!, options(15, [15, 3.5]));
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.existedAt?.getTime()).toBe(at(0).getTime());
    expect(v.archiveTimeStamps[0]!.provenBy?.time.getTime()).toBe(at(3).getTime());
    expect(v.archiveTimeStamps[0]!.timestamp?.pastChain?.ok).toBe(true);
    // RSA-2048 (2030-12-31, ETSI TS 119 312) comes before the second TSA's expiry (2035)
    expect(v.provenUntil?.toISOString().slice(0, 10)).toBe('2030-12-31');
    // with only today's CRLs, nothing says the first TSA was not revoked before year 3
    const noOld = await verifyEvidenceRecord(renewed, docs[1]!, options(15, [15]));
    expect(noOld.ok).toBe(false);
    expect(noOld.code).toBe('REVOCATION_UNAVAILABLE');
  });

  it('a second time-stamp renewal, then a hash-tree renewal to SHA-512: every link is checked', async () => {
    clock.now = at(3);
    const tsa2 = await clockedTsa(pki, 'tsa2', clock);
    let rec = parseEvidenceRecord(records[4]!);
    rec = withRenewedTimestamp(rec, await renewChainTimestamp(rec.chains[0]!, { getToken: tsa2.source, clock: () => clock.now }));
    clock.now = at(4);
    rec = withRenewedTimestamp(rec, await renewChainTimestamp(rec.chains[0]!, { getToken: tsa2.source, clock: () => clock.now }));
    clock.now = at(6);
    const [renewed] = await renewHashTrees([{ record: rec, documentHash: sha512(docs[4]!) }], 'sha512', { getToken: tsa2.source, clock: () => clock.now });
    const der = encodeEvidenceRecord(renewed!);
    const v = await verifyEvidenceRecord(der, docs[4]!, options(15, [15, 3.5, 4.5]));
    expect(v.problems).toEqual([]);
    expect(v.archiveTimeStamps.map((a) => `${a.chain}.${a.index} ${a.hash} ${a.covers}`)).toEqual([
      '0.0 SHA-256 data', '0.1 SHA-256 timestamps', '0.2 SHA-256 timestamps', '1.0 SHA-512 hash-tree-renewal',
    ]);
    expect(renewed!.digestAlgorithms).toEqual(['2.16.840.1.101.3.4.2.1', '2.16.840.1.101.3.4.2.3']);
    // the renewed chain is bound to the document under SHA-512 too
    const changed = docs[4]!.slice();
    changed[0] ^= 1;
    expect((await verifyEvidenceRecord(der, changed, options(15, [15, 3.5, 4.5]))).code).toBe('EVIDENCE_RECORD_MISMATCH');
  });

  it('a renewal that does not hold the previous time-stamp breaks the chain', async () => {
    clock.now = at(3);
    const tsa2 = await clockedTsa(pki, 'tsa2', clock);
    const a = parseEvidenceRecord(records[0]!);
    const b = parseEvidenceRecord(records[3]!);
    // renew record 3's chain but append it to record 0: the same token, so it still holds it…
    const ats = await renewChainTimestamp(b.chains[0]!, { getToken: tsa2.source, clock: () => clock.now });
    expect((await verifyEvidenceRecord(encodeEvidenceRecord(withRenewedTimestamp(a, ats)), docs[0]!, options(4, [4]))).ok).toBe(true);
    // …but a renewal over something else does not
    const foreign = await renewChainTimestamp([{ ...a.chains[0]![0]!, timeStamp: ats.timeStamp }], { getToken: tsa2.source, clock: () => clock.now });
    const v = await verifyEvidenceRecord(encodeEvidenceRecord(withRenewedTimestamp(a, foreign)), docs[0]!, options(4, [4]));
    expect(v.code).toBe('EVIDENCE_RECORD_INVALID');
    expect(v.problems[0]!.message).toMatch(/renewal chain is broken/);
  });
});
