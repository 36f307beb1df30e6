/**
 * Errors, not crashes: a full USB stick or disk (a real tmpfs), a read-only medium, a file others
 * own, a folder given as a file, an output closed by `head`, Ctrl-C, `kill -9` — each ends with a
 * code from the table, a French message naming the file and what to do, no stack trace, and no
 * temp file or half-written output left behind (plaintext temp files are 0600 even under umask 000).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BIN, scelle, readJsonOutput } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { canMount, mountTmpfs, usbMountPoint, type Mount } from '../helpers/mounts.js';
import { writeManyEmptyFiles } from '../helpers/zip-build.js';

const tmp = makeTempDir('scelle-files-errors-');
chmodSync(tmp.dir, 0o755);
const f = (n: string): string => join(tmp.dir, n);
const PASSWORD = 'Clé-USB#Mars-2026!';
const fr = { LANG: 'fr_FR.UTF-8', TZ: 'Europe/Paris', SCELLE_PASSWORD: PASSWORD };
const mounts: Mount[] = [];
const noStack = (s: string): void => {
  expect(s).not.toMatch(/\n\s+at \S/);
  expect(s).not.toMatch(/Error: |ERR_[A-Z_]+|node:internal/);
};
/** Files in `dir` and below (temp files included). */
const listAll = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);

beforeAll(() => {
  mkdirSync(f('dossier/scans'), { recursive: true });
  // 6 MiB that deflate cannot shrink: more than the 4 MiB "USB stick" below
  for (let i = 0; i < 3; i++) writeFileSync(f(`dossier/scans/scan-${i}.dcm`), randomBytes(2 * 1024 * 1024));
  writeFileSync(f('dossier/lettre.txt'), 'Courrier au confrère.\n');
  writeFileSync(f('petit.txt'), 'Ordonnance.\n');
});
afterAll(() => {
  for (const m of mounts) m.unmount();
  tmp.cleanup();
});

describe.skipIf(!canMount())('full and read-only media (real tmpfs mounts)', () => {
  it('export onto a full USB stick: DISK_FULL, “la clé USB … est pleine (il manque environ …)”, nothing left on the stick', () => {
    const usb = mountTmpfs(usbMountPoint(), { bytes: 4 * 1024 * 1024 });
    mounts.push(usb);
    const out = join(usb.dir, 'export.zip');
    const r = scelle(['export', f('dossier'), '--out', out, '--level', '1'], { env: fr });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scelle: erreur : la clé USB \\(ou le disque externe\\) est pleine : ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} n’a pas pu être écrit \\(il manque environ \\d+,\\d\u00a0Mio\\) ; rien n’a été laissé à moitié écrit$`, 'm'));
    expect(r.stderr).toContain('conseil : libérez de la place');
    noStack(r.stderr);
    expect(listAll(usb.dir)).toEqual([]);
    const j = scelle(['export', f('dossier'), '--out', out, '--json'], { env: fr });
    expect(j.json().error.code).toBe('DISK_FULL');
    expect(j.json().error.message).toMatch(/the USB stick \(or external drive\) is full: cannot write .*export\.zip \(about \d+\.\d MiB more are needed\)/);
    expect(j.json().exitCode).toBe(1);
  });

  it('decrypt onto a full disk: DISK_FULL naming the output, no output and no plaintext temp file', () => {
    const env = scelle(['encrypt', f('dossier/scans/scan-0.dcm'), '--password', '--out', f('scan.p7m')], { env: fr });
    expect(env.status, env.stderr).toBe(0);
    const disk = mountTmpfs(f('petit-disque'), { bytes: 1024 * 1024 });
    mounts.push(disk);
    const out = join(disk.dir, 'scan.dcm');
    const r = scelle(['decrypt', f('scan.p7m'), '--password', '--out', out], { env: fr });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`scelle: erreur : le disque est plein : ${out} n’a pas pu être écrit (il manque environ`);
    noStack(r.stderr);
    expect(listAll(disk.dir)).toEqual([]);
  });

  it('import onto a medium too small: refused before anything is written, with the room missing', () => {
    const zip = f('a-importer.zip');
    expect(scelle(['export', f('dossier'), '--out', zip, '--level', '0'], { env: fr }).status).toBe(0);
    const disk = mountTmpfs(f('petit-disque-2'), { bytes: 1024 * 1024 });
    mounts.push(disk);
    const r = scelle(['import', zip, '--out', join(disk.dir, 'recu'), '--json'], { env: fr });
    expect(r.status).toBe(1);
    const e = r.json().error;
    expect(e.code).toBe('DISK_FULL');
    // 6 MiB declared, 1 MiB free: about 5 MiB missing
    expect(e.localized).toMatch(/le disque est plein : .*recu n’a pas pu être écrit \(il manque environ 5,\d\u00a0Mio\)/);
    expect(listAll(join(disk.dir))).toEqual([]);
  });

  it('a read-only medium: READ_ONLY_MEDIUM for export, decrypt and import, nothing written', () => {
    const ro = mountTmpfs(usbMountPoint(), { bytes: 1024 * 1024, readOnly: true, seed: (d) => writeFileSync(join(d, 'existant.txt'), 'déjà là\n') });
    mounts.push(ro);
    const e = scelle(['export', f('petit.txt'), '--out', join(ro.dir, 'x.zip')], { env: fr });
    expect(e.status).toBe(1);
    expect(e.stderr).toContain(`scelle: erreur : ${join(ro.dir, 'x.zip')} est sur un support en lecture seule : rien n’a été écrit`);
    expect(e.stderr).toContain('conseil : une clé USB peut avoir un verrou');
    noStack(e.stderr);
    const d = scelle(['decrypt', f('scan.p7m'), '--password', '--out', join(ro.dir, 'scan.dcm'), '--json'], { env: fr });
    expect(d.json().error.code).toBe('READ_ONLY_MEDIUM');
    const i = scelle(['import', f('a-importer.zip'), '--out', join(ro.dir, 'recu'), '--json'], { env: fr });
    expect(i.json().error.code).toBe('READ_ONLY_MEDIUM');
    expect(listAll(ro.dir)).toEqual(['existant.txt']);
  });
});

describe('unreadable files, folders given as files', () => {
  it.runIf(process.getuid?.() === 0)('a file another user cannot read: PERMISSION_DENIED naming it (scelle run as nobody)', () => {
    writeFileSync(f('secret.txt'), 'confidentiel\n', { mode: 0o600 });
    const r = scelle(['export', f('secret.txt'), '--out', '/tmp/never.zip'], { env: { ...fr, HOME: '/tmp' }, uid: 65534 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`scelle: erreur : accès refusé : scelle n’a pas le droit de lire ${f('secret.txt')}`);
    noStack(r.stderr);
    const w = scelle(['encrypt', f('petit.txt'), '--password', '--out', f('interdit/petit.p7m')], { env: { ...fr, HOME: '/tmp' }, uid: 65534 });
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/accès refusé : scelle n’a pas le droit d’écrire .*petit\.p7m/);
    noStack(w.stderr);
  });

  it.each([
    ['sign', ['sign', 'DIR', '--pass-file', 'PASS', '--identity', 'DIR']],
    ['encrypt', ['encrypt', 'DIR', '--password']],
    ['decrypt', ['decrypt', 'DIR', '--password']],
    ['import', ['import', 'DIR', '--verify-only']],
  ])('%s given a folder: NOT_A_FILE (exit 2), “est un dossier”, no stack', (_name, args) => {
    writeFileSync(f('pass.txt'), PASSWORD, { mode: 0o600 });
    const r = scelle(args.map((a) => (a === 'DIR' ? f('dossier') : a === 'PASS' ? f('pass.txt') : a)), { env: fr });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`scelle: erreur : ${f('dossier')} est un dossier (ou un périphérique), pas un fichier`);
    noStack(r.stderr);
  });
});

describe('the output closed by its reader (| head)', () => {
  it('OUTPUT_CLOSED, exit 1, a French line, no stack trace', () => {
    writeManyEmptyFiles(f('many.zip'), 5000);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" import "${f('many.zip')}" --verify-only --json | head -c 100 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], { env: { PATH: process.env.PATH, ...fr }, encoding: 'utf8' });
    expect(r.stderr).toContain('status=1');
    expect(r.stderr).toContain('scelle: erreur : la sortie a été fermée avant la fin (par « head », par exemple)');
    noStack(r.stderr);
  });
});

describe('entry caps keep memory bounded', () => {
  it('an archive of more entries than the cap is refused from its end record (TOO_MANY_ENTRIES, exit 1)', () => {
    if (!existsSync(f('many.zip'))) writeManyEmptyFiles(f('many.zip'), 5000);
    const r = scelle(['import', f('many.zip'), '--verify-only', '--max-entries', '1000'], { env: fr });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`scelle: erreur : ${f('many.zip')} : 5000 entrées, plus que la limite de 1000`);
    expect(r.stderr).toContain('--max-entries');
    const ok = scelle(['import', f('many.zip'), '--verify-only'], { env: fr });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('5000 fichiers');
  });

  it('600 000 entries: refused at once, the process stays small', () => {
    writeManyEmptyFiles(f('huge.zip'), 600_000);
    const r = spawnSync('/usr/bin/time', ['-f', 'rss=%M', process.execPath, BIN, 'import', f('huge.zip'), '--verify-only', '--json'], { env: { PATH: process.env.PATH, ...fr }, encoding: 'utf8' });
    expect(readJsonOutput(r.stdout).error.code).toBe('TOO_MANY_ENTRIES');
    const rss = Number(/rss=(\d+)/.exec(r.stderr)?.[1]);
    expect(rss).toBeGreaterThan(0);
    expect(rss / 1024).toBeLessThan(150); // MiB: the 60 MB central directory is never read
  });

  it('export stops listing past the cap, before anything is written', () => {
    const r = scelle(['export', f('dossier'), '--out', f('trop.zip'), '--max-entries', '3', '--json'], { env: fr });
    expect(r.status).toBe(1);
    expect(r.json().error.code).toBe('TOO_MANY_ENTRIES');
    expect(existsSync(f('trop.zip'))).toBe(false);
  });
});

/** Starts scelle, returns the child; stdout/stderr collected. */
function start(args: string[], env: Record<string, string>, umask?: number): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const cmd = umask === undefined ? process.execPath : 'sh';
  const argv = umask === undefined ? [BIN, ...args] : ['-c', `umask ${umask.toString(8)}; exec "$0" "$@"`, process.execPath, BIN, ...args];
  const child = spawn(cmd, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const done = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? -9 : null))));
  return { child, out: () => text, done };
}

/** Waits until `dir` holds a temp file of scelle; returns its name. */
async function tempAppears(dir: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = listAll(dir).find((n) => /(^|\/)\..+\.tmp$/.test(n));
    if (t !== undefined) return t;
    if (Date.now() > deadline) throw new Error(`no temp file appeared in ${dir}: ${listAll(dir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('interruptions', () => {
  beforeAll(() => {
    mkdirSync(f('gros'), { recursive: true });
    writeFileSync(f('gros/grand.bin'), randomBytes(192 * 1024 * 1024));
    const e = scelle(['encrypt', f('gros/grand.bin'), '--password', '--out', f('grand.p7m')], { env: fr });
    expect(e.status, e.stderr).toBe(0);
  });

  it('Ctrl-C during decrypt: exit 130, “interrompu”, no output and no temp file; the temp file was 0600 under umask 000', async () => {
    mkdirSync(f('dec'));
    const run = start(['decrypt', f('grand.p7m'), '--password', '--out', f('dec/grand.bin')], fr, 0o000);
    const temp = await tempAppears(f('dec'));
    expect(statSync(join(f('dec'), temp)).mode & 0o777).toBe(0o600);
    run.child.kill('SIGINT');
    expect(await run.done).toBe(130);
    expect(run.out()).toContain('scelle: erreur : interrompu');
    noStack(run.out());
    expect(listAll(f('dec'))).toEqual([]);
  });

  it('Ctrl-C during export: exit 130, no archive and no temp file', async () => {
    mkdirSync(f('exp'));
    const run = start(['export', f('gros'), '--out', f('exp/gros.zip'), '--level', '9'], fr);
    await tempAppears(f('exp'));
    run.child.kill('SIGINT');
    expect(await run.done).toBe(130);
    expect(listAll(f('exp'))).toEqual([]);
  });

  it('kill -9 during decrypt leaves only a 0600 temp file, which the next decrypt into that folder removes; outputs are 0600', async () => {
    mkdirSync(f('k9'));
    const run = start(['decrypt', f('grand.p7m'), '--password', '--out', f('k9/grand.bin')], fr, 0o000);
    const temp = await tempAppears(f('k9'));
    run.child.kill('SIGKILL');
    await run.done;
    expect(listAll(f('k9'))).toEqual([temp]);
    expect(statSync(join(f('k9'), temp)).mode & 0o777).toBe(0o600);
    const again = start(['decrypt', f('grand.p7m'), '--password', '--out', f('k9/grand.bin')], fr, 0o000);
    expect(await again.done, again.out()).toBe(0);
    expect(listAll(f('k9'))).toEqual(['grand.bin']);
    expect(statSync(f('k9/grand.bin')).mode & 0o777).toBe(0o600);
    expect(Buffer.compare(readFileSync(f('k9/grand.bin')), readFileSync(f('gros/grand.bin')))).toBe(0);
  });

  it('Ctrl-C during import: exit 130; only complete, verified files; no temp file; imported files 0600', async () => {
    const zip = f('gros.zip');
    expect(scelle(['export', f('gros'), f('dossier'), '--out', zip, '--level', '0'], { env: fr }).status).toBe(0);
    const run = start(['import', zip, '--out', f('imp')], fr, 0o000);
    await tempAppears(f('imp'));
    run.child.kill('SIGINT');
    expect(await run.done).toBe(130);
    const left = listAll(f('imp'));
    expect(left.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const n of left) {
      const st = statSync(join(f('imp'), n));
      if (st.isFile()) expect(st.mode & 0o777).toBe(0o600);
    }
  });
});
