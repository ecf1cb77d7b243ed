import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';

/** A finished call as the CRM write-back tells it: the CDR with the names of its queue, agent and customer. */
export interface CallFacts {
  readonly callId: string;
  readonly state: string;
  readonly callerE164: string | null;
  readonly did: string;
  readonly customerId: number | null;
  readonly customerRef: string | null;
  readonly queueName: string | null;
  readonly agentName: string | null;
  readonly arrivedAt: Date;
  readonly answeredAt: Date | null;
  readonly endedAt: Date | null;
  readonly waitSeconds: number | null;
  readonly talkSeconds: number | null;
  readonly disposition: string | null;
  readonly agentDisposition: string | null;
  readonly recordingId: string | null;
  readonly direction: 'inbound' | 'outbound';
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** The call's facts, or null when the call row is gone (deleted since). */
export async function loadCallFacts(db: Db, callId: string): Promise<CallFacts | null> {
  const r = (await db('calls as c')
    .leftJoin('queues as q', 'q.id', 'c.queue_id')
    .leftJoin('agents as a', 'a.id', 'c.agent_id')
    .leftJoin('customers as k', 'k.id', 'c.customer_id')
    .where('c.id', callId)
    .first('c.*', 'q.name as queue_name', 'a.name as agent_name', 'k.external_ref as customer_ref')) as
    Record<string, unknown> | undefined;
  if (!r) return null;
  return {
    callId,
    state: String(r.state),
    callerE164: str(r.caller_e164),
    did: String(r.did ?? ''),
    customerId: num(r.customer_id),
    customerRef: str(r.customer_ref),
    queueName: str(r.queue_name),
    agentName: str(r.agent_name),
    arrivedAt: toDate(r.arrived_at) ?? new Date(0),
    answeredAt: toDate(r.answered_at),
    endedAt: toDate(r.ended_at),
    waitSeconds: num(r.wait_s),
    talkSeconds: num(r.talk_s),
    disposition: str(r.disposition),
    agentDisposition: str(r.agent_disposition),
    recordingId: str(r.recording_id),
    direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
  };
}
