// Every HTTP call the UI makes lives here, so a renamed route or field is one edit.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import type {
  Agent,
  AgentInput,
  AgentReport,
  AgentReportQuery,
  AgentToday,
  ApiErrorBody,
  Availability,
  AvailabilityWindow,
  BusinessHours,
  CallDetail,
  CallFilters,
  CallRow,
  Callback,
  Campaign,
  CampaignContact,
  CampaignContactQuery,
  CampaignImportResult,
  CampaignInput,
  CampaignReport,
  DoNotCallEntry,
  DoNotCallFileImportResult,
  DoNotCallRemovalResult,
  LiveCall,
  MonitorMode,
  MonitorSession,
  DoNotCallImportResult,
  DoNotCallInput,
  DoNotCallQuery,
  ErasureRequest,
  ErasureResult,
  FlowDocument,
  FlowValidation,
  IvrFlowSummary,
  IvrFlowVersion,
  ListedCallNumber,
  Page,
  PauseReason,
  PauseReasonInput,
  PauseReport,
  PauseReportQuery,
  PlaceCallInput,
  PlacedCall,
  PresenceReport,
  PresenceReportQuery,
  Queue,
  QueueInput,
  QueueReport,
  QueueReportQuery,
  RebuildResult,
  Recording,
  Role,
  RoutingRule,
  RoutingRuleInput,
  RoutingSample,
  RoutingTestResult,
  Skill,
  SoftphoneAnswer,
  SoftphoneStatus,
  StaffingQuery,
  StaffingReport,
  SurveyReport,
  SurveyReportQuery,
  SurveyResult,
  Ticket,
  TicketFilters,
  TicketInput,
  TicketPatch,
  Transcript,
  CallerExport,
  User,
  WallboardMessage,
  TwoFactorSetup,
  TwoFactorStatus,
  Passkey,
  AgentQuality,
  BlockedCaller,
  Evaluation,
  SwitchStatus,
  EvaluationAnswer,
  Scorecard,
  ScorecardInput,
  AdherenceQuery,
  AdherenceReport,
  AdherenceSummary,
  AdherenceSummaryQuery,
  Shift,
  ShiftCopyInput,
  ShiftCopyResult,
  ShiftInput,
  ShiftList,
  DraftRangeInput,
  DraftRangeResult,
  ShiftPlan,
  ShiftPlanInput,
  ShiftQuery,
  TimeOff,
  TimeOffDecision,
  TimeOffInput,
  TimeOffQuery,
  TimeOffResult,
  ShiftTrade,
  ShiftTradeDecision,
  ShiftTradeOffer,
  ShiftTradeQuery,
  TradeCandidates,
  TranscriptSearchQuery,
  TranscriptSearchResult,
} from './types.js';

/** An API error with the server's code and details (validation issues name their field). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** field → reason, from a validation_failed answer (`details: [{ field, reason }]`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as { field?: unknown; reason?: unknown }[]) {
        if (typeof d.field === 'string' && typeof d.reason === 'string') out[d.field] = d.reason;
      }
    }
    return out;
  }
}

/** Called when any request answers 401, so the app can show the login page. */
let onUnauthenticated: () => void = () => undefined;
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

const TIMEOUT_MS = 15_000;

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** A body sent as it is (a file), with its type, and how long its answer may take. */
interface RawBody {
  readonly blob: Blob;
  readonly contentType: string;
  readonly timeoutMs: number;
}

/** A registry's file, sent as it is: millions of numbers may take minutes to write. */
const fileBody = (file: Blob): RawBody => ({ blob: file, contentType: 'text/csv', timeoutMs: 30 * 60_000 });

async function request<T>(method: string, path: string, body?: unknown, query?: Query, raw?: RawBody): Promise<T> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), raw?.timeoutMs ?? TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(withQuery(`/api${path}`, query), {
      method,
      credentials: 'same-origin',
      headers: raw
        ? { 'content-type': raw.contentType, accept: 'application/json' }
        : body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: raw ? raw.blob : body === undefined ? undefined : JSON.stringify(body),
      signal: ctrl.signal,
    });
  } catch (err) {
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    throw new ApiError(
      0,
      aborted ? 'timeout' : 'network',
      aborted ? 'The server did not answer in time' : 'Cannot reach the server',
    );
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) {
    const e = (parsed as { error?: ApiErrorBody } | null)?.error;
    // A refused sign-in is an answer, not a session that ended.
    if (res.status === 401 && path !== '/auth/login' && path !== '/auth/passkey-login') onUnauthenticated();
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? res.statusText, e?.details);
  }
  return parsed as T;
}

const get = <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query);
const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
const del = (path: string) => request<void>('DELETE', path);

/** The list routes take ?page&pageSize (≤ 500); config lists are small, so the admin screens read one big page. */
const ALL = { page: 1, pageSize: 500 };

function crud<T, I>(base: string) {
  return {
    list: (query?: Query) => get<Page<T>>(base, { ...ALL, ...query }),
    get: (id: number) => get<T>(`${base}/${id}`),
    create: (input: I) => post<T>(base, input),
    update: (id: number, input: I) => patch<T>(`${base}/${id}`, input),
    remove: (id: number) => del(`${base}/${id}`),
  };
}

const enc = encodeURIComponent;

export const api = {
  auth: {
    /** With two-factor on and no code: `{ twoFactorRequired: true }` and no session yet. */
    login: (username: string, password: string, code?: string) =>
      post<{ user: User } | { twoFactorRequired: true }>('/auth/login', { username, password, code }),
    me: () => get<{ user: User }>('/auth/me'),
    logout: () => post<void>('/auth/logout'),
    changePassword: (currentPassword: string, newPassword: string) =>
      post<void>('/auth/password', { currentPassword, newPassword }),
    twoFactor: {
      status: () => get<TwoFactorStatus>('/auth/two-factor'),
      setup: (password: string) => post<TwoFactorSetup>('/auth/two-factor/setup', { password }),
      enable: (code: string) => post<{ recoveryCodes: string[] }>('/auth/two-factor/enable', { code }),
      recoveryCodes: (code: string) => post<{ recoveryCodes: string[] }>('/auth/two-factor/recovery-codes', { code }),
      disable: (password: string) => post<void>('/auth/two-factor/disable', { password }),
    },
    /** Your passkeys (WebAuthn): `options` (with your password) → the browser's prompt → `add`. */
    passkeys: {
      list: () => get<{ items: Passkey[] }>('/auth/passkeys'),
      /** 400 on body.password for a wrong password; 409 with ten already. */
      options: (password: string) =>
        post<PublicKeyCredentialCreationOptionsJSON>('/auth/passkeys/options', { password }),
      add: (name: string, credential: RegistrationResponseJSON) =>
        post<Passkey>('/auth/passkeys', { name, credential }),
      remove: (id: number) => del(`/auth/passkeys/${id}`),
    },
    /** Signing in with a passkey: a challenge, the browser's prompt, then its answer (401 for a passkey not known). */
    passkeyLogin: {
      options: () => post<PublicKeyCredentialRequestOptionsJSON>('/auth/passkey-login/options'),
      finish: (credential: AuthenticationResponseJSON) =>
        post<{ user: User; expiresAt: string }>('/auth/passkey-login', { credential }),
    },
  },
  skills: crud<Skill, Partial<Omit<Skill, 'id'>>>('/skills'),
  queues: crud<Queue, QueueInput>('/queues'),
  agents: {
    ...crud<Agent, AgentInput>('/agents'),
    pause: (id: number, reason: string) => post<Agent>(`/agents/${id}/pause`, { reason }),
    unpause: (id: number) => post<Agent>(`/agents/${id}/unpause`),
    logout: (id: number) => post<Agent>(`/agents/${id}/logout`),
    /** Admins: the WebRTC endpoint's auth password (8–128 characters). */
    setSoftphone: (id: number, password: string) => put<SoftphoneStatus>(`/agents/${id}/softphone`, { password }),
    /** Admins: 404 when none is set. */
    removeSoftphone: (id: number) => del(`/agents/${id}/softphone`),
    /** When the agent can work (no windows: any time); an agent reads only their own, staff anyone's. */
    availability: (id: number) => get<Availability>(`/agents/${id}/availability`),
    /**
     * Replaces the windows ([]: any time) and, unless undefined, the shift preference (null: none). 400 for a window
     * ending before it starts or two overlapping on a day.
     */
    setAvailability: (id: number, windows: readonly AvailabilityWindow[], preference?: Availability['preference']) =>
      put<Availability>(`/agents/${id}/availability`, { windows, preference }),
  },
  /** Every role reads the list (the workspace's pause buttons); admins change it. */
  pauseReasons: crud<PauseReason, PauseReasonInput>('/pause-reasons'),
  /** Admins and supervisors: the numbers never called, searched by digits and read a page at a time. */
  doNotCall: {
    ...crud<DoNotCallEntry, DoNotCallInput>('/do-not-call'),
    list: (query: DoNotCallQuery = {}) => get<Page<DoNotCallEntry>>('/do-not-call', { ...query }),
    /** One number a line: `number` or `number,reason` (CSV); at most 5,000 numbers (413 beyond). */
    importCsv: (csv: string) => post<DoNotCallImportResult>('/do-not-call/import', { csv }),
    /**
     * A registry's file of any length, streamed and written as it arrives: `number[,reason]` or `area code,number`
     * (US) lines. `reason` is kept with numbers whose line gives none. May take minutes for millions of numbers.
     */
    importFile: (file: Blob, options: { reason?: string; source?: string } = {}) =>
      request<DoNotCallFileImportResult>('POST', '/do-not-call/import-file', undefined, { ...options }, fileBody(file)),
    /** A registry's removals, streamed the same way: only the numbers `source`'s files listed come off. */
    removeFile: (file: Blob, source: string) =>
      request<DoNotCallRemovalResult>('POST', '/do-not-call/remove-file', undefined, { source }, fileBody(file)),
    /** The whole list as a CSV download (number, reason, createdAt; oldest first): importable again. */
    csvUrl: '/api/do-not-call/export',
  },
  /** Admins: a caller's rights to erasure (`dryRun` counts what would go, changes nothing) and of access. */
  privacy: {
    erase: (request: ErasureRequest) => post<ErasureResult>('/privacy/erase', request),
    /** Their copy of what Ariadne holds about them (audited), as one JSON document. */
    export: (request: Omit<ErasureRequest, 'dryRun'>) => post<CallerExport>('/privacy/export', request),
  },
  /** Admins and supervisors (their queues' campaigns): the progressive dialler's lists, a page at a time. */
  campaigns: {
    ...crud<Campaign, CampaignInput>('/campaigns'),
    list: (query: { page?: number; pageSize?: number } = {}) => get<Page<Campaign>>('/campaigns', { ...query }),
    start: (id: number) => post<Campaign>(`/campaigns/${id}/start`),
    /** The failed numbers (out of attempts) pending again with their attempts back; how many. */
    recycle: (id: number) => post<{ recycled: number }>(`/campaigns/${id}/recycle`),
    pause: (id: number) => post<Campaign>(`/campaigns/${id}/pause`),
    /** One number a line: `number` or `number, name`. */
    addContacts: (id: number, csv: string) => post<CampaignImportResult>(`/campaigns/${id}/contacts`, { csv }),
    contacts: (id: number, query: CampaignContactQuery = {}) =>
      get<Page<CampaignContact>>(`/campaigns/${id}/contacts`, { ...query }),
  },
  routingRules: {
    ...crud<RoutingRule, RoutingRuleInput>('/routing-rules'),
    test: (sample: RoutingSample) => post<RoutingTestResult>('/routing-rules/test', sample),
  },
  businessHours: crud<BusinessHours, Partial<Omit<BusinessHours, 'id'>>>('/business-hours'),
  users: crud<
    User,
    {
      username?: string;
      displayName?: string;
      password?: string;
      role?: Role;
      active?: boolean;
      queueIds?: number[];
    }
  >('/users'),
  blockedCallers: {
    list: (query: { page: number; q?: string }) =>
      get<Page<BlockedCaller>>('/blocked-callers', { pageSize: 50, ...query }),
    add: (input: { number: string; reason?: string | null; days?: number | null }) =>
      post<BlockedCaller>('/blocked-callers', input),
    remove: (id: number) => del(`/blocked-callers/${id}`),
  },
  scorecards: {
    list: (active?: boolean) => get<{ items: Scorecard[] }>('/scorecards', active === undefined ? {} : { active }),
    create: (input: ScorecardInput) => post<Scorecard>('/scorecards', input),
    update: (id: number, input: ScorecardInput) => patch<Scorecard>(`/scorecards/${id}`, input),
    remove: (id: number) => del(`/scorecards/${id}`),
  },
  evaluations: {
    list: (query: { page?: number; callId?: string; agentId?: number; unacknowledged?: boolean } = {}) =>
      get<Page<Evaluation>>('/evaluations', { pageSize: 50, ...query }),
    get: (id: number) => get<Evaluation>(`/evaluations/${id}`),
    create: (input: {
      callId: string;
      scorecardId: number;
      answers: Record<string, EvaluationAnswer>;
      comment?: string | null;
    }) => post<Evaluation>('/evaluations', input),
    update: (id: number, input: { answers?: Record<string, EvaluationAnswer>; comment?: string | null }) =>
      patch<Evaluation>(`/evaluations/${id}`, input),
    remove: (id: number) => del(`/evaluations/${id}`),
    acknowledge: (id: number, comment: string | null) =>
      post<Evaluation>(`/evaluations/${id}/acknowledge`, { comment }),
    /** No days: today in the contact center's zone (the answer's `to` says which day that is). */
    report: (range: { from?: string; to?: string } = {}) =>
      get<{ from: string; to: string; rows: AgentQuality[] }>('/reports/quality', range),
  },
  /** Agents' shifts: everyone reads (an agent only their own), admins and supervisors plan them. */
  shifts: {
    /** No days: today in the contact center's zone (the answer's `from` says which day that is). */
    list: (query: ShiftQuery = {}) => get<ShiftList>('/shifts', { ...query }),
    /** 409: it overlaps another shift of the agent's (the message names it). */
    create: (input: ShiftInput) => post<Shift>('/shifts', input),
    update: (id: number, input: ShiftInput) => put<Shift>(`/shifts/${id}`, input),
    remove: (id: number) => del(`/shifts/${id}`),
    /** Copies days of shifts to the same wall times later; one that would overlap is skipped and said so. */
    copy: (input: ShiftCopyInput) => post<ShiftCopyResult>('/shifts/copy', input),
    /** A queue's day from its forecast: a preview, or with `apply: true` the shifts made. 400: a day lived. */
    plan: (input: ShiftPlanInput) => post<ShiftPlan>('/shifts/plan', input),
    /** Publishes the drafts starting on those days: their agents see them and are told. */
    publish: (input: DraftRangeInput) => post<DraftRangeResult>('/shifts/publish', input),
    /** Removes the drafts starting on those days; published shifts stay. */
    discard: (input: DraftRangeInput) => post<DraftRangeResult>('/shifts/discard', input),
  },
  /** Whole days off: agents ask (pending), admins and supervisors grant, refuse or record them for an agent. */
  timeOff: {
    /** Soonest first; an agent gets only their own. */
    list: (query: TimeOffQuery = {}) => get<{ items: TimeOff[] }>('/time-off', { ...query }),
    /** 409: it overlaps the agent's time off pending or granted (the message says which). */
    request: (input: TimeOffInput) => post<TimeOffResult>('/time-off', input),
    /** Granting removes the agent's shifts on those days (`removedShifts`); 409 once decided. */
    decide: (id: number, decision: TimeOffDecision) => post<TimeOffResult>(`/time-off/${id}/decision`, decision),
    /** Pending or granted; shifts removed by the grant stay removed. */
    cancel: (id: number) => post<TimeOff>(`/time-off/${id}/cancel`),
  },
  /** Shift trades: agents offer, accept, decline and withdraw; admins and supervisors approve or refuse. */
  shiftTrades: {
    /** Newest first (at most 500); an agent gets the trades they are in and the offers open to anyone. */
    list: (query: ShiftTradeQuery = {}) => get<{ items: ShiftTrade[] }>('/shift-trades', { ...query }),
    /** The colleagues one of the agent's shifts could go to, those free then first. */
    candidates: (shiftId: number) => get<TradeCandidates>('/shift-trades/candidates', { shiftId }),
    /** 409: it cannot be made (the message says why: someone double-booked or off, the shift already in a trade). */
    offer: (input: ShiftTradeOffer) => post<ShiftTrade>('/shift-trades', input),
    accept: (id: number) => post<ShiftTrade>(`/shift-trades/${id}/accept`),
    decline: (id: number) => post<ShiftTrade>(`/shift-trades/${id}/decline`),
    cancel: (id: number) => post<ShiftTrade>(`/shift-trades/${id}/cancel`),
    /** Approving moves the shifts, checked again as the schedule stands (409 when it no longer can be made). */
    decide: (id: number, decision: ShiftTradeDecision) => post<ShiftTrade>(`/shift-trades/${id}/decision`, decision),
  },
  /** A user who lost their phone signs in with the password again (and sets a second factor up anew if required). */
  resetTwoFactor: (userId: number) => del(`/users/${userId}/two-factor`),
  /** A lost or stolen key: all the user's passkeys go and their sessions end (409 when they have none). */
  resetPasskeys: (userId: number) => del(`/users/${userId}/passkeys`),
  ivr: {
    list: () => get<Page<IvrFlowSummary>>('/ivr-flows', ALL),
    published: (name: string) =>
      get<{ name: string; version: number; document: FlowDocument }>(`/ivr-flows/${enc(name)}`),
    versions: (name: string) => get<{ items: IvrFlowVersion[] }>(`/ivr-flows/${enc(name)}/versions`),
    version: (name: string, version: number) =>
      get<{ name: string; version: number; document: FlowDocument }>(`/ivr-flows/${enc(name)}/versions/${version}`),
    validate: (document: unknown) => post<FlowValidation>('/ivr-flows/validate', { document }),
    save: (name: string, document: unknown, description?: string) =>
      post<IvrFlowVersion & { name: string }>(`/ivr-flows/${enc(name)}/versions`, {
        document,
        description,
        publish: false,
      }),
    publish: (name: string, version: number) =>
      post<{ name: string; publishedVersion: number }>(`/ivr-flows/${enc(name)}/publish`, { version }),
    rollback: (name: string) => post<{ name: string; publishedVersion: number }>(`/ivr-flows/${enc(name)}/rollback`),
  },
  calls: {
    search: (f: CallFilters) => get<Page<CallRow>>('/calls', { ...f }),
    get: (id: string) => get<CallDetail>(`/calls/${enc(id)}`),
    hangup: (id: string) => post<unknown>(`/calls/${enc(id)}/hangup`),
    hold: (id: string) => post<unknown>(`/calls/${enc(id)}/hold`),
    unhold: (id: string) => post<unknown>(`/calls/${enc(id)}/unhold`),
    transfer: (id: string, target: string, mode: 'blind' | 'attended' = 'blind') =>
      post<unknown>(`/calls/${enc(id)}/transfer`, { target, mode }),
    /** Calls in progress on this orchestrator (agents: their own). */
    live: () => get<{ items: LiveCall[]; total: number }>('/calls/live'),
    /**
     * Staff: listen to a call, whisper to its agent or barge in, from `endpoint` (empty: the user's own agent phone),
     * which rings first; again with another mode, changes it.
     */
    monitor: (id: string, mode: MonitorMode, endpoint?: string) =>
      post<MonitorSession>(`/calls/${enc(id)}/monitor`, endpoint ? { mode, endpoint } : { mode }),
    stopMonitor: (id: string) => del(`/calls/${enc(id)}/monitor`),
    /** The caller joins the consultation: caller, agent and consulted party talk at once. */
    conference: (id: string) => post<unknown>(`/calls/${enc(id)}/transfer/conference`),
    completeTransfer: (id: string) => post<unknown>(`/calls/${enc(id)}/transfer/complete`),
    cancelTransfer: (id: string) => post<unknown>(`/calls/${enc(id)}/transfer/cancel`),
    pauseRecording: (id: string) => post<unknown>(`/calls/${enc(id)}/recording/pause`),
    resumeRecording: (id: string) => post<unknown>(`/calls/${enc(id)}/recording/resume`),
    disposition: (id: string, disposition: string) => post<unknown>(`/calls/${enc(id)}/disposition`, { disposition }),
    /** The customer asked not to be called again: the call's number on the do-not-call list (default reason: the day, who). */
    doNotCall: (id: string, reason?: string) =>
      post<ListedCallNumber>(`/calls/${enc(id)}/do-not-call`, reason ? { reason } : {}),
    /**
     * The customer on a campaign's call asked to be called at `at` (ISO 8601, a minute to 30 days ahead): its contact
     * is pending again, tried then. 404: the call was not placed by a campaign.
     */
    campaignCallback: (id: string, at: string) => post<CampaignContact>(`/calls/${enc(id)}/campaign-callback`, { at }),
  },
  recordings: {
    search: (f: {
      callId?: string;
      agentId?: number;
      queueId?: number;
      from?: string;
      to?: string;
      page?: number;
      pageSize?: number;
    }) => get<Page<Recording>>('/recordings', { ...f }),
    link: (id: string) => post<{ url: string; expiresAt: string }>(`/recordings/${enc(id)}/link`),
    /** 404 when it was never asked for; pending/failed while queued or after the engine gave up. */
    transcript: (id: string) => get<Transcript>(`/recordings/${enc(id)}/transcript`),
    /** Admins and supervisors: queue its transcription (202, the pending view); 409 without an engine. */
    transcribe: (id: string) => post<Transcript>(`/recordings/${enc(id)}/transcribe`),
  },
  transcripts: {
    /** Admins and supervisors (their queues): calls where a phrase was said; 400 for a bad phrase or range. */
    search: (query: TranscriptSearchQuery) => get<TranscriptSearchResult>('/transcripts/search', { ...query }),
  },
  callbacks: {
    list: (query?: { state?: string }) => get<Page<Callback>>('/callbacks', { ...ALL, ...query }),
    assign: (id: number, agentId?: number) =>
      post<Callback>(`/callbacks/${id}/assign`, agentId === undefined ? {} : { agentId }),
    complete: (id: number, ok: boolean, notes?: string) =>
      post<Callback>(`/callbacks/${id}/complete`, notes ? { ok, notes } : { ok }),
  },
  tickets: {
    search: (f: TicketFilters) => get<Page<Ticket>>('/tickets', { ...f }),
    get: (id: number) => get<Ticket>(`/tickets/${id}`),
    create: (t: TicketInput) => post<Ticket>('/tickets', t),
    update: (id: number, changes: TicketPatch) => patch<Ticket>(`/tickets/${id}`, changes),
  },
  surveys: {
    results: (f: {
      from?: string;
      to?: string;
      channel?: 'ivr' | 'sms';
      queueId?: number;
      agentId?: number;
      page?: number;
      pageSize?: number;
    }) => get<Page<SurveyResult>>('/survey-results', { ...f }),
  },
  agent: {
    me: () => get<Agent>('/agent/me'),
    /** The signed-in agent's day so far, live: logged-in and paused time (per reason), calls, occupancy. */
    today: () => get<AgentToday>('/agent/me/today'),
    login: (endpoint?: string) => post<Agent>('/agent/login', endpoint ? { endpoint } : {}),
    logout: () => post<Agent>('/agent/logout'),
    pause: (reason: string) => post<Agent>('/agent/pause', { reason }),
    unpause: () => post<Agent>('/agent/unpause'),
    endWrapUp: () => post<Agent>('/agent/wrap-up/end'),
    /** Click-to-dial: the agent's own phone rings, then the number (or the callback's); 202 once the call exists. */
    placeCall: (body: PlaceCallInput) => post<PlacedCall>('/agent/me/calls', body),
    /** The browser softphone's settings, password included, or why there is none. */
    softphone: () => get<SoftphoneAnswer>('/agent/me/softphone'),
  },
  wallboard: () => get<WallboardMessage>('/wallboard'),
  reports: {
    queues: (q: QueueReportQuery) => get<QueueReport>('/reports/queues', { ...q }),
    agents: (q: AgentReportQuery) => get<AgentReport>('/reports/agents', { ...q }),
    // Plain links, not fetches: the browser downloads the attachment and the session cookie authenticates it.
    queuesCsvUrl: (q: QueueReportQuery) => withQuery('/api/reports/queues', { ...q, format: 'csv' }),
    agentsCsvUrl: (q: AgentReportQuery) => withQuery('/api/reports/agents', { ...q, format: 'csv' }),
    pauses: (q: PauseReportQuery) => get<PauseReport>('/reports/pauses', { ...q }),
    pausesCsvUrl: (q: PauseReportQuery) => withQuery('/api/reports/pauses', { ...q, format: 'csv' }),
    presence: (q: PresenceReportQuery) => get<PresenceReport>('/reports/presence', { ...q }),
    surveys: (q: SurveyReportQuery) => get<SurveyReport>('/reports/surveys', { ...q }),
    /** The campaigns' calls over the days, by what became of them (same query as surveys: days and queue). */
    campaigns: (q: SurveyReportQuery) => get<CampaignReport>('/reports/campaigns', { ...q }),
    campaignsCsvUrl: (q: SurveyReportQuery) => withQuery('/api/reports/campaigns', { ...q, format: 'csv' }),
    staffing: (q: StaffingQuery) => get<StaffingReport>('/reports/staffing', { ...q }),
    staffingCsvUrl: (q: StaffingQuery) => withQuery('/api/reports/staffing', { ...q, format: 'csv' }),
    /** Each scheduled (or logged-in) agent's day against their shift; live for today. */
    adherence: (q: AdherenceQuery = {}) => get<AdherenceReport>('/reports/adherence', { ...q }),
    /** Adherence per agent summed over up to 31 days. */
    adherenceSummary: (q: AdherenceSummaryQuery) => get<AdherenceSummary>('/reports/adherence/summary', { ...q }),
    adherenceSummaryCsvUrl: (q: AdherenceSummaryQuery) =>
      withQuery('/api/reports/adherence/summary', { ...q, format: 'csv' }),
    rebuild: (day: string) => post<RebuildResult>('/reports/rebuild', { day }),
  },
  asterisk: {
    reload: (what: 'dialplan' | 'pjsip') => post<unknown>('/asterisk/reload', { what }),
    status: () => get<SwitchStatus>('/asterisk/status'),
  },
};

/** A readable one-liner for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    // The message already names the first invalid field; say how many more there are.
    const more = Object.keys(err.fieldErrors()).length - 1;
    return more > 0 ? `${err.message} (and ${more} more)` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
