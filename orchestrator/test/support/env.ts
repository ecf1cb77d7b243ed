// Loaded before every test file: quiet logs unless asked for.
process.env.NODE_ENV = 'test';
process.env.ARIADNE_LOG_LEVEL ??= 'silent';
