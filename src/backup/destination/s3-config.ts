/**
 * The location of an S3 destination: `s3://bucket/prefix?endpoint=URL&region=R` and its options
 * (query parameters of the URL are options too) — `endpoint=`, `region=`, `path_style=`,
 * `credentials=FILE`, `profile=NAME`, `conditional=auto|on|off`, `timeout=SECONDS`, and
 * `lock=compliance,days=N` (immutable copies: S3 Object Lock). Credentials come from a
 * credentials file or the environment, never from the URL. Kept apart from s3.ts so that parsing
 * a config never loads the HTTP signer.
 */
import { readFile } from 'node:fs/promises';
import { destinationError, flagOption } from './common.js';
import type { DestinationInfo } from './destination.js';
import type { DestinationKind } from './location.js';

/** Settings of an s3:// destination (never a secret). */
export interface S3Config {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` (may be empty). */
  prefix: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  /** AWS credentials file and profile. */
  credentialsFile?: string;
  profile?: string;
  conditional: 'auto' | 'on' | 'off';
  timeoutMs?: number;
  /** Immutable copies: every object under S3 Object Lock (COMPLIANCE) for `days` days. */
  lock?: { mode: 'compliance'; days: number };
}

/** Longest lock accepted: 30 years (the 20 years of a patient record, with room). */
const MAX_LOCK_DAYS = 10_950;

/** `s3://bucket/prefix?endpoint=URL&region=R`: a bucket of an S3-compatible object store. */
export const s3Kind: DestinationKind<S3Config> = {
  scheme: 's3',
  media: 'cloud',
  options: ['endpoint', 'region', 'path_style', 'credentials', 'profile', 'conditional', 'timeout', 'lock'],
  offsite: true,
  parse: (url, o, invalid) => {
    const bucket = url.hostname;
    if (bucket === '' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid('the bucket name is missing or invalid: s3://bucket/prefix');
    if (url.username !== '') throw invalid('credentials do not go in the URL (use the environment or credentials=FILE)');
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    if (o.endpoint !== undefined) {
      let e: URL;
      try {
        e = new URL(o.endpoint);
      } catch {
        throw invalid('endpoint= is not a URL');
      }
      if (e.protocol !== 'http:' && e.protocol !== 'https:') throw invalid('endpoint= must be an http(s) URL');
      if (e.username !== '' || e.password !== '') throw invalid('credentials do not go in the endpoint URL');
    }
    const conditional = (o.conditional ?? 'auto') as S3Config['conditional'];
    if (!['auto', 'on', 'off'].includes(conditional)) throw invalid('conditional= must be auto, on or off');
    if (o.timeout !== undefined && !(Number(o.timeout) > 0)) throw invalid('timeout= is a number of seconds');
    const pathStyle = o.path_style === undefined ? undefined : flagOption(o.path_style, false, () => invalid('path_style= must be true or false'));
    const lock = o.lock === undefined ? undefined : parseLock(o.lock, invalid);
    const query = new URLSearchParams();
    if (o.endpoint !== undefined) query.set('endpoint', o.endpoint);
    if (o.region !== undefined) query.set('region', o.region);
    const q = query.toString();
    return {
      url: `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}${q === '' ? '' : `?${q}`}`,
      path: prefix,
      config: {
        bucket, prefix, conditional,
        ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
        ...(o.region !== undefined ? { region: o.region } : {}),
        ...(pathStyle !== undefined ? { pathStyle } : {}),
        ...(o.credentials !== undefined ? { credentialsFile: o.credentials } : {}),
        ...(o.profile !== undefined ? { profile: o.profile } : {}),
        ...(o.timeout !== undefined ? { timeoutMs: Number(o.timeout) * 1000 } : {}),
        ...(lock !== undefined ? { lock } : {}),
      },
    };
  },
};

/** `lock=compliance,days=N`. */
function parseLock(value: string, invalid: (why: string) => Error): { mode: 'compliance'; days: number } {
  const parts = value.split(',').map((p) => p.trim().toLowerCase());
  const days = parts.find((p) => p.startsWith('days='))?.slice(5);
  const n = Number(days);
  if (parts[0] !== 'compliance' || parts.length !== 2 || !Number.isInteger(n) || n < 1 || n > MAX_LOCK_DAYS) {
    throw invalid(`lock= is compliance,days=N with N whole days from 1 to ${MAX_LOCK_DAYS} (S3 Object Lock, COMPLIANCE mode)`);
  }
  return { mode: 'compliance', days: n };
}

/** Static S3 credentials. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Credentials: `credentials=FILE` (AWS ini, `profile=`), else `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY` (/`AWS_SESSION_TOKEN`), else `AWS_SHARED_CREDENTIALS_FILE` or
 * `~/.aws/credentials`.
 * @throws ScelleError TARGET_ERROR when there are none or the file cannot be read.
 */
export async function s3Credentials(info: DestinationInfo, c: S3Config, env: Readonly<Record<string, string | undefined>>): Promise<S3Credentials> {
  const profile = c.profile ?? env.AWS_PROFILE ?? 'default';
  let file = c.credentialsFile;
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
    if (c.credentialsFile === undefined) throw none;
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
