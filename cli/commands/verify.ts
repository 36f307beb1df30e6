/**
 * `scelle verify SIG.p7s… --trust T [--content FILE] [--crl C] [--at T] [--online] [--policy OID]
 * [--report FILE [--report-format json|etsi]]`: the validation engine's verdict on each signature,
 * rendered — never changed. Text for a practitioner (plain words, dates in the local time zone),
 * `--json` for scripts, `--report` for a vendor or a court expert.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, verifySignatureFile, readFileChunks, summarizeCertificate, parseCertificates,
  buildValidationReport, formatEtsiReport, type SignatureVerdict, type SignerVerdict,
  type VerifySignatureOptions, type X509Cert, type CertificateSummary, type ReportInput, type ErrorCode,
} from '../../src/index.js';
import { readInputFile, writeFileAtomic } from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { formatDate } from '../dates.js';
import { addTrustOptions, readTrust, readCrls, parseAt } from '../options.js';
import { allPdfs, verifyPdfFiles } from './verify-pdf.js';
import { fileError, outcome } from '../outcome.js';

interface VerifyCliOptions {
  trust: string[];
  crl: string[];
  at?: string;
  content?: string;
  online?: boolean;
  certs: string[];
  policy: string[];
  report?: string;
  reportFormat: 'json' | 'etsi';
}

const collect = (v: string, p: string[] = []): string[] => [...p, v];

export function registerVerifyCommand(program: Command): void {
  addTrustOptions(
    program.command('verify')
      .description('verify CMS/CAdES signatures: who signed (name, RPPS), the content, the certificate chain and its revocation now, time-stamps as proofs of existence; ETSI indication per signer')
      .argument('<signature...>', 'signature files (.p7s, DER, BER or PEM)')
      .option('--content <file>', 'detached content (default: the signature file name without .p7s)')
      .option('--certs <file>', 'certificates to find the signer in when the signature lacks them (repeatable)', collect, [])
      .option('--online', 'fetch CRLs and ask OCSP responders named in the certificates')
      .option('--policy <oid>', 'certificate policy the signer\'s certificate must be valid for (repeatable; RFC 5280 initial policy set, explicit)', collect, [])
      .option('--report <file>', 'write a detailed validation report (checks, chain, revocation data, proofs of existence)')
      .addOption(new Option('--report-format <format>', 'report format: json (docs/validation-report.schema.json) or etsi (ETSI TS 119 102-2 XML)').choices(['json', 'etsi']).default('json')),
  ).action(action(async (ctx: Ctx, sigs: string[], opts: VerifyCliOptions) => {
    if (opts.trust.length === 0) throw new ScelleError('USAGE', 'verify needs --trust FILE (the trusted root certificates)', { params: { detail: 'verify needs --trust FILE (the trusted root certificates)' } });
    if (opts.content !== undefined && sigs.length > 1) throw new ScelleError('USAGE', '--content goes with one signature only', { params: { detail: '--content goes with one signature only' } });
    const base: VerifySignatureOptions = {
      trustAnchors: await readTrust(ctx, opts.trust),
      crls: await readCrls(ctx, opts.crl),
      online: opts.online === true,
      extraCertificates: (await Promise.all(opts.certs.map(async (c) => parseCertificates(await readInputFile(resolve(ctx.io.cwd, c)))))).flat(),
    };
    if (opts.policy.length > 0) base.policy = { initialPolicySet: opts.policy, requireExplicitPolicy: true };
    const at = parseAt(opts.at, ctx);
    const validationTime = at ?? new Date();
    base.at = validationTime;
    // PDFs carry their signatures inside (PAdES): cli/commands/verify-pdf.ts.
    if (await allPdfs(ctx, sigs)) return verifyPdfFiles(ctx, sigs, base, opts);
    const pdfs = sigs.filter((s) => /\.pdf$/i.test(s));
    if (pdfs.length > 0) {
      // one report per run: PDFs (signatures inside) and CMS signature files are verified in separate runs
      const detail = `${pdfs.join(', ')}: PDFs and CMS signature files (.p7s, .p7m) are verified in separate runs — run scelle verify once for the PDFs and once for the others`;
      throw new ScelleError('USAGE', detail, { params: { detail } });
    }

    const verifyOne = async (sig: string): Promise<ReportInput> => {
      const path = resolve(ctx.io.cwd, sig);
      try {
        // The content is opened only if the signature turns out to be detached: one pass over the signature.
        const verdict = await verifySignatureFile(path, {
          ...base,
          detachedContent: () => readFileChunks(opts.content !== undefined ? resolve(ctx.io.cwd, opts.content) : defaultContentPath(path)),
        });
        return { file: sig, verdict };
      } catch (e) {
        if (!isScelleError(e)) throw e;
        return { file: sig, error: { code: e.code, message: e.message } };
      }
    };
    const render = (r: ReportInput): void => {
      if (r.verdict) renderVerdict(ctx, r.file, r.verdict);
      else if (r.error && !ctx.json) ctx.line(`${r.file}: ${ctx.t('sig.error')} [${r.error.code}] ${localizedMessage(new ScelleError(r.error.code, r.error.message), ctx.lang)}`);
    };

    // A few files in flight, so that reading one overlaps checking another; verdicts are printed in
    // the order the files were given, each as soon as those before it are done.
    const results = new Array<ReportInput>(sigs.length);
    let printed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < sigs.length; i = next++) {
        results[i] = await verifyOne(sigs[i]!);
        while (printed < sigs.length && results[printed] !== undefined) render(results[printed++]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, sigs.length) }, worker));

    if (opts.report !== undefined) {
      const reportOptions = { trustAnchors: base.trustAnchors, validationTime, generator: 'scelle 0.1.0', ...(base.policy !== undefined ? { policy: base.policy } : {}) };
      const body = opts.reportFormat === 'etsi'
        ? formatEtsiReport(results, reportOptions)
        : `${JSON.stringify(buildValidationReport(results, reportOptions), null, 2)}\n`;
      await writeFileAtomic(resolve(ctx.io.cwd, opts.report), body);
      ctx.log(ctx.t('report.written', { file: opts.report }));
    }

    const valid = results.filter((r) => r.verdict?.ok).length;
    if (ctx.json) {
      ctx.emitJson({
        ok: valid === results.length,
        valid,
        invalid: results.length - valid,
        validationTime: validationTime.toISOString(),
        results: results.map((r) => (r.verdict ? { file: r.file, ...jsonVerdict(r.verdict) } : { file: r.file, ok: false, error: r.error })),
      });
    } else if (sigs.length > 1) {
      ctx.line(ctx.t('sig.summary', { valid, total: results.length }));
    }
    // a negative or indeterminate verdict is negative; only operational errors (unreadable file, malformed) are failures
    return outcome(results.map((r) => (r.verdict !== undefined ? !r.verdict.ok && 'negative' : r.error !== undefined && fileError(r.error.code as ErrorCode))));
  }));
}

/** Signatures verified at once: enough for file reads to overlap the checks, few enough to bound memory. */
const VERIFY_CONCURRENCY = 8;

function defaultContentPath(sigPath: string): string {
  if (!/\.p7s$/i.test(sigPath)) throw new ScelleError('CONTENT_REQUIRED', `${sigPath} is a detached signature: give the signed file with --content`, { params: { file: sigPath } });
  return sigPath.replace(/\.p7s$/i, '');
}

export function jsonSigner(s: SignerVerdict): Record<string, unknown> {
  const who = s.signer ? summaryOf(s.signer, s.validatedAt) : undefined;
  return {
    ok: s.ok,
    indication: s.indication,
    ...(s.subIndication ? { subIndication: s.subIndication } : {}),
    ...(s.code ? { code: s.code } : {}),
    problems: s.problems,
    sid: s.sid,
    ...(who ? { signer: { name: who.holder.displayName, rpps: who.rpps, profession: who.holder.profession, email: who.email, subject: who.subject, issuer: who.issuer, sha256Fingerprint: who.sha256Fingerprint } } : {}),
    claimedSigningTime: s.signingTime?.toISOString(),
    validationTime: s.validationTime.toISOString(),
    validatedAt: s.validatedAt.toISOString(),
    bestSignatureTime: s.bestSignatureTime.toISOString(),
    ...(s.poe ? { poe: { time: s.poe.time.toISOString(), origin: s.poe.origin, tsa: s.poe.tsa } } : {}),
    digestAlgorithm: s.digestAlgorithm,
    signatureAlgorithm: s.signatureAlgorithm,
    weakAlgorithms: s.weakAlgorithms,
    level: s.cades.level,
    chain: s.chain ? { ok: s.chain.ok, code: s.chain.code, checkedAt: s.chain.checkedAt.toISOString(), path: s.chain.path.map((c) => c.subject), revocation: s.chain.revocation } : undefined,
    pastChain: s.pastChain ? { ok: s.pastChain.ok, code: s.pastChain.code, checkedAt: s.pastChain.checkedAt.toISOString(), path: s.pastChain.path.map((c) => c.subject), revocation: s.pastChain.revocation } : undefined,
    timestamp: s.timestamp ? { genTime: s.timestamp.genTime.toISOString(), tsa: s.timestamp.tsa, imprintMatches: s.timestamp.imprintMatches, verified: s.timestamp.verified, ...(s.timestamp.code ? { code: s.timestamp.code } : {}) } : undefined,
    timestamps: s.timestamps.map((t) => ({ ok: t.ok, indication: t.indication, subIndication: t.subIndication, code: t.code, genTime: t.genTime?.toISOString(), tsa: t.tsa?.subject, serialNumber: t.serialNumber, problems: t.problems })),
    ...(s.archiveTimestamps ? { archiveTimestamps: s.archiveTimestamps.map((a) => ({ ok: a.ok, code: a.code, genTime: a.genTime?.toISOString(), tsa: a.tsa, covers: a.covers, provenBy: a.provenBy ? { time: a.provenBy.time.toISOString(), origin: a.provenBy.origin } : undefined, problems: a.problems })) } : {}),
  };
}

function jsonVerdict(v: SignatureVerdict): Record<string, unknown> {
  return {
    ok: v.ok,
    indication: v.indication,
    ...(v.subIndication ? { subIndication: v.subIndication } : {}),
    ...(v.code ? { code: v.code } : {}),
    detached: v.detached,
    contentType: v.contentType,
    contentDigests: v.contentDigests,
    signers: v.signers.map(jsonSigner),
  };
}

/** The summary of a signer's certificate, made once per certificate (the fields shown do not depend on the time). */
const summaries = new WeakMap<X509Cert, CertificateSummary>();

function summaryOf(cert: X509Cert, at: Date): CertificateSummary {
  let s = summaries.get(cert);
  if (s === undefined) {
    s = summarizeCertificate(cert, at);
    summaries.set(cert, s);
  }
  return s;
}

export function signerLines(ctx: Ctx, s: SignerVerdict): string[] {
  const { t } = ctx;
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  const c = t('punct.colon');
  const lines: string[] = [];
  const who = s.signer ? summaryOf(s.signer, s.validatedAt) : undefined;
  const name = who ? `${who.holder.displayName}${who.rpps ? ` (RPPS ${who.rpps})` : ''}${who.holder.profession ? `, ${who.holder.profession}` : ''}` : s.sid;
  if (!s.ok && s.subIndication !== undefined) lines.push(`  ${t(`explain.${s.subIndication}`)}`);
  lines.push(`  ${t('sig.signer')}${c}${name}`);
  if (s.signingTime) lines.push(`  ${t('sig.claimedTime')}${c}${date(s.signingTime)} (${t('sig.claimedNote')})`);
  for (const ts of s.timestamps) {
    const tsa = ts.tsa?.subject ?? ts.tsaName;
    lines.push(`  ${t('sig.timestamp')}${c}${ts.genTime ? date(ts.genTime) : '?'}${tsa ? ` — ${tsa}` : ''} — ${ts.ok ? t('sig.tsOk') : `${t('sig.tsBad')} [${ts.code ?? 'TIMESTAMP_INVALID'}]`}`);
  }
  for (const a of s.archiveTimestamps ?? []) {
    lines.push(`  ${t('sig.archiveTimestamp')}${c}${a.genTime ? date(a.genTime) : '?'}${a.tsa ? ` — ${a.tsa}` : ''} — ${a.ok ? t('sig.tsOk') : `${t('sig.tsBad')} [${a.code ?? 'ARCHIVE_TIMESTAMP_INVALID'}]`}`);
  }
  if (s.poe) lines.push(`  ${t('sig.poe')}${c}${date(s.poe.time)} (${t(`poe.${s.poe.origin}`)}${s.poe.tsa ? `, ${s.poe.tsa}` : ''})`);
  lines.push(`  ${t('sig.algorithms')}${c}${s.digestAlgorithm}, ${s.signatureAlgorithm} — ${s.cades.level}${s.weakAlgorithms.length ? ` — ${t('sig.weak', { algs: s.weakAlgorithms.join(', ') })}` : ''}`);
  const chain = s.pastChain ?? s.chain;
  if (chain) {
    const label = s.pastChain && s.poe ? t('sig.checkedPast', { at: date(chain.checkedAt), origin: t(`poe.${s.poe.origin}`) }) : t('sig.checkedAt', { at: date(chain.checkedAt) });
    const rev = chain.revocation.find((r) => r.depth === 0);
    const revText = rev ? ` — ${rev.note !== undefined && rev.status === 'not-checked' ? t('sig.revocationSkipped') : t(`revocation.${rev.status}`, { source: rev.source ?? '', date: rev.revokedAt ? date(rev.revokedAt) : '' })}` : '';
    lines.push(`  ${label}${c}${chain.ok ? t('sig.chainOk') : chain.code ?? ''}${revText}`);
  }
  for (const p of s.problems) {
    const fr = ctx.lang === 'fr' ? `${t(`error.${p.code}`)} — ` : '';
    lines.push(`  ${t('verify.problem')} [${p.code}] ${fr}${p.message}`);
  }
  return lines;
}

function renderVerdict(ctx: Ctx, file: string, v: SignatureVerdict): void {
  if (ctx.json) return;
  const { t } = ctx;
  // One write per file: a thousand verdicts are a thousand writes, not six thousand.
  const head = `${file}: ${t('sig.verdict', { indication: t(`indication.${v.indication}`) })} (${v.indication}${v.subIndication ? ` / ${v.subIndication}` : ''})${v.code ? ` [${v.code}]` : ''}`;
  ctx.line([head, ...v.signers.flatMap((s) => signerLines(ctx, s))].join('\n'));
}
