/** Hostile input: every parser of outside bytes answers with a ScelleError, never a raw TypeError or RangeError. */
import { it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parsePkcs12 } from '../../src/crypto/pkcs12.js';
import { parseCertificates } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { verifySignature } from '../../src/crypto/cms/verify.js';
import { parseTimeStampResp } from '../../src/timestamp/tsp.js';
import { isScelleError } from '../../src/errors.js';
it('random bytes give a ScelleError (MALFORMED_ASN1, …) from every parser, never a raw exception', async () => {
  const bad: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const b = new Uint8Array(randomBytes(50 + (i % 400)));
    if (i % 2) b[0] = 0x30;
    for (const [n, f] of [['p12', () => parsePkcs12(b, 'x')], ['cert', () => parseCertificates(b)], ['crl', () => parseCrls(b)], ['tsr', () => parseTimeStampResp(b)]] as const) {
      try { f(); } catch (e) { if (!isScelleError(e)) bad.push(`${n}: ${(e as Error).message}`); }
    }
    try { await verifySignature(b, { trustAnchors: [] }); } catch (e) { if (!isScelleError(e)) bad.push(`cms: ${(e as Error).message}`); }
  }
  expect([...new Set(bad)]).toEqual([]);
});
