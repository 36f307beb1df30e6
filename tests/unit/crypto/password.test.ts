import { describe, expect, it } from 'vitest';
import { assertStrongPassword, checkPassword, generatePassword } from '../../../src/index.js';
import { PASSWORD_POLICY } from '../../../src/internal.js';
import { caught, codeOf } from '../../helpers/errors.js';

describe('password policy (CNIL: 12 characters of 4 classes, or a passphrase of 7 words)', () => {
  it.each([
    ['Vq7#mLp2!xRt', 'password'],
    ['k9$Tz-Wq4@bN&e', 'password'],
    ['Éléphant-r0uge#Mardi', 'password'],
    ['cheval orange agrafe pluie violon tempête moulin', 'passphrase'],
    ['table-nuage-piano-rivière-citron-marteau-lune', 'passphrase'],
  ])('accepts %s', (candidate, kind) => {
    const v = checkPassword(candidate);
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.kind).toBe(kind);
  });

  it.each([
    ['', 'empty'],
    ['Ab1!', 'too-short'],
    ['Abcdefgh1234', 'few-classes'],
    ['abcdefghijkl!', 'few-classes'],
    ['Motdepasse2024!', 'common'],
    ['P@ssw0rd!2024', 'common'],
    ['Azerty123456!', 'common'],
    ['Aa1!Aa1!Aa1!Aa1!', 'repeated'],
    ['Abcdefghij1!', 'sequence'],
    ['Qwertyuiop1!', 'sequence'],
    ['chat chien oiseau poisson', 'passphrase-short-words'],
    ['lune lune lune lune lune lune lune', 'passphrase-repeated-words'],
  ])('refuses %j (%s)', (candidate, reason) => {
    const v = checkPassword(candidate);
    expect(v.ok).toBe(false);
    expect(v.reasons).toContain(reason);
  });

  it('refuses words tied to the context (name, practice)', () => {
    expect(checkPassword('Dupont#2026-Xq', { context: ['Dr Jean Dupont'] }).reasons).toContain('personal');
    expect(checkPassword('Dupont#2026-Xq').ok).toBe(true);
  });

  it('assertStrongPassword throws WEAK_PASSWORD with reason codes and no secret in the message', () => {
    const err = caught(() => assertStrongPassword('Soleil123456'));
    expect(codeOf(() => assertStrongPassword('Soleil123456'))).toBe('WEAK_PASSWORD');
    expect((err as Error).message).not.toContain('Soleil');
    expect((err as { params: Record<string, string> }).params.reasonKey).toMatch(/^password\.reason\./);
  });

  it('generated passwords and passphrases are strong, distinct and of the asked shape', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(16);
      expect(checkPassword(p).ok).toBe(true);
      seen.add(p);
      const q = generatePassword({ kind: 'passphrase' });
      expect(q.split('-')).toHaveLength(PASSWORD_POLICY.passphraseMinWords);
      expect(checkPassword(q).ok).toBe(true);
      seen.add(q);
    }
    expect(seen.size).toBe(400);
    expect(generatePassword({ length: 24 })).toHaveLength(24);
    expect(generatePassword({ length: 4 })).toHaveLength(PASSWORD_POLICY.minLength);
  });
});
