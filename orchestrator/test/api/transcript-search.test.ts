import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { insertRecording } from '../../src/recording/index.js';
import type { Transcript } from '../../src/recording/transcripts.js';
import { call, startHarness, type Harness } from './harness.js';

// GET /api/transcripts/search through the API: who may search, what is refused, and the audit line
// (recording/transcript-search.ts has the matching tests).

describe('api: searching what was said (GET /api/transcripts/search)', function () {
  this.timeout(20_000);
  let h: Harness;
  const said = new Map<string, string>();
  const ids: Record<'support' | 'sales', string> = { support: '', sales: '' };
  const read = (recordingIds: readonly string[]): Promise<Transcript[]> =>
    Promise.resolve(
      recordingIds.map((recordingId) => ({
        recordingId,
        callId: null,
        state: 'done' as const,
        engine: 'test',
        language: 'en',
        text: said.get(recordingId) ?? '',
        segments: [{ start: 12.5, end: 14, text: said.get(recordingId) ?? '', speaker: null }],
        reason: null,
        audioSeconds: 14,
        tookMs: 1,
        createdAt: new Date(),
      })),
    );
  const search = (query: string, token = h.users.admin.token) =>
    call(h, 'GET', `/api/transcripts/search?${query}`, { token });

  before(async () => {
    h = await startHarness({ deps: { services: { transcripts: read } } });
    for (const name of ['support', 'sales'] as const) {
      const [q] = await h.t.db('queues').insert({ name, display_name: name, overflow: '[]' });
      const id = await insertRecording(h.t.db, {
        name: randomUUID(),
        queueId: Number(q),
        startedAt: new Date(Date.now() - 86_400_000),
      });
      await h.t
        .db('recording_transcripts')
        .insert({ recording_id: id, state: 'done', engine: 'test', created_at: new Date() });
      said.set(id, `${name}: I would like a refund`);
      ids[name] = id;
      if (name === 'support')
        await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: Number(q) });
    }
  });
  after(() => h.close());

  it('answers admins every queue and supervisors theirs, over the last week by default; audited', async () => {
    const all = await search('q=REFUND');
    expect(all.status).to.equal(200);
    expect(all.body).to.deep.include({ q: 'REFUND', scanned: 2, truncated: false });
    expect(Date.parse(all.body.to) - Date.parse(all.body.from)).to.equal(7 * 86_400_000);
    expect(all.body.hits.map((x: { recordingId: string }) => x.recordingId).sort()).to.deep.equal(
      [ids.support, ids.sales].sort(),
    );
    expect(all.body.hits[0].matches[0].at).to.equal(12.5);

    const mine = await search('q=refund', h.users.supervisor.token);
    expect(mine.body.hits.map((x: { recordingId: string }) => x.recordingId)).to.deep.equal([ids.support]);
    const audit = (await h.t.db('audit_log').where('action', 'transcript.search').select('actor', 'details')) as {
      actor: string;
      details: string;
    }[];
    expect(audit.map((a) => a.actor)).to.deep.equal(['admin', 'sup']);
    expect(JSON.parse(audit[1]!.details)).to.deep.include({ q: 'refund', hits: 1 });
  });

  it('refuses agents, and names what is wrong with a query', async () => {
    expect((await search('q=refund', h.users.agent.token)).status).to.equal(403);
    const day = (d: string) => encodeURIComponent(`${d}T00:00:00Z`);
    for (const [query, field, reason] of [
      ['', 'q', 'required'],
      ['q=a', 'q', 'at least 2 characters'],
      [`q=refund&from=${day('2026-12-02')}&to=${day('2026-12-01')}`, 'from', 'must be before `to`'],
      [`q=refund&from=${day('2024-01-01')}&to=${day('2026-01-01')}`, 'from', 'at most 366 days at once'],
      ['q=refund&from=yesterday', 'from', 'an ISO 8601 time such as 2026-01-31T09:00:00Z'],
    ] as const) {
      const r = await search(query);
      expect(r.status, query).to.equal(400);
      expect(r.body.error.details, query).to.deep.include({ in: 'query', field, reason });
    }
  });
});
