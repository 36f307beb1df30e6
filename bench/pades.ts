/**
 * PAdES: 200 PDF letters (one page, 2–20 KB of text) signed at B-T in one `scelle sign --pades`
 * process — one password read from a file, time-stamps from `scelle tsa serve` on loopback — and
 * verified in one `scelle verify`; then B-B against Poppler's `pdfsig -add-signature` (NSS, one
 * process per file, the only PDF signer among the peers) and verification against `pdfsig`.
 *
 * Measurements, not tests: never fails on a goal. The machine is shared: the load average is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createDemoPki, writeDemoPki } from '../src/internal.js';
import { BIN, arg, lcg, measure, row, words } from './util.js';

/** A one-page A4 letter (Helvetica, WinAnsi), hand-written with exact offsets. */
function letter(text: string): Uint8Array {
  const lines = text.match(/.{1,90}(\s|$)/g) ?? [text];
  const content = `BT /F1 10 Tf 60 790 Td 12 TL ${lines.slice(0, 60).map((l) => `(${l.trim().replace(/[\\()]/g, (c) => `\\${c}`)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = objects.map((o, i) => {
    const at = Buffer.byteLength(out, 'latin1');
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

function startTsa(p12: string, passFile: string, state: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, 'tsa', 'serve', '--identity', p12, '--pass-file', passFile, '--port', '0', '--state', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolvePromise({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`tsa serve exited ${code}`)));
  });
}

export async function benchPades(work: string): Promise<void> {
  const n = arg('pdf-letters', 200);
  const dir = join(work, 'pades');
  const pkiDir = join(dir, 'pki');
  mkdirSync(pkiDir, { recursive: true });
  const pki = await createDemoPki();
  await writeDemoPki(pki, pkiDir);
  const pass = join(dir, 'pass');
  writeFileSync(pass, `${pki.praticien.password}\n`, { mode: 0o600 });
  const tsaPass = join(dir, 'tsa.pass');
  writeFileSync(tsaPass, `${pki.tsa.password}\n`, { mode: 0o600 });
  const rng = lcg(20261207);
  const bt = join(dir, 'bt');
  const bb = join(dir, 'bb');
  const peer = join(dir, 'pdfsig');
  for (const d of [bt, bb, peer]) mkdirSync(d);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `courrier-${String(i).padStart(4, '0')}.pdf`;
    const pdf = letter(words(rng, 2000 + Math.floor(rng() * 4000)));
    for (const d of [bt, bb, peer]) writeFileSync(join(d, name), pdf);
    names.push(name);
  }
  const { child, url } = await startTsa(join(pkiDir, 'tsa.p12'), tsaPass, join(dir, 'tsa-state'));
  try {
    console.log(`\nPAdES — ${n} one-page PDF letters, RSA-2048 demo practitioner (one password from a file), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (shared machine)`);
    const id = ['--identity', join(pkiDir, 'praticien.p12'), '--pass-file', pass];
    const signBt = measure('scelle sign --pades B-T', [process.execPath, BIN, 'sign', '-q', ...names.map((f) => join(bt, f)), '--pades', '--level', 'T', '--tsa', url, ...id]);
    console.log(row(`scelle sign --pades --level T (${n}, one process)`, signBt));
    const trust = ['--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem')];
    const verifyBt = measure('scelle verify B-T', [process.execPath, BIN, 'verify', '-q', ...names.map((f) => join(bt, f.replace('.pdf', '.signed.pdf'))), ...trust]);
    console.log(row(`scelle verify (${n} B-T PDFs, chain + CRL)`, verifyBt));
    console.log(`  per letter: sign ${(1000 * signBt.seconds / n).toFixed(1)} ms, verify ${(1000 * verifyBt.seconds / n).toFixed(1)} ms`);

    // B-B against pdfsig (NSS): the peer signs one file per process.
    const nss = join(dir, 'nss');
    mkdirSync(nss);
    const setup = `certutil -N -d sql:${nss} --empty-password && certutil -A -n root -t CT,C,C -i ${join(pkiDir, 'trust.pem')} -d sql:${nss} && pk12util -i ${join(pkiDir, 'praticien.p12')} -d sql:${nss} -W "$(cat ${pass})" -K ''`;
    measure('nss setup', ['bash', '-c', `${setup} >/dev/null`]);
    const signBb = measure('scelle sign --pades B-B', [process.execPath, BIN, 'sign', '-q', ...names.map((f) => join(bb, f)), '--pades', ...id]);
    const loopSign = `for f in "${peer}"/*.pdf; do pdfsig -nssdir sql:${nss} -add-signature -nick "CLAIRE DURAND (signature)" "$f" "\${f%.pdf}.signed.pdf" >/dev/null || exit 1; done`;
    const signPeer = measure('pdfsig -add-signature loop', ['bash', '-c', loopSign]);
    console.log(row(`scelle sign --pades B-B (${n}, one process)`, signBb));
    console.log(row(`pdfsig -add-signature (${n}, shell loop)`, signPeer));
    console.log(`  ratio scelle / pdfsig: ${(signBb.seconds / signPeer.seconds).toFixed(3)}`);
    const loopVerify = `for f in "${bb}"/*.signed.pdf; do pdfsig -nssdir sql:${nss} "$f" 2>/dev/null | grep -q "Signature is Valid" || exit 1; done`;
    const verifyPeer = measure('pdfsig verify loop', ['bash', '-c', loopVerify]);
    const verifyBb = measure('scelle verify B-B', [process.execPath, BIN, 'verify', '-q', ...names.map((f) => join(bb, f.replace('.pdf', '.signed.pdf'))), ...trust]);
    console.log(row(`scelle verify (${n} B-B PDFs, chain + CRL)`, verifyBb));
    console.log(row(`pdfsig (${n}, shell loop, chain, no CRL)`, verifyPeer));
    console.log(`  ratio scelle / pdfsig: ${(verifyBb.seconds / verifyPeer.seconds).toFixed(3)}`);
    const sizes = names.map((f) => readFileSync(join(bt, f.replace('.pdf', '.signed.pdf'))).length - readFileSync(join(bt, f)).length);
    console.log(`  bytes added by a B-T signature: ${Math.min(...sizes)}–${Math.max(...sizes)}`);
  } finally {
    child.kill('SIGTERM');
  }
}
