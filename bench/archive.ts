/**
 * The practice archive against one RFC 3161 round trip per letter: `scelle archive add` of N letters
 * (one batch, one TSA request to our TSA server in its own process) and `scelle archive verify` of
 * all of them (each letter's evidence record: hash tree, time-stamp, TSA path with the CRL), against
 * the same N letters each time-stamped with `openssl ts -query` + `openssl ts -reply` (same TSA key)
 * and checked with `openssl ts -verify` — three processes per letter, in a shell loop.
 *
 *   npm run bench -- archive [--archive-letters 10000]
 *
 * Measurements, not tests: never fails on a goal (≤ 0.05 × openssl's time).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoPki, formatPem, writeDemoPki } from '../src/internal.js';
import { BIN, arg, lcg, measure, row, words, type Measure } from './util.js';

const SERVER = fileURLToPath(new URL('./tsa-server.js', import.meta.url));

async function startServer(p12: string, password: string, state: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [SERVER, p12, state, '0'], { env: { ...process.env, SCELLE_TSA_PASSWORD: password }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`TSA server exited ${code}`)));
  });
  return { url, stop: async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  } };
}

function opensslConfig(work: string): string {
  const cfg = join(work, 'archive-openssl-tsa.cnf');
  writeFileSync(cfg, [
    '[ tsa ]', 'default_tsa = tsa_config', '[ tsa_config ]', `serial = ${join(work, 'archive-openssl-serial')}`, 'crypto_device = builtin',
    'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.99999.3161.1', 'digests = sha256, sha384, sha512', 'accuracy = secs:1',
    'ordering = no', 'tsa_name = yes', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));
  writeFileSync(join(work, 'archive-openssl-serial'), '01\n');
  return cfg;
}

/** Benchmarks `archive add` + `archive verify` against openssl ts per letter, in `work`. */
export async function benchArchive(work: string): Promise<void> {
  const n = arg('archive-letters', 10_000);
  const pkiDir = join(work, 'archive-pki');
  const pki = await createDemoPki();
  await writeDemoPki(pki, pkiDir);
  const letters = join(work, 'archive-letters');
  const theirs = join(work, 'archive-openssl');
  mkdirSync(letters);
  mkdirSync(theirs);
  const rng = lcg(20261207);
  for (let i = 0; i < n; i++) {
    const body = words(rng, 2000 + Math.floor(rng() * 18000));
    const name = `courrier-${String(i).padStart(5, '0')}.txt`;
    writeFileSync(join(letters, name), body);
    writeFileSync(join(theirs, name), body);
  }
  const files = readdirSync(letters).map((f) => join(letters, f));
  const total = files.reduce((s, f) => s + readFileSync(f).length, 0);
  console.log(`\nPractice archive — ${n} letters of 2–20 KB (${(total / 1024 / 1024).toFixed(1)} MiB), RSA-2048 demo TSA, SHA-256`);

  const server = await startServer(join(pkiDir, 'tsa.p12'), pki.tsa.password, join(work, 'archive-tsa-state'));
  let add: Measure;
  let verify: Measure;
  try {
    const archive = join(work, 'archive');
    const trust = ['--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem')];
    measure('scelle archive init', [process.execPath, BIN, 'archive', 'init', '-q', '--archive', archive]);
    add = measure('scelle archive add', [process.execPath, BIN, 'archive', 'add', '-q', ...files, '--archive', archive, '--tsa', server.url, ...trust]);
    verify = measure('scelle archive verify', [process.execPath, BIN, 'archive', 'verify', '-q', '--archive', archive, ...trust]);
  } finally {
    await server.stop();
  }

  const key = join(work, 'archive-tsa-key.pem');
  writeFileSync(key, pki.tsa.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  const cert = join(work, 'archive-tsa-cert.pem');
  writeFileSync(cert, formatPem('CERTIFICATE', pki.tsa.certificates[0]!));
  const cfg = opensslConfig(work);
  const script = `for f in "${theirs}"/*.txt; do
    openssl ts -query -data "$f" -sha256 -cert -out "$f.tsq" 2>/dev/null || exit 1
    openssl ts -reply -config "${cfg}" -queryfile "$f.tsq" -inkey "${key}" -signer "${cert}" -chain "${join(pkiDir, 'ca.pem')}" -out "$f.tsr" 2>/dev/null || exit 1
    openssl ts -verify -data "$f" -in "$f.tsr" -CAfile "${join(pkiDir, 'trust.pem')}" -untrusted "${join(pkiDir, 'ca.pem')}" >/dev/null 2>&1 || exit 1
  done`;
  const peer = measure('openssl ts loop', ['bash', '-c', script]);
  console.log(row('scelle archive add (one process, 1 TSA request)', add));
  console.log(row('scelle archive verify (all letters, chain + CRL)', verify));
  const ours = { seconds: add.seconds + verify.seconds, maxRssMiB: Math.max(add.maxRssMiB, verify.maxRssMiB), cpuSeconds: add.cpuSeconds + verify.cpuSeconds };
  console.log(row('scelle add + verify', ours));
  console.log(row(`openssl ts -query/-reply/-verify ×${n} (loop)`, peer));
  console.log(`  ratio scelle / openssl: ${(ours.seconds / peer.seconds).toFixed(4)}   (goal ≤ 0.05)   per letter: scelle ${((ours.seconds / n) * 1000).toFixed(2)} ms, openssl ${((peer.seconds / n) * 1000).toFixed(1)} ms`);
}
