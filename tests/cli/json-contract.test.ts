/**
 * The --json contract (docs/JSON.md): every command answers with one envelope — here a usage
 * error provoked on each command of the program, `--version`, and an error raised by a command —
 * checked against docs/json/envelope.schema.json by the helper; and every command has its result
 * schema in docs/json/commands/, which lists its fields, and a row in docs/JSON.md naming those
 * always present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { allCommands, commandPath } from '../../cli/help/index.js';
import { REPO, scelle } from '../helpers/cli.js';
import { englishLines } from '../helpers/english.js';

const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, cwd: REPO } as never;
const runnable = allCommands(buildProgram(io, 'en')).filter((c) => c.parent !== null && c.commands.length === 0).map((c) => commandPath(c));
const jsonMd = readFileSync(join(REPO, 'docs', 'JSON.md'), 'utf8');

describe('one JSON envelope for every command', () => {
  it.each(runnable)('%s --json with an unknown option: a USAGE envelope naming the command, exit 2', (path) => {
    const r = scelle([...path.split(' '), '--json', '--no-such-option'], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(2);
    expect(r.envelope()).toMatchObject({ schemaVersion: 1, ok: false, command: path, exitCode: 2, error: { code: 'USAGE', exitCode: 2 } });
    // commander reports the first problem it meets: the unknown option, or a required option or argument missing
    expect(r.envelope().error.localized).toMatch(/option inconnue|il manque|est obligatoire|manquant/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // the person watching the script reads French on stderr: no English sentence in it
    // (the command's own name, `scelle cert show`, is not prose)
    expect(englishLines(r.stderr.replaceAll(`scelle ${path}`, 'scelle'))).toEqual([]);
    expect(englishLines(r.envelope().error.localized)).toEqual([]);
  });

  it.each(runnable)('%s has a result schema in docs/json/commands/ that describes its fields, listed in docs/JSON.md', (path) => {
    const name = `${path.replace(/ /g, '-')}.schema.json`;
    const file = join(REPO, 'docs', 'json', 'commands', name);
    expect(existsSync(file), file).toBe(true);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { title?: string; type?: string; description?: string; properties?: Record<string, unknown>; required?: string[] };
    expect(schema.type).toBe('object');
    expect(schema.title).toContain(path);
    // every result is an object with fields: a bare {"type":"object"} describes nothing
    expect(Object.keys(schema.properties ?? {}).length, `${name} lists no field`).toBeGreaterThan(0);
    expect(schema.description).not.toMatch(/not yet described/);
    const required = [...(schema.required ?? [])].sort();
    for (const r of required) expect(schema.properties, `${name}: required ${r} is not described`).toHaveProperty([r]);
    // the table of docs/JSON.md names the fields always present (the first eight)
    const cell = required.length === 0 ? '—' : `${required.slice(0, 8).map((r) => `\`${r}\``).join(', ')}${required.length > 8 ? ' …' : ''}`;
    expect(jsonMd).toContain(`| \`${path}\` | [\`${name}\`](json/commands/${name}) | ${cell} |`);
  });

  it('--version --json, an unknown command, and an error raised by a command', () => {
    expect(scelle(['--version', '--json']).envelope()).toMatchObject({ ok: true, command: 'version', exitCode: 0, result: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
    expect(scelle(['signer', '--json']).envelope()).toMatchObject({ ok: false, command: 'scelle', exitCode: 2, error: { code: 'USAGE' } });
    const missing = scelle(['cert', 'show', join(REPO, 'no-such-file.pem'), '--json']);
    expect(missing.status).toBe(1);
    expect(missing.envelope()).toMatchObject({ ok: false, command: 'cert show', exitCode: 1, error: { code: 'FILE_NOT_FOUND', exitCode: 1 } });
    const ok = scelle(['password', 'generate', '--json']);
    expect(ok.envelope()).toMatchObject({ ok: true, command: 'password generate', exitCode: 0, result: { value: expect.any(String) } });
  });
});
