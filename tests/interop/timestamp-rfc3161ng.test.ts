/**
 * Our TSA server against another client: Debian's python3-rfc3161ng (pyasn1 + cryptography)
 * requests tokens over HTTP and checks them itself (nonce, imprint, message-digest, the RSA
 * signature with the TSA certificate). With CI=true a missing rfc3161ng is a failure.
 *
 * rfc3161ng defaults to SHA-1 imprints, which scelle's TSA refuses (badAlg): the test asks for
 * SHA-256, and checks that a default (SHA-1) request is answered with a badAlg rejection.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';
import { startTsaServer, type TsaServer } from '../../src/timestamp/server.js';
import { DEMO_TSA_POLICY, createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import { tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';

/** The Python that has rfc3161ng (Debian's, even when pyenv shadows python3 on PATH), or undefined. */
function rfc3161ngPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    if (tryPeer(py, ['-c', 'import rfc3161ng']).status === 0) return py;
  }
  if (process.env.CI === 'true') throw new Error('test peer missing under CI=true: python3-rfc3161ng — run scripts/install-peers.sh');
  return undefined;
}

const python = rfc3161ngPython();

/** Runs the client without blocking the event loop (the server runs in this process). */
function runClient(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python!, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const SCRIPT = `
import sys, requests, rfc3161ng
from pyasn1.codec.der import decoder
url, cert_path, hashname, nonce = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cert = open(cert_path, 'rb').read()
data = b'Ordonnance du Dr Durand, 12 mars'
rt = rfc3161ng.RemoteTimestamper(url, certificate=cert, hashname=hashname, include_tsa_certificate=True)
try:
    if hashname != 'sha1':
        tsr = rt(data=data, nonce=nonce, return_tsr=True)   # rfc3161ng's own client, checks included
    else:
        # rt() cannot return a rejection (it checks the absent token): send its request by hand.
        req = rfc3161ng.make_timestamp_request(data=data, hashname='sha1', include_tsa_certificate=True, nonce=nonce)
        res = requests.post(url, data=rfc3161ng.encode_timestamp_request(req), headers={'Content-Type': 'application/timestamp-query'}, timeout=10)
        tsr = rfc3161ng.decode_timestamp_response(res.content)
except Exception as e:
    print('ERROR', type(e).__name__, e)
    sys.exit(3)
status = int(tsr['status']['status'])
if status not in (0, 1):
    fi = tsr['status']['failInfo']
    print('REJECTED', status, ''.join(str(b) for b in fi))
    sys.exit(2)
tst = tsr.time_stamp_token
rt.check(tst, data=data, nonce=nonce)            # raises on any mismatch
info = tst.tst_info
print('OK', info['policy'], int(info['serialNumber']), int(info['nonce']), rfc3161ng.get_timestamp(tst).isoformat())
`;

describe.skipIf(python === undefined)('python3-rfc3161ng gets valid tokens from our TSA', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: TsaFixture;
  let state: SerialState;
  let server: TsaServer;
  let script: string;

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-ts-rfc3161ng-'));
    fx = await createTsaFixture(dir);
    state = await openSerialState(join(dir, 'state'));
    server = await startTsaServer({ tsa: createTimeStampAuthority({ signer: fx.entry, chain: fx.chain, state }), port: 0 });
    script = join(dir, 'client.py');
    writeFileSync(script, SCRIPT);
  });
  afterAll(async () => {
    await server?.close();
    await state?.close();
    cleanup?.();
  });

  it.each(['sha256', 'sha384', 'sha512'])('%s: a granted token that rfc3161ng verifies (signature, nonce, imprint)', async (hash) => {
    const nonce = '12345678901234567890123';
    const r = await runClient([script, server.url, fx.certPem, hash, nonce]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [ok, policy, serial, echoed, time] = r.stdout.trim().split(' ');
    expect(ok).toBe('OK');
    expect(policy).toBe(DEMO_TSA_POLICY);
    expect(BigInt(serial!)).toBeGreaterThan(0n);
    expect(echoed).toBe(nonce);
    expect(Math.abs(Date.parse(`${time}Z`) - Date.now())).toBeLessThan(60_000);
  });

  it('its default SHA-1 request is rejected with badAlg (PKIFailureInfo bit 0)', async () => {
    const r = await runClient([script, server.url, fx.certPem, 'sha1', '7']);
    expect(r.stdout.trim()).toMatch(/^REJECTED 2 1/);
    expect(r.status).toBe(2);
  });
});
