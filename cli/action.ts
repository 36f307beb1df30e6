/**
 * The run of one command: its context, its JSON envelope and its exit code. Commands wrap their
 * handlers with {@link action}; only this module and cli/main.ts turn results and errors into exit
 * codes and JSON envelopes (docs/JSON.md). Commands import this module, never cli/main.ts, so the
 * program and its commands do not import each other.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { makeCtx, globalsOf, ExitWith, jsonReplacer, type Ctx } from './context.js';
import { exitCodeOf } from './exit-codes.js';
import type { Outcome } from './outcome.js';

/** The version of the JSON envelope every `--json` output is wrapped in (docs/JSON.md). */
export const JSON_SCHEMA_VERSION = 1;

/** The `--json` document of every command: its result, or its error. */
export interface Envelope {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  ok: boolean;
  /** The command's path: `verify`, `backup run`; `scelle` when no command was recognised. */
  command: string;
  exitCode: number;
  result?: unknown;
  error?: { code: string; exitCode: number; message: string; localized: string; hint?: string };
}

interface RunState {
  io: CliIo;
  signal: AbortSignal;
  command?: string;
  /** NDJSON lines were written: the envelope goes on one line after them. */
  streamed: boolean;
}

let state: RunState | undefined;

/** Starts a run (cli/main.ts). */
export function beginRun(s: { io: CliIo; signal: AbortSignal }): void {
  state = { ...s, streamed: false };
}

/** Ends the run (cli/main.ts). */
export function endRun(): void {
  state = undefined;
}

/** The command being run, once commander recognised it. */
export function runCommandPath(): string | undefined {
  return state?.command;
}

/** Whether the run wrote NDJSON events. */
export function streamed(): boolean {
  return state?.streamed === true;
}

/** The command's path without the program name: `''` → `scelle`, `backup run`. */
export function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.length > 0 ? names.join(' ') : 'scelle';
}

/** Writes the envelope: pretty-printed, or on one line after an NDJSON stream. */
export function writeEnvelope(io: CliIo, envelope: Envelope, oneLine = streamed()): void {
  io.stdout.write(`${oneLine ? JSON.stringify(envelope, jsonReplacer) : JSON.stringify(envelope, jsonReplacer, 2)}\n`);
}

/**
 * Wraps a command handler: builds its context from the global options, and turns the outcome it
 * returns (what went wrong, by kind: cli/outcome.ts) into the exit code — with --json, into the
 * envelope holding the result it gave to `emitJson`. A handler that throws is rendered by
 * cli/main.ts (the error envelope). Handlers never choose an exit-code number.
 */
export function action<A extends unknown[]>(
  handler: (ctx: Ctx, ...args: A) => Promise<Outcome | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const run = state;
    if (run === undefined) throw new Error('scelle CLI used outside run()');
    run.command = pathOf(cmd);
    let result: unknown;
    let hasResult = false;
    const ctx = makeCtx(run.io, globalsOf(cmd), run.signal, {
      result: (value) => {
        result = value;
        hasResult = true;
      },
      event: (value) => {
        run.streamed = true;
        run.io.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
      },
    });
    const code = exitCodeOf(await handler(ctx, ...args));
    if (ctx.json) {
      writeEnvelope(run.io, { schemaVersion: JSON_SCHEMA_VERSION, ok: code === 0, command: run.command, exitCode: code, result: hasResult ? result : {} });
    }
    if (code !== 0) throw new ExitWith(code);
  };
}
