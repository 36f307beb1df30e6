/**
 * One or two examples per command, shown at the end of its `--help`, in the man page and in the
 * README's reference. The command line is written once (the same in both languages); what it does
 * is said in English and in French. A test parses every example with the real program, so an
 * example that names a removed option or forgets a required one fails the suite.
 */

/** An example: a command line and what it does. */
export interface HelpExample {
  cmd: string;
  en: string;
  fr: string;
}

const CPS = '/usr/lib/libcps3_pkcs11_lux.so';
const TSA = 'https://horodatage.example/tsa';

/** Examples by command path (`''` is the program itself, `backup run` a subcommand). */
export const EXAMPLES: Readonly<Record<string, readonly HelpExample[]>> = {
  '': [
    { cmd: 'scelle demo', en: 'the whole tour, without network', fr: 'la visite complète, sans réseau' },
    { cmd: 'scelle doctor --identity praticien.p12 --trust racine.pem', en: 'check what the practice depends on', fr: 'contrôler ce dont dépend le cabinet' },
  ],
  demo: [
    { cmd: 'scelle demo', en: 'run every step in a new temporary folder', fr: 'toutes les étapes dans un nouveau dossier temporaire' },
    { cmd: 'scelle demo --dir visite', en: 'keep the demo files in ./visite', fr: 'garder les fichiers de la démonstration dans ./visite' },
  ],
  pki: [
    { cmd: 'scelle pki demo --out pki', en: 'a demo hierarchy in ./pki (passwords in pki/PASSWORDS.txt)', fr: 'une hiérarchie de démonstration dans ./pki (mots de passe dans pki/PASSWORDS.txt)' },
  ],
  'pki demo': [
    { cmd: 'scelle pki demo --out pki', en: 'write the demo PKI into ./pki', fr: 'écrire l’IGC de démonstration dans ./pki' },
    { cmd: 'scelle pki demo --out pki --force --crl-url http://127.0.0.1:8080/ca.crl', en: 'replace it, with a CRL address in the certificates', fr: 'la remplacer, avec une adresse de CRL dans les certificats' },
  ],
  sign: [
    { cmd: 'scelle sign lettre.pdf --identity praticien.p12', en: 'sign a letter with a .p12 (password asked): lettre.pdf.p7s', fr: 'signer une lettre avec un .p12 (mot de passe demandé) : lettre.pdf.p7s' },
    { cmd: `scelle sign *.pdf --pkcs11 ${CPS} --tsa ${TSA}`, en: 'sign every PDF with the CPS card, one PIN, time-stamped', fr: 'signer tous les PDF avec la carte CPS, un seul code PIN, avec horodatage' },
  ],
  verify: [
    { cmd: 'scelle verify lettre.pdf.p7s --trust racine.pem --crl crl.pem', en: 'who signed lettre.pdf, and is the signature valid', fr: 'qui a signé lettre.pdf, et la signature est-elle valide' },
    { cmd: 'scelle verify *.p7s --trust racines/ --online --report rapport.json', en: 'check many signatures online and keep a detailed report', fr: 'vérifier plusieurs signatures en ligne et garder un rapport détaillé' },
  ],
  timestamp: [
    { cmd: `scelle timestamp compte-rendu.pdf --tsa ${TSA}`, en: 'prove the file existed now: compte-rendu.pdf.tsr', fr: 'prouver que le fichier existe maintenant : compte-rendu.pdf.tsr' },
    { cmd: 'scelle timestamp verify compte-rendu.pdf.tsr --data compte-rendu.pdf --trust racine.pem --crl crl.pem', en: 'check the time-stamp against the file', fr: 'vérifier l’horodatage avec le fichier' },
  ],
  tsa: [
    { cmd: 'scelle tsa serve --identity tsa.p12 --port 3161', en: 'a time-stamping authority on http://127.0.0.1:3161', fr: 'une autorité d’horodatage sur http://127.0.0.1:3161' },
  ],
  'tsa serve': [
    { cmd: 'scelle tsa serve --identity tsa.p12 --pass-file tsa-mdp.txt --state /var/lib/scelle-tsa', en: 'serve time-stamps, serial numbers kept in /var/lib/scelle-tsa', fr: 'servir des horodatages, numéros de série gardés dans /var/lib/scelle-tsa' },
  ],
  backup: [
    { cmd: 'scelle backup run --config cabinet.conf', en: 'back up now to every reachable destination', fr: 'sauvegarder maintenant sur chaque destination joignable' },
    { cmd: 'scelle backup status --config cabinet.conf', en: 'is the 3-2-1 rule kept', fr: 'la règle 3-2-1 est-elle respectée' },
  ],
  'backup init': [
    { cmd: 'scelle backup init --config cabinet.conf --source Dossiers --target disque=file:///srv/sauvegarde --target usb1=usb:///media/usb1', en: 'a setup with a disk and a USB drive (passphrase asked twice)', fr: 'une installation avec un disque et une clé USB (phrase de passe demandée deux fois)' },
  ],
  'backup run': [
    { cmd: 'scelle backup run --config cabinet.conf', en: 'back up the sources (unattended: no passphrase needed)', fr: 'sauvegarder les sources (sans surveillance : aucune phrase de passe nécessaire)' },
    { cmd: 'scelle backup run --config cabinet.conf --pass-file cabinet-mdp.txt', en: 'the same, sealing with the practice identity', fr: 'la même chose, en scellant avec l’identité du cabinet' },
  ],
  'backup status': [
    { cmd: 'scelle backup status --config cabinet.conf', en: 'the 3-2-1 table; exit 1 names each broken rule', fr: 'le tableau 3-2-1 ; code 1 en nommant chaque règle non respectée' },
    { cmd: 'scelle backup status --config cabinet.conf --json', en: 'the same for a monitoring script', fr: 'la même chose pour un script de surveillance' },
  ],
  'backup list': [
    { cmd: 'scelle backup list --config cabinet.conf --dest usb1', en: 'the snapshots on the USB drive', fr: 'les instantanés sur la clé USB' },
  ],
  'backup verify': [
    { cmd: 'scelle backup verify --config cabinet.conf --read-data', en: 'decrypt and authenticate everything (passphrase asked)', fr: 'déchiffrer et authentifier tout (phrase de passe demandée)' },
    { cmd: 'scelle backup verify --config cabinet.conf --no-key --crl ac.crl', en: 'check seals and hashes without any key', fr: 'contrôler sceaux et empreintes sans aucune clé' },
  ],
  'backup restore': [
    { cmd: 'scelle backup restore --config cabinet.conf --to Restauration --path dossiers/patients/042', en: 'bring one folder back from the latest snapshot', fr: 'récupérer un dossier depuis le dernier instantané' },
  ],
  'backup drill': [
    { cmd: 'scelle backup drill --config cabinet.conf', en: 'the quarterly restore test', fr: 'le test de restauration trimestriel' },
  ],
  'backup prune': [
    { cmd: 'scelle backup prune --config cabinet.conf --dry-run', en: 'what the retention policy would delete', fr: 'ce que la politique de conservation supprimerait' },
  ],
  encrypt: [
    { cmd: 'scelle encrypt compte-rendu.pdf --to confrere.pem --identity praticien.p12', en: 'for a colleague and for yourself: compte-rendu.pdf.p7m', fr: 'pour un confrère et pour vous-même : compte-rendu.pdf.p7m' },
    { cmd: 'scelle encrypt analyses.pdf --password', en: 'for a password typed twice (give it by telephone)', fr: 'pour un mot de passe tapé deux fois (à donner par téléphone)' },
  ],
  decrypt: [
    { cmd: 'scelle decrypt compte-rendu.pdf.p7m --identity praticien.p12', en: 'open an envelope with your .p12', fr: 'ouvrir une enveloppe avec votre .p12' },
    { cmd: 'scelle decrypt dossier.p7m --info', en: 'who it is for, without opening it', fr: 'pour qui elle est chiffrée, sans l’ouvrir' },
  ],
  export: [
    { cmd: 'scelle export Dossiers --out /media/usb/envoi.zip', en: 'an AES-256 zip for a USB stick (password asked twice)', fr: 'un zip AES-256 pour une clé USB (mot de passe demandé deux fois)' },
    { cmd: 'scelle export Dossiers --out envoi.zip --identity praticien.p12 --identity-pass-file p12-mdp.txt', en: 'the same, with a signed manifest', fr: 'la même chose, avec un manifeste signé' },
  ],
  import: [
    { cmd: 'scelle import /media/usb/envoi.zip --out Reçus', en: 'extract, every MAC checked first', fr: 'extraire, chaque MAC contrôlé d’abord' },
    { cmd: 'scelle import envoi.zip --verify-only --trust racine.pem --crl crl.pem', en: 'check the zip and its signed manifest, write nothing', fr: 'contrôler le zip et son manifeste signé, sans rien écrire' },
  ],
  cert: [
    { cmd: 'scelle cert show praticien.p12', en: 'whose certificate, valid until when', fr: 'à qui est le certificat, valable jusqu’à quand' },
  ],
  'cert show': [
    { cmd: 'scelle cert show certificat.pem', en: 'holder, RPPS, issuer, validity, usages', fr: 'titulaire, RPPS, émetteur, validité, usages' },
    { cmd: 'scelle cert show praticien.p12 --json', en: 'the same as JSON', fr: 'la même chose en JSON' },
  ],
  'cert verify': [
    { cmd: 'scelle cert verify praticien.pem --trust racine.pem --crl crl.pem --purpose sign', en: 'is this certificate fit to sign, today', fr: 'ce certificat peut-il signer, aujourd’hui' },
  ],
  identity: [
    { cmd: 'scelle identity show --identity praticien.p12', en: 'which certificate scelle uses for what', fr: 'quel certificat scelle utilise pour quoi' },
  ],
  'identity show': [
    { cmd: 'scelle identity show --identity praticien.p12', en: 'the keys and certificates of a .p12', fr: 'les clés et certificats d’un .p12' },
    { cmd: `scelle identity show --pkcs11 ${CPS}`, en: 'those of the CPS card', fr: 'ceux de la carte CPS' },
  ],
  'identity check': [
    { cmd: `scelle identity check --pkcs11 ${CPS} --purpose sign`, en: 'sign a test message on the card and verify it', fr: 'signer un message d’essai sur la carte et le vérifier' },
  ],
  token: [
    { cmd: `scelle token list --pkcs11 ${CPS}`, en: 'the cards the reader sees', fr: 'les cartes que voit le lecteur' },
  ],
  'token list': [
    { cmd: `scelle token list --pkcs11 ${CPS}`, en: 'the cards the CPS reader sees (no PIN needed)', fr: 'les cartes que voit le lecteur CPS (sans code PIN)' },
  ],
  password: [
    { cmd: 'scelle password generate --kind passphrase', en: 'a passphrase of 7 words', fr: 'une phrase de passe de 7 mots' },
  ],
  'password check': [
    { cmd: 'scelle password check --context durand', en: 'judge a password typed without echo', fr: 'juger un mot de passe tapé sans écho' },
  ],
  'password generate': [
    { cmd: 'scelle password generate', en: '16 random characters of 4 classes', fr: '16 caractères aléatoires de 4 classes' },
    { cmd: 'scelle password generate --kind passphrase --words 8', en: 'a passphrase of 8 words', fr: 'une phrase de passe de 8 mots' },
  ],
  mss: [
    { cmd: 'scelle mss read message.eml --identity praticien.p12 --trust racine.pem --crl crl.pem', en: 'decrypt and check a received message', fr: 'déchiffrer et vérifier un message reçu' },
  ],
  'mss send': [
    { cmd: 'scelle mss send --from praticien@demo.mssante.fr --to confrere@demo.mssante.fr --subject "Compte rendu" --attach cr.pdf --sign --encrypt --to-cert confrere.pem --identity praticien.p12 --out message.eml', en: 'a signed, encrypted message written to message.eml', fr: 'un message signé et chiffré écrit dans message.eml' },
  ],
  'mss read': [
    { cmd: 'scelle mss read message.eml --identity confrere.p12 --trust racine.pem --crl crl.pem --save-dir Reçus', en: 'read a message and save its attachments when every check passes', fr: 'lire un message et enregistrer ses pièces jointes si tous les contrôles réussissent' },
  ],
  'mss ack': [
    { cmd: 'scelle mss ack message.eml --identity confrere.p12 --out accuse.eml', en: 'write a read receipt for a message', fr: 'écrire un accusé de lecture pour un message' },
  ],
  doctor: [
    { cmd: 'scelle doctor', en: 'Node.js, the backup config and its schedule', fr: 'Node.js, la configuration de sauvegarde et sa planification' },
    { cmd: `scelle doctor --identity praticien.p12 --trust racine.pem --crl crl.pem --tsa ${TSA} --pkcs11 ${CPS}`, en: 'also certificates, the time-stamping authority and the card', fr: 'aussi les certificats, l’autorité d’horodatage et la carte' },
  ],
  completion: [
    { cmd: 'scelle completion bash > ~/.local/share/bash-completion/completions/scelle', en: 'complete scelle in bash (new shells)', fr: 'compléter scelle dans bash (nouveaux terminaux)' },
    { cmd: 'scelle completion fish > ~/.config/fish/completions/scelle.fish', en: 'the same for fish', fr: 'la même chose pour fish' },
  ],
  man: [
    { cmd: 'scelle man | man -l -', en: 'read the manual', fr: 'lire le manuel' },
  ],
};
