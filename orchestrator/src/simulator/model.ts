/**
 * Wire shapes of the ARI JSON objects the simulator serves, with the key order a real Asterisk 22 uses
 * (the traces are compared field by field, and some clients print or hash bodies).
 */

export type ChannelStateName = 'Down' | 'Ring' | 'Ringing' | 'Up';

export interface CallerIdJson {
  name: string;
  number: string;
}

export interface DialplanJson {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export interface ChannelJson {
  id: string;
  name: string;
  state: ChannelStateName;
  protocol_id: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  accountcode: string;
  dialplan: DialplanJson;
  creationtime: string;
  language: string;
}

export interface BridgeJson {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export interface PlaybackJson {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: 'queued' | 'playing' | 'paused' | 'done' | 'failed' | 'continuing';
}

export interface LiveRecordingJson {
  name: string;
  format: string;
  state: 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';
  target_uri: string;
  duration?: number;
  cause?: string;
}

export interface StoredRecordingJson {
  name: string;
  format: string;
}

export interface EndpointJson {
  technology: string;
  resource: string;
  state: 'online' | 'offline' | 'unknown';
  channel_ids: string[];
}

export interface ApplicationJson {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: unknown[];
  events_disallowed: unknown[];
}

/** Asterisk's text for the Q.850 causes the simulator produces (main/causes.c spelling). */
export const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  28: 'Invalid number format (addr incomplete)',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  58: 'Bearer capability not available',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return CAUSE_TEXT[cause] ?? 'Unknown';
}

/** ARI `DELETE /channels/{id}?reason=` names and the causes they map to (res/ari/resource_channels.c). */
export const HANGUP_REASONS: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** SIP response codes that PJSIP reports as `tech_cause` for a given cause. */
export const TECH_CAUSE: Readonly<Record<number, number>> = { 19: 480, 17: 486, 21: 603, 34: 503, 1: 404 };

let lastTimeMs = NaN;
let lastTime = '';

/** Asterisk formats timestamps as `2026-11-23T20:26:47.310+0000`. */
export function asteriskTime(ms: number = Date.now()): string {
  // Events come in bursts within one millisecond: format each millisecond once.
  if (ms !== lastTimeMs) {
    lastTimeMs = ms;
    lastTime = new Date(ms).toISOString().slice(0, 23) + '+0000';
  }
  return lastTime;
}
