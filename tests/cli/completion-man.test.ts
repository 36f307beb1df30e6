/**
 * What is generated from the help: the completion scripts run in the real shells (bash completes
 * commands, options, choices and files; fish with `complete -C`; zsh parses and its function
 * completes with the completion builtins shadowed), the man page renders with groff and man
 * without a warning and holds every command, and README's reference is what the help renders now.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable, PassThrough } from 'node:stream';
import { join } from 'node:path';
import { scelle, REPO } from '../helpers/cli.js';
import { havePeers } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { buildProgram } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { describeCommand, flatten } from '../../cli/help/model.js';
import { regeneratedReadme, writeManPages } from '../../cli/help/docs.js';

const quietIo = (): CliIo => ({ stdout: new Writable({ write: (_c, _e, d) => d() }), stderr: new Writable({ write: (_c, _e, d) => d() }), stdin: new PassThrough() as unknown as CliIo['stdin'], env: {}, cwd: REPO });
const doc = describeCommand(buildProgram(quietIo(), 'en'), 'en');
const commands = flatten(doc);

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('scelle-completion-');
  for (const f of ['racine.pem', 'rapport.json', 'lettre.pdf.p7s']) writeFileSync(join(tmp.dir, f), 'x');
  mkdirSync(join(tmp.dir, 'racines'));
  mkdirSync(join(tmp.dir, 'restauration'));
});
afterAll(() => tmp.cleanup());

function sh(cmd: string, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: tmp.dir, encoding: 'utf8', input: input ?? '', env: { PATH: process.env.PATH, HOME: tmp.dir, LANG: 'C.UTF-8' } });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe.skipIf(!havePeers('bash'))('bash completion', () => {
  let script: string;
  beforeAll(() => {
    script = join(tmp.dir, 'scelle.bash');
    const r = scelle(['completion', 'bash']);
    expect(r.status).toBe(0);
    writeFileSync(script, r.stdout);
  });
  /** What `_scelle` offers for the words typed (the last one being completed). */
  const complete = (...words: string[]): string[] => {
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = sh('bash', ['-c', `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _scelle; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter((l) => l !== '').sort();
  };

  it('registers itself for scelle', () => {
    expect(sh('bash', ['-c', `source '${script}'; complete -p scelle`]).stdout.trim()).toBe('complete -F _scelle scelle');
  });
  it('commands and subcommands, at every level', () => {
    expect(complete('scelle', 'ver')).toEqual(['verify']);
    for (const c of commands.filter((x) => x.subcommands.length > 0)) {
      const words = c.path === '' ? ['scelle', ''] : ['scelle', ...c.path.split(' '), ''];
      expect(complete(...words), c.path).toEqual([...c.subcommands.map((s) => s.name), 'help'].sort());
    }
  });
  it('options of the command being typed, global ones included, after other options and their values', () => {
    expect(complete('scelle', 'verify', '--rep')).toEqual(['--report', '--report-format']);
    expect(complete('scelle', '--json', 'backup', 'st')).toEqual(['status']);
    expect(complete('scelle', 'verify', '--trust', 'racine.pem', '--c')).toEqual(['--certs', '--content', '--crl']);
    expect(complete('scelle', 'backup', 'run', '--j')).toEqual(['--journal', '--json']);
    for (const c of commands.filter((x) => x.runnable)) {
      const offered = complete('scelle', ...c.path.split(' '), '--');
      for (const o of c.options) if (o.long) expect(offered, `${c.path} ${o.long}`).toContain(o.long);
    }
  });
  it('the values of options and arguments with choices', () => {
    expect(complete('scelle', 'verify', '--report-format', '')).toEqual(['etsi', 'json']);
    expect(complete('scelle', '--lang', '')).toEqual(['en', 'fr']);
    expect(complete('scelle', 'completion', '')).toEqual(['bash', 'fish', 'zsh']);
    expect(complete('scelle', 'cert', 'verify', '--purpose', 's')).toEqual(['sign']);
  });
  it('files for file options and arguments, folders for folder options, nothing for free values', () => {
    expect(complete('scelle', 'verify', '--trust', 'ra')).toEqual(['racine.pem', 'racines', 'rapport.json']);
    expect(complete('scelle', 'verify', 'lettre')).toEqual(['lettre.pdf.p7s']);
    expect(complete('scelle', 'backup', 'restore', '--to', 'r')).toEqual(['racines', 'restauration']);
    expect(complete('scelle', 'sign', '--tsa', '')).toEqual([]);
  });
});

describe.skipIf(!havePeers('zsh'))('zsh completion', () => {
  let script: string;
  beforeAll(() => {
    script = join(tmp.dir, '_scelle');
    writeFileSync(script, scelle(['completion', 'zsh']).stdout);
  });
  it('parses (zsh -n) and starts with #compdef', () => {
    expect(readFileSync(script, 'utf8').startsWith('#compdef scelle\n')).toBe(true);
    const r = sh('zsh', ['-n', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  /** Runs `_scelle` in zsh with the completion system's builtins shadowed by functions that print what they are given. */
  const complete = (...words: string[]): string => {
    const stubs = "compdef() { :; }; _describe() { local -a a; a=(\"${(@P)4}\"); print -rl -- DESCRIBE $3 \"${a[@]}\"; }; compadd() { [[ $1 == -- ]] && shift; print -rl -- ADD \"$@\"; }; _files() { print -r -- FILES \"$@\"; }; _message() { print -r -- MESSAGE; }";
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = sh('zsh', ['-f', '-c', `${stubs}; source '${script}'; words=(${quoted}); CURRENT=${words.length}; _scelle`]);
    expect(r.stderr).toBe('');
    return r.stdout;
  };
  it('commands with their descriptions, options, choices, files and folders', () => {
    expect(complete('scelle', '')).toContain('verify:verify CMS/CAdES signatures');
    expect(complete('scelle', 'backup', '')).toMatch(/^DESCRIBE\ncommand\ninit:create every destination and the repository/);
    expect(complete('scelle', 'verify', '--')).toContain('--report-format:report format');
    expect(complete('scelle', 'verify', '--report-format', '').trim()).toBe('ADD\njson\netsi');
    expect(complete('scelle', 'verify', '--trust', '').trim()).toBe('FILES');
    expect(complete('scelle', 'backup', 'restore', '--to', '').trim()).toBe('FILES -/');
  });
});

describe.skipIf(!havePeers('fish'))('fish completion', () => {
  let script: string;
  beforeAll(() => {
    script = join(tmp.dir, 'scelle.fish');
    writeFileSync(script, scelle(['completion', 'fish']).stdout);
  });
  it('parses (fish -n)', () => {
    const r = sh('fish', ['-n', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  const complete = (line: string): string[] => {
    const r = sh('fish', ['-c', `source '${script}'; complete -C '${line}'`]);
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!).sort();
  };
  it('completes commands, subcommands, options, choices and files (complete -C)', () => {
    expect(complete('scelle ver')).toEqual(['verify']);
    expect(complete('scelle backup ')).toEqual(['drill', 'init', 'list', 'prune', 'repair', 'restore', 'run', 'schedule', 'status', 'verifier-kit', 'verify']);
    expect(complete('scelle verify --rep')).toEqual(['--report', '--report-format']);
    expect(complete('scelle verify --report-format ')).toEqual(['etsi', 'json']);
    expect(complete('scelle --json backup run --con')).toEqual(['--config']);
    expect(complete('scelle verify --trust rac')).toEqual(['racine.pem', 'racines/']);
  });
  it('descriptions in French when the language is French', () => {
    const r = scelle(['completion', 'fish'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.stdout).toContain("-a 'verify' -d 'vérifier des signatures CMS/CAdES");
  });
});

describe('--json', () => {
  it('completion and man put what they print in the result (script, roff), with the shell and the language', () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = scelle(['completion', shell, '--json']);
      expect(r.status).toBe(0);
      expect(r.json()).toEqual({ ok: true, shell, script: scelle(['completion', shell]).stdout });
    }
    for (const lang of ['fr', 'en']) {
      const r = scelle(['man', '--lang', lang, '--json']);
      expect(r.status).toBe(0);
      expect(r.json()).toEqual({ ok: true, lang, roff: scelle(['man', '--lang', lang]).stdout });
    }
  });
});

describe.skipIf(!havePeers('groff', 'man'))('man page', () => {
  for (const [lang, env, heading] of [['en', { LANG: 'C.UTF-8' }, 'COMMANDS'], ['fr', { LANG: 'fr_FR.UTF-8' }, 'COMMANDES']] as const) {
    it(`${lang}: groff -ww finds nothing to warn about, man -l renders every command and its examples`, () => {
      const page = scelle(['man'], { env });
      expect(page.status).toBe(0);
      expect(page.stdout).toMatch(/^\.\\" Generated[^\n]*\n\.TH SCELLE 1 /);
      expect(/[^\x00-\x7f]/.test(page.stdout)).toBe(false);
      const file = join(tmp.dir, `scelle.${lang}.1`);
      writeFileSync(file, page.stdout);
      for (const device of ['utf8', 'ps']) {
        const g = sh('groff', ['-man', '-ww', '-z', `-T${device}`, file]);
        expect(g.stderr, device).toBe('');
        expect(g.status).toBe(0);
      }
      const m = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C.UTF-8', MANWIDTH: '100', MAN_KEEP_FORMATTING: '0' } });
      expect(m.status).toBe(0);
      const text = (m.stdout ?? '').replace(/.\x08/g, '');
      expect(text).toContain(heading);
      for (const c of commands.filter((x) => x.runnable)) expect(text, c.words).toContain(c.words);
      expect(text).toContain(lang === 'fr' ? 'Exemples :' : 'Examples:');
      expect(text).toContain('scelle verify lettre.pdf.p7s --trust racine.pem --crl crl.pem');
    });
  }

  it('npm run build writes man/scelle.1 and man/fr/scelle.1 (the same pages)', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string>; man: string[] };
    expect(pkg.scripts.build).toContain('node scripts/docs.mjs man');
    expect(pkg.man).toEqual(['./man/scelle.1']);
    const written = await writeManPages(tmp.dir);
    expect(written).toEqual([join(tmp.dir, 'man', 'scelle.1'), join(tmp.dir, 'man', 'fr', 'scelle.1')]);
    expect(readFileSync(written[0]!, 'utf8')).toBe(scelle(['man', '--lang', 'en']).stdout);
    expect(readFileSync(written[1]!, 'utf8')).toBe(scelle(['man', '--lang', 'fr']).stdout);
  });
});

describe("README's command reference", () => {
  it('is what the help renders now (else: npm run docs:cli)', async () => {
    const { current, wanted } = await regeneratedReadme(join(REPO, 'README.md'));
    expect(current === wanted, 'README.md\'s "Command reference" is stale: run `npm run docs:cli` and commit README.md').toBe(true);
  });
  it('holds every command', async () => {
    const { current } = await regeneratedReadme(join(REPO, 'README.md'));
    for (const c of commands.filter((x) => x.runnable)) expect(current).toContain(`<summary><code>${c.words} `);
  });
});
