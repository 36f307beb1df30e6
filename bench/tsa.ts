/**
 * TSA throughput: our server (dist/bench/tsa-server.js in its own process) driven over loopback by
 * a bounded load client — `CONNECTIONS` keep-alive connections, each sending its next request as
 * soon as the previous reply is in, until `TOTAL` replies or `MAX_SECONDS` — then `openssl ts
 * -reply` in a shell loop with the same key and certificate. Prints tokens/s and latencies.
 *
 * Run for the demo TSA key (RSA-2048, as the demo PKI makes it) and for an ECDSA P-256 TSA key
 * issued by the same demo CA: an RSA-2048 private-key operation costs about 1 ms on this kind of
 * machine (`openssl speed rsa2048`), which caps any RSA TSA at roughly 1 000 tokens/s per core.
 *
 * Measurements, not tests: never fails on a goal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCertificate, buildPkcs12, createDemoPki, formatPem } from '../src/internal.js';
import { buildTimeStampReq, parseTimeStampResp } from '../src/timestamp/tsp.js';

const SERVER = fileURLToPath(new URL('./tsa-server.js', import.meta.url));
const CONNECTIONS = 16;
const TOTAL = 20_000;
const MAX_SECONDS = 30;
const OPENSSL_LOOP = 200;

interface TsaKeyFiles {
  label: string;
  p12: string;
  password: string;
  keyPem: string;
  certPem: string;
  caPem: string;
}

/** Benchmarks our TSA server against `openssl ts -reply`, in `work` (a scratch folder). */
export async function benchTsa(work: string): Promise<void> {
  const pki = await createDemoPki();
  const caPem = join(work, 'tsa-ca.pem');
  writeFileSync(caPem, formatPem('CERTIFICATE', pki.ca));
  const rsa: TsaKeyFiles = {
    label: 'RSA-2048 (demo TSA)', p12: join(work, 'tsa-rsa.p12'), password: pki.tsa.password,
    keyPem: join(work, 'tsa-rsa.key.pem'), certPem: join(work, 'tsa-rsa.cert.pem'), caPem,
  };
  writeFileSync(rsa.p12, pki.tsa.p12);
  writeFileSync(rsa.keyPem, pki.tsa.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeFileSync(rsa.certPem, formatPem('CERTIFICATE', pki.tsa.certificates[0]!));

  const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const ecCert = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: 'HORODATAGE ECDSA SCELLE DEMO' }],
    issuerCertificate: pki.ca, publicKey: ecKeys.publicKey, signingKey: pki.caKey,
    notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 365 * 86_400_000),
    keyUsage: ['digitalSignature', 'nonRepudiation'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true,
  });
  const ec: TsaKeyFiles = {
    label: 'ECDSA P-256', p12: join(work, 'tsa-ec.p12'), password: pki.tsa.password,
    keyPem: join(work, 'tsa-ec.key.pem'), certPem: join(work, 'tsa-ec.cert.pem'), caPem,
  };
  writeFileSync(ec.p12, buildPkcs12({
    keys: [{ pkcs8: new Uint8Array(ecKeys.privateKey.export({ type: 'pkcs8', format: 'der' })), certificate: ecCert, friendlyName: 'HORODATAGE ECDSA' }],
    certificates: [pki.ca, pki.root], password: ec.password,
  }));
  writeFileSync(ec.keyPem, ecKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeFileSync(ec.certPem, formatPem('CERTIFICATE', ecCert));

  const speed = spawnSync('openssl', ['speed', '-seconds', '2', 'rsa2048'], { encoding: 'utf8' });
  const rsaLine = /rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)/.exec(speed.stdout ?? '');
  if (rsaLine) console.log(`openssl speed rsa2048 (one core): ${Number(rsaLine[1]).toFixed(0)} signatures/s`);

  for (const k of [rsa, ec]) {
    console.log(`\nTSA key ${k.label}`);
    await benchOurs(work, k);
    benchOpenssl(work, k);
  }
}

async function benchOurs(work: string, k: TsaKeyFiles): Promise<void> {
  const state = join(work, `state-${k.label.replace(/\W+/g, '-')}`);
  const child = spawn(process.execPath, [SERVER, k.p12, state, '0'], { env: { ...process.env, SCELLE_TSA_PASSWORD: k.password }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`TSA server exited with ${code}`)));
    });
    const { hostname, port } = new URL(url);
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const query = buildTimeStampReq({ hash: 'sha256', imprint: new Uint8Array(createHash('sha256').update('bench').digest()), nonce: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), certReq: true });
    const once = (): Promise<Uint8Array> =>
      new Promise((resolve, reject) => {
        const req = request({ host: hostname, port, method: 'POST', path: '/', agent, headers: { 'Content-Type': 'application/timestamp-query', 'Content-Length': query.byteLength } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 200 ? resolve(new Uint8Array(Buffer.concat(chunks))) : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(query);
      });
    // Warm-up (connections, JIT), and a check that the replies are grants.
    for (const r of await Promise.all(Array.from({ length: CONNECTIONS * 4 }, once))) {
      if (parseTimeStampResp(r).status !== 0) throw new Error('the TSA did not grant the bench request');
    }
    const latencies: number[] = [];
    let sent = 0;
    const start = performance.now();
    const deadline = start + MAX_SECONDS * 1000;
    const worker = async (): Promise<void> => {
      while (sent < TOTAL && performance.now() < deadline) {
        sent++;
        const t = performance.now();
        await once();
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const seconds = (performance.now() - start) / 1000;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
    console.log(`  scelle tsa server : ${latencies.length} tokens in ${seconds.toFixed(2)} s = ${(latencies.length / seconds).toFixed(0)} tokens/s ` +
      `(${CONNECTIONS} keep-alive connections; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms)`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

function benchOpenssl(work: string, k: TsaKeyFiles): void {
  const cfg = join(work, 'openssl-tsa.cnf');
  writeFileSync(cfg, [
    '[ tsa ]', 'default_tsa = tsa_config', '[ tsa_config ]', `serial = ${join(work, 'openssl-tsaserial')}`, 'crypto_device = builtin',
    'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.99999.3161.1', 'digests = sha256, sha384, sha512', 'accuracy = secs:1',
    'ordering = no', 'tsa_name = yes', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));
  writeFileSync(join(work, 'openssl-tsaserial'), '01\n');
  const data = join(work, 'openssl-data.txt');
  const tsq = join(work, 'openssl.tsq');
  writeFileSync(data, 'bench');
  spawnSync('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', tsq]);
  const script = `for i in $(seq ${OPENSSL_LOOP}); do openssl ts -reply -config "$1" -queryfile "$2" -inkey "$3" -signer "$4" -chain "$5" -out "$6" 2>/dev/null || exit 1; done`;
  const t = performance.now();
  const r: ChildProcess | ReturnType<typeof spawnSync> = spawnSync('sh', ['-c', script, 'sh', cfg, tsq, k.keyPem, k.certPem, k.caPem, join(work, 'openssl.tsr')], { encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) {
    console.log(`  openssl ts -reply : failed (${String(r.stderr).slice(-300)})`);
    return;
  }
  console.log(`  openssl ts -reply : ${OPENSSL_LOOP} tokens in ${seconds.toFixed(2)} s = ${(OPENSSL_LOOP / seconds).toFixed(0)} tokens/s (one process per token, shell loop)`);
}
