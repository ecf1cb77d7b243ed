// `npm run migrate` (latest), `npm run rollback` (last batch), `npm run rollback -- --all`.
// Uses ARIADNE_DB_URL like the orchestrator (default: the embedded SQLite file).
import { loadConfig } from '../orchestrator/src/config/load.js';
import { connectDb, redactUrl } from '../orchestrator/src/db/connect.js';
import { migrateLatest, rollbackAll, rollbackLast } from '../orchestrator/src/db/knex.js';

async function main(): Promise<number> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const p of loaded.problems) console.error(p);
    return 1;
  }
  const command = process.argv[2] ?? 'latest';
  const all = process.argv.includes('--all');
  const url = loaded.config.db.url;
  const db = await connectDb(url);
  try {
    if (command === 'latest') {
      const applied = await migrateLatest(db);
      console.log(applied.length ? `applied ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`);
    } else if (command === 'rollback') {
      const undone = all ? await rollbackAll(db) : await rollbackLast(db);
      console.log(undone.length ? `rolled back ${undone.join(', ')}` : 'nothing to roll back');
    } else {
      console.error(`unknown command ${command}: use latest or rollback [--all]`);
      return 2;
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
