/**
 * `scelle sign FILE… <identity> [--attached] [--out-dir DIR]` — CAdES-B signatures, many files in
 * one process with one PIN or password prompt; a failing file is reported and the others signed.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { selectCertificate, signFiles, upgradeSignatureFile, isScelleError, type SignFileOutcome } from '../../src/index.js';
import { action, localizedMessage } from '../main.js';
import { tsaTokenSource } from './timestamp.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, openIdentity, type IdentityOptions } from '../options.js';
import { addLevelOptions, applyLevel, checkLevel, type LevelOptions } from './sign-levels.js';

interface SignCliOptions extends IdentityOptions, LevelOptions {
  attached?: boolean;
  tsa?: string;
  outDir?: string;
  hash?: 'sha256' | 'sha384' | 'sha512';
  pss?: boolean;
  concurrency?: string;
}

export function registerSignCommand(program: Command): void {
  addIdentityOptions(addLevelOptions(
    program.command('sign')
      .description('sign files (CAdES-B, detached FILE.p7s by default; --attached writes FILE.p7m)')
      .argument('<file...>', 'files to sign')
      .option('--attached', 'embed the content in the signature (FILE.p7m)')
      .option('--tsa <url>', 'add a signature timestamp from this TSA (CAdES-T)')
      .option('--out-dir <dir>', 'write the signatures into this folder')
      .addOption(new Option('--hash <alg>', 'content digest').choices(['sha256', 'sha384', 'sha512']))
      .option('--pss', 'RSA-PSS instead of RSA PKCS#1 v1.5 (RSA keys)')
      .option('--concurrency <n>', 'signatures in flight at once', '4'),
  )).action(action(async (ctx: Ctx, files: string[], opts: SignCliOptions) => {
    const level = checkLevel(opts);
    const identity = await openIdentity(ctx, opts);
    let outcomes: SignFileOutcome[];
    try {
      const sel = selectCertificate(identity, 'sign');
      ctx.log(ctx.t('sign.picked', { subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
      const outDir = opts.outDir ? resolve(ctx.io.cwd, opts.outDir) : undefined;
      if (outDir) await mkdir(outDir, { recursive: true });
      const hash = opts.hash ?? 'sha256';
      outcomes = await signFiles(files.map((f) => resolve(ctx.io.cwd, f)), {
        signer: sel.entry,
        // the CA chain without the root: the verifier brings its own trust anchors
        chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()),
        ...(opts.hash ? { hash: opts.hash } : {}),
        ...(opts.pss ? { scheme: { type: 'rsa-pss' as const, hash, saltLength: { sha256: 32, sha384: 48, sha512: 64 }[hash] } } : {}),
      }, {
        concurrency: Math.max(1, Number(opts.concurrency) || 4),
        ...(opts.attached ? { attached: true } : {}),
        ...(outDir ? { outDir } : {}),
        onResult: (o) => {
          if (ctx.json) return;
          if (o.ok) {
            if (!ctx.quiet) ctx.line(ctx.t('sign.ok', { file: o.path, out: o.result.outPath }));
          } else {
            ctx.line(ctx.t('sign.fail', { file: o.path, message: `[${o.error.code}] ${localizedMessage(o.error, ctx.lang)}` }));
          }
        },
      });
    } finally {
      identity.close();
    }
    if (opts.tsa) outcomes = await addTimestamps(ctx, outcomes, opts.tsa);
    if (level === 'LT' || level === 'LTA') outcomes = await applyLevel(ctx, outcomes, opts, level);
    const ok = outcomes.filter((o) => o.ok).length;
    if (ctx.json) {
      ctx.emitJson({
        ok: ok === outcomes.length,
        signed: ok,
        failed: outcomes.length - ok,
        results: outcomes.map((o) => (o.ok
          ? { file: o.path, ok: true, signature: o.result.outPath, bytes: o.result.bytes, digest: { [o.result.hash]: o.result.digestHex } }
          : { file: o.path, ok: false, error: { code: o.error.code, message: o.error.message } })),
      });
    } else if (files.length > 1 || ok < outcomes.length) {
      ctx.log(ctx.t('sign.summary', { ok, total: outcomes.length }));
    }
    return ok === outcomes.length ? 0 : 1;
  }));
}

/**
 * CAdES-T: each signature gets a signature timestamp from the TSA (the file is rewritten
 * atomically). A file whose timestamp fails keeps its CAdES-B signature and is reported as failed.
 */
async function addTimestamps(ctx: Ctx, outcomes: SignFileOutcome[], url: string): Promise<SignFileOutcome[]> {
  const source = tsaTokenSource(url);
  const out: SignFileOutcome[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      out.push(o);
      continue;
    }
    try {
      await upgradeSignatureFile(o.result.outPath, source);
      if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('ts.upgraded', { file: o.result.outPath, signers: 1 }));
      out.push(o);
    } catch (e) {
      if (!isScelleError(e)) throw e;
      if (!ctx.json) ctx.line(ctx.t('ts.fail', { file: o.result.outPath, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
      out.push({ path: o.path, ok: false, error: e });
    }
  }
  return out;
}
