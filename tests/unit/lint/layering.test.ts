/** The layering rule of `npm run lint` really refuses what HOUSE-STYLE forbids, and allows the rest. */
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { REPO } from '../../helpers/cli.js';
import { join } from 'node:path';

const eslint = new ESLint({ cwd: REPO });
const lint = async (file: string, code: string): Promise<string[]> => {
  const [r] = await eslint.lintText(code, { filePath: join(REPO, file) });
  return r!.messages.map((m) => m.ruleId ?? m.message);
};

describe('layering lint', () => {
  it.each([
    ['cli/commands/x.ts', "import { parsePem } from '../../src/crypto/pem.js'; parsePem('');", 'no-restricted-imports'],
    ['cli/x.ts', "import { readInputFile } from '../src/io/read-file.js'; readInputFile('');", 'no-restricted-imports'],
    ['cli/commands/x.ts', "import { a } from '../../src/internal/x.js'; a();", 'no-restricted-imports'],
    ['src/crypto/x.ts', "import { fsError } from '../internal.js'; fsError;", 'no-restricted-imports'],
    ['src/crypto/x.ts', "import { a } from '../backup/repository.js'; a();", 'no-restricted-imports'],
    ['src/crypto/x509/x.ts', "import { a } from '../../timestamp/tsp.js'; a();", 'no-restricted-imports'],
    ['src/backup/destination/x.ts', "import { a } from '../../crypto/pem.js'; a();", 'no-restricted-imports'],
    ['src/backup/destination/x.ts', "import { createCipheriv } from 'node:crypto'; createCipheriv;", 'no-restricted-imports'],
    ['src/backup/destination/x.ts', "import { a } from '../repository.js'; a();", 'no-restricted-imports'],
    ['src/timestamp/x.ts', "import { a } from '../backup/seal.js'; a();", 'no-restricted-imports'],
    ['src/timestamp/x.ts', "import { a } from '../validation/signer.js'; a();", 'no-restricted-imports'],
    ['src/crypto/cms/x.ts', "import { a } from '../../validation/context.js'; a();", 'no-restricted-imports'],
    ['src/validation/x.ts', "import { a } from '../mss/read.js'; a();", 'no-restricted-imports'],
    ['src/validation/x.ts', "import { a } from '../backup/seal.js'; a();", 'no-restricted-imports'],
    ['src/io/x.ts', "import { a } from '../crypto/pem.js'; a();", 'no-restricted-imports'],
    ['src/crypto/x.ts', "import { Command } from 'commander'; new Command();", 'no-restricted-imports'],
    ['src/crypto/x.ts', 'export const home = process.env.HOME;', 'no-restricted-globals'],
    ['src/crypto/x.ts', "console.log('x');", 'no-console'],
    ['src/archive/x.ts', "import { a } from '../backup/repository.js'; a();", 'no-restricted-imports'],
    ['src/archive/x.ts', "import { a } from '../mss/read.js'; a();", 'no-restricted-imports'],
    ['src/archive/x.ts', "import { a } from '../../cli/main.js'; a();", 'no-restricted-imports'],
    ['src/validation/x.ts', "import { a } from '../archive/extend.js'; a();", 'no-restricted-imports'],
    ['src/timestamp/x.ts', "import { a } from '../archive/extend.js'; a();", 'no-restricted-imports'],
  ])('%s: refuses %s', async (file, code, rule) => {
    expect(await lint(file, code)).toContain(rule);
  });

  it.each([
    ['cli/commands/x.ts', "import { signFile } from '../../src/index.js'; signFile;"],
    ['cli/commands/x.ts', "import { parsePem } from '../../src/internal.js'; parsePem('');"],
    ['cli/commands/x.ts', "import { readInputFile } from '../../src/internal.js'; readInputFile('');"],
    ['cli/x.ts', "import { fsError } from '../src/internal.js'; fsError;"],
    ['src/timestamp/x.ts', "import { parsePem } from '../crypto/pem.js'; parsePem('');"],
    ['src/validation/x.ts', "import { a } from '../crypto/cms/signed-data.js'; import { b } from '../timestamp/tsp.js'; a(); b();"],
    ['src/mss/x.ts', "import { verifySignature } from '../validation/verify-signature.js'; verifySignature;"],
    ['src/backup/x.ts', "import { a } from './destination/local.js'; import { b } from '../crypto/pem.js'; import { c } from '../timestamp/tsp.js'; a(); b(); c();"],
    ['src/backup/destination/local.ts', "import { writeFileAtomic } from '../../io/atomic-write.js'; import { ScelleError } from '../../errors.js'; writeFileAtomic; ScelleError;"],
    ['src/crypto/x.ts', "import { writeFileAtomic } from '../io/atomic-write.js'; writeFileAtomic;"],
    ['src/archive/x.ts', "import { a } from '../validation/verify-signature.js'; import { b } from '../backup/destination/local.js'; import { c } from '../timestamp/ers/generate.js'; a(); b(); c();"],
  ])('%s: allows %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
