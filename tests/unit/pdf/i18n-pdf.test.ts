/** The PDF/ASiC message catalog: the same keys in French and English, every issue-14 error code explained in both. */
import { describe, expect, it } from 'vitest';
import { pdfEn, pdfFr } from '../../../cli/i18n/pdf.js';
import { ownMessage } from '../../../cli/i18n/index.js';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { REPO } from '../../helpers/cli.js';

describe('cli/i18n/pdf.ts', () => {
  it('has the same keys in both languages', () => {
    expect(Object.keys(pdfFr).sort()).toEqual(Object.keys(pdfEn).sort());
  });

  it.each(['PDF_MALFORMED', 'PDF_ENCRYPTED', 'PDF_LOCKED', 'PDF_NOT_SIGNED', 'PDF_BYTE_RANGE_INVALID', 'PDF_MODIFIED', 'VALIDATION_DATA_MISSING', 'ASIC_MALFORMED', 'ASIC_UNCOVERED_FILE'])('%s reads in French and English', (code) => {
    expect(ownMessage('fr', `error.${code}`)).toBeTruthy();
    expect(ownMessage('en', `error.${code}`)).toBeTruthy();
    expect(ownMessage('fr', `error.${code}`)).not.toBe(ownMessage('en', `error.${code}`));
  });
});

describe('layering of src/pdf and src/asic', () => {
  const eslint = new ESLint({ cwd: REPO });
  const lint = async (file: string, code: string): Promise<string[]> => {
    const [r] = await eslint.lintText(code, { filePath: join(REPO, file) });
    return r!.messages.map((m) => m.ruleId ?? m.message);
  };
  it.each([
    ['src/pdf/x.ts', "import { a } from '../validation/pades.js'; a();"],
    ['src/pdf/x.ts', "import { a } from '../backup/seal.js'; a();"],
    ['src/asic/x.ts', "import { a } from '../pdf/document.js'; a();"],
    ['src/asic/x.ts', "import { a } from '../mss/read.js'; a();"],
  ])('%s refuses %s', async (file, code) => {
    expect(await lint(file, code)).toContain('no-restricted-imports');
  });
  it.each([
    ['src/pdf/x.ts', "import { a } from '../crypto/cms/sign.js'; a();"],
    ['src/asic/x.ts', "import { a } from '../validation/verify-signature.js'; a();"],
  ])('%s allows %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
