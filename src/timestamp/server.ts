/**
 * The HTTP transport of RFC 3161 §3.4: a POST of a DER TimeStampReq with Content-Type
 * `application/timestamp-query`, answered by a DER TimeStampResp with Content-Type
 * `application/timestamp-reply`. A malformed request still gets a TimeStampResp (a rejection
 * with badDataFormat/badRequest, HTTP 200); only the HTTP layer's own errors use HTTP statuses:
 * 405 (not POST), 415 (another content type), 413 (a body over the cap — not read further).
 *
 * node:http keeps connections alive, so a client may send many requests over one connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScelleError } from '../errors.js';
import type { TimeStampAuthority } from './tsa.js';
import { TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE } from './tsp.js';


/** One request handled, for logs (the CLI writes them to stderr). */
export interface TsaRequestEvent {
  /** HTTP status sent. */
  httpStatus: number;
  /** Time spent, in milliseconds. */
  ms: number;
  /** Remote address. */
  remote: string;
  /** Size of the request body (bytes read). */
  bytes: number;
}

/** Options of {@link startTsaServer}. */
export interface TsaServerOptions {
  tsa: TimeStampAuthority;
  /** Listen address. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 3161. */
  port?: number;
  /** Largest request body accepted. Default 64 KiB (a TimeStampReq is about 100 bytes). */
  maxRequestBytes?: number;
  /** Idle keep-alive time before a connection is closed, ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Called after each request. */
  onRequest?: (event: TsaRequestEvent) => void;
  /** The clock for {@link TsaRequestEvent.ms}. Default `performance.now`. */
  now?: () => number;
}

/** A running TSA server. */
export interface TsaServer {
  /** Base URL, e.g. `http://127.0.0.1:3161/`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts the TSA's HTTP server.
 * @throws ScelleError `IO_ERROR` when the address cannot be bound (in use, not permitted).
 */
export async function startTsaServer(options: TsaServerOptions): Promise<TsaServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxRequestBytes ?? 64 * 1024;
  const now = options.now ?? (() => performance.now());
  const tsa = options.tsa;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = now();
    let bytes = 0;
    const finish = (status: number, body: Uint8Array | string, type: string, close = false): void => {
      const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength };
      if (status === 405) headers.Allow = 'POST';
      if (close) headers.Connection = 'close';
      res.writeHead(status, headers);
      res.end(body);
      options.onRequest?.({ httpStatus: status, ms: now() - started, remote: req.socket.remoteAddress ?? '', bytes });
    };
    const refuse = (status: number, text: string): void => {
      // The body was not (fully) read: close the connection rather than drain it.
      req.resume();
      finish(status, `${text}\n`, 'text/plain; charset=utf-8', true);
    };
    if (req.method !== 'POST') return refuse(405, 'only POST is accepted (RFC 3161 §3.4)');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== TIMESTAMP_QUERY_TYPE) return refuse(415, `expected Content-Type: ${TIMESTAMP_QUERY_TYPE}`);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      req.socket.pause();
      finish(413, `a timestamp request is at most ${maxBytes} bytes\n`, 'text/plain; charset=utf-8', true);
      return;
    }
    const chunks: Buffer[] = [];
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        over = true;
        req.pause();
        req.socket.pause();
        finish(413, `a timestamp request is at most ${maxBytes} bytes\n`, 'text/plain; charset=utf-8', true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const body = Buffer.concat(chunks);
      tsa.respond(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)).then(
        (reply) => finish(200, reply, TIMESTAMP_REPLY_TYPE),
        () => finish(500, 'internal error\n', 'text/plain; charset=utf-8', true),
      );
    });
    req.on('error', () => res.destroy());
  };

  const server = createServer({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new ScelleError('IO_ERROR', `cannot listen on ${host}:${options.port ?? 3161}: ${e.message}`, { cause: e, params: { detail: e.code ?? '' } })),
    );
    server.listen(options.port ?? 3161, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
