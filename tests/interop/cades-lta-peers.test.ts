/**
 * CAdES-LT and CAdES-LTA signatures are still plain CMS for the other verifiers: `openssl cms
 * -verify` accepts them (the certificates and CRLs added, the archive time-stamps as unknown
 * unsigned attributes), and so does gpgsm — for a signature archived once and re-archived.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendSignature } from '../../src/archive/extend.js';
import { signFile } from '../../src/crypto/cms/sign.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { readFileChunks } from '../../src/io/file-chunks.js';
import { openSerialState } from '../../src/timestamp/serial-state.js';
import { createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import type { TimestampTokenSource } from '../../src/timestamp/cades-t.js';
import { verifySignature } from '../../src/validation/verify-signature.js';
import { createGpgsmHome, gpgsmVerify, type GpgsmHome } from '../helpers/gpgsm.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';

describe.skipIf(!havePeers('openssl', 'gpgsm'))('CAdES-LT/LTA with openssl and gpgsm', () => {
  let dir: string;
  let fx: SigningFixture;
  let home: GpgsmHome;
  let getToken: TimestampTokenSource;
  const sigs: Record<string, string> = {};
  const file = (): string => join(dir, 'lettre.txt');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scelle-lta-peers-'));
    fx = await createSigningFixture(dir);
    // the TSA of the signing fixture's own PKI, so that one trust anchor and one CRL cover both
    const { loadPkcs12Identity, selectCertificate } = await import('../../src/crypto/identity.js');
    const tsaEntry = selectCertificate(loadPkcs12Identity(fx.pki.tsa.p12, fx.pki.tsa.password), 'tsa').entry;
    const tsa = createTimeStampAuthority({ signer: tsaEntry, chain: fx.chain.filter((c) => !c.isSelfIssued()), state: await openSerialState(mkdtempSync(join(tmpdir(), 'scelle-lta-st-'))) });
    getToken = async (hash, imprint) => (await tsa.issue({ hash, imprint, certReq: true })).token;
    home = createGpgsmHome(fx.rootPem);
    writeFileSync(file(), 'Lettre de liaison — Mme D., sortie le 12 mars.\n');
    const signed = await signFile(file(), { signer: fx.rsa, chain: fx.chain });
    const options = { trustAnchors: [X509Cert.fromDer(fx.pki.root)], crls: [...parseCrls(fx.pki.crl), ...parseCrls(fx.pki.rootCrl)], getToken, content: () => readFileChunks(file()) };
    const base = new Uint8Array(readFileSync(signed.outPath));
    const lt = await extendSignature(base, { ...options, level: 'LT' });
    const lta = await extendSignature(lt.signature, { ...options, level: 'LTA' });
    const re = await extendSignature(lta.signature, { ...options, level: 'LTA' });
    for (const [name, der] of [['lt', lt.signature], ['lta', lta.signature], ['lta2', re.signature]] as const) {
      sigs[name] = join(dir, `lettre.${name}.p7s`);
      writeFileSync(sigs[name]!, der);
    }
    const v = await verifySignature(re.signature, { ...options, content: readFileChunks(file()) });
    expect(v.signers[0]!.problems).toEqual([]);
    expect(v.signers[0]!.archiveTimestamps).toHaveLength(2);
  }, 120_000);
  afterAll(() => home?.cleanup());

  it.each(['lt', 'lta', 'lta2'])('%s: openssl cms -verify accepts it as plain CMS', (name) => {
    const r = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigs[name]!, '-content', file(), '-CAfile', fx.rootPem, '-purpose', 'any', '-out', '/dev/null']);
    expect(r.stderr).toMatch(/Verification successful/);
    expect(r.status).toBe(0);
    // the embedded CRLs are read by openssl too: with -crl_check it finds them in the signature
    const crl = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigs[name]!, '-content', file(), '-CAfile', fx.rootPem, '-purpose', 'any', '-crl_check', '-out', '/dev/null']);
    expect(crl.stderr).toMatch(/Verification successful/);
  });

  it.each(['lt', 'lta', 'lta2'])('%s: gpgsm finds a Good signature (the unknown unsigned attributes do not disturb it)', (name) => {
    const r = gpgsmVerify(home, sigs[name]!, file());
    expect(r.stderr).toMatch(/Good signature/);
    expect(r.status).toBe(0);
  });

  it('and a changed letter is still refused by both', () => {
    const copy = join(dir, 'autre.txt');
    writeFileSync(copy, 'Lettre de liaison — Mme D., sortie le 13 mars.\n');
    expect(tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigs.lta2!, '-content', copy, '-CAfile', fx.rootPem, '-purpose', 'any', '-out', '/dev/null']).status).not.toBe(0);
    expect(gpgsmVerify(home, sigs.lta2!, copy).status).not.toBe(0);
  });
});
