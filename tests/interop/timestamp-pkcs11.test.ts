/**
 * A TSA whose key is on a PKCS#11 token (SoftHSM2 standing in for an HSM): the demo TSA key and
 * certificate imported with pkcs11-tool, each token's SignerInfo signed by the token, and the
 * replies accepted by `openssl ts -verify` (against the data and against the query).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPkcs11Identity, selectCertificate, type Identity } from '../../src/crypto/identity.js';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';
import { createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import { parseTimeStampResp } from '../../src/timestamp/tsp.js';
import { havePeers, tryPeer } from '../helpers/peers.js';
import { createSoftHsm, importIdentity, initToken, type SoftHsm } from '../helpers/softhsm.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';

const PIN = '731946';

describe.skipIf(!havePeers('softhsm2', 'softhsm2-util', 'pkcs11-tool', 'openssl'))('RFC 3161 tokens signed on a PKCS#11 token', () => {
  let hsm: SoftHsm;
  let fx: TsaFixture;
  let token: Identity;
  let state: SerialState;

  beforeAll(async () => {
    hsm = createSoftHsm();
    fx = await createTsaFixture(hsm.dir);
    const t = initToken(hsm, { label: 'SCELLE-TSA', pin: PIN, soPin: '10293847' });
    const keyDer = join(hsm.dir, 'tsa.key.der');
    const certDer = join(hsm.dir, 'tsa.cert.der');
    writeFileSync(keyDer, fx.pki.tsa.keys[0]!.export({ type: 'pkcs8', format: 'der' }));
    writeFileSync(certDer, fx.entry.certificate.der);
    importIdentity(t, { keyDer, certDer, id: '01', label: 'horodatage' });
    token = openPkcs11Identity({ module: hsm.module, tokenLabel: 'SCELLE-TSA', pin: PIN });
    state = await openSerialState(join(hsm.dir, 'state'));
  });
  afterAll(async () => {
    await state?.close();
    token?.close();
    hsm?.cleanup();
  });

  it('openssl ts -verify accepts tokens whose signature the token made', async () => {
    const entry = selectCertificate(token, 'tsa').entry;
    expect(entry.key.kind).toBe('pkcs11');
    expect(entry.key.privateKey).toBeUndefined();
    const tsa = createTimeStampAuthority({ signer: entry, chain: fx.chain, state });
    for (const hash of ['sha256', 'sha512']) {
      const data = join(hsm.dir, `cr-${hash}.txt`);
      const tsq = join(hsm.dir, `${hash}.tsq`);
      const tsr = join(hsm.dir, `${hash}.tsr`);
      writeFileSync(data, `Compte rendu signé par le HSM (${hash})\n`);
      execFileSync('openssl', ['ts', '-query', '-data', data, `-${hash}`, '-cert', '-out', tsq]);
      const reply = await tsa.respond(new Uint8Array(readFileSync(tsq)));
      expect(parseTimeStampResp(reply).status).toBe(0);
      writeFileSync(tsr, reply);
      for (const how of [['-data', data], ['-queryfile', tsq]]) {
        const r = tryPeer('openssl', ['ts', '-verify', ...how, '-in', tsr, '-CAfile', fx.rootPem, '-untrusted', fx.caPem]);
        expect(r.stdout).toMatch(/Verification: OK/);
        expect(r.status).toBe(0);
      }
      writeFileSync(data, 'falsifié\n');
      expect(tryPeer('openssl', ['ts', '-verify', '-data', data, '-in', tsr, '-CAfile', fx.rootPem, '-untrusted', fx.caPem]).status).not.toBe(0);
    }
  });
});
