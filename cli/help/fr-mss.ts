/**
 * French help of the secure messaging commands (mss) — keyed by the English text of the command
 * file (see cli/help/index.ts). Plain spaces: the typography is applied when printed.
 */
export const helpFrMss: Record<string, string> = {
  'secure health messaging (MSSanté): S/MIME, IHE XDM, read receipts, SMTP/IMAP over TLS': 'messagerie sécurisée de santé (MSSanté) : S/MIME, IHE XDM, accusés de lecture, SMTP/IMAP sur TLS',

  // mss send
  'compose a message (signed, encrypted, XDM as asked) and send it (--smtp) or write it (--out)': 'composer un message (signé, chiffré, XDM selon la demande) et l’envoyer (--smtp) ou l’écrire (--out)',
  'sender address (must be in your certificate when signing)': 'adresse de l’expéditeur (doit figurer dans votre certificat pour signer)',
  'recipient addresses': 'adresses des destinataires',
  'recipients by RPPS number: their personal MSSanté mailbox from the directory (mss directory import)':
    'destinataires par numéro RPPS : leur boîte aux lettres MSSanté personnelle, trouvée dans l’annuaire (mss directory import)',
  'the directory index for --to-rpps (default: SCELLE_MSS_DIRECTORY, else ~/.local/share/scelle/annuaire-mssante.idx)':
    'l’index de l’annuaire pour --to-rpps (par défaut : SCELLE_MSS_DIRECTORY, sinon ~/.local/share/scelle/annuaire-mssante.idx)',
  'copy to (repeatable)': 'copie à (plusieurs fois possible)',
  'subject (French accents are fine)': 'objet (les accents sont acceptés)',
  'text of the message (UTF-8 file)': 'texte du message (fichier UTF-8)',
  'files to attach': 'fichiers à joindre',
  'a CDA R2 document (e.g. a compte rendu): sent in IHE_XDM.zip with the metadata of its header, announced by X-MSS-CODECDA and X-MSS-INS (repeatable)':
    'un document CDA R2 (par exemple un compte rendu) : envoyé dans IHE_XDM.zip avec les métadonnées de son en-tête, annoncé par X-MSS-CODECDA et X-MSS-INS (plusieurs fois possible)',
  'pack the attachments as an IHE XDM package too (IHE_XDM.zip, with hashes in METADATA.XML); without it, --attach files travel beside the package':
    'placer aussi les pièces jointes dans le paquet IHE XDM (IHE_XDM.zip, avec leurs empreintes dans METADATA.XML) ; sans cette option, les fichiers de --attach voyagent à côté du paquet',
  'your software’s product reference from convergence.esante.gouv.fr, sent as X-MSS-NIL (default: SCELLE_MSS_NIL)':
    'la référence produit de votre logiciel, attribuée sur convergence.esante.gouv.fr, envoyée dans X-MSS-NIL (par défaut : SCELLE_MSS_NIL)',
  'append the message to this register of sent messages, so that mss read links receipts to it (default: SCELLE_MSS_SENT_LOG)':
    'ajouter le message à ce registre des envois, pour que `mss read` y rattache les accusés (par défaut : SCELLE_MSS_SENT_LOG)',
  'to a patient’s Mon espace santé address (…@patient.mssante.fr): the patient may not answer (X-MSS-MES: FIN)':
    'vers l’adresse Mon espace santé d’un patient (…@patient.mssante.fr) : le patient ne pourra pas répondre (X-MSS-MES: FIN)',
  'sign (S/MIME multipart/signed, CAdES, SHA-256) with the identity’s signature certificate': 'signer (S/MIME multipart/signed, CAdES, SHA-256) avec le certificat de signature de l’identité',
  'encrypt (S/MIME, AES-256-GCM AuthEnvelopedData) to --to-cert and to yourself': 'chiffrer (S/MIME, AES-256-GCM AuthEnvelopedData) pour --to-cert et pour vous-même',
  'recipients’ certificates (PEM/DER; the encryption one is picked)': 'certificats des destinataires (PEM/DER ; celui de chiffrement est retenu)',
  'with --encrypt: compatibility mode for PKCS#7-only clients (openssl smime, gpgsm 2.2): EnvelopedData AES-256-CBC, RSA PKCS#1 v1.5 key transport':
    'avec --encrypt : mode de compatibilité pour les logiciels qui ne connaissent que PKCS#7 (openssl smime, gpgsm 2.2) : EnvelopedData AES-256-CBC, transport de clé RSA PKCS#1 v1.5',
  'do not ask for a read receipt (Disposition-Notification-To)': 'ne pas demander d’accusé de lecture (Disposition-Notification-To)',

  // send and ack: delivery; send, read and ack: trust and login
  'send through this server: smtps://user@host:465 (TLS) or smtp://user@host:587 (STARTTLS required)': 'envoyer par ce serveur : smtps://utilisateur@hôte:465 (TLS) ou smtp://utilisateur@hôte:587 (STARTTLS exigé)',
  'write the finished message to this file instead of sending it': 'écrire le message terminé dans ce fichier au lieu de l’envoyer',
  'trust only the IGC-Santé trust store for servers and signatures (a certificate outside it is refused: NOT_IGC_SANTE)':
    'ne faire confiance qu’au magasin de confiance IGC-Santé pour les serveurs et les signatures (un certificat qui n’en relève pas est refusé : NOT_IGC_SANTE)',
  'the IGC-Santé trust store: a folder of certificates or a PEM bundle (default: SCELLE_IGC_SANTE_STORE, else ~/.config/scelle/igc-sante)':
    'le magasin de confiance IGC-Santé : un dossier de certificats ou un fichier PEM qui les regroupe (par défaut : SCELLE_IGC_SANTE_STORE, sinon ~/.config/scelle/igc-sante)',
  'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)': 'lire le mot de passe du compte de messagerie dans ce fichier (sinon SCELLE_MAIL_PASSWORD, sinon une saisie)',
  'present the identity’s authentication certificate (TLS client authentication); a URL without user logs in with the certificate alone (IMAP: SASL EXTERNAL)':
    'présenter le certificat d’authentification de l’identité (authentification TLS du client) ; une URL sans utilisateur se connecte avec le seul certificat (IMAP : SASL EXTERNAL)',
  'log in with this access token (e-CPS / Pro Santé Connect style, SASL OAUTHBEARER or XOAUTH2): the raw token or JSON {"access_token","expires_at"}; renewed tokens are written back':
    'se connecter avec ce jeton d’accès OAuth (comme ceux d’e-CPS / Pro Santé Connect, SASL OAUTHBEARER ou XOAUTH2) : le jeton brut ou le JSON {"access_token","expires_at"} ; les jetons renouvelés y sont réécrits',
  'renew the access token with this refresh token when it expires or is refused (with --oauth-token-url and --oauth-client-id)':
    'renouveler le jeton d’accès avec ce jeton de renouvellement quand il expire ou est refusé (avec --oauth-token-url et --oauth-client-id)',
  'the token endpoint (https) that renews access tokens': 'l’adresse (https) du service de jetons qui renouvelle les jetons d’accès',
  'the client id registered at the token endpoint': 'l’identifiant client enregistré auprès du service de jetons',
  'the client secret, for a confidential client (else SCELLE_OAUTH_CLIENT_SECRET; none for a public client)':
    'le secret client, pour un client confidentiel (sinon SCELLE_OAUTH_CLIENT_SECRET ; aucun pour un client public)',
  'the scope to ask when renewing': 'la portée (scope) à demander lors du renouvellement',
  'check the mail server’s certificate chain against these CRLs, PEM or DER (repeatable): each certificate of the chain needs a current CRL of its issuer; revoked or not covered → refused':
    'contrôler la chaîne de certificats du serveur de messagerie avec ces CRL, PEM ou DER (plusieurs fois possible) : chaque certificat de la chaîne doit avoir une CRL à jour de son émetteur ; révoqué ou non couvert → refusé',
  'the SASL mechanism for the token (default OAUTHBEARER; IMAP falls back to XOAUTH2 when the server offers only that)':
    'le mécanisme SASL pour le jeton (OAUTHBEARER par défaut ; en IMAP, repli sur XOAUTH2 quand le serveur ne propose que celui-ci)',

  // mss read
  'read messages from a file or a mailbox: decrypt, verify the signature and the sender (name, RPPS), show the text, check XDM hashes, recognise read receipts':
    'lire des messages depuis un fichier ou une boîte aux lettres : déchiffrer, vérifier la signature et l’expéditeur (nom, RPPS), afficher le texte, contrôler les empreintes XDM, reconnaître les accusés de lecture',
  'a message file (instead of --imap)': 'un fichier de message (au lieu de --imap)',
  'read this mailbox: imaps://user@host:993 (TLS) or imap://user@host:143 (STARTTLS required)':
    'lire cette boîte aux lettres : imaps://utilisateur@hôte:993 (TLS) ou imap://utilisateur@hôte:143 (STARTTLS exigé)',
  'IMAP folder': 'dossier IMAP',
  'read every message, not only unseen ones': 'lire tous les messages, pas seulement les non lus',
  'do not mark the messages read as seen': 'ne pas marquer comme lus les messages lus ici',
  'save the attachments (and XDM documents) of messages whose checks pass, with safe names, never overwriting':
    'enregistrer les pièces jointes (et les documents XDM) des messages dont les contrôles réussissent, sous des noms sûrs, sans jamais écraser',
  'a message that is not signed fails (exit 3) and nothing of it is saved': 'un message non signé est en échec (code de sortie 3) et rien n’en est enregistré',
  'fetch CRLs / ask OCSP responders named in the certificates': 'télécharger les CRL et interroger les répondeurs OCSP indiqués dans les certificats',
  'the register mss send --sent-log keeps: receipts and integration errors are linked to your sent message (default: SCELLE_MSS_SENT_LOG)':
    'le registre des envois que tient mss send --sent-log : les accusés et les erreurs d’intégration sont rattachés au message que vous avez envoyé (par défaut : SCELLE_MSS_SENT_LOG)',

  // mss ack
  'answer a received message: read receipt (MDN displayed), integration receipt (--processed) or integration error (--error CODE: MDN, or the volet’s error e-mail when no receipt was asked), written (--out) or sent (--smtp)':
    'répondre à un message reçu : accusé de lecture (MDN displayed), accusé d’intégration (--processed) ou erreur d’intégration (avec --error CODE : MDN, ou courriel d’erreur du volet quand aucun accusé n’a été demandé), écrit (--out) ou envoyé (--smtp)',
  'the received message': 'le message reçu',
  'your address (default: the one of the original’s recipients that is yours)': 'votre adresse (par défaut : celle des destinataires du message d’origine qui est la vôtre)',
  'the document was integrated: automatic-action/MDN-sent-automatically; processed (ANS volet)':
    'le document a été intégré : automatic-action/MDN-sent-automatically; processed (volet de l’ANS)',
  'the document could not be integrated: an error code of the ANS volet (e.g. 902 Identifiant patient inconnu, 903 INS non présent…)':
    'le document n’a pas pu être intégré : un code d’erreur du volet de l’ANS (par exemple 902 Identifiant patient inconnu, 903 INS non présent…)',
  'the label of an error code that is not in the volet’s tables': 'le libellé d’un code d’erreur absent des tables du volet',
  'sign the receipt with the identity’s signature certificate': 'signer l’accusé avec le certificat de signature de l’identité',

  // mss directory, mss lookup
  'the MSSanté directory (Annuaire Santé public extraction)': 'l’annuaire MSSanté (extraction publique de l’Annuaire Santé)',
  'import the Annuaire Santé extraction of MSSanté mailboxes (Extraction_Correspondance_MSSante: the .txt or the zip); liste-rouge mailboxes are never kept':
    'importer l’extraction des boîtes aux lettres MSSanté de l’Annuaire Santé (Extraction_Correspondance_MSSante : le .txt ou le zip) ; les boîtes en liste rouge ne sont jamais conservées',
  'Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt (or .zip)': 'Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt (ou .zip)',
  'the directory index (default: SCELLE_MSS_DIRECTORY, else ~/.local/share/scelle/annuaire-mssante.idx)':
    'l’index de l’annuaire (par défaut : SCELLE_MSS_DIRECTORY, sinon ~/.local/share/scelle/annuaire-mssante.idx)',
  'look a practitioner or an organisation up in the MSSanté directory: by name, RPPS (11 digits) or address':
    'chercher un praticien ou une structure dans l’annuaire MSSanté : par nom, RPPS (11 chiffres) ou adresse',
  'a name ("durand claire", "clinique"), an RPPS number, or an address': 'un nom (« durand claire », « clinique »), un numéro RPPS ou une adresse',
  'only mailboxes of this type': 'seulement les boîtes aux lettres de ce type',
  'at most this many results': 'nombre maximal de résultats',
};
