import { expect } from 'chai';
import { MAIN_FLOW, ORDER_STATUS_FLOW } from '../../src/db/seed/flows.js';
import { validateFlow, type FlowIssue } from '../../src/ivr/schema.js';

function issues(doc: unknown): FlowIssue[] {
  const r = validateFlow(doc);
  return r.ok ? [] : [...r.issues];
}

const base = () => ({
  start: 'hello',
  nodes: {
    hello: { type: 'play', prompt: ['sound:hello-world'], next: 'menu' },
    menu: { type: 'menu', prompt: ['sound:menu'], choices: { '1': 'q', '2': 'bye' }, onFailure: 'q' },
    q: { type: 'queue' },
    bye: { type: 'hangup' },
  },
});

describe('ivr/schema validateFlow', () => {
  it('accepts the demo flows and fills in defaults', () => {
    for (const doc of [MAIN_FLOW, ORDER_STATUS_FLOW, base()]) {
      const r = validateFlow(doc);
      expect(r.ok, JSON.stringify(r.ok ? null : r.issues)).to.equal(true);
    }
    const r = validateFlow(base());
    if (!r.ok) throw new Error('invalid');
    expect(r.flow.language).to.equal('en');
    const menu = r.flow.nodes.menu;
    expect(menu?.type === 'menu' && menu.timeoutMs).to.equal(5000);
    expect(menu?.type === 'menu' && menu.retries).to.equal(2);
  });

  it('names the path and reason of shape errors', () => {
    const doc = base() as { nodes: Record<string, Record<string, unknown>> };
    (doc.nodes.menu as Record<string, unknown>).choices = { '12': 'q' };
    (doc.nodes.hello as Record<string, unknown>).prompt = ['http://evil'];
    (doc.nodes.q as Record<string, unknown>).extra = 1;
    const found = issues(doc);
    const paths = found.map((i) => i.path);
    expect(paths).to.include('nodes.hello.prompt.0');
    expect(paths.some((p) => p.startsWith('nodes.menu.choices'))).to.equal(true);
    expect(found.find((i) => i.path.startsWith('nodes.q'))?.message).to.match(/extra|Unrecognized/i);
  });

  it('rejects unknown node types, missing fields and non-objects', () => {
    expect(issues({ start: 'a', nodes: { a: { type: 'dance' } } })[0]?.path).to.equal('nodes.a.type');
    expect(issues({ start: 'a', nodes: { a: { type: 'play', prompt: ['sound:x'] } } })[0]?.path).to.equal(
      'nodes.a.next',
    );
    expect(issues(null)[0]?.path).to.equal('(document)');
    expect(issues('flow')).to.have.length.greaterThan(0);
    expect(issues({ start: 'a', nodes: {} })[0]?.path).to.equal('nodes');
  });

  it('checks that every target and the start exist', () => {
    const doc = base();
    (doc.nodes.menu.choices as Record<string, string>)['3'] = 'nowhere';
    doc.start = 'missing';
    const found = issues(doc);
    expect(found).to.deep.include({ path: 'start', message: 'start node "missing" does not exist' });
    expect(found).to.deep.include({ path: 'nodes.menu.choices.3', message: 'target node "nowhere" does not exist' });
  });

  it('reports unreachable nodes', () => {
    const doc = base() as { nodes: Record<string, unknown> };
    doc.nodes.orphan = { type: 'hangup' };
    expect(issues(doc)).to.deep.equal([
      { path: 'nodes.orphan', message: 'node "orphan" is unreachable from start "hello"' },
    ]);
  });

  it('rejects loops without caller input but allows retries through a menu', () => {
    const loop = {
      start: 'a',
      nodes: {
        a: { type: 'play', prompt: ['sound:a'], next: 'b' },
        b: { type: 'set', variable: 'x', value: '1', next: 'c' },
        c: { type: 'hours', businessHours: 'main', open: 'a', closed: 'q' },
        q: { type: 'queue' },
      },
    };
    const found = issues(loop);
    expect(found).to.have.length(1);
    expect(found[0]?.message).to.match(/loop without caller input: .*a.*b.*c/);
    const self = { start: 'a', nodes: { a: { type: 'play', prompt: ['sound:a'], next: 'a' } } };
    expect(issues(self)[0]?.message).to.equal('loop without caller input: a -> a');
    const withMenu = {
      start: 'a',
      nodes: {
        a: { type: 'play', prompt: ['sound:a'], next: 'm' },
        m: { type: 'menu', prompt: ['sound:m'], choices: { '1': 'a', '2': 'q' }, onFailure: 'a' },
        q: { type: 'queue' },
      },
    };
    expect(issues(withMenu)).to.deep.equal([]);
  });

  it('checks collect details: digits range and a valid pattern', () => {
    const doc = {
      start: 'c',
      nodes: {
        c: {
          type: 'collect',
          prompt: ['sound:x'],
          variable: 'order_no',
          minDigits: 9,
          maxDigits: 8,
          pattern: '([0-9',
          next: 'q',
          onFailure: 'q',
        },
        q: { type: 'queue' },
      },
    };
    const found = issues(doc);
    expect(found.map((i) => i.path)).to.include.members(['nodes.c.minDigits', 'nodes.c.pattern']);
  });
});
