#!/usr/bin/env node
// Writes the documents generated from scelle's help (cli/help/docs.ts), from the built dist/:
//   node scripts/docs.mjs man      → man/scelle.1 and man/fr/scelle.1   (run by npm run build)
//   node scripts/docs.mjs readme   → README.md's "Command reference" section (npm run docs:cli)
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const { writeManPages, regeneratedReadme } = await import(join(root, 'dist', 'cli', 'help', 'docs.js'));
const what = process.argv[2];
if (what === 'man') {
  for (const f of await writeManPages(root)) console.log(`wrote ${f}`);
} else if (what === 'readme') {
  const readme = join(root, 'README.md');
  const { current, wanted } = await regeneratedReadme(readme);
  if (current === wanted) console.log('README.md: command reference already up to date');
  else {
    await writeFile(readme, wanted);
    console.log('README.md: command reference regenerated');
  }
} else {
  console.error('usage: node scripts/docs.mjs man|readme');
  process.exitCode = 2;
}
