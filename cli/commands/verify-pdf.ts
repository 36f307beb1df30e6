/**
 * `scelle verify letter.signed.pdf…`: the library's verdict on each PDF (src/validation/pades.ts),
 * rendered — never changed: per signature, what it covers and what was added after it, then the
 * validation engine's lines for its signer (shared with `verify` of .p7s files); per document
 * time-stamp, its time and authority; the DSS. `--report` writes the same JSON / ETSI reports as
 * for CMS signatures, one entry per PDF signature (`FILE#FIELD`).
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  isScelleError, verifyPdfFile, buildValidationReport, formatEtsiReport, type PdfVerdict,
  type PdfSignatureVerdict, type VerifySignatureOptions, type ReportInput, type ErrorCode, type RevisionChanges,
} from '../../src/index.js';
import { writeFileAtomic } from '../../src/internal.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { formatDate } from '../dates.js';
import { jsonSigner, signerLines } from './verify.js';
import { fileError, outcome, type Outcome } from '../outcome.js';

/** True when every file starts like a PDF (or is named .pdf). */
export async function allPdfs(ctx: Ctx, files: readonly string[]): Promise<boolean> {
  for (const f of files) {
    if (/\.pdf$/i.test(f)) continue;
    let head = '';
    try {
      const h = await open(resolve(ctx.io.cwd, f), 'r');
      try {
        const buf = Buffer.alloc(1024);
        const { bytesRead } = await h.read(buf, 0, 1024, 0);
        head = buf.subarray(0, bytesRead).toString('latin1');
      } finally {
        await h.close();
      }
    } catch {
      return false;
    }
    if (!head.includes('%PDF-')) return false;
  }
  return files.length > 0;
}

function changeWords(ctx: Ctx, changes: readonly RevisionChanges[]): string {
  const kinds = [...new Set(changes.flatMap((c) => c.kinds))];
  return kinds.map((k) => ctx.t(`pades.change.${k}`)).join(', ');
}

function signatureLines(ctx: Ctx, v: PdfSignatureVerdict, total: number): string[] {
  const { t } = ctx;
  const c = t('punct.colon');
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  const lines: string[] = [];
  lines.push(`  ${t('pades.field', { name: v.fieldName, format: v.format })} — ${t(`indication.${v.indication}`)} (${v.indication}${v.subIndication ? ` / ${v.subIndication}` : ''})${v.code ? ` [${v.code}]` : ''}`);
  if (v.revision !== undefined) {
    lines.push(`    ${v.coversWholeFile ? t('pades.coversAll') : t('pades.coversRevision', { n: v.revision + 1, total, changes: changeWords(ctx, v.laterChanges) || '—' })}`);
  }
  for (const ch of v.laterChanges) if (ch.content.length > 0) lines.push(`    ${t('pades.contentChanged', { what: ch.content.join(', ') })}`);
  if (v.claimedTime !== undefined) lines.push(`    ${t('pades.claimedTime')}${c}${date(v.claimedTime)} (${t('sig.claimedNote')})`);
  if (v.reason !== undefined) lines.push(`    ${t('pades.reason')}${c}${v.reason}`);
  if (v.location !== undefined) lines.push(`    ${t('pades.location')}${c}${v.location}`);
  for (const p of v.problems) lines.push(`    ${t('pades.problem')} [${p.code}] ${ctx.lang === 'fr' ? `${t(`error.${p.code}`, { detail: p.message })} — ` : ''}${p.message}`);
  for (const n of v.notes) lines.push(`    ${t('pades.note')}${c}${n}`);
  if (v.timestamp !== undefined) {
    const ts = v.timestamp;
    lines.push(`    ${t('pades.docTimestamp')}${c}${ts.genTime ? date(ts.genTime) : '?'}${ts.tsa ? ` — ${ts.tsa.subject}` : ''} — ${ts.ok ? t('sig.tsOk') : `${t('sig.tsBad')} [${ts.code ?? 'TIMESTAMP_INVALID'}]`}`);
    for (const p of ts.problems) lines.push(`    ${t('verify.problem')} [${p.code}] ${p.message}`);
  }
  for (const s of v.signature?.signers ?? []) lines.push(...signerLines(ctx, s).map((l) => `  ${l}`));
  return lines;
}

function renderPdf(ctx: Ctx, file: string, v: PdfVerdict): void {
  if (ctx.json) return;
  const { t } = ctx;
  const label = v.code === 'PDF_MODIFIED' ? t('pades.modified') : t('pades.verdict', { indication: t(`indication.${v.indication}`) });
  const lines = [`${file}: ${label} (${v.indication}${v.subIndication ? ` / ${v.subIndication}` : ''})${v.code ? ` [${v.code}]` : ''}`];
  if (v.code === 'PDF_MODIFIED') lines.push(`  ${t('pades.explain.modified')}`);
  for (const s of v.signatures) lines.push(...signatureLines(ctx, s, v.revisions.length + 1));
  if (v.dss !== undefined) lines.push(`  ${t('pades.dss', { certs: v.dss.certificates, crls: v.dss.crls, ocsps: v.dss.ocspResponses })}`);
  if (v.trailingBytes > 0) lines.push(`  ${t('pades.trailing', { n: v.trailingBytes })}`);
  ctx.line(lines.join('\n'));
}

function jsonPdf(v: PdfVerdict): Record<string, unknown> {
  return {
    ok: v.ok,
    indication: v.indication,
    ...(v.subIndication ? { subIndication: v.subIndication } : {}),
    ...(v.code ? { code: v.code } : {}),
    fileLength: v.fileLength,
    trailingBytes: v.trailingBytes,
    revisions: v.revisions,
    ...(v.dss ? { dss: v.dss } : {}),
    ...(v.certification !== undefined ? { certification: { docMdpPermission: v.certification } } : {}),
    signatures: v.signatures.map((s) => ({
      fieldName: s.fieldName, kind: s.kind, format: s.format, subFilter: s.subFilter, ok: s.ok, indication: s.indication,
      ...(s.subIndication ? { subIndication: s.subIndication } : {}), ...(s.code ? { code: s.code } : {}),
      problems: s.problems, notes: s.notes, revision: s.revision, byteRange: s.byteRange, coversWholeFile: s.coversWholeFile,
      modifiedAfter: s.modifiedAfter, laterChanges: s.laterChanges, claimedTime: s.claimedTime?.toISOString(), reason: s.reason, location: s.location, name: s.name,
      ...(s.signature ? { signers: s.signature.signers.map(jsonSigner), contentDigests: s.signature.contentDigests } : {}),
      ...(s.timestamp ? { timestamp: { ok: s.timestamp.ok, indication: s.timestamp.indication, subIndication: s.timestamp.subIndication, code: s.timestamp.code, genTime: s.timestamp.genTime?.toISOString(), tsa: s.timestamp.tsa?.subject, serialNumber: s.timestamp.serialNumber, problems: s.timestamp.problems } } : {}),
    })),
  };
}

/** What `verify` passes on. */
export interface VerifyPdfCliOptions {
  report?: string;
  reportFormat: 'json' | 'etsi';
}

/** Verifies PDFs for `scelle verify`; returns the exit code. */
export async function verifyPdfFiles(ctx: Ctx, files: readonly string[], base: VerifySignatureOptions, opts: VerifyPdfCliOptions): Promise<Outcome> {
  const results: { file: string; verdict?: PdfVerdict; error?: { code: ErrorCode; message: string } }[] = [];
  for (const f of files) {
    try {
      const verdict = await verifyPdfFile(resolve(ctx.io.cwd, f), base);
      results.push({ file: f, verdict });
      renderPdf(ctx, f, verdict);
    } catch (e) {
      if (!isScelleError(e)) throw e;
      results.push({ file: f, error: { code: e.code, message: e.message } });
      if (!ctx.json) ctx.line(`${f}: ${ctx.t('sig.error')} [${e.code}] ${localizedMessage(e, ctx.lang)}`);
    }
  }
  const validationTime = base.at ?? new Date();
  if (opts.report !== undefined) {
    const inputs: ReportInput[] = results.flatMap((r): ReportInput[] => (r.verdict === undefined
      ? [{ file: r.file, ...(r.error !== undefined ? { error: r.error } : {}) }]
      : r.verdict.signatures.flatMap((s): ReportInput[] => (s.signature !== undefined ? [{ file: `${r.file}#${s.fieldName}`, verdict: s.signature }] : []))));
    const reportOptions = { trustAnchors: base.trustAnchors, validationTime, generator: 'scelle 0.1.0', ...(base.policy !== undefined ? { policy: base.policy } : {}) };
    const body = opts.reportFormat === 'etsi' ? formatEtsiReport(inputs, reportOptions) : `${JSON.stringify(buildValidationReport(inputs, reportOptions), null, 2)}\n`;
    await writeFileAtomic(resolve(ctx.io.cwd, opts.report), body);
    ctx.log(ctx.t('report.written', { file: opts.report }));
  }
  const valid = results.filter((r) => r.verdict?.ok).length;
  if (ctx.json) {
    ctx.emitJson({
      ok: valid === results.length, valid, invalid: results.length - valid, validationTime: validationTime.toISOString(),
      results: results.map((r) => (r.verdict ? { file: r.file, ...jsonPdf(r.verdict) } : { file: r.file, ok: false, error: r.error })),
    });
  } else if (files.length > 1) {
    ctx.line(ctx.t('sig.summary', { valid, total: results.length }));
  }
  // a negative or indeterminate verdict is negative; a file's error counts by its code
  return outcome(results.map((r) => (r.verdict !== undefined ? !r.verdict.ok && 'negative' : r.error !== undefined && fileError(r.error.code))));
}
