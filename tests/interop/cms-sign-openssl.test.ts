/**
 * src/crypto/cms/sign.ts against OpenSSL: `openssl cms -verify` must accept our detached and
 * attached (BER, indefinite lengths) CAdES-B signatures — RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256 —
 * with only the demo root as trust anchor (the CA certificate comes from the signature), must see
 * the four signed attributes, and must reject a tampered content.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, signFile, type SignOptions } from '../../src/crypto/cms/sign.js';
import type { IdentityEntry } from '../../src/crypto/identity.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';

describe.skipIf(!havePeers('openssl'))('CAdES-B signatures verified by openssl cms', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: SigningFixture;
  let n = 0;
  const letter = new TextEncoder().encode('Cher confrère,\nje vous adresse Mme D., 54 ans, pour avis cardiologique.\nBien confraternellement,\nDr Claire Durand\n');

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-cms-sign-'));
    fx = await createSigningFixture(dir);
  });
  afterAll(() => cleanup?.());

  /** A fresh copy of `content` in the temp folder. */
  function contentFile(content: Uint8Array, name = 'courrier'): string {
    const p = join(dir, `${name}-${++n}.txt`);
    writeFileSync(p, content);
    return p;
  }

  function opensslVerify(sig: string, content?: string, out = '/dev/null'): { status: number; stderr: string } {
    return tryPeer('openssl', [
      'cms', '-verify', '-binary', '-CAfile', fx.rootPem, '-inform', 'DER', '-in', sig, '-purpose', 'any',
      ...(content === undefined ? [] : ['-content', content]), '-out', out,
    ]);
  }

  const cases: { name: string; signer: () => IdentityEntry; extra: Partial<SignOptions>; sigAlg: RegExp }[] = [
    { name: 'RSA PKCS#1 v1.5 SHA-256 (rsaEncryption)', signer: () => fx.rsa, extra: {}, sigAlg: /rsaEncryption/ },
    { name: 'RSA PKCS#1 v1.5 SHA-256 (sha256WithRSAEncryption)', signer: () => fx.rsa, extra: { rsaSignatureOid: 'shaWithRSAEncryption' }, sigAlg: /sha256WithRSAEncryption/ },
    { name: 'RSA PKCS#1 v1.5 SHA-512', signer: () => fx.rsa, extra: { hash: 'sha512' }, sigAlg: /rsaEncryption/ },
    { name: 'RSA-PSS SHA-256 salt 32', signer: () => fx.rsa, extra: { scheme: { type: 'rsa-pss', hash: 'sha256', saltLength: 32 } }, sigAlg: /rsassaPss/ },
    { name: 'RSA-PSS SHA-384 salt 20 (default, omitted)', signer: () => fx.rsa, extra: { scheme: { type: 'rsa-pss', hash: 'sha384', saltLength: 20 } }, sigAlg: /rsassaPss/ },
    { name: 'ECDSA P-256 SHA-256', signer: () => fx.ec, extra: {}, sigAlg: /ecdsa-with-SHA256/ },
  ];

  describe.each(cases)('$name', ({ signer, extra, sigAlg }) => {
    const opts = (): SignOptions => ({ signer: signer(), chain: fx.chain, ...extra });

    it('detached: openssl accepts it and rejects a tampered content', async () => {
      const file = contentFile(letter);
      const r = await signFile(file, opts());
      expect(r.outPath).toBe(`${file}.p7s`);
      const ok = opensslVerify(r.outPath, file);
      expect(ok.stderr).toContain('Verification successful');
      expect(ok.status).toBe(0);

      const tampered = Uint8Array.from(letter);
      tampered[10] ^= 0x01;
      writeFileSync(file, tampered);
      const bad = opensslVerify(r.outPath, file);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/digest failure|content verify error/i);
    });

    it('attached (BER, indefinite lengths): openssl accepts it and extracts the same content', async () => {
      const file = contentFile(letter);
      const r = await signFile(file, { ...opts(), attached: true });
      expect(r.outPath).toBe(`${file}.p7m`);
      const der = readFileSync(r.outPath);
      expect([...der.subarray(0, 2)]).toEqual([0x30, 0x80]); // indefinite length, as openssl -stream
      const extracted = join(dir, `extracted-${n}`);
      const ok = opensslVerify(r.outPath, undefined, extracted);
      expect(ok.stderr).toContain('Verification successful');
      expect(ok.status).toBe(0);
      expect(new Uint8Array(readFileSync(extracted))).toEqual(letter);
    });

    it('openssl -cmsout -print shows the four CAdES-B signed attributes and the algorithm', async () => {
      const file = contentFile(letter);
      const r = await signFile(file, opts());
      const printed = runPeer('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', r.outPath]);
      for (const attr of ['contentType', 'messageDigest', 'signingTime', 'id-smime-aa-signingCertificateV2']) {
        expect(printed).toContain(`object: ${attr}`);
      }
      expect(printed.match(/object: /g)?.length).toBeGreaterThanOrEqual(4);
      expect(printed).toMatch(/eContent: <ABSENT>/);
      const sigAlgLine = printed.split('\n').findIndex((l) => l.includes('signatureAlgorithm:'));
      expect(printed.split('\n')[sigAlgLine + 1]).toMatch(sigAlg);
    });
  });

  it.each([
    ['an empty file (0 bytes)', 0],
    ['a file of 5 MiB', 5 * 1024 * 1024 + 17],
  ])('%s: detached and attached signatures verify and round-trip', async (_name, size) => {
    const content = new Uint8Array(randomBytes(size));
    const file = contentFile(content, `size${size}`);
    const det = await signFile(file, { signer: fx.rsa, chain: fx.chain });
    expect(det.bytes).toBe(size);
    expect(opensslVerify(det.outPath, file).status).toBe(0);
    const att = await signFile(file, { signer: fx.ec, chain: fx.chain, attached: true });
    const extracted = join(dir, `extracted-size${size}`);
    const ok = opensslVerify(att.outPath, undefined, extracted);
    expect(ok.stderr).toContain('Verification successful');
    expect(Buffer.compare(readFileSync(extracted), Buffer.from(content))).toBe(0);
    expect(att.digestHex).toBe(det.digestHex);
  });

  it('one signer signs many contents; each verifies and a signature does not verify another content', async () => {
    const signer = createSigner({ signer: fx.rsa, chain: fx.chain });
    const files = [contentFile(new TextEncoder().encode('lettre A\n')), contentFile(new TextEncoder().encode('lettre B\n'))];
    const results = await signer.signFiles(files);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(opensslVerify(`${files[0]}.p7s`, files[0]).status).toBe(0);
    expect(opensslVerify(`${files[1]}.p7s`, files[1]).status).toBe(0);
    expect(opensslVerify(`${files[0]}.p7s`, files[1]).status).not.toBe(0);
  });

  it('without the embedded CA certificate openssl cannot build the path; given the CA it can', async () => {
    const file = contentFile(letter);
    const r = await signFile(file, { signer: fx.rsa });
    const bad = opensslVerify(r.outPath, file);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unable to get local issuer certificate/);
    // openssl 3.0 cms has no -untrusted (and -certfile is for signing): give the CA in the CAfile.
    const both = join(dir, 'root-and-ca.pem');
    writeFileSync(both, readFileSync(fx.rootPem, 'utf8') + readFileSync(fx.caPem, 'utf8'));
    const withCa = tryPeer('openssl', ['cms', '-verify', '-binary', '-CAfile', both, '-inform', 'DER', '-in', r.outPath, '-content', file, '-purpose', 'any', '-out', '/dev/null']);
    expect(withCa.stderr).toContain('Verification successful');
    expect(withCa.status).toBe(0);
  });
});
