import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import type { Logger } from '../logger.js';
import type { SwitchPort } from '../telephony/port.js';
import { Call, seconds, type CallDeps, type CallRow } from './call.js';
import type { AgentCallHooks, CallFollowUps, CallService, RecordingUploads } from './service.js';
import type { CallState } from './states.js';
import { monitorsOf } from './monitor-store.js';
import { parseSkills } from './queues.js';

export interface RecoveryReport {
  readonly examined: number;
  readonly ended: number;
  readonly requeued: number;
  readonly adopted: number;
  /** Channels of calls already over that were still up, with no survey to resume: hung up. */
  readonly leftovers: number;
  /** Callers left taking the IVR survey: asked again (CallService.resumeSurvey). */
  readonly surveysResumed: number;
}

function rowFromDb(r: Record<string, unknown>): CallRow {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    node: String(r.node),
    channel_id: String(r.channel_id),
    owner: String(r.owner),
    state: String(r.state) as CallState,
    direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
    caller_raw: String(r.caller_raw ?? ''),
    caller_e164: str(r.caller_e164),
    caller_name: str(r.caller_name),
    did: String(r.did ?? ''),
    trunk: str(r.trunk),
    customer_id: num(r.customer_id),
    tier: str(r.tier),
    language: str(r.language),
    queue_id: num(r.queue_id),
    priority: Number(r.priority ?? 0),
    required_skills: str(r.required_skills),
    agent_id: num(r.agent_id),
    arrived_at: toDate(r.arrived_at) ?? new Date(0),
    queued_at: toDate(r.queued_at),
    offered_at: toDate(r.offered_at),
    answered_at: toDate(r.answered_at),
    ended_at: toDate(r.ended_at),
    wait_s: num(r.wait_s),
    talk_s: num(r.talk_s),
    wrap_s: num(r.wrap_s),
    disposition: str(r.disposition),
    hangup_side: str(r.hangup_side) as CallRow['hangup_side'],
    hangup_cause: num(r.hangup_cause),
    recording_id: str(r.recording_id),
    ivr_path: str(r.ivr_path),
    attributes: str(r.attributes),
    agent_disposition: str(r.agent_disposition),
    agent_channel_id: str(r.agent_channel_id),
    holding_bridge_id: str(r.holding_bridge_id),
    mixing_bridge_id: str(r.mixing_bridge_id),
    abandoned_in: str(r.abandoned_in),
    offer_count: Number(r.offer_count ?? 0),
    ivr_flow: str(r.ivr_flow),
    ivr_flow_version: num(r.ivr_flow_version),
  };
}

/**
 * Recovery after a restart: this instance's calls that the database still shows live are compared with the
 * channels the switch still has. A call whose channel is gone is ended (CDR completed, a `recovered` event);
 * a caller still waiting is put back in its queue; a conversation still going on is watched again so its end
 * is recorded.
 */
export async function recoverCalls(options: {
  db: Db;
  switchPort: SwitchPort;
  service: CallService;
  agents: AgentCallHooks;
  deps: CallDeps;
  instanceId: string;
  logger: Logger;
  recordingUploads?: Pick<RecordingUploads, 'queue'>;
  followUps?: CallFollowUps;
}): Promise<RecoveryReport> {
  const { db, switchPort, service, deps, instanceId, logger } = options;
  const rows = (await db('calls')
    .where({ owner: instanceId })
    .whereNotIn('state', ['ended', 'abandoned'])
    .select()) as Record<string, unknown>[];
  const live = new Set((await switchPort.listChannels()).map((c) => c.channelId));
  const settled = await settleLeftovers(db, switchPort, service, instanceId, live, logger);
  // Supervisors' sessions: taken back with their conversation, or cleared away with any other call of this instance.
  const monitors = await monitorsOf(db, await monitoredCallsOf(db, instanceId));
  const isLive = new Set(rows.map((r) => String(r.id)));
  for (const [callId, records] of monitors) if (!isLive.has(callId)) service.discardMonitors(records, live);
  const { leftovers } = settled;
  let { surveysResumed } = settled;
  if (rows.length === 0) return { examined: 0, ended: 0, requeued: 0, adopted: 0, leftovers, surveysResumed };
  let ended = 0;
  let requeued = 0;
  let adopted = 0;
  for (const raw of rows) {
    const row = rowFromDb(raw);
    const last = await db('call_events').where({ call_id: row.id }).max({ seq: 'seq' }).first();
    const call = Call.restore(deps, row, Number(last?.seq ?? 0));
    const now = deps.now();
    // An outbound call still being placed cannot be picked up where it was (the ringing legs' outcomes were the
    // old process's): both legs are hung up and it ends.
    const placing = row.direction === 'outbound' && (row.state === 'arriving' || row.state === 'dialing');
    if (!live.has(row.channel_id) || placing) {
      const answered = row.answered_at !== null;
      // Whatever is left of it on the switch goes: both legs of a call being placed, the agent of a caller gone.
      for (const channelId of [row.channel_id, row.agent_channel_id])
        if (channelId && live.has(channelId)) await switchPort.hangup(channelId).catch(() => undefined);
      call.transition('recovered', placing ? 'call being placed during a restart' : 'channel gone after a restart', {
        patch: {
          ended_at: row.ended_at ?? now,
          disposition: row.disposition ?? (answered ? 'answered' : placing ? 'failed' : 'abandoned'),
          hangup_side: row.hangup_side ?? 'system',
          wait_s: row.wait_s ?? (row.queued_at ? seconds(row.queued_at, row.answered_at ?? now) : null),
          talk_s: row.talk_s ?? (answered ? seconds(row.answered_at, now) : null),
          // A restart cut the wrap-up short: what was worked until now is still the agent's after-call work.
          wrap_s: row.state === 'wrap_up' ? seconds(row.ended_at, now) : row.wrap_s,
          abandoned_in: answered || row.direction === 'outbound' ? row.abandoned_in : (row.abandoned_in ?? row.state),
        },
        data: { previousState: row.state },
      });
      // The contact and the ticket are owed for a call a restart ended too (its survey is not: the caller is gone).
      const followUps = options.followUps?.queueWith({
        row: call.row,
        survey: 'none',
        transcribed: false,
        queueName: null,
        customerName: null,
        ivrCategory: null,
        language: row.language ?? 'en',
      });
      if (followUps && followUps.statements.length > 0)
        void call.writeAlong(...followUps.statements).then(followUps.committed);
      if ((row.state === 'connected' || placing) && row.agent_id !== null) {
        await options.agents
          .callEnded(row.agent_id, row.id, 0)
          .catch((err: unknown) =>
            logger.warn({ err, callId: row.id }, 'cannot release the agent of a recovered call'),
          );
      }
      for (const bridgeId of [row.holding_bridge_id, row.mixing_bridge_id]) {
        if (bridgeId) await switchPort.destroyBridge(bridgeId).catch(() => undefined);
      }
      service.discardMonitors(monitors.get(row.id) ?? [], live);
      // Recordings cut short by the restart: the file on the switch is whatever was written; hand it on.
      const open = (await db('recordings').where({ call_id: row.id, state: 'recording' }).select('id')) as {
        id: string;
      }[];
      for (const rec of open) {
        await db('recordings').where({ id: rec.id }).update({ state: 'stored', ended_at: now });
        await options.recordingUploads?.queue(rec.id).catch(() => undefined);
      }
      await call.flushed();
      ended++;
      continue;
    }
    if (row.state === 'connected') {
      const rec = (await db('recordings')
        .where({ call_id: row.id, state: 'recording' })
        .orderBy('started_at', 'desc')
        .first('id', 'name', 'started_at')) as { id: string; name: string; started_at: unknown } | undefined;
      service.adoptConversation(
        call,
        live,
        rec ? { id: rec.id, name: rec.name, startedAt: toDate(rec.started_at) ?? deps.now() } : null,
        monitors.get(row.id),
      );
      adopted++;
      continue;
    }
    // Only a conversation is monitored: a session kept past its end (a crash between the two) goes.
    service.discardMonitors(monitors.get(row.id) ?? [], live);
    service.adoptRecovered(call);
    if (row.state === 'wrap_up') {
      // A caller still on the line is taking the IVR survey: asked again, not hung up with the wrap-up's end.
      if (live.has(row.channel_id) && (await resumeSurvey(service, call.row, logger))) {
        call.markCallerGone();
        surveysResumed++;
      }
      // The conversation was over already; the wrap-up timer did not survive the restart.
      service.endWrapUp(call.id);
      adopted++;
      continue;
    }
    if (row.state === 'arriving') call.transition('identify', 'recovered after a restart');
    if (row.state === 'offering' && row.agent_channel_id)
      await switchPort.hangup(row.agent_channel_id).catch(() => undefined);
    if (row.queue_id !== null) {
      const settings = await db('queues').where({ id: row.queue_id }).first('name');
      call.route = {
        queueId: row.queue_id,
        queueName: settings?.name ?? String(row.queue_id),
        priority: row.priority,
        requiredSkills: parseSkills(row.required_skills),
        ruleId: 0,
        ruleName: 'recovered',
      };
      if (row.state === 'offering') call.transition('offer_failed', 'offer lost in a restart');
      if (call.state === 'queued' && row.holding_bridge_id) call.inBridge = 'holding';
    }
    await service.requeueRecovered(call, 'recovered after a restart');
    requeued++;
  }
  logger.info({ examined: rows.length, ended, requeued, adopted, leftovers, surveysResumed }, 'call recovery done');
  return { examined: rows.length, ended, requeued, adopted, leftovers, surveysResumed };
}

const LOOKUP_CHUNK = 500;

/** The calls of this instance with a supervisor's session kept. */
async function monitoredCallsOf(db: Db, instanceId: string): Promise<string[]> {
  const rows = (await db('call_monitors as m')
    .join('calls as c', 'c.id', 'm.call_id')
    .where('c.owner', instanceId)
    .distinct('m.call_id as call_id')) as { call_id: string }[];
  return rows.map((r) => String(r.call_id));
}

function resumeSurvey(service: Pick<CallService, 'resumeSurvey'>, row: CallRow, logger: Logger): Promise<boolean> {
  return service.resumeSurvey(row).catch((err: unknown) => {
    logger.warn({ err, callId: row.id }, 'cannot resume the IVR survey');
    return false;
  });
}

/**
 * A call's record can be over while its caller is still on the line: the IVR survey runs after the agent hung up
 * and the CDR was written. If this instance died then, nothing else will ever speak to that caller: they would sit
 * in silence until they gave up. Such a caller (of this instance's ended calls, still up) is asked the survey again
 * when it was unanswered; any other is hung up.
 */
async function settleLeftovers(
  db: Db,
  switchPort: SwitchPort,
  service: Pick<CallService, 'resumeSurvey'>,
  instanceId: string,
  live: ReadonlySet<string>,
  logger: Logger,
): Promise<{ leftovers: number; surveysResumed: number }> {
  const ids = [...live];
  let leftovers = 0;
  let surveysResumed = 0;
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const over = (await db('calls')
      .where({ owner: instanceId })
      .whereIn('state', ['ended', 'abandoned'])
      .whereIn('channel_id', chunk)
      .select()) as Record<string, unknown>[];
    for (const raw of over) {
      const call = rowFromDb(raw);
      if (await resumeSurvey(service, call, logger)) {
        surveysResumed++;
        continue;
      }
      logger.warn({ callId: call.id, channelId: call.channel_id }, 'hanging up the caller of a call already over');
      await switchPort.hangup(call.channel_id).then(
        () => leftovers++,
        (err: unknown) => logger.warn({ err, callId: call.id }, 'cannot hang up the caller of a call already over'),
      );
    }
  }
  return { leftovers, surveysResumed };
}
