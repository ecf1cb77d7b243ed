import { expect } from 'chai';
import { pino } from 'pino';
import { MAIN_FLOW } from '../../src/db/seed/flows.js';
import {
  runFlow,
  type CollectResult,
  type IvrEnvironment,
  type IvrIo,
  type PlayResult,
} from '../../src/ivr/interpreter.js';
import type { SpeechRecogniser } from '../../src/ivr/recogniser.js';
import { validateFlow, type FlowDocument } from '../../src/ivr/schema.js';

/** A caller in a script: keys become available one "turn" at a time (a turn = one collect call). */
class FakeIo implements IvrIo {
  readonly callId = 'call-1';
  readonly channelId = 'chan-1';
  played: string[][] = [];
  hangupAtPlay = Infinity;
  failing = new Set<string>();
  constructor(private readonly turns: Array<string | null | 'hangup'>) {}
  async play(prompt: readonly string[]): Promise<PlayResult> {
    if (this.played.length >= this.hangupAtPlay) return 'hangup';
    this.played.push([...prompt]);
    return prompt.some((p) => this.failing.has(p)) ? 'failed' : 'done';
  }
  async collect(options: { max: number; terminator?: string }): Promise<CollectResult> {
    const turn = this.turns.shift();
    if (turn === 'hangup') return 'hangup';
    if (turn === undefined || turn === null) return { digits: '', ended: 'timeout' };
    const term = options.terminator !== undefined ? turn.indexOf(options.terminator) : -1;
    const digits = (term >= 0 ? turn.slice(0, term) : turn).slice(0, options.max);
    return { digits, ended: term >= 0 ? 'terminator' : digits.length >= options.max ? 'max' : 'timeout' };
  }
}

function env(over: Partial<IvrEnvironment> = {}): IvrEnvironment {
  return {
    lookups: {
      orderStatus: async (no) =>
        no === '20000001'
          ? { orderNo: no, status: 'in_transit', carrier: 'SF Express', eta: '2026-11-30', customerId: 1 }
          : null,
    },
    hours: { state: async (name) => (name === 'main' ? 'open' : null) },
    recogniser: { recognise: async () => null },
    now: () => new Date('2026-11-23T03:00:00Z'),
    logger: pino({ level: 'silent' }),
    ...over,
  };
}

function flow(doc: unknown): FlowDocument {
  const r = validateFlow(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.flow;
}

const main = flow(MAIN_FLOW);

describe('ivr/interpreter runFlow', () => {
  it('main menu: language, menu key → router queue node with the choice in vars', async () => {
    const io = new FakeIo(['2', '3']);
    const run = await runFlow(main, io, env());
    expect(run.outcome).to.deep.equal({ type: 'queue', queue: undefined, priority: undefined, skills: undefined });
    expect(run.vars).to.include({ menu: '3', language: 'en', hours: 'open' });
    expect(run.language).to.equal('en');
    expect(run.path).to.deep.equal(['welcome', 'hours', 'language', 'main_menu', 'route']);
  });

  it('order self-service: collects the number, reads the status back and hangs up', async () => {
    const io = new FakeIo([null, '1', '1', '20000001#', null]);
    const run = await runFlow(main, io, env());
    expect(run.outcome).to.deep.equal({ type: 'hangup', selfService: true });
    expect(run.vars).to.include({ order_no: '20000001', order_status: 'in_transit', self_service: 'order_status' });
    expect(io.played).to.deep.include([
      'sound:ariadne/order-number',
      'digits:20000001',
      'sound:ariadne/order-status-in-transit',
    ]);
    expect(run.path.slice(-3)).to.deep.equal(['lookup_order', 'after_status', 'goodbye']);
  });

  it('an unknown order number goes to an agent', async () => {
    const io = new FakeIo([null, '1', '1', '99999999']);
    const run = await runFlow(main, io, env());
    expect(run.outcome.type).to.equal('queue');
    expect(run.path).to.include('order_not_found');
  });

  it('invalid and missing input: re-prompts, then onFailure after the retries', async () => {
    const io = new FakeIo([null, '7', null, '#']);
    const run = await runFlow(main, io, env());
    expect(run.outcome.type).to.equal('queue');
    expect(io.played.filter((p) => p[0] === 'sound:ariadne/invalid-choice')).to.have.length(1);
    expect(io.played.filter((p) => p[0] === 'sound:ariadne/no-input')).to.have.length(1);
    expect(io.played.filter((p) => p[0] === 'sound:ariadne/main-menu')).to.have.length(3);
    expect(run.vars.menu).to.equal(undefined);
  });

  it('collect validation: too short, then pattern mismatch, then fails over', async () => {
    const doc = flow({
      start: 'c',
      nodes: {
        c: {
          type: 'collect',
          prompt: ['sound:x'],
          variable: 'pin',
          minDigits: 4,
          maxDigits: 4,
          pattern: '1[0-9]{3}',
          retries: 1,
          next: 'ok',
          onFailure: 'bad',
        },
        ok: { type: 'hangup' },
        bad: { type: 'queue', queue: 'general' },
      },
    });
    expect((await runFlow(doc, new FakeIo(['12', '2345']), env())).outcome).to.deep.include({
      type: 'queue',
      queue: 'general',
    });
    const good = await runFlow(doc, new FakeIo(['2345', '1234']), env());
    expect(good.outcome.type).to.equal('hangup');
    expect(good.vars.pin).to.equal('1234');
  });

  it('after hours and holidays take their branches', async () => {
    const closed = await runFlow(main, new FakeIo(['1']), env({ hours: { state: async () => 'closed' } }));
    expect(closed.path.slice(0, 4)).to.deep.equal(['welcome', 'hours', 'after_hours', 'after_hours_menu']);
    expect(closed.outcome).to.deep.equal({ type: 'voicemail', queue: 'general', maxSeconds: 120 });
    const holiday = await runFlow(main, new FakeIo([null, null]), env({ hours: { state: async () => 'holiday' } }));
    expect(holiday.path).to.include('holiday');
    expect(holiday.outcome.type).to.equal('voicemail');
  });

  it('a speech intent can answer a menu; DTMF still wins when pressed', async () => {
    const recogniser: SpeechRecogniser = {
      recognise: async ({ intents }) => (intents.includes('billing') ? { intent: 'billing', confidence: 0.9 } : null),
    };
    let pending: ((r: CollectResult) => void) | null = null;
    const io = new FakeIo([null]);
    // The menu's DTMF wait never resolves on its own: only the recogniser can end it.
    io.collect = (async (options: { max: number; signal?: AbortSignal }) => {
      if (options.signal) {
        return new Promise<CollectResult>((resolve) => {
          pending = resolve;
          options.signal?.addEventListener('abort', () => resolve({ digits: '', ended: 'timeout' }));
        });
      }
      return { digits: '', ended: 'timeout' };
    }) as IvrIo['collect'];
    const run = await runFlow(main, io, env({ recogniser }));
    expect(pending).to.not.equal(null);
    expect(run.vars).to.include({ menu: '2', intent: 'billing' });
    expect(run.path).to.include('set_billing');

    const dtmf = await runFlow(
      main,
      new FakeIo([null, '3']),
      env({ recogniser: { recognise: () => new Promise(() => undefined) } }),
    );
    expect(dtmf.vars.menu).to.equal('3');
  });

  it('a missing prompt, a missing business-hours table or a dead lookup breaks to the default queue', async () => {
    const io = new FakeIo(['1']);
    io.failing.add('sound:ariadne/main-menu');
    const r1 = await runFlow(main, io, env());
    expect(r1.outcome).to.deep.include({ type: 'error', node: 'main_menu' });
    const r2 = await runFlow(main, new FakeIo([]), env({ hours: { state: async () => null } }));
    expect(r2.outcome).to.deep.include({ type: 'error', node: 'hours' });
    const r3 = await runFlow(
      main,
      new FakeIo([null, '1', '1', '20000001']),
      env({ lookups: { orderStatus: async () => Promise.reject(new Error('db down')) } }),
    );
    expect(r3.outcome).to.deep.include({ type: 'error', node: 'lookup_order', reason: 'db down' });
  });

  it('a broken document at run time (bad node) and runaway flows end in error, never a throw', async () => {
    const broken = {
      ...main,
      nodes: { ...main.nodes, welcome: { type: 'play', prompt: ['sound:x'], next: 'ghost' } },
    } as FlowDocument;
    expect((await runFlow(broken, new FakeIo([]), env())).outcome).to.deep.include({ type: 'error', node: 'ghost' });
    const loop = flow({
      start: 'm',
      nodes: { m: { type: 'menu', prompt: ['sound:m'], choices: { '1': 'm' }, retries: 0, onFailure: 'm' } },
    });
    const r = await runFlow(loop, new FakeIo(Array(500).fill('1')), env({ maxSteps: 20 }));
    expect(r.outcome).to.deep.include({ type: 'error', reason: 'more than 20 steps' });
  });

  it('caller hang-up at any wait ends the run as caller_hangup, with vars filled in place', async () => {
    const vars: Record<string, string> = {};
    const path: string[] = [];
    const r = await runFlow(main, new FakeIo([null, '1', '1', 'hangup']), env(), { vars, path });
    expect(r.outcome).to.deep.equal({ type: 'caller_hangup' });
    expect(vars).to.include({ menu: '1', orders_choice: '1' });
    expect(path.at(-1)).to.equal('collect_order');
    const io = new FakeIo([]);
    io.hangupAtPlay = 0;
    expect((await runFlow(main, io, env())).outcome.type).to.equal('caller_hangup');
  });

  it('set, transfer and named queue nodes', async () => {
    const doc = flow({
      start: 's',
      language: 'zh',
      nodes: {
        s: { type: 'set', variable: 'source', value: 'ivr', next: 'm' },
        m: { type: 'menu', prompt: ['sound:m'], choices: { '1': 't', '2': 'q' }, onFailure: 'q' },
        t: { type: 'transfer', number: '+8613812345678' },
        q: { type: 'queue', queue: 'vip', priority: 70, skills: [{ skill: 'vip', minLevel: 2 }] },
      },
    });
    const t = await runFlow(doc, new FakeIo(['1']), env());
    expect(t.outcome).to.deep.equal({ type: 'transfer', number: '+8613812345678' });
    expect(t.vars.source).to.equal('ivr');
    expect(t.language).to.equal('zh');
    const q = await runFlow(doc, new FakeIo(['2']), env());
    expect(q.outcome).to.deep.equal({
      type: 'queue',
      queue: 'vip',
      priority: 70,
      skills: [{ skill: 'vip', minLevel: 2 }],
    });
  });
});
