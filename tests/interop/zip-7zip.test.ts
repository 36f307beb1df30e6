/**
 * The USB export against the real 7-Zip (`7zz`, Debian package 7zip), both directions, plus
 * `sha256sum -c` and `openssl cms -verify` on the extracted manifest and its signature.
 * - 7-Zip tests and extracts our AE-2 zips (accents, folders, mtimes, a password with an accent),
 *   and refuses a wrong password;
 * - we import 7-Zip's AES-256 and AES-128 zips (deflate and -mx=0), and an AE-1 variant of one;
 * - zip64: a file over 4 GiB (sparse, generated at test time) and 70 000 entries pass `7zz t`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPkcs12Identity, selectCertificate } from '../../src/crypto/identity.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { SIG } from '../../src/crypto/zip/format.js';
import { ZipReader } from '../../src/crypto/zip/reader.js';
import { ZipWriter } from '../../src/crypto/zip/writer.js';
import { isScelleError } from '../../src/errors.js';
import { exportZip } from '../../src/export/export.js';
import { importZip } from '../../src/export/import.js';
import { createTimeStampAuthority } from '../../src/timestamp/tsa.js';
import { openSerialState, type SerialState } from '../../src/timestamp/serial-state.js';
import { buildTimeStampReq } from '../../src/timestamp/tsp.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { createSigningFixture, type SigningFixture } from '../helpers/sign-fixtures.js';
import { findSignature } from '../helpers/zip-build.js';
import { makeTempDir } from '../helpers/tmp.js';

/** With an accent: 7-Zip reads zips whose AES password is UTF-8 (ours)… */
const PASSWORD = 'Pièce-Jointe#2026';
/** … but refuses to create a zip with a non-ASCII password (E_INVALIDARG, 7-Zip 26.02 on Linux). */
const PASSWORD_7Z = 'Piece-Jointe#2026';
/** SHA-256 of 4 GiB + 3 MiB + 7 zero bytes (computed once with `head -c 4298113031 /dev/zero | sha256sum`). */
const ZEROS_SHA256 = '5fb35f5de0a6868c03126ca0617a4094561a89114ab8bfdd31c78e3ce3ac600d';
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${(e as Error).stack}`;
  }
}

describe.skipIf(!havePeers('7zz', 'openssl', 'sha256sum'))('AES zips with 7-Zip', () => {
  let dir: string;
  let cleanup: () => void;
  let src: string;
  let fx: SigningFixture;
  let state: SerialState;
  let k = 0;
  const fresh = (name: string): string => join(dir, `${name}-${k++}`);

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-7zip-'));
    src = join(dir, 'Dossier Médical');
    mkdirSync(join(src, 'Comptes rendus/Été 2026'), { recursive: true });
    mkdirSync(join(src, 'vide'));
    writeFileSync(join(src, 'Comptes rendus/Été 2026/lettre à M. Lefèvre.txt'), 'Cher confrère, je vous adresse Mme X. pour avis.\n'.repeat(500));
    writeFileSync(join(src, 'Comptes rendus/scan.dcm'), randomBytes(3_000_000));
    writeFileSync(join(src, 'Comptes rendus/gros compte rendu.txt'), 'glycémie tension allergie posologie '.repeat(200_000)); // 7 MiB: streamed
    writeFileSync(join(src, 'vide.txt'), '');
    utimesSync(join(src, 'Comptes rendus/scan.dcm'), new Date('2025-06-07T08:09:10Z'), new Date('2025-06-07T08:09:10Z'));
    utimesSync(join(src, 'vide'), new Date('2024-02-03T04:05:06Z'), new Date('2024-02-03T04:05:06Z'));
    fx = await createSigningFixture(dir);
    state = await openSerialState(join(dir, 'tsa-state'));
  });
  afterAll(async () => {
    await state?.close();
    cleanup?.();
  });

  function sameTree(a: string, b: string): void {
    const files = readdirSync(a, { recursive: true, encoding: 'utf8' }).sort();
    expect(readdirSync(b, { recursive: true, encoding: 'utf8' }).sort()).toEqual(files);
    for (const f of files) {
      const sa = statSync(join(a, f));
      if (sa.isFile()) expect(sha(readFileSync(join(b, f)))).toBe(sha(readFileSync(join(a, f))));
    }
  }

  it('7zz t and 7zz x accept our zip and restore identical bytes, accented names, folders and mtimes', async () => {
    const zip = `${fresh('ours')}.zip`;
    await exportZip([src], zip, { password: PASSWORD, level: 6 });
    const t = tryPeer('7zz', ['t', `-p${PASSWORD}`, zip]);
    expect(t.stdout).toContain('Everything is Ok');
    expect(t.status).toBe(0);
    const listing = runPeer('7zz', ['l', '-slt', `-p${PASSWORD}`, zip]);
    expect(listing).toContain('Method = AES-256 Deflate');
    expect(listing).toContain('Method = AES-256 Store');
    const out = fresh('x');
    runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${out}`, zip]);
    sameTree(src, join(out, 'Dossier Médical'));
    expect(statSync(join(out, 'Dossier Médical/Comptes rendus/scan.dcm')).mtime.toISOString()).toBe('2025-06-07T08:09:10.000Z');
    expect(statSync(join(out, 'Dossier Médical/vide')).isDirectory()).toBe(true);
    // sha256sum -c on the extracted manifest (strict: every line well formed, comments skipped).
    const check = tryPeer('sha256sum', ['--strict', '-c', 'MANIFEST.sha256'], { cwd: out });
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('Dossier Médical/Comptes rendus/Été 2026/lettre à M. Lefèvre.txt: OK');
  });

  it('zip64 forced on small files (zip64 sizes, offsets, 24-byte descriptors, end records): 7zz x restores the same bytes', async () => {
    const zip = `${fresh('z64')}.zip`;
    await exportZip([src], zip, { password: PASSWORD, forceZip64: true, level: 1 });
    expect(runPeer('7zz', ['l', '-slt', `-p${PASSWORD}`, zip])).toContain('Characteristics = Zip64');
    const out = fresh('x');
    runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${out}`, zip]);
    sameTree(src, join(out, 'Dossier Médical'));
  });

  it('7-Zip refuses a wrong password', async () => {
    const zip = `${fresh('ours')}.zip`;
    await exportZip([join(src, 'Comptes rendus/scan.dcm')], zip, { password: PASSWORD });
    const t = tryPeer('7zz', ['t', '-pPiece-Jointe#2026', zip]);
    expect(t.status).not.toBe(0);
    expect(`${t.stdout}${t.stderr}`).toMatch(/Wrong password|Data Error/);
  });

  it.each([
    ['-mem=AES256', '-mx=5', 256, 'deflate'],
    ['-mem=AES256', '-mx=0', 256, 'stored'],
    ['-mem=AES128', '-mx=1', 128, 'deflate'],
  ] as const)('we import 7-Zip\'s %s %s zip: same bytes, folders, mtimes', async (mem, mx, bits, method) => {
    const zip = `${fresh('7z')}.zip`;
    runPeer('7zz', ['a', '-tzip', mem, mx, `-p${PASSWORD_7Z}`, zip, src]);
    const out = fresh('in');
    const r = await importZip(zip, { password: PASSWORD_7Z, outDir: out });
    expect(r.plainEntries).toEqual([]);
    expect(r.manifest.present).toBe(false);
    sameTree(src, join(out, 'Dossier Médical'));
    const letter = r.entries.find((e) => e.name.endsWith('lettre à M. Lefèvre.txt'))!;
    expect(letter).toMatchObject({ aes: 'AE-2', aesBits: bits, method });
    expect(statSync(join(out, 'Dossier Médical/Comptes rendus/scan.dcm')).mtime.toISOString()).toBe('2025-06-07T08:09:10.000Z');
    expect(await codeOf(importZip(zip, { password: 'Autre#Mot-de-passe-2026', verifyOnly: true }))).toBe('WRONG_PASSWORD');
  });

  it('AE-1 (7-Zip\'s zip turned into AE-1 with the real CRC): accepted; with a wrong CRC → DECRYPTION_FAILED', async () => {
    const file = join(src, 'Comptes rendus/Été 2026/lettre à M. Lefèvre.txt');
    const zip = `${fresh('7z')}.zip`;
    runPeer('7zz', ['a', '-tzip', '-mem=AES256', `-p${PASSWORD_7Z}`, zip, file]);
    const bytes = Buffer.from(readFileSync(zip));
    const crc = crc32(readFileSync(file)) >>> 0;
    const patch = (crcValue: number): string => {
      const b = Buffer.from(bytes);
      // The AES extra (01 99 07 00 | version): version 2 → 1, in both headers; CRC into both headers.
      for (let i = b.indexOf(Buffer.from([0x01, 0x99, 0x07, 0x00])); i >= 0; i = b.indexOf(Buffer.from([0x01, 0x99, 0x07, 0x00]), i + 1)) b.writeUInt16LE(1, i + 4);
      for (const at of findSignature(b, SIG.localFile)) b.writeUInt32LE(crcValue, at + 14);
      for (const at of findSignature(b, SIG.centralFile)) b.writeUInt32LE(crcValue, at + 16);
      const p = `${fresh('ae1')}.zip`;
      writeFileSync(p, b);
      return p;
    };
    const good = patch(crc);
    const r = await importZip(good, { password: PASSWORD_7Z, verifyOnly: true });
    expect(r.entries[0]).toMatchObject({ aes: 'AE-1', sha256: sha(readFileSync(file)) });
    expect(tryPeer('7zz', ['t', `-p${PASSWORD_7Z}`, good]).status).toBe(0); // 7-Zip agrees the CRC is right
    const bad = patch((crc ^ 1) >>> 0);
    expect(await codeOf(importZip(bad, { password: PASSWORD_7Z, verifyOnly: true }))).toBe('DECRYPTION_FAILED');
    expect(tryPeer('7zz', ['t', `-p${PASSWORD_7Z}`, bad]).status).not.toBe(0); // and so does 7-Zip
  });

  it('the signed, time-stamped manifest: openssl cms -verify accepts MANIFEST.sha256.p7s', async () => {
    const tsaId = loadPkcs12Identity(fx.pki.tsa.p12, fx.pki.tsa.password, { name: 'tsa.p12' });
    const tsa = createTimeStampAuthority({ signer: selectCertificate(tsaId, 'tsa').entry, chain: tsaId.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), state });
    const zip = `${fresh('signed')}.zip`;
    await exportZip([src], zip, {
      password: PASSWORD, signer: { signer: fx.rsa, chain: fx.chain },
      timestampSource: (hash, imprint) => tsa.respond(buildTimeStampReq({ hash, imprint, certReq: true, nonce: new Uint8Array(randomBytes(8)) })),
    });
    const out = fresh('x');
    runPeer('7zz', ['x', `-p${PASSWORD}`, `-o${out}`, zip]);
    const v = tryPeer('openssl', ['cms', '-verify', '-binary', '-content', join(out, 'MANIFEST.sha256'), '-inform', 'DER', '-in', join(out, 'MANIFEST.sha256.p7s'), '-CAfile', fx.rootPem, '-purpose', 'any', '-out', '/dev/null']);
    expect(v.stderr).toContain('Verification successful');
    expect(v.status).toBe(0);
    expect(runPeer('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(out, 'MANIFEST.sha256.p7s')])).toContain('id-smime-aa-timeStampToken');
    // A manifest changed after extraction no longer verifies.
    writeFileSync(join(out, 'MANIFEST.sha256'), `${readFileSync(join(out, 'MANIFEST.sha256'), 'utf8')}# ajout\n`);
    expect(tryPeer('openssl', ['cms', '-verify', '-binary', '-content', join(out, 'MANIFEST.sha256'), '-inform', 'DER', '-in', join(out, 'MANIFEST.sha256.p7s'), '-CAfile', fx.rootPem, '-purpose', 'any', '-out', '/dev/null']).status).not.toBe(0);
    const r = await importZip(zip, { password: PASSWORD, verifyOnly: true, trustAnchors: [X509Cert.fromDer(fx.pki.root)], crls: [...parseCrls(fx.pki.crl), ...parseCrls(fx.pki.rootCrl)] });
    expect(r.signature).toMatchObject({ verified: true, rpps: '10101234567', level: 'CAdES-T' });
  });

  it('zip64: a file over 4 GiB (sparse) passes 7zz t, and our own import', async () => {
    const big = join(dir, 'image-disque.raw');
    const size = 4 * 1024 ** 3 + 3 * 1024 * 1024 + 7;
    const fd = openSync(big, 'w');
    ftruncateSync(fd, size);
    closeSync(fd);
    const zip = `${fresh('zip64')}.zip`;
    const started = Date.now();
    const r = await exportZip([big], zip, { password: PASSWORD, level: 1 });
    const exportSeconds = (Date.now() - started) / 1000;
    expect(r.zip64).toBe(true);
    expect(r.entries[0]).toMatchObject({ size, method: 'deflate' });
    const t0 = Date.now();
    const t = tryPeer('7zz', ['t', `-p${PASSWORD}`, zip]);
    const testSeconds = (Date.now() - t0) / 1000;
    expect(t.stdout).toContain('Everything is Ok');
    expect(runPeer('7zz', ['l', '-slt', `-p${PASSWORD}`, zip])).toContain(`Path = image-disque.raw\nFolder = -\nSize = ${size}\n`);
    const reader = await ZipReader.open(zip);
    expect(reader.entries[0]!.size).toBe(size);
    await reader.close();
    const t1 = Date.now();
    const v = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    const importSeconds = (Date.now() - t1) / 1000;
    expect(v.entries.find((e) => e.name === 'image-disque.raw')).toMatchObject({ size, sha256: ZEROS_SHA256 });
    // Level-1 deflate of zeros is about 230:1 here; a lower cap refuses it on the actual bytes.
    expect(await codeOf(importZip(zip, { password: PASSWORD, verifyOnly: true, maxRatio: 100 }))).toBe('ARCHIVE_BOMB');
    console.log(`zip64 > 4 GiB: export ${exportSeconds.toFixed(1)} s, 7zz t ${testSeconds.toFixed(1)} s, verify ${importSeconds.toFixed(1)} s`);
  }, 300_000);

  it('70 000 entries (more than 65 535): zip64 end records pass 7zz t', async () => {
    const zip = `${fresh('many')}.zip`;
    const parts: Buffer[] = [];
    // Plain tiny files: 70 000 AES entries would cost 70 000 PBKDF2 runs here and in 7-Zip (the
    // format's per-entry key derivation), which says nothing more about the end records.
    const w = new ZipWriter(async (c) => {
      parts.push(Buffer.from(c));
    }, { level: 0 });
    const mtime = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < 70_000; i++) {
      const data = new TextEncoder().encode(`${i}`);
      await w.writePrepared(w.prepareFile({ name: `d${i % 100}/f${i}.txt`, mtime }, async function* () {
        yield data;
      }, data.byteLength));
    }
    const end = await w.finish();
    expect(end.zip64).toBe(true);
    writeFileSync(zip, Buffer.concat(parts));
    const t = tryPeer('7zz', ['t', zip]);
    expect(t.stdout).toContain('Everything is Ok');
    expect(t.stdout).toMatch(/Files: 70000/);
    const r = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    expect(r.files).toBe(70_000);
    expect(existsSync(zip)).toBe(true);
  }, 300_000);
});
