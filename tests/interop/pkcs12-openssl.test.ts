/**
 * PKCS#12 and PKCS#8 against the real OpenSSL, both directions: files written by
 * `openssl pkcs12 -export` (default and -legacy) and `openssl pkcs8 -topk8` are read by scelle;
 * files written by scelle are read by `openssl pkcs12` / `openssl pkey`. Passwords reach openssl
 * through `-passin file:` / `env:`, never argv.
 */
import { Buffer } from 'node:buffer';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScelleError } from '../../src/errors.js';
import { parsePem } from '../../src/crypto/pem.js';
import { decryptPkcs8, encryptPkcs8 } from '../../src/crypto/pkcs8.js';
import { buildPkcs12, parsePkcs12 } from '../../src/crypto/pkcs12.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';

const PASSWORD = 'pässwörd Ω-42'; // non-ASCII on purpose: BMPString vs UTF-8 handling
const has = havePeers('openssl');

/** SPKI DER of the public key of a PrivateKeyInfo. */
function publicOfPkcs8(pkcs8: Uint8Array): Buffer {
  return createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
}

function publicOfCert(der: Uint8Array): Buffer {
  return new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
}

function pemBody(path: string, label: string): Uint8Array {
  const block = parsePem(readFileSync(path, 'utf8')).find((b) => b.label === label);
  if (!block) throw new Error(`no ${label} in ${path}`);
  return block.der;
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isScelleError(thrown), `expected a ScelleError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
}

describe.skipIf(!has)('PKCS#12 / PKCS#8 interop with openssl', () => {
  let dir = '';
  let cleanup = (): void => {};
  const f = (name: string): string => join(dir, name);
  const ossl = (...args: string[]): string => runPeer('openssl', args, { cwd: dir });

  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir('scelle-p12-'));
    writeFileSync(f('pw.txt'), `${PASSWORD}\n`);
    writeFileSync(f('wrong.txt'), 'not the password\n');
    // A CA, an RSA leaf and an EC P-256 leaf, all made by openssl.
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Scelle Test CA', '-days', '30');
    ossl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key');
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.key');
    for (const k of ['rsa', 'ec']) {
      ossl('req', '-new', '-key', `${k}.key`, '-subj', `/CN=Dr ${k.toUpperCase()} Test`, '-out', `${k}.csr`);
      ossl('x509', '-req', '-in', `${k}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', `${k}.pem`);
    }
  });
  afterAll(() => cleanup());

  const certDer = (name: string): Uint8Array => pemBody(f(name), 'CERTIFICATE');
  const keyDer = (name: string): Uint8Array => pemBody(f(name), 'PRIVATE KEY');

  describe('openssl pkcs12 -export → parsePkcs12', () => {
    const cases: { name: string; args: string[]; mac: string; encryption: string[] }[] = [
      { name: 'default (OpenSSL 3: PBES2 AES-256, HMAC-SHA256)', args: [], mac: 'HMAC-SHA256', encryption: ['PBES2/AES-256-CBC/PBKDF2-SHA256'] },
      { name: '-legacy (RC2-40 certs, 3DES keys, HMAC-SHA1)', args: ['-legacy'], mac: 'HMAC-SHA1', encryption: ['pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC'] },
      { name: '-macalg sha512', args: ['-macalg', 'sha512'], mac: 'HMAC-SHA512', encryption: ['PBES2/AES-256-CBC/PBKDF2-SHA256'] },
      { name: '-macalg sha384', args: ['-macalg', 'sha384'], mac: 'HMAC-SHA384', encryption: ['PBES2/AES-256-CBC/PBKDF2-SHA256'] },
      { name: '-macalg sha1', args: ['-macalg', 'sha1'], mac: 'HMAC-SHA1', encryption: ['PBES2/AES-256-CBC/PBKDF2-SHA256'] },
      { name: 'PBE-SHA1-3DES for both', args: ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES'], mac: 'HMAC-SHA256', encryption: ['pbeWithSHAAnd3-KeyTripleDES-CBC'] },
      { name: 'RC2-128 certs (legacy provider)', args: ['-provider', 'legacy', '-provider', 'default', '-certpbe', 'PBE-SHA1-RC2-128', '-keypbe', 'PBE-SHA1-2DES'], mac: 'HMAC-SHA256', encryption: ['pbeWithSHAAnd128BitRC2-CBC', 'pbeWithSHAAnd2-KeyTripleDES-CBC'] },
      { name: 'AES-128 + DES-EDE3 PBES2', args: ['-keypbe', 'aes-128-cbc', '-certpbe', 'des-ede3-cbc'], mac: 'HMAC-SHA256', encryption: ['PBES2/DES-EDE3-CBC/PBKDF2-SHA256', 'PBES2/AES-128-CBC/PBKDF2-SHA256'] },
    ];

    it.each(cases)('$name', ({ args, mac, encryption }) => {
      for (const k of ['rsa', 'ec']) {
        const out = `${k}-${mac}-${encryption.join('+').replace(/[^A-Za-z0-9]/g, '')}.p12`;
        ossl('pkcs12', '-export', ...args, '-inkey', `${k}.key`, '-in', `${k}.pem`, '-certfile', 'ca.pem', '-name', `Dr ${k}`, '-passout', 'file:pw.txt', '-out', out);
        const p12 = parsePkcs12(readFileSync(f(out)), PASSWORD);
        expect(p12.macAlgorithm).toBe(mac);
        expect(p12.macIterations).toBe(2048);
        expect(p12.encryption).toEqual(encryption);
        expect(p12.keys).toHaveLength(1);
        const key = p12.keys[0]!;
        // Same key as the one openssl was given (not just "a key"): compare the PKCS#8 bytes.
        expect(Buffer.from(key.pkcs8).equals(Buffer.from(keyDer(`${k}.key`)))).toBe(true);
        expect(key.friendlyName).toBe(`Dr ${k}`);
        // Certificates: the leaf and the CA, byte for byte; the leaf holds the key's public key.
        const ders = p12.certificates.map((c) => Buffer.from(c.der).toString('hex')).sort();
        expect(ders).toEqual([certDer(`${k}.pem`), certDer('ca.pem')].map((d) => Buffer.from(d).toString('hex')).sort());
        const leaf = p12.certificates.find((c) => c.localKeyId !== undefined)!;
        expect(Buffer.from(leaf.localKeyId!).equals(Buffer.from(key.localKeyId!))).toBe(true);
        expect(publicOfPkcs8(key.pkcs8).equals(publicOfCert(leaf.der))).toBe(true);
      }
    });

    it('wrong password → WRONG_PASSWORD, for default and legacy files', () => {
      ossl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.pem', '-passout', 'file:pw.txt', '-out', 'w-default.p12');
      ossl('pkcs12', '-export', '-legacy', '-inkey', 'rsa.key', '-in', 'rsa.pem', '-passout', 'file:pw.txt', '-out', 'w-legacy.p12');
      for (const file of ['w-default.p12', 'w-legacy.p12']) {
        expectCode(() => parsePkcs12(readFileSync(f(file)), 'not the password'), 'WRONG_PASSWORD');
        expectCode(() => parsePkcs12(readFileSync(f(file)), ''), 'WRONG_PASSWORD');
      }
    });

    it('a file without MAC (-nomac) still decrypts, and reports no MAC', () => {
      ossl('pkcs12', '-export', '-nomac', '-inkey', 'ec.key', '-in', 'ec.pem', '-passout', 'file:pw.txt', '-out', 'nomac.p12');
      const p12 = parsePkcs12(readFileSync(f('nomac.p12')), PASSWORD);
      expect(p12.macAlgorithm).toBeUndefined();
      expect(Buffer.from(p12.keys[0]!.pkcs8).equals(Buffer.from(keyDer('ec.key')))).toBe(true);
      expectCode(() => parsePkcs12(readFileSync(f('nomac.p12')), 'not the password'), 'WRONG_PASSWORD');
    });

    it('the empty password, as openssl writes it', () => {
      runPeer('openssl', ['pkcs12', '-export', '-inkey', 'ec.key', '-in', 'ec.pem', '-passout', 'env:SCELLE_EMPTY', '-out', 'empty.p12'], { cwd: dir, env: { ...process.env, SCELLE_EMPTY: '' } });
      const p12 = parsePkcs12(readFileSync(f('empty.p12')), '');
      expect(Buffer.from(p12.keys[0]!.pkcs8).equals(Buffer.from(keyDer('ec.key')))).toBe(true);
      expectCode(() => parsePkcs12(readFileSync(f('empty.p12')), 'x'), 'WRONG_PASSWORD');
    });
  });

  describe('buildPkcs12 → openssl pkcs12', () => {
    it('two keys and certificates plus a CA: openssl shows both keys, the certificates, AES-256 and SHA-256', () => {
      const p12 = buildPkcs12({
        keys: [
          { pkcs8: keyDer('rsa.key'), certificate: certDer('rsa.pem'), friendlyName: 'Dr RSA (signature)' },
          { pkcs8: keyDer('ec.key'), certificate: certDer('ec.pem'), friendlyName: 'Dr EC (authentification)' },
        ],
        certificates: [certDer('ca.pem')],
        password: PASSWORD,
      });
      writeFileSync(f('ours.p12'), p12);
      const r = tryPeer('openssl', ['pkcs12', '-info', '-in', 'ours.p12', '-nodes', '-passin', 'file:pw.txt'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const blocks = parsePem(r.stdout);
      const keys = blocks.filter((b) => b.label === 'PRIVATE KEY').map((b) => Buffer.from(b.der).toString('hex')).sort();
      expect(keys).toEqual([keyDer('rsa.key'), keyDer('ec.key')].map((d) => Buffer.from(d).toString('hex')).sort());
      const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => Buffer.from(b.der).toString('hex')).sort();
      expect(certs).toEqual([certDer('rsa.pem'), certDer('ec.pem'), certDer('ca.pem')].map((d) => Buffer.from(d).toString('hex')).sort());
      expect(r.stdout).toContain('friendlyName: Dr RSA (signature)');
      expect(r.stdout).toContain('friendlyName: Dr EC (authentification)');
      expect(r.stderr).toMatch(/MAC: sha256, Iteration 2048/);
      expect(r.stderr).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
      expect(r.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
      // And we read back what we wrote, with the pairing by localKeyId.
      const back = parsePkcs12(p12, PASSWORD);
      expect(back.keys).toHaveLength(2);
      for (const k of back.keys) {
        const cert = back.certificates.find((c) => c.localKeyId && Buffer.from(c.localKeyId).equals(Buffer.from(k.localKeyId!)));
        expect(publicOfPkcs8(k.pkcs8).equals(publicOfCert(cert!.der))).toBe(true);
        expect(cert!.friendlyName).toBe(k.friendlyName);
      }
    });

    it('openssl refuses our file with the wrong password', () => {
      writeFileSync(f('ours2.p12'), buildPkcs12({ keys: [{ pkcs8: keyDer('ec.key'), certificate: certDer('ec.pem') }], password: PASSWORD }));
      const ok = tryPeer('openssl', ['pkcs12', '-in', 'ours2.p12', '-nodes', '-passin', 'file:pw.txt'], { cwd: dir });
      expect(ok.status, ok.stderr).toBe(0);
      const bad = tryPeer('openssl', ['pkcs12', '-in', 'ours2.p12', '-nodes', '-passin', 'file:wrong.txt'], { cwd: dir });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/Mac verify error/i);
    });

    it('the legacy profile (3DES, HMAC-SHA1) is read by openssl without -legacy', () => {
      writeFileSync(f('ours-legacy.p12'), buildPkcs12({ keys: [{ pkcs8: keyDer('rsa.key'), certificate: certDer('rsa.pem'), friendlyName: 'legacy' }], password: PASSWORD, profile: 'legacy' }));
      const r = tryPeer('openssl', ['pkcs12', '-info', '-in', 'ours-legacy.p12', '-nodes', '-passin', 'file:pw.txt'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/MAC: sha1/);
      expect(r.stderr).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
      expect(Buffer.from(parsePem(r.stdout).find((b) => b.label === 'PRIVATE KEY')!.der).equals(Buffer.from(keyDer('rsa.key')))).toBe(true);
    });

    it('the empty password is understood by openssl', () => {
      writeFileSync(f('ours-empty.p12'), buildPkcs12({ keys: [{ pkcs8: keyDer('ec.key'), certificate: certDer('ec.pem') }], password: '' }));
      const r = tryPeer('openssl', ['pkcs12', '-in', 'ours-empty.p12', '-nodes', '-passin', 'env:SCELLE_EMPTY'], { cwd: dir, env: { ...process.env, SCELLE_EMPTY: '' } });
      expect(r.status, r.stderr).toBe(0);
      expect(parsePem(r.stdout).some((b) => b.label === 'PRIVATE KEY')).toBe(true);
    });
  });

  describe('PKCS#8', () => {
    it('encryptPkcs8 output is read by openssl pkey, and refused with the wrong password', () => {
      for (const k of ['rsa', 'ec']) {
        const enc = encryptPkcs8(keyDer(`${k}.key`), PASSWORD);
        writeFileSync(f(`${k}-ours.p8`), enc);
        const pub = ossl('pkey', '-inform', 'DER', '-in', `${k}-ours.p8`, '-passin', 'file:pw.txt', '-pubout');
        expect(Buffer.from(parsePem(pub)[0]!.der).equals(publicOfCert(certDer(`${k}.pem`)))).toBe(true);
        const bad = tryPeer('openssl', ['pkey', '-inform', 'DER', '-in', `${k}-ours.p8`, '-passin', 'file:wrong.txt'], { cwd: dir });
        expect(bad.status).not.toBe(0);
      }
    });

    const topk8: { name: string; args: string[] }[] = [
      { name: '-v2 aes-256-cbc', args: ['-v2', 'aes-256-cbc'] },
      { name: '-v2 aes-128-cbc -v2prf hmacWithSHA512', args: ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA512'] },
      { name: '-v2 aes-192-cbc -v2prf hmacWithSHA1', args: ['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA1'] },
      { name: '-v2 des3 -v2prf hmacWithSHA384', args: ['-v2', 'des3', '-v2prf', 'hmacWithSHA384'] },
      { name: '-v2 aes-256-cbc -v2prf hmacWithSHA224 -iter 100000', args: ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA224', '-iter', '100000'] },
      { name: '-v1 PBE-SHA1-3DES', args: ['-v1', 'PBE-SHA1-3DES'] },
      { name: '-v1 PBE-SHA1-2DES', args: ['-v1', 'PBE-SHA1-2DES'] },
      { name: '-v1 PBE-SHA1-RC2-40 (legacy provider)', args: ['-v1', 'PBE-SHA1-RC2-40', '-provider', 'legacy', '-provider', 'default'] },
      { name: '-v1 PBE-SHA1-RC2-128 (legacy provider)', args: ['-v1', 'PBE-SHA1-RC2-128', '-provider', 'legacy', '-provider', 'default'] },
    ];
    it.each(topk8)('openssl pkcs8 -topk8 $name → decryptPkcs8 (RSA and EC P-256)', ({ args }) => {
      for (const k of ['rsa', 'ec']) {
        const out = `${k}-${args.join('').replace(/[^A-Za-z0-9]/g, '')}.p8`;
        ossl('pkcs8', '-topk8', ...args, '-in', `${k}.key`, '-passout', 'file:pw.txt', '-out', out);
        const der = pemBody(f(out), 'ENCRYPTED PRIVATE KEY');
        const plain = decryptPkcs8(der, PASSWORD);
        expect(Buffer.from(plain).equals(Buffer.from(keyDer(`${k}.key`)))).toBe(true);
        expect(publicOfPkcs8(plain).equals(publicOfCert(certDer(`${k}.pem`)))).toBe(true);
        expectCode(() => decryptPkcs8(der, 'not the password'), 'WRONG_PASSWORD');
      }
    });
  });
});
