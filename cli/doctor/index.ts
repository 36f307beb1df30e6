/**
 * `scelle doctor`: every check in order — Node.js, trust stores, identities, time-stamping
 * authority, card reader, backups and their schedule — collected into one report (a check that
 * fails does not stop the others). Exit 1 when any check is an error; warnings alone exit 0.
 */
import { resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { readCrls, readTrust } from '../options.js';
import { found, type CheckStatus, type DoctorCheck } from './check.js';
import { checkNode } from './node-version.js';
import { checkCertificateFile, checkIdentities, checkTrustStores } from './certificates.js';
import { checkTsa } from './tsa.js';
import { checkPkcs11 } from './pkcs11.js';
import { checkBackups, findBackupConfig, loadBackupConfig, settingsOf, type BackupSettings } from './backup.js';
import { checkSchedule } from './schedule.js';

export interface DoctorOptions {
  trust: string[];
  crl: string[];
  identity: string[];
  passFile?: string;
  tsa?: string;
  pkcs11?: string;
  config?: string;
  /** Warn when a certificate expires within this many days (60). */
  warnDays: number;
  /** The TSA request's timeout (10 s). */
  tsaTimeoutMs?: number;
}

export interface DoctorReport {
  ok: boolean;
  at: string;
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
}

async function backupPart(ctx: Ctx, o: DoctorOptions, now: Date): Promise<{ checks: DoctorCheck[]; settings: BackupSettings }> {
  const none: BackupSettings = { trust: [] };
  const where = await findBackupConfig(ctx.io, o.config);
  if (where === undefined) return { checks: [found('backup-config', 'skipped', 'doctor.backup.none', { fixKey: 'doctor.backup.noneFix' })], settings: none };
  const { check, config } = await loadBackupConfig(where.path);
  if (config === undefined) return { checks: [check], settings: none };
  const checks = [check, ...(await checkBackups(config, where.path, ctx.io.env, now)), await checkSchedule(ctx.io, where.path)];
  return { checks, settings: settingsOf(config, where.path) };
}

/** Runs every check. @throws ScelleError only for an unreadable --crl (a usage mistake). */
export async function runDoctor(ctx: Ctx, o: DoctorOptions, now = new Date()): Promise<DoctorReport> {
  const backup = await backupPart(ctx, o, now);
  const s = backup.settings;
  const stores = o.trust.length > 0 ? o.trust.map((f) => ({ shown: f, path: resolve(ctx.io.cwd, f) })) : s.trust.map((f) => ({ shown: f, path: f }));
  const identities = o.identity.length > 0 ? o.identity : s.identity !== undefined ? [s.identity] : [];
  const checks: DoctorCheck[] = [checkNode(process.versions.node)];
  checks.push(...(await checkTrustStores(ctx, stores, now, o.warnDays)));
  if (identities.length === 0 && o.identity.length === 0 && s.certificate !== undefined) checks.push(...(await checkCertificateFile(ctx, s.certificate, now, o.warnDays)));
  else checks.push(...(await checkIdentities(ctx, identities, o.passFile, now, o.warnDays)));
  const tsa = o.tsa ?? s.tsa;
  if (tsa === undefined) {
    checks.push(found('tsa', 'skipped', 'doctor.tsa.none', { fixKey: 'doctor.tsa.noneFix' }));
  } else {
    const trust = await readTrust(ctx, stores.map((f) => f.path)).catch(() => []);
    checks.push(...(await checkTsa({ url: tsa, trust, crls: await readCrls(ctx, o.crl), ...(o.tsaTimeoutMs !== undefined ? { timeoutMs: o.tsaTimeoutMs } : {}) })));
  }
  checks.push(...checkPkcs11(o.pkcs11), ...backup.checks);
  const counts: Record<CheckStatus, number> = { ok: 0, warning: 0, error: 0, skipped: 0 };
  for (const c of checks) counts[c.status]++;
  return { ok: counts.error === 0, at: now.toISOString(), checks, counts };
}
