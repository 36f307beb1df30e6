/**
 * Destination locations (CLI.md, "Backups"): `NAME=URL;option=value;…`. What every kind shares —
 * the name, the `;` options, the flags of the 3-2-1 rule, refusing secrets — is parsed here; the
 * URL itself is parsed by its kind (local.ts, usb.ts, sftp-config.ts, s3-config.ts), as restic's
 * backends each parse their own location (restic internal/backend/location).
 *
 * Options shared by every kind: `media=disk|removable|network|cloud`, `offsite=true|false`
 * (kept away from the practice; default true for s3 only), `offline=true|false` (disconnected
 * from the network between backups; default true for usb only). Secrets are refused in URLs and
 * options: keys and passwords live in files or the environment.
 */
import { ScelleError } from '../../errors.js';
import { flagOption } from './common.js';
import type { DestinationScheme, MediaKind } from './destination.js';
import { fileKind, type LocalConfig } from './local.js';
import { usbKind } from './usb.js';
import { sftpKind, type SftpConfig } from './sftp-config.js';
import { s3Kind, type S3Config } from './s3-config.js';

/** What a kind's parser returns: its canonical URL, its folder or prefix, its own settings. */
export interface KindLocation<C> {
  /** Canonical URL, without credentials. */
  url: string;
  /** file/usb: the folder. sftp: the remote folder. s3: the key prefix. */
  path: string;
  config: C;
}

/** One kind of destination: its scheme, medium, options and URL parser. */
export interface DestinationKind<C> {
  scheme: DestinationScheme;
  media: MediaKind;
  /** Options this kind accepts besides the common ones. */
  options: readonly string[];
  /** Off-site by default (s3). */
  offsite: boolean;
  /** @throws the error `invalid(why)` returns, for a malformed URL or option. */
  parse(url: URL, options: Readonly<Record<string, string>>, invalid: (why: string) => ScelleError): KindLocation<C>;
}

/** Settings of a parsed destination, by kind. */
export type DestinationConfig =
  | { scheme: 'file'; config: LocalConfig }
  | { scheme: 'usb'; config: LocalConfig }
  | { scheme: 'sftp'; config: SftpConfig }
  | { scheme: 's3'; config: S3Config };

/** A parsed `NAME=URL;options` destination. Never holds a secret. */
export type ParsedDestination = DestinationConfig & {
  /** Config name (`usb1`, `nas`, `hds`); the scheme when the spec had no `NAME=`. */
  name: string;
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
};

const KINDS: Record<DestinationScheme, DestinationKind<unknown>> = { file: fileKind, usb: usbKind, sftp: sftpKind, s3: s3Kind };
const COMMON_OPTIONS = ['media', 'offsite', 'offline'];
const SECRET_OPTIONS = /^(password|pass|passphrase|secret|secret_access_key|aws_secret_access_key|session_token|token|key_passphrase)$/;

function invalidSpec(spec: string, why: string): ScelleError {
  // The spec is shown with any userinfo password masked.
  const shown = spec.replace(/(\/\/[^/@:;]*):[^@/;]*@/, '$1:***@');
  return new ScelleError('CONFIG_INVALID', `invalid backup destination ${JSON.stringify(shown)}: ${why}`, {
    params: { target: shown, detail: why },
    hint: 'destinations are NAME=URL: file:///path, usb:///mount/path, sftp://user@host:port/path, s3://bucket/prefix?endpoint=URL&region=R; options follow with ";", e.g. ;offsite=true',
  });
}

/** Splits `[NAME=]URL[;k=v…]` into its name, URL text and options. */
function splitSpec(spec: string, invalid: (why: string) => ScelleError): { name?: string; urlText: string; options: Record<string, string> } {
  const trimmed = spec.trim();
  let name: string | undefined;
  let rest = trimmed;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw invalid('expected NAME=URL');
    name = trimmed.slice(0, eq);
    rest = trimmed.slice(eq + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw invalid(`the name ${JSON.stringify(name)} may only hold letters, digits, ".", "_" and "-"`);
  }
  const [urlText = '', ...optionParts] = rest.split(';');
  const options: Record<string, string> = {};
  for (const part of optionParts) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(`option ${JSON.stringify(part)} is not name=value`);
    options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return { ...(name !== undefined ? { name } : {}), urlText, options };
}

/**
 * Parses a destination: `[NAME=]URL[;option=value…]`.
 * @throws ScelleError `CONFIG_INVALID` for an unknown scheme or option, a missing part, or a
 *   secret in the URL.
 */
export function parseDestinationUrl(spec: string): ParsedDestination {
  const invalid = (why: string): ScelleError => invalidSpec(spec, why);
  try {
    const { name, urlText, options } = splitSpec(spec, invalid);
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw invalid('the URL cannot be parsed');
    }
    const scheme = url.protocol.slice(0, -1).toLowerCase() as DestinationScheme;
    const kind = KINDS[scheme];
    if (kind === undefined) throw invalid(`unknown scheme ${scheme}: (file, usb, sftp or s3)`);
    if (url.password !== '') throw invalid('a password does not go in the URL (use key= for sftp, the environment or credentials= for s3)');
    for (const [k, v] of url.searchParams) {
      if (scheme !== 's3') throw invalid('only s3 URLs take ?query options; use ;name=value');
      options[k.toLowerCase()] = v;
    }
    for (const k of Object.keys(options)) {
      if (SECRET_OPTIONS.test(k)) throw invalid(`${k}= is a secret: it never goes in the destination (use a file or the environment)`);
      if (!COMMON_OPTIONS.includes(k) && !kind.options.includes(k)) throw invalid(`unknown option ${k}= for ${scheme}`);
    }
    const media = (options.media ?? kind.media) as MediaKind;
    if (!['disk', 'removable', 'network', 'cloud'].includes(media)) throw invalid('media= must be disk, removable, network or cloud');
    const loc = kind.parse(url, options, invalid);
    return {
      name: name ?? scheme,
      scheme,
      url: loc.url,
      path: loc.path,
      config: loc.config,
      options,
      media,
      offsite: flagOption(options.offsite, kind.offsite, () => invalid('offsite= must be true or false')),
      offline: flagOption(options.offline, media === 'removable', () => invalid('offline= must be true or false')),
    } as ParsedDestination;
  } catch (e) {
    // decodeURIComponent on a stray `%` (e.g. `%ed`) throws a URIError: a malformed URL all the same.
    if (e instanceof URIError) throw invalid('a % in the URL is not followed by two hexadecimal digits');
    throw e;
  }
}

/**
 * The spec of a parsed destination as it would be typed: `NAME=URL;options` (credential-free:
 * options never hold a secret). Used by the recovery kit ("the exact command to type").
 */
export function formatDestinationSpec(d: ParsedDestination, extra: Readonly<Record<string, string>> = {}): string {
  const query = d.scheme === 's3' ? new Set(['endpoint', 'region']) : new Set<string>();
  const opts = { ...d.options, ...extra };
  const parts = Object.entries(opts).filter(([k]) => !query.has(k)).map(([k, v]) => `;${k}=${v}`);
  return `${d.name}=${d.url}${parts.join('')}`;
}
