/**
 * File-system failures as scelle errors: each cause a practitioner can act on has its own stable
 * code (a missing file, a permission, a folder given as a file, a full or read-only medium), the
 * message names the file, and a full medium says how much more room was needed when the caller
 * knows it. Raw Node errors never reach a user.
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScelleError } from '../errors.js';

/** What was being done to the file. */
export type FsOperation = 'read' | 'write' | 'create' | 'list' | 'remove';

const VERB: Record<FsOperation, string> = { read: 'read', write: 'write', create: 'create', list: 'list the folder', remove: 'remove' };

/** Where a file lives, for messages: a removable medium (USB stick, SD card) or a disk. */
export type MediumKind = 'removable' | 'disk';

/** statfs(2) magic numbers of the file systems USB sticks and cards come formatted with. */
const REMOVABLE_FS = new Set([
  0x4d44, // MSDOS_SUPER_MAGIC: FAT12/16/32 (vfat)
  0x2011bab0, // EXFAT_SUPER_MAGIC
  0x65735546, // FUSE (ntfs-3g, exfat-fuse)
  0x5346544e, // NTFS_SB_MAGIC (ntfs3)
]);

/**
 * Whether `path` is on a removable medium: under the desktop's mount points (/media, /run/media,
 * /Volumes), or on a FAT, exFAT or NTFS file system (what USB sticks come formatted with).
 */
export async function mediumOf(path: string): Promise<MediumKind> {
  const abs = resolve(path);
  if (/^\/(?:media|run\/media|Volumes)\//.test(abs)) return 'removable';
  try {
    const st = await statfs(dirname(abs));
    return REMOVABLE_FS.has(Number(st.type)) ? 'removable' : 'disk';
  } catch {
    return 'disk';
  }
}

/** Bytes an unprivileged user may still write in the folder of `path` (undefined when unknown). */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const st = await statfs(dir);
    return Number(st.bavail) * Number(st.bsize);
  } catch {
    return undefined;
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Options of {@link fsError}. */
export interface FsErrorOptions {
  /** For a full medium: how many more bytes were needed, when the caller can tell. */
  missingBytes?: number;
  /** For a full medium: where the file lives (see {@link mediumOf}); default `disk`. */
  medium?: MediumKind;
}

/**
 * The scelle error for a failed file operation on `path`.
 * @returns ScelleError `FILE_NOT_FOUND`, `PERMISSION_DENIED`, `NOT_A_FILE` (a folder where a file
 *   is expected), `NOT_A_FOLDER` (a file on the way), `DISK_FULL` (with `params.missingBytes`
 *   when known), `READ_ONLY_MEDIUM`, `OUTPUT_EXISTS`, or `IO_ERROR`; a ScelleError is returned as is.
 */
export function fsError(e: unknown, path: string, op: FsOperation, options: FsErrorOptions = {}): ScelleError {
  if (e instanceof ScelleError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const file = path;
  const cause = { cause: e };
  switch (code) {
    case 'ENOENT':
      return new ScelleError('FILE_NOT_FOUND', op === 'read' || op === 'list' ? `file not found: ${path}` : `cannot ${VERB[op]} ${path}: its folder does not exist`, { params: { file }, ...cause });
    case 'EACCES':
    case 'EPERM':
      return new ScelleError('PERMISSION_DENIED', `permission denied: cannot ${VERB[op]} ${path}`, { params: { file, opKey: `fs.op.${op}` }, ...cause });
    case 'EISDIR':
      return new ScelleError('NOT_A_FILE', `${path} is a folder, not a file`, { params: { file }, ...cause });
    case 'ENOTDIR':
      return new ScelleError('NOT_A_FOLDER', `cannot ${VERB[op]} ${path}: a part of its path is a file, not a folder`, { params: { file }, ...cause });
    case 'ENOSPC':
    case 'EDQUOT': {
      const medium = options.medium ?? 'disk';
      const missing = options.missingBytes !== undefined && options.missingBytes > 0 ? Math.ceil(options.missingBytes) : undefined;
      return new ScelleError('DISK_FULL', `${medium === 'removable' ? 'the USB stick (or external drive)' : 'the disk'} is full: cannot write ${path}${missing !== undefined ? ` (about ${mib(missing)} more are needed)` : ''}; nothing was left half-written`, {
        params: { file, fullKey: `medium.full.${medium}`, ...(missing !== undefined ? { missingBytes: missing } : {}) }, ...cause,
      });
    }
    case 'EROFS':
      return new ScelleError('READ_ONLY_MEDIUM', `cannot ${VERB[op]} ${path}: the medium is read-only`, { params: { file }, ...cause });
    case 'EEXIST':
      return new ScelleError('OUTPUT_EXISTS', `${path} already exists`, { params: { file }, ...cause });
    case 'EMFILE':
    case 'ENFILE':
      return new ScelleError('IO_ERROR', `cannot ${VERB[op]} ${path}: too many files open at once`, { params: { file }, ...cause });
    case 'EIO':
      return new ScelleError('IO_ERROR', `cannot ${VERB[op]} ${path}: the medium reported a read or write error (damaged, or unplugged)`, { params: { file }, ...cause });
    default:
      return new ScelleError('IO_ERROR', `cannot ${VERB[op]} ${path}: ${(e as Error | undefined)?.message ?? String(e)}`, { params: { file }, ...cause });
  }
}

/** True for the errors of a full medium (ENOSPC, EDQUOT), raw or already mapped. */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof ScelleError) return e.code === 'DISK_FULL';
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Refuses before anything is written when the folder `dir` lacks `bytes` of free space (plus a
 * margin for the file system's own blocks): the practitioner learns at once how much is missing,
 * instead of after a long copy.
 * @throws ScelleError `DISK_FULL` with `params.missingBytes`.
 */
export async function assertFreeSpace(dir: string, bytes: number, file: string): Promise<void> {
  const free = await freeBytes(dir);
  if (free === undefined) return;
  const needed = bytes + Math.min(64 * 1024 * 1024, Math.ceil(bytes / 100));
  if (free >= needed) return;
  const err = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
  throw fsError(err, file, 'write', { missingBytes: needed - free, medium: await mediumOf(dir) });
}
