/**
 * `npm run bench`: scelle against the peer named by each issue, on the same input, in one run.
 * Prints wall time, peak memory (GNU time's maximum RSS) and the ratio scelle / peer.
 * Benchmarks are measurements, not tests: they print figures and never fail on a goal.
 *
 *   npm run bench                 every benchmark
 *   npm run bench -- sign         only the CAdES signature benchmarks
 *   npm run bench -- tsa          only the RFC 3161 TSA benchmark
 *   npm run bench -- zip          only the USB export benchmark (dataset vs 7zz)
 *   npm run bench -- backup       only the backup benchmark (dataset vs restic)
 *   npm run bench -- cms          only the CMS envelope benchmark (1 GiB encrypt/decrypt vs openssl cms)
 *   npm run bench -- mss          only the MSSanté benchmark (directory import/lookup vs awk/grep, read vs openssl cms)
 *   npm run bench -- pades        only the PDF signature benchmark (200 letters at B-T; B-B vs pdfsig)
 *   npm run bench -- archive      only the practice archive benchmark (10 000 letters vs openssl ts per letter)
 *   npm run bench -- --letters 200 --large-gib 1
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoPki, writeDemoPki, formatPem } from '../src/internal.js';
import { benchTsa } from './tsa.js';
import { benchCms } from './cms.js';
import { benchBackup } from './backup.js';
import { benchZip } from './zip.js';
import { benchMss } from './mss.js';
import { benchPades } from './pades.js';
import { benchArchive } from './archive.js';
import { BIN, arg, measure, row, words, lcg } from './util.js';

async function benchSign(work: string): Promise<void> {
  const n = arg('letters', 1000);
  const pkiDir = join(work, 'pki');
  const pki = await createDemoPki();
  await writeDemoPki(pki, pkiDir);
  const pass = join(work, 'pass');
  writeFileSync(pass, `${pki.praticien.password}\n`, { mode: 0o600 });
  // openssl gets the same signature key and certificate, unencrypted, in the bench folder only.
  const key = join(work, 'sign-key.pem');
  writeFileSync(key, formatPem('PRIVATE KEY', new Uint8Array(pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'der' }))), { mode: 0o600 });
  const cert = join(work, 'sign-cert.pem');
  writeFileSync(cert, formatPem('CERTIFICATE', pki.praticien.certificates[0]!));
  const chain = join(pkiDir, 'ca.pem');

  const ours = join(work, 'ours');
  const theirs = join(work, 'openssl');
  mkdirSync(ours);
  mkdirSync(theirs);
  const rng = lcg(20261123);
  for (let i = 0; i < n; i++) {
    const body = words(rng, 2000 + Math.floor(rng() * 18000));
    const name = `courrier-${String(i).padStart(5, '0')}.txt`;
    writeFileSync(join(ours, name), body);
    writeFileSync(join(theirs, name), body);
  }
  const files = readdirSync(ours).filter((f) => f.endsWith('.txt')).map((f) => join(ours, f));
  console.log(`\nCAdES signatures — ${n} letters of 2–20 KB, RSA-2048 demo practitioner, detached, SHA-256`);

  const signOurs = measure('scelle sign', [process.execPath, BIN, 'sign', '-q', ...files, '--identity', join(pkiDir, 'praticien.p12'), '--pass-file', pass]);
  const loopSign = `for f in "${theirs}"/*.txt; do openssl cms -sign -binary -in "$f" -signer "${cert}" -inkey "${key}" -certfile "${chain}" -outform DER -out "$f.p7s" || exit 1; done`;
  const signPeer = measure('openssl cms -sign loop', ['bash', '-c', loopSign]);
  console.log(row('scelle sign (one process)', signOurs));
  console.log(row('openssl cms -sign (shell loop)', signPeer));
  console.log(`  ratio scelle / openssl: ${(signOurs.seconds / signPeer.seconds).toFixed(3)}   (goal ≤ 0.10)`);

  const sigs = files.map((f) => `${f}.p7s`);
  const verifyOurs = measure('scelle verify', [process.execPath, BIN, 'verify', '-q', ...sigs, '--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem')]);
  const loopVerify = `for f in "${ours}"/*.txt; do openssl cms -verify -binary -inform DER -in "$f.p7s" -content "$f" -CAfile "${join(pkiDir, 'trust.pem')}" -purpose any -out /dev/null 2>/dev/null || exit 1; done`;
  const verifyPeer = measure('openssl cms -verify loop', ['bash', '-c', loopVerify]);
  console.log(row('scelle verify (one process, chain + CRL)', verifyOurs));
  console.log(row('openssl cms -verify (shell loop, same files)', verifyPeer));
  console.log(`  ratio scelle / openssl: ${(verifyOurs.seconds / verifyPeer.seconds).toFixed(3)}   (goal ≤ 0.10)`);

  const gib = arg('large-gib', 4);
  const large = join(work, 'large.bin');
  const fd = openSync(large, 'w');
  ftruncateSync(fd, gib * 1024 ** 3);
  closeSync(fd);
  const big = measure('scelle sign large', [process.execPath, BIN, 'sign', '-q', large, '--identity', join(pkiDir, 'praticien.p12'), '--pass-file', pass]);
  console.log(row(`scelle sign, one ${gib} GiB file (sparse)`, big));
  console.log(`  peak memory ${big.maxRssMiB.toFixed(1)} MiB   (goal < 128 MB)   throughput ${(gib * 1024 / big.seconds).toFixed(0)} MiB/s`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const work = mkdtempSync(join(tmpdir(), 'scelle-bench-'));
  try {
    if (only.length === 0 || only.includes('sign')) await benchSign(work);
    if (only.length === 0 || only.includes('tsa')) await benchTsa(work);
    if (only.length === 0 || only.includes('cms')) await benchCms(work);
    if (only.length === 0 || only.includes('zip')) await benchZip(work);
    if (only.length === 0 || only.includes('backup')) await benchBackup(work);
    if (only.length === 0 || only.includes('mss')) await benchMss(work);
    if (only.length === 0 || only.includes('pades')) await benchPades(work);
    if (only.length === 0 || only.includes('archive')) await benchArchive(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
