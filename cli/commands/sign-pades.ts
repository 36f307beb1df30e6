/**
 * `scelle sign FILE.pdf… --pades [--level B|T|LT|LTA] [--tsa URL] [--visible PAGE,X,Y,W,H]
 * [--reason …] [--location …] [--out F] [--crl C] [--online]` — PAdES signatures inside the PDFs,
 * one PIN or password entry for all of them; and `scelle pdf extend FILE.pdf --level LT|LTA`.
 */
import { Command, Option } from 'commander';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ScelleError, createPadesSigner, selectCertificate, signPdfFiles, extendPdfFile, type PadesLevel,
  type PadesWarning, type PdfSignOutcome, type VisiblePlacement, type ValidationDataOptions,
} from '../../src/index.js';
import { checkSignerCertificate } from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { openIdentity, readCrls, readTrust, type IdentityOptions } from '../options.js';
import { tsaTokenSource } from './timestamp.js';
import { failedIf, type Outcome } from '../outcome.js';

/** The options of `sign` that PAdES uses. */
export interface PadesCliOptions extends IdentityOptions {
  pades?: boolean;
  level?: string;
  tsa?: string;
  visible?: string;
  reason?: string;
  location?: string;
  out?: string;
  outDir?: string;
  crl?: string[];
  trust?: string[];
  online?: boolean;
  hash?: 'sha256' | 'sha384' | 'sha512';
  pss?: boolean;
  concurrency?: string;
}

const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });

/** `B`, `T`, `LT`, `LTA` (or `B-T`…) → the PAdES level. */
export function parsePadesLevel(level: string | undefined, tsa: string | undefined): PadesLevel {
  if (level === undefined) return tsa !== undefined ? 'B-T' : 'B-B';
  const l = level.toUpperCase().replace(/^B-(?=LT|T|B)/, '').replace(/^PADES-/, '');
  const map: Record<string, PadesLevel> = { B: 'B-B', 'B-B': 'B-B', T: 'B-T', LT: 'B-LT', LTA: 'B-LTA' };
  const out = map[l];
  if (out === undefined) throw usage(`--level must be B, T, LT or LTA, not "${level}"`);
  return out;
}

/** `PAGE,X,Y,W,H` (points, origin at the bottom left of the page). */
export function parseVisible(spec: string | undefined): VisiblePlacement | undefined {
  if (spec === undefined) return undefined;
  const n = spec.split(',').map((s) => Number(s.trim()));
  if (n.length !== 5 || n.some((x) => !Number.isFinite(x))) throw usage(`--visible takes PAGE,X,Y,WIDTH,HEIGHT in points (e.g. 1,350,60,200,70), not "${spec}"`);
  const [page, x, y, width, height] = n as [number, number, number, number, number];
  if (!Number.isInteger(page) || page < 1) throw usage(`--visible: the page number must be 1 or more, not ${page}`);
  return { page, x, y, width, height };
}

async function validationOptions(ctx: Ctx, opts: PadesCliOptions): Promise<ValidationDataOptions> {
  return {
    crls: await readCrls(ctx, opts.crl ?? []),
    online: opts.online === true,
    ...((opts.trust ?? []).length > 0 ? { trustAnchors: await readTrust(ctx, opts.trust!) } : {}),
  };
}

function warn(ctx: Ctx, warnings: readonly PadesWarning[]): void {
  for (const w of warnings) ctx.log(ctx.t('pades.warning', { message: w.message }));
}

/** Runs `sign --pades`: returns the exit code. */
export async function runPadesSign(ctx: Ctx, files: string[], opts: PadesCliOptions): Promise<Outcome> {
  const level = parsePadesLevel(opts.level, opts.tsa);
  const visible = parseVisible(opts.visible);
  if ((level === 'B-T' || level === 'B-LT' || level === 'B-LTA') && opts.tsa === undefined) throw usage(`PAdES ${level} needs a time-stamping authority: --tsa URL`);
  if (opts.out !== undefined && files.length > 1) throw usage('--out goes with one PDF only (use --out-dir for several)');
  const validation = level === 'B-LT' || level === 'B-LTA' ? await validationOptions(ctx, opts) : undefined;
  const identity = await openIdentity(ctx, opts);
  let outcomes: PdfSignOutcome[];
  try {
    const sel = selectCertificate(identity, 'sign');
    ctx.log(ctx.t('sign.picked', { subject: sel.entry.label ?? sel.entry.certificate.subject, reason: ctx.t(`pick.${sel.reason}`) }));
    // Expired, not yet valid, revoked: every verifier would call the signatures invalid.
    const crls = (opts.crl ?? []).length > 0 ? await readCrls(ctx, opts.crl!) : undefined;
    const trustAnchors = (opts.trust ?? []).length > 0 ? await readTrust(ctx, opts.trust!) : undefined;
    await checkSignerCertificate(sel.entry.certificate, identity.certificates, {
      ...(crls ? { crls } : {}), ...(opts.online ? { online: true } : {}), ...(trustAnchors ? { trustAnchors } : {}),
    });
    const hash = opts.hash ?? 'sha256';
    const signer = createPadesSigner({
      signer: sel.entry,
      chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()),
      level,
      ...(opts.hash ? { hash: opts.hash } : {}),
      ...(opts.pss ? { scheme: { type: 'rsa-pss' as const, hash, saltLength: { sha256: 32, sha384: 48, sha512: 64 }[hash] } } : {}),
      ...(opts.tsa !== undefined ? { timestamps: tsaTokenSource(opts.tsa) } : {}),
      ...(visible !== undefined ? { visible } : {}),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts.location !== undefined ? { location: opts.location } : {}),
      ...(validation !== undefined ? { validation: { ...validation, certificates: identity.certificates } } : {}),
    });
    const outDir = opts.outDir !== undefined ? resolve(ctx.io.cwd, opts.outDir) : undefined;
    if (outDir !== undefined) await mkdir(outDir, { recursive: true });
    outcomes = await signPdfFiles(signer, files.map((f) => resolve(ctx.io.cwd, f)), {
      ...(opts.out !== undefined ? { outPath: resolve(ctx.io.cwd, opts.out) } : {}),
      ...(outDir !== undefined ? { outDir } : {}),
      concurrency: Math.max(1, Number(opts.concurrency) || 4),
      onResult: (o) => {
        if (ctx.json) return;
        if (o.ok) {
          if (!ctx.quiet) ctx.line(ctx.t('pades.signed', { level: `PAdES-${o.result.level}`, file: o.path, out: o.outPath }));
          warn(ctx, o.result.warnings);
        } else {
          ctx.line(ctx.t('pades.failed', { file: o.path, message: `[${o.error.code}] ${localizedMessage(o.error, ctx.lang)}` }));
        }
      },
    });
  } finally {
    identity.close();
  }
  const ok = outcomes.filter((o) => o.ok).length;
  if (ctx.json) {
    ctx.emitJson({
      ok: ok === outcomes.length,
      signed: ok,
      failed: outcomes.length - ok,
      results: outcomes.map((o) => (o.ok
        ? { file: o.path, ok: true, output: o.outPath, level: `PAdES-${o.result.level}`, field: o.result.fieldName, bytes: o.result.length, updates: o.result.updates, warnings: o.result.warnings }
        : { file: o.path, ok: false, error: { code: o.error.code, message: o.error.message } })),
    });
  } else if (files.length > 1 || ok < outcomes.length) {
    ctx.log(ctx.t('pades.summary', { ok, total: outcomes.length }));
  }
  return failedIf(ok !== outcomes.length);
}

interface ExtendCliOptions extends PadesCliOptions {
  level?: string;
}

/** `scelle pdf extend FILE.pdf --level LT|LTA [--tsa URL] [--crl C] [--online] [--out F]`. */
export function registerPdfCommands(program: Command): void {
  const pdf = program.command('pdf').description('signed PDFs: add long-term validation data (LT) and document time-stamps (LTA)');
  pdf.command('extend')
    .description('extend signed PDFs to PAdES B-LT (validation data in a DSS) or B-LTA (plus a document time-stamp); run LTA again before the last time-stamp\'s authority expires')
    .argument('<file...>', 'signed PDFs (replaced atomically unless --out)')
    .addOption(new Option('--level <level>', 'LT or LTA').choices(['LT', 'LTA', 'lt', 'lta']).makeOptionMandatory())
    .option('--tsa <url>', 'time-stamping authority of the document time-stamp (LTA)')
    .option('--crl <file>', 'CRL of a certification authority, PEM or DER (repeatable)', (v: string, p: string[] = []) => [...p, v], [])
    .option('--trust <file>', 'roots the certificate paths end at (default: the self-signed certificates found)', (v: string, p: string[] = []) => [...p, v], [])
    .option('--online', 'fetch CRLs and OCSP responses named in the certificates')
    .option('--out <file>', 'write here instead of replacing the PDF (one file only)')
    .action(action(async (ctx: Ctx, files: string[], opts: ExtendCliOptions) => {
      const level = opts.level!.toUpperCase() === 'LTA' ? 'B-LTA' : 'B-LT';
      if (level === 'B-LTA' && opts.tsa === undefined) throw usage('--level LTA needs a time-stamping authority: --tsa URL');
      if (opts.out !== undefined && files.length > 1) throw usage('--out goes with one PDF only');
      const validation = await validationOptions(ctx, opts);
      const results: Record<string, unknown>[] = [];
      let failed = 0;
      for (const f of files) {
        const path = resolve(ctx.io.cwd, f);
        try {
          const r = await extendPdfFile(path, { level, validation, ...(opts.tsa !== undefined ? { timestamps: tsaTokenSource(opts.tsa) } : {}), ...(opts.out !== undefined ? { outPath: resolve(ctx.io.cwd, opts.out) } : {}) });
          results.push({ file: f, ok: true, output: r.outPath, level: `PAdES-${level}`, updates: r.updates, warnings: r.warnings });
          if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('pades.extended', { level: `PAdES-${level}`, file: f, out: r.outPath }));
          if (!ctx.json) warn(ctx, r.warnings);
        } catch (e) {
          if (!(e instanceof ScelleError) || files.length === 1) throw e;
          failed++;
          results.push({ file: f, ok: false, error: { code: e.code, message: e.message } });
          if (!ctx.json) ctx.line(ctx.t('pades.failed', { file: f, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
        }
      }
      if (ctx.json) ctx.emitJson({ ok: failed === 0, results });
      return failedIf(failed !== 0);
    }));
}
