/** `scelle pki demo --out DIR`: an IGC-Santé-like demo hierarchy, clearly named DEMO. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { readdir } from 'node:fs/promises';
import { ScelleError } from '../../src/index.js';
import { createDemoPki, writeDemoPki } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';

export function registerPkiCommands(program: Command): void {
  const pki = program.command('pki').description('demonstration PKI');
  pki.command('demo')
    .description('write a DEMO root, "personnes" CA, practitioner, colleague, revoked and TSA identities, CRL and PASSWORDS.txt')
    .requiredOption('--out <dir>', 'folder to write (created; must not already hold a demo PKI unless --force)')
    .option('--crl-url <url>', 'CRL distribution point to write in end-entity certificates')
    .option('--ocsp-url <url>', 'OCSP responder URL to write in end-entity certificates')
    .option('--force', 'replace an existing demo PKI in the folder')
    .action(action(async (ctx: Ctx, opts: { out: string; crlUrl?: string; ocspUrl?: string; force?: boolean }) => {
      const dir = resolve(ctx.io.cwd, opts.out);
      const existing = await readdir(dir).catch(() => [] as string[]);
      if (!opts.force && existing.some((f) => f === 'root.pem' || f.endsWith('.p12'))) {
        throw new ScelleError('USAGE', `${opts.out} already holds a PKI; use --force to replace it`, { params: { detail: `${opts.out} already holds a PKI; use --force to replace it` } });
      }
      const pkiData = await createDemoPki({ ...(opts.crlUrl ? { crlUrl: opts.crlUrl } : {}), ...(opts.ocspUrl ? { ocspUrl: opts.ocspUrl } : {}) });
      const files = await writeDemoPki(pkiData, dir);
      if (ctx.json) {
        ctx.emitJson({
          ok: true, dir, files,
          identities: [pkiData.praticien, pkiData.confrere, pkiData.revoque].map((i) => ({ name: i.name, email: i.email, rpps: i.rpps, p12: `${i.name}.p12` })),
          revoked: ['revoque'],
        });
        return;
      }
      ctx.line(ctx.t('pki.written', { dir }));
      for (const f of files) ctx.line(ctx.t('pki.file', { file: f.file, what: f.what }));
      ctx.line(ctx.t('pki.passwords', { file: resolve(dir, 'PASSWORDS.txt') }));
    }));
}
