// Shapes of what the orchestrator's API returns (docs/api.md, /api/openapi.json). Only the fields the UI reads
// are listed; the server may send more.

export type Role = 'admin' | 'supervisor' | 'agent';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  active?: boolean;
  agentId: number | null;
  /** The queues a supervisor supervises. */
  queueIds?: number[];
  createdAt?: string | null;
  /** In the users list: signs in with a second factor. */
  twoFactor?: boolean;
  /** In the users list: how many passkeys they may sign in with. */
  passkeys?: number;
  /** A session that must set up two-factor sign-in before anything else. */
  twoFactorSetupRequired?: boolean;
}

export interface TwoFactorStatus {
  /** The authenticator app. */
  enabled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  /** Passkeys, each a second factor on its own. */
  passkeys: number;
}

export interface TwoFactorSetup {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

/** One of the signed-in user's passkeys (WebAuthn): only its name and dates, never the key. */
export interface Passkey {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface FieldIssue {
  in?: string;
  field: string;
  reason: string;
}

export interface Skill {
  id: number;
  name: string;
  description: string | null;
}

export interface SkillLevel {
  skill: string;
  level: number;
}
export interface SkillRequirement {
  skill: string;
  minLevel: number;
}

export type AgentState = 'logged_out' | 'available' | 'reserved' | 'on_call' | 'wrap_up' | 'paused';
export const AGENT_STATES: readonly AgentState[] = [
  'available',
  'reserved',
  'on_call',
  'wrap_up',
  'paused',
  'logged_out',
];

export interface Agent {
  id: number;
  /** A softphone password is set (the admin's list and one agent's page; never the password). */
  softphone?: boolean;
  userId: number | null;
  name: string;
  endpoint: string;
  boundEndpoint: string | null;
  site: string;
  capacity: number;
  /** Their phone answers offered calls on its own (the INVITE asks with Call-Info answer-after=0). */
  autoAnswer: boolean;
  state: AgentState;
  stateSince: string;
  pauseReason: string | null;
  wrapUpUntil: string | null;
  callsToday: number;
  activeCalls: number;
  endpointOnline: boolean;
  skills: SkillLevel[];
  /** Contracted hours a week (whole hours, 1–80); null: no contract. The Schedule page's week sets it beside the hours. */
  weeklyHours: number | null;
}
export type AgentInput = Partial<
  Pick<Agent, 'name' | 'endpoint' | 'site' | 'capacity' | 'autoAnswer' | 'userId' | 'skills' | 'weeklyHours'>
>;

/**
 * GET /api/agent/me/softphone: what the workspace's browser softphone registers with (Asterisk's SIP over WebSocket,
 * the agent's WebRTC endpoint and its password), or what is missing (no WebSocket URL, no password, no PJSIP).
 */
export type SoftphoneAnswer = SoftphoneSettings | { available: false; reason: string };
export interface SoftphoneSettings {
  available: true;
  wsUrl: string;
  /** sip:<endpoint>@<domain> */
  uri: string;
  username: string;
  password: string;
  displayName: string;
  iceServers: { urls: string }[];
}
/** GET/PUT /api/agents/:id/softphone: whether the agent's softphone password is set (never the password). */
export interface SoftphoneStatus {
  configured: boolean;
  updatedAt: string | null;
}

/**
 * GET /api/pause-reasons: what agents pause with (workspace buttons; the API refuses any other reason), listed by
 * desk-phone code, then by name. 'no answer' is reserved for the automatic pause after missed offers.
 */
export interface PauseReason {
  id: number;
  name: string;
  /** One or two digits: the desk phone pauses with this reason on *13<code>. Null: not on the desk phone. */
  code: string | null;
}
export type PauseReasonInput = Partial<Omit<PauseReason, 'id'>>;

/**
 * GET /api/do-not-call (admins and supervisors): numbers no call Ariadne places reaches (click-to-dial, a callback,
 * a number typed on a desk phone); calls from them come in as always. Newest first.
 */
export interface DoNotCallEntry {
  id: number;
  /** E.164. */
  number: string;
  /** Who asked and how, in the supervisor's words. */
  reason: string | null;
  /** The registry whose file listed it; null: listed by hand, from a call or a pasted list. */
  source: string | null;
  createdAt: string;
}
/**
 * POST /api/calls/:id/do-not-call (an agent: their own calls): the call's number (the caller's, or the one the agent
 * called) listed. `added: false` when it already was: its entry comes back unchanged.
 */
export interface ListedCallNumber extends DoNotCallEntry {
  added: boolean;
}
/** POST takes the number as typed (national, read in the server's default country, or E.164); PATCH only the reason. */
export interface DoNotCallInput {
  number?: string;
  reason?: string | null;
}
/** `q`: digits found anywhere in the number ("139 0000" finds +8613900001111). */
export interface DoNotCallQuery {
  q?: string;
  page?: number;
  pageSize?: number;
}
/**
 * POST /api/do-not-call/import `{csv}`: one number a line (`number` or `number,reason`; a first line of words only is
 * a header). `duplicates`: numbers already listed (their entries unchanged) and repeats within the list; `line` is
 * 1-based. A number without a reason gets "imported <date> by <user>".
 */
export interface DoNotCallImportResult {
  added: number;
  duplicates: number;
  invalid: { line: number; input: string; reason: string }[];
}
/** POST /api/do-not-call/import-file: the counts of a streamed file; `invalid` names the first 100 refused lines. */
export interface DoNotCallFileImportResult extends DoNotCallImportResult {
  lines: number;
  invalidCount: number;
}
/**
 * POST /api/do-not-call/remove-file?source: a registry's removals. `removed`: listed by that source, now off the
 * list; `kept`: listed by hand, from a call or by another source, left; `notListed`: not on the list.
 */
export interface DoNotCallRemovalResult {
  lines: number;
  removed: number;
  kept: number;
  notListed: number;
  invalidCount: number;
  invalid: { line: number; input: string; reason: string }[];
}

/** POST /api/privacy/erase (admins): a caller's data, by customer id and/or number; dryRun counts only. */
export interface ErasureRequest {
  customerId?: number;
  /** As typed: national or + and the country code. */
  phone?: string;
  dryRun?: boolean;
}

/** Rows erased (deleted or anonymised) per kind; in a dry run, rows that would be. */
export interface ErasureCounts {
  customers: number;
  customerPhones: number;
  orders: number;
  contactHistory: number;
  calls: number;
  callEvents: number;
  recordings: number;
  transcripts: number;
  voicemails: number;
  tickets: number;
  surveyResponses: number;
  evaluations: number;
  surveyRequests: number;
  callbacks: number;
  campaignContacts: number;
  auditLines: number;
  jobErrors: number;
}

export interface ErasureResult {
  dryRun: boolean;
  /** The numbers looked for, masked to their last two digits. */
  numbers: string[];
  customerIds: number[];
  counts: ErasureCounts;
  /** Do-not-call entries kept on purpose, so the number is never called again. */
  kept: { doNotCall: number };
  /** Calls of theirs still going on: an erasure waits until they have ended. */
  callsInProgress: number;
}

/**
 * POST /api/privacy/export (admins): a caller's copy of what Ariadne holds about them, rows by section (camelCase
 * columns, times in ISO 8601). Saved as a file, never shown whole.
 */
export interface CallerExport {
  exportedAt: string;
  /** In full: it is their copy. */
  numbers: string[];
  customerIds: number[];
  customers: Record<string, unknown>[];
  customerPhones: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  contactHistory: Record<string, unknown>[];
  calls: Record<string, unknown>[];
  recordings: Record<string, unknown>[];
  transcripts: Record<string, unknown>[];
  voicemails: Record<string, unknown>[];
  tickets: Record<string, unknown>[];
  surveyResponses: Record<string, unknown>[];
  surveyRequests: Record<string, unknown>[];
  callbacks: Record<string, unknown>[];
  campaignContacts: Record<string, unknown>[];
  doNotCall: Record<string, unknown>[];
}

/**
 * GET /api/campaigns (admins; supervisors: their queues' campaigns): the progressive dialler's lists. A running
 * campaign calls its numbers for the agents of its queue, one call per free agent (the agent's phone first), inside its
 * business hours; a busy or unanswered number is tried again after `retryMinutes`, up to `maxAttempts` times.
 */
export type CampaignState = 'paused' | 'running';
export const CAMPAIGN_CONTACT_STATES = ['pending', 'dialing', 'done', 'failed', 'skipped'] as const;
export type CampaignContactState = (typeof CAMPAIGN_CONTACT_STATES)[number];
export interface Campaign {
  id: number;
  name: string;
  queueId: number;
  queueName: string;
  state: CampaignState;
  /** The business hours' name it calls within; null: any time. */
  hours: string | null;
  /** The number the customer sees; null: the default outbound caller id. */
  callerId: string | null;
  maxAttempts: number;
  retryMinutes: number;
  /** What the agent says, shown in the screen pop; {contact} and {agent} are filled in for each call. */
  script: string | null;
  /** HH:MM-HH:MM on each contact's own clock (their number's time zones); null: only the campaign's hours. */
  contactHours: string | null;
  /** Answering machines: not screened (the agent hears whoever answers), hung up on, or left machineMessage. */
  machineDetection: MachineDetection;
  /** The sound left on a machine, such as ariadne/campaign-message; null: none. */
  machineMessage: string | null;
  createdAt: string;
  updatedAt: string;
  /** Its numbers, in all and by state. */
  contacts: { total: number } & Record<CampaignContactState, number>;
}
/** POST (name and queueId required; created paused) and PATCH (any of them). */
export interface CampaignInput {
  name?: string;
  queueId?: number;
  hours?: string | null;
  callerId?: string | null;
  maxAttempts?: number;
  retryMinutes?: number;
  script?: string | null;
  contactHours?: string | null;
  machineDetection?: MachineDetection;
  machineMessage?: string | null;
}
export type MachineDetection = 'off' | 'hang_up' | 'message';
/** GET /api/campaigns/:id/contacts: one number of the campaign and how its calls went. */
export interface CampaignContact {
  id: number;
  /** E.164. */
  number: string;
  name: string | null;
  state: CampaignContactState;
  attempts: number;
  /** When it may be called next (a retry); null: now (pending) or never again. */
  nextAt: string | null;
  lastResult: string | null;
  lastCallId: string | null;
  updatedAt: string;
  /** Its number's time zones (comma-separated), which its campaign's contact hours are read in; null: none known. */
  timeZone: string | null;
}
export interface CampaignContactQuery {
  state?: CampaignContactState;
  page?: number;
  pageSize?: number;
}
/**
 * POST /api/campaigns/:id/contacts `{csv}`: one number a line (`number` or `number, name`). Numbers already in the
 * campaign and numbers on the do-not-call list are counted, not added; `line` is 1-based.
 */
export interface CampaignImportResult {
  added: number;
  duplicates: number;
  doNotCall: number;
  invalid: { line: number; input: string; reason: string }[];
}

/** Which satisfaction survey a queue's answered callers get: none, a 1-5 IVR survey after the agent hangs up, an SMS. */
export const SURVEY_CHANNELS = ['none', 'ivr', 'sms'] as const;
export type SurveyChannel = (typeof SURVEY_CHANNELS)[number];

export const STRATEGIES = ['longest_idle', 'fewest_calls', 'skill_score', 'round_robin', 'ring_all'] as const;
export const MAX_WAIT_ACTIONS = ['voicemail', 'callback', 'hangup', 'queue'] as const;

export type OverflowStep =
  | { afterSeconds: number; action: 'widen_skills' }
  | { afterSeconds: number; action: 'add_site'; site: string }
  | { afterSeconds: number; action: 'move_queue'; queue: string };

export interface Queue {
  id: number;
  name: string;
  displayName: string;
  strategy: (typeof STRATEGIES)[number];
  ringTimeoutS: number;
  wrapUpS: number;
  serviceLevelS: number;
  /** Wallboard alerts (0: off): longest wait (s), callers waiting, the day's service level below (%). */
  alertWaitS: number;
  alertWaiting: number;
  serviceLevelTargetPct: number;
  maxWaitS: number;
  maxWaitAction: (typeof MAX_WAIT_ACTIONS)[number];
  maxWaitTarget: string | null;
  announceIntervalS: number;
  mohClass: string;
  callbackDigit: string | null;
  recordCalls: boolean;
  retentionDays: number;
  autoPauseAfterMisses: number;
  businessHoursId: number | null;
  survey: SurveyChannel;
  /** The SMS survey's own text ({queue} = the display name); null: the built-in wording. */
  surveyText: string | null;
  /** The IVR survey's own question (media such as sound:custom/acme-survey); null: the shipped one. */
  surveyPrompt: string | null;
  /** Recordings are transcribed (speech to text) once stored; needs ARIADNE_TRANSCRIBE_COMMAND or _URL. */
  transcribe: boolean;
  overflow: OverflowStep[];
  skills: SkillRequirement[];
}
export type QueueInput = Partial<Omit<Queue, 'id'>>;

export interface RoutingRule {
  id: number;
  position: number;
  name: string;
  expression: string;
  queueId: number;
  priority: number;
  requiredSkills: SkillRequirement[];
  enabled: boolean;
  isDefault: boolean;
}
export type RoutingRuleInput = Partial<Omit<RoutingRule, 'id'>>;

export interface RoutingSample {
  did: string;
  callerE164?: string | null;
  tier?: 'standard' | 'gold' | 'diamond' | null;
  language?: string;
  ivr?: Record<string, string>;
  recentCategories?: string[];
  now?: string;
}
export interface RuleTrace {
  ruleId: number;
  name: string;
  position: number;
  expression: string;
  isDefault: boolean;
  outcome: 'matched' | 'no_match' | 'error' | 'disabled' | 'not_reached' | 'default';
  detail: string;
}
export interface RoutingTestResult {
  decision: {
    queueId: number;
    queueName: string;
    priority: number;
    requiredSkills: SkillRequirement[];
    ruleId: number;
    ruleName: string;
  };
  matchedRuleId: number | null;
  reason: string;
  fallback: boolean;
  rules: RuleTrace[];
  variables: Record<string, unknown>;
}

export interface BusinessHours {
  id: number;
  name: string;
  timezone: string;
  weekly: Partial<Record<Weekday, [string, string][]>>;
  holidays?: { day: string; name: string; openSpans: [string, string][] | null }[];
}
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface IvrFlowSummary {
  id: number;
  name: string;
  description: string | null;
  publishedVersion: number | null;
  latestVersion: number | null;
}
export interface IvrFlowVersion {
  version: number;
  published: boolean;
  createdBy: string | null;
  createdAt: string | null;
}
export interface FlowIssue {
  path: string;
  message: string;
}
export interface FlowValidation {
  ok: boolean;
  issues: FlowIssue[];
}
export type FlowNode = { type: string } & Record<string, unknown>;
export interface FlowDocument {
  format?: 1;
  start: string;
  language?: string;
  defaultQueue?: string;
  nodes: Record<string, FlowNode>;
}

/** Inbound: a customer called in; outbound: an agent placed the call (click-to-dial, calling back a callback). */
export type CallDirection = 'inbound' | 'outbound';

/** Every state a call passes through (an outbound call: arriving → dialing → connected → wrap_up → ended). */
export const CALL_STATES = [
  'arriving',
  'dialing',
  'identifying',
  'in_ivr',
  'queued',
  'offering',
  'connected',
  'wrap_up',
  'ended',
  'abandoned',
] as const;

export interface CallRow {
  id: string;
  state: string;
  direction: CallDirection;
  /** Outbound: the number called. */
  callerE164: string | null;
  callerRaw: string | null;
  callerName: string | null;
  /** Outbound: the caller id presented to the customer ('' when none is set). */
  did: string | null;
  customerId: number | null;
  tier: string | null;
  queueId: number | null;
  agentId: number | null;
  arrivedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  waitS: number | string | null;
  talkS: number | string | null;
  disposition: string | null;
  /** What the agent chose at wrap-up (disposition is the system's outcome). */
  agentDisposition?: string | null;
  hangupSide: string | null;
}
export interface CallEvent {
  seq: number;
  at: string;
  fromState: string | null;
  event: string;
  toState: string;
  data: unknown;
}
export interface Recording {
  id: string;
  callId: string;
  state: string;
  startedAt: string | null;
  durationS: number | string | null;
  agentId: number | null;
  queueId: number | null;
  /** Its transcript's state: null = none made (its queue does not transcribe, or one is still pending). */
  transcript: 'done' | 'skipped' | null;
}
/** GET /api/recordings/:id/transcript: what was heard, why nothing was, or where its transcription stands. */
export type Transcript =
  | {
      recordingId: string;
      callId: string | null;
      /** done: `text` is what was heard ('' = nothing); skipped: `reason` says why there is no text. */
      state: 'done' | 'skipped';
      engine: string;
      language: string | null;
      text: string | null;
      /**
       * done: `text` in timed stretches, sorted by start (`start`/`end`: seconds from the start of the recording;
       * `speaker` as the engine labels it, e.g. "A" or "SPEAKER_01", null when it does not tell speakers apart).
       * Null when the engine gave plain text only; absent from servers older than segments.
       */
      segments?: Array<{ start: number; end: number; text: string; speaker: string | null }> | null;
      reason: string | null;
      audioSeconds: number | null;
      tookMs: number | null;
      createdAt: string;
    }
  | {
      recordingId: string;
      callId: string | null;
      /** Queued or running; `reason`: the last error when a retry is due. */
      state: 'pending';
      reason: string | null;
    }
  | {
      recordingId: string;
      callId: string | null;
      /** The engine gave up; `reason` says why. */
      state: 'failed';
      reason: string | null;
    };
export interface CallDetail extends CallRow {
  timeline: CallEvent[];
  recordings: Recording[];
}
export interface CallFilters {
  from?: string;
  to?: string;
  queueId?: number;
  agentId?: number;
  disposition?: string;
  state?: string;
  caller?: string;
  direction?: CallDirection;
  page?: number;
  pageSize?: number;
}

export interface Callback {
  id: number;
  callId: string | null;
  customerId: number | null;
  phone: string;
  queueId: number | null;
  state: 'pending' | 'assigned' | 'done' | 'failed';
  agentId: number | null;
  requestedAt: string | null;
  dueAt: string | null;
  notes: string | null;
  /** Calls placed to call it back so far, and the last of them. */
  attempts: number;
  lastCallId: string | null;
}

/** POST /api/agent/me/calls: the number as typed (national or E.164) or the callback to call back, or both. */
export interface PlaceCallInput {
  number?: string;
  callbackId?: number;
  queueId?: number;
}
/** The 202 answer: the call exists; its progress comes over the WebSocket (call.offered, connected, ended). */
export interface PlacedCall {
  callId: string;
  /** E.164. */
  number: string;
  queueId: number | null;
  callbackId: number | null;
}

export const TICKET_STATUSES = ['open', 'pending', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENTS)[number];
/** agent: written by the agent; auto: made for a handled call the agent wrote no ticket for. */
export type TicketSource = 'agent' | 'auto';

export interface TicketInput {
  subject: string;
  body?: string | null;
  callId?: string | null;
  customerId?: number | null;
  category?: string | null;
  disposition?: string | null;
  status?: TicketStatus;
  tags?: string[];
}
/** PATCH /api/tickets/:id (strict): only these fields. Changing subject or body queues a new analysis. */
export type TicketPatch = Partial<TicketInput & { agentId: number | null }>;
export interface Ticket {
  id: number;
  callId: string | null;
  customerId: number | null;
  agentId: number | null;
  subject: string;
  body: string | null;
  category: string | null;
  disposition: string | null;
  status: TicketStatus;
  /** -1 (very negative) … 1 (very positive); null until analysed (or nothing to analyse). */
  sentiment: number | null;
  summary: string | null;
  language: 'en' | 'zh' | null;
  source: TicketSource;
  /** When the background analysis (sentiment, summary, keyword tags) last ran; null: not yet. */
  analysedAt: string | null;
  /** The recording of the ticket's call, if any. */
  recordingId: string | null;
  queueId: number | null;
  tags: string[];
  createdAt: string | null;
  updatedAt: string | null;
}
export interface TicketFilters {
  status?: TicketStatus;
  agentId?: number;
  customerId?: number;
  callId?: string;
  /** Free text, matched in the subject. */
  q?: string;
  source?: TicketSource;
  sentiment?: SentimentLabel;
  tag?: string;
  page?: number;
  pageSize?: number;
}

export interface OrderSummary {
  orderNo: string;
  status: string;
  carrier: string | null;
  trackingNo: string | null;
  eta: string | null;
  totalCents: number;
  currency: string;
}
export interface ContactSummary {
  channel: string;
  category: string;
  outcome: string;
  startedAt: string;
}
export interface CustomerCard {
  customerId: number | null;
  name: string;
  tier: string;
  language: string;
  company: string | null;
  email: string | null;
}

export interface QueueBoard {
  queueId: number;
  name: string;
  displayName: string;
  waiting: number;
  longestWaitS: number;
  waitingCalls: { callId: string; waitS: number }[];
  answeredToday: number;
  abandonedToday: number;
  serviceLevelPct: number | null;
  /** The queue's alert levels (0: off) and which the queue is past now. */
  alertLevels: { waitS: number; waiting: number; serviceLevelPct: number };
  alerts: ('longest_wait' | 'waiting' | 'service_level')[];
}
export interface AgentBoard {
  agentId: number;
  name: string;
  state: AgentState;
  since: string;
  reason: string | null;
  /** What the agent's shift has for now: 'phone' or an activity; null with no shift now. */
  scheduled: 'phone' | ShiftActivityKind | null;
  /** Whether the agent's state is what the shift expects; null with no shift now. */
  inAdherence: boolean | null;
}

// --- reports (GET /api/reports/queues, /agents, /pauses; days are YYYY-MM-DD in the report's time zone) ------------

export type ReportBy = 'total' | 'day' | 'interval';

export interface QueueMetrics {
  offered: number;
  answered: number;
  abandoned: number;
  answeredInSl: number;
  /** Percent (0–100) of answered + abandoned calls answered within the queue's service level; null with no calls. */
  serviceLevelPct: number | null;
  abandonedPct: number | null;
  avgWaitS: number | null;
  maxWaitS: number | null;
  avgTalkS: number | null;
}
export interface QueueReportRow extends QueueMetrics {
  /** 'YYYY-MM-DD' by day, local 'HH:MM' by interval, null for the total. */
  period: string | null;
  /** The period's start instant (ISO); null for the total. */
  start: string | null;
  queueId: number;
  queue: string;
  displayName: string;
}
export interface QueueReport {
  from: string;
  to: string;
  by: ReportBy;
  timeZone: string;
  rows: QueueReportRow[];
  totals: QueueMetrics;
}
export interface QueueReportQuery {
  from?: string;
  to?: string;
  by?: ReportBy;
  queueId?: number;
}

export interface AgentMetrics {
  calls: number;
  missed: number;
  talkS: number;
  wrapS: number;
  /** (talk + wrap) / calls; null with no calls. */
  avgHandleS: number | null;
  /** Seconds logged in over the range, and how many of them paused (any reason). */
  loggedInS: number;
  pausedS: number;
  /** Percent of ready time (logged in − paused) spent on calls and wrap-up, one decimal; null without ready time. */
  occupancyPct: number | null;
}
/**
 * GET /api/agent/me/today: the signed-in agent's day so far (in the contact center's zone), read live rather than
 * from the quarter-hour report tables. Missed offers are left to the daily report.
 */
export interface AgentToday extends Omit<AgentMetrics, 'missed'> {
  /** YYYY-MM-DD in `timeZone`. */
  day: string;
  timeZone: string;
  /** The instant the figures were read. */
  asOf: string;
  /** Paused time per reason, longest first; `count` is the pauses begun today (one begun yesterday counts 0). */
  pauses: { reason: string; count: number; seconds: number }[];
}
export interface AgentReportRow extends AgentMetrics {
  agentId: number;
  name: string;
}
export interface AgentReport {
  from: string;
  to: string;
  timeZone: string;
  rows: AgentReportRow[];
  totals: AgentMetrics;
}
export interface AgentReportQuery {
  from?: string;
  to?: string;
  agentId?: number;
}

/** GET /api/reports/pauses: paused time per agent and reason over whole days, ordered by agent name, then reason. */
export interface PauseReportRow {
  agentId: number;
  name: string;
  /** A configured pause reason ('lunch', 'break'…), or 'no answer' (the automatic pause after missed offers). */
  reason: string;
  pauses: number;
  pausedS: number;
}
export interface PauseReport {
  from: string;
  to: string;
  timeZone: string;
  rows: PauseReportRow[];
  totals: { pauses: number; pausedS: number };
}
export type PauseReportQuery = AgentReportQuery;

/**
 * GET /api/reports/presence: each agent's presence through one day as it happened (read live, so today's is
 * current), by agent name. Agents not logged in that day are absent; gaps between spans are logged-out time.
 */
export interface PresenceSpan {
  state: 'ready' | 'paused';
  /** The pause reason ('lunch', 'break', 'no answer' for the automatic pause after missed offers…); null when ready. */
  reason: string | null;
  /** ISO instants, cut to the day and, for today, to now. */
  start: string;
  end: string;
  /** Goes on past the day's end (or, today, past now). */
  open: boolean;
}
/** A call of the agent's on the presence timeline: talking to the caller (answered → hung up), then the after-call work. */
export interface TimelineCall {
  callId: string;
  kind: 'talk' | 'wrap';
  /** ISO instants, cut to the day and, for today, to now, like the spans. */
  start: string;
  end: string;
  /** Still going on at `end`. */
  open: boolean;
}
export interface AgentPresence {
  agentId: number;
  name: string;
  loggedInS: number;
  pausedS: number;
  spans: PresenceSpan[];
  /** In the order the calls were answered, each call's talk before its wrap. */
  calls: TimelineCall[];
}
export interface PresenceReport {
  /** 'YYYY-MM-DD' in `timeZone`; `from` and `to` are its local midnight and the next (ISO), 23–25 h apart. */
  day: string;
  timeZone: string;
  from: string;
  to: string;
  /** When the stretches were cut (the server's now, or `to` for a past day): today's "now" line. */
  asOf: string;
  agents: AgentPresence[];
}
export interface PresenceReportQuery {
  /** Defaults to today in the report's zone. */
  day?: string;
  agentId?: number;
}

/** GET /api/reports/surveys: one row per queue (queueId/queue null: responses to calls of no queue). */
export interface SurveySummaryRow {
  queueId: number | null;
  /** The queue's name, and the name people see. */
  queue: string | null;
  displayName: string | null;
  responses: number;
  /** Mean score 1–5, null without responses. */
  average: number | null;
  /** Responses per score: [score 1, 2, 3, 4, 5]. */
  scores: [number, number, number, number, number];
}
export interface SurveyReport {
  from: string;
  to: string;
  timeZone: string;
  rows: SurveySummaryRow[];
  total: SurveySummaryRow;
}
export interface SurveyReportQuery {
  from?: string;
  to?: string;
  queueId?: number;
}
/** GET /api/reports/campaigns: one campaign's calls over the days, by what became of them. */
export interface CampaignReportRow {
  campaignId: number;
  /** Null: the campaign has been deleted since. */
  campaign: string | null;
  calls: number;
  answered: number;
  machine: number;
  machineMessage: number;
  busy: number;
  noAnswer: number;
  /** The agent's phone was not picked up: the customer was never dialled. */
  notPlaced: number;
  other: number;
  /** Of the calls that dialled the customer. */
  answeredPct: number | null;
  talkS: number;
  avgTalkS: number | null;
}
export interface CampaignReport {
  from: string;
  to: string;
  timeZone: string;
  rows: CampaignReportRow[];
  total: CampaignReportRow;
}
/**
 * GET /api/reports/staffing: per 15-minute interval of one day and queue, the agents its calls needed (Erlang C) and
 * the agents ready. A day lived is its own calls (`actual`); today and later are forecast from `basedOn`.
 */
export interface StaffingInterval {
  /** HH:MM in the report's zone. */
  period: string;
  start: string;
  /** Calls that entered the queue (a forecast's mean, to one decimal). */
  offered: number;
  handleS: number;
  agentsNeeded: number;
  /** The agents to schedule for `agentsNeeded` on the phones, given the shrinkage. */
  agentsToSchedule: number;
  /** Agents with the queue's skills logged in and not paused, on average (null: not yet). */
  agentsReady: number | null;
  serviceLevelPct: number | null;
  /** Erlang A: the share of callers who would give up with `agentsNeeded` (null: Erlang C). */
  abandonPct: number | null;
  /** Agents able to take the queue scheduled on the phones (shifts less their activities), mean over the interval. */
  agentsScheduled: number;
}
export interface StaffingReport {
  day: string;
  queueId: number;
  queue: string;
  timeZone: string;
  basis: 'actual' | 'forecast';
  basedOn: string[];
  serviceLevelPct: number;
  targetSeconds: number;
  maxOccupancyPct: number;
  shrinkagePct: number;
  /** The patience the plan assumed (Erlang A), or null (Erlang C). */
  patienceS: number | null;
  /** Callers' mean patience in the days it is based on (null: nobody gave up). */
  observedPatienceS: number | null;
  intervals: StaffingInterval[];
  peakAgentsNeeded: number;
  peakAgentsToSchedule: number;
}
export interface StaffingQuery {
  queueId: number;
  day?: string;
  serviceLevelPct?: number;
  targetSeconds?: number;
  maxOccupancyPct?: number;
  /** Share of scheduled time off the phones, 0–90 %. */
  shrinkagePct?: number;
  /** Callers' mean patience (s), or `observed`: Erlang A; unset: Erlang C. */
  patienceS?: number | 'observed';
}
/**
 * GET /api/shifts: an agent's shift, the time they are due at work, and its activities (the parts of it off the
 * phones). Times of day are on the contact center's clock (`timeZone` of the list); `start`/`end` are ISO instants.
 */
export type ShiftActivityKind = 'break' | 'lunch' | 'meeting' | 'training' | 'offline';
export interface ShiftActivity {
  kind: ShiftActivityKind;
  start: string;
  end: string;
  /** HH:MM. */
  startTime: string;
  endTime: string;
}
export interface Shift {
  id: number;
  agentId: number;
  agentName: string;
  /** 'YYYY-MM-DD': the contact center's day the shift starts on. */
  day: string;
  start: string;
  end: string;
  /** HH:MM; an endTime at or before startTime ends the next day. */
  startTime: string;
  endTime: string;
  note: string | null;
  activities: ShiftActivity[];
  /** Seconds scheduled on the phones: the shift less its activities. */
  phoneS: number;
  /** Inside the agent's availability (always, for an agent who has stated none); false: made outside it by hand. */
  withinAvailability: boolean;
  /**
   * When it was published (ISO); null for a draft, which only staff see: its agent does not, and adherence and the
   * wallboard ignore it until it is published.
   */
  publishedAt: string | null;
}
export interface ShiftList {
  /** The days asked for (default today), 'YYYY-MM-DD'. */
  from: string;
  to: string;
  timeZone: string;
  /** By start, then agent name. An agent only ever gets their own, and only those published. */
  shifts: Shift[];
}
export interface ShiftQuery {
  from?: string;
  /** At most 31 days after `from`. */
  to?: string;
  agentId?: number;
}
/** POST /api/shifts, PUT /api/shifts/:id (which replaces the shift and its activities). */
export interface ShiftInput {
  agentId: number;
  day: string;
  startTime: string;
  endTime: string;
  note?: string;
  activities?: { kind: ShiftActivityKind; startTime: string; endTime: string }[];
  /**
   * POST: a draft (default false: published at once). PUT: left out, the shift stays as it is; false publishes a
   * draft; true on a published shift is refused (409: it is removed instead).
   */
  draft?: boolean;
}
/** POST /api/shifts/copy: the shifts starting in [fromDay, fromDay + days), to the same wall times from toDay. */
export interface ShiftCopyInput {
  fromDay: string;
  toDay: string;
  /** 1–14, default 7. */
  days?: number;
  agentIds?: number[];
  /** The copies are drafts (default false: published at once). */
  draft?: boolean;
}
export interface ShiftCopyResult {
  copied: number;
  /** Shifts that would have overlapped one already there. */
  skipped: { agentId: number; agentName: string; day: string; reason: string }[];
}
/**
 * POST /api/shifts/plan: a queue's day (today or later) planned from its forecast, shifts for the queue's agents
 * without one that day; a preview unless `apply`. Supervisors only their own queues (404 otherwise).
 */
export interface ShiftPlanInput {
  day: string;
  queueId: number;
  /** 4–12 in quarter hours, default 8. */
  shiftHours?: number;
  /** The staffing report's targets: 80 % within 20 s and 85 % occupancy by default. */
  serviceLevelPct?: number;
  targetSeconds?: number;
  maxOccupancyPct?: number;
  patienceS?: number | 'observed';
  apply?: boolean;
  /** With `apply`: the shifts made are drafts (default false: published at once). */
  draft?: boolean;
}
export interface ProposedShift {
  agentId: number;
  agentName: string;
  /** HH:MM on the contact center's clock; a plan never crosses midnight. */
  startTime: string;
  endTime: string;
  activities: { kind: ShiftActivityKind; startTime: string; endTime: string }[];
  /**
   * The agent's shift preference, and whether this is that kind of shift (early: its middle at or before the middle of
   * the day's need; late: at or after it); null without one. Absent from a server older than preferences.
   */
  preference?: ShiftPreference | null;
  preferenceMet?: boolean | null;
}
/** One 15-minute interval: agents needed on the phones, scheduled before the plan and with it (averages). */
export interface ShiftPlanCoverage {
  /** HH:MM. */
  period: string;
  needed: number;
  before: number;
  after: number;
}
export interface ShiftPlan {
  day: string;
  queueId: number;
  shiftHours: number;
  basis: 'actual' | 'forecast';
  shifts: ProposedShift[];
  /** The shifts made (apply), null for a preview. */
  created: Shift[] | null;
  /** Proposed shifts refused on apply (the agent was given one meanwhile). */
  skipped: { agentId: number; reason: string }[];
  coverage: ShiftPlanCoverage[];
  /** Intervals still short with every proposed shift worked (no agents left to plan). */
  shortIntervals: number;
}
/**
 * POST /api/shifts/publish and /api/shifts/discard: the drafts starting on the days from `from` to `to` (at most 31
 * days), of `agentIds` or everyone's. Publishing shows them to their agents (who are told); discarding removes them,
 * published shifts staying as they are.
 */
export interface DraftRangeInput {
  from: string;
  to: string;
  agentIds?: number[];
}
export interface DraftRangeResult {
  from: string;
  to: string;
  /** Drafts published, or discarded. */
  count: number;
  /** Their agents, each once. */
  agentIds: number[];
}

/**
 * GET/PUT /api/agents/:id/availability: when in the week an agent can work, on the contact center's clock. No
 * windows: available at any time; some: only inside them, so a weekday without one is a day the agent does not work.
 */
export interface AvailabilityWindow {
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
  /** HH:MM, 00:00–23:59. */
  startTime: string;
  /** HH:MM after the start; 24:00 ends the day (a window crossing midnight is two, one on each day). */
  endTime: string;
}
export interface Availability {
  agentId: number;
  /** By weekday, then start; at most 28, none overlapping on a day. */
  windows: AvailabilityWindow[];
  /** The shifts the agent would rather have within it; planning from the forecast honours it where it costs little. */
  preference: ShiftPreference | null;
}
export type ShiftPreference = 'early' | 'late';

/** What the schedule had an agent doing: on the phones, or one of the shift's activities. */
export type AdherenceExpected = 'phone' | ShiftActivityKind;
export type AdherenceActual = 'ready' | 'paused' | 'logged_out';
/** A stretch of 60 s or more out of adherence. */
export interface AdherenceException {
  start: string;
  end: string;
  expected: AdherenceExpected;
  actual: AdherenceActual;
  /** The pause reason, when paused. */
  reason: string | null;
}
export interface AdherenceAgent {
  agentId: number;
  name: string;
  /** Scheduled time elapsed so far (the shift, activities included), seconds. */
  scheduledS: number;
  inAdherenceS: number;
  /** Null when nothing scheduled has elapsed. */
  adherencePct: number | null;
  /** Elapsed time scheduled on the phones, and of it the time logged in and not paused. */
  phoneScheduledS: number;
  phoneReadyS: number;
  /** Logged in outside any shift. */
  unscheduledS: number;
  /** Today only: what the schedule expects now and what the agent is doing. */
  current: {
    expected: AdherenceExpected | null;
    actual: AdherenceActual;
    reason: string | null;
    inAdherence: boolean;
  } | null;
  exceptions: AdherenceException[];
}
/** GET /api/reports/adherence: agents with a shift that day or logged in that day. */
export interface AdherenceReport {
  day: string;
  timeZone: string;
  /** The day's local midnight and the next (ISO). */
  from: string;
  to: string;
  asOf: string;
  agents: AdherenceAgent[];
  totals: { scheduledS: number; inAdherenceS: number; adherencePct: number | null };
}
export interface AdherenceQuery {
  /** Defaults to today in the report's zone. */
  day?: string;
  agentId?: number;
}
/** GET /api/reports/adherence/summary: each agent's adherence summed over whole days (at most 31), by name. */
export interface AdherenceSummaryRow {
  agentId: number;
  name: string;
  /** Days with scheduled time elapsed (a shift begun). */
  days: number;
  scheduledS: number;
  inAdherenceS: number;
  adherencePct: number | null;
  phoneScheduledS: number;
  phoneReadyS: number;
  /** Of the time scheduled on the phones, the share ready. */
  phoneReadyPct: number | null;
  unscheduledS: number;
  /** Stretches out of adherence of a minute or more. */
  exceptions: number;
}
export interface AdherenceSummary {
  from: string;
  to: string;
  timeZone: string;
  rows: AdherenceSummaryRow[];
  totals: Omit<AdherenceSummaryRow, 'agentId' | 'name' | 'days'>;
}
export interface AdherenceSummaryQuery {
  /** Both default to today in the report's zone. */
  from?: string;
  to?: string;
  agentId?: number;
}

/**
 * GET /api/time-off: whole days an agent asked for (pending) or a supervisor granted, refused or recorded; days are
 * the contact center's calendar, both ends included.
 */
export type TimeOffKind = 'vacation' | 'sick' | 'personal' | 'other';
export type TimeOffStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';
export interface TimeOff {
  id: number;
  agentId: number;
  agentName: string;
  fromDay: string;
  toDay: string;
  days: number;
  kind: TimeOffKind;
  note: string | null;
  status: TimeOffStatus;
  requestedBy: number | null;
  requestedAt: string;
  decidedBy: number | null;
  decidedAt: string | null;
  /** The supervisor's word with a grant or refusal. */
  decisionNote: string | null;
  /** Shifts the agent has on those days now (what granting would remove). */
  shifts: number;
}
export interface TimeOffQuery {
  status?: TimeOffStatus;
  /** Requests overlapping these days. */
  from?: string;
  to?: string;
  agentId?: number;
}
/** POST /api/time-off: an agent asks for their own days; staff with `agentId` record them, granted at once. */
export interface TimeOffInput {
  fromDay: string;
  toDay: string;
  kind: TimeOffKind;
  note?: string;
  agentId?: number;
}
/** A request made or decided, with the shifts granting it removed. */
export interface TimeOffResult extends TimeOff {
  removedShifts: number;
}
export interface TimeOffDecision {
  status: 'approved' | 'rejected';
  note?: string;
}

/**
 * GET /api/shift-trades: an agent offers one of their shifts not begun to a colleague, or to anyone, as a give-away
 * or for one of the colleague's shifts (a swap); the colleague accepts, a supervisor approves, then the shifts change
 * hands. Declined: turned down by the colleague it was offered to; cancelled: withdrawn; rejected: refused.
 */
export type ShiftTradeStatus = 'offered' | 'accepted' | 'approved' | 'rejected' | 'declined' | 'cancelled';
/** A shift as a trade names it. */
export interface TradeShift {
  id: number;
  day: string;
  start: string;
  end: string;
  startTime: string;
  endTime: string;
  phoneS: number;
}
export interface ShiftTrade {
  id: number;
  status: ShiftTradeStatus;
  fromAgentId: number;
  fromAgentName: string;
  /** Null: offered to anyone, until someone accepts. */
  toAgentId: number | null;
  toAgentName: string | null;
  /** Offered to anyone (taken by `toAgentId` once someone accepts). */
  toAnyone: boolean;
  shift: TradeShift | null;
  /** The colleague's shift asked for in return; null for a give-away. */
  swapShift: TradeShift | null;
  note: string | null;
  offeredAt: string;
  acceptedAt: string | null;
  decidedBy: number | null;
  decidedAt: string | null;
  /** The supervisor's word with an approval or refusal. */
  decisionNote: string | null;
  /** Still offered or accepted, but a shift in it has begun: it can no longer be made. */
  expired: boolean;
  /** Skills the offering agent has that the one taking the shift lacks. */
  takerLacks: string[];
  /** For a swap, skills the taker has that the offering agent, taking the swapped shift, lacks. */
  giverLacks: string[];
  /** The shift inside the taker's availability; null until someone accepts an open offer. */
  takerAvailable: boolean | null;
  /** For a swap, the shift given back inside the offering agent's availability. */
  giverAvailable: boolean | null;
}
export interface ShiftTradeQuery {
  status?: ShiftTradeStatus;
  /** Trades whose shift starts on these days. */
  from?: string;
  to?: string;
  /** Staff: this agent's trades and the offers open to them (an agent is always given their own). */
  agentId?: number;
}
/** POST /api/shift-trades: `toAgentId` null offers to anyone; `swapShiftId` (the colleague's) makes it a swap. */
export interface ShiftTradeOffer {
  shiftId: number;
  toAgentId?: number | null;
  swapShiftId?: number | null;
  note?: string | null;
}
/** GET /api/shift-trades/candidates: a colleague a shift could be offered to. */
export interface TradeCandidate {
  agentId: number;
  name: string;
  /** Null when they could take the shift as things stand; else why not ("works 15:00–23:00 then"). */
  busy: string | null;
  /** The offering agent's skills they lack. */
  lacks: string[];
  /** Their shifts not begun in the week either side of the shift's day: what a swap could ask for. */
  shifts: TradeShift[];
}
export interface TradeCandidates {
  shiftId: number;
  items: TradeCandidate[];
}
export interface ShiftTradeDecision {
  status: 'approved' | 'rejected';
  note?: string;
}

/** GET /api/survey-results: one caller's answer. */
export interface SurveyResult {
  id: number;
  callId: string | null;
  customerId: number | null;
  channel: 'ivr' | 'sms';
  score: number | null;
  comment: string | null;
  createdAt: string;
  queueId: number | null;
  agentId: number | null;
}

export interface RebuildResult {
  day: string;
  calls: number;
  intervals: number;
  agents: number;
  ms: number;
}

// --- WebSocket messages (server → client): flat objects with a `type` -------------------------------------------

export interface WallboardMessage {
  type: 'wallboard';
  at: string;
  queues: QueueBoard[];
  agents: { byState: Partial<Record<AgentState, number>>; list: AgentBoard[]; outOfAdherence: number };
}
export interface AgentStateMessage {
  type: 'agent.state';
  agentId: number;
  state: AgentState;
  reason: string | null;
  since: string;
  agent?: Agent;
}
/**
 * The screen pop. Outbound (a call the agent placed): `caller` is the number being called, `ivr` is empty, and
 * `queueId` is null for a call placed for no queue; the agent's own phone rings first, then the number is dialled.
 */
export interface CallOfferedMessage {
  type: 'call.offered';
  callId: string;
  queueId: number | null;
  direction: CallDirection;
  caller: string;
  customer: CustomerCard | null;
  tier: string | null;
  openOrders: OrderSummary[];
  lastContacts: ContactSummary[];
  ivr: Record<string, string>;
  /** A call the dialler placed for a campaign: which one, and the contact's name from its list (if it had one). */
  campaign?: { id: number; name: string; contact: string | null; script: string | null } | null;
}
export interface CallConnectedMessage {
  type: 'call.connected';
  callId: string;
  agentId: number;
  queueId: number | null;
}
/** The agent's offer ended without them taking the call (no answer, another agent answered first, caller left). */
export interface CallOfferEndedMessage {
  type: 'call.offer_ended';
  callId: string;
  agentId: number;
  queueId: number | null;
  reason: string;
}
export interface CallEndedMessage {
  type: 'call.ended';
  callId: string;
  agentId: number | null;
  queueId: number | null;
  /**
   * The call's outcome: answered, abandoned… An outbound call that never connected: not_placed (the agent's phone
   * did not pick up), no_answer, busy, failed or cancelled (the agent gave up while it was dialling).
   */
  disposition: string;
}
export type MonitorMode = 'listen' | 'whisper' | 'barge';
/** GET /api/calls/live: a call this orchestrator holds now; `monitoredBy` is shown to staff only. */
export interface LiveCall {
  callId: string;
  state: string;
  direction: CallDirection;
  caller: string;
  callerE164: string | null;
  queueId: number | null;
  agentId: number | null;
  held: boolean;
  consulting: string | null;
  conference: boolean;
  arrivedAt: string;
  monitoredBy?: { userId: number; name: string; mode: MonitorMode }[];
}
/** POST /api/calls/:id/monitor: the supervisor's session on the call. */
export interface MonitorSession {
  callId: string;
  supervisor: { userId: number; name: string };
  endpoint: string;
  mode: MonitorMode;
}
/** The party the agent consulted (or had in a conference) hung up: the caller is back with the agent. */
export interface CallConsultEndedMessage {
  type: 'call.consult_ended';
  callId: string;
  agentId: number;
  queueId: number | null;
  target: string;
}
/** A supervisor scored one of the agent's calls: the workspace says so, with a link. */
export interface EvaluationCreatedMessage {
  type: 'evaluation.created';
  evaluationId: number;
  agentId: number;
  callId: string;
  scorePct: number | null;
  failedCritical: boolean;
}
/** A supervisor granted or refused the agent's time off (or recorded some for them): the workspace says so. */
export interface TimeOffDecidedMessage {
  type: 'time-off.decided';
  timeOffId: number;
  agentId: number;
  status: TimeOffStatus;
  fromDay: string;
  toDay: string;
  kind: TimeOffKind;
  decisionNote: string | null;
}
/** A shift trade was offered, accepted, declined, withdrawn or decided: its agents (any agent for an open offer), staff. */
export interface ShiftTradeChangedMessage {
  type: 'shift-trade.changed';
  tradeId: number;
  status: ShiftTradeStatus;
  fromAgentId: number;
  toAgentId: number | null;
  toAnyone: boolean;
}
/** Drafts of the agent's starting on the days from `from` to `to` were published: the workspace says so. */
export interface SchedulePublishedMessage {
  type: 'schedule.published';
  from: string;
  to: string;
}
/**
 * A scheduled activity began and the agent was paused for it (`afterCall`: will be, when their call and its wrap-up
 * are over); only with ARIADNE_SCHEDULED_ACTIVITIES=pause.
 */
export interface ActivityPausedMessage {
  type: 'activity.paused';
  agentId: number;
  kind: ShiftActivityKind;
  startTime: string;
  endTime: string;
  afterCall: boolean;
}
export type ServerMessage =
  | { type: 'hello'; user: User }
  | { type: 'pong' }
  | { type: 'error'; error: ApiErrorBody }
  | WallboardMessage
  | AgentStateMessage
  | CallOfferedMessage
  | CallOfferEndedMessage
  | CallConnectedMessage
  | CallEndedMessage
  | CallConsultEndedMessage
  | EvaluationCreatedMessage
  | TimeOffDecidedMessage
  | ShiftTradeChangedMessage
  /**
   * Shifts were added, changed or removed, or an agent's availability changed: an agent's own published shifts (My
   * schedule reads them again); staff get every change, drafts included (an open Schedule page reads again).
   */
  | { type: 'schedule.changed' }
  | SchedulePublishedMessage
  | ActivityPausedMessage
  /** Staff: an agent asked for time off. */
  | { type: 'time-off.requested'; timeOffId: number; agentId: number };

export interface ScorecardQuestion {
  key: string;
  text: string;
  weight: number;
  critical: boolean;
  allowNa: boolean;
}

export interface Scorecard {
  id: number;
  name: string;
  description: string | null;
  questions: ScorecardQuestion[];
  active: boolean;
  /** How many calls were evaluated on it. */
  evaluations: number;
}

export type ScorecardInput = Partial<Pick<Scorecard, 'name' | 'description' | 'questions' | 'active'>>;

export type EvaluationAnswer = 'yes' | 'no' | 'na';

export interface Evaluation {
  id: number;
  callId: string;
  callAt: string | null;
  agentId: number;
  agentName: string | null;
  queueId: number | null;
  scorecardId: number;
  scorecardName: string | null;
  evaluatorId: number | null;
  evaluatorName: string | null;
  questions: ScorecardQuestion[];
  answers: Record<string, EvaluationAnswer>;
  scorePct: number | null;
  failedCritical: boolean;
  comment: string | null;
  agentComment: string | null;
  acknowledgedAt: string | null;
  createdAt: string | null;
}

export interface AgentQuality {
  agentId: number;
  agentName: string | null;
  evaluations: number;
  averageScorePct: number | null;
  lowestScorePct: number | null;
  criticalFails: number;
  unacknowledged: number;
}

/** GET /api/blocked-callers: callers turned away before the call is answered (numbers, or `anonymous`). */
export interface BlockedCaller {
  id: number;
  /** E.164, or `anonymous` for callers who withhold their number. */
  number: string;
  reason: string | null;
  createdBy: number | null;
  createdAt: string;
  /** Null: until removed. */
  expiresAt: string | null;
  /** Calls the orchestrator turned away (those Asterisk rejected before it saw them are in Asterisk's CDR). */
  hits: number;
  lastHitAt: string | null;
}

/** GET /api/asterisk/status: one contact's OPTIONS reachability (a trunk, or an agent's phone). */
export interface SwitchContact {
  endpoint: string;
  uri: string;
  /** Reachable, Unreachable, NonQualified or Unknown. */
  status: string;
  roundtripMs: number | null;
  /** The agent whose phone it is; null for a trunk. */
  agent: string | null;
}

export interface SwitchStatus {
  nodes: { node: string; connected: boolean; since: string; lastError: string | null }[];
  registrations: { node: string; name: string; endpoint: string; serverUri: string; status: string }[];
  trunks: SwitchContact[];
  phones: SwitchContact[];
  problems: string[];
}

/** One place in a transcript where the words searched for were said. */
export interface TranscriptSearchMatch {
  /** Seconds into the recording where the segment starts; null when matched in a transcript without segments. */
  at: number | null;
  /** A snippet around the match (at most ~160 characters), with "…" where it was cut. */
  text: string;
}

/** A recording whose transcript has the words searched for. */
export interface TranscriptSearchHit {
  recordingId: string;
  callId: string | null;
  queueId: number | null;
  agentId: number | null;
  /** When the recording started (ISO 8601). */
  startedAt: string;
  /** The transcript's language ('en'), null when the engine did not say. */
  language: string | null;
  /** Up to 3 places, in the order they were said. */
  matches: TranscriptSearchMatch[];
}

/**
 * GET /api/transcripts/search (admins, and supervisors in their queues): calls where a phrase was said, matched
 * ignoring case and the width of characters, in the recordings started from `from` up to `to`.
 */
export interface TranscriptSearchResult {
  /** The phrase searched for. */
  q: string;
  /** The range searched (ISO 8601; the server's default when none was asked for: the last 7 days). */
  from: string;
  to: string;
  /** Transcripts read. */
  scanned: number;
  /**
   * More transcripts in the range than one search reads (the 5,000 newest), or more than 200 calls matched: the
   * answer is not all there is, narrow the range.
   */
  truncated: boolean;
  /** Newest first. */
  hits: TranscriptSearchHit[];
}

/** The query of GET /api/transcripts/search: `q` 2–100 characters; `from`/`to` ISO 8601 times (at most 366 days). */
export interface TranscriptSearchQuery {
  q: string;
  from?: string;
  to?: string;
  queueId?: number;
}
