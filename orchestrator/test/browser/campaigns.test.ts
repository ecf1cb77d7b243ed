import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_CAMPAIGN, DEMO_DO_NOT_CALL, DEMO_USERS } from '../../src/db/seed/index.js';
import { toDate } from '../../src/db/time.js';
import { agentOf, browserSuite, realErrors, shot, signIn, until, waitText, watchErrors } from './harness.js';

// The Campaigns page (admins; supervisors: their queues' campaigns): creating a campaign, adding its numbers, its
// numbers' table, starting, pausing and deleting it; and the workspace's screen pop of a call placed for one.
// The default country is CN: 138 1234 5678 is added as +8613812345678.

const user = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const LIST = '[data-testid=campaigns]';
const CREATE = '[data-testid=campaign-create]';
const DETAIL = '[data-testid=campaign-detail]';
const EDIT = '[data-testid=campaign-edit]';
const IMPORT = '[data-testid=campaign-import]';
const RESULT = '[data-testid=campaign-import-result]';
const CONTACTS = '[data-testid=campaign-contacts]';
/** The demo's campaign: paused, on the general queue, with the first demo customers' numbers. */
const SEEDED = DEMO_CAMPAIGN.name;
const NAME = 'Spring sale follow-up';
const PILOT = 'Workspace pilot';
/** The number the pilot campaign calls (the simulator's demo carrier answers it). */
const CUSTOMER = '+8613612345678';
/** The callback pilot's campaign, and the number it calls. */
const LATER = 'Callback pilot';
const LATER_CUSTOMER = '+8613512345678';
/** A campaign that screens its answers, and its number, answered by a simulated answering machine. */
const SCREENED = 'Screened pilot';
const MACHINE_CUSTOMER = '+8613412345678';
const PRESENCE = '[data-testid=presence]';
const POP = '[data-testid=screen-pop]';
const OUT_POP = `${POP}[data-direction=outbound]`;
/** "Call back later" on a campaign's call: the button, its form (a time, quick choices, Book), and the booked time. */
const LATER_BUTTON = `${POP} [data-testid=campaign-callback]`;
const LATER_FORM = `${POP} [data-testid=campaign-callback-form]`;
const LATER_AT = `${LATER_FORM} input[name=at]`;
const LATER_RESULT = `${POP} [data-testid=campaign-callback-result]`;
const DIAL = '[data-testid=dial]';
const row = (name: string) => `${LIST} tbody tr[data-campaign="${name}"]`;
const contact = (e164: string) => `${CONTACTS} tbody tr[data-number="${e164}"]`;

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

/** A list row's state, as its badge's cell says it. */
const stateOf = async (page: Page, name: string) => page.getAttribute(`${row(name)} td[data-state]`, 'data-state');

/** Waits until the row's state badge says `state` (the page reads the list again after each change). */
async function shows(page: Page, name: string, state: 'paused' | 'running'): Promise<void> {
  await page.waitForSelector(`${row(name)} td[data-state=${state}]`, { timeout: 10_000 });
  expect(await text(page, `${row(name)} td[data-state] .badge`)).to.equal(state);
}

/** The numbers' table as [number, name, state, attempts] (string scripts: the tests compile without the DOM's types). */
async function contactRows(page: Page): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${CONTACTS} tbody tr[data-number]')].map((r) => [...r.cells].slice(0, 4).map((c) => c.textContent.trim()))`,
  )) as string[][];
}

/** The API as the page's signed-in user (the page's context shares its session cookie). */
async function callApi<T>(page: Page, method: 'GET' | 'POST', url: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(url, { method, data });
  expect(res.ok(), `${method} ${url}: ${res.status()} ${await res.text()}`).to.equal(true);
  return (await res.json()) as T;
}

/** A `datetime-local` value `ms` from now in the page's time zone, to the minute (string script: no DOM types here). */
async function localInput(page: Page, ms: number): Promise<string> {
  return (await page.evaluate(
    `(() => { const d = new Date(Date.now() + ${ms}); const p = (n) => String(n).padStart(2, '0'); ` +
      'return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; })()',
  )) as string;
}

/** A `datetime-local` value read in the page's time zone: the instant, as the page sends it. */
async function instantOf(page: Page, value: string): Promise<string> {
  return (await page.evaluate(`new Date(${JSON.stringify(value)}).toISOString()`)) as string;
}

async function paste(page: Page, lines: string[]): Promise<string> {
  await page.fill(`${IMPORT} textarea[name=csv]`, lines.join('\n'));
  const before = (await page.$(RESULT)) ? await text(page, RESULT) : '';
  await page.click(`${IMPORT} button[type=submit]`);
  return waitText(page, RESULT, (t) => t !== '' && t !== before);
}

describe('campaigns in a browser (the progressive dialler’s lists)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  const queueId = async (name: string) =>
    Number(((await suite.stack().app.db('queues').where({ name }).first('id')) as { id: number }).id);
  const campaignRow = async (name: string) =>
    (await suite
      .stack()
      .app.db('campaigns')
      .where({ name })
      .first(
        'id',
        'state',
        'queue_id',
        'hours',
        'caller_id',
        'max_attempts',
        'retry_minutes',
        'script',
        'contact_hours',
        'machine_detection',
        'machine_message',
      )) as
      | {
          id: number;
          state: string;
          queue_id: number;
          hours: string | null;
          caller_id: string | null;
          max_attempts: number;
          retry_minutes: number;
          script: string | null;
          contact_hours: string | null;
          machine_detection: string;
          machine_message: string | null;
        }
      | undefined;

  /**
   * The agent available on the workspace (the only free agent of the general queue), and a campaign of one named
   * number on it, started by the admin: the dialler calls the agent's phone next.
   */
  async function startOneNumberCampaign(
    name: string,
    number: string,
    contactName: string,
    fields: { script?: string; machineDetection?: string } = {},
  ) {
    const { app } = suite.stack();
    const agent = await newPage();
    const agentErrors = watchErrors(agent);
    await signIn(agent, app.url, 'agent', user('agent').password);
    await agent.click(`${PRESENCE} button:has-text("Log in")`);
    await agent.waitForSelector(`${PRESENCE} .badge.state-available`);

    const admin = await newPage();
    const adminErrors = watchErrors(admin);
    await signIn(admin, app.url, 'admin', user('admin').password);
    const campaign = await callApi<{ id: number }>(admin, 'POST', `${app.url}/api/campaigns`, {
      name,
      queueId: await queueId('general'),
      ...fields,
    });
    const added = await callApi<{ added: number }>(admin, 'POST', `${app.url}/api/campaigns/${campaign.id}/contacts`, {
      csv: `${number}, ${contactName}`,
    });
    expect(added.added).to.equal(1);
    await admin.goto(`${app.url}/#/admin/campaigns/${campaign.id}`);
    await admin.click(`${DETAIL} [data-testid=campaign-start]`);
    await shows(admin, name, 'running');
    return { agent, agentErrors, admin, adminErrors, campaign };
  }

  it('an admin creates a campaign, adds numbers, edits it, starts, pauses and deletes it', async () => {
    const { app } = suite.stack();
    const general = await queueId('general');
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Campaigns');
    await page.waitForSelector(row(SEEDED));
    expect(page.url()).to.contain('#/admin/campaigns');
    expect(await text(page, 'h1')).to.equal('Campaigns');
    expect(await stateOf(page, SEEDED)).to.equal('paused');
    // The seeded campaign's numbers, none called yet.
    expect(await text(page, `${row(SEEDED)} [data-testid=campaign-progress]`)).to.equal(
      `0 / ${DEMO_CAMPAIGN.contacts} done${DEMO_CAMPAIGN.contacts} pending · 0 failed · 0 skipped`,
    );
    expect(await text(page, `${row(SEEDED)} td:nth-child(4)`)).to.equal('always');
    await shot(page, 'campaigns-list');

    // A new campaign: the defaults, then a name already taken, in the server's words.
    await page.click('[data-testid=campaign-new]');
    await page.waitForSelector(CREATE);
    expect(await page.inputValue(`${CREATE} input[name=maxAttempts]`)).to.equal('3');
    expect(await page.inputValue(`${CREATE} input[name=retryMinutes]`)).to.equal('60');
    expect(await page.inputValue(`${CREATE} select[name=hours]`)).to.equal('');
    expect(await text(page, `${CREATE} select[name=hours] option >> nth=0`)).to.equal('Any time');
    await page.fill(`${CREATE} input[name=name]`, SEEDED);
    await page.selectOption(`${CREATE} select[name=queueId]`, String(general));
    await page.click(`${CREATE} button[type=submit]`);
    expect(await waitText(page, `${CREATE} [role=alert]`, (t) => t !== '')).to.contain(SEEDED);
    await page.fill(`${CREATE} input[name=name]`, NAME);
    await page.selectOption(`${CREATE} select[name=hours]`, 'main');
    await page.fill(`${CREATE} input[name=maxAttempts]`, '2');
    await page.fill(`${CREATE} input[name=retryMinutes]`, '30');
    await shot(page, 'campaigns-new');
    await page.click(`${CREATE} button[type=submit]`);

    // Created paused; its detail opens, to add its numbers.
    await page.waitForSelector(CREATE, { state: 'detached', timeout: 10_000 });
    await page.waitForSelector(DETAIL);
    const created = await until('the campaign stored', () => campaignRow(NAME));
    expect(page.url()).to.match(new RegExp(`#/admin/campaigns/${created.id}$`));
    expect(created).to.deep.include({ state: 'paused', hours: 'main', caller_id: null });
    expect(Number(created.queue_id)).to.equal(general);
    expect(Number(created.max_attempts)).to.equal(2);
    expect(Number(created.retry_minutes)).to.equal(30);
    expect(await text(page, '[data-testid=campaign-title]')).to.equal(NAME);
    await shows(page, NAME, 'paused');
    expect(await text(page, `${row(NAME)} td:nth-child(4)`)).to.equal('main');
    expect(await text(page, `${row(NAME)} td:nth-child(6)`)).to.equal('2 × every 30 min');
    expect(await text(page, `${row(NAME)} [data-testid=campaign-progress]`)).to.equal(
      '0 / 0 done0 pending · 0 failed · 0 skipped',
    );
    expect(await page.getAttribute(row(NAME), 'class')).to.contain('selected');
    expect(await text(page, '[data-testid=campaign-contacts-empty]')).to.equal('No numbers yet: add them above.');

    // Numbers, one a line, a name after a comma.
    expect(await paste(page, ['138 1234 5678, 王芳', '13912345678'])).to.equal('2 added');
    expect(await page.inputValue(`${IMPORT} textarea[name=csv]`)).to.equal('');
    // Again: one it has, one on the do-not-call list, one that is no number, one new.
    const again = await paste(page, ['+86 138 1234 5678', '12ab', DEMO_DO_NOT_CALL, '150-1234-5678, Li Lei']);
    expect(again).to.equal('1 added, 1 already in the campaign, 1 on the do-not-call list, 1 invalid');
    expect(await text(page, '[data-testid=campaign-import-invalid]')).to.equal(
      'Line 2: 12ab: not a phone number: "12ab" (digits, and + for a country code)',
    );
    await page.waitForSelector(contact('+8615012345678'));
    expect(await contactRows(page)).to.deep.equal([
      ['+8613812345678', '王芳', 'pending', '0'],
      ['+8613912345678', '—', 'pending', '0'],
      ['+8615012345678', 'Li Lei', 'pending', '0'],
    ]);
    expect(await text(page, '[data-testid=campaign-contacts-count]')).to.equal('3 numbers');
    // Each number's time zone, read from its prefix: what the campaign's contact hours are read in.
    expect(await text(page, `${contact('+8613812345678')} td[data-zone]`)).to.equal('Asia/Shanghai');
    await waitText(page, `${row(NAME)} [data-testid=campaign-progress]`, (t) => t.startsWith('0 / 3 done3 pending'));
    await shot(page, 'campaigns-numbers');
    const stored = (await app
      .db('campaign_contacts')
      .where({ campaign_id: created.id })
      .orderBy('e164')
      .select('e164', 'name', 'state')) as unknown[];
    expect(stored).to.deep.equal([
      { e164: '+8613812345678', name: '王芳', state: 'pending' },
      { e164: '+8613912345678', name: null, state: 'pending' },
      { e164: '+8615012345678', name: 'Li Lei', state: 'pending' },
    ]);

    // The state filter.
    await page.selectOption('[data-testid=campaign-contacts-state]', 'done');
    await waitText(page, '[data-testid=campaign-contacts-empty]', (t) => t === 'No done numbers.');
    expect(await text(page, '[data-testid=campaign-contacts-count]')).to.equal('0 numbers done');
    await page.selectOption('[data-testid=campaign-contacts-state]', 'pending');
    await waitText(page, '[data-testid=campaign-contacts-count]', (t) => t === '3 numbers pending');
    expect(await contactRows(page)).to.have.length(3);
    await page.selectOption('[data-testid=campaign-contacts-state]', '');

    // Edited in place: a refused caller id is named under its field, in the server's words; then saved.
    await page.fill(`${EDIT} input[name=callerId]`, 'reception');
    await page.click(`${EDIT} button[type=submit]`);
    const callerIdError = `${EDIT} .field.invalid:has(input[name=callerId]) .field-error`;
    expect(await waitText(page, callerIdError, (t) => t !== '')).to.not.equal('');
    await shot(page, 'campaigns-edit-invalid');
    await page.fill(`${EDIT} input[name=callerId]`, '+8657188886666');
    await page.fill(`${EDIT} input[name=retryMinutes]`, '15');
    await page.selectOption(`${EDIT} select[name=hours]`, '');
    await page.click(`${EDIT} button[type=submit]`);
    await page.waitForSelector('[data-testid=campaign-saved]');
    await waitText(page, `${row(NAME)} td:nth-child(6)`, (t) => t === '2 × every 15 min');
    expect(await text(page, `${row(NAME)} td:nth-child(4)`)).to.equal('any time');
    expect(await campaignRow(NAME)).to.deep.include({ hours: null, caller_id: '+8657188886666' });
    expect(Number((await campaignRow(NAME))!.retry_minutes)).to.equal(15);
    // The script: a placeholder that does not exist is named under the field; two lines are kept as written.
    const SCRIPT = `${EDIT} textarea[name=script]`;
    await page.fill(SCRIPT, 'Hello {contcat}');
    await page.click(`${EDIT} button[type=submit]`);
    const scriptError = `${EDIT} .field.invalid:has(textarea[name=script]) .field-error`;
    expect(await waitText(page, scriptError, (t) => t !== '')).to.contain('unknown placeholder {contcat}');
    await page.fill(SCRIPT, 'Hello {contact}, this is {agent}.\nAbout your renewal.');
    // The contact's local hours, read on each number's own clock: a reversed window is refused under its field.
    await page.fill(`${EDIT} input[name=contactHours]`, '21:00-08:00');
    await page.click(`${EDIT} button[type=submit]`);
    const hoursError = `${EDIT} .field.invalid:has(input[name=contactHours]) .field-error`;
    expect(await waitText(page, hoursError, (t) => t !== '')).to.contain('must end after they start');
    await page.fill(`${EDIT} input[name=contactHours]`, '08:00-21:00');
    // Answering machines left a message: its field shows with the choice, and a sound name Playback would misread
    // (`&` joins a second file) is refused under it.
    expect(await page.$(`${EDIT} input[name=machineMessage]`), 'no message field unscreened').to.equal(null);
    await page.selectOption(`${EDIT} select[name=machineDetection]`, 'message');
    await page.fill(`${EDIT} input[name=machineMessage]`, 'ariadne/campaign-message&goodbye');
    await page.click(`${EDIT} button[type=submit]`);
    const messageError = `${EDIT} .field.invalid:has(input[name=machineMessage]) .field-error`;
    expect(await waitText(page, messageError, (t) => t !== '')).to.contain('a sound name such as');
    await page.fill(`${EDIT} input[name=machineMessage]`, 'ariadne/campaign-message');
    await page.click(`${EDIT} button[type=submit]`);
    await page.waitForSelector(`${EDIT} .field.invalid`, { state: 'detached' });
    await until('the script, the local hours and the machine handling saved', async () => {
      const saved = await campaignRow(NAME);
      return saved?.script === 'Hello {contact}, this is {agent}.\nAbout your renewal.' &&
        saved.contact_hours === '08:00-21:00' &&
        saved.machine_detection === 'message' &&
        saved.machine_message === 'ariadne/campaign-message'
        ? true
        : undefined;
    });

    // Started from its row: running (no agent is free, so nothing is dialled), and it may not be deleted.
    await page.click(`${row(NAME)} [data-testid=campaign-start]`);
    await shows(page, NAME, 'running');
    expect((await campaignRow(NAME))!.state).to.equal('running');
    expect(await text(page, `${DETAIL} .section-head .badge`)).to.equal('running');
    expect(await page.isDisabled(`${row(NAME)} button:has-text("Delete")`)).to.equal(true);
    expect(await page.getAttribute(`${row(NAME)} button:has-text("Delete")`, 'title')).to.equal('Pause it first');
    const api = await callApi<{ items: { name: string; state: string }[] }>(page, 'GET', `${app.url}/api/campaigns`);
    expect(api.items.find((c) => c.name === NAME)?.state).to.equal('running');
    await shot(page, 'campaigns-running');
    // Paused from its detail.
    await page.click(`${DETAIL} [data-testid=campaign-pause]`);
    await shows(page, NAME, 'paused');
    expect((await campaignRow(NAME))!.state).to.equal('paused');
    expect(await text(page, `${DETAIL} .section-head .badge`)).to.equal('paused');
    expect(await page.isEnabled(`${row(NAME)} button:has-text("Delete")`)).to.equal(true);

    // Deleted, after the confirm; a dismissed confirm deletes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.click(`${row(NAME)} button:has-text("Delete")`);
    expect(await page.$(row(NAME))).to.not.equal(null);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.click(`${row(NAME)} button:has-text("Delete")`);
    await page.waitForSelector(row(NAME), { state: 'detached', timeout: 10_000 });
    expect(asked).to.contain(`Delete the campaign ${NAME} and its 3 numbers?`);
    // Its detail was open: the page goes back to the list.
    await page.waitForSelector(DETAIL, { state: 'detached' });
    expect(page.url()).to.match(/#\/admin\/campaigns$/);
    expect(await campaignRow(NAME)).to.equal(undefined);
    expect(await app.db('campaign_contacts').where({ campaign_id: created.id }).first('id')).to.equal(undefined);
    expect(await page.$(row(SEEDED))).to.not.equal(null);
    // The taken name (409) and the refused caller id (400) are the only failed requests.
    expect(realErrors(errors).filter((e) => !/status of (400|409)/.test(e))).to.deep.equal([]);
  });

  it('a long list and a long campaign are read a page at a time; the list follows the progress', async () => {
    const { app } = suite.stack();
    const general = await queueId('general');
    const now = new Date();
    // 55 more campaigns, named to sort after the demo's; the first of them with 60 numbers.
    await app.db('campaigns').insert(
      Array.from({ length: 55 }, (_, i) => ({
        name: `Zz import ${String(i).padStart(2, '0')}`,
        queue_id: general,
        state: 'paused',
        max_attempts: 3,
        retry_minutes: 60,
        created_at: now,
        updated_at: now,
      })),
    );
    const first = (await campaignRow('Zz import 00'))!;
    await app.db('campaign_contacts').insert(
      Array.from({ length: 60 }, (_, i) => ({
        campaign_id: first.id,
        e164: `+861770000${String(i).padStart(4, '0')}`,
        state: 'pending',
        attempts: 0,
        updated_at: now,
      })),
    );
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.goto(`${app.url}/#/admin/campaigns/${first.id}`);
    await page.waitForSelector(`${LIST} tbody tr[data-campaign]`);
    expect(await page.$$(`${LIST} tbody tr[data-campaign]`)).to.have.length(50);
    expect(await text(page, '[data-testid=campaigns-pager] span')).to.equal('Page 1 of 2');
    await page.click('[data-testid=campaigns-pager] button:has-text("Next")');
    await waitText(page, '[data-testid=campaigns-pager] span', (t) => t === 'Page 2 of 2');
    await page.waitForSelector(row('Zz import 54'));
    const total = Number(((await app.db('campaigns').count({ n: '*' })) as { n: number | string }[])[0]!.n);
    expect(await page.$$(`${LIST} tbody tr[data-campaign]`)).to.have.length(total - 50);

    // Its numbers: 50, then 10.
    await page.waitForSelector(contact('+8617700000000'));
    expect(await contactRows(page)).to.have.length(50);
    expect(await text(page, '[data-testid=campaign-contacts-count]')).to.equal('60 numbers');
    await page.click('[data-testid=campaign-contacts-pager] button:has-text("Next")');
    await page.waitForSelector(contact('+8617700000059'));
    expect(await contactRows(page)).to.have.length(10);
    expect(await text(page, '[data-testid=campaign-contacts-pager] span')).to.equal('Page 2 of 2');

    // The dialler's progress shows without a reload: the list and the open campaign are read again.
    await page.click('[data-testid=campaigns-pager] button:has-text("Previous")');
    await page.waitForSelector(row('Zz import 00'));
    await app
      .db('campaign_contacts')
      .where({ campaign_id: first.id, e164: '+8617700000059' })
      .update({ state: 'failed', attempts: 3, last_result: 'no_answer' });
    await app
      .db('campaign_contacts')
      .where({ campaign_id: first.id, e164: '+8617700000058' })
      .update({ state: 'done', attempts: 1, last_result: 'answered' });
    await waitText(
      page,
      `${row('Zz import 00')} [data-testid=campaign-progress]`,
      (t) => t === '1 / 60 done58 pending · 1 failed · 0 skipped',
      15_000,
    );
    await waitText(page, `${contact('+8617700000059')} td[data-state]`, (t) => t === 'failed', 15_000);
    expect(await text(page, `${contact('+8617700000059')} td:nth-child(6)`)).to.equal('no answer');
    expect(await text(page, `${contact('+8617700000058')} td[data-state]`)).to.equal('done');
    await shot(page, 'campaigns-pages');
    await app.db('campaigns').where('name', 'like', 'Zz import%').delete();
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('the failed numbers of a campaign are called again from its detail, after a confirm', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    const campaign = await callApi<{ id: number }>(page, 'POST', `${app.url}/api/campaigns`, {
      name: 'Recycled',
      queueId: await queueId('general'),
    });
    await callApi(page, 'POST', `${app.url}/api/campaigns/${campaign.id}/contacts`, {
      csv: '13900000011\n13900000012\n13900000013',
    });
    await app
      .db('campaign_contacts')
      .where({ campaign_id: campaign.id })
      .whereIn('e164', ['+8613900000011', '+8613900000012'])
      .update({ state: 'failed', attempts: 3, last_result: 'no_answer' });
    await page.goto(`${app.url}/#/admin/campaigns/${campaign.id}`);
    expect(await waitText(page, '[data-testid=campaign-recycle]', (t) => t !== '')).to.equal(
      'Call the 2 failed numbers again',
    );
    // Dismissed, nothing changes; accepted, both are pending again.
    page.once('dialog', (d) => void d.dismiss());
    await page.click('[data-testid=campaign-recycle]');
    expect(await page.$('[data-testid=campaign-recycled]')).to.equal(null);
    page.once('dialog', (d) => {
      expect(d.message()).to.equal('Call the 2 failed numbers of Recycled again, from now?');
      void d.accept();
    });
    await page.click('[data-testid=campaign-recycle]');
    expect(await waitText(page, '[data-testid=campaign-recycled]', (t) => t !== '')).to.equal(
      '2 numbers to call again',
    );
    await page.waitForSelector('[data-testid=campaign-recycle]', { state: 'detached' });
    const states = (await app.db('campaign_contacts').where({ campaign_id: campaign.id }).pluck('state')) as string[];
    expect(states).to.deep.equal(['pending', 'pending', 'pending']);
    await shot(page, 'campaigns-recycled');
    await app.db('campaign_contacts').where({ campaign_id: campaign.id }).delete();
    await app.db('campaigns').where({ id: campaign.id }).delete();
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("a supervisor sees only their queues' campaigns; an agent has no such page", async () => {
    const { app } = suite.stack();
    const admin = await newPage();
    await signIn(admin, app.url, 'admin', user('admin').password);
    // A queue the demo supervisor does not supervise (a new queue is assigned in Users), and a campaign on it.
    const queue = await callApi<{ id: number }>(admin, 'POST', `${app.url}/api/queues`, {
      name: 'outreach',
      displayName: '外呼 Outreach',
    });
    const other = await callApi<{ id: number; name: string }>(admin, 'POST', `${app.url}/api/campaigns`, {
      name: 'Outreach pilot',
      queueId: queue.id,
    });
    const sup = (await app.db('users').where({ username: 'supervisor' }).first('id')) as { id: number };
    expect(await app.db('supervisor_queues').where({ user_id: sup.id, queue_id: queue.id }).first('queue_id')).to.equal(
      undefined,
    );

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Campaigns');
    await page.waitForSelector(row(SEEDED));
    expect(await page.$(row(other.name))).to.equal(null);
    const seen = await callApi<{ items: { name: string }[] }>(page, 'GET', `${app.url}/api/campaigns`);
    expect(seen.items.map((c) => c.name))
      .to.include(SEEDED)
      .and.not.include(other.name);
    // Only their queues are offered for a new one.
    await page.click('[data-testid=campaign-new]');
    const offered = (await page.evaluate(
      `[...document.querySelectorAll('${CREATE} select[name=queueId] option')].map((o) => o.value)`,
    )) as string[];
    expect(offered)
      .to.include(String(await queueId('general')))
      .and.not.include(String(queue.id));
    await page.click(`${CREATE} button:has-text("Cancel")`);
    // Opening the other one by its address: the server's refusal.
    await page.goto(`${app.url}/#/admin/campaigns/${other.id}`);
    expect(await waitText(page, `${DETAIL} [role=alert]`, (t) => t !== '')).to.not.equal('');
    await shot(page, 'campaigns-supervisor');
    expect(realErrors(errors).filter((e) => !/status of (403|404)/.test(e))).to.deep.equal([]);

    const agent = await newPage();
    await signIn(agent, app.url, 'agent', user('agent').password);
    expect(await text(agent, 'header nav')).not.to.contain('Campaigns');
    await agent.goto(`${app.url}/#/admin/campaigns`);
    expect(await text(agent, 'main .error')).to.equal('Your role cannot open this page.');
  });

  it("a running campaign calls a free agent's phone, then its number: the screen pop names the campaign", async () => {
    const { app } = suite.stack();
    // The agent, available on the workspace; a campaign of one number, with a name, started.
    const { agent, agentErrors, admin, adminErrors, campaign } = await startOneNumberCampaign(PILOT, CUSTOMER, '王芳', {
      script: 'Hello {contact}, this is {agent} from Ariadne.\nMay I take two minutes?',
    });
    const me = await agentOf(app, 'agent');

    // The dialler rings the agent's phone, then the number: the pop says for which campaign, and whom, with the
    // campaign's script for this call.
    await agent.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 20_000 });
    expect(await text(agent, `${POP} [data-testid=calling]`)).to.contain(`Calling ${CUSTOMER}`);
    expect(await text(agent, `${POP} [data-testid=pop-campaign]`)).to.equal(`Campaign: ${PILOT} · for 王芳`);
    expect(await agent.innerText(`${POP} [data-testid=pop-script]`)).to.equal(
      `Hello 王芳, this is ${me.name} from Ariadne.\nMay I take two minutes?`,
    );
    // Nobody to ask yet: no callback to book while dialling.
    expect(await agent.$(LATER_BUTTON)).to.equal(null);
    await shot(agent, 'campaigns-workspace-dialling');
    // While it is dialled, its number is dialing in the campaign.
    await waitText(admin, `${contact(CUSTOMER)} td[data-state]`, (t) => t === 'dialing', 15_000);
    await agent.waitForSelector(`${OUT_POP}.phase-connected`, { timeout: 30_000 });
    expect(await text(agent, `${POP} [data-testid=pop-campaign]`)).to.equal(`Campaign: ${PILOT} · for 王芳`);
    await shot(agent, 'campaigns-workspace-connected');
    // Nothing more to call: paused before the agent is free again.
    await callApi(admin, 'POST', `${app.url}/api/campaigns/${campaign.id}/pause`);

    // Hung up and wrapped up: the number is done, its call named.
    await agent.click('[data-testid=hangup]');
    await agent.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
    expect(await text(agent, `${POP} [data-testid=pop-campaign]`)).to.equal(`Campaign: ${PILOT} · for 王芳`);
    await agent.uncheck('[data-testid=wrap-up] input[type=checkbox]');
    await agent.click('[data-testid=wrap-up] button[type=submit]');
    await agent.waitForSelector(POP, { state: 'detached', timeout: 10_000 });
    const done = await until('the number settled', async () => {
      const r = (await app
        .db('campaign_contacts')
        .where({ campaign_id: campaign.id, e164: CUSTOMER })
        .first('state', 'attempts', 'last_call_id', 'last_result')) as
        { state: string; attempts: number; last_call_id: string; last_result: string } | undefined;
      return r?.state === 'done' ? r : undefined;
    });
    expect(Number(done.attempts)).to.equal(1);
    const call = (await app.db('calls').where({ id: done.last_call_id }).first('direction', 'caller_e164')) as {
      direction: string;
      caller_e164: string;
    };
    expect(call).to.deep.equal({ direction: 'outbound', caller_e164: CUSTOMER });
    await waitText(admin, `${contact(CUSTOMER)} td[data-state]`, (t) => t === 'done', 15_000);
    expect(await admin.getAttribute(`${contact(CUSTOMER)} a`, 'href')).to.equal(`#/calls/${done.last_call_id}`);
    await waitText(admin, `${row(PILOT)} [data-testid=campaign-progress]`, (t) => t.startsWith('1 / 1 done'));
    await shows(admin, PILOT, 'paused');
    await shot(admin, 'campaigns-called');
    await agent.click(`${PRESENCE} button:has-text("Log out")`);
    await agent.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    expect(realErrors(agentErrors)).to.deep.equal([]);
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });

  it('a campaign that screens its answers hangs up on a machine: the agent hears only ringing, is told, and is free', async () => {
    const { app } = suite.stack();
    app.simulator?.control.setEndpoint('PJSIP', `${MACHINE_CUSTOMER}@carrier-a`, {
      behaviour: 'machine',
      afterMs: 500,
    });
    const { agent, agentErrors, admin, adminErrors, campaign } = await startOneNumberCampaign(
      SCREENED,
      MACHINE_CUSTOMER,
      'Zhao Lei',
      { machineDetection: 'hang_up' },
    );
    await agent.waitForSelector(`${OUT_POP}.phase-offered`, { timeout: 20_000 });
    // Never connected: the pop goes, and the dial card says what answered.
    expect(await waitText(agent, '[data-testid=dial-outcome] span', (t) => t !== '', 20_000)).to.equal(
      `Call to ${MACHINE_CUSTOMER}: an answering machine, hung up (the campaign tries it again)`,
    );
    expect(await agent.$(`${OUT_POP}.phase-connected`)).to.equal(null);
    await agent.waitForSelector(`${PRESENCE} .badge.state-available`);
    await shot(agent, 'campaigns-machine');
    await callApi(admin, 'POST', `${app.url}/api/campaigns/${campaign.id}/pause`);
    const settled = await until('the number back to pending', async () => {
      const r = (await app
        .db('campaign_contacts')
        .where({ campaign_id: campaign.id, e164: MACHINE_CUSTOMER })
        .first('state', 'attempts', 'last_result')) as
        { state: string; attempts: number; last_result: string } | undefined;
      return r?.state === 'pending' ? r : undefined;
    });
    expect(settled).to.deep.include({ last_result: 'machine' });
    await waitText(admin, `${contact(MACHINE_CUSTOMER)} td[data-state]`, (t) => t === 'pending', 15_000);
    await agent.click(`${PRESENCE} button:has-text("Log out")`);
    await agent.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    expect(realErrors(agentErrors)).to.deep.equal([]);
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });

  it('on a campaign’s call the agent books a callback: too soon is refused, a time booked stays pending', async () => {
    const { app } = suite.stack();
    const { agent, agentErrors, admin, adminErrors, campaign } = await startOneNumberCampaign(
      LATER,
      LATER_CUSTOMER,
      'Li Lei',
    );
    const contactRow = async () =>
      (await app
        .db('campaign_contacts')
        .where({ campaign_id: campaign.id, e164: LATER_CUSTOMER })
        .first('state', 'attempts', 'next_at', 'last_result', 'last_call_id')) as {
        state: string;
        attempts: number;
        next_at: unknown;
        last_result: string | null;
        last_call_id: string | null;
      };
    await agent.waitForSelector(`${OUT_POP}.phase-connected`, { timeout: 30_000 });
    expect(await text(agent, `${POP} [data-testid=pop-campaign]`)).to.equal(`Campaign: ${LATER} · for Li Lei`);
    // Nothing more to call: paused, so the agent is free for the plain call below.
    await callApi(admin, 'POST', `${app.url}/api/campaigns/${campaign.id}/pause`);

    // The customer says "call me later": the form opens at tomorrow, this hour, on the hour.
    expect(await text(agent, LATER_BUTTON)).to.equal('Call back later');
    await agent.click(LATER_BUTTON);
    await agent.waitForSelector(LATER_FORM);
    expect(await agent.$(LATER_BUTTON)).to.equal(null);
    const proposed = await agent.inputValue(LATER_AT);
    expect(proposed).to.match(/^\d{4}-\d\d-\d\dT\d\d:00$/);
    const ahead = new Date(await instantOf(agent, proposed)).getTime() - Date.now();
    expect(ahead).to.be.within(22 * 3_600_000, 25 * 3_600_000);
    expect(await text(agent, `${LATER_FORM} .field .label`)).to.equal(`Call ${LATER_CUSTOMER} again at`);
    // The quick choices fill the time in.
    await agent.click(`${LATER_FORM} button:has-text("In 1 hour")`);
    const inAnHour = new Date(await instantOf(agent, await agent.inputValue(LATER_AT))).getTime() - Date.now();
    expect(inAnHour).to.be.within(59 * 60_000, 62 * 60_000);
    await agent.click(`${LATER_FORM} button:has-text("Tomorrow 10:00")`);
    const tomorrow10 = await agent.inputValue(LATER_AT);
    expect(tomorrow10).to.equal(`${(await localInput(agent, 86_400_000)).slice(0, 10)}T10:00`);
    await shot(agent, 'campaigns-callback-form');

    // A minute ago: the server's refusal, under the field; nothing booked.
    await agent.fill(LATER_AT, await localInput(agent, -60_000));
    await agent.click(`${LATER_FORM} button[type=submit]`);
    expect(await waitText(agent, `${LATER_FORM} .field.invalid .field-error`, (t) => t !== '')).to.equal(
      'a time from a minute to 30 days from now',
    );
    expect(await agent.$(LATER_RESULT)).to.equal(null);
    expect((await contactRow()).state).to.equal('dialing');
    await shot(agent, 'campaigns-callback-too-soon');

    // Tomorrow at 10, booked: the notice says when, in the browser's time.
    await agent.click(`${LATER_FORM} button:has-text("Tomorrow 10:00")`);
    expect(await agent.$(`${LATER_FORM} .field-error`)).to.equal(null);
    const at = await instantOf(agent, tomorrow10);
    await agent.click(`${LATER_FORM} button[type=submit]`);
    const booked = await waitText(agent, LATER_RESULT, (t) => t !== '');
    expect(booked).to.match(new RegExp(`^We'll call \\${LATER_CUSTOMER} again on .*10:00.*\\.$`));
    const shown = (await agent.evaluate(
      `new Date(${JSON.stringify(at)}).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })`,
    )) as string;
    expect(booked).to.equal(`We'll call ${LATER_CUSTOMER} again on ${shown}.`);
    expect(await agent.$(LATER_FORM)).to.equal(null);
    const minute = (v: unknown) => Math.floor(toDate(v)!.getTime() / 60_000);
    const rescheduled = await contactRow();
    expect(rescheduled).to.deep.include({ state: 'pending', last_result: 'callback_requested' });
    expect(minute(rescheduled.next_at)).to.equal(minute(at));
    await shot(agent, 'campaigns-callback-booked');

    // Hung up: the notice stays through wrap-up; the number stays pending for its time, not done.
    await agent.click('[data-testid=hangup]');
    await agent.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
    expect(await text(agent, LATER_RESULT)).to.equal(booked);
    await shot(agent, 'campaigns-callback-wrap-up');
    await agent.uncheck('[data-testid=wrap-up] input[type=checkbox]');
    await agent.click('[data-testid=wrap-up] button[type=submit]');
    await agent.waitForSelector(POP, { state: 'detached', timeout: 10_000 });
    await agent.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
    const call = await until('the call ended', async () => {
      const r = (await app.db('calls').where({ id: rescheduled.last_call_id }).first('state', 'disposition')) as
        { state: string; disposition: string | null } | undefined;
      return r?.state === 'ended' ? r : undefined;
    });
    expect(call.disposition).to.equal('answered');
    const after = await contactRow();
    expect(after).to.deep.include({ state: 'pending', last_result: 'callback_requested' });
    expect(minute(after.next_at)).to.equal(minute(at));
    expect(Number(after.attempts)).to.equal(1);
    await waitText(admin, `${contact(LATER_CUSTOMER)} td[data-state]`, (t) => t === 'pending', 15_000);
    await shot(admin, 'campaigns-callback-pending');

    // A plain call the agent places has no campaign: no callback to book (the do-not-call action is there).
    await agent.fill(`${DIAL} input[name=dial]`, '13912345678');
    await agent.click(`${DIAL} button[type=submit]`);
    await agent.waitForSelector(`${OUT_POP}.phase-connected`, { timeout: 30_000 });
    expect(await agent.$(`${POP} [data-testid=pop-campaign]`)).to.equal(null);
    await agent.waitForSelector(`${POP} [data-testid=dnc-call]`);
    expect(await agent.$(LATER_BUTTON)).to.equal(null);
    await agent.click('[data-testid=hangup]');
    await agent.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
    expect(await agent.$(LATER_BUTTON)).to.equal(null);
    await agent.uncheck('[data-testid=wrap-up] input[type=checkbox]');
    await agent.click('[data-testid=wrap-up] button[type=submit]');
    await agent.waitForSelector(POP, { state: 'detached', timeout: 10_000 });
    await agent.click(`${PRESENCE} button:has-text("Log out")`);
    await agent.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    // The refused time (400) is the only failed request.
    expect(realErrors(agentErrors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });
});
