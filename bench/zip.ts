/**
 * USB export benchmark: our AES-256 zip export and import (the scelle CLI) against 7-Zip on the
 * shared "cabinet" dataset (`/work/shared/bench/make-dataset.py`, ~1 GiB at scale 1: 4 000
 * letters, 400 half-random documents, 16 random scans). Goals: export ≤ 0.7 × `7zz a -tzip
 * -mem=AES256 -mx=1`, import ≤ 1.0 × `7zz x` on the same zip.
 *
 * Rounds alternate ours and 7-Zip's (a shared machine's load shifts between runs); each line gives
 * wall time, CPU time (user + system, children included) and peak RSS, then the median ratios. The
 * load average before and after says whether the figures are worth quoting.
 *
 *   npm run bench -- zip [--rounds 3] [--dataset-scale 1] [--zip-level 1] [--many 0]
 *
 * `--many N` also imports a zip of N empty files (plain, no key derivation): the per-file cost
 * (folders, temp files, syncs) against `7zz x`.
 *
 * Measurements, not tests: never fails on a goal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePassword } from '../src/index.js';
import { ZipWriter } from '../src/internal.js';
import { BIN, arg, measure, row, type Measure } from './util.js';
import { createWriteStream } from 'node:fs';

const DATASET_SCRIPT = '/work/shared/bench/make-dataset.py';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Runs the export/import comparison in `work` (a scratch folder). */
export async function benchZip(work: string): Promise<void> {
  const scale = arg('dataset-scale', 1);
  const level = arg('zip-level', 1);
  const rounds = Math.max(1, arg('rounds', 3));
  const dataset = join(work, `zip-dataset-${scale}`);
  if (!existsSync(dataset)) {
    const g = spawnSync('python3', [DATASET_SCRIPT, dataset, String(scale)], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`${DATASET_SCRIPT} failed`);
  }
  const data = realpathSync(dataset);
  const du = spawnSync('du', ['-sb', data], { encoding: 'utf8' }).stdout.split('\t')[0];
  const files = spawnSync('sh', ['-c', `find "${data}" -type f | wc -l`], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nUSB export (AES-256 zip): dataset scale ${scale}, ${files} files, ${(Number(du) / 2 ** 20).toFixed(0)} MiB; our deflate level ${level}; ${rounds} alternating round(s)`);
  console.log(`  load average before: ${load()} (2 cores: above ~0.5 the machine is shared and the figures are noisy)`);

  // A fresh strong password per run; ours reads it from the environment (never argv). 7-Zip can
  // only take it on its command line — acceptable for a benchmark on a scratch dataset.
  const password = generatePassword();
  const env = { ...process.env, SCELLE_PASSWORD: password };
  const ours = join(work, 'ours.zip');
  const theirs = join(work, '7zz.zip');
  const outOurs = join(work, 'import-ours');
  const outTheirs = join(work, 'import-7zz');
  const clean = (...paths: string[]): void => {
    for (const p of paths) rmSync(p, { recursive: true, force: true });
  };
  const results = new Map<string, Measure[]>();
  const run = (label: string, cmd: string[], e: NodeJS.ProcessEnv = process.env): Measure => {
    const m = measure(label, cmd, e);
    results.set(label, [...(results.get(label) ?? []), m]);
    console.log(row(label, m));
    return m;
  };
  const exportOurs = `scelle export (level ${level})`;
  const exportTheirs = '7zz a -tzip -mem=AES256 -mx=1';
  const importOurs = 'scelle import (our zip)';
  const importTheirs = '7zz x (its zip)';
  for (let r = 0; r < rounds; r++) {
    console.log(`  round ${r + 1}`);
    clean(ours, theirs);
    run(exportOurs, [process.execPath, BIN, 'export', '-q', data, '--out', ours, '--level', String(level)], env);
    run(exportTheirs, ['7zz', 'a', '-tzip', '-mem=AES256', '-mx=1', `-p${password}`, theirs, data]);
    clean(outOurs, outTheirs);
    run(importOurs, [process.execPath, BIN, 'import', '-q', ours, '--out', outOurs], env);
    run(importTheirs, ['7zz', 'x', `-p${password}`, `-o${outTheirs}`, theirs]);
  }
  // Interop both ways, once.
  clean(outOurs, outTheirs);
  run('scelle import (7zz zip)', [process.execPath, BIN, 'import', '-q', theirs, '--out', outOurs], env);
  run('7zz x (our zip)', ['7zz', 'x', `-p${password}`, `-o${outTheirs}`, ours]);

  const m = (label: string, f: (x: Measure) => number): number => median(results.get(label)!.map(f));
  const peak = (label: string): number => Math.max(...results.get(label)!.map((x) => x.maxRssMiB));
  console.log(`  sizes: ours ${(statSync(ours).size / 2 ** 20).toFixed(1)} MiB, 7zz ${(statSync(theirs).size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`  export: ours / 7zz = ${(m(exportOurs, (x) => x.seconds) / m(exportTheirs, (x) => x.seconds)).toFixed(2)} wall (goal ≤ 0.70), ${(m(exportOurs, (x) => x.cpuSeconds) / m(exportTheirs, (x) => x.cpuSeconds)).toFixed(2)} CPU; peak RSS ${peak(exportOurs).toFixed(0)} MiB vs ${peak(exportTheirs).toFixed(0)} MiB`);
  console.log(`  import: ours / 7zz = ${(m(importOurs, (x) => x.seconds) / m(importTheirs, (x) => x.seconds)).toFixed(2)} wall (goal ≤ 1.00), ${(m(importOurs, (x) => x.cpuSeconds) / m(importTheirs, (x) => x.cpuSeconds)).toFixed(2)} CPU; peak RSS ${peak(importOurs).toFixed(0)} MiB vs ${peak(importTheirs).toFixed(0)} MiB`);
  console.log(`  (medians of ${rounds} round(s); our import fsyncs every file before it is renamed into place, 7-Zip syncs nothing)`);
  console.log(`  load average after: ${load()}`);
  clean(ours, theirs, outOurs, outTheirs);

  const many = arg('many', 0);
  if (many > 0) await benchManyEntries(work, many, env);
}

/** Imports a plain zip of `count` empty files, ours against 7zz x. */
async function benchManyEntries(work: string, count: number, env: NodeJS.ProcessEnv): Promise<void> {
  const zip = join(work, `many-${count}.zip`);
  const ws = createWriteStream(zip);
  const w = new ZipWriter((c) => new Promise((resolve, reject) => ws.write(c, (e) => (e ? reject(e) : resolve()))), { level: 0 });
  const mtime = new Date();
  for (let i = 0; i < count; i++) {
    await w.addBytes({ name: `d${String(Math.floor(i / 1000)).padStart(4, '0')}/f${String(i).padStart(7, '0')}.txt`, mtime }, new Uint8Array(0));
  }
  await w.finish();
  await new Promise<void>((resolve) => ws.end(resolve));
  console.log(`\n${count} empty files (plain zip, ${(statSync(zip).size / 2 ** 20).toFixed(0)} MiB): load ${load()}`);
  const ours = join(work, 'many-ours');
  const theirs = join(work, 'many-7zz');
  const a = measure('scelle import', [process.execPath, BIN, 'import', '-q', zip, '--out', ours], env);
  console.log(row('scelle import', a));
  const b = measure('7zz x', ['7zz', 'x', `-o${theirs}`, zip]);
  console.log(row('7zz x', b));
  console.log(`  import: ours / 7zz = ${(a.seconds / b.seconds).toFixed(2)} wall; peak RSS ${a.maxRssMiB.toFixed(0)} MiB vs ${b.maxRssMiB.toFixed(0)} MiB`);
  for (const p of [zip, ours, theirs]) rmSync(p, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), 'scelle-bench-zip-'));
  benchZip(work)
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => rmSync(work, { recursive: true, force: true }));
}
