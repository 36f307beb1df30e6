/** p12 files written by `openssl pkcs12 -export`, with and without -legacy, through the real CLI. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { havePeers, runPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { scelle } from '../helpers/cli.js';

const PASSWORD = 'Ordonnance-2026-sûre!';

describe.skipIf(!havePeers('openssl'))('scelle reads p12 files made by openssl', () => {
  const tmp = makeTempDir('scelle-p12-');
  const f = (n: string): string => join(tmp.dir, n);
  beforeAll(async () => {
    const pki = await createDemoPki();
    writeFileSync(f('key.pem'), formatPem('PRIVATE KEY', new Uint8Array(pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'der' }))));
    writeFileSync(f('cert.pem'), formatPem('CERTIFICATE', pki.praticien.certificates[0]!));
    writeFileSync(f('chain.pem'), formatPem('CERTIFICATE', pki.ca) + formatPem('CERTIFICATE', pki.root));
    writeFileSync(f('pass'), `${PASSWORD}\n`, { mode: 0o600 });
    const common = ['-inkey', f('key.pem'), '-in', f('cert.pem'), '-certfile', f('chain.pem'), '-passout', `file:${f('pass')}`, '-name', 'CLAIRE DURAND (signature)'];
    runPeer('openssl', ['pkcs12', '-export', ...common, '-out', f('default.p12')]);
    runPeer('openssl', ['pkcs12', '-export', '-legacy', ...common, '-out', f('legacy.p12')]);
  });
  afterAll(() => tmp.cleanup());

  it.each(['default.p12', 'legacy.p12'])('%s: identity show picks the signature certificate', (file) => {
    const r = scelle(['identity', 'show', '--identity', f(file), '--pass-file', f('pass'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = r.json();
    expect(doc.entries).toHaveLength(1);
    expect(doc.entries[0].rpps).toBe('10101234567');
    expect(doc.entries[0].label).toBe('CLAIRE DURAND (signature)');
    expect(doc.picked.sign.reason).toBe('nonRepudiation');
  });

  it.each(['default.p12', 'legacy.p12'])('%s: identity check signs and verifies', (file) => {
    const r = scelle(['identity', 'check', '--identity', f(file), '--json'], { env: { SCELLE_PASSWORD: PASSWORD } });
    expect(r.status).toBe(0);
    expect(r.json().scheme).toBe('RSA PKCS#1 v1.5 / SHA-256');
  });

  it.each(['default.p12', 'legacy.p12'])('%s: a wrong password gives exit 12 and a French message without the password', (file) => {
    writeFileSync(f('wrong'), 'Ordonnance-2025-sûre!\n');
    const r = scelle(['identity', 'show', '--identity', f(file), '--pass-file', f('wrong')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(12);
    expect(r.stderr).toMatch(/^scelle: erreur : mot de passe incorrect pour .*\.p12/m);
    expect(r.stderr).toContain('conseil : vérifiez le mot de passe');
    expect(r.stdout + r.stderr).not.toContain('Ordonnance-2025');
    expect(r.stdout + r.stderr).not.toContain('Ordonnance-2026');
  });
});
