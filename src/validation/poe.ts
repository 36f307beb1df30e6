/**
 * Proofs of existence (ETSI EN 319 102-1 §5.2.9, "POE extraction") and the chaining of
 * time-stamps that makes long-term proofs work (§5.6.2.5): time-stamps are validated from the
 * newest to the oldest; a valid one proves that everything it covers existed at its genTime — in
 * particular the older time-stamps it covers, which can then be validated in the past even once
 * their TSA certificates have expired or been revoked. Archive time-stamps (CAdES-LTA), document
 * time-stamps (PAdES-LTA) and evidence records (RFC 4998) are all this.
 *
 * Objects are identified by the SHA-256 of their bytes (a token's DER, a signature value, a
 * certificate, a CRL, a document).
 */
import * as crypto from 'node:crypto';
import type { TimestampExpectation } from '../timestamp/imprint.js';
import type { TimeStampToken } from '../timestamp/tsp.js';
import type { Poe, PoeOrigin, ValidationContext } from './context.js';
import { validateTimestamp, type TimestampVerdict } from './timestamp.js';

/** The key of an object in a {@link PoeStore}: SHA-256 of its bytes, hex. */
export function poeKey(object: Uint8Array): string {
  return crypto.createHash('sha256').update(object).digest('hex');
}

/** The earliest proven time of each object seen. */
export class PoeStore {
  readonly #byObject = new Map<string, Poe>();

  /** Records that `object` (bytes, or a {@link poeKey}) existed at `poe.time`; keeps the earliest. */
  add(object: Uint8Array | string, poe: Poe): void {
    const key = typeof object === 'string' ? object : poeKey(object);
    const known = this.#byObject.get(key);
    if (known === undefined || poe.time.getTime() < known.time.getTime()) this.#byObject.set(key, poe);
  }

  /** The earliest proof of existence of `object`, if any. */
  earliest(object: Uint8Array | string): Poe | undefined {
    return this.#byObject.get(typeof object === 'string' ? object : poeKey(object));
  }

  /** The number of objects with a proof. */
  get size(): number {
    return this.#byObject.size;
  }
}

/** One time-stamp of a chain: the token, what it must cover, and the objects it proves. */
export interface ChainedTimestamp {
  token: TimeStampToken;
  /** What its message imprint must be (the hash of the data it time-stamps). */
  expected: TimestampExpectation;
  /** Objects (bytes or {@link poeKey}s) that existed when it was made: what it covers. */
  covers: readonly (Uint8Array | string)[];
  /** How its proof is named in verdicts. */
  origin: PoeOrigin;
}

/** The verdict on each time-stamp of a chain, in the order given. */
export interface ChainedTimestampVerdict {
  verdict: TimestampVerdict;
  /** The proof of existence of the token itself that was used to validate it, if one was. */
  provenBy?: Poe;
}

/**
 * Validates time-stamps from the newest (by genTime) to the oldest, each with the proof of
 * existence the newer ones give it, and records in `store` what each valid one proves (its
 * `covers`, at its genTime). The newest is validated at the validation time with no proof but
 * `store`'s: it must stand on its own (its TSA certificate valid now, or proven by the caller,
 * e.g. an evidence record's later renewal).
 */
export async function validateTimestampChain(chain: readonly ChainedTimestamp[], ctx: ValidationContext, store: PoeStore): Promise<ChainedTimestampVerdict[]> {
  const order = chain.map((c, i) => ({ c, i })).sort((a, b) => b.c.token.tstInfo.genTime.getTime() - a.c.token.tstInfo.genTime.getTime());
  const out = new Array<ChainedTimestampVerdict>(chain.length);
  for (const { c, i } of order) {
    const provenBy = store.earliest(c.token.der);
    const verdict = await validateTimestamp(c.token, ctx, { expected: c.expected, ...(provenBy !== undefined ? { poe: provenBy } : {}) });
    out[i] = provenBy === undefined ? { verdict } : { verdict, provenBy };
    if (verdict.ok && verdict.genTime !== undefined) {
      const poe: Poe = { time: verdict.genTime, origin: c.origin, ...(verdict.tsa !== undefined ? { tsa: verdict.tsa.subject } : {}) };
      for (const object of c.covers) store.add(object, poe);
    }
  }
  return out;
}
