/**
 * `scelle export PATH… --out FILE.zip [--level 0-9] [<identity> [--tsa URL]]` — the AES-256 USB
 * export (WinZip AE-2) with a manifest, signed when an identity is given;
 * `scelle import FILE.zip (--out DIR | --verify-only) [--trust T]` — reads AES zips (scelle's and
 * 7-Zip's) and checks every MAC before a file is moved into place.
 */
import { Command } from 'commander';
import { basename, resolve } from 'node:path';
import {
  ScelleError, exportZip, importZip, selectCertificate, type Identity, type SignOptions, type ImportResult,
} from '../../src/index.js';
import { checkSignerCertificate } from '../../src/internal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { addIdentityOptions, hasIdentity, newPasswordReader, openIdentity, passwordOf, passwordReader, readCrls, readTrust, type IdentityOptions } from '../options.js';
import { tsaTokenSource } from './timestamp.js';
import { formatBytes, makeProgress } from '../progress.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const usage = (detail: string): ScelleError => new ScelleError('USAGE', detail, { params: { detail } });

interface ExportCliOptions extends IdentityOptions {
  out: string;
  level: string;
  tsa?: string;
  force?: boolean;
  maxEntries?: string;
}

interface ImportCliOptions {
  out?: string;
  verifyOnly?: boolean;
  force?: boolean;
  trust: string[];
  crl: string[];
  passFile?: string;
  maxSize?: string;
  maxEntries?: string;
  requireEncryption?: boolean;
}

/** `--max-entries N`: a positive integer. */
function maxEntriesOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw usage('--max-entries takes a positive number of files and folders');
  return n;
}

export function registerExportCommands(program: Command): void {
  addIdentityOptions(
    program.command('export')
      .description('copy files and folders into an AES-256 zip (WinZip AE-2) that 7-Zip opens with the password, with a SHA-256 manifest; signed when an identity is given')
      .argument('<path...>', 'files and folders to export')
      .requiredOption('--out <file.zip>', 'the zip to write')
      .option('--level <0-9>', 'deflate level (0: store)', '6')
      .option('--tsa <url>', 'timestamp the manifest signature at this TSA (needs an identity)')
      .option('--force', 'replace an existing zip')
      .option('--max-entries <n>', 'refuse to export more files and folders than this (default 250 000; memory grows with it)')
      .option('--identity-pass-file <file>', 'read the identity’s password from this file (env SCELLE_IDENTITY_PASSWORD); --pass-file is the archive password'),
  ).action(action(async (ctx: Ctx, paths: string[], opts: ExportCliOptions) => {
    const level = Number(opts.level);
    if (!Number.isInteger(level) || level < 0 || level > 9) throw usage('--level takes 0 to 9');
    if (opts.tsa && !hasIdentity(opts)) throw usage('--tsa timestamps the manifest signature: give an identity to sign it');
    const maxEntries = maxEntriesOf(opts.maxEntries);
    const password = await newPasswordReader(ctx, opts.passFile, { key: 'prompt.newArchivePassword', params: { name: basename(opts.out) } })();
    let identity: Identity | undefined;
    let signer: SignOptions | undefined;
    if (hasIdentity(opts)) {
      identity = await openIdentity(ctx, opts, { separate: true });
      const sel = selectCertificate(identity, 'sign');
      // A manifest signature every verifier would reject is refused before anything is written.
      await checkSignerCertificate(sel.entry.certificate, identity.certificates);
      signer = { signer: sel.entry, chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) };
    }
    const progress = makeProgress(ctx, 'export');
    try {
      const r = await exportZip(paths.map((p) => resolve(ctx.io.cwd, p)), resolve(ctx.io.cwd, opts.out), {
        password,
        level,
        ...(signer ? { signer } : {}),
        ...(opts.tsa ? { timestampSource: tsaTokenSource(opts.tsa) } : {}),
        ...(opts.force ? { force: true } : {}),
        ...(maxEntries !== undefined ? { maxEntries } : {}),
        signal: ctx.signal,
        onProgress: (e) => progress.update(e),
      });
      progress.done();
      if (ctx.json) {
        ctx.emitJson({ ok: true, ...r });
        return;
      }
      ctx.line(ctx.t('export.ok', { out: opts.out, files: r.files, dirs: r.directories, bytes: formatBytes(r.totalBytes), zip: formatBytes(r.archiveBytes) }));
      ctx.line(ctx.t('export.manifest', { name: r.manifest.name, files: r.manifest.files }));
      if (r.signature) ctx.line(ctx.t('export.signed', { name: r.signature.name, signer: r.signature.signer, rpps: r.signature.rpps ?? '—', ts: ctx.t(r.signature.timestamped ? 'export.timestamped' : 'export.notTimestamped') }));
      for (const s of r.skipped) ctx.log(ctx.t('export.skipped', { path: s.path, reason: s.reason }));
      ctx.log(ctx.t('export.passwordHint'));
      return;
    } finally {
      progress.done();
      identity?.close();
    }
  }));

  program.command('import')
    .description('extract (or with --verify-only, check) an AES zip — scelle’s or 7-Zip’s; every MAC and the manifest are checked before a file is moved into place')
    .argument('<file.zip>', 'the zip')
    .option('--out <dir>', 'folder to extract into (created when missing)')
    .option('--verify-only', 'authenticate and hash everything, check the manifest and its signature; write nothing')
    .option('--force', 'replace files that already exist in the folder')
    .option('--trust <file>', 'verify the manifest signature against these roots (repeatable)', collect, [])
    .option('--crl <file>', 'CRL for the signature check (repeatable)', collect, [])
    .option('--pass-file <file>', 'read the archive password from this file')
    .option('--max-size <bytes>', 'refuse archives that would expand beyond this many bytes (default 64 GiB)')
    .option('--max-entries <n>', 'refuse archives of more files and folders than this (default 250 000; memory grows with it)')
    .option('--require-encryption', 'refuse entries that are not encrypted')
    .action(action(async (ctx: Ctx, file: string, opts: ImportCliOptions) => {
      if (!opts.verifyOnly && opts.out === undefined) throw usage('give --out DIR, or --verify-only');
      const password = await passwordReader(ctx, opts.passFile, passwordOf(file))();
      const trustAnchors = opts.trust.length > 0 ? await readTrust(ctx, opts.trust) : undefined;
      const crls = opts.crl.length > 0 ? await readCrls(ctx, opts.crl) : undefined;
      const maxTotalBytes = opts.maxSize !== undefined ? Number(opts.maxSize) : undefined;
      const maxEntries = maxEntriesOf(opts.maxEntries);
      if (maxTotalBytes !== undefined && !(maxTotalBytes > 0)) throw usage('--max-size takes a number of bytes');
      const progress = makeProgress(ctx, opts.verifyOnly ? 'verify' : 'import');
      let r: ImportResult;
      try {
        r = await importZip(resolve(ctx.io.cwd, file), {
          password,
          ...(opts.out !== undefined ? { outDir: resolve(ctx.io.cwd, opts.out) } : {}),
          ...(opts.verifyOnly ? { verifyOnly: true } : {}),
          ...(opts.force ? { force: true } : {}),
          ...(trustAnchors ? { trustAnchors } : {}),
          ...(crls ? { crls } : {}),
          ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
          ...(opts.requireEncryption ? { requireEncryption: true } : {}),
          ...(maxEntries !== undefined ? { maxEntries } : {}),
          signal: ctx.signal,
          onProgress: (e) => progress.update(e),
        });
      } finally {
        progress.done();
      }
      if (ctx.json) {
        ctx.emitJson({ ok: true, ...r });
        return;
      }
      ctx.line(ctx.t(r.verifyOnly ? 'import.verified' : 'import.ok', { file, out: opts.out ?? '', files: r.files, dirs: r.directories, bytes: formatBytes(r.totalBytes) }));
      ctx.line(r.manifest.present ? ctx.t('import.manifestOk', { files: r.manifest.files }) : ctx.t('import.noManifest'));
      if (r.signature) {
        const s = r.signature;
        ctx.line(ctx.t(s.verified ? 'import.signatureOk' : 'import.signatureUnchecked', {
          signer: s.signer ?? '?', rpps: s.rpps ?? '—', level: s.level ?? 'CMS',
          ts: s.timestamp ? ctx.t('import.timestampAt', { genTime: s.timestamp.genTime.toISOString() }) : '',
        }));
      }
      if (r.plainEntries.length > 0) ctx.log(ctx.t('import.plainEntries', { count: r.plainEntries.length, names: r.plainEntries.slice(0, 5).join(', ') }));
      return;
    }));
}
