// `vite build` empties dist/ (emptyOutDir); the Go side embeds dist/ and relies on
// dist/.gitkeep being present in a fresh clone, so put it back after every build.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
const keep = join(dist, '.gitkeep');
if (!existsSync(keep)) writeFileSync(keep, '');
