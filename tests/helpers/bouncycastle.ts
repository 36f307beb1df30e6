/**
 * BouncyCastle's RFC 4998 implementation as a test peer: tests/interop/java/ErsHarness.java compiled
 * with the machine's javac against Debian's libbcpkix-java / libbcprov-java / libbcutil-java (1.72)
 * into a temporary folder (never committed), and run with the machine's java.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './cli.js';
import { havePeers } from './peers.js';

const JARS = ['/usr/share/java/bcpkix.jar', '/usr/share/java/bcprov.jar', '/usr/share/java/bcutil.jar'];
export const CLASSPATH = JARS.join(':');

/** True when java, javac and the BouncyCastle jars are there (under CI=true: throws when not). */
export function haveBouncyCastle(): boolean {
  if (!havePeers('java', 'javac')) return false;
  const missing = JARS.filter((j) => !existsSync(j));
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') throw new Error(`test peer(s) missing under CI=true: ${missing.join(', ')} — run scripts/install-peers.sh`);
  return false;
}

/** Compiles the harness into a fresh temporary folder; returns a runner. */
export function compileHarness(): (args: string[]) => { status: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scelle-bc-'));
  execFileSync('javac', ['-nowarn', '-cp', CLASSPATH, '-d', dir, join(REPO, 'tests', 'interop', 'java', 'ErsHarness.java')], { stdio: 'pipe' });
  return (args) => {
    const r = spawnSync('java', ['-cp', `${CLASSPATH}:${dir}`, 'ErsHarness', ...args], { encoding: 'utf8', timeout: 300_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
}
