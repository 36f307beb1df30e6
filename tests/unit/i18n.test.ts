import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/index.js';
import { ownMessage } from '../../cli/i18n/index.js';

describe('message catalogs', () => {
  it.each(ERROR_CODES.filter((c) => c !== 'USAGE'))('%s has a message and a hint-or-message in French and English', (code) => {
    for (const lang of ['en', 'fr'] as const) {
      expect(ownMessage(lang, `error.${code}`), `${lang} error.${code}`).toBeTruthy();
    }
  });

  it('French and English catalogs have the same keys', async () => {
    const en = { ...(await import('../../cli/i18n/en.js')).en };
    const fr = { ...(await import('../../cli/i18n/fr.js')).fr };
    const areas = await Promise.all([import('../../cli/i18n/encrypt.js'), import('../../cli/i18n/backup.js'), import('../../cli/i18n/mss.js')]);
    const [e, b, m] = areas;
    Object.assign(en, e.encryptEn, b.backupEn, m.mssEn);
    Object.assign(fr, e.encryptFr, b.backupFr, m.mssFr);
    const missingFr = Object.keys(en).filter((k) => ownMessage('fr', k) === undefined);
    const missingEn = Object.keys(fr).filter((k) => ownMessage('en', k) === undefined);
    expect({ missingFr, missingEn }).toEqual({ missingFr: [], missingEn: [] });
  });
});
