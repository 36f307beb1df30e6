/**
 * Real peers (openssl, gpgsm, 7zz, softhsm2-util, pkcs11-tool…) that interop tests run.
 * With CI=true a missing peer is a failure, never a skip: `.ci/run` installs them all.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const found = new Map<string, string | undefined>();

/** Absolute path of a command on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  if (found.has(cmd)) return found.get(cmd);
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.trim() : undefined;
  found.set(cmd, path);
  return path;
}

/** Where SoftHSM2's PKCS#11 module lives on Debian. */
export const SOFTHSM2_MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so']
  .find((p) => existsSync(p));

/**
 * True when every peer is present. When one is missing: throws under CI=true (so the suite fails),
 * otherwise returns false so the caller can `describe.skipIf(!havePeers(...))`.
 */
export function havePeers(...cmds: string[]): boolean {
  const missing = cmds.filter((c) => (c === 'softhsm2' ? SOFTHSM2_MODULE === undefined : which(c) === undefined));
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') {
    throw new Error(`test peer(s) missing under CI=true: ${missing.join(', ')} — run scripts/install-peers.sh`);
  }
  return false;
}

/** Runs a peer command, returning stdout; throws with stderr on a non-zero exit. */
export function runPeer(cmd: string, args: string[], options: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  return execFileSync(cmd, args, {
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs a peer command and returns its exit status, stdout and stderr without throwing. */
export function tryPeer(cmd: string, args: string[], options: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv; cwd?: string } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    encoding: 'utf8',
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
