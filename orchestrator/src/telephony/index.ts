/**
 * The telephony module's entry: `createSwitch(config)` builds the ARI adapter (with AMI where configured).
 * Domain code imports types from './port.js' only.
 */
import { AriAdapter, type AriAdapterOptions } from './ari-adapter.js';
import type { SwitchPort } from './port.js';

export { AriAdapter } from './ari-adapter.js';
export type { AriAdapterOptions, AriNodeConfig, ResyncReport } from './ari-adapter.js';
export { collectDigits } from './digits.js';
export type { CollectDigitsOptions, CollectedDigits, CollectEnd } from './digits.js';
export * from './port.js';

/** Builds the switch for the configured Asterisk nodes. Call start() on the result. */
export function createSwitch(options: AriAdapterOptions): SwitchPort & AriAdapter {
  return new AriAdapter(options);
}

/**
 * Maps the flat configuration (`ari.urls` + one user/password/app, `ami.urls` in the same order) to nodes
 * named node1, node2, ... For the lead's wiring in main.ts.
 */
export function nodesFromConfig(ari: { urls: readonly string[]; user: string; password: string; app: string }, ami: { urls: readonly string[] }): AriAdapterOptions['nodes'] {
  return ari.urls.map((ariUrl, i) => ({
    name: `node${i + 1}`,
    ariUrl,
    user: ari.user,
    password: ari.password,
    app: ari.app,
    ...(ami.urls[i] ? { amiUrl: ami.urls[i] } : {}),
  }));
}
