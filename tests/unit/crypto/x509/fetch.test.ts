import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScelleError } from '../../../../src/errors.js';
import { createHttpFetcher } from '../../../../src/crypto/x509/fetch.js';

describe('createHttpFetcher (127.0.0.1 only)', () => {
  let server: http.Server;
  let base = '';
  const seen: { method?: string; type?: string; body: number }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], body: Buffer.concat(chunks).length });
        if (req.url === '/small') {
          res.writeHead(200, { 'content-type': 'application/pkix-crl' });
          res.end(Buffer.from([1, 2, 3]));
        } else if (req.url === '/big') {
          res.writeHead(200);
          res.end(Buffer.alloc(64 * 1024));
        } else if (req.url === '/redirect') {
          res.writeHead(302, { location: '/small' });
          res.end();
        } else if (req.url === '/loop') {
          res.writeHead(302, { location: '/loop' });
          res.end();
        } else if (req.url === '/slow') {
          // never answers
        } else {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
    try {
      await p;
    } catch (e) {
      return isScelleError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    return undefined;
  };

  it('returns status, body and content type; posts the body with its headers', async () => {
    const f = createHttpFetcher();
    expect(await f(`${base}/small`)).toEqual({ status: 200, body: new Uint8Array([1, 2, 3]), contentType: 'application/pkix-crl' });
    const r = await f(`${base}/nothing`, { method: 'POST', body: new Uint8Array(10), headers: { 'content-type': 'application/ocsp-request' } });
    expect(r.status).toBe(404);
    expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/ocsp-request', body: 10 });
  });

  it('follows a few GET redirects, not endless ones', async () => {
    const f = createHttpFetcher({ maxRedirects: 2 });
    expect((await f(`${base}/redirect`)).body).toEqual(new Uint8Array([1, 2, 3]));
    expect(await codeOf(f(`${base}/loop`))).toMatch(/^NETWORK_ERROR: too many redirects/);
  });

  it('caps the response size', async () => {
    const f = createHttpFetcher({ maxBytes: 1024 });
    expect(await codeOf(f(`${base}/big`))).toMatch(/^NETWORK_ERROR: response from .* exceeds 1024 bytes/);
  });

  it('times out', async () => {
    const f = createHttpFetcher();
    expect(await codeOf(f(`${base}/slow`, { timeoutMs: 200 }))).toMatch(/^NETWORK_ERROR: no answer from .* within 200 ms/);
  });

  it('refuses other schemes and unreachable hosts with NETWORK_ERROR', async () => {
    const f = createHttpFetcher();
    expect(await codeOf(f('ldap://127.0.0.1/cn=x'))).toMatch(/^NETWORK_ERROR: unsupported URL scheme/);
    expect(await codeOf(f('not a url'))).toMatch(/^NETWORK_ERROR: invalid URL/);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await codeOf(f(`http://127.0.0.1:${port}/`))).toMatch(/^NETWORK_ERROR: fetching .* failed/);
  });
});
