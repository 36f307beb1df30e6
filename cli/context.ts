/** What every command handler receives: io, language, output mode, and output helpers. */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { pickLang, translator, type Lang, type Translate } from './i18n/index.js';

export interface GlobalOptions {
  json?: boolean;
  lang?: string;
  quiet?: boolean;
}

export interface Ctx {
  io: CliIo;
  lang: Lang;
  t: Translate;
  json: boolean;
  quiet: boolean;
  /** Aborted when the run is stopped (Ctrl-C, SIGTERM, a closed output): long commands pass it to the library. */
  signal: AbortSignal;
  /** A result line on stdout (text mode only). */
  line(text?: string): void;
  /** A log line on stderr (suppressed by --quiet and --json). */
  log(text: string): void;
  /** The command's result for --json: written by cli/action.ts inside the envelope (docs/JSON.md). */
  emitJson(value: unknown): void;
  /** One line of a --json stream (NDJSON, `type` first): progress and events before the envelope. */
  emitEvent(value: { type: string } & Record<string, unknown>): void;
}

/** Where a command's JSON goes: the result is kept for the envelope, events are written at once. */
export interface JsonSink {
  result(value: unknown): void;
  event(value: { type: string } & Record<string, unknown>): void;
}

export function makeCtx(io: CliIo, globals: GlobalOptions, signal: AbortSignal = new AbortController().signal, sink?: JsonSink): Ctx {
  const lang = pickLang(globals.lang, io.env);
  const json = globals.json === true;
  const quiet = globals.quiet === true;
  return {
    io,
    lang,
    t: translator(lang),
    json,
    quiet,
    signal,
    line: (text = '') => {
      if (!json) io.stdout.write(`${text}\n`);
    },
    log: (text) => {
      if (!json && !quiet) io.stderr.write(`${text}\n`);
    },
    emitJson: (value) => {
      if (sink !== undefined) sink.result(value);
      else io.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
    },
    emitEvent: (value) => {
      if (sink !== undefined) sink.event(value);
      else io.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
    },
  };
}

/** JSON.stringify's replacer for scelle's outputs: bytes as hex. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Global options of the command (and its parents). */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Thrown by handlers to end with a given exit code after they printed their own verdict. */
export class ExitWith {
  constructor(readonly code: number) {}
}
