/**
 * src/crypto/pkcs11.ts against a real PKCS#11 module: a SoftHSM2 token set up with softhsm2-util,
 * keys and certificates made by openssl and imported by pkcs11-tool; every signature checked by
 * openssl and by node:crypto.
 */
import { X509Certificate, createPublicKey, constants, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScelleError, type ErrorCode } from '../../src/errors.js';
import { Pkcs11Session, listPkcs11Tokens, type SignatureScheme } from '../../src/crypto/pkcs11.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import {
  createSoftHsm,
  importIdentity,
  initToken,
  makeTestCa,
  makeTestIdentity,
  readBytes,
  type SoftHsm,
  type SoftHsmToken,
  type TestIdentityFiles,
} from '../helpers/softhsm.js';

const LABEL = 'SCELLE-CPS';
const OTHER_LABEL = 'SCELLE-OTHER';
const PIN = '472901';
const WRONG_PIN = '815263';
const SIG_ID = Uint8Array.of(0x01);
const AUTH_ID = Uint8Array.of(0x02);

function expectCode(f: () => unknown, code: ErrorCode): Error {
  try {
    f();
  } catch (e) {
    if (!isScelleError(e)) throw e;
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected ScelleError ${code}, nothing was thrown`);
}

describe.skipIf(!havePeers('softhsm2', 'pkcs11-tool', 'softhsm2-util', 'openssl'))('PKCS#11 with SoftHSM2', () => {
  let hsm: SoftHsm;
  let token: SoftHsmToken;
  let sig: TestIdentityFiles;
  let auth: TestIdentityFiles;
  const data = new TextEncoder().encode('Compte rendu de consultation — Dr Martin, 2025-03-14\n');
  const dataFile = () => join(hsm.dir, 'data.txt');

  beforeAll(() => {
    hsm = createSoftHsm();
    token = initToken(hsm, { label: LABEL, pin: PIN, soPin: '73920184' });
    initToken(hsm, { label: OTHER_LABEL, pin: '111111', soPin: '22222222' });
    const ca = makeTestCa(hsm.dir);
    sig = makeTestIdentity(hsm.dir, ca, {
      name: 'signature', algorithm: 'rsa2048', subject: '/C=FR/O=Cabinet Test/CN=Jean Martin (signature)', keyUsage: 'critical,nonRepudiation',
    });
    auth = makeTestIdentity(hsm.dir, ca, {
      name: 'authentication', algorithm: 'p256', subject: '/C=FR/O=Cabinet Test/CN=Jean Martin (authentication)', keyUsage: 'critical,digitalSignature,keyAgreement',
    });
    importIdentity(token, { keyDer: sig.keyDer, certDer: sig.certDer, id: '01', label: 'signature' });
    importIdentity(token, { keyDer: auth.keyDer, certDer: auth.certDer, id: '02', label: 'authentication' });
    writeFileSync(dataFile(), data);
  });

  afterAll(() => hsm?.cleanup());

  function withSession<T>(f: (s: Pkcs11Session) => T, label = LABEL, pin = PIN): T {
    const s = Pkcs11Session.open({ module: hsm.module, tokenLabel: label, pin });
    try {
      return f(s);
    } finally {
      s.close();
    }
  }

  /** openssl dgst -verify; returns true/false (never throws on a bad signature). */
  function opensslVerifies(pub: string, signature: Uint8Array, hash: string, pss?: { saltLength: number }, file = dataFile()): boolean {
    const sigFile = join(hsm.dir, `sig-${Math.random().toString(16).slice(2)}.bin`);
    writeFileSync(sigFile, signature);
    const pssArgs = pss === undefined ? [] : ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${pss.saltLength}`];
    const r = tryPeer('openssl', ['dgst', `-${hash}`, '-verify', pub, ...pssArgs, '-signature', sigFile, file]);
    if (r.status !== 0 && !/Verification failure/i.test(r.stdout + r.stderr)) throw new Error(`openssl failed: ${r.stderr}`);
    return r.status === 0 && /Verified OK/.test(r.stdout);
  }

  it('lists both tokens of the module, with their token info', () => {
    const tokens = listPkcs11Tokens(hsm.module);
    const cps = tokens.find((t) => t.label === LABEL);
    expect(cps).toMatchObject({ label: LABEL, manufacturer: 'SoftHSM project', model: 'SoftHSM v2', loginRequired: true, initialized: true });
    expect(cps?.serial).toMatch(/^[0-9a-f]{16}$/);
    expect(Number.isSafeInteger(cps?.slot)).toBe(true);
    expect(tokens.some((t) => t.label === OTHER_LABEL && t.slot !== cps?.slot)).toBe(true);
    // SoftHSM2 always keeps one blank token in a spare slot.
    expect(tokens.some((t) => !t.initialized)).toBe(true);
  });

  it('lists the two certificates, byte-identical to the imported files, and the two private keys', () => {
    withSession((s) => {
      expect(s.token.label).toBe(LABEL);
      const certs = s.listCertificates().sort((a, b) => a.id[0]! - b.id[0]!);
      expect(certs.map((c) => [c.label, Array.from(c.id)])).toEqual([['signature', [1]], ['authentication', [2]]]);
      expect(Buffer.from(certs[0]!.der).equals(readBytes(sig.certDer))).toBe(true);
      expect(Buffer.from(certs[1]!.der).equals(readBytes(auth.certDer))).toBe(true);
      const keyUsage = (der: Uint8Array) => {
        const f = join(hsm.dir, `ku-${Math.random().toString(16).slice(2)}.der`);
        writeFileSync(f, der);
        return runPeer('openssl', ['x509', '-inform', 'DER', '-in', f, '-noout', '-ext', 'keyUsage']).split('\n')[1]?.trim();
      };
      expect(keyUsage(certs[0]!.der)).toBe('Non Repudiation');
      expect(keyUsage(certs[1]!.der)).toBe('Digital Signature, Key Agreement');

      const keys = s.listPrivateKeys().sort((a, b) => a.id[0]! - b.id[0]!);
      expect(keys).toEqual([
        { label: 'signature', id: SIG_ID, keyType: 'rsa', canSign: true, canDecrypt: expect.any(Boolean) },
        { label: 'authentication', id: AUTH_ID, keyType: 'ec', canSign: true, canDecrypt: expect.any(Boolean) },
      ]);

      const identities = s.listIdentities().sort((a, b) => a.id[0]! - b.id[0]!);
      expect(identities.map((i) => [i.label, i.privateKey.keyType, i.certificates.length])).toEqual([['signature', 'rsa', 1], ['authentication', 'ec', 1]]);
      // The pairing is right: each certificate carries the public half of the key with the same CKA_ID.
      const spki = (der: Uint8Array) => new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
      expect(spki(identities[0]!.certificates[0]!.der).equals(createPublicKey(readFileSync(sig.publicKeyPem, 'utf8')).export({ type: 'spki', format: 'der' }))).toBe(true);
    });
  });

  it('an empty token lists nothing', () => {
    withSession((s) => {
      expect(s.token.label).toBe(OTHER_LABEL);
      expect(s.listCertificates()).toEqual([]);
      expect(s.listPrivateKeys()).toEqual([]);
    }, OTHER_LABEL, '111111');
  });

  it('signs RSA PKCS#1 v1.5 SHA-256, verified by openssl and node:crypto', () => {
    const signature = withSession((s) => s.sign(SIG_ID, { type: 'rsa-pkcs1', hash: 'sha256' }, data));
    expect(signature.length).toBe(256);
    expect(opensslVerifies(sig.publicKeyPem, signature, 'sha256')).toBe(true);
    expect(verify('sha256', data, readFileSync(sig.publicKeyPem, 'utf8'), signature)).toBe(true);
    // The check has teeth: altered data and the wrong hash do not verify.
    const tampered = join(hsm.dir, 'tampered.txt');
    writeFileSync(tampered, Buffer.concat([data, Buffer.from('x')]));
    expect(opensslVerifies(sig.publicKeyPem, signature, 'sha256', undefined, tampered)).toBe(false);
    expect(verify('sha384', data, readFileSync(sig.publicKeyPem, 'utf8'), signature)).toBe(false);
  });

  it('signs RSA-PSS SHA-256 (salt 32), verified by openssl and node:crypto', () => {
    const scheme: SignatureScheme = { type: 'rsa-pss', hash: 'sha256', saltLength: 32 };
    const [a, b] = withSession((s) => [s.sign(SIG_ID, scheme, data), s.sign(SIG_ID, scheme, data)]);
    expect(Buffer.from(a!).equals(Buffer.from(b!))).toBe(false); // salted: PSS, not PKCS#1 v1.5
    for (const signature of [a!, b!]) {
      expect(opensslVerifies(sig.publicKeyPem, signature, 'sha256', { saltLength: 32 })).toBe(true);
      expect(opensslVerifies(sig.publicKeyPem, signature, 'sha256')).toBe(false);
      const key = { key: readFileSync(sig.publicKeyPem, 'utf8'), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      expect(verify('sha256', data, key, signature)).toBe(true);
    }
  });

  it('signs ECDSA P-256 SHA-256 as DER, verified by openssl and node:crypto', () => {
    // Several signatures so that r and s with the high bit set (DER needs a leading 0x00) occur.
    const signatures = withSession((s) => Array.from({ length: 8 }, () => s.sign(AUTH_ID, { type: 'ecdsa', hash: 'sha256' }, data)));
    for (const signature of signatures) {
      expect(signature[0]).toBe(0x30);
      expect(signature[1]).toBe(signature.length - 2);
      expect(opensslVerifies(auth.publicKeyPem, signature, 'sha256')).toBe(true);
      expect(verify('sha256', data, { key: readFileSync(auth.publicKeyPem, 'utf8'), dsaEncoding: 'der' }, signature)).toBe(true);
    }
  });

  it.each([
    [{ type: 'rsa-pkcs1', hash: 'sha384' }, SIG_ID],
    [{ type: 'rsa-pkcs1', hash: 'sha512' }, SIG_ID],
    [{ type: 'rsa-pss', hash: 'sha512', saltLength: 64 }, SIG_ID],
    [{ type: 'rsa-pss', hash: 'sha384', saltLength: 0 }, SIG_ID],
    [{ type: 'ecdsa', hash: 'sha384' }, AUTH_ID],
    [{ type: 'ecdsa', hash: 'sha512' }, AUTH_ID],
  ] as [SignatureScheme, Uint8Array][])('signs %j, verified by node:crypto', (scheme, id) => {
    const signature = withSession((s) => s.sign(id, scheme, data));
    const pub = readFileSync(id === SIG_ID ? sig.publicKeyPem : auth.publicKeyPem, 'utf8');
    const key = scheme.type === 'rsa-pss' ? { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength } : pub;
    expect(verify(scheme.hash, data, key, signature)).toBe(true);
  });

  it('refuses a scheme that does not fit the key, and an unknown key id', () => {
    withSession((s) => {
      expectCode(() => s.sign(AUTH_ID, { type: 'rsa-pkcs1', hash: 'sha256' }, data), 'UNSUPPORTED_ALGORITHM');
      expectCode(() => s.sign(SIG_ID, { type: 'ecdsa', hash: 'sha256' }, data), 'UNSUPPORTED_ALGORITHM');
      expectCode(() => s.sign(SIG_ID, { type: 'rsa-pss', hash: 'sha256', saltLength: -1 }, data), 'UNSUPPORTED_ALGORITHM');
      expectCode(() => s.sign(Uint8Array.of(0x09), { type: 'ecdsa', hash: 'sha256' }, data), 'NO_PRIVATE_KEY');
    });
  });

  it('a wrong PIN is WRONG_PIN, and the PIN appears nowhere in the error', () => {
    const e = expectCode(() => Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, pin: WRONG_PIN }), 'WRONG_PIN');
    expect(e.message).toContain('CKR_PIN_INCORRECT');
    expect(e.message).toContain(LABEL);
    expect(e.message).not.toContain(WRONG_PIN);
    expect(inspect(e, { depth: 10 })).not.toContain(WRONG_PIN);
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain(WRONG_PIN);
    // The right PIN still opens: the failed attempt left nothing half-open.
    withSession((s) => expect(s.listPrivateKeys()).toHaveLength(2));
  });

  it('an empty PIN is PIN_REQUIRED', () => {
    expectCode(() => Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, pin: '' }), 'PIN_REQUIRED');
  });

  it('an unknown token label or slot is TOKEN_NOT_FOUND', () => {
    const e = expectCode(() => Pkcs11Session.open({ module: hsm.module, tokenLabel: 'NO-SUCH-CARD', pin: PIN }), 'TOKEN_NOT_FOUND');
    expect(e.message).toContain('NO-SUCH-CARD');
    expect(e.message).not.toContain(PIN);
    expectCode(() => Pkcs11Session.open({ module: hsm.module, slot: 987654321, pin: PIN }), 'TOKEN_NOT_FOUND');
    const other = listPkcs11Tokens(hsm.module).find((t) => t.label === OTHER_LABEL)!;
    // Label and slot must both match.
    expectCode(() => Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, slot: other.slot, pin: PIN }), 'TOKEN_NOT_FOUND');
  });

  it('selects by slot alone, and asks to choose when several tokens are present and none is named', () => {
    const cps = listPkcs11Tokens(hsm.module).find((t) => t.label === LABEL)!;
    const s = Pkcs11Session.open({ module: hsm.module, slot: cps.slot, pin: PIN });
    try {
      expect(s.token).toEqual(cps);
    } finally {
      s.close();
    }
    expectCode(() => Pkcs11Session.open({ module: hsm.module, pin: PIN }), 'USAGE');
  });

  it('a module that cannot be loaded is PKCS11_MODULE_ERROR', () => {
    const missing = join(hsm.dir, 'no-such-pkcs11.so');
    expectCode(() => Pkcs11Session.open({ module: missing, pin: PIN }), 'PKCS11_MODULE_ERROR');
    expectCode(() => listPkcs11Tokens(missing), 'PKCS11_MODULE_ERROR');
    const notALibrary = join(hsm.dir, 'not-a-library.so');
    writeFileSync(notALibrary, 'this is not an ELF file\n');
    expectCode(() => listPkcs11Tokens(notALibrary), 'PKCS11_MODULE_ERROR');
  });

  it('opens and closes many sessions in one process, sequentially and side by side', () => {
    const pub = readFileSync(auth.publicKeyPem, 'utf8');
    for (let i = 0; i < 5; i++) {
      const s = Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, pin: PIN });
      expect(verify('sha256', data, pub, s.sign(AUTH_ID, { type: 'ecdsa', hash: 'sha256' }, data))).toBe(true);
      s.close();
      s.close(); // safe twice
      expectCode(() => s.sign(AUTH_ID, { type: 'ecdsa', hash: 'sha256' }, data), 'PKCS11_ERROR');
      expect(listPkcs11Tokens(hsm.module).some((t) => t.label === LABEL)).toBe(true);
    }

    // Two sessions on the same token and one on the other: closing one must neither log out nor
    // finalize under the others.
    const a = Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, pin: PIN });
    const b = Pkcs11Session.open({ module: hsm.module, tokenLabel: LABEL, pin: PIN });
    const c = Pkcs11Session.open({ module: hsm.module, tokenLabel: OTHER_LABEL, pin: '111111' });
    try {
      a.close();
      expect(b.listPrivateKeys()).toHaveLength(2); // private objects still visible: still logged in
      expect(verify('sha256', data, pub, b.sign(AUTH_ID, { type: 'ecdsa', hash: 'sha256' }, data))).toBe(true);
      expect(listPkcs11Tokens(hsm.module).length).toBeGreaterThanOrEqual(3);
      expect(c.listCertificates()).toEqual([]);
    } finally {
      a.close();
      b.close();
      c.close();
    }

    // Everything closed (module finalized and unloaded): a fresh start still works.
    withSession((s) => expect(s.listCertificates()).toHaveLength(2));
  });
});
