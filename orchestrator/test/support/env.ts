// Loaded before every test file: quiet logs unless asked for.
process.env.NODE_ENV = 'test';
process.env.ARIADNE_LOG_LEVEL ??= 'silent';

/** The run's MariaDB template database (support/db.ts) goes when the run ends. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    const { dropTestTemplate } = await import('./db.js');
    await dropTestTemplate();
  },
};
