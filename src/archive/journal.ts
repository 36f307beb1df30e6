/**
 * The journal of scelle's own operations on the archive and the backups — the lifecycle journal NF
 * Z42-013 asks of an electronic archive: for each event, the operation, the object (its identifier
 * and SHA-256, never its name: the journal can be shown to an expert without patient data), the
 * time and the actor.
 *
 * Append-only and hash-chained: each entry carries the SHA-256 of the previous one (`prev`) and its
 * own (`hash`, over a canonical form of every other field). Entries are stored in segments — one
 * object per command that wrote some, `journal/<first seq, 12 digits>.ndjson`, one JSON entry per
 * line. Sealed periodically: a `journal.seal` entry carries a time-stamp over the hash of the entry
 * before it (or names the archive batch whose tree holds that hash), so that nothing before a seal
 * can be rewritten, even consistently, without the seal saying so.
 *
 * `verifyJournal` finds an entry removed (a gap in the sequence), changed (its hash), reordered
 * (out of sequence) or a chain rewritten under a seal, and names the entry.
 */
import * as crypto from 'node:crypto';
import { ScelleError, type ErrorCode } from '../errors.js';
import type { Destination } from '../backup/destination/destination.js';

/** Operations the journal records. */
export type JournalOperation =
  | 'journal.init' | 'journal.seal'
  | 'archive.add' | 'archive.export' | 'archive.renew' | 'archive.destroy' | 'archive.retention' | 'archive.hold' | 'archive.release'
  | 'backup.run' | 'backup.restore';

/** How a seal proves the chain: its own token, or the archive batch whose hash tree holds `prev`. */
export type JournalSeal = { token: string } | { batch: string };

/** One journal entry (docs/FORMAT.md "Journal"). */
export interface JournalEntry {
  seq: number;
  /** ISO-8601 UTC. */
  time: string;
  /** Who: user@host, or the identity that signed. */
  actor: string;
  operation: JournalOperation;
  /** What: kind (`item`, `batch`, `snapshot`, `certificate`, `journal`), id, SHA-256 hex when it is bytes. */
  object: { kind: string; id: string; sha256?: string };
  /** Further facts, strings only (batch, pack, destination, reason…). */
  details: Record<string, string>;
  seal?: JournalSeal;
  /** SHA-256 hex of the previous entry; 64 zeros for the first. */
  prev: string;
  /** SHA-256 hex of this entry's canonical form. */
  hash: string;
}

/** An entry to append (the journal numbers, chains and hashes it). */
export type NewJournalEntry = Omit<JournalEntry, 'seq' | 'prev' | 'hash' | 'time'> & { time?: Date };

export const JOURNAL_PREFIX = 'journal/';
export const GENESIS = '0'.repeat(64);

/** The canonical form hashed: a JSON array of every field but `hash`, details sorted by key. */
export function canonicalEntry(e: Omit<JournalEntry, 'hash'>): string {
  const details = Object.keys(e.details).sort().map((k) => [k, e.details[k]]);
  const seal = e.seal === undefined ? null : 'token' in e.seal ? ['token', e.seal.token] : ['batch', e.seal.batch];
  return JSON.stringify(['scelle-journal-v1', e.seq, e.time, e.actor, e.operation, e.object.kind, e.object.id, e.object.sha256 ?? null, details, seal, e.prev]);
}

/** The hash an entry must carry. */
export function entryHash(e: Omit<JournalEntry, 'hash'>): string {
  return crypto.createHash('sha256').update(canonicalEntry(e)).digest('hex');
}

const segmentKey = (firstSeq: number): string => `${JOURNAL_PREFIX}${String(firstSeq).padStart(12, '0')}.ndjson`;

/** Every segment key, in sequence order. */
async function segmentKeys(target: Destination): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of target.list(JOURNAL_PREFIX)) if (/^journal\/\d{12}\.ndjson$/.test(o.key)) keys.push(o.key);
  return keys.sort();
}

function parseSegment(key: string, bytes: Uint8Array): JournalEntry[] {
  const lines = Buffer.from(bytes).toString('utf8').split('\n').filter((l) => l !== '');
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as JournalEntry;
    } catch {
      throw new ScelleError('JOURNAL_BROKEN', `journal segment ${key}, line ${i + 1}: not a JSON entry: the journal was damaged`);
    }
  });
}

/** The last entry, or undefined for an empty journal. */
export async function journalHead(target: Destination): Promise<JournalEntry | undefined> {
  const keys = await segmentKeys(target);
  const last = keys[keys.length - 1];
  if (last === undefined) return undefined;
  const entries = parseSegment(last, await target.get(last));
  return entries[entries.length - 1];
}

/**
 * Numbers, chains and hashes entries after `head` (nothing written): what {@link writeJournal} stores.
 */
export function prepareJournal(head: JournalEntry | undefined, entries: readonly NewJournalEntry[], clock: () => Date = () => new Date()): JournalEntry[] {
  let seq = head === undefined ? 0 : head.seq + 1;
  let prev = head?.hash ?? GENESIS;
  const out: JournalEntry[] = [];
  for (const n of entries) {
    const base: Omit<JournalEntry, 'hash'> = { seq, time: (n.time ?? clock()).toISOString(), actor: n.actor, operation: n.operation, object: n.object, details: n.details, ...(n.seal !== undefined ? { seal: n.seal } : {}), prev };
    const e: JournalEntry = { ...base, hash: entryHash(base) };
    out.push(e);
    prev = e.hash;
    seq++;
  }
  return out;
}

/** Where the journal's last entry is named (seq and hash), to find entries cut from its end. */
export const JOURNAL_HEAD = 'journal.head';

/** Stores prepared entries as one new segment, then the new head. The caller holds the archive lock. */
export async function writeJournal(target: Destination, entries: readonly JournalEntry[]): Promise<void> {
  const last = entries[entries.length - 1];
  if (last === undefined) return;
  await target.put(segmentKey(entries[0]!.seq), new TextEncoder().encode(entries.map((e) => JSON.stringify(e)).join('\n') + '\n'));
  await target.put(JOURNAL_HEAD, new TextEncoder().encode(`${JSON.stringify({ seq: last.seq, hash: last.hash, time: last.time })}\n`));
}

/** The head file's last entry, when there is one. */
async function readHead(target: Destination): Promise<{ seq: number; hash: string } | undefined> {
  try {
    return JSON.parse(Buffer.from(await target.get(JOURNAL_HEAD)).toString('utf8')) as { seq: number; hash: string };
  } catch (e) {
    if (e instanceof ScelleError && e.code === 'OBJECT_MISSING') return undefined;
    if (e instanceof SyntaxError) return { seq: -1, hash: 'unreadable' };
    throw e;
  }
}

/**
 * Appends entries as one new segment, chained to the head; returns them numbered and hashed.
 * The caller holds the archive lock.
 * @throws ScelleError TARGET_ERROR / TARGET_OFFLINE, JOURNAL_BROKEN (the head cannot be read).
 */
export async function appendJournal(target: Destination, entries: readonly NewJournalEntry[], clock: () => Date = () => new Date()): Promise<JournalEntry[]> {
  const out = prepareJournal(await journalHead(target), entries, clock);
  await writeJournal(target, out);
  return out;
}

/** The hash the next entry will chain to (what a seal must cover), with the sequence number it will get. */
export async function nextLink(target: Destination): Promise<{ seq: number; prev: string }> {
  const head = await journalHead(target);
  return { seq: head === undefined ? 0 : head.seq + 1, prev: head?.hash ?? GENESIS };
}

/** One finding of {@link verifyJournal}. */
export interface JournalProblem {
  code: ErrorCode;
  /** The entry concerned (its number). */
  seq?: number;
  message: string;
}

/** What a seal's check concluded. */
export interface SealCheck {
  ok: boolean;
  /** True when the seal contradicts the journal (a rewritten chain, a forged seal); false when it only cannot be checked. */
  broken: boolean;
  genTime?: Date;
  tsa?: string;
  message?: string;
}

/** The report of {@link verifyJournal}. */
export interface JournalReport {
  ok: boolean;
  entries: number;
  segments: number;
  head?: { seq: number; hash: string; time: string };
  seals: { seq: number; time: string; check: SealCheck }[];
  /** Entries after the last valid seal (a removal of those cannot be detected from the journal alone). */
  unsealed: number;
  problems: JournalProblem[];
}

const nameOf = (e: JournalEntry): string => `entry #${e.seq} (${e.operation} of ${e.object.kind} ${e.object.id}, ${e.time})`;

/** Order and completeness: gaps (removed), entries out of sequence (reordered), duplicates. */
function checkSequence(all: readonly JournalEntry[], problems: JournalProblem[]): void {
  const seqs = all.map((e) => e.seq);
  const max = Math.max(-1, ...seqs);
  const present = new Set(seqs);
  for (let s = 0; s <= max; s++) {
    if (present.has(s)) continue;
    let end = s;
    while (end + 1 <= max && !present.has(end + 1)) end++;
    const after = all.find((e) => e.seq === end + 1);
    problems.push({ code: 'JOURNAL_BROKEN', seq: s, message: `${s === end ? `entry #${s} was removed` : `entries #${s} to #${end} were removed`}${after !== undefined ? `: ${nameOf(after)} follows #${s - 1}` : ''}` });
    s = end;
  }
  const seen = new Set<number>();
  all.forEach((e, i) => {
    if (seen.has(e.seq)) problems.push({ code: 'JOURNAL_BROKEN', seq: e.seq, message: `${nameOf(e)} appears twice` });
    seen.add(e.seq);
    const before = all[i - 1];
    if (before !== undefined && e.seq < before.seq) problems.push({ code: 'JOURNAL_BROKEN', seq: e.seq, message: `${nameOf(e)} comes after entry #${before.seq}: the journal was reordered` });
  });
}

/** Each entry's own hash, and its link to the entry before it in the journal's order. */
function checkChain(all: readonly JournalEntry[], problems: JournalProblem[]): void {
  all.forEach((e, i) => {
    const { hash, ...rest } = e;
    if (entryHash(rest) !== hash) problems.push({ code: 'JOURNAL_BROKEN', seq: e.seq, message: `${nameOf(e)} was changed: its content no longer matches its hash` });
    const before = all[i - 1];
    const expected = before === undefined ? GENESIS : before.hash;
    if (e.prev !== expected && (before === undefined || e.seq === before.seq + 1)) {
      problems.push({ code: 'JOURNAL_BROKEN', seq: e.seq, message: `${nameOf(e)} does not chain to ${before === undefined ? 'the start of the journal' : `entry #${before.seq}`}: an entry before it was changed or replaced` });
    }
  });
}

/**
 * Reads and checks the whole journal; `checkSeal` validates each seal's time-stamp (the archive
 * supplies it: it knows the trust anchors and the batches). Never throws for a broken journal: the
 * report names each entry concerned (JOURNAL_BROKEN).
 * @throws ScelleError TARGET_ERROR / TARGET_OFFLINE.
 */
export async function verifyJournal(target: Destination, checkSeal: (e: JournalEntry) => Promise<SealCheck>): Promise<JournalReport> {
  const keys = await segmentKeys(target);
  const problems: JournalProblem[] = [];
  const all: JournalEntry[] = [];
  for (const key of keys) {
    try {
      const entries = parseSegment(key, await target.get(key));
      if (entries[0] !== undefined && segmentKey(entries[0].seq) !== key) problems.push({ code: 'JOURNAL_BROKEN', seq: entries[0].seq, message: `journal segment ${key} starts with entry #${entries[0].seq}: segments were renamed or reordered` });
      all.push(...entries);
    } catch (e) {
      if (!(e instanceof ScelleError) || e.code !== 'JOURNAL_BROKEN') throw e;
      problems.push({ code: 'JOURNAL_BROKEN', message: e.message });
    }
  }
  checkSequence(all, problems);
  checkChain(all, problems);
  const recorded = await readHead(target);
  const last = all[all.length - 1];
  if (recorded !== undefined && (last === undefined || recorded.seq !== last.seq || recorded.hash !== last.hash)) {
    problems.push(recorded.seq > (last?.seq ?? -1)
      ? { code: 'JOURNAL_BROKEN', seq: (last?.seq ?? -1) + 1, message: `${(last?.seq ?? -1) + 1 === recorded.seq ? `entry #${recorded.seq} was removed` : `entries #${(last?.seq ?? -1) + 1} to #${recorded.seq} were removed`}: the journal ends at ${last !== undefined ? `entry #${last.seq}` : 'nothing'} but its head (${JOURNAL_HEAD}) names entry #${recorded.seq}` }
      : { code: 'JOURNAL_BROKEN', seq: recorded.seq, message: `the journal's head (${JOURNAL_HEAD}) names entry #${recorded.seq} with another hash than the journal's last entry: the end of the journal was rewritten` });
  }
  const seals: JournalReport['seals'] = [];
  let lastSealed = -1;
  for (const e of all.filter((x) => x.operation === 'journal.seal')) {
    const check = await checkSeal(e);
    seals.push({ seq: e.seq, time: e.time, check });
    if (check.ok) lastSealed = Math.max(lastSealed, e.seq);
    else if (check.broken) problems.push({ code: 'JOURNAL_BROKEN', seq: e.seq, message: `the seal ${nameOf(e)} does not hold: ${check.message ?? 'its time-stamp does not cover the entries before it'}` });
  }
  const head = all[all.length - 1];
  return {
    ok: problems.length === 0,
    entries: all.length,
    segments: keys.length,
    ...(head !== undefined ? { head: { seq: head.seq, hash: head.hash, time: head.time } } : {}),
    seals,
    unsealed: all.filter((e) => e.seq > lastSealed).length,
    problems: problems.sort((a, b) => (a.seq ?? -1) - (b.seq ?? -1)),
  };
}
