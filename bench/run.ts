/**
 * `npm run bench`: scelle against the peer named by each issue, on the same input, in one run.
 * Prints wall time, peak memory (GNU time's maximum RSS) and the ratio scelle / peer.
 * Benchmarks are measurements, not tests: they print figures and never fail on a goal.
 *
 *   npm run bench                 every benchmark
 *   npm run bench -- sign         only the CAdES signature benchmarks
 *   npm run bench -- tsa          only the RFC 3161 TSA benchmark
 *   npm run bench -- --letters 200 --large-gib 1
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoPki, writeDemoPki, formatPem } from '../src/index.js';
import { benchTsa } from './tsa.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

interface Measure {
  seconds: number;
  maxRssMiB: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Runs a command under GNU time; returns wall seconds and peak RSS (of the largest process). */
function measure(label: string, cmd: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  const lines = (r.stderr ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const [sec, kib] = last.split(' ').map(Number);
  if (r.status !== 0 || sec === undefined || kib === undefined || Number.isNaN(sec)) {
    throw new Error(`${label} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}\n${(r.stdout ?? '').slice(-1000)}`);
  }
  return { seconds: sec, maxRssMiB: kib / 1024 };
}

function row(name: string, m: Measure): string {
  return `  ${name.padEnd(44)} ${m.seconds.toFixed(2).padStart(8)} s ${m.maxRssMiB.toFixed(1).padStart(9)} MiB`;
}

function words(rng: () => number, bytes: number): string {
  const vocab = 'patient consultation traitement ordonnance courrier confrère diagnostic suivi tension glycémie allergie vaccin radiographie biologie compte rendu médecin posologie comprimé contrôle'.split(' ');
  let s = '';
  while (s.length < bytes) s += `${vocab[Math.floor(rng() * vocab.length)]} `;
  return s.slice(0, bytes);
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

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
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
