/**
 * The simulator's control surface: what the outside world (callers, phones, the network) does to the fake
 * Asterisk. The same operations are offered in-process (tests) and over HTTP under `/_sim/` (demos, load runs).
 */
import type { Engine, EndpointBehaviour, EngineStats } from './engine.js';
import { AriError, badRequest, notFound } from './errors.js';
import type { EndpointJson } from './model.js';

export interface CallScriptStep {
  /** Milliseconds after the call enters the app, or after `afterMedia` starts playing to it. */
  atMs: number;
  /** The step waits for this media (e.g. `sound:ariadne/survey-question`) to be played to the caller; once. */
  afterMedia?: string;
  dtmf?: string;
  hangup?: boolean;
}

export interface PlaceCallInput {
  from: string;
  to: string;
  trunk?: string;
  callerName?: string;
  /** Stasis app to enter; defaults to the simulator's `--app`. */
  app?: string;
  channelId?: string;
  /** Calling side's technology/resource, e.g. `PJSIP/1000` (default `PJSIP/<trunk>`, trunk default `carrier-a`). */
  endpoint?: string;
  /** Dialplan context running Stasis (default `ariadne-inbound`, as in dialplans/inbound.conf). */
  context?: string;
  /** Stasis arguments (default `[to, trunk]`). */
  args?: string[];
  /**
   * The dialplan answered before Stasis, so the channel enters the app `Up`. Default: true in `ariadne-inbound`
   * (dialplans/inbound.conf answers), false in any other context.
   */
  answered?: boolean;
  /** Caller behaviour: DTMF and hangup at given times. */
  script?: CallScriptStep[];
  /** Shorthand for a final `{ atMs, hangup: true }` step (abandon patience, talk time). */
  hangupAfterMs?: number;
}

export interface EndpointInput {
  behaviour?: EndpointBehaviour;
  /** Delay before the phone answers, is busy or rejects. */
  afterMs?: number;
  /** The phone hangs up this long after answering (agent talk time); 0 = never by itself. */
  talkMs?: number;
  context?: string;
  callerName?: string;
  callerNumber?: string;
}

export interface ChannelView {
  id: string;
  name: string;
  state: string;
  kind: string;
  stasisApp: string | null;
  args: string[];
  caller: { name: string; number: string };
  bridgeId: string | null;
  playbacks: { id: string; media: string; state: string }[];
  recording: string | null;
  moh: string | null;
  held: boolean;
  muted: string | null;
  /** The app indicated ringing to this channel (`POST /channels/{id}/ring`): its phone plays ringback. */
  ringing: boolean;
  createdAt: string;
}

export interface SimStats extends EngineStats {
  webSockets: number;
  apps: string[];
}

const BEHAVIOURS: readonly EndpointBehaviour[] = ['answer', 'machine', 'no-answer', 'busy', 'unreachable', 'reject', 'congestion'];

export class Control {
  constructor(
    private readonly engine: Engine,
    private readonly defaultApp: string,
    private readonly sockets: { count(): number; dropAll(): number },
  ) {}

  placeCall(input: PlaceCallInput): { channelId: string; inStasis: boolean } {
    if (!input || typeof input.from !== 'string' || typeof input.to !== 'string' || !input.to) {
      throw badRequest('"from" and "to" (strings) are required');
    }
    const res = this.engine.inboundCall({
      from: input.from,
      to: input.to,
      trunk: input.trunk,
      callerName: input.callerName,
      app: input.app ?? this.defaultApp,
      channelId: input.channelId,
      endpoint: input.endpoint,
      context: input.context,
      args: input.args,
      answered: input.answered,
    });
    if (res.inStasis) {
      const steps = [...(input.script ?? [])];
      if (typeof input.hangupAfterMs === 'number') steps.push({ atMs: input.hangupAfterMs, hangup: true });
      for (const step of steps) {
        if (typeof step?.atMs !== 'number' || step.atMs < 0) throw badRequest('script steps need atMs >= 0');
        if (step.afterMedia !== undefined && typeof step.afterMedia !== 'string')
          throw badRequest('afterMedia must be a media URI such as sound:beep');
        const act = (): void => {
          if (step.dtmf) this.engine.receiveDtmf(res.channelId, step.dtmf);
          if (step.hangup) this.engine.remoteHangup(res.channelId, 16);
        };
        if (step.afterMedia) this.engine.onChannelHears(res.channelId, step.afterMedia, step.atMs, act);
        else this.engine.onChannelAfter(res.channelId, step.atMs, act);
      }
    }
    return res;
  }

  /** DTMF from the far end of any channel (caller keypad, or an agent phone). */
  sendDtmf(channelId: string, digits: string, gapMs?: number): void {
    if (typeof digits !== 'string' || !/^[0-9A-D*#]+$/i.test(digits)) throw badRequest('digits must match [0-9A-D*#]+');
    this.engine.receiveDtmf(channelId, digits, gapMs);
  }

  /** The far end of a channel hangs up (caller, or an agent's phone). */
  hangup(channelId: string, cause = 16): void {
    this.engine.remoteHangup(channelId, cause);
  }

  /** The far end of a ringing outbound leg answers now (for endpoints with behaviour `no-answer`). */
  answer(channelId: string): void {
    if (!this.engine.remoteAnswer(channelId)) throw new AriError(409, 'Conflict', { message: 'Channel is not ringing' });
  }

  setEndpoint(tech: string, resource: string, input: EndpointInput): EndpointJson {
    if (input.behaviour !== undefined && !BEHAVIOURS.includes(input.behaviour)) {
      throw badRequest(`behaviour must be one of ${BEHAVIOURS.join(', ')}`);
    }
    if (input.afterMs !== undefined && (typeof input.afterMs !== 'number' || input.afterMs < 0)) throw badRequest('afterMs must be a number >= 0');
    if (input.talkMs !== undefined && (typeof input.talkMs !== 'number' || input.talkMs < 0)) throw badRequest('talkMs must be a number >= 0');
    return this.engine.setEndpoint(tech, resource, input);
  }

  deleteEndpoint(tech: string, resource: string): void {
    if (!this.engine.deleteEndpoint(tech, resource)) throw notFound('Endpoint not found');
  }

  listEndpoints(): EndpointJson[] {
    return this.engine.listEndpoints();
  }

  /** Make a sound exist with a duration, or not exist (`durationMs: null`). */
  setSound(name: string, durationMs: number | null): void {
    if (durationMs === null) {
      this.engine.soundTable.delete(name);
      this.engine.missingSounds.add(name);
    } else {
      this.engine.missingSounds.delete(name);
      this.engine.soundTable.set(name, durationMs);
    }
  }

  /** Put a finished recording in storage, as if recorded earlier (listing, playback of `recording:NAME`, file). */
  addStoredRecording(name: string, durationMs: number, format = 'wav'): void {
    if (!name || /[/\\]/.test(name) || !(durationMs >= 0)) throw badRequest('name and durationMs >= 0 are required');
    this.engine.storedRecordings.set(name, { name, format, durationMs });
  }

  channel(id: string): ChannelView {
    return this.view(this.engine.getChannel(id));
  }

  channels(): ChannelView[] {
    const out: ChannelView[] = [];
    for (const ch of this.engine.channels.values()) out.push(this.view(ch));
    return out;
  }

  private view(ch: Engine['channels'] extends Map<string, infer C> ? C : never): ChannelView {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      kind: ch.kind,
      stasisApp: ch.stasisApp,
      args: ch.args,
      caller: ch.caller,
      bridgeId: ch.bridge?.id ?? null,
      playbacks: ch.playQueue.map((p) => ({ id: p.id, media: p.media[p.index] ?? '', state: p.state })),
      recording: ch.recording?.name ?? null,
      moh: ch.moh,
      held: ch.held,
      muted: ch.muted,
      ringing: ch.ringing,
      createdAt: ch.creationtime,
    };
  }

  stats(): SimStats {
    return { ...this.engine.stats, webSockets: this.sockets.count(), apps: [...this.engine.apps.keys()] };
  }

  /** Close every ARI WebSocket abruptly (no close frame), to test the client's reconnect. */
  dropWebSockets(): number {
    return this.sockets.dropAll();
  }
}
