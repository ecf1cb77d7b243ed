import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { httpTarget, rng, runTraffic, sample } from '../../src/simulator/traffic.js';
import { EventRecorder } from './traceReplay.js';

describe('simulator traffic generator', function () {
  this.timeout(10_000);
  let sim: Simulator;
  let ws: EventRecorder;
  beforeEach(async () => {
    sim = await startSimulator({ amiPort: null });
    ws = await new EventRecorder({ n: 0, log: [] }).open(sim.port, '?app=ariadne&api_key=ariadne:ariadne');
  });
  afterEach(async () => {
    ws.close();
    await sim.stop();
  });

  it('places calls at the given rate with DTMF choices and abandons, through the HTTP control API', async () => {
    const summary = await runTraffic({
      target: httpTarget(sim.url),
      callsPerSecond: 100,
      durationMs: 190,
      dids: ['4007188668', '4007188669'],
      dtmf: [{ digits: '1', weight: 1 }, { digits: '2', weight: 1 }],
      dtmfAfterMs: 5,
      talk: { kind: 'fixed', ms: 60 },
      abandonProbability: 0.5,
      patience: { kind: 'uniform', minMs: 20, maxMs: 40 },
      seed: 42,
    });
    expect(summary.placed).to.equal(20);
    expect(summary.failed).to.equal(0);
    expect(summary.abandoning).to.be.within(1, 19);
    await ws.waitFor(() => ws.events.filter((e) => e.type === 'StasisEnd').length === 20, 3000, 'all calls ended');
    expect(ws.events.filter((e) => e.type === 'ChannelDtmfReceived').length).to.equal(summary.withDtmf);
    const dids = new Set(ws.events.filter((e) => e.type === 'StasisStart').map((e) => (e.args as string[])[0]));
    expect([...dids].sort()).to.deep.equal(['4007188668', '4007188669']);
    expect(sim.control.stats().channelsLive).to.equal(0);
  });

  it('respects maxConcurrent and reports errors instead of throwing', async () => {
    const summary = await runTraffic({
      target: { placeCall: () => Promise.reject(new Error('down')) },
      callsPerSecond: 200,
      durationMs: 40,
      dids: ['1'],
      talk: { kind: 'fixed', ms: 1000 },
      maxConcurrent: 3,
    });
    expect(summary.placed).to.equal(0);
    expect(summary.failed).to.equal(3);
    expect(summary.skippedForConcurrency).to.be.greaterThan(0);
    expect(summary.errors[0]).to.equal('down');
  });

  it('rejects bad options and samples distributions within bounds', async () => {
    let msg = '';
    try {
      await runTraffic({ target: sim.control, callsPerSecond: 0, durationMs: 1, dids: ['1'], talk: { kind: 'fixed', ms: 1 } });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).to.match(/callsPerSecond/);
    const r = rng(7);
    for (let i = 0; i < 1000; i++) expect(sample({ kind: 'exponential', meanMs: 100, minMs: 10, maxMs: 300 }, r)).to.be.within(10, 300);
  });
});
