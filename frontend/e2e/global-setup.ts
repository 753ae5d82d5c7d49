// Starts a real `lianxin serve --demo` for the browser tests and stops it afterwards.
//
// Order of things (the Makefile does this; by hand, do the same):
//   1. cd frontend && npm run build          (the server embeds frontend/dist)
//   2. go build -o bin/lianxin ./cmd/lianxin (from the repo root, after step 1)
//   3. LIANXIN_BIN=../bin/lianxin npm run e2e
// Without LIANXIN_BIN this setup runs step 2 itself into a temp dir.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ARTIFACTS_DIR } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(frontendDir, '..');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

function backendBinary(tmp: string): string {
  const fromEnv = process.env.LIANXIN_BIN;
  if (fromEnv) {
    const bin = resolve(frontendDir, fromEnv);
    if (!existsSync(bin)) throw new Error(`LIANXIN_BIN=${fromEnv} does not exist (build it: go build -o bin/lianxin ./cmd/lianxin)`);
    return bin;
  }
  const bin = join(tmp, 'lianxin');
  console.log(`[e2e] LIANXIN_BIN unset: go build -o ${bin} ./cmd/lianxin`);
  execFileSync('go', ['build', '-o', bin, './cmd/lianxin'], { cwd: repoRoot, stdio: 'inherit' });
  return bin;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /readyz until it answers 200, the server exits, or the tries run out. */
async function waitReady(url: string, child: ChildProcess, tries = 150, every = 200): Promise<void> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`lianxin exited early (code ${child.exitCode}, signal ${child.signalCode}); see e2e-artifacts/server.log`);
    }
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await pause(every);
  }
  throw new Error(`lianxin not ready after ${tries} tries at ${url}: ${last}`);
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(frontendDir, 'dist', 'index.html'))) {
    throw new Error('frontend/dist/index.html is missing: run `npm run build` (then build the Go binary) before `npm run e2e`');
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'lianxin-e2e-'));
  const dataDir = join(tmp, 'data');
  mkdirSync(dataDir);
  const bin = backendBinary(tmp);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;

  const log = openSync(join(ARTIFACTS_DIR, 'server.log'), 'w');
  const child = spawn(bin, ['serve', '--demo'], {
    cwd: tmp,
    env: { ...process.env, LIANXIN_ADDR: `127.0.0.1:${port}`, LIANXIN_DATA_DIR: dataDir },
    stdio: ['ignore', log, log],
  });

  try {
    await waitReady(`${baseURL}/readyz`, child);
  } catch (e) {
    child.kill('SIGKILL');
    closeSync(log);
    throw e;
  }
  console.log(`[e2e] lianxin ready at ${baseURL} (data ${dataDir})`);
  project.provide('baseURL', baseURL);

  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    closeSync(log);
    rmSync(tmp, { recursive: true, force: true });
  };
}
