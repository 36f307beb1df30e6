/**
 * `scelle extend SIG… --level T|LT|LTA [--tsa URL] --trust T [--crl C] [--online] [--content FILE]
 * [--out FILE]`: upgrades existing CAdES signatures (ETSI EN 319 122-1) — a signature time-stamp
 * (T), the validation data (LT), an archive time-stamp (LTA; again on an LTA signature: re-archiving
 * before the last TSA certificate expires). Each file is replaced atomically, or left untouched
 * when it cannot be extended.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { ScelleError, extendPdfFile, extendSignatureFile, isScelleError, readFileChunks, type ErrorCode, type ExtendSignatureResult } from '../../src/index.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { readCrls, readTrust } from '../options.js';
import { tsaTokenSource } from './timestamp.js';
import { limitText } from './archive-text.js';
import { formatDate } from '../dates.js';
import { outcome } from '../outcome.js';

interface ExtendCliOptions {
  level: 'T' | 'LT' | 'LTA';
  tsa?: string;
  trust: string[];
  crl: string[];
  online?: boolean;
  content?: string;
  out?: string;
}

const collect = (v: string, p: string[] = []): string[] => [...p, v];

function contentPath(ctx: Ctx, sig: string, given: string | undefined): string {
  if (given !== undefined) return resolve(ctx.io.cwd, given);
  return resolve(ctx.io.cwd, sig.replace(/\.p7s$/i, ''));
}

export function registerExtendCommand(program: Command): void {
  program.command('extend')
    .description('upgrade CAdES signatures: T (signature time-stamp), LT (validation data embedded: certificates, CRLs, OCSP), LTA (archive time-stamp; run again before the last TSA certificate expires)')
    .argument('<signature...>', 'signature files (.p7s detached, .p7m attached; DER or PEM); a signed .pdf is extended inside the PDF (PAdES LT or LTA)')
    .addOption(new Option('--level <level>', 'the level to reach').choices(['T', 'LT', 'LTA']).makeOptionMandatory())
    .option('--tsa <url>', 'time-stamping authority (T, LTA, and LT when the signature has no time-stamp)')
    .option('--trust <file>', 'trusted root certificates (repeatable): the signature must validate now before it is extended', collect, [])
    .option('--crl <file>', 'revocation lists to validate with and embed (repeatable)', collect, [])
    .option('--online', 'fetch CRLs and OCSP answers named in the certificates (and embed them)')
    .option('--content <file>', 'the signed file of a detached signature (default: the signature name without .p7s)')
    .option('--out <file>', 'write the extended signature here instead of replacing it (one signature only)')
    .action(action(async (ctx: Ctx, sigs: string[], opts: ExtendCliOptions) => {
      const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });
      if (opts.level !== 'T' && opts.trust.length === 0) throw usage(`--level ${opts.level} needs --trust: the signature is validated before its validation data is embedded`);
      if ((opts.out !== undefined || opts.content !== undefined) && sigs.length > 1) throw usage('--out and --content go with one signature only');
      const trustAnchors = await readTrust(ctx, opts.trust);
      const crls = await readCrls(ctx, opts.crl);
      const results: { file: string; result?: ExtendSignatureResult; pdf?: { output: string; level: string; updates: string[] }; error?: ScelleError }[] = [];
      for (const sig of sigs) {
        const path = resolve(ctx.io.cwd, sig);
        try {
          if (/\.pdf$/i.test(sig)) {
            // a signed PDF: its signatures are extended inside it (PAdES), as `scelle pdf extend` does
            if (opts.level === 'T') throw usage(`${sig} is a PDF: a PDF is extended to LT or LTA (its signatures are time-stamped when signed with --tsa)`);
            const level = opts.level === 'LTA' ? 'B-LTA' as const : 'B-LT' as const;
            const r = await extendPdfFile(path, {
              level, validation: { crls, online: opts.online === true, trustAnchors },
              ...(opts.tsa !== undefined ? { timestamps: tsaTokenSource(opts.tsa) } : {}),
              ...(opts.out !== undefined ? { outPath: resolve(ctx.io.cwd, opts.out) } : {}),
            });
            results.push({ file: sig, pdf: { output: r.outPath, level: `PAdES-${level}`, updates: r.updates } });
            if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('pades.extended', { level: `PAdES-${level}`, file: sig, out: r.outPath }));
            continue;
          }
          const content = contentPath(ctx, sig, opts.content);
          const result = await extendSignatureFile(path, {
            level: opts.level, trustAnchors, crls, online: opts.online === true, content: () => readFileChunks(content),
            ...(opts.tsa !== undefined ? { getToken: tsaTokenSource(opts.tsa) } : {}),
            ...(opts.out !== undefined ? { outPath: resolve(ctx.io.cwd, opts.out) } : {}),
          });
          results.push({ file: sig, result });
          if (!ctx.json) renderResult(ctx, sig, result);
        } catch (e) {
          if (!isScelleError(e)) throw e;
          results.push({ file: sig, error: e });
          if (!ctx.json) ctx.line(ctx.t('extend.fail', { file: sig, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
        }
      }
      const failed = results.filter((r) => r.error !== undefined);
      if (ctx.json) {
        ctx.emitJson({
          ok: failed.length === 0,
          results: results.map((r) => (r.pdf !== undefined ? { file: r.file, ok: true, ...r.pdf } : r.result !== undefined
            ? { file: r.file, ok: true, level: `CAdES-${r.result.level}`, added: r.result.added, earlyRevocationData: r.result.earlyRevocationData.map((e) => ({ subject: e.subject, issued: e.issued.toISOString(), signatureTime: e.signatureTime.toISOString() })), ...(r.result.renewBefore !== undefined ? { renewBefore: { until: r.result.renewBefore.until.toISOString(), reason: r.result.renewBefore.reason, detail: r.result.renewBefore.detail } } : {}) }
            : { file: r.file, ok: false, error: { code: r.error!.code, message: r.error!.message } })),
        });
      }
      return outcome(failed.map((f) => f.error!.code as ErrorCode));
    }));
}

function renderResult(ctx: Ctx, sig: string, r: ExtendSignatureResult): void {
  const a = r.added;
  const parts = [
    a.signatureTimestamps > 0 ? ctx.t('extend.added.ts', { n: a.signatureTimestamps }) : undefined,
    a.certificates > 0 ? ctx.t('extend.added.certs', { n: a.certificates }) : undefined,
    a.crls > 0 ? ctx.t('extend.added.crls', { n: a.crls }) : undefined,
    a.ocspResponses > 0 ? ctx.t('extend.added.ocsp', { n: a.ocspResponses }) : undefined,
    a.archiveTimestamps > 0 ? ctx.t('extend.added.ats', { n: a.archiveTimestamps }) : undefined,
  ].filter((x) => x !== undefined);
  ctx.line(ctx.t('extend.done', { file: sig, level: `CAdES-${r.level}`, added: parts.length > 0 ? parts.join(', ') : ctx.t('extend.added.none') }));
  if (r.renewBefore !== undefined) ctx.line(`  ${ctx.t('extend.renewBefore', { limit: limitText(ctx, r.renewBefore) })}`);
  const early = r.earlyRevocationData[0];
  if (early !== undefined) ctx.log(ctx.t('extend.early', { file: sig, subject: early.subject, issued: formatDate(early.issued, ctx.lang, ctx.io.env), time: formatDate(early.signatureTime, ctx.lang, ctx.io.env) }));
}
