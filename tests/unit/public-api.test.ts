/**
 * The stable public API (src/index.ts, `scelle`) stays small and documented: at most
 * {@link MAX_PUBLIC_RUNTIME} runtime names, none of them also in `scelle/internal`, each one under a
 * TSDoc comment in src/index.ts and with TSDoc on its own declaration; the README's library examples
 * import only public names.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as publicApi from '../../src/index.js';
import * as internalApi from '../../src/internal.js';
import { REPO } from '../helpers/cli.js';

/** Tens of names: adding one beyond this means moving another to scelle/internal, or raising it on purpose. */
const MAX_PUBLIC_RUNTIME = 100;

const INDEX = join(REPO, 'src', 'index.ts');

interface ReExport { name: string; runtime: boolean; statement: ts.ExportDeclaration }

/** Every name src/index.ts re-exports, read from its syntax; anything else at top level is a problem. */
function indexExports(text: string): { exports: ReExport[]; problems: string[]; source: ts.SourceFile } {
  const source = ts.createSourceFile(INDEX, text, ts.ScriptTarget.Latest, true);
  const exports: ReExport[] = [];
  const problems: string[] = [];
  for (const st of source.statements) {
    if (!ts.isExportDeclaration(st)) { problems.push(`not a re-export: ${st.getText().slice(0, 60)}`); continue; }
    if (!st.exportClause || !ts.isNamedExports(st.exportClause)) { problems.push(`\`export *\` hides what is public: ${st.getText()}`); continue; }
    for (const el of st.exportClause.elements) exports.push({ name: el.name.text, runtime: !st.isTypeOnly && !el.isTypeOnly, statement: st });
  }
  return { exports, problems, source };
}

/**
 * The runtime exports of src/index.ts with no TSDoc above them: a statement counts as documented when
 * a `/** … *\/` comment sits directly above it, or above the first statement of its block (export
 * statements on consecutive lines, no blank line between).
 */
function undocumented(text: string): string[] {
  const { exports, source } = indexExports(text);
  const statements = source.statements;
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line;
  const hasTsDoc = (st: ts.Statement): boolean =>
    (ts.getLeadingCommentRanges(text, st.pos) ?? []).some((r) => text.startsWith('/**', r.pos) && lineOf(r.end) === lineOf(st.getStart()) - 1);
  const blockHead = (st: ts.Statement): ts.Statement => {
    let i = statements.indexOf(st);
    while (i > 0 && !hasTsDoc(statements[i]!) && lineOf(statements[i - 1]!.getEnd()) === lineOf(statements[i]!.getStart()) - 1) i--;
    return statements[i]!;
  };
  return exports.filter((e) => e.runtime && !hasTsDoc(e.statement) && !hasTsDoc(blockHead(e.statement))).map((e) => e.name);
}

describe('public API (src/index.ts)', () => {
  const text = readFileSync(INDEX, 'utf8');
  const runtimeNames = Object.keys(publicApi).sort();

  it(`has at most ${MAX_PUBLIC_RUNTIME} runtime exports`, () => {
    expect(runtimeNames.length).toBeGreaterThan(0);
    expect(runtimeNames.length, runtimeNames.join(' ')).toBeLessThanOrEqual(MAX_PUBLIC_RUNTIME);
  });

  it('shares no name with scelle/internal', () => {
    const internal = new Set(Object.keys(internalApi));
    expect(runtimeNames.filter((n) => internal.has(n))).toEqual([]);
    const { exports } = indexExports(text);
    const internalText = readFileSync(join(REPO, 'src', 'internal.ts'), 'utf8');
    const { exports: internalTypes } = indexExports(internalText);
    const inInternal = new Set(internalTypes.map((e) => e.name));
    expect(exports.filter((e) => inInternal.has(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('is only named re-exports, and its runtime ones are what the module exports', () => {
    const { exports, problems } = indexExports(text);
    expect(problems).toEqual([]);
    expect(exports.filter((e) => e.runtime).map((e) => e.name).sort()).toEqual(runtimeNames);
  });

  it('puts a TSDoc comment above every runtime export (its own, or its block’s)', () => {
    expect(undocumented(text)).toEqual([]);
  });

  it('the TSDoc check refuses an export outside a documented block', () => {
    const bare = `${text}\nexport { parsePem } from './crypto/pem.js';\n`;
    expect(undocumented(bare)).toEqual(['parsePem']);
    const afterBlankLine = text.replace(
      "export { buildValidationReport } from './validation/report.js';",
      "\nexport { buildValidationReport } from './validation/report.js';",
    );
    expect(afterBlankLine).not.toBe(text);
    expect(undocumented(afterBlankLine)).toContain('buildValidationReport');
    expect(undocumented(afterBlankLine)).not.toContain('verifySignature');
  });

  it('every exported name, runtime or type, has TSDoc on its declaration', () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(join(REPO, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    const program = ts.createProgram([INDEX], parsed!.options);
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
    const missing: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declarations = target.declarations ?? [];
      if (!declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0)) missing.push(symbol.name);
    }
    expect(missing).toEqual([]);
  }, 60_000);

  it('the README’s library examples import only public names', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const imported = [...readme.matchAll(/import\s*\{([^}]*)\}\s*from\s*'scelle'/g)]
      .flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '')).filter(Boolean));
    expect(imported.length).toBeGreaterThan(10);
    const { exports } = indexExports(text);
    const allPublic = new Set(exports.map((e) => e.name));
    expect(imported.filter((n) => !allPublic.has(n))).toEqual([]);
  });
});
