import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import {
  agentOf,
  browserSuite,
  realErrors,
  shot,
  signIn,
  until,
  waitText,
  watchErrors,
  type Stack,
} from './harness.js';

// Calls an agent places from the workspace (click-to-dial, calling back a callback), on the simulator: the demo
// agent's desk phone picks up 0.8–3 s after it rings, and every number dialled through the demo carrier answers
// about 4 s later and stays on until the agent hangs up.

const user = (name: 'admin' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const PRESENCE = '[data-testid=presence]';
const DIAL = '[data-testid=dial]';
const DIAL_INPUT = `${DIAL} input[name=dial]`;
const DIAL_BUTTON = `${DIAL} button[type=submit]`;
const POP = '[data-testid=screen-pop]';
const OUT_POP = `${POP}[data-direction=outbound]`;
const CALLBACKS = '[data-testid=callbacks]';
/** A Chinese mobile number as an agent types it (the default country is CN), and as it is dialled. */
const NATIONAL = '13812345678';
const E164 = '+8613812345678';
/** The simulator's demo carrier: a number given a behaviour of its own there is busy or never answers. */
const TRUNK = 'carrier-a';
const CALL_TIMEOUT = 30_000;

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

interface CallRow {
  id: string;
  direction: string;
  state: string;
  disposition: string | null;
  agent_id: number | null;
  caller_e164: string | null;
  queue_id: number | null;
  answered_at: unknown;
}

/** The calls placed to `e164` (newest last). */
async function outboundCalls(stack: Stack, e164: string): Promise<CallRow[]> {
  return (await stack.app
    .db('calls')
    .where({ direction: 'outbound', caller_e164: e164 })
    .orderBy('arrived_at')
    .select(
      'id',
      'direction',
      'state',
      'disposition',
      'agent_id',
      'caller_e164',
      'queue_id',
      'answered_at',
    )) as CallRow[];
}

/** The connected call the agent is on: hang up from the workspace, then finish the wrap-up (available again). */
async function hangUpAndWrapUp(page: Page, subjectStart: string): Promise<void> {
  expect(await text(page, '[data-testid=hangup]')).to.equal('Hang up');
  await page.click('[data-testid=hangup]');
  await page.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
  expect(await page.inputValue('[data-testid=wrap-up] input[name=subject]')).to.match(new RegExp(`^${subjectStart}`));
  await page.click('[data-testid=wrap-up] button[type=submit]');
  await page.waitForSelector('[data-testid=wrap-up]', { state: 'detached', timeout: 10_000 });
  await page.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
}

describe('placing calls from the workspace in a browser (click-to-dial on the simulator)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  let agentId: number;
  let queueId: number;
  let page: Page;
  let errors: string[];

  before(async () => {
    stack = suite.stack();
    agentId = (await agentOf(stack.app, 'agent')).id;
    const queue = (await stack.app.db('queues').where({ name: 'general' }).first('id')) as { id: number };
    queueId = Number(queue.id);
  });

  it('an agent calls a number: dialling, connected, hung up and wrapped up; Calls lists it outbound and answered', async () => {
    const { app } = stack;
    page = await newPage();
    errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    // Logged out: no call can be placed, and the card says why.
    expect(await text(page, `${DIAL} [data-testid=dial-blocked]`)).to.equal('Log in to place a call');
    await page.fill(DIAL_INPUT, NATIONAL);
    expect(await page.isDisabled(DIAL_BUTTON)).to.equal(true);
    await shot(page, 'outbound-blocked');

    await page.click(`${PRESENCE} button:has-text("Log in")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    expect(await page.$(`${DIAL} [data-testid=dial-blocked]`)).to.equal(null);
    expect(await page.isEnabled(DIAL_BUTTON)).to.equal(true);
    await page.click(DIAL_BUTTON);

    // The pop: whom the agent is calling, dialling (their own phone rings first), a button to give up.
    await page.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 10_000 });
    expect(await text(page, `${POP} .pop-head .phase`)).to.equal('Dialling…');
    expect(await text(page, `${POP} [data-testid=calling]`)).to.contain(`Calling ${E164}`);
    expect(await text(page, `${POP} [data-testid=customer]`)).to.contain('Unknown number');
    expect(await text(page, '[data-testid=hangup]')).to.equal('Cancel call');
    // Taken (202): the number typed is cleared.
    await page.waitForFunction(`document.querySelector('${DIAL_INPUT}').value === ''`);
    expect(await text(page, `${DIAL} [data-testid=dial-blocked]`)).to.equal('Finish the current call first');
    await shot(page, 'outbound-dialling');

    // The customer answers: the usual call controls.
    await page.waitForSelector(`${OUT_POP}.phase-connected`, { timeout: CALL_TIMEOUT });
    expect(await text(page, `${POP} .pop-head .phase`)).to.equal('On call');
    await page.waitForSelector(`${PRESENCE} .badge.state-on_call`);
    expect(await page.isEnabled('[data-testid=recording-toggle]')).to.equal(true);
    await page.fill('textarea[name=notes]', 'Called about the delayed parcel.');
    await shot(page, 'outbound-connected');
    await hangUpAndWrapUp(page, 'Call to ');

    const calls = await until('the call answered and ended', async () => {
      const rows = await outboundCalls(stack, E164);
      return rows.length === 1 && rows[0]!.state === 'ended' ? rows : undefined;
    });
    expect(calls[0]).to.include({ direction: 'outbound', disposition: 'answered', caller_e164: E164 });
    expect(Number(calls[0]!.agent_id)).to.equal(agentId);
    expect(calls[0]!.answered_at).to.not.equal(null);
    expect(await page.$('[data-testid=dial-outcome]')).to.equal(null);

    // The Calls page: an Out marker, and the direction filter.
    const admin = await newPage();
    const adminErrors = watchErrors(admin);
    await signIn(admin, app.url, 'admin', user('admin').password);
    await admin.goto(`${app.url}/#/calls`);
    const row = `[data-testid=calls] tbody tr:has(a:text-is("${E164}"))`;
    await admin.waitForSelector(row);
    expect(await admin.getAttribute(`${row} td[data-direction]`, 'data-direction')).to.equal('outbound');
    expect(await text(admin, `${row} td[data-direction]`)).to.equal('Out');
    expect(await text(admin, row)).to.contain('answered');
    await admin.selectOption('form.filters select[name=direction]', 'outbound');
    const searched = admin.waitForResponse((r) => r.url().includes('/api/calls?') && r.url().includes('direction='));
    await admin.click('form.filters button[type=submit]');
    expect((await searched).url()).to.contain('direction=outbound');
    await admin.waitForSelector(row);
    const directions = await admin.$$eval('[data-testid=calls] tbody td[data-direction]', (tds) =>
      tds.map((td) => td.getAttribute('data-direction')),
    );
    expect(directions).to.have.length.greaterThan(0);
    expect(new Set(directions)).to.deep.equal(new Set(['outbound']));
    await shot(admin, 'outbound-calls-list');
    await admin.selectOption('form.filters select[name=direction]', 'inbound');
    await admin.click('form.filters button[type=submit]');
    await admin.waitForSelector(row, { state: 'detached' });
    // The call's page says which way it went.
    await admin.goto(`${app.url}/#/calls/${calls[0]!.id}`);
    expect(await text(admin, '[data-testid=call-direction]')).to.contain('placed by an agent');
    await shot(admin, 'outbound-call-detail');
    expect(realErrors(adminErrors)).to.deep.equal([]);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("refuses what is not a number it may call: the API's reason shows and nothing is placed", async () => {
    const before = ((await stack.app.db('calls').count({ n: '*' })) as { n: number | string }[])[0]!.n;
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);

    await page.fill(DIAL_INPUT, '12ab');
    await page.press(DIAL_INPUT, 'Enter'); // Enter places it too
    expect(await text(page, `${DIAL} [data-testid=dial-error]`)).to.contain('not a phone number');
    expect(await page.getAttribute(`${DIAL} [data-testid=dial-error]`, 'role')).to.equal('alert');
    // Typing again takes the refusal away.
    await page.fill(DIAL_INPUT, '123');
    expect(await page.$(`${DIAL} [data-testid=dial-error]`)).to.equal(null);
    await page.click(DIAL_BUTTON);
    expect(await text(page, `${DIAL} [data-testid=dial-error]`)).to.contain('not a valid phone number');
    await page.fill(DIAL_INPUT, '+14155550123');
    await page.click(DIAL_BUTTON);
    expect(await text(page, `${DIAL} [data-testid=dial-error]`)).to.contain('international calls are off');
    await shot(page, 'outbound-refused');
    // What was typed stays, to be corrected; no pop, no call.
    expect(await page.inputValue(DIAL_INPUT)).to.equal('+14155550123');
    expect(await page.$(POP)).to.equal(null);
    const after = ((await stack.app.db('calls').count({ n: '*' })) as { n: number | string }[])[0]!.n;
    expect(Number(after)).to.equal(Number(before));

    await page.fill(DIAL_INPUT, '');
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('a busy number, and a call given up while dialling, say how they ended until dismissed', async () => {
    const sim = stack.app.simulator!;
    const busy = '+8613900001111';
    sim.control.setEndpoint('PJSIP', `${busy}@${TRUNK}`, { behaviour: 'busy', afterMs: 500 });
    await page.fill(DIAL_INPUT, '139 0000 1111');
    await page.click(DIAL_BUTTON);
    await page.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 10_000 });
    const outcome = '[data-testid=dial-outcome]';
    const said = `${outcome} > span`;
    expect(await waitText(page, said, (t) => t !== '', CALL_TIMEOUT)).to.equal(`Call to ${busy}: busy`);
    expect(await page.$(POP)).to.equal(null);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
    expect(await text(page, '[data-testid=no-call]')).to.equal('Waiting for a call…');
    await shot(page, 'outbound-busy');
    await page.click(`${outcome} button[aria-label=Dismiss]`);
    await page.waitForSelector(outcome, { state: 'detached' });
    expect((await outboundCalls(stack, busy)).map((c) => c.disposition)).to.deep.equal(['busy']);

    // A number that rings on, called from a pause: the agent gives up once it is ringing, and is paused again.
    await page.click(`${PRESENCE} button:has-text("Pause: break")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-paused`);
    expect(await page.$(`${DIAL} [data-testid=dial-blocked]`)).to.equal(null);
    const unanswered = '+8613900002222';
    sim.control.setEndpoint('PJSIP', `${unanswered}@${TRUNK}`, { behaviour: 'no-answer' });
    await page.fill(DIAL_INPUT, unanswered);
    await page.press(DIAL_INPUT, 'Enter');
    await page.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 10_000 });
    // The agent's phone picked up (on call): the number is ringing, and the pause waits for the call's end.
    await waitText(page, `${POP} [data-testid=calling]`, (t) => t.includes('ringing the number'), CALL_TIMEOUT);
    await page.waitForSelector(`${PRESENCE} .badge.state-on_call`, { timeout: 10_000 });
    expect(await text(page, `${PRESENCE} .presence-state`)).to.contain('then break');
    await shot(page, 'outbound-ringing');
    await page.click('[data-testid=hangup]');
    expect(await waitText(page, said, (t) => t !== '', 10_000)).to.equal(`Call to ${unanswered}: cancelled`);
    expect(await page.$(POP)).to.equal(null);
    await page.waitForSelector(`${PRESENCE} .badge.state-paused`, { timeout: 10_000 });
    expect(await text(page, `${PRESENCE} .presence-state`)).to.contain('break');
    await page.click(`${PRESENCE} button:has-text("Available")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    const rows = await until('the cancelled call written', async () => {
      const r = await outboundCalls(stack, unanswered);
      return r[0]?.disposition ? r : undefined;
    });
    expect(rows.map((c) => c.disposition)).to.deep.equal(['cancelled']);
    // The notice stays until the next call starts (tested below) or it is dismissed.
    expect(await page.$(outcome)).to.not.equal(null);
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('Call back on a callback calls its number: the callback becomes the agent’s and counts the attempt', async () => {
    const { app } = stack;
    const notes = 'Wants to change the delivery address';
    const [id] = (await app.db('callbacks').insert({
      phone: E164,
      queue_id: queueId,
      state: 'pending',
      requested_at: new Date(),
      notes,
    })) as number[];
    const callbackId = Number(id);
    await page.reload();
    const row = `${CALLBACKS} tbody tr:has(td:text-is("${notes}"))`;
    await page.waitForSelector(row);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    expect(await page.$(`${row} [data-testid=callback-attempts]`)).to.equal(null);
    expect(await page.isEnabled(`${row} [data-testid=call-back]`)).to.equal(true);
    const known = (await outboundCalls(stack, E164)).map((c) => c.id);

    await page.click(`${row} [data-testid=call-back]`);
    await page.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 10_000 });
    // A new call takes the last one's notice away.
    expect(await page.$('[data-testid=dial-outcome]')).to.equal(null);
    expect(await text(page, `${POP} [data-testid=calling]`)).to.contain(`Calling ${E164}`);
    // Taken and counted at once: the list shows it assigned, with its attempt; no second call while on this one.
    await waitText(page, row, (t) => t.includes('1 attempt'));
    expect(await text(page, `${row} [data-testid=callback-attempts]`)).to.equal('· 1 attempt');
    expect(await page.isDisabled(`${row} [data-testid=call-back]`)).to.equal(true);
    await page.waitForSelector(`${OUT_POP}.phase-connected`, { timeout: CALL_TIMEOUT });
    await shot(page, 'outbound-callback-connected');
    await hangUpAndWrapUp(page, 'Call to ');

    const cb = (await app.db('callbacks').where({ id: callbackId }).first()) as {
      state: string;
      agent_id: number;
      attempts: number;
      last_call_id: string;
    };
    const placed = (await outboundCalls(stack, E164)).filter((c) => !known.includes(c.id));
    expect(placed).to.have.length(1);
    expect(cb).to.include({ state: 'assigned', last_call_id: placed[0]!.id });
    expect(Number(cb.attempts)).to.equal(1);
    expect(Number(cb.agent_id)).to.equal(agentId);
    expect(Number(placed[0]!.queue_id)).to.equal(queueId);
    await until('the callback call answered', async () => {
      const c = (await app.db('calls').where({ id: placed[0]!.id }).first('disposition')) as { disposition: string };
      return c.disposition === 'answered' ? true : undefined;
    });

    // Available again: call it back once more, or mark it done.
    expect(await page.isEnabled(`${row} [data-testid=call-back]`)).to.equal(true);
    await shot(page, 'outbound-callback-after');
    await page.click(`${row} button:has-text("Done")`);
    await waitText(page, row, (t) => t.startsWith(`${E164}done`));
    expect(await page.$(`${row} [data-testid=call-back]`)).to.equal(null);
    expect(await text(page, `${row} [data-testid=callback-attempts]`)).to.equal('· 1 attempt');
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it("the agent's own phone does not pick up, or they cancel before it does: the notice says which", async () => {
    const sim = stack.app.simulator!;
    const endpoint = (await stack.app.db('agents').where({ id: agentId }).first('endpoint')) as { endpoint: string };
    const [tech, resource] = endpoint.endpoint.split('/') as [string, string];
    sim.control.setEndpoint(tech, resource, { behaviour: 'busy', afterMs: 300 });
    try {
      await page.fill(DIAL_INPUT, NATIONAL);
      await page.click(DIAL_BUTTON);
      const said = '[data-testid=dial-outcome] > span';
      expect(await waitText(page, said, (t) => t !== '', CALL_TIMEOUT)).to.equal(
        `Call to ${E164}: your phone did not pick up`,
      );
      expect(await page.$(POP)).to.equal(null);
      await page.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
      await shot(page, 'outbound-not-placed');
      const last = (await outboundCalls(stack, E164)).at(-1)!;
      expect(last.disposition).to.equal('not_placed');
      expect(last.answered_at).to.equal(null);

      // Their phone rings on: they cancel before picking it up.
      sim.control.setEndpoint(tech, resource, { behaviour: 'no-answer' });
      await page.fill(DIAL_INPUT, NATIONAL);
      await page.click(DIAL_BUTTON);
      await page.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 10_000 });
      // The new call took the last notice away.
      expect(await page.$('[data-testid=dial-outcome]')).to.equal(null);
      await waitText(page, `${POP} [data-testid=calling]`, (t) => t.includes('pick up your phone'));
      await page.click('[data-testid=hangup]');
      expect(await waitText(page, said, (t) => t !== '', 10_000)).to.equal(`Call to ${E164}: cancelled`);
      await page.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
      const cancelled = await until('the cancelled call written', async () => {
        const c = (await outboundCalls(stack, E164)).at(-1)!;
        return c.id !== last.id && c.disposition ? c : undefined;
      });
      expect(cancelled.disposition).to.equal('cancelled');
    } finally {
      sim.control.setEndpoint(tech, resource, { behaviour: 'answer', afterMs: 1_500 });
    }
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });
});
