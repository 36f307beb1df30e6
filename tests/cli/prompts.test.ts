/**
 * Prompts as a practitioner meets them, in a real terminal (tmux): each names what it asks for,
 * nothing typed is echoed, a new password is typed twice, and a weak one is refused with its
 * reasons before the confirmation and asked again. A --pass-file others can read gets a warning.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { havePeers } from '../helpers/peers.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

const tmp = makeTempDir('scelle-prompts-');
const f = (n: string): string => join(tmp.dir, n);
const pki = f('pki');
let pw: Record<string, string> = {};
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const cmd = (args: string[]): string => ['env', 'LANG=fr_FR.UTF-8', process.execPath, BIN, ...args].map(quote).join(' ');
const sessions: TmuxSession[] = [];
const run = (name: string, args: string[]): TmuxSession => {
  const dir = f(`tmux-${name}`);
  mkdirSync(dir);
  const s = startTmux(dir, cmd(args), {});
  sessions.push(s);
  return s;
};

beforeAll(() => {
  expect(scelle(['pki', 'demo', '--out', pki]).status).toBe(0);
  pw = Object.fromEntries(readFileSync(join(pki, 'PASSWORDS.txt'), 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  mkdirSync(f('dossier'));
  writeFileSync(f('dossier/compte-rendu.txt'), 'Consultation du 3 mars : RAS.\n');
  writeFileSync(f('lettre.txt'), 'Courrier au confrère.\n');
});
afterAll(() => {
  for (const s of sessions) s.close();
  tmp.cleanup();
});

describe.skipIf(!havePeers('tmux'))('prompts in a terminal (tmux)', () => {
  it('export: names the archive, refuses a weak password before the confirmation and asks again, confirms twice, never echoes', async () => {
    const weak = 'azerty2026';
    const strong = 'Clé-USB#Mars-2026!';
    const typo = 'Clé-USB#Mars-2O26!';
    const s = run('export', ['export', f('dossier'), '--out', f('usb.zip')]);
    const prompt = /Nouveau mot de passe de l’archive usb\.zip \(à transmettre au destinataire par un autre canal\) : /;
    await s.waitFor(prompt);
    s.type(weak);
    // refused with its reasons, in French, and asked again — before any confirmation
    let screen = await s.waitFor(prompt, { count: 2 });
    expect(screen).toMatch(/trop faible : .*(moins de 12 caractères|mot de passe ou un mot courant).* ; choisissez-en un autre/);
    expect(screen).not.toMatch(/Retapez-le/);
    s.type(strong);
    await s.waitFor(/Retapez-le pour confirmer : /);
    s.type(typo);
    screen = await s.waitFor(prompt, { count: 3 });
    expect(screen).toContain('les deux saisies diffèrent ; recommencez');
    s.type(strong);
    await s.waitFor(/Retapez-le pour confirmer : /, { count: 2 });
    s.type(strong);
    screen = await s.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=0');
    expect(screen).toMatch(/exporté : .*usb\.zip/);
    for (const secret of [weak, strong, typo]) expect(screen).not.toContain(secret);
    // the password typed is the archive's
    const check = scelle(['import', f('usb.zip'), '--verify-only', '--json'], { env: { SCELLE_PASSWORD: strong } });
    expect(check.status, check.stderr).toBe(0);
  });

  it('sign: asks “Mot de passe de praticien.p12 :”, without echo', async () => {
    const s = run('sign', ['sign', f('lettre.txt'), '--identity', join(pki, 'praticien.p12')]);
    await s.waitFor(/Mot de passe de praticien\.p12 : /);
    s.type(pw['praticien.p12']!);
    const screen = await s.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=0');
    expect(screen).not.toContain(pw['praticien.p12']!);
    expect(existsSync(f('lettre.txt.p7s'))).toBe(true);
  });

  it('a wrong identity password is not echoed either, and says which file (exit 12)', async () => {
    const s = run('wrong', ['decrypt', f('nothing.p7m'), '--identity', join(pki, 'confrere.p12')]);
    // the envelope is missing, but the identity is opened first: its prompt names it
    await s.waitFor(/Mot de passe de confrere\.p12 : /);
    s.type('Pas-le-bon#2026');
    const screen = await s.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=12');
    expect(screen).toMatch(/scelle: erreur : mot de passe incorrect pour .*confrere\.p12/);
    expect(screen).not.toContain('Pas-le-bon#2026');
  });
});

describe('secret files', () => {
  it('a --pass-file other users can read gets a warning naming it; a private one none', () => {
    writeFileSync(f('open.pass'), `${pw['praticien.p12']}\n`);
    chmodSync(f('open.pass'), 0o644);
    const r = scelle(['sign', f('lettre.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('open.pass'), '--out-dir', f('sigs')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`scelle: attention : le fichier secret ${f('open.pass')} est lisible par d’autres utilisateurs (droits 0644) : protégez-le avec chmod 600 ${f('open.pass')}`);
    chmodSync(f('open.pass'), 0o600);
    const quiet = scelle(['sign', f('lettre.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('open.pass'), '--out-dir', f('sigs2')], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).not.toContain('attention');
  });

  it('a folder given as --pass-file: NOT_A_FILE (exit 2), no stack trace', () => {
    const r = scelle(['sign', f('lettre.txt'), '--identity', join(pki, 'praticien.p12'), '--pass-file', f('dossier'), '--json'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(2);
    expect(r.json().error.code).toBe('NOT_A_FILE');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
