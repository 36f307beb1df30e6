/**
 * `s3://bucket/prefix?endpoint=URL&region=R` — a bucket of an S3-compatible object store (an
 * HDS-certified host, Ceph RGW, MinIO, AWS). Requests are signed with AWS Signature Version 4
 * by `aws4fetch` (small, no dependencies; loaded with `import()` on first use so the CLI starts
 * fast) and sent with Node's `fetch`. API: PutObject, GetObject, HeadObject, DeleteObject,
 * ListObjectsV2, and for immutable copies ListObjectVersions, Get/PutObjectRetention,
 * GetObjectLockConfiguration.
 *
 * Atomicity: S3 publishes an object only once its upload is complete, so `put` is atomic.
 * `putIfAbsent` sends `If-None-Match: *` (conditional writes: AWS since 2024-08, Ceph RGW, MinIO,
 * R2): 412 means the key exists. A server that answers 501 is remembered and gets HEAD-then-PUT
 * (best effort, documented). In a versioned bucket (Object Lock) RGW does not honour the header,
 * so the HEAD comes first there too; the repository lock keeps writers apart.
 *
 * Immutable copies (`lock=compliance,days=N`): every object except lock files is written with
 * `x-amz-object-lock-mode: COMPLIANCE` and a retain-until date N days ahead, which nobody can
 * shorten; overwriting or deleting only adds a version or a delete marker, and {@link Retention}
 * reads the older versions back. The credentials need no delete right.
 *
 * Credentials never appear in a message; a refused key or signature is AUTH_FAILED.
 */
import { ScelleError } from '../../errors.js';
import { authFailed, checkKey, checkPrefix, destinationError, destinationOffline, errorText, objectMissing, objectTooLarge } from './common.js';
import { DEFAULT_MAX_OBJECT, type Destination, type DestinationInfo, type GetOptions, type ObjectInfo, type ProbeResult, type Retention } from './destination.js';
import type { S3Config, S3Credentials } from './s3-config.js';
import { errorCode, objectLockEnabled, parseListPage, parseRetention, parseVersionsPage, retentionXml } from './s3-xml.js';

export { parseListPage } from './s3-xml.js';
export type { S3Credentials } from './s3-config.js';

/** Where and how to reach the bucket. */
export interface S3DestinationOptions extends S3Config {
  credentials: S3Credentials;
  /** Retries of 429/500/502/503/504 answers (exponential backoff); default 3. */
  retries?: number;
  /** The clock (retain-until dates). */
  now?: () => Date;
}

/** Answers worth another try (throttling, a busy or restarting server). */
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
/** XML answers (lists, errors) are read up to this size. */
const MAX_XML = 16 * 1024 * 1024;
const AUTH_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'InvalidSecurity']);

type Signer = { fetch(input: string, init?: RequestInit): Promise<Response> };

const NETWORK = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']);

/** Reads a body, refusing it beyond `max` bytes (by its length, or while it streams). */
async function readBounded(res: Response, max: number, tooLarge: (size: number) => Error): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  if (Number.isFinite(declared)) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = res.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(n);
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** base64 SHA-256 (x-amz-checksum-sha256: the integrity header S3 asks for with Object Lock). */
async function checksum(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', bytes)).toString('base64');
}

/** The S3 destination. */
export class S3Destination implements Destination {
  readonly info: DestinationInfo;
  readonly retention?: Retention;
  private readonly options: S3DestinationOptions;
  private signer: Promise<Signer> | undefined;
  private conditional: boolean;
  private readonly inflight = new Set<AbortController>();
  private closed = false;
  private readonly base: string;
  private readonly now: () => Date;

  constructor(info: DestinationInfo, options: S3DestinationOptions) {
    this.info = info;
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.conditional = options.conditional !== 'off';
    const region = options.region ?? 'us-east-1';
    const endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
    const pathStyle = options.pathStyle ?? isLoopbackOrIp(endpoint.hostname);
    const basePath = endpoint.pathname.replace(/\/+$/, '');
    this.base = pathStyle ? `${endpoint.origin}${basePath}/${encodeURIComponent(options.bucket)}` : `${endpoint.protocol}//${options.bucket}.${endpoint.host}${basePath}`;
    if (options.lock !== undefined) this.retention = new S3Retention(this, options.lock.days);
  }

  private getSigner(): Promise<Signer> {
    if (this.signer === undefined) {
      const o = this.options;
      this.signer = import('aws4fetch').then(({ AwsClient }) => new AwsClient({
        accessKeyId: o.credentials.accessKeyId,
        secretAccessKey: o.credentials.secretAccessKey,
        ...(o.credentials.sessionToken !== undefined ? { sessionToken: o.credentials.sessionToken } : {}),
        service: 's3',
        region: o.region ?? 'us-east-1',
        retries: 0,
      }));
    }
    return this.signer;
  }

  private fullKey(key: string): string {
    return this.options.prefix === '' ? key : `${this.options.prefix}/${key}`;
  }

  /** The URL of `key`, with an optional query (`retention`, `versionId=…`). */
  objectUrl(key: string, query = ''): string {
    return `${this.base}/${this.fullKey(key).split('/').map(encodeURIComponent).join('/')}${query === '' ? '' : `?${query}`}`;
  }

  /** One signed request; network failures become TARGET_OFFLINE. */
  async request(what: string, url: string, init: RequestInit = {}): Promise<Response> {
    if (this.closed) throw destinationError(this.info, what, 'the destination was closed');
    const signer = await this.getSigner();
    const abort = new AbortController();
    this.inflight.add(abort);
    const timeout = this.options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => abort.abort(new Error('request timed out')), timeout);
    try {
      // Retries here rather than in aws4fetch, which also retries 501 Not Implemented.
      const retries = this.options.retries ?? 3;
      for (let attempt = 0; ; attempt++) {
        const res = await signer.fetch(url, { ...init, signal: abort.signal });
        if (attempt >= retries || !RETRY_STATUS.has(res.status)) return res;
        await res.arrayBuffer().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** attempt));
      }
    } catch (e) {
      if (this.closed) throw destinationError(this.info, what, 'interrupted: the destination was closed', e);
      const cause = (e as { cause?: { code?: string } }).cause;
      const code = cause?.code ?? (e as { code?: string }).code;
      if (abort.signal.aborted) throw destinationOffline(this.info, `no answer within ${timeout / 1000} s`, e);
      if (code !== undefined && NETWORK.has(code)) throw destinationOffline(this.info, `${code} (${new URL(url).host})`, e);
      throw destinationOffline(this.info, errorText(cause ?? e), e);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(abort);
    }
  }

  /** The text of an XML answer (bounded). */
  async text(res: Response, what: string): Promise<string> {
    const bytes = await readBounded(res, MAX_XML, (n) => destinationError(this.info, what, `the server sent an answer of ${n} bytes`));
    return Buffer.from(bytes).toString('utf8');
  }

  /** An S3 error answer: AUTH_FAILED for refused credentials, else TARGET_ERROR with the S3 code. */
  async answerError(what: string, res: Response): Promise<ScelleError> {
    const text = await this.text(res, what).catch(() => '');
    const code = errorCode(text) ?? `HTTP ${res.status}`;
    if (AUTH_CODES.has(code)) return authFailed(this.info, `${code} (HTTP ${res.status}): the access key or the secret key is wrong`);
    let detail = `${code} (HTTP ${res.status})`;
    if (res.status === 403) detail += ': access denied — check the bucket policy and the rights of these credentials';
    if (code === 'NoSuchBucket') detail = `bucket ${this.options.bucket} does not exist (HTTP 404)`;
    return destinationError(this.info, what, detail, undefined);
  }

  async probe(): Promise<ProbeResult> {
    let res: Response;
    try {
      res = await this.request('probe', `${this.base}?list-type=2&max-keys=1&prefix=${encodeURIComponent(this.options.prefix)}`);
    } catch (e) {
      if (e instanceof ScelleError && e.code === 'TARGET_OFFLINE') return { online: false, reason: String(e.params.detail ?? e.message) };
      throw e;
    }
    if (!res.ok) throw await this.answerError('probe', res);
    await res.arrayBuffer();
    return { online: true };
  }

  /**
   * Checks that the bucket exists and, for an immutable destination, that it has Object Lock
   * (a bucket gets it only when created; scelle does not create buckets: the host does).
   * @throws ScelleError TARGET_ERROR naming what is missing.
   */
  async create(): Promise<void> {
    if (!(await this.probe()).online) throw destinationOffline(this.info, 'the server does not answer');
    if (this.options.lock === undefined) return;
    const res = await this.request('read the bucket\'s Object Lock configuration', `${this.base}?object-lock`);
    const text = res.ok ? await this.text(res, 'read the Object Lock configuration') : (await res.arrayBuffer(), '');
    if (!res.ok || !objectLockEnabled(text)) {
      throw destinationError(this.info, 'lock objects', `bucket ${this.options.bucket} does not have S3 Object Lock enabled (HTTP ${res.status}): lock=compliance needs a bucket created with Object Lock`);
    }
  }

  /** Object Lock headers for a new object (lock files are never locked: they are released). */
  private async lockHeaders(key: string, data: Uint8Array): Promise<Record<string, string>> {
    const lock = this.options.lock;
    if (lock === undefined || key.startsWith('locks/')) return {};
    const until = new Date(this.now().getTime() + lock.days * 86_400_000);
    return { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': until.toISOString(), 'x-amz-checksum-sha256': await checksum(data) };
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(this.info, key);
    const headers = { 'content-type': 'application/octet-stream', ...(await this.lockHeaders(key, data)) };
    const res = await this.request(`write ${key}`, this.objectUrl(key), { method: 'PUT', body: data, headers });
    if (!res.ok) throw await this.answerError(`write ${key}`, res);
    await res.arrayBuffer();
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    checkKey(this.info, key);
    const lock = await this.lockHeaders(key, data);
    for (let attempt = 0; attempt < 3; attempt++) {
      // HEAD first where If-None-Match may be ignored (versioned buckets, servers without it)
      if ((!this.conditional || this.options.lock !== undefined) && (await this.stat(key)) !== undefined) return false;
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...lock };
      if (this.conditional) headers['if-none-match'] = '*';
      const res = await this.request(`write ${key}`, this.objectUrl(key), { method: 'PUT', body: data, headers });
      await (res.ok || res.status === 412 || res.status === 409 || res.status === 501 ? res.arrayBuffer() : Promise.resolve());
      if (res.ok) return true;
      if (res.status === 412) return false;
      // 409 ConditionalRequestConflict: another conditional write is in flight; look again.
      if (res.status === 409) continue;
      if (res.status === 501 && this.conditional && this.options.conditional === 'auto') {
        this.conditional = false;
        continue;
      }
      throw await this.answerError(`write ${key}`, res);
    }
    throw destinationError(this.info, `write ${key}`, 'conditional write kept conflicting');
  }

  /** GETs `url`; OBJECT_MISSING for a missing key (not for a missing bucket). */
  async getUrl(key: string, url: string, options: GetOptions): Promise<Uint8Array> {
    const res = await this.request(`read ${key}`, url);
    if (res.status === 404) {
      const err = await this.answerError(`read ${key}`, res);
      if (/^bucket .* does not exist/.test(String(err.params.detail))) throw err;
      throw objectMissing(this.info, key);
    }
    if (!res.ok) throw await this.answerError(`read ${key}`, res);
    const max = options.maxBytes ?? DEFAULT_MAX_OBJECT;
    try {
      return await readBounded(res, max, (n) => objectTooLarge(this.info, key, n, max));
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw destinationOffline(this.info, `the connection was lost while reading ${key} (${errorText(e)})`, e);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array> {
    checkKey(this.info, key);
    return this.getUrl(key, this.objectUrl(key), options);
  }

  /** HEAD of `key` (or one version): its headers, or undefined when absent. */
  async head(key: string, query = ''): Promise<Headers | undefined> {
    const res = await this.request(`read ${key}`, this.objectUrl(key, query), { method: 'HEAD' });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 404) return undefined;
    if (res.status === 403) throw await this.answerError(`read ${key}`, res);
    if (!res.ok) throw destinationError(this.info, `read ${key}`, `HTTP ${res.status}`);
    return res.headers;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    checkKey(this.info, key);
    const h = await this.head(key);
    if (h === undefined) return undefined;
    const size = Number(h.get('content-length') ?? Number.NaN);
    if (!Number.isSafeInteger(size) || size < 0) throw destinationError(this.info, `read ${key}`, 'the server sent no object size');
    return { size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(this.info, prefix);
    const full = this.fullKey(prefix);
    const strip = this.options.prefix === '' ? 0 : this.options.prefix.length + 1;
    let token: string | undefined;
    do {
      let url = `${this.base}?list-type=2&prefix=${encodeURIComponent(full)}`;
      if (token !== undefined) url += `&continuation-token=${encodeURIComponent(token)}`;
      const res = await this.request(`list ${prefix || '/'}`, url);
      if (!res.ok) throw await this.answerError(`list ${prefix || '/'}`, res);
      const page = parseListPage(await this.text(res, `list ${prefix || '/'}`));
      for (const o of page.objects) {
        if (o.key.length > strip) yield { key: o.key.slice(strip), size: o.size };
      }
      token = page.truncated ? page.next : undefined;
      if (page.truncated && token === undefined) throw destinationError(this.info, `list ${prefix || '/'}`, 'the server said the list is truncated but gave no continuation token');
    } while (token !== undefined);
  }

  /** The versions of `key` (newest first), delete markers included. */
  async listVersions(key: string): Promise<{ id: string; size: number | undefined; latest: boolean }[]> {
    const full = this.fullKey(key);
    const out: { id: string; size: number | undefined; latest: boolean }[] = [];
    let marker = '';
    for (;;) {
      const res = await this.request(`list the versions of ${key}`, `${this.base}?versions&prefix=${encodeURIComponent(full)}${marker}`);
      if (!res.ok) throw await this.answerError(`list the versions of ${key}`, res);
      const page = parseVersionsPage(await this.text(res, `list the versions of ${key}`));
      for (const e of page.entries) if (e.key === full) out.push({ id: e.id, size: e.size, latest: e.latest });
      if (!page.truncated || page.nextKey === undefined) return out;
      marker = `&key-marker=${encodeURIComponent(page.nextKey)}${page.nextVersion !== undefined ? `&version-id-marker=${encodeURIComponent(page.nextVersion)}` : ''}`;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(this.info, key);
    const res = await this.request(`delete ${key}`, this.objectUrl(key), { method: 'DELETE' });
    if (res.ok || res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return;
    }
    throw await this.answerError(`delete ${key}`, res);
  }

  /** An upload is published whole or not at all: S3 leaves no temp object. */
  async removeTemp(): Promise<number> {
    return 0;
  }

  /** Aborts requests in flight (an interrupted upload publishes nothing) and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.inflight) a.abort(new Error('destination closed'));
    this.inflight.clear();
  }
}

/** S3 Object Lock (COMPLIANCE) of an immutable S3 destination. */
class S3Retention implements Retention {
  readonly mode = 'compliance' as const;
  constructor(private readonly d: S3Destination, readonly days: number) {}

  async lockedUntil(key: string): Promise<Date | undefined> {
    checkKey(this.d.info, key);
    const h = await this.d.head(key);
    const v = h?.get('x-amz-object-lock-retain-until-date');
    const t = v === null || v === undefined ? Number.NaN : Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t);
    if (h === undefined) return undefined;
    // some servers answer the retention only through GetObjectRetention
    const res = await this.d.request(`read the lock of ${key}`, this.d.objectUrl(key, 'retention'));
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    return parseRetention(await this.d.text(res, `read the lock of ${key}`));
  }

  async extend(key: string, until: Date): Promise<void> {
    checkKey(this.d.info, key);
    const body = retentionXml(until);
    const res = await this.d.request(`extend the lock of ${key}`, this.d.objectUrl(key, 'retention'), {
      method: 'PUT', body, headers: { 'content-type': 'application/xml', 'x-amz-checksum-sha256': await checksum(body) },
    });
    if (!res.ok) throw await this.d.answerError(`extend the lock of ${key}`, res);
    await res.arrayBuffer();
  }

  async versions(key: string): Promise<{ id: string; size: number; latest: boolean }[]> {
    checkKey(this.d.info, key);
    return (await this.d.listVersions(key)).filter((v): v is { id: string; size: number; latest: boolean } => v.size !== undefined);
  }

  async getVersion(key: string, id: string, options: GetOptions = {}): Promise<Uint8Array> {
    checkKey(this.d.info, key);
    return this.d.getUrl(key, this.d.objectUrl(key, `versionId=${encodeURIComponent(id)}`), options);
  }
}

/** True for `localhost`, `*.localhost` and IP literals: they cannot serve virtual-hosted buckets. */
function isLoopbackOrIp(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}
