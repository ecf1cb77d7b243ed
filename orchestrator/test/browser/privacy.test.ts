import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { DEMO_CUSTOMERS, DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

// The Privacy page (admins): a caller's copy of their data exported, then their data previewed and erased after a
// confirm; the do-not-call entry stays.
// The demo's 张伟 (+8619900000003) has an order and three contacts in the CRM, is on the demo campaign's list; the
// test gives him a call with a ticket and puts his number on the do-not-call list. The default country is CN.

const user = (name: 'admin' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const ZHANG = DEMO_CUSTOMERS.find((c) => c.key === 'logistics')!;
const FORM = '[data-testid=privacy-form]';
const RESULT = '[data-testid=privacy-result]';
const KEPT = '[data-testid=privacy-kept]';

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

/** The counts table as [what, count] (string scripts: the tests compile without the DOM's types). */
async function counts(page: Page): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=privacy-counts] tbody tr')].map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent.trim()))`,
  )) as string[][];
}

describe('the Privacy page in a browser (exporting and erasing a caller)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  it("an admin exports a caller's copy, previews what is held, erases it after a confirm, and is told the do-not-call entry stays", async () => {
    const { app } = suite.stack();
    const db = app.db;
    const customer = (await db('customer_phones').where('e164', ZHANG.phone).first('customer_id')) as {
      customer_id: number;
    };
    const customerId = Number(customer.customer_id);
    const callId = randomUUID();
    await db('calls').insert({
      id: callId,
      node: 'asterisk-1',
      channel_id: `ch-${callId}`,
      owner: 'test',
      state: 'ended',
      caller_raw: '019900000003',
      caller_e164: ZHANG.phone,
      did: '4007188668',
      customer_id: customerId,
      arrived_at: new Date(Date.now() - 3_600_000),
      ended_at: new Date(Date.now() - 3_300_000),
      disposition: 'answered',
    });
    await db('tickets').insert({
      call_id: callId,
      customer_id: customerId,
      subject: `Call from ${ZHANG.name} (${ZHANG.phone})`,
      body: 'parcel stuck in customs',
      status: 'open',
    });
    await db('do_not_call').insert({ e164: ZHANG.phone, reason: 'asked on the phone', created_at: new Date() });
    const onCampaign = (await db('campaign_contacts').where('e164', ZHANG.phone).pluck('id')).length;
    expect(onCampaign, 'the demo campaign lists the first customers').to.equal(1);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Privacy');
    await page.waitForSelector(FORM);
    expect(page.url()).to.contain('#/admin/privacy');
    expect(await text(page, 'h1')).to.equal('Privacy');
    expect(await text(page, '[data-testid=privacy-note]')).to.contain('The do-not-call list keeps their number');
    // Nothing typed: nothing to send.
    expect(await page.isDisabled('[data-testid=privacy-preview]')).to.equal(true);
    expect(await page.isDisabled('[data-testid=privacy-erase]')).to.equal(true);

    // Their copy first (the right of access): a file saved, what it holds listed, nothing changed.
    await page.fill(`${FORM} input[name=phone]`, '199 0000 0003');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=privacy-export]')]);
    expect(download.suggestedFilename()).to.match(/^ariadne-caller-data-\d{4}-\d\d-\d\d\.json$/);
    const copy = JSON.parse(readFileSync(await download.path(), 'utf8')) as Record<string, Record<string, unknown>[]>;
    expect(copy.numbers).to.deep.equal([ZHANG.phone]);
    expect(copy.customers?.map((c) => c.name)).to.deep.equal([ZHANG.name]);
    expect(copy.tickets?.map((t) => t.body)).to.deep.equal(['parcel stuck in customs']);
    expect(copy.calls?.map((c) => c.id)).to.deep.equal([callId]);
    expect(copy.doNotCall?.map((d) => d.reason)).to.deep.equal(['asked on the phone']);
    const exported = '[data-testid=privacy-export-result]';
    expect(await text(page, exported)).to.contain(`Saved as ${download.suggestedFilename()} for ${ZHANG.phone}`);
    expect(await text(page, '[data-testid=privacy-export-counts]')).to.equal(
      'Customer records: 1 · Phone numbers: 1 · Orders: 1 · Contact history: 3 · Calls: 1 · Tickets: 1 · ' +
        'Campaign contacts: 1 · Do-not-call entries: 1',
    );
    await shot(page, 'privacy-export');
    expect(await db('audit_log').where('action', 'privacy.export').pluck('actor')).to.deep.equal(['admin']);

    // Preview, by the number as said on the phone: every kind found, nothing changed.
    await page.click('[data-testid=privacy-preview]');
    expect(await page.$(exported)).to.equal(null);
    await page.waitForSelector(`${RESULT}[data-dry-run=true]`);
    expect(await text(page, `${RESULT} h2`)).to.equal('Preview: nothing has been changed');
    expect(await text(page, RESULT)).to.contain(`Looked for: number …03 · customer ${customerId}`);
    expect(await counts(page)).to.deep.equal([
      ['Customer record', '1'],
      ['Phone numbers', '1'],
      ['Orders', '1'],
      ['Contact history', '3'],
      ['Calls', '1'],
      ['Tickets', '1'],
      ['Campaign contacts', '1'],
    ]);
    expect(await text(page, KEPT)).to.contain('Kept: the do-not-call entry (1 number)');
    await shot(page, 'privacy-preview');
    expect(await db('customers').where('id', customerId).first('name')).to.deep.equal({ name: ZHANG.name });

    // Erase: a dismissed confirm erases nothing; an accepted one does.
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.click('[data-testid=privacy-erase]');
    await waitText(page, `${RESULT} h2`, (t) => t.startsWith('Preview'));
    expect(asked).to.equal(
      'Erase everything Ariadne holds about 199 0000 0003 (9 records found)? This cannot be undone. A do-not-call entry is kept.',
    );
    expect(await db('customers').where('id', customerId).first('id')).to.not.equal(undefined);
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=privacy-erase]');
    await page.waitForSelector(`${RESULT}[data-dry-run=false]`);
    expect(await text(page, `${RESULT} h2`)).to.equal('Erased');
    expect((await counts(page)).map(([what]) => what)).to.deep.equal([
      'Customer record',
      'Phone numbers',
      'Orders',
      'Contact history',
      'Calls',
      'Tickets',
      'Campaign contacts',
    ]);
    expect(await text(page, KEPT)).to.contain('it is what stops anyone calling them again');
    await shot(page, 'privacy-erased');

    // What the server did: the CRM rows gone, the call and the ticket kept without him, the number still not called.
    expect(await db('customers').where('id', customerId).first('id')).to.equal(undefined);
    expect(await db('calls').where('id', callId).first('caller_raw', 'caller_e164', 'customer_id')).to.deep.equal({
      caller_raw: '[erased]',
      caller_e164: null,
      customer_id: null,
    });
    expect(await db('tickets').where('call_id', callId).first('subject', 'body')).to.deep.equal({
      subject: '[erased]',
      body: '[erased]',
    });
    expect(await db('do_not_call').where('e164', ZHANG.phone).first('reason')).to.deep.equal({
      reason: 'asked on the phone',
    });
    const audit = (await db('audit_log').where('action', 'privacy.erase').select('actor', 'details')) as {
      actor: string;
      details: string;
    }[];
    expect(audit).to.have.length(1);
    expect(audit[0]?.actor).to.equal('admin');
    expect(audit[0]?.details).to.not.include('19900000003');

    // Again: nothing is left.
    await page.click('[data-testid=privacy-preview]');
    await waitText(page, '[data-testid=privacy-nothing]', (t) => t === 'Ariadne holds nothing about this caller.');

    // Typing clears the result; a bad number and an unknown customer get the server's words, next to the field.
    await page.fill(`${FORM} input[name=phone]`, '12ab');
    expect(await page.$(RESULT)).to.equal(null);
    await page.click('[data-testid=privacy-preview]');
    await waitText(page, '[role=alert]', (t) => t.includes('not a valid phone number (read as a CN number)'));
    expect(await text(page, `${FORM} .field-error`)).to.equal('not a valid phone number (read as a CN number)');
    await page.fill(`${FORM} input[name=phone]`, '');
    await page.fill(`${FORM} input[name=customerId]`, String(customerId));
    await page.click('[data-testid=privacy-preview]');
    await waitText(page, '[role=alert]', (t) => t === `customer ${customerId} not found`);
    await shot(page, 'privacy-unknown-customer');
    expect(realErrors(errors).filter((e) => !/status of (400|404)/.test(e))).to.deep.equal([]);
  });

  it('is not offered to a supervisor', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    const nav = await text(page, 'header nav');
    expect(nav).to.contain('Do not call');
    expect(nav).to.not.contain('Privacy');
    await page.goto(`${app.url}/#/admin/privacy`);
    await waitText(page, 'main', (t) => t.includes('Your role cannot open this page.'));
    expect(await page.$(FORM)).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
