/**
 * Local state of a backup setup, next to its config (`<config>.state/`, mode 0700): what status
 * needs when a drive is unplugged (when each destination was last written), the journal of each
 * destination's seal chain (its head: sequence, hash, time — so a copy replaced by an older one
 * is caught), copies of the seals written (so `repair` can put back a deleted seal), the last
 * checks and drills, the schedule, the files cache and the journal of an interrupted run.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';

/** A destination's chain head as this machine last wrote or saw it. */
export interface HeadRecord {
  sequence: number;
  sha256: string;
  time: string;
}

/** What is remembered of one destination. */
export interface DestinationState {
  /** Last snapshot written there (name) and its time. */
  lastSnapshot?: string;
  lastSnapshotTime?: string;
  /** Last time a run wrote there. */
  lastWrite?: string;
  /** Last time it was seen offline. */
  lastOffline?: string;
  /** The newest seal of its chain this machine knows. */
  head?: HeadRecord;
  /** The last check (`verify`, `repair`, `run`): damage found stays visible in `status`. */
  lastCheck?: { time: string; ok: boolean; problems: number; codes: string[]; command: string };
  /** `init` could not reach it: the first run that reaches it creates it there. */
  pendingCreate?: boolean;
}

/** How the weekly run is scheduled (`backup schedule`). */
export interface ScheduleState {
  every: 'daily' | 'weekly';
  /** `HH:MM`, local time of the machine. */
  at: string;
  /** Weekday of a weekly run, 1 = Monday … 7 = Sunday. */
  weekday: number;
  installedWith: 'systemd' | 'cron';
  /** The unit name or the crontab marker. */
  unit: string;
  installed: string;
}

/** The state file. */
export interface BackupState {
  version: 1;
  destinations: Record<string, DestinationState>;
  lastDrill?: { time: string; snapshot: string; files: number; ok: boolean; fromKit?: boolean };
  schedule?: ScheduleState;
}

export const STATE_FILE = 'state.json';
export const FILES_CACHE = 'files-cache.json';
export const JOURNAL = 'journal.jsonl';
/** Copies of the seals this machine wrote: `seals/<destination>/<sequence>.seal|.p7s`. */
export const SEAL_COPIES = 'seals';

/** Reads the state (an empty one when absent or unreadable). */
export async function readState(stateDir: string): Promise<BackupState> {
  try {
    const s = JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')) as BackupState & { targets?: Record<string, DestinationState> };
    return {
      version: 1,
      destinations: s.destinations ?? s.targets ?? {},
      ...(s.lastDrill ? { lastDrill: s.lastDrill } : {}),
      ...(s.schedule ? { schedule: s.schedule } : {}),
    };
  } catch {
    return { version: 1, destinations: {} };
  }
}

/** Writes the state atomically (0600). */
export async function writeState(stateDir: string, s: BackupState): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(stateDir, STATE_FILE), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}

/** Reads, changes and writes the state. */
export async function updateState(stateDir: string, change: (s: BackupState) => void): Promise<BackupState> {
  const s = await readState(stateDir);
  change(s);
  await writeState(stateDir, s);
  return s;
}

function sealCopyPath(stateDir: string, destination: string, sequence: number, ext: 'seal' | 'p7s'): string {
  return join(stateDir, SEAL_COPIES, destination, `${String(sequence).padStart(10, '0')}.${ext}`);
}

/** Keeps a copy of a seal written to `destination` (for `repair`). */
export async function keepSealCopy(stateDir: string, destination: string, sequence: number, text: Uint8Array, signature: Uint8Array | undefined): Promise<void> {
  await mkdir(join(stateDir, SEAL_COPIES, destination), { recursive: true, mode: 0o700 });
  await Promise.all([
    signature !== undefined ? writeFileAtomic(sealCopyPath(stateDir, destination, sequence, 'p7s'), signature, { mode: 0o600 }) : undefined,
    writeFileAtomic(sealCopyPath(stateDir, destination, sequence, 'seal'), text, { mode: 0o600 }),
  ]);
}

/** A kept copy of a seal, or undefined. */
export async function readSealCopy(stateDir: string, destination: string, sequence: number): Promise<{ text: Uint8Array; signature?: Uint8Array } | undefined> {
  try {
    const text = await readFile(sealCopyPath(stateDir, destination, sequence, 'seal'));
    const signature = await readFile(sealCopyPath(stateDir, destination, sequence, 'p7s')).catch(() => undefined);
    return { text, ...(signature !== undefined ? { signature } : {}) };
  } catch {
    return undefined;
  }
}

/** Forgets the kept copy of a seal prune removed. */
export async function dropSealCopy(stateDir: string, destination: string, sequence: number): Promise<void> {
  await rm(sealCopyPath(stateDir, destination, sequence, 'seal'), { force: true });
  await rm(sealCopyPath(stateDir, destination, sequence, 'p7s'), { force: true });
}
