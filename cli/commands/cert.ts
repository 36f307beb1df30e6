/** `scelle cert show` and `scelle cert verify`. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ScelleError, isScelleError, parseCertificateBundle, summarizeCertificate, verifyCertificateChain,
  selectCertificate, type X509Cert, type CertificateSummary, type ChainVerdict, type CertificatePurpose,
  type Identity,
} from '../../src/index.js';
import { readPkcs12Certificates, chainConclusion, readInputFile } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { formatDate } from '../dates.js';
import { addIdentityOptions, addTrustOptions, openIdentity, passwordReader, readTrust, readCrls, parseAt, purposeOption, type IdentityOptions } from '../options.js';
import { negativeIf } from '../outcome.js';

const isP12 = (file: string): boolean => /\.(p12|pfx)$/i.test(file);

export function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description('show and verify certificates');

  addIdentityOptions(
    cert.command('show')
      .description('holder (name, RPPS/PS_IdNat, profession, e-mail), issuer, validity, usages, fingerprint')
      .argument('[file]', 'certificate or chain (PEM/DER), PKCS#7 bundle (.p7b), or PKCS#12 (.p12/.pfx, with or without keys)'),
  ).action(action(async (ctx: Ctx, file: string | undefined, opts: IdentityOptions) => {
    let certs: { cert: X509Cert; hasKey?: boolean; label?: string }[];
    let identity: Identity | undefined;
    if (file !== undefined && !isP12(file)) {
      certs = parseCertificateBundle(await readInputFile(resolve(ctx.io.cwd, file)), file).map((c) => ({ cert: c }));
    } else if (file !== undefined && opts.key === undefined && opts.pkcs11 === undefined) {
      certs = await pkcs12Certificates(ctx, file, opts.passFile);
    } else {
      identity = await openIdentity(ctx, file !== undefined ? { ...opts, identity: file } : opts);
      try {
        const withKey = new Set(identity.entries.map((e) => e.certificate.der));
        certs = [
          ...identity.entries.map((e) => ({ cert: e.certificate, hasKey: true, ...(e.label ? { label: e.label } : {}) })),
          ...identity.certificates.filter((c) => ![...withKey].some((d) => Buffer.compare(Buffer.from(d), Buffer.from(c.der)) === 0)).map((c) => ({ cert: c, hasKey: false })),
        ];
      } finally {
        identity.close();
      }
    }
    const summaries = certs.map(({ cert: c, hasKey, label }) => ({ ...summarizeCertificate(c), ...(hasKey !== undefined ? { hasPrivateKey: hasKey } : {}), ...(label ? { label } : {}) }));
    if (ctx.json) {
      ctx.emitJson({ ok: true, source: identity?.source ?? file, certificates: summaries });
      return;
    }
    summaries.forEach((s, i) => renderSummary(ctx, s, i, summaries.length));
  }));

  addTrustOptions(
    cert.command('verify')
      .description('build and check the path to the trust anchors (validity, constraints, usages, signatures, revocation)')
      .argument('<file>', 'certificate (first in the file) with its chain, or PKCS#12')
      .option('--untrusted <file>', 'more intermediate certificates (repeatable)', (v: string, p: string[] = []) => [...p, v], [])
      .option('--online', 'fetch CRLs from the distribution points and ask OCSP responders (HTTP)')
      .option('--pass-file <file>', 'password of a PKCS#12 file')
      .option('--policy <oid>', 'certificate policy the path must be valid for (repeatable; RFC 5280 initial policy set, explicit)', (v: string, p: string[] = []) => [...p, v], [])
      .addOption(purposeOption()),
  ).action(action(async (ctx: Ctx, file: string, opts: { trust: string[]; crl: string[]; at?: string; untrusted: string[]; online?: boolean; passFile?: string; purpose?: CertificatePurpose; policy: string[] }) => {
    if (opts.trust.length === 0) throw new ScelleError('USAGE', 'cert verify needs --trust FILE (the trusted root certificates)', { params: { detail: 'cert verify needs --trust FILE (the trusted root certificates)' } });
    const at = parseAt(opts.at, ctx);
    const purpose = opts.purpose ?? 'any';
    let leaf: X509Cert;
    let intermediates: X509Cert[];
    if (isP12(file)) {
      const identity = await openIdentity(ctx, { identity: file, ...(opts.passFile ? { passFile: opts.passFile } : {}) });
      try {
        const idPurpose = purpose === 'encrypt' ? 'encrypt' : purpose === 'tsa' ? 'tsa' : purpose === 'tls' ? 'auth' : 'sign';
        const sel = selectCertificate(identity, idPurpose, at);
        leaf = sel.entry.certificate;
        intermediates = identity.certificates.filter((c) => c !== leaf);
      } finally {
        identity.close();
      }
    } else {
      const certs = parseCertificateBundle(await readInputFile(resolve(ctx.io.cwd, file)));
      if (certs.length === 0) throw new ScelleError('UNSUPPORTED_FORMAT', `${file} holds no certificate`, { params: { detail: file } });
      leaf = certs[0]!;
      intermediates = certs.slice(1);
    }
    for (const u of opts.untrusted) intermediates.push(...parseCertificateBundle(await readInputFile(resolve(ctx.io.cwd, u))));
    const verdict = await verifyCertificateChain(leaf, {
      trustAnchors: await readTrust(ctx, opts.trust),
      intermediates,
      crls: await readCrls(ctx, opts.crl),
      purpose,
      online: opts.online === true,
      ...(at ? { at } : {}),
      ...(opts.policy.length > 0 ? { policy: { initialPolicySet: opts.policy, requireExplicitPolicy: true } } : {}),
    });
    renderVerdict(ctx, leaf, verdict, purpose);
    return negativeIf(!verdict.ok);
  }));
}

/**
 * The certificates of a PKCS#12 file, keys or not (a CA chain exported as .p12 holds none): an
 * empty password is tried first, as `openssl pkcs12 -export -nokeys` files often have one, then the
 * password is asked for.
 */
async function pkcs12Certificates(ctx: Ctx, file: string, passFile: string | undefined): Promise<{ cert: X509Cert; hasKey: boolean; label?: string }[]> {
  const der = await readInputFile(resolve(ctx.io.cwd, file));
  let found;
  try {
    found = readPkcs12Certificates(der, '', { name: file });
  } catch (e) {
    if (!isScelleError(e, 'WRONG_PASSWORD')) throw e;
    found = readPkcs12Certificates(der, await passwordReader(ctx, passFile)(), { name: file });
  }
  return found.map((c) => ({ cert: c.certificate, hasKey: c.hasKey, ...(c.label !== undefined ? { label: c.label } : {}) }));
}

function renderSummary(ctx: Ctx, s: CertificateSummary & { label?: string }, i: number, n: number): void {
  const { t } = ctx;
  const row = (k: string, v: string): void => ctx.line(`  ${t(k).padEnd(34)} ${v}`);
  const roles = s.roles.map((r) => t(`role.${r}`)).join(', ');
  ctx.line(`${t('cert.certificate')} ${i + 1}/${n} — ${roles}${s.label ? ` — "${s.label}"` : ''}`);
  row('cert.holder', s.holder.displayName || s.subject);
  if (s.holder.idNat) {
    const kind = s.holder.idNat.kind;
    row('cert.idNat', `${s.holder.idNat.raw} → ${kind} ${s.holder.idNat.number}`);
  }
  if (s.holder.profession) row('cert.profession', s.holder.professionCode ? `${s.holder.profession} (${s.holder.professionCode})` : s.holder.profession);
  if (s.holder.organization) row('cert.organization', s.holder.organization);
  if (s.holder.emails.length > 0) row('cert.email', s.holder.emails.join(', '));
  row('cert.subject', s.subject);
  row('cert.issuer', s.issuer);
  row('cert.validity', t('cert.validityRange', { from: s.notBefore, to: s.notAfter }));
  row('cert.keyUsage', s.keyUsage.length ? `${s.keyUsage.join(', ')}${s.keyUsageCritical ? ' (critical)' : ''}` : t('cert.none'));
  row('cert.eku', s.extendedKeyUsage.length ? `${s.extendedKeyUsage.map((e) => e.name).join(', ')}${s.extendedKeyUsageCritical ? ' (critical)' : ''}` : t('cert.none'));
  if (s.isCA) row('cert.ca', `${t('cert.yes')}${s.pathLen !== undefined ? ` (pathLen ${s.pathLen})` : ''}`);
  row('cert.key', `${s.key}, ${s.signatureAlgorithm}`);
  row('cert.serial', s.serialNumber);
  if (s.hasPrivateKey !== undefined) row('cert.hasKey', s.hasPrivateKey ? t('cert.yes') : t('cert.no'));
  row('cert.fingerprint', s.sha256Fingerprint);
  if (i < n - 1) ctx.line();
}

function renderVerdict(ctx: Ctx, leaf: X509Cert, v: ChainVerdict, purpose: string): void {
  const { t } = ctx;
  const conclusion = v.ok ? { indication: 'TOTAL-PASSED' } : chainConclusion(v.code ?? 'CHAIN_UNTRUSTED', v.problems.find((p) => p.code === v.code)?.depth ?? 0);
  if (ctx.json) {
    ctx.emitJson({
      ok: v.ok,
      valid: v.ok,
      ...conclusion,
      ...(v.code ? { code: v.code } : {}),
      subject: leaf.subject,
      purpose,
      checkedAt: v.checkedAt.toISOString(),
      path: v.path.map((c) => ({ subject: c.subject, sha256Fingerprint: c.sha256Fingerprint() })),
      validPolicies: v.validPolicies,
      revocation: v.revocation,
      problems: v.problems,
    });
    return;
  }
  ctx.line(t(v.ok ? 'verify.valid' : 'verify.invalid', { subject: leaf.subject }));
  const date = (d: Date): string => formatDate(d, ctx.lang, ctx.io.env);
  if (!v.ok && 'subIndication' in conclusion && conclusion.subIndication !== undefined) ctx.line(`  ${t(`explain.${conclusion.subIndication}`)}`);
  ctx.line(`  ${t('cert.checkedAt', { at: date(v.checkedAt) })} — ${t('verify.purpose')}${t('punct.colon')}${t(`purpose.${purpose}`)}`);
  v.path.forEach((c, depth) => {
    const rev = v.revocation.find((r) => r.depth === depth);
    const revText = rev ? ` — ${t(`revocation.${rev.status}`, { source: rev.source ?? '', date: rev.revokedAt ? date(rev.revokedAt) : '' })}` : '';
    ctx.line(`  ${t('verify.path')} [${depth}] ${c.subject}${revText}`);
  });
  for (const p of v.problems) {
    const fr = ctx.lang === 'fr' ? `${t(`error.${p.code}`)} — ` : '';
    ctx.line(`  ${t('verify.problem')} [${p.code}] ${fr}${p.message}`);
  }
}
