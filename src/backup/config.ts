/**
 * The backup config file (`scelle backup init` writes it, commented in French): an INI-like text.
 * `# comment`, `[section]`, `key = value`; a key may repeat (`source`). UTF-8, LF or CRLF.
 * See docs/drafts/backup-repository.md §6.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import { DEFAULT_POLICY, type BackupPolicy } from './policy.js';

/** The parsed config. */
export interface BackupConfig {
  /** Where it was read from. */
  path?: string;
  repository: {
    id: string;
    /** X25519 public key, hex. */
    recipient: string;
    /** Write key (hex), absent in a copy given to a verifier. */
    writeKey?: string;
  };
  sources: string[];
  /** `NAME=URL;options` specs (parseDestinationUrl). */
  destinations: string[];
  policy: BackupPolicy;
  seal: {
    /** PKCS#12 identity that signs the seals. */
    identity?: string;
    /** Or a key and certificate files. */
    key?: string;
    cert?: string;
    /** RFC 3161 TSA URL. */
    tsa?: string;
    /** Trust anchors for verifying seals. */
    trust: string[];
    /** Subjects (RFC 4514) allowed to sign the seals (recorded by init from the identity). */
    signers?: string[];
    /** CRL files for the sealing certificate's (and the TSA's) chain. */
    crls?: string[];
  };
}

const POLICY_KEYS: Record<string, keyof BackupPolicy> = {
  'frequence-jours': 'everyDays',
  'rotation-semaines': 'rotationWeeks',
  hebdomadaires: 'keepWeekly',
  mensuelles: 'keepMonthly',
  annuelles: 'keepYearly',
  'test-restauration-mois': 'drillMonths',
  copies: 'copies',
};

function invalid(path: string | undefined, line: number, why: string): ScelleError {
  const where = `${path ?? 'config'}${line > 0 ? `:${line}` : ''}`;
  return new ScelleError('CONFIG_INVALID', `${where}: ${why}`, { params: { file: path ?? '', line, detail: why } });
}

/**
 * Parses a config text.
 * @throws ScelleError CONFIG_INVALID naming the line.
 */
export function parseBackupConfig(text: string, path?: string): BackupConfig {
  const cfg: BackupConfig = { repository: { id: '', recipient: '' }, sources: [], destinations: [], policy: { ...DEFAULT_POLICY }, seal: { trust: [] }, ...(path ? { path } : {}) };
  let section = '';
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([a-z-]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      if (!['depot', 'sources', 'destinations', 'politique', 'sceau'].includes(section)) throw invalid(path, n, `unknown section [${section}]`);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw invalid(path, n, 'expected "key = value"');
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    switch (section) {
      case 'depot':
        if (key === 'id' && /^[0-9a-f]{32}$/.test(value)) cfg.repository.id = value;
        else if (key === 'cle-publique' && /^[0-9a-f]{64}$/.test(value)) cfg.repository.recipient = value;
        else if (key === 'cle-ecriture' && /^[0-9a-f]{64}$/.test(value)) cfg.repository.writeKey = value;
        else throw invalid(path, n, `bad [depot] line "${key}"`);
        break;
      case 'sources':
        if (key !== 'source') throw invalid(path, n, 'in [sources], lines are "source = FOLDER"');
        cfg.sources.push(value);
        break;
      case 'destinations':
        cfg.destinations.push(`${key}=${value}`);
        break;
      case 'politique': {
        const k = POLICY_KEYS[key];
        const v = Number(value);
        if (k === undefined) throw invalid(path, n, `unknown policy "${key}"`);
        if (!Number.isInteger(v) || v < 0 || v > 1000) throw invalid(path, n, `"${key}" must be a whole number`);
        cfg.policy[k] = v;
        break;
      }
      case 'sceau':
        if (key === 'identite') cfg.seal.identity = value;
        else if (key === 'cle') cfg.seal.key = value;
        else if (key === 'certificat') cfg.seal.cert = value;
        else if (key === 'horodatage') cfg.seal.tsa = value;
        else if (key === 'confiance') cfg.seal.trust.push(value);
        else if (key === 'signataire') (cfg.seal.signers ??= []).push(value);
        else if (key === 'revocation') (cfg.seal.crls ??= []).push(value);
        else throw invalid(path, n, `unknown [sceau] line "${key}"`);
        break;
      default:
        throw invalid(path, n, 'a line before any [section]');
    }
  }
  if (cfg.repository.id === '' || cfg.repository.recipient === '') throw invalid(path, 0, 'the [depot] section needs id and cle-publique');
  return cfg;
}

/** Reads a config file. @throws ScelleError FILE_NOT_FOUND, CONFIG_INVALID. */
export async function readBackupConfig(path: string): Promise<BackupConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ScelleError('FILE_NOT_FOUND', `cannot read the backup config ${path}`, { cause: e, params: { file: path }, hint: 'give --config FILE (the file `scelle backup init` wrote)' });
  }
  return parseBackupConfig(text, path);
}

/** The folder of local state for a config (`<config>.state`). */
export function stateDirOf(configPath: string): string {
  return `${configPath}.state`;
}

/** The config as a commented text (French comments: it is read by the practice). */
export function formatBackupConfig(cfg: BackupConfig, created: Date): string {
  const p = cfg.policy;
  const out = [
    '# scelle — configuration des sauvegardes (règle 3-2-1)',
    `# Écrit par « scelle backup init » le ${created.toISOString().slice(0, 10)}.`,
    '# Les lignes qui commencent par # sont des commentaires. Ce fichier contient la clé',
    '# d\'écriture : gardez-le lisible par vous seul (droits 0600).',
    '',
    '[depot]',
    '# Identifiant du dépôt de sauvegarde (le même sur chaque destination).',
    `id = ${cfg.repository.id}`,
    '# Clé publique du dépôt : chaque sauvegarde est chiffrée pour elle. Elle ne permet PAS',
    '# de relire les sauvegardes (il faut la phrase de passe, la clé de récupération ou le',
    '# certificat de chiffrement).',
    `cle-publique = ${cfg.repository.recipient}`,
    ...(cfg.repository.writeKey ? [
      '# Clé d\'écriture : permet à cet ordinateur d\'écrire les sauvegardes chaque semaine sans',
      '# phrase de passe, et de ne pas réenvoyer ce qui est déjà sauvegardé. Elle ne permet pas',
      '# de relire les sauvegardes. Retirez cette ligne d\'une copie donnée à un vérificateur.',
      `cle-ecriture = ${cfg.repository.writeKey}`,
    ] : []),
    '',
    '[sources]',
    '# Dossiers sauvegardés, un par ligne.',
    ...cfg.sources.map((s) => `source = ${s}`),
    '',
    '[destinations]',
    '# Une copie complète par ligne : NOM = URL;options',
    '#   file:///chemin           un dossier sur un disque',
    '#   usb:///point/de/montage  un disque amovible (débranché = hors ligne, c\'est normal)',
    '#   sftp://user@hote:port/chemin, s3://seau/prefixe?endpoint=URL&region=R',
    '# Options : media=disk|removable|network|cloud, offline=true (copie déconnectée),',
    '# offsite=true (copie hors du cabinet), lock=compliance,days=N (s3 : copie immuable).',
    ...cfg.destinations.map((t) => {
      const eq = t.indexOf('=');
      return `${t.slice(0, eq)} = ${t.slice(eq + 1)}`;
    }),
    '',
    '[politique]',
    '# Valeurs du mémento de sécurité (ANS) : sauvegarde hebdomadaire au minimum, rotation',
    '# des supports sur 4 semaines, une sauvegarde mensuelle gardée 12 mois, une annuelle.',
    '# Une sauvegarde au moins tous les N jours :',
    `frequence-jours = ${p.everyDays}`,
    '# Rotation des supports amovibles (semaines) : une copie hors ligne plus ancienne est signalée.',
    `rotation-semaines = ${p.rotationWeeks}`,
    '# Sauvegardes gardées lors du nettoyage (scelle backup prune) : hebdomadaires, mensuelles, annuelles.',
    `hebdomadaires = ${p.keepWeekly}`,
    `mensuelles = ${p.keepMonthly}`,
    '# 20 ans : la durée de conservation du dossier médical.',
    `annuelles = ${p.keepYearly}`,
    '# Un test de restauration (scelle backup drill) au moins tous les N mois :',
    `test-restauration-mois = ${p.drillMonths}`,
    '# Nombre de copies exigé, original compris (3-2-1 : 3).',
    `copies = ${p.copies}`,
    '',
    '[sceau]',
    '# Chaque sauvegarde est scellée : la liste de ses fichiers chiffrés et de leurs empreintes',
    '# SHA-256, signée par l\'identité du cabinet (mot de passe : --pass-file ou SCELLE_PASSWORD).',
    '# Un prestataire peut ainsi vérifier les sauvegardes sans pouvoir les lire.',
    ...(cfg.seal.identity ? [`identite = ${cfg.seal.identity}`] : ['# identite = /chemin/vers/cabinet.p12']),
    ...(cfg.seal.key ? [`cle = ${cfg.seal.key}`] : []),
    ...(cfg.seal.cert ? [`certificat = ${cfg.seal.cert}`] : []),
    '# Autorité d\'horodatage (RFC 3161) qui date chaque sceau (facultatif) :',
    ...(cfg.seal.tsa ? [`horodatage = ${cfg.seal.tsa}`] : ['# horodatage = https://horodatage.exemple.fr/tsa']),
    '# Certificats racine de confiance pour vérifier les sceaux :',
    ...(cfg.seal.trust.length > 0 ? cfg.seal.trust.map((t) => `confiance = ${t}`) : ['# confiance = /chemin/vers/racines.pem']),
    '# Qui doit avoir signé les sceaux (le titulaire du certificat de scellement) : un sceau signé',
    '# par quelqu’un d’autre, même sous la même racine, est refusé.',
    ...((cfg.seal.signers ?? []).length > 0 ? cfg.seal.signers!.map((x) => `signataire = ${x}`) : ['# signataire = CN=…']),
    '# Listes de révocation (CRL) pour vérifier le certificat de scellement (facultatif) :',
    ...((cfg.seal.crls ?? []).length > 0 ? cfg.seal.crls!.map((x) => `revocation = ${x}`) : ['# revocation = /chemin/vers/crl.pem']),
    '',
  ];
  return out.join('\n');
}

/** Where the config is when `--config` is not given (never relative to a cron job's `/`). */
export const DEFAULT_CONFIG_NAME = 'scelle-backup.conf';

/**
 * The config path when none is given: `SCELLE_BACKUP_CONFIG`, else `scelle-backup.conf` in the
 * current folder when it exists there, else `$XDG_CONFIG_HOME/scelle/scelle-backup.conf`
 * (`~/.config/scelle/…`). Absolute, so that a scheduled run (cwd `/`) finds the same file.
 */
export async function defaultConfigPath(env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<string> {
  if (env.SCELLE_BACKUP_CONFIG) return resolve(cwd, env.SCELLE_BACKUP_CONFIG);
  const here = resolve(cwd, DEFAULT_CONFIG_NAME);
  if (await stat(here).then(() => true, () => false)) return here;
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return base === undefined ? here : join(base, 'scelle', DEFAULT_CONFIG_NAME);
}
