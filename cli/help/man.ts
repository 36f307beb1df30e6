/**
 * The man page (man-pages(7), groff_man(7)) rendered from the help: the same descriptions,
 * options and examples as `--help`, in the program's language. Pure ASCII roff (other characters
 * as `\[uXXXX]`, the non-breaking space as `\~`), so that it renders the same with or without
 * preconv, and `groff -ww` finds nothing to warn about.
 */
import { translator, type Lang } from '../i18n/index.js';
import { flatten, type CommandDoc, type OptionDoc } from './model.js';
import { typeset } from './index.js';
import { EXIT_PRECEDENCE } from '../exit-codes.js';

/** Escapes text for a roff text line or macro argument. */
export function roffEscape(text: string): string {
  let out = '';
  for (const ch of text.replace(/\\/g, '\\e').replace(/-/g, '\\-')) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xa0) out += '\\~';
    else if (cp < 0x80) out += ch;
    else out += `\\[u${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
  }
  return out;
}

/** A text line: escaped, and protected when it would start like a request. */
function line(text: string): string {
  const e = roffEscape(text);
  return /^[.']/.test(e) ? `\\&${e}` : e;
}

function optionItems(options: OptionDoc[]): string[] {
  return options.filter((o) => o.long !== '--help').flatMap((o) => ['.TP', `.B ${roffEscape(o.term)}`, line(o.description)]);
}

function commandSection(c: CommandDoc, lang: Lang): string[] {
  const out = ['.SS', line(`${c.words} ${c.usage}`.trim()), '.PP', line(c.description)];
  if (c.arguments.some((a) => a.description)) {
    for (const a of c.arguments) out.push('.TP', `.I ${roffEscape(a.term)}`, line(a.description));
  }
  return [...out, ...optionItems(c.options), ...examplesBlock(c, lang)];
}

function examplesBlock(c: CommandDoc, lang: Lang): string[] {
  if (c.examples.length === 0) return [];
  const out = ['.PP', line(typeset(translator(lang)('help.examples'), lang)), '.RS 4', '.nf'];
  for (const e of c.examples) out.push(line(`# ${e.text}`), line(e.cmd));
  return [...out, '.fi', '.RE'];
}

/** Options of {@link renderMan}. */
export interface ManOptions {
  lang: Lang;
  version: string;
  /** The exit-code table of cli/main.ts. */
  exitCodes: readonly number[];
}

/** The man page scelle(1) of a described program. */
export function renderMan(program: CommandDoc, options: ManOptions): string {
  const { lang } = options;
  const t = translator(lang);
  const ts = (key: string): string => line(typeset(t(key), lang));
  const commands = flatten(program).slice(1).filter((c) => c.runnable);
  const out: string[] = [
    '.\\" Generated from the help text of scelle (cli/help/man.ts); do not edit: npm run build writes it again.',
    `.TH SCELLE 1 "" "scelle ${options.version}" "${roffEscape(t('man.manual'))}"`,
    `.SH ${roffEscape(t('man.name'))}`,
    line(`scelle - ${program.description}`),
    `.SH ${roffEscape(t('man.synopsis'))}`,
    ...commands.map((c) => `.B ${roffEscape(c.words)}\n${line(c.usage)}\n.br`),
    `.SH ${roffEscape(t('man.description'))}`,
    ts('man.intro'),
    '.PP',
    ts('man.secrets'),
    ...examplesBlock(program, lang),
    `.SH ${roffEscape(t('man.globalOptions'))}`,
    ...optionItems(program.options),
    `.SH ${roffEscape(t('man.commands'))}`,
    ...commands.flatMap((c) => commandSection(c, lang)),
    `.SH ${roffEscape(t('man.exitStatus'))}`,
    ...options.exitCodes.flatMap((c) => ['.TP', `.B ${c}`, ts(`exit.${c}`)]),
    '.PP',
    line(typeset(t('exit.precedence', { order: EXIT_PRECEDENCE.join(', ') }), lang)),
    `.SH ${roffEscape(t('man.environment'))}`,
    ...['SCELLE_PASSWORD', 'SCELLE_PIN', 'SCELLE_IDENTITY_PASSWORD', 'SCELLE_MAIL_PASSWORD', 'SCELLE_BACKUP_CONFIG', 'LANG', 'TZ']
      .flatMap((v) => ['.TP', `.B ${roffEscape(v)}`, ts(`man.env.${v}`)]),
    `.SH ${roffEscape(t('man.files'))}`,
    '.TP',
    '.I scelle\\-backup.conf',
    ts('man.file.config'),
    `.SH ${roffEscape(t('man.seeAlso'))}`,
    ts('man.seeAlsoText'),
  ];
  return `${out.join('\n')}\n`;
}
