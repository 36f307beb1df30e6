/** `scelle pki demo` as the CLI tests use it: its files, and a pass file for each of its identities. */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { scelle } from './cli.js';

export interface DemoPki {
  /** The folder `pki demo` wrote (root.pem, trust.pem, crl.pem, praticien.p12, tsa.p12…). */
  dir: string;
  /** PASSWORDS.txt: `praticien.p12` → its password. */
  passwords: Record<string, string>;
}

/**
 * Runs `scelle pki demo --out dir`, then writes `passDir/NAME.pass` (mode 0600) for each
 * `NAME.p12` it made, as a script keeps its secrets.
 */
export function makeDemoPki(dir: string, passDir: string): DemoPki {
  expect(scelle(['pki', 'demo', '--out', dir]).status).toBe(0);
  const passwords = Object.fromEntries(readFileSync(join(dir, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  for (const [p12, password] of Object.entries(passwords)) writeFileSync(join(passDir, `${basename(p12, '.p12')}.pass`), `${password}\n`, { mode: 0o600 });
  return { dir, passwords };
}
