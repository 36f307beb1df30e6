/**
 * The HTTP client used for revocation data: CRLs from distribution points (RFC 5280 §4.2.1.13,
 * fetched over HTTP as RFC 5280 §8 recommends for `http` URIs) and OCSP over HTTP POST (RFC 6960
 * Appendix A.1). Small, bounded and replaceable: callers pass their own {@link Fetcher} in tests or
 * behind a proxy.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { ScelleError } from '../../errors.js';

/** Request options a {@link Fetcher} understands. */
export interface FetchInit {
  method?: string;
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Whole-request timeout in milliseconds. */
  timeoutMs?: number;
}

/** A response: status, body bytes, and the Content-Type header when there is one. */
export interface FetchResponse {
  status: number;
  body: Uint8Array;
  contentType?: string;
}

/** Fetches a URL. Rejects on network failure; HTTP error statuses resolve normally. */
export type Fetcher = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** Limits of {@link createHttpFetcher}. */
export interface HttpFetcherOptions {
  /** Default timeout when the caller gives none (ms). Default 10 000. */
  timeoutMs?: number;
  /** Largest accepted response body (bytes). Default 10 MiB. */
  maxBytes?: number;
  /** Redirects followed for GET requests. Default 3. */
  maxRedirects?: number;
}

/**
 * Builds a {@link Fetcher} over node:http/node:https with a timeout and a response size cap.
 * Only `http:` and `https:` URLs are accepted.
 * Rejections are ScelleError NETWORK_ERROR (unreachable host, timeout, body too large, bad URL,
 * too many redirects).
 */
export function createHttpFetcher(options: HttpFetcherOptions = {}): Fetcher {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  const defaultTimeout = options.timeoutMs ?? 10_000;

  const once = (url: string, init: FetchInit, redirectsLeft: number): Promise<FetchResponse> =>
    new Promise<FetchResponse>((resolve, reject) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (e) {
        reject(new ScelleError('NETWORK_ERROR', `invalid URL ${JSON.stringify(url)}`, { cause: e }));
        return;
      }
      const client = parsed.protocol === 'http:' ? http : parsed.protocol === 'https:' ? https : undefined;
      if (client === undefined) {
        reject(new ScelleError('NETWORK_ERROR', `unsupported URL scheme in ${url} (only http and https are fetched)`));
        return;
      }
      const method = init.method ?? 'GET';
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.body !== undefined) headers['content-length'] = String(init.body.byteLength);
      const timeoutMs = init.timeoutMs ?? defaultTimeout;
      const req = client.request(parsed, { method, headers, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (method === 'GET' && status >= 300 && status < 400 && location !== undefined) {
          res.resume();
          if (redirectsLeft <= 0) {
            reject(new ScelleError('NETWORK_ERROR', `too many redirects fetching ${url}`));
            return;
          }
          once(new URL(location, parsed).toString(), init, redirectsLeft - 1).then(resolve, reject);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new ScelleError('NETWORK_ERROR', `response from ${url} exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const contentType = res.headers['content-type'];
          const body = new Uint8Array(Buffer.concat(chunks));
          resolve(contentType === undefined ? { status, body } : { status, body, contentType });
        });
        res.on('error', (e) => reject(new ScelleError('NETWORK_ERROR', `reading the response from ${url} failed: ${e.message}`, { cause: e })));
      });
      req.on('timeout', () => req.destroy(new ScelleError('NETWORK_ERROR', `no answer from ${url} within ${timeoutMs} ms`)));
      req.on('error', (e) =>
        reject(e instanceof ScelleError ? e : new ScelleError('NETWORK_ERROR', `fetching ${url} failed: ${e.message}`, { cause: e })),
      );
      req.end(init.body === undefined ? undefined : Buffer.from(init.body));
    });

  return (url, init = {}) => once(url, init, maxRedirects);
}
