import { describe, expect, it, afterEach } from 'vitest';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isValidKey } from '../../../src/backup/destination/common.js';
import { checkHostKey } from '../../../src/backup/destination/known-hosts.js';
import { parseListPage, S3Destination } from '../../../src/backup/destination/s3.js';

describe('object keys', () => {
  it.each([
    ['data/3f/3f9a', true],
    ['snapshots/2026-11-23t07-00-00z', true],
    ['config', true],
    ['.scelle-drive', true],
    ['../x', false],
    ['a/./b', false],
    ['a//b', false],
    ['/a', false],
    ['a/', false],
    ['A', false],
    ['x~tmp~00', false],
    ['', false],
  ])('%s → %s', (key, ok) => expect(isValidKey(key)).toBe(ok));
});

describe('SSH host key check', () => {
  const key = randomBytes(51);
  const other = randomBytes(51);
  const b64 = key.toString('base64');
  const fp = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

  it('accepts the pinned fingerprint (with or without = padding), refuses another', async () => {
    expect(await checkHostKey(key, 'h', 22, [fp], undefined)).toBeUndefined();
    expect(await checkHostKey(key, 'h', 22, [`${fp}=`], undefined)).toBeUndefined();
    expect(await checkHostKey(other, 'h', 22, [fp], undefined)).toMatch(/not the pinned fingerprint/);
  });

  it('matches plain, [host]:port and hashed known_hosts entries', async () => {
    expect(await checkHostKey(key, 'nas', 22, [], `nas,10.0.0.2 ssh-ed25519 ${b64}\n`)).toBeUndefined();
    expect(await checkHostKey(key, '127.0.0.1', 2222, [], `[127.0.0.1]:2222 ssh-ed25519 ${b64}\n`)).toBeUndefined();
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[127.0.0.1]:2222').digest('base64')}`;
    expect(await checkHostKey(key, '127.0.0.1', 2222, [], `${hashed} ssh-ed25519 ${b64}\n`)).toBeUndefined();
    expect(await checkHostKey(key, '127.0.0.1', 2223, [], `${hashed} ssh-ed25519 ${b64}\n`)).toMatch(/not in known_hosts/);
  });

  it('reports a changed key and a revoked key', async () => {
    expect(await checkHostKey(other, 'nas', 22, [], `nas ssh-ed25519 ${b64}\n`)).toMatch(/does not match its known_hosts entry/);
    expect(await checkHostKey(key, 'nas', 22, [], `@revoked * ssh-ed25519 ${b64}\nnas ssh-ed25519 ${b64}\n`)).toMatch(/revoked/);
  });
});

describe('ListObjectsV2 pages', () => {
  it('reads keys (XML entities decoded), sizes, truncation and the continuation token', () => {
    const xml = `<?xml version="1.0"?><ListBucketResult><Contents><Key>p/a&amp;b</Key><Size>12</Size></Contents><Contents><Key>p/c</Key><LastModified>x</LastModified><Size>0</Size></Contents><IsTruncated>true</IsTruncated><NextContinuationToken>tok&#x2B;1</NextContinuationToken></ListBucketResult>`;
    expect(parseListPage(xml)).toEqual({ objects: [{ key: 'p/a&b', size: 12 }, { key: 'p/c', size: 0 }], truncated: true, next: 'tok+1' });
    expect(parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>')).toEqual({ objects: [], truncated: false, next: undefined });
  });
});

describe('S3 conditional writes (If-None-Match: *)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A loopback HTTP server playing the part of a bucket that answers PUT with `putStatus`. */
  async function bucket(putStatus: (headers: Record<string, string | string[] | undefined>) => number): Promise<{ endpoint: string; puts: Array<string | undefined> }> {
    const puts: Array<string | undefined> = [];
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'HEAD') {
          res.statusCode = 404;
          return res.end();
        }
        puts.push(req.headers['if-none-match'] as string | undefined);
        res.statusCode = putStatus(req.headers);
        res.end(res.statusCode === 501 ? '<Error><Code>NotImplemented</Code></Error>' : '');
      });
    });
    await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', () => r()));
    const a = (server as Server).address();
    return { endpoint: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, puts };
  }
  const info = { name: 'hds', scheme: 's3' as const, url: 's3://b/p', media: 'cloud' as const };
  const creds = { accessKeyId: 'AKID', secretAccessKey: 'SECRET' };

  it('412 Precondition Failed means the key exists: false', async () => {
    const b = await bucket(() => 412);
    const t = new S3Destination(info, { bucket: 'bkt', prefix: 'p', endpoint: b.endpoint, credentials: creds, conditional: 'auto' });
    expect(await t.putIfAbsent('locks/x', new Uint8Array([1]))).toBe(false);
    expect(b.puts).toEqual(['*']);
  });

  it('501 NotImplemented: falls back to HEAD-then-PUT and remembers it', async () => {
    const b = await bucket((h) => (h['if-none-match'] === '*' ? 501 : 200));
    const t = new S3Destination(info, { bucket: 'bkt', prefix: 'p', endpoint: b.endpoint, credentials: creds, conditional: 'auto' });
    expect(await t.putIfAbsent('locks/x', new Uint8Array([1]))).toBe(true);
    expect(await t.putIfAbsent('locks/y', new Uint8Array([1]))).toBe(true);
    expect(b.puts).toEqual(['*', undefined, undefined]);
  });

  it('conditional=off never sends the header; conditional=on does not fall back', async () => {
    const off = await bucket(() => 200);
    expect(await new S3Destination(info, { bucket: 'bkt', prefix: '', endpoint: off.endpoint, credentials: creds, conditional: 'off' }).putIfAbsent('k', new Uint8Array())).toBe(true);
    expect(off.puts).toEqual([undefined]);
    await new Promise<void>((r) => (server as Server).close(() => r()));
    const on = await bucket(() => 501);
    const t = new S3Destination(info, { bucket: 'bkt', prefix: '', endpoint: on.endpoint, credentials: creds, conditional: 'on' });
    await expect(t.putIfAbsent('k', new Uint8Array())).rejects.toMatchObject({ code: 'TARGET_ERROR' });
    server = undefined;
  });
});
