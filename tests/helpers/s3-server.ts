/**
 * An S3-compatible server on a free loopback port for the S3 backup target's interop tests:
 * s3rver (npm devDependency, pinned in the lockfile), run as its own process with its CLI and
 * a data folder on disk. See docs/drafts/backup-targets.md for why this server.
 *
 * What s3rver checks and what it does not (the tests account for both):
 * - it refuses an unknown access key id (403 InvalidAccessKeyId) and checks SigV2 signatures,
 *   but does not verify SigV4 signatures — a wrong *secret* key goes through;
 * - it ignores `If-None-Match: *` on PUT (no conditional writes), so putIfAbsent runs in its
 *   documented best-effort mode there;
 * - it paginates ListObjectsV2 at 1000 keys, like AWS; its continuation tokens are DES-encrypted,
 *   which OpenSSL 3 only offers with Node's `--openssl-legacy-provider`;
 * - it writes an object's file in place: a GET racing an overwrite may see a short object (real
 *   S3 publishes an object only when its upload is complete).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { makeTempDir } from './tmp.js';
import { freePort } from './sshd.js';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Fixture {
  endpoint: string;
  region: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Environment for openDestination: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
  env: Record<string, string>;
  /** s3rver's data folder. */
  dir: string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, deadline: number, exited: () => boolean): Promise<boolean> {
  while (Date.now() < deadline) {
    if (exited()) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Starts s3rver with one bucket; call `stop()` in afterAll. */
export async function startS3Server(bucket = 'scelle-test'): Promise<S3Fixture> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const tmp = makeTempDir('scelle-s3-');
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', tmp.dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets', '--configure-bucket', bucket], { stdio: 'ignore' });
    const up = await waitForPort(port, Date.now() + 15_000, () => child.exitCode !== null);
    if (!up) {
      child.kill('SIGTERM');
      continue;
    }
    return {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      credentials: { ...S3RVER_CREDENTIALS },
      env: { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey },
      dir: tmp.dir,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        tmp.cleanup();
      },
    };
  }
  tmp.cleanup();
  throw new Error('s3rver did not start (3 attempts)');
}
