/**
 * `scelle backup list|verify|restore|drill`: the commands that read copies. Each works from the
 * config, or with `--from URL` and the recovery kit (or a verifier kit) alone — the day the
 * practice's computer is gone. Thin: options → library → render.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  ScelleError, listSnapshots, verifyWithoutKey, verifyRepository, restoreSnapshot, drillRestore,
  readBackupConfig, type VerifyReport, type ConfiguredDestination, type KnownHead, type Chain, type MasterSecret,
} from '../../src/index.js';
import { readChain, witnessedHeads, updateState, stateDirOf, prewarmReadPool } from '../../src/internal.js';
import { action } from '../action.js';
import { recordInJournal } from './journal.js';
import type { Ctx } from '../context.js';
import {
  closeAll, collect, duration, expectations, expectedName, firstReachable, localDate, mib, openCopies, readKitFile, sealTrust, unlockAhead, configPath,
  type Copies, type CopyOpts,
} from './backup-common.js';
import { corruptIf, negativeIf, outcome, type Outcome } from '../outcome.js';
import { scelleBin } from '../self.js';

/** `--config`, `--from`, `--dest` and the unlock options. */
export function withCopyOptions(c: Command, unlock: boolean): Command {
  c.option('--config <file>', 'the backup config written by init (default ./scelle-backup.conf, ~/.config/scelle/scelle-backup.conf, or SCELLE_BACKUP_CONFIG)')
    .option('--from <url|name>', 'a destination URL (or NAME=URL;options, or a destination name of the kit): work without any config, with --recovery-file or --verifier-kit')
    .option('--repository <id>', 'the repository the copy must hold (the kit gives it)')
    .option('--dest <name>', 'only this destination of the config');
  if (unlock) {
    c.option('--pass-file <file>', 'read the repository passphrase from this file (or SCELLE_PASSWORD, or a prompt)')
      .option('--recovery-file <file>', 'the recovery kit (.txt, as init wrote it) or a file with the recovery key')
      .option('--unlock-identity <file.p12>', 'open the repository with this encryption certificate\'s key (password as --pass-file)');
  }
  return c;
}

/** `--trust`, `--crl`, `--online`: what the seal signatures are checked against. */
export function withTrustOptions(c: Command): Command {
  return c.option('--trust <file>', 'trust anchors for the seal signatures (repeatable; default: confiance= of the config, or the kit)', collect, [])
    .option('--crl <file>', 'CRL for the sealing certificate and the TSA (repeatable; default: revocation= of the config)', collect, [])
    .option('--online', 'fetch revocation data online (CRL distribution points, OCSP)');
}

function sealLine(ctx: Ctx, s: { status: string; reason?: string; signer?: string; timestamp?: string }): string {
  if (s.status === 'valid') return ctx.t('backup.sealValid', { signer: s.signer ?? '?', timestamp: s.timestamp ? localDate(ctx, s.timestamp) : ctx.t('backup.noTimestamp') });
  if (s.status === 'not-checked' && s.reason !== undefined) return ctx.t('backup.sealIndeterminate', { signer: s.signer ?? '?', reason: s.reason });
  return ctx.t(s.status === 'unsigned' ? 'backup.sealUnsignedWarn' : 'backup.sealNotChecked');
}

/** Lists the sealed snapshots of one copy (no key needed; the kit or --repository binds it). */
async function listCommand(ctx: Ctx, o: CopyOpts): Promise<Outcome> {
  const copies = await openCopies(ctx, o);
  try {
    const t = await firstReachable(copies);
    const name = expectedName(copies, t, o.from);
    const { snapshots, chain, repository } = await listSnapshots(t.destination, { ...(copies.repository ? { repository: copies.repository } : {}), ...(name ? { destination: name } : {}) });
    if (ctx.json) ctx.emitJson({ ok: true, destination: t.spec.name, repository, head: chain.head ? { sequence: chain.head.seal.sequence, time: chain.head.seal.time } : null, snapshots, problems: chain.problems });
    else {
      for (const s of snapshots) ctx.line(`${s.snapshot.slice(0, 12)}  ${localDate(ctx, s.time).padEnd(17)}  ${String(s.files).padStart(7)} ${ctx.t('backup.files')}  ${mib(s.bytes).padStart(12)}  ${s.host}`);
      if (snapshots.length === 0) ctx.line(ctx.t('backup.noSnapshot', { target: t.spec.name }));
      for (const p of chain.problems) ctx.log(`  [${p.code}] ${p.message}`);
    }
    return negativeIf(chain.problems.length > 0);
  } finally {
    await closeAll(copies.destinations);
  }
}

/** Heads other copies' seals witnessed for each copy (so one copy reveals another's rollback). */
async function crossWitnesses(copies: Copies, reachable: ConfiguredDestination[]): Promise<Map<string, KnownHead[]>> {
  const out = new Map<string, KnownHead[]>();
  if (copies.repository === undefined || reachable.length < 2) return out;
  const chains: { name: string; chain: Chain }[] = [];
  for (const t of reachable) {
    const c = await readChain(t.destination, { repository: copies.repository, destination: t.spec.name }).catch(() => undefined);
    if (c !== undefined) chains.push({ name: t.spec.name, chain: c });
  }
  for (const t of reachable) out.set(t.spec.name, witnessedHeads(t.spec.name, chains));
  return out;
}

function renderVerify(ctx: Ctx, r: VerifyReport): void {
  const key = r.verdict === 'ok' ? 'backup.verifyOk' : r.verdict === 'negative' ? 'backup.verifyBad' : r.verdict === 'unsigned' ? 'backup.verifyUnsigned' : 'backup.verifyNotChecked';
  ctx.line(ctx.t(key, { target: r.destination, mode: ctx.t(`backup.mode.${r.mode}`), seals: r.seals, snapshots: r.snapshots, objects: r.objects, bytes: mib(r.bytesRead), problems: r.problems.length }));
  if (r.newest) ctx.line(ctx.t('backup.newest', { snapshot: r.newest.snapshot.slice(0, 12), time: localDate(ctx, r.newest.time), timestamp: r.newest.timestamp ? localDate(ctx, r.newest.timestamp) : ctx.t('backup.noTimestamp'), sequence: r.head?.sequence ?? 0 }));
  const signers = [...new Set(r.signatures.filter((s) => s.ok).map((s) => s.signer ?? '?'))];
  if (signers.length > 0) ctx.line(ctx.t('backup.sealsSignedBy', { signers: signers.join(', ') }));
  for (const p of r.problems) ctx.line(`  [${p.code}] ${p.object !== undefined && !p.message.startsWith(p.object) ? `${p.object}: ` : ''}${p.message}`);
  if (!ctx.quiet) for (const n of r.notes) ctx.log(`  (${n.code}) ${n.message}`);
}

type VerifyOpts = CopyOpts & { readData?: boolean; key?: boolean; requireSignature?: boolean; expectAfter?: string };

/** Verifies every reachable copy (or the one chosen); records each verdict in the local state. */
async function verifyCommand(ctx: Ctx, o: VerifyOpts): Promise<Outcome> {
  if (o.from === undefined && o.verifierKit !== undefined) {
    const k = await readKitFile(ctx, o.verifierKit);
    if (k.kind !== 'key') o = { ...o, repository: o.repository ?? k.kit.repository };
  }
  const copies = await openCopies(ctx, o);
  const reports: VerifyReport[] = [];
  try {
    const reachable: ConfiguredDestination[] = [];
    if (o.from !== undefined || o.dest !== undefined) reachable.push(await firstReachable(copies));
    else for (const t of copies.destinations) if ((await t.destination.probe().catch(() => ({ online: false }))).online) reachable.push(t);
    if (reachable.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable', { hint: 'plug in a backup drive or check the network' });
    const witnessed = await crossWitnesses(copies, reachable);
    let master: Promise<MasterSecret> | undefined;
    for (const t of reachable) {
      const e = await expectations(ctx, o, copies, t);
      const known = [...(e.known ?? []), ...(witnessed.get(t.spec.name) ?? [])];
      const expect = { ...e, known };
      if (o.key === false) reports.push(await verifyWithoutKey(t.destination, expect));
      else {
        if (master === undefined && o.readData === true) prewarmReadPool();
        // the keyless checks run while the key is derived; its error (a wrong passphrase) wins
        master ??= unlockAhead(ctx, o, t, copies.repository);
        const report = await verifyRepository(t.destination, { ...expect, master, readData: o.readData === true });
        await master;
        reports.push(report);
      }
    }
  } finally {
    await closeAll(copies.destinations);
  }
  if (copies.stateDir !== undefined) await recordChecks(copies.stateDir, reports, o.key === false ? 'verify --no-key' : o.readData ? 'verify --read-data' : 'verify');
  if (ctx.json) ctx.emitJson({ ok: reports.every((r) => r.ok), reports });
  else for (const r of reports) renderVerify(ctx, r);
  return verifyOutcome(reports, o.requireSignature === true);
}

/**
 * Success when every verdict is ok (or only unsigned, unless a signature is required); damage
 * found is corruption, anything else negative.
 */
function verifyOutcome(reports: VerifyReport[], requireSignature: boolean): Outcome {
  const fine = reports.every((r) => r.verdict === 'ok' || (r.verdict === 'unsigned' && !requireSignature));
  if (fine) return outcome([]);
  const codes = reports.flatMap((r) => r.problems.map((p) => p.code));
  return outcome([codes.some((c) => c === 'OBJECT_CORRUPT' || c === 'OBJECT_MISSING' || c === 'REPO_CORRUPT' || c === 'KEY_SLOT_CORRUPT') ? 'corrupt' : 'negative']);
}

async function recordChecks(stateDir: string, reports: VerifyReport[], command: string): Promise<void> {
  await updateState(stateDir, (s) => {
    for (const r of reports) {
      const damage = r.problems.filter((p) => p.code !== 'SEAL_INVALID' || r.signature !== 'not-checked');
      s.destinations[r.destination] = { ...s.destinations[r.destination], lastCheck: { time: new Date().toISOString(), ok: damage.length === 0, problems: damage.length, codes: [...new Set(damage.map((p) => p.code))], command } };
    }
  });
}

/** The default restore folder: `Restauration-YYYY-MM-DD` in the current folder. */
function defaultTo(ctx: Ctx): string {
  return resolve(ctx.io.cwd, `${ctx.lang === 'fr' ? 'Restauration' : 'Restore'}-${new Date().toISOString().slice(0, 10)}`);
}

/** The seal's trust settings; if they fail while the key is being derived, the key's error (a wrong passphrase) is reported first. */
function sealTrustOrKeyError(ctx: Ctx, o: CopyOpts, copies: Copies, master: Promise<unknown>): ReturnType<typeof sealTrust> {
  return sealTrust(ctx, o, copies).catch(async (e: unknown) => {
    await master;
    throw e;
  });
}

/** Restores from one copy: the config's, or `--from URL` with the kit alone. */
async function restoreCommand(ctx: Ctx, snapshot: string | undefined, o: CopyOpts & { to?: string; path?: string; force?: boolean; journal?: string }): Promise<Outcome> {
  const copies = await openCopies(ctx, o);
  try {
    const t = await firstReachable(copies);
    const name = expectedName(copies, t, o.from);
    prewarmReadPool(); // its workers start while the key is derived
    // …and the trust, the lock, the chain and the seal are checked meanwhile (restoreSnapshot)
    const master = unlockAhead(ctx, o, t, copies.repository);
    const seal = await sealTrustOrKeyError(ctx, o, copies, master);
    const r = await restoreSnapshot(t.destination, {
      master, to: o.to !== undefined ? resolve(ctx.io.cwd, o.to) : defaultTo(ctx), seal,
      ...(copies.repository ? { repository: copies.repository } : {}), ...(name ? { destination: name } : {}),
      ...(snapshot ? { snapshot } : {}), ...(o.path ? { path: o.path } : {}), ...(o.force ? { force: true } : {}),
    });
    if (o.journal !== undefined) await recordInJournal(ctx, o.journal, { operation: 'backup.restore', object: { kind: 'snapshot', id: r.snapshot }, details: { files: String(r.files), bytes: String(r.bytes), from: t.spec.name, problems: String(r.problems.length) } });
    if (ctx.json) ctx.emitJson({ ok: r.problems.length === 0, ...r });
    else {
      ctx.line(ctx.t('backup.restored', { files: r.files, bytes: mib(r.bytes), snapshot: r.snapshot.slice(0, 12), time: localDate(ctx, r.time), to: r.to, repository: r.repository, target: r.destination }));
      ctx.line(sealLine(ctx, r.seal));
      for (const p of r.problems) ctx.line(`  [${p.code}] ${p.path}: ${p.message}`);
    }
    return corruptIf(r.problems.length > 0);
  } finally {
    await closeAll(copies.destinations);
  }
}

/** The restore drill from the config, from `--from` + kit, or rehearsed from the kit alone (`--from-kit`). */
async function drillCommand(ctx: Ctx, o: CopyOpts & { fromKit?: string | boolean }): Promise<Outcome> {
  if (o.fromKit !== undefined) return drillFromKit(ctx, o);
  const copies = await openCopies(ctx, o);
  try {
    const t = await firstReachable(copies);
    const name = expectedName(copies, t, o.from);
    prewarmReadPool(); // its workers start while the key is derived
    const master = unlockAhead(ctx, o, t, copies.repository);
    const seal = await sealTrustOrKeyError(ctx, o, copies, master);
    const r = await drillRestore(t.destination, {
      master, seal, ...(copies.stateDir ? { stateDir: copies.stateDir } : {}),
      ...(copies.repository ? { repository: copies.repository } : {}), ...(name ? { destination: name } : {}),
    });
    if (ctx.json) ctx.emitJson({ ...r, destination: t.spec.name });
    else {
      ctx.line(ctx.t(r.ok ? 'backup.drillOk' : 'backup.drillBad', { files: r.files, bytes: mib(r.bytes), snapshot: r.snapshot.slice(0, 12), target: t.spec.name, time: duration(r.durationMs) }));
      ctx.line(sealLine(ctx, r.seal));
      for (const p of r.problems) ctx.line(`  [${p.code}] ${p.path}: ${p.message}`);
    }
    return corruptIf(!r.ok);
  } finally {
    await closeAll(copies.destinations);
  }
}

/**
 * Rehearses the disaster: for each destination of the kit (or `--dest`), runs
 * `scelle backup drill --from SPEC --recovery-file KIT` as a new process, from an empty HOME, an
 * empty folder and no config — exactly what the practitioner would type on a new computer.
 */
async function drillFromKit(ctx: Ctx, o: CopyOpts & { fromKit?: string | boolean }): Promise<Outcome> {
  const cfgPath = await configPath(ctx, o);
  const kitPath = typeof o.fromKit === 'string' ? resolve(ctx.io.cwd, o.fromKit) : `${cfgPath}.kit-recuperation.txt`;
  const parsed = await readKitFile(ctx, kitPath);
  if (parsed.kind !== 'recovery') throw new ScelleError('USAGE', `${kitPath} is not a recovery kit (the .txt file init wrote)`, { params: { detail: kitPath } });
  const chosen = parsed.kit.destinations.filter((d) => o.dest === undefined || d.name === o.dest);
  const home = await mkdtemp(join(tmpdir(), 'scelle-kit-drill-'));
  const results: { destination: string; ok: boolean; exit: number; output: unknown }[] = [];
  try {
    for (const d of chosen) {
      const r = await runIsolated(['backup', 'drill', '--json', '--from', d.spec, '--recovery-file', kitPath], home, ctx);
      results.push({ destination: d.name, ok: r.code === 0, exit: r.code, output: r.json });
      if (!ctx.json) ctx.line(ctx.t(r.code === 0 ? 'backup.kitDrillOk' : 'backup.kitDrillBad', { target: d.name, files: (r.json as { files?: number })?.files ?? 0, code: r.code, detail: (r.json as { error?: { message?: string } })?.error?.message ?? '' }));
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const ok = results.length > 0 && results.some((r) => r.ok);
  const cfg = await readBackupConfig(cfgPath).catch(() => undefined);
  if (cfg?.path !== undefined) {
    await updateState(stateDirOf(cfg.path), (s) => { s.lastDrill = { time: new Date().toISOString(), snapshot: '', files: 0, ok, fromKit: true }; });
  }
  if (ctx.json) ctx.emitJson({ ok, kit: kitPath, results });
  // every copy restored: success; some: a failure to look at; none: the backups cannot be recovered
  return outcome([results.every((r) => r.ok) && results.length > 0 ? false : ok ? 'failed' : 'corrupt']);
}

/** Runs scelle as a new process with an empty HOME and folder, no config, no inherited secrets. */
function runIsolated(args: string[], home: string, ctx: Ctx): Promise<{ code: number; json: unknown }> {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE'];
  const env: Record<string, string> = { HOME: home };
  for (const k of keep) if (ctx.io.env[k] !== undefined) env[k] = ctx.io.env[k]!;
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [scelleBin(), ...args], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.resume();
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(out);
      } catch {
        json = undefined;
      }
      resolvePromise({ code: code ?? 1, json });
    });
  });
}

export function registerReadCommands(backup: Command): void {
  withCopyOptions(backup.command('list'), true)
    .description('the sealed snapshots of a destination (no key needed; --from URL with the kit when there is no config)')
    .action(action(async (ctx: Ctx, o: CopyOpts) => listCommand(ctx, o)));

  withTrustOptions(withCopyOptions(backup.command('verify'), true))
    .description('check copies: structure; --read-data decrypts and authenticates everything; --no-key checks the repository, the chain of seals and every object\'s SHA-256 without any key')
    .option('--read-data', 'read every pack, decrypt and authenticate every chunk')
    .option('--no-key', 'no key at all: repository, seal chain, signatures, time-stamps and every object\'s SHA-256')
    .option('--verifier-kit <file>', 'the verifier kit (`backup verifier-kit`): repository, destinations, signer, trust anchors')
    .option('--require-signature', 'unsigned seals are a negative verdict (exit 3)')
    .option('--expect-after <iso-8601>', 'the newest seal must be at least this recent (a copy rolled back to an older state is caught)')
    .action(action(async (ctx: Ctx, o: VerifyOpts) => verifyCommand(ctx, o)));

  withTrustOptions(withCopyOptions(backup.command('restore'), true))
    .description('restore a snapshot (default the latest) or one path of it into a new folder; with --from URL and --recovery-file KIT, from the kit alone')
    .argument('[snapshot]', 'snapshot name or prefix (default: latest)')
    .option('--to <dir>', 'folder to restore into, new or empty (default: Restauration-DATE here)')
    .option('--path <p>', 'only this file or folder of the snapshot')
    .option('--force', 'write into a non-empty folder, replacing files')
    .option('--journal <archive>', 'record the restore in this archive’s journal (scelle archive)')
    .action(action(async (ctx: Ctx, snapshot: string | undefined, o: CopyOpts & { to?: string; path?: string; force?: boolean; journal?: string }) => restoreCommand(ctx, snapshot, o)));

  withTrustOptions(withCopyOptions(backup.command('drill'), true))
    .description('restore test: restore the latest snapshot to a temp folder, compare with the snapshot\'s hashes, record the date; --from-kit rehearses a restore from the recovery kit alone')
    .option('--from-kit [kit]', 'rehearse from the recovery kit alone (default <config>.kit-recuperation.txt), in a new process with an empty HOME')
    .action(action(async (ctx: Ctx, o: CopyOpts & { fromKit?: string | boolean }) => drillCommand(ctx, o)));
}

