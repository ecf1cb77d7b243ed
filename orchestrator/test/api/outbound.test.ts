import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { importDoNotCallFeed } from '../../src/calls/do-not-call-feed.js';
import { HttpError } from '../../src/http/errors.js';
import type { OutboundCallRequest } from '../../src/calls/service.js';
import type { CallControls } from '../../src/api/services.js';
import { call, startHarness, type Harness } from './harness.js';

/** The calls the API asked the call flow to place; the rest of CallControls is not used here. */
class PlacedCalls {
  readonly placed: OutboundCallRequest[] = [];
  controls(): CallControls {
    const unused = async (): Promise<never> => {
      throw new Error('not used');
    };
    return {
      hangup: unused,
      hold: unused,
      unhold: unused,
      transfer: unused,
      conference: unused,
      monitor: unused,
      stopMonitor: unused,
      completeTransfer: unused,
      cancelTransfer: unused,
      pauseRecording: unused,
      resumeRecording: unused,
      setDisposition: unused,
      place: async (request) => {
        this.placed.push(request);
        return { callId: `call-${this.placed.length}` };
      },
    };
  }
}

describe('api: calls agents place (POST /api/agent/me/calls)', function () {
  this.timeout(20_000);
  let h: Harness;
  let calls: PlacedCalls;
  let queueId: number;
  const place = (body: unknown, token = h.users.agent.token) => call(h, 'POST', '/api/agent/me/calls', { token, body });
  const setAgent = (patch: Record<string, unknown>) =>
    h.t.db('agents').where({ id: h.users.agent.agentId }).update(patch);

  beforeEach(async () => {
    calls = new PlacedCalls();
    h = await startHarness({ deps: { services: { calls: calls.controls() } } });
    const [id] = await h.t.db('queues').insert({ name: 'sales', display_name: 'Sales' });
    queueId = Number(id);
    await setAgent({ state: 'available' });
  });
  afterEach(() => h.close());

  it('places a call to a national number as E.164 from the agent, audited', async () => {
    const r = await place({ number: '138 1234 5678' });
    expect(r.status).to.equal(202);
    expect(r.body).to.deep.equal({ callId: 'call-1', number: '+8613812345678', queueId: null, callbackId: null });
    expect(calls.placed).to.deep.equal([
      {
        agent: { id: h.users.agent.agentId, name: 'Alice', endpoint: 'PJSIP/2001', autoAnswer: false },
        number: '+8613812345678',
        queueId: null,
      },
    ]);
    const audit = await h.t.db('audit_log').where({ action: 'call.place' }).first();
    expect(audit).to.deep.include({ target_id: 'call-1', user_id: h.users.agent.id });
    // A queue chosen for the call is passed on; one that does not exist is refused.
    expect((await place({ number: '+8613812345678', queueId })).body.queueId).to.equal(queueId);
    expect((await place({ number: '+8613812345678', queueId: 999 })).status).to.equal(404);
  });

  it('refuses numbers it must not call, saying why, and places nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ number: '12ab' }, /not a phone number/],
      [{ number: '4000' }, /not a valid phone number/],
      [{ number: '+44 20 7946 0958' }, /international calls are off/],
      [{ number: '+1 900 555 0143' }, /international calls are off|premium-rate/],
    ];
    for (const [body, reason] of cases) {
      const r = await place(body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.message).to.match(reason);
    }
    const empty = await place({});
    expect(empty.status).to.equal(400);
    expect(empty.body.error.details[0].reason).to.match(/number to call, or the callback/);
    expect(calls.placed).to.have.length(0);
  });

  it('a paused agent or one in wrap-up places a call; one on a call, logged out, whose phone is away or who is no agent does not', async () => {
    await setAgent({ state: 'paused', pause_reason: 'lunch' });
    expect((await place({ number: '13812345678' })).status).to.equal(202);
    await setAgent({ state: 'wrap_up', pause_reason: null });
    expect((await place({ number: '13812345678' })).status).to.equal(202);
    expect(calls.placed).to.have.length(2);
    calls.placed.length = 0;
    await setAgent({ state: 'on_call' });
    const busy = await place({ number: '13812345678' });
    expect(busy.status).to.equal(409);
    expect(busy.body.error.message).to.equal(
      'you are on call: a call can be placed when available, paused or in wrap-up',
    );
    await setAgent({ state: 'logged_out' });
    expect((await place({ number: '13812345678' })).body.error.message).to.equal(
      'you are logged out: log in to place a call',
    );
    await setAgent({ state: 'available', endpoint_online: false });
    const away = await place({ number: '13812345678' });
    expect(away.status).to.equal(409);
    expect(away.body.error.message).to.match(/PJSIP\/2001\) is not registered/);
    expect((await place({ number: '13812345678' }, h.users.admin.token)).status).to.equal(403);
    expect(calls.placed).to.have.length(0);
  });

  it("calls a callback back: it becomes the agent's, its number and queue are used, and the attempt is counted", async () => {
    const [id] = await h.t
      .db('callbacks')
      .insert({ phone: '+8613900001111', queue_id: queueId, state: 'pending', requested_at: new Date() });
    const r = await place({ callbackId: Number(id) });
    expect(r.status).to.equal(202);
    expect(r.body).to.deep.include({ number: '+8613900001111', queueId, callbackId: Number(id) });
    expect(calls.placed[0]).to.deep.include({ number: '+8613900001111', queueId });
    const again = await place({ callbackId: Number(id) });
    expect(again.status).to.equal(202);
    const listed = await call(h, 'GET', '/api/callbacks', { token: h.users.agent.token });
    expect(listed.body.items.find((c: { id: number }) => c.id === Number(id))).to.deep.include({
      state: 'assigned',
      agentId: h.users.agent.agentId,
      attempts: 2,
      lastCallId: 'call-2',
    });

    // A callback whose number may not be called stays where it was.
    const [bad] = await h.t
      .db('callbacks')
      .insert({ phone: '+19005550143', queue_id: queueId, state: 'pending', requested_at: new Date() });
    expect((await place({ callbackId: Number(bad) })).status).to.equal(400);
    expect(await h.t.db('callbacks').where({ id: bad }).first('state', 'agent_id', 'attempts')).to.deep.include({
      state: 'pending',
      agent_id: null,
      attempts: 0,
    });
    expect((await place({ callbackId: 4242 })).status).to.equal(404);

    // Another agent's callback, or one already done, is not called.
    const bob = await call(h, 'POST', '/api/agent/me/calls', {
      token: h.users.agent2.token,
      body: { callbackId: Number(id) },
    });
    expect(bob.status).to.equal(409);
    await h.t.db('callbacks').where({ id }).update({ state: 'done' });
    const done = await place({ callbackId: Number(id) });
    expect(done.status).to.equal(409);
    expect(done.body.error.message).to.match(/is done/);
    expect(calls.placed).to.have.length(2);
  });

  it('keeps the do-not-call list: supervisors add and remove numbers; a listed number is never placed', async () => {
    const dnc = (method: string, path = '', body?: unknown, token = h.users.supervisor.token) =>
      call(h, method, `/api/do-not-call${path}`, { token, body });
    // A national number is listed as E.164, with the customer's words.
    const added = await dnc('POST', '', { number: '139 0000 1111', reason: 'asked on the phone, 2026-12-06' });
    expect(added.status).to.equal(201);
    expect(added.body).to.deep.include({ number: '+8613900001111', reason: 'asked on the phone, 2026-12-06' });
    expect((await dnc('POST', '', { number: '+86 139 0000 1111' })).status, 'listed twice').to.equal(409);
    const bad = await dnc('POST', '', { number: '12ab' });
    expect([bad.status, bad.body.error.message]).to.deep.equal([
      400,
      'not a valid phone number (read as a CN number): 12ab',
    ]);
    expect((await dnc('GET', '?q=139 0000')).body.items.map((e: { number: string }) => e.number)).to.deep.equal([
      '+8613900001111',
    ]);
    expect((await dnc('GET', '?q=138')).body.total).to.equal(0);
    expect((await dnc('GET', '', undefined, h.users.agent.token)).status, 'agents do not keep it').to.equal(403);
    expect((await dnc('POST', '', { number: '+8613700001111' }, h.users.agent.token)).status).to.equal(403);
    expect((await dnc('PATCH', `/${added.body.id}`, { number: '+8613700001111' })).status).to.equal(400);
    expect((await dnc('PATCH', `/${added.body.id}`, { reason: 'letter of 2026-12-01' })).body.reason).to.equal(
      'letter of 2026-12-01',
    );

    // Typed, or as a callback's number: refused with the reason, and the callback is left as it was.
    const typed = await place({ number: '13900001111' });
    expect(typed.status).to.equal(409);
    expect(typed.body.error.message).to.match(
      /^\+8613900001111 is on the do-not-call list since \d{4}-\d\d-\d\d \(letter of 2026-12-01\)/,
    );
    const [cb] = await h.t
      .db('callbacks')
      .insert({ phone: '+8613900001111', queue_id: queueId, state: 'pending', requested_at: new Date() });
    expect((await place({ callbackId: Number(cb) })).status).to.equal(409);
    expect(await h.t.db('callbacks').where({ id: cb }).first('state', 'attempts')).to.deep.include({
      state: 'pending',
      attempts: 0,
    });
    expect(calls.placed).to.deep.equal([]);

    // Removed from the list, the number may be called again.
    expect((await dnc('DELETE', `/${added.body.id}`)).status).to.equal(204);
    expect((await place({ number: '13900001111' })).status).to.equal(202);
  });

  it('imports a list to the do-not-call list and exports the whole list as CSV', async () => {
    const sup = h.users.supervisor.token;
    await call(h, 'POST', '/api/do-not-call', { token: sup, body: { number: '13900001111', reason: 'asked' } });
    const csv = [
      'number,reason',
      '139 0000 1111,already there',
      '+44 20 7946 0958,UK customer',
      '13700002222',
      '13700002222',
      'abc',
      '"13600003333","letter, 2026-12-01"',
    ].join('\n');
    const r = await call(h, 'POST', '/api/do-not-call/import', { token: sup, body: { csv } });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ added: 3, duplicates: 2 });
    expect(r.body.invalid).to.deep.equal([
      { line: 6, input: 'abc', reason: 'not a valid phone number (read as a CN number): abc' },
    ]);
    const stored = (await h.t.db('do_not_call').orderBy('id').select('e164', 'reason')) as unknown[];
    expect(stored).to.deep.equal([
      { e164: '+8613900001111', reason: 'asked' },
      // Any valid number is listed, international too: the list is about whom not to call.
      { e164: '+442079460958', reason: 'UK customer' },
      { e164: '+8613700002222', reason: `imported ${new Date().toISOString().slice(0, 10)} by SUP` },
      { e164: '+8613600003333', reason: 'letter, 2026-12-01' },
    ]);
    expect(await h.t.db('audit_log').where({ action: 'do-not-call.import' }).count({ n: '*' }).first()).to.deep.equal({
      n: 1,
    });

    const exported = await call(h, 'GET', '/api/do-not-call/export', { token: sup });
    expect(exported.status).to.equal(200);
    expect(exported.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = String(exported.body).trim().split('\n');
    expect(lines).to.have.length(5);
    expect(lines[0]).to.equal('number,reason,createdAt,source');
    expect(lines[4]).to.match(/^\+8613600003333,"letter, 2026-12-01",20\d\d-/);
    // The export reads back as the same list: nothing new.
    const again = await call(h, 'POST', '/api/do-not-call/import', {
      token: sup,
      body: { csv: String(exported.body) },
    });
    expect(again.body).to.deep.include({ added: 0, duplicates: 4, invalid: [] });
    // Into an empty list (another system), it brings every number back with its own reason.
    await h.t.db('do_not_call').delete();
    const restored = await call(h, 'POST', '/api/do-not-call/import', {
      token: sup,
      body: { csv: String(exported.body) },
    });
    expect(restored.body).to.deep.include({ added: 4, duplicates: 0, invalid: [] });
    expect(await h.t.db('do_not_call').orderBy('id').select('e164', 'reason')).to.deep.equal(stored);

    expect((await call(h, 'GET', '/api/do-not-call/export', { token: h.users.agent.token })).status).to.equal(403);
    const agentImport = await call(h, 'POST', '/api/do-not-call/import', { token: h.users.agent.token, body: { csv } });
    expect(agentImport.status).to.equal(403);
    expect((await call(h, 'POST', '/api/do-not-call/import', { token: sup, body: {} })).status).to.equal(400);
  });

  it("streams a registry's file of any length: area code,number lines, gzip, refusals counted, how far a bad one got", async () => {
    const sup = h.users.supervisor.token;
    await call(h, 'POST', '/api/do-not-call', { token: sup, body: { number: '+12012000001', reason: 'asked' } });
    // The US registry's format (area code, number), four times what one JSON import takes; read as +1 numbers
    // although the default country here is CN.
    const lines = Array.from({ length: 20_000 }, (_, i) => `201,${2_000_000 + i}`);
    lines.splice(10, 0, 'abc', '201,2000002');
    const file = await call(
      h,
      'POST',
      `/api/do-not-call/import-file?reason=${encodeURIComponent('US registry 2026-12')}`,
      {
        token: sup,
        raw: lines.join('\r\n'),
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(file.status).to.equal(200);
    expect(file.body).to.deep.equal({
      lines: 20_002,
      added: 19_999,
      duplicates: 2,
      invalidCount: 1,
      invalid: [{ line: 11, input: 'abc', reason: 'not a valid phone number (read as a CN number): abc' }],
    });
    const reasons = (await h.t.db('do_not_call').whereIn('e164', ['+12012000001', '+12012019999']).orderBy('e164')).map(
      (r: { reason: string }) => r.reason,
    );
    expect(reasons).to.deep.equal(['asked', 'US registry 2026-12']);
    expect(await h.t.db('audit_log').where({ action: 'do-not-call.import-file' }).first('details'))
      .to.have.property('details')
      .that.includes('"added":19999');

    // Gzipped, with a header and a reason on its line.
    const gz = gzipSync('number,reason\n13900002222,by letter\n');
    const zipped = await fetch(`${h.base}/api/do-not-call/import-file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sup}`, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: gz,
    });
    expect(await zipped.json()).to.deep.include({ lines: 2, added: 1, invalidCount: 0 });
    expect(await h.t.db('do_not_call').where({ e164: '+8613900002222' }).first('reason')).to.deep.equal({
      reason: 'by letter',
    });

    // Refused: not a text file, a file that says gzip and is not, an agent.
    const refusals: [Record<string, string>, string, number, RegExp][] = [
      [{ 'content-type': 'application/octet-stream' }, sup, 415, /text\/csv or text\/plain/],
      [{ 'content-type': 'text/csv', 'content-encoding': 'gzip' }, sup, 400, /could not be read after line 0/],
      [{ 'content-type': 'text/csv', 'content-encoding': 'br' }, sup, 415, /Content-Encoding br/],
      [{ 'content-type': 'text/csv' }, h.users.agent.token, 403, /role/],
    ];
    for (const [headers, token, status, message] of refusals) {
      const r = await call(h, 'POST', '/api/do-not-call/import-file', { token, raw: '13900003333\n', headers });
      expect(r.status, JSON.stringify(headers)).to.equal(status);
      expect((r.body as { error: { message: string } }).error.message).to.match(message);
    }
    expect(await h.t.db('do_not_call').where({ e164: '+8613900003333' }).first()).to.equal(undefined);
    // One endless line is no list: refused once it is longer than any line of one, never held whole.
    const endless = await call(h, 'POST', '/api/do-not-call/import-file', {
      token: sup,
      raw: '1'.repeat(100_000),
      headers: { 'content-type': 'text/csv' },
    });
    expect(endless.status).to.equal(400);
    expect((endless.body as { error: { message: string } }).error.message).to.match(/could not be read after line 0/);

    // A file over the size limit keeps what came before the limit, and says how far it got.
    const text = Buffer.from(Array.from({ length: 1000 }, (_, i) => `139${String(i).padStart(8, '0')}\n`).join(''));
    const over = Readable.from(Array.from({ length: 12 }, (_, i) => text.subarray(i * 1000, (i + 1) * 1000)));
    const err = await importDoNotCallFeed(h.t.db, over, {
      defaultCountry: 'CN',
      reason: 'test',
      now: new Date(),
      maxBytes: 6000,
    }).catch((e: unknown) => e as HttpError);
    expect(err).to.be.instanceOf(HttpError);
    expect((err as HttpError).status).to.equal(413);
    expect((err as HttpError).message).to.match(
      /over 6000 bytes: split it and send the parts; (\d+) numbers were added from the \1 lines before it/,
    );
    expect(Number(/; (\d+) numbers/.exec((err as HttpError).message)?.[1])).to.be.within(1, 500);
  });

  it("takes a registry's removals off the list: only the numbers that registry listed", async () => {
    const sup = h.users.supervisor.token;
    const send = (path: string, raw: string) =>
      call(h, 'POST', path, { token: sup, raw, headers: { 'content-type': 'text/csv' } });
    // A customer asked by hand; the national registry and another list both gave numbers.
    await call(h, 'POST', '/api/do-not-call', { token: sup, body: { number: '+12025550101', reason: 'asked' } });
    const national = await send(
      '/api/do-not-call/import-file?source=us-national',
      '202,5550101\n202,5550102\n202,5550103\n',
    );
    expect(national.body).to.deep.include({ added: 2, duplicates: 1 });
    await send('/api/do-not-call/import-file?source=state.tx', '202,5550104\n');
    const sources = await h.t
      .db('do_not_call')
      .where('e164', 'like', '+1202555010%')
      .orderBy('e164')
      .select('e164', 'source');
    expect(sources.map((r: { source: string | null }) => r.source)).to.deep.equal([
      null,
      'us-national',
      'us-national',
      'state.tx',
    ]);
    const listed = await call(h, 'GET', '/api/do-not-call?q=2025550102', { token: sup });
    expect(listed.body.items[0]).to.include({ number: '+12025550102', source: 'us-national' });
    const exported = String((await call(h, 'GET', '/api/do-not-call/export', { token: sup })).body);
    expect(exported).to.match(/\n\+12025550102,imported [^\n]*,us-national\r?\n/);

    // The registry's removals: its own two go; the customer's request, the other list's and an unlisted one stay.
    const removals = [
      'area_code,number',
      '202,5550101',
      '202,5550102',
      '202,5550103',
      '202,5550104',
      '202,5550199',
      'x',
    ];
    const removed = await send('/api/do-not-call/remove-file?source=us-national', removals.join('\n'));
    expect(removed.status).to.equal(200);
    expect(removed.body).to.deep.equal({
      lines: 7,
      removed: 2,
      kept: 2,
      notListed: 1,
      invalidCount: 1,
      invalid: [{ line: 7, input: 'x', reason: 'not a valid phone number (read as a CN number): x' }],
    });
    const left = await h.t.db('do_not_call').where('e164', 'like', '+1202555010%').orderBy('e164').pluck('e164');
    expect(left).to.deep.equal(['+12025550101', '+12025550104']);
    expect(await h.t.db('audit_log').where({ action: 'do-not-call.remove-file' }).first('details'))
      .to.have.property('details')
      .that.includes('"removed":2');

    // The source is required and checked; an agent may not; a non-text body is refused before anything is read.
    const refused: [string, string, number, RegExp][] = [
      ['/api/do-not-call/remove-file', sup, 400, /source/],
      ['/api/do-not-call/remove-file?source=a%20b', sup, 400, /source/],
      ['/api/do-not-call/import-file?source=' + 'x'.repeat(41), sup, 400, /source/],
      ['/api/do-not-call/remove-file?source=state.tx', h.users.agent.token, 403, /role/],
    ];
    for (const [path, token, status, message] of refused) {
      const r = await call(h, 'POST', path, { token, raw: '202,5550104\n', headers: { 'content-type': 'text/csv' } });
      expect(r.status, path).to.equal(status);
      expect(JSON.stringify(r.body), path).to.match(message);
    }
    const binary = await call(h, 'POST', '/api/do-not-call/remove-file?source=state.tx', {
      token: sup,
      raw: '202,5550104\n',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(binary.status).to.equal(415);
    expect(await h.t.db('do_not_call').where({ e164: '+12025550104' }).first('source')).to.deep.equal({
      source: 'state.tx',
    });
  });

  it("lists the number of an agent's own call when the customer asks, once; never another agent's call", async () => {
    const callRow = (id: string, agentId: number | null, e164: string | null) =>
      h.t.db('calls').insert({
        id,
        node: 'n',
        channel_id: `ch-${id}`,
        owner: 'o',
        state: 'ended',
        caller_raw: e164 ?? 'anonymous',
        caller_e164: e164,
        did: '4007188668',
        arrived_at: new Date(),
        agent_id: agentId,
        queue_id: queueId,
      });
    const mine = '44444444-4444-4444-8444-444444444444';
    const theirs = '55555555-5555-4555-8555-555555555555';
    const withheld = '66666666-6666-4666-8666-666666666666';
    await callRow(mine, h.users.agent.agentId, '+8613900002222');
    await callRow(theirs, h.users.agent2.agentId, '+8613900003333');
    await callRow(withheld, h.users.agent.agentId, null);
    const listCall = (id: string, body: unknown = {}) =>
      call(h, 'POST', `/api/calls/${id}/do-not-call`, { token: h.users.agent.token, body });

    const first = await listCall(mine);
    expect(first.status).to.equal(200);
    expect(first.body).to.deep.include({ number: '+8613900002222', added: true });
    expect(first.body.reason).to.match(/^asked on the call of \d{4}-\d\d-\d\d \(.+\)$/);
    expect((await listCall(mine, { reason: 'again' })).body).to.deep.include({
      added: false,
      reason: first.body.reason,
    });
    expect((await listCall(theirs)).status).to.equal(403);
    const noNumber = await listCall(withheld);
    expect([noNumber.status, noNumber.body.error.message]).to.deep.equal([
      400,
      "the call's number (anonymous) is not one that can be listed",
    ]);
    expect((await listCall('77777777-7777-4777-8777-777777777777')).status).to.equal(404);
    expect(
      await h.t.db('audit_log').where({ action: 'do-not-call.from-call' }).count({ n: '*' }).first(),
    ).to.deep.include({
      n: 2,
    });
    // From now on the number is not called.
    expect((await place({ number: '+8613900002222' })).status).to.equal(409);
  });
});
