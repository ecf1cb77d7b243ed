import { expect } from 'chai';
import { type Page } from 'playwright-core';
import { AUTO_ANSWER_VALUE } from '../../src/calls/auto-answer.js';
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
import { FakeSipServer, addrUri, digestParams, header, headerValues, type InviteCall } from './support/fake-sip.js';
import {
  acceptAnswer,
  closePeer,
  createOffer,
  peerStats,
  recordPeerConnections,
  softphoneAudio,
  softphonePeer,
} from './support/webrtc-peer.js';

// The workspace's browser softphone against a stand-in for Asterisk's SIP over WebSocket (support/fake-sip.ts): it
// registers with the agent's endpoint and password (a digest challenge checks it), rings on an INVITE, answers with
// the microphone and carries real audio, with ICE and DTLS-SRTP, to a second Chromium page standing for Asterisk's
// WebRTC side (support/webrtc-peer.ts); mutes, sends DTMF, hangs up, declines. The admin sets and removes the
// password on the agents page. CI has no Asterisk: the SIP server is the fake one, the media are real.

const user = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const DOMAIN = 'pbx.example.com';
const PASSWORD = 'Webrtc-secret-2001';
const CARD = '[data-testid=softphone]';
const STATUS = '[data-testid=softphone-status]';
const CALLER = { name: 'Ada Lovelace', number: '+8613812345678' };
const EDITOR = '[data-testid=agent-editor]';

describe('the workspace softphone in a browser (JsSIP against a fake SIP-over-WebSocket server)', function () {
  this.timeout(180_000);
  let sip: FakeSipServer;
  before(async () => {
    sip = await FakeSipServer.start({ passwords: {} });
  });
  // The harness's demo stack with the softphone pointed at the fake SIP server, and Chromium with a fake microphone
  // (a beep) that every page may use until a test takes the permission away.
  const suite = browserSuite({
    env: () => ({ ARIADNE_SOFTPHONE_WS_URL: sip.url, ARIADNE_SOFTPHONE_SIP_DOMAIN: DOMAIN }),
    chromiumArgs: [
      '--use-fake-device-for-media-stream',
      // ICE over 127.0.0.1 too, so the media test needs no network interface besides loopback.
      '--allow-loopback-in-peer-connection',
    ],
    permissions: ['microphone'],
  });
  const newPage = () => suite.newPage();
  let stack: Stack;
  let agentId: number;
  let agentName: string;
  let username: string;
  /** The agent's workspace (page A) and the far end's page (B). */
  let page: Page;
  let far: Page;
  let errors: string[];

  /** Offers a call to the softphone: a fresh peer's offer in an INVITE from the caller. */
  const ring = async (peer: string, caller = CALLER, headers: [string, string][] = []): Promise<InviteCall> => {
    const sdp = await createOffer(far, peer);
    return sip.invite(username, caller, sdp, headers);
  };
  const callState = (p: Page) => p.getAttribute(CARD, 'data-call');
  /** The Agents page, signed in as the admin, and the selector of the softphone agent's row. */
  const agentsPageAsAdmin = async (): Promise<{ admin: Page; adminErrors: string[]; row: string }> => {
    const admin = await newPage();
    const adminErrors = watchErrors(admin);
    await signIn(admin, stack.app.url, 'admin', user('admin').password);
    await admin.goto(`${stack.app.url}/#/admin/agents`);
    return { admin, adminErrors, row: `[data-testid=agents] tbody tr:has(td:text-is("${agentName}"))` };
  };

  before(async () => {
    stack = suite.stack();
    const agent = await agentOf(stack.app, 'agent');
    agentId = agent.id;
    agentName = agent.name;
    username = agent.endpoint.replace(/^PJSIP\//, '');
    far = await newPage();
    await far.goto(`${stack.app.url}/healthz`);
  });
  after(async () => {
    await sip?.close();
  });

  it('without a softphone password the workspace says so in one quiet line, and nothing registers', async () => {
    page = await newPage();
    await recordPeerConnections(page);
    errors = watchErrors(page);
    await signIn(page, stack.app.url, 'agent', user('agent').password);
    const off = '[data-testid=softphone-off]';
    expect(await waitText(page, off, (t) => t !== '')).to.equal(
      `Softphone: no softphone password is set for PJSIP/${username}: ask an admin`,
    );
    expect(await page.getAttribute(off, 'class')).to.contain('muted');
    expect(await page.$(CARD)).to.equal(null);
    expect(await page.$('[data-testid=softphone-answer]')).to.equal(null);
    expect(sip.connections).to.deep.equal([]);
    await shot(page, 'softphone-no-password');
    // No softphone is an answer, not an error: the page logged none.
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('an admin sets the password in the agent form (write-only); a supervisor sees only that it is set', async () => {
    const { admin, adminErrors, row } = await agentsPageAsAdmin();
    await waitText(admin, `${row} [data-testid=agent-softphone]`, (t) => t === 'not set');
    await admin.click(`${row} button:has-text("Edit")`);
    const input = `${EDITOR} input[name=softphonePassword]`;
    await admin.waitForSelector(input);
    expect(await admin.getAttribute(input, 'type')).to.equal('password');
    expect(await admin.getAttribute(input, 'placeholder')).to.equal('not set');
    expect(await admin.$('[data-testid=softphone-remove]')).to.equal(null);
    // Too short: the browser's own check keeps the form open, nothing is stored.
    await admin.fill(input, 'short');
    await admin.click(`${EDITOR} button[type=submit]`);
    expect(
      await admin.$eval(input, (el) => (el as unknown as { validity: { valid: boolean } }).validity.valid),
    ).to.equal(false);
    expect(await stack.app.db('agent_softphones').where({ agent_id: agentId }).first()).to.equal(undefined);

    await admin.fill(input, PASSWORD);
    // A headset agent: the same form sets their phone to answer on its own.
    expect(await admin.isChecked(`${EDITOR} input[name=autoAnswer]`)).to.equal(false);
    await admin.check(`${EDITOR} input[name=autoAnswer]`);
    const put = admin.waitForResponse((r) => r.url().endsWith(`/api/agents/${agentId}/softphone`));
    await admin.click(`${EDITOR} button[type=submit]`);
    expect((await put).request().method()).to.equal('PUT');
    await admin.waitForSelector(EDITOR, { state: 'detached' });
    await waitText(admin, `${row} [data-testid=agent-softphone]`, (t) => t === 'set');
    const stored = (await stack.app.db('agent_softphones').where({ agent_id: agentId }).first()) as {
      password: string;
      updated_at: unknown;
    };
    expect(stored.password).to.equal(PASSWORD);
    expect(stored.updated_at).to.not.equal(null);
    const saved = (await stack.app.db('agents').where({ id: agentId }).first('auto_answer')) as {
      auto_answer: unknown;
    };
    expect(Boolean(Number(saved.auto_answer)), 'answers on its own').to.equal(true);
    await stack.app.db('agents').where({ id: agentId }).update({ auto_answer: false });
    // Never shown again: not in the page, not in a field when the form opens again (its placeholder says it is set).
    expect(await admin.content()).to.not.contain(PASSWORD);
    await admin.click(`${row} button:has-text("Edit")`);
    await admin.waitForSelector(input);
    expect(await admin.inputValue(input)).to.equal('');
    expect(await admin.getAttribute(input, 'placeholder')).to.equal('•••••••• (set)');
    expect(await admin.$('[data-testid=softphone-remove]')).to.not.equal(null);
    expect(await admin.content()).to.not.contain(PASSWORD);
    await shot(admin, 'softphone-admin-set');
    await admin.click(`${EDITOR} button:has-text("Cancel")`);
    expect(realErrors(adminErrors)).to.deep.equal([]);

    const supervisor = await newPage();
    const supervisorErrors = watchErrors(supervisor);
    await signIn(supervisor, stack.app.url, 'supervisor', user('supervisor').password);
    await supervisor.goto(`${stack.app.url}/#/admin/agents`);
    await waitText(supervisor, `${row} [data-testid=agent-softphone]`, (t) => t === 'set');
    expect(await supervisor.$(`${row} button:has-text("Edit")`)).to.equal(null);
    expect(await supervisor.$('input[name=softphonePassword]')).to.equal(null);
    expect(await supervisor.content()).to.not.contain(PASSWORD);
    await shot(supervisor, 'softphone-supervisor');
    expect(realErrors(supervisorErrors)).to.deep.equal([]);
    await supervisor.context().close();
  });

  it('registers the agent’s endpoint with its password and shows it registered', async () => {
    sip.setPassword(username, PASSWORD);
    const from = sip.received.length;
    await page.reload();
    await waitText(page, STATUS, (t) => t.includes('registered'), 15_000);
    expect((await page.textContent(STATUS))!.trim()).to.equal(`Softphone ${username} · registered`);
    expect(await page.getAttribute(CARD, 'data-registration')).to.equal('registered');
    expect(await page.getAttribute(`${STATUS} .softphone-dot`, 'class')).to.contain('softphone-dot-registered');

    // SIP over WebSocket (subprotocol sip): challenged, then REGISTER for sip:<endpoint>@<domain> with the digest.
    expect(sip.connections).to.deep.equal(['sip']);
    const registers = sip.received.slice(from).filter((m) => m.method === 'REGISTER');
    expect(registers.length).to.be.greaterThanOrEqual(2);
    const [first, second] = registers as [(typeof registers)[0], (typeof registers)[0]];
    expect(first.uri).to.equal(`sip:${DOMAIN}`);
    expect(addrUri(header(first, 'from')!)).to.equal(`sip:${username}@${DOMAIN}`);
    expect(addrUri(header(first, 'to')!)).to.equal(`sip:${username}@${DOMAIN}`);
    expect(header(first, 'authorization')).to.equal(undefined);
    expect(header(first, 'via')).to.match(/^SIP\/2\.0\/WS \S+\.invalid;branch=z9hG4bK/);
    expect(header(first, 'contact')).to.match(/;transport=ws>.*;expires=\d+/);
    const auth = digestParams(header(second, 'authorization')!);
    expect(auth).to.include({ username, realm: 'ariadne-test', uri: `sip:${DOMAIN}` });
    // The server checked the digest against the password: the registration is in force.
    const reg = sip.registrations.get(username)!;
    expect(reg).to.include({
      from: `sip:${username}@${DOMAIN}`,
      to: `sip:${username}@${DOMAIN}`,
      authUsername: username,
    });
    expect(reg.contact).to.match(/^sip:\w+@\w+\.invalid;transport=ws$/);
    expect(await page.$('[data-testid=softphone-disconnect]')).to.not.equal(null);
    await shot(page, 'softphone-registered');
  });

  it('a call rings with the caller; Answer sends the SDP answer and real audio flows both ways', async () => {
    const call = await ring('first');
    await page.waitForSelector(`${CARD}[data-call=ringing]`, { timeout: 10_000 });
    expect(await waitText(page, '[data-testid=softphone-caller]', (t) => t !== '')).to.equal(
      `${CALLER.name} (${CALLER.number})`,
    );
    expect(await page.textContent('[data-testid=softphone-ringing]')).to.contain('Incoming call from');
    expect(await page.getAttribute('[data-testid=softphone-ringing]', 'role')).to.equal('alert');
    // The softphone said it rings (180) and waits.
    await call.response('180 Ringing', (s) => s === 180);
    await shot(page, 'softphone-ringing');

    await page.click('[data-testid=softphone-answer]');
    const ok = await call.final();
    expect(ok.status).to.equal(200);
    expect(header(ok, 'content-type')).to.equal('application/sdp');
    expect(ok.body).to.match(/^v=0\r\n/);
    expect(ok.body).to.match(/^a=fingerprint:sha-256 /m);
    expect(ok.body).to.match(/^a=candidate:/m);
    expect(ok.body).to.match(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
    expect(header(ok, 'contact')).to.match(/;transport=ws>/);
    await acceptAnswer(far, 'first', ok.body);
    await page.waitForSelector(`${CARD}[data-call=connected]`, { timeout: 10_000 });

    // ICE and DTLS complete between the two pages; each side receives the other's audio.
    const remote = await until(
      'the far end connected and receiving audio',
      async () => {
        const s = await peerStats(far, 'first');
        return s.connectionState === 'connected' && s.packetsReceived > 0 ? s : undefined;
      },
      20_000,
    );
    expect(remote.remoteTrack).to.deep.equal({ readyState: 'live', muted: false });
    const mine = await until(
      'the softphone receiving audio',
      async () => {
        const s = await softphonePeer(page);
        return s.connectionState === 'connected' && s.packetsReceived > 0 ? s : undefined;
      },
      20_000,
    );
    expect(mine.micEnabled).to.equal(true);
    expect(await softphoneAudio(page)).to.deep.equal({ readyState: 'live', autoplay: true });
    expect(await page.textContent('[data-testid=softphone-call]')).to.contain(`On call with ${CALLER.name}`);
    await waitText(page, '[data-testid=softphone-timer]', (t) => /^0:0[1-9]$/.test(t));
    await shot(page, 'softphone-connected');

    // Mute: the microphone track is disabled (and the badge shows); Unmute brings it back.
    await page.click('[data-testid=softphone-mute]');
    await page.waitForSelector('[data-testid=softphone-muted]');
    expect((await softphonePeer(page)).micEnabled).to.equal(false);
    expect((await page.textContent('[data-testid=softphone-mute]'))!.trim()).to.equal('Unmute');
    await shot(page, 'softphone-muted');
    await page.click('[data-testid=softphone-mute]');
    await page.waitForSelector('[data-testid=softphone-muted]', { state: 'detached' });
    expect((await softphonePeer(page)).micEnabled).to.equal(true);

    // DTMF: the keypad's 5 goes as SIP INFO (JsSIP's default; Asterisk turns it into a digit).
    await page.click('[data-testid=softphone-keypad]');
    expect(
      await page.$$eval('[data-testid=softphone-pad] [data-key]', (keys) => keys.map((k) => k.textContent)),
    ).to.deep.equal(['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']);
    await page.click('[data-testid=softphone-pad] [data-key="5"]');
    const info = await call.request('INFO');
    expect(header(info, 'content-type')).to.equal('application/dtmf-relay');
    expect(info.body).to.match(/^Signal=5\r\nDuration=\d+$/);
    expect(await page.textContent('[data-testid=softphone-sent]')).to.equal('Sent 5');
    await shot(page, 'softphone-keypad');

    // Hang up: BYE (answered 200 by the server); the card says so, then goes idle.
    await page.click('[data-testid=softphone-hangup]');
    const bye = await call.request('BYE');
    expect(headerValues(bye, 'via')[0]).to.match(/branch=z9hG4bK/);
    expect(await waitText(page, '[data-testid=softphone-ended]', (t) => t !== '')).to.equal(
      `You hung up · ${CALLER.name} (${CALLER.number})`,
    );
    expect(await softphoneAudio(page)).to.equal(null);
    await closePeer(far, 'first');
    await page.waitForSelector(`${CARD}[data-call=idle]`, { timeout: 10_000 });
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('Decline refuses a call with 603; a call while on another gets 486; the caller hanging up ends it', async () => {
    const declined = await ring('declined', { name: 'Grace Hopper', number: '+8613900001111' });
    await page.waitForSelector(`${CARD}[data-call=ringing]`, { timeout: 10_000 });
    expect(await page.textContent('[data-testid=softphone-caller]')).to.equal('Grace Hopper (+8613900001111)');
    await page.click('[data-testid=softphone-decline]');
    const refused = await declined.final();
    expect([refused.status, refused.reason]).to.deep.equal([603, 'Decline']);
    expect(await waitText(page, '[data-testid=softphone-ended]', (t) => t !== '')).to.contain('Declined');
    await shot(page, 'softphone-declined');
    await closePeer(far, 'declined');

    const answered = await ring('second');
    await page.waitForSelector(`${CARD}[data-call=ringing]`, { timeout: 10_000 });
    await page.click('[data-testid=softphone-answer]');
    const ok = await answered.final();
    expect(ok.status).to.equal(200);
    await acceptAnswer(far, 'second', ok.body);
    await page.waitForSelector(`${CARD}[data-call=connected]`, { timeout: 10_000 });
    // One call at a time: another INVITE now is busy, and the call on the card stays.
    const busy = await ring('busy', { name: 'Busy Caller', number: '+8613900002222' });
    const refusedBusy = await busy.final();
    expect(refusedBusy.status).to.equal(486);
    expect(await callState(page)).to.equal('connected');
    await closePeer(far, 'busy');

    // The caller hangs up: BYE from the server, 200 from the softphone.
    const byeOk = await answered.bye();
    expect(byeOk.status).to.equal(200);
    expect(await waitText(page, '[data-testid=softphone-ended]', (t) => t !== '')).to.contain('The call ended');
    await closePeer(far, 'second');
    await page.waitForSelector(`${CARD}[data-call=idle]`, { timeout: 10_000 });
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('an agent set to answer on its own: the INVITE asks (Call-Info answer-after=0) and the phone answers, no click', async () => {
    const auto = await ring('auto', { name: 'Auto Caller', number: '+8613900003333' }, [
      ['Call-Info', AUTO_ANSWER_VALUE],
    ]);
    const ok = await auto.final();
    expect(ok.status).to.equal(200);
    await acceptAnswer(far, 'auto', ok.body);
    await page.waitForSelector(`${CARD}[data-call=connected]`, { timeout: 10_000 });
    expect(await page.textContent('[data-testid=softphone-caller]')).to.equal('Auto Caller (+8613900003333)');
    expect((await auto.bye()).status).to.equal(200);
    await closePeer(far, 'auto');
    await page.waitForSelector(`${CARD}[data-call=idle]`, { timeout: 10_000 });
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a microphone the browser refuses: Answer says why and the call keeps ringing until allowed', async () => {
    // The microphone no longer granted: headless Chromium refuses the prompt (as an agent's "Block" would).
    const permit = async (granted: boolean) => {
      if (granted) await page.context().grantPermissions(['microphone']);
      else await page.context().clearPermissions();
    };
    await permit(false);
    try {
      const call = await ring('denied');
      await page.waitForSelector(`${CARD}[data-call=ringing]`, { timeout: 10_000 });
      await page.click('[data-testid=softphone-answer]');
      const said = await waitText(page, '[data-testid=softphone-mic-error]', (t) => t !== '');
      expect(said).to.match(/^Microphone blocked: allow this page to use the microphone/);
      expect(await page.getAttribute('[data-testid=softphone-mic-error]', 'role')).to.equal('alert');
      expect(await callState(page)).to.equal('ringing');
      expect(call.messages().filter((m) => m.status !== undefined && m.status >= 200)).to.deep.equal([]);
      await shot(page, 'softphone-mic-denied');

      // Allowed now: Answer again works.
      await permit(true);
      await page.click('[data-testid=softphone-answer]');
      const ok = await call.final();
      expect(ok.status).to.equal(200);
      await page.waitForSelector('[data-testid=softphone-mic-error]', { state: 'detached' });
      await page.click('[data-testid=softphone-hangup]');
      await call.request('BYE');
      await page.waitForSelector(`${CARD}[data-call=ended]`);
      await closePeer(far, 'denied');
    } finally {
      await permit(true);
    }
  });

  it('Disconnect unregisters (Expires 0) and Connect registers again', async () => {
    const from = sip.received.length;
    await page.click('[data-testid=softphone-disconnect]');
    await waitText(page, STATUS, (t) => t.endsWith('· disconnected'));
    const unregister = await sip.waitFor(
      'REGISTER with expires=0',
      (m) => m.method === 'REGISTER' && /expires=0\b/.test(header(m, 'contact') ?? '') && !!header(m, 'authorization'),
      from,
    );
    expect(addrUri(header(unregister, 'to')!)).to.equal(`sip:${username}@${DOMAIN}`);
    await until('the registration removed', async () => (sip.registrations.has(username) ? undefined : true));
    expect(await page.getAttribute(`${STATUS} .softphone-dot`, 'class')).to.contain('softphone-dot-unregistered');
    await shot(page, 'softphone-disconnected');
    await page.click('[data-testid=softphone-connect]');
    await waitText(page, STATUS, (t) => t.endsWith('· registered'), 15_000);
    expect(sip.registrations.has(username)).to.equal(true);
  });

  it('a wrong password is refused by the server and the card says so', async () => {
    sip.setPassword(username, 'another-password');
    await page.reload();
    expect(await waitText(page, STATUS, (t) => t.includes('refused'), 15_000)).to.equal(
      `Softphone ${username} · the phone server refused the password`,
    );
    expect(await page.getAttribute(`${STATUS} .softphone-dot`, 'class')).to.contain('softphone-dot-failed');
    expect(await page.$('[data-testid=softphone-connect]')).to.not.equal(null);
    await shot(page, 'softphone-refused');
    sip.setPassword(username, PASSWORD);
    await page.click('[data-testid=softphone-connect]');
    await waitText(page, STATUS, (t) => t.endsWith('· registered'), 15_000);
  });

  it('the admin removes the password: the row says not set and the workspace offers no softphone', async () => {
    const { admin, adminErrors, row } = await agentsPageAsAdmin();
    await waitText(admin, `${row} [data-testid=agent-softphone]`, (t) => t === 'set');
    await admin.click(`${row} button:has-text("Edit")`);
    await admin.waitForSelector('[data-testid=softphone-remove]');
    admin.once('dialog', (d) => void d.accept());
    const removed = admin.waitForResponse((r) => r.url().endsWith(`/api/agents/${agentId}/softphone`));
    await admin.click('[data-testid=softphone-remove]');
    expect([(await removed).request().method(), (await removed).status()]).to.deep.equal(['DELETE', 204]);
    await admin.waitForSelector('[data-testid=softphone-remove]', { state: 'detached' });
    expect(await admin.getAttribute(`${EDITOR} input[name=softphonePassword]`, 'placeholder')).to.equal('not set');
    await waitText(admin, `${row} [data-testid=agent-softphone]`, (t) => t === 'not set');
    expect(await stack.app.db('agent_softphones').where({ agent_id: agentId }).first()).to.equal(undefined);
    await shot(admin, 'softphone-admin-removed');
    expect(realErrors(adminErrors)).to.deep.equal([]);

    await page.reload();
    expect(await waitText(page, '[data-testid=softphone-off]', (t) => t !== '')).to.contain(
      'no softphone password is set',
    );
    expect(await page.$(CARD)).to.equal(null);
  });
});
