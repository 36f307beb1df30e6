/**
 * What every backup destination shares: key validation, temp names that can never be mistaken
 * for a key, and the errors a destination raises (TARGET_OFFLINE, TARGET_ERROR, AUTH_FAILED,
 * OBJECT_MISSING, OBJECT_TOO_LARGE). Messages name the destination by its config name and
 * credential-free URL, never a secret.
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

/** A unique temp name for `name` (a file name or an object key): `name~tmp~<random>`. */
export function tempName(name: string): string {
  const bytes = new Uint8Array(12);
  // The Web Crypto global only picks unguessable temp names; a destination does no cryptography.
  globalThis.crypto.getRandomValues(bytes);
  return `${name}${TEMP_MARK}${Buffer.from(bytes).toString('hex')}`;
}

/** True for a temp name that {@link tempName} made: the leftover of an interrupted write. */
export function isTempName(name: string): boolean {
  const i = name.lastIndexOf(TEMP_MARK);
  return i > 0 && /^[0-9a-f]{16,}$/.test(name.slice(i + TEMP_MARK.length));
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

/** The destination refused the credentials (wrong key or secret, unknown user): exit 12. */
export function authFailed(info: DestinationInfo, detail: string, cause?: unknown): ScelleError {
  return new ScelleError('AUTH_FAILED', `destination "${info.name}" (${info.url}) refused the credentials: ${detail}`, {
    cause,
    params: { target: info.name, url: info.url, detail, user: `« ${info.name} » (${info.url})` },
    hint: 'check the access key and secret (S3) or the private key (SFTP) of this destination',
  });
}

/** An object larger than the reader's bound (a hostile or corrupted object): nothing was read. */
export function objectTooLarge(info: DestinationInfo, key: string, size: number, max: number): ScelleError {
  return new ScelleError('OBJECT_TOO_LARGE', `object ${key} on destination "${info.name}" has ${size} bytes, more than the ${max} this object may have: refused unread (corrupted or hostile)`, {
    params: { object: key, target: info.name, size, max },
  });
}

/** `key` does not exist on the destination. */
export function objectMissing(info: DestinationInfo, key: string, cause?: unknown): ScelleError {
  return new ScelleError('OBJECT_MISSING', `object ${key} is missing on destination "${info.name}" (${info.url})`, {
    cause,
    params: { object: key, target: info.name },
  });
}

/** A boolean option of a destination: true/yes/1 or false/no/0. */
export function flagOption(value: string | undefined, fallback: boolean, invalid: () => Error): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw invalid();
}
