/**
 * The event router on recorded payloads of a real Asterisk 22.10.1 (orchestrator/test/fixtures/telephony/,
 * extracted from the captures: app-socket events without the ChannelVarset floods, plus the REST replies in
 * arrival order), and the error mapping on every error reply of errors_rest_and_ws.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { pino } from 'pino';
import { codeFor, asteriskMessage, makeRedactor } from '../../src/telephony/ari-errors.js';
import { EventRouter, ROUTED_EVENT_TYPES, unroutedEventTypes, type AriEvent } from '../../src/telephony/event-router.js';
import { NodeRegistry } from '../../src/telephony/node-registry.js';
import type { ChannelEvent, InboundChannel, OriginateOutcome, PlaybackOutcome } from '../../src/telephony/port.js';

type Entry =
  { dir: 'event'; event: AriEvent } | { dir: 'response'; method: string; path: string; status: number; body: unknown };

function fixture<T = Entry[]>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/telephony/${name}.json`, import.meta.url), 'utf8')) as T;
}

const log = pino({ level: 'silent' });

function setup(): { router: EventRouter; registry: NodeRegistry; inbound: InboundChannel[] } {
  const registry = new NodeRegistry();
  const router = new EventRouter(registry, log);
  const inbound: InboundChannel[] = [];
  router.onInbound((c) => inbound.push(c));
  return { router, registry, inbound };
}

function replay(
  router: EventRouter,
  entries: Entry[],
  onResponse?: (e: Extract<Entry, { dir: 'response' }>) => void,
): void {
  for (const e of entries) {
    if (e.dir === 'event') router.dispatch('n1', e.event);
    else onResponse?.(e);
  }
}

describe('telephony: event router on recorded Asterisk payloads', () => {
  it('a: inbound call, DTMF, caller hang-up → one inbound, the digit, one hangup, no route left', () => {
    const { router, inbound } = setup();
    const trace = fixture('a_inbound_playback_dtmf_caller_hangup');
    const events: ChannelEvent[] = [];
    router.onInbound((c) => router.watch(c.channelId, (e) => events.push(e)));
    replay(router, trace);
    expect(inbound).to.have.length(1);
    expect(inbound[0]).to.deep.include({
      args: [],
      callerNumber: '1000',
      callerName: 'Caller 1000',
      dialedExten: '5000',
      state: 'Ring',
      node: 'n1',
    });
    expect(inbound[0]!.createdAt.getTime()).to.not.be.NaN;
    expect(events.filter((e) => e.type === 'answered')).to.have.length(1);
    expect(events).to.deep.include({ type: 'dtmf', digit: '5', durationMs: 180 });
    const hangups = events.filter((e) => e.type === 'hangup');
    expect(hangups).to.have.length(1);
    expect(hangups[0]).to.include({ cause: 16 });
    expect(router.sizes()).to.deep.equal({ channels: 0, playbacks: 0, recordings: 0, targets: 0 });
  });

  it('a: playbacks routed before the request settle from PlaybackFinished, whenever the 201 comes', () => {
    const { router } = setup();
    const trace = fixture('a_inbound_playback_dtmf_caller_hangup');
    const ids = trace.flatMap((e) =>
      e.dir === 'event' && e.event.type === 'PlaybackStarted' && e.event.playback ? [e.event.playback.id] : [],
    );
    expect(ids).to.have.length(2);
    const outcomes: PlaybackOutcome[] = [];
    for (const id of ids) {
      router.addPlayback(id, {
        targetKey: 'c:x',
        stopped: false,
        settle: (o) => outcomes.push(o),
        targetGone: () => router.endPlayback(id, 'hangup'),
      });
    }
    // Deliver the PlaybackFinished events before any reply (events overtaking replies).
    for (const e of trace) if (e.dir === 'event' && e.event.type === 'PlaybackFinished') router.dispatch('n1', e.event);
    expect(outcomes).to.deep.equal(['done', 'done']);
    expect(router.sizes().playbacks).to.equal(0);
  });

  it('c1: an originated leg that rings out ends no_answer (cause 19); the next one answers at StasisStart, not at Up', () => {
    const { router, inbound } = setup();
    const trace = fixture('c1_agent_no_answer_timeout_then_failover');
    const outcomes: Record<string, OriginateOutcome> = {};
    const seen: Record<string, string[]> = { 'agent-c1-2002': [], 'agent-c1-2001': [] };
    for (const id of Object.keys(seen)) {
      router.watch(id, (e) => seen[id]!.push(e.type === 'hangup' ? `hangup:${e.cause}` : e.type));
      router.own(id, { settle: (o) => (outcomes[id] = o) });
    }
    let answeredBeforeStasis = false;
    for (const e of trace) {
      if (e.dir !== 'event') continue;
      router.dispatch('n1', e.event);
      if (
        e.event.type === 'ChannelStateChange' &&
        e.event.channel?.id === 'agent-c1-2001' &&
        e.event.channel.state === 'Up'
      ) {
        answeredBeforeStasis = outcomes['agent-c1-2001'] !== undefined;
      }
    }
    expect(outcomes['agent-c1-2002']).to.deep.equal({ result: 'no_answer', cause: 19 });
    expect(seen['agent-c1-2002']).to.deep.equal(['ringing', 'hangup:19']);
    expect(answeredBeforeStasis, 'not answered before it is in Stasis').to.equal(false);
    expect(outcomes['agent-c1-2001']).to.deep.equal({ result: 'answered' });
    expect(seen['agent-c1-2001']).to.deep.equal(['ringing', 'answered', 'hangup:32']);
    expect(
      inbound.map((c) => c.channelId),
      'originated legs are not inbound',
    ).to.deep.equal(['1795465619.80']);
    expect(router.sizes().channels).to.equal(0);
  });

  it('c5: a created channel entering Stasis at Down is not answered; the ring timeout ends it no_answer (19), not 32', () => {
    const { router } = setup();
    const trace = fixture('c5_create_dial_ring_timeout');
    const start = trace.find((e) => e.dir === 'event' && e.event.type === 'StasisStart');
    const id = start && start.dir === 'event' ? start.event.channel!.id : '';
    let outcome: OriginateOutcome | undefined;
    const seen: ChannelEvent[] = [];
    router.watch(id, (e) => seen.push(e));
    router.own(id, { settle: (o) => (outcome = o) });
    replay(router, trace);
    expect(outcome).to.deep.equal({ result: 'no_answer', cause: 19 });
    expect(seen.filter((e) => e.type === 'hangup')).to.deep.equal([
      { type: 'hangup', cause: 19, causeText: 'User alerting, no answer' },
    ]);
    expect(seen.some((e) => e.type === 'answered')).to.equal(false);
  });

  it('b: caller and agent bridged, recording finished, agent hangs up (ChannelDestroyed 16), bridge destroyed', () => {
    const { router, registry } = setup();
    const trace = fixture('b_inbound_bridged_agent_recording_agent_hangup');
    const recStart = trace.find((e) => e.dir === 'event' && e.event.type === 'RecordingStarted');
    const recName = recStart && recStart.dir === 'event' ? recStart.event.recording!.name : '';
    const bridge = trace.find((e) => e.dir === 'event' && e.event.type === 'ChannelEnteredBridge');
    const bridgeId = bridge && bridge.dir === 'event' ? bridge.event.bridge!.id : '';
    registry.set('bridge', bridgeId, 'n1');
    let rec: unknown;
    router.addRecording(recName, { targetKey: `b:${bridgeId}`, settle: (r) => (rec = r), targetGone: () => undefined });
    let leg: OriginateOutcome | undefined;
    const agent: string[] = [];
    router.watch('agent-b-2001', (e) => agent.push(e.type));
    router.own('agent-b-2001', { settle: (o) => (leg = o) });
    replay(router, trace);
    expect(rec).to.deep.equal({ status: 'done', durationSeconds: 3 });
    expect(leg).to.deep.equal({ result: 'answered' });
    expect(agent.filter((t) => t === 'hangup')).to.have.length(1);
    expect(agent).to.include.members(['answered', 'hangup']);
    expect(registry.get('bridge', bridgeId)).to.equal(undefined);
    expect(router.sizes()).to.deep.equal({ channels: 0, playbacks: 0, recordings: 0, targets: 0 });
  });

  it('an unknown event type is counted and ignored; a listener that throws does not stop the others', () => {
    const { router } = setup();
    router.dispatch('n1', { type: 'ChannelFutureThing', channel: { id: 'x' } });
    expect(router.ignored.get('ChannelFutureThing')).to.equal(1);
    const got: string[] = [];
    router.watch('c1', () => {
      throw new Error('boom');
    });
    router.watch('c1', (e) => got.push(e.type));
    router.dispatch('n1', { type: 'StasisStart', args: [], channel: { id: 'c1', state: 'Ring' } });
    router.dispatch('n1', { type: 'ChannelDtmfReceived', digit: '1', duration_ms: 100, channel: { id: 'c1' } });
    expect(got).to.deep.equal(['dtmf']);
  });

  it('the event types the app filters out are exactly the served ones dispatch ignores', () => {
    const served = (
      JSON.parse(readFileSync(new URL('../../src/simulator/api-docs/events.json', import.meta.url), 'utf8')) as {
        models: { Event: { subTypes: string[] } };
      }
    ).models.Event.subTypes;
    const unrouted = unroutedEventTypes(served);
    expect(unrouted).to.include.members(['ChannelVarset', 'Dial', 'ChannelDialplan', 'PlaybackStarted', 'RecordingStarted']);
    expect(unrouted).to.not.include.members(['RESTResponse', 'ApplicationReplaced', ...ROUTED_EVENT_TYPES]);
    const { router } = setup();
    router.watch('c1', () => {
      throw new Error('a filtered-out type reached a listener');
    });
    for (const type of unrouted) router.dispatch('n1', { type, channel: { id: 'c1' }, bridge: { id: 'b1' }, playback: { id: 'p1' } });
    expect([...router.ignored.keys()]).to.have.members(unrouted);
    for (const type of ROUTED_EVENT_TYPES) expect(served, type).to.include(type);
  });

  it('continue: StasisEnd after continueInDialplan is left_app, once; a second StasisEnd is ignored', () => {
    const { router } = setup();
    const got: ChannelEvent[] = [];
    router.dispatch('n1', { type: 'StasisStart', args: [], channel: { id: 'c1', state: 'Up' } });
    router.watch('c1', (e) => got.push(e));
    router.markLeavingApp('c1', true);
    router.dispatch('n1', { type: 'StasisEnd', channel: { id: 'c1' } });
    router.dispatch('n1', { type: 'StasisEnd', channel: { id: 'c1' } });
    expect(got).to.deep.equal([{ type: 'left_app' }]);
  });

  it('10,000 calls through their whole life leave no route, watcher or registry entry behind', () => {
    const { router, registry } = setup();
    for (let i = 0; i < 10_000; i++) {
      const id = `ch-${i}`;
      router.dispatch('n1', { type: 'StasisStart', args: ['4007188668', 'carrier-a'], channel: { id, state: 'Ring' } });
      const un = router.watch(id, () => undefined);
      router.addPlayback(`pb-${i}`, {
        targetKey: `c:${id}`,
        stopped: false,
        settle: () => undefined,
        targetGone: () => router.endPlayback(`pb-${i}`, 'hangup'),
      });
      router.dispatch('n1', { type: 'ChannelStateChange', channel: { id, state: 'Up' } });
      router.dispatch('n1', { type: 'ChannelHangupRequest', cause: 16, channel: { id } });
      router.dispatch('n1', { type: 'StasisEnd', channel: { id } });
      un();
    }
    expect(router.sizes()).to.deep.equal({ channels: 0, playbacks: 0, recordings: 0, targets: 0 });
    expect(registry.size('channel')).to.equal(0);
    expect(registry.size('playback')).to.equal(0);
  });

  it('an unused watch (no channel ever came) is dropped on unwatch', () => {
    const { router } = setup();
    const un = router.watch('never', () => undefined);
    expect(router.sizes().channels).to.equal(1);
    un();
    expect(router.sizes().channels).to.equal(0);
  });
});

describe('telephony: error mapping on every error reply of a real Asterisk', () => {
  const errors = fixture<Array<{ method: string; path: string; status: number; body: unknown }>>('errors_rest');

  it('maps each status and message to the code the call flow acts on', () => {
    const expected = (e: { status: number; body: unknown; path: string }): string => {
      const m = asteriskMessage(e.body);
      if (e.status === 404 || m === 'Channel not found') return 'not_found';
      if (/not in Stasis/.test(m)) return 'not_in_stasis';
      if (e.status === 409 || e.status === 422) return 'conflict';
      if (e.status === 401) return 'auth';
      if (e.status === 500 && m === 'Allocation failed') return 'unreachable';
      return 'bad_request';
    };
    expect(errors.length).to.be.greaterThan(40);
    for (const e of errors)
      expect(
        codeFor(e.status, asteriskMessage(e.body)),
        `${e.status} ${e.method} ${e.path} ${JSON.stringify(e.body)}`,
      ).to.equal(expected(e));
    // Spot checks of what matters most.
    expect(codeFor(409, 'Channel not in Stasis application')).to.equal('not_in_stasis');
    expect(codeFor(422, 'Channel not in Stasis application')).to.equal('not_in_stasis');
    expect(codeFor(422, 'Channel not in this bridge')).to.equal('conflict');
    // A gone channel in a bridge's channel list is a 400 on a real Asterisk; any other 400 is our request's fault.
    expect(codeFor(400, 'Channel not found')).to.equal('not_found');
    expect(codeFor(400, 'Missing parameter channel')).to.equal('bad_request');
    expect(codeFor(500, 'Allocation failed')).to.equal('unreachable');
    expect(codeFor(503, '')).to.equal('unavailable');
  });

  it('the redactor removes passwords, api_key and URL credentials', () => {
    const r = makeRedactor(['s3cret!', 'ari:s3cret!']);
    expect(r('ws://h/ari/events?app=a&api_key=ari:s3cret%21&x=1')).to.equal(
      'ws://h/ari/events?app=a&api_key=[redacted]&x=1',
    );
    expect(r('tcp://ami:s3cret!@127.0.0.1:5038')).to.equal('tcp://ami:[redacted]@127.0.0.1:5038');
    expect(r('login with s3cret! failed')).to.equal('login with [redacted] failed');
    expect(r('Authorization: Basic YXJpOmFyaQ==')).to.equal('Authorization: Basic [redacted]');
  });
});
