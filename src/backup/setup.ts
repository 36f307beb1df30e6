/**
 * The backup setup as the CLI and the demo use it: a config file, its destinations, its state.
 * `initBackup` creates everything (and says what the configuration already lacks);
 * `openConfiguredDestinations` opens the destinations of a config.
 */
import { stat } from 'node:fs/promises';
import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Destination } from './destination/destination.js';
import { formatDestinationSpec, openDestination, parseDestinationUrl, type OpenDestinationContext, type ParsedDestination } from './destination/index.js';
import { formatBackupConfig, stateDirOf, type BackupConfig } from './config.js';
import { recoveryKitHtml, recoveryKitText, type Kit } from './kit.js';
import { formatRecoveryKey } from './keys.js';
import { DEFAULT_POLICY, type BackupPolicy } from './policy.js';
import { initRepository, type InitRepositoryOptions } from './repository.js';
import { updateState } from './state.js';

/** A destination of a config, opened. */
export interface ConfiguredDestination {
  spec: ParsedDestination;
  destination: Destination;
}

/** Opens every destination of a config (nothing is contacted yet). */
export async function openConfiguredDestinations(cfg: BackupConfig, context: OpenDestinationContext = {}): Promise<ConfiguredDestination[]> {
  const out: ConfiguredDestination[] = [];
  for (const s of cfg.destinations) {
    const spec = parseDestinationUrl(s);
    out.push({ spec, destination: await openDestination(spec, context) });
  }
  return out;
}

/** Options of {@link initBackup}. */
export interface InitBackupOptions {
  /** Where to write the config (must not exist). */
  configPath: string;
  sources: string[];
  /** `NAME=URL;options`. */
  destinations: string[];
  passphrase: string;
  /** scrypt cost (log2 N); default 17. Lower only for a demo or tests. */
  kdfLogN?: number;
  certificates?: InitRepositoryOptions['certificates'];
  policy?: Partial<BackupPolicy>;
  seal?: BackupConfig['seal'];
  /** The trust anchors (DER) to put in the recovery kit, so the seals can be checked from it. */
  trustAnchors?: Uint8Array[];
  context?: OpenDestinationContext;
  clock?: () => Date;
}

/** What the configuration lacks, said at `init` (stable names; the CLI words them). */
export type InitWarning =
  | { kind: 'no-identity' }
  | { kind: 'no-trust' }
  | { kind: 'rule'; rule: 'too-few-copies' | 'one-media-kind' | 'no-offline-copy' | 'no-offsite-copy'; detail: string };

/** What {@link initBackup} made. */
export interface InitBackupResult {
  config: BackupConfig;
  configPath: string;
  stateDir: string;
  /** The recovery kit files (mode 0600). */
  recoveryKit: { html: string; text: string };
  /** The recovery key as printed (only returned here, never stored in clear by scelle). */
  recoveryKey: string;
  repositoryId: string;
  /** Destinations initialised now. */
  initialised: string[];
  /** Destinations unreachable now: `backup run --create` makes them once they are there. */
  offline: { name: string; reason: string }[];
  warnings: InitWarning[];
}

/** The 3-2-1 rules a set of destinations breaks whatever happens later, and what else is missing. */
export function initWarnings(specs: ParsedDestination[], seal: BackupConfig['seal'], policy: BackupPolicy): InitWarning[] {
  const out: InitWarning[] = [];
  if (seal.identity === undefined && seal.key === undefined) out.push({ kind: 'no-identity' });
  else if (seal.trust.length === 0) out.push({ kind: 'no-trust' });
  if (1 + specs.length < policy.copies) out.push({ kind: 'rule', rule: 'too-few-copies', detail: `${1 + specs.length} copies (the original and ${specs.length} destination(s)); ${policy.copies} required` });
  const kinds = new Set(specs.map((s) => s.media));
  if (kinds.size < 2) out.push({ kind: 'rule', rule: 'one-media-kind', detail: [...kinds].join(', ') });
  if (!specs.some((s) => s.offline)) out.push({ kind: 'rule', rule: 'no-offline-copy', detail: 'no usb:// destination (or offline=true)' });
  if (!specs.some((s) => s.offsite)) out.push({ kind: 'rule', rule: 'no-offsite-copy', detail: 'no s3:// destination (or offsite=true)' });
  return out;
}

async function checkArguments(options: InitBackupOptions): Promise<ParsedDestination[]> {
  if (await stat(options.configPath).then(() => true, () => false)) {
    throw new ScelleError('OUTPUT_EXISTS', `${options.configPath} already exists: a backup setup is already there`, { params: { file: options.configPath } });
  }
  if (options.sources.length === 0) throw new ScelleError('USAGE', 'give at least one --source folder');
  if (options.destinations.length === 0) throw new ScelleError('USAGE', 'give at least one --target NAME=URL');
  for (const s of options.sources) {
    if (!(await stat(s).then((x) => x.isDirectory() || x.isFile(), () => false))) throw new ScelleError('FILE_NOT_FOUND', `the source ${s} does not exist`, { params: { file: s } });
  }
  const specs = options.destinations.map((t) => parseDestinationUrl(t));
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new ScelleError('CONFIG_INVALID', `two destinations are named ${s.name}`, { params: { detail: s.name } });
    names.add(s.name);
  }
  return specs;
}

/** Opens and creates every destination it can; the others are reported offline. */
async function createDestinations(specs: ParsedDestination[], context: OpenDestinationContext): Promise<{ reachable: Destination[]; offline: { name: string; reason: string }[]; pins: Map<string, string> }> {
  const reachable: Destination[] = [];
  const offline: { name: string; reason: string }[] = [];
  const pins = new Map<string, string>();
  for (const spec of specs) {
    const d = await openDestination(spec, context);
    try {
      await d.create();
      const p = await d.probe();
      if (!p.online) throw new ScelleError('TARGET_OFFLINE', p.reason);
      reachable.push(d);
      const hostKey = (d as { hostKey?: string }).hostKey;
      if (spec.scheme === 'sftp' && hostKey !== undefined) pins.set(spec.name, hostKey);
    } catch (e) {
      if (!(e instanceof ScelleError) || e.code !== 'TARGET_OFFLINE') {
        for (const r of [...reachable, d]) await r.close();
        throw e;
      }
      offline.push({ name: spec.name, reason: String(e.params.detail ?? e.message) });
      await d.close();
    }
  }
  return { reachable, offline, pins };
}

/**
 * Creates a backup setup: the destinations (folders, drive labels), the repository on every
 * reachable one, the commented config (0600), the recovery kit (0600) and the state folder.
 * @throws ScelleError OUTPUT_EXISTS (config exists), CONFIG_INVALID, REPO_EXISTS,
 *   TARGET_OFFLINE (no destination reachable), TARGET_ERROR, AUTH_FAILED.
 */
export async function initBackup(options: InitBackupOptions): Promise<InitBackupResult> {
  const clock = options.clock ?? (() => new Date());
  const specs = await checkArguments(options);
  const policy = { ...DEFAULT_POLICY, ...options.policy };
  const seal = options.seal ?? { trust: [] };
  const { reachable, offline, pins } = await createDestinations(specs, { ...options.context, now: clock });
  if (reachable.length === 0) throw new ScelleError('TARGET_OFFLINE', 'no destination is reachable: the repository cannot be created', { hint: 'plug in the backup drive or check the network' });
  let repo;
  try {
    repo = await initRepository(reachable, {
      passphrase: options.passphrase, clock,
      ...(options.kdfLogN !== undefined ? { kdfLogN: options.kdfLogN } : {}),
      ...(options.certificates ? { certificates: options.certificates } : {}),
    });
  } finally {
    for (const d of reachable) await d.close();
  }
  const config: BackupConfig = {
    path: options.configPath,
    repository: { id: repo.config.id, recipient: repo.config.recipient, writeKey: repo.master.writeKey.toString('hex') },
    sources: options.sources, destinations: options.destinations, policy, seal,
  };
  const created = clock();
  await writeFileAtomic(options.configPath, formatBackupConfig(config, created), { mode: 0o600 });
  const stateDir = stateDirOf(options.configPath);
  await updateState(stateDir, (s) => { for (const o of offline) s.destinations[o.name] = { ...s.destinations[o.name], pendingCreate: true }; });
  const kit: Kit = {
    repository: repo.config.id, created, recoveryKey: repo.recoveryKey, signers: seal.signers ?? [], trustAnchors: options.trustAnchors ?? [],
    destinations: specs.map((s) => ({ name: s.name, spec: kitSpec(s, pins.get(s.name)) })),
  };
  const html = `${options.configPath}.kit-recuperation.html`;
  const text = `${options.configPath}.kit-recuperation.txt`;
  await writeFileAtomic(html, recoveryKitHtml(kit), { mode: 0o600 });
  await writeFileAtomic(text, recoveryKitText(kit), { mode: 0o600 });
  return {
    config, configPath: options.configPath, stateDir, recoveryKit: { html, text }, recoveryKey: formatRecoveryKey(repo.recoveryKey),
    repositoryId: repo.config.id, initialised: reachable.map((d) => d.info.name), offline, warnings: initWarnings(specs, seal, policy),
  };
}

/**
 * A destination as the kit gives it: an SSH server's host key is pinned (`host_key=`, as seen at
 * init) instead of a known_hosts file that stays on the lost computer.
 */
function kitSpec(s: ParsedDestination, pin: string | undefined): string {
  if (pin === undefined || s.options.host_key !== undefined) return formatDestinationSpec(s);
  const { known_hosts: _k, ...options } = s.options;
  return formatDestinationSpec({ ...s, options }, { host_key: pin });
}

/** The kit of an existing setup (the verifier kit, or a new copy of the destinations' list). */
export function kitOf(cfg: BackupConfig, trustAnchors: Uint8Array[], created: Date): Kit {
  return {
    repository: cfg.repository.id, created, signers: cfg.seal.signers ?? [], trustAnchors,
    destinations: cfg.destinations.map((s) => {
      const p = parseDestinationUrl(s);
      return { name: p.name, spec: formatDestinationSpec(p) };
    }),
  };
}

export { backupStatus, type BackupStatusOptions } from './status.js';
