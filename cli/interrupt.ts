/**
 * How a run ends when it is stopped from outside: Ctrl-C or SIGTERM, the reader of its output
 * going away (EPIPE: `scelle … | head`), or an error nobody caught. In every case the temp files
 * of the run are removed (nothing half-written, no plaintext left behind) and the user reads one
 * line with a code, never a stack trace.
 *
 * The first Ctrl-C aborts the run's signal: commands that watch it (export, import, backup) stop
 * at the next step and clean up themselves. A command that does not is stopped after a short
 * grace, and a second Ctrl-C stops at once: the temp files are removed synchronously, then the
 * process exits 130. A command that handles the signal itself (backup, tsa serve) is left to stop
 * gracefully until a second Ctrl-C.
 */
import { ScelleError } from '../src/index.js';
import { removeLiveTemps, type TempScope } from '../src/internal.js';
import type { CliIo, StopSignal } from './io.js';

/** What {@link guardRun} gives the run. */
export interface RunGuard {
  /** Aborted by Ctrl-C, SIGTERM or a closed output; its reason is the ScelleError to report. */
  readonly signal: AbortSignal;
  /** The run is over: signals go back to their defaults. */
  dispose(): void;
}

/** How long a command gets to stop by itself after the first Ctrl-C. */
const GRACE_MS = 500;

/**
 * Installs the guards of one run on the real process (`io.host`); without a host (a test running
 * `run()` in-process) the signal is never aborted. `render` prints an error and returns its exit code.
 */
export function guardRun(io: CliIo, scope: TempScope, render: (e: unknown) => number): RunGuard {
  const controller = new AbortController();
  const host = io.host;
  if (host === undefined) return { signal: controller.signal, dispose: () => undefined };
  let disposed = false;
  let exited = false;
  let timer: NodeJS.Timeout | undefined;
  const stopNow = (reason: unknown): void => {
    if (exited) return;
    exited = true;
    removeLiveTemps(scope);
    host.exit(render(reason));
  };
  const stopSoon = (reason: unknown): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => stopNow(reason), GRACE_MS);
  };
  let interrupts = 0;
  const offSignals = host.onSignal((sig: StopSignal) => {
    if (disposed) return;
    interrupts++;
    const reason = new ScelleError('INTERRUPTED', `interrupted (${sig}): nothing was left half-written`, { params: { hintKey: 'hint.INTERRUPTED.clean' } });
    if (!controller.signal.aborted) controller.abort(reason);
    if (interrupts > 1) return stopNow(reason);
    // backup run, tsa serve: they stop gracefully on the same signal; a second one forces.
    if (host.signalListeners(sig) > 0) return;
    stopSoon(reason);
  });
  host.onStdoutError((e) => {
    if (disposed || (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED')) return;
    if (controller.signal.aborted) return;
    const reason = new ScelleError('OUTPUT_CLOSED', 'the output was closed before the end (by `head`, for example): the rest was not written and the command stopped');
    controller.abort(reason);
    stopSoon(reason);
  });
  host.onUncaught((e) => stopNow(e));
  return {
    signal: controller.signal,
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      offSignals();
    },
  };
}
