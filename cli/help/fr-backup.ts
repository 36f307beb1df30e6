/** French of the help texts of `backup` (keyed by the English text, as cli/help/fr-core.ts). */
export const helpFrBackup: Record<string, string> = {
  // backup (the group) and the options shared by its commands
  'encrypted, deduplicated, sealed 3-2-1 backups (init, run, status, list, verify, restore, drill, prune, repair, verifier-kit, schedule)':
    'sauvegardes 3-2-1 chiffrées, dédupliquées et scellées (init, run, status, list, verify, restore, drill, prune, repair, verifier-kit, schedule)',
  'the backup config written by init (default ./scelle-backup.conf, ~/.config/scelle/scelle-backup.conf, or SCELLE_BACKUP_CONFIG)':
    'la configuration de sauvegarde écrite par init (par défaut ./scelle-backup.conf, ~/.config/scelle/scelle-backup.conf, ou SCELLE_BACKUP_CONFIG)',
  'a destination URL (or NAME=URL;options, or a destination name of the kit): work without any config, with --recovery-file or --verifier-kit':
    'l’adresse (URL) d’une destination (ou NOM=URL;options, ou le nom d’une destination du kit) : travailler sans aucune configuration, avec --recovery-file ou --verifier-kit',
  'the repository the copy must hold (the kit gives it)': 'le dépôt que la copie doit contenir (le kit l’indique)',
  'only this destination of the config': 'seulement cette destination de la configuration',
  'the recovery kit (.txt, as init wrote it) or a file with the recovery key': 'le kit de récupération (.txt, tel qu’init l’a écrit) ou un fichier contenant la clé de récupération',
  'trust anchors for the seal signatures (repeatable; default: confiance= of the config, or the kit)':
    'racines de confiance pour les signatures des sceaux (plusieurs fois possible ; par défaut : confiance= de la configuration, ou le kit)',
  'CRL for the sealing certificate and the TSA (repeatable; default: revocation= of the config)':
    'liste de révocation (CRL) du certificat de scellement et de l’autorité d’horodatage (plusieurs fois possible ; par défaut : revocation= de la configuration)',
  'fetch revocation data online (CRL distribution points, OCSP)': 'télécharger les données de révocation en ligne (points de distribution des CRL, OCSP)',

  // backup init
  'create every destination and the repository on it, the commented config and the recovery kit; the new passphrase is typed twice':
    'créer chaque destination et le dépôt sur chacune, la configuration commentée et le kit de récupération ; la nouvelle phrase de passe est tapée deux fois',
  'the same as --target': 'identique à --target',
  'read the new passphrase from this file (or SCELLE_PASSWORD, or a prompt: typed twice)': 'lire la nouvelle phrase de passe dans ce fichier (ou SCELLE_PASSWORD, ou une saisie : tapée deux fois)',
  'practice identity that signs the seals (strongly advised: without it the seals are not signed)':
    'identité du cabinet qui signe les sceaux (vivement conseillée : sans elle, les sceaux ne sont pas signés)',
  'the identity\'s password (or SCELLE_IDENTITY_PASSWORD, or a prompt)': 'le mot de passe de l’identité (ou SCELLE_IDENTITY_PASSWORD, ou une saisie)',
  'trust anchors to verify seals (repeatable; also copied into the kits)': 'racines de confiance pour vérifier les sceaux (plusieurs fois possible ; copiées aussi dans les kits)',
  'CRL for the sealing certificate (recorded in the config; repeatable)': 'liste de révocation (CRL) du certificat de scellement (inscrite dans la configuration ; plusieurs fois possible)',

  // backup run
  'back up the sources to every usable destination (a missing destination is never created, unless --create)':
    'sauvegarder les sources sur chaque destination utilisable (une destination absente n’est jamais créée, sauf avec --create)',
  'the same, when --pass-file is used for something else': 'la même chose, quand --pass-file sert à autre chose',
  'create destinations that do not exist yet, and make empty ones copies': 'créer les destinations qui n’existent pas encore, et faire des destinations vides des copies',
  'record the run in this archive’s journal (scelle archive)': 'inscrire la sauvegarde au journal de cette archive (scelle archive)',

  // backup status, list
  'the 3-2-1 table per destination (newest snapshot, seal chain, damage), the rules, the next backup and the schedule; exit 1 when a rule is broken':
    'le tableau 3-2-1 par destination (dernier instantané, chaîne des sceaux, copie abîmée), les règles, la prochaine sauvegarde et la programmation ; code 1 quand une règle n’est pas respectée',
  'the sealed snapshots of a destination (no key needed; --from URL with the kit when there is no config)':
    'les instantanés scellés d’une destination (aucune clé nécessaire ; --from URL avec le kit quand il n’y a pas de configuration)',

  // backup verify
  'check copies: structure; --read-data decrypts and authenticates everything; --no-key checks the repository, the chain of seals and every object\'s SHA-256 without any key':
    'contrôler les copies : structure ; --read-data déchiffre et authentifie tout ; --no-key contrôle le dépôt, la chaîne des sceaux et le SHA-256 de chaque objet sans aucune clé',
  'no key at all: repository, seal chain, signatures, time-stamps and every object\'s SHA-256': 'sans aucune clé : dépôt, chaîne des sceaux, signatures, horodatages et SHA-256 de chaque objet',
  'the verifier kit (`backup verifier-kit`): repository, destinations, signer, trust anchors': 'le kit de vérification (`backup verifier-kit`) : dépôt, destinations, signataire, racines de confiance',
  'unsigned seals are a negative verdict (exit 3)': 'des sceaux non signés donnent un verdict négatif (code 3)',
  'the newest seal must be at least this recent (a copy rolled back to an older state is caught)':
    'le sceau le plus récent ne doit pas être antérieur à cette date (une copie ramenée à un état plus ancien est ainsi repérée)',

  // backup restore
  'restore a snapshot (default the latest) or one path of it into a new folder; with --from URL and --recovery-file KIT, from the kit alone':
    'restaurer un instantané (par défaut le dernier) ou un de ses chemins dans un nouveau dossier ; avec --from URL et --recovery-file KIT, à partir du kit seul',
  'folder to restore into, new or empty (default: Restauration-DATE here)': 'dossier où restaurer, nouveau ou vide (par défaut : Restauration-DATE dans le dossier courant)',
  'record the restore in this archive’s journal (scelle archive)': 'inscrire la restauration au journal de cette archive (scelle archive)',

  // backup drill
  'restore test: restore the latest snapshot to a temp folder, compare with the snapshot\'s hashes, record the date; --from-kit rehearses a restore from the recovery kit alone':
    'test de restauration : restaurer le dernier instantané dans un dossier temporaire, comparer avec les empreintes de l’instantané, noter la date ; --from-kit répète une restauration à partir du kit de récupération seul',
  'rehearse from the recovery kit alone (default <config>.kit-recuperation.txt), in a new process with an empty HOME':
    'répéter à partir du kit de récupération seul (par défaut <config>.kit-recuperation.txt), dans un nouveau processus avec un dossier personnel (HOME) vide',

  // backup prune
  'delete snapshots the policy does not keep, and the data only they used (locked objects are left alone)':
    'supprimer les instantanés que la politique de conservation ne garde pas, et les données qu’eux seuls utilisaient (les objets verrouillés ne sont pas touchés)',
  'password of the seal identity, to sign the prune seal (or SCELLE_IDENTITY_PASSWORD, or a prompt)':
    'mot de passe de l’identité de scellement, pour signer le sceau du nettoyage (ou SCELLE_IDENTITY_PASSWORD, ou une saisie)',

  // backup repair
  'put back missing or damaged objects and seals of a destination from the other destinations (and this computer\'s seal copies), checked by hash before and after':
    'remettre en place les objets et les sceaux manquants ou abîmés d’une destination à partir des autres destinations (et des copies des sceaux gardées sur cet ordinateur), vérifiés par empreinte avant et après',
  'repair only this destination': 'réparer seulement cette destination',

  // backup verifier-kit
  'write the verifier kit: repository id, destinations, expected signer, trust anchors — no key; what a vendor needs to check copies':
    'écrire le kit de vérification : identifiant du dépôt, destinations, signataire attendu, racines de confiance — aucune clé ; ce dont un prestataire a besoin pour contrôler les copies',
  'where to write it (default <config>.kit-verification.txt)': 'où l’écrire (par défaut <config>.kit-verification.txt)',
  'trust anchors to put in it (default: confiance= of the config)': 'racines de confiance à y mettre (par défaut : confiance= de la configuration)',

  // backup schedule
  'run the backup every week (or day) with a systemd timer, or cron where there is no systemd; prints the Windows and macOS equivalents':
    'lancer la sauvegarde chaque semaine (ou chaque jour) avec un minuteur systemd, ou avec cron là où systemd est absent ; affiche l’équivalent pour Windows et pour macOS',
  'the backup config written by init': 'la configuration de sauvegarde écrite par init',
  'every week (the memento\'s minimum)': 'chaque semaine (le minimum demandé par le mémento)',
  'every day': 'chaque jour',
  'time of day, 24 h (default 20:00)': 'heure de la sauvegarde, sur 24 h (par défaut 20:00)',
  'weekday of a weekly run: 1–7 or lundi…dimanche (default lundi)': 'jour d’une sauvegarde hebdomadaire : 1–7 ou lundi…dimanche (par défaut lundi)',
  'the seal identity\'s password, stored in a file readable by you only (or SCELLE_PASSWORD, or a prompt)':
    'le mot de passe de l’identité de scellement (ou SCELLE_PASSWORD, ou une saisie), enregistré dans un fichier lisible par vous seul',
  'use cron even where systemd runs': 'utiliser cron même là où systemd fonctionne',
  'print what would be installed, change nothing': 'afficher ce qui serait installé, sans rien modifier',
  'uninstall the schedule': 'supprimer la programmation',

  // export, import
  'refuse to export more files and folders than this (default 250 000; memory grows with it)':
    'refuser d’exporter plus de fichiers et de dossiers que ce nombre (par défaut 250 000 ; la mémoire utilisée augmente avec lui)',
  'refuse archives of more files and folders than this (default 250 000; memory grows with it)':
    'refuser les archives qui contiennent plus de fichiers et de dossiers que ce nombre (par défaut 250 000 ; la mémoire utilisée augmente avec lui)',
};
