/**
 * Serial numbers survive process death: a TSA server in a child process (dist/bench/tsa-server.js,
 * built by `npm test`'s tsc) is asked for tokens, killed with SIGKILL mid-load, and restarted on
 * the same state folder — no serial is ever issued twice, and the lock (an abstract Unix socket
 * on Linux) is released by the kernel, so the restart needs no clean-up. A second server on a
 * locked folder refuses to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../src/timestamp/client.js';
import { REPO } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createTsaFixture, type TsaFixture } from '../helpers/tsa-fixture.js';

const SERVER = join(REPO, 'dist', 'bench', 'tsa-server.js');

function startChild(fx: TsaFixture, state: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVER, fx.p12, state, '0'], { env: { ...process.env, SCELLE_TSA_PASSWORD: fx.pki.tsa.password }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`TSA child exited with ${code}: ${err}`)));
  });
}

describe.skipIf(process.platform !== 'linux' && process.env.CI !== 'true')('TSA serial numbers across crashes', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: TsaFixture;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npx tsc -p tsconfig.json first`);
    ({ dir, cleanup } = makeTempDir('scelle-serials-'));
    fx = await createTsaFixture(dir);
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    cleanup?.();
  });

  async function burst(url: string, n: number, tolerateFailures = false): Promise<string[]> {
    const got = await Promise.allSettled(Array.from({ length: n }, async () => {
      const r = await requestTimestamp({ url, hash: 'sha256', imprint: new Uint8Array(32), certReq: false, timeoutMs: 60_000 });
      return r.response.tstInfo!.serialNumber;
    }));
    if (!tolerateFailures) for (const g of got) if (g.status === 'rejected') throw g.reason;
    return got.flatMap((g) => (g.status === 'fulfilled' ? [g.value] : []));
  }

  it('kill -9 during a burst, restart on the same folder: no serial reused; a second server is LOCKED out', async () => {
    const state = join(dir, 'state');
    const seen = new Set<string>();
    const add = (serials: string[]): void => {
      for (const s of serials) {
        expect(seen.has(s)).toBe(false);
        seen.add(s);
      }
    };

    const a = await startChild(fx, state);
    children.push(a.child);
    add(await burst(a.url, 300));
    // A second server on the same folder must refuse to start (exit with LOCKED).
    const second = await startChild(fx, state).then(() => 'started', (e: Error) => e.message);
    expect(second).toMatch(/in use by another TSA server/);

    // Kill -9 while requests are in flight.
    const inFlight = burst(a.url, 400, true);
    await new Promise((r) => setTimeout(r, 150));
    a.child.kill('SIGKILL');
    const partial = await inFlight;
    add(partial);

    // Restart right away on the same folder: the kernel released the lock.
    const b = await startChild(fx, state);
    children.push(b.child);
    add(await burst(b.url, 300));
    b.child.kill('SIGTERM');
    await new Promise((r) => b.child.once('exit', r));

    // A clean restart as well.
    const c = await startChild(fx, state);
    children.push(c.child);
    add(await burst(c.url, 100));
    c.child.kill('SIGKILL');
    expect(seen.size).toBeGreaterThanOrEqual(700 + partial.length);
  });
});
