/** `scelle tsa serve`, `scelle timestamp`, `scelle timestamp verify`, `sign --tsa` and `verify` on CAdES-T, as run from a shell. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { scelle, BIN, readJsonOutput } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers, tryPeer } from '../helpers/peers.js';

const tmp = makeTempDir('scelle-ts-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let url = '';
let server: ChildProcess;

function startServer(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, 'tsa', 'serve', ...args], { env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolvePromise({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => reject(new Error(`tsa serve exited ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  const pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  writeFileSync(f('tsa.pass'), `${pw['tsa.p12']}\n`, { mode: 0o600 });
  writeFileSync(f('praticien.pass'), `${pw['praticien.p12']}\n`, { mode: 0o600 });
  writeFileSync(f('ordonnance.txt'), 'Ordonnance : amoxicilline 1 g, 2 fois par jour, 6 jours.\n');
  writeFileSync(f('autre.txt'), 'un autre document\n');
  ({ child: server, url } = await startServer(['--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--port', '0', '--state', f('state')]));
});
afterAll(() => {
  server?.kill('SIGTERM');
  tmp.cleanup();
});

const trust = (): string[] => ['--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem')];

describe('scelle timestamp and tsa serve', () => {
  it('timestamps a file to FILE.tsr, verified strictly on the way', () => {
    const r = scelle(['timestamp', f('ordonnance.txt'), '--tsa', url, ...trust(), '--json']);
    expect(r.status).toBe(0);
    const res = r.json().results[0];
    expect(res).toMatchObject({ ok: true, verified: true, policy: '1.3.6.1.4.1.99999.3161.1' });
    expect(existsSync(f('ordonnance.txt.tsr'))).toBe(true);
  });

  it.runIf(havePeers('openssl'))('openssl ts -verify accepts the .tsr scelle wrote', () => {
    const v = tryPeer('openssl', ['ts', '-verify', '-data', f('ordonnance.txt'), '-in', f('ordonnance.txt.tsr'), '-CAfile', join(pki, 'trust.pem'), '-untrusted', join(pki, 'ca.pem')]);
    expect(v.stdout).toContain('Verification: OK');
  });

  it('timestamp verify: valid with --data and with --digest; other data is TIMESTAMP_IMPRINT_MISMATCH (exit 3)', () => {
    const ok = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), ...trust(), '--json']);
    expect(ok.status).toBe(0);
    expect(ok.json().tsa).toContain('HORODATAGE SCELLE DEMO');
    const digest = createHash('sha256').update(readFileSync(f('ordonnance.txt'))).digest('hex');
    expect(scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--digest', digest, ...trust()]).status).toBe(0);
    const bad = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('autre.txt'), ...trust(), '--json']);
    expect(bad.status).toBe(3);
    expect(bad.json().code).toBe('TIMESTAMP_IMPRINT_MISMATCH');
  });

  it('timestamp verify in French: the indication, the time in the local zone, the moment the TSA chain was checked; no CRL for the TSA is INDETERMINATE (exit 3), never valid', () => {
    const ok = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), ...trust()], { env: { LANG: 'fr_FR.UTF-8', TZ: 'Europe/Paris' } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Horodatage VALIDE (TOTAL-PASSED)');
    const genTime = new Date(/\((\d{4}-\d\d-\d\dT[^)]+Z)\)/.exec(ok.stdout)![1]!);
    const local = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Europe/Paris' }).format(genTime);
    expect(ok.stdout).toContain(`Date (genTime) : ${local}`);
    expect(ok.stdout).toMatch(/Vérifié au \d{1,2} \S+ \d{4} à \d\d:\d\d:\d\d/);
    const json = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), ...trust(), '--json']).json();
    expect(json).toMatchObject({ ok: true, indication: 'TOTAL-PASSED' });
    const noCrl = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), '--trust', join(pki, 'trust.pem')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(noCrl.status).toBe(3);
    expect(noCrl.stdout).toContain('Horodatage INDÉTERMINÉ (INDETERMINATE / TRY_LATER) [REVOCATION_UNAVAILABLE]');
    expect(noCrl.stdout).toContain('donnez les listes de révocation des autorités avec --crl');
  });

  it('timestamp verify: another required policy is TIMESTAMP_POLICY_MISMATCH; another root is CHAIN_UNTRUSTED', () => {
    const p = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), '--policy', '1.2.250.1.999', ...trust(), '--json']);
    expect(p.status).toBe(3);
    expect(p.json().code).toBe('TIMESTAMP_POLICY_MISMATCH');
    const other = makeTempDir('scelle-other-');
    try {
      expect(scelle(['pki', 'demo', '--out', other.dir]).status).toBe(0);
      const u = scelle(['timestamp', 'verify', f('ordonnance.txt.tsr'), '--data', f('ordonnance.txt'), '--trust', join(other.dir, 'trust.pem'), '--json']);
      expect(u.status).toBe(3);
      expect(u.json().code).toBe('CHAIN_UNTRUSTED');
    } finally {
      other.cleanup();
    }
  });

  it('sign --tsa makes a CAdES-T signature; verify reports the timestamp as verified; openssl cms accepts it', () => {
    const s = scelle(['sign', f('ordonnance.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--tsa', url]);
    expect(s.status).toBe(0);
    const v = scelle(['verify', f('ordonnance.txt.p7s'), ...trust(), '--json']);
    expect(v.status).toBe(0);
    const signer = v.json().results[0].signers[0];
    expect(signer.level).toBe('CAdES-T');
    expect(signer.timestamp.verified).toBe(true);
    // The certificate is still valid now: it is checked now; the time-stamp is the signature's proof of existence.
    expect(signer.validatedAt).toBe(signer.validationTime);
    expect(signer.bestSignatureTime).toBe(signer.timestamp.genTime);
    expect(signer.poe).toMatchObject({ time: signer.timestamp.genTime, origin: 'signature-timestamp' });
    expect(signer.indication).toBe('TOTAL-PASSED');
    if (havePeers('openssl')) {
      const o = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('ordonnance.txt.p7s'), '-content', f('ordonnance.txt'), '-CAfile', join(pki, 'trust.pem'), '-purpose', 'any', '-out', '/dev/null']);
      expect(o.stderr).toContain('Verification successful');
    }
  });

  it('timestamp SIG.p7s upgrades an existing CAdES-B signature in place', () => {
    expect(scelle(['sign', f('autre.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass')]).status).toBe(0);
    const before = scelle(['verify', f('autre.txt.p7s'), ...trust(), '--json']).json().results[0].signers[0];
    expect(before.level).toBe('CAdES-B');
    expect(scelle(['timestamp', f('autre.txt.p7s'), '--tsa', url]).status).toBe(0);
    const after = scelle(['verify', f('autre.txt.p7s'), ...trust(), '--json']).json().results[0].signers[0];
    expect(after.level).toBe('CAdES-T');
    expect(after.timestamp.verified).toBe(true);
  });

  it('an unreachable TSA: TSA_UNAVAILABLE, exit 1, nothing written', () => {
    writeFileSync(f('x.txt'), 'x');
    const r = scelle(['timestamp', f('x.txt'), '--tsa', 'http://127.0.0.1:9/', '--json']);
    expect(r.status).toBe(1);
    expect(r.json().results[0].error.code).toBe('TSA_UNAVAILABLE');
    expect(existsSync(f('x.txt.tsr'))).toBe(false);
  });

  it('tsa serve --json: a `listening` event at once (port 0 works for scripts), the envelope once stopped, with the requests answered', async () => {
    const child = spawn(process.execPath, [BIN, 'tsa', 'serve', '--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--port', '0', '--state', f('state-json'), '--json'], { env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const listening = new Promise<{ type: string; url: string }>((res) => child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n') && !out.startsWith('{"schemaVersion"')) res(JSON.parse(out.slice(0, out.indexOf('\n'))) as { type: string; url: string });
    }));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const event = await listening;
    expect(event).toEqual({ type: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), policy: '1.3.6.1.4.1.99999.3161.1', state: f('state-json') });
    writeFileSync(f('serve-json.txt'), 'courrier horodaté\n');
    const stamped = scelle(['timestamp', f('serve-json.txt'), '--tsa', event.url, ...trust()]);
    expect(stamped.status, stamped.stderr).toBe(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(2);
    expect(readJsonOutput(out)).toEqual({ ok: true, url: event.url, policy: '1.3.6.1.4.1.99999.3161.1', state: f('state-json'), requests: 1 });
  });

  it('a second server on the same state folder is refused: LOCKED, exit 11', () => {
    const r = scelle(['tsa', 'serve', '--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--port', '0', '--state', f('state'), '--json']);
    expect(r.status).toBe(11);
    expect(r.json().error.code).toBe('LOCKED');
  });

  it('a practitioner identity cannot serve as a TSA (no timeStamping EKU)', () => {
    const r = scelle(['tsa', 'serve', '--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass'), '--port', '0', '--state', f('state2'), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('NO_SUITABLE_CERTIFICATE');
  });
});
