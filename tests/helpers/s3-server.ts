/**
 * A real S3 engine on loopback for the S3 destination's tests: Ceph RADOS Gateway (Debian
 * `radosgw`) on a throwaway one-node cluster (memstore), started by scripts/ceph-rgw/start-rgw.sh
 * on free ports and stopped (and deleted) by stop-rgw.sh. Start it once per test file (≈ 3 s).
 *
 * What RGW gives the tests that a mock could not: SigV4 really checked (a wrong secret is 403
 * SignatureDoesNotMatch), atomic `If-None-Match: *` on PUT in an unversioned bucket (exactly one of
 * concurrent creates wins), versioning and S3 Object Lock (COMPLIANCE retention that nobody can
 * shorten or delete), bucket policies, and several users.
 *
 * Two RGW differences from AWS the tests must not rely on (see the recipe): a quoted `If-Match`
 * ETag on PUT gets 412, and in a versioned bucket `If-None-Match: *` is not honoured (a PUT on an
 * existing key adds a version).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { makeTempDir } from './tmp.js';
import { freePort } from './sshd.js';
import { REPO } from './cli.js';

const START = join(REPO, 'scripts', 'ceph-rgw', 'start-rgw.sh');
const STOP = join(REPO, 'scripts', 'ceph-rgw', 'stop-rgw.sh');

/** The commands an RGW test needs (for `havePeers`). */
export const RGW_PEERS = ['radosgw', 'ceph-mon', 'ceph-osd', 'radosgw-admin', 'monmaptool', 'uuidgen', 'bc', 'curl'];

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Fixture {
  endpoint: string;
  region: string;
  /** A bucket created at start (unversioned). */
  bucket: string;
  /** The first user's keys (the bucket's owner). */
  credentials: S3Credentials;
  /** Environment for openDestination: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of that user. */
  env: Record<string, string>;
  /** The cluster's folder. */
  dir: string;
  /** Creates a bucket as `as` (default the first user); `objectLock` turns on versioning and Object Lock. */
  createBucket(name: string, options?: { objectLock?: boolean; as?: S3Credentials }): Promise<void>;
  /** Creates another user and returns its keys. */
  createUser(uid: string): Promise<S3Credentials>;
  /** A signed request (path-style, `/bucket/key?query`), e.g. to play an attacker holding the keys. */
  request(method: string, path: string, options?: { body?: Uint8Array | string; headers?: Record<string, string>; as?: S3Credentials }): Promise<Response>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Starts RGW with one bucket; call `stop()` in afterAll. */
export async function startS3Server(bucket = 'scelle-test'): Promise<S3Fixture> {
  const tmp = makeTempDir('scelle-rgw-');
  const dir = join(tmp.dir, 'ceph');
  const credentials: S3Credentials = { accessKeyId: `SCELLE${randomBytes(7).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('hex') };
  let started: { code: number; out: string } | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    const env = { ...process.env, CEPH_DIR: dir, RGW_PORT: String(port), MON_PORT: String(await freePort()), QUIET: '1', S3_ACCESS_KEY: credentials.accessKeyId, S3_SECRET_KEY: credentials.secretAccessKey };
    started = await run('bash', [START], env);
    if (started.code === 0) break;
    await run('bash', [STOP, '--clean'], { ...process.env, CEPH_DIR: dir });
  }
  if (started?.code !== 0) {
    tmp.cleanup();
    throw new Error(`RGW did not start (3 attempts):\n${started?.out.slice(-3000)}`);
  }
  const stopSync = (): void => { spawnSync('bash', [STOP, '--clean'], { env: { ...process.env, CEPH_DIR: dir }, stdio: 'ignore' }); };
  // a test worker that dies without afterAll must not leave daemons behind
  process.once('exit', stopSync);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = new Map<string, AwsClient>();
  const client = (as: S3Credentials): AwsClient => {
    let c = clients.get(as.accessKeyId);
    if (c === undefined) clients.set(as.accessKeyId, (c = new AwsClient({ ...as, service: 's3', region: 'us-east-1', retries: 0 })));
    return c;
  };
  const request: S3Fixture['request'] = (method, path, options = {}) =>
    client(options.as ?? credentials).fetch(`${endpoint}${path}`, { method, ...(options.body !== undefined ? { body: options.body } : {}), headers: options.headers ?? {} });
  const fixture: S3Fixture = {
    endpoint,
    region: 'us-east-1',
    bucket,
    credentials,
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    dir,
    createBucket: async (name, options = {}) => {
      const r = await request('PUT', `/${name}`, { headers: options.objectLock ? { 'x-amz-bucket-object-lock-enabled': 'true' } : {}, ...(options.as ? { as: options.as } : {}) });
      if (!r.ok) throw new Error(`cannot create bucket ${name}: HTTP ${r.status} ${await r.text()}`);
      await r.arrayBuffer().catch(() => undefined);
    },
    createUser: async (uid) => {
      const keys: S3Credentials = { accessKeyId: `SCELLE${randomBytes(7).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('hex') };
      const r = await run('radosgw-admin', ['-c', join(dir, 'ceph.conf'), 'user', 'create', `--uid=${uid}`, `--display-name=${uid}`, `--access-key=${keys.accessKeyId}`, `--secret=${keys.secretAccessKey}`], process.env);
      if (r.code !== 0) throw new Error(`radosgw-admin user create ${uid}: ${r.out}`);
      return keys;
    },
    request,
    stop: async () => {
      process.removeListener('exit', stopSync);
      await run('bash', [STOP, '--clean'], { ...process.env, CEPH_DIR: dir });
      tmp.cleanup();
    },
  };
  await fixture.createBucket(bucket);
  return fixture;
}
