/**
 * The recovery kit and the verifier kit (docs/FORMAT.md, "Kits").
 *
 * The recovery kit is what opens the backups when the practice's computer is gone: printed and
 * kept sealed, or kept as its `.txt` file. It carries everything a restore needs besides a
 * destination's own credentials (an S3 key, an SSH key): the repository id, the recovery key, each
 * destination as it must be typed (with its SSH host key pinned), who signs the seals and the
 * roots to check them with, and the exact command to type, in French. `--recovery-file` accepts
 * the kit's `.txt` as it is, or a file holding only the key.
 *
 * The verifier kit is the same without the key: what a vendor or a host needs to check a copy
 * (`backup verify --no-key --verifier-kit FILE`), and nothing that could read it.
 */
import { ScelleError } from '../errors.js';
import { formatRecoveryKey, parseRecoveryKey } from './keys.js';

/** What a kit says. */
export interface Kit {
  repository: string;
  created: Date;
  /** The recovery key (32 bytes): recovery kits only. */
  recoveryKey?: Uint8Array;
  /** Each destination: its name and its spec as it must be typed (`NAME=URL;options`). */
  destinations: { name: string; spec: string }[];
  /** Subjects (RFC 4514) that sign the seals. */
  signers: string[];
  /** Trust anchors (DER) the seals' signers and TSAs chain to. */
  trustAnchors: Uint8Array[];
  practice?: string;
}

const MACHINE = '--- données lues par scelle (ne pas modifier) ---';
const RECOVERY_HEADER = 'scelle-recovery-kit 1';
const VERIFIER_HEADER = 'scelle-verifier-kit 1';

/** The exact `--from` argument of a destination: single-quoted for a shell. */
function quoted(spec: string): string {
  return `'${spec.replace(/'/g, `'\\''`)}'`;
}

function frDate(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

/** The machine-readable block (after the French text). */
function machineBlock(kit: Kit, header: string): string[] {
  return [
    MACHINE,
    header,
    `repository ${kit.repository}`,
    `created ${kit.created.toISOString()}`,
    ...kit.destinations.map((d) => `destination ${d.name} ${d.spec}`),
    ...kit.signers.map((s) => `signer ${s}`),
    ...kit.trustAnchors.map((t) => `trust-anchor ${Buffer.from(t).toString('base64')}`),
    ...(kit.recoveryKey !== undefined ? [`recovery-key ${formatRecoveryKey(kit.recoveryKey)}`] : []),
  ];
}

/** The French steps to restore from the kit alone, with the exact commands. */
function restoreSteps(kit: Kit): string[] {
  const first = kit.destinations[0];
  return [
    'Si l’ordinateur du cabinet est perdu ou détruit :',
    '  1. Installer scelle sur un autre ordinateur (Node.js 20 ou plus, puis : npm install -g scelle).',
    '  2. Copier ce fichier sur cet ordinateur, par exemple sous le nom kit.txt',
    '     (sur papier : taper seulement la clé de récupération dans un fichier kit.txt).',
    '  3. Pour une copie S3 : donner les clés d’accès de l’hébergeur,',
    '       export AWS_ACCESS_KEY_ID=…  AWS_SECRET_ACCESS_KEY=…',
    '     Pour une copie SFTP : ajouter la clé SSH à l’adresse, ;key=/chemin/vers/la/cle',
    '     Pour un disque : le brancher.',
    '  4. Taper exactement (une seule copie suffit) :',
    ...kit.destinations.map((d) => `       scelle backup restore --from ${quoted(d.spec)} --recovery-file kit.txt --to Restauration`),
    ...(first !== undefined ? [
      '     La copie peut aussi être désignée par son nom seul :',
      `       scelle backup restore --from ${first.name} --recovery-file kit.txt --to Restauration`,
      '  5. Pour voir les sauvegardes d’une copie avant de restaurer :',
      `       scelle backup list --from ${first.name} --recovery-file kit.txt`,
    ] : []),
  ];
}

/** The recovery kit as plain text (French; its last block is read by `--recovery-file`). */
export function recoveryKitText(kit: Kit): string {
  if (kit.recoveryKey === undefined) throw new ScelleError('USAGE', 'a recovery kit needs the recovery key');
  return [
    'KIT DE RÉCUPÉRATION DES SAUVEGARDES — scelle',
    '',
    'À imprimer, mettre sous pli fermé et ranger dans un coffre, hors du cabinet si possible.',
    'Quiconque détient ce kit peut lire toutes les sauvegardes : ne pas le photographier, ne pas',
    'l’envoyer par courriel, ne pas le garder sur l’ordinateur du cabinet.',
    '',
    `Dépôt de sauvegarde : ${kit.repository}`,
    `Créé le : ${frDate(kit.created)}`,
    ...(kit.practice ? [`Cabinet : ${kit.practice}`] : []),
    '',
    'Clé de récupération (le dernier groupe sert de contrôle) :',
    `  ${formatRecoveryKey(kit.recoveryKey)}`,
    '',
    'Copies de la sauvegarde :',
    ...kit.destinations.map((d) => `  Copie « ${d.name} » : ${d.spec}`),
    '',
    ...restoreSteps(kit),
    '',
    kit.signers.length > 0 ? `Les sceaux des sauvegardes sont signés par : ${kit.signers.join(' ; ')}` : 'Les sceaux des sauvegardes ne sont pas signés (aucune identité de scellement).',
    '',
    ...machineBlock(kit, RECOVERY_HEADER),
    '',
  ].join('\n');
}

/** The recovery kit as an HTML page to print (French). */
export function recoveryKitHtml(kit: Kit): string {
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const text = recoveryKitText(kit);
  const key = formatRecoveryKey(kit.recoveryKey!);
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Kit de récupération des sauvegardes — ${esc(kit.repository)}</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto}code.key{font-size:1.4em;letter-spacing:.05em;display:block;padding:1em;border:2px solid #000;word-spacing:.4em}pre{white-space:pre-wrap;font-size:.85em}</style></head>
<body>
<h1>Kit de récupération des sauvegardes</h1>
<p><strong>À imprimer, mettre sous pli fermé et ranger dans un coffre</strong>, hors du cabinet si possible. Quiconque le détient peut lire toutes les sauvegardes.</p>
<h2>Clé de récupération</h2>
<code class="key">${key}</code>
<h2>Tout le kit</h2>
<pre>${esc(text)}</pre>
</body></html>
`;
}

/** The verifier kit: what checks a copy without being able to read it (no key). */
export function verifierKitText(kit: Kit): string {
  return [
    'KIT DE VÉRIFICATION DES SAUVEGARDES — scelle',
    '',
    'Ce fichier ne permet pas de lire les sauvegardes. Il permet à un prestataire ou à un hébergeur',
    'de vérifier, sans aucune clé, qu’une copie est complète, intacte, à jour et signée :',
    ...kit.destinations.map((d) => `  scelle backup verify --no-key --verifier-kit kit-verification.txt --from ${quoted(d.spec)}`),
    '',
    ...machineBlock({ ...kit, recoveryKey: undefined } as Kit, VERIFIER_HEADER).filter((l) => !l.startsWith('recovery-key')),
    '',
  ].join('\n');
}

/** What `--recovery-file` or `--verifier-kit` gave: a whole kit, or only a recovery key. */
export type ParsedKit = { kind: 'recovery' | 'verifier'; kit: Kit } | { kind: 'key'; recoveryKey: Buffer };

/**
 * Reads a recovery kit (`.txt`, as written), a verifier kit, or a file holding only a recovery
 * key (typed from the printed kit).
 * @throws ScelleError WRONG_KEY (a malformed or mistyped key), CONFIG_INVALID (a damaged kit).
 */
export function parseKit(text: string): ParsedKit {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((l) => l.trim() === RECOVERY_HEADER || l.trim() === VERIFIER_HEADER);
  if (start < 0) {
    // only a key (perhaps with words around it, as copied from the printed kit)
    const m = /([0-9A-Fa-f]{4}[\s-]*){16}([0-9A-Fa-f]{4})?/.exec(text);
    return { kind: 'key', recoveryKey: parseRecoveryKey(m?.[0] ?? text) };
  }
  const kind = lines[start]!.trim() === RECOVERY_HEADER ? 'recovery' : 'verifier';
  const kit: Kit = { repository: '', created: new Date(0), destinations: [], signers: [], trustAnchors: [] };
  const bad = (why: string): ScelleError => new ScelleError('CONFIG_INVALID', `the kit is damaged: ${why}`, { params: { detail: why } });
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const k = sp < 0 ? line : line.slice(0, sp);
    const v = sp < 0 ? '' : line.slice(sp + 1).trim();
    if (k === 'repository' && /^[0-9a-f]{32}$/.test(v)) kit.repository = v;
    else if (k === 'created' && !Number.isNaN(Date.parse(v))) kit.created = new Date(v);
    else if (k === 'destination') {
      const s2 = v.indexOf(' ');
      if (s2 <= 0) throw bad('a destination line has no URL');
      kit.destinations.push({ name: v.slice(0, s2), spec: v.slice(s2 + 1) });
    } else if (k === 'signer' && v !== '') kit.signers.push(v);
    else if (k === 'trust-anchor' && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) kit.trustAnchors.push(new Uint8Array(Buffer.from(v, 'base64')));
    else if (k === 'recovery-key') kit.recoveryKey = parseRecoveryKey(v);
    else throw bad(`unexpected line ${JSON.stringify(line.slice(0, 60))}`);
  }
  if (kit.repository === '') throw bad('it names no repository');
  if (kind === 'recovery' && kit.recoveryKey === undefined) throw bad('it holds no recovery key');
  return { kind, kit };
}
