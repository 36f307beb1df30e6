/**
 * Strict RFC 3161 verification (src/timestamp/verify-token.ts) of tokens made by the real peer,
 * `openssl ts -reply`, with the demo PKI's TSA: accepted from data and from a precomputed digest,
 * ESSCertIDv2 and ESSCertID; and every negative case with its own code. Tokens that openssl
 * refuses to make (non-critical or missing EKU, expired TSA certificate) come from the test
 * builder, which `openssl ts -verify` first proves right on a good token.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCertificate, buildCrl, certificateSerial } from '../../src/crypto/cert-builder.js';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { isScelleError } from '../../src/errors.js';
import { hashForTimestamp, imprintFromDigest } from '../../src/timestamp/imprint.js';
import { verifyTimestampResponse, verifyTimestampToken, type VerifyTimestampOptions } from '../../src/validation/timestamp.js';
import { DEFAULT_POLICY, OTHER_POLICY, OpensslTsa } from '../helpers/openssl-tsa.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { buildTstInfo, grantedResponse, signTstInfo } from '../helpers/tst-build.js';

const DAY = 86_400_000;
const TS_EKU = '1.3.6.1.5.5.7.3.8';
const ORG = [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }];

describe.skipIf(!havePeers('openssl'))('RFC 3161 tokens from openssl ts -reply, verified strictly', () => {
  let dir: string;
  let cleanup: () => void;
  let pki: DemoPki;
  let other: DemoPki;
  let tsa: OpensslTsa;
  let root: X509Cert;
  let crls: ReturnType<typeof parseCrls>;
  let revokedTsa: { cert: Uint8Array; key: ReturnType<typeof generateKeyPairSync>['privateKey'] };
  let revocationCrl: Uint8Array;
  const now = new Date();
  const letter = new TextEncoder().encode('Compte rendu opératoire — Mme D., 54 ans.\n');

  const issueTsa = (cn: string, o: { ekuCritical?: boolean; eku?: string[] | null; notBefore?: Date; notAfter?: Date; issuer?: DemoPki } = {}) => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuer = o.issuer ?? pki;
    const cert = buildCertificate({
      subject: [...ORG, { type: 'CN', value: cn }],
      issuerCertificate: issuer.ca, publicKey: keys.publicKey, signingKey: issuer.caKey,
      notBefore: o.notBefore ?? new Date(now.getTime() - DAY), notAfter: o.notAfter ?? new Date(now.getTime() + 365 * DAY),
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      ...(o.eku === null ? {} : { extendedKeyUsage: o.eku ?? [TS_EKU], extendedKeyUsageCritical: o.ekuCritical ?? true }),
    });
    return { cert, key: keys.privateKey };
  };

  const options = (extra: Partial<VerifyTimestampOptions> & Pick<VerifyTimestampOptions, 'expected'>): VerifyTimestampOptions => ({
    trustAnchors: [root],
    crls,
    ...extra,
  });
  const letterHash = (): ReturnType<typeof imprintFromDigest> => imprintFromDigest('sha256', new Uint8Array(createHash('sha256').update(letter).digest()));

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-ts-verify-'));
    [pki, other] = await Promise.all([createDemoPki({ now }), createDemoPki({ now })]);
    root = X509Cert.fromDer(pki.root);
    revokedTsa = issueTsa('HORODATAGE REVOQUE DEMO');
    revocationCrl = buildCrl({
      issuerCertificate: pki.ca, signingKey: pki.caKey, thisUpdate: new Date(now.getTime() - 1800_000), nextUpdate: new Date(now.getTime() + 30 * DAY), crlNumber: 2,
      revoked: [{ serialNumber: certificateSerial(revokedTsa.cert), revocationDate: new Date(now.getTime() - 3600_000), reason: 'keyCompromise' }],
    });
    crls = [...parseCrls(revocationCrl), ...parseCrls(pki.rootCrl)];
    writeFileSync(join(dir, 'root.pem'), formatPem('CERTIFICATE', pki.root));
    writeFileSync(join(dir, 'ca.pem'), formatPem('CERTIFICATE', pki.ca));
    tsa = new OpensslTsa(dir, [
      { name: 'demo', cert: pki.tsa.certificates[0]!, key: pki.tsa.keys[0]!, chain: [pki.ca] },
      { name: 'demo_sha1', cert: pki.tsa.certificates[0]!, key: pki.tsa.keys[0]!, chain: [pki.ca], essAlg: 'sha1', tsaName: false },
      { name: 'revoked', cert: revokedTsa.cert, key: revokedTsa.key, chain: [pki.ca] },
      { name: 'untrusted', cert: other.tsa.certificates[0]!, key: other.tsa.keys[0]!, chain: [other.ca] },
      { name: 'injected', cert: other.tsa.certificates[0]!, key: other.tsa.keys[0]!, chain: [other.ca, other.root] },
    ]);
  });
  afterAll(() => cleanup?.());

  describe('accepted', () => {
    it('a response over the data (-data, nonce, ESSCertIDv2): genTime, serial, policy, accuracy, TSA', async () => {
      const r = tsa.stamp({ data: letter });
      const v = await verifyTimestampResponse(r.der, options({ expected: await hashForTimestamp([letter.subarray(0, 7), letter.subarray(7)]), nonce: r.nonce!, policy: DEFAULT_POLICY }));
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.status).toBe(0);
      expect(Math.abs(v.genTime!.getTime() - Date.now())).toBeLessThan(60_000);
      expect(v.policy).toBe(DEFAULT_POLICY);
      expect(v.accuracy).toEqual({ seconds: 1, millis: 500, micros: 100 });
      expect(v.ordering).toBe(true);
      expect(v.tsa!.subject).toContain('HORODATAGE SCELLE DEMO');
      expect(v.tsaName).toContain('HORODATAGE SCELLE DEMO');
      expect(v.serialNumber).toMatch(/^[0-9a-f]+$/);
      expect(v.chain!.ok).toBe(true);
      expect(v.chain!.path).toHaveLength(3);
    });

    it('a response over a precomputed SHA-384 digest (-digest)', async () => {
      const digest = createHash('sha384').update(letter).digest('hex');
      const r = tsa.stamp({ digest, hash: 'sha384' });
      const v = await verifyTimestampResponse(r.der, options({ expected: imprintFromDigest('sha384', digest), nonce: r.nonce! }));
      expect(v.problems).toEqual([]);
      expect(v.imprint!.hash).toBe('sha384');
    });

    it('a bare token (-token_out) with the SHA-1 ESSCertID of RFC 3161 §2.4.1 and no tsa name', async () => {
      const r = tsa.stamp({ data: letter, section: 'demo_sha1', tokenOut: true });
      const v = await verifyTimestampToken(r.der, options({ expected: letterHash() }));
      expect(v.problems).toEqual([]);
      expect(v.tsaName).toBeUndefined();
    });

    it('a token without certificates (no -cert): the TSA certificate given out of band', async () => {
      const r = tsa.stamp({ data: letter, cert: false });
      const without = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(without.code).toBe('TSA_CERT_MISMATCH');
      const withCert = await verifyTimestampResponse(r.der, options({ expected: letterHash(), extraCertificates: [X509Cert.fromDer(pki.tsa.certificates[0]!), X509Cert.fromDer(pki.ca)] }));
      expect(withCert.problems).toEqual([]);
    });
  });

  describe('refused, each with its own code', () => {
    it('other data → TIMESTAMP_IMPRINT_MISMATCH', async () => {
      const r = tsa.stamp({ data: letter });
      const v = await verifyTimestampResponse(r.der, options({ expected: await hashForTimestamp(new TextEncoder().encode('autre chose')), nonce: r.nonce! }));
      expect(v.ok).toBe(false);
      expect(v.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
      expect(v.problems.map((p) => p.code)).toEqual(['TIMESTAMP_IMPRINT_MISMATCH']);
    });

    it('same digest under another hash algorithm → TIMESTAMP_IMPRINT_MISMATCH', async () => {
      const r = tsa.stamp({ data: letter, hash: 'sha512' });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(v.code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
      expect(v.problems[0]!.message).toMatch(/SHA-512/);
    });

    it('a nonce other than the one sent → TIMESTAMP_NONCE_MISMATCH; none echoed → TIMESTAMP_NONCE_MISMATCH', async () => {
      const r = tsa.stamp({ data: letter });
      const wrong = Uint8Array.from(r.nonce!);
      wrong[wrong.length - 1] = wrong[wrong.length - 1]! ^ 1;
      expect((await verifyTimestampResponse(r.der, options({ expected: letterHash(), nonce: wrong }))).code).toBe('TIMESTAMP_NONCE_MISMATCH');
      const none = tsa.stamp({ data: letter, nonce: false });
      expect((await verifyTimestampResponse(none.der, options({ expected: letterHash(), nonce: 12345n }))).code).toBe('TIMESTAMP_NONCE_MISMATCH');
    });

    it('another policy than requested → TIMESTAMP_POLICY_MISMATCH', async () => {
      const r = tsa.stamp({ data: letter, policy: OTHER_POLICY });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash(), policy: DEFAULT_POLICY }));
      expect(v.code).toBe('TIMESTAMP_POLICY_MISMATCH');
      expect(v.policy).toBe(OTHER_POLICY);
    });

    it('an unaccepted policy: openssl answers rejection → TIMESTAMP_REJECTED with the failInfo', async () => {
      const r = tsa.stamp({ data: letter, policy: '1.2.250.1.999.77' });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(v.code).toBe('TIMESTAMP_REJECTED');
      expect(v.status).toBe(2);
      expect(v.failInfo).toEqual(['unacceptedPolicy']);
      expect(v.problems[0]!.message).toMatch(/rejection.*unacceptedPolicy/);
      expect(v.genTime).toBeUndefined();
    });

    it('a TSA certificate revoked before genTime (CRL of the demo CA) → CERT_REVOKED', async () => {
      const r = tsa.stamp({ data: letter, section: 'revoked' });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(v.code).toBe('CERT_REVOKED');
      expect(v).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
      // Without the CA's CRL the status is unknown: fail closed, never valid.
      expect((await verifyTimestampResponse(r.der, { ...options({ expected: letterHash() }), crls: parseCrls(pki.rootCrl) })).code).toBe('REVOCATION_UNAVAILABLE');
      // Revocation not checked at the caller's request: the code came from revocation, nothing else.
      expect((await verifyTimestampResponse(r.der, { ...options({ expected: letterHash() }), revocation: 'skip' })).problems).toEqual([]);
    });

    it('a TSA key compromised after genTime → CERT_REVOKED, no proof (RFC 3161 §4); superseded after genTime → still valid, by the TSA\'s own time', async () => {
      const r = tsa.stamp({ data: letter });
      const later = new Date(now.getTime() + 2 * DAY);
      const crlWith = (reason: 'keyCompromise' | 'superseded'): ReturnType<typeof parseCrls> => parseCrls(buildCrl({
        issuerCertificate: pki.ca, signingKey: pki.caKey, thisUpdate: new Date(now.getTime() + DAY), nextUpdate: new Date(now.getTime() + 30 * DAY), crlNumber: 3,
        revoked: [{ serialNumber: certificateSerial(pki.tsa.certificates[0]!), revocationDate: new Date(now.getTime() + DAY), reason }],
      }));
      // The root's CRL issued after genTime too: checking the past needs data issued after it.
      const rootLater = parseCrls(buildCrl({ issuerCertificate: pki.root, signingKey: pki.rootKey, thisUpdate: new Date(now.getTime() + DAY), nextUpdate: new Date(now.getTime() + 300 * DAY), crlNumber: 2, revoked: [] }));
      const base = { expected: letterHash(), clock: () => later };
      const compromised = await verifyTimestampResponse(r.der, { ...options(base), crls: [...parseCrls(pki.crl), ...crlWith('keyCompromise'), ...rootLater] });
      expect(compromised.code).toBe('CERT_REVOKED');
      expect(compromised).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
      expect(compromised.problems[0]!.message).toMatch(/reason keyCompromise/);
      const superseded = await verifyTimestampResponse(r.der, { ...options(base), crls: [...parseCrls(pki.crl), ...crlWith('superseded'), ...rootLater] });
      expect(superseded.problems).toEqual([]);
      expect(superseded.ok).toBe(true);
      expect(superseded.poe).toMatchObject({ origin: 'tsa-own-time', time: superseded.genTime });
    });

    it('a TSA of another PKI → CHAIN_UNTRUSTED', async () => {
      const r = tsa.stamp({ data: letter, section: 'untrusted' });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(v.code).toBe('CHAIN_UNTRUSTED');
      // …and valid to whoever trusts that PKI: only the anchor decides.
      expect((await verifyTimestampResponse(r.der, { expected: letterHash(), trustAnchors: [X509Cert.fromDer(other.root)], crls: [...parseCrls(other.crl), ...parseCrls(other.rootCrl)] })).problems).toEqual([]);
    });

    it('a response carrying its own self-signed root → TSA_INJECTED_CA, never trusted', async () => {
      const r = tsa.stamp({ data: letter, section: 'injected' });
      const v = await verifyTimestampResponse(r.der, options({ expected: letterHash() }));
      expect(v.code).toBe('TSA_INJECTED_CA');
      expect(v.problems.map((p) => p.code)).not.toContain('CHAIN_UNTRUSTED');
      expect(v.problems[0]!.message).toContain('AC RACINE IGC-SANTE DEMO');
      // openssl agrees that the carried root is not a trust anchor.
      const path = join(dir, 'injected.tsr');
      const data = join(dir, 'letter.txt');
      writeFileSync(path, r.der);
      writeFileSync(data, letter);
      const o = tryPeer('openssl', ['ts', '-verify', '-in', path, '-data', data, '-CAfile', join(dir, 'root.pem')]);
      expect(o.status).not.toBe(0);
    });

    it('a tampered TSTInfo (genTime changed after signing) → TIMESTAMP_INVALID', async () => {
      const r = tsa.stamp({ data: letter, tokenOut: true });
      const der = Uint8Array.from(r.der);
      const text = Buffer.from(der).toString('latin1');
      const at = text.search(/20\d\d\d{10}(\.\d+)?Z/);
      der[at + 3] = der[at + 3] === 0x39 ? 0x38 : der[at + 3]! + 1; // the year moves by one
      const v = await verifyTimestampToken(der, options({ expected: letterHash() }));
      expect(v.problems.map((p) => p.code)).toContain('TIMESTAMP_INVALID');
      expect(v.problems.some((p) => p.code === 'TIMESTAMP_INVALID' && /modified after the TSA signed it/.test(p.message))).toBe(true);
    });

    it('a truncated response → MALFORMED_ASN1 thrown', async () => {
      const r = tsa.stamp({ data: letter });
      await expect(verifyTimestampResponse(r.der.subarray(0, r.der.length - 10), options({ expected: letterHash() }))).rejects.toSatisfy((e) => isScelleError(e, 'MALFORMED_ASN1'));
    });
  });

  describe('tokens openssl will not make (hand-built, the builder checked by openssl ts -verify)', () => {
    const imprint = (): Uint8Array => letterHash().imprint;
    const verifyWithOpenssl = (token: Uint8Array, name: string): { status: number; stderr: string; stdout: string } => {
      const path = join(dir, `${name}.tst`);
      writeFileSync(path, token);
      return tryPeer('openssl', ['ts', '-verify', '-token_in', '-in', path, '-digest', Buffer.from(imprint()).toString('hex'), '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'ca.pem')]);
    };

    it('the builder makes tokens openssl ts -verify accepts, and so do we', async () => {
      const cert = pki.tsa.certificates[0]!;
      const token = signTstInfo(buildTstInfo({ imprint: imprint(), tsaName: true, nonce: Uint8Array.of(1, 2, 3) }, cert), { cert, key: pki.tsa.keys[0]!, certs: [cert, pki.ca] });
      const o = verifyWithOpenssl(token, 'builder-ok');
      expect(o.stdout).toContain('Verification: OK');
      expect((await verifyTimestampResponse(grantedResponse(token), options({ expected: letterHash(), nonce: Uint8Array.of(1, 2, 3) }))).problems).toEqual([]);
    });

    it('timeStamping EKU not critical: openssl ts -reply refuses the certificate; we say TSA_EKU_NOT_CRITICAL', async () => {
      const t = issueTsa('HORODATAGE EKU NON CRITIQUE', { ekuCritical: false });
      const refuse = new OpensslTsa(join(dir), [{ name: 'noncritical', cert: t.cert, key: t.key, chain: [pki.ca] }]);
      expect(() => refuse.stamp({ data: letter })).toThrow(/openssl ts -reply failed/);
      const token = signTstInfo(buildTstInfo({ imprint: imprint() }), { cert: t.cert, key: t.key, certs: [t.cert, pki.ca] });
      expect(verifyWithOpenssl(token, 'noncritical').status).not.toBe(0);
      const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
      expect(v.code).toBe('TSA_EKU_NOT_CRITICAL');
      expect(v.problems.map((p) => p.code)).toEqual(['TSA_EKU_NOT_CRITICAL']);
    });

    it('no timeStamping EKU → TSA_EKU_MISSING (without the EKU extension, or with another purpose)', async () => {
      for (const [name, eku] of [['none', null], ['email', ['1.3.6.1.5.5.7.3.4']]] as const) {
        const t = issueTsa(`HORODATAGE SANS EKU ${name}`, { eku: eku === null ? null : [...eku] });
        const token = signTstInfo(buildTstInfo({ imprint: imprint() }), { cert: t.cert, key: t.key, certs: [t.cert, pki.ca] });
        const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
        expect(v.code).toBe('TSA_EKU_MISSING');
        expect(v.problems.map((p) => p.code)).toEqual(['TSA_EKU_MISSING']);
      }
    });

    it('a TSA certificate expired at genTime → CERT_EXPIRED', async () => {
      const t = issueTsa('HORODATAGE EXPIRE DEMO', { notBefore: new Date(now.getTime() - 10 * DAY), notAfter: new Date(now.getTime() - 2 * DAY) });
      const token = signTstInfo(buildTstInfo({ imprint: imprint() }), { cert: t.cert, key: t.key, certs: [t.cert, pki.ca] });
      const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
      expect(v.code).toBe('CERT_EXPIRED');
      expect(v.problems.map((p) => p.code)).toEqual(['CERT_EXPIRED']);
      expect(v.problems[0]!.message).toMatch(/HORODATAGE EXPIRE DEMO.*expired/);
    });

    it('an ESS attribute naming another certificate, or none → TSA_CERT_MISMATCH', async () => {
      const cert = pki.tsa.certificates[0]!;
      const key = pki.tsa.keys[0]!;
      const tst = buildTstInfo({ imprint: imprint() });
      for (const ess of ['v1', 'v2'] as const) {
        const token = signTstInfo(tst, { cert, key, certs: [cert, pki.ca], ess, essCert: pki.praticien.certificates[0]! });
        const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
        expect(v.code).toBe('TSA_CERT_MISMATCH');
        expect(v.problems.map((p) => p.code)).toEqual(['TSA_CERT_MISMATCH']);
      }
      const bare = signTstInfo(tst, { cert, key, certs: [cert, pki.ca], ess: 'none' });
      expect((await verifyTimestampToken(bare, options({ expected: letterHash() }))).code).toBe('TSA_CERT_MISMATCH');
    });

    it('a tsa field naming someone else → TSA_CERT_MISMATCH', async () => {
      const cert = pki.tsa.certificates[0]!;
      const token = signTstInfo(buildTstInfo({ imprint: imprint(), tsaName: X509Cert.fromDer(pki.praticien.certificates[0]!).subjectDer }), { cert, key: pki.tsa.keys[0]!, certs: [cert, pki.ca] });
      const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
      expect(v.code).toBe('TSA_CERT_MISMATCH');
      expect(v.problems[0]!.message).toMatch(/names the TSA/);
    });

    it('a signature by another key than the certificate named → TIMESTAMP_INVALID', async () => {
      const cert = pki.tsa.certificates[0]!;
      const token = signTstInfo(buildTstInfo({ imprint: imprint() }), { cert, key: pki.praticien.keys[0]!, certs: [cert, pki.ca] });
      const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
      expect(v.problems.map((p) => p.code)).toEqual(['TIMESTAMP_INVALID']);
    });

    it('a content-type attribute other than id-ct-TSTInfo → TIMESTAMP_INVALID', async () => {
      const cert = pki.tsa.certificates[0]!;
      const token = signTstInfo(buildTstInfo({ imprint: imprint() }), { cert, key: pki.tsa.keys[0]!, certs: [cert, pki.ca], contentType: '1.2.840.113549.1.7.1' });
      const v = await verifyTimestampToken(token, options({ expected: letterHash() }));
      expect(v.problems.map((p) => p.code)).toEqual(['TIMESTAMP_INVALID']);
      expect(v.problems[0]!.message).toMatch(/content-type/);
    });
  });
});
