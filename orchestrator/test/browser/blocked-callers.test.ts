import { expect } from 'chai';
import { DEMO_DIRECT_DID, DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, until, waitText, watchErrors } from './harness.js';

const user = (name: 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const ADD = '[data-testid=blocked-add]';
const TABLE = '[data-testid=blocked-table]';

describe('blocked callers in a browser (a supervisor blocks a number; its call is turned away)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  it('blocks a number for 7 days and anonymous callers; its calls are rejected (by the dialplan, else the orchestrator) and counted; unblocks', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Blocked');
    await page.waitForSelector('[data-testid=blocked-note]');

    await page.fill(`${ADD} input[name=number]`, 'not a number');
    await page.click(`${ADD} button[type=submit]`);
    await waitText(page, 'main [role=alert]', (t) => t.includes('not a valid phone number'));

    await page.fill(`${ADD} input[name=number]`, '139 0000 0777');
    await page.fill(`${ADD} input[name=reason]`, 'abusive to agents');
    await page.selectOption(`${ADD} select[name=days]`, '7');
    await page.click(`${ADD} button[type=submit]`);
    await page.waitForSelector(`${TABLE} tr[data-number="+8613900000777"]`);
    await page.fill(`${ADD} input[name=number]`, 'anonymous');
    await page.click(`${ADD} button[type=submit]`);
    await waitText(page, TABLE, (t) => t.includes('Withheld numbers (anonymous)'));

    // Asterisk's AstDB has the number in the forms the dialplan looks up.
    const keys = await until('AstDB written', async () => {
      const all = [...app.simulator!.engine.astdb.keys()];
      return all.includes('ariadne-blocked/anonymous') && all.includes('ariadne-blocked/13900000777') ? all : undefined;
    });
    expect(keys).to.include.members([
      'ariadne-blocked/8613900000777',
      'ariadne-blocked/13900000777',
      'ariadne-blocked/013900000777',
      'ariadne-blocked/anonymous',
    ]);

    // The caller rings the direct line: the dialplan rejects it before answering, and it never reaches the app; the
    // orchestrator hears of it (AMI UserEvent), keeps it and counts it on the block.
    const rejected = app.simulator!.control.placeCall({ from: '13900000777', to: DEMO_DIRECT_DID });
    expect(rejected.inStasis).to.equal(false);
    const kept = await until(
      'the rejection kept',
      async () =>
        (await app.db('blocked_rejections').where({ unique_id: rejected.channelId }).first('number', 'did')) as
          { number: string; did: string } | undefined,
    );
    expect(kept).to.deep.equal({ number: '+8613900000777', did: DEMO_DIRECT_DID });
    // Through a dialplan without the check (another context): the orchestrator turns the caller away itself, before
    // anything, and the CDR says blocked.
    app.simulator!.control.placeCall({ from: '13900000777', to: DEMO_DIRECT_DID, context: 'from-partner' });
    const row = await until('the blocked call', async () => {
      const r = (await app
        .db('calls')
        .where({ caller_raw: '13900000777' })
        .first('state', 'disposition', 'hangup_cause')) as
        { state: string; disposition: string; hangup_cause: number } | undefined;
      return r?.state === 'ended' ? r : undefined;
    });
    expect(row).to.deep.equal({ state: 'ended', disposition: 'blocked', hangup_cause: 21 });
    expect(await app.db('calls').where({ caller_raw: '13900000777' }).count({ n: '*' })).to.deep.equal([{ n: 1 }]);
    await until('both counted', async () => {
      const b = (await app.db('blocked_callers').where({ number: '+8613900000777' }).first('hits')) as { hits: number };
      return Number(b.hits) === 2 ? true : undefined;
    });
    await page.reload();
    await waitText(
      page,
      `${TABLE} tr[data-number="+8613900000777"]`,
      (t) => t.includes('abusive to agents') && t.includes('2 (last'),
    );
    await shot(page, 'blocked-callers');

    // From a call's page: another caller, blocked with one click (the call was taken as usual).
    // In a queue the supervisor supervises (they see only those calls).
    const queue = (await app.db('queues').orderBy('id').first('id')) as { id: number };
    await app.db('calls').insert({
      id: 'blk-other',
      queue_id: queue.id,
      node: 'test',
      owner: 'test',
      channel_id: 'ch-blk-other',
      state: 'ended',
      caller_raw: '13900000888',
      caller_e164: '+8613900000888',
      did: DEMO_DIRECT_DID,
      direction: 'inbound',
      arrived_at: new Date(),
      ended_at: new Date(),
      disposition: 'abandoned',
    });
    await page.goto(`${app.url}/#/calls/blk-other`);
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=block-caller]');
    await page.waitForSelector('[data-testid=caller-blocked]');
    expect(await app.db('blocked_callers').where({ number: '+8613900000888' }).first('reason')).to.deep.equal({
      reason: 'from call blk-othe',
    });
    await page.goto(`${app.url}/#/admin/blocked-callers`);
    await page.waitForSelector(`${TABLE} tr[data-number="+8613900000888"]`);

    page.once('dialog', (d) => void d.accept());
    await page.click(`${TABLE} tr[data-number="+8613900000777"] >> text=Unblock`);
    await until('the row gone', async () =>
      (await page.$(`${TABLE} tr[data-number="+8613900000777"]`)) === null ? true : undefined,
    );
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });
});
