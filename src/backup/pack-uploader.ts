/**
 * The pack uploader of a backup run (restic's `packer_uploader.go`): each finished pack goes to
 * every active destination (created once, never overwritten), is recorded in the local journal
 * once every destination has it, and an index object is written every `indexEvery` packs — so a
 * run killed at any moment leaves repositories that verify, and the next run skips what is stored.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Destination } from './destination/destination.js';
import { sha256Hex } from './envelope.js';
import type { PackOut } from './file-processor.js';
import { packKey } from './objects.js';
import { addToIndex, encodeIndex, type IndexDoc, type RepoIndex } from './repo-index.js';
import { JOURNAL } from './state.js';

/** The destinations a run writes to; a destination that fails leaves the set (and is reported). */
export interface ActiveSet {
  readonly active: Destination[];
  fail(d: Destination, e: unknown): void;
}

/**
 * Writes a content-addressed object to every active destination, concurrently; a destination that
 * fails leaves the set. An object already there is left as it is (never overwritten).
 * @throws ScelleError TARGET_ERROR when no destination is left.
 */
export async function writeToAll(set: ActiveSet, key: string, data: Uint8Array): Promise<void> {
  await Promise.all([...set.active].map((d) => d.putIfAbsent(key, data).then(() => undefined, (e: unknown) => set.fail(d, e))));
  if (set.active.length === 0) throw new ScelleError('TARGET_ERROR', 'every backup destination failed during the run: nothing was backed up');
}

type JournalPack = IndexDoc['packs'][number];

/** Uploads packs and writes the index objects that name them. */
export class PackUploader {
  /** Index objects this run wrote. */
  readonly runIndexes: string[] = [];
  /** Keys of the packs and indexes this run wrote (to every active destination). */
  readonly written = new Set<string>();
  newPacks = 0;
  #pending: JournalPack[] = [];
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly set: ActiveSet,
    private readonly index: RepoIndex,
    private readonly indexKey: Uint8Array,
    private readonly stateDir: string | undefined,
    private readonly indexEvery = 32,
  ) {}

  /** Uploads one pack (to every destination), journals it, and writes an index every `indexEvery`. */
  async upload(p: PackOut): Promise<void> {
    await writeToAll(this.set, packKey(p.name), p.data);
    this.written.add(packKey(p.name));
    const entry: JournalPack = { name: p.name, size: p.data.length, blobs: p.blobs };
    this.#pending.push(entry);
    if (this.stateDir !== undefined) await appendFile(join(this.stateDir, JOURNAL), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.newPacks++;
    if (this.#pending.length >= this.indexEvery) await this.flushIndex();
  }

  /** Writes an index object for the packs not indexed yet. Flushes run one at a time. */
  flushIndex(): Promise<void> {
    const next = this.#flushing.then(async () => {
      if (this.#pending.length === 0) return;
      const packs = this.#pending;
      this.#pending = [];
      const doc: IndexDoc = { scelle: 'backup-index', version: 1, packs };
      const data = encodeIndex(this.indexKey, doc);
      const name = sha256Hex(data);
      await writeToAll(this.set, `index/${name}`, data);
      this.written.add(`index/${name}`);
      addToIndex(this.index, doc);
      this.index.objects.push(name);
      this.runIndexes.push(name);
      if (this.stateDir !== undefined) {
        await writeFileAtomic(join(this.stateDir, JOURNAL), this.#pending.map((x) => `${JSON.stringify(x)}\n`).join(''), { mode: 0o600 });
      }
    });
    this.#flushing = next.catch(() => undefined);
    return next;
  }

  /**
   * Indexes the packs an interrupted run journaled and uploaded to every active destination
   * (so their chunks are not uploaded again).
   */
  async resume(): Promise<void> {
    if (this.stateDir === undefined) return;
    for (const p of await readJournal(this.stateDir)) {
      if (this.index.packs.has(p.name)) continue;
      const sizes = await Promise.all(this.set.active.map((d) => d.stat(packKey(p.name)).catch(() => undefined)));
      if (sizes.every((s) => s?.size === p.size)) {
        this.#pending.push(p);
        this.written.add(packKey(p.name));
      }
    }
    await this.flushIndex();
  }
}

async function readJournal(stateDir: string): Promise<JournalPack[]> {
  let text: string;
  try {
    text = await readFile(join(stateDir, JOURNAL), 'utf8');
  } catch {
    return [];
  }
  const out: JournalPack[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const p = JSON.parse(line) as JournalPack;
      if (/^[0-9a-f]{64}$/.test(p.name) && Array.isArray(p.blobs)) out.push(p);
    } catch {
      // a line torn by a crash: that pack is simply not reused
    }
  }
  return out;
}
