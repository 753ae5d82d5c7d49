import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Screenshots of failed tests and the server log go here (gitignored). */
export const ARTIFACTS_DIR =
  process.env.LIANXIN_E2E_ARTIFACTS ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-artifacts');
