import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { DEMO_DIRECT_DID, DEMO_DO_NOT_CALL, DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, until, waitText, watchErrors } from './harness.js';

// The do-not-call list page (admins and supervisors), the refusal an agent gets when dialling a listed number, and an
// agent listing the number of the call they are on from the workspace's screen pop ("Do not call this number").
// The default country is CN: a national number such as 139 0000 1111 is listed as +8613900001111.

const user = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const TABLE = '[data-testid=dnc-table]';
const ADD = '[data-testid=dnc-add]';
const SEARCH = '[data-testid=dnc-search]';
const COUNT = '[data-testid=dnc-count]';
const EDIT = '[data-testid=dnc-edit]';
const IMPORT = '[data-testid=dnc-import]';
const IMPORT_RESULT = '[data-testid=dnc-import-result]';
const IMPORT_INVALID = '[data-testid=dnc-import-invalid]';
const EXPORT = '[data-testid=dnc-export]';
const PRESENCE = '[data-testid=presence]';
const DIAL = '[data-testid=dial]';
/** Typed as a supervisor would take it down on the phone, and as it is listed. */
const TYPED = '139 0000 1111';
const LISTED = '+8613900001111';
const OTHER = '+8615912345678';
const row = (e164: string) => `${TABLE} tbody tr[data-number="${e164}"]`;
const POP = '[data-testid=screen-pop]';
const DNC_CALL = `${POP} [data-testid=dnc-call]`;
const DNC_RESULT = `${POP} [data-testid=dnc-call-result]`;
/** A caller nobody knows, who asks on the call not to be called again (and how an agent would type it). */
const CALLER = '+8615012345678';
const CALLER_NATIONAL = '150 1234 5678';
/** A number an agent calls whose customer asks the same. */
const CALLED = '+8618612345678';
/** The simulator's direct line: no IVR, the call goes straight to the router (and the only agent in the browser). */
const DIRECT = DEMO_DIRECT_DID;

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

/** The table's rows as [number, reason] (string scripts: the tests compile without the DOM's types). */
async function rows(page: Page): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${TABLE} tbody tr[data-number]')].map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent.trim()))`,
  )) as string[][];
}

/** Waits until the table shows exactly these numbers, in this order. */
async function shows(page: Page, numbers: string[]): Promise<void> {
  await until(`the table showing ${numbers.join(', ') || 'nothing'}`, async () => {
    const now = (await rows(page)).map(([n]) => n);
    return JSON.stringify(now) === JSON.stringify(numbers) ? true : undefined;
  });
}

async function addNumber(page: Page, number: string, reason: string): Promise<void> {
  await page.fill(`${ADD} input[name=number]`, number);
  await page.fill(`${ADD} input[name=reason]`, reason);
  await page.click(`${ADD} button[type=submit]`);
}

/** The day as the server names it in the default reason (UTC). */
const utcDay = (): string => new Date().toISOString().slice(0, 10);

/** The call's hung up from the workspace; its wrap-up form shows (the pop stays beside it). */
async function hangUp(page: Page): Promise<void> {
  await page.click('[data-testid=hangup]');
  await page.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
  await page.waitForSelector(`${POP}.phase-ended`);
}

/** Wrap-up finished without a ticket: the pop goes, the agent is available again. */
async function finishWrapUp(page: Page): Promise<void> {
  await page.uncheck('[data-testid=wrap-up] input[type=checkbox]');
  await page.click('[data-testid=wrap-up] button[type=submit]');
  await page.waitForSelector(POP, { state: 'detached', timeout: 10_000 });
  await page.waitForSelector(`${PRESENCE} .badge.state-available`, { timeout: 10_000 });
}

describe('the do-not-call list in a browser (supervisor list, agent refused)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  it('a supervisor adds a national number, is told about a listed or invalid one, searches, edits and removes', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Do not call');
    await page.waitForSelector(row(DEMO_DO_NOT_CALL));
    expect(page.url()).to.contain('#/admin/do-not-call');
    expect(await text(page, 'h1')).to.equal('Do not call');
    expect(await text(page, '[data-testid=dnc-note]')).to.contain('Ariadne never calls these numbers');
    // The demo's one entry.
    expect(await rows(page)).to.deep.equal([[DEMO_DO_NOT_CALL, 'Demo: asked not to be called again']]);
    expect(await text(page, COUNT)).to.equal('1 number listed');

    // Typed nationally, listed as E.164, first (newest first) and marked as just added.
    await addNumber(page, TYPED, 'asked on the phone');
    await page.waitForSelector(row(LISTED));
    expect(await rows(page)).to.deep.equal([
      [LISTED, 'asked on the phone'],
      [DEMO_DO_NOT_CALL, 'Demo: asked not to be called again'],
    ]);
    expect(await page.getAttribute(row(LISTED), 'class')).to.contain('selected');
    const added = await text(page, `${row(LISTED)} td:nth-child(3)`);
    expect(added).to.match(/\d/);
    expect(added).to.not.equal('—');
    expect(await page.inputValue(`${ADD} input[name=number]`)).to.equal('');
    expect(await page.inputValue(`${ADD} input[name=reason]`)).to.equal('');
    expect(await page.$('[role=alert]')).to.equal(null);
    expect(await text(page, COUNT)).to.equal('2 numbers listed');
    // Without a reason.
    await addNumber(page, '159-1234-5678', '');
    await page.waitForSelector(row(OTHER));
    expect((await rows(page))[0]).to.deep.equal([OTHER, '—']);
    await shot(page, 'do-not-call-list');

    // The same number again, however typed: the server's words.
    await addNumber(page, '+86 139 0000 1111', 'again');
    await waitText(page, '[role=alert]', (t) => t.includes(`${LISTED} is already on the do-not-call list`));
    // What was typed stays, to be corrected.
    expect(await page.inputValue(`${ADD} input[name=number]`)).to.equal('+86 139 0000 1111');
    await addNumber(page, '12ab', '');
    await waitText(page, '[role=alert]', (t) => t.includes('not a valid phone number (read as a CN number): 12ab'));
    await shot(page, 'do-not-call-invalid');
    expect(await rows(page)).to.have.length(3);

    // The search finds digits anywhere in the number, spaces or not.
    await page.fill(SEARCH, '139 0000');
    await shows(page, [LISTED]);
    expect(await text(page, COUNT)).to.equal('1 number found');
    await shot(page, 'do-not-call-search');
    await page.fill(SEARCH, '5678');
    await shows(page, [OTHER]);
    await page.fill(SEARCH, '777');
    await shows(page, []);
    expect(await text(page, '[data-testid=dnc-empty]')).to.equal('No listed number has those digits.');
    await page.fill(SEARCH, '');
    await shows(page, [OTHER, LISTED, DEMO_DO_NOT_CALL]);

    // The reason, edited in place: the number itself does not change.
    await page.click(`${row(OTHER)} button:has-text("Edit reason")`);
    await page.waitForSelector(EDIT);
    expect(await page.$(`${EDIT} input[name=number]`)).to.equal(null);
    await page.fill(`${EDIT} input[name=reason]`, 'wrote in, 3 June');
    await shot(page, 'do-not-call-edit');
    await page.press(`${EDIT} input[name=reason]`, 'Enter');
    await page.waitForSelector(EDIT, { state: 'detached' });
    await waitText(page, row(OTHER), (t) => t.includes('wrote in, 3 June'));
    expect(await app.db('do_not_call').where({ e164: OTHER }).first('reason')).to.deep.equal({
      reason: 'wrote in, 3 June',
    });
    // Cancel leaves it as it was.
    await page.click(`${row(LISTED)} button:has-text("Edit reason")`);
    await page.fill(`${EDIT} input[name=reason]`, 'not saved');
    await page.click(`${EDIT} button:has-text("Cancel")`);
    await page.waitForSelector(EDIT, { state: 'detached' });
    expect((await rows(page))[1]).to.deep.equal([LISTED, 'asked on the phone']);

    // Removed, after the confirm; a dismissed confirm removes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.click(`${row(OTHER)} button:has-text("Remove")`);
    expect(await rows(page)).to.have.length(3);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.click(`${row(OTHER)} button:has-text("Remove")`);
    await page.waitForSelector(row(OTHER), { state: 'detached' });
    expect(asked).to.contain(`Remove ${OTHER} from the do-not-call list?`);
    expect(await rows(page)).to.deep.equal([
      [LISTED, 'asked on the phone'],
      [DEMO_DO_NOT_CALL, 'Demo: asked not to be called again'],
    ]);
    const stored = (await app.db('do_not_call').orderBy('e164').select('e164', 'reason')) as unknown[];
    expect(stored).to.deep.equal([
      { e164: DEMO_DO_NOT_CALL, reason: 'Demo: asked not to be called again' },
      { e164: LISTED, reason: 'asked on the phone' },
    ]);
    // The expected 400 and 409 are the only console errors.
    expect(realErrors(errors).filter((e) => !/status of (400|409)/.test(e))).to.deep.equal([]);
  });

  it('a long list is read a page at a time; searching starts again at page 1', async () => {
    const { app } = suite.stack();
    // 60 more, older than the ones above: +8617700000000 … +8617700000059.
    const old = Date.parse('2024-01-01T00:00:00Z');
    await app.db('do_not_call').insert(
      Array.from({ length: 60 }, (_, i) => ({
        e164: `+861770000${String(i).padStart(4, '0')}`,
        reason: `import ${i}`,
        created_at: new Date(old + i * 60_000),
      })),
    );
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Do not call');
    await page.waitForSelector(row(LISTED));
    expect(await text(page, COUNT)).to.equal('62 numbers listed');
    expect(await rows(page)).to.have.length(50);
    expect(await text(page, '[data-testid=dnc-pager] span')).to.equal('Page 1 of 2');
    expect(await page.isDisabled('[data-testid=dnc-pager] button:has-text("Previous")')).to.equal(true);
    await page.click('[data-testid=dnc-pager] button:has-text("Next")');
    await waitText(page, '[data-testid=dnc-pager] span', (t) => t === 'Page 2 of 2');
    await shows(
      page,
      Array.from({ length: 12 }, (_, i) => `+861770000${String(11 - i).padStart(4, '0')}`),
    );
    expect(await page.isDisabled('[data-testid=dnc-pager] button:has-text("Next")')).to.equal(true);
    await shot(page, 'do-not-call-page-2');
    // A search from page 2 shows its first page; a short answer has no pager.
    await page.fill(SEARCH, '177 0000 005');
    await shows(
      page,
      Array.from({ length: 10 }, (_, i) => `+861770000${String(59 - i).padStart(4, '0')}`),
    );
    expect(await page.$('[data-testid=dnc-pager]')).to.equal(null);
    await app.db('do_not_call').where('e164', 'like', '+861770000%').delete();
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a supervisor imports a pasted list and a file, is told what came of each line, and exports the list', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    const supervisor = user('supervisor');
    await signIn(page, app.url, 'supervisor', supervisor.password);
    await page.click('header nav >> text=Do not call');
    await page.waitForSelector(row(LISTED));
    expect(await text(page, COUNT)).to.equal('2 numbers listed');
    // Folded away until asked for.
    expect(await page.$(IMPORT)).to.equal(null);
    expect(await page.getAttribute('[data-testid=dnc-import-open]', 'aria-expanded')).to.equal('false');
    await page.click('[data-testid=dnc-import-open]');
    await page.waitForSelector(IMPORT);
    expect(await page.getAttribute('[data-testid=dnc-import-open]', 'aria-expanded')).to.equal('true');
    expect(await page.isDisabled(`${IMPORT} button[type=submit]`)).to.equal(true);

    // A header; three new numbers (a quoted reason with a comma, a reason, none); one repeated within the list; the
    // demo's listed number; a line that is no number (a header only when it is the first line).
    const pasted = [
      'number,reason',
      '137 0000 0001,"wrote in, 2 May"',
      '13700000002,asked by email',
      '+86 137-0000-0003',
      '13700000001,again',
      `${DEMO_DO_NOT_CALL},demo again`,
      'abc',
    ].join('\n');
    await page.fill(`${IMPORT} textarea[name=csv]`, pasted);
    const dayBefore = utcDay();
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, IMPORT_RESULT, (t) => t !== '')).to.equal('3 added, 2 already listed, 1 invalid');
    const dayAfter = utcDay();
    expect(await page.getAttribute(IMPORT_RESULT, 'class')).to.equal('ok');
    expect(await page.getAttribute(IMPORT_RESULT, 'role')).to.equal('status');
    expect(await page.$$(`${IMPORT_INVALID} li`)).to.have.length(1);
    expect(await text(page, `${IMPORT_INVALID} li[data-line="7"]`)).to.equal(
      'Line 7: abc: not a valid phone number (read as a CN number): abc',
    );
    expect(await text(page, `${IMPORT_INVALID} li code`)).to.equal('abc');
    expect(await page.inputValue(`${IMPORT} textarea[name=csv]`)).to.equal('');
    // The list read again: the new numbers first (newest first, the last line's on top), the others as they were.
    await waitText(page, COUNT, (t) => t === '5 numbers listed');
    const defaults = [dayBefore, dayAfter].map((day) => `imported ${day} by ${supervisor.displayName}`);
    const shown = await rows(page);
    expect(shown.map(([n]) => n)).to.deep.equal([
      '+8613700000003',
      '+8613700000002',
      '+8613700000001',
      LISTED,
      DEMO_DO_NOT_CALL,
    ]);
    expect(defaults).to.include(shown[0]![1]);
    expect(shown.slice(1)).to.deep.equal([
      ['+8613700000002', 'asked by email'],
      ['+8613700000001', 'wrote in, 2 May'],
      [LISTED, 'asked on the phone'],
      [DEMO_DO_NOT_CALL, 'Demo: asked not to be called again'],
    ]);
    await shot(page, 'do-not-call-import');
    const stored = (await app
      .db('do_not_call')
      .where('e164', 'like', '+861370000000%')
      .orWhere({ e164: DEMO_DO_NOT_CALL })
      .orderBy('e164')
      .select('e164', 'reason')) as { e164: string; reason: string }[];
    expect(stored.slice(0, 2)).to.deep.equal([
      { e164: '+8613700000001', reason: 'wrote in, 2 May' },
      { e164: '+8613700000002', reason: 'asked by email' },
    ]);
    expect(stored[2]!.e164).to.equal('+8613700000003');
    expect(defaults).to.include(stored[2]!.reason);
    // The listed number keeps its entry.
    expect(stored[3]).to.deep.equal({ e164: DEMO_DO_NOT_CALL, reason: 'Demo: asked not to be called again' });
    expect(stored).to.have.length(4);
    await until('the audit entry', () => app.db('audit_log').where({ action: 'do-not-call.import' }).first('id'));

    // A file's text goes into the box, to be looked over before it is sent.
    const file = 'number\n+8613700000004,by file\n139 0000 1111\n';
    await page.setInputFiles(`${IMPORT} input[type=file]`, {
      name: 'list.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file),
    });
    await until('the file read into the box', async () =>
      (await page.inputValue(`${IMPORT} textarea[name=csv]`)) === file ? true : undefined,
    );
    // The last result goes with the new list.
    expect(await page.$(IMPORT_RESULT)).to.equal(null);
    expect(await page.$(IMPORT_INVALID)).to.equal(null);
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, IMPORT_RESULT, (t) => t !== '')).to.equal('1 added, 1 already listed');
    expect(await page.$(IMPORT_INVALID)).to.equal(null);
    expect(await page.inputValue(`${IMPORT} input[type=file]`)).to.equal('');
    await waitText(page, COUNT, (t) => t === '6 numbers listed');
    expect((await rows(page))[0]).to.deep.equal(['+8613700000004', 'by file']);

    // Too long a list (a file: lists this long are not typed): refused whole, in the server's words; the text stays.
    const tooMany = Array.from({ length: 5_001 }, (_, i) => `+86136${String(i).padStart(8, '0')}`).join('\n');
    await page.setInputFiles(`${IMPORT} input[type=file]`, {
      name: 'long.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(tooMany),
    });
    await until('the long file read into the box', async () =>
      (await page.inputValue(`${IMPORT} textarea[name=csv]`)).length === tooMany.length ? true : undefined,
    );
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, `${IMPORT} [role=alert]`, (t) => t !== '')).to.equal(
      '5001 numbers: send at most 5000 at a time',
    );
    expect(await page.$(IMPORT_RESULT)).to.equal(null);
    expect((await page.inputValue(`${IMPORT} textarea[name=csv]`)).length).to.equal(tooMany.length);
    await shot(page, 'do-not-call-import-too-long');
    expect(await text(page, COUNT)).to.equal('6 numbers listed');
    expect(await app.db('do_not_call').where('e164', 'like', '+86136%').first('id')).to.equal(undefined);
    await page.fill(`${IMPORT} textarea[name=csv]`, '');
    expect(await page.isDisabled(`${IMPORT} button[type=submit]`)).to.equal(true);

    // The export: the whole list, oldest first, as a download of its own name.
    expect(await page.getAttribute(EXPORT, 'href')).to.equal('/api/do-not-call/export');
    expect(await text(page, EXPORT)).to.equal('Export CSV');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(EXPORT)]);
    expect(download.suggestedFilename()).to.equal('do-not-call.csv');
    const downloaded = readFileSync((await download.path())!, 'utf8');
    const fetched = (await page.evaluate(
      "fetch('/api/do-not-call/export').then(async (r) => ({ type: r.headers.get('content-type'), body: await r.text() }))",
    )) as { type: string; body: string };
    expect(fetched.type).to.match(/^text\/csv/);
    expect(fetched.body).to.equal(downloaded);
    const lines = downloaded.trim().split('\n');
    expect(lines[0]).to.equal('number,reason,createdAt,source');
    // Each line ends with when it was listed and its source (none here); the rest is the number and its reason.
    expect(lines.slice(1).every((l) => /,\d{4}-\d\d-\d\dT[\d:.]+Z,$/.test(l))).to.equal(true);
    expect(lines.slice(1).map((l) => l.replace(/,[^,]*,$/, ''))).to.deep.equal([
      `${DEMO_DO_NOT_CALL},Demo: asked not to be called again`,
      `${LISTED},asked on the phone`,
      '+8613700000001,"wrote in, 2 May"',
      '+8613700000002,asked by email',
      `+8613700000003,${shown[0]![1]}`,
      '+8613700000004,by file',
    ]);
    // Imported back: nothing new.
    await page.fill(`${IMPORT} textarea[name=csv]`, downloaded);
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, IMPORT_RESULT, (t) => t !== '')).to.equal('0 added, 6 already listed');
    expect(await page.getAttribute(IMPORT_RESULT, 'class')).to.equal('muted');
    await shot(page, 'do-not-call-import-again');

    // A file longer than the box (a registry's download) is sent as it is, whatever its length, with its own reason;
    // the first hundred refused lines are named, the rest counted.
    const registry = [
      ...Array.from({ length: 21_000 }, (_, i) => `+86135${String(i).padStart(8, '0')}`),
      ...Array.from({ length: 150 }, () => 'x'),
    ].join('\n');
    await page.setInputFiles(`${IMPORT} input[type=file]`, {
      name: 'registry.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(registry),
    });
    expect(await waitText(page, '[data-testid=dnc-import-file]', (t) => t !== '')).to.match(
      /registry\.csv \(31\d kB\) is too long for the box: it is sent as it is/,
    );
    expect(await page.inputValue(`${IMPORT} textarea[name=csv]`)).to.equal('');
    expect(await text(page, `${IMPORT} button[type=submit]`)).to.equal('Import the file');
    await page.fill(`${IMPORT} input[name=fileReason]`, 'Registry 2026-12');
    await page.fill(`${IMPORT} input[name=source]`, 'cn-registry');
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, IMPORT_RESULT, (t) => t !== '')).to.equal('21000 added, 150 invalid');
    expect(await page.$$(`${IMPORT_INVALID} li`)).to.have.length(100);
    expect(await text(page, '[data-testid=dnc-import-unshown]')).to.equal('and 50 more refused lines');
    expect(await page.$('[data-testid=dnc-import-file]'), 'the file is done with').to.equal(null);
    expect(await app.db('do_not_call').where({ e164: '+8613500020999' }).first('reason', 'source')).to.deep.equal({
      reason: 'Registry 2026-12',
      source: 'cn-registry',
    });
    await shot(page, 'do-not-call-import-file');

    // The registry's removals: its own numbers come off; the one a customer asked about stays, whatever the file says.
    await page.check('[data-testid=dnc-mode-remove]');
    expect(await page.$(`${IMPORT} textarea[name=csv]`), 'no box for removals').to.equal(null);
    const removals = [...Array.from({ length: 10 }, (_, i) => `+86135${String(i).padStart(8, '0')}`), LISTED];
    await page.setInputFiles(`${IMPORT} input[type=file]`, {
      name: 'removals.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(removals.join('\n')),
    });
    // The source typed for the import is kept; without one, nothing can be removed.
    expect(await page.inputValue(`${IMPORT} input[name=source]`)).to.equal('cn-registry');
    await page.fill(`${IMPORT} input[name=source]`, '');
    expect(await page.isDisabled(`${IMPORT} button[type=submit]`), 'no source').to.equal(true);
    await page.fill(`${IMPORT} input[name=source]`, 'cn-registry');
    expect(await text(page, `${IMPORT} button[type=submit]`)).to.equal("Remove the file's numbers");
    await shot(page, 'do-not-call-removals');
    await page.click(`${IMPORT} button[type=submit]`);
    expect(await waitText(page, IMPORT_RESULT, (t) => t !== '')).to.equal(
      '10 removed, 1 kept (listed by hand or by another source)',
    );
    expect(await app.db('do_not_call').where('e164', 'like', '+86135%').count({ n: '*' }).first()).to.deep.equal({
      n: 20_990,
    });
    expect(await app.db('do_not_call').where({ e164: LISTED }).first('reason')).to.deep.equal({
      reason: 'asked on the phone',
    });
    await page.fill(SEARCH, '13500000010');
    expect(await text(page, `${row('+8613500000010')} [data-testid=dnc-source]`)).to.equal('· from cn-registry');
    await page.fill(SEARCH, '');
    await app.db('do_not_call').where('e164', 'like', '+86135%').delete();

    // Closed, the page is as short as before.
    await page.click(`${IMPORT} button:has-text("Close")`);
    await page.waitForSelector(IMPORT, { state: 'detached' });
    await app.db('do_not_call').where('e164', 'like', '+861370000000%').delete();
    // The 413 is the only console error.
    expect(realErrors(errors).filter((e) => !/status of 413/.test(e))).to.deep.equal([]);
  });

  it("an agent has no such page, and dialling a listed number shows the list's reason; nothing is placed", async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    expect(await text(page, 'header nav')).not.to.contain('Do not call');
    // A typed-in address: the page is not for them (and the API answers 403).
    await page.goto(`${app.url}/#/admin/do-not-call`);
    expect(await text(page, 'main .error')).to.equal('Your role cannot open this page.');
    expect(await page.$(TABLE)).to.equal(null);

    await page.goto(`${app.url}/#/workspace`);
    await page.click(`${PRESENCE} button:has-text("Log in")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    const calls = async () => Number(((await app.db('calls').count({ n: '*' })) as { n: number | string }[])[0]!.n);
    const before = await calls();
    await page.fill(`${DIAL} input[name=dial]`, '13900001111');
    await page.click(`${DIAL} button[type=submit]`);
    const refusal = await waitText(page, `${DIAL} [data-testid=dial-error]`, (t) => t !== '');
    expect(refusal).to.match(
      new RegExp(
        `^\\${LISTED} is on the do-not-call list since \\d{4}-\\d\\d-\\d\\d \\(asked on the phone\\): it is not called$`,
      ),
    );
    await shot(page, 'do-not-call-agent-refused');
    expect(await page.$('[data-testid=screen-pop]')).to.equal(null);
    expect(await calls()).to.equal(before);
    await page.click(`${PRESENCE} button:has-text("Log out")`);
    await page.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    expect(realErrors(errors).filter((e) => !/status of (403|409)/.test(e))).to.deep.equal([]);
  });
  describe('an agent lists the number of the call they are on (the screen pop\'s "Do not call this number")', () => {
    let page: Page;
    let errors: string[];

    // The agent on the workspace, available (each test leaves them available; the last logs out).
    before(async () => {
      const { app } = suite.stack();
      page = await newPage();
      errors = watchErrors(page);
      await signIn(page, app.url, 'agent', user('agent').password);
      await page.click(`${PRESENCE} button:has-text("Log in")`);
      await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    });

    /** `from` calls the direct line; the agent's desk phone picks up: the pop, connected. */
    async function answerCall(from: string): Promise<void> {
      const { app } = suite.stack();
      app.simulator!.control.placeCall({ from, to: DIRECT });
      await page.waitForSelector(`${POP}.phase-connected`, { timeout: 20_000 });
    }

    const entries = async (e164: string) =>
      (await suite.stack().app.db('do_not_call').where({ e164 }).select('e164', 'reason')) as {
        e164: string;
        reason: string | null;
      }[];

    it('an inbound caller: listed after a confirm, the notice says so, no second press; calling it is refused', async () => {
      const { app } = suite.stack();
      expect(await entries(CALLER)).to.deep.equal([]);
      await answerCall(CALLER);
      expect(await text(page, `${POP} [data-testid=customer]`)).to.contain(CALLER);
      expect(await text(page, DNC_CALL)).to.equal('Do not call this number');
      expect(await page.$(DNC_RESULT)).to.equal(null);
      await shot(page, 'do-not-call-workspace-on-call');

      // A dismissed confirm lists nothing.
      page.once('dialog', (d) => void d.dismiss());
      await page.click(DNC_CALL);
      expect(await page.isVisible(DNC_CALL)).to.equal(true);
      expect(await entries(CALLER)).to.deep.equal([]);

      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.accept();
      });
      const before = utcDay();
      await page.click(DNC_CALL);
      expect(await waitText(page, DNC_RESULT, (t) => t !== '')).to.equal(`${CALLER} is now on the do-not-call list`);
      const after = utcDay();
      expect(asked).to.contain(`Put ${CALLER} on the do-not-call list?`);
      expect(await page.getAttribute(DNC_RESULT, 'role')).to.equal('status');
      // Not offered again for this call.
      expect(await page.$(DNC_CALL)).to.equal(null);
      // Listed with the default reason: the day of the call and who took it.
      const listed = await entries(CALLER);
      expect(listed).to.have.length(1);
      const name = user('agent').displayName;
      expect([before, after].map((day) => `asked on the call of ${day} (${name})`)).to.include(listed[0]!.reason);
      const call = (await app.db('calls').where({ caller_e164: CALLER }).first('id')) as { id: string };
      await until('the audit entry', () =>
        app.db('audit_log').where({ action: 'do-not-call.from-call', target_id: call.id }).first('id'),
      );
      await shot(page, 'do-not-call-workspace-listed');

      // Wrapping up: the notice stays beside the form, the action does not come back.
      await hangUp(page);
      expect(await text(page, DNC_RESULT)).to.equal(`${CALLER} is now on the do-not-call list`);
      expect(await page.$(DNC_CALL)).to.equal(null);
      await shot(page, 'do-not-call-workspace-wrap-up');
      await finishWrapUp(page);

      // Calling the customer back, as an agent would type the number: refused with the list's reason, nothing placed.
      const count = async () => Number(((await app.db('calls').count({ n: '*' })) as { n: number | string }[])[0]!.n);
      const calls = await count();
      await page.fill(`${DIAL} input[name=dial]`, CALLER_NATIONAL);
      await page.click(`${DIAL} button[type=submit]`);
      const refusal = await waitText(page, `${DIAL} [data-testid=dial-error]`, (t) => t !== '');
      expect(refusal).to.match(
        new RegExp(
          `^\\${CALLER} is on the do-not-call list since \\d{4}-\\d\\d-\\d\\d \\(asked on the call of \\d{4}-\\d\\d-\\d\\d \\(`,
        ),
      );
      expect(refusal).to.contain(`(${listed[0]!.reason}): it is not called`);
      expect(await page.$(POP)).to.equal(null);
      expect(await count()).to.equal(calls);
      await shot(page, 'do-not-call-workspace-refused');
      await page.fill(`${DIAL} input[name=dial]`, '');
      expect(realErrors(errors).filter((e) => !/status of 409/.test(e))).to.deep.equal([]);
    });

    it('a number already listed says so at wrap-up (its entry unchanged); a withheld number is not offered', async () => {
      const { app } = suite.stack();
      const demo = await entries(DEMO_DO_NOT_CALL);
      expect(demo).to.deep.equal([{ e164: DEMO_DO_NOT_CALL, reason: 'Demo: asked not to be called again' }]);
      // Calls from a listed number come in as usual; listed again from the wrap-up, it is the same entry.
      await answerCall(DEMO_DO_NOT_CALL);
      await hangUp(page);
      page.once('dialog', (d) => void d.accept());
      await page.click(DNC_CALL);
      expect(await waitText(page, DNC_RESULT, (t) => t !== '')).to.equal(
        `${DEMO_DO_NOT_CALL} was already on the do-not-call list`,
      );
      expect(await page.$(DNC_CALL)).to.equal(null);
      expect(await entries(DEMO_DO_NOT_CALL)).to.deep.equal(demo);
      await shot(page, 'do-not-call-workspace-already');
      await finishWrapUp(page);

      // A withheld number: the pop says so and has nothing to list, on the call or at wrap-up.
      const withheld = 'anonymous';
      app.simulator!.control.placeCall({ from: withheld, to: DIRECT });
      await page.waitForSelector(`${POP}.phase-connected`, { timeout: 20_000 });
      expect(await text(page, `${POP} [data-testid=customer]`)).to.contain('Unknown caller');
      expect(await page.$(DNC_CALL)).to.equal(null);
      await shot(page, 'do-not-call-workspace-withheld');
      await hangUp(page);
      expect(await page.$(DNC_CALL)).to.equal(null);
      await finishWrapUp(page);
      expect(realErrors(errors).filter((e) => !/status of 409/.test(e))).to.deep.equal([]);
    });

    it('an outbound call: the number the agent called is the one listed', async () => {
      await page.fill(`${DIAL} input[name=dial]`, CALLED);
      await page.click(`${DIAL} button[type=submit]`);
      await page.waitForSelector(`${POP}[data-direction=outbound].phase-offered`, { timeout: 10_000 });
      // Not while dialling: nobody has asked anything yet.
      expect(await page.$(DNC_CALL)).to.equal(null);
      await page.waitForSelector(`${POP}[data-direction=outbound].phase-connected`, { timeout: 30_000 });
      // A refusal shows in the server's words under the action, which stays to be tried again. Stood in for here:
      // every number the pop offers the action for is one the server lists.
      const ROUTE = '**/api/calls/*/do-not-call';
      const refused = "the call's number (anonymous) is not one that can be listed";
      await page.route(ROUTE, (r) =>
        r.fulfill({ status: 400, json: { error: { code: 'bad_request', message: refused } } }),
      );
      page.once('dialog', (d) => void d.accept());
      await page.click(DNC_CALL);
      expect(await text(page, `${POP} .dnc-call [role=alert]`)).to.equal(refused);
      expect(await page.$(DNC_RESULT)).to.equal(null);
      await shot(page, 'do-not-call-workspace-error');
      await page.unroute(ROUTE);
      expect(await entries(CALLED)).to.deep.equal([]);

      page.once('dialog', (d) => void d.accept());
      await page.click(DNC_CALL);
      expect(await waitText(page, DNC_RESULT, (t) => t !== '')).to.equal(`${CALLED} is now on the do-not-call list`);
      expect(await page.$(`${POP} .dnc-call [role=alert]`)).to.equal(null);
      const listed = await entries(CALLED);
      expect(listed).to.have.length(1);
      expect(listed[0]!.reason).to.match(/^asked on the call of \d{4}-\d\d-\d\d \(/);
      await shot(page, 'do-not-call-workspace-outbound');
      await hangUp(page);
      await finishWrapUp(page);
      await page.click(`${PRESENCE} button:has-text("Log out")`);
      await page.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
      expect(realErrors(errors).filter((e) => !/status of (400|409)/.test(e))).to.deep.equal([]);
    });
  });
});
