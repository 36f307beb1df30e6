/**
 * The help of scelle, one source for `--help`, the man page (`scelle man`, man/scelle.1), the
 * shell completion (`scelle completion`) and README's command reference (`npm run docs:cli`).
 *
 * Where each text lives — one place each:
 * - English descriptions of commands, arguments and options: where the command is declared
 *   (cli/commands/*.ts, cli/options.ts), as commander's `.description()` / `.option()` texts.
 * - Their French: cli/help/fr-*.ts, keyed by that English text (gettext's msgid). When the English
 *   changes, its French entry no longer matches: the help test lists it as missing (with the command
 *   path and the new English), so a translation never goes stale silently.
 * - Examples: cli/help/examples.ts, by command path, the command line once and its comment in both
 *   languages.
 * - commander's own words (Usage, Options, `[command]`, `choices`, placeholders such as `<file>`),
 *   parser errors and the man page's sections: cli/i18n/help.ts (en + fr, same keys).
 *
 * {@link applyHelp} runs once every command is registered (cli/main.ts): it puts the French texts
 * in when the language is French, adds the examples, the help/version descriptions and the help
 * formatting (headings, placeholders, French typography, wrapping that never breaks a
 * non-breaking space), and routes commander's errors to cli/help/parse-errors.ts.
 */
import { Help, type Command, type Option, type Argument, type HelpConfiguration } from 'commander';
import { translator, type Lang, type Translate } from '../i18n/index.js';
import { frenchTypography } from '../i18n/typography.js';
import type { CliIo } from '../io.js';
import { EXAMPLES as CORE_EXAMPLES, type HelpExample } from './examples.js';
import { EXAMPLES_BACKUP } from './examples-backup.js';
import { EXAMPLES_LONGTERM } from './examples-longterm.js';
import { EXAMPLES_MSS } from './examples-mss.js';
import { helpFrCore } from './fr-core.js';
import { helpFrData } from './fr-data.js';
import { helpFrMss } from './fr-mss.js';
import { helpFrBackup } from './fr-backup.js';
import { helpFrLongterm } from './fr-longterm.js';
import { captureParseErrors } from './parse-errors.js';
import { EXIT_PRECEDENCE } from '../exit-codes.js';

/** French of every English help text, merged from the per-area files. */
export const HELP_FR: Readonly<Record<string, string>> = { ...helpFrCore, ...helpFrData, ...helpFrMss, ...helpFrBackup, ...helpFrLongterm };

/** Examples by command path, merged from the per-area files (a later file's entry replaces an earlier one's). */
export const EXAMPLES: Readonly<Record<string, readonly HelpExample[]>> = { ...CORE_EXAMPLES, ...EXAMPLES_BACKUP, ...EXAMPLES_LONGTERM, ...EXAMPLES_MSS };

/** Every command of the program, the program first, depth first. */
export function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** The command's path without the program name: `''`, `verify`, `backup run`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The text as the reader sees it: French typography in French. */
export function typeset(text: string, lang: Lang): string {
  return lang === 'fr' ? frenchTypography(text) : text;
}

/** The French of an English help text, or undefined when the catalog lacks it. */
export function frenchOf(english: string): string | undefined {
  return HELP_FR[english];
}

function localized(english: string, lang: Lang): string {
  if (english === '' || lang === 'en') return english;
  return typeset(frenchOf(english) ?? english, lang);
}

/** The examples of a command path in `lang` (empty when it has none). */
export function examplesOf(path: string): readonly HelpExample[] {
  return EXAMPLES[path] ?? [];
}

function examplesText(path: string, lang: Lang, t: Translate): string {
  const list = examplesOf(path);
  if (list.length === 0) return '';
  const lines = list.map((e) => `  # ${typeset(e[lang], lang)}\n  ${e.cmd}`);
  return `\n${typeset(t('help.examples'), lang)}\n${lines.join('\n')}`;
}

/** Exit codes, the table of cli/main.ts, as the program's help shows them. */
export function exitCodesText(codes: readonly number[], lang: Lang): string {
  const t = translator(lang);
  const rows = codes.map((c) => `  ${String(c).padStart(3)}  ${typeset(t(`exit.${c}`), lang)}`);
  const order = `  ${typeset(t('exit.precedence', { order: EXIT_PRECEDENCE.join(', ') }), lang)}`;
  return `\n${typeset(`${t('cli.exitCodes')}${lang === 'fr' ? ' :' : ':'}`, lang)}\n${rows.join('\n')}\n${order}`;
}

/** Options of {@link applyHelp}. */
export interface ApplyHelpOptions {
  lang: Lang;
  io: CliIo;
  /** The exit-code table (cli/main.ts EXIT), printed after the program's help. */
  exitCodes: readonly number[];
}

/** Localizes and formats the help of every command, and routes commander's errors (see the module comment). */
export function applyHelp(program: Command, options: ApplyHelpOptions): void {
  const { lang, io } = options;
  const t = translator(lang);
  const config = helpConfiguration(lang, t);
  for (const cmd of allCommands(program)) {
    localizeCommand(cmd, lang);
    cmd.helpOption('-h, --help', typeset(t('help.helpOption'), lang));
    if (cmd.commands.length > 0) cmd.helpCommand(`help ${t('help.commandWord')}`, typeset(t('help.helpCommand'), lang));
    const version = cmd.options.find((o) => o.long === '--version');
    if (version) version.description = typeset(t('help.versionOption'), lang);
    const path = commandPath(cmd);
    cmd.addHelpText('after', () => examplesText(path, lang, t));
    cmd.configureHelp(config);
    captureParseErrors(cmd, io);
  }
  program.addHelpText('after', () => exitCodesText(options.exitCodes, lang));
}

function localizeCommand(cmd: Command, lang: Lang): void {
  if (lang === 'en') return;
  cmd.description(localized(cmd.description(), lang));
  const usage = (cmd as unknown as { _usage?: string })._usage;
  if (usage !== undefined) cmd.usage(localized(usage, lang));
  for (const a of cmd.registeredArguments) a.description = localized(a.description, lang);
  for (const o of cmd.options) o.description = localized(o.description, lang);
}

/** `<file...>` → `<fichier...>`, `[options]` → `[options]`, `[command]` → `[commande]`. */
export function translatePlaceholders(text: string, t: Translate): string {
  return text.replace(/([<[])([^<>[\]\s]+)([>\]])/g, (m, open: string, inner: string, close: string) => {
    if (inner === 'options') return t('help.optionsWord');
    if (inner === 'command') return t('help.commandWord');
    const key = `placeholder.${inner}`;
    const word = t(key);
    return word === key ? m : `${open}${word}${close}`;
  });
}

const TITLES: Readonly<Record<string, string>> = {
  'Usage:': 'help.usage',
  'Arguments:': 'help.arguments',
  'Options:': 'help.options',
  'Global Options:': 'help.globalOptions',
  'Commands:': 'help.commands',
};

function argumentName(a: Argument): string {
  return `${a.name()}${a.variadic ? '...' : ''}`;
}

function extras(parts: string[], description: string, lang: Lang): string {
  if (parts.length === 0) return description;
  const joined = `(${parts.join(lang === 'fr' ? ' ; ' : '; ')})`;
  return typeset(description ? `${description} ${joined}` : joined, lang);
}

function shownDefault(o: Option): string | undefined {
  if (o.defaultValue === undefined || (Array.isArray(o.defaultValue) && o.defaultValue.length === 0)) return undefined;
  if (!(o.required || o.optional || (o.isBoolean() && typeof o.defaultValue === 'boolean'))) return undefined;
  return o.defaultValueDescription ?? String(o.defaultValue);
}

/** commander's Help, in `lang`: headings, placeholders, choices and defaults, wrapping. */
function helpConfiguration(lang: Lang, t: Translate): HelpConfiguration {
  return {
    showGlobalOptions: true,
    styleTitle: (s: string) => (TITLES[s] !== undefined ? typeset(t(TITLES[s]), lang) : s),
    optionTerm: (o: Option) => translatePlaceholders(o.flags, t),
    argumentTerm: (a: Argument) => translatePlaceholders(`<${argumentName(a)}>`, t).slice(1, -1),
    commandUsage(cmd: Command): string {
      const names: string[] = [];
      for (let c: Command | null = cmd.parent; c; c = c.parent) names.unshift(c.name());
      return [...names, cmd.name(), translatePlaceholders(cmd.usage(), t)].join(' ');
    },
    subcommandTerm: (cmd: Command) => translatePlaceholders(Help.prototype.subcommandTerm.call(new Help(), cmd), t),
    optionDescription: (o: Option) => {
      const parts: string[] = [];
      if (o.argChoices) parts.push(t('help.choices', { list: o.argChoices.join(', ') }));
      const d = shownDefault(o);
      if (d !== undefined) parts.push(t('help.default', { value: d }));
      if (o.envVar !== undefined) parts.push(t('help.env', { name: o.envVar }));
      return extras(parts, o.description, lang);
    },
    argumentDescription: (a: Argument) => {
      const parts: string[] = [];
      if (a.argChoices) parts.push(t('help.choices', { list: a.argChoices.join(', ') }));
      if (a.defaultValue !== undefined) parts.push(t('help.default', { value: a.defaultValueDescription ?? String(a.defaultValue) }));
      return extras(parts, a.description, lang);
    },
    boxWrap: (str: string, width: number) => wrap(str, width),
  };
}

/**
 * commander's wrapping, splitting at spaces and tabs only: a non-breaking space (French
 * typography) keeps « : » with its word.
 */
export function wrap(str: string, width: number): string {
  if (width < 40) return str;
  return str.split(/\r?\n/).map((line) => {
    const chunks = line.match(/[ \t]*[^ \t]+/g);
    if (chunks === null) return '';
    const out: string[] = [];
    let current = chunks.shift()!;
    for (const chunk of chunks) {
      if (current.length + chunk.length <= width) {
        current += chunk;
      } else {
        out.push(current);
        current = chunk.trimStart();
      }
    }
    out.push(current);
    return out.join('\n');
  }).join('\n');
}
