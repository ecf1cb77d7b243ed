import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_CUSTOMERS, DEMO_DID, DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type Stack } from './harness.js';

const user = (name: 'admin' | 'supervisor' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
// Chinese, then 0 (an agent) in the main menu.
const CALLER_SCRIPT = [
  { atMs: 300, dtmf: '1' },
  { atMs: 900, dtmf: '0' },
];
const gold = DEMO_CUSTOMERS.find((c) => c.key === 'gold')!;

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector, { timeout: 10_000 })) ?? '';
}

describe('admin UI in a browser (whole orchestrator on the simulator)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  before(() => {
    stack = suite.stack();
  });

  it('refuses a wrong password and shows why', async () => {
    const page = await newPage();
    await page.goto(stack.app.url);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    const alert = await text(page, '[role=alert]');
    expect(alert.toLowerCase()).to.match(/invalid|password|credentials/);
    expect(await page.$('[data-testid=whoami]')).to.equal(null);
  });

  it('admin signs in, sees the admin navigation and creates a queue (field errors shown in place)', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    const nav = await text(page, 'header nav');
    for (const item of ['Wallboard', 'Agents', 'Queues', 'Routing', 'IVR flows', 'Users', 'System'])
      expect(nav).to.contain(item);
    expect(nav).not.to.contain('Workspace');

    await page.click('header nav >> text=Queues');
    await page.waitForSelector('[data-testid=queues] tbody tr');
    await page.click('button:has-text("New queue")');
    const editor = '[data-testid=queue-editor]';
    await page.fill(`${editor} input[name=name]`, 'bad name!');
    await page.fill(`${editor} input[name=displayName]`, 'Returns desk');
    await page.click(`${editor} button[type=submit]`);
    // The server's validation error lands next to the name field.
    const fieldError = await text(page, `${editor} .field.invalid .field-error`);
    expect(fieldError).to.contain('letters');

    await page.fill(`${editor} input[name=name]`, 'returns');
    await page.selectOption(`${editor} select[name=strategy]`, 'fewest_calls');
    await page.fill(`${editor} input[name=serviceLevelS]`, '30');
    await page.fill(`${editor} input[name=alertWaiting]`, '4');
    await page.fill(`${editor} input[name=serviceLevelTargetPct]`, '90');
    await page.click(`${editor} button:has-text("+ add step")`);
    await shot(page, 'admin-queue-editor');
    await page.click(`${editor} button[type=submit]`);
    await page.waitForSelector(editor, { state: 'detached', timeout: 10_000 });
    await page.waitForSelector('[data-testid=queues] td:text-is("returns")');

    const row = await stack.app.db('queues').where({ name: 'returns' }).first();
    expect(row).to.not.equal(undefined);
    expect(row.display_name).to.equal('Returns desk');
    expect(row.strategy).to.equal('fewest_calls');
    expect(Number(row.service_level_s)).to.equal(30);
    expect([row.alert_waiting, row.service_level_target_pct, row.alert_wait_s].map(Number)).to.deep.equal([4, 90, 60]);
    const overflow = typeof row.overflow === 'string' ? JSON.parse(row.overflow) : row.overflow;
    expect(overflow).to.deep.equal([{ afterSeconds: 60, action: 'widen_skills' }]);
    await shot(page, 'admin-queues');
    // The one refused save above is the only failed request.
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
    expect(realErrors(errors).filter((e) => /status of 400/.test(e))).to.have.length(1);
  });

  it('admin chooses the queues a supervisor supervises', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Users');
    const row = 'table.list tr:has(td:text-is("supervisor"))';
    await page.waitForSelector(row);
    await page.click(`${row} button:has-text("Edit")`);
    const boxes = '[data-testid=supervised-queues]';
    await page.waitForSelector(`${boxes} label`);
    const supervisor = await stack.app.db('users').where({ username: 'supervisor' }).first('id');
    const before = (await stack.app.db('supervisor_queues').where({ user_id: supervisor.id }).pluck('queue_id')).length;
    // The demo supervisor has every demo queue; take one away.
    const first = (await page.textContent(`${boxes} label >> nth=0`))!.trim();
    await page.click(`${boxes} label >> nth=0 >> input`);
    await shot(page, 'admin-user-supervised-queues');
    await page.click('form.editor button[type=submit]');
    await page.waitForSelector('form.editor', { state: 'detached', timeout: 10_000 });
    const after = await stack.app.db('supervisor_queues').where({ user_id: supervisor.id }).pluck('queue_id');
    expect(after).to.have.length(before - 1);
    // The list reloads after the save: the supervisor's row no longer names that queue.
    await waitText(page, row, (t) => !t.includes(first));
  });

  it('admin tests a routing rule with a sample call and sees which rule matched', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/admin/routing`);
    await page.waitForSelector('[data-testid=rules] tbody tr');
    await page.selectOption('[data-testid=rule-tester] select >> nth=0', 'gold');
    await page.click('[data-testid=rule-tester] button[type=submit]');
    const decision = await text(page, '[data-testid=test-result] .decision');
    expect(decision).to.contain('Gold customers jump the line');
    expect(decision).to.contain('general');
    await shot(page, 'admin-routing-tester');
  });

  it('shows IVR validation errors next to the node and field', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/admin/ivr`);
    await page.waitForSelector('table.list tbody tr a');
    await page.click('table.list tbody tr a >> nth=0');
    await page.waitForSelector('section.node');
    await page.click('button:has-text("Validate")');
    await page.waitForSelector('[data-testid=flow-valid]');
    // Break the flow in the JSON view: a menu choice pointing nowhere.
    await page.click('button:has-text("JSON")');
    const json = await page.inputValue('textarea.json');
    const doc = JSON.parse(json) as { nodes: Record<string, { type: string; choices?: Record<string, string> }> };
    const [menuId, menu] = Object.entries(doc.nodes).find(([, n]) => n.type === 'menu')!;
    const key = Object.keys(menu.choices!)[0]!;
    menu.choices![key] = 'nowhere';
    await page.fill('textarea.json', JSON.stringify(doc, null, 2));
    await page.click('button:has-text("Nodes")');
    await page.click('button:has-text("Validate")');
    await page.waitForSelector('[data-testid=flow-issues]');
    const nodeCard = `[data-testid=node-${menuId}]`;
    expect(await page.getAttribute(nodeCard, 'class')).to.contain('invalid');
    const msg = await text(page, `${nodeCard} .field.invalid .field-error`);
    expect(msg).to.contain('nowhere');
    await shot(page, 'admin-ivr-invalid');
  });

  it('agent goes available, gets the screen pop, hangs up and wraps up; the wallboard follows live', async () => {
    const { app } = stack;
    const sim = app.simulator!;
    // The demo agent user is bound to an agent (agentOf throws otherwise).
    await agentOf(app, 'agent');

    const wall = await newPage();
    const wallErrors = watchErrors(wall);
    await signIn(wall, app.url, 'supervisor', user('supervisor').password);
    await wall.goto(`${app.url}/#/wallboard`);
    await wall.waitForSelector('[data-testid=queue-general]');
    const availableCount = () => text(wall, '[data-testid=agents-available] .n');
    expect(await availableCount()).to.equal('0');

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector('[data-testid=presence]');
    expect(page.url()).to.contain('#/workspace');
    await page.click('[data-testid=presence] button:has-text("Log in")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');
    await waitText(wall, '[data-testid=agents-available] .n', (t) => t === '1', 10_000);

    // A known gold customer calls the demo DID and asks for an agent.
    sim.control.placeCall({ from: gold.phone, to: DEMO_DID, script: CALLER_SCRIPT });
    const pop = '[data-testid=screen-pop]';
    await page.waitForSelector(pop, { timeout: 20_000 });
    expect(await text(page, `${pop} [data-testid=customer]`)).to.contain(gold.name);
    expect(await text(page, `${pop} .badge.tier-gold`)).to.equal('gold');
    const orders = await text(page, `${pop} [data-testid=orders]`);
    expect(orders).to.contain(gold.orders[0][0]);
    expect(orders).to.contain('in transit');
    expect(await text(page, `${pop} [data-testid=ivr]`)).to.contain('menu');
    await page.waitForSelector(`${pop}.phase-connected`, { timeout: 15_000 });
    await page.fill('textarea[name=notes]', 'Asked where order 20000001 is; gave the tracking number.');
    await shot(page, 'agent-screen-pop');

    // The wallboard: one agent on a call, one answered in the general queue.
    await waitText(wall, '[data-testid=agents-on_call] .n', (t) => t === '1', 10_000);
    await waitText(wall, '[data-testid=queue-general] [data-testid=answered] .value', (t) => t === '1', 10_000);

    // The supervisor listens in from their desk phone, then coaches the agent, then stops: the call goes on.
    sim.control.setEndpoint('PJSIP', '2050', { behaviour: 'answer', afterMs: 100 });
    const row = '[data-testid=live-calls] tbody tr';
    await waitText(wall, row, (t) => t.includes(gold.phone) && t.includes('刘洋'), 10_000);
    await wall.fill('input[name=monitorPhone]', 'PJSIP/2050');
    await wall.click(`${row} button:has-text("Listen")`);
    await wall.waitForSelector(`${row} button[aria-pressed=true]:has-text("Listen")`, { timeout: 10_000 });
    const snoops = () => sim.control.channels().filter((c) => c.name.startsWith('Snoop/')).length;
    expect(snoops()).to.equal(1);
    await shot(wall, 'wallboard-listening');
    await wall.click(`${row} button:has-text("Whisper")`);
    await wall.waitForSelector(`${row} button[aria-pressed=true]:has-text("Whisper")`, { timeout: 10_000 });
    await wall.click(`${row} button:has-text("Stop")`);
    await wall.waitForSelector(`${row} button:has-text("Stop")`, { state: 'detached', timeout: 10_000 });
    expect(sim.control.channels().filter((c) => c.name.startsWith('PJSIP/2050-'))).to.deep.equal([]);
    expect(await wall.inputValue('input[name=monitorPhone]'), 'the phone is kept').to.equal('PJSIP/2050');
    // A second caller finds nobody free and waits: the wallboard shows it and its wait ticks. The queue alerts
    // from one caller waiting (as an admin would set it on the Queues page).
    const general = (await app.db('queues').where({ name: 'general' }).first('id')) as { id: number };
    await app.db('queues').where({ id: general.id }).update({ alert_waiting: 1 });
    app.bus.publish('queue.changed', { queueId: general.id });
    sim.control.placeCall({ from: gold.phone, to: DEMO_DID, script: CALLER_SCRIPT });
    await waitText(wall, '[data-testid=queue-general] [data-testid=waiting] .value', (t) => t === '1', 15_000);
    await waitText(wall, '[data-testid=wallboard-alerts]', (t) => t.includes('1 waiting (alert at 1)'));
    expect(await wall.getAttribute('[data-testid=queue-general]', 'class')).to.contain('alert');
    const longest1 = await text(wall, '[data-testid=queue-general] [data-testid=longest] .value');
    await waitText(
      wall,
      '[data-testid=queue-general] [data-testid=longest] .value',
      (t) => t !== longest1 && t !== '0:00',
      5_000,
    );
    await shot(wall, 'wallboard');

    // The caller reads out a card number: the agent pauses the recording, then resumes it.
    await page.click('[data-testid=recording-toggle]');
    await page.waitForSelector('[data-testid=recording-paused]');
    expect(await text(page, '[data-testid=recording-toggle]')).to.equal('Resume recording');
    await shot(page, 'agent-recording-paused');
    await page.click('[data-testid=recording-toggle]');
    await page.waitForSelector('[data-testid=recording-paused]', { state: 'detached' });
    const answered = await app.db('calls').where({ caller_e164: gold.phone }).whereNotNull('answered_at').first('id');
    // Both are on the call's timeline (written behind the call's other writes).
    const deadline = Date.now() + 5000;
    let events: string[] = [];
    while (Date.now() < deadline && !events.includes('recording_resumed')) {
      events = (await app.db('call_events').where({ call_id: answered.id }).pluck('event')) as string[];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(events).to.include.members(['recording_paused', 'recording_resumed']);

    // Attended transfer: the agent consults a colleague (the caller waits), then thinks better of it.
    sim.control.setEndpoint('PJSIP', '2099', { behaviour: 'answer', afterMs: 200 });
    await page.fill('input[name=transfer]', 'PJSIP/2099');
    await page.click('[data-testid=consult-start]');
    await page.waitForSelector('[data-testid=consult]', { timeout: 10_000 });
    expect(await text(page, '[data-testid=consult]')).to.contain('PJSIP/2099');
    await shot(page, 'agent-consulting');
    await page.click('[data-testid=consult] button:has-text("Cancel")');
    await page.waitForSelector('[data-testid=consult]', { state: 'detached', timeout: 10_000 });
    expect(await page.isVisible('[data-testid=hangup]')).to.equal(true);
    // Consulted again, the colleague is brought into a three-way call, then hangs up on their own.
    await page.click('[data-testid=consult-start]');
    await page.click('[data-testid=conference]', { timeout: 10_000 });
    await waitText(page, '[data-testid=consult]', (t) => t.includes('In conference with PJSIP/2099'), 10_000);
    expect(await page.isVisible('[data-testid=consult] button:has-text("Drop PJSIP/2099")')).to.equal(true);
    await shot(page, 'agent-conference');
    const colleague = sim.control.channels().find((c) => c.name.startsWith('PJSIP/2099-'));
    sim.control.hangup(colleague?.id as string);
    await waitText(page, '[data-testid=consult-ended]', (t) => t.includes('PJSIP/2099 hung up'), 10_000);
    expect(await page.isVisible('[data-testid=consult]')).to.equal(false);

    // Hang up; the wrap-up form takes a disposition and a ticket.
    await page.click('[data-testid=hangup]');
    await page.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
    const callId = await app
      .db('calls')
      .where({ caller_e164: gold.phone })
      .whereNotNull('answered_at')
      .orderBy('arrived_at')
      .first('id');
    await page.selectOption('[data-testid=wrap-up] select[name=disposition]', 'shipping_question');
    await page.fill('[data-testid=wrap-up] input[name=subject]', 'Where is my order 20000001');
    await page.selectOption('[data-testid=wrap-up] select[name=category]', 'logistics');
    expect(await page.inputValue('[data-testid=wrap-up] textarea[name=body]')).to.contain('tracking number');
    await shot(page, 'agent-wrap-up');
    await page.click('[data-testid=wrap-up] button[type=submit]');
    await page.waitForSelector('[data-testid=wrap-up]', { state: 'detached', timeout: 10_000 });

    const ticket = await app.db('tickets').where({ call_id: callId.id }).first();
    expect(ticket, 'a ticket for the call').to.not.equal(undefined);
    expect(ticket.subject).to.equal('Where is my order 20000001');
    expect(ticket.category).to.equal('logistics');
    expect(ticket.disposition).to.equal('shipping_question');
    expect(ticket.body).to.contain('tracking number');
    const call = await app.db('calls').where({ id: callId.id }).first();
    expect(call.agent_disposition ?? call.disposition).to.equal('shipping_question');

    // The waiting caller is offered to the agent free again (the offer may beat the wrap-up answer).
    await page.waitForSelector(`${pop}.phase-offered, ${pop}.phase-connected`, { timeout: 20_000 });
    expect(await text(page, `${pop} [data-testid=customer]`)).to.contain(gold.name);
    await shot(page, 'agent-second-call');
    expect(realErrors(errors)).to.deep.equal([]);
    expect(realErrors(wallErrors)).to.deep.equal([]);
  });

  it('lists calls and opens a call timeline', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'supervisor', user('supervisor').password);
    await page.goto(`${stack.app.url}/#/calls`);
    await page.waitForSelector('[data-testid=calls] tbody tr');
    expect(await text(page, '[data-testid=calls]')).to.contain(gold.phone);
    await page.click('[data-testid=calls] tbody tr >> nth=-1');
    await page.waitForSelector('[data-testid=timeline] li');
    const timeline = await text(page, '[data-testid=timeline]');
    expect(timeline).to.contain('connected');
    expect(timeline).to.contain('disposition shipping_question');
    // Playback: the signed link lands in an <audio> element and the server streams the audio for it.
    await page.click('button:has-text("Play")');
    await page.waitForSelector('audio[src]');
    const status = await page.evaluate(
      `fetch(document.querySelector('audio').src, { headers: { range: 'bytes=0-99' } }).then((r) => r.status)`,
    );
    expect([200, 206]).to.include(status);
    await shot(page, 'call-timeline');
  });

  it('keeps an agent to the agent pages (navigation and a typed-in admin address)', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'agent', user('agent').password);
    const nav = await text(page, 'header nav');
    expect(nav).to.contain('Workspace');
    for (const item of ['Wallboard', 'Agents', 'Queues', 'Users', 'System']) expect(nav).not.to.contain(item);
    await page.goto(`${stack.app.url}/#/admin/users`);
    expect(await text(page, 'main .error')).to.contain('cannot open this page');
  });

  it("admin checks the switch on the System page: the node, the trunks, the agents' phones", async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=System');
    const card = '[data-testid=switch-status]';
    await waitText(
      page,
      `${card} [data-testid=switch-nodes]`,
      (t) => t.includes('simulator') && t.includes('Connected'),
    );
    // The simulator's trunk has a contact, not qualified, and no registration; its agents' phones the same.
    const trunks = await text(page, `${card} [data-testid=switch-trunks]`);
    expect(trunks).to.contain('carrier-a');
    expect(trunks).to.not.contain('@');
    const phones = await text(page, `${card} [data-testid=switch-phones]`);
    expect(phones).to.match(/^[1-9]\d* registered · 0 answering OPTIONS$/);
    // A phone that stops answering is named.
    stack.app.simulator!.control.setEndpoint('PJSIP', '2001', { behaviour: 'unreachable' });
    await page.click(`${card} button:has-text("Check again")`);
    await waitText(page, `${card} [data-testid=switch-phones]`, (t) => t !== phones);
    await shot(page, 'system-switch');
    stack.app.simulator!.control.setEndpoint('PJSIP', '2001', { behaviour: 'answer', afterMs: 500 });
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('shows the large-type wall screen without navigation', async () => {
    const page = await newPage();
    await signIn(page, stack.app.url, 'supervisor', user('supervisor').password);
    await page.goto(`${stack.app.url}/#/wallboard/large`);
    await page.waitForSelector('.wallboard.large [data-testid=queue-general]');
    expect(await page.$('header.topbar')).to.equal(null);
    await shot(page, 'wallboard-large');
  });
});
