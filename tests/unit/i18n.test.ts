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
    const areas = await Promise.all([import('../../cli/i18n/encrypt.js'), import('../../cli/i18n/backup.js'), import('../../cli/i18n/mss.js'), import('../../cli/i18n/archive.js')]);
    const [e, b, m, a] = areas;
    Object.assign(en, e.encryptEn, b.backupEn, m.mssEn, a.archiveEn);
    Object.assign(fr, e.encryptFr, b.backupFr, m.mssFr, a.archiveFr);
    const missingFr = Object.keys(en).filter((k) => ownMessage('fr', k) === undefined);
    const missingEn = Object.keys(fr).filter((k) => ownMessage('en', k) === undefined);
    expect({ missingFr, missingEn }).toEqual({ missingFr: [], missingEn: [] });
  });
});

describe('localized error messages', () => {
  it('French when the library gave every value of the template, English otherwise (never a raw {placeholder})', async () => {
    const { localizedMessage } = await import('../../cli/main.js');
    const { ScelleError } = await import('../../src/index.js');
    const full = new ScelleError('MANIFEST_MISMATCH', 'a.txt does not match', { params: { entry: 'a.txt', detail: 'size' } });
    expect(localizedMessage(full, 'fr')).toBe('a.txt ne correspond pas au manifeste : size');
    const partial = new ScelleError('MANIFEST_MISMATCH', 'the manifest lists a file the archive lacks');
    expect(localizedMessage(partial, 'fr')).toBe('the manifest lists a file the archive lacks');
    const weak = new ScelleError('WEAK_PASSWORD', 'weak', { params: { reason: 'x', reasonKey: 'password.reason.too-short', reasons: 'too-short,few-classes' } });
    expect(localizedMessage(weak, 'fr')).toContain('moins de 12 caractères');
    expect(localizedMessage(weak, 'fr')).toContain('chiffres et caractères spéciaux');
  });
});
