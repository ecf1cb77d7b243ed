import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { Keyring, KeyError, parseMasterKey, type MasterKey } from './crypto.js';

export interface KeyringOptions {
  /** ARIADNE_RECORDING_MASTER_KEY: `keyId:base64` or base64 of 32 bytes. */
  readonly masterKey?: string;
  /** ARIADNE_RECORDING_OLD_KEYS: earlier master keys, still needed to read what they encrypted. */
  readonly oldKeys?: readonly string[];
  /** Demo mode key file, used only without a master key. Default ./data/recording-master.key. */
  readonly localKeyPath?: string;
  readonly logger?: Logger;
}

export const DEFAULT_LOCAL_KEY_PATH = './data/recording-master.key';

/**
 * Recordings are always encrypted. Without a configured master key (demo mode) a key is generated once and kept
 * in a local file beside the data, with a loud warning: losing that file loses every recording, and it does
 * not work for several orchestrators (each would make its own).
 */
export function loadKeyring(options: KeyringOptions): Keyring {
  const old = (options.oldKeys ?? []).map((spec, i) => parseMasterKey(spec, `ARIADNE_RECORDING_OLD_KEYS entry ${i + 1}`));
  if (options.masterKey && options.masterKey.trim() !== '') {
    return new Keyring(parseMasterKey(options.masterKey, 'ARIADNE_RECORDING_MASTER_KEY'), old);
  }
  const path = resolve(options.localKeyPath ?? DEFAULT_LOCAL_KEY_PATH);
  let active: MasterKey;
  let created = false;
  try {
    active = parseMasterKey(readFileSync(path, 'utf8'), `local recording key ${path}`);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') {
      if (err instanceof KeyError) throw err;
      throw new KeyError(`cannot read local recording key ${path}: ${(err as Error).message}`);
    }
    mkdirSync(dirname(path), { recursive: true });
    const spec = `local-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
    try {
      writeFileSync(path, `${spec}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (writeErr) {
      if ((writeErr as { code?: string }).code !== 'EEXIST') throw new KeyError(`cannot create local recording key ${path}: ${(writeErr as Error).message}`);
    }
    active = parseMasterKey(readFileSync(path, 'utf8'), `local recording key ${path}`);
  }
  options.logger?.warn(
    { keyFile: path, keyId: active.id, created },
    '*** RECORDINGS ARE ENCRYPTED WITH A LOCAL DEMO KEY *** ARIADNE_RECORDING_MASTER_KEY is not set. Back up this key file or lose every recording; set a real master key (and keep this one in ARIADNE_RECORDING_OLD_KEYS) before production.',
  );
  return new Keyring(active, old);
}
