import { startAriadne, type RunningAriadne } from './app.js';
import { loadConfig } from './config/load.js';
import { DbConnectError } from './db/connect.js';
import { logger } from './logger.js';

/** `npm start`: configuration → start everything → serve until SIGTERM/SIGINT, then stop in order. */
async function main(): Promise<void> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
  const config = loaded.config;
  logger.level = config.log.level;

  let running: RunningAriadne;
  try {
    running = await startAriadne(config);
  } catch (err) {
    // Start-up errors the operator can fix are one line; anything else is a bug and keeps its stack in the log.
    if (err instanceof DbConnectError) process.stderr.write(`${err.message}\n`);
    else logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  }

  const mode = running.simulator ? ' (demo mode: built-in Asterisk simulator, demo users admin/supervisor/agent)' : '';
  logger.info({ url: running.url }, 'Ariadne is running');
  process.stdout.write(`\nAriadne is running: admin UI at ${running.url}${mode}\n\n`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took over 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

void main();
