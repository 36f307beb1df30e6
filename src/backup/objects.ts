/**
 * Reading and writing repository objects with their bounds (docs/FORMAT.md, "Backup repository"):
 * no object read from a destination may make a reader allocate more than its kind can hold —
 * neither stored (the destination refuses it unread) nor decompressed (gunzip stops at the
 * bound) — so a hostile seal, index or snapshot cannot take gigabytes.
 *
 * Content-addressed objects (`data/`, `index/`, `snapshots/`) are named by the SHA-256 of their
 * bytes: {@link readVerified} checks it, and on an immutable destination (S3 Object Lock) reads
 * back the older version of an object that was overwritten or deleted.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { headerLength, objectHeader, openBox, readHeader, runKeyFor, sealBox, sha256Hex, type ObjectKind } from './envelope.js';
import type { MasterSecret } from './keys.js';

/** Bounds, in bytes, of each kind of object as stored and (for JSON documents) decompressed. */
export const LIMITS = {
  config: 64 * 1024,
  keySlot: 64 * 1024,
  lock: 64 * 1024,
  /** Packs are closed at ~4 MiB; one chunk may reach 8 MiB: 64 MiB is far above any pack. */
  pack: 64 * 1024 * 1024,
  index: 64 * 1024 * 1024,
  indexPlain: 256 * 1024 * 1024,
  snapshot: 128 * 1024 * 1024,
  snapshotPlain: 512 * 1024 * 1024,
} as const;

/** Key of a pack. */
export function packKey(name: string): string {
  return `data/${name.slice(0, 2)}/${name}`;
}

/** Name of an object from its key (the last segment). */
export function nameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The bound of a key's kind. */
export function limitOf(key: string): number {
  if (key === 'config') return LIMITS.config;
  if (key.startsWith('keys/')) return LIMITS.keySlot;
  if (key.startsWith('locks/')) return LIMITS.lock;
  if (key.startsWith('index/')) return LIMITS.index;
  if (key.startsWith('snapshots/')) return LIMITS.snapshot;
  return LIMITS.pack;
}

/** gunzip with an output bound. @throws ScelleError OBJECT_CORRUPT (names `what`). */
export function gunzipBounded(data: Uint8Array, max: number, what: string): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: max });
  } catch (e) {
    const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|too large/i.test((e as Error).message);
    throw new ScelleError(tooBig ? 'OBJECT_TOO_LARGE' : 'OBJECT_CORRUPT', tooBig ? `${what} expands beyond ${max} bytes: refused (corrupted or hostile)` : `${what} cannot be decompressed: the object is corrupted`, { cause: e, params: { object: what } });
  }
}

/** Encodes a sealed object (snapshot) under a run key: magic ‖ ephPub ‖ box(gzip(JSON)). */
export function encodeSealed(kind: ObjectKind, runKey: Uint8Array, ephPub: Uint8Array, json: unknown): Buffer {
  // level 1: a snapshot is mostly hex ids; level 6 takes four times longer for a few per cent
  return Buffer.concat([objectHeader(kind, ephPub), sealBox(runKey, gzipSync(JSON.stringify(json), { level: 1 }))]);
}

/** Decodes a snapshot object with the read key. @throws ScelleError OBJECT_CORRUPT, OBJECT_TOO_LARGE. */
export function decodeSealed<T>(kind: ObjectKind, master: MasterSecret, recipient: Uint8Array, data: Uint8Array, what: string): T {
  const eph = readHeader(kind, data, what)!;
  const key = runKeyFor(master.readKey, recipient, eph);
  const plain = openBox(key, data.subarray(headerLength(kind)), what);
  const json = gunzipBounded(plain, LIMITS.snapshotPlain, what);
  try {
    return JSON.parse(json.toString('utf8')) as T;
  } catch (e) {
    throw new ScelleError('OBJECT_CORRUPT', `${what} cannot be decoded`, { cause: e, params: { object: what } });
  }
}

/** An object read and checked against its name, and where it came from. */
export interface VerifiedObject {
  data: Uint8Array;
  /** Set when the current version was damaged or deleted and an older locked version served. */
  version?: string;
}

function corrupt(d: Destination, key: string): ScelleError {
  return new ScelleError('OBJECT_CORRUPT', `${key} on "${d.info.name}" does not match its SHA-256 name: the object is corrupted`, { params: { object: key, target: d.info.name } });
}

/**
 * Reads a content-addressed object and checks it against its name (`expected`, default the key's
 * last segment). On an immutable destination a damaged or deleted object is read from its newest
 * older version that matches.
 * @throws ScelleError OBJECT_MISSING, OBJECT_CORRUPT, OBJECT_TOO_LARGE, TARGET_*.
 */
export async function readVerified(d: Destination, key: string, options: { expected?: string; maxBytes?: number } = {}): Promise<VerifiedObject> {
  const expected = options.expected ?? nameOf(key);
  const maxBytes = options.maxBytes ?? limitOf(key);
  let first: unknown;
  try {
    const data = await d.get(key, { maxBytes });
    if (sha256Hex(data) === expected) return { data };
    first = corrupt(d, key);
  } catch (e) {
    if (!isScelleError(e, 'OBJECT_MISSING') && !isScelleError(e, 'OBJECT_TOO_LARGE')) throw e;
    first = e;
  }
  if (d.retention !== undefined) {
    for (const v of await d.retention.versions(key)) {
      if (v.latest || v.size > maxBytes) continue;
      const data = await d.retention.getVersion(key, v.id, { maxBytes });
      if (sha256Hex(data) === expected) return { data, version: v.id };
    }
  }
  throw first;
}

/** {@link readVerified}, the bytes only. */
export async function getVerified(d: Destination, key: string): Promise<Uint8Array> {
  return (await readVerified(d, key)).data;
}
