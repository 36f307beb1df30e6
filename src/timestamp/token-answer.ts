/**
 * A TSA's answer checked before it is kept: a TimeStampResp that grants (or a bare token), a token
 * over the imprint asked for, not dated in the future. Shared by CAdES-T signature time-stamps,
 * archive time-stamps, evidence records and the archive's journal seals.
 */
import { ScelleError } from '../errors.js';
import { bytesEqual } from '../crypto/asn1/asn1js-util.js';
import { UNIVERSAL, isTag, parseBer } from '../crypto/asn1/ber.js';
import { PKI_STATUS, parseTimeStampResp, parseTimeStampToken, type TspHash } from './tsp.js';

/** Clock difference tolerated between the TSA and this machine. */
const MAX_SKEW_MS = 5 * 60_000;

/**
 * The token in a TSA's answer (a token or a whole response), checked to cover `imprint` and not
 * to be dated in the future.
 * @throws ScelleError TIMESTAMP_REJECTED, TIMESTAMP_IMPRINT_MISMATCH, TIMESTAMP_INVALID, MALFORMED_ASN1.
 */
export function tokenFromAnswer(answer: Uint8Array, hash: TspHash, imprint: Uint8Array, what: string, now: Date): { token: Uint8Array; genTime: Date } {
  let token = answer;
  const top = parseBer(answer, 'time-stamp');
  // A TimeStampResp starts SEQUENCE { SEQUENCE { INTEGER …: a ContentInfo starts SEQUENCE { OID.
  if (isTag(top.children[0], 'universal', UNIVERSAL.SEQUENCE)) {
    const resp = parseTimeStampResp(answer);
    if (resp.token === undefined || (resp.status !== PKI_STATUS.granted && resp.status !== PKI_STATUS.grantedWithMods)) {
      const why = [...resp.statusStrings, ...(resp.failInfo.length > 0 ? [`failInfo ${resp.failInfo.join(', ')}`] : [])].join(', ');
      throw new ScelleError('TIMESTAMP_REJECTED', `the TSA refused to time-stamp ${what}: status ${resp.status}${why === '' ? '' : ` (${why})`}`);
    }
    token = resp.token;
  }
  const tst = parseTimeStampToken(token).tstInfo;
  if (tst.hash !== hash || !bytesEqual(tst.imprint, imprint)) {
    throw new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', `the TSA returned a time-stamp over other data than ${what}: it is not used`);
  }
  if (tst.genTime.getTime() > now.getTime() + MAX_SKEW_MS) {
    throw new ScelleError('TIMESTAMP_INVALID', `the TSA returned a time-stamp dated ${tst.genTime.toISOString()}, in the future (this machine says ${now.toISOString()}): check the TSA's clock or this machine's`);
  }
  return { token: token.slice(), genTime: tst.genTime };
}
