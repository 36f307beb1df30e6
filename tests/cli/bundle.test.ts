/**
 * The executable is one bundled file (scripts/bundle.mjs): it must not load the library file by
 * file, every worker it starts must be next to it, and it must find itself.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, scelle } from '../helpers/cli.js';

const EXTERNAL = new Set(['pkcs11js', 'ssh2', 'cpu-features', 'nodemailer', 'imapflow', 'mailparser', 'node-forge']);

/** The module specifiers a bundled file imports, statically or dynamically. */
function importsOf(source: string): string[] {
  const specs = new Set<string>();
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']/gm)) specs.add(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs];
}

describe('the bundled executable', () => {
  const dir = join(REPO, 'dist', 'cli');
  const files = ['bin.js', 'zip-worker.js', 'read-worker.js', 'chunk-worker.js'];

  it('imports only Node built-ins and the few packages kept outside (no file of the library)', () => {
    for (const f of files) {
      const source = readFileSync(join(dir, f), 'utf8');
      const specs = importsOf(source);
      if (f === 'bin.js') expect(specs.length).toBeGreaterThan(0);
      for (const s of specs) {
        const pkg = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        expect(s.startsWith('node:') || EXTERNAL.has(pkg), `${f} imports ${s}`).toBe(true);
      }
    }
  });

  it('is pure ASCII (Node reads it as one-byte text)', () => {
    for (const f of files) expect(/[^\x00-\x7f]/.test(readFileSync(join(dir, f), 'utf8')), f).toBe(false);
  });

  it('has every worker it starts beside it, and names itself', () => {
    const source = readFileSync(BIN, 'utf8');
    const asked = [...source.matchAll(/new URL\(\s*["']\.\/([\w.-]+)["']\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]!);
    expect(new Set(asked)).toEqual(new Set(files));
    for (const f of asked) expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('runs', () => {
    const r = scelle(['--version', '--json']);
    expect(r.status).toBe(0);
    expect(r.json().version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
