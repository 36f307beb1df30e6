/** `scelle verify SIG.p7s… --trust T [--content FILE] [--crl C] [--at T] [--online]`. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, verifySignatureFile, verifySignatureTimestamps, readFileChunks, summarizeCertificate, parseCertificates, readInputFile,
  type SignatureVerdict, type VerifySignatureOptions, type X509Cert, type CertificateSummary,
} from '../../src/index.js';
import { action } from '../main.js';
import type { Ctx } from '../context.js';
import { addTrustOptions, readTrust, readCrls, parseAt } from '../options.js';
import { localizedMessage } from '../main.js';

interface VerifyCliOptions {
  trust: string[];
  crl: string[];
  at?: string;
  content?: string;
  online?: boolean;
  certs: string[];
}

export function registerVerifyCommand(program: Command): void {
  addTrustOptions(
    program.command('verify')
      .description('verify CMS/CAdES signatures: who signed (name, RPPS), when, chain at that time, revocation, integrity, timestamp')
      .argument('<signature...>', 'signature files (.p7s, DER, BER or PEM)')
      .option('--content <file>', 'detached content (default: the signature file name without .p7s)')
      .option('--certs <file>', 'certificates to find the signer in when the signature lacks them (repeatable)', (v: string, p: string[] = []) => [...p, v], [])
      .option('--online', 'fetch CRLs and ask OCSP responders named in the certificates'),
  ).action(action(async (ctx: Ctx, sigs: string[], opts: VerifyCliOptions) => {
    if (opts.trust.length === 0) throw new ScelleError('USAGE', 'verify needs --trust FILE (the trusted root certificates)', { params: { detail: 'verify needs --trust FILE (the trusted root certificates)' } });
    if (opts.content !== undefined && sigs.length > 1) throw new ScelleError('USAGE', '--content goes with one signature only', { params: { detail: '--content goes with one signature only' } });
    const base: VerifySignatureOptions = {
      trustAnchors: await readTrust(ctx, opts.trust),
      crls: await readCrls(ctx, opts.crl),
      online: opts.online === true,
      extraCertificates: (await Promise.all(opts.certs.map(async (c) => parseCertificates(await readInputFile(resolve(ctx.io.cwd, c)))))).flat(),
    };
    const at = parseAt(opts.at);
    if (at) base.at = at;

    type Result = { file: string; verdict?: SignatureVerdict; error?: ScelleError };
    const verifyOne = async (sig: string): Promise<Result> => {
      const path = resolve(ctx.io.cwd, sig);
      try {
        // The content is opened only if the signature turns out to be detached: one pass over the signature.
        const verdict = await verifySignatureFile(path, {
          ...base,
          detachedContent: () => readFileChunks(opts.content !== undefined ? resolve(ctx.io.cwd, opts.content) : defaultContentPath(path)),
        });
        await checkTimestampsStrictly(verdict, base);
        return { file: sig, verdict };
      } catch (e) {
        if (!isScelleError(e)) throw e;
        return { file: sig, error: e };
      }
    };
    const render = (r: Result): void => {
      if (r.verdict) renderVerdict(ctx, r.file, r.verdict);
      else if (r.error && !ctx.json) ctx.line(`${r.file}: ${ctx.t('sig.error')} [${r.error.code}] ${localizedMessage(r.error, ctx.lang)}`);
    };

    // A few files in flight, so that reading one overlaps checking another; verdicts are printed in
    // the order the files were given, each as soon as those before it are done.
    const results = new Array<Result>(sigs.length);
    let printed = 0;
    let next = 0;
    let stop = false;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < sigs.length && !stop; i = next++) {
        try {
          results[i] = await verifyOne(sigs[i]!);
        } catch (e) {
          stop = true; // an unexpected failure ends the run, as it did file by file
          throw e;
        }
        while (printed < sigs.length && results[printed] !== undefined) render(results[printed++]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, sigs.length) }, worker));
    const valid = results.filter((r) => r.verdict?.ok).length;
    const allValid = valid === results.length;
    if (ctx.json) {
      ctx.emitJson({
        ok: allValid,
        valid,
        invalid: results.length - valid,
        results: results.map((r) => (r.verdict ? { file: r.file, ...jsonVerdict(r.verdict) } : { file: r.file, ok: false, error: r.error ? { code: r.error.code, message: r.error.message } : undefined })),
      });
    } else if (sigs.length > 1) {
      ctx.line(ctx.t('sig.summary', { valid, total: results.length }));
    }
    if (allValid) return 0;
    // a verdict that is negative → 3; only operational errors (unreadable file, malformed) → 1
    return results.some((r) => r.verdict && !r.verdict.ok) || results.some((r) => r.error && NEGATIVE.has(r.error.code)) ? 3 : 1;
  }));
}

/** Signatures verified at once: enough for file reads to overlap the checks, few enough to bound memory. */
const VERIFY_CONCURRENCY = 8;

const NEGATIVE = new Set(['SIGNATURE_INVALID', 'CONTENT_TAMPERED', 'CONTENT_MISMATCH', 'SIGNER_CERT_MISSING', 'SIGNING_CERT_MISMATCH', 'CHAIN_UNTRUSTED', 'CERT_REVOKED']);

function defaultContentPath(sigPath: string): string {
  if (!/\.p7s$/i.test(sigPath)) throw new ScelleError('CONTENT_REQUIRED', `${sigPath} is a detached signature: give the signed file with --content`, { params: { file: sigPath } });
  return sigPath.replace(/\.p7s$/i, '');
}

function jsonVerdict(v: SignatureVerdict): Record<string, unknown> {
  return {
    ok: v.ok,
    ...(v.code ? { code: v.code } : {}),
    detached: v.detached,
    contentType: v.contentType,
    contentDigests: v.contentDigests,
    signers: v.signers.map((s) => {
      const who = s.signer ? summaryOf(s.signer, s.validatedAt) : undefined;
      return {
        ok: s.ok,
        ...(s.code ? { code: s.code } : {}),
        problems: s.problems,
        sid: s.sid,
        ...(who ? { signer: { name: who.holder.displayName, rpps: who.rpps, profession: who.holder.profession, email: who.email, subject: who.subject, issuer: who.issuer, sha256Fingerprint: who.sha256Fingerprint } } : {}),
        signingTime: s.signingTime?.toISOString(),
        validatedAt: s.validatedAt.toISOString(),
        digestAlgorithm: s.digestAlgorithm,
        signatureAlgorithm: s.signatureAlgorithm,
        weakAlgorithms: s.weakAlgorithms,
        level: s.cades.level,
        chain: s.chain ? { ok: s.chain.ok, code: s.chain.code, path: s.chain.path.map((c) => c.subject), revocation: s.chain.revocation } : undefined,
        timestamp: s.timestamp ? { genTime: s.timestamp.genTime.toISOString(), tsa: s.timestamp.tsa, imprintMatches: s.timestamp.imprintMatches, verified: strictTimestamps.get(s)?.ok ?? false, ...(strictTimestamps.get(s)?.code ? { code: strictTimestamps.get(s)!.code } : {}) } : undefined,
      };
    }),
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

function renderVerdict(ctx: Ctx, file: string, v: SignatureVerdict): void {
  if (ctx.json) return;
  const { t } = ctx;
  // One write per file: a thousand verdicts are a thousand writes, not six thousand.
  const lines: string[] = [];
  lines.push(`${file}: ${v.ok ? t('sig.valid') : t('sig.invalid')}${v.code ? ` [${v.code}]` : ''}`);
  for (const s of v.signers) {
    const who = s.signer ? summaryOf(s.signer, s.validatedAt) : undefined;
    const name = who ? `${who.holder.displayName}${who.rpps ? ` (RPPS ${who.rpps})` : ''}${who.holder.profession ? `, ${who.holder.profession}` : ''}` : s.sid;
    const c = t('punct.colon');
    lines.push(`  ${t('sig.signer')}${c}${name}`);
    if (s.signingTime) lines.push(`  ${t('sig.when')}${c}${s.signingTime.toISOString()}`);
    if (s.timestamp) lines.push(`  ${t('sig.timestamp')}${c}${s.timestamp.genTime.toISOString()}${s.timestamp.tsa ? ` — ${s.timestamp.tsa}` : ''} — ${strictTimestamps.get(s)?.ok ? t('sig.tsVerified') : t('sig.tsNotVerified')}`);
    lines.push(`  ${t('sig.algorithms')}${c}${s.digestAlgorithm}, ${s.signatureAlgorithm} — ${s.cades.level}${s.weakAlgorithms.length ? ` — ${t('sig.weak', { algs: s.weakAlgorithms.join(', ') })}` : ''}`);
    if (s.chain) {
      const rev = s.chain.revocation.find((r) => r.depth === 0);
      lines.push(`  ${t('sig.chain', { at: s.validatedAt.toISOString() })}${c}${s.chain.ok ? t('sig.chainOk') : s.chain.code ?? ''}${rev ? ` — ${t(`revocation.${rev.status}`, { source: rev.source ?? '', date: rev.revokedAt?.toISOString() ?? '' })}` : ''}`);
    }
    for (const p of s.problems) {
      const fr = ctx.lang === 'fr' ? `${t(`error.${p.code}`)} — ` : '';
      lines.push(`  ${t('verify.problem')} [${p.code}] ${fr}${p.message}`);
    }
  }
  ctx.line(lines.join('\n'));
}

/** Strict CAdES-T check of each signer's signature time-stamp, recorded for rendering. */
const strictTimestamps = new WeakMap<object, { ok: boolean; code?: string; tsa?: string }>();

/**
 * A time-stamp read by verifySignature is only parsed; here every token is verified strictly
 * (imprint over that signer's signature value, TSA certificate with a critical timeStamping EKU
 * and ESSCertID, chain at genTime). A failing time-stamp makes the signer's verdict negative.
 */
async function checkTimestampsStrictly(verdict: SignatureVerdict, base: VerifySignatureOptions): Promise<void> {
  if (!verdict.signers.some((s) => s.timestampToken !== undefined)) return;
  const results = await verifySignatureTimestamps(verdict.signers, {
    trustAnchors: base.trustAnchors,
    ...(base.crls ? { crls: base.crls } : {}),
    ...(base.online ? { online: true } : {}),
    ...(base.extraCertificates ? { extraCertificates: base.extraCertificates } : {}),
  });
  verdict.signers.forEach((signer, i) => {
    const r = results[i];
    if (!r || !r.present) return;
    const tsa = r.timestamps.find((t) => t.tsa)?.tsa?.subject;
    strictTimestamps.set(signer, { ok: r.ok, ...(r.code ? { code: r.code } : {}), ...(tsa ? { tsa } : {}) });
    if (r.ok) return;
    const code = r.code ?? 'TIMESTAMP_INVALID';
    const messages = r.timestamps.flatMap((t) => t.problems.map((p) => p.message));
    signer.problems.push({ code, message: `signature timestamp: ${messages.join('; ') || 'invalid'}` });
    if (signer.ok) {
      signer.ok = false;
      signer.code = code;
    }
    if (verdict.ok) {
      verdict.ok = false;
      verdict.code = code;
    }
  });
}
