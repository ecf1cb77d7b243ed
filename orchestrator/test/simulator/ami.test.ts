import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error asterisk-manager ships no types
import AsteriskManager from 'asterisk-manager';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { FIXTURES } from './traceReplay.js';

type Msg = Record<string, string | string[]>;
interface Ami {
  on(ev: string, fn: (m: Msg) => void): void;
  action(a: Record<string, string>, cb: (err: Msg | undefined, res: Msg) => void): void;
  disconnect(): void;
}

function connect(sim: Simulator, secret: string): Ami {
  return AsteriskManager(sim.amiPort, '127.0.0.1', 'ami', secret, true) as Ami;
}

function act(ami: Ami, a: Record<string, string>): Promise<{ err: Msg | undefined; res: Msg }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no response to ${a.action}`)), 3000);
    ami.action(a, (err, res) => {
      clearTimeout(t);
      resolve({ err, res });
    });
  });
}

function waitFor<T>(pred: () => T | undefined, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('simulator AMI (asterisk-manager 0.2.0)', function () {
  this.timeout(10_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ amiUser: 'ami', amiSecret: 'ami', endpoints: { 'PJSIP/2001': {}, 'PJSIP/2009': { behaviour: 'unreachable' } } });
  });
  after(async () => {
    await sim.stop();
  });

  it('logs in like ami/_login.json: Success, FullyBooted, SuccessfulAuth', async () => {
    const login = JSON.parse(readFileSync(join(FIXTURES, 'ami', '_login.json'), 'utf8')) as { dir: string; msg?: Record<string, string> }[];
    const wantEvents = login.filter((x) => x.dir === 'event').map((x) => Object.keys(x.msg!).map((k) => k.toLowerCase()));
    const ami = connect(sim, 'ami');
    const events: Msg[] = [];
    ami.on('managerevent', (e) => events.push(e));
    await waitFor(() => (events.length >= 2 ? true : undefined));
    expect(events.map((e) => Object.keys(e))).to.deep.equal(wantEvents);
    expect(events.map((e) => e.event)).to.deep.equal(['FullyBooted', 'SuccessfulAuth']);
    const { err, res } = await act(ami, { action: 'Ping' });
    expect(err).to.equal(undefined);
    expect(res.ping).to.equal('Pong');
    ami.disconnect();
  });

  it('a wrong secret is refused and the session closed', async () => {
    const ami = connect(sim, 'wrong');
    const responses: Msg[] = [];
    let closed = false;
    ami.on('response', (r) => responses.push(r));
    ami.on('close', () => (closed = true));
    await waitFor(() => (closed ? true : undefined));
    expect(responses.map((r) => [r.response, r.message])).to.deep.equal([['Error', 'Authentication failed']]);
  });

  it('Command: core show version, dialplan reload, module reload, unknown command', async () => {
    const ami = connect(sim, 'ami');
    expect((await act(ami, { action: 'Command', command: 'core show version' })).res.output).to.match(/^Asterisk 22\./);
    expect((await act(ami, { action: 'Command', command: 'dialplan reload' })).res.output).to.equal('Dialplan reloaded.');
    expect((await act(ami, { action: 'Command', command: 'module reload res_pjsip.so' })).res.output).to.equal("Module 'res_pjsip.so' reloaded successfully.");
    const bad = await act(ami, { action: 'Command', command: 'frobnicate' });
    expect(bad.err?.response).to.equal('Error');
    expect((await act(ami, { action: 'Reload' })).res.response).to.equal('Success');
    expect((await act(ami, { action: 'NoSuchAction' })).err?.message).to.equal('Invalid/unknown command');
    ami.disconnect();
  });

  it('PJSIPShowEndpoints/PJSIPShowContacts/CoreShowChannels list the simulator state with EventList framing', async () => {
    const ami = connect(sim, 'ami');
    const events: Msg[] = [];
    ami.on('managerevent', (e) => events.push(e));
    const eps = await act(ami, { action: 'PJSIPShowEndpoints' });
    expect(eps.res.eventlist).to.equal('start');
    const done = await waitFor(() => events.find((e) => e.event === 'EndpointListComplete'));
    expect(done.listitems).to.equal('2');
    const list = events.filter((e) => e.event === 'EndpointList');
    expect(list.map((e) => [e.objectname, e.devicestate])).to.deep.equal([['2001', 'Not in use'], ['2009', 'Unavailable']]);
    expect(list.every((e) => e.actionid === eps.res.actionid)).to.equal(true);
    await act(ami, { action: 'PJSIPShowContacts' });
    const contacts = await waitFor(() => events.find((e) => e.event === 'ContactListComplete'));
    expect(contacts.listitems).to.equal('1');
    sim.control.placeCall({ from: '1', to: '2', app: 'nobody-here' });
    await act(ami, { action: 'CoreShowChannels' });
    const chans = await waitFor(() => events.find((e) => e.event === 'CoreShowChannelsComplete'));
    expect(chans.listitems).to.equal(String(sim.engine.channels.size));
    ami.disconnect();
  });
});
