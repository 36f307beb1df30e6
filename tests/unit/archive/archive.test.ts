/**
 * The practice archive on a timeline (tests/helpers/longterm-pki.ts): one TSA request per batch,
 * every document verifiable alone from its exported record and the trust anchors, renewals that
 * carry the proofs 15 years ahead, status, destruction with its certificate, the journal.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addToArchive } from '../../../src/archive/add.js';
import { destroyDue } from '../../../src/archive/destroy.js';
import { createArchive } from '../../../src/archive/events.js';
import { exportItems } from '../../../src/archive/export.js';
import { placeHold, liftHold, retentionReport, setRetention } from '../../../src/archive/retention-ops.js';
import { renewArchive } from '../../../src/archive/renew.js';
import { archiveStatus } from '../../../src/archive/status.js';
import { ArchiveStore } from '../../../src/archive/store.js';
import { verifyArchive } from '../../../src/archive/verify.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { isScelleError } from '../../../src/errors.js';
import type { TimestampTokenSource } from '../../../src/timestamp/cades-t.js';
import { verifyEvidenceRecord } from '../../../src/validation/evidence-record.js';
import { verifySignature } from '../../../src/validation/verify-signature.js';
import { at, clockedTsa, createLongTermPki, entryOf, type LongTermPki } from '../../helpers/longterm-pki.js';
import { MemoryDestination } from '../backup/memory-destination.js';

const letter = (i: number): Uint8Array => new TextEncoder().encode(`Cher confrère,\nje vous adresse M. X${i} pour avis.\n${'Bien confraternellement. '.repeat(i % 7)}\n`);

describe('the practice archive', () => {
  let pki: LongTermPki;
  const clock = { now: at(0) };
  const now = (): Date => clock.now;
  let requests = 0;
  let tsa1: TimestampTokenSource;
  let tsa2: TimestampTokenSource;
  const counted = (s: TimestampTokenSource): TimestampTokenSource => async (h, i) => {
    requests++;
    return s(h, i);
  };
  let store: ArchiveStore;
  let target: MemoryDestination;
  const trust = (years: number, crls: number[] = [years]) => ({ trustAnchors: pki.anchors, crls: crls.flatMap((y) => pki.crlsAt(at(y))), at: at(years), clock: () => at(years) });

  beforeAll(async () => {
    pki = createLongTermPki();
    tsa1 = counted((await clockedTsa(pki, 'tsa1', clock)).source);
    tsa2 = counted((await clockedTsa(pki, 'tsa2', clock)).source);
    target = new MemoryDestination('archive');
    store = await createArchive(target, 'dr.durand@cabinet', now);
  }, 60_000);

  it('archive add of 1 000 letters makes exactly one TSA request, and each verifies', async () => {
    requests = 0;
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ name: `lettre-${i}.txt`, read: async () => letter(i) }));
    const r = await addToArchive(store, inputs, { getToken: tsa1, actor: 'dr.durand@cabinet', clock: now, retention: { kind: 'medical-record', lastCare: '2010-06-01' }, validation: { trustAnchors: pki.anchors, crls: pki.crlsAt(at(0)) } });
    expect(requests).toBe(1);
    expect(r.requests).toBe(1);
    expect(r.items).toHaveLength(1000);
    expect(r.validationData).toBeGreaterThan(0);
    const v = await verifyArchive(store, trust(0.5));
    expect(v.items.filter((i) => !i.ok).map((i) => i.problems)).toEqual([]);
    expect(v.items).toHaveLength(1000);
    expect(v.journal.problems).toEqual([]);
    expect(v.journal.entries).toBe(1 + 1000 + 1);
    expect(v.journal.seals[0]!.check.ok).toBe(true);
    expect(v.journal.unsealed).toBe(0);
    expect(v.ok).toBe(true);
  }, 120_000);

  it('an exported letter verifies with its record and the trust anchors alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scelle-export-'));
    const [e] = await exportItems(store, ['lettre-417.txt'], dir, { actor: 'dr.durand@cabinet', clock: now, purpose: 'patient request' });
    expect(e!.document).toBe(join(dir, 'lettre-417.txt'));
    // nothing but the document, the record and the trust anchor (the record carries the CRLs)
    const v = await verifyEvidenceRecord(readFileSync(e!.record), readFileSync(e!.document), { trustAnchors: pki.anchors, at: at(0.01), clock: () => at(0.01) });
    expect(v.problems).toEqual([]);
    expect(v.existedAt?.getTime()).toBe(at(0).getTime());
    const other = await verifyEvidenceRecord(readFileSync(e!.record), letter(418), { trustAnchors: pki.anchors, at: at(0.01) });
    expect(other.code).toBe('EVIDENCE_RECORD_MISMATCH');
  });

  it('status: when to renew, from the newest time-stamp (TSA certificate for 5 years)', async () => {
    const s = await archiveStatus(store, { now: at(1) });
    expect(s.batches[0]!.state).toBe('ok');
    expect(s.nextRenewal?.until.getTime()).toBe(at(5).getTime());
    expect(s.nextRenewal?.reason).toBe('certificate-expiry');
    expect(s.needsAction).toBe(false);
    expect((await archiveStatus(store, { now: at(4.8) })).batches[0]!.state).toBe('soon');
    expect((await archiveStatus(store, { now: at(6) })).batches[0]!.state).toBe('overdue');
  });

  it('renewed at year 4.5 (time-stamp, then hash tree), the letters are still proven at year 15', async () => {
    clock.now = at(4.5);
    requests = 0;
    const r = await renewArchive(store, { getToken: tsa2, actor: 'dr.durand@cabinet', clock: now, validation: { trustAnchors: pki.anchors, crls: pki.crlsAt(at(4.5)) } });
    expect(r.batches[0]!.action).toBe('timestamp');
    expect(requests).toBe(2); // the renewal, and the journal's seal
    clock.now = at(4.6);
    const h = await renewArchive(store, { getToken: tsa2, actor: 'dr.durand@cabinet', clock: now, hash: 'sha512', validation: { trustAnchors: pki.anchors, crls: pki.crlsAt(at(4.6)) } });
    expect(h.batches[0]!.action).toBe('hash-tree');
    const v = await verifyArchive(store, trust(15));
    expect(v.items.filter((i) => !i.ok).slice(0, 1).map((i) => i.problems)).toEqual([]);
    expect(v.items[0]!.existedAt?.getTime()).toBe(at(0).getTime());
    expect(v.journal.problems).toEqual([]);
    // the batch's seal of the journal is carried by the renewals too: still checkable in year 15
    expect(v.journal.seals.map((x) => x.check.ok)).toEqual([true, true, true]);
    expect(v.ok).toBe(true);
  }, 180_000);

  it('a changed byte in a pack is found and named', async () => {
    const key = [...target.objects.keys()].find((k) => k.startsWith('packs/'))!;
    const saved = target.objects.get(key)!;
    const bad = saved.slice();
    bad[100] ^= 1;
    target.objects.set(key, bad);
    const v = await verifyArchive(store, { ...trust(5), items: ['b1-1', 'b1-2'] });
    target.objects.set(key, saved);
    expect(v.ok).toBe(false);
    expect(v.packs.problems[0]!.code).toBe('ARCHIVE_CORRUPT');
    expect(v.items.find((i) => !i.ok)?.code).toBe('ARCHIVE_CORRUPT');
  });

  it('destruction: only what is due and not held, with a signed and time-stamped certificate', async () => {
    // year 2.9: the practitioner's certificate (3 years) is still valid to sign the certificate
    clock.now = at(2.9);
    await setRetention(store, ['b1-1', 'b1-2', 'b1-3'], { kind: 'fse', date: '2010-06-01' }, 'dr.durand@cabinet', now);
    const due = await retentionReport(store, at(2.9), true);
    expect(due.map((d) => d.id)).toEqual(['b1-1', 'b1-2', 'b1-3']);
    const hold = await placeHold(store, { reason: 'mise en cause devant le tribunal', items: ['b1-2'] }, 'dr.durand@cabinet', now);
    const named = await destroyDue(store, { actor: 'dr.durand@cabinet', items: ['b1-2'], clock: now }).catch((e: unknown) => e);
    expect(isScelleError(named, 'LEGAL_HOLD')).toBe(true);
    const notDue = await destroyDue(store, { actor: 'dr.durand@cabinet', items: ['b1-4'], clock: now }).catch((e: unknown) => e);
    expect(isScelleError(notDue, 'RETENTION_NOT_DUE')).toBe(true);
    const dry = await destroyDue(store, { actor: 'dr.durand@cabinet', dryRun: true, clock: now });
    expect(dry.items.map((i) => i.id)).toEqual(['b1-1', 'b1-3']);
    const signer = await entryOf(pki.signer.cert, pki.signer.key);
    const r = await destroyDue(store, { actor: 'dr.durand@cabinet', clock: now, signer, chain: [X509Cert.fromDer(pki.ca)], getToken: tsa2 });
    expect(r.items.map((i) => i.id)).toEqual(['b1-1', 'b1-3']);
    const body = target.objects.get(r.certificate!.key)!;
    const sig = await verifySignature(target.objects.get(r.certificate!.signatureKey)!, { trustAnchors: pki.anchors, crls: pki.crlsAt(at(2.9)), content: (async function* () { yield body; })(), at: at(2.9), clock: () => at(2.9) });
    expect(sig.signers[0]!.problems).toEqual([]);
    expect(sig.signers[0]!.cades.level).toBe('CAdES-T');
    expect(JSON.parse(Buffer.from(body).toString())).toMatchObject({ format: 'scelle-destruction-certificate', items: [{ id: 'b1-1' }, { id: 'b1-3' }] });
    // the documents are gone, their names too; the others still verify
    const batch = await store.loadBatch('b1');
    expect(batch.items[0]).toMatchObject({ id: 'b1-1', destroyed: { certificate: r.certificate!.id } });
    expect(batch.items[0]!.name).toBeUndefined();
    const v = await verifyArchive(store, { ...trust(5, [5]), items: ['b1-2', 'b1-4', 'b1-999'] });
    expect(v.items.map((i) => i.problems.map((p) => p.message)).flat().slice(0, 3)).toEqual([]);
    expect(v.items.map((i) => [i.id, i.ok])).toEqual([['b1-2', true], ['b1-4', true], ['b1-999', true]]);
    expect(v.journal.problems).toEqual([]);
    await liftHold(store, hold.id, 'dr.durand@cabinet', undefined, now);
  }, 120_000);
});
