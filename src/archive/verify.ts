/**
 * `archive verify`: every document of the archive against its evidence record (RFC 4998, by the
 * validation engine: `validation/evidence-record.ts`), every pack against its name, and the journal
 * (`journal.ts`) with its seals. The time-stamps a batch's documents share are validated once.
 * A report, never a first-error stop: a damaged document is named and the others still checked.
 */
import * as crypto from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { isScelleError } from '../errors.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import type { Crl } from '../crypto/x509/crl.js';
import type { Fetcher } from '../crypto/x509/fetch.js';
import type { TspHash } from '../timestamp/tsp.js';
import { parseTimeStampToken } from '../timestamp/tsp.js';
import { EvidenceCache, verifyEvidenceRecord, type EvidenceRecordVerdict, type VerifyEvidenceRecordOptions } from '../validation/evidence-record.js';
import { verifyTimestampToken } from '../validation/timestamp.js';
import { TreeCache, itemEvidenceRecord, journalProbe } from './batch.js';
import { verifyJournal, type JournalEntry, type JournalReport, type SealCheck } from './journal.js';
import type { ArchiveBatch, ArchiveItem, ArchiveStore } from './store.js';

/** Options of {@link verifyArchive}. */
export interface VerifyArchiveOptions {
  trustAnchors: X509Cert[];
  crls?: Crl[];
  online?: boolean;
  fetcher?: Fetcher;
  at?: Date;
  clock?: () => Date;
  /** Only these items (ids); default every one. */
  items?: readonly string[];
}

/** The verdict on one archived document. */
export interface ItemVerdict {
  id: string;
  name?: string;
  batch: string;
  ok: boolean;
  code?: ErrorCode;
  indication: EvidenceRecordVerdict['indication'];
  existedAt?: Date;
  provenUntil?: Date;
  problems: { code: ErrorCode; message: string }[];
}

/** The report of {@link verifyArchive}. */
export interface ArchiveVerifyReport {
  ok: boolean;
  items: ItemVerdict[];
  destroyed: number;
  packs: { checked: number; problems: { code: ErrorCode; message: string }[]; unreferenced: string[] };
  journal: JournalReport;
  validationTime: Date;
}

function evidenceOptions(o: VerifyArchiveOptions, cache: EvidenceCache): VerifyEvidenceRecordOptions {
  return {
    trustAnchors: o.trustAnchors, crls: o.crls ?? [], online: o.online === true, cache,
    ...(o.fetcher !== undefined ? { fetcher: o.fetcher } : {}), ...(o.at !== undefined ? { at: o.at } : {}), ...(o.clock !== undefined ? { clock: o.clock } : {}),
  };
}

async function verifyItem(store: ArchiveStore, batch: ArchiveBatch, item: ArchiveItem, trees: TreeCache, options: VerifyEvidenceRecordOptions): Promise<ItemVerdict> {
  const base = { id: item.id, ...(item.name !== undefined ? { name: item.name } : {}), batch: batch.id };
  const fail = (code: ErrorCode, message: string): ItemVerdict => ({ ...base, ok: false, code, indication: 'TOTAL-FAILED', problems: [{ code, message }] });
  let bytes: Uint8Array;
  try {
    bytes = await store.readItem(item);
  } catch (e) {
    if (isScelleError(e)) return fail(e.code === 'OBJECT_MISSING' ? 'ARCHIVE_CORRUPT' : e.code, e.message);
    throw e;
  }
  const digests: Partial<Record<TspHash, Uint8Array>> = {};
  for (const h of Object.keys(item.digests) as TspHash[]) digests[h] = new Uint8Array(crypto.createHash(h).update(bytes).digest());
  if (Buffer.from(digests.sha256 ?? []).toString('hex') !== item.digests.sha256) return fail('ARCHIVE_CORRUPT', `item ${item.id}: its bytes in ${item.pack} are not the document archived (SHA-256 differs): the archive was damaged or tampered with`);
  let record;
  try {
    record = itemEvidenceRecord(batch, item, trees);
  } catch (e) {
    return fail('ARCHIVE_CORRUPT', `item ${item.id}: ${(e as Error).message}`);
  }
  const v = await verifyEvidenceRecord(record, { digests }, options);
  const out: ItemVerdict = { ...base, ok: v.ok, indication: v.indication, problems: v.problems };
  if (v.code !== undefined) out.code = v.code;
  if (v.existedAt !== undefined) out.existedAt = v.existedAt;
  if (v.provenUntil !== undefined) out.provenUntil = v.provenUntil;
  return out;
}

/** Every referenced pack exists and is what its name says; unreferenced packs are listed. */
async function checkPacks(store: ArchiveStore, batches: readonly ArchiveBatch[]): Promise<ArchiveVerifyReport['packs']> {
  const referenced = new Set(batches.flatMap((b) => b.items.flatMap((i) => (i.pack !== undefined ? [i.pack] : []))));
  const present = await store.packKeys();
  const problems: { code: ErrorCode; message: string }[] = [];
  for (const key of referenced) {
    if (!present.includes(key)) {
      problems.push({ code: 'ARCHIVE_CORRUPT', message: `${key} is missing: the documents it held cannot be read` });
      continue;
    }
    const sha = crypto.createHash('sha256').update(await store.readPack(key)).digest('hex');
    if (`packs/${sha}` !== key) problems.push({ code: 'ARCHIVE_CORRUPT', message: `${key} does not have the SHA-256 its name says (${sha}): it was damaged or changed` });
  }
  return { checked: referenced.size, problems, unreferenced: present.filter((k) => !referenced.has(k)) };
}

/** Checks a journal seal: a batch whose tree holds the link (with its renewals), or its own token. */
function sealChecker(store: ArchiveStore, batches: readonly ArchiveBatch[], options: VerifyEvidenceRecordOptions): (e: JournalEntry) => Promise<SealCheck> {
  return async (e) => {
    if (e.seal === undefined) return { ok: false, broken: true, message: 'a seal entry without a seal' };
    if ('batch' in e.seal) {
      const batch = batches.find((b) => b.id === (e.seal as { batch: string }).batch);
      if (batch === undefined || batch.journalLeaf !== e.prev) return { ok: false, broken: true, message: `batch ${'batch' in e.seal ? e.seal.batch : ''} does not hold the journal's link ${e.prev}: the entries before the seal were rewritten` };
      const probe = journalProbe(batch)!;
      const digests = Object.fromEntries(Object.entries(probe.digests).map(([h, d]) => [h, new Uint8Array(Buffer.from(d, 'hex'))]));
      const v = await verifyEvidenceRecord(itemEvidenceRecord(batch, probe), { digests }, options);
      return { ok: v.ok, broken: v.indication === 'TOTAL-FAILED', ...(v.existedAt !== undefined ? { genTime: v.existedAt } : {}), ...(v.ok ? {} : { message: v.problems[0]?.message ?? v.code ?? '' }) };
    }
    const token = new Uint8Array(Buffer.from(e.seal.token, 'base64'));
    let genTime: Date | undefined;
    try {
      genTime = parseTimeStampToken(token).tstInfo.genTime;
    } catch {
      return { ok: false, broken: true, message: 'its time-stamp cannot be read' };
    }
    const v = await verifyTimestampToken(token, { ...options, expected: { hash: 'sha256', imprint: new Uint8Array(Buffer.from(e.prev, 'hex')) } });
    return { ok: v.ok, broken: v.indication === 'TOTAL-FAILED', genTime, ...(v.ok ? {} : { message: v.problems[0]?.message ?? '' }) };
  };
}

/**
 * Verifies the archive. Never throws for what it finds (see the report).
 * @throws ScelleError TARGET_OFFLINE / TARGET_ERROR, ARCHIVE_CORRUPT (a batch file unreadable).
 */
export async function verifyArchive(store: ArchiveStore, options: VerifyArchiveOptions): Promise<ArchiveVerifyReport> {
  store.dropPackCache();
  const batches = await store.loadBatches();
  const cache = new EvidenceCache();
  const evidence = evidenceOptions(options, cache);
  const packs = await checkPacks(store, batches);
  const trees = new TreeCache();
  const items: ItemVerdict[] = [];
  let destroyed = 0;
  for (const b of batches) {
    for (const it of b.items) {
      if (options.items !== undefined && !options.items.includes(it.id)) continue;
      if (it.destroyed !== undefined) {
        destroyed++;
        continue;
      }
      items.push(await verifyItem(store, b, it, trees, evidence));
    }
  }
  const journal = await verifyJournal(store.target, sealChecker(store, batches, evidence));
  const validationTime = options.at ?? options.clock?.() ?? new Date();
  store.dropPackCache();
  return { ok: items.every((i) => i.ok) && packs.problems.length === 0 && journal.ok, items, destroyed, packs, journal, validationTime };
}
