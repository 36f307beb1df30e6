/**
 * The zip writer and reader: round trips (stored/deflate, AE-1/AE-2, AES-128/192/256, zip64 forced,
 * streamed large entries with chunked deflate, UTF-8 names, mtimes, folders), and the reader on
 * damaged input (tampered ciphertext or MAC, truncation, garbage, overlapping entries, ZipCrypto).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG, SIG } from '../../../../src/crypto/zip/format.js';
import { ZipReader, type ZipEntry } from '../../../../src/crypto/zip/reader.js';
import { isScelleError } from '../../../../src/errors.js';
import { buildZip, findSignature, type BuildEntry } from '../../../helpers/zip-build.js';
import { makeTempDir } from '../../../helpers/tmp.js';

const PASSWORD = 'Zip-Test-Password-42!';
let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = makeTempDir('scelle-zip-')));
afterAll(() => cleanup?.());

let n = 0;
async function open(bytes: Uint8Array): Promise<ZipReader> {
  const p = join(dir, `z${n++}.zip`);
  writeFileSync(p, bytes);
  return ZipReader.open(p);
}

async function readAll(r: ZipReader, e: ZipEntry, password = PASSWORD, extra = {}): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of r.readEntry(e, { password, ...extra })) parts.push(c);
  return Buffer.concat(parts);
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${(e as Error).stack}`;
  }
}

const text = Buffer.from('Compte rendu : patient vu en consultation, tension normale, traitement inchangé. '.repeat(2000));
const random = randomBytes(300_000);

describe('round trips', () => {
  it.each([
    { level: 6, aesVersion: 2, strength: 3, forceZip64: false },
    { level: 0, aesVersion: 2, strength: 3, forceZip64: false },
    { level: 1, aesVersion: 1, strength: 3, forceZip64: false },
    { level: 9, aesVersion: 2, strength: 1, forceZip64: true },
    { level: 6, aesVersion: 1, strength: 2, forceZip64: true },
  ] as const)('%o', async (opts) => {
    const entries: BuildEntry[] = [
      { name: 'Dossier é/', directory: true, mtime: new Date('2025-12-31T23:59:58Z') },
      { name: 'Dossier é/lettre à Noël — ç.txt', data: text, mtime: new Date('2026-02-03T04:05:06Z') },
      { name: 'Dossier é/scan.bin', data: random },
      { name: 'vide.txt', data: '' },
    ];
    const zip = await buildZip(entries, { password: PASSWORD, ...opts });
    const r = await open(zip);
    expect(r.zip64).toBe(opts.forceZip64);
    expect(r.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    const [d, letter, scan, empty] = r.entries as [ZipEntry, ZipEntry, ZipEntry, ZipEntry];
    expect(d.directory).toBe(true);
    expect(d.encrypted).toBe(false);
    expect(d.mtime.toISOString()).toBe('2025-12-31T23:59:58.000Z');
    expect(letter.mtime.toISOString()).toBe('2026-02-03T04:05:06.000Z');
    expect(letter.flags & FLAG.utf8).toBe(FLAG.utf8);
    expect(letter.aes).toEqual({ version: opts.aesVersion, strength: opts.strength });
    expect(letter.storedMethod).toBe(99);
    expect(letter.method).toBe(opts.level === 0 ? 0 : 8);
    expect(scan.method).toBe(0); // incompressible: stored whatever the level
    expect(letter.crc32 === 0).toBe(opts.aesVersion === 2);
    expect((await readAll(r, letter)).equals(text)).toBe(true);
    expect((await readAll(r, scan)).equals(random)).toBe(true);
    expect((await readAll(r, empty)).byteLength).toBe(0);
    expect(empty.compressedSize).toBe(16 / (opts.strength === 3 ? 1 : opts.strength === 2 ? 4 / 3 : 2) + 12);
    await r.close();
  });

  it('a streamed large entry (chunked deflate with dictionaries) inflates back exactly, also with a plain inflater', async () => {
    const big = Buffer.concat([Buffer.from('abc'.repeat(1_500_000)), randomBytes(2_000_000), Buffer.from('fin du fichier '.repeat(70_000))]);
    const zip = await buildZip([{ name: 'big.txt', data: big, sizeHint: 64 * 1024 * 1024 }], { level: 1 });
    const r = await open(zip);
    const e = r.entries[0]!;
    expect(e.encrypted).toBe(false);
    expect(e.method).toBe(8);
    expect(e.compressedSize).toBeLessThan(big.byteLength * 0.5);
    expect((await readAll(r, e)).equals(big)).toBe(true);
    const start = await r.dataOffset(e);
    expect(inflateRawSync(zip.subarray(start, start + e.compressedSize)).equals(big)).toBe(true);
    await r.close();
  });

  it('a streamed large AES entry whose first chunk is incompressible is stored', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 5);
    const zip = await buildZip([{ name: 'scan.dcm', data: big, sizeHint: 64 * 1024 * 1024 }], { password: PASSWORD, level: 6 });
    const r = await open(zip);
    expect(r.entries[0]!.method).toBe(0);
    expect(r.entries[0]!.compressedSize).toBe(big.byteLength + 28);
    expect((await readAll(r, r.entries[0]!)).equals(big)).toBe(true);
    await r.close();
  });

  it('more than 65 535 entries: zip64 end records with the real count', async () => {
    const entries: BuildEntry[] = Array.from({ length: 65_540 }, (_, i) => ({ name: `d${i}/`, directory: true }));
    const zip = await buildZip(entries);
    expect(findSignature(zip.subarray(zip.byteLength - 200), SIG.zip64Locator).length).toBe(1);
    const r = await open(zip);
    expect(r.zip64).toBe(true);
    expect(r.entries.length).toBe(65_540);
    expect(r.entries[65_539]!.name).toBe('d65539/');
    await r.close();
  });

  it('a ZipWriter level outside 0–9 is a USAGE error', async () => {
    expect(await codeOf(buildZip([], { level: 10 }))).toBe('USAGE');
  });
});

describe('one read per small entry (the header, name, extra fields and data read at once)', () => {
  /** Reads with and without reused buffers, twice, in an order that jumps between entries. */
  async function readTwice(r: ZipReader, expected: Buffer[]): Promise<void> {
    const order = [1, 1, 0, 2, 2, 0, 0, 1].filter((i) => i < expected.length);
    for (const reuseBuffers of [true, false]) {
      for (const i of order) {
        const parts: Buffer[] = [];
        // a copy as it comes: with reused buffers a chunk is only valid until the next one
        for await (const c of r.readEntry(r.entries[i]!, { password: PASSWORD, reuseBuffers })) parts.push(Buffer.from(c));
        expect(Buffer.concat(parts).equals(expected[i]!), `entry ${i}, reuseBuffers ${reuseBuffers}`).toBe(true);
      }
    }
  }

  it('gives the same bytes on every read, however the entries are read', async () => {
    // stored (random), deflated (text), and one that is small in the zip but inflates past 4 MiB
    const big = Buffer.alloc(6 * 1024 * 1024, 'consultation ');
    const data = [random, text, big];
    const zip = await buildZip(data.map((d, i) => ({ name: `f${i}`, data: d })), { password: PASSWORD, level: 6 });
    const r = await open(zip);
    expect(r.entries[2]!.compressedSize).toBeLessThan(4 * 1024 * 1024);
    await readTwice(r, data);
    await r.close();
  });

  it('reads an entry whose local extra fields are longer than the room read after its name', async () => {
    // A stored, unencrypted zip written by hand: local extra of 600 bytes (an unknown field id).
    const name = Buffer.from('lettre.txt');
    const body = Buffer.from('Bonjour docteur. '.repeat(40));
    const extra = Buffer.alloc(600);
    extra.writeUInt16LE(0xcafe, 0);
    extra.writeUInt16LE(596, 2);
    const crc = (await import('node:zlib')).crc32(body) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG.localFile, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.byteLength, 18);
    local.writeUInt32LE(body.byteLength, 22);
    local.writeUInt16LE(name.byteLength, 26);
    local.writeUInt16LE(extra.byteLength, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG.centralFile, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.byteLength, 20);
    central.writeUInt32LE(body.byteLength, 24);
    central.writeUInt16LE(name.byteLength, 28);
    const localPart = Buffer.concat([local, name, extra, body]);
    const centralPart = Buffer.concat([central, name]);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(SIG.eocd, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(centralPart.byteLength, 12);
    end.writeUInt32LE(localPart.byteLength, 16);
    const r = await open(Buffer.concat([localPart, centralPart, end]));
    await readTwice(r, [body]);
    await r.close();
  });
});

describe('damaged and hostile archives', () => {
  const entries: BuildEntry[] = [
    { name: 'a.txt', data: text },
    { name: 'b.bin', data: random.subarray(0, 50_000) },
  ];

  it('a wrong password → WRONG_PASSWORD (verifier), for every strength', async () => {
    for (const strength of [1, 2, 3] as const) {
      const r = await open(await buildZip(entries, { password: PASSWORD, strength }));
      expect(await codeOf(readAll(r, r.entries[0]!, 'Autre-mot-de-passe-99!'))).toBe('WRONG_PASSWORD');
      await r.close();
    }
  });

  it('a flipped bit in the ciphertext or in the MAC → DECRYPTION_FAILED', async () => {
    for (const big of [false, true]) {
      const data = big ? randomBytes(5 * 1024 * 1024) : random.subarray(0, 50_000);
      const zip = await buildZip([{ name: 'b.bin', data, sizeHint: big ? 64 * 1024 * 1024 : data.byteLength }], { password: PASSWORD });
      const r0 = await open(zip);
      const e = r0.entries[0]!;
      const start = await r0.dataOffset(e);
      await r0.close();
      for (const at of [start + 18, start + 18 + 1000, start + e.compressedSize - 11, start + e.compressedSize - 1]) {
        const bad = Buffer.from(zip);
        bad[at]! ^= 0x01;
        const r = await open(bad);
        expect(await codeOf(readAll(r, r.entries[0]!))).toBe('DECRYPTION_FAILED');
        await r.close();
      }
    }
  });

  it('AE-1: a CRC that does not match the plaintext → DECRYPTION_FAILED even though the MAC is right', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: text }], { password: PASSWORD, aesVersion: 1 });
    const cd = findSignature(zip, SIG.centralFile)[0]!;
    const bad = Buffer.from(zip);
    bad[cd + 16]! ^= 0xff;
    const r = await open(bad);
    expect(await codeOf(readAll(r, r.entries[0]!))).toBe('DECRYPTION_FAILED');
    await r.close();
  });

  it('truncated at many offsets → TRUNCATED or MALFORMED_ARCHIVE, never a raw error', async () => {
    const zip = await buildZip(entries, { password: PASSWORD });
    const codes = new Set<string>();
    for (const cut of [0, 1, 3, 4, 21, 22, 30, 100, 1000, Math.floor(zip.byteLength / 2), zip.byteLength - 200, zip.byteLength - 23, zip.byteLength - 22, zip.byteLength - 5, zip.byteLength - 1]) {
      const code = await codeOf((async () => {
        const r = await open(zip.subarray(0, cut));
        try {
          for (const e of r.entries) await readAll(r, e);
        } finally {
          await r.close();
        }
      })());
      expect(['TRUNCATED', 'MALFORMED_ARCHIVE']).toContain(code);
      codes.add(code!);
    }
    expect(codes.has('TRUNCATED')).toBe(true);
  });

  it('data cut out of the middle (central directory intact) → TRUNCATED', async () => {
    const zip = await buildZip(entries, { password: PASSWORD });
    const cdAt = findSignature(zip, SIG.centralFile)[0]!;
    expect(await codeOf(open(Buffer.concat([zip.subarray(0, 200), zip.subarray(cdAt)])))).toBe('TRUNCATED');
  });

  it('garbage and an empty file → MALFORMED_ARCHIVE', async () => {
    expect(await codeOf(open(randomBytes(5000)))).toBe('MALFORMED_ARCHIVE');
    expect(await codeOf(open(new Uint8Array(0)))).toBe('MALFORMED_ARCHIVE');
    expect(await codeOf(open(Buffer.from('PK\x05\x06')))).toBe('MALFORMED_ARCHIVE');
  });

  it('two central entries pointing at the same data (overlap) → ARCHIVE_BOMB', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: 'x' }, { name: 'b.txt', data: 'y' }]);
    const cds = findSignature(zip, SIG.centralFile);
    const bad = Buffer.from(zip);
    bad.writeUInt32LE(0, cds[1]! + 42); // b.txt's local header offset → a.txt's
    expect(await codeOf(open(bad))).toBe('ARCHIVE_BOMB');
  });

  it('a name that differs between local and central header → MALFORMED_ARCHIVE', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: 'x' }]);
    const bad = Buffer.from(zip);
    bad[30] = 'z'.charCodeAt(0);
    const r = await open(bad);
    expect(await codeOf(readAll(r, r.entries[0]!))).toBe('MALFORMED_ARCHIVE');
    await r.close();
  });

  it('ZipCrypto (encrypted flag without AES) → UNSUPPORTED_ALGORITHM', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: 'secret' }]);
    const bad = Buffer.from(zip);
    for (const at of findSignature(zip, SIG.localFile)) bad[at + 6]! |= FLAG.encrypted;
    for (const at of findSignature(zip, SIG.centralFile)) bad[at + 8]! |= FLAG.encrypted;
    const r = await open(bad);
    expect(await codeOf(readAll(r, r.entries[0]!))).toBe('UNSUPPORTED_ALGORITHM');
    await r.close();
  });

  it('a stored entry longer than its declared size, or a deflate entry inflating past it → ARCHIVE_BOMB', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: text }]);
    const cd = findSignature(zip, SIG.centralFile)[0]!;
    const bad = Buffer.from(zip);
    bad.writeUInt32LE(1000, cd + 24); // declared uncompressed size
    const r = await open(bad);
    expect(await codeOf(readAll(r, r.entries[0]!))).toBe('ARCHIVE_BOMB');
    await r.close();
  });

  it('ratio cap: a highly compressible entry over the floor → ARCHIVE_BOMB; under the cap it reads', async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const zip = await buildZip([{ name: 'zeros.bin', data: zeros }], { password: PASSWORD, level: 9 });
    const r = await open(zip);
    expect(await codeOf(readAll(r, r.entries[0]!, PASSWORD, { maxRatio: 100 }))).toBe('ARCHIVE_BOMB');
    expect((await readAll(r, r.entries[0]!, PASSWORD, { maxRatio: 2000 })).byteLength).toBe(zeros.byteLength);
    expect(await codeOf(readAll(r, r.entries[0]!, PASSWORD, { maxRatio: 2000, maxBytes: 1024 * 1024 }))).toBe('ARCHIVE_BOMB');
    await r.close();
  });
});
