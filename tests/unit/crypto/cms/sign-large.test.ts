/**
 * LARGE-FILE TEST (≈10–20 s): signing a 4 GiB file keeps memory flat.
 *
 * A sparse 4 GiB file (no disk space used) is signed by `signFile` in a child Node process, which
 * prints its peak resident set size (`process.resourceUsage().maxRSS`, KiB) at the end; the test
 * asserts < 128 MiB, that the message digest is the SHA-256 of the file (computed here, in memory,
 * independently), and that `openssl cms -verify` accepts the signature over the 4 GiB content.
 *
 * The child imports the compiled library from dist/ (`npm test` runs tsc before vitest); the test
 * fails with a clear message when dist/ is missing or older than the sources.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asn1js from 'asn1js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers, tryPeer } from '../../../helpers/peers.js';
import { makeTempDir } from '../../../helpers/tmp.js';
import { createSigningFixture, type SigningFixture } from '../../../helpers/sign-fixtures.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const DIST_SIGN = join(REPO, 'dist', 'src', 'crypto', 'cms', 'sign.js');
const DIST_IDENTITY = join(REPO, 'dist', 'src', 'crypto', 'identity.js');
const SIZE = 4 * 1024 ** 3;
const HEAD = new TextEncoder().encode('IRM cérébrale — séquences DICOM exportées\n');
const TAIL = new TextEncoder().encode('\nfin de l’export\n');
const MAX_RSS_MIB = 128;

describe('signing a 4 GiB file (child process, memory measured)', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: SigningFixture;
  let big: string;
  let child: { maxRssKiB: number; digestHex: string; bytes: number; outPath: string; seconds: number };

  beforeAll(async () => {
    for (const [dist, src] of [[DIST_SIGN, 'src/crypto/cms/sign.ts'], [DIST_IDENTITY, 'src/crypto/identity.ts']] as const) {
      if (!existsSync(dist) || statSync(dist).mtimeMs < statSync(join(REPO, src)).mtimeMs) {
        throw new Error(`${dist} is missing or older than ${src}: run \`npm run build\` (npm test does it) first`);
      }
    }
    ({ dir, cleanup } = makeTempDir('scelle-sign-large-'));
    fx = await createSigningFixture(dir);
    writeFileSync(join(dir, 'praticien.p12'), fx.pki.praticien.p12);

    // Sparse: a few real bytes at both ends, holes in between (read back as zeros).
    big = join(dir, 'examen.bin');
    const fd = openSync(big, 'w');
    writeSync(fd, HEAD, 0, HEAD.byteLength, 0);
    ftruncateSync(fd, SIZE);
    writeSync(fd, TAIL, 0, TAIL.byteLength, SIZE - TAIL.byteLength);
    closeSync(fd);

    const script = join(dir, 'sign-big.mjs');
    writeFileSync(script, `
import { readFileSync } from 'node:fs';
import { signFile } from ${JSON.stringify(DIST_SIGN)};
import { loadPkcs12Identity, selectCertificate } from ${JSON.stringify(DIST_IDENTITY)};
const [p12, file] = process.argv.slice(2);
const id = loadPkcs12Identity(readFileSync(p12), process.env.SCELLE_TEST_P12_PASS);
const t0 = performance.now();
const r = await signFile(file, { signer: selectCertificate(id, 'sign').entry, chain: id.certificates.filter((c) => c.basicConstraints?.ca) });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ ...r, seconds, maxRssKiB: process.resourceUsage().maxRSS }));
`);
    const r = spawnSync(process.execPath, [script, join(dir, 'praticien.p12'), big], {
      env: { ...process.env, SCELLE_TEST_P12_PASS: fx.pki.praticien.password }, encoding: 'utf8', timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
    child = JSON.parse(r.stdout);
  }, 180_000);
  afterAll(() => cleanup?.());

  it(`peak RSS stays under ${MAX_RSS_MIB} MiB`, () => {
    expect(child.bytes).toBe(SIZE);
    // Logged for the report: the figure, not only the verdict.
    console.info(`4 GiB signFile: ${child.seconds.toFixed(1)} s, max RSS ${(child.maxRssKiB / 1024).toFixed(1)} MiB`);
    expect(child.maxRssKiB).toBeGreaterThan(0);
    expect(child.maxRssKiB).toBeLessThan(MAX_RSS_MIB * 1024);
  });

  it('the message-digest attribute is the SHA-256 of the whole file', () => {
    const h = createHash('sha256').update(HEAD);
    const zeros = new Uint8Array(1 << 20);
    let left = SIZE - HEAD.byteLength - TAIL.byteLength;
    while (left > 0) {
      const n = Math.min(left, zeros.byteLength);
      h.update(n === zeros.byteLength ? zeros : zeros.subarray(0, n));
      left -= n;
    }
    const expected = h.update(TAIL).digest('hex');
    expect(child.digestHex).toBe(expected);
    // and it is what the .p7s carries
    const der = new Uint8Array(readFileSync(child.outPath));
    const hex = Buffer.from(der).toString('hex');
    expect(hex).toContain(`06092a864886f70d010904312204 20${expected}`.replace(/ /g, '')); // messageDigest, SET { OCTET STRING(32) }
    expect(asn1js.fromBER(der).offset).toBe(der.byteLength);
  });

  it.skipIf(!havePeers('openssl'))('openssl cms -verify accepts the detached signature of the 4 GiB content', () => {
    const r = tryPeer('openssl', ['cms', '-verify', '-binary', '-CAfile', fx.rootPem, '-inform', 'DER', '-in', child.outPath, '-content', big, '-purpose', 'any', '-out', '/dev/null']);
    expect(r.stderr).toContain('Verification successful');
    expect(r.status).toBe(0);
  }, 120_000);
});
