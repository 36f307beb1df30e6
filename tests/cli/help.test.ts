/**
 * The help, from one source: every command and subcommand's `--help` in French and in English
 * (exit 0, examples, French typography, no English sentence in the French), the catalogs complete
 * for every command, option, argument and placeholder (a failure lists the missing entries), the
 * examples valid for the real program, and parser errors: one short line in the user's language
 * with the suggestion, a hint naming `--help`, exit 2, never the whole help, never a stack trace.
 */
import { describe, it, expect } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, run } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { allCommands, commandPath, frenchOf, HELP_FR, examplesOf } from '../../cli/help/index.js';
import { EXAMPLES } from '../../cli/help/index.js';
import { helpEn, helpFr } from '../../cli/i18n/help.js';
import { doctorEn, doctorFr } from '../../cli/i18n/doctor.js';
import { ownMessage } from '../../cli/i18n/index.js';
import { englishLines } from '../helpers/english.js';
import { frenchTypography } from '../../cli/i18n/typography.js';
import { scelle } from '../helpers/cli.js';

function memoryIo(env: Record<string, string>): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write: (c: Buffer, _e, done) => { add(c.toString('utf8')); done(); } });
  const stdin = new PassThrough() as unknown as CliIo['stdin'];
  return { io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), stdin, env, cwd: process.cwd() }, out: () => out, err: () => err };
}

async function runIn(argv: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  const m = memoryIo(env);
  const status = await run(argv, m.io);
  return { status, stdout: m.out(), stderr: m.err() };
}

const quiet = (): CliIo => memoryIo({}).io;
const hidden = (x: { hidden?: boolean } | Command): boolean => ('hidden' in x && x.hidden === true) || (x as unknown as { _hidden?: boolean })._hidden === true;
const program = buildProgram(quiet(), 'en');
const paths = allCommands(program).filter((c) => !hidden(c)).map(commandPath);
const FR = { LANG: 'fr_FR.UTF-8' };
const EN = { LANG: 'C.UTF-8' };

describe('--help of every command', () => {
  it.each(paths)('scelle %s --help, French: exit 0, French headings, examples, typography, no English sentence', async (path) => {
    const r = await runIn([...(path ? path.split(' ') : []), '--help'], FR);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(`Utilisation\u00a0: scelle${path ? ` ${path}` : ''} `)).toBe(true);
    expect(r.stdout).toContain(path === '' ? 'Options\u00a0:' : 'Options globales\u00a0:');
    expect(r.stdout).toContain('\nExemples\u00a0:\n');
    expect(r.stdout).toMatch(new RegExp(`\\n  scelle ${path.replace(/ /g, ' ')}`));
    expect(r.stdout).not.toMatch(/ [:;?!»]|« /);
    expect(englishLines(r.stdout)).toEqual([]);
  });

  it.each(paths)('scelle %s --help, English: exit 0, examples', async (path) => {
    const r = await runIn([...(path ? path.split(' ') : []), '--help'], EN);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(`Usage: scelle${path ? ` ${path}` : ''} `)).toBe(true);
    expect(r.stdout).toContain('\nExamples:\n');
    expect(r.stdout).not.toMatch(/[\u00a0«]|Utilisation|Exemples/);
  });

  it('the English detector is not blind: it finds English in the English help of every command', async () => {
    for (const path of paths) {
      const r = await runIn([...(path ? path.split(' ') : []), '--help'], EN);
      expect(englishLines(r.stdout).length, path).toBeGreaterThan(2);
    }
  });

  it('--lang fr wins over LANG, and scelle help COMMAND is the same help', async () => {
    const a = await runIn(['--lang', 'fr', 'verify', '--help'], EN);
    const b = await runIn(['help', 'verify'], FR);
    expect(a.stdout).toContain('Utilisation\u00a0: scelle verify');
    expect(b.stdout).toBe(a.stdout);
  });

  it('the program help ends with the exit codes, French typography included', async () => {
    const r = await runIn(['--help'], FR);
    expect(r.stdout).toMatch(/\nCodes de sortie\u00a0:\n {4}0 {2}succès\n[\s\S]*\n {2}130 {2}interrompu\n {2}Quand les fichiers d’une même commande [^\n]* le code le plus grave l’emporte, dans cet ordre\u00a0: 130, 4, 3, 12, 11, 10, 2, 1\.\n$/);
  });
});

describe('help catalogs', () => {
  it('every command, argument, option and usage has its English and French text (the failure lists the missing ones)', () => {
    const missing: string[] = [];
    const used = new Set<string>();
    const need = (where: string, english: string): void => {
      if (english.trim() === '') {
        missing.push(`${where}: no English description (add it where the command is declared)`);
        return;
      }
      used.add(english);
      if (frenchOf(english) === undefined) missing.push(`${where}: no French for ${JSON.stringify(english)} (add it to cli/help/fr-*.ts)`);
    };
    for (const cmd of allCommands(program).filter((c) => !hidden(c))) {
      const path = commandPath(cmd) || '(scelle)';
      need(path, cmd.description());
      const usage = (cmd as unknown as { _usage?: string })._usage;
      if (usage !== undefined) need(`${path} usage`, usage);
      for (const a of cmd.registeredArguments) need(`${path} <${a.name()}>`, a.description);
      for (const o of cmd.options.filter((x) => !x.hidden && x.long !== '--version')) need(`${path} ${o.long ?? o.flags}`, o.description);
    }
    const unused = Object.keys(HELP_FR).filter((k) => !used.has(k)).map((k) => `unused French entry (its English changed or went away): ${JSON.stringify(k)}`);
    expect([...missing, ...unused]).toEqual([]);
  });

  it('every placeholder (<file>, <dir>…) has its French word', () => {
    const names = new Set<string>();
    for (const cmd of allCommands(program)) {
      for (const o of cmd.options) for (const m of o.flags.matchAll(/[<[]([^<>[\]\s]+)[>\]]/g)) names.add(m[1]!);
      for (const a of cmd.registeredArguments) names.add(`${a.name()}${a.variadic ? '...' : ''}`);
    }
    const missing = [...names].filter((n) => ownMessage('fr', `placeholder.${n}`) === undefined || ownMessage('en', `placeholder.${n}`) === undefined).map((n) => `placeholder.${n} (cli/i18n/help.ts)`);
    expect(missing).toEqual([]);
  });

  it('every command has examples, each said in English and in French, each beginning with its command', () => {
    const problems: string[] = [];
    for (const path of paths) {
      const list = examplesOf(path);
      if (list.length === 0) problems.push(`${path || '(scelle)'}: no example (cli/help/examples.ts)`);
      for (const e of list) {
        if (!e.en.trim() || !e.fr.trim()) problems.push(`${path}: ${e.cmd}: say what it does in both languages`);
        if (!e.cmd.startsWith(`scelle ${path}`.trim())) problems.push(`${path}: ${e.cmd} is not an example of scelle ${path}`);
        if (englishLines(e.fr).length > 0) problems.push(`${path}: English in the French comment ${JSON.stringify(e.fr)}`);
      }
    }
    for (const p of Object.keys(EXAMPLES)) if (!paths.includes(p)) problems.push(`examples for ${p}, which is not a command`);
    expect(problems).toEqual([]);
  });

  it('every example is a valid command line for the real program (options exist, required ones given)', async () => {
    const words = (cmd: string): string[] => {
      const out: string[] = [];
      for (const m of cmd.split(/\s[>|]\s/)[0]!.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
      return out.slice(1);
    };
    const bad: string[] = [];
    for (const [path, list] of Object.entries(EXAMPLES)) {
      for (const e of list) {
        const p = buildProgram(quiet(), 'en');
        for (const c of allCommands(p)) if ((c as unknown as { _actionHandler?: unknown })._actionHandler) c.action(() => undefined);
        try {
          await p.parseAsync(words(e.cmd), { from: 'user' });
        } catch (err) {
          bad.push(`${path}: ${e.cmd} → ${(err as Error).message}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('the help and doctor catalogs have the same keys in English and French, and no "(s)" in French', () => {
    for (const [en, fr] of [[helpEn, helpFr], [doctorEn, doctorFr]] as const) {
      expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
      expect(Object.entries(fr).filter(([, v]) => /\w\(s\)/.test(v)).map(([k]) => k)).toEqual([]);
      expect(Object.entries(fr).filter(([, v]) => englishLines(v.replace(/\{\w+\}/g, '')).length > 0).map(([k, v]) => `${k}: ${v}`)).toEqual([]);
    }
  });
});

describe('parser errors', () => {
  // [what, argv, the French message (plain spaces: the non-breaking ones are expected), the English one, the command of the hint]
  const cases: [string, string[], string, RegExp, string][] = [
    ['unknown option, with the suggestion', ['verify', 'x.p7s', '--tust', 'r.pem'], 'option inconnue « --tust » ; vouliez-vous dire --trust ?', /^unknown option '--tust'; did you mean --trust\?$/, 'scelle verify'],
    ['unknown command, with the suggestion', ['verfy'], 'commande inconnue « verfy » ; vouliez-vous dire verify ?', /^unknown command 'verfy'; did you mean verify\?$/, 'scelle'],
    ['missing argument', ['decrypt'], 'il manque l’argument « fichier »', /^missing argument 'file'$/, 'scelle decrypt'],
    ['option without its value', ['pki', 'demo', '--out'], 'l’option --out attend une valeur', /^option --out needs a value$/, 'scelle pki demo'],
    ['required option missing', ['token', 'list'], 'l’option --pkcs11 est obligatoire', /^option --pkcs11 is required$/, 'scelle token list'],
    ['value outside the choices', ['verify', 'x.p7s', '--report-format', 'xml'], '--report-format : la valeur « xml » n’est pas acceptée ; choisissez parmi json, etsi', /^--report-format: 'xml' is not accepted; choose one of json, etsi$/, 'scelle verify'],
    ['argument outside the choices', ['completion', 'tcsh'], '<shell> : la valeur « tcsh » n’est pas acceptée ; choisissez parmi bash, zsh, fish', /^<shell>: 'tcsh' is not accepted/, 'scelle completion'],
    ['too many arguments', ['demo', 'extra'], 'trop d’arguments pour « scelle demo » : elle n’en prend aucun', /^too many arguments for 'scelle demo': it takes none$/, 'scelle demo'],
    ['a group without its command', ['backup'], 'il manque une commande après « scelle backup » : init, run, status, list, verify, restore, drill, prune, repair, verifier-kit, schedule', /^'scelle backup' needs a command: init, run/, 'scelle backup'],
  ];

  it.each(cases)('%s: one French line and a hint, exit 2, no help, no stack trace', (_name, argv, fr, _en, command) => {
    const r = scelle(argv, { env: FR });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith('scelle: erreur\u00a0: ')).toBe(true);
    expect(lines[0]!.slice('scelle: erreur\u00a0: '.length)).toBe(frenchTypography(fr));
    expect(lines[1]).toBe(`conseil\u00a0: ${command} --help pour l’aide`);
    expect(englishLines(r.stderr)).toEqual([]);
    expect(r.stderr).not.toMatch(/Utilisation|Usage|\n\s+at /);
  });

  it.each(cases)('%s: the same in English', (_name, argv, _fr, en, command) => {
    const r = scelle(argv, { env: EN });
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.slice('scelle: error: '.length)).toMatch(en);
    expect(lines[1]).toBe(`hint: see ${command} --help`);
  });

  it('with --json, the usage error is also a JSON document on stdout (code USAGE, exit code 2)', () => {
    const r = scelle(['verify', 'x.p7s', '--tust', 'r.pem', '--json'], { env: FR });
    expect(r.status).toBe(2);
    const doc = r.json();
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'USAGE', message: "unknown option '--tust'; did you mean --trust?" } });
    expect(doc.error.localized).toContain('option inconnue');
  });
});
