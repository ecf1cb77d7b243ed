/**
 * Loads ari-client 2.2.0 so that nodes with different credentials do not share one swagger-client.
 *
 * Defect: ari-client registers its Basic credentials with `swagger.authorizations.add('basic-auth', ...)`, a
 * module-global of swagger-client; the last client to connect wins and every other client then authenticates
 * with its credentials. We give each distinct credential pair its own copy of ari-client and swagger-client by
 * loading them with the CommonJS cache entries of those two files removed, then restoring the cache.
 *
 * The types below are the small part of ari-client's (untyped, private) surface the adapter touches; the
 * adapter checks at connect time that they exist, so a different ari-client fails loudly, not subtly.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { EventEmitter } from 'node:events';

export interface AriClientLike extends EventEmitter {
  _swagger: {
    /**
     * Per resource: its operations (method, path, parameters; see ari-rest.ts) and the event models, as
     * swagger-client built them and as served (`rawModels`, which alone keeps Event's `subTypes`).
     */
    apis: Record<
      string,
      | { operations?: Record<string, unknown>; models?: Record<string, unknown>; rawModels?: Record<string, unknown> }
      | undefined
    >;
  };
  _ws?: unknown;
  _wsClosed?: boolean;
  start(apps: string | string[], subscribeAll?: boolean | null): PromiseLike<void>;
  stop(): void;
}

export interface AriModule {
  connect(url: string, user: string, password: string): PromiseLike<AriClientLike>;
}

const require = createRequire(import.meta.url);
const copies = new Map<string, AriModule>();

/**
 * One ari-client module per credential pair, never the process-wide cached one: anything else in the process
 * that connects with ari-client (a tool, a test) would otherwise overwrite our credentials too.
 */
export function ariModuleFor(user: string, password: string): AriModule {
  const key = JSON.stringify([user, password]);
  const existing = copies.get(key);
  if (existing) return existing;
  const mod = loadIsolated();
  copies.set(key, mod);
  return mod;
}

function loadIsolated(): AriModule {
  const ariPath = require.resolve('ari-client');
  const swaggerPath = require.resolve('swagger-client', { paths: [dirname(ariPath)] });
  const saved = { ari: require.cache[ariPath], swagger: require.cache[swaggerPath] };
  delete require.cache[ariPath];
  delete require.cache[swaggerPath];
  try {
    const mod = require(ariPath) as AriModule;
    quietSwaggerLog();
    return mod;
  } finally {
    if (saved.ari) require.cache[ariPath] = saved.ari;
    else delete require.cache[ariPath];
    if (saved.swagger) require.cache[swaggerPath] = saved.swagger;
    else delete require.cache[swaggerPath];
  }
}

/** The shared (process-wide) ari-client module, as an application using it naively would. Tests only. */
export function sharedAriModule(): AriModule {
  return require('ari-client') as AriModule;
}

/**
 * swagger-client 2.0.26 assigns an implicit global `log` that console.logs every message ("This API is using
 * a deprecated version of Swagger!" on each connect) and keeps every call in an ever-growing `log.history`.
 * Its code looks the global up at call time, so replacing it keeps stdout clean and memory flat.
 */
function quietSwaggerLog(): void {
  const g = globalThis as { log?: unknown };
  // Only ever replace swagger-client's own function (it was just (re)assigned by loading the module).
  if (typeof g.log === 'function') g.log = () => undefined;
}
