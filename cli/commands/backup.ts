/**
 * `scelle backup init|run|status|list|verify|restore|drill|prune` — 3-2-1 backups (CLI.md,
 * "Backups"). Thin: parse options → call the library → render text or --json.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  ScelleError, assertStrongPassword, readBackupConfig, stateDirOf, initBackup, openConfiguredTargets, runBackup, backupStatus,
  listSnapshots, verifyWithoutKey, verifyRepository, unlockRepository, restoreSnapshot, drillRestore, pruneRepository,
  parseRecoveryKey, readInputFile, parseCertificates, loadPkcs12Identity, loadKeyAndCertIdentity, selectCertificate, requestTimestamp,
  type BackupConfig, type ConfiguredTarget, type BackupEvent, type Unlock, type MasterSecret, type SealSigning, type X509Cert,
  type VerifyReport, type Identity, type LockOwner,
} from '../../src/index.js';
import { recordInJournal } from './journal.js';
import { action } from '../main.js';
import type { Ctx } from '../context.js';
import { parseAt, passwordReader, readCrls } from '../options.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const DEFAULT_CONFIG = 'scelle-backup.conf';

interface CommonOpts { config?: string; dest?: string; passFile?: string; recoveryFile?: string; unlockIdentity?: string }

function configPath(ctx: Ctx, o: CommonOpts): string {
  return resolve(ctx.io.cwd, o.config ?? ctx.io.env.SCELLE_BACKUP_CONFIG ?? DEFAULT_CONFIG);
}

function owner(): LockOwner {
  return {
    host: hostname(),
    pid: process.pid,
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}

async function loadConfig(ctx: Ctx, o: CommonOpts): Promise<BackupConfig> {
  return readBackupConfig(configPath(ctx, o));
}

async function openTargets(ctx: Ctx, cfg: BackupConfig): Promise<ConfiguredTarget[]> {
  return openConfiguredTargets(cfg, { env: ctx.io.env });
}

async function closeAll(ts: ConfiguredTarget[]): Promise<void> {
  for (const t of ts) await t.target.close().catch(() => undefined);
}

/** The destination to read from: --dest, else the first reachable one. */
async function pickTarget(ts: ConfiguredTarget[], dest: string | undefined): Promise<ConfiguredTarget> {
  if (dest !== undefined) {
    const t = ts.find((x) => x.spec.name === dest);
    if (t === undefined) throw new ScelleError('USAGE', `no destination named ${dest} in the config (${ts.map((x) => x.spec.name).join(', ')})`, { params: { detail: `unknown destination ${dest}` } });
    const p = await t.target.probe();
    if (!p.online) throw new ScelleError('TARGET_OFFLINE', `destination "${dest}" is not reachable: ${p.reason}`, { params: { target: dest, detail: p.reason } });
    return t;
  }
  for (const t of ts) if ((await t.target.probe().catch(() => ({ online: false }))).online) return t;
  throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable', { hint: 'plug in a backup drive or check the network' });
}

async function unlockWith(ctx: Ctx, o: CommonOpts, t: ConfiguredTarget): Promise<MasterSecret> {
  let unlock: Unlock;
  if (o.recoveryFile !== undefined) {
    unlock = { recoveryKey: parseRecoveryKey(await readFile(resolve(ctx.io.cwd, o.recoveryFile), 'utf8')) };
  } else if (o.unlockIdentity !== undefined) {
    const id = loadPkcs12Identity(await readInputFile(resolve(ctx.io.cwd, o.unlockIdentity)), await passwordReader(ctx, o.passFile)(), { name: o.unlockIdentity });
    try {
      const sel = selectCertificate(id, 'encrypt');
      if (sel.entry.key.privateKey === undefined) throw new ScelleError('NO_PRIVATE_KEY', 'the encryption key is not available in software');
      unlock = { privateKey: sel.entry.key.privateKey, certificate: sel.entry.certificate.der };
    } finally {
      id.close();
    }
  } else {
    unlock = { passphrase: await passwordReader(ctx, o.passFile)() };
  }
  return (await unlockRepository(t.target, unlock)).master;
}

async function readTrustFiles(ctx: Ctx, paths: string[], base: string): Promise<X509Cert[]> {
  const out: X509Cert[] = [];
  for (const p of paths) out.push(...parseCertificates(await readInputFile(resolve(base, p))));
  void ctx;
  return out;
}

function configDir(cfg: BackupConfig, ctx: Ctx): string {
  return cfg.path ? resolve(cfg.path, '..') : ctx.io.cwd;
}

async function sealSigning(ctx: Ctx, cfg: BackupConfig, passFile: string | undefined): Promise<{ signing?: SealSigning; identity?: Identity }> {
  const base = configDir(cfg, ctx);
  let identity: Identity | undefined;
  if (cfg.seal.identity !== undefined) {
    identity = loadPkcs12Identity(await readInputFile(resolve(base, cfg.seal.identity)), await passwordReader(ctx, passFile)(), { name: cfg.seal.identity });
  } else if (cfg.seal.key !== undefined && cfg.seal.cert !== undefined) {
    identity = await loadKeyAndCertIdentity(await readInputFile(resolve(base, cfg.seal.key)), await readInputFile(resolve(base, cfg.seal.cert)), { keyName: cfg.seal.key, certName: cfg.seal.cert, password: passwordReader(ctx, passFile) });
  }
  if (identity === undefined) return {};
  const sel = selectCertificate(identity, 'sign');
  const tsa = cfg.seal.tsa;
  return {
    identity,
    signing: {
      sign: { signer: sel.entry, chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()) },
      ...(tsa ? { timestamp: async (hash, imprint) => (await requestTimestamp({ url: tsa, hash, imprint })).der } : {}),
    },
  };
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Progress: a line on a TTY (stderr), NDJSON events with --json, nothing otherwise. */
function progressSink(ctx: Ctx): { event: (e: BackupEvent) => void; end: () => void } {
  const tty = (ctx.io.stderr as { isTTY?: boolean }).isTTY === true && !ctx.quiet && !ctx.json;
  let shown = false;
  return {
    event: (e) => {
      if (ctx.json) {
        ctx.io.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      if (e.type === 'progress' && tty) {
        const line = ctx.t('backup.progress', { files: e.files, total: e.totalFiles, bytes: mib(e.bytes), totalBytes: mib(e.totalBytes), rate: mib(e.rate), eta: e.etaMs !== undefined ? duration(e.etaMs) : '—' });
        ctx.io.stderr.write(`\r${line}\x1b[K`);
        shown = true;
      } else if (e.type === 'target' && !e.online) {
        ctx.log(ctx.t(e.media === 'removable' ? 'backup.offlineRemovable' : 'backup.offlineWarn', { target: e.target, reason: e.reason ?? '' }));
      } else if (e.type === 'catch-up') {
        ctx.log(ctx.t('backup.caughtUp', { target: e.target, objects: e.objects, bytes: mib(e.bytes) }));
      } else if (e.type === 'target-failed') {
        ctx.log(ctx.t('backup.targetFailed', { target: e.target, message: e.message }));
      } else if (e.type === 'file-error') {
        ctx.log(ctx.t('backup.fileError', { file: e.path, message: e.message }));
      }
    },
    end: () => {
      if (shown) ctx.io.stderr.write('\n');
    },
  };
}

function abortOnSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const on = (): void => ac.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return { signal: ac.signal, dispose: () => { process.removeListener('SIGINT', on); process.removeListener('SIGTERM', on); } };
}

function renderVerify(ctx: Ctx, r: VerifyReport): void {
  ctx.line(ctx.t(r.ok ? 'backup.verifyOk' : 'backup.verifyBad', { target: r.target, mode: r.mode, seals: r.seals, snapshots: r.snapshots, objects: r.objects, bytes: mib(r.bytesRead), problems: r.problems.length }));
  for (const s of r.signatures) if (s.ok) ctx.line(ctx.t('backup.sealSigned', { snapshot: s.snapshot.slice(0, 12), signer: s.signer ?? '?', timestamp: s.timestamp ?? ctx.t('backup.noTimestamp') }));
  for (const p of r.problems) ctx.line(`  [${p.code}] ${p.object ?? ''} ${p.message}`);
  if (!ctx.quiet) for (const n of r.notes) ctx.log(`  (${n.code}) ${n.message}`);
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('encrypted, deduplicated, sealed 3-2-1 backups (init, run, status, list, verify, restore, drill, prune)');
  const withConfig = (c: Command): Command => c.option('--config <file>', `the backup config written by init (default ${DEFAULT_CONFIG}, or SCELLE_BACKUP_CONFIG)`);
  const withUnlock = (c: Command): Command => c
    .option('--pass-file <file>', 'read the repository passphrase from this file (or SCELLE_PASSWORD, or a prompt)')
    .option('--recovery-file <file>', 'open the repository with the recovery key (from the recovery kit) in this file')
    .option('--unlock-identity <file.p12>', 'open the repository with this encryption certificate\'s key (password as --pass-file)');

  withConfig(backup.command('init'))
    .description('create the repository on every destination, the commented config and the recovery kit')
    .option('--source <dir>', 'a folder to back up (repeatable)', collect, [])
    .option('--target <name=url>', 'a destination NAME=URL[;options] (repeatable)', collect, [])
    .option('--pass-file <file>', 'read the new passphrase from this file (or SCELLE_PASSWORD, or a prompt)')
    .option('--identity <file.p12>', 'practice identity that signs the seals (recorded in the config)')
    .option('--key <file>', 'or a key file for the seals (with --cert)')
    .option('--cert <file>', 'certificate for --key')
    .option('--tsa <url>', 'time-stamp every seal with this TSA')
    .option('--trust <file>', 'trust anchors to verify seals (repeatable)', collect, [])
    .option('--encryption-cert <file>', 'an encryption certificate that may also open the repository (repeatable)', collect, [])
    .addOption(new Option('--kdf-log-n <n>', 'scrypt cost as log2(N) (default 17 = 128 MiB; lower values only for demos and tests)'))
    .action(action(async (ctx: Ctx, o: CommonOpts & { source: string[]; target: string[]; identity?: string; key?: string; cert?: string; tsa?: string; trust: string[]; encryptionCert: string[]; kdfLogN?: string }) => {
      const path = configPath(ctx, o);
      const passphrase = await passwordReader(ctx, o.passFile)();
      assertStrongPassword(passphrase);
      const certificates = [];
      for (const f of o.encryptionCert) {
        for (const c of parseCertificates(await readInputFile(resolve(ctx.io.cwd, f)))) certificates.push({ der: c.der, publicKey: c.publicKey, subject: c.subject });
      }
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.io.cwd, p));
      const kdfLogN = o.kdfLogN !== undefined ? Number(o.kdfLogN) : undefined;
      const r = await initBackup({
        configPath: path, sources: o.source.map((s) => resolve(ctx.io.cwd, s)), targets: o.target, passphrase, certificates, context: { env: ctx.io.env },
        ...(kdfLogN !== undefined ? { kdfLogN } : {}),
        seal: { ...(o.identity ? { identity: abs(o.identity)! } : {}), ...(o.key ? { key: abs(o.key)! } : {}), ...(o.cert ? { cert: abs(o.cert)! } : {}), ...(o.tsa ? { tsa: o.tsa } : {}), trust: o.trust.map((t) => abs(t)!) },
      });
      if (ctx.json) {
        ctx.emitJson({ ok: true, config: r.configPath, repository: r.repositoryId, initialised: r.initialised, offline: r.offline, recoveryKit: r.recoveryKit, kdfLogN: kdfLogN ?? 17 });
        return 0;
      }
      ctx.line(ctx.t('backup.initDone', { config: r.configPath, repository: r.repositoryId, targets: r.initialised.join(', ') }));
      for (const off of r.offline) ctx.line(ctx.t('backup.initOffline', { target: off.name }));
      ctx.line(ctx.t('backup.kit', { html: r.recoveryKit.html, text: r.recoveryKit.text }));
      if (kdfLogN !== undefined && kdfLogN < 17) ctx.line(ctx.t('backup.weakKdf', { n: kdfLogN }));
      return 0;
    }));

  withConfig(backup.command('run'))
    .description('back up the sources to every reachable destination')
    .option('--pass-file <file>', 'password of the seal identity (or SCELLE_PASSWORD, or a prompt)')
    .option('--workers <n>', 'worker threads (default: the number of cores, at most 4)')
    .option('--journal <archive>', 'record the run in this archive’s journal (scelle archive)')
    .action(action(async (ctx: Ctx, o: CommonOpts & { workers?: string; journal?: string }) => {
      const cfg = await loadConfig(ctx, o);
      if (cfg.repository.writeKey === undefined) throw new ScelleError('CONFIG_INVALID', 'the config has no write key (cle-ecriture): it is a verifier\'s copy', { params: { detail: 'no write key' } });
      const { signing, identity } = await sealSigning(ctx, cfg, o.passFile);
      const targets = await openTargets(ctx, cfg);
      const sink = progressSink(ctx);
      const abort = abortOnSignal();
      try {
        const r = await runBackup({
          targets: targets.map((t) => t.target),
          repository: { id: cfg.repository.id, recipient: cfg.repository.recipient, writeKey: Buffer.from(cfg.repository.writeKey, 'hex') },
          sources: cfg.sources, stateDir: stateDirOf(cfg.path!), owner: owner(), onEvent: sink.event, signal: abort.signal,
          ...(signing ? { seal: signing } : {}),
          ...(o.workers !== undefined ? { workers: Number(o.workers) } : {}),
        });
        sink.end();
        if (o.journal !== undefined) await recordInJournal(ctx, o.journal, { operation: 'backup.run', object: { kind: 'snapshot', id: r.snapshot }, details: { files: String(r.files), bytes: String(r.bytes), destinations: r.targets.map((t) => `${t.name}:${t.status}`).join(',') } });
        if (ctx.json) {
          ctx.io.stdout.write(`${JSON.stringify({ type: 'result', ok: true, ...r })}\n`);
        } else {
          ctx.line(ctx.t('backup.runDone', { snapshot: r.snapshot.slice(0, 12), files: r.files, bytes: mib(r.bytes), newBytes: mib(r.newBytes), time: duration(r.durationMs) }));
          for (const t of r.targets) ctx.line(`  ${t.name.padEnd(12)} ${ctx.t(`backup.target.${t.status}`)}${t.caughtUp ? ` (${ctx.t('backup.caughtUpShort', { objects: t.caughtUp })})` : ''}${t.reason && t.status === 'failed' ? ` — ${t.reason}` : ''}`);
          ctx.line(ctx.t(r.seal.signed ? (r.seal.timestamped ? 'backup.sealTs' : 'backup.sealSigned2') : 'backup.sealUnsigned', { objects: r.seal.objects }));
        }
        return r.fileErrors.length > 0 || r.targets.some((t) => t.status === 'failed') ? 1 : 0;
      } catch (e) {
        sink.end();
        throw e;
      } finally {
        abort.dispose();
        identity?.close();
        await closeAll(targets);
      }
    }));

  withConfig(backup.command('status'))
    .description('the 3-2-1 table per destination and the rules; exit 1 when a rule or the schedule is broken')
    .option('--at <iso-8601>', 'evaluate as of this time')
    .action(action(async (ctx: Ctx, o: CommonOpts & { at?: string }) => {
      const cfg = await loadConfig(ctx, o);
      const at = parseAt(o.at) ?? new Date();
      const r = await backupStatus(cfg, { at, context: { env: ctx.io.env } });
      if (ctx.json) {
        ctx.emitJson(r);
        return r.ok ? 0 : 1;
      }
      ctx.line(ctx.t('backup.statusHeader', { at: r.at }));
      ctx.line(`  ${ctx.t('backup.col.target').padEnd(12)} ${ctx.t('backup.col.last').padEnd(22)} ${ctx.t('backup.col.age').padEnd(8)} ${ctx.t('backup.col.media').padEnd(10)} ${ctx.t('backup.col.flags')}`);
      for (const t of r.targets) {
        const flags = [t.online ? ctx.t('backup.flag.online') : ctx.t('backup.flag.absent'), ...(t.offline ? [ctx.t('backup.flag.offline')] : []), ...(t.offsite ? [ctx.t('backup.flag.offsite')] : [])].join(', ');
        ctx.line(`  ${t.name.padEnd(12)} ${(t.lastSnapshotTime?.slice(0, 19).replace('T', ' ') ?? ctx.t('backup.never')).padEnd(22)} ${(t.ageDays !== undefined ? ctx.t('backup.days', { n: Math.floor(t.ageDays) }) : '—').padEnd(8)} ${t.media.padEnd(10)} ${flags}`);
      }
      for (const rule of r.rules) ctx.line(`  ${rule.ok ? 'ok  ' : 'NON '} ${rule.rule.padEnd(22)} ${ctx.t(`backup.rule.${rule.rule}.${rule.ok ? 'ok' : 'bad'}`, rule.params)}`);
      ctx.line(r.ok ? ctx.t('backup.statusOk') : ctx.t('backup.statusBad', { rules: r.broken.join(', ') }));
      return r.ok ? 0 : 1;
    }));

  withConfig(backup.command('list'))
    .description('the sealed snapshots of a destination (no key needed)')
    .option('--dest <name>', 'the destination (default: the first reachable one)')
    .action(action(async (ctx: Ctx, o: CommonOpts) => {
      const cfg = await loadConfig(ctx, o);
      const ts = await openTargets(ctx, cfg);
      try {
        const t = await pickTarget(ts, o.dest);
        const list = await listSnapshots(t.target);
        if (ctx.json) ctx.emitJson({ ok: true, target: t.spec.name, snapshots: list });
        else {
          for (const s of list) ctx.line(`${s.snapshot.slice(0, 12)}  ${s.time.slice(0, 19).replace('T', ' ')}  ${String(s.files).padStart(7)} ${ctx.t('backup.files')}  ${mib(s.bytes).padStart(12)}  ${s.host}`);
          if (list.length === 0) ctx.line(ctx.t('backup.noSnapshot', { target: t.spec.name }));
        }
        return 0;
      } finally {
        await closeAll(ts);
      }
    }));

  withUnlock(withConfig(backup.command('verify')))
    .description('check a destination: structure; --read-data decrypts and authenticates everything; --no-key checks seals and object hashes without any key')
    .option('--dest <name>', 'the destination (default: every reachable one)')
    .option('--read-data', 'read every pack, decrypt and authenticate every chunk')
    .option('--no-key', 'no key at all: seal signatures, time-stamps and every object\'s SHA-256')
    .option('--trust <file>', 'trust anchors for the seal signatures (default: confiance= of the config)', collect, [])
    .option('--crl <file>', 'CRLs for the sealing certificate and its CAs (repeatable): seal signatures are checked for revocation, and fail closed without them', collect, [])
    .action(action(async (ctx: Ctx, o: CommonOpts & { readData?: boolean; key?: boolean; trust: string[]; crl: string[] }) => {
      const cfg = await loadConfig(ctx, o);
      const trust = [...await readTrustFiles(ctx, o.trust, ctx.io.cwd), ...await readTrustFiles(ctx, cfg.seal.trust, configDir(cfg, ctx))];
      const crls = await readCrls(ctx, o.crl);
      const ts = await openTargets(ctx, cfg);
      const reports: VerifyReport[] = [];
      try {
        const chosen = o.dest !== undefined ? [await pickTarget(ts, o.dest)] : [];
        if (chosen.length === 0) for (const t of ts) if ((await t.target.probe().catch(() => ({ online: false }))).online) chosen.push(t);
        if (chosen.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable');
        let master: MasterSecret | undefined;
        for (const t of chosen) {
          if (o.key === false) reports.push(await verifyWithoutKey(t.target, { trustAnchors: trust, crls }));
          else {
            master ??= await unlockWith(ctx, o, t);
            reports.push(await verifyRepository(t.target, { master, readData: o.readData === true, trustAnchors: trust, crls }));
          }
        }
      } finally {
        await closeAll(ts);
      }
      const ok = reports.every((r) => r.ok);
      if (ctx.json) ctx.emitJson({ ok, reports });
      else for (const r of reports) renderVerify(ctx, r);
      if (ok) return 0;
      const codes = reports.flatMap((r) => r.problems.map((p) => p.code));
      return codes.some((c) => c === 'OBJECT_CORRUPT' || c === 'OBJECT_MISSING' || c === 'REPO_CORRUPT') ? 4 : 3;
    }));

  withUnlock(withConfig(backup.command('restore')))
    .description('restore a snapshot (default the latest) or one path of it into a new folder')
    .argument('[snapshot]', 'snapshot name or prefix (default: latest)')
    .requiredOption('--to <dir>', 'folder to restore into (new or empty)')
    .option('--path <p>', 'only this file or folder of the snapshot')
    .option('--force', 'write into a non-empty folder, replacing files')
    .option('--dest <name>', 'the destination to read from (default: the first reachable one)')
    .option('--journal <archive>', 'record the restore in this archive’s journal (scelle archive)')
    .action(action(async (ctx: Ctx, snapshot: string | undefined, o: CommonOpts & { to: string; path?: string; force?: boolean; journal?: string }) => {
      const cfg = await loadConfig(ctx, o);
      const ts = await openTargets(ctx, cfg);
      try {
        const t = await pickTarget(ts, o.dest);
        const master = await unlockWith(ctx, o, t);
        const r = await restoreSnapshot(t.target, {
          master, to: resolve(ctx.io.cwd, o.to), ...(snapshot ? { snapshot } : {}), ...(o.path ? { path: o.path } : {}), ...(o.force ? { force: true } : {}),
        });
        if (o.journal !== undefined) await recordInJournal(ctx, o.journal, { operation: 'backup.restore', object: { kind: 'snapshot', id: r.snapshot }, details: { files: String(r.files), bytes: String(r.bytes), from: t.spec.name, problems: String(r.problems.length) } });
        if (ctx.json) ctx.emitJson({ ok: r.problems.length === 0, target: t.spec.name, ...r });
        else {
          ctx.line(ctx.t('backup.restored', { files: r.files, bytes: mib(r.bytes), snapshot: r.snapshot.slice(0, 12), time: r.time, to: r.to }));
          for (const p of r.problems) ctx.line(`  [${p.code}] ${p.path}: ${p.message}`);
        }
        return r.problems.length === 0 ? 0 : 4;
      } finally {
        await closeAll(ts);
      }
    }));

  withUnlock(withConfig(backup.command('drill')))
    .description('restore test: restore the latest snapshot to a temp folder, compare with the snapshot\'s hashes, record the date')
    .option('--dest <name>', 'the destination to test (default: the first reachable one)')
    .action(action(async (ctx: Ctx, o: CommonOpts) => {
      const cfg = await loadConfig(ctx, o);
      const ts = await openTargets(ctx, cfg);
      try {
        const t = await pickTarget(ts, o.dest);
        const master = await unlockWith(ctx, o, t);
        const r = await drillRestore(t.target, { master, stateDir: stateDirOf(cfg.path!) });
        if (ctx.json) ctx.emitJson({ ...r, target: t.spec.name });
        else {
          ctx.line(ctx.t(r.ok ? 'backup.drillOk' : 'backup.drillBad', { files: r.files, bytes: mib(r.bytes), snapshot: r.snapshot.slice(0, 12), target: t.spec.name, time: duration(r.durationMs) }));
          for (const p of r.problems) ctx.line(`  [${p.code}] ${p.path}: ${p.message}`);
        }
        return r.ok ? 0 : 4;
      } finally {
        await closeAll(ts);
      }
    }));

  withUnlock(withConfig(backup.command('prune')))
    .description('delete snapshots the policy does not keep, and the data only they used')
    .option('--dest <name>', 'only this destination (default: every reachable one)')
    .option('--dry-run', 'say what would be deleted')
    .action(action(async (ctx: Ctx, o: CommonOpts & { dryRun?: boolean }) => {
      const cfg = await loadConfig(ctx, o);
      const ts = await openTargets(ctx, cfg);
      try {
        const chosen = o.dest !== undefined ? [await pickTarget(ts, o.dest)] : [];
        if (chosen.length === 0) for (const t of ts) if ((await t.target.probe().catch(() => ({ online: false }))).online) chosen.push(t);
        if (chosen.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable');
        const master = await unlockWith(ctx, o, chosen[0]!);
        const results = [];
        for (const t of chosen) results.push(await pruneRepository(t.target, { master, policy: cfg.policy, owner: owner(), ...(o.dryRun ? { dryRun: true } : {}) }));
        if (ctx.json) ctx.emitJson({ ok: true, dryRun: o.dryRun === true, results });
        else for (const r of results) ctx.line(ctx.t(o.dryRun ? 'backup.pruneDry' : 'backup.pruned', { target: r.target, kept: r.kept.length, removed: r.removed.length, packs: r.packsDeleted, bytes: mib(r.bytesFreed) }));
        return 0;
      } finally {
        await closeAll(ts);
      }
    }));
}
