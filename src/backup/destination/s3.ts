/**
 * `s3://bucket/prefix?endpoint=URL&region=R` — a bucket of an S3-compatible object store (an
 * HDS-certified host, MinIO, Ceph RGW, AWS). Requests are signed with AWS Signature Version 4
 * by `aws4fetch` (small, no dependencies; loaded with `import()` on first use so the CLI starts
 * fast) and sent with Node's `fetch`. API: PutObject, GetObject, HeadObject, DeleteObject,
 * ListObjectsV2 (paginated by continuation token).
 *
 * Atomicity: S3 publishes an object only once its upload is complete, so `put` is atomic.
 * `putIfAbsent` sends `If-None-Match: *` (conditional writes: AWS since 2024-08, MinIO, R2,
 * recent Ceph): 412 means the key exists. It HEADs first, so a server that ignores the header is
 * still right unless two writers race within one round trip (best effort, documented); a server
 * that answers 501 NotImplemented is remembered and gets HEAD-then-PUT only.
 *
 * Credentials come from the options or the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) or an AWS credentials file; never from the URL,
 * and never in a message.
 */
import { ScelleError } from '../../errors.js';
import { checkKey, checkPrefix, errorText, objectMissing, destinationError, destinationOffline } from './common.js';
import type { ObjectInfo, ProbeResult, Destination, DestinationInfo } from './destination.js';

/** Static S3 credentials. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where and how to reach the bucket. */
export interface S3DestinationOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` (may be empty). */
  prefix: string;
  /** Service endpoint, e.g. `https://s3.fr-par.scw.cloud`; default AWS for the region. */
  endpoint?: string;
  /** Signing region; default `us-east-1`. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true for IP or localhost endpoints. */
  pathStyle?: boolean;
  credentials: S3Credentials;
  /** `If-None-Match: *` on putIfAbsent: `auto` (default) sends it and learns from a 501. */
  conditionalWrites?: 'auto' | 'on' | 'off';
  /** Timeout of one request in milliseconds; default 60 000. */
  timeoutMs?: number;
  /** Retries of 429/500/502/503/504 answers (exponential backoff); default 3. */
  retries?: number;
}

/** Answers worth another try (throttling, a busy or restarting server). */
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

type Signer = { fetch(input: string, init?: RequestInit): Promise<Response> };

const NETWORK = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']);

/** The S3 destination. */
export class S3Destination implements Destination {
  readonly info: DestinationInfo;
  private readonly options: S3DestinationOptions;
  private signer: Promise<Signer> | undefined;
  private conditional: boolean;
  private readonly inflight = new Set<AbortController>();
  private closed = false;
  private readonly base: string;

  constructor(info: DestinationInfo, options: S3DestinationOptions) {
    this.info = info;
    this.options = options;
    this.conditional = (options.conditionalWrites ?? 'auto') !== 'off';
    const region = options.region ?? 'us-east-1';
    const endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
    const pathStyle = options.pathStyle ?? isLoopbackOrIp(endpoint.hostname);
    const origin = endpoint.origin;
    const basePath = endpoint.pathname.replace(/\/+$/, '');
    this.base = pathStyle ? `${origin}${basePath}/${encodeURIComponent(options.bucket)}` : `${endpoint.protocol}//${options.bucket}.${endpoint.host}${basePath}`;
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

  private objectKey(key: string): string {
    return this.options.prefix === '' ? key : `${this.options.prefix}/${key}`;
  }

  private objectUrl(key: string): string {
    return `${this.base}/${this.objectKey(key).split('/').map(encodeURIComponent).join('/')}`;
  }

  /** One signed request; network failures become TARGET_OFFLINE. */
  private async request(what: string, url: string, init: RequestInit = {}): Promise<Response> {
    if (this.closed) throw destinationError(this.info, what, 'the destination was closed');
    const signer = await this.getSigner();
    const abort = new AbortController();
    this.inflight.add(abort);
    const timer = setTimeout(() => abort.abort(new Error('request timed out')), this.options.timeoutMs ?? 60_000);
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
      if (abort.signal.aborted) throw destinationOffline(this.info, `no answer within ${(this.options.timeoutMs ?? 60_000) / 1000} s`, e);
      if (code !== undefined && NETWORK.has(code)) throw destinationOffline(this.info, `${code} (${new URL(url).host})`, e);
      throw destinationOffline(this.info, errorText(cause ?? e), e);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(abort);
    }
  }

  /** An S3 error answer as TARGET_ERROR, with the S3 error code (never the signature details). */
  private async answerError(what: string, res: Response): Promise<ScelleError> {
    const text = await res.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.status}`;
    let detail = `${code} (HTTP ${res.status})`;
    if (res.status === 403) detail += ': access denied — check the access key and secret key, and the bucket policy';
    if (code === 'NoSuchBucket') detail = `bucket ${this.options.bucket} does not exist (HTTP 404)`;
    return destinationError(this.info, what, detail);
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

  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(this.info, key);
    const res = await this.request(`write ${key}`, this.objectUrl(key), { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    if (!res.ok) throw await this.answerError(`write ${key}`, res);
    await res.arrayBuffer();
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    checkKey(this.info, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.stat(key)) !== undefined) return false;
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (this.conditional) headers['if-none-match'] = '*';
      const res = await this.request(`write ${key}`, this.objectUrl(key), { method: 'PUT', body: data, headers });
      if (res.ok) {
        await res.arrayBuffer();
        return true;
      }
      if (res.status === 412) {
        await res.arrayBuffer();
        return false;
      }
      // 409 ConditionalRequestConflict: another conditional write is in flight; look again.
      if (res.status === 409) {
        await res.arrayBuffer();
        continue;
      }
      if (res.status === 501 && this.conditional && (this.options.conditionalWrites ?? 'auto') === 'auto') {
        await res.arrayBuffer();
        this.conditional = false;
        continue;
      }
      throw await this.answerError(`write ${key}`, res);
    }
    throw destinationError(this.info, `write ${key}`, 'conditional write kept conflicting');
  }

  async get(key: string): Promise<Uint8Array> {
    checkKey(this.info, key);
    const res = await this.request(`read ${key}`, this.objectUrl(key));
    if (res.status === 404) {
      const err = await this.answerError(`read ${key}`, res);
      if (/^bucket .* does not exist/.test(String(err.params.detail))) throw err;
      throw objectMissing(this.info, key);
    }
    if (!res.ok) throw await this.answerError(`read ${key}`, res);
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw destinationOffline(this.info, `the connection was lost while reading ${key} (${errorText(e)})`, e);
    }
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    checkKey(this.info, key);
    const res = await this.request(`read ${key}`, this.objectUrl(key), { method: 'HEAD' });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 404) return undefined;
    if (!res.ok) throw await this.answerError(`read ${key}`, res);
    const size = Number(res.headers.get('content-length') ?? Number.NaN);
    if (!Number.isSafeInteger(size) || size < 0) throw destinationError(this.info, `read ${key}`, 'the server sent no object size');
    return { size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(this.info, prefix);
    const full = this.options.prefix === '' ? prefix : `${this.options.prefix}/${prefix}`;
    const strip = this.options.prefix === '' ? 0 : this.options.prefix.length + 1;
    let token: string | undefined;
    do {
      let url = `${this.base}?list-type=2&prefix=${encodeURIComponent(full)}`;
      if (token !== undefined) url += `&continuation-token=${encodeURIComponent(token)}`;
      const res = await this.request(`list ${prefix || '/'}`, url);
      if (!res.ok) throw await this.answerError(`list ${prefix || '/'}`, res);
      const page = parseListPage(await res.text());
      for (const o of page.objects) {
        if (o.key.length > strip) yield { key: o.key.slice(strip), size: o.size };
      }
      token = page.truncated ? page.next : undefined;
      if (page.truncated && token === undefined) throw destinationError(this.info, `list ${prefix || '/'}`, 'the server said the list is truncated but gave no continuation token');
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    checkKey(this.info, key);
    const res = await this.request(`delete ${key}`, this.objectUrl(key), { method: 'DELETE' });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok || res.status === 404) return;
    throw await this.answerError(`delete ${key}`, res);
  }

  /** Aborts requests in flight (an interrupted upload publishes nothing) and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.inflight) a.abort(new Error('destination closed'));
    this.inflight.clear();
  }
}

/** True for `localhost`, `*.localhost` and IP literals: they cannot serve virtual-hosted buckets. */
function isLoopbackOrIp(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return XML_ENTITIES[e] ?? m;
  });
}

/**
 * Parses a ListObjectsV2 result (ListBucketResult: Contents/Key/Size, IsTruncated,
 * NextContinuationToken). The elements used are flat text, so a tag scan is exact here.
 */
export function parseListPage(xml: string): { objects: ObjectInfo[]; truncated: boolean; next: string | undefined } {
  const objects: ObjectInfo[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const body = m[1] ?? '';
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1];
    const size = /<Size>(\d+)<\/Size>/.exec(body)?.[1];
    if (key === undefined || size === undefined) continue;
    objects.push({ key: xmlText(key), size: Number(size) });
  }
  const truncated = /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml);
  const nextRaw = /<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1];
  return { objects, truncated, next: nextRaw === undefined ? undefined : xmlText(nextRaw) };
}
