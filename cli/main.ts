/**
 * The scelle command line: program, option parsing, the exit-code table, error rendering.
 * Commands are thin: parse options → call the library → render text or --json.
 */
import { Command, CommanderError, Option } from 'commander';
import { ScelleError } from '../src/index.js';
import { createTempScope, fsError, runInTempScope } from '../src/internal.js';
import type { CliIo } from './io.js';
import { ExitWith } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { JSON_SCHEMA_VERSION, beginRun, endRun, runCommandPath, writeEnvelope } from './action.js';
import { pickLang, translator } from './i18n/index.js';
import { localizedHint, localizedMessage } from './localize.js';
import { guardRun } from './interrupt.js';
import { registerCertCommands } from './commands/cert.js';
import { registerPkiCommands } from './commands/pki.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerTokenCommands } from './commands/token.js';
import { registerSignCommand } from './commands/sign.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerTimestampCommands } from './commands/timestamp.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerPasswordCommands } from './commands/password.js';
import { registerMssCommands } from './commands/mss.js';
import { registerEncryptCommands } from './commands/encrypt.js';
import { registerExportCommands } from './commands/export.js';
import { registerPdfCommands } from './commands/sign-pades.js';
import { registerAsicCommands } from './commands/asic.js';
import { registerExtendCommand } from './commands/extend.js';
import { registerArchiveCommands } from './commands/archive.js';
import { registerJournalCommands } from './commands/journal.js';
import { registerSelfHelpCommands } from './commands/self-help.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { applyHelp } from './help/index.js';
import { isHelpOrVersion, renderParseError } from './help/parse-errors.js';

export { EXIT, exitCodeFor } from './exit-codes.js';

/** Builds the commander program; `io` is where output goes. */
export function buildProgram(io: CliIo, lang = pickLang(undefined, io.env)): Command {
  const t = translator(lang);
  const program = new Command('scelle');
  program
    .description(t('cli.description'))
    .version('0.1.0', '-V, --version')
    .addOption(new Option('--json', 'machine output: one JSON document on stdout'))
    .addOption(new Option('--lang <lang>', 'message language').choices(['fr', 'en']))
    .addOption(new Option('-q, --quiet', 'no log lines on stderr'))
    .exitOverride();
  registerDemoCommand(program);
  registerPkiCommands(program);
  registerSignCommand(program);
  registerVerifyCommand(program);
  registerTimestampCommands(program);
  registerBackupCommands(program);
  registerEncryptCommands(program);
  registerExportCommands(program);
  registerCertCommands(program);
  registerIdentityCommands(program);
  registerTokenCommands(program);
  registerPasswordCommands(program);
  registerMssCommands(program);
  registerPdfCommands(program);
  registerAsicCommands(program);
  registerExtendCommand(program);
  registerArchiveCommands(program);
  registerJournalCommands(program);
  registerDoctorCommand(program);
  registerSelfHelpCommands(program);
  // issue 16: help, man page and completion from one source; short parser errors (cli/help/)
  applyHelp(program, { lang, io, exitCodes: Object.values(EXIT) });
  return program;
}

/**
 * Runs scelle with `argv` (without node and the script) and returns the exit code.
 * Never throws; calls `io.host.exit` only when the run is stopped from outside (a second Ctrl-C, a
 * command that does not stop by itself, an error nobody caught), after removing its temp files.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const explicitLang = langFromArgv(argv);
  const lang = pickLang(explicitLang, io.env);
  const json = argv.includes('--json');
  const program = buildProgram(io, lang);
  const host = io.host;
  const scope = createTempScope(host ? { pid: host.pid, isAlive: (pid) => host.isAlive(pid), umask: host.umask } : {});
  const guard = guardRun(io, scope, (e) => renderError(e, io, lang, json));
  beginRun({ io, signal: guard.signal });
  const stopped = (): ScelleError | undefined => {
    const r: unknown = guard.signal.reason;
    return guard.signal.aborted && r instanceof ScelleError && r.code === 'OUTPUT_CLOSED' ? r : undefined;
  };
  if (json && (argv.includes('--version') || argv.includes('-V'))) {
    // --version --json: the envelope like any command (commander would print the bare number)
    writeEnvelope(io, { schemaVersion: JSON_SCHEMA_VERSION, ok: true, command: 'version', exitCode: EXIT.OK, result: { version: program.version() ?? '', node: process.versions.node } }, false);
    guard.dispose();
    endRun();
    return EXIT.OK;
  }
  try {
    await runInTempScope(scope, () => program.parseAsync(argv, { from: 'user' }));
    const closed = stopped() ?? (await outputClosed(io));
    return closed ? renderError(closed, io, lang, json) : EXIT.OK;
  } catch (e) {
    if (e instanceof ExitWith) {
      const closed = stopped() ?? (await outputClosed(io));
      return closed ? renderError(closed, io, lang, json) : e.code;
    }
    if (e instanceof CommanderError) {
      if (isHelpOrVersion(e)) return EXIT.OK;
      return renderParseError(e, io, lang, json, EXIT.USAGE, commandOfArgv(program, argv));
    }
    return renderError(e, io, lang, json);
  } finally {
    guard.dispose();
    endRun();
  }
}

/**
 * Whether stdout was closed by its reader (`| head`): its last write failed. Writes to a pipe
 * report EPIPE after the fact; waiting for an empty write to go through catches it before the
 * exit code is chosen.
 */
function outputClosed(io: CliIo): Promise<ScelleError | undefined> {
  return new Promise((resolvePromise) => {
    const closed = new ScelleError('OUTPUT_CLOSED', 'the output was closed before the end (by `head`, for example): the rest was not written');
    try {
      io.stdout.write('', (err?: Error | null) => resolvePromise(err ? closed : undefined));
    } catch {
      resolvePromise(closed);
    }
  });
}

function langFromArgv(argv: string[]): string | undefined {
  const i = argv.indexOf('--lang');
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith('--lang='));
  return eq?.slice('--lang='.length);
}

/**
 * Any error as a ScelleError: a raw file-system error (one a library forgot to map) gets its
 * code from the errno, anything else is INTERNAL — with its message, never its stack.
 */
function asScelleError(e: unknown): ScelleError {
  if (e instanceof ScelleError) return e;
  const errno = e as NodeJS.ErrnoException | undefined;
  if (typeof errno?.code === 'string' && typeof errno.syscall === 'string') {
    const op = /^(?:open|read|stat|lstat|fstat|access|readlink)$/.test(errno.syscall) ? 'read' : errno.syscall === 'scandir' ? 'list' : errno.syscall === 'unlink' || errno.syscall === 'rmdir' ? 'remove' : 'write';
    return fsError(e, errno.path ?? (errno as { dest?: string }).dest ?? '', op);
  }
  const detail = (e as Error | undefined)?.message ?? String(e);
  return new ScelleError('INTERNAL', detail, { params: { detail } });
}

/** Prints an error (`scelle: erreur : …` + hint) and returns its exit code. */
export function renderError(e: unknown, io: CliIo, lang: 'fr' | 'en', json: boolean): number {
  const t = translator(lang);
  if ((e as { interrupted?: boolean }).interrupted) return EXIT.INTERRUPTED;
  const err = asScelleError(e);
  const message = localizedMessage(err, lang);
  const hint = localizedHint(err, lang);
  const exit = exitCodeFor(err.code);
  if (json) {
    writeEnvelope(io, {
      schemaVersion: JSON_SCHEMA_VERSION, ok: false, command: runCommandPath() ?? 'scelle', exitCode: exit,
      error: { code: err.code, exitCode: exit, message: err.message, localized: message, ...(hint ? { hint } : {}) },
    });
  }
  io.stderr.write(`${t('prefix.error')}${message}\n`);
  if (hint) io.stderr.write(`${t('prefix.hint')}${hint}\n`);
  if (err.code === 'INTERNAL' && io.env.SCELLE_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return exit;
}

export { localizedMessage } from './localize.js';

/** The command path the words of `argv` name, as far as they name commands (`backup run`, or `scelle`). */
function commandOfArgv(program: Command, argv: string[]): string {
  const names: string[] = [];
  let cmd: Command = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.length > 0 ? names.join(' ') : 'scelle';
}
