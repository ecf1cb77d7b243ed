import { expect } from 'chai';
import { replay, type ReplayResult } from './traceReplay.js';

/** One test per capture in fixtures/asterisk/traces (see traceReplay.ts for how the comparison works). */
describe('simulator contract: replay of real Asterisk 22 captures', function () {
  this.timeout(20_000);
  let last: ReplayResult | null = null;
  afterEach(async () => {
    last?.ws1.close();
    await last?.sim.stop();
    last = null;
  });

  async function run(name: string): Promise<ReplayResult> {
    last = await replay(name);
    expect(last.mismatches, last.mismatches.join('\n')).to.deep.equal([]);
    return last;
  }

  it('a: inbound call, answer, playback, DTMF, caller hangs up (no ChannelDestroyed for the inbound channel)', async () => {
    const r = await run('a_inbound_playback_dtmf_caller_hangup');
    const types = r.ws1.events.map((e) => e.type);
    expect(types).to.not.include('ChannelDestroyed');
    // ChannelStateChange(Up) reaches the client before the 204 of the answer request.
    const up = r.log.indexOf('event:ChannelStateChange');
    const answered = r.log.findIndex((l) => l.includes('/answer 204'));
    expect(up).to.be.greaterThan(-1);
    expect(up).to.be.lessThan(answered);
  });

  it('b: caller bridged with an originated agent, bridge recording, agent hangs up (ChannelDestroyed cause 16)', async () => {
    const r = await run('b_inbound_bridged_agent_recording_agent_hangup');
    const fin = r.ws1.events.find((e) => e.type === 'RecordingFinished') as { recording: { duration: number } } | undefined;
    expect(fin?.recording.duration).to.equal(3);
  });

  it('c1: agent does not answer, originate times out (cause 19, no final Dial), failover to another agent', async () => {
    const r = await run('c1_agent_no_answer_timeout_then_failover');
    const dials = r.ws1.events.filter((e) => e.type === 'Dial' && (e.peer as { id: string }).id === 'agent-c1-2002');
    expect(dials.map((d) => d.dialstatus)).to.deep.equal(['', 'RINGING']);
  });

  it('c3: originate to a configured but unregistered endpoint: 500 Allocation failed, no event', async () => {
    const r = await run('c3_agent_endpoint_unregistered');
    expect(r.ws1.events).to.deep.equal([]);
  });

  it('c4: originate to an unknown endpoint: 500 Allocation failed, no event', async () => {
    const r = await run('c4_agent_endpoint_nonexistent');
    expect(r.ws1.events).to.deep.equal([]);
  });

  it('c5: create + dial, ring timeout: HangupRequest(32, soft), StasisEnd, Destroyed(19), later DELETE 404', async () => {
    await run('c5_create_dial_ring_timeout');
  });

  it('c6: create + dial, answered, the app hangs up', async () => {
    await run('c6_create_dial_answered');
  });

  it('d: caller hangs up in a holding bridge; the bridge outlives it until DELETE', async () => {
    await run('d_caller_hangup_in_holding_bridge_moh');
  });

  it('errors_rest_and_ws: status codes, status texts and bodies of every error, WebSocket refusals', async () => {
    await run('errors_rest_and_ws');
  });
});
