/**
 * The requesting side of RFC 3161 §3.4: POST a DER TimeStampReq (`application/timestamp-query`)
 * and read the TimeStampResp (`application/timestamp-reply`).
 *
 * The client only transports and parses: a rejection comes back as a response with its status
 * and failInfo, and whether a granted token is acceptable (signature, TSA certificate, imprint,
 * nonce, policy) is decided by the validation engine (src/validation/timestamp.ts). The response bytes are returned
 * exactly as received, to be stored as `FILE.tsr`.
 */
import { randomBytes } from 'node:crypto';
import { ScelleError, isScelleError } from '../errors.js';
import { TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE, buildTimeStampReq, parseTimeStampResp, type TimeStampRequest, type TimeStampResponse, type TspHash } from './tsp.js';

/** The subset of `fetch` the client uses (a test or a proxy-aware caller may pass its own). */
export type Fetcher = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** Options of {@link requestTimestamp}. */
export interface RequestTimestampOptions {
  /** The TSA's URL (http or https). */
  url: string;
  /** Digest of `imprint`. */
  hash: TspHash;
  /** The digest of the data to timestamp (see `digestFile`). */
  imprint: Uint8Array;
  /** Nonce (unsigned big-endian). Default: 8 random bytes (64 bits, RFC 3161 §2.4.1 "large random number"). */
  nonce?: Uint8Array;
  /** Ask for the TSA certificate in the token. Default true. */
  certReq?: boolean;
  /** reqPolicy. */
  policy?: string;
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Largest response accepted. Default 1 MiB (a token with a chain is a few KB). */
  maxResponseBytes?: number;
  /** HTTP implementation. Default the global `fetch`. */
  fetcher?: Fetcher;
}

/** What {@link requestTimestamp} got. */
export interface TimestampResult {
  /** The parsed response; check `status` (0/1 granted) — a rejection is not thrown. */
  response: TimeStampResponse;
  /** The response DER exactly as received. */
  der: Uint8Array;
  /** The request that was sent (its nonce, to check against the token). */
  request: TimeStampRequest;
  /** The request DER that was sent (`openssl ts -verify -queryfile` takes it). */
  requestDer: Uint8Array;
}

/**
 * Asks a TSA for a timestamp.
 * @throws ScelleError `TSA_UNAVAILABLE` (network error, timeout, an HTTP status other than 200, a
 *   wrong Content-Type, an oversized response), `TIMESTAMP_INVALID` (the reply is not a
 *   TimeStampResp), `UNSUPPORTED_ALGORITHM` / `USAGE` (a bad hash or imprint).
 */
export async function requestTimestamp(options: RequestTimestampOptions): Promise<TimestampResult> {
  const request: TimeStampRequest = {
    hash: options.hash,
    imprint: options.imprint,
    nonce: options.nonce ?? new Uint8Array(randomBytes(8)),
    certReq: options.certReq ?? true,
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
  };
  const requestDer = buildTimeStampReq(request);
  const fetcher: Fetcher = options.fetcher ?? (globalThis.fetch as unknown as Fetcher);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const unavailable = (detail: string, cause?: unknown): ScelleError =>
    new ScelleError('TSA_UNAVAILABLE', `the TSA at ${options.url} did not answer: ${detail}`, { cause, params: { url: options.url, detail } });

  let der: Uint8Array;
  try {
    const res = await fetcher(options.url, {
      method: 'POST',
      headers: { 'Content-Type': TIMESTAMP_QUERY_TYPE, Accept: TIMESTAMP_REPLY_TYPE },
      body: requestDer,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.arrayBuffer().catch(() => undefined);
      throw unavailable(`HTTP status ${res.status}`);
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== TIMESTAMP_REPLY_TYPE) {
      await res.arrayBuffer().catch(() => undefined);
      throw unavailable(`Content-Type "${type}", not ${TIMESTAMP_REPLY_TYPE}`);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > maxBytes) throw unavailable(`a reply of ${length} bytes (at most ${maxBytes} accepted)`);
    der = new Uint8Array(await res.arrayBuffer());
    if (der.byteLength > maxBytes) throw unavailable(`a reply of ${der.byteLength} bytes (at most ${maxBytes} accepted)`);
  } catch (e) {
    if (isScelleError(e)) throw e;
    const name = (e as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') throw unavailable(`no reply within ${timeoutMs} ms`, e);
    const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
    throw unavailable(cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e), e);
  }
  let response: TimeStampResponse;
  try {
    response = parseTimeStampResp(der);
  } catch (e) {
    if (isScelleError(e, 'TIMESTAMP_INVALID')) throw e;
    throw new ScelleError('TIMESTAMP_INVALID', `the TSA at ${options.url} sent a reply that is not a valid TimeStampResp: ${(e as Error).message}`, { cause: e, params: { url: options.url } });
  }
  return { response, der, request, requestDer };
}
