/** What a CLI run reads and writes: injected so tests can run `run()` in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The real process (signals, exit, stdout errors); absent when a test runs `run()` in-process. */
  host?: ProcessHost;
}

/** Signals a run reacts to. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** What the CLI needs of the process it runs in; see {@link processIo}. */
export interface ProcessHost {
  readonly pid: number;
  /** The umask, read once at start (files scelle writes keep to it). */
  readonly umask: number;
  /** Whether a process is running (for the leftovers of a killed run). */
  isAlive(pid: number): boolean;
  /** Calls `handler` on SIGINT and SIGTERM; returns the function that stops it. */
  onSignal(handler: (signal: StopSignal) => void): () => void;
  /** Listeners of `signal` besides the CLI's own (a command that stops gracefully by itself). */
  signalListeners(signal: StopSignal): number;
  /**
   * Calls `handler` when writing to stdout fails (EPIPE: the reader closed the pipe). It stays for
   * the life of the process: a write that fails after the run must not crash it either.
   */
  onStdoutError(handler: (e: NodeJS.ErrnoException) => void): void;
  /** Calls `handler` for an error nobody caught (an exception in a callback, a rejection nobody awaited); for the life of the process. */
  onUncaught(handler: (e: unknown) => void): void;
  /** Ends the process now with `code`. */
  exit(code: number): void;
}

/** The real process streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), host: processHost() };
}

function processHost(): ProcessHost {
  // Read once: the no-argument form is racy only against other threads changing it.
  const umask = process.umask();
  return {
    pid: process.pid,
    umask,
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    onSignal(handler) {
      const int = (): void => handler('SIGINT');
      const term = (): void => handler('SIGTERM');
      process.on('SIGINT', int);
      process.on('SIGTERM', term);
      return () => {
        process.removeListener('SIGINT', int);
        process.removeListener('SIGTERM', term);
      };
    },
    signalListeners: (signal) => Math.max(0, process.listenerCount(signal) - 1),
    onStdoutError(handler) {
      process.stdout.on('error', handler);
      // stderr closed too (2>&1 | head): nothing more can be said; never crash on it.
      process.stderr.on('error', () => undefined);
    },
    onUncaught(handler) {
      process.on('uncaughtException', handler);
      process.on('unhandledRejection', handler);
    },
    exit: (code) => process.exit(code),
  };
}
