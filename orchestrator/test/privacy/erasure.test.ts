import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HttpError } from '../../src/http/errors.js';
import { exportCaller } from '../../src/privacy/access.js';
import { ERASED, eraseCaller, type ErasureRequest, type ErasureResult } from '../../src/privacy/erasure.js';
import { maskNumber, numberForms } from '../../src/privacy/number-forms.js';
import { createScorecard } from '../../src/quality/scorecards.js';
import {
  createRecordingPipeline,
  getRecording,
  insertRecording,
  type RecordingPipeline,
} from '../../src/recording/index.js';
import type { ObjectStore } from '../../src/recording/storage/index.js';
import type { Transcript } from '../../src/recording/transcripts.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { FakeSource, makeWav } from '../recording/support.js';

// A caller asks for their data to be erased. Wang Fang is known by two numbers (a mobile and a Shanghai landline);
// Li Qiang, another customer, must come out of it untouched. The recordings go through the real pipeline (a file
// store and a replica): uploaded before, deleted by the jobs the erasure queues.

const MOBILE = '+8613812345678';
const LANDLINE = '+862161234567';
const OTHER = '+8613912345678';
/** What of the erased person must appear nowhere afterwards (the do-not-call entry aside). */
const TRACES = ['13812345678', '61234567', 'Wang Fang', 'WANG FANG', 'wang.fang@example.com', 'kind agent'];
/** What of the other customer must still be there. */
const KEPT = ['13912345678', 'Li Qiang'];
const KEY = `key-a:${randomBytes(32).toString('base64')}`;

/** Every table that holds callers' data, read whole: what a dry run must leave exactly as it was. */
const TABLES = [
  'customers',
  'customer_phones',
  'orders',
  'contacts',
  'calls',
  'call_events',
  'recordings',
  'recording_replicas',
  'recording_transcripts',
  'voicemails',
  'tickets',
  'survey_responses',
  'evaluations',
  'survey_requests',
  'callbacks',
  'campaign_contacts',
  'do_not_call',
  'audit_log',
  'jobs',
] as const;

async function list(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list('recordings/')) out.push(o.key);
  return out.sort();
}

for (const dialect of DIALECTS) {
  describe(`privacy/erasure: a caller's data erased (${dialect})`, function () {
    this.timeout(60_000);
    let t: TestDb;
    let dir: string;
    let source: FakeSource;
    let pipeline: RecordingPipeline;
    const logLines: string[] = [];
    const admin = { id: 0, username: 'admin' };
    const now = new Date('2026-12-01T10:00:00Z');
    const ids = {
      wang: 0,
      li: 0,
      queue: 0,
      agent: 0,
      campaign: 0,
      calls: [] as string[],
      liCall: '',
      recordings: [] as string[],
      voicemailRecording: '',
      liRecording: '',
      wangTickets: [] as number[],
      liTicket: 0,
    };

    /** The numbers each erasure told to forget (the identification cache's). */
    const forgotten: (readonly string[])[] = [];
    const erase = (request: ErasureRequest): Promise<ErasureResult> =>
      eraseCaller(t.db, request, {
        defaultCountry: 'CN',
        now,
        by: { user: admin, ip: '10.0.0.9' },
        forget: (numbers) => void forgotten.push(numbers),
      });

    const count = async (table: string): Promise<number> => {
      const [{ n }] = (await t.db(table).count({ n: '*' })) as [{ n: number | string }];
      return Number(n);
    };

    async function snapshot(): Promise<Record<string, unknown[]>> {
      const out: Record<string, unknown[]> = {};
      for (const table of TABLES) out[table] = await t.db(table).select('*').orderByRaw('1');
      return out;
    }

    /** Every row of every table, as text: where a trace of someone would show. */
    async function everything(except: readonly string[] = []): Promise<string> {
      const snap = await snapshot();
      return TABLES.filter((x) => !except.includes(x))
        .map((x) => JSON.stringify(snap[x]))
        .join('\n');
    }

    /** Runs the due jobs until none is due (a job put in the future stays). */
    async function runDueJobs(): Promise<void> {
      for (let i = 0; i < 50; i++) {
        await pipeline.runner.drain();
        const [{ n }] = (await t
          .db('jobs')
          .whereIn('state', ['pending', 'running'])
          .where('run_at', '<=', new Date())
          .count({ n: 'id' })) as [{ n: number | string }];
        if (Number(n) === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('jobs did not settle');
    }

    async function addCall(c: {
      customerId: number | null;
      raw: string;
      e164: string | null;
      name?: string;
      direction?: 'inbound' | 'outbound';
      state?: string;
      arrivedAt?: Date;
      disposition?: string;
    }): Promise<string> {
      const id = randomUUID();
      await t.db('calls').insert({
        id,
        node: 'asterisk-1',
        channel_id: `ch-${id}`,
        owner: 'test',
        state: c.state ?? 'ended',
        caller_raw: c.raw,
        caller_e164: c.e164,
        caller_name: c.name ?? null,
        did: '4007188668',
        customer_id: c.customerId,
        tier: 'gold',
        language: 'zh',
        queue_id: ids.queue,
        agent_id: ids.agent,
        arrived_at: c.arrivedAt ?? new Date('2026-11-20T09:00:00Z'),
        ended_at: c.state && c.state !== 'ended' ? null : new Date('2026-11-20T09:05:00Z'),
        disposition: c.disposition ?? 'answered',
        direction: c.direction ?? 'inbound',
        attributes: JSON.stringify({ ivr: { order: '20000001' }, recentCategories: ['billing'], tier: 'gold' }),
      });
      return id;
    }

    async function addEvents(callId: string, reasons: string[]): Promise<void> {
      await t.db('call_events').insert(
        reasons.map((reason, i) => ({
          call_id: callId,
          seq: i + 1,
          at: new Date('2026-11-20T09:00:00Z'),
          from_state: 'arriving',
          event: 'identify',
          to_state: 'identifying',
          data: JSON.stringify({ reason, agentId: ids.agent }),
        })),
      );
    }

    /** A recording of the call, uploaded by the pipeline (encrypted object on the primary and the replica). */
    async function addRecording(callId: string): Promise<string> {
      const id = await insertRecording(t.db, {
        callId,
        name: `rec-${callId}`,
        node: 'asterisk-1',
        queueId: ids.queue,
        agentId: ids.agent,
        startedAt: new Date('2026-11-20T09:01:00Z'),
      });
      source.files.set(`rec-${callId}`, makeWav(3000));
      await pipeline.onRecordingStored(id);
      await runDueJobs();
      expect((await getRecording(t.db, id))?.state).to.equal('uploaded');
      return id;
    }

    before(async () => {
      t = await createTestDb(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ariadne-erasure-'));
      source = new FakeSource();
      pipeline = createRecordingPipeline({
        db: t.db,
        switchPort: source,
        config: {
          storage: {
            url: `file:${join(dir, 'primary')}`,
            replicaUrls: [`file:${join(dir, 'replica')}`],
            masterKey: KEY,
            oldKeys: [],
            retentionDays: 30,
            uploadConcurrency: 2,
            uploadThread: false,
            uploadThreadNice: 10,
          },
          http: { port: 0, host: '127.0.0.1' },
          instanceId: 'erasure-test',
        },
        retentionCron: null,
        logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
        jobs: { pollMs: 20, backoff: { baseMs: 5, maxMs: 20 } },
      });

      const [u] = await t
        .db('users')
        .insert({ username: 'admin', display_name: 'Admin', password_hash: 'x', role: 'admin' });
      admin.id = Number(u);
      const [q] = await t.db('queues').insert({ name: 'support', display_name: 'Support', overflow: '[]' });
      ids.queue = Number(q);
      const [a] = await t.db('agents').insert({ name: 'Alice', endpoint: 'PJSIP/2001' });
      ids.agent = Number(a);
      const [k] = await t.db('campaigns').insert({
        name: 'Renewals',
        queue_id: ids.queue,
        created_at: now,
        updated_at: now,
      });
      ids.campaign = Number(k);

      // --- Wang Fang, who asks ------------------------------------------------------------------------------------
      const [w] = await t.db('customers').insert({
        name: 'Wang Fang',
        email: 'wang.fang@example.com',
        tier: 'gold',
        language: 'zh',
        notes: 'prefers calls after 6pm',
      });
      ids.wang = Number(w);
      await t.db('customer_phones').insert([
        { customer_id: ids.wang, e164: MOBILE, label: 'mobile' },
        { customer_id: ids.wang, e164: LANDLINE, label: 'home' },
      ]);
      await t.db('orders').insert([
        { customer_id: ids.wang, order_no: '20000001', status: 'in_transit', shipping_address: 'Wang Fang, Shanghai' },
        { customer_id: ids.wang, order_no: '20000002', status: 'delivered' },
      ]);
      // Inbound, identified; outbound, placed by an agent; inbound from the landline before anyone identified it
      // (the raw caller id only), which ended in a voicemail.
      const inbound = await addCall({ customerId: ids.wang, raw: '013812345678', e164: MOBILE, name: 'WANG FANG' });
      const outbound = await addCall({ customerId: ids.wang, raw: MOBILE, e164: MOBILE, direction: 'outbound' });
      const unidentified = await addCall({
        customerId: null,
        raw: '02161234567',
        e164: null,
        disposition: 'voicemail',
      });
      ids.calls = [inbound, outbound, unidentified];
      await addEvents(inbound, ['answered', 'caller WANG FANG identified', 'Alice answered']);
      await addEvents(outbound, ['Alice is on the line; calling +8613812345678', '+8613812345678 answered']);
      await addEvents(unidentified, ['answered', 'voicemail from 02161234567']);
      await t.db('contacts').insert({
        customer_id: ids.wang,
        channel: 'phone',
        category: 'billing',
        outcome: 'resolved',
        call_id: inbound,
        started_at: new Date('2026-11-20T09:00:00Z'),
        notes: 'asked about the invoice',
      });
      ids.recordings = [await addRecording(inbound), await addRecording(outbound)];
      await t.db('recording_transcripts').insert({
        recording_id: ids.recordings[0],
        call_id: inbound,
        state: 'done',
        engine: 'test',
        language: 'zh',
        text_enc: Buffer.from('sealed text'),
        text_bytes: 11,
        created_at: now,
      });
      // The voicemail's audio: stored on Asterisk, its upload queued with the recording as the call flow closed it,
      // but not run yet (the workers are busy): the erasure comes first.
      const vm = await insertRecording(t.db, {
        callId: unidentified,
        name: `vm-${unidentified}`,
        node: 'asterisk-1',
        queueId: ids.queue,
        startedAt: new Date('2026-11-20T09:04:00Z'),
      });
      ids.voicemailRecording = vm;
      source.files.set(`vm-${unidentified}`, makeWav(2000));
      await t
        .db('recordings')
        .where('id', vm)
        .update({ state: 'stored', ended_at: new Date('2026-11-20T09:05:00Z') });
      const upload = pipeline.queueUploadWith(vm, {
        callId: unidentified,
        name: `vm-${unidentified}`,
        node: 'asterisk-1',
        format: 'wav',
        startedAt: new Date('2026-11-20T09:04:00Z'),
        endedAt: new Date('2026-11-20T09:05:00Z'),
        durationS: 60,
        retentionDays: 30,
        transcribe: false,
      });
      await t.db.transaction(async (trx) => {
        for (const statement of upload.statements) await statement(trx);
      });
      await t
        .db('jobs')
        .where('idempotency_key', `recording.upload:${vm}`)
        .update({ run_at: new Date(Date.now() + 3_600_000) });
      await t.db('voicemails').insert({
        call_id: unidentified,
        queue_id: ids.queue,
        recording_name: `vm-${unidentified}`,
        caller: '02161234567',
        customer_id: null,
        duration_s: 60,
        created_at: now,
      });
      const [t1] = await t.db('tickets').insert({
        call_id: inbound,
        customer_id: ids.wang,
        agent_id: ids.agent,
        subject: 'Call from Wang Fang (+8613812345678)',
        body: 'Caller: Wang Fang (+8613812345678)\nWants a refund',
        category: 'billing',
        status: 'solved',
        sentiment: 0.4,
        summary: 'Wang Fang wants a refund',
      });
      // A ticket an agent wrote for the customer, tied to no call.
      const [t2] = await t.db('tickets').insert({
        customer_id: ids.wang,
        subject: 'Refund for Wang Fang',
        body: 'call her back on 13812345678',
        category: 'billing',
        status: 'open',
      });
      ids.wangTickets = [Number(t1), Number(t2)];
      await t.db('survey_responses').insert({
        call_id: inbound,
        customer_id: ids.wang,
        channel: 'sms',
        score: 5,
        comment: 'kind agent, thanks',
      });
      await t.db('survey_requests').insert({
        call_id: outbound,
        customer_id: ids.wang,
        phone: MOBILE,
        state: 'pending',
        created_at: now,
      });
      await t.db('callbacks').insert({
        call_id: inbound,
        customer_id: ids.wang,
        phone: MOBILE,
        queue_id: ids.queue,
        state: 'pending',
        requested_at: now,
        notes: 'call Wang Fang back',
      });
      await t.db('campaign_contacts').insert({
        campaign_id: ids.campaign,
        e164: LANDLINE,
        name: 'Wang Fang',
        state: 'pending',
        updated_at: now,
      });
      // A supervisor's evaluation of the call, whose comment retells it.
      const card = await createScorecard(t.db, {
        name: 'Basics',
        questions: [{ key: 'q', text: 'Q', weight: 1, critical: false, allowNa: false }],
      });
      await t.db('evaluations').insert({
        call_id: inbound,
        agent_id: ids.agent,
        queue_id: ids.queue,
        scorecard_id: card.id,
        questions: JSON.stringify(card.questions),
        answers: JSON.stringify({ q: 'yes' }),
        score_pct: 100,
        comment: 'Wang Fang was upset about order 20000001',
        agent_comment: 'she calls every week',
        created_at: now,
        updated_at: now,
      });
      await t.db('do_not_call').insert({ e164: MOBILE, reason: 'asked on the phone', created_at: now });
      await t.db('audit_log').insert({
        actor: 'alice',
        action: 'call.place',
        target_type: 'call',
        target_id: outbound,
        details: JSON.stringify({ number: MOBILE, callbackId: null, queueId: ids.queue }),
      });
      await t.db('jobs').insert({
        type: 'survey.sms',
        payload: JSON.stringify({ callId: outbound }),
        state: 'dead',
        attempts: 8,
        max_attempts: 8,
        run_at: now,
        last_error: 'PermanentJobError: SMS gateway refused the survey: HTTP 400: unknown number +8613812345678',
        created_at: now,
        updated_at: now,
      });

      // --- Li Qiang, who must be left alone ------------------------------------------------------------------------
      const [l] = await t.db('customers').insert({ name: 'Li Qiang', tier: 'standard', language: 'zh' });
      ids.li = Number(l);
      await t.db('customer_phones').insert({ customer_id: ids.li, e164: OTHER });
      await t.db('orders').insert({ customer_id: ids.li, order_no: '30000001', status: 'paid' });
      ids.liCall = await addCall({ customerId: ids.li, raw: '013912345678', e164: OTHER, name: 'Li Qiang' });
      await addEvents(ids.liCall, ['caller Li Qiang identified']);
      ids.liRecording = await addRecording(ids.liCall);
      await t.db('recording_transcripts').insert({
        recording_id: ids.liRecording,
        call_id: ids.liCall,
        state: 'done',
        engine: 'test',
        created_at: now,
      });
      const [lt] = await t.db('tickets').insert({
        call_id: ids.liCall,
        customer_id: ids.li,
        subject: 'Call from Li Qiang (+8613912345678)',
        body: 'Caller: Li Qiang',
        status: 'open',
      });
      ids.liTicket = Number(lt);
      await t
        .db('survey_responses')
        .insert({ call_id: ids.liCall, customer_id: ids.li, channel: 'ivr', score: 2, comment: 'Li Qiang: slow' });
      await t
        .db('callbacks')
        .insert({ customer_id: ids.li, phone: OTHER, state: 'pending', requested_at: now, notes: 'Li Qiang' });
      await t.db('campaign_contacts').insert({
        campaign_id: ids.campaign,
        e164: OTHER,
        name: 'Li Qiang',
        state: 'pending',
        updated_at: now,
      });
      await t.db('audit_log').insert({
        actor: 'alice',
        action: 'call.place',
        target_type: 'call',
        target_id: ids.liCall,
        details: JSON.stringify({ number: OTHER }),
      });
      logLines.length = 0;
    });
    after(async () => {
      await pipeline?.stop();
      await t?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const expectedCounts = {
      customers: 1,
      customerPhones: 2,
      orders: 2,
      contactHistory: 1,
      calls: 3,
      // The identified name, the number dialled (twice) and the raw caller id: the plain "answered"s need no change.
      callEvents: 4,
      recordings: 3,
      transcripts: 1,
      voicemails: 1,
      tickets: 2,
      surveyResponses: 1,
      evaluations: 1,
      surveyRequests: 1,
      callbacks: 1,
      campaignContacts: 1,
      auditLines: 1,
      jobErrors: 1,
    };

    it('a dry run counts everything, by the number as typed, and changes nothing', async () => {
      const before = await snapshot();
      const r = await erase({ phone: '138 1234 5678', dryRun: true });
      expect(r).to.deep.equal({
        dryRun: true,
        numbers: ['…78', '…67'],
        customerIds: [ids.wang],
        counts: expectedCounts,
        kept: { doNotCall: 1 },
        callsInProgress: 0,
      });
      // By the customer id: the same person, the same counts.
      expect((await erase({ customerId: ids.wang, dryRun: true })).counts).to.deep.equal(expectedCounts);
      expect(await snapshot()).to.deep.equal(before);
      expect(forgotten).to.deep.equal([]);
    });

    it("the right of access: a copy of all an erasure would reach, nothing of anyone else's, audited masked", async () => {
      const before = await snapshot();
      const asked: (readonly string[])[] = [];
      const heard = (recordingIds: readonly string[]): Promise<Transcript[]> => {
        asked.push(recordingIds);
        return Promise.resolve(
          recordingIds.map((recordingId) => ({
            recordingId,
            callId: ids.calls[0] ?? null,
            state: 'done' as const,
            engine: 'test',
            language: 'zh',
            text: '我想退款',
            segments: [{ start: 0.5, end: 1.5, text: '我想退款', speaker: 'A' }],
            reason: null,
            audioSeconds: 2,
            tookMs: 10,
            createdAt: now,
          })),
        );
      };
      const copy = await exportCaller(
        t.db,
        { phone: '138 1234 5678' },
        { defaultCountry: 'CN', now, by: { user: admin, ip: '10.0.0.9' }, transcripts: heard },
      );
      expect(copy).to.deep.include({
        exportedAt: now.toISOString(),
        numbers: [MOBILE, LANDLINE],
        customerIds: [ids.wang],
      });
      // Everything an erasure counts, section by section (the events, evaluations, audit lines and job errors are
      // not the caller's: the calls carry their steps instead).
      const sizes = Object.fromEntries(
        Object.entries(copy).flatMap(([k, v]) =>
          Array.isArray(v) && k !== 'numbers' && k !== 'customerIds' ? [[k, v.length]] : [],
        ),
      );
      const { callEvents, evaluations, auditLines, jobErrors, ...caller } = expectedCounts;
      void [callEvents, evaluations, auditLines, jobErrors];
      expect(sizes).to.deep.equal({ ...caller, doNotCall: 1 });
      expect(asked).to.deep.equal([[ids.recordings[0]]]);

      expect(copy.customers[0]).to.deep.include({
        id: ids.wang,
        name: 'Wang Fang',
        email: 'wang.fang@example.com',
        notes: 'prefers calls after 6pm',
      });
      const inbound = copy.calls.find((c) => c.id === ids.calls[0]);
      expect(inbound).to.deep.include({ callerE164: MOBILE, callerName: 'WANG FANG', queue: 'Support' });
      expect((inbound?.events as { event: string }[]).length).to.equal(3);
      expect(String(inbound?.arrivedAt)).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(copy.transcripts[0]).to.deep.include({ text: '我想退款', recordingId: ids.recordings[0] });
      expect(copy.surveyResponses[0]).to.deep.include({ score: 5, comment: 'kind agent, thanks' });
      expect(copy.doNotCall).to.deep.equal([
        { e164: MOBILE, reason: 'asked on the phone', source: copy.doNotCall[0]?.source, createdAt: now.toISOString() },
      ]);
      // Nothing of Li Qiang; nothing about the staff (the agent's name, the supervisor's evaluation).
      const text = JSON.stringify(copy);
      for (const other of [...KEPT, 'Alice', 'upset about order']) expect(text, other).to.not.include(other);

      // A read: it changes nothing but the audit log, whose line has the numbers masked.
      const after = await snapshot();
      const audit = (after.audit_log as Record<string, unknown>[]).filter((r) => r.action === 'privacy.export');
      expect(audit).to.have.length(1);
      expect(JSON.parse(String(audit[0]?.details))).to.deep.include({
        numbers: ['…78', '…67'],
        customerIds: [ids.wang],
      });
      expect(JSON.stringify(audit)).to.not.include('13812345678');
      expect({ ...after, audit_log: before.audit_log }).to.deep.equal(before);
      await t.db('audit_log').where('action', 'privacy.export').delete();

      // A process that cannot open transcripts refuses rather than hand over a copy without them.
      const refused = await exportCaller(
        t.db,
        { customerId: ids.wang },
        { defaultCountry: 'CN', now, by: { user: admin } },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(HttpError).and.include({ status: 503 });
    });

    it('erases: the CRM rows go, calls and tickets are kept anonymised, the rest deleted, the do-not-call entry kept', async () => {
      const r = await erase({ phone: '+86 138 1234 5678' });
      // Both of her numbers, unmasked, for the cache to forget once the erasure has committed.
      expect(forgotten).to.deep.equal([[MOBILE, LANDLINE]]);
      expect(r).to.deep.equal({
        dryRun: false,
        numbers: ['…78', '…67'],
        customerIds: [ids.wang],
        counts: expectedCounts,
        kept: { doNotCall: 1 },
        callsInProgress: 0,
      });

      // The CRM: the customer, their phones, orders and contact history are gone; Li Qiang is still there.
      expect(await t.db('customers').pluck('name')).to.deep.equal(['Li Qiang']);
      expect(await t.db('customer_phones').pluck('e164')).to.deep.equal([OTHER]);
      expect(await t.db('orders').pluck('order_no')).to.deep.equal(['30000001']);
      expect(await count('contacts')).to.equal(0);

      // Calls are kept for the reports, with nothing left of the caller.
      const calls = (await t.db('calls').whereIn('id', ids.calls).select('*')) as Record<string, unknown>[];
      expect(calls).to.have.length(3);
      for (const c of calls) {
        expect(c).to.deep.include({
          caller_raw: ERASED,
          caller_e164: null,
          caller_name: null,
          customer_id: null,
          attributes: null,
          queue_id: ids.queue,
          agent_id: ids.agent,
        });
        expect(c.disposition).to.be.oneOf(['answered', 'voicemail']);
      }
      const events = (await t
        .db('call_events')
        .whereIn('call_id', ids.calls)
        .orderBy(['call_id', 'seq'])
        .pluck('data')) as string[];
      expect(events).to.have.length(7);
      const reasons = events.map((d) => (JSON.parse(d) as { reason: string; agentId: number }).reason);
      expect(reasons).to.include.members([
        'caller [erased] identified',
        'Alice is on the line; calling [erased]',
        '[erased] answered',
        'voicemail from [erased]',
        'Alice answered',
      ]);
      expect(JSON.parse(events[0] ?? '{}').agentId).to.equal(ids.agent);

      // Tickets are kept for the counts, their text erased.
      const tickets = (await t.db('tickets').whereIn('id', ids.wangTickets).orderBy('id').select('*')) as Record<
        string,
        unknown
      >[];
      expect(tickets.map((x) => [x.subject, x.body, x.summary, x.customer_id, x.category, x.status])).to.deep.equal([
        [ERASED, ERASED, null, null, 'billing', 'solved'],
        [ERASED, ERASED, null, null, 'billing', 'open'],
      ]);
      expect(Number(tickets[0]?.sentiment)).to.be.closeTo(0.4, 1e-6);
      // The survey's score stays in the satisfaction report; its words and link go.
      expect(
        await t.db('survey_responses').where('call_id', ids.calls[0]).select('score', 'comment', 'customer_id'),
      ).to.deep.equal([{ score: 5, comment: null, customer_id: null }]);
      // The evaluation's score stays in the agent's figures; the words about the call go.
      const evaluations = await t
        .db('evaluations')
        .where('call_id', ids.calls[0])
        .select('score_pct', 'comment', 'agent_comment');
      expect(evaluations.map((e) => [Number(e.score_pct), e.comment, e.agent_comment])).to.deep.equal([
        [100, null, null],
      ]);
      expect(await count('voicemails')).to.equal(0);
      expect(await count('survey_requests')).to.equal(0);
      expect(await t.db('callbacks').pluck('phone')).to.deep.equal([OTHER]);
      expect(await t.db('campaign_contacts').pluck('e164')).to.deep.equal([OTHER]);
      expect(await t.db('recording_transcripts').pluck('recording_id')).to.deep.equal([ids.liRecording]);

      // Kept on purpose: the number stays on the do-not-call list, so nobody calls it again.
      expect(await t.db('do_not_call').select('e164', 'reason')).to.deep.equal([
        { e164: MOBILE, reason: 'asked on the phone' },
      ]);

      // The audit log: the earlier line masked, the erasure's own line with who and the counts, the number masked.
      const audit = (await t.db('audit_log').orderBy('id').select('*')) as Record<string, unknown>[];
      expect(audit.map((a) => [a.action, JSON.parse(String(a.details)).number ?? null])).to.deep.equal([
        ['call.place', maskNumber(MOBILE)],
        ['call.place', OTHER],
        ['privacy.erase', null],
      ]);
      expect(audit[2]).to.deep.include({
        user_id: admin.id,
        actor: 'admin',
        target_type: 'customer',
        target_id: String(ids.wang),
        ip: '10.0.0.9',
      });
      expect(JSON.parse(String(audit[2]?.details))).to.deep.equal({
        numbers: ['…78', '…67'],
        customerIds: [ids.wang],
        counts: expectedCounts,
        kept: { doNotCall: 1 },
      });
      expect(await t.db('jobs').where('type', 'survey.sms').pluck('last_error')).to.deep.equal([
        'PermanentJobError: SMS gateway refused the survey: HTTP 400: unknown number …78',
      ]);

      // Every recording of theirs has its deletion job, for the reason erasure; none is deleted yet.
      const queued = (await t
        .db('jobs')
        .where('type', 'recording.delete')
        .orderBy('id')
        .select('payload', 'state')) as {
        payload: string;
        state: string;
      }[];
      expect(queued.map((j) => JSON.parse(j.payload) as unknown)).to.have.deep.members(
        [...ids.recordings, ids.voicemailRecording].map((recordingId) => ({ recordingId, reason: 'erasure' })),
      );
      expect(queued.map((j) => j.state)).to.deep.equal(['pending', 'pending', 'pending']);
    });

    it('the queued jobs delete every copy of their audio, the voicemail stored meanwhile too; the other caller keeps hers', async () => {
      const primaryBefore = await list(pipeline.primary);
      expect(primaryBefore).to.have.length(3);
      await runDueJobs();
      for (const id of [...ids.recordings, ids.voicemailRecording])
        expect((await getRecording(t.db, id))?.state, id).to.equal('deleted');
      const liKey = (await getRecording(t.db, ids.liRecording))?.storageKey as string;
      expect(await list(pipeline.primary)).to.deep.equal([liKey]);
      expect(await list(pipeline.replicas[0] as ObjectStore)).to.deep.equal([liKey]);
      const deleted = (await t.db('audit_log').where('action', 'recording.deleted').pluck('details')) as string[];
      expect(deleted.map((d) => (JSON.parse(d) as { reason: string }).reason)).to.deep.equal([
        'erasure',
        'erasure',
        'erasure',
      ]);

      // The voicemail's upload, held up until now, runs on the payload the call flow gave it: it stores the bytes,
      // finds the row deleted and takes them out again; the file on Asterisk goes too.
      await t
        .db('jobs')
        .where('idempotency_key', `recording.upload:${ids.voicemailRecording}`)
        .update({ run_at: new Date() });
      await runDueJobs();
      expect(await list(pipeline.primary)).to.deep.equal([liKey]);
      expect((await getRecording(t.db, ids.voicemailRecording))?.state).to.equal('deleted');
      expect(source.deleted).to.include(`vm-${ids.calls[2]}`);
    });

    it('leaves nothing of the person anywhere but the do-not-call list, the other customer whole, and nothing in the log', async () => {
      const all = await everything(['do_not_call']);
      for (const trace of TRACES) expect(all, trace).to.not.include(trace);
      for (const trace of KEPT) expect(all, trace).to.include(trace);
      for (const form of numberForms(MOBILE)) expect(all, form).to.not.include(form);
      // Li Qiang's rows are as they were.
      expect(await t.db('tickets').where('id', ids.liTicket).first('subject', 'customer_id')).to.deep.equal({
        subject: 'Call from Li Qiang (+8613912345678)',
        customer_id: ids.li,
      });
      expect(await t.db('calls').where('id', ids.liCall).first('caller_e164', 'customer_id')).to.deep.equal({
        caller_e164: OTHER,
        customer_id: ids.li,
      });
      expect((await getRecording(t.db, ids.liRecording))?.state).to.equal('uploaded');
      expect(logLines.length).to.be.greaterThan(0);
      const log = logLines.join('');
      for (const trace of [...TRACES, ...numberForms(MOBILE), ...numberForms(LANDLINE)])
        expect(log, trace).to.not.include(trace);
    });

    it('a second erasure finds nothing and changes nothing; the customer id is gone (404)', async () => {
      const before = await snapshot();
      const again = await erase({ phone: '13812345678' });
      expect(again.counts).to.deep.equal(Object.fromEntries(Object.keys(expectedCounts).map((k) => [k, 0])));
      expect(again.kept).to.deep.equal({ doNotCall: 1 });
      expect(again.customerIds).to.deep.equal([]);
      const after = await snapshot();
      // Only the second erasure's own audit line was added.
      expect(after.audit_log).to.have.length(before.audit_log!.length + 1);
      expect({ ...after, audit_log: [] }).to.deep.equal({ ...before, audit_log: [] });
      const missing = await erase({ customerId: ids.wang }).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(HttpError);
      expect(missing).to.include({ status: 404, message: `customer ${ids.wang} not found` });
    });

    it('a number nothing is held about answers zero counts; bad requests are refused with the reason', async () => {
      const r = await erase({ phone: '13700000000', dryRun: true });
      expect(Object.values(r.counts).every((n) => n === 0)).to.equal(true);
      expect(r).to.deep.include({ numbers: ['…00'], customerIds: [], kept: { doNotCall: 0 } });
      for (const [request, status, message] of [
        [{}, 400, 'give the customer id or the phone number'],
        [{ phone: '   ' }, 400, 'give the customer id or the phone number'],
        [{ phone: '12ab' }, 400, 'not a valid phone number (read as a CN number)'],
        [{ phone: 'anonymous' }, 400, 'not a valid phone number'],
        [{ customerId: -3 }, 400, 'a positive integer'],
        [{ customerId: 999_999 }, 404, 'customer 999999 not found'],
      ] as const) {
        const err = await erase(request).catch((e: unknown) => e);
        expect(err, JSON.stringify(request)).to.be.instanceOf(HttpError);
        expect((err as HttpError).status, JSON.stringify(request)).to.equal(status);
        expect((err as HttpError).message).to.include(message);
        // The number typed is not echoed back: it is someone's.
        expect((err as HttpError).message).to.not.include('12ab');
      }
    });

    it('refuses (409) while a call of the caller is in progress, counting it in a dry run; a stale leftover does not block', async () => {
      const [c] = await t.db('customers').insert({ name: 'Zhao Min', tier: 'standard', language: 'zh' });
      const zhao = Number(c);
      await t.db('customer_phones').insert({ customer_id: zhao, e164: '+8615012345678' });
      const live = await addCall({
        customerId: zhao,
        raw: '015012345678',
        e164: '+8615012345678',
        state: 'queued',
        arrivedAt: new Date(now.getTime() - 60_000),
      });
      await addCall({
        customerId: zhao,
        raw: '015012345678',
        e164: '+8615012345678',
        state: 'connected',
        arrivedAt: new Date('2026-11-01T00:00:00Z'),
      });
      const preview = await erase({ customerId: zhao, dryRun: true });
      expect(preview.callsInProgress).to.equal(1);
      expect(preview.counts.calls).to.equal(2);
      const err = await erase({ customerId: zhao }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(HttpError);
      expect(err).to.include({ status: 409, message: 'a call of this caller is in progress: erase once it has ended' });
      expect(forgotten.flat()).to.not.include('+8615012345678');
      expect(await t.db('customers').where('id', zhao).first('name')).to.deep.equal({ name: 'Zhao Min' });
      // Once it has ended, the erasure goes through.
      await t.db('calls').where('id', live).update({ state: 'ended', ended_at: now });
      expect((await erase({ customerId: zhao })).counts).to.deep.include({ customers: 1, calls: 2, customerPhones: 1 });
    });
  });
}

describe('privacy/number-forms', () => {
  it('knows the forms a number is written in, longest first, and masks all but the last two digits', () => {
    expect(numberForms('+8613812345678')).to.deep.equal([
      '008613812345678',
      '+8613812345678',
      '8613812345678',
      '013812345678',
      '13812345678',
    ]);
    expect(maskNumber('+8613812345678')).to.equal('…78');
  });
});
