/**
 * `scelle sign FILE… <identity> [--attached] [--out-dir DIR] [--tsa URL] [--crl C] [--online]` —
 * CAdES-B signatures (CAdES-T with --tsa), many files in one process with one PIN or password
 * prompt; a failing file is reported and the others signed. The signing certificate is checked
 * first (expired, not yet valid, revoked: refused, exit 3), and a signature the TSA could not
 * timestamp is reported with the command that adds the timestamp later.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import {
  selectCertificate, signFiles, upgradeSignatureFile, isScelleError, type ScelleError, type SignFileOutcome,
} from '../../src/index.js';
import { checkSignerCertificate } from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import { tsaTokenSource } from './timestamp.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, openIdentity, readCrls, readTrust, type IdentityOptions } from '../options.js';
import { runPadesSign, type PadesCliOptions } from './sign-pades.js';
import { applyLevel, checkLevel, normalizeLevel } from './sign-levels.js';
import { failedIf } from '../outcome.js';

interface SignCliOptions extends IdentityOptions, PadesCliOptions {
  attached?: boolean;
  tsa?: string;
  outDir?: string;
  hash?: 'sha256' | 'sha384' | 'sha512';
  pss?: boolean;
  concurrency?: string;
  trust: string[];
  crl: string[];
  online?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** A signature written but not timestamped (the TSA failed): how to add the timestamp later. */
interface Untimestamped {
  signature: string;
  error: ScelleError;
  later: string;
}

export function registerSignCommand(program: Command): void {
  addIdentityOptions(
    program.command('sign')
      .description('sign files (CAdES-B, detached FILE.p7s by default; --attached writes FILE.p7m)')
      .argument('<file...>', 'files to sign')
      .option('--attached', 'embed the content in the signature (FILE.p7m)')
      .option('--tsa <url>', 'add a signature timestamp from this TSA (CAdES-T)')
      .option('--out-dir <dir>', 'write the signatures into this folder')
      .addOption(new Option('--hash <alg>', 'content digest').choices(['sha256', 'sha384', 'sha512']))
      .option('--pss', 'RSA-PSS instead of RSA PKCS#1 v1.5 (RSA keys)')
      .option('--concurrency <n>', 'signatures in flight at once', '4')
      // PAdES: the signature inside the PDF (cli/commands/sign-pades.ts)
      .option('--pades', 'sign PDFs inside the PDF (PAdES, ETSI EN 319 142-1) → FILE.signed.pdf')
      .option('--level <level>', 'B (signature), T (+ time-stamp, needs --tsa), LT (+ validation data: --crl or --online; CAdES also --trust) or LTA (+ archive time-stamp; PAdES: a document time-stamp)')
      .option('--visible <page,x,y,w,h>', 'PAdES: a visible signature box in points from the bottom left of the page (name, RPPS, profession, date)')
      .option('--reason <text>', 'PAdES: the reason for signing')
      .option('--location <text>', 'PAdES: where it is signed')
      .option('--out <file>', 'PAdES: the signed PDF (one file; default FILE.signed.pdf)')
      .option('--crl <file>', 'CRL of a certification authority, PEM or DER (repeatable): signing is refused when it revokes the signing certificate; PAdES LT/LTA embeds it', collect, [])
      .option('--online', 'ask OCSP and the CRL distribution points: signing is refused when the certificate is revoked; PAdES LT/LTA embeds the answers')
      .option('--trust <file>', 'the root the certificate paths end at, when the identity does not carry it (repeatable)', collect, []),
  ).action(action(async (ctx: Ctx, files: string[], opts: SignCliOptions) => {
    if (opts.pades === true) return runPadesSign(ctx, files, opts);
    const crls = opts.crl.length > 0 ? await readCrls(ctx, opts.crl) : undefined;
    const trustAnchors = opts.trust.length > 0 ? await readTrust(ctx, opts.trust) : undefined;
    const level = checkLevel({ ...opts, level: normalizeLevel(opts.level) });
    const identity = await openIdentity(ctx, opts);
    let outcomes: SignFileOutcome[];
    try {
      const sel = selectCertificate(identity, 'sign');
      ctx.log(ctx.t('sign.picked', { subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
      // Expired, not yet valid, revoked: every verifier would call the signatures invalid.
      await checkSignerCertificate(sel.entry.certificate, identity.certificates, {
        ...(crls ? { crls } : {}), ...(opts.online ? { online: true } : {}), ...(trustAnchors ? { trustAnchors } : {}),
      });
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
    const untimestamped = opts.tsa ? await addTimestamps(ctx, outcomes, opts.tsa) : new Map<string, Untimestamped>();
    if (level === 'LT' || level === 'LTA') {
      // LT/LTA: each time-stamped signature extended as `scelle extend` does; one that cannot be stays CAdES-T and is reported
      const extended = new Map((await applyLevel(ctx, outcomes.filter((o) => !untimestamped.has(o.path)), { ...opts, level }, level)).map((o) => [o.path, o]));
      outcomes = outcomes.map((o) => extended.get(o.path) ?? o);
    }
    const signed = outcomes.filter((o) => o.ok).length;
    const complete = signed - untimestamped.size;
    if (ctx.json) {
      ctx.emitJson({
        ok: complete === outcomes.length,
        signed,
        failed: outcomes.length - signed,
        notTimestamped: untimestamped.size,
        results: outcomes.map((o) => {
          if (!o.ok) return { file: o.path, ok: false, signed: false, error: { code: o.error.code, message: o.error.message } };
          const base = { file: o.path, signature: o.result.outPath, bytes: o.result.bytes, digest: { [o.result.hash]: o.result.digestHex } };
          const u = untimestamped.get(o.path);
          if (u === undefined) return { ...base, ok: true, signed: true, ...(opts.tsa ? { timestamped: true } : {}) };
          return { ...base, ok: false, signed: true, timestamped: false, error: { code: u.error.code, message: u.error.message }, addTimestampLater: u.later };
        }),
      });
    } else if (files.length > 1 || complete < outcomes.length) {
      ctx.log(ctx.t('sign.summary', { ok: signed, total: outcomes.length }));
      if (untimestamped.size > 0) ctx.log(ctx.t('sign.summaryNotTimestamped', { count: untimestamped.size }));
    }
    return failedIf(complete !== outcomes.length);
  }));
}

/** A shell word: quoted when it holds anything but safe characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * CAdES-T: each signature gets a signature timestamp from the TSA (the file is rewritten
 * atomically). A signature the TSA could not timestamp stays a valid CAdES-B signature: it is
 * reported with the command that adds the timestamp later. Once the TSA is unreachable, it is not
 * asked again for the remaining files (each would wait for the same timeout).
 */
async function addTimestamps(ctx: Ctx, outcomes: SignFileOutcome[], url: string): Promise<Map<string, Untimestamped>> {
  const source = tsaTokenSource(url);
  const missed = new Map<string, Untimestamped>();
  let down: ScelleError | undefined;
  for (const o of outcomes) {
    if (!o.ok) continue;
    const signature = o.result.outPath;
    const later = `scelle timestamp ${shellWord(signature)} --tsa ${shellWord(url)}`;
    try {
      if (down !== undefined) throw down;
      await upgradeSignatureFile(signature, source);
      if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('ts.upgraded', { file: signature, signers: 1 }));
    } catch (e) {
      if (!isScelleError(e)) throw e;
      if (e.code === 'TSA_UNAVAILABLE' || e.code === 'NETWORK_ERROR') down = e;
      missed.set(o.path, { signature, error: e, later });
      if (!ctx.json) {
        ctx.line(ctx.t('sign.notTimestamped', { file: signature, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
        ctx.line(ctx.t('sign.timestampLater', { command: later }));
      }
    }
  }
  return missed;
}
