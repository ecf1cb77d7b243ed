/**
 * The scripted Stasis app of `ari_script`, in its own process: it connects and takes events with ari-client 2.2.0
 * and sends its requests the way the orchestrator does (telephony/ari-rest.ts: keep-alive HTTP from ari-client's
 * loaded operation table), making the ARI requests of one `full` call and waiting for the same events, with
 * nothing else (no database, no state machine, no routing, no upload, no logging per call):
 *
 *   answer → play the prompt → wait for the caller's DTMF → holding bridge + caller + music on hold →
 *   originate to the next agent phone → on its StasisStart: music off, mixing bridge, caller out of the holding
 *   bridge, caller and agent into the mixing bridge, record the bridge, holding bridge destroyed →
 *   when the agent leaves: hang the caller up, destroy the mixing bridge.
 *
 * What it sustains is the ARI pipeline's own limit for the call shape `full` handles: the part of the gap between
 * `full` and the two-request no-op baseline that no orchestrator could close.
 *
 * IPC as baseline-app.ts: `{ type: 'ready' }`, then batches of `{ type: 'done', calls: [[callerChannelId,
 * bridgedAtEpochMs, ok], ...] }`. Env: BENCH_ARI_URL, BENCH_ARI_APP, BENCH_AGENT_ENDPOINTS (comma-separated).
 */
// @ts-expect-error ari-client ships no types
import ari from 'ari-client';
import { makeRedactor } from '../../orchestrator/src/telephony/ari-errors.js';
import { AriRest, restOperation } from '../../orchestrator/src/telephony/ari-rest.js';

interface ChannelLike {
  readonly id: string;
}
interface StasisStartEvent {
  readonly args: string[];
}
interface AriClient {
  on(event: 'StasisStart', handler: (event: StasisStartEvent, channel: ChannelLike) => void): void;
  on(event: 'StasisEnd', handler: (event: unknown, channel: ChannelLike) => void): void;
  on(event: 'ChannelDtmfReceived', handler: (event: { digit: string }, channel: ChannelLike) => void): void;
  _swagger: { apis: Record<string, { operations?: Record<string, unknown> } | undefined> };
  start(app: string): Promise<void>;
  stop(): void;
}

const url = process.env.BENCH_ARI_URL;
const app = process.env.BENCH_ARI_APP ?? 'bench-script';
const agents = (process.env.BENCH_AGENT_ENDPOINTS ?? '').split(',').filter(Boolean);
if (!url || !process.send || agents.length === 0) {
  process.stderr.write('script-app: run by scripts/bench (needs BENCH_ARI_URL, BENCH_AGENT_ENDPOINTS, IPC)\n');
  process.exit(2);
}
const send = process.send.bind(process);

let batch: Array<[string, number, boolean]> = [];
const flush = (): void => {
  if (batch.length === 0) return;
  send({ type: 'done', calls: batch });
  batch = [];
};
setInterval(flush, 100).unref();

interface ScriptedCall {
  readonly caller: string;
  readonly holding: string;
  readonly mixing: string;
  readonly agent: string;
  pressed: boolean;
}

async function main(): Promise<void> {
  const client = (await (ari as { connect(u: string, user: string, pass: string): Promise<AriClient> }).connect(
    url as string,
    'ariadne',
    'ariadne',
  )) as AriClient;
  const rest = new AriRest(new URL(url as string).origin, 'ariadne', 'ariadne', makeRedactor(['ariadne']));
  const ask = (resource: string, operation: string, params: Record<string, unknown>): Promise<unknown> => {
    const op = restOperation(client._swagger.apis[resource]?.operations?.[operation]);
    if (!op) return Promise.reject(new Error(`no ARI operation ${resource}.${operation}`));
    return rest.send(`${resource}.${operation}`, op, params, 10_000);
  };
  const channels = {
    answer: (p: { channelId: string }) => ask('channels', 'answer', p),
    hangup: (p: { channelId: string }) => ask('channels', 'hangup', p),
    play: (p: { channelId: string; media: string; playbackId: string }) => ask('channels', 'play', p),
    originate: (p: Record<string, unknown>) => ask('channels', 'originate', p),
  };
  const bridges = {
    create: (p: { type: string; bridgeId: string; name: string }) => ask('bridges', 'create', p),
    destroy: (p: { bridgeId: string }) => ask('bridges', 'destroy', p),
    addChannel: (p: { bridgeId: string; channel: string | string[] }) => ask('bridges', 'addChannel', p),
    removeChannel: (p: { bridgeId: string; channel: string }) => ask('bridges', 'removeChannel', p),
    startMoh: (p: { bridgeId: string; mohClass: string }) => ask('bridges', 'startMoh', p),
    stopMoh: (p: { bridgeId: string }) => ask('bridges', 'stopMoh', p),
    record: (p: { bridgeId: string; name: string; format: string; ifExists: string }) => ask('bridges', 'record', p),
  };
  const byCaller = new Map<string, ScriptedCall>();
  const byAgent = new Map<string, ScriptedCall>();
  let nextAgent = 0;
  const failed = (call: ScriptedCall): void => {
    batch.push([call.caller, Date.now(), false]);
    byCaller.delete(call.caller);
    byAgent.delete(call.agent);
    channels.hangup({ channelId: call.caller }).catch(() => undefined);
  };

  const onDigit = async (call: ScriptedCall): Promise<void> => {
    await bridges.create({ type: 'holding', bridgeId: call.holding, name: `hold-${call.caller}` });
    await bridges.addChannel({ bridgeId: call.holding, channel: call.caller });
    await bridges.startMoh({ bridgeId: call.holding, mohClass: 'default' });
    const endpoint = agents[nextAgent++ % agents.length] as string;
    byAgent.set(call.agent, call);
    await channels.originate({
      endpoint,
      app,
      appArgs: `agent,${call.caller}`,
      callerId: 'bench',
      channelId: call.agent,
      timeout: 15,
    });
  };

  const onAgentAnswered = async (call: ScriptedCall): Promise<void> => {
    await bridges.stopMoh({ bridgeId: call.holding });
    await bridges.create({ type: 'mixing', bridgeId: call.mixing, name: `call-${call.caller}` });
    await bridges.removeChannel({ bridgeId: call.holding, channel: call.caller });
    await bridges.addChannel({ bridgeId: call.mixing, channel: [call.caller, call.agent] });
    batch.push([call.caller, Date.now(), true]);
    await bridges.record({ bridgeId: call.mixing, name: call.caller, format: 'wav', ifExists: 'fail' });
    await bridges.destroy({ bridgeId: call.holding });
  };

  client.on('StasisStart', (event, channel) => {
    if (event.args[0] === 'agent') {
      const call = byAgent.get(channel.id);
      if (call) onAgentAnswered(call).catch(() => failed(call));
      return;
    }
    const caller = channel.id;
    const call: ScriptedCall = {
      caller,
      holding: `h-${caller}`,
      mixing: `m-${caller}`,
      agent: `a-${caller}`,
      pressed: false,
    };
    byCaller.set(caller, call);
    channels
      .answer({ channelId: caller })
      .then(() => channels.play({ channelId: caller, media: 'sound:ariadne/main-menu', playbackId: `p-${caller}` }))
      .catch(() => failed(call));
  });
  client.on('ChannelDtmfReceived', (event, channel) => {
    const call = byCaller.get(channel.id);
    if (!call || call.pressed || event.digit !== '1') return;
    call.pressed = true;
    onDigit(call).catch(() => failed(call));
  });
  client.on('StasisEnd', (_event, channel) => {
    const call = byAgent.get(channel.id);
    if (call) {
      byAgent.delete(channel.id);
      byCaller.delete(call.caller);
      channels.hangup({ channelId: call.caller }).catch(() => undefined);
      bridges.destroy({ bridgeId: call.mixing }).catch(() => undefined);
      return;
    }
    byCaller.delete(channel.id);
  });
  await client.start(app);
  send({ type: 'ready' });
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === 'flush') {
      flush();
      send({ replyTo: m.id, type: 'flushed' });
    }
  });
  const stop = (): void => {
    flush();
    client.stop();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`script-app: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
