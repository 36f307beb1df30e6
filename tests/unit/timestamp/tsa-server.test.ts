/**
 * src/timestamp/tsa.ts, server.ts, client.ts, serial-state.ts: what the TSA answers (grants and
 * each rejection), the HTTP layer's statuses, serial numbers unique under 2 000 requests
 * (200 in flight) and across restarts, the folder lock, and the client's TSA_UNAVAILABLE.
 */
import { parseEssCertIds, signedAttributesDer, signingTimeOf, singleAttribute } from '../../../src/crypto/cms/signed-data.js';
import { decodeOid, stringContents } from '../../../src/crypto/asn1/ber.js';
import { createHash, createVerify, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../../src/timestamp/client.js';
import { SERIAL_STATE_FILE, openSerialState, type SerialState } from '../../../src/timestamp/serial-state.js';
import { startTsaServer, type TsaServer } from '../../../src/timestamp/server.js';
import { DEMO_TSA_POLICY, createTimeStampAuthority, type TimeStampAuthority } from '../../../src/timestamp/tsa.js';
import { buildTimeStampReq, parseTimeStampResp, parseTimeStampToken } from '../../../src/timestamp/tsp.js';
import { createDemoPki } from '../../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate } from '../../../src/crypto/identity.js';
import { isScelleError } from '../../../src/errors.js';
import { algorithmIdentifier, objectIdentifier, octetString, sequence, smallInteger, tlv } from '../../../src/crypto/asn1/der.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { createTsaFixture, type TsaFixture } from '../../helpers/tsa-fixture.js';

const sha256 = (s: string | Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());

async function post(url: string, body: Uint8Array | string, type = 'application/timestamp-query', method = 'POST'): Promise<{ status: number; body: Uint8Array; type: string | null }> {
  const res = await fetch(url, { method, headers: { 'Content-Type': type }, ...(method === 'POST' ? { body } : {}) });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

describe('TSA and its HTTP server', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: TsaFixture;
  let state: SerialState;
  let tsa: TimeStampAuthority;
  let server: TsaServer;
  const FIXED = new Date('2026-03-12T09:30:00.250Z');

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-tsa-'));
    fx = await createTsaFixture(dir);
    state = await openSerialState(join(dir, 'state'), { block: 100 });
    tsa = createTimeStampAuthority({ signer: fx.entry, chain: fx.chain, state, clock: () => FIXED, allowedPolicies: [DEMO_TSA_POLICY, '1.2.250.1.999.1'], accuracy: { seconds: 1, millis: 500 } });
    server = await startTsaServer({ tsa, port: 0, maxRequestBytes: 1024 });
  });
  afterAll(async () => {
    await server?.close();
    await state?.close();
    cleanup?.();
  });

  it('grants a token whose signature, message-digest, ESSCertIDv2 and fields are right', async () => {
    const nonce = Uint8Array.of(0x9f, 1, 2, 3, 4, 5, 6, 7, 8);
    const reply = await tsa.respond(buildTimeStampReq({ hash: 'sha256', imprint: sha256('lettre'), nonce, certReq: true, policy: '1.2.250.1.999.1' }));
    const r = parseTimeStampResp(reply);
    expect(r.status).toBe(0);
    expect(r.failInfo).toEqual([]);
    const t = parseTimeStampToken(r.token!);
    expect(t.version).toBe(3);
    expect(t.tstInfo.policy).toBe('1.2.250.1.999.1');
    expect(t.tstInfo.genTime.toISOString()).toBe(FIXED.toISOString());
    expect(t.tstInfo.genTimeText).toBe('20260312093000.25Z');
    expect(t.tstInfo.accuracy).toEqual({ seconds: 1, millis: 500 });
    expect(Buffer.from(t.tstInfo.nonce!)).toEqual(Buffer.from(nonce));
    expect(t.tstInfo.tsaName).toBe(fx.entry.certificate.subject);
    expect(t.tstInfo.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(t.certificates.map((c) => Buffer.from(c).toString('base64'))).toEqual([fx.entry.certificate.der, ...fx.chain.map((c) => c.der)].map((c) => Buffer.from(c).toString('base64')));
    const si = t.signerInfos[0]!;
    expect(t.signerInfos).toHaveLength(1);
    const attr = (oid: string) => singleAttribute(si.signedAttributes, oid, oid).value!;
    expect(decodeOid(attr('1.2.840.113549.1.9.3'), 'content-type')).toBe('1.2.840.113549.1.9.16.1.4');
    expect(Buffer.from(stringContents(attr('1.2.840.113549.1.9.4'), 'message-digest'))).toEqual(Buffer.from(sha256(t.tstInfo.der)));
    expect(signingTimeOf(si)?.toISOString()).toBe('2026-03-12T09:30:00.000Z');
    const ess = parseEssCertIds(attr('1.2.840.113549.1.9.16.2.47'), 2);
    expect(Buffer.from(ess[0]!.certHash)).toEqual(Buffer.from(sha256(fx.entry.certificate.der)));
    expect(ess[0]!.issuerSerial?.serialHex).toBe(fx.entry.certificate.serialNumberHex);
    const ok = createVerify('sha256').update(signedAttributesDer(si)!).verify(fx.entry.certificate.publicKey, Buffer.from(si.signature));
    expect(ok).toBe(true);
  });

  it('omits the nonce when the request has none', async () => {
    const r = parseTimeStampResp(await tsa.respond(buildTimeStampReq({ hash: 'sha512', imprint: new Uint8Array(64), certReq: false })));
    expect(r.tstInfo!.nonce).toBeUndefined();
    expect(r.tstInfo!.hash).toBe('sha512');
    expect(r.tstInfo!.policy).toBe(DEMO_TSA_POLICY);
  });

  const SHA256 = '2.16.840.1.101.3.4.2.1';
  const req = (...fields: Uint8Array[]): Uint8Array => sequence(smallInteger(1), ...fields);
  const imprintOf = (oid: string, len: number): Uint8Array => sequence(algorithmIdentifier(oid), octetString(new Uint8Array(len)));
  const CERT_REQ = Uint8Array.of(0x01, 0x01, 0xff);

  it.each([
    { name: 'SHA-1 imprint → badAlg', body: () => req(imprintOf('1.3.14.3.2.26', 20), CERT_REQ), failInfo: 'badAlg' },
    { name: 'MD5 imprint → badAlg', body: () => req(imprintOf('1.2.840.113549.2.5', 16)), failInfo: 'badAlg' },
    { name: 'a policy not offered → unacceptedPolicy', body: () => buildTimeStampReq({ hash: 'sha256', imprint: new Uint8Array(32), certReq: true, policy: '1.2.3.4' }), failInfo: 'unacceptedPolicy' },
    { name: 'garbage → badDataFormat', body: () => Uint8Array.from(Buffer.from('GET / HTTP/1.0\r\n\r\n')), failInfo: 'badDataFormat' },
    { name: 'empty body → badDataFormat', body: () => new Uint8Array(0), failInfo: 'badDataFormat' },
    { name: 'a 31-byte SHA-256 imprint → badRequest', body: () => req(imprintOf(SHA256, 31)), failInfo: 'badRequest' },
    { name: 'version 2 → badRequest', body: () => sequence(smallInteger(2), imprintOf(SHA256, 32)), failInfo: 'badRequest' },
    { name: 'a request extension → unacceptedExtension', body: () => req(imprintOf(SHA256, 32), tlv(0xa0, sequence(objectIdentifier('1.2.3.4'), octetString(Uint8Array.of(5, 0))))), failInfo: 'unacceptedExtension' },
  ])('HTTP 200 with a rejection: $name', async ({ body, failInfo }) => {
    const r = await post(server.url, body());
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/timestamp-reply');
    const resp = parseTimeStampResp(r.body);
    expect(resp.status).toBe(2);
    expect(resp.failInfo).toEqual([failInfo]);
    expect(resp.token).toBeUndefined();
    expect(resp.statusStrings.length).toBe(1);
  });

  it('HTTP: 405 for GET, 415 for another content type, 413 for a body over the cap (not read)', async () => {
    expect((await post(server.url, '', 'application/timestamp-query', 'GET')).status).toBe(405);
    expect((await post(server.url, buildTimeStampReq({ hash: 'sha256', imprint: new Uint8Array(32), certReq: false }), 'application/octet-stream')).status).toBe(415);
    // Declared too large: answered before any body byte is sent.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query', 'Content-Length': String(100 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    // Chunked without a length: cut off once over the cap.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(randomBytes(4096));
    });
    expect(chunked).toBe(413);
    // The server still answers afterwards.
    expect((await post(server.url, buildTimeStampReq({ hash: 'sha256', imprint: new Uint8Array(32), certReq: false }))).status).toBe(200);
  });

  it('2 000 requests, 200 at a time, from our client get 2 000 distinct serials, each nonce echoed', async () => {
    // 200 in flight keeps the server's serial reservation under real concurrency; 2 000 sockets
    // opened at once would only measure how fast a loaded machine accepts connections (undici's
    // 10 s connect timeout).
    const results: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 200 }, async () => {
      for (let i = next++; i < 2000; i = next++) {
        const r = await requestTimestamp({ url: server.url, hash: 'sha256', imprint: sha256(String(i)), certReq: false, timeoutMs: 120_000 });
        expect(r.response.status).toBe(0);
        expect(Buffer.from(r.response.tstInfo!.nonce!)).toEqual(Buffer.from(r.request.nonce!).subarray(r.request.nonce![0] === 0 ? 1 : 0));
        results.push(r.response.tstInfo!.serialNumber);
      }
    }));
    expect(results).toHaveLength(2000);
    expect(new Set(results).size).toBe(2000);
    // Every serial of this state folder starts with its folder id.
    expect(results.every((s) => s.startsWith(state.folderId.replace(/^(00)+/, '')))).toBe(true);
  });

  it('client: TSA_UNAVAILABLE on HTTP errors, a dead port and a timeout; a rejection is returned, not thrown', async () => {
    const code = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e) => (isScelleError(e) ? e.code : String(e)));
    const imprint = new Uint8Array(32);
    expect(await code(requestTimestamp({ url: 'http://127.0.0.1:1/', hash: 'sha256', imprint }))).toBe('TSA_UNAVAILABLE');
    const notFound = await startTsaServerLike(404);
    expect(await code(requestTimestamp({ url: notFound.url, hash: 'sha256', imprint }))).toBe('TSA_UNAVAILABLE');
    await notFound.close();
    const silent = await startTsaServerLike(0);
    expect(await code(requestTimestamp({ url: silent.url, hash: 'sha256', imprint, timeoutMs: 300 }))).toBe('TSA_UNAVAILABLE');
    await silent.close();
    const rejected = await requestTimestamp({ url: server.url, hash: 'sha256', imprint, policy: '1.2.3' });
    expect(rejected.response.status).toBe(2);
    expect(rejected.response.failInfo).toEqual(['unacceptedPolicy']);
  });

  it('refuses a certificate without the critical id-kp-timeStamping EKU', async () => {
    const pki = await createDemoPki();
    const id = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password);
    const e = (() => {
      try {
        createTimeStampAuthority({ signer: selectCertificate(id, 'sign').entry, state });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(isScelleError(e) && e.code).toBe('TSA_EKU_MISSING');
  });
});

/** A server that answers every request with `status` (0: never answers). */
async function startTsaServerLike(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const s = createServer((req, res) => {
    req.resume();
    if (status === 0) return;
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end('no');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

describe('serial state', () => {
  it('never reissues across restarts, persists the reservation before issuing, and locks the folder', async () => {
    const { dir, cleanup } = makeTempDir('scelle-serial-');
    try {
      const clock = () => new Date(1000); // floor 1 000 000
      const s1 = await openSerialState(dir, { block: 10, clock });
      const file = join(dir, SERIAL_STATE_FILE);
      expect(JSON.parse(readFileSync(file, 'utf8')).reserved).toBe('1000010');
      const first: string[] = [];
      for (let i = 0; i < 25; i++) first.push(Buffer.from(await s1.next()).toString('hex'));
      expect(BigInt(JSON.parse(readFileSync(file, 'utf8')).reserved)).toBeGreaterThanOrEqual(1000025n);
      const e = await openSerialState(dir).then(() => undefined, (err) => err);
      expect(isScelleError(e) && e.code).toBe('LOCKED');
      await s1.close();
      const s2 = await openSerialState(dir, { block: 10, clock });
      const next = Buffer.from(await s2.next()).toString('hex');
      expect(first).not.toContain(next);
      expect(next.slice(0, 16)).toBe(s1.folderId);
      expect(BigInt(`0x${next.slice(16)}`)).toBeGreaterThan(BigInt(`0x${first[24]!.slice(16)}`));
      await s2.close();
      // A damaged state file is never silently replaced.
      writeFileSync(file, '{"format":"scelle-tsa-serial","version":1,"folderId":"zz","reserved":"1"}');
      const d = await openSerialState(dir).then(() => undefined, (err) => err);
      expect(isScelleError(d) && d.code).toBe('IO_ERROR');
      // A lost state file: the clock floor keeps the counter above what was issued before.
      writeFileSync(file, JSON.stringify({ format: 'scelle-tsa-serial', version: 1, folderId: s1.folderId, reserved: '0' }));
      const s3 = await openSerialState(dir, { block: 10, clock: () => new Date(Date.now()) });
      expect(BigInt(`0x${Buffer.from(await s3.next()).toString('hex').slice(16)}`)).toBeGreaterThan(1000025n);
      await s3.close();
    } finally {
      cleanup();
    }
  });
});
