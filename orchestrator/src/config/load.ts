import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { configSchema, type Config } from './schema.js';

/** Environment variable → path in the config object. Kept as a table so the README can be checked against it. */
export const ENV_VARS: Readonly<Record<string, readonly string[]>> = {
  ARIADNE_HTTP_PORT: ['http', 'port'],
  ARIADNE_HTTP_HOST: ['http', 'host'],
  ARIADNE_PUBLIC_URL: ['http', 'publicUrl'],
  ARIADNE_DB_URL: ['db', 'url'],
  ARIADNE_ARI_URL: ['ari', 'urls'],
  ARIADNE_ARI_USER: ['ari', 'user'],
  ARIADNE_ARI_PASSWORD: ['ari', 'password'],
  ARIADNE_ARI_APP: ['ari', 'app'],
  ARIADNE_ARI_REST_TRANSPORT: ['ari', 'restTransport'],
  ARIADNE_AMI_URL: ['ami', 'urls'],
  ARIADNE_STORAGE_URL: ['storage', 'url'],
  ARIADNE_STORAGE_REPLICA_URLS: ['storage', 'replicaUrls'],
  ARIADNE_RECORDING_MASTER_KEY: ['storage', 'masterKey'],
  ARIADNE_RECORDING_OLD_KEYS: ['storage', 'oldKeys'],
  ARIADNE_RECORDING_RETENTION_DAYS: ['storage', 'retentionDays'],
  ARIADNE_RECORDING_UPLOAD_CONCURRENCY: ['storage', 'uploadConcurrency'],
  ARIADNE_RECORDING_UPLOAD_THREAD: ['storage', 'uploadThread'],
  ARIADNE_RECORDING_UPLOAD_NICE: ['storage', 'uploadThreadNice'],
  ARIADNE_CRM_URL: ['crm', 'url'],
  ARIADNE_CRM_TIMEOUT_MS: ['crm', 'timeoutMs'],
  ARIADNE_CRM_WRITEBACK: ['crm', 'writeback'],
  ARIADNE_SMS_URL: ['sms', 'url'],
  ARIADNE_SMS_TOKEN: ['sms', 'token'],
  ARIADNE_SMS_INBOUND_TOKEN: ['sms', 'inboundToken'],
  ARIADNE_SURVEY_REPLY_HOURS: ['surveys', 'replyHours'],
  ARIADNE_TRANSCRIBE_COMMAND: ['transcription', 'command'],
  ARIADNE_TRANSCRIBE_URL: ['transcription', 'url'],
  ARIADNE_TRANSCRIBE_TOKEN: ['transcription', 'token'],
  ARIADNE_TRANSCRIBE_MODEL: ['transcription', 'model'],
  ARIADNE_TRANSCRIBE_RESPONSE_FORMAT: ['transcription', 'responseFormat'],
  ARIADNE_TRANSCRIBE_LANGUAGES: ['transcription', 'languages'],
  ARIADNE_TRANSCRIBE_CONCURRENCY: ['transcription', 'concurrency'],
  ARIADNE_TRANSCRIBE_NICE: ['transcription', 'nice'],
  ARIADNE_DEFAULT_COUNTRY: ['telephony', 'defaultCountry'],
  ARIADNE_TIME_ZONE: ['telephony', 'timeZone'],
  ARIADNE_OUTBOUND_TRUNK: ['telephony', 'outboundTrunk'],
  ARIADNE_OUTBOUND_TRUNK_BACKUP: ['telephony', 'outboundTrunkBackup'],
  ARIADNE_OUTBOUND_CALLER_ID: ['telephony', 'outboundCallerId'],
  ARIADNE_OUTBOUND_INTERNATIONAL: ['telephony', 'outboundInternational'],
  ARIADNE_OUTBOUND_RING_S: ['telephony', 'outboundRingS'],
  ARIADNE_RING_ALL_MAX: ['routing', 'ringAllMax'],
  ARIADNE_DIALLER_INTERVAL_MS: ['routing', 'diallerIntervalMs'],
  ARIADNE_SOFTPHONE_WS_URL: ['softphone', 'wsUrl'],
  ARIADNE_SOFTPHONE_SIP_DOMAIN: ['softphone', 'sipDomain'],
  ARIADNE_SOFTPHONE_ICE_SERVERS: ['softphone', 'iceServers'],
  ARIADNE_AGENT_OFFLINE_LOGOUT_S: ['routing', 'agentOfflineLogoutS'],
  ARIADNE_REPORT_CRON: ['reports', 'cron'],
  ARIADNE_DEMO_CALLS_PER_MINUTE: ['demo', 'callsPerMinute'],
  ARIADNE_DEMO_SEED: ['demo', 'seed'],
  ARIADNE_DEMO_HISTORY_DAYS: ['demo', 'historyDays'],
  ARIADNE_LOG_LEVEL: ['log', 'level'],
  ARIADNE_ADMIN_PASSWORD: ['adminPassword'],
  ARIADNE_TWO_FACTOR_REQUIRED_FOR: ['twoFactorRequiredFor'],
  ARIADNE_SHIFT_TRADE_APPROVAL: ['shiftTradeApproval'],
  ARIADNE_SCHEDULED_ACTIVITIES: ['scheduledActivities'],
  ARIADNE_INSTANCE_ID: ['instanceId'],
};

const LIST_PATHS = new Set(['ari.urls', 'ami.urls', 'storage.replicaUrls', 'storage.oldKeys', 'transcription.languages', 'twoFactorRequiredFor']);

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Tree = { [key: string]: unknown };

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = typeof next === 'object' && next !== null ? (next as Tree) : (node[key] = {} as Tree);
  }
  node[path[path.length - 1] as string] = value;
}

function envNameFor(path: readonly PropertyKey[]): string {
  const joined = path.map(String).join('.');
  const hit = Object.entries(ENV_VARS).find(([, p]) => joined === p.join('.') || joined.startsWith(`${p.join('.')}.`));
  return hit ? hit[0] : joined;
}

/**
 * Reads the configuration from a file (ARIADNE_CONFIG) and the environment. Never throws: every problem becomes
 * one line naming the setting, so start-up can print them all and exit.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const problems: string[] = [];
  let tree: Tree = {
    http: {},
    db: {},
    ari: {},
    ami: {},
    storage: {},
    crm: {},
    sms: {},
    surveys: {},
    transcription: {},
    telephony: {},
    routing: {},
    reports: {},
    softphone: {},
    demo: {},
    log: {},
  };

  const file = env.ARIADNE_CONFIG;
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`ARIADNE_CONFIG: ${file} must hold a JSON object`);
      } else {
        tree = { ...tree, ...(parsed as Tree) };
      }
    } catch (err) {
      problems.push(`ARIADNE_CONFIG: cannot read ${file}: ${(err as Error).message}`);
    }
  }

  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = LIST_PATHS.has(path.join('.')) ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
    setPath(tree, path, value);
  }

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${envNameFor(issue.path)}: ${issue.message}`);
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems };

  const config = result.data;
  if (config.ami.urls.length > 0 && config.ami.urls.length !== config.ari.urls.length) {
    return { ok: false, problems: ['ARIADNE_AMI_URL: give one AMI URL per ARI URL, in the same order'] };
  }
  // The host name, not host-pid: a restarted orchestrator recovers the calls it owned before (calls/recovery.ts).
  return { ok: true, config: { ...config, instanceId: config.instanceId ?? hostname() } };
}

/** For tests and tools: the defaults plus overrides, throwing on a bad value. */
export function testConfig(overrides: Partial<Record<keyof typeof ENV_VARS, string>> = {}): Config {
  const result = loadConfig({ ...overrides } as NodeJS.ProcessEnv);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config;
}

