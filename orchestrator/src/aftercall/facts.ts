import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { SURVEY_CHANNELS, type SurveyChannel } from '../surveys/replies.js';

/** A finished call as its follow-ups need it: the CDR with the names of its queue, agent and customer. */
export interface CallFacts {
  readonly callId: string;
  readonly state: string;
  readonly callerE164: string | null;
  readonly callerRaw: string;
  readonly callerName: string | null;
  readonly did: string;
  readonly customerId: number | null;
  readonly customerName: string | null;
  readonly customerRef: string | null;
  readonly language: string | null;
  readonly queueId: number | null;
  readonly queueName: string | null;
  readonly queueDisplayName: string | null;
  readonly survey: SurveyChannel;
  readonly agentId: number | null;
  readonly agentName: string | null;
  readonly arrivedAt: Date;
  readonly answeredAt: Date | null;
  readonly endedAt: Date | null;
  readonly waitSeconds: number | null;
  readonly talkSeconds: number | null;
  readonly disposition: string | null;
  readonly agentDisposition: string | null;
  readonly recordingId: string | null;
  /** The `category` variable an IVR menu set, if any. */
  readonly ivrCategory: string | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export const TERMINAL = new Set(['ended', 'abandoned']);

/** The call's facts, or null when the call row is gone (deleted since). */
export async function loadCallFacts(db: Db, callId: string): Promise<CallFacts | null> {
  const r = (await db('calls as c')
    .leftJoin('queues as q', 'q.id', 'c.queue_id')
    .leftJoin('agents as a', 'a.id', 'c.agent_id')
    .leftJoin('customers as k', 'k.id', 'c.customer_id')
    .where('c.id', callId)
    .first(
      'c.*',
      'q.name as queue_name',
      'q.display_name as queue_display_name',
      'q.survey as queue_survey',
      'a.name as agent_name',
      'k.name as customer_name',
      'k.external_ref as customer_ref',
    )) as Record<string, unknown> | undefined;
  if (!r) return null;
  const survey = String(r.queue_survey ?? 'none');
  return {
    callId,
    state: String(r.state),
    callerE164: str(r.caller_e164),
    callerRaw: String(r.caller_raw ?? ''),
    callerName: str(r.caller_name),
    did: String(r.did ?? ''),
    customerId: num(r.customer_id),
    customerName: str(r.customer_name),
    customerRef: str(r.customer_ref),
    language: str(r.language),
    queueId: num(r.queue_id),
    queueName: str(r.queue_name),
    queueDisplayName: str(r.queue_display_name),
    survey: (SURVEY_CHANNELS as readonly string[]).includes(survey) ? (survey as SurveyChannel) : 'none',
    agentId: num(r.agent_id),
    agentName: str(r.agent_name),
    arrivedAt: toDate(r.arrived_at) ?? new Date(0),
    answeredAt: toDate(r.answered_at),
    endedAt: toDate(r.ended_at),
    waitSeconds: num(r.wait_s),
    talkSeconds: num(r.talk_s),
    disposition: str(r.disposition),
    agentDisposition: str(r.agent_disposition),
    recordingId: str(r.recording_id),
    ivrCategory: ivrCategory(r.attributes),
  };
}

/** The `category` the IVR gave the call (a menu's `set` node), from the attributes the router saw. */
function ivrCategory(attributes: unknown): string | null {
  if (typeof attributes !== 'string' || !attributes.includes('category')) return null;
  try {
    const parsed = JSON.parse(attributes) as { ivr?: { category?: unknown } } | null;
    const category = parsed?.ivr?.category;
    return typeof category === 'string' && category !== '' ? category : null;
  } catch {
    return null;
  }
}
