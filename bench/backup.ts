/**
 * `npm run bench -- backup`: scelle's backups against restic (Debian package) on the same data, in
 * one run: first backup, backup with nothing changed, restore, full verify (read all data),
 * repository size and peak RSS. Dataset: /work/shared/bench/make-dataset.py (scale
 * --dataset-scale). Each step alternates scelle and restic, `--rounds N` times (default 2) on fresh
 * repositories; the best time of each is kept (a shared machine's load only ever adds time), and
 * the load average is printed before and after.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BIN, arg, measure, row, type Measure } from './util.js';

const MAKE_DATASET = '/work/shared/bench/make-dataset.py';

function du(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += du(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

function ratio(name: string, ours: number, theirs: number, goal: number, unit = 's'): string {
  const r = ours / theirs;
  return `  ${name.padEnd(26)} scelle ${ours.toFixed(2).padStart(8)} ${unit}  restic ${theirs.toFixed(2).padStart(8)} ${unit}  ratio ${r.toFixed(3)}  (goal ≤ ${goal})  ${r <= goal ? 'ok' : 'MISSED'}`;
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** The best of several measures (time), with the largest peak memory seen. */
function best(ms: Measure[]): Measure {
  return { seconds: Math.min(...ms.map((m) => m.seconds)), maxRssMiB: Math.max(...ms.map((m) => m.maxRssMiB)), cpuSeconds: Math.min(...ms.map((m) => m.cpuSeconds)) };
}

const STEPS = ['first', 'unchanged', 'restore', 'verify'] as const;
type Step = (typeof STEPS)[number];

/** One round of scelle's four steps on a fresh repository. */
function scelleRound(work: string, data: string, pass: string, i: number): Record<Step, Measure> & { size: number } {
  const cfg = join(work, `scelle-${i}.conf`);
  const repo = join(work, `scelle-repo-${i}`);
  execFileSync(process.execPath, [BIN, 'backup', 'init', '--config', cfg, '--source', data, '--target', `local=file://${repo}`, '--pass-file', pass], { stdio: 'ignore' });
  spawnSync('sync');
  const first = measure('scelle backup run (first)', [process.execPath, BIN, 'backup', 'run', '-q', '--config', cfg]);
  const unchanged = measure('scelle backup run (unchanged)', [process.execPath, BIN, 'backup', 'run', '-q', '--config', cfg]);
  const to = join(work, `scelle-restore-${i}`);
  const restore = measure('scelle backup restore', [process.execPath, BIN, 'backup', 'restore', '-q', '--config', cfg, '--to', to, '--pass-file', pass]);
  rmSync(to, { recursive: true, force: true });
  const verify = measure('scelle backup verify --read-data', [process.execPath, BIN, 'backup', 'verify', '-q', '--config', cfg, '--read-data', '--pass-file', pass]);
  const size = du(repo);
  rmSync(repo, { recursive: true, force: true });
  return { first, unchanged, restore, verify, size };
}

/** One round of restic's four steps on a fresh repository. */
function resticRound(work: string, data: string, pass: string, i: number): Record<Step, Measure> & { size: number } {
  const rrepo = join(work, `restic-repo-${i}`);
  const renv = { ...process.env, RESTIC_PASSWORD_FILE: pass, RESTIC_REPOSITORY: rrepo, RESTIC_CACHE_DIR: join(work, `restic-cache-${i}`) };
  execFileSync('restic', ['init', '-q'], { env: renv, stdio: 'ignore' });
  spawnSync('sync');
  const first = measure('restic backup (first)', ['restic', 'backup', '-q', data], renv);
  const unchanged = measure('restic backup (unchanged)', ['restic', 'backup', '-q', data], renv);
  const to = join(work, `restic-restore-${i}`);
  mkdirSync(to);
  const restore = measure('restic restore', ['restic', 'restore', 'latest', '-q', '--target', to], renv);
  rmSync(to, { recursive: true, force: true });
  const verify = measure('restic check --read-data', ['restic', 'check', '-q', '--read-data'], renv);
  const size = du(rrepo);
  rmSync(rrepo, { recursive: true, force: true });
  return { first, unchanged, restore, verify, size };
}

export async function benchBackup(work: string): Promise<void> {
  const scale = arg('dataset-scale', 1);
  const rounds = arg('rounds', 2);
  const data = join(work, 'dataset');
  execFileSync('python3', [MAKE_DATASET, data, String(scale)]);
  const total = du(data);
  console.log(`\nBackups — dataset ${(total / 1048576).toFixed(0)} MiB (make-dataset.py scale ${scale}), one local destination each, ${rounds} alternating round(s), best time kept`);
  console.log(`  load average before: ${load()}`);
  const restic = spawnSync('restic', ['version'], { encoding: 'utf8' });
  const pass = join(work, 'backup-pass');
  writeFileSync(pass, 'Banc-Essai#2026-sauvegarde\n', { mode: 0o600 });
  const ours: ReturnType<typeof scelleRound>[] = [];
  const theirs: ReturnType<typeof resticRound>[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(scelleRound(work, data, pass, i));
    if (restic.status === 0) theirs.push(resticRound(work, data, pass, i));
  }
  console.log(`  load average after: ${load()}`);
  const o = Object.fromEntries(STEPS.map((s) => [s, best(ours.map((r) => r[s]))])) as Record<Step, Measure>;
  console.log(row('scelle backup run (first)', o.first));
  console.log(row('scelle backup run (nothing changed)', o.unchanged));
  console.log(row('scelle backup restore', o.restore));
  console.log(row('scelle backup verify --read-data', o.verify));
  console.log(`  scelle repository ${(ours[0]!.size / 1048576).toFixed(1)} MiB`);
  if (restic.status !== 0) {
    console.log('  restic is not installed (apt-get install restic): scelle figures only');
    return;
  }
  const p = Object.fromEntries(STEPS.map((s) => [s, best(theirs.map((r) => r[s]))])) as Record<Step, Measure>;
  console.log(row('restic backup (first)', p.first));
  console.log(row('restic backup (nothing changed)', p.unchanged));
  console.log(row('restic restore', p.restore));
  console.log(row('restic check --read-data', p.verify));
  console.log(`  restic repository ${(theirs[0]!.size / 1048576).toFixed(1)} MiB`);
  console.log('  scelle / restic:');
  // the goals of issue 12: first backup and restore 0.8, nothing changed and full verify 1.0
  console.log(ratio('first backup', o.first.seconds, p.first.seconds, 0.8));
  console.log(ratio('nothing changed', o.unchanged.seconds, p.unchanged.seconds, 1));
  console.log(ratio('restore', o.restore.seconds, p.restore.seconds, 0.8));
  console.log(ratio('full verify', o.verify.seconds, p.verify.seconds, 1));
  console.log(ratio('repository size', ours[0]!.size / 1048576, theirs[0]!.size / 1048576, 1, 'MiB'));
  const peak = Math.max(...STEPS.map((s) => o[s].maxRssMiB));
  console.log(`  peak RSS scelle ${peak.toFixed(0)} MiB (goal ≤ 256 MB = 244 MiB)  ${peak <= 244 ? 'ok' : 'MISSED'};  restic ${Math.max(...STEPS.map((s) => p[s].maxRssMiB)).toFixed(0)} MiB`);
}
