/**
 * The index (docs/FORMAT.md, "Index"): which pack holds each chunk, under the index key (the
 * writer holds it: it deduplicates without being able to read a pack). Indexes are merged;
 * `removedPacks` tombstones written by prune cancel older entries.
 */
import { gzipSync } from 'node:zlib';
import { ScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { headerLength, objectHeader, openBox, readHeader, sealBox, sha256Hex } from './envelope.js';
import type { BlobEntry } from './file-processor.js';
import { gunzipBounded, LIMITS, nameOf } from './objects.js';

/** Where a chunk is. */
export interface BlobLocation {
  pack: string;
  offset: number;
  length: number;
  rawLength: number;
  z: number;
}

/** An index object's contents. */
export interface IndexDoc {
  scelle: 'backup-index';
  version: 1;
  packs: { name: string; size: number; blobs: BlobEntry[] }[];
  /** Packs deleted by prune (tombstones): their entries in older indexes no longer count. */
  removedPacks?: string[];
}

/** The merged index of a repository. */
export interface RepoIndex {
  blobs: Map<string, BlobLocation>;
  /** Pack name → size. */
  packs: Map<string, number>;
  /** Index object names. */
  objects: string[];
  removed: Set<string>;
}

/** Encodes an index object: magic ‖ box(gzip(JSON)) under the index key. */
export function encodeIndex(indexKey: Uint8Array, doc: IndexDoc): Buffer {
  return Buffer.concat([objectHeader('index'), sealBox(indexKey, gzipSync(JSON.stringify(doc), { level: 6 }))]);
}

/** Decodes an index object. @throws ScelleError OBJECT_CORRUPT. */
export function decodeIndex(indexKey: Uint8Array, data: Uint8Array, what: string): IndexDoc {
  readHeader('index', data, what);
  const plain = openBox(indexKey, data.subarray(headerLength('index')), what);
  const json = gunzipBounded(plain, LIMITS.indexPlain, what);
  try {
    const doc = JSON.parse(json.toString('utf8')) as IndexDoc;
    if (doc.scelle !== 'backup-index' || !Array.isArray(doc.packs)) throw new Error('not an index');
    return doc;
  } catch (e) {
    throw new ScelleError('OBJECT_CORRUPT', `${what} is not a readable index`, { cause: e, params: { object: what } });
  }
}

/** Reads and merges every index object of a destination (the index key suffices: the writer can). */
export async function loadIndex(t: Destination, indexKey: Uint8Array, problems?: (key: string, e: ScelleError) => void): Promise<RepoIndex> {
  const idx: RepoIndex = { blobs: new Map(), packs: new Map(), objects: [], removed: new Set() };
  const docs: IndexDoc[] = [];
  for await (const o of t.list('index/')) {
    try {
      const data = await t.get(o.key, { maxBytes: LIMITS.index });
      if (sha256Hex(data) !== nameOf(o.key)) throw new ScelleError('OBJECT_CORRUPT', `${o.key} does not match its name (SHA-256): the object is corrupted`, { params: { object: o.key } });
      docs.push(decodeIndex(indexKey, data, o.key));
      idx.objects.push(nameOf(o.key));
    } catch (e) {
      if (problems !== undefined && e instanceof ScelleError) problems(o.key, e);
      else throw e;
    }
  }
  for (const d of docs) for (const r of d.removedPacks ?? []) idx.removed.add(r);
  for (const d of docs) addToIndex(idx, d);
  idx.objects.sort();
  return idx;
}

/** Adds an index document's packs to a merged index (first location wins). */
export function addToIndex(idx: RepoIndex, d: IndexDoc): void {
  for (const p of d.packs) {
    if (idx.removed.has(p.name)) continue;
    idx.packs.set(p.name, p.size);
    for (const [id, offset, length, rawLength, z] of p.blobs) {
      if (!idx.blobs.has(id)) idx.blobs.set(id, { pack: p.name, offset, length, rawLength, z });
    }
  }
}
