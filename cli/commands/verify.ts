/** `scelle verify SIG.p7s… --trust T [--content FILE] [--crl C] [--at T] [--online]`. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, verifySignatureFile, readFileChunks, summarizeCertificate, parseCertificates, readInputFile,
  type SignatureVerdict, type VerifySignatureOptions,
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

    const results: { file: string; verdict?: SignatureVerdict; error?: { code: string; message: string } }[] = [];
    for (const sig of sigs) {
      const path = resolve(ctx.io.cwd, sig);
      try {
        let verdict: SignatureVerdict;
        try {
          verdict = await verifySignatureFile(path, base);
        } catch (e) {
          if (!isScelleError(e, 'CONTENT_REQUIRED')) throw e;
          const contentPath = opts.content !== undefined ? resolve(ctx.io.cwd, opts.content) : defaultContentPath(path);
          verdict = await verifySignatureFile(path, { ...base, content: readFileChunks(contentPath) });
        }
        results.push({ file: sig, verdict });
        renderVerdict(ctx, sig, verdict);
      } catch (e) {
        if (!isScelleError(e)) throw e;
        results.push({ file: sig, error: { code: e.code, message: e.message } });
        if (!ctx.json) ctx.line(`${sig}: ${ctx.t('sig.error')} [${e.code}] ${localizedMessage(e, ctx.lang)}`);
      }
    }
    const valid = results.filter((r) => r.verdict?.ok).length;
    const allValid = valid === results.length;
    if (ctx.json) {
      ctx.emitJson({
        ok: allValid,
        valid,
        invalid: results.length - valid,
        results: results.map((r) => (r.verdict ? { file: r.file, ...jsonVerdict(r.verdict) } : { file: r.file, ok: false, error: r.error })),
      });
    } else if (sigs.length > 1) {
      ctx.line(ctx.t('sig.summary', { valid, total: results.length }));
    }
    if (allValid) return 0;
    // a verdict that is negative → 3; only operational errors (unreadable file, malformed) → 1
    return results.some((r) => r.verdict && !r.verdict.ok) || results.some((r) => r.error && NEGATIVE.has(r.error.code)) ? 3 : 1;
  }));
}

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
      const who = s.signer ? summarizeCertificate(s.signer, s.validatedAt) : undefined;
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
        timestamp: s.timestamp ? { genTime: s.timestamp.genTime.toISOString(), tsa: s.timestamp.tsa, imprintMatches: s.timestamp.imprintMatches } : undefined,
      };
    }),
  };
}

function renderVerdict(ctx: Ctx, file: string, v: SignatureVerdict): void {
  if (ctx.json) return;
  const { t } = ctx;
  ctx.line(`${file}: ${v.ok ? t('sig.valid') : t('sig.invalid')}${v.code ? ` [${v.code}]` : ''}`);
  for (const s of v.signers) {
    const who = s.signer ? summarizeCertificate(s.signer, s.validatedAt) : undefined;
    const name = who ? `${who.holder.displayName}${who.rpps ? ` (RPPS ${who.rpps})` : ''}${who.holder.profession ? `, ${who.holder.profession}` : ''}` : s.sid;
    const c = t('punct.colon');
    ctx.line(`  ${t('sig.signer')}${c}${name}`);
    if (s.signingTime) ctx.line(`  ${t('sig.when')}${c}${s.signingTime.toISOString()}`);
    if (s.timestamp) ctx.line(`  ${t('sig.timestamp')}${c}${s.timestamp.genTime.toISOString()}${s.timestamp.tsa ? ` — ${s.timestamp.tsa}` : ''}`);
    ctx.line(`  ${t('sig.algorithms')}${c}${s.digestAlgorithm}, ${s.signatureAlgorithm} — ${s.cades.level}${s.weakAlgorithms.length ? ` — ${t('sig.weak', { algs: s.weakAlgorithms.join(', ') })}` : ''}`);
    if (s.chain) {
      const rev = s.chain.revocation.find((r) => r.depth === 0);
      ctx.line(`  ${t('sig.chain', { at: s.validatedAt.toISOString() })}${c}${s.chain.ok ? t('sig.chainOk') : s.chain.code ?? ''}${rev ? ` — ${t(`revocation.${rev.status}`, { source: rev.source ?? '', date: rev.revokedAt?.toISOString() ?? '' })}` : ''}`);
    }
    for (const p of s.problems) {
      const fr = ctx.lang === 'fr' ? `${t(`error.${p.code}`)} — ` : '';
      ctx.line(`  ${t('verify.problem')} [${p.code}] ${fr}${p.message}`);
    }
  }
}
