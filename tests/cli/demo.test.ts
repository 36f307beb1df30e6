/** `scelle demo`: the newcomer's first command runs the whole tour and passes. */
import { describe, it, expect, afterAll } from 'vitest';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

const tmp = makeTempDir('scelle-demo-cli-');
afterAll(() => tmp.cleanup());

// The tour CLI.md promises, in order: PKI, sign + timestamp, verify, encrypt to a colleague and
// decrypt, USB export and read back, backup to three destinations, 3-2-1 status, verify, restore.
const TOUR = ['pki', 'signLetter', 'verifyLetter', 'timestampLetter', 'verifyTimestamp', 'encryptLetter', 'decryptLetter', 'exportUsb', 'importUsb', 'backupRun', 'backupStatus', 'backupVerify', 'backupRestore'];

describe('scelle demo', () => {
  it('runs every step of the tour, each ok, exit 0 (--json)', () => {
    const r = scelle(['demo', '--dir', tmp.dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.ok).toBe(true);
    const ids = doc.steps.map((s: { id: string }) => s.id);
    let at = -1;
    for (const id of TOUR) {
      const i = ids.indexOf(id);
      expect(i, `step ${id}`).toBeGreaterThan(at);
      at = i;
    }
    expect(doc.steps.filter((s: { ok: boolean }) => !s.ok)).toEqual([]);
  });

  it('prints one French line per step for a practitioner', () => {
    const other = makeTempDir('scelle-demo-fr-');
    const r = scelle(['demo', '--dir', other.dir], { env: { LANG: 'fr_FR.UTF-8' } });
    other.cleanup();
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => /^\[\s*\d+\]/.test(l)).every((l) => l.includes('ok'))).toBe(true);
    expect(r.stdout).toContain('courrier chiffré pour');
    expect(lines[lines.length - 1]).toMatch(/étapes/);
  });
});
