/**
 * `archive destroy`: deletes what retention makes due and no legal hold keeps — nothing else, ever
 * — and proves it: a destruction certificate (what: each item's id, SHA-256, size; why: the rule
 * and the date it made the item due; when; by whom) signed by the practitioner (CAdES) and
 * time-stamped (CAdES-T), stored in the archive and recorded in the journal, which is then sealed.
 * The documents' bytes leave their packs (rewritten without them); their hashes stay in their
 * batch's tree, so the other documents' evidence records keep verifying.
 *
 * Order: the certificate, then the journal entries, then the batches without the documents (the
 * commit point), then the old packs deleted.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import type { IdentityEntry } from '../crypto/identity.js';
import { signDetached } from '../crypto/cms/sign.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { addSignatureTimestamp, type TimestampTokenSource } from '../timestamp/cades-t.js';
import { appendJournal, type NewJournalEntry } from './journal.js';
import { retentionState, type RetentionRule } from './retention.js';
import { writeSealed } from './renew.js';
import { findItems, type ArchiveBatch, type ArchiveItem, type ArchiveStore } from './store.js';

/** Options of {@link destroyDue}. */
export interface DestroyOptions {
  actor: string;
  /** Only these items (ids or names) — each must be due. Default: every due item. */
  items?: readonly string[];
  /** List what would be destroyed; change nothing. */
  dryRun?: boolean;
  /** The practitioner who signs the certificate. */
  signer?: IdentityEntry;
  chain?: X509Cert[];
  getToken?: TimestampTokenSource;
  reason?: string;
  clock?: () => Date;
}

/** One destroyed (or destroyable) item, as the certificate lists it. */
export interface DestroyedItem {
  id: string;
  batch: string;
  sha256: string;
  size: number;
  addedAt: string;
  rule: RetentionRule;
  ruleText: string;
  dueAt: string;
}

/** The result of {@link destroyDue}. */
export interface DestroyResult {
  items: DestroyedItem[];
  dryRun: boolean;
  /** The certificate's id and its keys in the archive (absent on a dry run or when nothing was due). */
  certificate?: { id: string; key: string; signatureKey: string; sha256: string };
}

/** The destruction certificate (docs/FORMAT.md "Destruction certificate"). */
export interface DestructionCertificate {
  format: 'scelle-destruction-certificate';
  version: 1;
  id: string;
  archive: string;
  destroyedAt: string;
  operator: string;
  signer: string;
  reason: string;
  items: DestroyedItem[];
}

/** The items to destroy: every due one, or exactly those named (each must be due and not held). */
async function selectDue(store: ArchiveStore, batches: ArchiveBatch[], refs: readonly string[] | undefined, now: Date): Promise<{ batch: ArchiveBatch; item: ArchiveItem; row: DestroyedItem }[]> {
  const holds = await store.holds();
  const pool = refs === undefined ? batches.flatMap((batch) => batch.items.filter((i) => i.destroyed === undefined).map((item) => ({ batch, item }))) : findItems(batches, refs);
  const out: { batch: ArchiveBatch; item: ArchiveItem; row: DestroyedItem }[] = [];
  for (const { batch, item } of pool) {
    if (item.destroyed !== undefined) throw new ScelleError('ARCHIVE_ITEM_NOT_FOUND', `item ${item.id} was already destroyed on ${item.destroyed.at}`, { params: { file: item.id } });
    const s = retentionState(item.id, item.retention, holds, now);
    if (s.status !== 'due') {
      if (refs === undefined) continue;
      if (s.status === 'held') throw new ScelleError('LEGAL_HOLD', `item ${item.id} is under legal hold (${s.holds.join(', ')}): it cannot be destroyed`, { params: { file: item.id } });
      throw new ScelleError('RETENTION_NOT_DUE', `item ${item.id} is not due for destruction: ${s.status === 'unset' ? 'it has no retention rule' : `kept until ${s.dueAt!.toISOString().slice(0, 10)} (${s.explanation})`}`, { params: { file: item.id } });
    }
    out.push({ batch, item, row: { id: item.id, batch: batch.id, sha256: item.digests.sha256!, size: item.size, addedAt: item.addedAt, rule: item.retention, ruleText: s.explanation, dueAt: s.dueAt!.toISOString() } });
  }
  return out;
}

/** Rewrites the packs holding `gone` without them; returns the old packs to delete. */
async function repack(store: ArchiveStore, batches: ArchiveBatch[], gone: ReadonlySet<ArchiveItem>): Promise<string[]> {
  const affected = new Set([...gone].map((i) => i.pack!));
  for (const key of affected) {
    const pack = await store.readPack(key);
    const keep = batches.flatMap((b) => b.items).filter((i) => i.pack === key && !gone.has(i));
    if (keep.length > 0) {
      const parts = keep.map((i) => pack.subarray(i.offset!, i.offset! + i.size));
      const newKey = await store.writePack(Buffer.concat(parts));
      let offset = 0;
      for (const i of keep) {
        i.pack = newKey;
        i.offset = offset;
        offset += i.size;
      }
    }
  }
  store.dropPackCache();
  return [...affected];
}

/**
 * Destroys the due items (or lists them with `dryRun`).
 * @throws ScelleError RETENTION_NOT_DUE / LEGAL_HOLD (a named item that may not go: nothing is
 *   destroyed), ARCHIVE_ITEM_NOT_FOUND, USAGE (no signer or TSA for a real destruction), LOCKED,
 *   the signer's and the TSA's errors (nothing is destroyed then), TARGET_ERROR.
 */
export async function destroyDue(store: ArchiveStore, options: DestroyOptions): Promise<DestroyResult> {
  const clock = options.clock ?? ((): Date => new Date());
  const release = await store.lock(options.actor, clock);
  try {
    const batches = await store.loadBatches();
    const now = clock();
    const chosen = await selectDue(store, batches, options.items, now);
    if (options.dryRun === true || chosen.length === 0) return { items: chosen.map((c) => c.row), dryRun: options.dryRun === true };
    if (options.signer === undefined || options.getToken === undefined) throw new ScelleError('USAGE', 'destroying needs the practitioner’s identity (to sign the destruction certificate) and a TSA (--tsa)', { params: { detail: 'destroying needs an identity and a TSA' } });
    const id = `d-${now.toISOString().replace(/[-:.]/g, '').toLowerCase()}-${crypto.randomBytes(3).toString('hex')}`;
    const cert: DestructionCertificate = {
      format: 'scelle-destruction-certificate', version: 1, id, archive: store.descriptor.id, destroyedAt: now.toISOString(), operator: options.actor,
      signer: options.signer.certificate.subject, reason: options.reason ?? 'retention period over (code de la santé publique art. R.1112-7; CNIL guidance)', items: chosen.map((c) => c.row),
    };
    const body = new TextEncoder().encode(`${JSON.stringify(cert, null, 1)}\n`);
    const signature = await addSignatureTimestamp(await signDetached([body], { signer: options.signer, ...(options.chain !== undefined ? { chain: options.chain } : {}), signingTime: now }), options.getToken, { clock });
    const key = `destructions/${id}.json`;
    await store.target.put(key, body);
    await store.target.put(`${key}.p7s`, signature);
    const sha256 = crypto.createHash('sha256').update(body).digest('hex');
    const entries: NewJournalEntry[] = chosen.map((c) => ({ actor: options.actor, operation: 'archive.destroy', object: { kind: 'item', id: c.item.id, sha256: c.row.sha256 }, details: { certificate: id, certificateSha256: sha256, dueAt: c.row.dueAt } }));
    await appendJournal(store.target, entries, clock);
    const gone = new Set(chosen.map((c) => c.item));
    const oldPacks = await repack(store, batches, gone);
    for (const it of gone) {
      delete it.name;
      delete it.pack;
      delete it.offset;
      it.destroyed = { at: now.toISOString(), certificate: id };
    }
    for (const b of new Set(chosen.map((c) => c.batch))) await store.saveBatch(b);
    const stillUsed = new Set(batches.flatMap((b) => b.items.map((i) => i.pack)));
    for (const p of oldPacks) if (!stillUsed.has(p)) await store.target.delete(p);
    await writeSealed(store, [], options.getToken, options.actor, clock);
    return { items: cert.items, dryRun: false, certificate: { id, key, signatureKey: `${key}.p7s`, sha256 } };
  } finally {
    await release();
  }
}
