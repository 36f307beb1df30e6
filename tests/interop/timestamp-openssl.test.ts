/**
 * Our TSA (src/timestamp/tsa.ts + server.ts, on 127.0.0.1:0) against OpenSSL: queries made by
 * `openssl ts -query`, POSTed with our client or fetch, and the replies checked by
 * `openssl ts -verify` both against the data and against the query file (nonce, imprint);
 * `openssl ts -reply -text` shows the policy, serial, nonce and accuracy we wrote. The other way
 * round, replies made by `openssl ts -reply` with the same key parse with our parser.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../src/timestamp/client.js';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';
import { startTsaServer, type TsaServer } from '../../src/timestamp/server.js';
import { DEMO_TSA_POLICY, createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import { parseTimeStampReq, parseTimeStampResp, parseTimeStampToken } from '../../src/timestamp/tsp.js';
import { parseEssCertIds, singleAttribute } from '../../src/crypto/cms/signed-data.js';
import { decodeOid } from '../../src/crypto/asn1/ber.js';
import { digestFile } from '../../src/io/digest-file.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';

describe.skipIf(!havePeers('openssl'))('RFC 3161 tokens of our TSA verified by openssl ts', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: TsaFixture;
  let state: SerialState;
  let server: TsaServer;
  let n = 0;

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-ts-openssl-'));
    fx = await createTsaFixture(dir);
    state = await openSerialState(join(dir, 'state'));
    const tsa = createTimeStampAuthority({ signer: fx.entry, chain: fx.chain, state });
    server = await startTsaServer({ tsa, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await state?.close();
    cleanup?.();
  });

  function dataFile(text?: string): string {
    const p = join(dir, `cr-${++n}.txt`);
    text ??= `Compte rendu opératoire n° ${n}\n`;
    writeFileSync(p, text);
    return p;
  }

  async function post(query: Uint8Array): Promise<Uint8Array> {
    const res = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query' }, body: query });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
    return new Uint8Array(await res.arrayBuffer());
  }

  function verify(args: string[]): { status: number; stdout: string; stderr: string } {
    return tryPeer('openssl', ['ts', '-verify', ...args, '-CAfile', fx.rootPem, '-untrusted', fx.caPem]);
  }

  it.each(['sha256', 'sha384', 'sha512'] as const)('openssl ts -query (%s, -cert) → our server → openssl ts -verify -data and -queryfile', async (hash) => {
    const data = dataFile();
    const tsq = join(dir, `q-${n}.tsq`);
    const tsr = join(dir, `r-${n}.tsr`);
    runPeer('openssl', ['ts', '-query', '-data', data, `-${hash}`, '-cert', '-out', tsq]);
    const query = new Uint8Array(readFileSync(tsq));
    const parsedQuery = parseTimeStampReq(query);
    expect(parsedQuery.hash).toBe(hash);
    expect(parsedQuery.certReq).toBe(true);
    expect(parsedQuery.nonce).toBeDefined();
    const reply = await post(query);
    writeFileSync(tsr, reply);

    const byData = verify(['-data', data, '-in', tsr]);
    expect(byData.stderr + byData.stdout).toMatch(/Verification: OK/);
    expect(byData.status).toBe(0);
    const byQuery = verify(['-queryfile', tsq, '-in', tsr]);
    expect(byQuery.stdout).toMatch(/Verification: OK/);
    expect(byQuery.status).toBe(0);

    // Another file's data must not verify (the check above could not pass for a wrong imprint).
    const other = dataFile('autre contenu\n');
    const wrong = verify(['-data', other, '-in', tsr]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/message imprint mismatch/i);

    const text = runPeer('openssl', ['ts', '-reply', '-in', tsr, '-text']);
    expect(text).toMatch(/Status: Granted\./);
    expect(text).toContain(`Policy OID: ${DEMO_TSA_POLICY}`);
    const nonceHex = Buffer.from(parsedQuery.nonce!).toString('hex').toUpperCase().replace(/^0+/, '');
    // openssl prints the nonce in whole bytes, so it may keep one leading zero nibble
    expect(text.replace(/\s/g, '')).toMatch(new RegExp(`Nonce:0x0*${nonceHex}TSA`));
    expect(text).toMatch(/Accuracy: 0x01 seconds, unspecified millis, unspecified micros/);
    const parsed = parseTimeStampResp(reply);
    const serialText = /Serial number: 0x([0-9A-F]+)/.exec(text)?.[1];
    expect(serialText?.toLowerCase()).toBe(parsed.tstInfo!.serialNumber);
    expect(text).toMatch(/TSA: DirName:.*CN ?= ?HORODATAGE/);
    expect(parsed.tstInfo!.policy).toBe(DEMO_TSA_POLICY);
    expect(Buffer.from(parsed.tstInfo!.imprint)).toEqual(createHash(hash).update(readFileSync(data)).digest());
  });

  it('our client (SHA-256 of a file) → openssl ts -verify with its query; without certReq the token carries no certificate', async () => {
    const data = dataFile();
    const got = await requestTimestamp({ url: server.url, hash: 'sha256', imprint: await digestFile(data, 'sha256') });
    expect(got.response.status).toBe(0);
    const tsq = join(dir, `c-${n}.tsq`);
    const tsr = join(dir, `c-${n}.tsr`);
    writeFileSync(tsq, got.requestDer);
    writeFileSync(tsr, got.der);
    expect(verify(['-queryfile', tsq, '-in', tsr]).stdout).toMatch(/Verification: OK/);
    expect(verify(['-data', data, '-in', tsr]).stdout).toMatch(/Verification: OK/);
    expect(parseTimeStampToken(got.response.token!).certificates).toHaveLength(3);

    const bare = await requestTimestamp({ url: server.url, hash: 'sha256', imprint: await digestFile(data, 'sha256'), certReq: false });
    expect(parseTimeStampToken(bare.response.token!).certificates).toHaveLength(0);
    const tsr2 = join(dir, `c-${n}-bare.tsr`);
    writeFileSync(tsr2, bare.der);
    // openssl needs the TSA certificate from outside now.
    const untrusted = join(dir, 'ca+tsa.pem');
    writeFileSync(untrusted, readFileSync(fx.caPem, 'utf8') + readFileSync(fx.certPem, 'utf8'));
    expect(verify(['-data', data, '-in', tsr2]).status).not.toBe(0);
    const r = tryPeer('openssl', ['ts', '-verify', '-data', data, '-in', tsr2, '-CAfile', fx.rootPem, '-untrusted', untrusted]);
    expect(r.stdout).toMatch(/Verification: OK/);
  });

  it('openssl ts -reply (same TSA key) makes replies our parser reads, with the same fields', () => {
    const data = dataFile();
    const cfg = join(dir, 'tsa.cnf');
    writeFileSync(cfg, [
      '[ tsa ]', 'default_tsa = tsa_config', '[ tsa_config ]', `serial = ${join(dir, 'tsaserial')}`, 'crypto_device = builtin', 'signer_digest = sha256',
      `default_policy = ${DEMO_TSA_POLICY}`, 'digests = sha256, sha384, sha512', 'accuracy = secs:1', 'ordering = no', 'tsa_name = yes',
      'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
    ].join('\n'));
    writeFileSync(join(dir, 'tsaserial'), '2A\n');
    const tsq = join(dir, `o-${n}.tsq`);
    const tsr = join(dir, `o-${n}.tsr`);
    runPeer('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', tsq]);
    runPeer('openssl', ['ts', '-reply', '-config', cfg, '-queryfile', tsq, '-inkey', fx.keyPem, '-signer', fx.certPem, '-chain', fx.caPem, '-out', tsr]);
    const parsed = parseTimeStampResp(new Uint8Array(readFileSync(tsr)));
    expect(parsed.status).toBe(0);
    expect(parsed.tstInfo!.serialNumber).toBe('2b'); // openssl increments the serial file before use
    expect(parsed.tstInfo!.accuracy).toEqual({ seconds: 1 });
    expect(Buffer.from(parsed.tstInfo!.nonce!)).toEqual(Buffer.from(parseTimeStampReq(new Uint8Array(readFileSync(tsq))).nonce!));
    const token = parseTimeStampToken(parsed.token!);
    expect(token.signerInfos).toHaveLength(1);
    const si = token.signerInfos[0]!;
    expect(decodeOid(singleAttribute(si.signedAttributes, '1.2.840.113549.1.9.3', 'content-type').value, 'content-type')).toBe('1.2.840.113549.1.9.16.1.4');
    const ess = parseEssCertIds(singleAttribute(si.signedAttributes, '1.2.840.113549.1.9.16.2.47', 'signing-certificate-v2').value!, 2);
    expect(ess[0]!.hashOid).toBe('2.16.840.1.101.3.4.2.1');
    expect(Buffer.from(ess[0]!.certHash)).toEqual(createHash('sha256').update(fx.entry.certificate.der).digest());
  });
});
