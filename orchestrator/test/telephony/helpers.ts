import { pino } from 'pino';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createSwitch, type SwitchConfig } from '../../src/telephony/index.js';
import type { AriAdapter } from '../../src/telephony/ari-adapter.js';
import type { ChannelEvent, InboundChannel } from '../../src/telephony/port.js';

export const silent = pino({ level: 'silent' });

/** A logger that keeps every line (to check that no secret reaches a log). */
export function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export interface Rig {
  sim: Simulator;
  sw: AriAdapter;
  inbound: InboundChannel[];
  stop(): Promise<void>;
}

export async function rig(simOptions: SimulatorOptions = {}, switchOptions: Partial<SwitchConfig> = {}): Promise<Rig> {
  const sim = await startSimulator({
    port: 0,
    user: 'ariadne',
    password: 'ariadne',
    app: 'ariadne',
    playbackMs: 20,
    ...simOptions,
  });
  const sw = createSwitch({
    nodes: [
      {
        name: 'n1',
        ariUrl: sim.ariUrl,
        user: 'ariadne',
        password: 'ariadne',
        app: 'ariadne',
        ...(sim.amiPort ? { amiUrl: `tcp://ariadne:ariadne@127.0.0.1:${sim.amiPort}` } : {}),
      },
    ],
    requestTimeoutMs: 2000,
    connectTimeoutMs: 2000,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    logger: silent,
    ...switchOptions,
  });
  const inbound: InboundChannel[] = [];
  sw.onInbound((c) => inbound.push(c));
  await sw.start();
  return {
    sim,
    sw,
    inbound,
    async stop() {
      await sw.stop();
      await sim.stop();
    },
  };
}

export async function until<T>(fn: () => T | undefined | false | null, ms = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Places a simulated inbound call and waits until the adapter reported it. */
/** An inbound call as a dialplan without Answer() hands it over (ringing), unless `answered`. */
export async function inboundCall(
  r: Rig,
  from = '+8613800138000',
  to = '4007188668',
  answered = false,
): Promise<InboundChannel> {
  const { channelId } = r.sim.control.placeCall({ from, to, answered });
  return until(() => r.inbound.find((c) => c.channelId === channelId), 3000, `StasisStart of ${channelId}`);
}

export function recorder(r: Rig, channelId: string): { events: ChannelEvent[]; unwatch: () => void } {
  const events: ChannelEvent[] = [];
  const unwatch = r.sw.watchChannel(channelId, (e) => events.push(e));
  return { events, unwatch };
}
