/**
 * Memory: an attached BER signature of a ~200 MB file (`openssl cms -sign -stream -binary
 * -outform DER`, made at test time) is verified with bounded memory. The verification runs in a
 * child Node process (importing the compiled library from dist/) that prints
 * `process.resourceUsage().maxRSS`; the same child verifying a small signature gives the baseline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { havePeers, runPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { REPO } from '../helpers/cli.js';

const SIZE = 200 * 1024 * 1024;

describe.skipIf(!havePeers('openssl'))('streaming verification of a 200 MB attached BER signature', () => {
  let pki: DemoPki;
  let dir: string;
  let cleanup: () => void;
  let build: string;
  const f = (n: string): string => join(dir, n);

  beforeAll(async () => {
    pki = await createDemoPki();
    ({ dir, cleanup } = makeTempDir('scelle-cms-stream-'));
    writeFileSync(f('root.pem'), formatPem('CERTIFICATE', pki.root));
    writeFileSync(f('ca.pem'), formatPem('CERTIFICATE', pki.ca));
    writeFileSync(f('p.pem'), formatPem('CERTIFICATE', pki.praticien.certificates[0]!));
    writeFileSync(f('p.key.pem'), pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + (i >> 10)) & 0xff;
    const fd = openSync(f('big.bin'), 'w');
    for (let i = 0; i < SIZE / chunk.length; i++) {
      chunk[0] = i & 0xff;
      writeSync(fd, chunk);
    }
    closeSync(fd);
    writeFileSync(f('small.bin'), 'petit document\n');
    for (const name of ['big', 'small']) {
      runPeer('openssl', ['cms', '-sign', '-stream', '-binary', '-nodetach', '-cades', '-in', f(`${name}.bin`), '-signer', f('p.pem'), '-inkey', f('p.key.pem'),
        '-certfile', f('ca.pem'), '-outform', 'DER', '-out', f(`${name}.p7s`)]);
    }
    // The child imports the compiled library (`npm test` builds dist/ before vitest runs).
    build = mkdtempSync(join(REPO, 'node_modules', '.cache-scelle-cms-stream-'));
    writeFileSync(join(build, 'run.mjs'), `
      import { readFileSync } from 'node:fs';
      import { verifySignatureFile, X509Cert, parseCrls } from ${JSON.stringify(join(REPO, 'dist', 'src', 'index.js'))};
      const [sig, root, crl] = process.argv.slice(2);
      const anchors = [X509Cert.fromDer(new Uint8Array(readFileSync(root)))];
      const crls = parseCrls(new Uint8Array(readFileSync(crl)));
      const t = Date.now();
      const v = await verifySignatureFile(sig, { trustAnchors: anchors, crls });
      console.log(JSON.stringify({ ok: v.ok, code: v.code, sha256: v.contentDigests['SHA-256'], level: v.signers[0].cades.level,
        ms: Date.now() - t, maxRssKiB: process.resourceUsage().maxRSS }));
    `);
    writeFileSync(f('root.der'), pki.root);
    writeFileSync(f('crl.pem'), formatPem('X509 CRL', pki.crl) + formatPem('X509 CRL', pki.rootCrl));
  }, 300_000);
  afterAll(() => {
    cleanup?.();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  const run = (sig: string): { ok: boolean; code?: string; sha256: string; level: string; ms: number; maxRssKiB: number } => {
    const r = spawnSync(process.execPath, [join(build, 'run.mjs'), sig, f('root.der'), f('crl.pem')], { encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  it('verifies with memory that does not grow with the content', () => {
    expect(statSync(f('big.p7s')).size).toBeGreaterThan(SIZE);
    const small = run(f('small.p7s'));
    const big = run(f('big.p7s'));
    expect(small).toMatchObject({ ok: true, level: 'CAdES-B' });
    expect(big).toMatchObject({ ok: true, level: 'CAdES-B' });
    const expected = runPeer('openssl', ['dgst', '-sha256', '-r', f('big.bin')]).split(' ')[0];
    expect(big.sha256).toBe(expected);
    // Reported in the test output for the record.
    console.log(`[cms-verify-stream] ${SIZE / 1024 / 1024} MiB attached BER: maxRSS ${Math.round(big.maxRssKiB / 1024)} MiB ` +
      `(small signature: ${Math.round(small.maxRssKiB / 1024)} MiB), ${big.ms} ms`);
    // Holding the content would add at least 200 MiB; the buffers here are ~1 MiB chunks.
    expect(big.maxRssKiB - small.maxRssKiB).toBeLessThan(48 * 1024);
  }, 300_000);
});
