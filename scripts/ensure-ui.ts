// Builds the admin UI (`vite build admin-ui`) when admin-ui/dist is missing or older than any of its sources.
// `npm start` runs it first (prestart), so a fresh clone serves the UI; the browser tests call ensureUiBuilt().
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UI = join(ROOT, 'admin-ui');
const DIST_INDEX = join(UI, 'dist', 'index.html');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when a build ran. */
export function ensureUiBuilt(): boolean {
  const sources = Math.max(newestMtime(join(UI, 'src')), newestMtime(join(UI, 'index.html')), newestMtime(join(UI, 'vite.config.ts')));
  if (existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= sources) return false;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'admin-ui', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (ensureUiBuilt()) console.log('built the admin UI (admin-ui/dist)');
  } catch (err) {
    // The orchestrator still runs without a UI build (its / page says how to build); never block start-up.
    console.error(`admin UI not built: ${(err as Error).message}`);
  }
}
