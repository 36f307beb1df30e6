/**
 * `usb:///mount/path` — a removable drive, one of a rotation (HAS: a different medium each week,
 * 4-week rotation, one kept away from the practice).
 *
 * The drive is "online" only when the folder exists **and** holds the label file
 * `.scelle-drive` that {@link initRemovable} wrote when the drive was prepared. Without the label
 * the mount point may be an empty folder on the computer's own disk (drive unplugged): writing
 * there would silently break the 3-2-1 rule, so every method throws TARGET_OFFLINE instead.
 *
 * Label file (JSON, UTF-8, at the root of the target folder, never listed nor writable as a key):
 * `{ "format": "scelle-drive", "version": 1, "id": "…", "name": "…", "created": ISO-8601,
 *    "lastWrite": ISO-8601 | absent }`. `lastWrite` is updated by {@link RemovableDestination.close}
 * after a session that wrote or deleted something, so `backup status` can tell which drive of
 * the rotation was written when, without reading the (encrypted) repository.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScelleError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { errorText, destinationError, destinationOffline } from './common.js';
import { LocalDestination, parseFolderUrl, type LocalConfig, type LocalDestinationOptions } from './local.js';
import type { ProbeResult, DestinationInfo } from './destination.js';
import type { DestinationKind } from './location.js';

/** `usb:///mount/path`: a prepared removable drive, offline (disconnected) by default. */
export const usbKind: DestinationKind<LocalConfig> = {
  scheme: 'usb',
  media: 'removable',
  options: [],
  offsite: false,
  parse: (url, _options, invalid) => parseFolderUrl('usb', url, invalid),
};

/** A label is a few hundred bytes: a larger file there is not a label. */
const MAX_LABEL = 64 * 1024;

/** The text of a small file; undefined when absent, null when larger than a label can be. */
async function readSmallFile(path: string): Promise<string | undefined | null> {
  let h;
  try {
    h = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await h.stat();
    if (size > MAX_LABEL) return null;
    const buf = Buffer.alloc(size);
    const { bytesRead } = await h.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await h.close();
  }
}

/** Name of the label file at the root of a removable target. */
export const DRIVE_LABEL_FILE = '.scelle-drive';

/** What the label file says about a drive. */
export interface DriveLabel {
  /** Stable identifier of the drive (a UUID unless the caller chose one). */
  id: string;
  /** Human name, e.g. `semaine-1` or `USB rouge`. */
  name: string;
  /** When the drive was prepared (ISO-8601). */
  created: string;
  /** When a backup last wrote to it (ISO-8601), absent before the first one. */
  lastWrite?: string;
}

/** Options of {@link initRemovable}. */
export interface InitRemovableOptions {
  /** Drive id; default a random UUID. */
  id?: string;
  /** The clock; default `new Date()`. */
  now?: Date;
  /** Replace an existing label (default false: a prepared drive keeps its identity). */
  overwrite?: boolean;
}

/**
 * Prepares a removable drive: writes the label file in `path` (which must exist: it is the
 * drive's mount point or a folder on it). Returns the label. When a label is already there and
 * `overwrite` is not set, the existing label is returned unchanged.
 * @throws ScelleError `TARGET_OFFLINE` when `path` does not exist (drive not plugged in),
 *   `TARGET_ERROR` when the label cannot be written or is unreadable.
 */
export async function initRemovable(path: string, label: { name: string }, options: InitRemovableOptions = {}): Promise<DriveLabel> {
  const info: DestinationInfo = { name: label.name, scheme: 'usb', url: `usb://${path}`, media: 'removable' };
  try {
    const s = await stat(path);
    if (!s.isDirectory()) throw destinationError(info, 'prepare the drive', `${path} is not a folder`);
  } catch (e) {
    if (e instanceof ScelleError) throw e;
    throw destinationOffline(info, `${path} does not exist: is the drive plugged in?`, e);
  }
  if (!options.overwrite) {
    const existing = await readDriveLabel(path);
    if (existing !== undefined) return existing;
  }
  const result: DriveLabel = {
    id: options.id ?? globalThis.crypto.randomUUID(),
    name: label.name,
    created: (options.now ?? new Date()).toISOString(),
  };
  await writeLabel(info, path, result);
  return result;
}

/**
 * Reads the label of the drive at `path`.
 * @returns the label, or undefined when there is none (drive absent or not prepared).
 * @throws ScelleError `TARGET_ERROR` when a label file exists but is not a scelle label.
 */
export async function readDriveLabel(path: string): Promise<DriveLabel | undefined> {
  const text = await readSmallFile(join(path, DRIVE_LABEL_FILE));
  if (text === undefined) return undefined;
  const info: DestinationInfo = { name: path, scheme: 'usb', url: `usb://${path}`, media: 'removable' };
  if (text === null) throw destinationError(info, 'read the drive label', `${DRIVE_LABEL_FILE} is larger than a label: not a scelle drive label`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw destinationError(info, 'read the drive label', `${DRIVE_LABEL_FILE} is not JSON`, e);
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.format !== 'scelle-drive' || typeof o.id !== 'string' || typeof o.name !== 'string' || typeof o.created !== 'string') {
    throw destinationError(info, 'read the drive label', `${DRIVE_LABEL_FILE} is not a scelle drive label`);
  }
  const label: DriveLabel = { id: o.id, name: o.name, created: o.created };
  if (typeof o.lastWrite === 'string') label.lastWrite = o.lastWrite;
  return label;
}

async function writeLabel(info: DestinationInfo, path: string, label: DriveLabel): Promise<void> {
  try {
    await writeFileAtomic(join(path, DRIVE_LABEL_FILE), `${JSON.stringify({ format: 'scelle-drive', version: 1, ...label }, null, 2)}\n`);
  } catch (e) {
    throw destinationError(info, 'write the drive label', errorText(e), e);
  }
}

/** Options of {@link RemovableDestination}. */
export interface RemovableDestinationOptions extends LocalDestinationOptions {
  /** The clock for `lastWrite`; default `() => new Date()`. */
  now?: () => Date;
}

/** A removable drive: a {@link LocalDestination} that is online only when its label is present. */
export class RemovableDestination extends LocalDestination {
  private readonly now: () => Date;
  private wrote = false;

  constructor(info: DestinationInfo, root: string, options: RemovableDestinationOptions = {}) {
    super(info, root, options);
    this.now = options.now ?? (() => new Date());
  }

  /** Online when the folder exists and holds the drive label; otherwise the reason. */
  override async probe(): Promise<ProbeResult> {
    try {
      await stat(this.root);
    } catch {
      return { online: false, reason: `${this.root} does not exist: the drive is not plugged in` };
    }
    try {
      const label = await readDriveLabel(this.root);
      if (label === undefined) return { online: false, reason: `${this.root} has no ${DRIVE_LABEL_FILE} label: not a prepared scelle drive (or the drive is not mounted there)` };
    } catch (e) {
      return { online: false, reason: errorText(e) };
    }
    return { online: true };
  }

  /**
   * Prepares the drive (writes its label with the destination's name) when its folder exists:
   * a drive must be plugged in to be prepared, so a missing folder stays TARGET_OFFLINE.
   */
  override async create(): Promise<void> {
    await initRemovable(this.root, { name: this.info.name }, { now: this.now() });
  }

  /** The label of the plugged drive. @throws ScelleError `TARGET_OFFLINE` when absent. */
  async label(): Promise<DriveLabel> {
    const label = await readDriveLabel(this.root).catch(() => undefined);
    if (label === undefined) throw destinationOffline(this.info, `no prepared drive at ${this.root}`);
    return label;
  }

  protected override async ensureOnline(): Promise<void> {
    const p = await this.probe();
    if (!p.online) throw destinationOffline(this.info, p.reason);
  }

  protected override isReserved(key: string): boolean {
    return key === DRIVE_LABEL_FILE;
  }

  override async put(key: string, data: Uint8Array): Promise<void> {
    await super.put(key, data);
    this.wrote = true;
  }

  override async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    const created = await super.putIfAbsent(key, data);
    if (created) this.wrote = true;
    return created;
  }

  override async delete(key: string): Promise<void> {
    await super.delete(key);
    this.wrote = true;
  }

  /**
   * Records `lastWrite` in the label when this session changed the drive. Never throws: the
   * objects are already safely written; a drive pulled out before close keeps its old date.
   */
  override async close(): Promise<void> {
    if (!this.wrote) return;
    this.wrote = false;
    try {
      const label = await readDriveLabel(this.root);
      if (label === undefined) return;
      await writeLabel(this.info, this.root, { ...label, lastWrite: this.now().toISOString() });
    } catch {
      // The drive went away between the last write and close: the backup itself is complete.
    }
  }
}
