import cron from 'node-cron';
import { z } from 'zod';
import { TRANSCRIPTION_FORMATS } from '../transcription/heard.js';

/**
 * The typed configuration. Every value has a documented environment variable (ARIADNE_ prefix) and may also
 * come from a JSON config file named by ARIADNE_CONFIG; the environment wins over the file.
 */

const dbUrl = z
  .string()
  .refine((v) => /^mysql:\/\/[^/]+\/[A-Za-z0-9_$]+/.test(v) || /^sqlite:.+/.test(v), {
    message: 'must be mysql://user:pass@host:port/database or sqlite:path',
  });

const httpUrl = z.string().refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be an http(s):// URL' });
const amiUrl = z.string().refine((v) => /^tcp:\/\/[^:@\s]+:[^@\s]*@[^:\s]+:\d+\/?$/.test(v), {
  message: 'must be tcp://user:secret@host:port',
});
/** true/false from a config file; true/false, 1/0, yes/no, on/off from the environment (z.coerce.boolean read "false" as true). */
const flag = z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' });

const storageUrl = z.string().refine((v) => /^file:.+/.test(v) || /^s3:\/\/[^\s]+$/.test(v), {
  message: 'must be file:path or s3://bucket[/prefix]?endpoint=...',
});

export const configSchema = z.object({
  http: z.object({
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    /** Public base URL used in links (signed recording links, webhooks). */
    publicUrl: httpUrl.optional(),
  }),
  db: z.object({
    url: dbUrl.default('sqlite:./data/ariadne.sqlite'),
  }),
  ari: z.object({
    /** One or more comma-separated node URLs; absent = demo mode on the built-in simulator. */
    urls: z.array(httpUrl).default([]),
    user: z.string().min(1).default('ariadne'),
    password: z.string().min(1).default('ariadne'),
    app: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('ariadne'),
    /** REST requests over the events WebSocket where Asterisk offers it (20.14/21.9/22.4+), or always HTTP. */
    restTransport: z.enum(['websocket', 'http']).default('websocket'),
  }),
  ami: z.object({
    urls: z.array(amiUrl).default([]),
  }),
  storage: z.object({
    url: storageUrl.default('file:./data/recordings'),
    /** Further targets recordings are copied to (three-site backup). */
    replicaUrls: z.array(storageUrl).default([]),
    /** Master key for envelope encryption: base64 of 32 bytes, optionally "keyId:base64". */
    masterKey: z.string().optional(),
    /** Earlier master keys ("keyId:base64"), kept so recordings they encrypted still play after a rotation. */
    oldKeys: z.array(z.string()).default([]),
    /** Recordings of calls without a queue are kept this many days (queues set their own retention_days). */
    retentionDays: z.coerce.number().int().min(1).max(36_500).default(90),
    /**
     * Recording jobs (uploads, copies, deletions) run at once. An upload mostly waits (the file from Asterisk,
     * the store's write and fsync, and on a busy machine the upload thread's turn on a core), so this bounds how
     * many recordings per second can be stored. More at once store them sooner but slow call set-up on a
     * machine the orchestrator shares (docs/benchmarks.md item 49).
     */
    uploadConcurrency: z.coerce.number().int().min(1).max(256).default(48),
    /** Store a recording's bytes in a worker thread (recording/upload-thread.ts), not on the main thread. */
    uploadThread: flag.default(true),
    /**
     * The upload thread's nice value on Linux (0 = the process's priority, 19 = the lowest). Above 0, call
     * control, Asterisk and the database run first on a busy machine, and uploads take what is left.
     */
    uploadThreadNice: z.coerce.number().int().min(0).max(19).default(10),
  }),
  crm: z.object({
    url: httpUrl.optional(),
    timeoutMs: z.coerce.number().int().min(10).max(10_000).default(300),
    /** After each call, POST its interaction to `{url}/interactions` (aftercall/jobs.ts). */
    writeback: flag.default(true),
  }),
  sms: z.object({
    /** The SMS gateway surveys are sent through: POST {to, text, reference} as JSON. */
    url: httpUrl.optional(),
    /** Sent to the gateway as `Authorization: Bearer <token>`. */
    token: z.string().min(1).optional(),
    /** The gateway's replies reach POST /api/surveys/sms-replies with this bearer token; unset = replies refused. */
    inboundToken: z.string().min(16, 'at least 16 characters').optional(),
  }),
  surveys: z.object({
    /** An SMS survey's reply is accepted this long after it was sent. */
    replyHours: z.coerce.number().int().min(1).max(720).default(24),
  }),
  transcription: z
    .object({
      /** A program run as `<command> <wav file> <language>` that prints the transcript (scripts/transcribe-pocketsphinx.sh). */
      command: z.string().min(1).optional(),
      /** An OpenAI-compatible `/v1/audio/transcriptions` endpoint (or whisper.cpp's `/inference`). */
      url: httpUrl.optional(),
      /** Sent to `url` as `Authorization: Bearer <token>`. */
      token: z.string().min(1).optional(),
      /** The `model` form field sent to `url`. */
      model: z.string().min(1).max(64).default('whisper-1'),
      /** The `response_format` asked of `url`: `verbose_json` adds times, `diarized_json` times and speakers. */
      responseFormat: z.enum(TRANSCRIPTION_FORMATS).default('json'),
      /** Languages (ISO 639-1) the engine hears; a call in another language is skipped, with the reason recorded. */
      languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'ISO 639-1 codes such as en,zh')).min(1).default(['en']),
      /** Recordings transcribed at once by this orchestrator. */
      concurrency: z.coerce.number().int().min(1).max(64).default(1),
      /** The command's nice value on Linux (0 = the orchestrator's priority, 19 = the lowest). */
      nice: z.coerce.number().int().min(0).max(19).default(10),
    })
    .refine((t) => !(t.command && t.url), {
      message: 'set ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL, not both',
      path: ['url'],
    }),
  telephony: z.object({
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code such as CN or US').default('CN'),
    /**
     * The PJSIP endpoint of the carrier trunk that calls to numbers go out through (agents' outbound calls,
     * transfers): `PJSIP/<number>@<trunk>`. Unset: `PJSIP/<number>` (the simulator; or endpoints named as numbers).
     */
    outboundTrunk: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a PJSIP endpoint name such as carrier-a')
      .optional(),
    /**
     * A second trunk for calls agents place, tried only when the first could not carry the call (unreachable or
     * congested), never after a busy or unanswered number: the dialplan's OUTBOUND_TRUNK_BACKUP rule.
     */
    outboundTrunkBackup: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a PJSIP endpoint name such as carrier-b')
      .optional(),
    /** The number presented on agents' outbound calls (E.164); unset, the trunk's own `callerid` goes out. */
    outboundCallerId: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +8657188886666').optional(),
    /** Agents may call numbers outside the default country. Premium-rate numbers are refused either way. */
    outboundInternational: flag.default(false),
    /** How long an outbound call rings the customer before it counts as not answered. */
    outboundRingS: z.coerce.number().int().min(5).max(180).default(45),
    /** IANA zone of `hour`, `weekday` and `time` in routing rules (default: the process's zone). */
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as Asia/Shanghai')
      .optional(),
  }),
  routing: z.object({
    /** A ring_all queue rings at most this many free agents at once for one call (app_queue rings them all). */
    ringAllMax: z.coerce.number().int().min(1).max(500).default(20),
    /** How often the campaign dialler looks for free agents (ms); 0 turns the dialler off. */
    diallerIntervalMs: z.coerce.number().int().min(0).max(60_000).default(2000),
    /** A logged-in agent off calls whose phone has been away this many seconds is logged out (0 = never). */
    agentOfflineLogoutS: z.coerce.number().int().min(0).max(86_400).default(600),
  }),
  reports: z.object({
    /**
     * When today's report tables are rebuilt (cron, in the contact center's zone); `off` turns the schedule off
     * (other orchestrators build them, or only POST /api/reports/rebuild does).
     */
    cron: z
      .string()
      .refine((v) => v === 'off' || cron.validate(v), 'a cron expression such as */15 * * * *, or off')
      .default('*/15 * * * *'),
  }),
  softphone: z.object({
    /**
     * Where browsers register agents' WebRTC endpoints: Asterisk's SIP-over-WebSocket (http.conf TLS, `/ws`), such
     * as wss://pbx.example.com:8089/ws. Unset: the workspace offers no softphone.
     */
    wsUrl: z
      .string()
      .regex(/^wss?:\/\/[^\s/]+(\/\S*)?$/, 'a WebSocket URL such as wss://pbx.example.com:8089/ws')
      .optional(),
    /** The domain of the agents' SIP URIs (sip:2006@<domain>); unset, the WebSocket URL's host. */
    sipDomain: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name such as pbx.example.com')
      .optional(),
    /** STUN/TURN servers the browser gathers candidates with, comma-separated (stun:…, turn:…); empty: none. */
    iceServers: z
      .string()
      .default('')
      .refine(
        (v) => v.split(',').every((u) => u.trim() === '' || /^(stun|stuns|turn|turns):\S+$/.test(u.trim())),
        'stun:, stuns:, turn: or turns: URLs, comma-separated',
      ),
  }),
  demo: z.object({
    /** Calls per minute the built-in traffic generator places in demo mode (0 = none). */
    callsPerMinute: z.coerce.number().min(0).max(6000).default(6),
    seed: flag.default(true),
    /** Past days of calls (with their reports) the first start seeds, so Reports and Calls are not empty. */
    historyDays: z.coerce.number().int().min(0).max(90).default(7),
  }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }),
  /**
   * Roles that must sign in with a second factor (TOTP). Such a user signing in without one set up gets a
   * session that can only set it up.
   */
  twoFactorRequiredFor: z
    .array(z.enum(['admin', 'supervisor', 'agent'], { error: 'roles among admin, supervisor, agent' }))
    .default([]),
  /**
   * Shift trades accepted by a colleague: `supervisor` has a supervisor approve each; `auto` approves at once those
   * where nobody lacks a skill of the shift's agent or goes past their contracted weekly hours (the rest still wait).
   */
  shiftTradeApproval: z.enum(['supervisor', 'auto'], { error: 'supervisor or auto' }).default('supervisor'),
  /**
   * When a scheduled activity (a break, lunch, meeting, training, time offline) begins: `remind` the agent in the
   * workspace (they pause themselves), or `pause` them for it (after their call, if on one).
   */
  scheduledActivities: z.enum(['remind', 'pause'], { error: 'remind or pause' }).default('remind'),
  /** Creates user `admin` with this password when the database has no active admin (first start). */
  adminPassword: z.string().min(12, 'at least 12 characters').optional(),
  instanceId: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

/**
 * The zone of the contact center's clock: routing rules' `hour` and `weekday`, and report days. Demo mode (no
 * Asterisk configured) uses Shanghai, the zone its seeded rules and hours are written for; otherwise the
 * configured zone or the process's own.
 */
export function contactCenterTimeZone(config: Config): string {
  if (config.telephony.timeZone) return config.telephony.timeZone;
  return config.ari.urls.length === 0 ? 'Asia/Shanghai' : Intl.DateTimeFormat().resolvedOptions().timeZone;
}
