/**
 * `archive export`: documents out of the archive with their evidence records — `NAME` and
 * `NAME.ers` (RFC 4998, DER) — for a patient, a court or another practitioner. The record carries
 * the validation data kept for its batch (and, when trust and revocation sources are given, the
 * current data of its newest time-stamp) in cryptoInfos, so that the recipient verifies it with the
 * document, the record and the trust anchors alone (`scelle archive verify NAME --ers NAME.ers`,
 * or BouncyCastle's ERS classes). Every export is recorded in the journal.
 */
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeEvidenceRecord } from '../timestamp/ers/structure.js';
import { TreeCache, cryptoInfosOf, itemEvidenceRecord, mergeValidationData } from './batch.js';
import { appendJournal } from './journal.js';
import { findItems, type ArchiveStore } from './store.js';
import { gatherForTokens, type GatherOptions } from './validation-data.js';

/** Options of {@link exportItems}. */
export interface ExportItemsOptions {
  actor: string;
  clock?: () => Date;
  /** Where the exported records go: recorded in the journal (`folder`, a patient's request…). */
  purpose?: string;
  /** Current validation data of the newest time-stamps, added to the records. */
  validation?: GatherOptions;
}

/** One exported document. */
export interface ExportedItem {
  id: string;
  document: string;
  record: string;
  sha256: string;
}

/** A file name for an item: its name without folders, the id in front when two exports would collide. */
function fileName(name: string | undefined, id: string, taken: Set<string>): string {
  let n = basename((name ?? id).replace(/\\/g, '/')).replace(/^\.+/, '') || id;
  if (taken.has(n)) n = `${id}-${n}`;
  taken.add(n);
  return n;
}

/**
 * Writes each item (id or name) and its `.ers` into `outDir` (atomically, file by file) and
 * records the exports in the journal.
 * @throws ScelleError ARCHIVE_ITEM_NOT_FOUND (unknown, or destroyed), USAGE (an ambiguous name),
 *   LOCKED, IO_ERROR, TARGET_ERROR.
 */
export async function exportItems(store: ArchiveStore, refs: readonly string[], outDir: string, options: ExportItemsOptions): Promise<ExportedItem[]> {
  const clock = options.clock ?? ((): Date => new Date());
  const release = await store.lock(options.actor, clock);
  try {
    const found = findItems(await store.loadBatches(), refs);
    const trees = new TreeCache();
    const taken = new Set<string>();
    const out: ExportedItem[] = [];
    for (const { batch, item } of found) {
      const bytes = await store.readItem(item);
      const record = itemEvidenceRecord(batch, item, trees, false);
      let data = batch.validation;
      if (options.validation !== undefined) {
        const newest = record.chains[record.chains.length - 1]!;
        data = mergeValidationData(data, await gatherForTokens([newest[newest.length - 1]!.timeStamp], { ...options.validation, clock })).data;
      }
      const infos = cryptoInfosOf(data);
      if (infos.length > 0) record.cryptoInfos = infos;
      const name = fileName(item.name, item.id, taken);
      const document = join(outDir, name);
      await writeFileAtomic(document, bytes);
      await writeFileAtomic(`${document}.ers`, encodeEvidenceRecord(record));
      out.push({ id: item.id, document, record: `${document}.ers`, sha256: item.digests.sha256! });
    }
    await appendJournal(store.target, out.map((o) => ({ actor: options.actor, operation: 'archive.export' as const, object: { kind: 'item', id: o.id, sha256: o.sha256 }, details: { purpose: options.purpose ?? 'export' } })), clock);
    return out;
  } finally {
    await release();
  }
}
