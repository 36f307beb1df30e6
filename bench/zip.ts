/**
 * USB export benchmark: our AES-256 zip export and import (the scelle CLI,
 * until `scelle export`/`scelle import` exist) against 7-Zip on the shared "cabinet" dataset
 * (`/work/shared/bench/make-dataset.py`, ~1 GiB at scale 1: 4 000 letters, 400 half-random
 * documents, 16 random scans). Goal: our export ≤ 0.7 × `7zz a -tzip -mem=AES256 -mx=1`.
 *
 *   node dist/bench/zip.js [--dataset-scale 1] [--zip-level 1]
 *
 * Measurements, not tests: never fails on a goal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePassword } from '../src/index.js';
import { BIN, arg, measure, row, type Measure } from './util.js';

const DATASET_SCRIPT = '/work/shared/bench/make-dataset.py';

/** Runs the export/import comparison in `work` (a scratch folder). */
export async function benchZip(work: string): Promise<void> {
  const scale = arg('dataset-scale', 1);
  const level = arg('zip-level', 1);
  const dataset = join(work, `zip-dataset-${scale}`);
  if (!existsSync(dataset)) {
    const g = spawnSync('python3', [DATASET_SCRIPT, dataset, String(scale)], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`${DATASET_SCRIPT} failed`);
  }
  const data = realpathSync(dataset);
  const du = spawnSync('du', ['-sb', data], { encoding: 'utf8' }).stdout.split('\t')[0];
  const files = spawnSync('sh', ['-c', `find "${data}" -type f | wc -l`], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nUSB export (AES-256 zip): dataset scale ${scale}, ${files} files, ${(Number(du) / 2 ** 20).toFixed(0)} MiB; our deflate level ${level}`);

  // A fresh strong password per run; ours reads it from the environment (never argv). 7-Zip can
  // only take it on its command line — acceptable for a benchmark on a scratch dataset.
  const password = generatePassword();
  const env = { ...process.env, SCELLE_PASSWORD: password };
  const ours = join(work, 'ours.zip');
  const theirs = join(work, '7zz.zip');
  for (const p of [ours, theirs]) rmSync(p, { force: true });

  const results: [string, Measure][] = [];
  const run = (label: string, cmd: string[], e: NodeJS.ProcessEnv = process.env): Measure => {
    const m = measure(label, cmd, e);
    results.push([label, m]);
    console.log(row(label, m));
    return m;
  };
  const ourExport = run(`scelle export (level ${level})`, [process.execPath, BIN, 'export', '-q', data, '--out', ours, '--level', String(level)], env);
  const theirExport = run('7zz a -tzip -mem=AES256 -mx=1', ['7zz', 'a', '-tzip', '-mem=AES256', '-mx=1', `-p${password}`, theirs, data]);
  const outOurs = join(work, 'import-ours');
  const outTheirs = join(work, 'import-7zz');
  rmSync(outOurs, { recursive: true, force: true });
  rmSync(outTheirs, { recursive: true, force: true });
  const ourImport = run('scelle import (our zip)', [process.execPath, BIN, 'import', '-q', ours, '--out', outOurs], env);
  const theirImport = run('7zz x (its zip)', ['7zz', 'x', `-p${password}`, `-o${outTheirs}`, theirs]);
  rmSync(outOurs, { recursive: true, force: true });
  run('scelle import (7zz zip)', [process.execPath, BIN, 'import', '-q', theirs, '--out', outOurs], env);
  rmSync(outTheirs, { recursive: true, force: true });
  run('7zz x (our zip)', ['7zz', 'x', `-p${password}`, `-o${outTheirs}`, ours]);

  console.log(`  sizes: ours ${(statSync(ours).size / 2 ** 20).toFixed(1)} MiB, 7zz ${(statSync(theirs).size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`  export: ours / 7zz = ${(ourExport.seconds / theirExport.seconds).toFixed(2)} (goal ≤ 0.70)`);
  console.log(`  import: ours / 7zz = ${(ourImport.seconds / theirImport.seconds).toFixed(2)}`);
  for (const p of [ours, theirs, outOurs, outTheirs]) rmSync(p, { recursive: true, force: true });
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
