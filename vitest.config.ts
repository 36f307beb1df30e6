import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // src/crypto/*-lib.cts load pkijs/asn1js with require() for a fast CLI start; vite cannot
    // transform `import x = require()`, so under vitest the shims resolve to the packages.
    alias: [
      { find: /^(\.\.?\/)+(crypto\/)?pkijs-lib\.cjs$/, replacement: 'pkijs' },
      { find: /^(\.\.?\/)+(crypto\/)?asn1js-lib\.cjs$/, replacement: 'asn1js' },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './tests/reporter.ts'],
  },
});
