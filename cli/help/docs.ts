/**
 * The generated documents: the man pages (man/scelle.1, man/fr/scelle.1; `npm run build`) and
 * README's command reference (`npm run docs:cli`), both from the program's help.
 */
import { Writable } from 'node:stream';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildProgram, EXIT } from '../main.js';
import type { CliIo } from '../io.js';
import type { Lang } from '../i18n/index.js';
import { describeCommand, type CommandDoc } from './model.js';
import { renderMan } from './man.js';
import { renderReference, replaceReference } from './markdown.js';

function quietIo(): CliIo {
  const sink = (): Writable => new Writable({ write: (_c, _e, done) => done() });
  return { stdout: sink(), stderr: sink(), stdin: process.stdin, env: {}, cwd: process.cwd() };
}

/** The program described in `lang`, as `scelle --lang LANG` would show it. */
export function describeProgram(lang: Lang): CommandDoc {
  return describeCommand(buildProgram(quietIo(), lang), lang);
}

/** The man page in `lang`. */
export function manPage(lang: Lang): string {
  const program = buildProgram(quietIo(), lang);
  return renderMan(describeCommand(program, lang), { lang, version: program.version() ?? '', exitCodes: Object.values(EXIT) });
}

/** Writes `man/scelle.1` (English) and `man/fr/scelle.1` under `root`; returns their paths. */
export async function writeManPages(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const [lang, dir] of [['en', join(root, 'man')], ['fr', join(root, 'man', 'fr')]] as const) {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'scelle.1');
    await writeFile(file, manPage(lang));
    out.push(file);
  }
  return out;
}

/** README.md with its reference section as the help renders it now. */
export async function regeneratedReadme(readmePath: string): Promise<{ current: string; wanted: string }> {
  const current = await readFile(readmePath, 'utf8');
  return { current, wanted: replaceReference(current, renderReference(describeProgram('en'))) };
}
