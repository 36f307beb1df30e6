/**
 * Bounded work on hostile input, as a user meets it: a 20 MB `.tsr` or `.p7s` whose SETs hold ten
 * million elements is refused with MALFORMED_ASN1 (exit 4) in bounded memory, measured with GNU time
 * on the real CLI. Each SET of a SignedData is tried: digest algorithms, certificates, CRLs, signer
 * infos, signed and unsigned attributes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, readJsonOutput } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';
import { buildTstInfo, signTstInfo, grantedResponse } from '../helpers/tst-build.js';
import { encodeLength, concatBytes } from '../../src/crypto/asn1/der.js';
import { childrenOf } from '../../src/crypto/asn1/ber.js';

const tmp = makeTempDir('scelle-hostile-size-');
const f = (n: string): string => join(tmp.dir, n);
let fx: TsaFixture;
const data = new TextEncoder().encode('Compte rendu opératoire du 3 mars.\n');
/** Ten million NULLs (05 00): 20 MB. */
const MANY = 10_000_000;
/** Peak memory allowed for a command refusing one: Node itself takes about 60 MiB. */
const LIMIT_MIB = 200;
const nulls = (): Uint8Array => {
  const b = Buffer.alloc(MANY * 2);
  for (let i = 0; i < b.length; i += 2) b[i] = 0x05;
  return b;
};

const rebuild = (tag: number, parts: Uint8Array[]): Uint8Array => {
  const contents = concatBytes(parts);
  return concatBytes([Uint8Array.of(tag), encodeLength(contents.length), contents]);
};

/**
 * `der` with `extra` put into the constructed element at `path` (child indices, single-byte tags):
 * appended to its contents, or, with `insertAt`, as a new child there.
 */
function graft(der: Uint8Array, path: number[], extra: Uint8Array, insertAt?: number): Uint8Array {
  const kids = childrenOf(der, 'graft');
  if (path.length === 0) {
    if (insertAt === undefined) return rebuild(der[0]!, [...kids, extra]);
    return rebuild(der[0]!, [...kids.slice(0, insertAt), extra, ...kids.slice(insertAt)]);
  }
  kids[path[0]!] = graft(kids[path[0]!]!, path.slice(1), extra, insertAt);
  return rebuild(der[0]!, kids);
}

/** Runs the CLI under GNU time; returns the exit status, stdout and the peak RSS in MiB. */
function measured(args: string[]): { status: number; stdout: string; rssMiB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS_KB=%M', process.execPath, BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, timeout: 300_000 });
  const m = /RSS_KB=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no measure: ${r.stderr}`);
  return { status: r.status ?? -1, stdout: r.stdout, rssMiB: Number(m[1]) / 1024 };
}

const trust = (): string[] => ['--trust', fx.rootPem, '--crl', f('root.crl'), '--crl', f('ca.crl')];

beforeAll(async () => {
  fx = await createTsaFixture(tmp.dir);
  writeFileSync(f('root.crl'), fx.pki.rootCrl);
  writeFileSync(f('ca.crl'), fx.pki.crl);
  writeFileSync(f('cr.txt'), data);
});
afterAll(() => tmp.cleanup());

describe('a 20 MB time-stamp or signature with ten million elements in a SET', () => {
  const SD = [1, 0]; // ContentInfo → [0] → SignedData
  const variants: [string, number[], number | undefined, number][] = [
    ['digest algorithms', [...SD, 1], undefined, 0x31],
    ['certificates', [...SD, 3], undefined, 0xa0],
    ['CRLs (a new [1])', [...SD], 4, 0xa1],
    ['signer infos', [...SD, 4], undefined, 0x31],
    ['signed attributes', [...SD, 4, 0, 3], undefined, 0xa0],
    ['values of one signed attribute', [...SD, 4, 0, 3, 0, 1], undefined, 0x31],
    ['unsigned attributes (a new [1])', [...SD, 4, 0], 6, 0xa1],
  ];
  let token: Uint8Array;
  beforeAll(() => {
    const tst = buildTstInfo({ imprint: new Uint8Array(createHash('sha256').update(data).digest()) });
    token = signTstInfo(tst, { cert: fx.entry.certificate.der, key: fx.pki.tsa.keys[0]!, certs: [fx.entry.certificate.der, ...fx.chain.map((c) => c.der)] });
    writeFileSync(f('ok.tsr'), grantedResponse(token));
    writeFileSync(f('ok.p7s'), token);
  });

  it('the genuine token is verified (the fixture is right)', () => {
    const r = measured(['timestamp', 'verify', f('ok.tsr'), '--data', f('cr.txt'), ...trust(), '--json']);
    expect(r.stdout).toContain('"indication": "TOTAL-PASSED"');
    expect(r.status).toBe(0);
    const s = measured(['verify', f('ok.p7s'), '--content', f('cr.txt'), ...trust(), '--json']);
    // parsed to its end and judged as a signature: a TSA certificate is not fit for signing documents
    expect(readJsonOutput(s.stdout).results[0].signers[0].code).toBe('EKU_MISMATCH');
  });

  it.each(variants)('%s: timestamp verify and verify refuse it with MALFORMED_ASN1 in bounded memory', (_name, path, insertAt, tag) => {
    const many = nulls();
    const extra = insertAt === undefined ? many : concatBytes([Uint8Array.of(tag), encodeLength(many.length), many]);
    const hostile = graft(token, path, extra, insertAt);
    expect(hostile.length).toBeGreaterThan(20_000_000);
    writeFileSync(f('h.tsr'), grantedResponse(hostile));
    writeFileSync(f('h.p7s'), hostile);
    const ts = measured(['timestamp', 'verify', f('h.tsr'), '--data', f('cr.txt'), ...trust(), '--json']);
    const sig = measured(['verify', f('h.p7s'), '--content', f('cr.txt'), ...trust(), '--json']);
    console.log(`${_name}: timestamp verify ${ts.rssMiB.toFixed(0)} MiB, verify ${sig.rssMiB.toFixed(0)} MiB`);
    expect(ts.status).toBe(1);
    expect(readJsonOutput(ts.stdout).error.code).toBe('MALFORMED_ASN1');
    expect(sig.status).toBe(1);
    expect(readJsonOutput(sig.stdout).results[0].error.code).toBe('MALFORMED_ASN1');
    // 3.4 GB before the element caps; the file itself is 20 MB
    expect(ts.rssMiB).toBeLessThan(LIMIT_MIB);
    expect(sig.rssMiB).toBeLessThan(LIMIT_MIB);
  });
});
