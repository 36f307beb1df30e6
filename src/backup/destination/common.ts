/**
 * What every backup destination shares: key validation, temp names that can never be mistaken
 * for a key, and the three errors a target raises (TARGET_OFFLINE, TARGET_ERROR, OBJECT_MISSING).
 * Messages name the destination by its config name and credential-free URL, never a secret.
 */
import { ScelleError } from '../../errors.js';
import type { DestinationInfo } from './destination.js';

/** One key segment: `[a-z0-9._-]`, not `.` or `..` (see target.ts). */
const SEGMENT = /^[a-z0-9._-]+$/;

/** True when `key` is a valid object key (`data/3f/3f9a…`). */
export function isValidKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024) return false;
  return key.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

/**
 * Checks a key before it reaches a path or a URL: a key is never allowed to climb out of the
 * destination (`..`) or to name a temp file.
 * @throws ScelleError `TARGET_ERROR` for an invalid key (a bug of the caller).
 */
export function checkKey(info: DestinationInfo, key: string): void {
  if (!isValidKey(key)) {
    throw new ScelleError('TARGET_ERROR', `invalid object key ${JSON.stringify(key)} for destination "${info.name}": keys are "/"-separated [a-z0-9._-] segments`, {
      params: { target: info.name, object: key, detail: 'invalid key' },
    });
  }
}

/**
 * Checks a list prefix: empty, or a key prefix (`data/`, `data/3f`, `snapshots/2026`).
 * @throws ScelleError `TARGET_ERROR` for an invalid prefix.
 */
export function checkPrefix(info: DestinationInfo, prefix: string): void {
  if (prefix === '') return;
  const probe = prefix.endsWith('/') ? `${prefix}x` : prefix;
  if (!isValidKey(probe)) {
    throw new ScelleError('TARGET_ERROR', `invalid list prefix ${JSON.stringify(prefix)} for destination "${info.name}"`, {
      params: { target: info.name, object: prefix, detail: 'invalid prefix' },
    });
  }
}

/** Marks a temp object. `~` is outside the key alphabet, so a temp name is never a key. */
export const TEMP_MARK = '~tmp~';

let tempCounter = 0;

/** A unique temp name for `name` (a file name or an object key): `name~tmp~<random>`. */
export function tempName(name: string): string {
  const bytes = new Uint8Array(8);
  // The Web Crypto global only picks unguessable temp names; a target does no cryptography.
  globalThis.crypto.getRandomValues(bytes);
  tempCounter = (tempCounter + 1) % 0x10000;
  return `${name}${TEMP_MARK}${Buffer.from(bytes).toString('hex')}${tempCounter.toString(16)}`;
}

/** Text of an unknown error, for `detail` (system messages, never our secrets). */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

/** The destination is unreachable (drive absent, host down, connection refused): exit 10. */
export function destinationOffline(info: DestinationInfo, detail: string, cause?: unknown): ScelleError {
  return new ScelleError('TARGET_OFFLINE', `destination "${info.name}" (${info.url}) is not reachable: ${detail}`, {
    cause,
    params: { target: info.name, url: info.url, detail },
    hint: info.media === 'removable' ? 'plug in the backup drive, then run the command again' : 'check the network and the destination, then run the command again',
  });
}

/** The destination answered but refused or failed (permission, full disk, protocol error). */
export function destinationError(info: DestinationInfo, what: string, detail: string, cause?: unknown): ScelleError {
  return new ScelleError('TARGET_ERROR', `destination "${info.name}" (${info.url}): cannot ${what}: ${detail}`, {
    cause,
    params: { target: info.name, url: info.url, detail },
  });
}

/** `key` does not exist on the destination. */
export function objectMissing(info: DestinationInfo, key: string, cause?: unknown): ScelleError {
  return new ScelleError('OBJECT_MISSING', `object ${key} is missing on destination "${info.name}" (${info.url})`, {
    cause,
    params: { object: key, target: info.name },
  });
}
