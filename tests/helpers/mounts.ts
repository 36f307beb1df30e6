/**
 * Real media for the full-disk and read-only tests: small tmpfs mounts (root only). With CI=true a
 * machine where they cannot be made is a failure, not a skip. A mount under /media/ is what a
 * desktop does with a USB stick: scelle then speaks of "la clé USB".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted medium; `unmount` also removes its mount point when scelle's tests made it. */
export interface Mount {
  dir: string;
  unmount(): void;
}

let probed: boolean | undefined;

/** True when tmpfs can be mounted here (root); under CI=true, throws when it cannot. */
export function canMount(): boolean {
  if (probed === undefined) {
    probed = false;
    if (process.getuid?.() === 0) {
      const dir = mkdtempSync(join(tmpdir(), 'scelle-mount-probe-'));
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      if (r.status === 0) {
        spawnSync('umount', [dir]);
        probed = true;
      }
      rmdirSync(dir);
    }
  }
  if (!probed && process.env.CI === 'true') throw new Error('the full-disk and read-only medium tests need root to mount a tmpfs (CI=true)');
  return probed;
}

/**
 * Mounts a tmpfs of `bytes` at `dir` (created); `readOnly` mounts it read-only, with `seed`
 * written into it first.
 */
export function mountTmpfs(dir: string, options: { bytes: number; readOnly?: boolean; seed?: (dir: string) => void }): Mount {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${options.bytes},mode=0755`, 'tmpfs', dir]);
  options.seed?.(dir);
  if (options.readOnly === true) execFileSync('mount', ['-o', 'remount,ro', dir]);
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      try {
        rmdirSync(dir);
      } catch {
        // not empty or already gone
      }
    },
  };
}

/** A fresh mount point under /media/, as a desktop mounts a USB stick. */
export function usbMountPoint(): string {
  mkdirSync('/media', { recursive: true });
  return mkdtempSync('/media/scelle-test-');
}
