/**
 * Backup destinations by URL (CLI.md, "Backups"): `NAME=URL;option=value;…`.
 *
 *   file:///path                               a folder on a disk                    media disk
 *   usb:///mount/path                          a prepared removable drive            media removable
 *   sftp://user@host:port/path                 a folder on an SSH server (key auth)  media network
 *   s3://bucket/prefix?endpoint=URL&region=R   an S3-compatible bucket               media cloud
 *
 * location.ts parses the part every kind shares; each kind parses its own URL and options
 * (local.ts, usb.ts, sftp-config.ts, s3-config.ts). This module opens a parsed destination.
 */
import { readFile } from 'node:fs/promises';
import { destinationError } from './common.js';
import type { Destination, DestinationInfo } from './destination.js';
import { LocalDestination } from './local.js';
import { parseDestinationUrl, type ParsedDestination } from './location.js';
import { s3Credentials } from './s3-config.js';
import { RemovableDestination } from './usb.js';

/** What {@link openDestination} may need from the caller (src/ never reads `process`). */
export interface OpenDestinationContext {
  /** Environment variables: `HOME` (default known_hosts), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** sftp: asked when the server wants a password. */
  password?: () => Promise<string>;
  /** The clock (removable drives record `lastWrite`; S3 locks count their days from it). */
  now?: () => Date;
}

async function readSecretFile(info: DestinationInfo, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw destinationError(info, 'read its credentials', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
}

/**
 * Opens a destination. Nothing is contacted yet: network destinations connect on first use, and
 * `probe()` says whether the destination can be used now.
 * @throws ScelleError `CONFIG_INVALID` (see {@link parseDestinationUrl}), `TARGET_ERROR` when
 *   credentials are missing or a credentials file cannot be read.
 */
export async function openDestination(destination: string | ParsedDestination, context: OpenDestinationContext = {}): Promise<Destination> {
  const d = typeof destination === 'string' ? parseDestinationUrl(destination) : destination;
  const info: DestinationInfo = { name: d.name, scheme: d.scheme, url: d.url, media: d.media };
  const env = context.env ?? {};
  switch (d.scheme) {
    case 'file':
      return new LocalDestination(info, d.config.path);
    case 'usb':
      return new RemovableDestination(info, d.config.path, context.now === undefined ? {} : { now: context.now });
    case 'sftp': {
      const { SftpDestination } = await import('./sftp.js');
      const c = d.config;
      const passphrase = c.keyPassphraseFile === undefined ? undefined : (await readSecretFile(info, c.keyPassphraseFile)).replace(/\r?\n$/, '');
      const knownHosts = c.knownHosts ?? (c.hostKeys.length === 0 && env.HOME !== undefined ? `${env.HOME}/.ssh/known_hosts` : undefined);
      return new SftpDestination(info, {
        host: c.host, port: c.port, username: c.user, path: c.path, hostKeyFingerprints: c.hostKeys,
        ...(c.key !== undefined ? { privateKeyPath: c.key } : {}),
        ...(passphrase !== undefined ? { privateKeyPassphrase: passphrase } : {}),
        ...(context.password !== undefined ? { password: context.password } : {}),
        ...(knownHosts !== undefined ? { knownHostsPath: knownHosts } : {}),
        ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
      });
    }
    case 's3': {
      const { S3Destination } = await import('./s3.js');
      const credentials = await s3Credentials(info, d.config, env);
      return new S3Destination(info, { ...d.config, credentials, ...(context.now !== undefined ? { now: context.now } : {}) });
    }
  }
}

export { parseDestinationUrl, formatDestinationSpec, type ParsedDestination, type DestinationConfig } from './location.js';
export { LocalDestination, type LocalDestinationOptions, type LocalConfig } from './local.js';
export { RemovableDestination, initRemovable, readDriveLabel, DRIVE_LABEL_FILE, type DriveLabel, type InitRemovableOptions, type RemovableDestinationOptions } from './usb.js';
export type { SftpConfig } from './sftp-config.js';
export type { S3Config, S3Credentials } from './s3-config.js';
export type { SftpDestination, SftpDestinationOptions } from './sftp.js';
export type { S3Destination, S3DestinationOptions } from './s3.js';
export type { Destination, DestinationInfo, DestinationScheme, MediaKind, ObjectInfo, ProbeResult, GetOptions, Retention } from './destination.js';
export { DEFAULT_MAX_OBJECT } from './destination.js';
