/**
 * CAdES-B signatures made ON a PKCS#11 token (SoftHSM2 standing in for a CPS card): the demo
 * practitioner's signature key and certificate imported with pkcs11-tool, the SignerInfo signed by
 * the token, and the result accepted by `openssl cms -verify`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFile, createSigner } from '../../src/crypto/cms/sign.js';
import { openPkcs11Identity, selectCertificate, type Identity } from '../../src/crypto/identity.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { createSoftHsm, importIdentity, initToken, type SoftHsm } from '../helpers/softhsm.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';

const PIN = '583021';

describe.skipIf(!havePeers('softhsm2', 'softhsm2-util', 'pkcs11-tool', 'openssl'))('CAdES-B signed on a PKCS#11 token', () => {
  let hsm: SoftHsm;
  let fx: SigningFixture;
  let token: Identity;
  const letter = new TextEncoder().encode('Ordonnance — amoxicilline 1 g, 3 fois par jour, 7 jours.\n');

  beforeAll(async () => {
    hsm = createSoftHsm();
    fx = await createSigningFixture(hsm.dir);
    const t = initToken(hsm, { label: 'SCELLE-CPS', pin: PIN, soPin: '90817263' });
    const keyDer = join(hsm.dir, 'sig.key.der');
    const certDer = join(hsm.dir, 'sig.cert.der');
    writeFileSync(keyDer, fx.pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'der' }));
    writeFileSync(certDer, fx.pki.praticien.certificates[0]!);
    importIdentity(t, { keyDer, certDer, id: '01', label: 'signature' });
    token = openPkcs11Identity({ module: hsm.module, tokenLabel: 'SCELLE-CPS', pin: PIN });
  });
  afterAll(() => {
    token?.close();
    hsm?.cleanup();
  });

  function opensslVerify(sig: string, content?: string, out = '/dev/null'): { status: number; stderr: string } {
    return tryPeer('openssl', ['cms', '-verify', '-binary', '-CAfile', fx.rootPem, '-inform', 'DER', '-in', sig, '-purpose', 'any', ...(content ? ['-content', content] : []), '-out', out]);
  }

  it('the key is on the token (no KeyObject), and openssl accepts detached RSA PKCS#1 and PSS signatures made by it', async () => {
    const entry = selectCertificate(token, 'sign').entry;
    expect(entry.key.kind).toBe('pkcs11');
    expect(entry.key.privateKey).toBeUndefined();
    const file = join(hsm.dir, 'ordonnance.txt');
    writeFileSync(file, letter);
    const r = await signFile(file, { signer: entry, chain: fx.chain });
    const ok = opensslVerify(r.outPath, file);
    expect(ok.stderr).toContain('Verification successful');
    expect(ok.status).toBe(0);

    const pss = await signFile(file, { signer: entry, chain: fx.chain, scheme: { type: 'rsa-pss', hash: 'sha256', saltLength: 32 }, outPath: `${file}.pss.p7s` });
    expect(opensslVerify(pss.outPath, file).status).toBe(0);

    writeFileSync(file, 'Ordonnance — amoxicilline 2 g\n');
    expect(opensslVerify(r.outPath, file).status).not.toBe(0);
  });

  it('attached, and a batch signed with one login', async () => {
    const entry = selectCertificate(token, 'sign').entry;
    const files = ['a', 'b', 'c'].map((x) => {
      const p = join(hsm.dir, `lettre-${x}.txt`);
      writeFileSync(p, `${x}: ${new TextDecoder().decode(letter)}`);
      return p;
    });
    const signer = createSigner({ signer: entry, chain: fx.chain });
    const outcomes = await signer.signFiles(files, { attached: true, concurrency: 3 });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    for (const f of files) {
      const out = `${f}.out`;
      expect(opensslVerify(`${f}.p7m`, undefined, out).status).toBe(0);
      expect(readFileSync(out)).toEqual(readFileSync(f));
    }
  });
});
