/**
 * Generated Annuaire Santé extractions of MSSanté mailboxes, in the published layout (31 columns,
 * `|`, one header line; src/mss/directory.ts DIRECTORY_COLUMNS): deterministic pseudo-random
 * practitioners and organisations, plus named entries the tests look for, duplicates, a malformed
 * row, and — in the variant with the 32nd "Liste rouge" column — mailboxes on the liste rouge.
 */
import { DIRECTORY_COLUMNS, LISTE_ROUGE_COLUMN } from '../../src/mss/directory.js';

/** A row by field name (missing fields empty). */
export type Row = Partial<Record<(typeof DIRECTORY_COLUMNS)[number] | typeof LISTE_ROUGE_COLUMN, string>>;

const FAMILIES = ['MARTIN', 'BERNARD', 'THOMAS', 'PETIT', 'ROBERT', 'RICHARD', 'DURAND', 'DUBOIS', 'MOREAU', 'LAURENT', 'SIMON', 'MICHEL', 'LEFÈVRE', 'LEROY', 'ROUX', 'FOURNIER', 'GIRARD', 'BONNET', 'FRANÇOIS', 'MERCIER'];
const GIVEN = ['Jean', 'Marie', 'Pierre', 'Anne', 'Luc', 'Sophie', 'Paul', 'Claire', 'Hélène', 'Éric', 'Zoé', 'Noël', 'Agnès', 'Benoît', 'Céline'];
const PROFESSIONS: [string, string, string][] = [['10', 'Médecin', 'Médecine générale'], ['40', 'Chirurgien-Dentiste', 'Orthopédie dento-faciale'], ['50', 'Sage-Femme', ''], ['60', 'Infirmier', ''], ['21', 'Pharmacien', '']];
const CITIES = ['75015 PARIS', '69003 LYON', '13005 MARSEILLE', '31000 TOULOUSE', '33000 BORDEAUX', '20000 AJACCIO'];

/** A deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** A practitioner's personal mailbox. */
export function practitionerRow(o: { rpps: string; family: string; given: string; address: string; profession?: [string, string, string]; city?: string; organization?: string }): Row {
  const [code, label, sf] = o.profession ?? PROFESSIONS[0]!;
  return {
    'Type de BAL': 'PER', 'Adresse BAL': o.address, 'Type Identifiant PP': '8', 'Identifiant PP': o.rpps, 'Identification nationale PP': `8${o.rpps}`,
    'Type identifiant structure': '3', 'Identification Structure': '31234567890123', "Civilité d'exercice": 'DR', "Nom d'exercice": o.family, "Prénom d'exercice": o.given,
    'Catégorie profession': 'C', 'Libellé de catégorie profession': 'Civil', 'Code Profession': code, 'Libellé Profession': label, 'Code savoir-faire': sf ? 'SM54' : '', 'Libellé savoir-faire': sf,
    'Dématérialisation': 'True', 'Raison Sociale structure BAL': o.organization ?? 'CABINET MEDICAL', 'L6LIGNEACHEMINEMENT structure BAL': o.city ?? CITIES[0]!,
    'Code postal structure BAL': (o.city ?? CITIES[0]!).slice(0, 5), 'Département structure BAL': (o.city ?? CITIES[0]!).slice(0, 2), 'Pays structure BAL': 'France',
  };
}

/** An organisation's mailbox. */
export function organisationRow(o: { address: string; organization: string; service?: string; city?: string }): Row {
  return {
    'Type de BAL': 'ORG', 'Adresse BAL': o.address, 'Type identifiant structure': '1', 'Identification Structure': '1750000000', 'Service de rattachement': o.service ?? '',
    'Raison Sociale structure BAL': o.organization, 'L6LIGNEACHEMINEMENT structure BAL': o.city ?? CITIES[1]!, 'Code postal structure BAL': (o.city ?? CITIES[1]!).slice(0, 5), 'Pays structure BAL': 'France',
  };
}

/** `count` generated rows, then `extra`; every 97th generated row is an organisation. */
export function generatedRows(count: number, seed = 42): Row[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 97 === 0) {
      rows.push(organisationRow({ address: `secretariat.${i}@ch-exemple.mssante.fr`, organization: `CENTRE HOSPITALIER ${pick(['NORD', 'SUD', 'EST'])}`, service: pick(['Cardiologie', 'Radiologie', 'Urgences']) }));
      continue;
    }
    const family = pick(FAMILIES);
    const given = pick(GIVEN);
    const rpps = String(19_000_000_000 + i).padStart(11, '0');
    const ascii = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    rows.push(practitionerRow({ rpps, family, given, address: `${ascii(given)}.${ascii(family)}.${i}@medecin.mssante.fr`, profession: pick(PROFESSIONS), city: pick(CITIES) }));
  }
  return rows;
}

/** The extraction as text: header, rows, CRLF (as the ANS writes it); `listeRouge` adds the 32nd column. */
export function extractionText(rows: Row[], options: { listeRouge?: boolean } = {}): string {
  const columns: string[] = [...DIRECTORY_COLUMNS, ...(options.listeRouge ? [LISTE_ROUGE_COLUMN] : [])];
  const lines = [columns.join('|'), ...rows.map((row) => columns.map((c) => (row as Record<string, string | undefined>)[c] ?? '').join('|'))];
  return `${lines.join('\r\n')}\r\n`;
}
