/**
 * MSSanté messaging, in one run against the peers a practitioner's machine has:
 * - the directory: `scelle mss directory import` of a national-size extraction (535 000 mailboxes in
 *   the published 31-column layout, ~90 MB) against one `awk` pass over the same file, and
 *   `scelle mss lookup` (name, RPPS) against `grep -i` on the raw extraction;
 * - a message: `scelle mss read` of a signed then encrypted message with a large PDF against
 *   `openssl cms -decrypt` then `openssl cms -verify` on the same message.
 * Prints wall time, peak RSS (GNU time) and the ratios.
 *
 *   npm run bench -- mss --mss-mailboxes 535000 --mss-pdf-mib 20
 */
import { closeSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki, writeDemoPki } from '../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate } from '../src/crypto/identity.js';
import { composeMessage } from '../src/mss/compose.js';
import { DIRECTORY_COLUMNS } from '../src/mss/directory.js';
import { formatPem } from '../src/crypto/pem.js';
import { BIN, arg, measure, row, lcg } from './util.js';

const FAMILIES = ['MARTIN', 'BERNARD', 'THOMAS', 'PETIT', 'ROBERT', 'RICHARD', 'DURAND', 'DUBOIS', 'MOREAU', 'LAURENT', 'SIMON', 'MICHEL', 'LEFÈVRE', 'LEROY', 'ROUX', 'FOURNIER', 'GIRARD', 'BONNET', 'FRANÇOIS', 'MERCIER'];
const GIVEN = ['Jean', 'Marie', 'Pierre', 'Anne', 'Luc', 'Sophie', 'Paul', 'Claire', 'Hélène', 'Éric', 'Zoé', 'Noël', 'Agnès', 'Benoît', 'Céline'];

/** A national-size extraction, written line by line (~170 bytes a line, like the real one). */
function makeExtraction(path: string, n: number): void {
  const rng = lcg(535_928);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)]!;
  const fd = openSync(path, 'w');
  try {
    let batch = `${DIRECTORY_COLUMNS.join('|')}\r\n`;
    for (let i = 0; i < n; i++) {
      const f = pick(FAMILIES);
      const g = pick(GIVEN);
      const rpps = String(10_000_000_000 + i);
      const ascii = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
      const org = i % 6 === 0;
      const cols = org
        ? ['ORG', `service.${i}@ch-exemple.mssante.fr`, '', '', '', '1', '1750000000', 'Cardiologie', '', '', '', '', '', '', '', '', '', '', 'CENTRE HOSPITALIER EXEMPLE', '', '', '', '12', '', 'R', 'DE LA SANTE', '', '69003 LYON', '69003', '69', 'France']
        : ['PER', `${ascii(g)}.${ascii(f)}.${i}@medecin.mssante.fr`, '8', rpps, `8${rpps}`, '3', '31234567890123', '', 'DR', f, g, 'C', 'Civil', '10', 'Médecin', 'SM54', 'Médecine générale', 'True', 'CABINET MEDICAL', '', '', '', '3', '', 'AV', 'DE LA REPUBLIQUE', '', '75015 PARIS', '75015', '75', 'France'];
      batch += `${cols.join('|')}\r\n`;
      if (batch.length > 1 << 20) {
        writeSync(fd, batch);
        batch = '';
      }
    }
    writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
}

async function benchDirectory(work: string): Promise<void> {
  const n = arg('mss-mailboxes', 535_000);
  const src = join(work, 'Extraction_Correspondance_MSSante_202611230813.txt');
  makeExtraction(src, n);
  const idx = join(work, 'annuaire.idx');
  console.log(`\nMSSanté directory — ${n} mailboxes in the published layout`);
  const imp = measure('scelle mss directory import', [process.execPath, BIN, 'mss', 'directory', 'import', src, '--directory', idx, '-q']);
  const awk = measure('awk one pass', ['bash', '-c', `awk -F'|' 'NR>1 && $1=="PER" {n++} END {print n}' "${src}" > /dev/null`]);
  console.log(row('scelle mss directory import', imp));
  console.log(row('awk -F| (one pass, counts PER rows)', awk));
  console.log(`  ratio scelle / awk: ${(imp.seconds / awk.seconds).toFixed(2)}`);
  for (const [label, q, pattern] of [['name « durand claire »', ['durand', 'claire'], 'DURAND|Claire'], ['RPPS', ['10000424242'], '10000424242']] as const) {
    const ours = measure(`scelle mss lookup ${label}`, [process.execPath, BIN, 'mss', 'lookup', ...q, '--directory', idx, '--limit', '5', '-q']);
    const grep = measure(`grep ${label}`, ['bash', '-c', `grep -i '${pattern}' "${src}" | head -5 > /dev/null`]);
    console.log(row(`scelle mss lookup (${label})`, ours));
    console.log(row(`grep -i on the extraction (${label})`, grep));
    console.log(`  ratio scelle / grep: ${(ours.seconds / grep.seconds).toFixed(2)}`);
  }
}

async function benchRead(work: string): Promise<void> {
  const mib = arg('mss-pdf-mib', 20);
  const pki = await createDemoPki();
  const pkiDir = join(work, 'mss-pki');
  await writeDemoPki(pki, pkiDir);
  const praticien = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password);
  const confrere = loadPkcs12Identity(pki.confrere.p12, pki.confrere.password);
  const rng = lcg(20);
  const pdf = Buffer.alloc(mib * 1024 * 1024);
  for (let i = 0; i < pdf.length; i += 4) pdf.writeUInt32LE(Math.floor(rng() * 2 ** 32), i);
  const msg = await composeMessage({
    from: pki.praticien.email!, to: [pki.confrere.email!], subject: 'Imagerie', text: 'Bonjour,\n',
    attachments: [{ fileName: 'imagerie.pdf', content: pdf }],
    sign: { signer: selectCertificate(praticien, 'sign').entry, chain: praticien.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) },
    encrypt: { recipients: [selectCertificate(confrere, 'encrypt').entry.certificate], cipher: 'aes-256-cbc' },
  });
  const eml = join(work, 'imagerie.eml');
  writeFileSync(eml, msg.raw);
  const pass = join(work, 'confrere.pass');
  writeFileSync(pass, `${pki.confrere.password}\n`, { mode: 0o600 });
  const key = join(work, 'confrere-enc.key');
  writeFileSync(key, formatPem('PRIVATE KEY', new Uint8Array(pki.confrere.keys[1]!.export({ type: 'pkcs8', format: 'der' }))), { mode: 0o600 });
  const cert = join(work, 'confrere-enc.pem');
  writeFileSync(cert, formatPem('CERTIFICATE', pki.confrere.certificates[1]!));
  console.log(`\nMSSanté message — signed then encrypted (EnvelopedData AES-256-CBC), one ${mib} MiB attachment`);
  const ours = measure('scelle mss read', [process.execPath, BIN, 'mss', 'read', eml, '--identity', join(pkiDir, 'confrere.p12'), '--pass-file', pass,
    '--trust', join(pkiDir, 'trust.pem'), '--crl', join(pkiDir, 'crl.pem'), '-q', '--json']);
  const peer = measure('openssl cms -decrypt | cms -verify', ['bash', '-c',
    `openssl cms -decrypt -in "${eml}" -inform SMIME -recip "${cert}" -inkey "${key}" | openssl cms -verify -inform SMIME -CAfile "${join(pkiDir, 'trust.pem')}" -purpose any -out /dev/null 2>/dev/null`]);
  console.log(row('scelle mss read (decrypt, verify, MIME, SHA-256)', ours));
  console.log(row('openssl cms -decrypt | openssl cms -verify', peer));
  console.log(`  ratio scelle / openssl: ${(ours.seconds / peer.seconds).toFixed(2)}`);
}

export async function benchMss(work: string): Promise<void> {
  await benchDirectory(work);
  await benchRead(work);
}
