import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { insertRecording } from '../../src/recording/index.js';
import { fold, HIT_LIMIT, SCAN_LIMIT, searchTranscripts, snippets } from '../../src/recording/transcript-search.js';
import type { Transcript } from '../../src/recording/transcripts.js';
import type { TranscriptSegment } from '../../src/transcription/heard.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const DAY = 86_400_000;
const NOW = new Date('2026-12-08T12:00:00Z');

for (const dialect of DIALECTS) {
  describe(`recording/transcript-search: what was said, found (${dialect})`, function () {
    this.timeout(60_000);
    let t: TestDb;
    let support: number;
    let sales: number;
    /** What the fake reader opens, by recording id: the sealed texts stand in for themselves here. */
    let texts: Map<string, Pick<Transcript, 'text' | 'segments' | 'language'>>;
    let opened: number;

    const read = (ids: readonly string[]): Promise<Transcript[]> => {
      opened += ids.length;
      return Promise.resolve(
        ids.flatMap((id) => {
          const x = texts.get(id);
          return x
            ? [
                {
                  ...x,
                  recordingId: id,
                  callId: null,
                  state: 'done' as const,
                  engine: 'test',
                  reason: null,
                  audioSeconds: 10,
                  tookMs: 1,
                  createdAt: NOW,
                },
              ]
            : [];
        }),
      );
    };

    async function transcribed(opts: {
      at: Date;
      queueId: number;
      text: string;
      segments?: TranscriptSegment[] | null;
      state?: 'done' | 'skipped';
    }): Promise<string> {
      const id = await insertRecording(t.db, { name: randomUUID(), queueId: opts.queueId, startedAt: opts.at });
      await t.db('recording_transcripts').insert({
        recording_id: id,
        state: opts.state ?? 'done',
        engine: 'test',
        created_at: opts.at,
      });
      texts.set(id, { text: opts.text, segments: opts.segments ?? null, language: 'en' });
      return id;
    }

    beforeEach(async () => {
      t = await createTestDb(dialect);
      texts = new Map();
      opened = 0;
      support = Number((await t.db('queues').insert({ name: 'support', display_name: 'Support', overflow: '[]' }))[0]);
      sales = Number((await t.db('queues').insert({ name: 'sales', display_name: 'Sales', overflow: '[]' }))[0]);
    });
    afterEach(() => t.drop());

    const range = { from: new Date(NOW.getTime() - 7 * DAY), to: NOW };

    it('finds a phrase in segments whatever its case or width, with where it was said; newest first', async () => {
      const older = await transcribed({
        at: new Date(NOW.getTime() - 2 * DAY),
        queueId: support,
        text: 'hello. I want a REFUND now',
        segments: [
          { start: 0.5, end: 1, text: 'hello.', speaker: 'A' },
          { start: 61.25, end: 63, text: 'I want a REFUND now', speaker: 'B' },
        ],
      });
      const newer = await transcribed({
        at: new Date(NOW.getTime() - DAY),
        queueId: sales,
        text: '我要退款 ｒｅｆｕｎｄ please',
        segments: [{ start: 3, end: 5, text: '我要退款 ｒｅｆｕｎｄ please', speaker: null }],
      });
      await transcribed({ at: new Date(NOW.getTime() - DAY), queueId: support, text: 'all good, thanks' });

      const found = await searchTranscripts(t.db, read, { q: '  Refund ', ...range });
      expect(found).to.deep.include({ scanned: 3, truncated: false });
      expect(found.hits.map((h) => [h.recordingId, h.queueId, h.matches])).to.deep.equal([
        [newer, sales, [{ at: 3, text: '我要退款 ｒｅｆｕｎｄ please' }]],
        [older, support, [{ at: 61.25, text: 'I want a REFUND now' }]],
      ]);
      expect(found.hits[0]?.startedAt).to.equal(new Date(NOW.getTime() - DAY).toISOString());
      // A Chinese phrase too, and nothing for what nobody said.
      expect((await searchTranscripts(t.db, read, { q: '退款', ...range })).hits).to.have.length(1);
      expect((await searchTranscripts(t.db, read, { q: 'cancel my account', ...range })).hits).to.deep.equal([]);
    });

    it('a phrase said across two segments, or in a transcript of text only, is found in the text, without a time', async () => {
      const across = await transcribed({
        at: new Date(NOW.getTime() - DAY),
        queueId: support,
        text: 'my parcel never arrived',
        segments: [
          { start: 0, end: 1, text: 'my parcel', speaker: null },
          { start: 1, end: 2, text: 'never arrived', speaker: null },
        ],
      });
      const long = `${'x'.repeat(100)} the parcel never arrived ${'y'.repeat(100)}`;
      const plain = await transcribed({ at: new Date(NOW.getTime() - 2 * DAY), queueId: support, text: long });
      const found = await searchTranscripts(t.db, read, { q: 'parcel never', ...range });
      expect(found.hits.map((h) => [h.recordingId, h.matches.map((m) => m.at)])).to.deep.equal([
        [across, [null]],
        [plain, [null]],
      ]);
      const snippet = found.hits[1]?.matches[0]?.text ?? '';
      expect(snippet).to.match(/^…x+ the parcel never arrived y+…$/);
      expect(snippet.length).to.be.below(190);
    });

    it("keeps to the range, the queue asked for, a supervisor's queues and transcripts that are done", async () => {
      const inRange = await transcribed({ at: new Date(NOW.getTime() - DAY), queueId: support, text: 'refund' });
      await transcribed({ at: new Date(NOW.getTime() - 9 * DAY), queueId: support, text: 'refund' });
      await transcribed({ at: NOW, queueId: support, text: 'refund' }); // `to` is not in the range
      const sold = await transcribed({ at: new Date(NOW.getTime() - DAY), queueId: sales, text: 'refund' });
      await transcribed({ at: new Date(NOW.getTime() - DAY), queueId: sales, text: 'refund', state: 'skipped' });
      const ids = async (extra: { queueId?: number; queueIds?: number[] }) =>
        (await searchTranscripts(t.db, read, { q: 'refund', ...range, ...extra })).hits
          .map((h) => h.recordingId)
          .sort();
      expect(await ids({})).to.deep.equal([inRange, sold].sort());
      expect(await ids({ queueId: sales })).to.deep.equal([sold]);
      expect(await ids({ queueIds: [support] })).to.deep.equal([inRange]);
      expect(await ids({ queueIds: [] })).to.deep.equal([]);
      expect(opened, 'the skipped transcript is never opened').to.equal(2 + 1 + 1 + 0);
    });

    it(`reads at most ${SCAN_LIMIT} transcripts, the newest, and says when it stopped`, async () => {
      const rows = Array.from({ length: SCAN_LIMIT + 1 }, (_, i) => ({
        id: randomUUID(),
        name: `r${i}`,
        queue_id: support,
        state: 'uploaded',
        // The oldest is the one left out.
        started_at: new Date(NOW.getTime() - DAY + i * 1000),
        format: 'wav',
      }));
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await t.db('recordings').insert(chunk);
        await t
          .db('recording_transcripts')
          .insert(chunk.map((r) => ({ recording_id: r.id, state: 'done', engine: 'test', created_at: NOW })));
      }
      // One in forty said it: 125 of the newest 5,000.
      const say = (every: number) => {
        for (const [i, r] of rows.entries())
          texts.set(r.id, { text: i % every === 0 ? 'refund' : 'fine', segments: null, language: 'en' });
      };
      say(40);
      const found = await searchTranscripts(t.db, read, { q: 'refund', ...range });
      expect(found).to.deep.include({ scanned: SCAN_LIMIT, truncated: true });
      expect(found.hits).to.have.length(125);
      expect(found.hits.map((h) => h.recordingId)).to.not.include(rows[0]?.id);
      // Everyone said it: the first hundreds read give more calls than a search answers, and it stops there.
      say(1);
      const many = await searchTranscripts(t.db, read, { q: 'refund', ...range });
      expect(many).to.deep.include({ scanned: 500, truncated: true });
      expect(many.hits).to.have.length(HIT_LIMIT);
      expect(many.hits[0]?.recordingId).to.equal(rows[SCAN_LIMIT]?.id);
    });
  });
}

describe('recording/transcript-search: folding and snippets', () => {
  it('folds case, width and runs of spaces', () => {
    expect(fold('ＲＥＦＵＮＤ  Please\nNOW')).to.equal('refund please now');
  });

  it('cuts around each place, up to the limit, marking the cuts', () => {
    const text = `${'a'.repeat(80)} refund ${'b'.repeat(80)} refund`;
    expect(snippets(text, 'refund', 5)).to.deep.equal([
      `…${'a'.repeat(59)} refund ${'b'.repeat(59)}…`,
      `…${'b'.repeat(59)} refund`,
    ]);
    expect(snippets(text, 'refund', 1)).to.have.length(1);
    expect(snippets('short refund', 'refund', 3)).to.deep.equal(['short refund']);
  });
});
