/**
 * Local state of a backup setup, next to its config (`<config>.state/`): what status needs when a
 * drive is unplugged (when each target was last written), the last restore drill, the files cache
 * (so an unchanged file is not read again) and the journal of an interrupted run.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic-write.js';
import { join } from 'node:path';

/** What is remembered of one target. */
export interface TargetState {
  /** Last snapshot written there (name) and its time. */
  lastSnapshot?: string;
  lastSnapshotTime?: string;
  /** Last time a run wrote there. */
  lastWrite?: string;
  /** Last time it was seen offline. */
  lastOffline?: string;
}

/** The state file. */
export interface BackupState {
  version: 1;
  targets: Record<string, TargetState>;
  lastDrill?: { time: string; snapshot: string; files: number; ok: boolean };
}

export const STATE_FILE = 'state.json';
export const FILES_CACHE = 'files-cache.json';
export const JOURNAL = 'journal.jsonl';

/** Reads the state (an empty one when absent). */
export async function readState(stateDir: string): Promise<BackupState> {
  try {
    const s = JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')) as BackupState;
    return { version: 1, targets: s.targets ?? {}, ...(s.lastDrill ? { lastDrill: s.lastDrill } : {}) };
  } catch {
    return { version: 1, targets: {} };
  }
}

/** Writes the state atomically. */
export async function writeState(stateDir: string, s: BackupState): Promise<void> {
  await writeFileAtomic(join(stateDir, STATE_FILE), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}

/** Reads, changes and writes the state. */
export async function updateState(stateDir: string, change: (s: BackupState) => void): Promise<BackupState> {
  const s = await readState(stateDir);
  change(s);
  await writeState(stateDir, s);
  return s;
}
