import * as crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, describe, expect, it } from 'vitest';
import { OID, X509Cert, parseCertificates } from '../../../../src/crypto/x509/certificate.js';
import { algorithmIdOfPkijs, checkSignature, type AlgorithmId } from '../../../../src/crypto/x509/signature.js';
import { verifyCertificateChain } from '../../../../src/crypto/x509/verify-chain.js';
import { havePeers, runPeer } from '../../../helpers/peers.js';
import { makeTempDir } from '../../../helpers/tmp.js';

const CHAINS = join(import.meta.dirname, '../../../../test-vectors/chains');
const certsOf = (p: string): X509Cert[] => parseCertificates(new Uint8Array(readFileSync(join(CHAINS, p))));
const AT = new Date('2026-06-01T00:00:00Z');

function alg(oid: string, params?: asn1js.AsnType): AlgorithmId {
  return algorithmIdOfPkijs(params === undefined ? new pkijs.AlgorithmIdentifier({ algorithmId: oid }) : new pkijs.AlgorithmIdentifier({ algorithmId: oid, algorithmParams: params }));
}

function pssParams(hashOid: string, salt: number): asn1js.Sequence {
  const hashAlg = new pkijs.AlgorithmIdentifier({ algorithmId: hashOid, algorithmParams: new asn1js.Null() });
  return new pkijs.RSASSAPSSParams({
    hashAlgorithm: hashAlg,
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: hashAlg.toSchema() }),
    saltLength: salt,
  }).toSchema() as asn1js.Sequence;
}

describe('checkSignature (native crypto)', () => {
  const data = new TextEncoder().encode('tbsCertificate bytes');
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const p521 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const ed = crypto.generateKeyPairSync('ed25519');

  it.each([
    ['sha256WithRSAEncryption', alg(OID.sha256WithRSAEncryption, new asn1js.Null()), crypto.sign('sha256', data, rsa.privateKey), rsa.publicKey],
    ['sha512WithRSAEncryption', alg(OID.sha512WithRSAEncryption, new asn1js.Null()), crypto.sign('sha512', data, rsa.privateKey), rsa.publicKey],
    [
      'RSASSA-PSS SHA-384 salt 48',
      alg(OID.rsassaPss, pssParams(OID.sha384, 48)),
      crypto.sign('sha384', data, { key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }),
      rsa.publicKey,
    ],
    ['ecdsa P-256 SHA-256', alg(OID.ecdsaWithSHA256), crypto.sign('sha256', data, p256.privateKey), p256.publicKey],
    ['ecdsa P-384 SHA-384', alg(OID.ecdsaWithSHA384), crypto.sign('sha384', data, p384.privateKey), p384.publicKey],
    ['ecdsa P-521 SHA-512', alg(OID.ecdsaWithSHA512), crypto.sign('sha512', data, p521.privateKey), p521.publicKey],
    ['Ed25519', alg(OID.ed25519), crypto.sign(null, data, ed.privateKey), ed.publicKey],
    ['RSA PKCS#1 v1.5 with SHA3-256', alg('2.16.840.1.101.3.4.3.14'), crypto.sign('sha3-256', data, rsa.privateKey), rsa.publicKey],
    ['RSA PKCS#1 v1.5 with SHA3-512', alg('2.16.840.1.101.3.4.3.16'), crypto.sign('sha3-512', data, rsa.privateKey), rsa.publicKey],
    [
      'RSASSA-PSS SHA3-256 salt 32',
      alg(OID.rsassaPss, pssParams('2.16.840.1.101.3.4.2.8', 32)),
      crypto.sign('sha3-256', data, { key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      rsa.publicKey,
    ],
    ['ECDSA P-256 with SHA3-256', alg('2.16.840.1.101.3.4.3.10'), crypto.sign('sha3-256', data, p256.privateKey), p256.publicKey],
  ])('accepts %s and rejects a modified message', (_n, a, sig, key) => {
    expect(checkSignature(a, data, new Uint8Array(sig), key)).toEqual({ valid: true });
    const other = new Uint8Array(data);
    other[0] = (other[0] ?? 0) ^ 1;
    expect(checkSignature(a, other, new Uint8Array(sig), key).valid).toBe(false);
  });

  it('RSASSA-PSS: the salt length in the parameters is enforced', () => {
    const sig = crypto.sign('sha256', data, { key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    expect(checkSignature(alg(OID.rsassaPss, pssParams(OID.sha256, 32)), data, new Uint8Array(sig), rsa.publicKey).valid).toBe(true);
    expect(checkSignature(alg(OID.rsassaPss, pssParams(OID.sha256, 20)), data, new Uint8Array(sig), rsa.publicKey).valid).toBe(false);
  });

  it('refuses a key of the wrong type and unknown algorithms', () => {
    const sig = crypto.sign('sha256', data, p256.privateKey);
    const r = checkSignature(alg(OID.sha256WithRSAEncryption), data, new Uint8Array(sig), p256.publicKey);
    expect(r).toMatchObject({ valid: false, unsupported: false });
    expect(checkSignature(alg('1.2.3.4'), data, new Uint8Array(sig), p256.publicKey)).toMatchObject({ valid: false, unsupported: true });
  });

  it('DSA is recognised and refused as unsupported, never as a bad signature', () => {
    const dsa = crypto.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
    const sig = crypto.sign('sha256', data, dsa.privateKey);
    for (const oid of ['2.16.840.1.101.3.4.3.2', '1.2.840.10040.4.3']) {
      expect(checkSignature(alg(oid), data, new Uint8Array(sig), dsa.publicKey)).toMatchObject({ valid: false, unsupported: true });
    }
  });
});

describe('verifyCertificateChain: RFC 5280 details', () => {
  it("does not check the trust anchor's own signature (§6.1.1)", async () => {
    const [root] = certsOf('valid/root.pem');
    const der = new Uint8Array(root!.der);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 1;
    const tamperedRoot = X509Cert.fromDer(der);
    const v = await verifyCertificateChain(certsOf('valid/leaf.pem')[0]!, {
      trustAnchors: [tamperedRoot],
      intermediates: certsOf('valid/chain.pem'),
      at: AT,
      purpose: 'sign',
      revocation: 'skip', // the anchor's signature is the point here, not revocation
    });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.revocation.map((r) => [r.depth, r.status])).toEqual([[0, 'not-checked'], [1, 'not-checked']]);
  });

  it('a trust anchor verified on its own is valid', async () => {
    const [root] = certsOf('valid/root.pem');
    const v = await verifyCertificateChain(root!, { trustAnchors: [root!], at: AT });
    expect(v.ok).toBe(true);
    expect(v.path).toHaveLength(1);
    expect(v.revocation).toEqual([]);
  });

  it('no trust anchors at all: CHAIN_UNTRUSTED', async () => {
    const v = await verifyCertificateChain(certsOf('valid/leaf.pem')[0]!, { trustAnchors: [], intermediates: certsOf('valid/chain.pem'), at: AT });
    expect(v.code).toBe('CHAIN_UNTRUSTED');
  });

  it('defaults `at` to now and reports it', async () => {
    const before = Date.now();
    const v = await verifyCertificateChain(certsOf('valid/leaf.pem')[0]!, { trustAnchors: certsOf('valid/root.pem'), intermediates: certsOf('valid/chain.pem') });
    expect(v.checkedAt.getTime()).toBeGreaterThanOrEqual(before);
    // Fail closed by default: no CRL was given, so the status of the leaf and its CA is unknown.
    expect(v.ok).toBe(false);
    expect(v.code).toBe('REVOCATION_UNAVAILABLE');
    expect(v.revocation.map((r) => r.status)).toEqual(['unknown', 'unknown']);
  });
});

describe.skipIf(!havePeers('openssl'))('verifyCertificateChain: cross-certificate loops', () => {
  const tmp = makeTempDir('scelle-loop-');
  afterAll(() => tmp.cleanup());

  it('terminates on a cross-certified loop and still finds the real anchor', async () => {
    const dir = tmp.dir;
    const run = (...args: string[]): string => runPeer('openssl', args, { cwd: dir });
    writeFileSync(
      join(dir, 'ext.cnf'),
      [
        '[req]', 'distinguished_name = dn', '[dn]',
        '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
        '[leaf]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
      ].join('\n'),
    );
    for (const k of ['x', 'y', 'z', 'l']) run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${k}.key`);
    run('req', '-x509', '-new', '-key', 'y.key', '-subj', '/CN=CA Y', '-days', '30', '-config', 'ext.cnf', '-extensions', 'ca', '-out', 'y0.pem');
    run('req', '-x509', '-new', '-key', 'z.key', '-subj', '/CN=CA Z', '-days', '30', '-config', 'ext.cnf', '-extensions', 'ca', '-out', 'z0.pem');
    const sign = (key: string, subj: string, caCert: string, caKey: string, ext: string, out: string): void => {
      run('req', '-new', '-key', key, '-subj', subj, '-config', 'ext.cnf', '-out', `${out}.csr`);
      run('x509', '-req', '-in', `${out}.csr`, '-CA', caCert, '-CAkey', caKey, '-set_serial', String(Math.floor(Math.random() * 1e9)), '-days', '20', '-extfile', 'ext.cnf', '-extensions', ext, '-out', out);
    };
    sign('x.key', '/CN=CA X', 'y0.pem', 'y.key', 'ca', 'x_by_y.pem');
    sign('y.key', '/CN=CA Y', 'x_by_y.pem', 'x.key', 'ca', 'y_by_x.pem');
    sign('l.key', '/CN=leaf', 'x_by_y.pem', 'x.key', 'leaf', 'leaf.pem');
    const load = (f: string): X509Cert => parseCertificates(new Uint8Array(readFileSync(join(dir, f))))[0]!;
    const leaf = load('leaf.pem');
    const loop = [load('x_by_y.pem'), load('y_by_x.pem')];

    const untrusted = await verifyCertificateChain(leaf, { trustAnchors: [load('z0.pem')], intermediates: loop });
    expect(untrusted.code).toBe('CHAIN_UNTRUSTED');
    expect(untrusted.path.length).toBeLessThanOrEqual(3);

    const trusted = await verifyCertificateChain(leaf, { trustAnchors: [load('y0.pem')], intermediates: [...loop].reverse(), revocation: 'skip' });
    expect(trusted.problems).toEqual([]);
    expect(trusted.path.map((c) => c.subject)).toEqual(['CN=leaf', 'CN=CA X', 'CN=CA Y']);
    expect(trusted.path[2]?.equals(load('y0.pem'))).toBe(true);
  });
});
