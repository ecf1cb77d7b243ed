/**
 * npm run check:asterisk — lints asterisk-conf/ and dialplans/ against each other and against the
 * orchestrator's settings (Stasis app, ARI and AMI accounts from ARIADNE_* or the defaults).
 * Prints one `file:line: message` per problem and exits 1 if there is any, 2 on bad usage.
 * Usage: tsx scripts/check-asterisk.ts [--conf DIR] [--dialplans DIR]
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAsteriskConfig } from '../orchestrator/src/asteriskconf/index.js';
import { loadConfig } from '../orchestrator/src/config/load.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
let confDir = resolve(root, 'asterisk-conf');
let dialplanDir = resolve(root, 'dialplans');
for (let i = 0; i < args.length; i += 1) {
  const a = args[i];
  const next = args[i + 1];
  if ((a === '--conf' || a === '--dialplans') && next) {
    if (a === '--conf') confDir = resolve(next);
    else dialplanDir = resolve(next);
    i += 1;
  } else {
    console.error(`usage: check-asterisk [--conf DIR] [--dialplans DIR] (unknown argument ${a})`);
    process.exit(2);
  }
}

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const p of loaded.problems) console.error(`config: ${p}`);
  process.exit(2);
}
const { ari, ami } = loaded.config;
const ariPort = ari.urls[0] ? Number(new URL(ari.urls[0]).port || 80) : 8088;
const amiUrl = ami.urls[0] ? new URL(ami.urls[0]) : undefined;

const problems = checkAsteriskConfig({
  confDir,
  dialplanDir,
  app: ari.app,
  ariUser: ari.user,
  ariPassword: ari.password,
  ariPort,
  amiUser: amiUrl ? decodeURIComponent(amiUrl.username) : 'ariadne',
  amiSecret: amiUrl ? decodeURIComponent(amiUrl.password) : 'ariadne',
  amiPort: amiUrl ? Number(amiUrl.port) : 5038,
});

const cwd = process.cwd();
for (const p of problems) console.log(`${relative(cwd, p.file) || p.file}:${p.line}: ${p.message}`);
if (problems.length > 0) {
  console.error(`check:asterisk: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`check:asterisk: ${relative(cwd, confDir)} and ${relative(cwd, dialplanDir)} are consistent (app '${ari.app}', ARI user '${ari.user}')`);
