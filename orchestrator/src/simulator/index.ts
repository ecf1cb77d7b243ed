/**
 * In-process entry point: `startSimulator()` runs a fake Asterisk 22 (ARI REST + events WebSocket + control
 * API on one HTTP port, AMI on a TCP port) and returns handles for tests.
 */
import type { AddressInfo } from 'node:net';
import { startAmi, type AmiServer } from './ami.js';
import { Control } from './control.js';
import { Engine, type EngineOptions } from './engine.js';
import { createSimServer, SocketRegistry, type AriRequestInfo } from './server.js';

export interface SimulatorOptions {
  /** HTTP port for ARI and `/_sim/` (0 = any free port). Default 0. */
  port?: number;
  host?: string;
  user?: string;
  password?: string;
  /** App that simulated inbound calls enter. Default `ariadne`. */
  app?: string;
  /** AMI TCP port; 0 = any free port; `null` = no AMI. Default 0. */
  amiPort?: number | null;
  amiUser?: string;
  amiSecret?: string;
  /** Every finite playback lasts this long (ms); makes tests fast. */
  playbackMs?: number;
  defaultSoundMs?: number;
  sounds?: Record<string, number>;
  soundPolicy?: EngineOptions['soundPolicy'];
  asteriskId?: string;
  /** Multiplies every simulated delay (and divides measured durations); 0.1 = ten times faster. */
  timeScale?: number;
  /** Endpoints to create at start: `{ 'PJSIP/2001': { behaviour: 'answer', afterMs: 500 } }`. */
  endpoints?: Record<string, Parameters<Control['setEndpoint']>[2]>;
  onError?: (err: unknown) => void;
  onRequest?: (info: AriRequestInfo) => void;
  /** false: play an Asterisk without ARI REST over WebSocket (before 20.14, 21.9, 22.4). */
  restOverWebSocket?: boolean;
  /** How long the simulated phones hold a key (`duration_ms` of ChannelDtmfReceived); 180, as the lab's UAs. */
  dtmfDurationMs?: number;
}

export interface Simulator {
  /** `http://host:port` */
  url: string;
  /** `http://host:port/ari` */
  ariUrl: string;
  port: number;
  amiPort: number | null;
  control: Control;
  engine: Engine;
  stop(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const engine = new Engine({
    asteriskId: opts.asteriskId ?? '02:fc:00:00:00:01',
    playbackMs: opts.playbackMs,
    defaultSoundMs: opts.defaultSoundMs ?? 1000,
    sounds: opts.sounds,
    soundPolicy: opts.soundPolicy ?? 'lenient',
    dtmfDurationMs: opts.dtmfDurationMs ?? 180,
    digitMs: 815,
    timeScale: opts.timeScale,
  });
  if (opts.onError) engine.onError = opts.onError;
  const sockets = new SocketRegistry();
  const control = new Control(engine, opts.app ?? 'ariadne', sockets);
  for (const [key, cfg] of Object.entries(opts.endpoints ?? {})) {
    const i = key.indexOf('/');
    control.setEndpoint(key.slice(0, i), key.slice(i + 1), cfg);
  }
  const server = createSimServer(engine, control, sockets, {
    user: opts.user ?? 'ariadne',
    password: opts.password ?? 'ariadne',
    onError: opts.onError,
    onRequest: opts.onRequest,
    restOverWebSocket: opts.restOverWebSocket,
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let ami: AmiServer | null = null;
  if (opts.amiPort !== null) {
    try {
      ami = await startAmi(engine, { port: opts.amiPort ?? 0, host, user: opts.amiUser ?? 'ariadne', secret: opts.amiSecret ?? 'ariadne' });
    } catch (err) {
      await new Promise<void>((r) => server.close(() => r()));
      throw err;
    }
  }
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    ariUrl: `http://${host}:${port}/ari`,
    port,
    amiPort: ami?.port ?? null,
    control,
    engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      engine.stop();
      sockets.dropAll();
      await ami?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export { Control } from './control.js';
export type { PlaceCallInput, EndpointInput, ChannelView, SimStats, CallScriptStep } from './control.js';
