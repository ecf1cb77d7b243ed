import { expect } from 'chai';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, testConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { connectDb, redactUrl } from '../../src/db/connect.js';

describe('configuration', () => {
  it('has working defaults for a newcomer (SQLite, simulator, port 8080)', () => {
    const result = loadConfig({});
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.config.http.port).to.equal(8080);
    expect(result.config.db.url).to.equal('sqlite:./data/ariadne.sqlite');
    expect(result.config.ari.urls).to.deep.equal([]);
    expect(result.config.ari.app).to.equal('ariadne');
    expect(result.config.storage.url).to.equal('file:./data/recordings');
    // Stable across restarts, so the next start recovers this one's calls; a set name wins.
    expect(result.config.instanceId).to.equal(hostname());
    const named = loadConfig({ ARIADNE_INSTANCE_ID: 'orchestrator-1' });
    expect(named.ok && named.config.instanceId).to.equal('orchestrator-1');
  });

  it('reads ARIADNE_ variables, lists included', () => {
    const result = loadConfig({
      ARIADNE_HTTP_PORT: '9090',
      ARIADNE_DB_URL: 'mysql://u:p@db:3306/ariadne',
      ARIADNE_ARI_URL: 'http://a1:8088, http://a2:8088',
      ARIADNE_AMI_URL: 'tcp://ami:s@a1:5038,tcp://ami:s@a2:5038',
    });
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.config.http.port).to.equal(9090);
    expect(result.config.ari.urls).to.deep.equal(['http://a1:8088', 'http://a2:8088']);
    expect(result.config.ami.urls).to.have.length(2);
  });

  it('gives one line per bad value, naming the variable', () => {
    const result = loadConfig({ ARIADNE_HTTP_PORT: 'eighty', ARIADNE_DB_URL: 'postgres://x/y', ARIADNE_ARI_URL: 'ftp://x' });
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.problems).to.have.length(3);
    expect(result.problems.some((p) => p.startsWith('ARIADNE_HTTP_PORT:'))).to.equal(true);
    expect(result.problems.some((p) => p.startsWith('ARIADNE_DB_URL:') && p.includes('mysql://'))).to.equal(true);
    expect(result.problems.some((p) => p.startsWith('ARIADNE_ARI_URL:'))).to.equal(true);
    for (const p of result.problems) expect(p).to.not.include('\n');
  });

  it('reminds agents of a scheduled break by default, pauses them for it when told, and refuses anything else', () => {
    const byDefault = loadConfig({});
    expect(byDefault.ok && byDefault.config.scheduledActivities).to.equal('remind');
    const pause = loadConfig({ ARIADNE_SCHEDULED_ACTIVITIES: 'pause' });
    expect(pause.ok && pause.config.scheduledActivities).to.equal('pause');
    const bad = loadConfig({ ARIADNE_SCHEDULED_ACTIVITIES: 'enforce' });
    expect(bad.ok ? [] : bad.problems).to.deep.equal(['ARIADNE_SCHEDULED_ACTIVITIES: remind or pause']);
  });

  it('reads a config file, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-cfg-'));
    const file = join(dir, 'ariadne.json');
    writeFileSync(file, JSON.stringify({ http: { port: 7000 }, telephony: { defaultCountry: 'US' } }));
    const result = loadConfig({ ARIADNE_CONFIG: file, ARIADNE_DEFAULT_COUNTRY: 'DE' });
    expect(result.ok && result.config.http.port).to.equal(7000);
    expect(result.ok && result.config.telephony.defaultCountry).to.equal('DE');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    const bad = loadConfig({ ARIADNE_CONFIG: broken });
    expect(bad.ok).to.equal(false);
    expect(!bad.ok && bad.problems[0]).to.match(/^ARIADNE_CONFIG: cannot read/);
  });

  it('reads a switch such as ARIADNE_DEMO_SEED as true/false, 1/0, yes/no, on/off, and refuses anything else', () => {
    const seed = (v: string): boolean | string => {
      const r = loadConfig({ ARIADNE_DEMO_SEED: v });
      return r.ok ? r.config.demo.seed : (r.problems[0] ?? '');
    };
    for (const v of ['false', '0', 'no', 'off']) expect(seed(v), v).to.equal(false);
    for (const v of ['true', '1', 'yes', 'on']) expect(seed(v), v).to.equal(true);
    expect(seed('maybe')).to.equal('ARIADNE_DEMO_SEED: must be true or false');
  });

  it('refuses AMI URLs that do not pair with ARI nodes', () => {
    const result = loadConfig({ ARIADNE_ARI_URL: 'http://a1:8088', ARIADNE_AMI_URL: 'tcp://a:b@h:5038,tcp://a:b@h2:5038' });
    expect(result.ok).to.equal(false);
  });
});

describe('database connection errors', () => {
  it('names the setting and hides the password when MySQL is unreachable', async () => {
    let message = '';
    try {
      await connectDb('mysql://root:hunter2@127.0.0.1:1/ariadne', 3000);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/^ARIADNE_DB_URL: cannot connect to mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/ariadne: /);
    expect(message).to.not.include('hunter2');
    expect(message).to.not.include('\n');
  });

  it('names the setting when the database does not exist', async () => {
    let message = '';
    try {
      await connectDb('mysql://root@127.0.0.1:3306/ariadne_no_such_db_here', 5000);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/^ARIADNE_DB_URL: cannot connect to .*Unknown database/);
  });

  it('redacts credentials', () => {
    expect(redactUrl('mysql://u:secret@h:1/d')).to.equal('mysql://u:***@h:1/d');
    expect(redactUrl('sqlite:./x.sqlite')).to.equal('sqlite:./x.sqlite');
  });
});

describe('configuration: time zone', () => {
  it('accepts an IANA zone and refuses a made-up one', () => {
    const ok = loadConfig({ ARIADNE_TIME_ZONE: 'Asia/Shanghai' });
    expect(ok.ok && ok.config.telephony.timeZone).to.equal('Asia/Shanghai');
    const bad = loadConfig({ ARIADNE_TIME_ZONE: 'Mars/Olympus' });
    expect(!bad.ok && bad.problems[0]).to.match(/^ARIADNE_TIME_ZONE: an IANA time zone/);
  });
});

describe('configuration: transcription', () => {
  it('is off by default; takes a command or an OpenAI-compatible URL, never both, and a language list', () => {
    const off = testConfig().transcription;
    expect([off.command, off.url, off.languages, off.model, off.responseFormat]).to.deep.equal([
      undefined,
      undefined,
      ['en'],
      'whisper-1',
      'json',
    ]);
    const url = testConfig({
      ARIADNE_TRANSCRIBE_URL: 'http://127.0.0.1:8000/v1/audio/transcriptions',
      ARIADNE_TRANSCRIBE_TOKEN: 't',
      ARIADNE_TRANSCRIBE_MODEL: 'large-v3',
      ARIADNE_TRANSCRIBE_LANGUAGES: 'zh, en',
      ARIADNE_TRANSCRIBE_RESPONSE_FORMAT: 'verbose_json',
    }).transcription;
    expect([url.url, url.token, url.model, url.languages, url.responseFormat]).to.deep.equal([
      'http://127.0.0.1:8000/v1/audio/transcriptions',
      't',
      'large-v3',
      ['zh', 'en'],
      'verbose_json',
    ]);
    const format = loadConfig({ ARIADNE_TRANSCRIBE_RESPONSE_FORMAT: 'srt' });
    expect(!format.ok && format.problems[0]).to.match(/^ARIADNE_TRANSCRIBE_RESPONSE_FORMAT: /);
    const both = loadConfig({ ARIADNE_TRANSCRIBE_COMMAND: '/usr/bin/stt', ARIADNE_TRANSCRIBE_URL: 'http://127.0.0.1:1/x' });
    expect(!both.ok && both.problems).to.deep.equal([
      'ARIADNE_TRANSCRIBE_URL: set ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL, not both',
    ]);
    const lang = loadConfig({ ARIADNE_TRANSCRIBE_LANGUAGES: 'English' });
    expect(!lang.ok && lang.problems[0]).to.match(/^ARIADNE_TRANSCRIBE_LANGUAGES: ISO 639-1 codes/);
  });
});

describe('configuration: outbound calls', () => {
  it('has no trunk or caller id and no international calls by default; refuses a bad trunk name or number', () => {
    const off = testConfig().telephony;
    expect([off.outboundTrunk, off.outboundTrunkBackup, off.outboundCallerId, off.outboundInternational]).to.deep.equal([undefined, undefined, undefined, false]);
    const on = testConfig({
      ARIADNE_OUTBOUND_TRUNK: 'carrier-a',
      ARIADNE_OUTBOUND_TRUNK_BACKUP: 'carrier-b',
      ARIADNE_OUTBOUND_CALLER_ID: '+8657188886666',
      ARIADNE_OUTBOUND_INTERNATIONAL: 'yes',
    }).telephony;
    expect([on.outboundTrunk, on.outboundTrunkBackup, on.outboundCallerId, on.outboundInternational]).to.deep.equal([
      'carrier-a',
      'carrier-b',
      '+8657188886666',
      true,
    ]);
    const bad = loadConfig({
      ARIADNE_OUTBOUND_TRUNK: 'carrier a',
      ARIADNE_OUTBOUND_TRUNK_BACKUP: 'carrier/b',
      ARIADNE_OUTBOUND_CALLER_ID: '057188886666',
    });
    expect(!bad.ok && bad.problems).to.deep.equal([
      'ARIADNE_OUTBOUND_TRUNK: a PJSIP endpoint name such as carrier-a',
      'ARIADNE_OUTBOUND_TRUNK_BACKUP: a PJSIP endpoint name such as carrier-b',
      'ARIADNE_OUTBOUND_CALLER_ID: an E.164 number such as +8657188886666',
    ]);
  });
});

describe('configuration: report schedule', () => {
  it('defaults to every quarter hour, takes a cron expression or off, and refuses anything else', () => {
    expect(testConfig().reports.cron).to.equal('*/15 * * * *');
    expect(testConfig({ ARIADNE_REPORT_CRON: '5 * * * *' }).reports.cron).to.equal('5 * * * *');
    expect(testConfig({ ARIADNE_REPORT_CRON: 'off' }).reports.cron).to.equal('off');
    const bad = loadConfig({ ARIADNE_REPORT_CRON: 'every hour' });
    expect(!bad.ok && bad.problems[0]).to.match(/^ARIADNE_REPORT_CRON: a cron expression/);
  });
});

describe('configuration: bounded counts', () => {
  const counts = [
    { name: 'ARIADNE_RECORDING_UPLOAD_CONCURRENCY', read: (c: Config) => c.storage.uploadConcurrency, byDefault: 48, good: 32, bad: ['0', '257', 'many'] },
    { name: 'ARIADNE_RECORDING_UPLOAD_NICE', read: (c: Config) => c.storage.uploadThreadNice, byDefault: 10, good: 0, bad: ['-1', '20', 'low'] },
    { name: 'ARIADNE_RING_ALL_MAX', read: (c: Config) => c.routing.ringAllMax, byDefault: 20, good: 50, bad: ['0', '501', 'all'] },
    { name: 'ARIADNE_AGENT_OFFLINE_LOGOUT_S', read: (c: Config) => c.routing.agentOfflineLogoutS, byDefault: 600, good: 0, bad: ['-1', '86401', 'soon'] },
    { name: 'ARIADNE_TRANSCRIBE_CONCURRENCY', read: (c: Config) => c.transcription.concurrency, byDefault: 1, good: 4, bad: ['0', '65', 'two'] },
    { name: 'ARIADNE_TRANSCRIBE_NICE', read: (c: Config) => c.transcription.nice, byDefault: 10, good: 19, bad: ['-1', '20', 'low'] },
    { name: 'ARIADNE_DEMO_HISTORY_DAYS', read: (c: Config) => c.demo.historyDays, byDefault: 7, good: 0, bad: ['-1', '91', 'a week'] },
    { name: 'ARIADNE_OUTBOUND_RING_S', read: (c: Config) => c.telephony.outboundRingS, byDefault: 45, good: 30, bad: ['4', '181', 'long'] },
  ];
  for (const k of counts) {
    it(`${k.name} defaults to ${k.byDefault}, takes a number in range and refuses anything else`, () => {
      expect(k.read(testConfig())).to.equal(k.byDefault);
      expect(k.read(testConfig({ [k.name]: String(k.good) }))).to.equal(k.good);
      for (const value of k.bad) {
        const bad = loadConfig({ [k.name]: value });
        expect(!bad.ok && bad.problems[0], value).to.match(new RegExp(`^${k.name}: `));
      }
    });
  }
});
