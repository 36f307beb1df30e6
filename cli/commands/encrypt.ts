/**
 * `scelle encrypt FILE… --to CERT… [--cbc] [--out FILE.p7m]`, `scelle encrypt FILE --password`,
 * `scelle decrypt FILE.p7m (<identity> | --password) [--out FILE]` — CMS envelopes, streamed.
 */
import { Command } from 'commander';
import { basename, dirname, join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import {
  ScelleError, encryptFile, decryptFile, describeEnvelopeFile, parseCertificates, selectCertificate,
  summarizeCertificate, isScelleError, type EncryptInfo, type X509Cert, type RecipientCertificate, type Identity,
} from '../../src/index.js';
import { readInputFile } from '../../src/internal.js';
import { action } from '../action.js';
import { localizedMessage } from '../localize.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, newPasswordReader, openIdentity, parseAt, passwordOf, passwordReader, readCrls, readTrust, type IdentityOptions } from '../options.js';
import { failedIf } from '../outcome.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface EncryptCliOptions extends IdentityOptions {
  to: string[];
  password?: boolean;
  cbc?: boolean;
  rsaPkcs1?: boolean;
  out?: string;
  outDir?: string;
  self?: boolean;
  force?: boolean;
  der?: boolean;
  trust: string[];
  crl: string[];
  at?: string;
}

interface DecryptCliOptions extends IdentityOptions {
  password?: boolean;
  out?: string;
  force?: boolean;
  info?: boolean;
}

const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });

export function registerEncryptCommands(program: Command): void {
  addIdentityOptions(
    program.command('encrypt')
      .description('encrypt files for certificates (CMS AuthEnvelopedData AES-256-GCM; --cbc: EnvelopedData AES-256-CBC) or for a password (--password)')
      .argument('<file...>', 'files to encrypt (FILE → FILE.p7m)')
      .option('--to <cert>', 'recipient certificate, PEM or DER (repeatable)', collect, [])
      .option('--password', 'encrypt for a password (RFC 3211, PBKDF2-SHA256 × 600 000), read from --pass-file, SCELLE_PASSWORD or typed twice')
      .option('--cbc', 'EnvelopedData AES-256-CBC for old clients (not authenticated)')
      .option('--out <file>', 'output file (one input only; default FILE.p7m)')
      .option('--out-dir <dir>', 'write the envelopes into this folder')
      .option('--rsa-pkcs1', 'RSA key transport RSAES-PKCS1-v1_5 instead of OAEP, for PKCS#7-only readers (compatibility)')
      .option('--no-self', 'do not add your own encryption certificate (you will not be able to read what you sent)')
      .option('--der', 'write definite-length DER instead of streamed BER')
      .option('--force', 'replace an existing output file')
      .option('--trust <file>', 'check each recipient certificate’s chain against these roots (repeatable)', collect, [])
      .option('--crl <file>', 'CRL used with --trust (repeatable)', collect, [])
      .option('--at <iso-8601>', 'check the recipient certificates as of this time')
      .option('--identity-pass-file <file>', 'with --password: read the identity’s own password from this file (env SCELLE_IDENTITY_PASSWORD)'),
  ).action(action(async (ctx: Ctx, files: string[], opts: EncryptCliOptions) => {
    if (opts.to.length === 0 && !opts.password) throw usage('give at least one recipient (--to CERT) or --password');
    if (opts.out !== undefined && files.length > 1) throw usage('--out takes one input file; use --out-dir for several');
    const recipients: RecipientCertificate[] = [];
    const intermediates: X509Cert[] = [];
    for (const f of opts.to) {
      const certs = parseCertificates(await readInputFile(resolve(ctx.io.cwd, f)));
      recipients.push({ certificate: encryptionCertificate(certs), name: f });
      intermediates.push(...certs.filter((c) => c.basicConstraints?.ca === true));
    }
    // The sender's own encryption certificate, so the sender can read what it sent.
    if (opts.self !== false && opts.to.length > 0) {
      const self = await selfCertificate(ctx, opts);
      if (self) {
        if (!recipients.some((r) => r.certificate.sha256Fingerprint() === self.certificate.sha256Fingerprint())) recipients.push(self);
      } else {
        ctx.log(ctx.t('encrypt.noSelf'));
      }
    }
    const password = opts.password ? await newPasswordReader(ctx, opts.passFile, { key: 'prompt.newEnvelopePassword', params: { name: files.map((x) => basename(x)).join(', ') } })() : undefined;
    const trustAnchors = opts.trust.length > 0 ? await readTrust(ctx, opts.trust) : undefined;
    const crls = opts.crl.length > 0 ? await readCrls(ctx, opts.crl) : undefined;
    const at = parseAt(opts.at, ctx);
    const outDir = opts.outDir ? resolve(ctx.io.cwd, opts.outDir) : undefined;
    if (outDir) await mkdir(outDir, { recursive: true });

    const results: ({ file: string; ok: true; out: string; info: EncryptInfo } | { file: string; ok: false; error: ScelleError })[] = [];
    for (const f of files) {
      const input = resolve(ctx.io.cwd, f);
      const out = opts.out ? resolve(ctx.io.cwd, opts.out) : join(outDir ?? dirname(input), `${basename(input)}.p7m`);
      try {
        const info = await encryptFile(input, out, {
          recipients,
          ...(password !== undefined ? { password } : {}),
          cipher: opts.cbc ? 'aes-256-cbc' : 'aes-256-gcm',
          ...(opts.rsaPkcs1 ? { rsaPadding: 'pkcs1' as const } : {}),
          format: opts.der ? 'der' : 'ber',
          exclusive: !opts.force,
          ...(trustAnchors ? { trustAnchors, intermediates } : {}),
          ...(crls ? { crls } : {}),
          ...(at ? { at } : {}),
        });
        results.push({ file: f, ok: true, out, info });
        if (!ctx.json && !ctx.quiet) ctx.line(ctx.t('encrypt.ok', { file: f, out, cipher: info.cipher, recipients: info.recipients.length }));
      } catch (e) {
        // A problem with the recipients or the password is the same for every file: stop.
        if (!isScelleError(e) || ['RECIPIENT_CERT_INVALID', 'WEAK_PASSWORD', 'USAGE'].includes(e.code) || files.length === 1) throw e;
        results.push({ file: f, ok: false, error: e });
        if (!ctx.json) ctx.line(ctx.t('encrypt.fail', { file: f, message: `[${e.code}] ${localizedMessage(e, ctx.lang)}` }));
      }
    }
    const ok = results.filter((r) => r.ok).length;
    if (ctx.json) {
      ctx.emitJson({
        ok: ok === results.length,
        results: results.map((r) => (r.ok
          ? { file: r.file, ok: true, out: r.out, contentType: r.info.contentType, cipher: r.info.cipher, format: r.info.format, bytesIn: r.info.bytesIn, bytesOut: r.info.bytesOut, recipients: r.info.recipients }
          : { file: r.file, ok: false, error: { code: r.error.code, message: r.error.message } })),
      });
    } else if (!ctx.quiet) {
      for (const r of recipients) ctx.log(ctx.t('encrypt.recipient', { who: describeCert(r.certificate), file: r.name }));
      if (password !== undefined) ctx.log(ctx.t('encrypt.passwordRecipient'));
    }
    return failedIf(ok !== results.length);
  }));

  addIdentityOptions(
    program.command('decrypt')
      .description('decrypt a CMS envelope (.p7m) with your identity or a password; the output appears only once its integrity is checked')
      .argument('<file>', 'the envelope (DER, BER or PEM)')
      .option('--password', 'the envelope is for a password (read from --pass-file, SCELLE_PASSWORD or a prompt)')
      .option('--out <file>', 'output file (default: FILE without .p7m)')
      .option('--force', 'replace an existing output file')
      .option('--info', 'only describe the envelope (cipher, recipients); no key needed'),
  ).action(action(async (ctx: Ctx, file: string, opts: DecryptCliOptions) => {
    const input = resolve(ctx.io.cwd, file);
    if (opts.info) {
      const d = await describeEnvelopeFile(input);
      if (ctx.json) ctx.emitJson({ ok: true, file, ...d });
      else {
        ctx.line(ctx.t('decrypt.describe', { file, type: d.contentType, cipher: d.cipher, authenticated: ctx.t(d.authenticated ? 'decrypt.authenticated' : 'decrypt.unauthenticated') }));
        for (const r of d.recipients) ctx.line(`  - ${r.algorithm}${r.issuer ? ` — ${r.issuer} #${r.serialNumber}` : ''}${r.subjectKeyIdentifier ? ` — SKI ${r.subjectKeyIdentifier}` : ''}${r.kdf ? ` — ${r.kdf.prf} × ${r.kdf.iterations}` : ''}`);
      }
      return;
    }
    if (opts.password && hasIdentity(opts)) throw usage('give either an identity or --password, not both');
    if (!opts.password && !hasIdentity(opts)) throw usage('give your identity (--identity FILE.p12, --key/--cert) or --password');
    const out = opts.out ? resolve(ctx.io.cwd, opts.out) : input.toLowerCase().endsWith('.p7m') ? input.slice(0, -4) : `${input}.out`;
    let identity: Identity | undefined;
    let password: string | undefined;
    if (opts.password) password = await passwordReader(ctx, opts.passFile, passwordOf(file))();
    else identity = await openIdentity(ctx, opts);
    try {
      const info = await decryptFile(input, out, { ...(identity ? { identity } : {}), ...(password !== undefined ? { password } : {}), name: file, exclusive: !opts.force });
      const who = info.usedRecipient.certificate ? describeCert(info.usedRecipient.certificate) : ctx.t('decrypt.byPassword');
      if (ctx.json) {
        ctx.emitJson({
          ok: true, file, out, contentType: info.contentType, cipher: info.cipher, authenticated: info.authenticated, weakCipher: info.weakCipher,
          bytesIn: info.bytesIn, bytesOut: info.bytesOut, recipient: { ...info.usedRecipient.recipient, index: info.usedRecipient.index, who },
        });
      } else {
        ctx.line(ctx.t('decrypt.ok', { file, out, cipher: info.cipher, who, integrity: info.authenticated ? ctx.t('decrypt.integrityOk') : '' }));
        if (!info.authenticated) ctx.log(ctx.t('decrypt.notAuthenticated'));
        if (info.weakCipher) ctx.log(ctx.t('decrypt.weakCipher', { cipher: info.cipher }));
      }
    } finally {
      identity?.close();
    }
    return;
  }));
}

/** The sender's own encryption certificate: `--cert` alone (no key needed), or the identity's. */
async function selfCertificate(ctx: Ctx, opts: EncryptCliOptions): Promise<RecipientCertificate | undefined> {
  if (opts.cert !== undefined && opts.key === undefined && opts.identity === undefined && opts.pkcs11 === undefined) {
    const certs = parseCertificates(await readInputFile(resolve(ctx.io.cwd, opts.cert)));
    return { certificate: encryptionCertificate(certs), name: opts.cert };
  }
  if (!hasIdentity(opts)) return undefined;
  const identity = await openIdentity(ctx, opts, { separate: opts.password === true });
  try {
    const sel = selectCertificate(identity, 'encrypt');
    return { certificate: sel.entry.certificate, name: identity.source };
  } finally {
    identity.close();
  }
}

/**
 * The certificate of a file to encrypt to: a file may hold a practitioner's signature and
 * encryption certificates and their CA (as `scelle pki demo` writes them, as a directory exports
 * them). The end-entity certificate whose key usage allows encryption wins; otherwise the first
 * end-entity one, which the recipient check then refuses with a clear reason.
 */
function encryptionCertificate(certs: X509Cert[]): X509Cert {
  const leaves = certs.filter((c) => c.basicConstraints?.ca !== true);
  const pool = leaves.length > 0 ? leaves : certs;
  return pool.find((c) => c.keyUsage?.includes('keyEncipherment') || c.keyUsage?.includes('keyAgreement')) ?? pool[0]!;
}

function describeCert(cert: X509Cert): string {
  const s = summarizeCertificate(cert);
  return s.rpps ? `${s.holder.displayName} (RPPS ${s.rpps})` : s.holder.displayName;
}
