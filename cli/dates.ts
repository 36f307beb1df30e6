/**
 * Dates for people: the user's time zone (`TZ` when set; Europe/Paris for a French user otherwise;
 * the system's zone for others), in the user's language ("7 décembre 2026 à 15:20:31",
 * "7 December 2026 at 15:20:31"). JSON output keeps ISO-8601 UTC.
 */
import type { Lang } from './i18n/index.js';

function zoneOf(lang: Lang, env: NodeJS.ProcessEnv): string | undefined {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz !== undefined && tz !== '') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return tz;
    } catch {
      // an unknown zone name: fall through
    }
  }
  return lang === 'fr' ? 'Europe/Paris' : undefined;
}

/** A date and time in the user's language and time zone, to the second. */
export function formatDate(date: Date, lang: Lang, env: NodeJS.ProcessEnv): string {
  const timeZone = zoneOf(lang, env);
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'medium', ...(timeZone !== undefined ? { timeZone } : {}) }).format(date);
}

/** A day in the user's language and time zone ("7 décembre 2026"): certificate expiry dates. */
export function formatDay(date: Date, lang: Lang, env: NodeJS.ProcessEnv): string {
  const timeZone = zoneOf(lang, env);
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', ...(timeZone !== undefined ? { timeZone } : {}) }).format(date);
}
