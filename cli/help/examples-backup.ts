/** Examples of the backup commands, by command path (see cli/help/examples.ts); an entry here replaces one there. */
import type { HelpExample } from './examples.js';

const NAS = 'sftp://sauvegarde@nas.cabinet.local/scelle';
const HDS = "'hds=s3://cabinet-durand/scelle?endpoint=https://s3.hds.example&region=fr;lock=compliance,days=90'";

export const EXAMPLES_BACKUP: Readonly<Record<string, readonly HelpExample[]>> = {
  'backup init': [
    {
      cmd: `scelle backup init --config cabinet.conf --source Dossiers --target disque=file:///srv/sauvegarde --target usb1=usb:///media/usb1 --target nas=${NAS} --identity praticien.p12 --trust racine.pem --crl crl.pem`,
      en: 'a disk, a USB drive and the NAS, seals signed by the practitioner (passphrase asked twice)',
      fr: 'un disque, une clé USB et le NAS, sceaux signés par le praticien (phrase de passe demandée deux fois)',
    },
    {
      cmd: `scelle backup init --config cabinet.conf --source Dossiers --target usb1=usb:///media/usb1 --target ${HDS} --identity praticien.p12 --trust racine.pem`,
      en: 'a USB drive and an immutable copy at a certified health data host (HDS)',
      fr: 'une clé USB et une copie non modifiable chez un hébergeur de données de santé (HDS)',
    },
  ],
  'backup verify': [
    { cmd: 'scelle backup verify --config cabinet.conf --read-data', en: 'decrypt and authenticate everything (passphrase asked)', fr: 'déchiffrer et authentifier tout (phrase de passe demandée)' },
    {
      cmd: `scelle backup verify --no-key --verifier-kit cabinet.conf.kit-verification.txt --from ${HDS} --crl crl.pem`,
      en: 'what the host checks with the verifier kit, without any key',
      fr: 'ce que l’hébergeur contrôle avec le kit de vérification, sans aucune clé',
    },
  ],
  'backup restore': [
    { cmd: 'scelle backup restore --config cabinet.conf --to Restauration --path dossiers/patients/042', en: 'bring one folder back from the latest snapshot', fr: 'récupérer un dossier depuis le dernier instantané' },
    {
      cmd: `scelle backup restore --from nas=${NAS} --recovery-file cabinet.conf.kit-recuperation.txt --to Restauration`,
      en: 'the day the computer is gone: everything back from the NAS with the recovery kit alone',
      fr: 'le jour où l’ordinateur a disparu : tout récupérer depuis le NAS avec le seul kit de récupération',
    },
  ],
  'backup drill': [
    { cmd: 'scelle backup drill --config cabinet.conf', en: 'the quarterly restore test', fr: 'le test de restauration trimestriel' },
    { cmd: 'scelle backup drill --config cabinet.conf --from-kit', en: 'rehearse a restore from the recovery kit alone, as on a new computer', fr: 'répéter une restauration à partir du seul kit de récupération, comme sur un nouvel ordinateur' },
  ],
  'backup repair': [
    { cmd: 'scelle backup repair --config cabinet.conf --dest usb1', en: 'put back on the USB drive what it lost, from the other copies', fr: 'remettre sur la clé USB ce qu’elle a perdu, à partir des autres copies' },
    { cmd: 'scelle backup repair --config cabinet.conf', en: 'repair every damaged destination', fr: 'réparer chaque destination abîmée' },
  ],
  'backup verifier-kit': [
    { cmd: 'scelle backup verifier-kit --config cabinet.conf --trust racine.pem', en: 'cabinet.conf.kit-verification.txt, to give to the host or the vendor', fr: 'cabinet.conf.kit-verification.txt, à remettre à l’hébergeur ou au prestataire' },
    { cmd: 'scelle backup verifier-kit --config cabinet.conf --out /media/usb1/kit-verification.txt', en: 'the same kit, written on the USB drive', fr: 'le même kit, écrit sur la clé USB' },
  ],
  'backup schedule': [
    { cmd: 'scelle backup schedule --config cabinet.conf --weekly --day vendredi --at 19:30', en: 'back up every Friday at 19:30 (systemd, or cron)', fr: 'sauvegarder chaque vendredi à 19 h 30 (systemd, ou cron)' },
    { cmd: 'scelle backup schedule --config cabinet.conf --daily --dry-run', en: 'show the daily schedule it would install, change nothing', fr: 'afficher la programmation quotidienne qui serait installée, sans rien modifier' },
  ],
};
