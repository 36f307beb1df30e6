/**
 * src/crypto/cms/sign.ts against GnuPG's S/MIME tool: `gpgsm --verify sig.p7s file` must say
 * "Good signature" (exit 0) for our detached CAdES-B signatures — RSA (both spellings of the
 * PKCS#1 v1.5 signature algorithm) and ECDSA P-256 — trusting only the demo root; and "BAD
 * signature" for a tampered content. gpgsm takes the DER `.p7s` as written, and its base64 (PEM)
 * armoring as well.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFile, type SignOptions } from '../../src/crypto/cms/sign.js';
import { formatPem } from '../../src/crypto/pem.js';
import type { IdentityEntry } from '../../src/crypto/identity.js';
import { havePeers } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createGpgsmHome, gpgsmVerify, type GpgsmHome } from '../helpers/gpgsm.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';

describe.skipIf(!havePeers('gpgsm', 'openssl'))('CAdES-B signatures verified by gpgsm', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: SigningFixture;
  let home: GpgsmHome;
  let n = 0;
  const letter = new TextEncoder().encode('Compte rendu opératoire — patient 2025-0412\nSuites simples.\n');

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-cms-gpgsm-'));
    fx = await createSigningFixture(dir);
    home = createGpgsmHome(fx.rootPem);
  });
  afterAll(() => {
    home?.cleanup();
    cleanup?.();
  });

  const cases: { name: string; signer: () => IdentityEntry; extra: Partial<SignOptions> }[] = [
    { name: 'RSA PKCS#1 v1.5 (rsaEncryption)', signer: () => fx.rsa, extra: {} },
    { name: 'RSA PKCS#1 v1.5 (sha256WithRSAEncryption)', signer: () => fx.rsa, extra: { rsaSignatureOid: 'shaWithRSAEncryption' } },
    { name: 'RSA PKCS#1 v1.5 SHA-384', signer: () => fx.rsa, extra: { hash: 'sha384' } },
    { name: 'ECDSA P-256', signer: () => fx.ec, extra: {} },
    { name: 'RSA-PSS SHA-256', signer: () => fx.rsa, extra: { scheme: { type: 'rsa-pss', hash: 'sha256', saltLength: 32 } } },
  ];

  it.each(cases)('$name: Good signature; tampered content: BAD signature', async ({ signer, extra }) => {
    const file = join(dir, `lettre-${++n}.txt`);
    writeFileSync(file, letter);
    const r = await signFile(file, { signer: signer(), chain: fx.chain, ...extra });
    const good = gpgsmVerify(home, r.outPath, file);
    expect(good.stderr).toMatch(/Good signature/);
    expect(good.status).toBe(0);

    const tampered = Uint8Array.from(letter);
    tampered[3] ^= 0x20;
    writeFileSync(file, tampered);
    const bad = gpgsmVerify(home, r.outPath, file);
    expect(bad.stderr).toMatch(/BAD signature|message digest attribute does not match/);
    expect(bad.status).not.toBe(0);
  });

  it('accepts the base64 (PEM-armored) form of the same signature', async () => {
    const file = join(dir, `lettre-${++n}.txt`);
    writeFileSync(file, letter);
    const r = await signFile(file, { signer: fx.rsa, chain: fx.chain });
    const armored = `${r.outPath}.pem`;
    writeFileSync(armored, formatPem('CMS', new Uint8Array(readFileSync(r.outPath))));
    const good = gpgsmVerify(home, armored, file);
    expect(good.stderr).toMatch(/Good signature/);
    expect(good.status).toBe(0);
  });
});
