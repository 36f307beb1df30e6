/**
 * French help of encrypt, decrypt, export, import and backup — keyed by the English text of the
 * command file (see cli/help/index.ts). Plain spaces: the typography is applied when printed.
 */
export const helpFrData: Record<string, string> = {
  // encrypt, decrypt
  'encrypt files for certificates (CMS AuthEnvelopedData AES-256-GCM; --cbc: EnvelopedData AES-256-CBC) or for a password (--password)':
    'chiffrer des fichiers pour des certificats (CMS AuthEnvelopedData AES-256-GCM ; --cbc : EnvelopedData AES-256-CBC) ou pour un mot de passe (--password)',
  'files to encrypt (FILE → FILE.p7m)': 'fichiers à chiffrer (FICHIER → FICHIER.p7m)',
  'recipient certificate, PEM or DER (repeatable)': 'certificat d’un destinataire, PEM ou DER (plusieurs fois possible)',
  'encrypt for a password (RFC 3211, PBKDF2-SHA256 × 600 000), read from --pass-file, SCELLE_PASSWORD or typed twice': 'chiffrer pour un mot de passe (RFC 3211, PBKDF2-SHA256 × 600 000), lu par --pass-file, SCELLE_PASSWORD ou tapé deux fois',
  'EnvelopedData AES-256-CBC for old clients (not authenticated)': 'EnvelopedData AES-256-CBC pour les logiciels anciens (sans contrôle d’intégrité)',
  'output file (one input only; default FILE.p7m)': 'fichier de sortie (un seul fichier en entrée ; par défaut FICHIER.p7m)',
  'write the envelopes into this folder': 'écrire les enveloppes dans ce dossier',
  'RSA key transport RSAES-PKCS1-v1_5 instead of OAEP, for PKCS#7-only readers (compatibility)': 'transport de clé RSA RSAES-PKCS1-v1_5 au lieu d’OAEP, pour les lecteurs qui ne connaissent que PKCS#7 (compatibilité)',
  'do not add your own encryption certificate (you will not be able to read what you sent)': 'ne pas ajouter votre propre certificat de chiffrement (vous ne pourrez pas relire ce que vous avez envoyé)',
  'write definite-length DER instead of streamed BER': 'écrire du DER de longueur définie au lieu de BER en flux',
  'replace an existing output file': 'remplacer un fichier de sortie existant',
  'check each recipient certificate’s chain against these roots (repeatable)': 'contrôler la chaîne du certificat de chaque destinataire avec ces racines (plusieurs fois possible)',
  'CRL used with --trust (repeatable)': 'CRL utilisée avec --trust (plusieurs fois possible)',
  'check the recipient certificates as of this time': 'contrôler les certificats des destinataires à cette date',
  'with --password: read the identity’s own password from this file (env SCELLE_IDENTITY_PASSWORD)': 'avec --password : lire le mot de passe propre à l’identité dans ce fichier (variable SCELLE_IDENTITY_PASSWORD)',
  'decrypt a CMS envelope (.p7m) with your identity or a password; the output appears only once its integrity is checked': 'déchiffrer une enveloppe CMS (.p7m) avec votre identité ou un mot de passe ; le résultat n’apparaît qu’une fois son intégrité contrôlée',
  'the envelope (DER, BER or PEM)': 'l’enveloppe (DER, BER ou PEM)',
  'the envelope is for a password (read from --pass-file, SCELLE_PASSWORD or a prompt)': 'l’enveloppe est chiffrée pour un mot de passe (lu par --pass-file, SCELLE_PASSWORD ou une saisie)',
  'output file (default: FILE without .p7m)': 'fichier de sortie (par défaut : FICHIER sans .p7m)',
  'only describe the envelope (cipher, recipients); no key needed': 'seulement décrire l’enveloppe (chiffrement, destinataires) ; aucune clé nécessaire',

  // export, import
  'copy files and folders into an AES-256 zip (WinZip AE-2) that 7-Zip opens with the password, with a SHA-256 manifest; signed when an identity is given':
    'copier des fichiers et des dossiers dans un zip AES-256 (WinZip AE-2) que 7-Zip ouvre avec le mot de passe, avec un manifeste SHA-256 ; signé quand une identité est donnée',
  'files and folders to export': 'fichiers et dossiers à exporter',
  'the zip to write': 'le zip à écrire',
  'deflate level (0: store)': 'niveau de compression deflate (0 : sans compression)',
  'timestamp the manifest signature at this TSA (needs an identity)': 'horodater la signature du manifeste auprès de cette autorité (il faut une identité)',
  'replace an existing zip': 'remplacer un zip existant',
  'read the identity’s password from this file (env SCELLE_IDENTITY_PASSWORD); --pass-file is the archive password': 'lire le mot de passe de l’identité dans ce fichier (variable SCELLE_IDENTITY_PASSWORD) ; --pass-file est le mot de passe de l’archive',
  'extract (or with --verify-only, check) an AES zip — scelle’s or 7-Zip’s; every MAC and the manifest are checked before a file is moved into place':
    'extraire (ou avec --verify-only, contrôler) un zip AES — de scelle ou de 7-Zip ; chaque MAC et le manifeste sont contrôlés avant qu’un fichier soit mis en place',
  'the zip': 'le zip',
  'folder to extract into (created when missing)': 'dossier où extraire (créé s’il manque)',
  'authenticate and hash everything, check the manifest and its signature; write nothing': 'authentifier et hacher tout, contrôler le manifeste et sa signature ; ne rien écrire',
  'replace files that already exist in the folder': 'remplacer les fichiers déjà présents dans le dossier',
  'verify the manifest signature against these roots (repeatable)': 'vérifier la signature du manifeste avec ces racines (plusieurs fois possible)',
  'CRL for the signature check (repeatable)': 'CRL pour le contrôle de la signature (plusieurs fois possible)',
  'read the archive password from this file': 'lire le mot de passe de l’archive dans ce fichier',
  'refuse archives that would expand beyond this many bytes (default 64 GiB)': 'refuser les archives qui dépasseraient ce nombre d’octets une fois extraites (par défaut 64 Gio)',
  'refuse entries that are not encrypted': 'refuser les entrées non chiffrées',

  // backup
  'a folder to back up (repeatable)': 'un dossier à sauvegarder (plusieurs fois possible)',
  'a destination NAME=URL[;options] (repeatable)': 'une destination NOM=URL[;options] (plusieurs fois possible)',
  'or a key file for the seals (with --cert)': 'ou un fichier de clé pour les sceaux (avec --cert)',
  'certificate for --key': 'certificat de --key',
  'time-stamp every seal with this TSA': 'horodater chaque sceau auprès de cette autorité',
  'an encryption certificate that may also open the repository (repeatable)': 'un certificat de chiffrement qui pourra aussi ouvrir le dépôt (plusieurs fois possible)',
  'scrypt cost as log2(N) (default 17 = 128 MiB; lower values only for demos and tests)': 'coût de scrypt en log2(N) (par défaut 17 = 128 Mio ; des valeurs plus basses seulement pour les démonstrations et les tests)',
  'password of the seal identity (or SCELLE_PASSWORD, or a prompt)': 'mot de passe de l’identité de scellement (ou SCELLE_PASSWORD, ou une saisie)',
  'worker threads (default: the number of cores, at most 4)': 'fils de travail (par défaut : le nombre de cœurs, au plus 4)',
  'evaluate as of this time': 'évaluer à cette date',
  'read the repository passphrase from this file (or SCELLE_PASSWORD, or a prompt)': 'lire la phrase de passe du dépôt dans ce fichier (ou SCELLE_PASSWORD, ou une saisie)',
  'open the repository with this encryption certificate\'s key (password as --pass-file)': 'ouvrir le dépôt avec la clé de ce certificat de chiffrement (mot de passe comme --pass-file)',
  'read every pack, decrypt and authenticate every chunk': 'lire chaque paquet, déchiffrer et authentifier chaque morceau',
  'snapshot name or prefix (default: latest)': 'nom ou début du nom de l’instantané (par défaut : le dernier)',
  'only this file or folder of the snapshot': 'seulement ce fichier ou ce dossier de l’instantané',
  'write into a non-empty folder, replacing files': 'écrire dans un dossier non vide, en remplaçant les fichiers',
  'say what would be deleted': 'dire ce qui serait supprimé',
};
