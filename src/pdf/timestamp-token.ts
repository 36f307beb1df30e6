/**
 * Getting a time-stamp token for PDF signing: what a `TimestampTokenSource` returns (a token, or a
 * whole TimeStampResp) turned into the bare TimeStampToken DER, checked to be over the hash asked
 * for and not dated in the future (RFC 3161 §2.4.2) — a token that any verifier would refuse is
 * refused now, before it is written into the PDF.
 */
import * as crypto from 'node:crypto';
import { ScelleError } from '../errors.js';
import { UNIVERSAL, isTag, parseBer } from '../crypto/asn1/ber.js';
import type { TimestampTokenSource } from '../timestamp/cades-t.js';
import type { TimestampHash } from '../timestamp/imprint.js';
import { PKI_STATUS, parseTimeStampResp, parseTimeStampToken } from '../timestamp/tsp.js';

/** Clock skew tolerated between the TSA and this machine. */
const MAX_SKEW_MS = 5 * 60_000;

/**
 * Asks `source` for a time-stamp over `data` (hashed with `hash`) and returns the token.
 * @throws ScelleError TIMESTAMP_REJECTED, TIMESTAMP_IMPRINT_MISMATCH, TIMESTAMP_INVALID,
 *   MALFORMED_ASN1, and what the source throws (TSA_UNAVAILABLE…).
 */
export async function timestampOver(source: TimestampTokenSource, data: Iterable<Uint8Array>, hash: TimestampHash, what: string, now: Date): Promise<Uint8Array> {
  const h = crypto.createHash(hash);
  for (const chunk of data) h.update(chunk);
  const imprint = new Uint8Array(h.digest());
  const answer = await source(hash, imprint);
  let token = answer;
  const top = parseBer(answer, 'time-stamp');
  if (isTag(top.children[0], 'universal', UNIVERSAL.SEQUENCE)) {
    const resp = parseTimeStampResp(answer);
    if (resp.token === undefined || (resp.status !== PKI_STATUS.granted && resp.status !== PKI_STATUS.grantedWithMods)) {
      throw new ScelleError('TIMESTAMP_REJECTED', `the TSA refused to time-stamp ${what}: status ${resp.status}${resp.statusStrings.length > 0 ? ` (${resp.statusStrings.join(', ')})` : ''}`);
    }
    token = resp.token;
  }
  const tst = parseTimeStampToken(token).tstInfo;
  if (tst.hash !== hash || Buffer.compare(Buffer.from(tst.imprint), Buffer.from(imprint)) !== 0) {
    throw new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', `the TSA returned a time-stamp over other data than ${what}: it is not added`);
  }
  if (tst.genTime.getTime() > now.getTime() + MAX_SKEW_MS) {
    throw new ScelleError('TIMESTAMP_INVALID', `the TSA returned a time-stamp dated ${tst.genTime.toISOString()}, in the future (this machine says ${now.toISOString()}): check the TSA's clock or this machine's`);
  }
  return token.slice();
}
