#!/usr/bin/env node
/**
 * Bundles the `scelle` executable after `tsc`: dist/cli/bin.js and the three worker files become
 * one file each, in dist/cli/.
 *
 * Why: every `scelle` run is a new process, and Node loads an ES module graph file by file —
 * ~320 files (resolution, stat, read, compile each) cost ~0.15 s before the first line of a
 * command runs, in every run of a night script and in every worker thread a backup or an export
 * starts. One bundled file loads in one read and one compile. The library (`import … from
 * 'scelle'`) stays the file-per-module output of tsc; only the executable is bundled.
 *
 * What stays outside the bundle: native addons (pkcs11js; ssh2 with its optional cpu-features)
 * and the mail libraries, which the code already loads on first use only (a bundle would make
 * every command compile them). node-forge is loaded through createRequire where it is needed.
 *
 * Paths: the bundle replaces dist/cli/bin.js, so `new URL('./bin.js', import.meta.url)` from
 * cli/self.ts still names the executable; the workers are written next to it under the names
 * the pools ask for (`new URL('./zip-worker.js', import.meta.url)` resolves beside the code that
 * asks — dist/src/… for the library, dist/cli/ for the bundle).
 */
import { build } from 'esbuild';
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const entries = {
  bin: join(dist, 'cli', 'bin.js'),
  'zip-worker': join(dist, 'src', 'crypto', 'zip', 'zip-worker.js'),
  'read-worker': join(dist, 'src', 'backup', 'read-worker.js'),
  'chunk-worker': join(dist, 'src', 'backup', 'chunk-worker.js'),
};

/**
 * esbuild escapes strings but leaves regular expression literals as written (« », é): one such
 * character makes Node decode the whole file as UTF-8 and V8 hold it as a two-byte string. A
 * `\uXXXX` escape means the same code unit in a string, a template, a regular expression (a
 * surrogate pair is one code point under the `u` flag) and an identifier.
 */
function asciiOnly(source) {
  return source.replace(/[^\x00-\x7f]/g, (c, at) => {
    // `\é` (an identity escape) would become `\\u00e9`, a backslash and five letters: refuse it
    if (source[at - 1] === '\\') throw new Error(`bundle: escaped non-ASCII character at ${at}; write it as \\u${c.charCodeAt(0).toString(16)} in the source`);
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

// Written to a temp folder first, then renamed over: a failed bundle leaves tsc's output intact.
const out = await mkdtemp(join(dist, '.bundle-'));
try {
  await build({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __scelleRequire } from 'node:module';\nconst require = __scelleRequire(import.meta.url);" },
    external: ['pkcs11js', 'ssh2', 'cpu-features', 'nodemailer', 'nodemailer/*', 'imapflow', 'mailparser', 'node-forge'],
    // Without comments and indentation the file is a third smaller and pure ASCII, which Node
    // decodes and V8 scans faster; identifiers keep their names (readable SCELLE_DEBUG stacks).
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  for (const name of await readdir(out)) {
    const file = join(out, name);
    await writeFile(file, asciiOnly(await readFile(file, 'utf8')));
    await rename(file, join(dist, 'cli', name));
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
