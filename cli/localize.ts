/**
 * The reader's text of a ScelleError: English shows the library's own message (the most
 * specific); French fills the catalog's template with the error's parameters — dates in the local
 * time zone ("7 décembre 2026 à 15:20"), sizes in French units ("120,5 Mio"), and the parameters
 * that name a catalog key (`reasonKey`, `opKey`, …) translated — so the practitioner reads French.
 */
import type { ScelleError } from '../src/index.js';
import { translator, type Lang, type Translate } from './i18n/index.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A date for a person: local time zone (TZ respected), `7 décembre 2026 à 15:20` in French. */
export function formatDateFor(lang: Lang, d: Date): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' }).format(d);
}

/** A size for a person: binary units, `120,5 Mio` in French, `120.5 MiB` in English. */
export function formatBytesFor(lang: Lang, n: number): string {
  const units = lang === 'fr' ? ['o', 'Kio', 'Mio', 'Gio', 'Tio'] : ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = v.toFixed(i === 0 ? 0 : 1);
  return `${lang === 'fr' ? text.replace('.', ',') : text}\u00a0${units[i]}`;
}

type Params = Record<string, string | number>;

/** The error's parameters ready for a template of `lang`. */
function localizedParams(err: ScelleError, lang: Lang, t: Translate): Params {
  const params: Params = { detail: err.message, file: '', what: 'fichier', purpose: '', source: '', module: '', ...err.params };
  for (const [k, v] of Object.entries(err.params)) {
    if (typeof v === 'string' && (k === 'date' || /(?:Date|At)$/.test(k)) && ISO_DATE.test(v)) params[k] = formatDateFor(lang, new Date(v));
    if (typeof v === 'number' && k.endsWith('Bytes') && k.length > 5) params[k.slice(0, -5)] = formatBytesFor(lang, v);
  }
  params.missingText = typeof err.params.missingBytes === 'number' ? t('medium.missing', params) : '';
  // Parameters naming a catalog key: `reasonKey` → `reason`, `opKey` → `op`, `fullKey` → `full`.
  for (const [k, v] of Object.entries(err.params)) {
    if (!k.endsWith('Key') || k === 'hintKey' || typeof v !== 'string' || t(v) === v) continue;
    const codes = k === 'reasonKey' && typeof err.params.reasons === 'string' ? err.params.reasons.split(',') : [];
    const prefix = v.slice(0, v.lastIndexOf('.') + 1);
    params[k.slice(0, -3)] = codes.length > 0 ? codes.map((c) => t(`${prefix}${c}`, params)).join(' ; ') : t(v, params);
  }
  return params;
}

/** The message of `err` in `lang` (see the module comment). */
export function localizedMessage(err: ScelleError, lang: Lang): string {
  if (lang === 'en') return err.message;
  const t = translator(lang);
  const key = `error.${err.code}`;
  const text = t(key, localizedParams(err, lang, t));
  // A template whose values the library did not give would print `{entry}`: say it in English then.
  return text === key || /\{\w+\}/.test(text) ? err.message : text;
}

/** The hint of `err` in `lang`: the error's own `hintKey`, else the code's, else the library's. */
export function localizedHint(err: ScelleError, lang: Lang): string | undefined {
  const t = translator(lang);
  const own = typeof err.params.hintKey === 'string' ? err.params.hintKey : undefined;
  for (const key of [own, `hint.${err.code}`]) {
    if (key === undefined || t(key) === key) continue;
    const text = t(key, localizedParams(err, lang, t));
    if (!/\{\w+\}/.test(text)) return text;
  }
  return err.hint;
}
