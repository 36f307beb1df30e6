/**
 * What the `backup` commands share: where the config is, which copies a command works on (the
 * config's destinations, or `--from` with a kit when the computer is gone), how the repository is
 * opened, whom the seals must be signed by, progress, interruption.
 */
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  ScelleError, readBackupConfig, openConfiguredDestinations, openDestination, unlockRepository,
  parseCertificates, parseCrls, loadPkcs12Identity, loadKeyAndCertIdentity, selectCertificate,
  requestTimestamp, type BackupConfig, type ConfiguredDestination, type MasterSecret, type Unlock,
  type X509Cert, type Crl, type Kit, type LockOwner, type SealSigning, type Identity, type CopyExpectations,
  type VerifySealOptions,
} from '../../src/index.js';
import {
  parseDestinationUrl, parseKit, type ParsedKit, defaultConfigPath, readInputFile, stateDirOf, readState,
} from '../../src/internal.js';
import type { Ctx } from '../context.js';
import { parseAt, passwordReader } from '../options.js';
import { readSecret } from '../secrets.js';

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Options of the unlock and copy-selection families. */
export interface CopyOpts {
  config?: string;
  dest?: string;
  from?: string;
  repository?: string;
  verifierKit?: string;
  passFile?: string;
  recoveryFile?: string;
  unlockIdentity?: string;
  trust?: string[];
  crl?: string[];
  online?: boolean;
}

/** The absolute config path: `--config`, else SCELLE_BACKUP_CONFIG, ./scelle-backup.conf or ~/.config/scelle/…. */
export async function configPath(ctx: Ctx, o: { config?: string }): Promise<string> {
  return o.config !== undefined ? resolve(ctx.io.cwd, o.config) : defaultConfigPath(ctx.io.env, ctx.io.cwd);
}

export async function loadConfig(ctx: Ctx, o: { config?: string }): Promise<BackupConfig> {
  return readBackupConfig(await configPath(ctx, o));
}

/** This process, for lock files (a dead process's lock is taken over). */
export function owner(): LockOwner {
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

export async function closeAll(ts: ConfiguredDestination[]): Promise<void> {
  for (const t of ts) await t.destination.close().catch(() => undefined);
}

/** The kit given by `--recovery-file` (a recovery kit or a bare key) or `--verifier-kit`. */
export async function readKitFile(ctx: Ctx, path: string): Promise<ParsedKit> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.io.cwd, path), 'utf8');
  } catch (e) {
    throw new ScelleError('FILE_NOT_FOUND', `cannot read ${path}`, { cause: e, params: { file: path } });
  }
  return parseKit(text);
}

/** Which copies a command works on, and what they must be. */
export interface Copies {
  destinations: ConfiguredDestination[];
  cfg?: BackupConfig;
  kit?: Kit;
  repository?: string;
  stateDir?: string;
}

/**
 * `--from SPEC` (a URL, `NAME=URL;options`, or a destination name of the kit) opens one copy
 * without any config; otherwise the config's destinations (`--dest` keeps one).
 * @throws ScelleError USAGE (unknown --dest or kit name), CONFIG_INVALID, FILE_NOT_FOUND.
 */
export async function openCopies(ctx: Ctx, o: CopyOpts): Promise<Copies> {
  const kitFile = o.recoveryFile ?? o.verifierKit;
  const parsed = kitFile !== undefined ? await readKitFile(ctx, kitFile) : undefined;
  const kit = parsed !== undefined && parsed.kind !== 'key' ? parsed.kit : undefined;
  if (o.from !== undefined) {
    const spec = specFromKit(o.from, kit);
    const d = await openDestination(spec, { env: ctx.io.env });
    const repository = o.repository ?? kit?.repository;
    return { destinations: [{ spec: parseDestinationUrl(spec), destination: d }], ...(kit ? { kit } : {}), ...(repository ? { repository } : {}) };
  }
  const cfg = await loadConfig(ctx, o);
  if (o.repository !== undefined && o.repository !== cfg.repository.id) throw new ScelleError('REPO_MISMATCH', `the config is for repository ${cfg.repository.id}, not ${o.repository}`, { params: { repository: cfg.repository.id } });
  const all = await openConfiguredDestinations(cfg, { env: ctx.io.env });
  let destinations = all;
  if (o.dest !== undefined) {
    destinations = all.filter((x) => x.spec.name === o.dest);
    if (destinations.length === 0) {
      await closeAll(all);
      throw new ScelleError('USAGE', `no destination named ${o.dest} in the config (${all.map((x) => x.spec.name).join(', ')})`, { params: { detail: `unknown destination ${o.dest}` } });
    }
    await closeAll(all.filter((x) => x.spec.name !== o.dest));
  }
  return { destinations, cfg, repository: cfg.repository.id, ...(cfg.path ? { stateDir: stateDirOf(cfg.path) } : {}), ...(kit ? { kit } : {}) };
}

/** A `--from` value: a kit destination's name, a URL that matches a kit destination, or a spec. */
function specFromKit(from: string, kit: Kit | undefined): string {
  const byName = kit?.destinations.find((d) => d.name === from);
  if (byName !== undefined) return byName.spec;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(from) && !from.includes('=')) {
    throw new ScelleError('USAGE', `--from ${from}: not a URL, and no destination of that name in the kit${kit ? ` (${kit.destinations.map((d) => d.name).join(', ')})` : ''}`, { params: { detail: `--from ${from}` } });
  }
  if (kit !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
    // a bare URL: the kit's destination at that URL gives its name (the seals must name it)
    const url = parseDestinationUrl(from).url;
    const match = kit.destinations.find((d) => parseDestinationUrl(d.spec).url === url);
    if (match !== undefined) return `${match.name}=${from}`;
  }
  return from;
}

/** The first reachable copy (`--dest`/`--from` chose one already). */
export async function firstReachable(copies: Copies): Promise<ConfiguredDestination> {
  const reasons: string[] = [];
  for (const t of copies.destinations) {
    const p = await t.destination.probe().catch((e: unknown) => ({ online: false as const, reason: (e as Error).message }));
    if (p.online) return t;
    reasons.push(`${t.spec.name}: ${p.reason}`);
  }
  if (copies.destinations.length === 1) {
    const t = copies.destinations[0]!;
    throw new ScelleError('TARGET_OFFLINE', `destination "${t.spec.name}" is not reachable: ${reasons[0]}`, { params: { target: t.spec.name, detail: reasons[0] ?? '' } });
  }
  throw new ScelleError('TARGET_OFFLINE', `no backup destination is reachable (${reasons.join('; ')})`, { hint: 'plug in a backup drive or check the network' });
}

/** The destination name a copy's seals must give (unknown for a bare `--from URL`). */
export function expectedName(copies: Copies, t: ConfiguredDestination, from: string | undefined): string | undefined {
  if (from === undefined) return t.spec.name;
  return copies.kit?.destinations.some((d) => d.name === t.spec.name) || from.includes('=') ? t.spec.name : undefined;
}

/**
 * {@link unlockWith} started now and not awaited, so that the keyless checks of a restore or a
 * verify run while scrypt derives the key (~0.6 s). The promise is marked handled at once: its
 * error (a wrong passphrase) reaches whoever awaits it, never the process as an unhandled rejection.
 */
export function unlockAhead(ctx: Ctx, o: CopyOpts, t: ConfiguredDestination, repository: string | undefined): Promise<MasterSecret> {
  const master = unlockWith(ctx, o, t, repository);
  master.catch(() => undefined);
  return master;
}

/** Opens the repository with the kit's recovery key, a recovery file, a certificate, or the passphrase. */
export async function unlockWith(ctx: Ctx, o: CopyOpts, t: ConfiguredDestination, repository: string | undefined): Promise<MasterSecret> {
  let unlock: Unlock;
  if (o.recoveryFile !== undefined) {
    const k = await readKitFile(ctx, o.recoveryFile);
    const key = k.kind === 'key' ? k.recoveryKey : k.kit.recoveryKey;
    if (key === undefined) throw new ScelleError('WRONG_KEY', `${o.recoveryFile} is a verifier kit: it holds no recovery key`, { params: { file: o.recoveryFile } });
    unlock = { recoveryKey: key };
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
  return (await unlockRepository(t.destination, unlock, repository !== undefined ? { repository } : {})).master;
}

async function readCerts(paths: string[], base: string): Promise<X509Cert[]> {
  const out: X509Cert[] = [];
  for (const p of paths) out.push(...parseCertificates(await readInputFile(resolve(base, p))));
  return out;
}

async function readCrlFiles(paths: string[], base: string): Promise<Crl[]> {
  const out: Crl[] = [];
  for (const p of paths) out.push(...parseCrls(await readInputFile(resolve(base, p))));
  return out;
}

export function configDir(cfg: BackupConfig | undefined, ctx: Ctx): string {
  return cfg?.path ? resolve(cfg.path, '..') : ctx.io.cwd;
}

/** Trust anchors, CRLs and expected signers: options, then the config, then the kit. */
export async function sealTrust(ctx: Ctx, o: CopyOpts, copies: Copies): Promise<VerifySealOptions> {
  const base = configDir(copies.cfg, ctx);
  const trustAnchors = [
    ...await readCerts(o.trust ?? [], ctx.io.cwd),
    ...await readCerts(copies.cfg?.seal.trust ?? [], base),
    ...(copies.kit?.trustAnchors ?? []).flatMap((der) => parseCertificates(der)),
  ];
  const crls = [...await readCrlFiles(o.crl ?? [], ctx.io.cwd), ...await readCrlFiles(copies.cfg?.seal.crls ?? [], base)];
  const expectedSigners = [...(copies.cfg?.seal.signers ?? []), ...(copies.kit?.signers ?? [])];
  return { trustAnchors, ...(crls.length > 0 ? { crls } : {}), ...(o.online ? { online: true } : {}), ...(expectedSigners.length > 0 ? { expectedSigners } : {}) };
}

/** What a check of copy `t` must find (repository, name, trust, heads seen by this computer). */
export async function expectations(ctx: Ctx, o: CopyOpts & { requireSignature?: boolean; expectAfter?: string }, copies: Copies, t: ConfiguredDestination): Promise<CopyExpectations> {
  const trust = await sealTrust(ctx, o, copies);
  const name = expectedName(copies, t, o.from);
  const state = copies.stateDir !== undefined ? await readState(copies.stateDir) : undefined;
  const head = name !== undefined ? state?.destinations[name]?.head : undefined;
  const after = parseAt(o.expectAfter, ctx);
  return {
    ...trust,
    ...(copies.repository !== undefined ? { repository: copies.repository } : {}),
    ...(name !== undefined ? { destination: name } : {}),
    ...(o.requireSignature ? { requireSignature: true } : {}),
    ...(head !== undefined ? { known: [{ ...head, source: 'the local journal' }] } : {}),
    ...(after !== undefined ? { expectAfter: after } : {}),
  };
}

/** The identity that signs the seals (config [sceau]), its password from `--pass-file`/SCELLE_PASSWORD or `--identity-pass-file`/SCELLE_IDENTITY_PASSWORD. */
export async function sealSigning(ctx: Ctx, cfg: BackupConfig, o: { passFile?: string; identityPassFile?: string }, separate: boolean): Promise<{ signing?: SealSigning; identity?: Identity }> {
  const base = configDir(cfg, ctx);
  const password = separate || o.identityPassFile !== undefined
    ? () => readSecret({ ...(o.identityPassFile !== undefined ? { file: o.identityPassFile } : {}), envVar: 'SCELLE_IDENTITY_PASSWORD', promptKey: 'prompt.identityPassword', missingCode: 'PASSWORD_REQUIRED' }, ctx.io, ctx.t)
    : passwordReader(ctx, o.passFile);
  let identity: Identity | undefined;
  if (cfg.seal.identity !== undefined) {
    identity = loadPkcs12Identity(await readInputFile(resolve(base, cfg.seal.identity)), await password(), { name: cfg.seal.identity });
  } else if (cfg.seal.key !== undefined && cfg.seal.cert !== undefined) {
    identity = await loadKeyAndCertIdentity(await readInputFile(resolve(base, cfg.seal.key)), await readInputFile(resolve(base, cfg.seal.cert)), { keyName: cfg.seal.key, certName: cfg.seal.cert, password });
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

/** Aborts on SIGINT/SIGTERM (the run stops cleanly; exit 130). */
export function abortOnSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const on = (): void => ac.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return { signal: ac.signal, dispose: () => { process.removeListener('SIGINT', on); process.removeListener('SIGTERM', on); } };
}

export function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A date for the practitioner: local time, French or English. */
export function localDate(ctx: Ctx, iso: string | undefined): string {
  if (iso === undefined) return ctx.t('backup.never');
  const d = new Date(iso);
  return d.toLocaleString(ctx.lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
}
