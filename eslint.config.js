// Lint: mostly the layering of HOUSE-STYLE, enforced the way restic enforces its layers.
//   crypto        → io, errors, libraries
//   timestamp     → crypto, io, errors
//   validation    → crypto, timestamp, io, errors (the validation engine)
//   mss           → validation, crypto, timestamp, io, errors
//   backup/destination → io, errors only (a destination knows nothing about encryption)
//   backup/*      → validation, crypto, timestamp, destination, io, errors
//   export        → crypto, timestamp, io, errors (the sealed USB export)
//   pdf           → crypto, timestamp, io, errors (PDF structure, PAdES signing)
//   asic          → validation, crypto, timestamp, io, errors (ASiC containers)
//   archive       → validation, crypto, timestamp, backup/destination, io, errors (long-term proofs,
//                   the practice archive, its journal and retention)
//   cli           → the public API (src/index.ts) and scelle/internal (src/internal.ts) only, no deeper src path
//   src/**        → never process, console, commander, or exiting
import tseslint from 'typescript-eslint';

const layer = (message, ...group) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-vectors/**'] },
  {
    files: ['**/*.ts', '**/*.js'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-debugger': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', { name: 'process', message: 'src/ never touches process: pass what you need as a parameter.' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'src/ never exits.' }],
    },
  },
  {
    files: ['src/crypto/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('crypto imports only io, errors and its libraries', '**/timestamp/**', '**/validation/**', '**/archive/**', '**/mss/**', '**/backup/**', '**/cli/**', '**/demo.js', '../index.js', '../../index.js', '../internal.js', '../../internal.js')],
      }],
    },
  },
  {
    files: ['src/timestamp/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('timestamp imports crypto, io and errors — not the validation engine above it, backup or the CLI', '**/validation/**', '**/archive/**', '**/mss/**', '**/backup/**', '**/cli/**', '**/demo.js', '../index.js', '../../index.js', '../internal.js', '../../internal.js')],
      }],
    },
  },
  {
    files: ['src/validation/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('the validation engine imports crypto, timestamp, io and errors — not its callers', '**/archive/**', '**/mss/**', '**/backup/**', '**/export/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/mss/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('mss imports validation, crypto, timestamp, io and errors — not backup or the CLI', '**/backup/**', '**/cli/**', '**/demo.js', '../index.js', '../../index.js', '../internal.js', '../../internal.js')],
      }],
    },
  },
  {
    files: ['src/backup/destination/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('a backup destination imports only io and errors: it knows nothing about encryption', '**/crypto/**', '**/timestamp/**', '**/mss/**', '../*.js', '**/cli/**', 'node:crypto', 'crypto')],
      }],
    },
  },
  {
    files: ['src/backup/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('backup imports crypto, timestamp, destination, io and errors', '**/mss/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/export/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('export imports crypto, timestamp, io and errors — not backup, mss or the CLI', '**/backup/**', '**/mss/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/pdf/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('pdf imports crypto, timestamp, io and errors — not the validation engine above it, backup, mss or the CLI', '**/validation/**', '**/backup/**', '**/mss/**', '**/export/**', '**/asic/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/asic/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('asic imports validation, crypto, timestamp, io and errors — not backup, mss, pdf or the CLI', '**/backup/**', '**/mss/**', '**/export/**', '**/pdf/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/archive/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('archive imports validation, crypto, timestamp, backup/destination, io and errors — not the backup repository, mss or the CLI', '**/backup/*.js', '!**/backup/destination/*.js', '**/mss/**', '**/export/**', '**/cli/**', '**/demo.js', '../index.js', '../internal.js')],
      }],
    },
  },
  {
    files: ['src/io/**/*.ts', 'src/errors.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['commander', 'node:process', 'process'],
        patterns: [layer('io and errors are the bottom layer', '**/crypto/**', '**/timestamp/**', '**/mss/**', '**/backup/**', '**/cli/**')],
      }],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [layer('the CLI imports only ../src/index.js (the public API) and ../src/internal.js (scelle/internal), no deeper src path', '**/src/*', '**/src/**', '!**/src/index.js', '!**/src/internal.js')],
      }],
    },
  },
  {
    // commands return an outcome (cli/outcome.ts) or throw; only cli/action.ts and cli/main.ts turn
    // them into exit codes (the man page's table of exit codes is the one exception: it prints them)
    files: ['cli/commands/**/*.ts', 'cli/doctor/**/*.ts'],
    ignores: ['cli/commands/self-help.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          layer('the CLI imports only ../src/index.js (the public API) and ../src/internal.js (scelle/internal), no deeper src path', '**/src/*', '**/src/**', '!**/src/index.js', '!**/src/internal.js'),
          layer('commands return an outcome (../outcome.js) or throw: only cli/action.ts and cli/main.ts choose exit codes', '**/exit-codes.js', '**/main.js'),
        ],
      }],
    },
  },
);
