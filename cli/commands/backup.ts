/**
 * `scelle backup init|run|status|list|verify|restore|drill|prune|repair|verifier-kit|schedule` —
 * 3-2-1 backups (CLI.md, "Backups"). Thin: parse options → call the library → render text or
 * --json. The reading commands are in backup-read.ts, scheduling in backup-schedule.ts.
 */
import { Command, Option } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ScelleError, assertStrongPassword, initBackup, runBackup, backupStatus, pruneRepository, repairDestinations,
  parseCertificates, loadPkcs12Identity, loadKeyAndCertIdentity, selectCertificate, type BackupEvent,
  type InitWarning, type StatusReport, type Witness,
} from '../../src/index.js';
import {
  kitOf, verifierKitText, stateDirOf, readState, readInputFile, nextRun, DEFAULT_KDF_LOG_N,
} from '../../src/internal.js';
import { recordInJournal } from './journal.js';
import { action } from '../action.js';
import type { Ctx } from '../context.js';
import { newPasswordReader, parseAt } from '../options.js';
import { readSecret } from '../secrets.js';
import {
  abortOnSignal, closeAll, collect, configPath, duration, loadConfig, localDate, mib, openCopies, owner, sealSigning, unlockWith, configDir,
  type CopyOpts,
} from './backup-common.js';
import { registerReadCommands, withCopyOptions } from './backup-read.js';
import { registerScheduleCommand, scheduleInstalled } from './backup-schedule.js';
import { corruptIf, failedIf, type Outcome } from '../outcome.js';

/** Progress: a line on a TTY (stderr), NDJSON events with --json, notable events as log lines. */
function progressSink(ctx: Ctx): { event: (e: BackupEvent) => void; end: () => void } {
  const tty = (ctx.io.stderr as { isTTY?: boolean }).isTTY === true && !ctx.quiet && !ctx.json;
  let shown = false;
  return {
    event: (e) => {
      if (ctx.json) {
        ctx.emitEvent(e as unknown as { type: string } & Record<string, unknown>);
        return;
      }
      if (e.type === 'progress' && tty) {
        const line = ctx.t('backup.progress', { files: e.files, total: e.totalFiles, bytes: mib(e.bytes), totalBytes: mib(e.totalBytes), rate: mib(e.rate), eta: e.etaMs !== undefined ? duration(e.etaMs) : '—' });
        ctx.io.stderr.write(`\r${line}\x1b[K`);
        shown = true;
      } else if (e.type === 'destination' && !e.online) {
        ctx.log(ctx.t(e.media === 'removable' ? 'backup.offlineRemovable' : 'backup.offlineWarn', { target: e.destination, reason: e.reason ?? '' }));
      } else if (e.type === 'catch-up') {
        ctx.log(ctx.t('backup.caughtUp', { target: e.destination, objects: e.objects, bytes: mib(e.bytes) }));
      } else if (e.type === 'destination-failed') {
        ctx.log(ctx.t('backup.targetFailed', { target: e.destination, message: e.message }));
      } else if (e.type === 'destination-created') {
        ctx.log(ctx.t('backup.created', { target: e.destination }));
      } else if (e.type === 'temp-removed') {
        ctx.log(ctx.t('backup.tempRemoved', { target: e.destination, objects: e.objects }));
      } else if (e.type === 'file-error') {
        ctx.log(ctx.t('backup.fileError', { file: e.path, message: e.message }));
      }
    },
    end: () => {
      if (shown) ctx.io.stderr.write('\n');
    },
  };
}

function renderWarnings(ctx: Ctx, warnings: InitWarning[]): void {
  for (const w of warnings) ctx.log(ctx.t(w.kind === 'rule' ? `backup.initRule.${w.rule}` : `backup.initWarn.${w.kind}`, w.kind === 'rule' ? { detail: w.detail } : {}));
}

type InitOpts = CopyOpts & { source: string[]; target: string[]; destination: string[]; identity?: string; key?: string; cert?: string; identityPassFile?: string; tsa?: string; trust: string[]; crl: string[]; encryptionCert: string[]; kdfLogN?: string };

/** The sealing identity's certificate subject (the expected signer): the identity must open and sign. */
async function sealingSubject(ctx: Ctx, o: InitOpts): Promise<string | undefined> {
  if (o.identity === undefined && o.key === undefined) return undefined;
  const password = (): Promise<string> => readSecret({ ...(o.identityPassFile !== undefined ? { file: o.identityPassFile } : {}), envVar: 'SCELLE_IDENTITY_PASSWORD', promptKey: 'prompt.identityPassword', missingCode: 'PASSWORD_REQUIRED' }, ctx.io, ctx.t);
  const id = o.identity !== undefined
    ? loadPkcs12Identity(await readInputFile(resolve(ctx.io.cwd, o.identity)), await password(), { name: o.identity })
    : await loadKeyAndCertIdentity(await readInputFile(resolve(ctx.io.cwd, o.key!)), await readInputFile(resolve(ctx.io.cwd, o.cert ?? '')), { keyName: o.key!, certName: o.cert ?? '', password });
  try {
    return selectCertificate(id, 'sign').entry.certificate.subject;
  } finally {
    id.close();
  }
}

async function initCommand(ctx: Ctx, o: InitOpts): Promise<Outcome | void> {
  const path = await configPath(ctx, o);
  const destinations = [...o.target, ...o.destination];
  const passphrase = await newPasswordReader(ctx, o.passFile, { key: 'prompt.newRepoPassphrase' })();
  assertStrongPassword(passphrase);
  const signer = await sealingSubject(ctx, o);
  const certificates = [];
  for (const f of o.encryptionCert) {
    for (const c of parseCertificates(await readInputFile(resolve(ctx.io.cwd, f)))) certificates.push({ der: c.der, publicKey: c.publicKey, subject: c.subject });
  }
  const trustAnchors: Uint8Array[] = [];
  for (const f of o.trust) for (const c of parseCertificates(await readInputFile(resolve(ctx.io.cwd, f)))) trustAnchors.push(c.der);
  const abs = (p: string): string => resolve(ctx.io.cwd, p);
  const kdfLogN = o.kdfLogN !== undefined ? Number(o.kdfLogN) : undefined;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const r = await initBackup({
    configPath: path, sources: o.source.map(abs), destinations, passphrase, certificates, context: { env: ctx.io.env }, trustAnchors,
    ...(kdfLogN !== undefined ? { kdfLogN } : {}),
    seal: {
      ...(o.identity ? { identity: abs(o.identity) } : {}), ...(o.key ? { key: abs(o.key) } : {}), ...(o.cert ? { cert: abs(o.cert) } : {}), ...(o.tsa ? { tsa: o.tsa } : {}),
      trust: o.trust.map(abs), ...(signer ? { signers: [signer] } : {}), ...(o.crl.length > 0 ? { crls: o.crl.map(abs) } : {}),
    },
  });
  if (ctx.json) {
    ctx.emitJson({ ok: true, config: r.configPath, repository: r.repositoryId, initialised: r.initialised, offline: r.offline, recoveryKit: r.recoveryKit, kdfLogN: kdfLogN ?? DEFAULT_KDF_LOG_N, signer: signer ?? null, warnings: r.warnings });
    return;
  }
  ctx.line(ctx.t('backup.initDone', { config: r.configPath, repository: r.repositoryId, targets: r.initialised.join(', ') }));
  for (const off of r.offline) ctx.line(ctx.t('backup.initOffline', { target: off.name, reason: off.reason }));
  if (signer) ctx.line(ctx.t('backup.initSigner', { signer }));
  renderWarnings(ctx, r.warnings);
  ctx.line(ctx.t('backup.kit', { html: r.recoveryKit.html, text: r.recoveryKit.text }));
  ctx.line(ctx.t('backup.kitTodo', { text: r.recoveryKit.text, config: r.configPath }));
  if (kdfLogN !== undefined && kdfLogN < DEFAULT_KDF_LOG_N) ctx.line(ctx.t('backup.weakKdf', { n: kdfLogN }));
  return;
}

async function runCommand(ctx: Ctx, o: CopyOpts & { workers?: string; create?: boolean; identityPassFile?: string; journal?: string }): Promise<Outcome | void> {
  const cfg = await loadConfig(ctx, o);
  if (cfg.repository.writeKey === undefined) throw new ScelleError('CONFIG_INVALID', 'the config has no write key (cle-ecriture): it is a verifier\'s copy', { params: { detail: 'no write key' } });
  const { signing, identity } = await sealSigning(ctx, cfg, o, false);
  const copies = await openCopies(ctx, { ...o, dest: undefined });
  const sink = progressSink(ctx);
  const abort = abortOnSignal();
  try {
    const r = await runBackup({
      destinations: copies.destinations.map((t) => t.destination),
      repository: { id: cfg.repository.id, recipient: cfg.repository.recipient, writeKey: Buffer.from(cfg.repository.writeKey, 'hex') },
      sources: cfg.sources, stateDir: stateDirOf(cfg.path!), owner: owner(), onEvent: sink.event, signal: abort.signal,
      ...(signing ? { seal: signing } : {}), ...(o.create ? { create: true } : {}),
      ...(o.workers !== undefined ? { workers: Number(o.workers) } : {}),
    });
    sink.end();
    if (o.journal !== undefined) await recordInJournal(ctx, o.journal, { operation: 'backup.run', object: { kind: 'snapshot', id: r.snapshot }, details: { files: String(r.files), bytes: String(r.bytes), destinations: r.destinations.map((t) => `${t.name}:${t.status}`).join(',') } });
    if (ctx.json) ctx.emitJson(r);
    else {
      ctx.line(ctx.t('backup.runDone', { snapshot: r.snapshot.slice(0, 12), files: r.files, bytes: mib(r.bytes), newBytes: mib(r.newBytes), time: duration(r.durationMs) }));
      for (const t of r.destinations) ctx.line(`  ${t.name.padEnd(12)} ${ctx.t(`backup.target.${t.status}`)}${t.caughtUp ? ` (${ctx.t('backup.caughtUpShort', { objects: t.caughtUp })})` : ''}${t.reason && t.status === 'failed' ? ` — [${t.code}] ${t.reason}` : ''}`);
      ctx.line(ctx.t(r.seal.signed ? (r.seal.timestamped ? 'backup.sealTs' : 'backup.sealSigned2') : 'backup.sealUnsigned', { objects: r.seal.objects }));
    }
    return failedIf(r.fileErrors.length > 0 || r.destinations.some((t) => t.status === 'failed'));
  } catch (e) {
    sink.end();
    throw e;
  } finally {
    abort.dispose();
    identity?.close();
    await closeAll(copies.destinations);
  }
}

function renderStatus(ctx: Ctx, r: StatusReport): void {
  ctx.line(ctx.t('backup.statusHeader', { at: localDate(ctx, r.at) }));
  ctx.line(`  ${ctx.t('backup.col.target').padEnd(12)} ${ctx.t('backup.col.last').padEnd(19)} ${ctx.t('backup.col.age').padEnd(7)} ${ctx.t('backup.col.seal').padEnd(6)} ${ctx.t('backup.col.media').padEnd(10)} ${ctx.t('backup.col.flags')}`);
  for (const t of r.destinations) {
    const flags = [
      t.online ? ctx.t('backup.flag.online') : ctx.t('backup.flag.absent'), ...(t.offline ? [ctx.t('backup.flag.offline')] : []), ...(t.offsite ? [ctx.t('backup.flag.offsite')] : []),
      ...(t.stale ? [ctx.t('backup.flag.stale')] : []), ...(t.problems ?? []).map((p) => `${ctx.t('backup.flag.damaged')} (${p.code})`),
    ].join(', ');
    ctx.line(`  ${t.name.padEnd(12)} ${(t.lastSnapshotTime ? localDate(ctx, t.lastSnapshotTime) : ctx.t('backup.never')).padEnd(19)} ${(t.ageDays !== undefined ? ctx.t('backup.days', { n: Math.floor(t.ageDays) }) : '—').padEnd(7)} ${(t.head ? `#${t.head.sequence}` : '—').padEnd(6)} ${t.media.padEnd(10)} ${flags}`);
    for (const p of t.problems ?? []) ctx.line(`      [${p.code}] ${p.message}`);
  }
  for (const rule of r.rules) ctx.line(`  ${rule.ok ? 'ok  ' : ctx.t('backup.ruleBad')} ${rule.rule.padEnd(22)} ${ctx.t(`backup.rule.${rule.rule}.${rule.ok ? 'ok' : 'bad'}`, rule.params)}`);
  if (r.nextDue) ctx.line(ctx.t('backup.nextDue', { date: localDate(ctx, r.nextDue) }));
  if (r.schedule === undefined) ctx.line(ctx.t('backup.noSchedule'));
  else ctx.line(ctx.t(r.schedule.installed ? 'backup.scheduled' : 'backup.scheduleGone', { kind: r.schedule.kind, every: ctx.t(`backup.every.${r.schedule.every}`), at: r.schedule.at, next: r.schedule.next ? localDate(ctx, r.schedule.next) : '—' }));
  ctx.line(r.ok ? ctx.t('backup.statusOk') : ctx.t('backup.statusBad', { rules: r.broken.join(', ') }));
}

async function statusCommand(ctx: Ctx, o: CopyOpts & { at?: string }): Promise<Outcome | void> {
  const cfg = await loadConfig(ctx, o);
  const at = parseAt(o.at, ctx) ?? new Date();
  const r = await backupStatus(cfg, { at, context: { env: ctx.io.env }, scheduleInstalled, nextRun: (s, from) => nextRun(s, from) });
  if (ctx.json) ctx.emitJson(r);
  else renderStatus(ctx, r);
  return failedIf(!r.ok);
}

/** The witnesses a seal of destination `name` records: this computer's heads of the others. */
async function witnessesOf(stateDir: string): Promise<(name: string) => Witness[]> {
  const state = await readState(stateDir);
  return (name) => Object.entries(state.destinations).filter(([n, s]) => n !== name && s.head !== undefined).map(([n, s]) => ({ destination: n, sequence: s.head!.sequence, sha256: s.head!.sha256 }));
}

async function pruneCommand(ctx: Ctx, o: CopyOpts & { dryRun?: boolean; identityPassFile?: string }): Promise<Outcome | void> {
  const copies = await openCopies(ctx, o);
  const cfg = copies.cfg!;
  const { signing, identity } = o.dryRun ? {} : await sealSigning(ctx, cfg, o, true);
  try {
    const chosen = [];
    for (const t of copies.destinations) if ((await t.destination.probe().catch(() => ({ online: false }))).online) chosen.push(t);
    if (chosen.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable');
    const master = await unlockWith(ctx, o, chosen[0]!, cfg.repository.id);
    const stateDir = stateDirOf(cfg.path!);
    const witnesses = await witnessesOf(stateDir);
    const results = [];
    for (const t of chosen) {
      results.push(await pruneRepository(t.destination, { master, policy: cfg.policy, repository: cfg.repository.id, stateDir, witnesses, owner: owner(), ...(signing ? { signing } : {}), ...(o.dryRun ? { dryRun: true } : {}) }));
    }
    if (ctx.json) ctx.emitJson({ ok: true, dryRun: o.dryRun === true, results });
    else {
      for (const r of results) {
        ctx.line(ctx.t(o.dryRun ? 'backup.pruneDry' : 'backup.pruned', { target: r.destination, kept: r.kept.length, removed: r.removed.length, packs: r.packsDeleted, bytes: mib(r.bytesFreed) }));
        if (r.lockedKept > 0) ctx.line(ctx.t('backup.pruneLocked', { target: r.destination, objects: r.lockedKept }));
        if (r.notDeleted > 0) ctx.line(ctx.t('backup.pruneNoDelete', { target: r.destination, objects: r.notDeleted }));
      }
    }
    return;
  } finally {
    identity?.close();
    await closeAll(copies.destinations);
  }
}

async function repairCommand(ctx: Ctx, o: CopyOpts): Promise<Outcome | void> {
  const cfg = await loadConfig(ctx, o);
  const copies = await openCopies(ctx, { ...o, dest: undefined });
  try {
    const stateDir = stateDirOf(cfg.path!);
    const results = await repairDestinations({
      repository: cfg.repository.id, destinations: copies.destinations.map((t) => t.destination), stateDir, state: await readState(stateDir), owner: owner(),
      ...(o.dest !== undefined ? { only: [o.dest] } : {}),
    });
    if (ctx.json) ctx.emitJson({ ok: results.every((r) => r.ok), results });
    else {
      for (const r of results) {
        ctx.line(ctx.t(r.ok ? 'backup.repairOk' : 'backup.repairBad', { target: r.destination, repaired: r.repaired.length, left: r.unrepairable.length }));
        for (const k of r.repaired) ctx.line(`  + ${k}`);
        for (const u of r.unrepairable) ctx.line(`  ! ${u.object}: ${u.reason}`);
      }
    }
    return corruptIf(!results.every((r) => r.ok));
  } finally {
    await closeAll(copies.destinations);
  }
}

async function verifierKitCommand(ctx: Ctx, o: CopyOpts & { out?: string }): Promise<Outcome | void> {
  const cfg = await loadConfig(ctx, o);
  const anchors: Uint8Array[] = [];
  for (const f of [...(o.trust ?? []).map((x) => resolve(ctx.io.cwd, x)), ...cfg.seal.trust.map((x) => resolve(configDir(cfg, ctx), x))]) {
    for (const c of parseCertificates(await readInputFile(f))) anchors.push(c.der);
  }
  const out = o.out !== undefined ? resolve(ctx.io.cwd, o.out) : `${cfg.path}.kit-verification.txt`;
  await writeFile(out, verifierKitText(kitOf(cfg, anchors, new Date())), { mode: 0o644 });
  if (ctx.json) ctx.emitJson({ ok: true, file: out, repository: cfg.repository.id, signers: cfg.seal.signers ?? [], trustAnchors: anchors.length });
  else ctx.line(ctx.t('backup.verifierKit', { file: out, anchors: anchors.length, signers: (cfg.seal.signers ?? []).join(', ') || '—' }));
  if (anchors.length === 0 && !ctx.json) ctx.log(ctx.t('backup.initWarn.no-trust'));
  return;
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('encrypted, deduplicated, sealed 3-2-1 backups (init, run, status, list, verify, restore, drill, prune, repair, verifier-kit, schedule)');
  const withConfig = (c: Command): Command => c.option('--config <file>', 'the backup config written by init (default ./scelle-backup.conf, ~/.config/scelle/scelle-backup.conf, or SCELLE_BACKUP_CONFIG)');

  withConfig(backup.command('init'))
    .description('create every destination and the repository on it, the commented config and the recovery kit; the new passphrase is typed twice')
    .option('--source <dir>', 'a folder to back up (repeatable)', collect, [])
    .option('--target <name=url>', 'a destination NAME=URL[;options] (repeatable)', collect, [])
    .option('--destination <name=url>', 'the same as --target', collect, [])
    .option('--pass-file <file>', 'read the new passphrase from this file (or SCELLE_PASSWORD, or a prompt: typed twice)')
    .option('--identity <file.p12>', 'practice identity that signs the seals (strongly advised: without it the seals are not signed)')
    .option('--key <file>', 'or a key file for the seals (with --cert)')
    .option('--cert <file>', 'certificate for --key')
    .option('--identity-pass-file <file>', 'the identity\'s password (or SCELLE_IDENTITY_PASSWORD, or a prompt)')
    .option('--tsa <url>', 'time-stamp every seal with this TSA')
    .option('--trust <file>', 'trust anchors to verify seals (repeatable; also copied into the kits)', collect, [])
    .option('--crl <file>', 'CRL for the sealing certificate (recorded in the config; repeatable)', collect, [])
    .option('--encryption-cert <file>', 'an encryption certificate that may also open the repository (repeatable)', collect, [])
    .addOption(new Option('--kdf-log-n <n>', 'scrypt cost as log2(N) (default 17 = 128 MiB; lower values only for demos and tests)'))
    .action(action(async (ctx: Ctx, o: InitOpts) => initCommand(ctx, o)));

  withConfig(backup.command('run'))
    .description('back up the sources to every usable destination (a missing destination is never created, unless --create)')
    .option('--pass-file <file>', 'password of the seal identity (or SCELLE_PASSWORD, or a prompt)')
    .option('--identity-pass-file <file>', 'the same, when --pass-file is used for something else')
    .option('--workers <n>', 'worker threads (default: the number of cores, at most 4)')
    .option('--create', 'create destinations that do not exist yet, and make empty ones copies')
    .option('--journal <archive>', 'record the run in this archive’s journal (scelle archive)')
    .action(action(async (ctx: Ctx, o: CopyOpts & { workers?: string; create?: boolean; identityPassFile?: string; journal?: string }) => runCommand(ctx, o)));

  withConfig(backup.command('status'))
    .description('the 3-2-1 table per destination (newest snapshot, seal chain, damage), the rules, the next backup and the schedule; exit 1 when a rule is broken')
    .option('--at <iso-8601>', 'evaluate as of this time')
    .action(action(async (ctx: Ctx, o: CopyOpts & { at?: string }) => statusCommand(ctx, o)));

  registerReadCommands(backup);

  withCopyOptions(backup.command('prune'), true)
    .description('delete snapshots the policy does not keep, and the data only they used (locked objects are left alone)')
    .option('--dry-run', 'say what would be deleted')
    .option('--identity-pass-file <file>', 'password of the seal identity, to sign the prune seal (or SCELLE_IDENTITY_PASSWORD, or a prompt)')
    .action(action(async (ctx: Ctx, o: CopyOpts & { dryRun?: boolean; identityPassFile?: string }) => pruneCommand(ctx, o)));

  withConfig(backup.command('repair'))
    .description('put back missing or damaged objects and seals of a destination from the other destinations (and this computer\'s seal copies), checked by hash before and after')
    .option('--dest <name>', 'repair only this destination')
    .action(action(async (ctx: Ctx, o: CopyOpts) => repairCommand(ctx, o)));

  withConfig(backup.command('verifier-kit'))
    .description('write the verifier kit: repository id, destinations, expected signer, trust anchors — no key; what a vendor needs to check copies')
    .option('--out <file>', 'where to write it (default <config>.kit-verification.txt)')
    .option('--trust <file>', 'trust anchors to put in it (default: confiance= of the config)', collect, [])
    .action(action(async (ctx: Ctx, o: CopyOpts & { out?: string }) => verifierKitCommand(ctx, o)));

  registerScheduleCommand(backup);
}
