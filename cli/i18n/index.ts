/** Message catalogs: French when LANG/LC_ALL starts with `fr`, English otherwise; `--lang` wins. */
import { en as enCore } from './en.js';
import { fr as frCore } from './fr.js';
import { encryptEn, encryptFr } from './encrypt.js';
import { backupEn, backupFr } from './backup.js';
import { mssEn, mssFr } from './mss.js';
import { validationEn, validationFr } from './validation.js';
import { pdfEn, pdfFr } from './pdf.js';
import { filesEn, filesFr } from './files.js';
import { archiveEn, archiveFr } from './archive.js';
import { helpEn, helpFr } from './help.js';
import { doctorEn, doctorFr } from './doctor.js';

// One catalog per area (core, encryption, backups, messaging, validation, PDF/ASiC, files and media, long-term proofs, help, doctor), merged; keys never collide (tests/unit/i18n.test.ts).
const en: Record<string, string> = { ...enCore, ...encryptEn, ...backupEn, ...mssEn, ...validationEn, ...pdfEn, ...filesEn, ...archiveEn, ...helpEn, ...doctorEn };
const fr: Record<string, string> = { ...frCore, ...encryptFr, ...backupFr, ...mssFr, ...validationFr, ...pdfFr, ...filesFr, ...archiveFr, ...helpFr, ...doctorFr };

export type Lang = 'fr' | 'en';
const catalogs: Record<Lang, Record<string, string>> = { en, fr };

/** Picks the language from an explicit `--lang` value, then LC_ALL, LC_MESSAGES, LANG. */
export function pickLang(explicit: string | undefined, env: NodeJS.ProcessEnv): Lang {
  if (explicit === 'fr' || explicit === 'en') return explicit;
  const v = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return v.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** A translator bound to one language. */
export type Translate = (key: string, params?: Readonly<Record<string, string | number>>) => string;

/**
 * Whether a count takes the singular: in French 0 and 1 do (« 0 fichier », « 1 fichier »), in
 * English only 1 ("0 files").
 */
export function singular(lang: Lang, count: number): boolean {
  return lang === 'fr' ? Math.abs(count) < 2 : count === 1;
}

/**
 * Returns the translator for `lang`; unknown keys fall back to English, then to the key itself.
 * A template names a value `{files}` and chooses a word by its count with `{files?fichier|fichiers}`.
 */
export function translator(lang: Lang): Translate {
  const cat = catalogs[lang];
  return (key, params = {}) => {
    const template = cat[key] ?? en[key] ?? key;
    return template
      .replace(/\{(\w+)\?([^|{}]*)\|([^{}]*)\}/g, (m, name: string, one: string, other: string) => (name in params ? (singular(lang, Number(params[name])) ? one : other) : m))
      .replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** True when the catalog of `lang` has `key` (English counts as fallback). */
export function hasMessage(key: string): boolean {
  return key in en;
}

/** The message of `key` in `lang` only (no fallback), or undefined: for catalog completeness tests. */
export function ownMessage(lang: Lang, key: string): string | undefined {
  return catalogs[lang][key];
}
