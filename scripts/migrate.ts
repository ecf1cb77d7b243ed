// `npm run migrate` (latest), `npm run rollback` (last batch), `npm run rollback -- --all`.
// Uses ARIADNE_DB_URL like the orchestrator (default: the embedded SQLite file).
import { redactUrl } from '../orchestrator/src/db/connect.js';
import { migrateLatest, rollbackAll, rollbackLast } from '../orchestrator/src/db/knex.js';
import { runWithDb } from './lib/with-db.js';

runWithDb(async (db, url) => {
  const command = process.argv[2] ?? 'latest';
  if (command === 'latest') {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`);
    return 0;
  }
  if (command === 'rollback') {
    const undone = process.argv.includes('--all') ? await rollbackAll(db) : await rollbackLast(db);
    console.log(undone.length ? `rolled back ${undone.join(', ')}` : 'nothing to roll back');
    return 0;
  }
  console.error(`unknown command ${command}: use latest or rollback [--all]`);
  return 2;
});
