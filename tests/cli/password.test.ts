import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPassword } from '../../src/index.js';
import { scelle, scelleTty } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('scelle password', () => {
  it('check: a strong candidate passes (exit 0), from the environment, never echoed', () => {
    const r = scelle(['password', 'check', '--json'], { env: { SCELLE_PASSWORD: 'Vq7#mLp2!xRt' } });
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, kind: 'password', length: 12 });
    expect(r.stdout + r.stderr).not.toContain('Vq7#mLp2!xRt');
  });

  it('check: a weak candidate is refused with its reasons in French (exit 3)', () => {
    const { dir, cleanup } = makeTempDir();
    const f = join(dir, 'pw');
    writeFileSync(f, 'Soleil123456\n');
    const r = scelle(['password', 'check', '--pass-file', f], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('trop faible');
    expect(r.stdout).toContain('caractères spéciaux');
    expect(r.stdout + r.stderr).not.toContain('Soleil123456');
    const j = scelle(['password', 'check', '--pass-file', f, '--json']).json();
    expect(j.reasons.map((x: { code: string }) => x.code)).toEqual(['few-classes', 'common']);
    cleanup();
  });

  it('check: no candidate available → PASSWORD_REQUIRED, exit 2', () => {
    const r = scelle(['password', 'check', '--json']);
    expect(r.status).toBe(2);
    expect(r.json().error.code).toBe('PASSWORD_REQUIRED');
  });

  it('check: reads the candidate from a no-echo prompt on a terminal', async () => {
    const r = await scelleTty(['password', 'check'], { prompt: /Password: /, answers: ['k9$Tz-Wq4@bN&e'] });
    expect(r.status).toBe(0);
    expect(r.output).not.toContain('k9$Tz');
  });

  it('generate: prints strong, distinct passwords and passphrases that check accepts', () => {
    const a = scelle(['password', 'generate', '-q']).stdout.trim();
    const b = scelle(['password', 'generate', '-q']).stdout.trim();
    expect(a).not.toBe(b);
    expect(a).toHaveLength(16);
    expect(checkPassword(a).ok).toBe(true);
    const p = scelle(['password', 'generate', '--kind', 'passphrase', '--json']).json();
    expect(p.value.split('-')).toHaveLength(7);
    expect(p.estimatedBits).toBeGreaterThanOrEqual(80);
    expect(scelle(['password', 'check'], { env: { SCELLE_PASSWORD: p.value } }).status).toBe(0);
  });
});
