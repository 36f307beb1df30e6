/**
 * French help of the secure messaging commands (mss) — keyed by the English text of the command
 * file (see cli/help/index.ts). Plain spaces: the typography is applied when printed.
 */
export const helpFrMss: Record<string, string> = {
  'secure health messaging (MSSanté): S/MIME, IHE XDM, read receipts, SMTP/IMAP over TLS': 'messagerie sécurisée de santé (MSSanté) : S/MIME, IHE XDM, accusés de lecture, SMTP/IMAP sur TLS',
  'compose a message (signed, encrypted, XDM as asked) and send it (--smtp) or write it (--out)': 'composer un message (signé, chiffré, XDM selon la demande) et l’envoyer (--smtp) ou l’écrire (--out)',
  'sender address (must be in your certificate when signing)': 'adresse de l’expéditeur (doit figurer dans votre certificat pour signer)',
  'recipient addresses': 'adresses des destinataires',
  'copy to (repeatable)': 'copie à (plusieurs fois possible)',
  'subject (French accents are fine)': 'objet (les accents sont acceptés)',
  'text of the message (UTF-8 file)': 'texte du message (fichier UTF-8)',
  'files to attach': 'fichiers à joindre',
  'pack the attachments as an IHE XDM package (IHE_XDM.zip, with hashes in METADATA.XML)': 'emballer les pièces jointes en paquet IHE XDM (IHE_XDM.zip, avec les empreintes dans METADATA.XML)',
  'sign (S/MIME multipart/signed, CAdES, SHA-256) with the identity’s signature certificate': 'signer (S/MIME multipart/signed, CAdES, SHA-256) avec le certificat de signature de l’identité',
  'encrypt (S/MIME, AES-256-GCM AuthEnvelopedData) to --to-cert and to yourself': 'chiffrer (S/MIME, AES-256-GCM AuthEnvelopedData) pour --to-cert et pour vous-même',
  'recipients’ certificates (PEM/DER; the encryption one is picked)': 'certificats des destinataires (PEM/DER ; celui de chiffrement est retenu)',
  'with --encrypt: compatibility mode for PKCS#7-only clients (openssl smime, gpgsm 2.2): EnvelopedData AES-256-CBC, RSA PKCS#1 v1.5 key transport':
    'avec --encrypt : mode de compatibilité pour les logiciels qui ne connaissent que PKCS#7 (openssl smime, gpgsm 2.2) : EnvelopedData AES-256-CBC, transport de clé RSA PKCS#1 v1.5',
  'do not ask for a read receipt (Disposition-Notification-To)': 'ne pas demander d’accusé de lecture (Disposition-Notification-To)',
  'send through this server: smtps://user@host:465 (TLS) or smtp://user@host:587 (STARTTLS required)': 'envoyer par ce serveur : smtps://utilisateur@hôte:465 (TLS) ou smtp://utilisateur@hôte:587 (STARTTLS exigé)',
  'write the finished message to this file instead of sending it': 'écrire le message terminé dans ce fichier au lieu de l’envoyer',
  'read the mail account password from this file (else SCELLE_MAIL_PASSWORD, else a prompt)': 'lire le mot de passe du compte de messagerie dans ce fichier (sinon SCELLE_MAIL_PASSWORD, sinon une saisie)',
  'also present the identity’s authentication certificate (TLS client authentication); implied when the URL names no user':
    'présenter aussi le certificat d’authentification de l’identité (authentification TLS du client) ; implicite quand l’URL ne nomme pas d’utilisateur',
  'read messages from a file or an IMAPS mailbox: decrypt, verify the signature and the sender (name, RPPS), check XDM hashes, recognise read receipts':
    'lire des messages depuis un fichier ou une boîte IMAPS : déchiffrer, vérifier la signature et l’expéditeur (nom, RPPS), contrôler les empreintes XDM, reconnaître les accusés de lecture',
  'a message file (instead of --imap)': 'un fichier de message (au lieu de --imap)',
  'read this mailbox: imaps://user@host:993': 'lire cette boîte : imaps://utilisateur@hôte:993',
  'IMAP folder': 'dossier IMAP',
  'read every message, not only unseen ones': 'lire tous les messages, pas seulement les non lus',
  'do not mark the messages read as seen': 'ne pas marquer comme lus les messages lus ici',
  'save the attachments (and XDM documents) of messages whose checks pass, with safe names, never overwriting':
    'enregistrer les pièces jointes (et les documents XDM) des messages dont les contrôles réussissent, sous des noms sûrs, sans jamais écraser',
  'present the identity’s authentication certificate (TLS client authentication)': 'présenter le certificat d’authentification de l’identité (authentification TLS du client)',
  'answer a received message with a read receipt (MDN, RFC 8098: displayed), written (--out) or sent (--smtp)': 'répondre à un message reçu par un accusé de lecture (MDN, RFC 8098 : displayed), écrit (--out) ou envoyé (--smtp)',
  'the received message': 'le message reçu',
  'your address (default: the one of the original’s recipients that is yours)': 'votre adresse (par défaut : celle des destinataires du message d’origine qui est la vôtre)',
  'sign the receipt with the identity’s signature certificate': 'signer l’accusé avec le certificat de signature de l’identité',
};
