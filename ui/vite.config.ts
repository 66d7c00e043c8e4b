import { defineConfig } from 'vitest/config';

// Lifeboat's window loads the built `dist/` from disk (no dev server at runtime), so paths are relative
// and nothing is inlined into index.html: the app runs under a strict CSP (`script-src 'self'`,
// `style-src 'self'`).
export default defineConfig({
  base: './',
  // Vite's own JSX transform (Oxc), pointed at Preact: no framework plugin needed.
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs into scripts/styles; keep each asset a file under 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    strictPort: true,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    // Local days and times in component tests are those of UTC, wherever the tests run.
    env: { TZ: 'UTC' },
    restoreMocks: true,
    reporters: ['default', './test-summary-reporter.ts'],
  },
});
