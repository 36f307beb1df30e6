/** Hostile input: every parser of outside bytes answers with a ScelleError, never a raw TypeError or RangeError. */
import { it, expect } from 'vitest';
import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (SHA-256 in counter mode): the same inputs on every run. */
function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`scelle-hostile-${seed}-${block}`).digest();
    out.set(h.subarray(0, Math.min(32, n - i)), i);
    i += 32;
  }
  return out;
}
import { parsePkcs12 } from '../../src/crypto/pkcs12.js';
import { parseCertificates } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { verifySignature } from '../../src/crypto/cms/verify.js';
import { parseTimeStampResp } from '../../src/timestamp/tsp.js';
import { isScelleError } from '../../src/errors.js';
it('random bytes give a ScelleError (MALFORMED_ASN1, …) from every parser, never a raw exception', async () => {
  const bad: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const b = pseudoRandomBytes(50 + (i % 400), i);
    if (i % 2) b[0] = 0x30;
    for (const [n, f] of [['p12', () => parsePkcs12(b, 'x')], ['cert', () => parseCertificates(b)], ['crl', () => parseCrls(b)], ['tsr', () => parseTimeStampResp(b)]] as const) {
      try { f(); } catch (e) { if (!isScelleError(e)) bad.push(`${n}: ${(e as Error).message}`); }
    }
    try { await verifySignature(b, { trustAnchors: [] }); } catch (e) { if (!isScelleError(e)) bad.push(`cms: ${(e as Error).message}`); }
  }
  expect([...new Set(bad)]).toEqual([]);
});
