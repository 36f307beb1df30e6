/**
 * CMS envelopes on one large file: scelle's streaming encrypt/decrypt (AuthEnvelopedData,
 * AES-256-GCM, RSA-OAEP recipient) against `openssl cms -encrypt -stream -binary -aes-256-gcm`
 * and `openssl cms -decrypt`, in one run on the same input. Prints wall time, peak RSS (GNU time)
 * and the ratios; checks that both decryptions give back the input (SHA-256).
 *
 *   npm run bench -- cms --cms-gib 1
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki } from '../src/crypto/demo-pki.js';
import { formatPem } from '../src/crypto/pem.js';
import { BIN, arg, measure, row, lcg } from './util.js';

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Writes `bytes` of incompressible pseudo-random data (not sparse: every page is real). */
function makeInput(path: string, bytes: number): void {
  const rng = lcg(20261124);
  const block = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(Math.floor(rng() * 2 ** 32), i);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0, n = 0; done < bytes; n++) {
      // vary each block so that no two are equal
      block.writeUInt32LE(n, 0);
      const len = Math.min(block.length, bytes - done);
      writeSync(fd, block, 0, len);
      done += len;
    }
  } finally {
    closeSync(fd);
  }
}

export async function benchCms(work: string): Promise<void> {
  const gib = arg('cms-gib', 1);
  const bytes = Math.round(gib * 1024 ** 3);
  const pki = await createDemoPki();
  const cert = join(work, 'enc-cert.pem');
  const key = join(work, 'enc-key.pem');
  writeFileSync(cert, formatPem('CERTIFICATE', pki.praticien.certificates[1]!));
  writeFileSync(key, formatPem('PRIVATE KEY', new Uint8Array(pki.praticien.keys[1]!.export({ type: 'pkcs8', format: 'der' }))), { mode: 0o600 });
  const input = join(work, 'large.bin');
  makeInput(input, bytes);
  const inputHash = await sha256(input);

  console.log(`\nCMS envelopes — one ${gib} GiB file, AuthEnvelopedData AES-256-GCM, RSA-2048 recipient`);
  const oursEnc = join(work, 'ours.p7m');
  const peerEnc = join(work, 'openssl.p7m');
  const encOurs = measure('scelle encrypt', [process.execPath, BIN, 'encrypt', '-q', input, '--to', cert, '--no-self', '--out', oursEnc]);
  const encPeer = measure('openssl cms -encrypt', ['openssl', 'cms', '-encrypt', '-stream', '-binary', '-aes-256-gcm', '-in', input, '-outform', 'DER', '-out', peerEnc, cert]);
  console.log(row('scelle encrypt (BER, streamed, fsync)', encOurs));
  console.log(row('openssl cms -encrypt -stream -aes-256-gcm', encPeer));
  console.log(`  ratio scelle / openssl: ${(encOurs.seconds / encPeer.seconds).toFixed(3)}   (goal ≤ 1.1; ≤ 64 MB RSS: ${encOurs.maxRssMiB.toFixed(1)} MiB)`);
  rmSync(peerEnc, { force: true });

  // Both decrypt the same envelope (scelle's), each to its own file.
  const oursDec = join(work, 'ours.out');
  const peerDec = join(work, 'openssl.out');
  const decOurs = measure('scelle decrypt', [process.execPath, BIN, 'decrypt', '-q', oursEnc, '--key', key, '--cert', cert, '--out', oursDec]);
  const decPeer = measure('openssl cms -decrypt', ['openssl', 'cms', '-decrypt', '-binary', '-inform', 'DER', '-in', oursEnc, '-inkey', key, '-recip', cert, '-out', peerDec]);
  console.log(row('scelle decrypt (tag checked before rename)', decOurs));
  console.log(row('openssl cms -decrypt', decPeer));
  console.log(`  ratio scelle / openssl: ${(decOurs.seconds / decPeer.seconds).toFixed(3)}   (goal ≤ 0.5; ≤ 64 MB RSS: ${decOurs.maxRssMiB.toFixed(1)} MiB)`);
  const [a, b] = await Promise.all([sha256(oursDec), sha256(peerDec)]);
  console.log(`  round trip: scelle ${a === inputHash ? 'identical' : 'DIFFERENT'}, openssl ${b === inputHash ? 'identical' : 'DIFFERENT'} (SHA-256)`);
  for (const f of [input, oursEnc, oursDec, peerDec]) rmSync(f, { force: true });
}
