/**
 * Step 4 of an import (import.ts): every file entry read, checked and written on the worker
 * threads, in batches (one message per few dozen letters: a message per letter cost more than
 * the letter), several batches per worker in flight. Each verified file is compared with the
 * manifest, then committed in archive order — so a failure at entry k leaves exactly the verified
 * files before k, as a one-at-a-time import would — through the durable commits (one sync per
 * batch of files, the renames done by a worker). The first failing entry's error is thrown; a
 * full disk says how much room the rest needed.
 */
import { ScelleError } from '../errors.js';
import { DurableCommits, OrderedCommits, discard, type PendingFile } from '../io/durable-commits.js';
import { fsError, freeBytes, mediumOf } from '../io/fs-errors.js';
import { tempPathFor, trackTemp } from '../io/temp-files.js';
import type { ZipEntry, ZipReader } from '../crypto/zip/reader.js';
import { printable } from '../crypto/zip/names.js';
import type { ZipWorkers } from '../crypto/zip/zip-pool.js';
import { errorFromData, type DecodeJob, type DecodeResult } from '../crypto/zip/entry-jobs.js';
import type { WinZipAesKeys } from '../crypto/zip/winzip-aes.js';
import type { ManifestFile } from './manifest.js';
import { targetOf, type ImportPlan } from './import-plan.js';
import { manifestKey } from './import-manifest.js';
import type { ImportOptions, ImportedEntry } from './import.js';

/** What {@link extractAll} needs beyond the import's options. */
export interface ExtractOptions extends ImportOptions {
  maxRatio: number;
  ratioFloor: number;
  maxTotal: number;
  outDir?: string;
  firstKeys?: WinZipAesKeys;
  manifest?: Map<string, ManifestFile>;
}

/** Jobs per message, and their declared bytes: a batch of letters, or one large file. */
const BATCH_JOBS = 32;
const BATCH_BYTES = 4 * 1024 * 1024;
/** Batches in flight per worker: enough that a worker never waits for this thread. */
const BATCHES_PER_WORKER = 3;

interface Planned {
  index: number;
  entry: ZipEntry;
  target?: string;
  temp?: string;
  untrack?: () => void;
  listed?: ManifestFile;
}

/** Step 4, on `workers` (started on this archive by the caller, who closes them); see the module comment. */
export async function extractAll(reader: ZipReader, plan: ImportPlan, o: ExtractOptions, workers: ZipWorkers): Promise<ImportedEntry[]> {
  const run = new Extraction(reader, plan, o, workers);
  try {
    await run.all();
  } finally {
    await run.finish();
  }
  if (run.failure !== undefined) throw await withRoom(run.failure.error, o.outDir, plan.declared - run.committedBytes);
  return run.results;
}

class Extraction {
  readonly results: ImportedEntry[];
  failure: { index: number; error: unknown } | undefined;
  private readonly commits: DurableCommits | undefined;
  private readonly ordered: OrderedCommits;
  private readonly inFlight = new Set<Promise<void>>();
  private done = 0;

  constructor(private readonly reader: ZipReader, private readonly plan: ImportPlan, private readonly o: ExtractOptions, private readonly workers: ZipWorkers) {
    this.results = new Array<ImportedEntry>(reader.entries.length);
    this.commits = o.outDir !== undefined ? new DurableCommits({ rename: (files) => workers.rename(files.map((f) => ({ temp: f.temp, path: f.path }))) }) : undefined;
    this.ordered = new OrderedCommits(this.commits, (i, e) => this.fail(i, e));
  }

  get committedBytes(): number {
    return this.commits?.committedBytes ?? 0;
  }

  private fail(index: number, error: unknown): void {
    if (this.failure === undefined || index < this.failure.index) this.failure = { index, error };
    this.ordered.stop(index);
  }

  /** Plans every entry, dispatching batches as they fill. */
  async all(): Promise<void> {
    let batch: Planned[] = [];
    let bytes = 0;
    for (const [i, e] of this.reader.entries.entries()) {
      if (this.failure !== undefined) break;
      if (this.o.signal?.aborted === true) {
        this.fail(i, new ScelleError('INTERRUPTED', 'the import was interrupted: the files already verified were kept, nothing else was written', { params: { hintKey: 'hint.INTERRUPTED.clean' } }));
        break;
      }
      const p = this.planEntry(i, e);
      if (p === undefined) continue;
      batch.push(p);
      bytes += e.compressedSize;
      if (batch.length >= BATCH_JOBS || bytes >= BATCH_BYTES) {
        await this.dispatch(batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0 && this.failure === undefined) await this.dispatch(batch);
    await Promise.all(this.inFlight);
  }

  /** A folder is done at once; a file becomes a job (undefined: nothing to dispatch). */
  private planEntry(i: number, e: ZipEntry): Planned | undefined {
    const target = this.o.outDir !== undefined ? targetOf(this.o.outDir, e) : undefined;
    if (e.directory) {
      this.results[i] = describe(e, target, 0, false);
      this.ordered.done(i, null);
      return undefined;
    }
    const listed = e === this.plan.manifest || e === this.plan.signature ? undefined : this.o.manifest?.get(manifestKey(e));
    if (listed !== undefined && listed.size !== e.size) {
      this.fail(i, new ScelleError('MANIFEST_MISMATCH', `"${printable(e.name)}" has ${e.size} bytes where the manifest says ${listed.size}`, { params: { entry: printable(e.name) } }));
      return undefined;
    }
    const p: Planned = { index: i, entry: e };
    if (target !== undefined) {
      p.target = target;
      p.temp = tempPathFor(target);
      p.untrack = trackTemp(p.temp);
    }
    if (listed !== undefined) p.listed = listed;
    return p;
  }

  private async dispatch(batch: Planned[]): Promise<void> {
    const jobs = batch.map((p) => {
      const job: DecodeJob = { entry: p.entry, maxRatio: this.o.maxRatio, ratioFloor: this.o.ratioFloor, maxBytes: this.o.maxTotal };
      if (p.entry === this.plan.firstEncrypted && this.o.firstKeys !== undefined) job.keys = this.o.firstKeys;
      if (p.temp !== undefined) {
        job.temp = p.temp;
        job.path = p.target!;
        job.mtime = p.entry.mtime.getTime();
      }
      return job;
    });
    const job = this.workers.decode(jobs).then(
      (outcomes) => this.settle(batch, outcomes.map((x) => (x.ok ? x.result : errorFromData(x.error)))),
      (e: unknown) => this.settle(batch, batch.map(() => e)),
    );
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    if (this.inFlight.size >= this.workers.parallel * BATCHES_PER_WORKER) await Promise.race(this.inFlight);
  }

  /** Checks each result against the manifest and hands the file to the ordered commits. */
  private async settle(batch: Planned[], outcomes: readonly (DecodeResult | unknown)[]): Promise<void> {
    for (const [k, p] of batch.entries()) {
      const r = outcomes[k];
      if (!isResult(r)) {
        p.untrack?.();
        this.fail(p.index, r ?? new ScelleError('INTERNAL', `no result for "${printable(p.entry.name)}"`));
        continue;
      }
      const file: PendingFile | null = r.written ? { temp: p.temp!, path: p.target!, size: r.size, ...(p.untrack ? { done: p.untrack } : {}) } : null;
      if (p.listed !== undefined && p.listed.sha256 !== r.sha256) {
        if (file !== null) await discard(file);
        this.fail(p.index, new ScelleError('MANIFEST_MISMATCH', `"${printable(p.entry.name)}" does not match the SHA-256 in the manifest: it was changed after the export`, { params: { entry: printable(p.entry.name) } }));
        continue;
      }
      this.results[p.index] = describe(p.entry, p.target, r.size, p.listed !== undefined, r.sha256);
      this.ordered.done(p.index, file);
      this.done += r.size;
      this.o.onProgress?.({ file: p.entry.name, bytes: this.done, totalBytes: this.plan.declared });
    }
  }

  /** Commits what may be, removes the rest. */
  async finish(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.ordered.drain();
    if (this.failure === undefined) await this.commits?.finish().catch((e: unknown) => this.fail(this.reader.entries.length, e));
    else await this.commits?.settle();
  }
}

function isResult(r: unknown): r is DecodeResult {
  return typeof r === 'object' && r !== null && typeof (r as DecodeResult).sha256 === 'string' && !(r instanceof Error);
}

/** The result line of an entry (one object: an import of 200 000 letters keeps 200 000 of them). */
function describe(e: ZipEntry, target: string | undefined, size: number, inManifest: boolean, sha256?: string): ImportedEntry {
  const d: ImportedEntry = { name: e.name, directory: e.directory, size, encrypted: e.encrypted, method: e.method === 8 ? 'deflate' : 'stored', mtime: e.mtime, inManifest };
  if (sha256 !== undefined) d.sha256 = sha256;
  if (e.aes !== undefined) {
    d.aes = e.aes.version === 1 ? 'AE-1' : 'AE-2';
    d.aesBits = ([128, 192, 256] as const)[e.aes.strength - 1]!;
  }
  if (target !== undefined) d.path = target;
  return d;
}

/** A full disk says how much more room the rest of the import needed. */
async function withRoom(e: unknown, outDir: string | undefined, remaining: number): Promise<unknown> {
  if (!(e instanceof ScelleError) || e.code !== 'DISK_FULL' || outDir === undefined) return e;
  const free = (await freeBytes(outDir)) ?? 0;
  const cause = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
  const file = typeof e.params.file === 'string' ? e.params.file : outDir;
  return fsError(cause, file, 'write', { ...(remaining > free ? { missingBytes: remaining - free } : {}), medium: await mediumOf(outDir) });
}
