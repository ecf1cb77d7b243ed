import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAsteriskConfig, type CheckOptions, type Problem } from '../../src/asteriskconf/index.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const defaults = {
  app: 'ariadne',
  ariUser: 'ariadne',
  ariPassword: 'ariadne',
  ariPort: 8088,
  amiUser: 'ariadne',
  amiSecret: 'ariadne',
  amiPort: 5038,
} as const;

/** A copy of the shipped configuration in a temp dir, to break on purpose. */
class Sample {
  readonly dir = mkdtempSync(join(tmpdir(), 'ariadne-astconf-'));
  readonly conf = join(this.dir, 'asterisk-conf');
  readonly dialplans = join(this.dir, 'dialplans');

  constructor() {
    cpSync(join(root, 'asterisk-conf'), this.conf, { recursive: true });
    cpSync(join(root, 'dialplans'), this.dialplans, { recursive: true });
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  /** Replaces one exact text (which must occur) and returns the 1-based line where the new text starts. */
  replace(rel: string, from: string, to: string): number {
    const file = this.path(rel);
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`test setup: '${from}' not found in ${rel}`);
    writeFileSync(file, text.slice(0, at) + to + text.slice(at + from.length));
    return text.slice(0, at).split('\n').length;
  }

  /** Appends lines and returns the line number of the first appended line. */
  append(rel: string, lines: string): number {
    const file = this.path(rel);
    const text = readFileSync(file, 'utf8');
    const base = text.endsWith('\n') ? text : `${text}\n`;
    writeFileSync(file, base + lines);
    return base.split('\n').length;
  }

  check(overrides: Partial<CheckOptions> = {}): Problem[] {
    return checkAsteriskConfig({ confDir: this.conf, dialplanDir: this.dialplans, ...defaults, ...overrides });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function expectProblem(problems: Problem[], file: string, line: number, text: string): void {
  const hit = problems.find((p) => p.file === file && p.line === line && p.message.includes(text));
  expect(hit, `expected ${file}:${line}: …${text}… in:\n${problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n')}`).to.not.equal(undefined);
}

describe('asteriskconf: check of the shipped configuration', () => {
  it('finds no problem in asterisk-conf/ and dialplans/ as shipped', () => {
    const problems = checkAsteriskConfig({ confDir: join(root, 'asterisk-conf'), dialplanDir: join(root, 'dialplans'), ...defaults });
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).to.deep.equal([]);
  });

  it('reports an app name that differs from ARIADNE_ARI_APP on every Stasis line (inbound, feature codes, dial-out, AMD)', () => {
    const problems = checkAsteriskConfig({ confDir: join(root, 'asterisk-conf'), dialplanDir: join(root, 'dialplans'), ...defaults, app: 'other' });
    const stasis = problems.filter((p) => p.message.includes("is not the orchestrator's app 'other'"));
    expect(stasis.map((p) => p.file.split('/').pop()).sort()).to.deep.equal(['agents.conf', 'inbound.conf', 'outbound.conf', 'outbound.conf']);
    expect(stasis.every((p) => p.file.endsWith('.conf') && p.line > 0)).to.equal(true);
  });
});

describe('asteriskconf: seeded problems are found with file and line', () => {
  let s: Sample;
  beforeEach(() => {
    s = new Sample();
  });
  afterEach(() => s.cleanup());

  it('an endpoint whose context is not in the dialplan', () => {
    const line = s.replace('asterisk-conf/pjsip_agents.conf', 'context = from-agents', 'context = from-agentz');
    expectProblem(s.check(), s.path('asterisk-conf/pjsip_agents.conf'), line, "context 'from-agentz' does not exist");
  });

  it('an endpoint that names a missing aor and auth', () => {
    const line = s.replace('asterisk-conf/pjsip_agents.conf', 'auth = 2003\naors = 2003', 'auth = 2093\naors = 2093');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/pjsip_agents.conf'), line, "no auth named '2093'");
    expectProblem(problems, s.path('asterisk-conf/pjsip_agents.conf'), line + 1, "no aor named '2093'");
  });

  it('a Stasis call with the wrong app name', () => {
    const line = s.replace('dialplans/inbound.conf', 'Stasis(ariadne,', 'Stasis(callcenter,');
    expectProblem(s.check(), s.path('dialplans/inbound.conf'), line, "Stasis app 'callcenter'");
  });

  it('a DID that does not reach the orchestrator, and a Goto to a missing context', () => {
    const line = s.append('dialplans/inbound.conf', '[from-trunk]\nexten => +15555550177,1,Answer()\n same => n,Goto(nowhere,s,1)\n');
    const problems = s.check();
    expectProblem(problems, s.path('dialplans/inbound.conf'), line + 1, 'DID +15555550177 in [from-trunk] never reaches Stasis(ariadne');
    expectProblem(problems, s.path('dialplans/inbound.conf'), line + 2, "context 'nowhere', which does not exist");
  });

  it('a duplicate priority and a gap in the chain', () => {
    const dup = s.append('dialplans/agents.conf', 'exten => 2999,1,Answer()\nexten => 2999,1,Hangup()\nexten => 2998,1,Answer()\nexten => 2998,3,Hangup()\n');
    const problems = s.check();
    expectProblem(problems, s.path('dialplans/agents.conf'), dup + 1, 'duplicate priority 1 of extension 2999');
    expectProblem(problems, s.path('dialplans/agents.conf'), dup + 3, 'jumps from priority 1 to 3');
  });

  it("'same' before any exten, and 'n' on a new extension", () => {
    const line = s.append('dialplans/outbound.conf', '[broken-ctx]\n same => n,Answer()\nexten => 100,1,Answer()\nexten => 101,n,Hangup()\n');
    const problems = s.check();
    expectProblem(problems, s.path('dialplans/outbound.conf'), line + 1, "'same =>' with no 'exten =>' before it");
    expectProblem(problems, s.path('dialplans/outbound.conf'), line + 3, "priority 'n' of extension 101 does not follow");
  });

  it('a GotoIf to a label that does not exist', () => {
    const line = s.replace('dialplans/outbound.conf', '?backup)', '?backupp)');
    expectProblem(s.check(), s.path('dialplans/outbound.conf'), line, 'backupp in extension _+X.: no such priority or label');
  });

  it('an ARI user that does not match the orchestrator', () => {
    const line = s.replace('asterisk-conf/ari_users.conf', 'password = ariadne', 'password = secret');
    expectProblem(s.check(), s.path('asterisk-conf/ari_users.conf'), line, 'ARI password of [ariadne] differs');
    const problems = s.check({ ariUser: 'someone' });
    expect(problems.some((p) => p.message.includes('no ARI user [someone]'))).to.equal(true);
  });

  it('a template used before it is defined, a line without =, and a missing include', () => {
    const tmpl = s.replace('asterisk-conf/pjsip_agents.conf', '[2005](agent-desk)', '[2005](agent-dsek)');
    const noEq = s.append('asterisk-conf/rtp.conf', 'icesupport yes\n');
    const inc = s.replace('asterisk-conf/pjsip.conf', '#include "pjsip_agents.conf"', '#include "pjsip_agentz.conf"\n#include "pjsip_agents.conf"');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/pjsip_agents.conf'), tmpl, "inherits from 'agent-dsek'");
    expectProblem(problems, s.path('asterisk-conf/rtp.conf'), noEq, "expected 'key = value'");
    expectProblem(problems, s.path('asterisk-conf/pjsip.conf'), inc, 'included file not found');
  });

  it('an AMI user with too many or too few permissions', () => {
    const line = s.replace('asterisk-conf/manager_users.conf', 'write = system,command', 'write = system,originate');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/manager_users.conf'), line, "lacks write class 'command'");
    expectProblem(problems, s.path('asterisk-conf/manager_users.conf'), line, 'may write more than it needs (originate)');
  });

  it('chan_pjsip without res_pjsip_pubsub, and an app whose module is not loaded', () => {
    s.replace('asterisk-conf/modules.conf', 'load = res_pjsip_pubsub.so\n', '');
    s.replace('asterisk-conf/modules.conf', 'load = app_voicemail.so\n', '');
    const chan = readFileSync(s.path('asterisk-conf/modules.conf'), 'utf8').split('\n').findIndex((l) => l === 'load = chan_pjsip.so') + 1;
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/modules.conf'), chan, 'chan_pjsip.so needs res_pjsip_pubsub.so');
    const vm = readFileSync(s.path('dialplans/fallback.conf'), 'utf8').split('\n').findIndex((l) => l.includes('VoiceMail(fallback@ariadne')) + 1;
    expectProblem(problems, s.path('dialplans/fallback.conf'), vm, 'VoiceMail() needs app_voicemail.so');
  });

  it('without chan_bridge_media (bridge playback, music on hold and recording all need it)', () => {
    s.replace('asterisk-conf/modules.conf', 'load = chan_bridge_media.so\n', '');
    const problems = s.check();
    expect(problems.map((p) => p.message)).to.include('required module chan_bridge_media.so is not loaded');
  });

  it('a queue member, a Dial target, a mailbox and a prompt that do not exist', () => {
    const member = s.replace('asterisk-conf/queues.conf', 'member => PJSIP/2010,', 'member => PJSIP/2110,');
    const dial = s.replace('dialplans/agents.conf', 'Dial(PJSIP/${EXTEN},30)', 'Dial(PJSIP/${EXTEN}@carrier-z,30)');
    const box = s.replace('dialplans/fallback.conf', 'VoiceMail(fallback@ariadne,s)', 'VoiceMail(fallbak@ariadne,s)');
    const prompt = s.replace('dialplans/fallback.conf', 'Playback(ariadne/fallback-hold)', 'Playback(ariadne/fallback-hodl)');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/queues.conf'), member, 'PJSIP/2110: no such PJSIP endpoint');
    expectProblem(problems, s.path('dialplans/agents.conf'), dial, "PJSIP endpoint 'carrier-z'");
    expectProblem(problems, s.path('dialplans/fallback.conf'), box, "mailbox 'fallbak@ariadne'");
    expectProblem(problems, s.path('dialplans/fallback.conf'), prompt, "prompt 'ariadne/fallback-hodl'");
  });

  it('a misspelt PJSIP option, in a section and in a template it inherits', () => {
    const own = s.replace('asterisk-conf/pjsip_agents.conf', 'callerid = "Agent 2004" <2004>', 'callerid = "Agent 2004" <2004>\ndirect_medai = no');
    const tmpl = s.replace('asterisk-conf/pjsip_trunks.conf', 'qualify_timeout = 3.0', 'qualify_timout = 3.0');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/pjsip_agents.conf'), own + 1, "'direct_medai' is not an option of type endpoint");
    expectProblem(problems, s.path('asterisk-conf/pjsip_trunks.conf'), tmpl, "'qualify_timout' is not an option of type aor");
  });

  it('an unclosed section header and a key outside any section', () => {
    const line = s.append('asterisk-conf/http.conf', '[broken\n');
    const outside = s.replace('asterisk-conf/cdr.conf', '[general]\nenable = no', 'enable = no\n[general]');
    const problems = s.check();
    expectProblem(problems, s.path('asterisk-conf/http.conf'), line, "without a closing ']'");
    expectProblem(problems, s.path('asterisk-conf/cdr.conf'), outside, "'enable' is outside any [section]");
  });
});
