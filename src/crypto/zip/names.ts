/**
 * Entry names: what may be extracted, and when two names are the same file.
 *
 * A name from an archive is hostile until checked (the "zip slip"): `..` segments, absolute paths
 * (`/etc`, `C:`, `\\server`), backslashes (a separator on Windows, so `..\\x` escapes there),
 * control characters. Targets may be case-insensitive and normalise Unicode (NTFS, APFS, exFAT on
 * USB sticks), so `Lettre.txt`/`lettre.txt` or `é` precomposed/decomposed are one file there:
 * such pairs are duplicates wherever the archive is opened.
 */
import { ScelleError } from '../../errors.js';

/**
 * Splits an entry name into safe path segments (`.` and empty segments dropped).
 * @throws ScelleError `UNSAFE_PATH` (params `{ entry }`).
 */
export function safeSegments(name: string): string[] {
  const unsafe = (why: string): ScelleError =>
    new ScelleError('UNSAFE_PATH', `refusing the archive entry "${printable(name)}": ${why}`, { params: { entry: printable(name) } });
  if (name.length === 0) throw unsafe('its name is empty');
  if (/[\u0000-\u001f\u007f]/u.test(name)) throw unsafe('its name contains control characters');
  if (name.includes('\\')) throw unsafe('its name contains a backslash, a path separator on Windows');
  if (name.startsWith('/')) throw unsafe('it is an absolute path');
  if (/^[A-Za-z]:/u.test(name)) throw unsafe('it starts with a drive letter');
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw unsafe('it climbs out of the target folder with ".."');
  if (segments.length === 0) throw unsafe('it names no file');
  return segments;
}

/** The key under which two names collide on a case-insensitive, Unicode-normalising file system. */
export function collisionKey(segments: readonly string[]): string {
  return segments.map((s) => s.normalize('NFC').toLowerCase().normalize('NFC')).join('/');
}

/**
 * Checks a set of names (files and folders) for duplicates, including a name used both as a file
 * and as a folder.
 * @throws ScelleError `DUPLICATE_ENTRY` (params `{ entry }`).
 */
export function assertNoDuplicates(items: readonly { name: string; segments: readonly string[]; directory: boolean }[]): void {
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  const dup = (a: string, b: string): ScelleError =>
    new ScelleError('DUPLICATE_ENTRY', `the archive holds "${printable(b)}" twice (as "${printable(a)}" and "${printable(b)}", the same name on case-insensitive or Unicode-normalising file systems)`, { params: { entry: printable(b) } });
  for (const it of items) {
    const key = collisionKey(it.segments);
    if (it.directory) {
      const f = files.get(key);
      if (f !== undefined) throw dup(f, it.name);
      if (!folders.has(key)) folders.set(key, it.name);
    } else {
      const seen = files.get(key) ?? folders.get(key);
      if (seen !== undefined) throw dup(seen, it.name);
      files.set(key, it.name);
    }
  }
  // A file that is also a parent folder of another entry.
  for (const it of items) {
    for (let i = 1; i < it.segments.length; i++) {
      const parent = collisionKey(it.segments.slice(0, i));
      const f = files.get(parent);
      if (f !== undefined) throw dup(f, it.name);
    }
  }
}

/** A name safe to print in a message (control characters escaped, length capped). */
export function printable(name: string): string {
  const s = name.replace(/[\u0000-\u001f\u007f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
