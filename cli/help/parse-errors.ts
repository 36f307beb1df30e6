/**
 * Parser errors (unknown option or command, missing argument or value, a value outside the
 * choices, too many arguments): one short line in the user's language, with commander's "did you
 * mean" suggestion translated, then a hint naming the command's `--help` — never the whole help.
 *
 * commander 14 writes its errors itself; here its output on stderr is muted and every error it
 * raises is rethrown as a {@link ParseFailure} that knows the command it came from, so that
 * cli/main.ts can render it. The English messages of commander (pinned version) are read back into
 * their parts by the patterns below; one that does not match is shown as commander wrote it.
 */
import { CommanderError, type Command } from 'commander';
import { translator, type Lang, type Translate } from '../i18n/index.js';
import { frenchTypography } from '../i18n/typography.js';
import type { CliIo } from '../io.js';
import { JSON_SCHEMA_VERSION, writeEnvelope } from '../action.js';

/** A commander error and the command that raised it. */
export class ParseFailure extends CommanderError {
  /** The words of the command (`scelle backup run`). */
  readonly commandWords: string;
  /** Its visible subcommands (for "a command is missing"). */
  readonly subcommands: string[];

  constructor(err: CommanderError, cmd: Command) {
    super(err.exitCode, err.code, err.message);
    const words: string[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
    this.commandWords = words.join(' ');
    this.subcommands = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
  }
}

/** Mutes commander's own error output on `cmd` and makes its errors {@link ParseFailure}s. */
export function captureParseErrors(cmd: Command, io: CliIo): void {
  cmd.exitOverride((err) => {
    throw new ParseFailure(err, cmd);
  });
  cmd.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: () => undefined,
    outputError: () => undefined,
    getOutHelpWidth: () => (io.stdout as { isTTY?: boolean; columns?: number }).isTTY ? (io.stdout as { columns?: number }).columns ?? 80 : 80,
  });
}

/** True for the outcomes that are not errors: `--help`, `--version`. */
export function isHelpOrVersion(e: CommanderError): boolean {
  return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0);
}

const q = (lang: Lang, s: string): string => (lang === 'fr' ? `« ${s} »` : `'${s}'`);
/** An argument's name as the help shows it (`file` → `fichier`). */
const argName = (t: Translate, name: string): string => {
  const key = `placeholder.${name}`;
  return t(key) === key ? name : t(key);
};
const longFlag = (flags: string): string => flags.split(/[ ,|]+/).find((f) => f.startsWith('--')) ?? flags.split(/[ ,|]+/)[0] ?? flags;

function suggestion(message: string, lang: Lang, t: Translate): string {
  const m = /\(Did you mean (?:one of )?(.+)\?\)/.exec(message);
  if (m === null) return '';
  const names = m[1]!.split(', ');
  const what = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} ${lang === 'fr' ? 'ou' : 'or'} ${names[names.length - 1]}`;
  return `${lang === 'fr' ? ' ; ' : '; '}${t('parse.didYouMean', { what })}`;
}

/** The message of a parser error in `lang` (without prefix or hint). */
export function parseErrorMessage(e: CommanderError, lang: Lang, commandWords: string, subcommands: string[]): string {
  const t = translator(lang);
  const msg = e.message.replace(/^error: /, '');
  let m: RegExpExecArray | null;
  switch (e.code) {
    case 'commander.help':
      return t('parse.missingCommand', { command: q(lang, commandWords), list: subcommands.join(', ') });
    case 'commander.unknownOption':
      m = /^unknown option '([^']*)'/.exec(msg);
      if (m) return t('parse.unknownOption', { flag: q(lang, m[1]!) }) + suggestion(msg, lang, t);
      break;
    case 'commander.unknownCommand':
      m = /^unknown command '([^']*)'/.exec(msg);
      if (m) return t('parse.unknownCommand', { name: q(lang, m[1]!) }) + suggestion(msg, lang, t);
      break;
    case 'commander.missingArgument':
      m = /^missing required argument '([^']*)'/.exec(msg);
      if (m) return t('parse.missingArgument', { name: q(lang, argName(t, m[1]!)) });
      break;
    case 'commander.optionMissingArgument':
      m = /^option '([^']*)' argument missing/.exec(msg);
      if (m) return t('parse.optionMissingArgument', { flag: longFlag(m[1]!) });
      break;
    case 'commander.missingMandatoryOptionValue':
      m = /^required option '([^']*)' not specified/.exec(msg);
      if (m) return t('parse.missingMandatoryOption', { flag: longFlag(m[1]!) });
      break;
    case 'commander.invalidArgument':
      return invalidArgument(msg, lang, t) ?? msg;
    case 'commander.excessArguments':
      m = /^too many arguments(?: for '[^']*')?\. Expected (\d+) arguments? but got (\d+)\./.exec(msg);
      if (m) {
        return t(m[1] === '0' ? 'parse.excessArguments.none' : 'parse.excessArguments.one', { command: q(lang, commandWords), expected: m[1]!, got: m[2]! });
      }
      break;
    case 'commander.conflictingOption':
      m = /^option '([^']*)' cannot be used with option '([^']*)'/.exec(msg);
      if (m) return t('parse.conflictingOption', { a: longFlag(m[1]!), b: longFlag(m[2]!) });
      break;
    default:
      break;
  }
  return msg;
}

function invalidArgument(msg: string, lang: Lang, t: Translate): string | undefined {
  const choices = /Allowed choices are (.+)\.$/.exec(msg)?.[1];
  const opt = /^option '([^']*)' argument '([^']*)' is invalid\./.exec(msg);
  if (opt) {
    const flag = longFlag(opt[1]!);
    const value = q(lang, opt[2]!);
    return choices !== undefined ? t('parse.invalidChoice', { flag, value, choices }) : t('parse.invalidValue', { flag, value });
  }
  const arg = /^command-argument value '([^']*)' is invalid for argument '([^']*)'\./.exec(msg);
  if (arg) {
    const value = q(lang, arg[1]!);
    const name = `<${argName(t, arg[2]!)}>`;
    return choices !== undefined ? t('parse.invalidChoice', { flag: name, value, choices }) : t('parse.invalidArgument', { name, value });
  }
  return undefined;
}

/**
 * Prints a parser error: `scelle: erreur : …` and `conseil : scelle verify --help pour l’aide`
 * on stderr (and the JSON error on stdout with --json). Returns `exitCode`.
 */
export function renderParseError(e: CommanderError, io: CliIo, lang: Lang, json: boolean, exitCode: number, command = 'scelle'): number {
  const t = translator(lang);
  const words = e instanceof ParseFailure ? e.commandWords : 'scelle';
  const subs = e instanceof ParseFailure ? e.subcommands : [];
  const message = parseErrorMessage(e, lang, words, subs);
  const english = lang === 'en' ? message : parseErrorMessage(e, 'en', words, subs);
  const hint = t('parse.hint', { command: words });
  const line = (s: string): string => (lang === 'fr' ? frenchTypography(s) : s);
  if (json) {
    writeEnvelope(io, {
      schemaVersion: JSON_SCHEMA_VERSION, ok: false, command, exitCode,
      error: { code: 'USAGE', exitCode, message: english, localized: line(message), hint: line(hint) },
    }, false);
  }
  io.stderr.write(`${line(`${t('prefix.error')}${message}`)}\n${line(`${t('prefix.hint')}${hint}`)}\n`);
  return exitCode;
}
