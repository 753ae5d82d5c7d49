import { defineConfig } from 'vitest/config';

// Browser end-to-end tests against a real `lianxin serve --demo`.
// Prerequisites (the Makefile orders them): `npm run build` in frontend/ first, then
// `go build -o bin/lianxin ./cmd/lianxin` at the repo root (the server embeds frontend/dist).
// Set LIANXIN_BIN to that binary; when unset, e2e/global-setup.ts runs `go build` itself.
// Chromium comes from Debian (/usr/bin/chromium, override with CHROMIUM_PATH).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
