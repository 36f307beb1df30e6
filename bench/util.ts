/** What every benchmark shares: the scelle binary, argument reading, GNU time measures, rows, data. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

export interface Measure {
  seconds: number;
  maxRssMiB: number;
  /** User + system CPU time (children included): steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Runs a command under GNU time; returns wall seconds, CPU seconds and peak RSS (of the largest process). */
export function measure(label: string, cmd: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...cmd], { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  const lines = (r.stderr ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const [sec, kib, user, sys] = last.split(' ').map(Number);
  if (r.status !== 0 || sec === undefined || kib === undefined || Number.isNaN(sec)) {
    throw new Error(`${label} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}\n${(r.stdout ?? '').slice(-1000)}`);
  }
  return { seconds: sec, maxRssMiB: kib / 1024, cpuSeconds: (user ?? 0) + (sys ?? 0) };
}

export function row(name: string, m: Measure): string {
  return `  ${name.padEnd(44)} ${m.seconds.toFixed(2).padStart(8)} s ${m.maxRssMiB.toFixed(1).padStart(9)} MiB ${m.cpuSeconds.toFixed(2).padStart(8)} s CPU`;
}

export function words(rng: () => number, bytes: number): string {
  const vocab = 'patient consultation traitement ordonnance courrier confrère diagnostic suivi tension glycémie allergie vaccin radiographie biologie compte rendu médecin posologie comprimé contrôle'.split(' ');
  let s = '';
  while (s.length < bytes) s += `${vocab[Math.floor(rng() * vocab.length)]} `;
  return s.slice(0, bytes);
}

export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

