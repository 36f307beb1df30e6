import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeAttachmentName, saveAttachment } from '../../../src/mss/read.js';
import { makeTempDir } from '../../helpers/tmp.js';

const { dir, cleanup } = makeTempDir('scelle-mss-save-');
afterAll(cleanup);

describe('safe attachment names', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['/etc/shadow', 'shadow'],
    ['C:\\Windows\\system32\\evil.dll', 'evil.dll'],
    ['..\\..\\boot.ini', 'boot.ini'],
    ['..', 'piece-jointe'],
    ['.', 'piece-jointe'],
    ['', 'piece-jointe'],
    ['.bashrc', 'bashrc'],
    ['a\u0000b\u001fc.txt', 'a_b_c.txt'],
    ['rapport\u202Efdp.exe', 'rapport_fdp.exe'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['inte<r>dit:?*|".pdf', 'inte_r_dit_____.pdf'],
    ['compte-rendu e\u0301te\u0301.pdf', 'compte-rendu été.pdf'],
  ])('%j → %j', (input, expected) => {
    expect(safeAttachmentName(input)).toBe(expected);
  });

  it('bounds the length and keeps the extension', () => {
    const n = safeAttachmentName(`${'é'.repeat(300)}.pdf`);
    expect(Buffer.byteLength(n)).toBeLessThanOrEqual(200);
    expect(n.endsWith('.pdf')).toBe(true);
  });

  it('never overwrites and never follows a symlink', async () => {
    writeFileSync(join(dir, 'cr.pdf'), 'existing');
    const first = await saveAttachment(dir, 'cr.pdf', Buffer.from('one'));
    const second = await saveAttachment(dir, '../cr.pdf', Buffer.from('two'));
    expect(first).toBe(join(dir, 'cr (2).pdf'));
    expect(second).toBe(join(dir, 'cr (3).pdf'));
    expect(readFileSync(join(dir, 'cr.pdf'), 'utf8')).toBe('existing');
    symlinkSync('/etc/hostname', join(dir, 'lien.txt'));
    const third = await saveAttachment(dir, 'lien.txt', Buffer.from('x'));
    expect(third).toBe(join(dir, 'lien (2).txt'));
    expect(readdirSync(dir).sort()).toEqual(['cr (2).pdf', 'cr (3).pdf', 'cr.pdf', 'lien (2).txt', 'lien.txt']);
  });
});
