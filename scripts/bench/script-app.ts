/**
 * The scripted Stasis app of `ari_script`, in its own process, on the orchestrator's own ARI connection
 * (telephony/ari-connection.ts: ari-client 2.2.0 connects and loads the API description, events are parsed and
 * requests sent as the orchestrator does): it makes the ARI requests of one `full` call and waits for the same
 * events (under the orchestrator's event filter), with nothing else (no database, no state machine, no routing,
 * no upload, no logging per call):
 *
 *   answer → play the prompt → wait for the caller's DTMF → holding bridge + caller + music on hold →
 *   originate to the next agent phone → on its StasisStart: music off, mixing bridge, caller and agent into the
 *   mixing bridge (which takes the caller out of the holding one), record the bridge, holding bridge destroyed →
 *   when the agent leaves: hang the caller up, destroy the mixing bridge.
 *
 * What it sustains is the ARI pipeline's own limit for the call shape `full` handles: the part of the gap between
 * `full` and the two-request no-op baseline that no orchestrator could close.
 *
 * IPC as baseline-app.ts: `{ type: 'ready' }`, then batches of `{ type: 'done', calls: [[callerChannelId,
 * bridgedAtEpochMs, ok], ...] }`. Env: BENCH_ARI_URL, BENCH_ARI_APP, BENCH_AGENT_ENDPOINTS (comma-separated),
 * BENCH_REST_TRANSPORT (`websocket`, the orchestrator's default, or `http`).
 */
import { pino } from 'pino';
import { doneReporter, fatal } from './lib/app-ipc.js';
import { AriConnection } from '../../orchestrator/src/telephony/ari-connection.js';
import { unroutedEventFilter, type AriEvent } from '../../orchestrator/src/telephony/event-router.js';

const url = process.env.BENCH_ARI_URL;
const app = process.env.BENCH_ARI_APP ?? 'bench-script';
const agents = (process.env.BENCH_AGENT_ENDPOINTS ?? '').split(',').filter(Boolean);
const report = doneReporter('script-app', { BENCH_ARI_URL: url, BENCH_AGENT_ENDPOINTS: agents.join(',') });

interface ScriptedCall {
  readonly caller: string;
  readonly holding: string;
  readonly mixing: string;
  readonly agent: string;
  pressed: boolean;
}

async function main(): Promise<void> {
  let onEvent: (event: AriEvent) => void = () => undefined;
  let up: () => void = () => undefined;
  const connected = new Promise<void>((r) => (up = r));
  const connection = new AriConnection(
    { name: 'bench', ariUrl: url as string, user: 'ariadne', password: 'ariadne', app },
    {
      requestTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      backoffMinMs: 200,
      backoffMaxMs: 2000,
      pingIntervalMs: 30_000,
      restTransport: process.env.BENCH_REST_TRANSPORT === 'http' ? 'http' : 'websocket',
    },
    { onEvent: (event) => onEvent(event), onState: (ok) => ok && up() },
    pino({ level: 'warn' }),
  );
  const ask = (resource: string, operation: string, params: Record<string, unknown>): Promise<unknown> =>
    connection.request(resource, operation, params);
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
    startMoh: (p: { bridgeId: string; mohClass: string }) => ask('bridges', 'startMoh', p),
    stopMoh: (p: { bridgeId: string }) => ask('bridges', 'stopMoh', p),
    record: (p: { bridgeId: string; name: string; format: string; ifExists: string }) => ask('bridges', 'record', p),
  };
  const byCaller = new Map<string, ScriptedCall>();
  const byAgent = new Map<string, ScriptedCall>();
  let nextAgent = 0;
  const failed = (call: ScriptedCall): void => {
    report.done(call.caller, false);
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
    await bridges.addChannel({ bridgeId: call.mixing, channel: [call.caller, call.agent] });
    report.done(call.caller, true);
    await bridges.record({ bridgeId: call.mixing, name: call.caller, format: 'wav', ifExists: 'fail' });
    await bridges.destroy({ bridgeId: call.holding });
  };

  const onStasisStart = (event: AriEvent, channelId: string): void => {
    if (event.args?.[0] === 'agent') {
      const call = byAgent.get(channelId);
      if (call) onAgentAnswered(call).catch(() => failed(call));
      return;
    }
    const caller = channelId;
    const call: ScriptedCall = {
      caller,
      holding: `h-${caller}`,
      mixing: `m-${caller}`,
      agent: `a-${caller}`,
      pressed: false,
    };
    byCaller.set(caller, call);
    // As the orchestrator: no answer request for a channel the dialplan answered (dialplans/inbound.conf).
    const answered = event.channel?.state === 'Up' ? Promise.resolve() : channels.answer({ channelId: caller });
    answered
      .then(() => channels.play({ channelId: caller, media: 'sound:ariadne/main-menu', playbackId: `p-${caller}` }))
      .catch(() => failed(call));
  };
  const onDtmf = (digit: string | undefined, channelId: string): void => {
    const call = byCaller.get(channelId);
    if (!call || call.pressed || digit !== '1') return;
    call.pressed = true;
    onDigit(call).catch(() => failed(call));
  };
  const onStasisEnd = (channelId: string): void => {
    const call = byAgent.get(channelId);
    if (call) {
      byAgent.delete(channelId);
      byCaller.delete(call.caller);
      channels.hangup({ channelId: call.caller }).catch(() => undefined);
      bridges.destroy({ bridgeId: call.mixing }).catch(() => undefined);
      return;
    }
    byCaller.delete(channelId);
  };
  onEvent = (event) => {
    const channelId = event.channel?.id;
    if (!channelId) return;
    if (event.type === 'StasisStart') onStasisStart(event, channelId);
    else if (event.type === 'ChannelDtmfReceived') onDtmf(event.digit, channelId);
    else if (event.type === 'StasisEnd') onStasisEnd(channelId);
  };
  await connection.start();
  await connected;
  // The orchestrator's own event filter (ari-adapter.ts), so both receive the same events per call.
  await ask('applications', 'filter', {
    applicationName: app,
    filter: unroutedEventFilter(connection.servedEventTypes),
  });
  report.ready(() => connection.stop());
}

main().catch(fatal('script-app'));
