/**
 * Until when a time-stamp keeps proving something without renewal (RFC 4998 §5.2, ETSI EN 319
 * 122-1 §5.5.3): it can be validated only while every certificate of its TSA's path is within its
 * validity period, and only while the algorithms it uses — the message-imprint hash, the token's
 * signature digest, the TSA key — stay above the deadlines of `algorithms.ts` (ETSI TS 119 312 /
 * ANSSI RGS B1). The earliest of these dates is when an archive time-stamp or an evidence record
 * must be renewed at the latest.
 */
import { DIGESTS } from '../crypto/cms/signed-data.js';
import type { X509Cert } from '../crypto/x509/certificate.js';
import { IMPRINT_HASH } from '../timestamp/imprint.js';
import { isTspHash, parseTimeStampToken } from '../timestamp/tsp.js';
import { digestDeadline, ecDeadline, rsaDeadline } from './algorithms.js';
import type { TimestampVerdict } from './timestamp.js';

/** One reason a proof must be renewed before a date. */
export interface RenewalLimit {
  until: Date;
  reason: 'certificate-expiry' | 'hash-algorithm' | 'signature-algorithm' | 'key-size';
  /** What reaches the date: a certificate subject, an algorithm name. */
  detail: string;
}

function keyLimit(cert: X509Cert): RenewalLimit | undefined {
  const k = cert.keyAlgorithm;
  if ((k.type === 'rsa' || k.type === 'rsa-pss') && k.bits !== undefined) return { until: rsaDeadline(k.bits), reason: 'key-size', detail: `RSA-${k.bits} (${cert.subject})` };
  if (k.type === 'ec' && k.bits !== undefined) return { until: ecDeadline(k.bits), reason: 'key-size', detail: `${k.curve ?? `EC-${k.bits}`} (${cert.subject})` };
  return undefined;
}

/**
 * The limits of one validated time-stamp: its TSA path's expiry dates, its imprint hash, its
 * signature digest and its TSA key. Empty when the token could not be read.
 */
export function timestampRenewalLimits(v: TimestampVerdict): RenewalLimit[] {
  const out: RenewalLimit[] = [];
  const path = v.chain?.path ?? (v.tsa !== undefined ? [v.tsa.certificate] : []);
  for (const c of path) out.push({ until: c.notAfter, reason: 'certificate-expiry', detail: c.subject });
  if (v.imprint !== undefined && isTspHash(v.imprint.hash)) {
    const name = IMPRINT_HASH[v.imprint.hash].name;
    const until = digestDeadline(name);
    if (until !== undefined) out.push({ until, reason: 'hash-algorithm', detail: name });
  }
  if (v.token !== undefined) {
    try {
      const oid = parseTimeStampToken(v.token).signerInfos[0]?.digestAlgorithm.oid;
      const name = oid !== undefined ? DIGESTS[oid]?.name : undefined;
      const until = name !== undefined ? digestDeadline(name) : undefined;
      if (name !== undefined && until !== undefined) out.push({ until, reason: 'signature-algorithm', detail: name });
    } catch {
      // an unreadable token has no limit to report; its verdict says why
    }
  }
  if (v.tsa !== undefined) {
    const k = keyLimit(v.tsa.certificate);
    if (k !== undefined) out.push(k);
  }
  return out;
}

/** The earliest of `limits`, or undefined when there is none. */
export function earliestLimit(limits: readonly RenewalLimit[]): RenewalLimit | undefined {
  let best: RenewalLimit | undefined;
  for (const l of limits) if (best === undefined || l.until.getTime() < best.until.getTime()) best = l;
  return best;
}
