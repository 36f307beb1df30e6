/**
 * Progress on a terminal: one line on stderr, redrawn at most 4 times a second, with files,
 * bytes, rate and ETA. Silent when stderr is not a terminal, with --quiet or --json.
 */
import type { Ctx } from './context.js';

export interface Progress {
  update(p: { file?: string; bytes: number; totalBytes: number; files?: number; totalFiles?: number }): void;
  done(): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m} min ${String(sec).padStart(2, '0')} s` : `${sec} s`;
}

export function makeProgress(ctx: Ctx, label: string): Progress {
  const stderr = ctx.io.stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  if (ctx.json || ctx.quiet || stderr.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const start = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 250 && p.bytes < p.totalBytes) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? p.bytes / secs : 0;
      const eta = rate > 0 ? (p.totalBytes - p.bytes) / rate : NaN;
      const pct = p.totalBytes > 0 ? Math.floor((p.bytes / p.totalBytes) * 100) : 100;
      const files = p.totalFiles !== undefined ? ` · ${p.files ?? 0}/${p.totalFiles} ${ctx.t('progress.files')}` : '';
      const text = `${label} ${pct}% · ${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)}${files} · ${formatBytes(rate)}/s · ${ctx.t('progress.eta')} ${formatDuration(eta)}`;
      const width = (stderr.columns ?? 100) - 1;
      stderr.write(`\r${text.slice(0, width).padEnd(width)}`);
      shown = true;
    },
    done() {
      if (shown) stderr.write(`\r${' '.repeat((stderr.columns ?? 100) - 1)}\r`);
    },
  };
}
