/** Examples of the longterm commands, by command path (see cli/help/examples.ts); an entry here replaces one there. */
import type { HelpExample } from './examples.js';

const TSA = 'https://horodatage.example/tsa';
const ARCHIVE = '--archive ./archives';
const TRUST = '--trust racine.pem --crl crl.pem';

export const EXAMPLES_LONGTERM: Readonly<Record<string, readonly HelpExample[]>> = {
  sign: [
    { cmd: 'scelle sign lettre.pdf --identity praticien.p12', en: 'sign a letter with a .p12 (password asked): lettre.pdf.p7s', fr: 'signer une lettre avec un .p12 (mot de passe demandé) : lettre.pdf.p7s' },
    { cmd: `scelle sign lettre.pdf --pades --level LT --tsa ${TSA} --crl crl.pem --identity praticien.p12 --visible 1,350,60,200,70`, en: 'a PAdES B-LT signature inside the PDF, visible on page 1: lettre.signed.pdf', fr: 'une signature PAdES B-LT dans le PDF, visible en page 1 : lettre.signed.pdf' },
  ],
  extend: [
    { cmd: `scelle extend lettre.pdf.p7s --level LT --tsa ${TSA} ${TRUST}`, en: 'embed certificates and revocation data: the signature becomes CAdES-LT', fr: 'inclure certificats et données de révocation : la signature devient CAdES-LT' },
    { cmd: `scelle extend *.p7s --level LTA --tsa ${TSA} --trust racine.pem --online`, en: 'an archive time-stamp on every signature, before the last authority’s certificate expires', fr: 'un horodatage d’archive sur chaque signature, avant l’expiration du certificat de la dernière autorité' },
  ],
  pdf: [
    { cmd: `scelle pdf extend lettre.signed.pdf --level LTA --tsa ${TSA} --crl crl.pem`, en: 'validation data and a document time-stamp added to a signed PDF', fr: 'données de validation et horodatage du document ajoutés à un PDF signé' },
  ],
  'pdf extend': [
    { cmd: 'scelle pdf extend lettre.signed.pdf --level LT --crl crl.pem', en: 'embed the validation data (PAdES B-LT); the PDF is replaced', fr: 'inclure les données de validation (PAdES B-LT) ; le PDF est remplacé' },
    { cmd: `scelle pdf extend lettre.signed.pdf --level LTA --tsa ${TSA} --online --out lettre-lta.pdf`, en: 'B-LTA with revocation data fetched online, written to lettre-lta.pdf', fr: 'B-LTA avec des données de révocation téléchargées, écrit dans lettre-lta.pdf' },
  ],
  asic: [
    { cmd: `scelle asic create envoi.asice compte-rendu.pdf ordonnance.pdf --identity praticien.p12 --tsa ${TSA}`, en: 'two documents signed together in one container', fr: 'deux documents signés ensemble dans un seul conteneur' },
    { cmd: 'scelle asic verify envoi.asice --trust racine.pem --crl crl.pem', en: 'check the signature and every document', fr: 'vérifier la signature et chaque document' },
  ],
  'asic create': [
    { cmd: `scelle asic create envoi.asice compte-rendu.pdf ordonnance.pdf --identity praticien.p12 --tsa ${TSA}`, en: 'sign two documents together, time-stamped (CAdES-T)', fr: 'signer deux documents ensemble, avec horodatage (CAdES-T)' },
    { cmd: `scelle asic create preuve.asics lettre.pdf --tsa ${TSA}`, en: 'a time-stamp only, without identity: a proof that lettre.pdf existed', fr: 'un horodatage seul, sans identité : une preuve que lettre.pdf existait' },
  ],
  'asic verify': [
    { cmd: 'scelle asic verify envoi.asice --trust racine.pem --crl crl.pem', en: 'who signed, and did any document change', fr: 'qui a signé, et un document a-t-il été modifié' },
  ],
  'asic extract': [
    { cmd: 'scelle asic extract envoi.asice --out Reçus', en: 'put the documents in ./Reçus (after asic verify)', fr: 'placer les documents dans ./Reçus (après asic verify)' },
  ],
  archive: [
    { cmd: `scelle archive init ${ARCHIVE}`, en: 'create the practice archive in ./archives', fr: 'créer l’archive du cabinet dans ./archives' },
    { cmd: `scelle archive status ${ARCHIVE}`, en: 'what must be renewed or destroyed, and by when', fr: 'ce qui doit être renouvelé ou détruit, et avant quelle date' },
  ],
  'archive init': [
    { cmd: `scelle archive init ${ARCHIVE}`, en: 'a new archive in the practice folder ./archives', fr: 'une nouvelle archive dans le dossier ./archives du cabinet' },
  ],
  'archive add': [
    { cmd: `scelle archive add lettre.pdf ordonnance.pdf ${ARCHIVE} --tsa ${TSA} ${TRUST}`, en: 'two documents in one batch under one time-stamp, its validation data kept', fr: 'deux documents en un lot sous un seul horodatage, ses données de validation conservées' },
    { cmd: `scelle archive add dossier-durand.pdf ${ARCHIVE} --tsa ${TSA} --retention medical --last-care 2024-03-15 --birth 2010-06-02`, en: 'a minor’s record: kept 20 years after the last care, and at least until the 28th birthday', fr: 'le dossier d’un mineur : conservé 20 ans après la dernière prise en charge, et au moins jusqu’à ses 28 ans' },
  ],
  'archive renew': [
    { cmd: `scelle archive renew ${ARCHIVE} --tsa ${TSA} ${TRUST}`, en: 'renew the proofs due within a year, keeping their validation data', fr: 'renouveler les preuves qui arrivent à échéance dans l’année, en conservant leurs données de validation' },
    { cmd: `scelle archive renew ${ARCHIVE} --tsa ${TSA} --hash sha512 --force`, en: 'redo the hash trees of every batch with SHA-512', fr: 'refaire les arbres d’empreintes de tous les lots en SHA-512' },
  ],
  'archive status': [
    { cmd: `scelle archive status ${ARCHIVE}`, en: 'renewals, destructions due and the journal; exit 1 when something needs doing', fr: 'renouvellements, destructions à faire et journal ; code 1 si une action est nécessaire' },
    { cmd: `scelle archive status ${ARCHIVE} --at 2030-01-01`, en: 'what will be due on 1 January 2030', fr: 'ce qu’il y aura à faire au 1er janvier 2030' },
  ],
  'archive export': [
    { cmd: `scelle archive export b3-7 ${ARCHIVE} --out Envoi --purpose "demande du patient"`, en: 'a document and its evidence record for a patient who asked, the purpose journaled', fr: 'un document et sa preuve d’archivage pour un patient qui l’a demandé, le motif inscrit au journal' },
  ],
  'archive verify': [
    { cmd: `scelle archive verify lettre.pdf --ers lettre.pdf.ers ${TRUST}`, en: 'check an exported document with its evidence record', fr: 'vérifier un document exporté avec sa preuve d’archivage' },
    { cmd: `scelle archive verify ${ARCHIVE} ${TRUST}`, en: 'every document, pack and journal seal of the archive', fr: 'chaque document, paquet et scellement du journal de l’archive' },
  ],
  'archive retention': [
    { cmd: `scelle archive retention list ${ARCHIVE}`, en: 'the documents due for destruction', fr: 'les documents à détruire' },
  ],
  'archive retention list': [
    { cmd: `scelle archive retention list ${ARCHIVE} --all`, en: 'every document with the date it may be destroyed from', fr: 'tous les documents avec la date à partir de laquelle ils peuvent être détruits' },
  ],
  'archive retention set': [
    { cmd: `scelle archive retention set b3-7 ${ARCHIVE} --retention fse --date 2025-02-10`, en: 'a care-sheet duplicate, kept 3 months', fr: 'un double de feuille de soins, conservé 3 mois' },
  ],
  'archive retention hold': [
    { cmd: `scelle archive retention hold b3-7 b4-1 ${ARCHIVE} --reason "litige Durand"`, en: 'these documents may not be destroyed while the litigation lasts', fr: 'ces documents ne peuvent pas être détruits tant que dure le litige' },
  ],
  'archive retention release': [
    { cmd: `scelle archive retention release hold-3fa91c ${ARCHIVE}`, en: 'the litigation is over: the suspended delays run again', fr: 'le litige est terminé : les délais suspendus reprennent' },
  ],
  'archive destroy': [
    { cmd: `scelle archive destroy ${ARCHIVE} --dry-run`, en: 'what would be destroyed today', fr: 'ce qui serait détruit aujourd’hui' },
    { cmd: `scelle archive destroy ${ARCHIVE} --identity praticien.p12 --tsa ${TSA} --reason "fin de la durée de conservation"`, en: 'destroy what is due, with a signed, time-stamped destruction certificate', fr: 'détruire les documents arrivés au terme de leur conservation, avec un certificat de destruction signé et horodaté' },
  ],
  journal: [
    { cmd: `scelle journal verify ${ARCHIVE} ${TRUST}`, en: 'check every entry and every seal of the archive’s journal', fr: 'vérifier chaque entrée et chaque scellement du journal de l’archive' },
  ],
  'journal verify': [
    { cmd: `scelle journal verify ${ARCHIVE} ${TRUST}`, en: 'check every entry and every seal', fr: 'vérifier chaque entrée et chaque scellement' },
    { cmd: `scelle journal verify ${ARCHIVE}`, en: 'the hash chain only (seals are not checked without --trust)', fr: 'le chaînage seul (sans --trust, les scellements ne sont pas vérifiés)' },
  ],
  'journal seal': [
    { cmd: `scelle journal seal ${ARCHIVE} --tsa ${TSA}`, en: 'seal the journal after the night’s backups', fr: 'sceller le journal après les sauvegardes de la nuit' },
  ],
};
