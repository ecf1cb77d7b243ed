import { expect } from 'chai';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/service.js';
import { DemoTraffic } from '../../src/demo/traffic.js';
import type { Simulator } from '../../src/simulator/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { agent } from '../routing/fixtures.js';

/** The parts of the simulator the demo's agents use: their phones. */
const phonesOnly = { control: { setEndpoint() {}, placeCall() {} } } as unknown as Simulator;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('demo traffic: the logged-in demo agents take breaks', function () {
  this.timeout(20_000);
  let t: TestDb;
  let agents: AgentService;
  let traffic: DemoTraffic | undefined;
  before(async () => {
    t = await createTestDb('sqlite');
    agents = new AgentService({ db: t.db });
  });
  after(async () => {
    traffic?.stop();
    agents.stop();
    await t.drop();
  });

  it('a free agent pauses with the first pause reason and is back after the break; one on a call is left alone', async () => {
    const [ann, bob] = [await agent(t.db, 'Ann'), await agent(t.db, 'Bob')];
    traffic = new DemoTraffic({
      db: t.db,
      simulator: phonesOnly,
      agents,
      logger: pino({ level: 'silent' }),
      callsPerMinute: 0,
      agentsAvailable: 2,
      breakEveryMs: 0,
      breakMs: [100, 100],
      random: () => 0, // always the first agent
    });
    await traffic.start();
    expect((await agents.get(ann))?.state).to.equal('available');

    await traffic.takeBreak([ann, bob]);
    expect(await agents.get(ann)).to.include({ state: 'paused', pauseReason: 'break' });
    await until(async () => (await agents.get(ann))?.state === 'available', 'Ann back from her break');
    const spans = await t.db('agent_presence').where({ agent_id: ann }).orderBy('id').pluck('state');
    expect(spans).to.deep.equal(['ready', 'paused', 'ready']);

    // Bob is offered a call: no break for him.
    await agents.tryReserve((await agents.get(bob))!, 'call-1');
    await traffic.takeBreak([bob]);
    expect((await agents.get(bob))?.state).to.equal('reserved');
  });
});
