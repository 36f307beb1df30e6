/**
 * `npm run bench -- backup`: scelle's backups against restic (Debian package) on the same data, in
 * one run: first backup, backup with nothing changed, restore, full verify (read all data),
 * repository size and peak RSS. Dataset: /work/shared/bench/make-dataset.py (scale --dataset-scale).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs';
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

function dropCaches(): void {
  // best effort: a fair comparison reads from the page cache for both tools (the dataset was just written)
  spawnSync('sync');
}

function ratio(name: string, ours: number, theirs: number, goal: number, unit = 's'): string {
  const r = ours / theirs;
  return `  ${name.padEnd(26)} scelle ${ours.toFixed(2).padStart(8)} ${unit}  restic ${theirs.toFixed(2).padStart(8)} ${unit}  ratio ${r.toFixed(3)}  (goal ≤ ${goal})  ${r <= goal ? 'ok' : 'MISSED'}`;
}

export async function benchBackup(work: string): Promise<void> {
  const scale = arg('dataset-scale', 1);
  const data = join(work, 'dataset');
  execFileSync('python3', [MAKE_DATASET, data, String(scale)]);
  const total = du(data);
  console.log(`\nBackups — dataset ${(total / 1048576).toFixed(0)} MiB (make-dataset.py scale ${scale}), one local destination each`);
  const restic = spawnSync('restic', ['version'], { encoding: 'utf8' });
  if (restic.status !== 0) {
    console.log('  restic is not installed (apt-get install restic): scelle figures only');
  }
  const pass = join(work, 'backup-pass');
  writeFileSync(pass, 'Banc-Essai#2026-sauvegarde\n', { mode: 0o600 });

  // scelle (default scrypt cost: the passphrase is only used by restore and verify)
  const cfg = join(work, 'scelle-backup.conf');
  const repo = join(work, 'scelle-repo');
  execFileSync(process.execPath, [BIN, 'backup', 'init', '--config', cfg, '--source', data, '--target', `local=file://${repo}`, '--pass-file', pass], { stdio: 'ignore' });
  dropCaches();
  const o1 = measure('scelle backup run (first)', [process.execPath, BIN, 'backup', 'run', '-q', '--config', cfg]);
  const o2 = measure('scelle backup run (unchanged)', [process.execPath, BIN, 'backup', 'run', '-q', '--config', cfg]);
  const o3 = measure('scelle backup restore', [process.execPath, BIN, 'backup', 'restore', '-q', '--config', cfg, '--to', join(work, 'scelle-restore'), '--pass-file', pass]);
  const o4 = measure('scelle backup verify --read-data', [process.execPath, BIN, 'backup', 'verify', '-q', '--config', cfg, '--read-data', '--pass-file', pass]);
  const oSize = du(repo);
  console.log(row('scelle backup run (first)', o1));
  console.log(row('scelle backup run (nothing changed)', o2));
  console.log(row('scelle backup restore', o3));
  console.log(row('scelle backup verify --read-data', o4));
  console.log(`  scelle repository ${(oSize / 1048576).toFixed(1)} MiB`);
  if (restic.status !== 0) return;

  const rrepo = join(work, 'restic-repo');
  const renv = { ...process.env, RESTIC_PASSWORD_FILE: pass, RESTIC_REPOSITORY: rrepo, RESTIC_CACHE_DIR: join(work, 'restic-cache'), GOMAXPROCS: process.env.GOMAXPROCS ?? '' };
  if (renv.GOMAXPROCS === '') delete (renv as Record<string, string | undefined>).GOMAXPROCS;
  execFileSync('restic', ['init', '-q'], { env: renv, stdio: 'ignore' });
  dropCaches();
  const p1 = measure('restic backup (first)', ['restic', 'backup', '-q', data], renv);
  const p2 = measure('restic backup (unchanged)', ['restic', 'backup', '-q', data], renv);
  const rdir = join(work, 'restic-restore');
  mkdirSync(rdir);
  const p3 = measure('restic restore', ['restic', 'restore', 'latest', '-q', '--target', rdir], renv);
  const p4 = measure('restic check --read-data', ['restic', 'check', '-q', '--read-data'], renv);
  const pSize = du(rrepo);
  console.log(row('restic backup (first)', p1));
  console.log(row('restic backup (nothing changed)', p2));
  console.log(row('restic restore', p3));
  console.log(row('restic check --read-data', p4));
  console.log(`  restic repository ${(pSize / 1048576).toFixed(1)} MiB`);
  console.log('  scelle / restic:');
  console.log(ratio('first backup', o1.seconds, p1.seconds, 0.8));
  console.log(ratio('nothing changed', o2.seconds, p2.seconds, 1));
  console.log(ratio('restore', o3.seconds, p3.seconds, 0.8));
  console.log(ratio('full verify', o4.seconds, p4.seconds, 1));
  console.log(ratio('repository size', oSize / 1048576, pSize / 1048576, 1, 'MiB'));
  const peak = Math.max(...[o1, o2, o3, o4].map((m: Measure) => m.maxRssMiB));
  console.log(`  peak RSS scelle ${peak.toFixed(0)} MiB (goal ≤ 256 MB)  ${peak <= 244 ? 'ok' : 'MISSED'};  restic ${Math.max(p1.maxRssMiB, p2.maxRssMiB, p3.maxRssMiB, p4.maxRssMiB).toFixed(0)} MiB`);
  if (!existsSync(join(work, 'scelle-restore'))) console.log('  (scelle restore folder missing)');
}
