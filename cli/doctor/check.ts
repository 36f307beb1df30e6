/**
 * What a `scelle doctor` check finds: a status, a sentence and what to do, as catalog keys with
 * their values (cli/i18n/doctor.ts), so that the text and JSON outputs say the same thing.
 * A check that could not be made is `skipped` or a `warning`, never `ok`.
 */
import { ScelleError, summarizeCertificate, type X509Cert } from '../../src/index.js';
import { certificateRoles } from '../../src/internal.js';

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface DoctorCheck {
  /**
   * Stable name: `node`, `trust`, `identity`, `tsa`, `tsa-trust`, `pkcs11`, `card`,
   * `backup-config`, `backup-destination`, `backup-last`, `backup-drill`, `backup-rule`,
   * `backup-schedule`.
   */
  check: string;
  status: CheckStatus;
  /** Catalog key of the sentence. */
  key: string;
  /** Its values (strings and numbers as they are). */
  params: Record<string, string | number>;
  /** Values that are instants (ISO-8601 UTC), shown in the reader's time zone and language. */
  dates?: Record<string, string>;
  /** Values that are days (ISO-8601 UTC), shown as a date without the time. */
  days?: Record<string, string>;
  /** Values that are counts, shown with their noun in the right number: `{ days: ['doctor.n.day', 12] }`. */
  counts?: Record<string, [string, number]>;
  /** Values that are catalog keys themselves (a note, a rule's sentence), translated first. */
  texts?: Record<string, { key: string; params?: Record<string, string | number> }>;
  /** A library error behind the finding: its localized message becomes `{detail}`. */
  error?: { code: ScelleError['code']; message: string; params?: Record<string, string | number> };
  /** Catalog key of what to do (with the same values). */
  fixKey?: string;
}

export type CheckInit = Omit<DoctorCheck, 'check' | 'status' | 'key' | 'params'> & { params?: Record<string, string | number> };

/** A check result. */
export function found(check: string, status: CheckStatus, key: string, init: CheckInit = {}): DoctorCheck {
  return { check, status, key, ...init, params: init.params ?? {} };
}

/** The error part of a check from anything thrown. */
export function errorOf(e: unknown): NonNullable<DoctorCheck['error']> {
  if (e instanceof ScelleError) return { code: e.code, message: e.message, params: { ...e.params } as Record<string, string | number> };
  return { code: 'INTERNAL', message: (e as Error)?.message ?? String(e), params: { detail: (e as Error)?.message ?? String(e) } };
}

const DAY = 86_400_000;

/** Days from `now` to `to`, rounded up (a certificate expiring in 3 h expires "in 1 day"). */
export function daysUntil(to: Date, now: Date): number {
  return Math.max(0, Math.ceil((to.getTime() - now.getTime()) / DAY));
}

/** Whole days from `from` to `now`. */
export function daysSince(from: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY));
}

/**
 * The dates of one certificate: expired or not yet valid (error), expiring within `warnDays`
 * (warning), else ok. Only the validity period: revocation is not claimed here.
 */
export function certificateDates(check: 'trust' | 'identity', file: string, cert: X509Cert, now: Date, warnDays: number, unauthenticated = false): DoctorCheck {
  const holder = summarizeCertificate(cert, now).holder.displayName;
  const init: CheckInit = {
    params: { file, holder, note: '' },
    days: { notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() },
    texts: { role: { key: `role.${certificateRoles(cert)[0] ?? 'other'}` }, ...(unauthenticated ? { note: { key: 'doctor.readWithoutPassword' } } : {}) },
  };
  if (cert.notBefore.getTime() > now.getTime()) return found(check, 'error', 'doctor.cert.notYetValid', { ...init, fixKey: 'doctor.cert.notYetValidFix' });
  if (cert.notAfter.getTime() < now.getTime()) return found(check, 'error', 'doctor.cert.expired', { ...init, fixKey: `doctor.${check}.expiredFix` });
  const days = daysUntil(cert.notAfter, now);
  if (days <= warnDays) return found(check, 'warning', 'doctor.cert.expiring', { ...init, counts: { days: ['doctor.n.day', days] }, fixKey: `doctor.${check}.expiringFix` });
  return found(check, 'ok', 'doctor.cert.ok', init);
}
