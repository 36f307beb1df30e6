/** `scelle tsa serve` in a child process on an ephemeral port, with a count of the requests it answered. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface ServedTsa {
  url: string;
  child: ChildProcess;
  /** Requests answered so far (one access-log line each on stderr). */
  requests(): number;
  stop(): void;
}

/** Starts the TSA with `args` (identity, pass file, state folder); resolves once it listens. */
export function serveTsa(args: string[]): Promise<ServedTsa> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, 'tsa', 'serve', '--port', '0', ...args], { env: { PATH: process.env.PATH, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolvePromise({ url: m[1]!, child, requests: () => (err.match(/ 127\.0\.0\.1 200 /g) ?? []).length, stop: () => child.kill('SIGTERM') });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`tsa serve exited ${code}: ${err}`)));
  });
}
