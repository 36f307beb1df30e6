/**
 * French help of the global options and of demo, pki, sign, verify, timestamp, tsa, cert,
 * identity, token, password, doctor, completion and man — keyed by the English text of the
 * command file (see cli/help/index.ts). Plain spaces: the typography is applied when printed.
 */
export const helpFrCore: Record<string, string> = {
  // the program and its global options
  'sign, timestamp, encrypt and back up what a health practice handles': 'signer, horodater, chiffrer et sauvegarder ce que traite un cabinet de santé',
  'machine output: one JSON document on stdout': 'sortie pour les scripts : un seul document JSON sur la sortie standard',
  'message language': 'langue des messages',
  'no log lines on stderr': 'aucune ligne de journal sur la sortie d’erreur',

  // shared: identity, secrets, trust (cli/options.ts)
  'PKCS#12 identity (password from --pass-file, SCELLE_PASSWORD or a prompt)': 'identité PKCS#12 (mot de passe par --pass-file, SCELLE_PASSWORD ou une saisie)',
  'private key file (PEM or DER, PKCS#8; with --cert)': 'fichier de clé privée (PEM ou DER, PKCS#8 ; avec --cert)',
  'certificate file for --key (may carry the chain)': 'fichier du certificat de --key (peut contenir la chaîne)',
  'PKCS#11 module of a card or token (PIN from --pin-file, SCELLE_PIN or a prompt)': 'module PKCS#11 d’une carte ou d’un jeton (code PIN par --pin-file, SCELLE_PIN ou une saisie)',
  'token label (with --pkcs11)': 'libellé du jeton (avec --pkcs11)',
  'key label on the token (with --pkcs11)': 'libellé de la clé sur le jeton (avec --pkcs11)',
  'read the password from this file': 'lire le mot de passe dans ce fichier',
  'read the card PIN from this file': 'lire le code PIN de la carte dans ce fichier',
  'trusted root certificates, PEM bundle or folder (repeatable)': 'certificats racines de confiance, fichier PEM ou dossier (plusieurs fois possible)',
  'certificate revocation list, PEM or DER (repeatable)': 'liste de révocation de certificats (CRL), PEM ou DER (plusieurs fois possible)',
  'validate as of this time instead of now': 'vérifier à cette date plutôt qu’à maintenant',
  'what the certificate must be fit for': 'l’usage auquel le certificat doit convenir',

  // demo, pki
  'the whole tour on embedded defaults, no network: each step prints one line': 'la visite complète avec les réglages intégrés, sans réseau : chaque étape affiche une ligne',
  'folder for the demo files (default: a new temporary folder)': 'dossier des fichiers de démonstration (par défaut : un nouveau dossier temporaire)',
  'demonstration PKI': 'IGC de démonstration',
  'write a DEMO root, "personnes" CA, practitioner, colleague, revoked and TSA identities, CRL and PASSWORDS.txt': 'écrire une racine DEMO, une AC « personnes », les identités praticien, confrère, révoqué et horodatage, une CRL et PASSWORDS.txt',
  'folder to write (created; must not already hold a demo PKI unless --force)': 'dossier où écrire (créé ; ne doit pas déjà contenir une IGC de démonstration, sauf avec --force)',
  'CRL distribution point to write in end-entity certificates': 'point de distribution de CRL à inscrire dans les certificats finaux',
  'OCSP responder URL to write in end-entity certificates': 'URL du répondeur OCSP à inscrire dans les certificats finaux',
  'replace an existing demo PKI in the folder': 'remplacer une IGC de démonstration déjà présente dans le dossier',

  // sign
  'sign files (CAdES-B, detached FILE.p7s by default; --attached writes FILE.p7m)': 'signer des fichiers (CAdES-B, FICHIER.p7s détaché par défaut ; --attached écrit FICHIER.p7m)',
  'files to sign': 'fichiers à signer',
  'embed the content in the signature (FILE.p7m)': 'inclure le contenu dans la signature (FICHIER.p7m)',
  'add a signature timestamp from this TSA (CAdES-T)': 'ajouter un horodatage de signature demandé à cette autorité (CAdES-T)',
  'write the signatures into this folder': 'écrire les signatures dans ce dossier',
  'content digest': 'empreinte du contenu',
  'RSA-PSS instead of RSA PKCS#1 v1.5 (RSA keys)': 'RSA-PSS au lieu de RSA PKCS#1 v1.5 (clés RSA)',
  'signatures in flight at once': 'nombre de signatures menées en parallèle',

  // verify
  'verify CMS/CAdES signatures: who signed (name, RPPS), the content, the certificate chain and its revocation now, time-stamps as proofs of existence; ETSI indication per signer':
    'vérifier des signatures CMS/CAdES : qui a signé (nom, RPPS), le contenu, la chaîne de certificats et sa révocation à ce jour, les horodatages comme preuves d’existence ; indication ETSI par signataire',
  'signature files (.p7s, DER, BER or PEM)': 'fichiers de signature (.p7s, DER, BER ou PEM)',
  'detached content (default: the signature file name without .p7s)': 'contenu détaché (par défaut : le nom du fichier de signature sans .p7s)',
  'certificates to find the signer in when the signature lacks them (repeatable)': 'certificats où chercher le signataire quand la signature ne les contient pas (plusieurs fois possible)',
  'fetch CRLs and ask OCSP responders named in the certificates': 'télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats',
  'certificate policy the signer\'s certificate must be valid for (repeatable; RFC 5280 initial policy set, explicit)': 'politique de certification pour laquelle le certificat du signataire doit être valide (plusieurs fois possible ; ensemble initial de politiques de la RFC 5280, explicite)',
  'write a detailed validation report (checks, chain, revocation data, proofs of existence)': 'écrire un rapport de validation détaillé (contrôles, chaîne, données de révocation, preuves d’existence)',
  'report format: json (docs/validation-report.schema.json) or etsi (ETSI TS 119 102-2 XML)': 'format du rapport : json (docs/validation-report.schema.json) ou etsi (XML ETSI TS 119 102-2)',

  // timestamp, tsa
  'RFC 3161 timestamps: FILE → FILE.tsr; a signature FILE.p7s/.p7m gets a CAdES-T signature timestamp; `timestamp verify` checks a .tsr strictly (status, imprint, policy, TSA certificate with critical EKU and ESSCertID, its chain and revocation now or at --at); ETSI indication':
    'horodatages RFC 3161 : FICHIER → FICHIER.tsr ; une signature FICHIER.p7s/.p7m reçoit un horodatage de signature CAdES-T ; `timestamp verify` contrôle strictement un .tsr (statut, empreinte, politique, certificat de l’autorité avec EKU critique et ESSCertID, sa chaîne et sa révocation à ce jour ou à --at) ; indication ETSI',
  'FILE… --tsa URL [--trust T]  |  verify FILE.tsr (--data FILE | --digest HEX) --trust T': 'FICHIER… --tsa URL [--trust T]  |  verify FICHIER.tsr (--data FICHIER | --digest HEX) --trust T',
  'files or signatures to timestamp, or `verify FILE.tsr`': 'fichiers ou signatures à horodater, ou `verify FICHIER.tsr`',
  'the timestamping authority (HTTP POST application/timestamp-query)': 'l’autorité d’horodatage (HTTP POST application/timestamp-query)',
  'sha256 | sha384 | sha512 (for verify: the hash of --digest)': 'sha256 | sha384 | sha512 (pour verify : l’algorithme de --digest)',
  'ask the TSA for this policy (verify: require it)': 'demander cette politique à l’autorité (verify : l’exiger)',
  'verify: the timestamped file': 'verify : le fichier horodaté',
  'verify: or its precomputed digest (with --hash)': 'verify : ou son empreinte déjà calculée (avec --hash)',
  'verify: the TSA certificate when the response does not carry it (repeatable)': 'verify : le certificat de l’autorité quand la réponse ne le contient pas (plusieurs fois possible)',
  'verify: fetch CRLs and ask OCSP responders named in the TSA certificates': 'verify : télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats de l’autorité',
  'run a timestamping authority': 'faire fonctionner une autorité d’horodatage',
  'RFC 3161 over HTTP: POST application/timestamp-query → application/timestamp-reply': 'RFC 3161 sur HTTP : POST application/timestamp-query → application/timestamp-reply',
  'listen address': 'adresse d’écoute',
  'port (0 = any free one)': 'port (0 = n’importe quel port libre)',
  'policy of the tokens': 'politique des jetons d’horodatage',
  'folder where serial numbers are persisted': 'dossier où les numéros de série sont conservés',

  // cert, identity, token
  'show and verify certificates': 'afficher et vérifier des certificats',
  'holder (name, RPPS/PS_IdNat, profession, e-mail), issuer, validity, usages, fingerprint': 'titulaire (nom, RPPS/PS_IdNat, profession, messagerie), émetteur, validité, usages, empreinte',
  'certificate or chain (PEM/DER), PKCS#7 bundle (.p7b), or PKCS#12 (.p12/.pfx, with or without keys)': 'certificat ou chaîne (PEM/DER), lot PKCS#7 (.p7b) ou PKCS#12 (.p12/.pfx, avec ou sans clés)',
  'build and check the path to the trust anchors (validity, constraints, usages, signatures, revocation)': 'construire et contrôler le chemin jusqu’aux racines de confiance (validité, contraintes, usages, signatures, révocation)',
  'certificate (first in the file) with its chain, or PKCS#12': 'certificat (le premier du fichier) avec sa chaîne, ou PKCS#12',
  'more intermediate certificates (repeatable)': 'autres certificats intermédiaires (plusieurs fois possible)',
  'fetch CRLs from the distribution points and ask OCSP responders (HTTP)': 'télécharger les CRL aux points de distribution et interroger les répondeurs OCSP (HTTP)',
  'password of a PKCS#12 file': 'mot de passe d’un fichier PKCS#12',
  'certificate policy the path must be valid for (repeatable; RFC 5280 initial policy set, explicit)': 'politique de certification pour laquelle le chemin doit être valide (plusieurs fois possible ; ensemble initial de politiques de la RFC 5280, explicite)',
  'what a p12, key or card holds, and which certificate scelle uses for what': 'ce que contient un p12, une clé ou une carte, et quel certificat scelle utilise pour quoi',
  'list keys and certificates and the one picked for each use': 'lister les clés et les certificats, et celui retenu pour chaque usage',
  'sign a test message with the key (on the card for a token) and verify it with the certificate': 'signer un message d’essai avec la clé (sur la carte pour un jeton) et le vérifier avec le certificat',
  'which certificate to test': 'le certificat à tester',
  'smart cards and tokens (PKCS#11)': 'cartes à puce et jetons (PKCS#11)',
  'list the tokens a PKCS#11 module sees': 'lister les jetons que voit un module PKCS#11',
  'PKCS#11 module (Cryptolib CPS, SoftHSM2…)': 'module PKCS#11 (Cryptolib CPS, SoftHSM2…)',

  // password
  'check a password against the policy (CNIL), or generate a strong one': 'juger un mot de passe selon la politique (CNIL), ou en générer un solide',
  'judge a password or passphrase (read from --pass-file, SCELLE_PASSWORD or a no-echo prompt); exit 3 when too weak': 'juger un mot de passe ou une phrase de passe (lu par --pass-file, SCELLE_PASSWORD ou une saisie masquée) ; code 3 s’il est trop faible',
  'read the candidate from this file': 'lire le candidat dans ce fichier',
  'a word the password must not contain (name, practice…); repeatable': 'un mot que le mot de passe ne doit pas contenir (nom, cabinet…) ; plusieurs fois possible',
  'print a strong random password (16 characters, 4 classes) or passphrase (7 words)': 'afficher un mot de passe aléatoire solide (16 caractères, 4 classes) ou une phrase de passe (7 mots)',
  'password or passphrase': 'mot de passe ou phrase de passe',
  'characters of a password (at least 12)': 'nombre de caractères d’un mot de passe (au moins 12)',
  'words of a passphrase (at least 7)': 'nombre de mots d’une phrase de passe (au moins 7)',

  // doctor, completion, man (cli/commands/doctor.ts, cli/commands/self-help.ts)
  'check what the practice depends on (Node.js, trust stores, identities and their certificates, time-stamping authority, card, backups and their schedule) and say what to fix; exit 1 when something is broken':
    'contrôler ce dont dépend le cabinet (Node.js, racines de confiance, identités et leurs certificats, autorité d’horodatage, carte, sauvegardes et leur planification) et dire quoi corriger ; code 1 si quelque chose ne va pas',
  'trust store to check (PEM bundle or folder; repeatable; default: the backup config’s)': 'racines de confiance à contrôler (fichier PEM ou dossier ; plusieurs fois possible ; par défaut : celles de la configuration de sauvegarde)',
  'CRL to check the time-stamping authority’s certificate with (repeatable)': 'CRL pour contrôler le certificat de l’autorité d’horodatage (plusieurs fois possible)',
  'a PKCS#12 identity to check (repeatable; default: the backup config’s)': 'une identité PKCS#12 à contrôler (plusieurs fois possible ; par défaut : celle de la configuration de sauvegarde)',
  'read the identities’ password from this file (without it, only certificates readable without a password are checked)': 'lire le mot de passe des identités dans ce fichier (sans lui, seuls les certificats lisibles sans mot de passe sont contrôlés)',
  'time-stamping authority to try with a real request (default: the backup config’s)': 'autorité d’horodatage à essayer par une vraie requête (par défaut : celle de la configuration de sauvegarde)',
  'PKCS#11 module of the card reader: loaded, and a card looked for': 'module PKCS#11 du lecteur de carte : chargé, et une carte recherchée',
  'the backup config (default scelle-backup.conf, or SCELLE_BACKUP_CONFIG)': 'la configuration de sauvegarde (par défaut scelle-backup.conf, ou SCELLE_BACKUP_CONFIG)',
  'check as of this time (to plan ahead: which certificate will have expired, which backup will be too old)': 'contrôler à cette date (pour anticiper : quel certificat aura expiré, quelle sauvegarde sera trop ancienne)',
  'warn when a certificate expires within this many days': 'prévenir quand un certificat expire dans moins de ce nombre de jours',
  'print a shell completion script (bash, zsh or fish) for scelle': 'afficher un script de complétion (bash, zsh ou fish) pour scelle',
  'the shell': 'le shell',
  'print the manual page of scelle (roff, in your language); read it with: scelle man | man -l -': 'afficher la page de manuel de scelle (roff, dans votre langue) ; pour la lire : scelle man | man -l -',
};
