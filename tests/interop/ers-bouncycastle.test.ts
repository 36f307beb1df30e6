/**
 * Evidence records (RFC 4998) both ways with BouncyCastle (org.bouncycastle.tsp.ers, Debian 1.72):
 * BouncyCastle verifies records scelle made — fresh, renewed by time-stamp, renewed by hash tree —
 * and scelle verifies records BouncyCastle made, renewed the same two ways. A flipped byte of the
 * record or of the document is found by both.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatPem } from '../../src/crypto/pem.js';
import { evidenceRecordOf, renewChainTimestamp, renewHashTrees, timestampTree, withRenewedTimestamp } from '../../src/timestamp/ers/generate.js';
import { encodeEvidenceRecord, parseEvidenceRecord } from '../../src/timestamp/ers/structure.js';
import { verifyEvidenceRecord } from '../../src/validation/evidence-record.js';
import { compileHarness, haveBouncyCastle } from '../helpers/bouncycastle.js';
import { at, clockedTsa, createLongTermPki, type LongTermPki } from '../helpers/longterm-pki.js';

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const sha512 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha512').update(b).digest());

describe.skipIf(!haveBouncyCastle())('evidence records with BouncyCastle', () => {
  let bc: ReturnType<typeof compileHarness>;
  let pki: LongTermPki;
  let dir: string;
  const clock = { now: at(0) };
  const files: string[] = [];
  const docs: Uint8Array[] = [];
  const pem = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  let trust: string;
  let tsa1: string[];
  let tsa2: string[];
  const verifyOptions = (years: number, crls: number[]) => ({ trustAnchors: pki.anchors, crls: crls.flatMap((y) => pki.crlsAt(at(y))), at: at(years) });

  beforeAll(() => {
    bc = compileHarness();
    pki = createLongTermPki();
    dir = mkdtempSync(join(tmpdir(), 'scelle-ers-bc-'));
    trust = pem('root.pem', formatPem('CERTIFICATE', pki.root));
    const ca = pem('ca.pem', formatPem('CERTIFICATE', pki.ca));
    tsa1 = [pem('tsa1.key', pki.tsa1.key.export({ type: 'pkcs8', format: 'pem' }) as string), pem('tsa1.pem', formatPem('CERTIFICATE', pki.tsa1.cert)), ca];
    tsa2 = [pem('tsa2.key', pki.tsa2.key.export({ type: 'pkcs8', format: 'pem' }) as string), pem('tsa2.pem', formatPem('CERTIFICATE', pki.tsa2.cert)), ca];
    for (let i = 0; i < 7; i++) {
      const body = new TextEncoder().encode(`Lettre au confrère n°${i}\nPatient suivi pour hypertension, contrôle dans 3 mois.\n`);
      const f = join(dir, `lettre-${i}.txt`);
      writeFileSync(f, body);
      files.push(f);
      docs.push(body);
    }
  }, 120_000);

  const bcVerify = (ers: Uint8Array, i: number): string => {
    const p = join(dir, `check-${i}.ers`);
    writeFileSync(p, ers);
    const r = bc(['verify', p, files[i]!, trust]);
    return `${r.stdout.trim()}${r.stderr.trim()}`;
  };

  it('BouncyCastle verifies scelle’s records: fresh, renewed by time-stamp twice, renewed by hash tree', async () => {
    clock.now = at(0);
    const t1 = await clockedTsa(pki, 'tsa1', clock);
    const batch = await timestampTree(docs.map(sha256), 'sha256', { getToken: t1.source, clock: () => clock.now });
    const fresh = docs.map((d) => evidenceRecordOf(batch, sha256(d)));
    fresh.forEach((r, i) => expect(bcVerify(encodeEvidenceRecord(r), i), `record ${i}`).toBe('OK'));

    clock.now = at(3);
    const t2 = await clockedTsa(pki, 'tsa2', clock);
    const once = withRenewedTimestamp(fresh[2]!, await renewChainTimestamp(fresh[2]!.chains[0]!, { getToken: t2.source, clock: () => clock.now }));
    expect(bcVerify(encodeEvidenceRecord(once), 2)).toBe('OK');
    clock.now = at(4);
    const twice = withRenewedTimestamp(once, await renewChainTimestamp(once.chains[0]!, { getToken: t2.source, clock: () => clock.now }));
    expect(bcVerify(encodeEvidenceRecord(twice), 2)).toBe('OK');
    clock.now = at(6);
    const [hashed] = await renewHashTrees([{ record: twice, documentHash: sha512(docs[2]!) }, { record: fresh[5]!, documentHash: sha512(docs[5]!) }], 'sha512', { getToken: t2.source, clock: () => clock.now });
    expect(bcVerify(encodeEvidenceRecord(hashed!), 2)).toBe('OK');
    // and BouncyCastle refuses the record for another document
    const r = bc(['verify', join(dir, 'check-2.ers'), files[3]!, trust]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL/);
  }, 120_000);

  it('scelle verifies BouncyCastle’s records: fresh, renewed by time-stamp, renewed by hash tree', async () => {
    const out = mkdtempSync(join(dir, 'bc-'));
    const made = bc(['make', out, ...tsa1, String(at(0).getTime()), ...files]);
    expect(made.stdout.trim(), made.stderr).toBe(`OK ${files.length}`);
    for (const [i, f] of files.entries()) {
      const ers = readFileSync(join(out, `${f.split('/').pop()}.ers`));
      const v = await verifyEvidenceRecord(ers, docs[i]!, verifyOptions(1, [1]));
      expect(v.problems, `record ${i}`).toEqual([]);
      expect(v.existedAt?.getTime()).toBe(at(0).getTime());
      expect((await verifyEvidenceRecord(ers, docs[(i + 1) % docs.length]!, verifyOptions(1, [1]))).code).toBe('EVIDENCE_RECORD_MISMATCH');
    }
    const first = join(out, 'lettre-4.txt.ers');
    const renewed = join(out, 'renewed.ers');
    const ts = bc(['renew-ts', first, renewed, ...tsa2, String(at(3).getTime())]);
    expect(ts.stdout.trim(), ts.stderr).toBe('OK');
    const v = await verifyEvidenceRecord(readFileSync(renewed), docs[4]!, verifyOptions(15, [15, 3.5]));
    expect(v.problems).toEqual([]);
    expect(parseEvidenceRecord(readFileSync(renewed)).chains[0]).toHaveLength(2);
    const hashed = join(out, 'hashed.ers');
    const hr = bc(['renew-hash', renewed, hashed, files[4]!, ...tsa2, String(at(6).getTime())]);
    expect(hr.stdout.trim(), hr.stderr).toBe('OK');
    const h = await verifyEvidenceRecord(readFileSync(hashed), docs[4]!, verifyOptions(15, [15, 3.5]));
    expect(h.problems).toEqual([]);
    expect(h.archiveTimeStamps.map((a) => a.hash)).toEqual(['SHA-256', 'SHA-256', 'SHA-512']);
  }, 120_000);

  it('a flipped byte anywhere in the record or the document is found by both', async () => {
    clock.now = at(0);
    const t1 = await clockedTsa(pki, 'tsa1', clock);
    const batch = await timestampTree(docs.map(sha256), 'sha256', { getToken: t1.source, clock: () => clock.now });
    const ers = encodeEvidenceRecord(evidenceRecordOf(batch, sha256(docs[0]!)));
    const p = join(dir, 'flip.ers');
    writeFileSync(p, ers);
    const r = bc(['flip', p, files[0]!, trust]);
    expect(r.stdout, r.stderr).toContain(`record-bytes ${ers.length}`);
    const bcMissed = /undetected-record (\d+) (\[.*\])/.exec(r.stdout)!;
    expect(/undetected-data (\d+)/.exec(r.stdout)![1]).toBe('0');

    const options = verifyOptions(1, [1]);
    expect((await verifyEvidenceRecord(ers, docs[0]!, options)).ok).toBe(true);
    const missed: number[] = [];
    for (let i = 0; i < ers.length; i++) {
      const copy = ers.slice();
      copy[i] ^= 0x01;
      let ok = false;
      try {
        ok = (await verifyEvidenceRecord(copy, docs[0]!, options)).ok;
      } catch {
        ok = false;
      }
      if (ok) missed.push(i);
    }
    for (let i = 0; i < docs[0]!.length; i++) {
      const copy = docs[0]!.slice();
      copy[i] ^= 0x01;
      expect((await verifyEvidenceRecord(ers, copy, options)).code).toBe('EVIDENCE_RECORD_MISMATCH');
    }
    expect({ scelle: missed, bouncyCastle: bcMissed[2] }).toEqual({ scelle: [], bouncyCastle: '[]' });
    // BouncyCastle's ERS classes and TimeStampToken.validate alone leave to their caller the bytes no
    // signature covers (versions, digestAlgorithms, tags of unsigned fields): the harness checks
    // them with BouncyCastle's ASN.1/CMS classes, as scelle's verifier does (archival-token.ts).
    const alone = /undetected-record-by-ers-classes-alone (\d+)/.exec(r.stdout)!;
    expect(Number(alone[1])).toBeGreaterThan(0);
  }, 600_000);
});
