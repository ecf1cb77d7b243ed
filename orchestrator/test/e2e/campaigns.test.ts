import { expect } from 'chai';
import { CampaignDialler } from '../../src/campaigns/dialler.js';
import {
  addContacts,
  createCampaign,
  rescheduleContactOfCall,
  setCampaignState,
  type Campaign,
} from '../../src/campaigns/repository.js';
import { DEMO_CUSTOMERS } from '../../src/db/seed/index.js';
import type { HoursState } from '../../src/ivr/hours.js';
import { logger } from '../../src/logger.js';
import { startStack, waitFor, type Stack } from './harness.js';

/**
 * The progressive dialler end to end: real ACD and agents, the call flow on the simulator (numbers go out through
 * `carrier-a`), MariaDB. The dialler looks only when a test calls tick(), on a clock the test can move on.
 */

const GOLD = DEMO_CUSTOMERS.find((c) => c.key === 'gold')?.phone as string;
const OTHER = '+8613912345678';
const TRUNK = 'carrier-a';

describe('e2e: campaigns (progressive dialler + simulator + MariaDB)', function () {
  this.timeout(30_000);
  let s: Stack;
  let dialler: CampaignDialler;
  let shift = 0;
  const open = new Map<string, HoursState>();
  const now = (): Date => new Date(Date.now() + shift);

  const start = async (): Promise<void> => {
    shift = 0;
    open.clear();
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 5 } });
    dialler = new CampaignDialler({
      db: s.db,
      acd: s.acd,
      calls: s.center.calls,
      bus: s.bus,
      hours: { state: async (name) => open.get(name) ?? null },
      logger,
      now,
      intervalMs: 0,
    });
    dialler.start();
  };
  afterEach(async function () {
    if (!s) return;
    await dialler.stop();
    if (this.currentTest?.state === 'passed') await s.expectConsistentCalls();
    await s.stop();
  });

  const carrier = (behaviour: 'answer' | 'busy' | 'no-answer' | 'unreachable', afterMs = 100): void => {
    s.sim.control.setEndpoint('PJSIP', TRUNK, { behaviour, afterMs });
  };
  const campaign = async (contacts: readonly string[], fields: Partial<Campaign> = {}): Promise<Campaign> => {
    const c = await createCampaign(
      s.db,
      { name: 'Renewals', queueId: s.queueId('general'), maxAttempts: 2, retryMinutes: 1, ...fields },
      now(),
    );
    await addContacts(
      s.db,
      c.id,
      contacts.map((e164, i) => ({ e164, name: `Contact ${i + 1}` })),
      now(),
    );
    await setCampaignState(s.db, c.id, 'running', now());
    testCampaign = c.id;
    return c;
  };
  // The demo seed has a (paused) campaign of its own, with some of the same numbers.
  let testCampaign = 0;
  const contact = async (e164: string) =>
    (await s.db('campaign_contacts').where({ e164, campaign_id: testCampaign }).first()) as Record<string, unknown>;
  /** Free for the dialler: the ACD has the agent as available (its index follows the agent's row a moment later). */
  const idle = (n: number) =>
    waitFor(
      () => s.acd.idleAgentsFor(s.queueId('general'), 50).some((a) => a.agentId === s.agentId(n)),
      `agent ${n} free for the dialler`,
    );
  const callOf = async (e164: string): Promise<string> =>
    waitFor(async () => (await contact(e164)).last_call_id as string | null, `a call for ${e164}`);

  it('calls the next contact for a free agent; answered is done, busy is retried later, then failed', async () => {
    await start();
    await s.login(2001);
    const c = await campaign([GOLD, OTHER], { script: 'Hello {contact}, this is {agent} about your renewal.' });

    carrier('answer', 200);
    await dialler.tick();
    const first = await callOf(GOLD);
    await s.waitState(first, 'connected');
    // The screen pop says which campaign placed the call, for whom.
    const agent = (await s
      .db('agents')
      .where({ id: s.agentId(2001) })
      .first('name')) as { name: string };
    expect(s.offers[0]).to.deep.include({
      callId: first,
      direction: 'outbound',
      caller: GOLD,
      campaign: {
        id: c.id,
        name: 'Renewals',
        contact: 'Contact 1',
        // The script with the call's contact and agent in it.
        script: `Hello Contact 1, this is ${agent.name} about your renewal.`,
      },
    });
    // The agent is on a call: another look places nothing more.
    await dialler.tick();
    expect((await contact(OTHER)).state).to.equal('pending');
    const customer = s.center.calls.get(first)?.channelId as string;
    s.sim.control.hangup(customer);
    await waitFor(async () => (await contact(GOLD)).state === 'done', 'the answered contact done');
    expect(await contact(GOLD)).to.deep.include({ attempts: 1, last_result: 'answered' });
    expect(await s.row(first)).to.deep.include({
      direction: 'outbound',
      queue_id: s.queueId('general'),
      campaign_id: c.id,
    });

    // After wrap-up, the next contact: busy, so it waits its retry time.
    await idle(2001);
    carrier('busy', 50);
    await dialler.tick();
    const second = await callOf(OTHER);
    await s.finalRow(second, 'ended');
    await waitFor(async () => (await contact(OTHER)).state === 'pending', 'the busy contact back to pending');
    const busy = await contact(OTHER);
    expect(busy).to.deep.include({ attempts: 1, last_result: 'busy' });
    expect(new Date(busy.next_at as string).getTime() - now().getTime()).to.be.within(50_000, 61_000);
    await idle(2001);
    await dialler.tick();
    expect((await contact(OTHER)).last_call_id, 'not due yet').to.equal(second);

    // A minute on, its second and last attempt: busy again, so it failed.
    shift = 61_000;
    await dialler.tick();
    const third = await waitFor(async () => {
      const id = (await contact(OTHER)).last_call_id as string;
      return id !== second ? id : null;
    }, 'the retry placed');
    await s.finalRow(third, 'ended');
    await waitFor(async () => (await contact(OTHER)).state === 'failed', 'out of attempts');
    expect(await contact(OTHER)).to.deep.include({ attempts: 2, last_result: 'busy' });
  });

  it("calls each number only inside the campaign's contact hours on the number's own clock", async () => {
    await start();
    await s.login(2001);
    const NEW_YORK = '+12125550147';
    const at = (iso: string): void => void (shift = new Date(iso).getTime() - Date.now());
    at('2026-12-08T03:00:00Z'); // Shanghai 11:00, New York 22:00
    await campaign([NEW_YORK, GOLD], { contactHours: '08:00-21:00' });
    expect(await contact(NEW_YORK)).to.include({ time_zone: 'America/New_York' });
    expect(await contact(GOLD)).to.include({ time_zone: 'Asia/Shanghai' });
    carrier('answer', 100);
    // New York comes first in the list, but it is 22:00 there: Shanghai's number is called.
    await dialler.tick();
    const first = await callOf(GOLD);
    expect((await contact(NEW_YORK)).state).to.equal('pending');
    await s.waitState(first, 'connected');
    s.sim.control.hangup(s.center.calls.get(first)?.channelId as string);
    await waitFor(async () => (await contact(GOLD)).state === 'done', 'the answered contact done');

    // Still 22:00 in New York: nothing more is placed for the free agent.
    await idle(2001);
    await dialler.tick();
    expect((await contact(NEW_YORK)).last_call_id).to.equal(null);
    // 10:00 in New York: its number is called.
    at('2026-12-08T15:00:00Z');
    await dialler.tick();
    const second = await callOf(NEW_YORK);
    await s.waitState(second, 'connected');
    s.sim.control.hangup(s.center.calls.get(second)?.channelId as string);
    await waitFor(async () => (await contact(NEW_YORK)).state === 'done', 'the New York contact done');
    await s.finalRow(second, 'ended');
  });

  it('screens answers for machines: hangs up on one (retried later), leaves another a message, connects a person', async () => {
    await start();
    await s.login(2001);
    const c = await campaign([GOLD, OTHER], { machineDetection: 'hang_up' });
    // GOLD's line is answered by a machine (the simulated AMD() says MACHINE); every other number by a person.
    s.sim.control.setEndpoint('PJSIP', `${GOLD}@${TRUNK}`, { behaviour: 'machine', afterMs: 100 });
    carrier('answer', 100);

    await dialler.tick();
    const machine = await callOf(GOLD);
    const hungUp = await s.finalRow(machine, 'ended');
    expect(hungUp).to.deep.include({ disposition: 'machine', hangup_side: 'system', answered_at: null });
    expect(s.continues).to.deep.include({
      channelId: hungUp.channel_id,
      context: 'ariadne-amd',
      extension: 's',
      priority: 1,
    });
    await waitFor(async () => (await contact(GOLD)).state === 'pending', 'the machine contact back to pending');
    expect(await contact(GOLD)).to.deep.include({ attempts: 1, last_result: 'machine' });
    expect(await s.db('recordings').where({ call_id: machine }).first(), 'nothing recorded').to.equal(undefined);

    // The agent, never connected, is free at once: the person on the next number is screened and connected.
    await idle(2001);
    await dialler.tick();
    const person = await callOf(OTHER);
    await s.waitState(person, 'connected');
    s.sim.control.hangup(s.center.calls.get(person)?.channelId as string);
    await waitFor(async () => (await contact(OTHER)).state === 'done', 'the person reached');
    expect(await contact(OTHER)).to.deep.include({ last_result: 'answered' });

    // The campaign now leaves machines a message: GOLD's retry gets it, and that settles the contact.
    await s.db('campaigns').where({ id: c.id }).update({
      machine_detection: 'message',
      machine_message: 'ariadne/campaign-message',
    });
    await idle(2001);
    shift = 61_000;
    await dialler.tick();
    const message = await waitFor(async () => {
      const id = (await contact(GOLD)).last_call_id as string;
      return id !== machine ? id : null;
    }, 'the retry placed');
    const left = await s.finalRow(message, 'ended');
    expect(left).to.deep.include({ disposition: 'machine_message', answered_at: null });
    const dialled = s.originates.find((o) => o.channelId === left.channel_id);
    expect(dialled?.variables).to.include({ ARIADNE_MACHINE_MESSAGE: 'ariadne/campaign-message' });
    expect(s.continues).to.deep.include({
      channelId: left.channel_id,
      context: 'ariadne-amd',
      extension: 'message',
      priority: 1,
    });
    await waitFor(async () => (await contact(GOLD)).state === 'done', 'the message settles the contact');
    expect(await contact(GOLD)).to.deep.include({ attempts: 2, last_result: 'machine_message' });
  });

  it('a customer who hangs up while the answer is screened leaves the contact to be tried again', async () => {
    await start();
    await s.login(2001);
    await campaign([GOLD], { machineDetection: 'hang_up' });
    // The person answers and hangs up on the silence before AMD() decides.
    s.sim.control.setEndpoint('PJSIP', `${GOLD}@${TRUNK}`, { behaviour: 'answer', afterMs: 100, talkMs: 100 });
    await dialler.tick();
    const callId = await callOf(GOLD);
    expect(await s.finalRow(callId, 'ended')).to.deep.include({ disposition: 'no_answer', hangup_side: 'caller' });
    await waitFor(async () => (await contact(GOLD)).state === 'pending', 'the contact back to pending');
    expect(await contact(GOLD)).to.deep.include({ attempts: 1, last_result: 'no_answer' });
    await idle(2001);
  });

  it('calls no trunk can carry keep their attempts; three in a row pause the campaign', async () => {
    await start();
    await s.login(2001);
    const numbers = [GOLD, OTHER, '+8613912340003', '+8613912340004'];
    const c = await campaign(numbers);
    // As when Asterisk has no such trunk, or it is down: the customer's channel cannot be created (cause 34).
    carrier('unreachable');
    for (const e164 of numbers.slice(0, 3)) {
      await idle(2001);
      await dialler.tick();
      const callId = await callOf(e164);
      expect(await s.finalRow(callId, 'ended')).to.deep.include({ disposition: 'failed', hangup_cause: 34 });
      await waitFor(async () => (await contact(e164)).state === 'pending', `${e164} back to pending`);
      expect(await contact(e164)).to.deep.include({ attempts: 0, last_result: 'trunk_failed' });
    }
    await waitFor(
      async () =>
        ((await s.db('campaigns').where({ id: c.id }).first('state')) as { state: string }).state === 'paused',
      'the campaign paused',
    );
    await idle(2001);
    await dialler.tick();
    expect((await contact(numbers[3] as string)).last_call_id, 'nothing more placed').to.equal(null);
  });

  it('places nothing while paused or outside its hours; skips a number listed meanwhile; keeps a booked callback', async () => {
    await start();
    await s.login(2001);
    const c = await campaign([GOLD, OTHER], { hours: null });
    await s.db('campaigns').where({ id: c.id }).update({ state: 'paused' });
    await dialler.tick();
    expect(s.originates, 'paused').to.have.length(0);

    // Running, but its hours say closed now (and hours that no longer exist count as closed).
    await s.db('business_hours').insert({ name: 'calling', timezone: 'Asia/Shanghai', weekly: '{}' });
    await s.db('campaigns').where({ id: c.id }).update({ state: 'running', hours: 'calling' });
    open.set('calling', 'closed');
    await dialler.tick();
    expect(s.originates, 'closed').to.have.length(0);

    // Open, with the first number listed since it was added: skipped, and the next one called instead.
    open.set('calling', 'open');
    await s.db('do_not_call').insert({ e164: GOLD, reason: 'asked', created_at: new Date() });
    carrier('answer', 200);
    await dialler.tick();
    expect(await contact(GOLD)).to.deep.include({ state: 'skipped', attempts: 0, last_result: 'do_not_call' });
    const callId = await callOf(OTHER);
    await s.waitState(callId, 'connected');
    expect(s.originates.some((o) => o.endpoint.includes(GOLD.slice(1)))).to.equal(false);
    // On the call, the customer asks to be called tomorrow: the end of the call leaves that booked.
    const tomorrow = new Date(Date.now() + 86_400_000);
    await rescheduleContactOfCall(s.db, callId, tomorrow, now());
    s.sim.control.hangup(s.center.calls.get(callId)?.channelId as string);
    await s.finalRow(callId, 'ended');
    await idle(2001);
    await dialler.tick();
    const booked = await contact(OTHER);
    expect(booked).to.deep.include({ state: 'pending', last_call_id: callId, last_result: 'callback_requested' });
    expect(new Date(booked.next_at as string).getTime()).to.equal(tomorrow.getTime());
  });

  it("an agent who does not pick up leaves the contact its turn; the queue's waiting callers come first", async () => {
    await start();
    await s.login(2001, 'no-answer');
    await campaign([GOLD]);
    await dialler.tick();
    const callId = await callOf(GOLD);
    await s.finalRow(callId, 'ended');
    await waitFor(async () => (await contact(GOLD)).state === 'pending', 'the contact back to pending');
    expect(await contact(GOLD)).to.deep.include({ attempts: 0, last_result: 'not_placed' });
    expect((await s.row(callId)).disposition).to.equal('not_placed');
    expect(
      s.originates.filter((o) => o.endpoint.includes(TRUNK)),
      'the customer never rung',
    ).to.have.length(0);

    // A caller waits in the queue (one no agent has the skills for): its agents are left for its callers.
    await idle(2001);
    const general = s.queueId('general');
    s.acd.enqueue({
      callId: 'waiting-caller',
      queueId: general,
      priority: 0,
      requiredSkills: [{ skill: 'nobody-has-this', minLevel: 5 }],
      enqueuedAt: new Date(),
      node: 'node1',
    });
    expect(s.acd.idleAgentsFor(general, 10)).to.deep.equal([]);
    await dialler.tick();
    expect((await contact(GOLD)).last_call_id).to.equal(callId);
    s.acd.remove('waiting-caller');
    await idle(2001);
    await dialler.tick();
    const again = await waitFor(async () => {
      const id = (await contact(GOLD)).last_call_id as string;
      return id !== callId ? id : null;
    }, 'the contact tried again once the queue is empty');
    await s.finalRow(again, 'ended');
  });
});
