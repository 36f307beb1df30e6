/**
 * CAdES-T (ETSI EN 319 122-1 §5.3, src/timestamp/cades-t.ts): CAdES-B signatures made by
 * src/crypto/cms/sign.ts, upgraded with tokens from `openssl ts -reply` over the hash of each
 * SignerInfo's signature value. `openssl cms -verify` still accepts them (the unsigned attribute
 * does not break the signature), openssl sees the id-smime-aa-timeStampToken attribute, and our
 * validation engine validates the token and takes its genTime as the signature's proof of
 * existence; a token over another signature value is TIMESTAMP_IMPRINT_MISMATCH.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached, signFile } from '../../src/crypto/cms/sign.js';
import { verifySignature, verifySignatureFile } from '../../src/validation/verify-signature.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { isScelleError } from '../../src/errors.js';
import { addSignatureTimestamp, upgradeSignatureFile, type TimestampTokenSource } from '../../src/timestamp/cades-t.js';
import { verifyTimestampToken } from '../../src/validation/timestamp.js';
import { OpensslTsa } from '../helpers/openssl-tsa.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';

async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe.skipIf(!havePeers('openssl'))('CAdES-T with openssl ts -reply tokens', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: SigningFixture;
  let tsa: OpensslTsa;
  const letter = new TextEncoder().encode('Cher confrère,\nje vous adresse M. R., 61 ans, pour avis.\nDr Claire Durand\n');
  const calls: { hash: string; imprint: string }[] = [];

  /** The TSA: openssl over the precomputed digest, answering a TimeStampResp (the source unwraps it). */
  const openssl: TimestampTokenSource = async (hash, imprint) => {
    calls.push({ hash, imprint: Buffer.from(imprint).toString('hex') });
    return tsa.stamp({ digest: Buffer.from(imprint).toString('hex'), hash }).der;
  };
  /** Same, answering a bare token (-token_out). */
  const opensslToken: TimestampTokenSource = async (hash, imprint) => tsa.stamp({ digest: Buffer.from(imprint).toString('hex'), hash, tokenOut: true }).der;

  const trust = (): { trustAnchors: X509Cert[]; crls: ReturnType<typeof parseCrls> } => ({
    trustAnchors: [X509Cert.fromDer(fx.pki.root)],
    crls: [...parseCrls(fx.pki.crl), ...parseCrls(fx.pki.rootCrl)],
  });

  function opensslCmsVerify(sig: string, content?: string): { status: number; stderr: string } {
    return tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-CAfile', fx.rootPem, '-purpose', 'any', ...(content === undefined ? [] : ['-content', content]), '-out', '/dev/null']);
  }

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-cades-t-'));
    fx = await createSigningFixture(dir);
    tsa = new OpensslTsa(dir, [{ name: 'demo', cert: fx.pki.tsa.certificates[0]!, key: fx.pki.tsa.keys[0]!, chain: [fx.pki.ca] }]);
  });
  afterAll(() => cleanup?.());

  it('a detached signature upgraded to CAdES-T: openssl cms -verify accepts it; genTime reported and validated', async () => {
    const sig = await signDetached([letter], { signer: fx.rsa, chain: fx.chain });
    calls.length = 0;
    const upgraded = await addSignatureTimestamp(sig, openssl);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.hash).toBe('sha256');

    const sigPath = join(dir, 'lettre.p7s');
    const content = join(dir, 'lettre.txt');
    writeFileSync(sigPath, upgraded);
    writeFileSync(content, letter);
    const o = opensslCmsVerify(sigPath, content);
    expect(o.stderr).toContain('Verification successful');
    expect(o.status).toBe(0);
    const printed = runPeer('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', sigPath]);
    expect(printed).toMatch(/unsignedAttrs:[\s\S]*id-smime-aa-timeStampToken/);

    // The imprint openssl stamped is the SHA-256 of the SignerInfo's signature value.
    const cms = await verifySignature(upgraded, { ...trust(), content: chunks(letter) });
    expect(cms.ok).toBe(true);
    expect(cms.signers[0]!.cades.level).toBe('CAdES-T');
    const signatureValue = cms.signers[0]!.signatureValue;
    const { createHash } = await import('node:crypto');
    expect(calls[0]!.imprint).toBe(createHash('sha256').update(signatureValue).digest('hex'));

    const s = cms.signers[0]!;
    expect(s.timestamps).toHaveLength(1);
    expect(s.timestamps[0]!.problems).toEqual([]);
    expect(s.timestamps[0]!.ok).toBe(true);
    expect(Math.abs(s.timestamps[0]!.genTime!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(s.sid).toContain('AC IGC-SANTE DEMO PERSONNES');
    expect(s.timestamps[0]!.tsa!.subject).toContain('HORODATAGE SCELLE DEMO');
    // The time-stamp is the signature's proof of existence.
    expect(s.poe).toMatchObject({ origin: 'signature-timestamp', time: s.timestamps[0]!.genTime });
    expect(s.bestSignatureTime.getTime()).toBe(s.timestamps[0]!.genTime!.getTime());
  });

  it('a second time-stamp (bare token source) is added after the first, both verified', async () => {
    const sig = await signDetached([letter], { signer: fx.ec, chain: fx.chain });
    const twice = await addSignatureTimestamp(await addSignatureTimestamp(sig, openssl), opensslToken, { hash: 'sha512' });
    const v = (await verifySignature(twice, { ...trust(), content: chunks(letter) })).signers[0]!;
    expect(v.timestamps).toHaveLength(2);
    expect(v.timestamps.map((t) => t.imprint!.hash)).toEqual(['sha256', 'sha512']);
    expect(v.timestamps.every((t) => t.ok)).toBe(true);
    expect(v.ok).toBe(true);
    const p = join(dir, 'twice.p7s');
    const c = join(dir, 'twice.txt');
    writeFileSync(p, twice);
    writeFileSync(c, letter);
    expect(opensslCmsVerify(p, c).status).toBe(0);
  });

  it('a token over another signature value → TIMESTAMP_IMPRINT_MISMATCH (and addSignatureTimestamp refuses to embed one)', async () => {
    const a = await addSignatureTimestamp(await signDetached([letter], { signer: fx.rsa, chain: fx.chain }), openssl);
    const b = await verifySignature(await signDetached([letter], { signer: fx.rsa, chain: fx.chain, signingTime: new Date(Date.now() - 60_000) }), { ...trust(), content: chunks(letter) });
    const tokenA = (await verifySignature(a, { ...trust(), content: chunks(letter) })).signers[0]!.timestampToken!;
    const { createHash } = await import('node:crypto');
    const v = await verifyTimestampToken(tokenA, { ...trust(), expected: { hash: 'sha256', imprint: new Uint8Array(createHash('sha256').update(b.signers[0]!.signatureValue).digest()) } });
    expect(v.ok).toBe(false);
    expect(v.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
    expect(v.indication).toBe('TOTAL-FAILED');
    expect(v.subIndication).toBe('HASH_FAILURE');

    const wrongTsa: TimestampTokenSource = async () => tokenA;
    // (RSA PKCS#1 v1.5 is deterministic: another signing-time makes another signature value.)
    const other = await signDetached([letter], { signer: fx.rsa, chain: fx.chain, signingTime: new Date(Date.now() - 120_000) });
    await expect(addSignatureTimestamp(other, wrongTsa)).rejects.toSatisfy((e) => isScelleError(e, 'TIMESTAMP_IMPRINT_MISMATCH'));
  });

  it('a TSA refusal surfaces as TIMESTAMP_REJECTED', async () => {
    const refusing: TimestampTokenSource = async (hash, imprint) => tsa.stamp({ digest: Buffer.from(imprint).toString('hex'), hash, policy: '1.2.250.1.999.77' }).der;
    await expect(addSignatureTimestamp(await signDetached([letter], { signer: fx.rsa, chain: fx.chain }), refusing)).rejects.toSatisfy((e) => isScelleError(e, 'TIMESTAMP_REJECTED'));
  });

  it('upgradeSignatureFile: .p7s (detached) and .p7m (attached, BER) rewritten in place; openssl and our verifier accept both', async () => {
    const file = join(dir, 'ordonnance.txt');
    writeFileSync(file, letter);
    for (const attached of [false, true]) {
      const { outPath } = await signFile(file, { signer: fx.rsa, chain: fx.chain, attached });
      const before = readFileSync(outPath);
      const r = await upgradeSignatureFile(outPath, openssl);
      expect(r.signers).toBe(1);
      expect(r.outPath).toBe(outPath);
      expect(readFileSync(outPath).length).toBeGreaterThan(before.length);
      expect(opensslCmsVerify(outPath, attached ? undefined : file).status).toBe(0);
      const cms = await verifySignatureFile(outPath, { ...trust(), ...(attached ? {} : { content: chunks(letter) }) });
      expect(cms.ok).toBe(true);
      expect(cms.signers[0]!.cades.level).toBe('CAdES-T');
      expect(cms.signers[0]!.timestamps.map((t) => t.ok)).toEqual([true]);
    }
  });

  it('a signature without time-stamp: CAdES-B, no proof of existence, best-signature-time = validation time', async () => {
    const v = (await verifySignature(await signDetached([letter], { signer: fx.rsa, chain: fx.chain }), { ...trust(), content: chunks(letter) })).signers[0]!;
    expect(v).toMatchObject({ ok: true, timestamps: [] });
    expect(v.cades.level).toBe('CAdES-B');
    expect(v.poe).toBeUndefined();
    expect(v.bestSignatureTime.getTime()).toBe(v.validationTime.getTime());
  });
});
