/**
 * A real terminal for prompt tests: a tmux session on its own server socket (no user config),
 * whose screen is read with `capture-pane` and typed into with `send-keys` — what a person sees
 * and types, echo included.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface TmuxSession {
  /** The whole screen and scroll-back, lines joined. */
  screen(): string;
  /** Types `text` (literally) and presses Enter. */
  type(text: string): void;
  /** Waits until the screen matches `re` (or holds `count` matches of it). */
  waitFor(re: RegExp, options?: { count?: number; timeoutMs?: number }): Promise<string>;
  /** Stops the session and its server. */
  close(): void;
}

/** Starts `command` (a shell command line) in a 200×50 tmux session; `dir` holds its socket. */
export function startTmux(dir: string, command: string, env: Record<string, string>): TmuxSession {
  const sock = join(dir, 'tmux.sock');
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C.UTF-8', TERM: 'xterm-256color', ...env };
  const tmux = (...args: string[]): { status: number; stdout: string; stderr: string } => {
    const r = spawnSync('tmux', ['-S', sock, '-f', '/dev/null', ...args], { env: fullEnv, encoding: 'utf8' });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const started = tmux('new-session', '-d', '-s', 'scelle', '-x', '200', '-y', '50', `${command}; echo "EXIT=$?"; sleep 120`);
  if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'scelle').stdout;
  return {
    screen,
    type(text) {
      tmux('send-keys', '-t', 'scelle', '-l', text);
      tmux('send-keys', '-t', 'scelle', 'Enter');
    },
    async waitFor(re, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
      for (;;) {
        const s = screen();
        if ((s.match(global)?.length ?? 0) >= (options.count ?? 1)) return s;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} (×${options.count ?? 1}); screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close() {
      tmux('kill-server');
    },
  };
}
