/**
 * collectDigits over a minimal fake port (it only needs watchChannel): the generic contract.
 */
import { expect } from 'chai';
import { collectDigits } from '../../src/telephony/digits.js';
import type { ChannelEvent, ChannelListener } from '../../src/telephony/port.js';

function fakePort(): {
  port: { watchChannel(id: string, l: ChannelListener): () => void };
  send(e: ChannelEvent): void;
  watchers(): number;
} {
  const listeners = new Set<ChannelListener>();
  return {
    port: {
      watchChannel(_id, l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    send: (e) => [...listeners].forEach((l) => l(e)),
    watchers: () => listeners.size,
  };
}

const dtmf = (digit: string): ChannelEvent => ({ type: 'dtmf', digit, durationMs: 100 });

describe('telephony: collectDigits', () => {
  it('stops at the terminator (not included) and removes its watcher', async () => {
    const f = fakePort();
    const p = collectDigits(f.port, 'c', { maxDigits: 6, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000 });
    '12*#9'.split('').forEach((d) => f.send(dtmf(d)));
    expect(await p).to.deep.equal({ digits: '12*', end: 'terminator' });
    expect(f.watchers()).to.equal(0);
  });

  it('an empty terminator makes # an ordinary digit', async () => {
    const f = fakePort();
    const p = collectDigits(f.port, 'c', {
      maxDigits: 2,
      firstDigitTimeoutMs: 1000,
      interDigitTimeoutMs: 1000,
      terminator: '',
    });
    f.send(dtmf('#'));
    f.send(dtmf('1'));
    expect(await p).to.deep.equal({ digits: '#1', end: 'max_digits' });
  });

  it('inter-digit timeout keeps what came; first-digit timeout gives nothing', async () => {
    const f = fakePort();
    const p = collectDigits(f.port, 'c', { maxDigits: 6, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 30 });
    f.send(dtmf('4'));
    expect(await p).to.deep.equal({ digits: '4', end: 'timeout' });
    const q = collectDigits(f.port, 'c', { maxDigits: 6, firstDigitTimeoutMs: 20, interDigitTimeoutMs: 1000 });
    expect(await q).to.deep.equal({ digits: '', end: 'timeout' });
    expect(f.watchers()).to.equal(0);
  });

  it('hang-up, leaving the app and an abort end it', async () => {
    const f = fakePort();
    const p = collectDigits(f.port, 'c', { maxDigits: 6, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000 });
    f.send(dtmf('1'));
    f.send({ type: 'hangup', cause: 16, causeText: 'Normal Clearing' });
    expect(await p).to.deep.equal({ digits: '1', end: 'hangup' });
    const q = collectDigits(f.port, 'c', { maxDigits: 6, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000 });
    f.send({ type: 'left_app' });
    expect((await q).end).to.equal('cancelled');
    const ac = new AbortController();
    const r = collectDigits(f.port, 'c', {
      maxDigits: 6,
      firstDigitTimeoutMs: 1000,
      interDigitTimeoutMs: 1000,
      signal: ac.signal,
    });
    ac.abort();
    expect((await r).end).to.equal('cancelled');
    const pre = new AbortController();
    pre.abort();
    expect(
      (
        await collectDigits(f.port, 'c', {
          maxDigits: 6,
          firstDigitTimeoutMs: 1000,
          interDigitTimeoutMs: 1000,
          signal: pre.signal,
        })
      ).end,
    ).to.equal('cancelled');
    expect(f.watchers()).to.equal(0);
  });
});
