/**
 * French of the help texts of `archive`, `journal`, `extend`, `pdf`, `asic` and `sign`'s levels
 * and PAdES options (keyed by the English text, as cli/help/fr-core.ts). Plain spaces: the
 * typography is applied when printed. Terms as in cli/i18n/archive.ts and cli/i18n/pdf.ts.
 */
export const helpFrLongterm: Record<string, string> = {
  // sign: PAdES and levels (cli/commands/sign.ts)
  'sign PDFs inside the PDF (PAdES, ETSI EN 319 142-1) → FILE.signed.pdf': 'signer des PDF dans le PDF lui-même (PAdES, ETSI EN 319 142-1) → FICHIER.signed.pdf',
  'B (signature), T (+ time-stamp, needs --tsa), LT (+ validation data: --crl or --online; CAdES also --trust) or LTA (+ archive time-stamp; PAdES: a document time-stamp)':
    'B (signature), T (+ horodatage, exige --tsa), LT (+ données de validation : --crl ou --online ; en CAdES, aussi --trust) ou LTA (+ horodatage d’archive ; en PAdES : un horodatage du document)',
  'PAdES: a visible signature box in points from the bottom left of the page (name, RPPS, profession, date)': 'PAdES : un cadre de signature visible, en points depuis le coin inférieur gauche de la page (nom, RPPS, profession, date)',
  'PAdES: the reason for signing': 'PAdES : le motif de la signature',
  'PAdES: where it is signed': 'PAdES : le lieu de la signature',
  'PAdES: the signed PDF (one file; default FILE.signed.pdf)': 'PAdES : le PDF signé (un seul fichier ; par défaut FICHIER.signed.pdf)',
  'CRL of a certification authority, PEM or DER (repeatable): signing is refused when it revokes the signing certificate; PAdES LT/LTA embeds it':
    'CRL d’une autorité de certification, PEM ou DER (plusieurs fois possible) : la signature est refusée si elle révoque le certificat de signature ; en PAdES LT/LTA, elle est incluse dans le PDF',
  'ask OCSP and the CRL distribution points: signing is refused when the certificate is revoked; PAdES LT/LTA embeds the answers':
    'interroger les répondeurs OCSP et les points de distribution des CRL : la signature est refusée si le certificat est révoqué ; en PAdES LT/LTA, les réponses sont incluses dans le PDF',
  'the root the certificate paths end at, when the identity does not carry it (repeatable)': 'la racine à laquelle aboutissent les chemins de certification, quand l’identité ne la contient pas (plusieurs fois possible)',

  // pdf extend (cli/commands/sign-pades.ts)
  'signed PDFs: add long-term validation data (LT) and document time-stamps (LTA)': 'PDF signés : ajouter les données de validation à long terme (LT) et des horodatages du document (LTA)',
  'extend signed PDFs to PAdES B-LT (validation data in a DSS) or B-LTA (plus a document time-stamp); run LTA again before the last time-stamp\'s authority expires':
    'compléter des PDF signés en PAdES B-LT (données de validation dans un DSS) ou B-LTA (avec en plus un horodatage du document) ; relancer en LTA avant l’expiration du certificat de l’autorité du dernier horodatage',
  'signed PDFs (replaced atomically unless --out)': 'PDF signés (remplacés de façon atomique, sauf avec --out)',
  'LT or LTA': 'LT ou LTA',
  'time-stamping authority of the document time-stamp (LTA)': 'autorité d’horodatage qui délivre l’horodatage du document (LTA)',
  'CRL of a certification authority, PEM or DER (repeatable)': 'CRL d’une autorité de certification, PEM ou DER (plusieurs fois possible)',
  'roots the certificate paths end at (default: the self-signed certificates found)': 'racines auxquelles aboutissent les chemins de certification (par défaut : les certificats autosignés trouvés)',
  'fetch CRLs and OCSP responses named in the certificates': 'télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats',
  'write here instead of replacing the PDF (one file only)': 'écrire dans ce fichier au lieu de remplacer le PDF (un seul PDF)',

  // asic (cli/commands/asic.ts)
  'ASiC containers (ETSI EN 319 162-1): documents with their signature or time-stamp in one zip': 'conteneurs ASiC (ETSI EN 319 162-1) : des documents avec leur signature ou leur horodatage dans un seul zip',
  'OUT.asice: documents, a manifest of their SHA-256 digests and a CAdES signature over it (CAdES-T with --tsa; a time-stamp only without an identity); OUT.asics: one document and its signature or time-stamp':
    'créer un conteneur : un .asice réunit des documents, un manifeste de leurs empreintes SHA-256 et une signature CAdES de ce manifeste (CAdES-T avec --tsa ; un horodatage seul sans identité) ; un .asics, un seul document et sa signature ou son horodatage',
  'the container to write (.asice or .asics)': 'le conteneur à écrire (.asice ou .asics)',
  'documents to put in': 'documents à y placer',
  'time-stamping authority': 'autorité d’horodatage',
  'verify ASiC containers: each signature or time-stamp by the validation engine, each document against the manifest (a changed one is named), every document covered':
    'vérifier des conteneurs ASiC : chaque signature ou horodatage par le moteur de validation, chaque document par rapport au manifeste (un document modifié est nommé), et que chaque document est couvert',
  'containers (.asice, .asics)': 'conteneurs (.asice, .asics)',
  'extract the documents of a container into a folder (existing files are not replaced); verify it first with asic verify':
    'extraire les documents d’un conteneur dans un dossier (les fichiers existants ne sont pas remplacés) ; vérifiez-le d’abord avec asic verify',
  'the container': 'le conteneur',
  'folder to extract into': 'dossier où extraire les documents',

  // extend (cli/commands/extend.ts)
  'upgrade CAdES signatures: T (signature time-stamp), LT (validation data embedded: certificates, CRLs, OCSP), LTA (archive time-stamp; run again before the last TSA certificate expires)':
    'étendre des signatures CAdES : T (horodatage de signature), LT (données de validation incluses : certificats, CRL, OCSP), LTA (horodatage d’archive ; à relancer avant l’expiration du certificat de la dernière autorité d’horodatage)',
  'signature files (.p7s detached, .p7m attached; DER or PEM); a signed .pdf is extended inside the PDF (PAdES LT or LTA)': 'fichiers de signature (.p7s détachée, .p7m avec le contenu ; DER ou PEM) ; un .pdf signé est prolongé dans le PDF lui-même (PAdES LT ou LTA)',
  'the level to reach': 'le niveau à atteindre',
  'time-stamping authority (T, LTA, and LT when the signature has no time-stamp)': 'autorité d’horodatage (T, LTA, et LT quand la signature n’a pas encore d’horodatage)',
  'trusted root certificates (repeatable): the signature must validate now before it is extended': 'certificats racines de confiance (plusieurs fois possible) : la signature doit être valide aujourd’hui pour être étendue',
  'revocation lists to validate with and embed (repeatable)': 'listes de révocation utilisées pour la validation et incluses dans la signature (plusieurs fois possible)',
  'fetch CRLs and OCSP answers named in the certificates (and embed them)': 'télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats (et inclure leurs réponses)',
  'the signed file of a detached signature (default: the signature name without .p7s)': 'le fichier signé d’une signature détachée (par défaut : le nom de la signature sans .p7s)',
  'write the extended signature here instead of replacing it (one signature only)': 'écrire la signature étendue dans ce fichier au lieu de la remplacer (une seule signature)',

  // archive (cli/commands/archive.ts, archive-text.ts, archive-verify.ts)
  'the practice archive: documents kept with RFC 4998 evidence records (one time-stamp per batch), renewed before their proofs expire, exported with their records, destroyed when retention allows, every operation journaled':
    'l’archive du cabinet : des documents conservés avec leurs preuves d’archivage RFC 4998 (un horodatage par lot), renouvelées avant d’expirer, exportés avec leurs preuves, détruits quand la durée de conservation le permet ; chaque opération est inscrite au journal',
  'the archive: a folder, or a backup destination URL (file://, usb://, sftp://, s3://); default $SCELLE_ARCHIVE':
    'l’archive : un dossier, ou l’URL d’une destination de sauvegarde (file://, usb://, sftp://, s3://) ; par défaut $SCELLE_ARCHIVE',
  'create an archive in a folder or on a backup destination': 'créer une archive dans un dossier ou sur une destination de sauvegarde',
  'allow a network or cloud destination: the archive stores documents unencrypted (back it up with scelle backup instead)':
    'autoriser une destination en réseau ou dans le nuage : l’archive y stocke les documents en clair (sauvegardez-la plutôt avec scelle backup)',
  'archive documents as one batch under one time-stamp (one TSA request however many files)': 'archiver des documents en un seul lot sous un seul horodatage (une seule requête à l’autorité d’horodatage, quel que soit le nombre de fichiers)',
  'letters, scans, signed files…': 'courriers, documents numérisés, fichiers signés…',
  'the time-stamping authority': 'l’autorité d’horodatage',
  'hash of the tree': 'algorithme d’empreinte de l’arbre',
  'retention rule: medical (patient record), fse (care-sheet duplicate), appointment, until (a fixed date), none':
    'règle de conservation : `medical` (dossier patient), `fse` (double de feuille de soins), `appointment` (rendez-vous), `until` (jusqu’à une date fixe), `none` (aucune)',
  'medical: date of the last care (YYYY-MM-DD)': '`medical` : date de la dernière prise en charge (AAAA-MM-JJ)',
  'medical: the patient’s date of birth (a minor’s record is kept until the 28th birthday)': '`medical` : date de naissance du patient (le dossier d’un mineur est conservé au moins jusqu’à ses 28 ans)',
  'medical: the patient’s date of death': '`medical` : date de décès du patient',
  'fse: date of the care sheet': '`fse` : date de la feuille de soins',
  'appointment/until: the date it may be destroyed from': '`appointment` et `until` : date à partir de laquelle le document peut être détruit',
  'trusted roots of the TSAs: their validation data is kept with the batch (repeatable)': 'racines de confiance des autorités d’horodatage : leurs données de validation sont conservées avec le lot (plusieurs fois possible)',
  'revocation lists (repeatable)': 'listes de révocation (plusieurs fois possible)',
  'fetch CRLs and OCSP answers named in the certificates': 'télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats',
  'renew the proofs that reach their limit (TSA certificate expiry, algorithm deadlines) and keep every time-stamp’s validation data':
    'renouveler les preuves qui arrivent à échéance (expiration du certificat de l’autorité d’horodatage, fin de validité d’un algorithme) et conserver les données de validation de chaque horodatage',
  'the time-stamping authority (one whose certificate lasts)': 'l’autorité d’horodatage (une autorité dont le certificat restera valide longtemps)',
  'renew every batch now': 'renouveler tous les lots maintenant',
  'renew the hash trees to this algorithm (hash-tree renewal)': 'refaire les arbres d’empreintes avec cet algorithme (renouvellement des empreintes)',
  'renew what reaches its limit within this many days': 'renouveler ce qui arrive à échéance dans moins de ce nombre de jours',
  'trusted roots of the TSAs: the validation data of each time-stamp is gathered and kept (repeatable)': 'racines de confiance des autorités d’horodatage : les données de validation de chaque horodatage sont réunies et conservées (plusieurs fois possible)',
  'what the archive holds, what must be renewed and by when, what retention makes due, the journal (exit 1 when something needs doing)':
    'ce que contient l’archive, ce qui doit être renouvelé et avant quelle date, ce qui est à détruire selon la durée de conservation, l’état du journal (code 1 si une action est nécessaire)',
  'as of this date (planning)': 'à cette date (pour anticiper)',
  'warn about renewals due within this many days': 'prévenir des renouvellements à faire dans moins de ce nombre de jours',
  'copy documents out with their evidence records (NAME and NAME.ers) for a patient, a court or a colleague':
    'copier des documents hors de l’archive avec leurs preuves d’archivage (NOM et NOM.ers), pour un patient, un tribunal ou un confrère',
  'item ids (b3-7) or file names': 'identifiants de documents (b3-7) ou noms de fichiers',
  'the folder to write into': 'le dossier où écrire',
  'why (recorded in the journal, e.g. "patient request")': 'le motif (inscrit au journal, par exemple « demande du patient »)',
  'trusted roots of the TSAs: the records then carry the current revocation data of their newest time-stamp (repeatable)':
    'racines de confiance des autorités d’horodatage : les preuves portent alors les données de révocation actuelles de leur horodatage le plus récent (plusieurs fois possible)',
  'verify a document with its evidence record (FILE [--ers FILE.ers]) — or, with --archive, every document, pack and journal seal of the archive':
    'vérifier un document avec sa preuve d’archivage (FICHIER [--ers FICHIER.ers]) — ou, avec --archive, chaque document, paquet et scellement du journal de l’archive',
  'a document (with --ers, default FILE.ers), or archive item ids': 'un document (avec --ers, par défaut FICHIER.ers), ou des identifiants de documents archivés',
  'the evidence record of the document (RFC 4998)': 'la preuve d’archivage du document (RFC 4998)',
  'trusted roots of the time-stamping authorities (repeatable)': 'racines de confiance des autorités d’horodatage (plusieurs fois possible)',
  'revocation lists (repeatable); those the record carries are used too': 'listes de révocation (plusieurs fois possible) ; celles que contient la preuve sont aussi utilisées',
  'verify as of this time': 'vérifier à cette date',

  // archive retention, archive destroy (cli/commands/archive-retention.ts)
  'what retention makes due (list), rules on items (set), legal holds (hold, release)': 'ce qui est à détruire selon les durées de conservation (list), les règles des documents (set), les gels juridiques (hold, release)',
  'items due for destruction (--all: every item with its date)': 'les documents à détruire (avec --all : tous les documents et leur date)',
  'every item, not only those due': 'tous les documents, pas seulement ceux à détruire',
  'as of this date': 'à cette date',
  'set the retention rule of items': 'fixer la règle de conservation de documents',
  'item ids or file names': 'identifiants de documents ou noms de fichiers',
  'place a legal hold (litigation): nothing it covers may be destroyed while it lasts': 'poser un gel juridique (litige) : rien de ce qu’il couvre ne peut être détruit tant qu’il dure',
  'items (default: the whole archive)': 'documents (par défaut : toute l’archive)',
  'the litigation it is for': 'le litige qui le motive',
  'start (YYYY-MM-DD, default today)': 'début (AAAA-MM-JJ, par défaut aujourd’hui)',
  'lift a legal hold: the time it lasted is added to the delays it suspended': 'lever un gel juridique : sa durée s’ajoute aux délais qu’il a suspendus',
  'the hold id (hold-…)': 'l’identifiant du gel juridique (hold-…)',
  'end (YYYY-MM-DD, default today)': 'fin (AAAA-MM-JJ, par défaut aujourd’hui)',
  'delete what retention makes due and no legal hold keeps; a destruction certificate, signed and time-stamped, goes to the archive and the journal':
    'supprimer ce qui est à détruire selon la durée de conservation et qu’aucun gel juridique ne retient ; un certificat de destruction, signé et horodaté, est conservé dans l’archive et inscrit au journal',
  'only these items (each must be due); default every due item': 'seulement ces documents (chacun doit être à détruire) ; par défaut, tous les documents à détruire',
  'list what would be destroyed; change nothing': 'lister ce qui serait détruit, sans rien modifier',
  'time-stamping authority for the certificate': 'autorité d’horodatage du certificat de destruction',
  'reason written in the certificate': 'motif inscrit dans le certificat de destruction',

  // journal (cli/commands/journal.ts)
  'the archive’s journal of operations (add, export, renew, destroy, backups): hash-chained, sealed by time-stamps':
    'le journal des opérations de l’archive (ajouts, exports, renouvellements, destructions, sauvegardes) : chaîné par empreintes, scellé par des horodatages',
  'find removed, changed or reordered entries and name them; check every seal (with --trust)': 'trouver et nommer les entrées supprimées, modifiées ou déplacées ; vérifier chaque scellement (avec --trust)',
  'trusted roots of the time-stamping authorities, to check the seals (repeatable)': 'racines de confiance des autorités d’horodatage, pour vérifier les scellements (plusieurs fois possible)',
  'seal the journal now: a time-stamp over its last entry': 'sceller le journal maintenant : un horodatage de sa dernière entrée',
};
