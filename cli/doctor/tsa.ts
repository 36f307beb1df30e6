/**
 * The time-stamping authority: a real RFC 3161 request (a random imprint, a nonce) over HTTP, and
 * the answer checked — granted, about our imprint, our nonce echoed — then, with trust roots, the
 * token validated as `timestamp verify` would (chain and revocation of the TSA certificate).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ScelleError, isScelleError, requestTimestamp, verifyTimestampResponse, summarizeCertificate, type Crl, type X509Cert, type TimestampResult,
} from '../../src/index.js';
import { errorOf, found, type DoctorCheck } from './check.js';

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => a !== undefined && b !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Why the TSA did not answer, as a sentence of the catalog when the network error is a known one. */
export function networkReason(detail: string): { key: string; params?: Record<string, string | number> } | undefined {
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/.test(detail)) return { key: `doctor.net.${detail}` };
  const timeout = /^no reply within (\d+) ms$/.exec(detail);
  if (timeout) return { key: 'doctor.net.timeout', params: { s: Math.round(Number(timeout[1]) / 1000) } };
  const http = /^HTTP status (\d+)$/.exec(detail);
  if (http) return { key: 'doctor.net.http', params: { status: Number(http[1]) } };
  return undefined;
}

/** Options of {@link checkTsa}. */
export interface TsaCheckOptions {
  url: string;
  trust: X509Cert[];
  crls: Crl[];
  timeoutMs?: number;
}

/** The `tsa` check, then (when it answered) the `tsa-trust` one. */
export async function checkTsa(o: TsaCheckOptions): Promise<DoctorCheck[]> {
  const imprint = new Uint8Array(randomBytes(32));
  const params = { url: o.url };
  const started = performance.now();
  let got: TimestampResult;
  try {
    got = await requestTimestamp({ url: o.url, hash: 'sha256', imprint, timeoutMs: o.timeoutMs ?? 10_000 });
  } catch (e) {
    if (isScelleError(e, 'TSA_UNAVAILABLE')) {
      const detail = String(e.params.detail ?? e.message);
      const reason = networkReason(detail);
      return [found('tsa', 'error', 'doctor.tsa.down', { params: { ...params, detail }, ...(reason ? { texts: { detail: reason } } : {}), fixKey: 'doctor.tsa.downFix' })];
    }
    return [found('tsa', 'error', 'doctor.tsa.bad', { params, error: errorOf(e), fixKey: 'doctor.tsa.badFix' })];
  }
  const ms = Math.round(performance.now() - started);
  const r = got.response;
  if (r.status > 1) {
    const reason = [...r.failInfo, ...r.statusStrings].join(', ');
    return [found('tsa', 'error', 'doctor.tsa.rejected', { params: { ...params, status: r.status, reason: reason ? `: ${reason}` : '' }, fixKey: 'doctor.tsa.rejectedFix' })];
  }
  if (!r.tstInfo || !same(r.tstInfo.imprint, imprint) || !same(r.tstInfo.nonce, got.request.nonce)) {
    const e = !r.tstInfo ? new ScelleError('TIMESTAMP_INVALID', 'the answer holds no time-stamp token')
      : !same(r.tstInfo.imprint, imprint) ? new ScelleError('TIMESTAMP_IMPRINT_MISMATCH', 'the time-stamp is about other data than the request')
        : new ScelleError('TIMESTAMP_NONCE_MISMATCH', 'the authority did not echo the request’s nonce');
    return [found('tsa', 'error', 'doctor.tsa.bad', { params, error: errorOf(e), fixKey: 'doctor.tsa.badFix' })];
  }
  const out = [found('tsa', 'ok', 'doctor.tsa.ok', { params: { ...params, ms }, dates: { genTime: r.tstInfo.genTime.toISOString() } })];
  out.push(await checkTsaTrust(got, imprint, o));
  return out;
}

async function checkTsaTrust(got: TimestampResult, imprint: Uint8Array, o: TsaCheckOptions): Promise<DoctorCheck> {
  let v: Awaited<ReturnType<typeof verifyTimestampResponse>>;
  try {
    v = await verifyTimestampResponse(got.der, { trustAnchors: o.trust, crls: o.crls, expected: { hash: 'sha256', imprint }, nonce: got.request.nonce });
  } catch (e) {
    return found('tsa-trust', 'error', 'doctor.tsaTrust.failed', { params: { url: o.url }, error: errorOf(e), fixKey: 'doctor.tsaTrust.failedFix' });
  }
  const holder = v.tsa ? summarizeCertificate(v.tsa.certificate).holder.displayName : (v.tsaName ?? o.url);
  const params = { url: o.url, holder };
  if (o.trust.length === 0) return found('tsa-trust', 'skipped', 'doctor.tsaTrust.none', { params, fixKey: 'doctor.tsaTrust.noneFix' });
  if (v.ok) return found('tsa-trust', 'ok', 'doctor.tsaTrust.ok', { params });
  const first = v.problems[0];
  const error = { code: v.code ?? first?.code ?? 'TIMESTAMP_INVALID', message: first?.message ?? v.indication };
  // Only a revocation status that could not be had (TRY_LATER) may change by itself or with --crl: a warning.
  return v.subIndication === 'TRY_LATER'
    ? found('tsa-trust', 'warning', 'doctor.tsaTrust.indeterminate', { params, error, fixKey: 'doctor.tsaTrust.indeterminateFix' })
    : found('tsa-trust', 'error', 'doctor.tsaTrust.failed', { params, error, fixKey: 'doctor.tsaTrust.failedFix' });
}
