import { expect } from 'chai';
import { RepeatedFrames } from '../../src/telephony/repeated-frames.js';

describe('telephony: repeated frames (a PJSIP channel event forwarded twice by endpoint:PJSIP)', () => {
  const dtmf = (digit: string, ms: number): string =>
    JSON.stringify({ type: 'ChannelDtmfReceived', timestamp: `2026-12-07T06:27:35.${ms}+0000`, digit });

  it('drops the second copy of a frame, keeps every distinct event, forgets frames older than its capacity', () => {
    const frames = new RepeatedFrames(3);
    expect(frames.seen(dtmf('5', 100))).to.equal(false);
    expect(frames.seen(dtmf('5', 100)), 'the copy').to.equal(true);
    // The same key pressed again is another event: another timestamp.
    expect(frames.seen(dtmf('5', 400))).to.equal(false);
    expect(frames.seen(dtmf('6', 400))).to.equal(false);
    expect(frames.seen(dtmf('7', 400))).to.equal(false);
    // Three newer frames since: the first is forgotten.
    expect(frames.seen(dtmf('5', 100))).to.equal(false);
    expect(frames.seen(dtmf('7', 400))).to.equal(true);
  });
});
