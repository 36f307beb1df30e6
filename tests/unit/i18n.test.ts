import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/index.js';
import { ownMessage } from '../../cli/i18n/index.js';

/** Each area's catalogs, as cli/i18n/index.ts merges them. */
async function areaCatalogs(): Promise<{ area: string; en: Record<string, string>; fr: Record<string, string> }[]> {
  const [core, e, b, m, v, p, f, a] = await Promise.all([
    Promise.all([import('../../cli/i18n/en.js'), import('../../cli/i18n/fr.js')]),
    import('../../cli/i18n/encrypt.js'), import('../../cli/i18n/backup.js'), import('../../cli/i18n/mss.js'), import('../../cli/i18n/validation.js'),
    import('../../cli/i18n/pdf.js'), import('../../cli/i18n/files.js'), import('../../cli/i18n/archive.js'),
  ]);
  return [
    { area: 'core', en: core[0].en, fr: core[1].fr }, { area: 'encrypt', en: e.encryptEn, fr: e.encryptFr }, { area: 'backup', en: b.backupEn, fr: b.backupFr },
    { area: 'mss', en: m.mssEn, fr: m.mssFr }, { area: 'validation', en: v.validationEn, fr: v.validationFr }, { area: 'pdf', en: p.pdfEn, fr: p.pdfFr },
    { area: 'files', en: f.filesEn, fr: f.filesFr }, { area: 'archive', en: a.archiveEn, fr: a.archiveFr },
  ];
}

describe('message catalogs', () => {
  it('no key is defined by two areas (the later one would silently win)', async () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const { area, en, fr } of await areaCatalogs()) {
      for (const k of new Set([...Object.keys(en), ...Object.keys(fr)])) {
        const first = seen.get(k);
        if (first !== undefined && first !== area) twice.push(`${k}: ${first} and ${area}`);
        seen.set(k, area);
      }
    }
    expect(twice).toEqual([]);
  });

  it.each(ERROR_CODES.filter((c) => c !== 'USAGE'))('%s has a message and a hint-or-message in French and English', (code) => {
    for (const lang of ['en', 'fr'] as const) {
      expect(ownMessage(lang, `error.${code}`), `${lang} error.${code}`).toBeTruthy();
    }
  });

  it('French and English catalogs have the same keys', async () => {
    const en = { ...(await import('../../cli/i18n/en.js')).en };
    const fr = { ...(await import('../../cli/i18n/fr.js')).fr };
    for (const { en: e, fr: f } of await areaCatalogs()) {
      Object.assign(en, e);
      Object.assign(fr, f);
    }
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

describe('counts and their words', () => {
  it('French: 0 and 1 take the singular, English only 1', async () => {
    const { translator, singular } = await import('../../cli/i18n/index.js');
    expect([0, 1, 2, 1000].map((n) => singular('fr', n))).toEqual([true, true, false, false]);
    expect([0, 1, 2].map((n) => singular('en', n))).toEqual([false, true, false]);
    const fr = translator('fr');
    const en = translator('en');
    expect(fr('demo.step.backupRestore', { path: 'dossier', files: 1 })).toBe('un dossier restauré (dossier, 1 fichier) : identique à l’original');
    expect(fr('demo.step.backupRestore', { path: 'dossier', files: 3 })).toBe('un dossier restauré (dossier, 3 fichiers) : identique à l’original');
    expect(fr('sign.summary', { ok: 1, total: 2 })).toBe('1 fichier signé sur 2');
    expect(fr('sign.summary', { ok: 2, total: 2 })).toBe('2 fichiers signés sur 2');
    expect(en('demo.step.backupRestore', { path: 'folder', files: 0 })).toBe('one folder restored (folder, 0 files): identical to the original');
    expect(en('demo.step.backupRestore', { path: 'folder', files: 1 })).toBe('one folder restored (folder, 1 file): identical to the original');
    // a count not given leaves the template visible, as any missing value does
    expect(fr('sign.summary', { total: 2 })).toContain('{ok?');
  });

  it('no catalog writes « (s) » any more where a count chooses the word', async () => {
    const { ownMessage } = await import('../../cli/i18n/index.js');
    for (const key of ['export.ok', 'import.ok', 'import.verified', 'export.manifest', 'import.manifestOk', 'sign.summary', 'backup.tempRemoved']) {
      expect(ownMessage('fr', key), key).not.toMatch(/\(s\)/);
      expect(ownMessage('en', key) ?? '', key).not.toMatch(/\(s\)/);
    }
  });
});
