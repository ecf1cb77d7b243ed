/**
 * The telephony module's entry: `createSwitch(config)` builds the ARI adapter (with AMI where configured).
 * Domain code imports types from './port.js' only.
 */
import { AriAdapter, type AriAdapterOptions } from './ari-adapter.js';
import { SwitchError, type SwitchPort } from './port.js';
import type { AriNodeConfig } from './ari-connection.js';

export { AriAdapter } from './ari-adapter.js';
export type { AriAdapterOptions, AriNodeConfig, ResyncReport } from './ari-adapter.js';
export { collectDigits } from './digits.js';
export type { CollectDigitsOptions, CollectedDigits, CollectEnd } from './digits.js';
export * from './port.js';

/** A node as given to createSwitch: `url` is accepted for `ariUrl`, and `app` may come from the options. */
export type AriNodeInput = Omit<AriNodeConfig, 'ariUrl' | 'app'> & {
  readonly ariUrl?: string;
  readonly url?: string;
  readonly app?: string;
};

export type SwitchConfig = Omit<AriAdapterOptions, 'nodes'> & {
  readonly nodes: readonly AriNodeInput[];
  /** Default Stasis app of nodes that name none. */
  readonly app?: string;
};

/** Builds the switch for the configured Asterisk nodes. Call start() on the result. */
export function createSwitch(config: SwitchConfig): SwitchPort & AriAdapter {
  const { app, nodes, ...rest } = config;
  const normalised: AriNodeConfig[] = nodes.map((n) => {
    const ariUrl = n.ariUrl ?? n.url;
    const nodeApp = n.app ?? app;
    if (!ariUrl) throw new SwitchError('bad_request', `node ${n.name}: no ARI URL (ariUrl)`);
    if (!nodeApp) throw new SwitchError('bad_request', `node ${n.name}: no Stasis app name`);
    return {
      name: n.name,
      ariUrl,
      user: n.user,
      password: n.password,
      app: nodeApp,
      ...(n.amiUrl ? { amiUrl: n.amiUrl } : {}),
    };
  });
  return new AriAdapter({ ...rest, nodes: normalised });
}

/**
 * Maps the flat configuration (`ari.urls` + one user/password/app, `ami.urls` in the same order) to nodes
 * named node1, node2, ... For the lead's wiring in main.ts.
 */
export function nodesFromConfig(
  ari: { urls: readonly string[]; user: string; password: string; app: string },
  ami: { urls: readonly string[] },
): AriAdapterOptions['nodes'] {
  return ari.urls.map((ariUrl, i) => ({
    name: `node${i + 1}`,
    ariUrl,
    user: ari.user,
    password: ari.password,
    app: ari.app,
    ...(ami.urls[i] ? { amiUrl: ami.urls[i] } : {}),
  }));
}
