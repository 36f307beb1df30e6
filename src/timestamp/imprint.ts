/**
 * What a time-stamp is about: the message imprint (RFC 3161 §2.4.1 MessageImprint) — the hash
 * algorithm and the hash of the time-stamped data — computed from the data as a stream, or taken
 * from a digest computed elsewhere.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import { isTspHash, parseTimeStampResp, parseTimeStampToken, type TspHash } from './tsp.js';

/** Hash algorithms scelle accepts for a message imprint (SHA-1 and MD5 are refused); the TSP module's {@link TspHash}. */
export type TimestampHash = TspHash;

/** What the token must be about: the hash algorithm and the hash of the time-stamped data. */
export interface TimestampExpectation {
  hash: TimestampHash;
  /** The hashed message: the digest of the data (RFC 3161 §2.4.1 MessageImprint.hashedMessage). */
  imprint: Uint8Array;
}

/** Digest length and display name of each accepted imprint hash. */
export const IMPRINT_HASH: Readonly<Record<TimestampHash, { length: number; name: string }>> = {
  sha256: { length: 32, name: 'SHA-256' },
  sha384: { length: 48, name: 'SHA-384' },
  sha512: { length: 64, name: 'SHA-512' },
};

// ------------------------------------------------------------------------------- expectations

/**
 * Hashes the data to time-stamp or to check a token against, streaming it through native hashing.
 * @param source - the bytes, or chunks of them (a file's {@link readFileChunks}).
 * @throws ScelleError UNSUPPORTED_ALGORITHM for a hash other than SHA-256/384/512; IO_ERROR when
 *   the source fails.
 */
export async function hashForTimestamp(
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  hash: TimestampHash = 'sha256',
): Promise<TimestampExpectation> {
  checkHash(hash);
  const h = crypto.createHash(hash);
  if (source instanceof Uint8Array) {
    h.update(source);
  } else {
    try {
      for await (const chunk of source as AsyncIterable<Uint8Array>) h.update(chunk);
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('IO_ERROR', `reading the data to time-stamp failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return { hash, imprint: new Uint8Array(h.digest()) };
}

/**
 * An expectation from a digest computed elsewhere (`openssl ts -query -digest` style).
 * @param digest - the raw digest, or its hexadecimal form (colons and spaces allowed).
 * @throws ScelleError UNSUPPORTED_ALGORITHM for another hash; USAGE when the digest is not hex or
 *   not the hash's length.
 */
export function imprintFromDigest(hash: TimestampHash, digest: Uint8Array | string): TimestampExpectation {
  const info = checkHash(hash);
  let bytes: Uint8Array;
  if (typeof digest === 'string') {
    const hex = digest.replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new ScelleError('USAGE', `the ${info.name} digest "${digest}" is not hexadecimal`);
    bytes = new Uint8Array(Buffer.from(hex, 'hex'));
  } else {
    bytes = digest.slice();
  }
  if (bytes.length !== info.length) {
    throw new ScelleError('USAGE', `a ${info.name} digest has ${info.length} bytes, not ${bytes.length}`);
  }
  return { hash, imprint: bytes };
}

export function checkHash(hash: string): { length: number; name: string } {
  const info = (IMPRINT_HASH as Record<string, { length: number; name: string }>)[hash];
  if (info === undefined) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `the time-stamp imprint hash must be sha256, sha384 or sha512, not "${hash}"`);
  }
  return info;
}

/**
 * The imprint hash of a TimeStampResp's token, so that the data can be hashed the same way before
 * {@link verifyTimestampResponse}; undefined when there is no token or its hash is not SHA-2.
 * @throws ScelleError MALFORMED_ASN1 (not a TimeStampResp).
 */
export function imprintHashOfResponse(respDer: Uint8Array): TimestampHash | undefined {
  const h = parseTimeStampResp(respDer).tstInfo?.hash;
  return h !== undefined && isTspHash(h) ? h : undefined;
}

/**
 * The imprint hash of a TimeStampToken (see {@link imprintHashOfResponse}).
 * @throws ScelleError MALFORMED_ASN1 (not a TimeStampToken), TIMESTAMP_INVALID (no TSTInfo).
 */
export function imprintHashOfToken(tokenDer: Uint8Array): TimestampHash | undefined {
  const h = parseTimeStampToken(tokenDer).tstInfo.hash;
  return isTspHash(h) ? h : undefined;
}

