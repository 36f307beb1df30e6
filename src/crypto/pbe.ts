/**
 * Password-based encryption primitives for PKCS#8 and PKCS#12:
 *
 * - PBES2 with PBKDF2 (RFC 8018 §6.2, §5.2; ASN.1 in RFC 8018 App. A.2, A.4, C): PRF
 *   HMAC-SHA1/224/256/384/512, ciphers AES-128/192/256-CBC and DES-EDE3-CBC (RFC 8018 App. B.2).
 *   The password is fed to PBKDF2 as its UTF-8 bytes, as OpenSSL 3 does.
 * - The PKCS#12 PBE schemes (RFC 7292 App. C) with the PKCS#12 KDF (RFC 7292 App. B.2): the
 *   password as a BMPString (big-endian UTF-16) with two trailing zero bytes; SHA-1; ID 1 derives
 *   the key, ID 2 the IV, ID 3 the MAC key.
 *
 * Bulk crypto runs in Node's native `crypto` (OpenSSL). RC2 is not in OpenSSL 3's default
 * provider, so the two RC2 PBE schemes use node-forge's RC2 — only ever for these legacy
 * ciphers, never for anything else.
 *
 * Iteration counts are bounded ({@link MAX_ITERATIONS}): a hostile file could otherwise pin a CPU
 * for hours. A count above the bound is `UNSUPPORTED_ALGORITHM` (a parameter scelle refuses, not a
 * broken encoding); zero or negative is `MALFORMED_ASN1`.
 *
 * The password never appears in an error message, a `cause`, or anything this module returns.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import asn1js from './asn1js-lib.cjs';
import pkijs from './pkijs-lib.cjs';
const { AlgorithmIdentifier, PBES2Params, PBKDF2Params } = pkijs;
type AlgorithmIdentifier = pkijs.AlgorithmIdentifier;
type PBES2Params = pkijs.PBES2Params;
type PBKDF2Params = pkijs.PBKDF2Params;
import { createRequire } from 'node:module';
import type forgeTypes from 'node-forge';
import { ScelleError } from '../errors.js';

/** Largest iteration count (PBKDF2 or the PKCS#12 KDF) scelle accepts on input. */
export const MAX_ITERATIONS = 10_000_000;

/**
 * Default iteration count for what scelle writes: 2048, OpenSSL 3's default for both
 * `openssl pkcs12 -export` (PKCS12_DEFAULT_ITER) and `openssl pkcs8 -topk8` (PKCS5_DEFAULT_ITER).
 * Callers protecting long-lived keys should pass a higher count.
 */
export const DEFAULT_ITERATIONS = 2048;

/** Salt length for PBES2/PBKDF2 and the PKCS#12 KDF in what scelle writes (128 bits, NIST SP 800-132). */
export const DEFAULT_SALT_LENGTH = 16;

/** OIDs used by the password-based schemes. */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA224: '1.2.840.113549.2.8',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
  pbeWithSHAAnd128BitRC4: '1.2.840.113549.1.12.1.1',
  pbeWithSHAAnd40BitRC4: '1.2.840.113549.1.12.1.2',
  pbeWithSHAAnd3KeyTripleDESCBC: '1.2.840.113549.1.12.1.3',
  pbeWithSHAAnd2KeyTripleDESCBC: '1.2.840.113549.1.12.1.4',
  pbeWithSHAAnd128BitRC2CBC: '1.2.840.113549.1.12.1.5',
  pbeWithSHAAnd40BitRC2CBC: '1.2.840.113549.1.12.1.6',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha512_224: '2.16.840.1.101.3.4.2.5',
  sha512_256: '2.16.840.1.101.3.4.2.6',
} as const;

// ---------------------------------------------------------------------------------------------
// DER helpers shared by pkcs8.ts and pkcs12.ts

/** Resource limits for untrusted input; embedded OCTET STRING parsing is off (we parse on demand). */
const BER_LIMITS: asn1js.FromBerOptions = { maxDepth: 64, maxNodes: 200_000, maxContentLength: 64 * 1024 * 1024, parseEmbedded: false };

/**
 * Parses exactly one BER element spanning all of `bytes`.
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` — not BER, or trailing bytes.
 */
export function parseBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  if (bytes.length === 0) throw new ScelleError('MALFORMED_ASN1', `${what} is empty`);
  let r: ReturnType<typeof asn1js.fromBER>;
  try {
    r = asn1js.fromBER(bytes, BER_LIMITS);
  } catch (e) {
    // asn1js can throw on hostile bytes (e.g. a RangeError on an odd-length BMPString)
    throw new ScelleError('MALFORMED_ASN1', `${what} is not valid ASN.1 (BER/DER): the file is truncated or damaged`, { cause: e });
  }
  if (r.offset === -1 || r.result.error) {
    throw new ScelleError('MALFORMED_ASN1', `${what} is not valid ASN.1 (BER/DER): the file is truncated or damaged`);
  }
  if (r.offset !== bytes.length) {
    throw new ScelleError('MALFORMED_ASN1', `${what} has ${bytes.length - r.offset} unexpected trailing byte(s)`);
  }
  return r.result;
}

/**
 * Matches `node` against an asn1js schema (usually a pkijs `X.schema(...)`) and returns the named
 * parts.
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` — the structure does not match.
 */
export function matchSchema(node: asn1js.AsnType, schema: asn1js.AsnType, what: string): Record<string, asn1js.AsnType> {
  const r = asn1js.compareSchema(node, node, schema);
  if (!r.verified) throw new ScelleError('MALFORMED_ASN1', `${what} does not have the expected ASN.1 structure`);
  return r.result as unknown as Record<string, asn1js.AsnType>;
}

/**
 * The bytes of an OCTET STRING, primitive or (BER) constructed.
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` — not an OCTET STRING.
 */
export function octets(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (node instanceof asn1js.OctetString) return new Uint8Array(node.getValue());
  // A [n] IMPLICIT OCTET STRING arrives as a Primitive/Constructed block (never a universal
  // SEQUENCE or SET, which are Constructed too).
  const tagged = node instanceof asn1js.BaseBlock && (node.idBlock.tagClass !== 1 || node.idBlock.tagNumber === 4);
  if (tagged && node instanceof asn1js.Primitive) return new Uint8Array(node.valueBlock.valueHexView);
  if (tagged && node instanceof asn1js.Constructed) {
    const parts: Uint8Array[] = [];
    for (const sub of node.valueBlock.value) {
      if (sub instanceof asn1js.EndOfContent) continue;
      if (!(sub instanceof asn1js.OctetString)) break;
      parts.push(new Uint8Array(sub.getValue()));
    }
    if (parts.length === node.valueBlock.value.filter((s) => !(s instanceof asn1js.EndOfContent)).length) return Buffer.concat(parts);
  }
  throw new ScelleError('MALFORMED_ASN1', `${what} is not an OCTET STRING`);
}

/**
 * A non-negative INTEGER as a number (saturating at `Number.MAX_SAFE_INTEGER`).
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` — not an INTEGER, or negative.
 */
export function smallInteger(node: asn1js.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw new ScelleError('MALFORMED_ASN1', `${what} is not an INTEGER`);
  const hex = node.valueBlock.valueHexView;
  if (hex.length === 0 || ((hex[0] ?? 0) & 0x80) !== 0) throw new ScelleError('MALFORMED_ASN1', `${what} is negative or empty`);
  let v = 0n;
  for (const b of hex) v = (v << 8n) | BigInt(b);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/**
 * The OID of an OBJECT IDENTIFIER node.
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` — not an OBJECT IDENTIFIER.
 */
export function oidOf(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new ScelleError('MALFORMED_ASN1', `${what} is not an OBJECT IDENTIFIER`);
  return node.valueBlock.toString();
}

/**
 * Checks an iteration count read from a file.
 * @internal
 * @throws ScelleError `MALFORMED_ASN1` (below 1) or `UNSUPPORTED_ALGORITHM` (above {@link MAX_ITERATIONS}).
 */
export function checkIterations(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new ScelleError('MALFORMED_ASN1', `${what}: iteration count must be at least 1`);
  if (n > MAX_ITERATIONS) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `${what}: iteration count ${n} exceeds the limit of ${MAX_ITERATIONS} that scelle accepts (denial-of-service guard)`);
  }
  return n;
}

function checkIterationsOption(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ITERATIONS) {
    throw new ScelleError('USAGE', `iterations must be an integer between 1 and ${MAX_ITERATIONS}`);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Passwords

/**
 * A password in the two byte forms the schemes use. Build it with {@link encodePassword}; the
 * PKCS#12 reader also tries the alternative forms OpenSSL accepts (see `passwordCandidates`).
 */
export interface PbePassword {
  /** For PBKDF2 (PBES2): UTF-8. */
  readonly utf8: Uint8Array;
  /** For the PKCS#12 KDF: BMPString (UTF-16BE) plus two zero bytes; may be empty (a "NULL" password). */
  readonly bmp: Uint8Array;
}

/**
 * The password as RFC 7292 App. B.1 wants it: big-endian UTF-16 (characters outside the BMP as
 * surrogate pairs, as OpenSSL's `OPENSSL_utf82uni` does) followed by two zero bytes.
 *
 * @param password - the password.
 * @throws nothing.
 */
export function bmpPassword(password: string): Uint8Array {
  const le = Buffer.from(password, 'utf16le');
  const out = Buffer.alloc(le.length + 2);
  for (let i = 0; i + 1 < le.length; i += 2) {
    out[i] = le[i + 1] ?? 0;
    out[i + 1] = le[i] ?? 0;
  }
  return out;
}

/**
 * Both byte forms of `password`.
 * @throws nothing.
 */
export function encodePassword(password: string): PbePassword {
  return { utf8: Buffer.from(password, 'utf8'), bmp: bmpPassword(password) };
}

/**
 * The byte forms of `password` worth trying, in order, as OpenSSL's `pkcs12` and `pkcs8` commands
 * do: the RFC 7292 form first; for the empty password also the "NULL" password (no bytes at all,
 * what OpenSSL uses when no password was given); for a non-ASCII password also the form OpenSSL
 * before 1.1.0 wrote (each UTF-8 byte widened to a 16-bit character).
 * @throws nothing.
 */
export function passwordCandidates(password: string): PbePassword[] {
  const standard = encodePassword(password);
  const out: PbePassword[] = [standard];
  if (password === '') out.push({ utf8: new Uint8Array(0), bmp: new Uint8Array(0) });
  if (/[^\x00-\x7f]/.test(password)) {
    const bmp = Buffer.alloc(standard.utf8.length * 2 + 2);
    standard.utf8.forEach((b, k) => { bmp[2 * k + 1] = b; });
    out.push({ utf8: standard.utf8, bmp });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hashes and the PKCS#12 KDF

/** Hash functions the PKCS#12 KDF and MAC accept. */
export type Pkcs12Hash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha512-224' | 'sha512-256';

/** u = output bytes, v = block bytes (RFC 7292 App. B.2). */
const HASH_SIZES: Record<Pkcs12Hash, { u: number; v: number }> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
  'sha512-224': { u: 28, v: 128 },
  'sha512-256': { u: 32, v: 128 },
};

/** Digest OID → hash name, for the PKCS#12 MAC (RFC 7292 §4, MacData.mac.digestAlgorithm). */
export const DIGEST_OIDS: Readonly<Record<string, Pkcs12Hash>> = {
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sha512_224]: 'sha512-224',
  [OID.sha512_256]: 'sha512-256',
};

/** Purpose byte of the PKCS#12 KDF (RFC 7292 App. B.3). */
export type Pkcs12KdfId = 1 | 2 | 3;

function repeatTo(src: Uint8Array, v: number): Buffer {
  if (src.length === 0) return Buffer.alloc(0);
  const out = Buffer.alloc(v * Math.ceil(src.length / v));
  for (let i = 0; i < out.length; i++) out[i] = src[i % src.length] ?? 0;
  return out;
}

/**
 * The PKCS#12 key derivation function (RFC 7292 App. B.2).
 *
 * @param hash - the hash H (SHA-1 for the PBE schemes; the MAC's digest for the MAC key).
 * @param password - the password bytes, already in BMPString form ({@link bmpPassword}); empty
 *   for a "NULL" password.
 * @param salt - the salt.
 * @param iterations - the iteration count r (1 ≤ r ≤ {@link MAX_ITERATIONS}).
 * @param id - 1 = key, 2 = IV, 3 = MAC key.
 * @param length - bytes to produce.
 * @throws ScelleError `MALFORMED_ASN1` / `UNSUPPORTED_ALGORITHM` — iteration count out of range.
 */
export function pkcs12Kdf(hash: Pkcs12Hash, password: Uint8Array, salt: Uint8Array, iterations: number, id: Pkcs12KdfId, length: number): Uint8Array {
  checkIterations(iterations, 'PKCS#12 KDF');
  const { u, v } = HASH_SIZES[hash];
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([repeatTo(salt, v), repeatTo(password, v)]);
  const c = Math.ceil(length / u);
  const out = Buffer.alloc(c * u);
  for (let block = 0; block < c; block++) {
    let a = createHash(hash).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    a.copy(out, block * u);
    if (block === c - 1) break;
    // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block I_j of I, B = A repeated to v bytes.
    const b = repeatTo(a, v).subarray(0, v);
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = (i[j + k] ?? 0) + (b[k] ?? 0) + carry;
        i[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return new Uint8Array(out.subarray(0, length));
}

// ---------------------------------------------------------------------------------------------
// Ciphers

interface CipherSpec {
  /** Human name, e.g. `AES-256-CBC`. */
  readonly name: string;
  /** Node cipher name, or undefined for RC2 (node-forge). */
  readonly node?: string;
  /** RC2 effective key bits (RFC 2268), for the RC2 schemes. */
  readonly rc2Bits?: number;
  readonly keyLength: number;
  readonly blockSize: number;
}

const PBES2_CIPHERS: Readonly<Record<string, CipherSpec>> = {
  [OID.aes128Cbc]: { name: 'AES-128-CBC', node: 'aes-128-cbc', keyLength: 16, blockSize: 16 },
  [OID.aes192Cbc]: { name: 'AES-192-CBC', node: 'aes-192-cbc', keyLength: 24, blockSize: 16 },
  [OID.aes256Cbc]: { name: 'AES-256-CBC', node: 'aes-256-cbc', keyLength: 32, blockSize: 16 },
  [OID.desEde3Cbc]: { name: 'DES-EDE3-CBC', node: 'des-ede3-cbc', keyLength: 24, blockSize: 8 },
};

const PBES2_PRFS: Readonly<Record<string, Pkcs12Hash>> = {
  [OID.hmacWithSHA1]: 'sha1',
  [OID.hmacWithSHA224]: 'sha224',
  [OID.hmacWithSHA256]: 'sha256',
  [OID.hmacWithSHA384]: 'sha384',
  [OID.hmacWithSHA512]: 'sha512',
};

const PKCS12_PBE: Readonly<Record<string, CipherSpec>> = {
  [OID.pbeWithSHAAnd3KeyTripleDESCBC]: { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', node: 'des-ede3-cbc', keyLength: 24, blockSize: 8 },
  [OID.pbeWithSHAAnd2KeyTripleDESCBC]: { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', node: 'des-ede-cbc', keyLength: 16, blockSize: 8 },
  [OID.pbeWithSHAAnd128BitRC2CBC]: { name: 'pbeWithSHAAnd128BitRC2-CBC', rc2Bits: 128, keyLength: 16, blockSize: 8 },
  [OID.pbeWithSHAAnd40BitRC2CBC]: { name: 'pbeWithSHAAnd40BitRC2-CBC', rc2Bits: 40, keyLength: 5, blockSize: 8 },
};

/** Names of schemes we recognise but refuse, for a precise message. */
const REFUSED: Readonly<Record<string, string>> = {
  [OID.pbeWithSHAAnd128BitRC4]: 'pbeWithSHAAnd128BitRC4',
  [OID.pbeWithSHAAnd40BitRC4]: 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC (PBES1)',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC (PBES1)',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC (PBES1)',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC (PBES1)',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC (PBES1)',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC (PBES1)',
  [OID.scrypt]: 'scrypt',
};

function unsupported(what: string): ScelleError {
  return new ScelleError('UNSUPPORTED_ALGORITHM', what);
}

function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');
}

/** Runs a CBC cipher with no padding (we pad and unpad ourselves, identically for every cipher). */
function cbcRaw(cipher: CipherSpec, encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (cipher.node !== undefined) {
    const c = encrypt ? createCipheriv(cipher.node, key, iv) : createDecipheriv(cipher.node, key, iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(data), c.final()]);
  }
  // RC2 (RFC 2268) via node-forge: not in OpenSSL 3's default provider.
  const bits = cipher.rc2Bits ?? 128;
  // node-forge is loaded only for legacy RC2 files: importing it costs ~75 ms of start-up.
  const forge = createRequire(import.meta.url)('node-forge') as typeof forgeTypes;
  const c = encrypt ? forge.rc2.createEncryptionCipher(toBinary(key), bits) : forge.rc2.createDecryptionCipher(toBinary(key), bits);
  c.start(forge.util.createBuffer(toBinary(iv)));
  c.update(forge.util.createBuffer(toBinary(data)));
  c.finish(() => true);
  return Buffer.from(c.output.getBytes(), 'binary');
}

function pad(data: Uint8Array, blockSize: number): Uint8Array {
  const n = blockSize - (data.length % blockSize);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/** PKCS#7 / RFC 8018 §6.1.1 step 4 padding check; a failure means the key (password) is wrong. */
function unpad(data: Uint8Array, blockSize: number): Uint8Array | undefined {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > blockSize || n > data.length) return undefined;
  let bad = 0;
  for (let k = data.length - n; k < data.length; k++) bad |= (data[k] ?? 0) ^ n;
  return bad === 0 ? data.subarray(0, data.length - n) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Algorithm identifiers

/** A password-based encryption scheme, resolved from its AlgorithmIdentifier. */
type ResolvedPbe =
  | { kind: 'pbes2'; name: string; cipher: CipherSpec; prf: Pkcs12Hash; salt: Uint8Array; iterations: number; iv: Uint8Array }
  | { kind: 'pkcs12'; name: string; cipher: CipherSpec; salt: Uint8Array; iterations: number };

/** The parameters of an AlgorithmIdentifier, or undefined when absent. */
function paramsOf(alg: AlgorithmIdentifier): asn1js.AsnType | undefined {
  const params: unknown = alg.algorithmParams;
  return params instanceof asn1js.BaseBlock ? (params as asn1js.AsnType) : undefined;
}

function algorithmParts(alg: AlgorithmIdentifier): { oid: string; params: asn1js.AsnType | undefined } {
  return { oid: alg.algorithmId, params: paramsOf(alg) };
}

function resolvePbes2(params: asn1js.AsnType | undefined): ResolvedPbe {
  if (params === undefined) throw new ScelleError('MALFORMED_ASN1', 'PBES2 parameters are missing');
  const p = matchSchema(params, PBES2Params.schema({ names: { keyDerivationFunc: { names: { blockName: 'kdf' } }, encryptionScheme: { names: { blockName: 'enc' } } } }), 'PBES2 parameters');
  const kdf = new AlgorithmIdentifier({ schema: p.kdf });
  const enc = new AlgorithmIdentifier({ schema: p.enc });
  if (kdf.algorithmId !== OID.pbkdf2) {
    throw unsupported(`PBES2 key derivation ${REFUSED[kdf.algorithmId] ?? kdf.algorithmId} is not supported (only PBKDF2)`);
  }
  const cipher = PBES2_CIPHERS[enc.algorithmId];
  if (cipher === undefined) throw unsupported(`PBES2 cipher ${enc.algorithmId} is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are)`);
  const iv = octets(paramsOf(enc), 'PBES2 cipher IV');
  if (iv.length !== cipher.blockSize) throw new ScelleError('MALFORMED_ASN1', `PBES2 ${cipher.name} IV must be ${cipher.blockSize} bytes, found ${iv.length}`);

  const kdfParams = paramsOf(kdf);
  if (kdfParams === undefined) throw new ScelleError('MALFORMED_ASN1', 'PBKDF2 parameters are missing');
  const kp = matchSchema(kdfParams, PBKDF2Params.schema({
    names: { saltPrimitive: 'salt', saltConstructed: { names: { blockName: 'saltAlg' } }, iterationCount: 'iterations', keyLength: 'keyLength', prf: { names: { blockName: 'prf', optional: true } } },
  }), 'PBKDF2 parameters');
  if (kp.salt === undefined) throw unsupported('PBKDF2 "otherSource" salt is not supported (only an OCTET STRING salt)');
  const salt = octets(kp.salt, 'PBKDF2 salt');
  const iterations = checkIterations(smallInteger(kp.iterations, 'PBKDF2 iteration count'), 'PBKDF2');
  if (kp.keyLength !== undefined && smallInteger(kp.keyLength, 'PBKDF2 key length') !== cipher.keyLength) {
    throw new ScelleError('MALFORMED_ASN1', `PBKDF2 key length does not match ${cipher.name} (${cipher.keyLength} bytes)`);
  }
  let prf: Pkcs12Hash = 'sha1'; // RFC 8018 App. A.2: the default PRF is hmacWithSHA1.
  if (kp.prf !== undefined) {
    const prfOid = new AlgorithmIdentifier({ schema: kp.prf }).algorithmId;
    const found = PBES2_PRFS[prfOid];
    if (found === undefined) throw unsupported(`PBKDF2 PRF ${prfOid} is not supported (HMAC-SHA1/224/256/384/512 are)`);
    prf = found;
  }
  return { kind: 'pbes2', name: `PBES2/${cipher.name}/PBKDF2-${prf.toUpperCase()}`, cipher, prf, salt, iterations, iv };
}

function resolvePkcs12Pbe(cipher: CipherSpec, params: asn1js.AsnType | undefined): ResolvedPbe {
  if (params === undefined) throw new ScelleError('MALFORMED_ASN1', `${cipher.name} parameters are missing`);
  // RFC 7292 App. C: pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
  const p = matchSchema(params, new asn1js.Sequence({ value: [new asn1js.OctetString({ name: 'salt' }), new asn1js.Integer({ name: 'iterations' })] }), `${cipher.name} parameters`);
  return {
    kind: 'pkcs12',
    name: cipher.name,
    cipher,
    salt: octets(p.salt, `${cipher.name} salt`),
    iterations: checkIterations(smallInteger(p.iterations, `${cipher.name} iteration count`), cipher.name),
  };
}

function resolvePbe(alg: AlgorithmIdentifier): ResolvedPbe {
  const { oid, params } = algorithmParts(alg);
  if (oid === OID.pbes2) return resolvePbes2(params);
  const legacy = PKCS12_PBE[oid];
  if (legacy !== undefined) return resolvePkcs12Pbe(legacy, params);
  throw unsupported(`password-based encryption ${REFUSED[oid] ?? oid} is not supported`);
}

/**
 * A human name for a password-based encryption AlgorithmIdentifier, e.g.
 * `PBES2/AES-256-CBC/PBKDF2-SHA256` or `pbeWithSHAAnd40BitRC2-CBC`.
 *
 * @throws ScelleError `UNSUPPORTED_ALGORITHM` — unknown scheme, cipher or PRF, or an iteration
 *   count above {@link MAX_ITERATIONS}; `MALFORMED_ASN1` — broken parameters.
 */
export function describePbe(alg: AlgorithmIdentifier): string {
  return resolvePbe(alg).name;
}

/**
 * Decrypts data encrypted with a PBES2 or PKCS#12 PBE scheme.
 *
 * @param alg - the encryption AlgorithmIdentifier (from EncryptedPrivateKeyInfo or
 *   EncryptedContentInfo).
 * @param ciphertext - the encrypted bytes.
 * @param password - the password, as a string or already encoded ({@link encodePassword}).
 * @returns the plaintext, padding removed.
 * @throws ScelleError `WRONG_PASSWORD` — the padding is wrong, i.e. the password is wrong (or the
 *   data was altered); `UNSUPPORTED_ALGORITHM` — unknown scheme or parameters beyond the limits;
 *   `MALFORMED_ASN1` — broken parameters, or a ciphertext that is not a whole number of blocks.
 */
export function pbeDecrypt(alg: AlgorithmIdentifier, ciphertext: Uint8Array, password: string | PbePassword): Uint8Array {
  const pw = typeof password === 'string' ? encodePassword(password) : password;
  const s = resolvePbe(alg);
  const { cipher } = s;
  if (ciphertext.length === 0 || ciphertext.length % cipher.blockSize !== 0) {
    throw new ScelleError('MALFORMED_ASN1', `${s.name} ciphertext is not a whole number of ${cipher.blockSize}-byte blocks: the data is truncated or damaged`);
  }
  let key: Uint8Array;
  let iv: Uint8Array;
  if (s.kind === 'pbes2') {
    key = pbkdf2Sync(pw.utf8, s.salt, s.iterations, cipher.keyLength, s.prf);
    iv = s.iv;
  } else {
    key = pkcs12Kdf('sha1', pw.bmp, s.salt, s.iterations, 1, cipher.keyLength);
    iv = pkcs12Kdf('sha1', pw.bmp, s.salt, s.iterations, 2, cipher.blockSize);
  }
  const plain = unpad(cbcRaw(cipher, false, key, iv, ciphertext), cipher.blockSize);
  if (plain === undefined) {
    throw new ScelleError('WRONG_PASSWORD', `decryption failed (${s.name}): the password is wrong or the data was altered`);
  }
  return plain;
}

/** PBES2 ciphers scelle can write. */
export type Pbes2Cipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';
/** PBKDF2 PRFs scelle can write. */
export type Pbes2Prf = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
/** PKCS#12 PBE schemes scelle can write (legacy; for old importers and for tests). */
export type Pkcs12PbeScheme = 'pbeWithSHAAnd3-KeyTripleDES-CBC' | 'pbeWithSHAAnd2-KeyTripleDES-CBC' | 'pbeWithSHAAnd128BitRC2-CBC' | 'pbeWithSHAAnd40BitRC2-CBC';

/** Which scheme {@link pbeEncrypt} writes. */
export type PbeAlgorithm =
  | { scheme: 'pbes2'; cipher: Pbes2Cipher; prf: Pbes2Prf }
  | { scheme: 'pkcs12'; cipher: Pkcs12PbeScheme };

/** The default: what OpenSSL 3 writes (PBES2, AES-256-CBC, PBKDF2 with HMAC-SHA256). */
export const DEFAULT_PBE: PbeAlgorithm = { scheme: 'pbes2', cipher: 'aes-256-cbc', prf: 'sha256' };

/** Options of {@link pbeEncrypt}. */
export interface PbeEncryptOptions {
  /** Default {@link DEFAULT_PBE}. */
  algorithm?: PbeAlgorithm;
  /** Default {@link DEFAULT_ITERATIONS}. */
  iterations?: number;
  /** Fixed salt (tests only); default {@link DEFAULT_SALT_LENGTH} random bytes. */
  salt?: Uint8Array;
  /** Fixed IV for PBES2 (tests only); default random. */
  iv?: Uint8Array;
}

function findOid<T>(table: Readonly<Record<string, T>>, match: (v: T) => boolean): string {
  for (const [oid, v] of Object.entries(table)) if (match(v)) return oid;
  throw new ScelleError('USAGE', 'unknown algorithm');
}

/**
 * Encrypts `plaintext` under a password.
 *
 * @returns the AlgorithmIdentifier to store next to the ciphertext, and the ciphertext.
 * @throws ScelleError `USAGE` — an iteration count out of 1…{@link MAX_ITERATIONS}, or an IV of
 *   the wrong size.
 */
export function pbeEncrypt(plaintext: Uint8Array, password: string | PbePassword, options: PbeEncryptOptions = {}): { algorithm: AlgorithmIdentifier; ciphertext: Uint8Array } {
  const pw = typeof password === 'string' ? encodePassword(password) : password;
  const algorithm = options.algorithm ?? DEFAULT_PBE;
  const iterations = checkIterationsOption(options.iterations ?? DEFAULT_ITERATIONS);
  const salt = options.salt ?? randomBytes(DEFAULT_SALT_LENGTH);
  const saltNode = new asn1js.OctetString({ valueHex: salt });

  if (algorithm.scheme === 'pbes2') {
    const encOid = findOid(PBES2_CIPHERS, (c) => c.node === algorithm.cipher);
    const cipher = PBES2_CIPHERS[encOid] as CipherSpec;
    const prfOid = findOid(PBES2_PRFS, (h) => h === algorithm.prf);
    const iv = options.iv ?? randomBytes(cipher.blockSize);
    if (iv.length !== cipher.blockSize) throw new ScelleError('USAGE', `${cipher.name} needs a ${cipher.blockSize}-byte IV`);
    const key = pbkdf2Sync(pw.utf8, salt, iterations, cipher.keyLength, algorithm.prf);
    const ciphertext = cbcRaw(cipher, true, key, iv, pad(plaintext, cipher.blockSize));
    // As OpenSSL writes it: no keyLength for fixed-key-size ciphers, PRF with NULL parameters.
    const kdfParams = new asn1js.Sequence({
      value: [
        saltNode,
        new asn1js.Integer({ value: iterations }),
        ...(algorithm.prf === 'sha1' ? [] : [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: prfOid }), new asn1js.Null()] })]),
      ],
    });
    const params = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.pbkdf2 }), kdfParams] }),
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: encOid }), new asn1js.OctetString({ valueHex: iv })] }),
      ],
    });
    return { algorithm: new AlgorithmIdentifier({ algorithmId: OID.pbes2, algorithmParams: params }), ciphertext };
  }

  const oid = findOid(PKCS12_PBE, (c) => c.name === algorithm.cipher);
  const cipher = PKCS12_PBE[oid] as CipherSpec;
  const key = pkcs12Kdf('sha1', pw.bmp, salt, iterations, 1, cipher.keyLength);
  const iv = pkcs12Kdf('sha1', pw.bmp, salt, iterations, 2, cipher.blockSize);
  const ciphertext = cbcRaw(cipher, true, key, iv, pad(plaintext, cipher.blockSize));
  const params = new asn1js.Sequence({ value: [saltNode, new asn1js.Integer({ value: iterations })] });
  return { algorithm: new AlgorithmIdentifier({ algorithmId: oid, algorithmParams: params }), ciphertext };
}
