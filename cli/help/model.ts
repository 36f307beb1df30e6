/**
 * The program as data — commands, arguments, options, examples — read from the commander program
 * through its own Help (so the texts are exactly those of `--help`, in the program's language).
 * The man page, the completion scripts and README's reference are rendered from it.
 */
import type { Argument, Command, Help, Option } from 'commander';
import type { Lang } from '../i18n/index.js';
import { commandPath, examplesOf, typeset } from './index.js';

/** What a value is, for completion: a file, a folder, one of some words, or anything. */
export type ValueKind = 'file' | 'dir' | 'choice' | 'other';

export interface OptionDoc {
  /** As `--help` shows it (`--trust <fichier>`). */
  term: string;
  /** commander's flags, untranslated (`--trust <file>`). */
  flags: string;
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  value: ValueKind;
  choices?: string[];
}

export interface ArgumentDoc {
  term: string;
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  value: ValueKind;
  choices?: string[];
}

export interface CommandDoc {
  /** `''`, `verify`, `backup run`. */
  path: string;
  /** `scelle backup run`. */
  words: string;
  name: string;
  /** The usage line after the command words (`[options] <signature...>`). */
  usage: string;
  description: string;
  arguments: ArgumentDoc[];
  /** Its own options, the help option included. */
  options: OptionDoc[];
  subcommands: CommandDoc[];
  examples: { cmd: string; text: string }[];
  /** Whether it runs something itself (a group such as `backup` only dispatches). */
  runnable: boolean;
}

const FILE_WORDS = /^(file|file\.\w+|module\.so|cert|signature|path|files)$/;

/** The kind of value a placeholder names (`<file.p12>` is a file, `<dir>` a folder). */
export function valueKindOf(placeholder: string | undefined, choices: readonly string[] | undefined): ValueKind {
  if (choices !== undefined && choices.length > 0) return 'choice';
  if (placeholder === undefined) return 'other';
  const p = placeholder.replace(/\.\.\.$/, '');
  if (p === 'dir') return 'dir';
  return FILE_WORDS.test(p) ? 'file' : 'other';
}

function optionDoc(o: Option, helper: Help): OptionDoc {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  return {
    term: helper.optionTerm(o),
    flags: o.flags,
    ...(o.long ? { long: o.long } : {}),
    ...(o.short ? { short: o.short } : {}),
    description: helper.optionDescription(o),
    takesValue: o.required || o.optional,
    value: valueKindOf(placeholder, o.argChoices),
    ...(o.argChoices ? { choices: [...o.argChoices] } : {}),
  };
}

function argumentDoc(a: Argument, helper: Help): ArgumentDoc {
  return {
    term: helper.argumentTerm(a),
    name: a.name(),
    description: helper.argumentDescription(a),
    required: a.required,
    variadic: a.variadic,
    value: valueKindOf(a.name(), a.argChoices),
    ...(a.argChoices ? { choices: [...a.argChoices] } : {}),
  };
}

/** The program (or one command) as data, in the language its help was built in. */
export function describeCommand(cmd: Command, lang: Lang): CommandDoc {
  const helper = cmd.createHelp();
  const path = commandPath(cmd);
  let root = cmd;
  while (root.parent) root = root.parent;
  const words = path === '' ? root.name() : `${root.name()} ${path}`;
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  return {
    path,
    words,
    name: cmd.name(),
    usage: helper.commandUsage(cmd).slice(words.length + 1),
    description: helper.commandDescription(cmd),
    arguments: cmd.registeredArguments.map((a) => argumentDoc(a, helper)),
    options: helper.visibleOptions(cmd).map((o) => optionDoc(o, helper)),
    subcommands: subs.map((s) => describeCommand(s, lang)),
    examples: examplesOf(path).map((e) => ({ cmd: e.cmd, text: typeset(e[lang], lang) })),
    runnable: (cmd as unknown as { _actionHandler?: unknown })._actionHandler !== undefined && (cmd as unknown as { _actionHandler?: unknown })._actionHandler !== null,
  };
}

/** Every command of a described program, depth first, the program first. */
export function flatten(doc: CommandDoc): CommandDoc[] {
  return [doc, ...doc.subcommands.flatMap(flatten)];
}
