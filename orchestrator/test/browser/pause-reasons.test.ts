import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

const user = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const TABLE = '[data-testid=pause-reasons]';
const ADD = '[data-testid=pause-reason-add]';
const PRESENCE = '[data-testid=presence]';

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector, { timeout: 10_000 })) ?? '';
}

/** The table's rows as [name, desk phone code] (string scripts: the tests compile without the DOM's types). */
async function rows(page: Page): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${TABLE} tbody tr[data-reason]')].map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent.trim()))`,
  )) as string[][];
}

/** The workspace's pause buttons: label, the desk-phone hint apart (if any), and the title. */
async function pauseButtons(page: Page): Promise<{ label: string; code: string | null; title: string | null }[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${PRESENCE} [data-testid=pause-buttons] button')].map((b) => {
      const hint = b.querySelector('.pause-code');
      const code = hint ? hint.textContent.trim() : null;
      const label = (hint ? b.textContent.slice(0, -hint.textContent.length) : b.textContent).trim();
      return { label, code, title: b.getAttribute('title') };
    })`,
  )) as { label: string; code: string | null; title: string | null }[];
}

async function addReason(page: Page, name: string, code: string): Promise<void> {
  await page.fill(`${ADD} input[name=name]`, name);
  await page.fill(`${ADD} input[name=code]`, code);
  await page.click(`${ADD} button[type=submit]`);
}

describe('pause reasons in a browser (admin list, agent pause buttons)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  it('admin adds a reason with a desk-phone code, is told about a bad or taken one, edits and deletes', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Pause reasons');
    await page.waitForSelector(`${TABLE} tbody tr[data-reason]`);
    expect(page.url()).to.contain('#/admin/pause-reasons');
    expect(await text(page, '[data-testid=pause-reasons-note]')).to.contain('dialling *13 and the code');
    // The defaults, in dialling order.
    expect(await rows(page)).to.deep.equal([
      ['break', '*131'],
      ['lunch', '*132'],
      ['meeting', '*133'],
      ['training', '*134'],
      ['after-call work', '*135'],
      ['coaching', '*136'],
    ]);

    // A code that is not one or two digits: the server's reason lands under the code field.
    await addReason(page, 'quality review', '7a');
    expect(await text(page, `${ADD} .field.invalid .field-error`)).to.contain('one or two digits');
    await shot(page, 'pause-reasons-bad-code');
    // A code already taken (lunch has 2): the conflict is said in words.
    await page.fill(`${ADD} input[name=code]`, '2');
    await page.click(`${ADD} button[type=submit]`);
    await waitText(page, '[role=alert]', (t) => t.includes('already has that name or desk-phone code'));
    expect(await page.$(`${ADD} .field.invalid`)).to.equal(null);
    // The name reserved for the automatic pause.
    await addReason(page, 'No Answer', '');
    expect(await text(page, `${ADD} .field.invalid .field-error`)).to.contain('automatic pause');

    await addReason(page, 'quality review', '7');
    await page.waitForSelector(`${TABLE} tr[data-reason="quality review"]`);
    expect(await page.inputValue(`${ADD} input[name=name]`)).to.equal('');
    expect(await page.$('[role=alert]')).to.equal(null);
    expect((await rows(page)).at(-1)).to.deep.equal(['quality review', '*137']);
    // A second reason without a code goes after the coded ones.
    await addReason(page, 'system outage', '');
    await page.waitForSelector(`${TABLE} tr[data-reason="system outage"]`);
    expect((await rows(page)).at(-1)).to.deep.equal(['system outage', '—']);
    await shot(page, 'pause-reasons-admin');

    // Inline edit: a taken name is refused in place; then the code moves from 7 to 8.
    await page.click(`${TABLE} tr[data-reason="quality review"] button:has-text("Edit")`);
    const edit = '[data-testid=pause-reason-edit]';
    await page.fill(`${edit} input[name=name]`, 'lunch');
    await page.click(`${edit} button:has-text("Save")`);
    await waitText(page, '[role=alert]', (t) => t.includes('already has that name'));
    await page.fill(`${edit} input[name=name]`, 'quality review');
    await page.fill(`${edit} input[name=code]`, '8');
    await shot(page, 'pause-reasons-edit');
    await page.press(`${edit} input[name=code]`, 'Enter');
    await page.waitForSelector(edit, { state: 'detached' });
    await waitText(page, `${TABLE} tr[data-reason="quality review"]`, (t) => t.includes('*138'));

    // Delete, after the confirm.
    page.once('dialog', (d) => void d.accept());
    await page.click(`${TABLE} tr[data-reason="coaching"] button:has-text("Delete")`);
    await page.waitForSelector(`${TABLE} tr[data-reason="coaching"]`, { state: 'detached' });
    expect((await rows(page)).map(([n]) => n)).to.deep.equal([
      'break',
      'lunch',
      'meeting',
      'training',
      'after-call work',
      'quality review',
      'system outage',
    ]);
    const stored = (await app.db('pause_reasons').orderBy('name').select('name', 'code')) as unknown[];
    expect(stored).to.deep.include.members([
      { name: 'quality review', code: '8' },
      { name: 'system outage', code: null },
    ]);
    expect(stored).to.have.length(7);
    // The expected 400s and 409s are the only console errors.
    expect(realErrors(errors).filter((e) => !/status of (400|409)/.test(e))).to.deep.equal([]);
  });

  it("agent's workspace pauses with the configured reasons, showing their desk-phone codes", async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    expect(await text(page, 'header nav')).not.to.contain('Pause reasons');
    await page.click(`${PRESENCE} button:has-text("Log in")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    await page.waitForSelector(`${PRESENCE} [data-testid=pause-buttons] button`);
    expect(await pauseButtons(page)).to.deep.equal([
      { label: 'Pause: break', code: '*131', title: 'On a desk phone: dial *131' },
      { label: 'Pause: lunch', code: '*132', title: 'On a desk phone: dial *132' },
      { label: 'Pause: meeting', code: '*133', title: 'On a desk phone: dial *133' },
      { label: 'Pause: training', code: '*134', title: 'On a desk phone: dial *134' },
      { label: 'Pause: after-call work', code: '*135', title: 'On a desk phone: dial *135' },
      { label: 'Pause: quality review', code: '*138', title: 'On a desk phone: dial *138' },
      { label: 'Pause: system outage', code: null, title: null },
    ]);
    await shot(page, 'pause-reasons-workspace');

    await page.click(`${PRESENCE} button:has-text("Pause: quality review")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-paused`);
    await waitText(page, `${PRESENCE} .presence-state`, (t) => t.includes('quality review'));
    expect(await page.isDisabled(`${PRESENCE} button:has-text("Pause: quality review")`)).to.equal(true);
    expect(await page.isDisabled(`${PRESENCE} button:has-text("Pause: lunch")`)).to.equal(false);
    const agent = await agentOf(app, 'agent');
    expect([agent.state, agent.pauseReason]).to.deep.equal(['paused', 'quality review']);
    await shot(page, 'pause-reasons-workspace-paused');

    // Another reason straight from the pause, then back to work.
    await page.click(`${PRESENCE} button:has-text("Pause: lunch")`);
    await waitText(page, `${PRESENCE} .presence-state`, (t) => t.includes('lunch'));
    await page.click(`${PRESENCE} button:has-text("Available")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a supervisor pauses an agent on their behalf with a reason from the list', async () => {
    const { app } = suite.stack();
    const agentPage = await newPage();
    await signIn(agentPage, app.url, 'agent', user('agent').password);
    await agentPage.waitForSelector(`${PRESENCE} .badge`);
    // Logged in already when the workspace test before ran.
    if (await agentPage.$(`${PRESENCE} button:has-text("Log in")`))
      await agentPage.click(`${PRESENCE} button:has-text("Log in")`);
    await agentPage.waitForSelector(`${PRESENCE} .badge.state-available`);
    const agent = await agentOf(app, 'agent');

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Agents');
    const row = `tr:has(td:text-is("${agent.name}"))`;
    await page.waitForSelector(`${row} select`);
    expect(await page.$$eval(`${row} select option`, (os) => os.map((o) => o.textContent))).to.include.members([
      'break',
      'lunch',
      'training',
    ]);
    await page.selectOption(`${row} select`, 'training');
    await shot(page, 'pause-reasons-supervisor');
    await page.click(`${row} button:has-text("Pause")`);
    await waitText(page, row, (t) => t.includes('training'));
    expect(await app.db('agents').where({ id: agent.id }).first('state', 'pause_reason')).to.deep.equal({
      state: 'paused',
      pause_reason: 'training',
    });
    await agentPage.click(`${PRESENCE} button:has-text("Available")`);
    await agentPage.waitForSelector(`${PRESENCE} .badge.state-available`);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('an empty list leaves one plain Pause button; a list that cannot be read says so and the rest still works', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);

    // The admin emptied the list: any reason goes, and the workspace pauses with "break".
    await page.route('**/api/pause-reasons*', (r) =>
      r.fulfill({ json: { items: [], page: 1, pageSize: 500, total: 0 } }),
    );
    await page.reload();
    await page.waitForSelector(`${PRESENCE} [data-testid=pause-buttons] button`);
    expect(await pauseButtons(page)).to.deep.equal([{ label: 'Pause', code: null, title: null }]);
    expect(await page.$(`${PRESENCE} [role=alert]`)).to.equal(null);
    await page.click(`${PRESENCE} [data-testid=pause-buttons] button`);
    await waitText(page, `${PRESENCE} .presence-state`, (t) => t.includes('break'));
    await page.click(`${PRESENCE} button:has-text("Available")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);

    // The list does not load: the error shows, and pausing and logging out still work.
    await page.unroute('**/api/pause-reasons*');
    await page.route('**/api/pause-reasons*', (r) =>
      r.fulfill({ status: 500, json: { error: { code: 'internal', message: 'pause reasons unavailable' } } }),
    );
    await page.reload();
    expect(await text(page, `${PRESENCE} [role=alert]`)).to.contain('pause reasons unavailable');
    expect(await pauseButtons(page)).to.deep.equal([{ label: 'Pause', code: null, title: null }]);
    await page.click(`${PRESENCE} [data-testid=pause-buttons] button`);
    await page.waitForSelector(`${PRESENCE} .badge.state-paused`);
    await shot(page, 'pause-reasons-workspace-failed');
    await page.click(`${PRESENCE} button:has-text("Log out")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
  });
});
