/**
 * Backup destinations by URL (CLI.md, "Backups"): `NAME=URL;option=value;…`.
 *
 *   file:///path                          a folder on a disk                    media disk
 *   usb:///mount/path                     a prepared removable drive             media removable
 *   sftp://user@host:port/path            a folder on an SSH server (key auth)   media network
 *   s3://bucket/prefix?endpoint=URL&region=R   an S3-compatible bucket           media cloud
 *
 * Options shared by every scheme: `media=disk|removable|network|cloud`, `offsite=true|false`
 * (kept away from the practice; default true for s3 only), `offline=true|false` (disconnected
 * from the network between backups; default true for usb only).
 * sftp: `key=FILE`, `key_passphrase_file=FILE`, `known_hosts=FILE`, `host_key=SHA256:…`
 * (several separated by `,`), `timeout=SECONDS`.
 * s3: `endpoint=URL`, `region=R`, `path_style=true|false`, `credentials=FILE`, `profile=NAME`,
 * `conditional=auto|on|off`, `timeout=SECONDS` (query parameters of the URL are options too).
 * Secrets are refused in URLs and options: keys and passwords live in files or the environment.
 */
import { readFile } from 'node:fs/promises';
import { ScelleError } from '../../errors.js';
import { destinationError } from './common.js';
import { LocalDestination } from './local.js';
import { RemovableDestination } from './usb.js';
import type { MediaKind, Destination, DestinationInfo, DestinationScheme } from './destination.js';

/** A parsed `NAME=URL;options` target specification. Never holds a secret. */
export interface ParsedDestination {
  /** Config name (`usb1`, `nas`, `hds`); the scheme when the spec had no `NAME=`. */
  name: string;
  scheme: DestinationScheme;
  /** Canonical URL, without options other than s3's endpoint and region. */
  url: string;
  /** Every option (from `;k=v` and, for s3, the URL query), names lower-cased. */
  options: Readonly<Record<string, string>>;
  media: MediaKind;
  /** Kept away from the practice (the "1 off-site" of 3-2-1). */
  offsite: boolean;
  /** Disconnected from the network between backups (the "1 offline"). */
  offline: boolean;
  /** file/usb: the folder. sftp: the remote folder. s3: the key prefix. */
  path: string;
  /** sftp: the server. */
  host?: string;
  /** sftp: the port (default 22). */
  port?: number;
  /** sftp: the login. */
  user?: string;
  /** s3: the bucket. */
  bucket?: string;
}

/** What {@link openDestination} may need from the caller (src/ never reads `process`). */
export interface OpenDestinationContext {
  /** Environment variables: `HOME` (default known_hosts), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** sftp: asked when the server wants a password. */
  password?: () => Promise<string>;
  /** The clock (removable drives record `lastWrite`). */
  now?: () => Date;
}

const MEDIA: Record<DestinationScheme, MediaKind> = { file: 'disk', usb: 'removable', sftp: 'network', s3: 'cloud' };
const COMMON_OPTIONS = ['media', 'offsite', 'offline'];
const SCHEME_OPTIONS: Record<DestinationScheme, string[]> = {
  file: [],
  usb: [],
  sftp: ['key', 'key_passphrase_file', 'known_hosts', 'host_key', 'timeout'],
  s3: ['endpoint', 'region', 'path_style', 'credentials', 'profile', 'conditional', 'timeout'],
};
const SECRET_OPTIONS = /^(password|pass|passphrase|secret|secret_access_key|aws_secret_access_key|session_token|token|key_passphrase)$/;

function invalid(spec: string, why: string): ScelleError {
  // The spec is shown with any userinfo password masked.
  const shown = spec.replace(/(\/\/[^/@:;]*):[^@/;]*@/, '$1:***@');
  return new ScelleError('CONFIG_INVALID', `invalid backup destination ${JSON.stringify(shown)}: ${why}`, {
    params: { target: shown, detail: why },
    hint: 'destinations are NAME=URL: file:///path, usb:///mount/path, sftp://user@host:port/path, s3://bucket/prefix?endpoint=URL&region=R; options follow with ";", e.g. ;offsite=true',
  });
}

function flag(spec: string, name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw invalid(spec, `${name}= must be true or false`);
}

/**
 * Parses a destination: `[NAME=]URL[;option=value…]`.
 * @throws ScelleError `CONFIG_INVALID` for an unknown scheme or option, a missing part, or a
 *   secret in the URL.
 */
export function parseDestinationUrl(spec: string): ParsedDestination {
  try {
    return parseDestinationUrlStrict(spec);
  } catch (e) {
    // decodeURIComponent on a stray `%` (e.g. `%ed`) throws a URIError: a malformed URL all the same.
    if (e instanceof URIError) throw invalid(spec, 'a % in the URL is not followed by two hexadecimal digits');
    throw e;
  }
}

function parseDestinationUrlStrict(spec: string): ParsedDestination {
  const trimmed = spec.trim();
  let name: string | undefined;
  let rest = trimmed;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw invalid(spec, 'expected NAME=URL');
    name = trimmed.slice(0, eq);
    rest = trimmed.slice(eq + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw invalid(spec, `the name ${JSON.stringify(name)} may only hold letters, digits, ".", "_" and "-"`);
  }
  const [urlText = '', ...optionParts] = rest.split(';');
  const options: Record<string, string> = {};
  for (const part of optionParts) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(spec, `option ${JSON.stringify(part)} is not name=value`);
    options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw invalid(spec, 'the URL cannot be parsed');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'file' && scheme !== 'usb' && scheme !== 'sftp' && scheme !== 's3') throw invalid(spec, `unknown scheme ${scheme}: (file, usb, sftp or s3)`);
  if (url.password !== '') throw invalid(spec, 'a password does not go in the URL (use key= for sftp, the environment or credentials= for s3)');
  for (const [k, v] of url.searchParams) {
    if (scheme !== 's3') throw invalid(spec, 'only s3 URLs take ?query options; use ;name=value');
    options[k.toLowerCase()] = v;
  }
  for (const k of Object.keys(options)) {
    if (SECRET_OPTIONS.test(k)) throw invalid(spec, `${k}= is a secret: it never goes in the destination (use a file or the environment)`);
    if (!COMMON_OPTIONS.includes(k) && !SCHEME_OPTIONS[scheme].includes(k)) throw invalid(spec, `unknown option ${k}= for ${scheme}`);
  }
  const media = (options.media ?? MEDIA[scheme]) as MediaKind;
  if (!['disk', 'removable', 'network', 'cloud'].includes(media)) throw invalid(spec, 'media= must be disk, removable, network or cloud');
  const base = {
    name: name ?? scheme,
    scheme: scheme as DestinationScheme,
    options,
    media,
    offsite: flag(spec, 'offsite', options.offsite, scheme === 's3'),
    offline: flag(spec, 'offline', options.offline, media === 'removable'),
  };

  if (scheme === 'file' || scheme === 'usb') {
    if (url.host !== '') throw invalid(spec, `${scheme}:// URLs name a local folder: ${scheme}:///path (three slashes)`);
    const path = decodeURIComponent(url.pathname).replace(/(.)\/+$/, '$1');
    if (path === '' || path === '/') throw invalid(spec, 'the folder is missing (or is the root folder)');
    return { ...base, url: `${scheme}://${path}`, path };
  }
  if (scheme === 'sftp') {
    if (url.hostname === '') throw invalid(spec, 'the server is missing: sftp://user@host:port/path');
    if (url.username === '') throw invalid(spec, 'the user is missing: sftp://user@host:port/path');
    const user = decodeURIComponent(url.username);
    const port = url.port === '' ? 22 : Number(url.port);
    let path = decodeURIComponent(url.pathname);
    // sftp://host/~/dir is relative to the login folder (curl's convention).
    if (path.startsWith('/~/')) path = path.slice(3);
    else if (path === '/~') path = '';
    path = path.replace(/(.)\/+$/, '$1');
    if (path === '' || path === '/') throw invalid(spec, 'the remote folder is missing: sftp://user@host:port/path');
    if (options.timeout !== undefined && !(Number(options.timeout) > 0)) throw invalid(spec, 'timeout= is a number of seconds');
    return { ...base, url: `sftp://${encodeURIComponent(user)}@${url.host}${path.startsWith('/') ? '' : '/~/'}${path}`, path, host: url.hostname, port, user };
  }
  // s3
  const bucket = url.hostname;
  if (bucket === '' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid(spec, 'the bucket name is missing or invalid: s3://bucket/prefix');
  if (url.username !== '') throw invalid(spec, 'credentials do not go in the URL (use the environment or credentials=FILE)');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (options.endpoint !== undefined) {
    let e: URL;
    try {
      e = new URL(options.endpoint);
    } catch {
      throw invalid(spec, 'endpoint= is not a URL');
    }
    if (e.protocol !== 'http:' && e.protocol !== 'https:') throw invalid(spec, 'endpoint= must be an http(s) URL');
    if (e.username !== '' || e.password !== '') throw invalid(spec, 'credentials do not go in the endpoint URL');
  }
  if (options.conditional !== undefined && !['auto', 'on', 'off'].includes(options.conditional)) throw invalid(spec, 'conditional= must be auto, on or off');
  if (options.timeout !== undefined && !(Number(options.timeout) > 0)) throw invalid(spec, 'timeout= is a number of seconds');
  flag(spec, 'path_style', options.path_style, false);
  const query = new URLSearchParams();
  if (options.endpoint !== undefined) query.set('endpoint', options.endpoint);
  if (options.region !== undefined) query.set('region', options.region);
  const q = query.toString();
  return { ...base, url: `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}${q === '' ? '' : `?${q}`}`, path: prefix, bucket };
}

/**
 * Opens a destination. Nothing is contacted yet: network targets connect on first use, and
 * `probe()` says whether the destination can be used now.
 * @throws ScelleError `CONFIG_INVALID` (see {@link parseDestinationUrl}), `TARGET_ERROR` when
 *   credentials are missing or a credentials file cannot be read.
 */
export async function openDestination(target: string | ParsedDestination, context: OpenDestinationContext = {}): Promise<Destination> {
  const t = typeof target === 'string' ? parseDestinationUrl(target) : target;
  const info: DestinationInfo = { name: t.name, scheme: t.scheme, url: t.url, media: t.media };
  const env = context.env ?? {};
  switch (t.scheme) {
    case 'file':
      return new LocalDestination(info, t.path);
    case 'usb':
      return new RemovableDestination(info, t.path, context.now === undefined ? {} : { now: context.now });
    case 'sftp': {
      const { SftpDestination } = await import('./sftp.js');
      const o = t.options;
      let passphrase: string | undefined;
      if (o.key_passphrase_file !== undefined) passphrase = (await readSecretFile(info, o.key_passphrase_file)).replace(/\r?\n$/, '');
      const pins = o.host_key === undefined ? [] : o.host_key.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const knownHosts = o.known_hosts ?? (pins.length === 0 && env.HOME !== undefined ? `${env.HOME}/.ssh/known_hosts` : undefined);
      return new SftpDestination(info, {
        host: t.host as string,
        port: t.port ?? 22,
        username: t.user as string,
        path: t.path,
        ...(o.key !== undefined ? { privateKeyPath: o.key } : {}),
        ...(passphrase !== undefined ? { privateKeyPassphrase: passphrase } : {}),
        ...(context.password !== undefined ? { password: context.password } : {}),
        hostKeyFingerprints: pins,
        ...(knownHosts !== undefined ? { knownHostsPath: knownHosts } : {}),
        ...(o.timeout !== undefined ? { timeoutMs: Number(o.timeout) * 1000 } : {}),
      });
    }
    case 's3': {
      const { S3Destination } = await import('./s3.js');
      const o = t.options;
      const credentials = await s3Credentials(info, o, env);
      return new S3Destination(info, {
        bucket: t.bucket as string,
        prefix: t.path,
        ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
        ...(o.region !== undefined ? { region: o.region } : {}),
        ...(o.path_style !== undefined ? { pathStyle: o.path_style === 'true' || o.path_style === 'yes' || o.path_style === '1' } : {}),
        ...(o.conditional !== undefined ? { conditionalWrites: o.conditional as 'auto' | 'on' | 'off' } : {}),
        ...(o.timeout !== undefined ? { timeoutMs: Number(o.timeout) * 1000 } : {}),
        credentials,
      });
    }
  }
}

async function readSecretFile(info: DestinationInfo, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw destinationError(info, 'read its credentials', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
}

/** Credentials: `credentials=FILE` (AWS ini, `profile=`), else the environment, else `~/.aws/credentials`. */
async function s3Credentials(info: DestinationInfo, o: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const profile = o.profile ?? env.AWS_PROFILE ?? 'default';
  let file = o.credentials;
  if (file === undefined && env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  file ??= env.AWS_SHARED_CREDENTIALS_FILE ?? (env.HOME !== undefined ? `${env.HOME}/.aws/credentials` : undefined);
  const none = destinationError(info, 'find credentials', 'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give credentials=FILE (AWS credentials file format)');
  if (file === undefined) throw none;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (o.credentials === undefined) throw none;
    throw destinationError(info, 'read its credentials', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
  const section = parseIni(text)[profile];
  const id = section?.aws_access_key_id;
  const secret = section?.aws_secret_access_key;
  if (id === undefined || secret === undefined) throw destinationError(info, 'read its credentials', `profile [${profile}] of ${file} has no aws_access_key_id / aws_secret_access_key`);
  return { accessKeyId: id, secretAccessKey: secret, ...(section?.aws_session_token ? { sessionToken: section.aws_session_token } : {}) };
}

function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = out[section[1] as string] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current !== undefined) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

export { LocalDestination, type LocalDestinationOptions } from './local.js';
export { RemovableDestination, initRemovable, readDriveLabel, DRIVE_LABEL_FILE, type DriveLabel, type InitRemovableOptions, type RemovableDestinationOptions } from './usb.js';
export type { SftpDestination, SftpDestinationOptions } from './sftp.js';
export type { S3Destination, S3DestinationOptions, S3Credentials } from './s3.js';
export type { Destination, DestinationInfo, DestinationScheme, MediaKind, ObjectInfo, ProbeResult } from './destination.js';
