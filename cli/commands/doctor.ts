/**
 * `scelle doctor [--trust F]… [--identity F.p12]… [--pass-file F] [--tsa URL] [--crl F]…
 * [--pkcs11 MODULE] [--config F] [--json]`: checks what the practice depends on and says what to
 * fix. Exit 0 when nothing is an error (warnings alone too), 1 otherwise. See cli/doctor/.
 */
import { Command, Option } from 'commander';
import { ScelleError } from '../../src/index.js';
import { action } from '../action.js';
import { parseAt } from '../options.js';
import type { Ctx } from '../context.js';
import { runDoctor } from '../doctor/index.js';
import { renderText, reportJson } from '../doctor/render.js';
import { failedIf } from '../outcome.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface DoctorCliOptions {
  trust: string[];
  crl: string[];
  identity: string[];
  passFile?: string;
  tsa?: string;
  pkcs11?: string;
  config?: string;
  warnDays: string;
  at?: string;
}

export function registerDoctorCommand(program: Command): void {
  program.command('doctor')
    .description('check what the practice depends on (Node.js, trust stores, identities and their certificates, time-stamping authority, card, backups and their schedule) and say what to fix; exit 1 when something is broken')
    .option('--trust <file>', 'trust store to check (PEM bundle or folder; repeatable; default: the backup config’s)', collect, [])
    .option('--crl <file>', 'CRL to check the time-stamping authority’s certificate with (repeatable)', collect, [])
    .option('--identity <file.p12>', 'a PKCS#12 identity to check (repeatable; default: the backup config’s)', collect, [])
    .option('--pass-file <file>', 'read the identities’ password from this file (without it, only certificates readable without a password are checked)')
    .option('--tsa <url>', 'time-stamping authority to try with a real request (default: the backup config’s)')
    .option('--pkcs11 <module.so>', 'PKCS#11 module of the card reader: loaded, and a card looked for')
    .option('--config <file>', 'the backup config (default scelle-backup.conf, or SCELLE_BACKUP_CONFIG)')
    .addOption(new Option('--warn-days <n>', 'warn when a certificate expires within this many days').default('60'))
    .option('--at <iso-8601>', 'check as of this time (to plan ahead: which certificate will have expired, which backup will be too old)')
    .action(action(async (ctx: Ctx, o: DoctorCliOptions) => {
      const warnDays = Number(o.warnDays);
      if (!Number.isInteger(warnDays) || warnDays < 0) throw new ScelleError('USAGE', `--warn-days takes a number of days, not ${o.warnDays}`, { params: { detail: `--warn-days ${o.warnDays}` } });
      const report = await runDoctor(ctx, {
        trust: o.trust, crl: o.crl, identity: o.identity, warnDays,
        ...(o.passFile !== undefined ? { passFile: o.passFile } : {}),
        ...(o.tsa !== undefined ? { tsa: o.tsa } : {}),
        ...(o.pkcs11 !== undefined ? { pkcs11: o.pkcs11 } : {}),
        ...(o.config !== undefined ? { config: o.config } : {}),
      }, parseAt(o.at, ctx) ?? new Date());
      if (ctx.json) ctx.emitJson(reportJson(ctx, report));
      else renderText(ctx, report);
      return failedIf(!report.ok);
    }));
}
