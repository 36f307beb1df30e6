/**
 * `scelle asic create OUT.asice|OUT.asics FILE… [<identity>] [--tsa URL]`, `scelle asic verify
 * FILE… --trust T [--crl C] [--at T] [--online]`, `scelle asic extract FILE --out DIR`: ASiC
 * containers (ETSI EN 319 162-1), rendered from the library's verdicts.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, createAsicFile, verifyAsicFile, extractAsicFile, createSigner, selectCertificate,
  type AsicVerdict, type VerifySignatureOptions, type ErrorCode,
} from '../../src/index.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, addTrustOptions, hasIdentity, openIdentity, parseAt, readCrls, readTrust, type IdentityOptions } from '../options.js';
import { jsonSigner, signerLines } from './verify.js';
import { tsaTokenSource } from './timestamp.js';
import { formatDate } from '../dates.js';
import { fileError, outcome } from '../outcome.js';

interface AsicCreateCli extends IdentityOptions {
  tsa?: string;
}

interface AsicVerifyCli {
  trust: string[];
  crl: string[];
  at?: string;
  online?: boolean;
}

const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });

function render(ctx: Ctx, file: string, v: AsicVerdict): void {
  if (ctx.json) return;
  const { t } = ctx;
  const c = t('punct.colon');
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  const lines = [`${file}: ${t('asic.verdict', { indication: t(`indication.${v.indication}`) })} — ${v.type} (${v.indication}${v.subIndication ? ` / ${v.subIndication}` : ''})${v.code ? ` [${v.code}]` : ''}`];
  for (const d of v.documents) {
    const state = d.status === 'ok' ? t('asic.documentOk') : d.status === 'changed' ? t('asic.documentChanged') : d.status === 'missing' ? t('asic.documentMissing') : t('asic.uncovered');
    lines.push(`  ${t('asic.document')}${c}${d.name} — ${state}`);
  }
  for (const p of v.proofs) {
    lines.push(`  ${p.kind === 'signature' ? t('asic.signature') : t('asic.timestamp')}${c}${p.file} — ${t(`indication.${p.indication}`)}${p.code ? ` [${p.code}]` : ''}`);
    if (p.timestamp?.genTime) lines.push(`    ${date(p.timestamp.genTime)}${p.timestamp.tsa ? ` — ${p.timestamp.tsa.subject}` : ''}`);
    for (const s of p.signature?.signers ?? []) lines.push(...signerLines(ctx, s).map((l) => `  ${l}`));
    for (const pr of p.problems) lines.push(`    ${t('verify.problem')} [${pr.code}] ${pr.message}`);
  }
  for (const e of v.evidenceRecords) lines.push(`  ${t('pades.note')}${c}${e}: evidence record present, not checked by this version`);
  for (const n of v.notes) lines.push(`  ${t('pades.note')}${c}${n}`);
  ctx.line(lines.join('\n'));
}

function json(v: AsicVerdict): Record<string, unknown> {
  return {
    ok: v.ok, indication: v.indication, ...(v.subIndication ? { subIndication: v.subIndication } : {}), ...(v.code ? { code: v.code } : {}), type: v.type,
    documents: v.documents, evidenceRecords: v.evidenceRecords, notes: v.notes,
    proofs: v.proofs.map((p) => ({
      file: p.file, kind: p.kind, manifest: p.manifest, ok: p.ok, indication: p.indication, subIndication: p.subIndication, code: p.code, problems: p.problems,
      ...(p.signature ? { signers: p.signature.signers.map(jsonSigner) } : {}),
      ...(p.timestamp ? { timestamp: { genTime: p.timestamp.genTime?.toISOString(), tsa: p.timestamp.tsa?.subject, ok: p.timestamp.ok } } : {}),
    })),
  };
}

export function registerAsicCommands(program: Command): void {
  const asic = program.command('asic').description('ASiC containers (ETSI EN 319 162-1): documents with their signature or time-stamp in one zip');
  addIdentityOptions(asic.command('create')
    .description('OUT.asice: documents, a manifest of their SHA-256 digests and a CAdES signature over it (CAdES-T with --tsa; a time-stamp only without an identity); OUT.asics: one document and its signature or time-stamp')
    .argument('<out>', 'the container to write (.asice or .asics)')
    .argument('<file...>', 'documents to put in')
    .option('--tsa <url>', 'time-stamping authority'))
    .action(action(async (ctx: Ctx, out: string, files: string[], opts: AsicCreateCli) => {
      const type = /\.(asics|scs)$/i.test(out) ? 'S' : /\.(asice|sce)$/i.test(out) ? 'E' : undefined;
      if (type === undefined) throw usage(`the container's name must end in .asice (several documents) or .asics (one document), not "${out}"`);
      if (!hasIdentity(opts) && opts.tsa === undefined) throw usage('give an identity to sign with (--identity…) and/or a time-stamping authority (--tsa URL)');
      const identity = hasIdentity(opts) ? await openIdentity(ctx, opts) : undefined;
      try {
        const signer = identity === undefined ? undefined : (() => {
          const sel = selectCertificate(identity, 'sign');
          return createSigner({ signer: sel.entry, chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) });
        })();
        const r = await createAsicFile(resolve(ctx.io.cwd, out), {
          type, files: files.map((f) => resolve(ctx.io.cwd, f)),
          ...(signer !== undefined ? { signer } : {}), ...(opts.tsa !== undefined ? { timestamps: tsaTokenSource(opts.tsa) } : {}),
        });
        if (ctx.json) ctx.emitJson({ ok: true, ...r });
        else if (!ctx.quiet) ctx.line(ctx.t('asic.created', { out, n: r.documents.length, kind: `${r.type}, ${r.kind}` }));
      } finally {
        identity?.close();
      }
    }));
  addTrustOptions(asic.command('verify')
    .description('verify ASiC containers: each signature or time-stamp by the validation engine, each document against the manifest (a changed one is named), every document covered')
    .argument('<file...>', 'containers (.asice, .asics)')
    .option('--online', 'fetch CRLs and ask OCSP responders named in the certificates'))
    .action(action(async (ctx: Ctx, files: string[], opts: AsicVerifyCli) => {
      if (opts.trust.length === 0) throw usage('asic verify needs --trust FILE (the trusted root certificates)');
      const base: VerifySignatureOptions = { trustAnchors: await readTrust(ctx, opts.trust), crls: await readCrls(ctx, opts.crl), online: opts.online === true, at: parseAt(opts.at, ctx) ?? new Date() };
      const results: { file: string; verdict?: AsicVerdict; error?: { code: ErrorCode; message: string } }[] = [];
      for (const f of files) {
        try {
          const verdict = await verifyAsicFile(resolve(ctx.io.cwd, f), base);
          results.push({ file: f, verdict });
          render(ctx, f, verdict);
        } catch (e) {
          if (!isScelleError(e)) throw e;
          results.push({ file: f, error: { code: e.code, message: e.message } });
          if (!ctx.json) ctx.line(`${f}: ${ctx.t('sig.error')} [${e.code}] ${localizedMessage(e, ctx.lang)}`);
        }
      }
      const valid = results.filter((r) => r.verdict?.ok).length;
      if (ctx.json) ctx.emitJson({ ok: valid === results.length, valid, invalid: results.length - valid, results: results.map((r) => (r.verdict ? { file: r.file, ...json(r.verdict) } : { file: r.file, ok: false, error: r.error })) });
      // a verdict that is not ok is negative; a file's error counts by its code (a damaged container is negative, an unreadable file a failure)
      return outcome(results.map((r) => (r.verdict !== undefined ? !r.verdict.ok && 'negative' : r.error !== undefined && fileError(r.error.code))));
    }));
  asic.command('extract')
    .description('extract the documents of a container into a folder (existing files are not replaced); verify it first with asic verify')
    .argument('<file>', 'the container')
    .requiredOption('--out <dir>', 'folder to extract into')
    .action(action(async (ctx: Ctx, file: string, opts: { out: string }) => {
      const dir = resolve(ctx.io.cwd, opts.out);
      const names = await extractAsicFile(resolve(ctx.io.cwd, file), dir);
      if (ctx.json) ctx.emitJson({ ok: true, out: dir, documents: names });
      else if (!ctx.quiet) ctx.line(ctx.t('asic.extracted', { n: names.length, dir: opts.out }));
    }));
}
