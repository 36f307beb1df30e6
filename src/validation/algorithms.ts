/**
 * Until when each cryptographic algorithm may be relied on (ETSI EN 319 102-1 §5.2.8
 * "cryptographic constraints", with dates from ETSI TS 119 312 and ANSSI's RGS annex B1): a
 * signature made with an algorithm after its date proves nothing; one proven to exist before it
 * (a time-stamp, an archive time-stamp) still does. The long-term archive renews proofs before the
 * algorithms they use reach these dates.
 *
 * | algorithm | relied on until | why |
 * |---|---|---|
 * | MD5 | 2004-08-17 | collisions published (Wang et al.) |
 * | SHA-1 (signatures) | 2016-01-01 | ETSI TS 119 312: not for signatures; CA/B Forum sunset |
 * | RSA < 2048 bits | 2010-12-31 | RGS B1: RSA-1024 end of use |
 * | RSA 2048 bits | 2030-12-31 | RGS B1 / TS 119 312: 112-bit security until 2030 |
 * | RSA ≥ 3072, EC P-256/384/521, SHA-2, SHA-3 | 2035-12-31 (review date) | TS 119 312 current horizon |
 * | EC < 256 bits (P-224, P-192) | 2030-12-31 | RGS B1: 112-bit security until 2030 |
 */

/** A dated cryptographic constraint. */
export interface AlgorithmDeadline {
  name: string;
  until: Date;
}

const d = (iso: string): Date => new Date(`${iso}T23:59:59Z`);

/** Digest deadlines, by the name the verdicts use (`MD5`, `SHA-1`, `SHA-256`…). */
export const DIGEST_DEADLINES: Readonly<Record<string, Date>> = {
  'MD5': d('2004-08-17'),
  'SHA-1': d('2015-12-31'),
  'SHA-224': d('2030-12-31'),
  'SHA-256': d('2035-12-31'),
  'SHA-384': d('2035-12-31'),
  'SHA-512': d('2035-12-31'),
  'SHA3-256': d('2035-12-31'),
  'SHA3-384': d('2035-12-31'),
  'SHA3-512': d('2035-12-31'),
};

/** RSA modulus deadlines: the first entry whose `minBits` the key reaches. */
export const RSA_DEADLINES: readonly { minBits: number; until: Date }[] = [
  { minBits: 3072, until: d('2035-12-31') },
  { minBits: 2048, until: d('2030-12-31') },
  { minBits: 0, until: d('2010-12-31') },
];

/** Until when a signature over a `digestName` digest may be relied on; undefined when unknown (not judged here). */
export function digestDeadline(digestName: string): Date | undefined {
  return DIGEST_DEADLINES[digestName];
}

/** Until when an RSA key of `bits` may be relied on. */
export function rsaDeadline(bits: number): Date {
  return (RSA_DEADLINES.find((r) => bits >= r.minBits) ?? RSA_DEADLINES[RSA_DEADLINES.length - 1]!).until;
}

/** EC key deadlines (field size), from the same table: the first entry whose `minBits` the key reaches. */
export const EC_DEADLINES: readonly { minBits: number; until: Date }[] = [
  { minBits: 256, until: d('2035-12-31') },
  { minBits: 0, until: d('2030-12-31') },
];

/** Until when an EC key of `bits` (field size) may be relied on. */
export function ecDeadline(bits: number): Date {
  return (EC_DEADLINES.find((r) => bits >= r.minBits) ?? EC_DEADLINES[EC_DEADLINES.length - 1]!).until;
}
