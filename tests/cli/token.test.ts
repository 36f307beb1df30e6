/**
 * A SoftHSM2 token holding the demo practitioner's two keys (imported with pkcs11-tool) is listed,
 * used to sign through `scelle identity check --pkcs11`, and a wrong PIN gives exit 12.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki } from '../../src/crypto/demo-pki.js';
import { havePeers } from '../helpers/peers.js';
import { createSoftHsm, initToken, importIdentity, type SoftHsm } from '../helpers/softhsm.js';
import { scelle } from '../helpers/cli.js';

const PIN = '582913';

describe.skipIf(!havePeers('softhsm2', 'softhsm2-util', 'pkcs11-tool'))('scelle with a PKCS#11 token (SoftHSM2 as the CPS card)', () => {
  let hsm: SoftHsm;
  let pinFile: string;
  let wrongPinFile: string;
  beforeAll(async () => {
    hsm = createSoftHsm();
    const token = initToken(hsm, { label: 'CPS-DEMO', pin: PIN, soPin: '12345678' });
    const pki = await createDemoPki();
    pki.praticien.certificates.forEach((cert, i) => {
      const keyDer = join(hsm.dir, `key${i}.der`);
      const certDer = join(hsm.dir, `cert${i}.der`);
      writeFileSync(keyDer, pki.praticien.keys[i]!.export({ type: 'pkcs8', format: 'der' }));
      writeFileSync(certDer, cert);
      importIdentity(token, { keyDer, certDer, id: `0${i + 1}`, label: i === 0 ? 'Signature' : 'Authentification' });
    });
    pinFile = join(hsm.dir, 'pin');
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
    wrongPinFile = join(hsm.dir, 'wrong-pin');
    writeFileSync(wrongPinFile, '000999\n', { mode: 0o600 });
  });
  afterAll(() => hsm?.cleanup());

  const env = (): Record<string, string> => ({ SOFTHSM2_CONF: hsm.conf });

  it('token list shows the token without a PIN', () => {
    const r = scelle(['token', 'list', '--pkcs11', hsm.module, '--json'], { env: env() });
    expect(r.status).toBe(0);
    expect(r.json().tokens.map((t: { label: string }) => t.label)).toContain('CPS-DEMO');
  });

  it('identity show lists both keys and picks the signature one by key usage', () => {
    const r = scelle(['identity', 'show', '--pkcs11', hsm.module, '--token', 'CPS-DEMO', '--pin-file', pinFile, '--json'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.kind).toBe('pkcs11');
    expect(doc.entries.map((e: { label: string }) => e.label).sort()).toEqual(['Authentification', 'Signature']);
    expect(doc.picked.sign.reason).toBe('nonRepudiation');
    expect(doc.entries.every((e: { keyKind: string }) => e.keyKind === 'pkcs11')).toBe(true);
  });

  it('identity check signs on the token and the certificate verifies it (PIN from SCELLE_PIN)', () => {
    const r = scelle(['identity', 'check', '--pkcs11', hsm.module, '--token', 'CPS-DEMO', '--json'], { env: { ...env(), SCELLE_PIN: PIN } });
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.keyKind).toBe('pkcs11');
    expect(doc.picked.label).toBe('Signature');
    expect(doc.scheme).toBe('RSA PKCS#1 v1.5 / SHA-256');
  });

  it('a wrong PIN: exit 12, WRONG_PIN, French message, the PIN is never printed', () => {
    const r = scelle(['identity', 'check', '--pkcs11', hsm.module, '--token', 'CPS-DEMO', '--pin-file', wrongPinFile], { env: { ...env(), LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(12);
    expect(r.stderr).toContain('code PIN incorrect');
    expect(r.stdout + r.stderr).not.toContain('000999');
    const j = scelle(['identity', 'check', '--pkcs11', hsm.module, '--token', 'CPS-DEMO', '--json'], { env: { ...env(), SCELLE_PIN: '000999' } });
    expect(j.status).toBe(12);
    expect(j.json().error.code).toBe('WRONG_PIN');
  });

  it('no PIN and no terminal: PIN_REQUIRED, exit 2', () => {
    const r = scelle(['identity', 'check', '--pkcs11', hsm.module, '--token', 'CPS-DEMO', '--json'], { env: env() });
    expect(r.status).toBe(2);
    expect(r.json().error.code).toBe('PIN_REQUIRED');
  });

  it('an unknown token label: TOKEN_NOT_FOUND', () => {
    const r = scelle(['identity', 'check', '--pkcs11', hsm.module, '--token', 'NO-SUCH-CARD', '--pin-file', pinFile, '--json'], { env: env() });
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('TOKEN_NOT_FOUND');
  });
});
