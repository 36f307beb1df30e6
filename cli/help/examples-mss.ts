/** Examples of the mss commands, by command path (see cli/help/examples.ts); an entry here replaces one there. */
import type { HelpExample } from './examples.js';

const SMTP = 'smtps://praticien@smtp.cabinet.mssante.fr:465';
const IMAP = 'imaps://praticien@imap.cabinet.mssante.fr:993';
const EXTRACTION = 'Extraction_Correspondance_MSSante_202611230813';

export const EXAMPLES_MSS: Readonly<Record<string, readonly HelpExample[]>> = {
  mss: [
    { cmd: `scelle mss read --imap ${IMAP} --identity praticien.p12 --trust-igc-sante --save-dir Reçus`, en: 'read the new messages of the mailbox and save what passes every check', fr: 'lire les nouveaux messages de la boîte aux lettres et enregistrer ce qui passe tous les contrôles' },
    { cmd: 'scelle mss lookup durand claire', en: 'find a colleague’s address in the MSSanté directory', fr: 'trouver l’adresse d’un confrère dans l’annuaire MSSanté' },
  ],
  'mss send': [
    {
      cmd: `scelle mss send --from praticien@cabinet.mssante.fr --to cardiologue@hopital.mssante.fr --subject "Compte rendu de consultation" --cda compte-rendu.xml --sign --encrypt --to-cert cardiologue.pem --identity praticien.p12 --trust-igc-sante --smtp ${SMTP}`,
      en: 'send a CDA report, signed and encrypted, in IHE_XDM.zip',
      fr: 'envoyer un compte rendu CDA, signé et chiffré, dans IHE_XDM.zip',
    },
    {
      cmd: 'scelle mss send --from praticien@cabinet.mssante.fr --to-rpps 10001234567 --subject "Courrier d’adressage" --body courrier.txt --attach ordonnance.pdf --sign --identity praticien.p12 --out message.eml',
      en: 'address a colleague by RPPS number (directory imported first); the signed message is written to message.eml',
      fr: 'écrire à un confrère par son numéro RPPS (annuaire importé au préalable) ; le message signé est écrit dans message.eml',
    },
  ],
  'mss read': [
    { cmd: `scelle mss read --imap ${IMAP} --identity praticien.p12 --trust-igc-sante --save-dir Reçus --sent-log envois.jsonl`, en: 'read the unseen messages, save their checked documents, link receipts to your sent messages', fr: 'lire les messages non lus, enregistrer leurs documents contrôlés, rattacher les accusés à vos envois' },
    { cmd: 'scelle mss read message.eml --identity praticien.p12 --trust racine.pem --crl crl.pem --require-signature', en: 'check a message saved as a file; it fails if it is not signed', fr: 'contrôler un message enregistré dans un fichier ; échec s’il n’est pas signé' },
  ],
  'mss ack': [
    { cmd: `scelle mss ack message.eml --identity praticien.p12 --trust-igc-sante --smtp ${SMTP}`, en: 'send the read receipt the sender asked for', fr: 'envoyer l’accusé de lecture demandé par l’expéditeur' },
    { cmd: 'scelle mss ack message.eml --identity praticien.p12 --error 903 --out erreur.eml', en: 'report that the document could not be integrated (903: INS not present)', fr: 'signaler que le document n’a pas pu être intégré (903 : INS non présent)' },
  ],
  'mss directory': [
    { cmd: `scelle mss directory import ${EXTRACTION}.txt`, en: 'import the extraction downloaded from annuaire.sante.fr', fr: 'importer l’extraction téléchargée sur annuaire.sante.fr' },
  ],
  'mss directory import': [
    { cmd: `scelle mss directory import ${EXTRACTION}.txt`, en: 'import the mailboxes (those on the liste rouge are left out)', fr: 'importer les boîtes aux lettres (celles en liste rouge sont écartées)' },
    { cmd: `scelle mss directory import ${EXTRACTION}.zip --directory /srv/scelle/annuaire-mssante.idx`, en: 'import the zip into an index shared by the practice', fr: 'importer le zip dans un index partagé par le cabinet' },
  ],
  'mss lookup': [
    { cmd: 'scelle mss lookup durand claire', en: 'the MSSanté addresses of the practitioners named Claire Durand', fr: 'les adresses MSSanté des praticiens nommés Claire Durand' },
    { cmd: 'scelle mss lookup clinique --type ORG --limit 5', en: 'the first five organisation mailboxes matching “clinique”', fr: 'les cinq premières boîtes organisationnelles qui répondent à « clinique »' },
  ],
};
