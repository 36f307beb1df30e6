/**
 * Until when a time-stamp keeps proving something without renewal (RFC 4998 §5.2, ETSI EN 319
 * 122-1 §5.5.3): it can be validated only while every certificate of its TSA's path is within its
 * validity period, and only while the algorithms it uses — the message-imprint hash, the token's
 * signature digest, the TSA key — stay above the deadlines of `algorithms.ts` (ETSI TS 119 312 /
 * ANSSI RGS B1). The earliest of these dates is when an archive time-stamp or an evidence record
 * must be renewed at the latest.
 */
import { DIGESTS, findSigner } from '../crypto/cms/signed-data.js';
import { X509Cert } from '../crypto/x509/certificate.js';
import { IMPRINT_HASH } from '../timestamp/imprint.js';
import { isTspHash, parseTimeStampToken, type TimeStampToken } from '../timestamp/tsp.js';
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

/** The algorithm limits of a token: its imprint hash, its signature digest, its TSA key. */
function algorithmLimits(token: TimeStampToken | undefined, tsa: X509Cert | undefined): RenewalLimit[] {
  const out: RenewalLimit[] = [];
  if (token !== undefined) {
    const h = token.tstInfo.hash;
    const imprintName = isTspHash(h) ? IMPRINT_HASH[h].name : undefined;
    const imprintUntil = imprintName !== undefined ? digestDeadline(imprintName) : undefined;
    if (imprintName !== undefined && imprintUntil !== undefined) out.push({ until: imprintUntil, reason: 'hash-algorithm', detail: imprintName });
    const oid = token.signerInfos[0]?.digestAlgorithm.oid;
    const name = oid !== undefined ? DIGESTS[oid]?.name : undefined;
    const until = name !== undefined ? digestDeadline(name) : undefined;
    if (name !== undefined && until !== undefined) out.push({ until, reason: 'signature-algorithm', detail: name });
  }
  if (tsa !== undefined) {
    const k = keyLimit(tsa);
    if (k !== undefined) out.push(k);
  }
  return out;
}

function parsed(der: Uint8Array | undefined): TimeStampToken | undefined {
  if (der === undefined) return undefined;
  try {
    return parseTimeStampToken(der);
  } catch {
    return undefined;
  }
}

/**
 * The limits of one validated time-stamp: its TSA path's expiry dates, its imprint hash, its
 * signature digest and its TSA key. Empty when the token could not be read.
 */
export function timestampRenewalLimits(v: TimestampVerdict): RenewalLimit[] {
  const path = v.chain?.path ?? (v.tsa !== undefined ? [v.tsa.certificate] : []);
  return [...path.map((c) => ({ until: c.notAfter, reason: 'certificate-expiry' as const, detail: c.subject })), ...algorithmLimits(parsed(v.token), v.tsa?.certificate)];
}

/** The earliest of `limits`, or undefined when there is none. */
export function earliestLimit(limits: readonly RenewalLimit[]): RenewalLimit | undefined {
  let best: RenewalLimit | undefined;
  for (const l of limits) if (best === undefined || l.until.getTime() < best.until.getTime()) best = l;
  return best;
}

/**
 * The limits of a token read on its own, without validating it (`archive status`): its signer
 * certificate and the CA certificates it carries (or `extraCertificates`), linked by name, plus its
 * algorithms. What a validation would add is the trust anchor's own expiry.
 * @throws ScelleError MALFORMED_ASN1, TIMESTAMP_INVALID (not a token).
 */
export function tokenRenewalLimits(der: Uint8Array, extraCertificates: readonly X509Cert[] = []): RenewalLimit[] {
  const token = parseTimeStampToken(der);
  const carried: X509Cert[] = [...extraCertificates];
  for (const c of token.certificates) {
    try {
      carried.push(X509Cert.fromDer(c));
    } catch {
      // an unreadable certificate limits nothing
    }
  }
  const si = token.signerInfos[0];
  const signer = si !== undefined ? findSigner(si.sid, carried) : undefined;
  const path: X509Cert[] = [];
  for (let c = signer; c !== undefined && path.length < 8 && !path.includes(c); c = c.isSelfIssued() ? undefined : carried.find((x) => x.subject === c!.issuer && !x.equals(c!))) path.push(c);
  return [...path.map((c) => ({ until: c.notAfter, reason: 'certificate-expiry' as const, detail: c.subject })), ...algorithmLimits(token, signer)];
}
