/**
 * exportZip / importZip: round trips with manifest, signature and time-stamp; the password
 * policy; and every refusal of the import (unsafe names, symbolic links, duplicates, bombs,
 * tampering, manifest mismatches, existing files) — with nothing left behind for a refused file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPki } from '../../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate } from '../../../src/crypto/identity.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../../src/crypto/x509/crl.js';
import { SIG } from '../../../src/crypto/zip/format.js';
import { isScelleError } from '../../../src/errors.js';
import { exportZip, type ExportOptions } from '../../../src/export/export.js';
import { importZip, type ImportOptions } from '../../../src/export/import.js';
import { formatManifest } from '../../../src/export/manifest.js';
import { createTimeStampAuthority } from '../../../src/timestamp/tsa.js';
import { openSerialState, type SerialState } from '../../../src/timestamp/serial-state.js';
import { buildTimeStampReq } from '../../../src/timestamp/tsp.js';
import type { TimestampTokenSource } from '../../../src/timestamp/cades-t.js';
import { createSigningFixture, type SigningFixture } from '../../helpers/sign-fixtures.js';
import { buildZip, findSignature, writeZip, type BuildEntry } from '../../helpers/zip-build.js';
import { makeTempDir } from '../../helpers/tmp.js';

const PASSWORD = 'Cabinet#Export-2026!';
let dir: string;
let cleanup: () => void;
let fx: SigningFixture;
let state: SerialState;
let tsaSource: TimestampTokenSource;
let src: string;

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${(e as Error).stack}`;
  }
}
async function errorOf(p: Promise<unknown>): Promise<{ code: string; params: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isScelleError(e)) return { code: e.code, params: { ...e.params } };
    throw e;
  }
  throw new Error('expected a failure');
}
let k = 0;
const fresh = (name = 'case'): string => join(dir, `${name}-${k++}`);
/** Every path under `root`, relative. */
function tree(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  ({ dir, cleanup } = makeTempDir('scelle-export-'));
  fx = await createSigningFixture(dir);
  const tsaId = loadPkcs12Identity(fx.pki.tsa.p12, fx.pki.tsa.password, { name: 'tsa.p12' });
  state = await openSerialState(join(dir, 'tsa-state'));
  const tsa = createTimeStampAuthority({ signer: selectCertificate(tsaId, 'tsa').entry, chain: tsaId.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()), state });
  tsaSource = (hash, imprint) => tsa.respond(buildTimeStampReq({ hash, imprint, certReq: true, nonce: new Uint8Array(randomBytes(8)) }));

  src = join(dir, 'Cabinet Médical');
  mkdirSync(join(src, 'Patients/Élodie'), { recursive: true });
  mkdirSync(join(src, 'vide'));
  writeFileSync(join(src, 'Patients/Élodie/compte rendu à relire.txt'), 'Compte rendu : tension normale, traitement inchangé.\n'.repeat(300));
  writeFileSync(join(src, 'Patients/scan.dcm'), randomBytes(200_000));
  writeFileSync(join(src, 'Patients/gros.txt'), 'ordonnance '.repeat(600_000)); // > 4 MiB: streamed
  writeFileSync(join(src, 'vide.txt'), '');
  utimesSync(join(src, 'Patients/scan.dcm'), new Date('2024-05-06T07:08:10Z'), new Date('2024-05-06T07:08:10Z'));
  utimesSync(join(src, 'vide'), new Date('2023-01-02T03:04:06Z'), new Date('2023-01-02T03:04:06Z'));
});
afterAll(async () => {
  await state?.close();
  cleanup?.();
});

const trust = (): Pick<ImportOptions, 'trustAnchors' | 'crls'> => ({
  trustAnchors: [X509Cert.fromDer(fx.pki.root)],
  crls: [...parseCrls(fx.pki.crl), ...parseCrls(fx.pki.rootCrl)],
});

describe('export and import', () => {
  it('round trip: same bytes, names with accents, folders, mtimes; manifest checked; result totals', async () => {
    const zip = `${fresh()}.zip`;
    const progress: number[] = [];
    const r = await exportZip([src], zip, { password: PASSWORD, onProgress: (e) => progress.push(e.bytes) });
    expect(r.files).toBe(4);
    expect(r.directories).toBe(4);
    expect(r.signature).toBeUndefined();
    // Folders first, in listing order; then the files: the small ones in listing order, the large
    // one (streamed while they were being encoded) somewhere among them.
    const names = r.entries.map((e) => e.name);
    expect(names.slice(0, 4)).toEqual(['Cabinet Médical/', 'Cabinet Médical/Patients/', 'Cabinet Médical/Patients/Élodie/', 'Cabinet Médical/vide/']);
    expect(names.slice(4).filter((n) => !n.endsWith('gros.txt'))).toEqual([
      'Cabinet Médical/Patients/scan.dcm', 'Cabinet Médical/Patients/Élodie/compte rendu à relire.txt', 'Cabinet Médical/vide.txt',
    ]);
    expect(names.slice(4).filter((n) => n.endsWith('gros.txt'))).toEqual(['Cabinet Médical/Patients/gros.txt']);
    expect(r.entries.find((e) => e.name.endsWith('scan.dcm'))!.method).toBe('stored');
    expect(r.entries.find((e) => e.name.endsWith('gros.txt'))!.method).toBe('deflate');
    expect(progress.at(-1)).toBe(r.totalBytes);

    const out = fresh('out');
    const i = await importZip(zip, { password: PASSWORD, outDir: out });
    expect(i.manifest).toEqual({ present: true, files: 4, ok: true });
    expect(i.plainEntries).toEqual([]);
    expect(i.files).toBe(5); // the 4 files and MANIFEST.sha256
    for (const rel of ['Patients/Élodie/compte rendu à relire.txt', 'Patients/scan.dcm', 'Patients/gros.txt', 'vide.txt']) {
      expect(readFileSync(join(out, 'Cabinet Médical', rel)).equals(readFileSync(join(src, rel)))).toBe(true);
      expect(i.entries.find((e) => e.name === `Cabinet Médical/${rel}`)!.sha256).toBe(sha(readFileSync(join(src, rel))));
    }
    expect(statSync(join(out, 'Cabinet Médical/Patients/scan.dcm')).mtime.toISOString()).toBe('2024-05-06T07:08:10.000Z');
    expect(statSync(join(out, 'Cabinet Médical/vide')).mtime.toISOString()).toBe('2023-01-02T03:04:06.000Z');
    expect(i.entries.find((e) => e.name.endsWith('gros.txt'))).toMatchObject({ aes: 'AE-2', aesBits: 256, method: 'deflate', inManifest: true });
    const manifest = readFileSync(join(out, 'MANIFEST.sha256'), 'utf8');
    expect(manifest).toContain(`${sha(readFileSync(join(src, 'vide.txt')))}  Cabinet Médical/vide.txt\n`);
    expect(manifest).toMatch(/# size: 200000\n[0-9a-f]{64} {2}Cabinet Médical\/Patients\/scan\.dcm\n/u);
    expect(tree(out).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  });

  it.each([0, 1])('many letters and several large files (level %i): each written once, every byte back, small files in listing order', async (level) => {
    const root = fresh('mixed');
    const files = new Map<string, Buffer>();
    const put = (rel: string, data: Buffer): void => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), data);
      files.set(`${rel.split('/')[0]}/${rel.split('/').slice(1).join('/')}`, data);
    };
    // large files listed first, in the middle and last; a compressible one, and sizes around a chunk
    put('cabinet/a-scan.dcm', randomBytes(5 * 1024 * 1024 + 3));
    for (let i = 0; i < 150; i++) put(`cabinet/p${String(i % 7)}/lettre-${String(i).padStart(3, '0')}.txt`, Buffer.from(`Lettre ${i} : `.repeat(50 + i * 13)));
    put('cabinet/m-compte-rendu.txt', Buffer.from('tension normale, traitement inchangé. '.repeat(150_000)));
    for (let i = 0; i < 60; i++) put(`cabinet/q/doc-${String(i).padStart(2, '0')}.pdf`, randomBytes(20_000 + i * 1000));
    put('cabinet/z-scan.dcm', randomBytes(6 * 1024 * 1024 - 1));
    const zip = `${fresh()}.zip`;
    const r = await exportZip([join(root, 'cabinet')], zip, { password: PASSWORD, level });
    const written = r.entries.filter((e) => !e.directory).map((e) => e.name);
    expect([...written].sort()).toEqual([...files.keys()].sort());
    const listed = [...files.keys()].sort();
    const small = (n: string): boolean => files.get(n)!.byteLength <= 4 * 1024 * 1024;
    expect(written.filter(small)).toEqual(listed.filter(small));
    expect(r.entries.findIndex((e) => !e.directory)).toBe(r.directories);
    const out = fresh('out');
    const i = await importZip(zip, { password: PASSWORD, outDir: out });
    expect(i.manifest).toMatchObject({ present: true, files: files.size, ok: true });
    for (const [name, data] of files) expect(readFileSync(join(out, name)).equals(data), name).toBe(true);
  });

  it('zip64 forced on small files imports the same', async () => {
    const zip = `${fresh()}.zip`;
    const r = await exportZip([join(src, 'Patients')], zip, { password: PASSWORD, forceZip64: true, level: 1 });
    expect(r.zip64).toBe(true);
    const bytes = readFileSync(zip);
    expect(findSignature(bytes.subarray(bytes.byteLength - 200), SIG.zip64Locator)).toHaveLength(1);
    const i = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    expect(i.totalBytes).toBe(r.totalBytes + i.entries.find((e) => e.name === 'MANIFEST.sha256')!.size);
  });

  it('a weak password → WEAK_PASSWORD, nothing written; allowWeakPassword (tests only) passes', async () => {
    const zip = `${fresh()}.zip`;
    expect(await codeOf(exportZip([src], zip, { password: 'azerty123' }))).toBe('WEAK_PASSWORD');
    expect(existsSync(zip)).toBe(false);
    await exportZip([join(src, 'vide.txt')], zip, { password: 'azerty123', allowWeakPassword: true });
    expect((await importZip(zip, { password: 'azerty123', verifyOnly: true })).files).toBe(2);
  });

  it('an existing output → OUTPUT_EXISTS unless force', async () => {
    const zip = `${fresh()}.zip`;
    writeFileSync(zip, 'old');
    expect(await codeOf(exportZip([src], zip, { password: PASSWORD }))).toBe('OUTPUT_EXISTS');
    expect(readFileSync(zip, 'utf8')).toBe('old');
    await exportZip([join(src, 'vide.txt')], zip, { password: PASSWORD, force: true });
    expect(readFileSync(zip).readUInt32LE(0)).toBe(SIG.localFile);
  });

  it('export refuses a file name with a backslash (UNSAFE_PATH) and names equal once case-folded (DUPLICATE_ENTRY)', async () => {
    const d = fresh('names');
    mkdirSync(d);
    writeFileSync(join(d, 'a\\b.txt'), 'x');
    expect(await codeOf(exportZip([d], `${d}.zip`, { password: PASSWORD }))).toBe('UNSAFE_PATH');
    const d2 = fresh('names');
    mkdirSync(d2);
    writeFileSync(join(d2, 'Lettre.txt'), 'x');
    writeFileSync(join(d2, 'lettre.txt'), 'y');
    expect(await codeOf(exportZip([d2], `${d2}.zip`, { password: PASSWORD }))).toBe('DUPLICATE_ENTRY');
    const d3 = fresh('names');
    mkdirSync(d3);
    writeFileSync(join(d3, 'MANIFEST.sha256'), 'x');
    expect(await codeOf(exportZip([join(d3, 'MANIFEST.sha256')], `${d3}.zip`, { password: PASSWORD }))).toBe('DUPLICATE_ENTRY');
  });

  it('the output inside an exported folder is not exported into itself', async () => {
    const d = fresh('self');
    mkdirSync(d);
    writeFileSync(join(d, 'a.txt'), 'a');
    const r = await exportZip([d], join(d, 'export.zip'), { password: PASSWORD });
    expect(r.entries.map((e) => e.name).some((n) => n.includes('export.zip'))).toBe(false);
  });

  it('wrong password → WRONG_PASSWORD, nothing written', async () => {
    const zip = `${fresh()}.zip`;
    await exportZip([src], zip, { password: PASSWORD });
    const out = fresh('out');
    expect(await codeOf(importZip(zip, { password: 'Autre#Mot-de-passe-2026', outDir: out }))).toBe('WRONG_PASSWORD');
    expect(tree(out)).toEqual([]);
  });

  it('verifyOnly reads and hashes everything and writes nothing', async () => {
    const zip = `${fresh()}.zip`;
    const e = await exportZip([src], zip, { password: PASSWORD });
    const v = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    expect(v.verifyOnly).toBe(true);
    expect(v.entries.every((x) => x.path === undefined)).toBe(true);
    for (const x of e.entries.filter((y) => !y.directory)) expect(v.entries.find((y) => y.name === x.name)!.sha256).toBe(x.sha256);
  });

  it('a tampered ciphertext → DECRYPTION_FAILED, and nothing is left for that file (no temp file either)', async () => {
    const zip = `${fresh()}.zip`;
    await exportZip([src], zip, { password: PASSWORD, level: 0 });
    const bytes = readFileSync(zip);
    // The scan's data: find its name in the local header, flip a byte well inside its data.
    const at = bytes.indexOf(Buffer.from('Patients/scan.dcm')) + 'Patients/scan.dcm'.length + 1000;
    bytes[at]! ^= 0x20;
    writeFileSync(zip, bytes);
    const out = fresh('out');
    const e = await errorOf(importZip(zip, { password: PASSWORD, outDir: out }));
    expect(e.code).toBe('DECRYPTION_FAILED');
    expect(e.params.entry).toBe('Cabinet Médical/Patients/scan.dcm');
    expect(existsSync(join(out, 'Cabinet Médical/Patients/scan.dcm'))).toBe(false);
    expect(tree(out).filter((p) => p.includes('.tmp'))).toEqual([]);
    // Files before it in the archive were authenticated and kept.
    expect(existsSync(join(out, 'Cabinet Médical/Patients/gros.txt'))).toBe(true);
    expect(await codeOf(importZip(zip, { password: PASSWORD, verifyOnly: true }))).toBe('DECRYPTION_FAILED');
  });

  it('an existing file in the target → OUTPUT_EXISTS before anything is written; force replaces it', async () => {
    const zip = `${fresh()}.zip`;
    await exportZip([join(src, 'vide.txt'), join(src, 'Patients/scan.dcm')], zip, { password: PASSWORD });
    const out = fresh('out');
    mkdirSync(out);
    writeFileSync(join(out, 'vide.txt'), 'mine');
    expect(await codeOf(importZip(zip, { password: PASSWORD, outDir: out }))).toBe('OUTPUT_EXISTS');
    expect(tree(out)).toEqual(['vide.txt']);
    await importZip(zip, { password: PASSWORD, outDir: out, force: true });
    expect(readFileSync(join(out, 'vide.txt')).byteLength).toBe(0);
    expect(existsSync(join(out, 'scan.dcm'))).toBe(true);
  });
});

describe('hostile archives', () => {
  async function refused(entries: BuildEntry[], options: Partial<ImportOptions> = {}, zipOptions = { password: PASSWORD }): Promise<{ code: string; params: Record<string, unknown> }> {
    const zip = `${fresh()}.zip`;
    await writeZip(zip, entries, zipOptions);
    const out = fresh('out');
    const e = await errorOf(importZip(zip, { password: PASSWORD, outDir: out, ...options }));
    expect(tree(out)).toEqual([]); // vetted before anything is written
    expect(existsSync(join(dir, 'evil.txt'))).toBe(false);
    return e;
  }

  it.each([
    ['../evil.txt'], ['a/../../evil.txt'], ['/tmp/evil.txt'], ['C:/evil.txt'], ['C:evil.txt'], ['C:\\evil.txt'], ['..\\evil.txt'], ['a\\..\\..\\evil.txt'], ['ok/\u0000.txt'], [''],
  ])('%j → UNSAFE_PATH naming the entry', async (name) => {
    const e = await refused([{ name: 'fine.txt', data: 'ok' }, { name, data: 'evil' }]);
    expect(e.code).toBe('UNSAFE_PATH');
    expect(typeof e.params.entry).toBe('string');
  });

  it('a symbolic link (Unix mode 0120777) → SYMLINK_REFUSED', async () => {
    const e = await refused([{ name: 'lien', data: '/etc/passwd', unixMode: 0o120777 }]);
    expect(e).toEqual({ code: 'SYMLINK_REFUSED', params: { entry: 'lien' } });
  });

  it.each([
    [['Lettre.txt', 'lettre.txt']],
    [['caf\u00e9.txt', 'cafe\u0301.txt']], // NFC and NFD
    [['A/é.txt', 'a/É.txt']],
    [['dossier', 'dossier/a.txt']], // a file and a folder of the same name
    [['x.txt', 'x.txt']],
  ])('%j → DUPLICATE_ENTRY', async (names) => {
    const e = await refused(names.map((name) => ({ name, data: 'x' })));
    expect(e.code).toBe('DUPLICATE_ENTRY');
  });

  it('a bomb by ratio → ARCHIVE_BOMB (actual bytes), and a raised cap lets it through', async () => {
    const zeros = new Uint8Array(20 * 1024 * 1024);
    const e = await refused([{ name: 'zeros.bin', data: zeros }], {}, { password: PASSWORD, level: 9 } as never);
    expect(e.code).toBe('ARCHIVE_BOMB');
    const zip = `${fresh()}.zip`;
    await writeZip(zip, [{ name: 'zeros.bin', data: zeros }], { password: PASSWORD, level: 9 });
    expect((await importZip(zip, { password: PASSWORD, verifyOnly: true, maxRatio: 5000 })).totalBytes).toBe(zeros.byteLength);
  });

  it('a bomb by total size → ARCHIVE_BOMB, declared or actual (headers that lie)', async () => {
    const entries = [{ name: 'a.txt', data: 'a'.repeat(600_000) }, { name: 'b.txt', data: 'b'.repeat(600_000) }];
    expect((await refused(entries, { maxTotalBytes: 1_000_000 })).code).toBe('ARCHIVE_BOMB');
    // Declared sizes shrunk to 1 byte in the central directory: the actual bytes still count.
    const zip = Buffer.from(await buildZip(entries, { password: PASSWORD }));
    for (const at of findSignature(zip, SIG.centralFile)) zip.writeUInt32LE(1, at + 24);
    const p = `${fresh()}.zip`;
    writeFileSync(p, zip);
    expect(await codeOf(importZip(p, { password: PASSWORD, verifyOnly: true }))).toBe('ARCHIVE_BOMB');
  });

  it('plain entries are accepted and listed; requireEncryption refuses them', async () => {
    const zip = `${fresh()}.zip`;
    await writeZip(zip, [{ name: 'clair.txt', data: 'en clair' }]);
    const r = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    expect(r.plainEntries).toEqual(['clair.txt']);
    expect(r.manifest.present).toBe(false);
    expect(await codeOf(importZip(zip, { password: PASSWORD, verifyOnly: true, requireEncryption: true }))).toBe('UNSUPPORTED_FORMAT');
  });

  it('manifest: a file added, a file missing, a changed file → MANIFEST_MISMATCH; the changed file is not left', async () => {
    const a = Buffer.from('contenu A');
    const b = Buffer.from('contenu B');
    const m = formatManifest([{ name: 'a.txt', size: a.byteLength, sha256: sha(a) }, { name: 'b.txt', size: b.byteLength, sha256: sha(b) }], new Date());
    expect((await refused([{ name: 'MANIFEST.sha256', data: m }, { name: 'a.txt', data: a }, { name: 'b.txt', data: b }, { name: 'c.txt', data: 'ajouté' }])).code).toBe('MANIFEST_MISMATCH');
    expect((await refused([{ name: 'MANIFEST.sha256', data: m }, { name: 'a.txt', data: a }])).code).toBe('MANIFEST_MISMATCH');
    const zip = `${fresh()}.zip`;
    await writeZip(zip, [{ name: 'MANIFEST.sha256', data: m }, { name: 'a.txt', data: a }, { name: 'b.txt', data: 'contenu C' }], { password: PASSWORD });
    const out = fresh('out');
    const e = await errorOf(importZip(zip, { password: PASSWORD, outDir: out }));
    expect(e).toEqual({ code: 'MANIFEST_MISMATCH', params: { entry: 'b.txt' } });
    expect(existsSync(join(out, 'b.txt'))).toBe(false);
    expect(tree(out).filter((p) => p.includes('.tmp'))).toEqual([]);
  });

  it('a symbolic link already in the target folder is not followed → UNSAFE_PATH', async () => {
    const zip = `${fresh()}.zip`;
    await writeZip(zip, [{ name: 'sous/a.txt', data: 'x' }], { password: PASSWORD });
    const out = fresh('out');
    mkdirSync(out);
    const elsewhere = fresh('elsewhere');
    mkdirSync(elsewhere);
    const { symlinkSync } = await import('node:fs');
    symlinkSync(elsewhere, join(out, 'sous'));
    expect(await codeOf(importZip(zip, { password: PASSWORD, outDir: out }))).toBe('UNSAFE_PATH');
    expect(tree(elsewhere)).toEqual([]);
  });
});

describe('signed manifest', () => {
  const signedOptions = (): ExportOptions => ({ password: PASSWORD, signer: { signer: fx.rsa, chain: fx.chain }, timestampSource: tsaSource });

  it('signed and time-stamped: the import reports the signer, RPPS and time-stamp', async () => {
    const zip = `${fresh()}.zip`;
    const r = await exportZip([join(src, 'Patients')], zip, signedOptions());
    expect(r.signature).toMatchObject({ name: 'MANIFEST.sha256.p7s', signer: 'CLAIRE DURAND', rpps: '10101234567', timestamped: true });
    const v = await importZip(zip, { password: PASSWORD, verifyOnly: true, ...trust() });
    expect(v.signature).toMatchObject({ verified: true, signer: 'CLAIRE DURAND', rpps: '10101234567', level: 'CAdES-T' });
    expect(Math.abs(v.signature!.timestamp!.genTime.getTime() - Date.now())).toBeLessThan(120_000);
    expect(v.signature!.timestamp!.tsa).toContain('HORODATAGE');
    const unverified = await importZip(zip, { password: PASSWORD, verifyOnly: true });
    expect(unverified.signature).toMatchObject({ verified: false, signer: 'CLAIRE DURAND' });
  });

  it('signed without a TSA: CAdES-B; a time-stamp without a signer is a USAGE error', async () => {
    const zip = `${fresh()}.zip`;
    await exportZip([join(src, 'vide.txt')], zip, { password: PASSWORD, signer: { signer: fx.ec, chain: fx.chain } });
    const v = await importZip(zip, { password: PASSWORD, verifyOnly: true, ...trust() });
    expect(v.signature).toMatchObject({ verified: true, level: 'CAdES-B' });
    expect(v.signature!.timestamp).toBeUndefined();
    expect(await codeOf(exportZip([join(src, 'vide.txt')], `${fresh()}.zip`, { password: PASSWORD, timestampSource: tsaSource }))).toBe('USAGE');
  });

  it('a signature from another PKI → CHAIN_UNTRUSTED; a manifest swapped under its signature → CONTENT_MISMATCH', async () => {
    const zip = `${fresh()}.zip`;
    await exportZip([join(src, 'vide.txt')], zip, signedOptions());
    const other = await createDemoPki();
    expect(await codeOf(importZip(zip, { password: PASSWORD, verifyOnly: true, trustAnchors: [X509Cert.fromDer(other.root)] }))).toBe('CHAIN_UNTRUSTED');
    // Re-pack: the genuine signature with a forged manifest (same password, so every MAC is fine).
    const genuine = await importZip(zip, { password: PASSWORD, outDir: fresh('x') });
    const p7s = readFileSync(genuine.entries.find((e) => e.name === 'MANIFEST.sha256.p7s')!.path!);
    const forged = Buffer.from('forged');
    const m = formatManifest([{ name: 'f.txt', size: forged.byteLength, sha256: sha(forged) }], new Date());
    const bad = `${fresh()}.zip`;
    await writeZip(bad, [{ name: 'f.txt', data: forged }, { name: 'MANIFEST.sha256', data: m }, { name: 'MANIFEST.sha256.p7s', data: p7s }], { password: PASSWORD });
    expect(await codeOf(importZip(bad, { password: PASSWORD, verifyOnly: true, ...trust() }))).toBe('CONTENT_MISMATCH');
    expect(await codeOf(importZip(bad, { password: PASSWORD, verifyOnly: true }))).toBe('CONTENT_MISMATCH');
  });
});

describe('passwords on import', () => {
  it('an encrypted archive without a password → PASSWORD_REQUIRED; a plain one needs none', async () => {
    const enc = `${fresh()}.zip`;
    await writeZip(enc, [{ name: 'a.txt', data: 'x' }], { password: PASSWORD });
    expect(await codeOf(importZip(enc, { password: '', verifyOnly: true }))).toBe('PASSWORD_REQUIRED');
    const plain = `${fresh()}.zip`;
    await writeZip(plain, [{ name: 'a.txt', data: 'x' }]);
    expect((await importZip(plain, { password: '', verifyOnly: true })).plainEntries).toEqual(['a.txt']);
  });
});
