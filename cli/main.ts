/**
 * The scelle command line: program, option parsing, the exit-code table, error rendering.
 * Commands are thin: parse options → call the library → render text or --json.
 */
import { Command, CommanderError, Option } from 'commander';
import { ScelleError, createTempScope, fsError, runInTempScope, type ErrorCode } from '../src/index.js';
import type { CliIo } from './io.js';
import { makeCtx, globalsOf, ExitWith, type Ctx } from './context.js';
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

/** The exit codes, one table: printed by --help and the README. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NEGATIVE: 3,
  CORRUPTION: 4,
  TARGET_MISSING: 10,
  LOCKED: 11,
  WRONG_SECRET: 12,
  INTERRUPTED: 130,
} as const;

/** Which exit code each error code gives. Codes not listed give 1 (failure). */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  USAGE: EXIT.USAGE,
  PASSWORD_REQUIRED: EXIT.USAGE,
  PIN_REQUIRED: EXIT.USAGE,
  WRONG_PASSWORD: EXIT.WRONG_SECRET,
  WRONG_PIN: EXIT.WRONG_SECRET,
  PIN_LOCKED: EXIT.WRONG_SECRET,
  WRONG_KEY: EXIT.WRONG_SECRET,
  CHAIN_UNTRUSTED: EXIT.NEGATIVE,
  CERT_EXPIRED: EXIT.NEGATIVE,
  CERT_NOT_YET_VALID: EXIT.NEGATIVE,
  CERT_REVOKED: EXIT.NEGATIVE,
  CERT_SIGNATURE_INVALID: EXIT.NEGATIVE,
  NOT_A_CA: EXIT.NEGATIVE,
  PATH_LENGTH_EXCEEDED: EXIT.NEGATIVE,
  CA_KEY_USAGE_MISSING: EXIT.NEGATIVE,
  KEY_USAGE_MISMATCH: EXIT.NEGATIVE,
  EKU_MISMATCH: EXIT.NEGATIVE,
  WEAK_ALGORITHM: EXIT.NEGATIVE,
  WEAK_KEY: EXIT.NEGATIVE,
  UNKNOWN_CRITICAL_EXTENSION: EXIT.NEGATIVE,
  CRL_INVALID: EXIT.NEGATIVE,
  CRL_EXPIRED: EXIT.NEGATIVE,
  OCSP_INVALID: EXIT.NEGATIVE,
  REVOCATION_UNKNOWN: EXIT.NEGATIVE,
  SIGNATURE_INVALID: EXIT.NEGATIVE,
  CONTENT_TAMPERED: EXIT.NEGATIVE,
  CONTENT_MISMATCH: EXIT.NEGATIVE,
  SIGNER_CERT_MISSING: EXIT.NEGATIVE,
  SIGNING_CERT_MISMATCH: EXIT.NEGATIVE,
  TIMESTAMP_INVALID: EXIT.NEGATIVE,
  TIMESTAMP_REJECTED: EXIT.NEGATIVE,
  TIMESTAMP_IMPRINT_MISMATCH: EXIT.NEGATIVE,
  TIMESTAMP_NONCE_MISMATCH: EXIT.NEGATIVE,
  TIMESTAMP_POLICY_MISMATCH: EXIT.NEGATIVE,
  TSA_EKU_MISSING: EXIT.NEGATIVE,
  TSA_EKU_NOT_CRITICAL: EXIT.NEGATIVE,
  TSA_CERT_MISMATCH: EXIT.NEGATIVE,
  TSA_INJECTED_CA: EXIT.NEGATIVE,
  LOCKED: EXIT.LOCKED,
  NOT_A_RECIPIENT: EXIT.WRONG_SECRET,
  DECRYPTION_FAILED: EXIT.NEGATIVE,
  TRUNCATED: EXIT.NEGATIVE,
  WEAK_PASSWORD: EXIT.USAGE,
  UNSAFE_PATH: EXIT.NEGATIVE,
  ARCHIVE_BOMB: EXIT.NEGATIVE,
  DUPLICATE_ENTRY: EXIT.NEGATIVE,
  SYMLINK_REFUSED: EXIT.NEGATIVE,
  MANIFEST_MISMATCH: EXIT.NEGATIVE,
  RECIPIENT_CERT_INVALID: EXIT.NEGATIVE,
  REPO_CORRUPT: EXIT.CORRUPTION,
  OBJECT_MISSING: EXIT.CORRUPTION,
  OBJECT_CORRUPT: EXIT.CORRUPTION,
  SEAL_INVALID: EXIT.NEGATIVE,
  TARGET_OFFLINE: EXIT.TARGET_MISSING,
  CONFIG_INVALID: EXIT.USAGE,
  INTERRUPTED: EXIT.INTERRUPTED,
  XDM_MISMATCH: EXIT.NEGATIVE,
  TLS_UNTRUSTED: EXIT.NEGATIVE,
  AUTH_FAILED: EXIT.WRONG_SECRET,
  SENDER_MISMATCH: EXIT.NEGATIVE,
  // issue 11: validation engine
  REVOCATION_UNAVAILABLE: EXIT.NEGATIVE,
  NAME_CONSTRAINTS_VIOLATED: EXIT.NEGATIVE,
  POLICY_CONSTRAINTS_FAILED: EXIT.NEGATIVE,
  // issue 16: dates
  DATE_INVALID: EXIT.USAGE,
  // issue 12: backups
  REPO_MISMATCH: EXIT.NEGATIVE,
  DESTINATION_MISMATCH: EXIT.NEGATIVE,
  SEAL_CHAIN_BROKEN: EXIT.NEGATIVE,
  ROLLBACK_DETECTED: EXIT.NEGATIVE,
  SIGNER_MISMATCH: EXIT.NEGATIVE,
  OBJECT_TOO_LARGE: EXIT.CORRUPTION,
  KEY_SLOT_CORRUPT: EXIT.CORRUPTION,
  // issue 15: MSSanté
  NOT_SIGNED: EXIT.NEGATIVE,
  MSS_HEADER_MISMATCH: EXIT.NEGATIVE,
  NOT_IGC_SANTE: EXIT.NEGATIVE,
  RECEIPT_MISMATCH: EXIT.NEGATIVE,
  TOKEN_EXPIRED: EXIT.WRONG_SECRET,
  TOKEN_REFRESH_FAILED: EXIT.WRONG_SECRET,
  // issue 14: PDF signatures (PAdES) and ASiC containers
  PDF_NOT_SIGNED: EXIT.NEGATIVE,
  PDF_BYTE_RANGE_INVALID: EXIT.NEGATIVE,
  PDF_MODIFIED: EXIT.NEGATIVE,
  ASIC_UNCOVERED_FILE: EXIT.NEGATIVE,
  // issue 16: files and media, signals, archive caps, signing safety
  NOT_A_FILE: EXIT.USAGE,
  NOT_A_FOLDER: EXIT.USAGE,
  SIGNER_CERT_INVALID: EXIT.NEGATIVE,
  // issue 13: long-term proofs
  EVIDENCE_RECORD_INVALID: EXIT.NEGATIVE,
  EVIDENCE_RECORD_MISMATCH: EXIT.NEGATIVE,
  ARCHIVE_TIMESTAMP_INVALID: EXIT.NEGATIVE,
  ARCHIVE_EXISTS: EXIT.USAGE,
  ARCHIVE_CORRUPT: EXIT.CORRUPTION,
  JOURNAL_BROKEN: EXIT.CORRUPTION,
};

/** Exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_BY_CODE[code] ?? EXIT.FAILURE;
}

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

/** The CLI context of the command being run (set by {@link run}, read by {@link action}). */
let current: { io: CliIo; signal: AbortSignal } | undefined;

/**
 * Wraps a command handler: builds its context from the global options and turns its return value
 * (or ExitWith) into the exit code.
 */
export function action<A extends unknown[]>(
  handler: (ctx: Ctx, ...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    if (current === undefined) throw new Error('scelle CLI used outside run()');
    const ctx = makeCtx(current.io, globalsOf(cmd), current.signal);
    const code = await handler(ctx, ...args);
    if (typeof code === 'number' && code !== 0) throw new ExitWith(code);
  };
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
  current = { io, signal: guard.signal };
  const stopped = (): ScelleError | undefined => {
    const r: unknown = guard.signal.reason;
    return guard.signal.aborted && r instanceof ScelleError && r.code === 'OUTPUT_CLOSED' ? r : undefined;
  };
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
      return renderParseError(e, io, lang, json, EXIT.USAGE);
    }
    return renderError(e, io, lang, json);
  } finally {
    guard.dispose();
    current = undefined;
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
    io.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message, localized: message, ...(hint ? { hint } : {}) }, exitCode: exit }, null, 2)}\n`);
  }
  io.stderr.write(`${t('prefix.error')}${message}\n`);
  if (hint) io.stderr.write(`${t('prefix.hint')}${hint}\n`);
  if (err.code === 'INTERNAL' && io.env.SCELLE_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return exit;
}

export { localizedMessage } from './localize.js';
