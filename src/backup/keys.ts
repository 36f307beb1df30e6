/**
 * Repository keys and key slots (docs/drafts/backup-repository.md §2).
 *
 * The *master secret* is 64 random bytes: `readKey` (an X25519 private key: it opens every pack
 * and snapshot) ‖ `writeKey` (from which the writer's keys derive). It is never stored in clear:
 * each *key slot* (`keys/<name>` on every target) holds it in a sealed box under a slot key:
 *
 * - `passphrase`: slot key = scrypt(passphrase NFC, salt, N = 2^17, r = 8, p = 1) — memory-hard
 *   (128 MiB), ~1 s here. `openssl kdf … SCRYPT` recomputes it.
 * - `recovery`: slot key = HKDF-SHA256(recovery key, salt, "scelle-backup v1 recovery slot"); the
 *   recovery key is 256 random bits printed in the recovery kit.
 * - `cert-<fingerprint>`: a random slot key wrapped with RSA-OAEP-SHA256 to the practitioner's
 *   encryption certificate.
 *
 * The *writer* (the machine that runs the weekly backup) keeps only the public key and writeKey
 * in its config: it can chunk, deduplicate (ids are HMACs under idKey), read and write the
 * index (indexKey), but it cannot decrypt a pack or a snapshot.
 */
import {
  createHash, createHmac, hkdfSync, privateDecrypt, publicEncrypt, randomBytes, scrypt as scryptCb, constants, type KeyObject,
} from 'node:crypto';
import { ScelleError } from '../errors.js';
import { newX25519, openBox, publicOf, sealBox } from './envelope.js';

/** scrypt cost, as log2(N). 17 is the default (128 MiB, ~1 s); the demo and tests may lower it. */
export const DEFAULT_KDF_LOG_N = 17;
/** Below this the passphrase slot is refused (2^12 = 4 MiB). */
export const MIN_KDF_LOG_N = 12;

/** The secret that opens a repository. */
export interface MasterSecret {
  /** X25519 private key (32 bytes). */
  readKey: Buffer;
  /** 32 bytes; see {@link WriteKeys}. */
  writeKey: Buffer;
}

/** What the writer holds (from the config): enough to back up, not to read. */
export interface WriteKeys {
  /** The repository's X25519 public key (32 bytes). */
  recipient: Buffer;
  /** Chunk ids are HMAC-SHA256(idKey, SHA-256(chunk)). */
  idKey: Buffer;
  /** Encrypts the index objects. */
  indexKey: Buffer;
  /** Seeds the chunker's Gear table. */
  gearSeed: Buffer;
}

/** A fresh master secret. */
export function newMasterSecret(): MasterSecret {
  return { readKey: newX25519().privateKey, writeKey: randomBytes(32) };
}

/** The writer's keys from a write key and the public key. */
export function deriveWriteKeys(writeKey: Uint8Array, recipient: Uint8Array): WriteKeys {
  const d = (info: string): Buffer => Buffer.from(hkdfSync('sha256', writeKey, Buffer.alloc(0), `scelle-backup v1 ${info}`, 32));
  return { recipient: Buffer.from(recipient), idKey: d('chunk id'), indexKey: d('index key'), gearSeed: d('gear seed') };
}

/** The writer's keys of a master secret. */
export function writeKeysOf(m: MasterSecret): WriteKeys {
  return deriveWriteKeys(m.writeKey, publicOf(m.readKey));
}

/** The id of a chunk from its SHA-256. */
export function chunkId(idKey: Uint8Array, sha256: Uint8Array): Buffer {
  return createHmac('sha256', idKey).update(sha256).digest();
}

/** A key slot as stored (JSON, `keys/<name>`). Hex fields. */
export interface KeySlot {
  scelle: 'backup-key-slot';
  version: 1;
  kind: 'passphrase' | 'recovery' | 'certificate';
  /** Repository id, so a slot is not moved to another repository by mistake. */
  repository: string;
  kdf:
    | { name: 'scrypt'; logN: number; r: number; p: number; salt: string }
    | { name: 'hkdf-sha256'; salt: string; info: string }
    | { name: 'rsa-oaep-sha256'; certificateSha256: string; subject: string; wrappedKey: string };
  /** nonce ‖ ciphertext ‖ tag of the 64-byte master secret (readKey ‖ writeKey), AES-256-GCM. */
  box: string;
}

export const RECOVERY_INFO = 'scelle-backup v1 recovery slot';

function scryptAsync(pass: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return new Promise((res, rej) => {
    const N = 2 ** logN;
    scryptCb(pass.normalize('NFC'), salt, 32, { N, r, p, maxmem: 128 * N * r * p + 32 * 1024 * 1024 }, (e, k) => (e ? rej(e) : res(k)));
  });
}

function packSecret(m: MasterSecret): Buffer {
  return Buffer.concat([m.readKey, m.writeKey]);
}

function unpackSecret(b: Buffer): MasterSecret {
  if (b.length !== 64) throw new ScelleError('REPO_CORRUPT', 'a key slot holds a secret of the wrong size: the key slot is corrupted');
  return { readKey: Buffer.from(b.subarray(0, 32)), writeKey: Buffer.from(b.subarray(32)) };
}

/** A passphrase slot. */
export async function makePassphraseSlot(m: MasterSecret, repository: string, passphrase: string, logN = DEFAULT_KDF_LOG_N): Promise<KeySlot> {
  if (!(logN >= MIN_KDF_LOG_N && logN <= 22)) throw new ScelleError('USAGE', `scrypt cost 2^${logN} is outside 2^${MIN_KDF_LOG_N}…2^22`);
  const salt = randomBytes(16);
  const key = await scryptAsync(passphrase, salt, logN, 8, 1);
  return { scelle: 'backup-key-slot', version: 1, kind: 'passphrase', repository, kdf: { name: 'scrypt', logN, r: 8, p: 1, salt: salt.toString('hex') }, box: sealBox(key, packSecret(m)).toString('hex') };
}

/** A recovery slot; `recoveryKey` is 32 bytes. */
export function makeRecoverySlot(m: MasterSecret, repository: string, recoveryKey: Uint8Array): KeySlot {
  const salt = randomBytes(16);
  const key = Buffer.from(hkdfSync('sha256', recoveryKey, salt, RECOVERY_INFO, 32));
  return { scelle: 'backup-key-slot', version: 1, kind: 'recovery', repository, kdf: { name: 'hkdf-sha256', salt: salt.toString('hex'), info: RECOVERY_INFO }, box: sealBox(key, packSecret(m)).toString('hex') };
}

/** A certificate slot (RSA encryption certificates: what IGC-Santé issues). */
export function makeCertificateSlot(m: MasterSecret, repository: string, cert: { der: Uint8Array; publicKey: KeyObject; subject: string }): KeySlot {
  if (cert.publicKey.asymmetricKeyType !== 'rsa') throw new ScelleError('UNSUPPORTED_ALGORITHM', `the certificate ${cert.subject} has a ${cert.publicKey.asymmetricKeyType} key: only RSA encryption certificates can open a repository`);
  const key = randomBytes(32);
  const wrapped = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  return {
    scelle: 'backup-key-slot', version: 1, kind: 'certificate', repository,
    kdf: { name: 'rsa-oaep-sha256', certificateSha256: createHash('sha256').update(cert.der).digest('hex'), subject: cert.subject, wrappedKey: wrapped.toString('hex') },
    box: sealBox(key, packSecret(m)).toString('hex'),
  };
}

/** The slot name of a slot (`passphrase`, `recovery`, `cert-<first 16 hex of the fingerprint>`). */
export function slotName(slot: KeySlot): string {
  return slot.kdf.name === 'rsa-oaep-sha256' ? `cert-${slot.kdf.certificateSha256.slice(0, 16)}` : slot.kind;
}

/** Parses a stored slot. @throws ScelleError REPO_CORRUPT. */
export function parseSlot(bytes: Uint8Array, name: string): KeySlot {
  try {
    const s = JSON.parse(Buffer.from(bytes).toString('utf8')) as KeySlot;
    if (s.scelle !== 'backup-key-slot' || s.version !== 1 || typeof s.box !== 'string') throw new Error('not a key slot');
    return s;
  } catch (e) {
    throw new ScelleError('REPO_CORRUPT', `the key slot keys/${name} cannot be read: the repository is corrupted`, { cause: e, params: { object: `keys/${name}` } });
  }
}

/** What can open a repository. */
export type Unlock =
  | { passphrase: string }
  | { recoveryKey: Uint8Array }
  | { privateKey: KeyObject; certificate: Uint8Array };

function openSlotBox(key: Buffer, slot: KeySlot, wrong: () => ScelleError): MasterSecret {
  try {
    return unpackSecret(openBox(key, Buffer.from(slot.box, 'hex'), `key slot ${slot.kind}`));
  } catch (e) {
    if (e instanceof ScelleError && e.code === 'OBJECT_CORRUPT') throw wrong();
    throw e;
  }
}

/**
 * Opens a slot with a secret of its kind.
 * @throws ScelleError WRONG_PASSWORD (passphrase), WRONG_KEY (recovery key, certificate).
 */
export async function openSlot(slot: KeySlot, unlock: Unlock): Promise<MasterSecret> {
  if ('passphrase' in unlock && slot.kdf.name === 'scrypt') {
    const key = await scryptAsync(unlock.passphrase, Buffer.from(slot.kdf.salt, 'hex'), slot.kdf.logN, slot.kdf.r, slot.kdf.p);
    return openSlotBox(key, slot, () => new ScelleError('WRONG_PASSWORD', 'the passphrase does not open this backup repository', { hint: 'check the passphrase, or use the recovery kit' }));
  }
  if ('recoveryKey' in unlock && slot.kdf.name === 'hkdf-sha256') {
    const key = Buffer.from(hkdfSync('sha256', unlock.recoveryKey, Buffer.from(slot.kdf.salt, 'hex'), slot.kdf.info, 32));
    return openSlotBox(key, slot, () => new ScelleError('WRONG_KEY', 'the recovery key does not open this backup repository', { hint: 'check the recovery key against the recovery kit' }));
  }
  if ('privateKey' in unlock && slot.kdf.name === 'rsa-oaep-sha256') {
    let key: Buffer;
    try {
      key = privateDecrypt({ key: unlock.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(slot.kdf.wrappedKey, 'hex'));
    } catch (e) {
      throw new ScelleError('WRONG_KEY', 'the certificate\'s private key does not open this backup repository', { cause: e });
    }
    return openSlotBox(key, slot, () => new ScelleError('WRONG_KEY', 'the certificate\'s private key does not open this backup repository'));
  }
  throw new ScelleError('USAGE', `the key slot ${slot.kind} cannot be opened with this kind of secret`);
}

// ---------------------------------------------------------------------------- recovery key

/** A fresh 256-bit recovery key. */
export function newRecoveryKey(): Buffer {
  return randomBytes(32);
}

/**
 * The recovery key as printed: 64 hex digits in 16 groups of 4, then a check group (the first 4
 * hex digits of its SHA-256) that catches a mistyped group.
 */
export function formatRecoveryKey(key: Uint8Array): string {
  const hex = Buffer.from(key).toString('hex').toUpperCase();
  const groups = hex.match(/.{4}/g)!;
  const check = createHash('sha256').update(key).digest('hex').slice(0, 4).toUpperCase();
  return `${groups.join('-')}-${check}`;
}

/**
 * Reads a recovery key as typed (any case, spaces or dashes, with or without the check group).
 * @throws ScelleError WRONG_KEY when it is malformed or the check group does not match.
 */
export function parseRecoveryKey(text: string): Buffer {
  const hex = text.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}([0-9a-f]{4})?$/.test(hex)) throw new ScelleError('WRONG_KEY', 'a recovery key is 64 hexadecimal digits (16 groups of 4), optionally followed by a check group');
  const key = Buffer.from(hex.slice(0, 64), 'hex');
  if (hex.length === 68 && createHash('sha256').update(key).digest('hex').slice(0, 4) !== hex.slice(64)) {
    throw new ScelleError('WRONG_KEY', 'the recovery key does not match its check group: a group was mistyped');
  }
  return key;
}

/** What the recovery kit says. */
export interface RecoveryKitInfo {
  repository: string;
  created: Date;
  recoveryKey: Uint8Array;
  /** Where the repository copies are (credential-free URLs). */
  targets: { name: string; url: string }[];
  /** Practice name, when known. */
  practice?: string;
}

/** The recovery kit: an HTML page to print and keep sealed (French). */
export function recoveryKitHtml(info: RecoveryKitInfo): string {
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const key = formatRecoveryKey(info.recoveryKey);
  const date = info.created.toISOString().slice(0, 10);
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Kit de récupération des sauvegardes — ${esc(info.repository)}</title>
<style>body{font-family:sans-serif;max-width:42em;margin:2em auto}code.key{font-size:1.4em;letter-spacing:.05em;display:block;padding:1em;border:2px solid #000;word-spacing:.4em}</style></head>
<body>
<h1>Kit de récupération des sauvegardes</h1>
<p><strong>À imprimer, mettre sous pli fermé et ranger dans un coffre</strong> (ou un lieu sûr, hors du cabinet si possible). Ne pas le photographier, ne pas l'envoyer par courriel, ne pas le garder sur l'ordinateur.</p>
<table>
<tr><th align="left">Dépôt de sauvegarde</th><td><code>${esc(info.repository)}</code></td></tr>
<tr><th align="left">Créé le</th><td>${date}</td></tr>
${info.practice ? `<tr><th align="left">Cabinet</th><td>${esc(info.practice)}</td></tr>\n` : ''}${info.targets.map((t) => `<tr><th align="left">Copie « ${esc(t.name)} »</th><td><code>${esc(t.url)}</code></td></tr>`).join('\n')}
</table>
<h2>Clé de récupération</h2>
<code class="key">${key}</code>
<p>Cette clé ouvre les sauvegardes si la phrase de passe est perdue ou si l'ordinateur du cabinet est détruit. Quiconque la détient peut lire toutes les sauvegardes : gardez-la aussi soigneusement que les dossiers eux-mêmes.</p>
<h2>Comment s'en servir</h2>
<ol>
<li>Installer scelle sur un ordinateur, brancher un disque de sauvegarde (ou se connecter à la copie distante).</li>
<li>Écrire la clé ci-dessus dans un fichier (par exemple <code>cle.txt</code>), tirets compris ou non.</li>
<li>Restaurer : <code>scelle backup restore --config sauvegarde.conf --recovery-file cle.txt --to DOSSIER</code>.</li>
<li>Sans scelle, le format est décrit dans la documentation (docs/FORMAT.md) : la clé et l'outil <code>openssl</code> suffisent à déchiffrer.</li>
</ol>
<p>Le dernier groupe (4 caractères) sert de contrôle : une faute de frappe est détectée.</p>
</body></html>
`;
}

/** The recovery kit as plain text (French), for a terminal or a text printer. */
export function recoveryKitText(info: RecoveryKitInfo): string {
  return [
    'KIT DE RÉCUPÉRATION DES SAUVEGARDES — scelle',
    '',
    'À imprimer, mettre sous pli fermé et ranger dans un coffre.',
    '',
    `Dépôt : ${info.repository}`,
    `Créé le : ${info.created.toISOString().slice(0, 10)}`,
    ...info.targets.map((t) => `Copie « ${t.name} » : ${t.url}`),
    '',
    'Clé de récupération :',
    `  ${formatRecoveryKey(info.recoveryKey)}`,
    '',
    'Restaurer : scelle backup restore --config FICHIER --recovery-file cle.txt --to DOSSIER',
    '',
  ].join('\n');
}
