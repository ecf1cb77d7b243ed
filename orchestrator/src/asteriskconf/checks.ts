import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDialplan, extensionMatches, findExtension, splitArgs, type Dialplan, type Extension, type Priority } from './dialplan.js';
import { getValue, getValues, includeResolver, parseConfig, type ConfSection, type ParsedConfig, type Problem } from './parser.js';
import { PJSIP_OPTIONS } from './pjsipOptions.js';

/**
 * Cross-file checks of Ariadne's Asterisk configuration: what Asterisk would refuse or silently
 * ignore, and what would break the orchestrator (app name, ARI/AMI accounts, module list).
 */

export interface CheckOptions {
  /** asterisk-conf/ */
  readonly confDir: string;
  /** dialplans/ (mounted at <confDir>/dialplans in the container). */
  readonly dialplanDir: string;
  /** The orchestrator's Stasis app, ARI and AMI accounts. */
  readonly app: string;
  readonly ariUser: string;
  readonly ariPassword: string;
  readonly ariPort: number;
  readonly amiUser: string;
  readonly amiSecret: string | undefined;
  readonly amiPort: number;
}

/** Which module provides a dialplan application (Answer, Goto, Set ... are in the core). */
const APP_MODULES: Readonly<Record<string, string>> = {
  dial: 'app_dial',
  playback: 'app_playback',
  queue: 'app_queue',
  voicemail: 'app_voicemail',
  voicemailmain: 'app_voicemail',
  echo: 'app_echo',
  log: 'app_verbose',
  verbose: 'app_verbose',
  stasis: 'app_stasis',
  gosub: 'app_stack',
  gosubif: 'app_stack',
  return: 'app_stack',
  execif: 'app_exec',
  exec: 'app_exec',
  tryexec: 'app_exec',
  read: 'app_read',
  record: 'app_record',
  mixmonitor: 'app_mixmonitor',
  senddtmf: 'app_senddtmf',
  chanspy: 'app_chanspy',
  confbridge: 'app_confbridge',
  system: 'app_system',
  musiconhold: 'res_musiconhold',
  playtones: 'app_playtones',
  sayunixtime: 'app_sayunixtime',
  directory: 'app_directory',
  authenticate: 'app_authenticate',
  userevent: 'app_userevent',
  agi: 'res_agi',
};

const FUNCTION_MODULES: Readonly<Record<string, string>> = {
  CALLERID: 'func_callerid',
  CONNECTEDLINE: 'func_callerid',
  REDIRECTING: 'func_callerid',
  CHANNEL: 'func_channel',
  IF: 'func_logic',
  IFTIME: 'func_logic',
  ISNULL: 'func_logic',
  EXISTS: 'func_logic',
  SET: 'func_logic',
  LEN: 'func_strings',
  REGEX: 'func_strings',
  FILTER: 'func_strings',
  REPLACE: 'func_strings',
  TOUPPER: 'func_strings',
  TOLOWER: 'func_strings',
  CUT: 'func_cut',
  GROUP: 'func_groupcount',
  GROUP_COUNT: 'func_groupcount',
  DIALPLAN_EXISTS: 'func_dialplan',
  PJSIP_HEADER: 'res_pjsip_header_funcs',
  PJSIP_ENDPOINT: 'func_pjsip_endpoint',
  PJSIP_CONTACT: 'func_pjsip_contact',
  PJSIP_AOR: 'func_pjsip_aor',
  DB: 'func_db',
  CURL: 'func_curl',
  ENV: 'func_env',
  GLOBAL: 'func_global',
  SHARED: 'func_global',
  HANGUPCAUSE: 'func_hangupcause',
  MATH: 'func_math',
  RAND: 'func_rand',
  STRFTIME: 'func_strings',
  SPRINTF: 'func_sprintf',
};

/**
 * Modules the orchestrator cannot work without, and hard dependencies Asterisk enforces. chan_bridge_media gives
 * the Announcer and Recorder channels through which ARI plays to, holds with music and records a bridge.
 */
const REQUIRED_MODULES = [
  'pbx_config', 'chan_pjsip', 'res_pjsip', 'res_pjsip_session', 'res_pjsip_pubsub', 'res_pjsip_sdp_rtp', 'res_rtp_asterisk',
  'res_pjsip_authenticator_digest', 'res_pjsip_endpoint_identifier_user', 'res_pjsip_registrar',
  'res_http_websocket', 'res_websocket_client', 'res_ari', 'res_ari_model', 'res_ari_applications', 'res_ari_asterisk', 'res_ari_bridges',
  'res_ari_channels', 'res_ari_endpoints', 'res_ari_events', 'res_ari_playbacks', 'res_ari_recordings', 'res_ari_sounds',
  'res_stasis', 'res_stasis_answer', 'res_stasis_playback', 'res_stasis_recording', 'res_stasis_snoop', 'app_stasis',
  'bridge_simple', 'bridge_softmix', 'bridge_holding', 'chan_bridge_media', 'res_musiconhold', 'res_timing_timerfd', 'codec_ulaw', 'codec_alaw', 'format_wav',
  'res_sorcery_config', 'res_sorcery_memory', 'res_sorcery_astdb',
];

const DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  chan_pjsip: ['res_pjsip', 'res_pjsip_pubsub', 'res_pjsip_session'],
  res_pjsip_transport_websocket: ['res_http_websocket'],
  res_pjsip_outbound_registration: ['res_pjsip_outbound_authenticator_digest'],
  res_pjsip_endpoint_identifier_ip: ['res_pjsip'],
  res_srtp: ['res_rtp_asterisk'],
  app_stasis: ['res_stasis', 'res_ari'],
  res_ari: ['res_http_websocket', 'res_websocket_client'],
};

const PJSIP_TYPES = new Set([
  'global', 'system', 'transport', 'endpoint', 'aor', 'auth', 'identify', 'registration', 'domain_alias', 'acl', 'contact',
  'phoneprov', 'resource_list', 'outbound-publish', 'inbound-publication', 'asterisk-publication',
]);

/** AMI classes the orchestrator's actions are registered with in Asterisk 22 (main/manager.c, res_pjsip). */
const AMI_WRITE_NEEDED = ['system', 'command'];
// user: the dialplan's UserEvent AriadneBlocked (a blocked caller rejected), which the orchestrator counts.
const AMI_READ_NEEDED = ['system', 'call', 'user'];
const AMI_READ_ALLOWED = new Set(['system', 'call', 'agent', 'user']);

interface Loaded {
  readonly config: ParsedConfig;
  readonly path: string;
}

class Checker {
  readonly problems: Problem[] = [];
  private readonly resolveInclude: (name: string, from: string) => string;

  constructor(private readonly opts: CheckOptions) {
    const confDir = resolve(opts.confDir);
    const dialDir = resolve(opts.dialplanDir);
    const base = includeResolver(confDir, []);
    // The container mounts dialplans/ at <confDir>/dialplans; in the repository it is a sibling.
    this.resolveInclude = (name, from) => {
      const norm = name.replace(/^\.\//, '');
      if (norm.startsWith('dialplans/') && !existsSync(join(confDir, norm))) return join(dialDir, norm.slice('dialplans/'.length));
      return base(name, from);
    };
  }

  private add(file: string, line: number, message: string): void {
    this.problems.push({ file, line, message });
  }

  load(name: string, required = true): Loaded | undefined {
    const path = join(resolve(this.opts.confDir), name);
    if (!existsSync(path)) {
      if (required) this.add(path, 0, `missing: Ariadne needs ${name}`);
      return undefined;
    }
    const config = parseConfig(path, { resolveInclude: this.resolveInclude });
    this.problems.push(...config.problems);
    return { config, path };
  }

  run(): Problem[] {
    const modules = this.checkModules();
    const pjsip = this.load('pjsip.conf');
    const ext = this.load('extensions.conf');
    const queues = this.load('queues.conf', false);
    const voicemail = this.load('voicemail.conf', false);
    const dialplan = ext ? buildDialplan(ext.config.sections, this.problems) : undefined;
    const pj = pjsip ? this.checkPjsip(pjsip, dialplan) : { endpoints: new Map<string, ConfSection>(), trunkContexts: new Set<string>() };
    if (ext && dialplan) this.checkDialplan(ext, dialplan, pj.endpoints, pj.trunkContexts, queues, voicemail, modules);
    if (queues) this.checkQueues(queues, pj.endpoints);
    this.checkHttp();
    this.checkAri();
    this.checkManager();
    for (const name of ['asterisk.conf', 'rtp.conf', 'musiconhold.conf', 'logger.conf', 'cdr.conf', 'cel.conf', 'stasis.conf', 'features.conf', 'indications.conf']) {
      this.load(name, name === 'asterisk.conf' || name === 'rtp.conf' || name === 'musiconhold.conf');
    }
    const seen = new Set<string>();
    return this.problems.filter((p) => {
      const key = `${p.file}:${p.line}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Returns the set of loaded module names (without .so), or undefined when autoload loads everything. */
  private checkModules(): Set<string> | undefined {
    const loaded = this.load('modules.conf');
    if (!loaded) return undefined;
    const section = loaded.config.sections.find((s) => s.name === 'modules');
    if (!section) {
      this.add(loaded.path, 0, 'no [modules] section');
      return undefined;
    }
    const autoload = getValue(section, 'autoload')?.value.toLowerCase();
    const names = new Set<string>();
    const noload = new Set<string>();
    const lines = new Map<string, number>();
    for (const v of section.vars) {
      const key = v.name.toLowerCase();
      const mod = v.value.replace(/\.so$/, '');
      if (key === 'load' || key === 'require' || key === 'preload' || key === 'preload-require') {
        if (names.has(mod)) this.add(v.file, v.line, `module ${mod} is loaded twice (first at line ${lines.get(mod)})`);
        names.add(mod);
        lines.set(mod, v.line);
      } else if (key === 'noload') noload.add(mod);
    }
    const autoloading = autoload === undefined || autoload === 'yes' || autoload === 'true';
    const has = (m: string) => (autoloading ? !noload.has(m) : names.has(m));
    for (const m of REQUIRED_MODULES) {
      if (!has(m)) this.add(section.file, section.line, `required module ${m}.so is not loaded`);
    }
    for (const [m, deps] of Object.entries(DEPENDENCIES)) {
      if (!has(m)) continue;
      for (const d of deps) if (!has(d)) this.add(section.file, lines.get(m) ?? section.line, `${m}.so needs ${d}.so, which is not loaded`);
    }
    if (autoloading) return undefined;
    return names;
  }

  private checkPjsip(loaded: Loaded, dialplan: Dialplan | undefined): { endpoints: Map<string, ConfSection>; trunkContexts: Set<string> } {
    const byType = new Map<string, Map<string, ConfSection>>();
    const objects = loaded.config.sections.filter((s) => !s.template);
    for (const s of objects) {
      const type = getValue(s, 'type')?.value;
      if (!type) {
        this.add(s.file, s.line, `[${s.name}] has no type (endpoint, aor, auth, transport, ...)`);
        continue;
      }
      if (!PJSIP_TYPES.has(type)) {
        this.add(s.file, getValue(s, 'type')?.line ?? s.line, `[${s.name}] has unknown type '${type}'`);
        continue;
      }
      const known = PJSIP_OPTIONS[type];
      if (known) {
        // Inherited values are reported at the template's line, once (duplicates are dropped in run()).
        for (const v of s.vars) {
          if (!known.has(v.name)) this.add(v.file, v.line, `'${v.name}' is not an option of type ${type} in Asterisk 22: Asterisk would refuse [${s.name}]`);
        }
      }
      let map = byType.get(type);
      if (!map) byType.set(type, (map = new Map()));
      const dup = map.get(s.name);
      if (dup) this.add(s.file, s.line, `[${s.name}] of type ${type} is defined twice (first at ${dup.file}:${dup.line})`);
      else map.set(s.name, s);
    }
    const get = (type: string) => byType.get(type) ?? new Map<string, ConfSection>();
    const endpoints = get('endpoint');
    const refs = (s: ConfSection, key: string, type: string) => {
      const v = getValue(s, key);
      if (!v || v.value === '') return;
      for (const name of v.value.split(',').map((x) => x.trim()).filter(Boolean)) {
        if (!get(type).has(name)) this.add(v.file, v.line, `[${s.name}] ${key} = ${name}: no ${type} named '${name}'`);
      }
    };
    for (const s of endpoints.values()) {
      refs(s, 'aors', 'aor');
      refs(s, 'auth', 'auth');
      refs(s, 'outbound_auth', 'auth');
      refs(s, 'transport', 'transport');
      const ctx = getValue(s, 'context');
      if (!ctx) this.add(s.file, s.line, `endpoint [${s.name}] has no context (Asterisk would use 'default')`);
      else if (dialplan && !dialplan.contexts.has(ctx.value)) {
        this.add(ctx.file, ctx.line, `endpoint [${s.name}] context '${ctx.value}' does not exist in the dialplan`);
      }
      if (!getValue(s, 'aors')) this.add(s.file, s.line, `endpoint [${s.name}] has no aors: it can neither register nor be called`);
    }
    for (const s of get('auth').values()) {
      const authType = getValue(s, 'auth_type')?.value ?? 'userpass';
      if (authType === 'userpass' && !getValue(s, 'password')) this.add(s.file, s.line, `auth [${s.name}] has no password`);
      if (!getValue(s, 'username')) this.add(s.file, s.line, `auth [${s.name}] has no username`);
    }
    const trunkEndpoints = new Set<string>();
    for (const s of get('identify').values()) {
      refs(s, 'endpoint', 'endpoint');
      const ep = getValue(s, 'endpoint')?.value;
      if (ep) trunkEndpoints.add(ep);
      if (getValues(s, 'match').length === 0 && !getValue(s, 'match_header')) this.add(s.file, s.line, `identify [${s.name}] has no match`);
    }
    for (const s of get('registration').values()) {
      refs(s, 'outbound_auth', 'auth');
      refs(s, 'transport', 'transport');
      refs(s, 'endpoint', 'endpoint');
      const ep = getValue(s, 'endpoint')?.value;
      if (ep) trunkEndpoints.add(ep);
      for (const key of ['server_uri', 'client_uri']) if (!getValue(s, key)) this.add(s.file, s.line, `registration [${s.name}] has no ${key}`);
    }
    for (const s of get('transport').values()) {
      if (!getValue(s, 'protocol')) this.add(s.file, s.line, `transport [${s.name}] has no protocol`);
      if (!getValue(s, 'bind')) this.add(s.file, s.line, `transport [${s.name}] has no bind address`);
    }
    const trunkContexts = new Set<string>();
    for (const name of trunkEndpoints) {
      const c = endpoints.get(name) && getValue(endpoints.get(name) as ConfSection, 'context')?.value;
      if (c) trunkContexts.add(c);
    }
    return { endpoints, trunkContexts };
  }

  private checkDialplan(
    loaded: Loaded,
    dialplan: Dialplan,
    endpoints: Map<string, ConfSection>,
    trunkContexts: Set<string>,
    queues: Loaded | undefined,
    voicemail: Loaded | undefined,
    modules: Set<string> | undefined,
  ): void {
    const prompts = this.loadPrompts();
    const queueNames = new Set(queues?.config.sections.filter((s) => s.name !== 'general' && !s.template).map((s) => s.name) ?? []);
    const mailboxes = new Set<string>();
    for (const s of voicemail?.config.sections ?? []) {
      if (s.name === 'general' || s.name === 'zonemessages') continue;
      for (const v of s.vars) mailboxes.add(`${v.name}@${s.name}`);
    }
    const subst = (text: string, ext: Extension): string =>
      text.replace(/\$\{([A-Za-z0-9_]+)(?::(-?\d+)(?::(-?\d+))?)?\}/g, (whole, name: string, off?: string, len?: string) => {
        let value: string | undefined;
        if (name === 'EXTEN' && !ext.name.startsWith('_')) value = ext.name;
        else if (dialplan.globals.has(name)) value = dialplan.globals.get(name);
        if (value === undefined) return whole;
        if (off !== undefined) {
          const start = Number(off) < 0 ? value.length + Number(off) : Number(off);
          value = len === undefined ? value.slice(start) : value.slice(start, start + Number(len));
        }
        return value;
      });

    for (const ctx of dialplan.contexts.values()) {
      for (const inc of ctx.includes) {
        if (!dialplan.contexts.has(inc.name)) this.add(inc.file, inc.line, `include => ${inc.name}: no such context`);
      }
      for (const ext of ctx.extensions.values()) {
        for (const p of ext.priorities) {
          this.checkPriority(p, ext, ctx.name, dialplan, subst, endpoints, queueNames, mailboxes, prompts, modules);
        }
      }
    }

    // Every DID (every extension of a context that trunks deliver calls to) must reach the app.
    for (const name of trunkContexts) {
      const ctx = dialplan.contexts.get(name);
      if (!ctx) continue;
      for (const ext of ctx.extensions.values()) {
        if (['h', 'i', 't', 'e', 'T'].includes(ext.name)) continue;
        if (!this.reachesStasis(dialplan, ctx.name, ext, subst, 0, new Set())) {
          this.add(ext.file, ext.line, `DID ${ext.name} in [${ctx.name}] never reaches Stasis(${this.opts.app}, ...): route it to the orchestrator`);
        }
      }
    }
  }

  private reachesStasis(dialplan: Dialplan, ctxName: string, ext: Extension, subst: (t: string, e: Extension) => string, depth: number, seen: Set<string>): boolean {
    const key = `${ctxName}/${ext.name}`;
    if (depth > 8 || seen.has(key)) return false;
    seen.add(key);
    for (const p of ext.priorities) {
      const app = p.app.toLowerCase();
      if (app === 'stasis' && (splitArgs(p.args)[0] ?? '') === this.opts.app) return true;
      for (const target of gotoTargets(p)) {
        const t = resolveTarget(target, ctxName, ext.name, (s) => subst(s, ext));
        if (!t || t.dynamic) continue;
        const next = findExtension(dialplan, t.context, t.exten);
        if (next && this.reachesStasis(dialplan, t.context, next, subst, depth + 1, seen)) return true;
      }
    }
    return false;
  }

  private checkPriority(
    p: Priority,
    ext: Extension,
    ctxName: string,
    dialplan: Dialplan,
    subst: (t: string, e: Extension) => string,
    endpoints: Map<string, ConfSection>,
    queueNames: Set<string>,
    mailboxes: Set<string>,
    prompts: Set<string> | undefined,
    modules: Set<string> | undefined,
  ): void {
    const app = p.app.toLowerCase();
    const args = splitArgs(p.args);
    if (modules) {
      const mod = APP_MODULES[app];
      if (mod && !modules.has(mod)) this.add(p.file, p.line, `${p.app}() needs ${mod}.so, which modules.conf does not load`);
      for (const m of p.args.matchAll(/([A-Z][A-Z0-9_]*)\(/g)) {
        const fmod = FUNCTION_MODULES[m[1] as string];
        if (fmod && !modules.has(fmod)) this.add(p.file, p.line, `${m[1]}() needs ${fmod}.so, which modules.conf does not load`);
      }
    }
    if (app === 'stasis') {
      const name = args[0] ?? '';
      if (name !== this.opts.app) this.add(p.file, p.line, `Stasis app '${name}' is not the orchestrator's app '${this.opts.app}'`);
    }
    for (const target of gotoTargets(p)) {
      const t = resolveTarget(target, ctxName, ext.name, (s) => subst(s, ext));
      if (!t) {
        this.add(p.file, p.line, `cannot read the ${p.app} target '${target}'`);
        continue;
      }
      if (t.dynamic) continue;
      if (t.sameExtension) {
        const ok = /^\d+$/.test(t.priority) ? ext.priorities.some((x) => x.number === Number(t.priority)) : ext.priorities.some((x) => x.label === t.priority);
        if (!ok) this.add(p.file, p.line, `${p.app} to ${t.priority} in extension ${ext.name}: no such priority or label`);
        continue;
      }
      if (!dialplan.contexts.has(t.context)) {
        this.add(p.file, p.line, `${p.app} to context '${t.context}', which does not exist`);
        continue;
      }
      const dest = findExtension(dialplan, t.context, t.exten);
      if (!dest) {
        this.add(p.file, p.line, `${p.app} to ${t.context},${t.exten}: no such extension`);
        continue;
      }
      const ok = /^\d+$/.test(t.priority) ? dest.priorities.some((x) => x.number === Number(t.priority)) : dest.priorities.some((x) => x.label === t.priority);
      if (!ok) this.add(p.file, p.line, `${p.app} to ${t.context},${t.exten},${t.priority}: no such priority or label`);
    }
    if (app === 'dial') {
      for (const dest of (args[0] ?? '').split('&')) {
        const d = subst(dest.trim(), ext);
        const m = /^PJSIP\/(.+)$/i.exec(d);
        if (!m) continue;
        const target = m[1] as string;
        // PJSIP/<number>@<endpoint> dials a number through a trunk; PJSIP/<endpoint> rings a phone.
        const endpoint = target.includes('@') ? target.slice(target.lastIndexOf('@') + 1) : target;
        if (endpoint.includes('${') || endpoint.includes('$[')) continue;
        if (!endpoints.has(endpoint)) this.add(p.file, p.line, `Dial to PJSIP endpoint '${endpoint}', which pjsip.conf does not define`);
      }
    }
    if (app === 'queue') {
      const q = subst(args[0] ?? '', ext);
      if (q && !q.includes('${') && !queueNames.has(q)) this.add(p.file, p.line, `Queue '${q}' is not defined in queues.conf`);
    }
    if (app === 'voicemail' || app === 'voicemailmain') {
      for (const box of (args[0] ?? '').split('&')) {
        const b = subst(box.trim(), ext);
        if (!b || b.includes('${')) continue;
        const full = b.includes('@') ? b : `${b}@default`;
        if (!mailboxes.has(full)) this.add(p.file, p.line, `${p.app} mailbox '${full}' is not in voicemail.conf`);
      }
    }
    if (app === 'playback' || app === 'background') {
      for (const file of (args[0] ?? '').split('&')) {
        const f = subst(file.trim(), ext);
        const m = /^ariadne\/([A-Za-z0-9_-]+)$/.exec(f);
        if (m && prompts && !prompts.has(m[1] as string)) {
          this.add(p.file, p.line, `prompt '${f}' is not listed in asterisk-conf/sounds/ariadne/prompts.txt, so no file is made for it`);
        }
      }
    }
  }

  private loadPrompts(): Set<string> | undefined {
    const path = join(resolve(this.opts.confDir), 'sounds', 'ariadne', 'prompts.txt');
    if (!existsSync(path)) return undefined;
    const names = new Set<string>();
    readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .forEach((line, i) => {
        const t = line.trim();
        if (t === '' || t.startsWith('#')) return;
        const m = /^([a-z0-9-]+)\s*:\s*(.+)$/.exec(t);
        if (!m) this.add(path, i + 1, `expected 'name: text' (name of lower-case letters, digits and -): ${t}`);
        else if (names.has(m[1] as string)) this.add(path, i + 1, `prompt '${m[1]}' is listed twice`);
        else names.add(m[1] as string);
      });
    return names;
  }

  private checkQueues(loaded: Loaded, endpoints: Map<string, ConfSection>): void {
    for (const s of loaded.config.sections) {
      for (const v of getValues(s, 'member')) {
        const iface = (v.value.split(',')[0] ?? '').trim();
        const m = /^PJSIP\/(.+)$/i.exec(iface);
        if (m && !endpoints.has(m[1] as string)) this.add(v.file, v.line, `queue [${s.name}] member ${iface}: no such PJSIP endpoint`);
      }
    }
  }

  private checkHttp(): void {
    const loaded = this.load('http.conf');
    const g = loaded?.config.sections.find((s) => s.name === 'general');
    if (!loaded || !g) {
      if (loaded) this.add(loaded.path, 0, 'no [general] section');
      return;
    }
    const enabled = getValue(g, 'enabled')?.value.toLowerCase();
    if (enabled !== 'yes' && enabled !== 'true') this.add(g.file, getValue(g, 'enabled')?.line ?? g.line, 'the HTTP server is not enabled (enabled = yes): ARI would be unreachable');
    const port = getValue(g, 'bindport');
    const value = port ? Number(port.value) : 8088;
    if (value !== this.opts.ariPort) this.add(port?.file ?? g.file, port?.line ?? g.line, `HTTP port ${value} differs from the orchestrator's ARI port ${this.opts.ariPort}`);
  }

  private checkAri(): void {
    const loaded = this.load('ari.conf');
    if (!loaded) return;
    const sections = loaded.config.sections;
    const g = sections.find((s) => s.name === 'general');
    const enabled = g && getValue(g, 'enabled');
    if (enabled && !['yes', 'true'].includes(enabled.value.toLowerCase())) this.add(enabled.file, enabled.line, 'ARI is disabled (enabled = no)');
    const user = sections.find((s) => s.name === this.opts.ariUser && !s.template);
    if (!user) {
      this.add(loaded.path, 0, `no ARI user [${this.opts.ariUser}] (the orchestrator's ARIADNE_ARI_USER)`);
      return;
    }
    const type = getValue(user, 'type');
    if (type?.value !== 'user') this.add(user.file, type?.line ?? user.line, `ARI user [${user.name}] needs type = user`);
    const pw = getValue(user, 'password');
    const format = getValue(user, 'password_format')?.value ?? 'plain';
    if (!pw) this.add(user.file, user.line, `ARI user [${user.name}] has no password`);
    else if (format === 'plain' && pw.value !== this.opts.ariPassword) {
      this.add(pw.file, pw.line, `ARI password of [${user.name}] differs from the orchestrator's (ARIADNE_ARI_PASSWORD)`);
    }
    const ro = getValue(user, 'read_only');
    if (ro && ['yes', 'true'].includes(ro.value.toLowerCase())) this.add(ro.file, ro.line, `ARI user [${user.name}] is read_only: the orchestrator must create channels and bridges`);
  }

  private checkManager(): void {
    const loaded = this.load('manager.conf');
    if (!loaded) return;
    const sections = loaded.config.sections;
    const g = sections.find((s) => s.name === 'general');
    const enabled = g && getValue(g, 'enabled');
    if (!g || !enabled || !['yes', 'true'].includes(enabled.value.toLowerCase())) {
      this.add(enabled?.file ?? loaded.path, enabled?.line ?? 0, 'AMI is not enabled (enabled = yes in [general])');
    }
    const port = g && getValue(g, 'port');
    if (port && Number(port.value) !== this.opts.amiPort) this.add(port.file, port.line, `AMI port ${port.value} differs from the orchestrator's ${this.opts.amiPort}`);
    const user = sections.find((s) => s.name === this.opts.amiUser && !s.template);
    if (!user) {
      this.add(loaded.path, 0, `no AMI user [${this.opts.amiUser}]`);
      return;
    }
    const secret = getValue(user, 'secret');
    if (!secret) this.add(user.file, user.line, `AMI user [${user.name}] has no secret`);
    else if (this.opts.amiSecret !== undefined && secret.value !== this.opts.amiSecret) {
      this.add(secret.file, secret.line, `AMI secret of [${user.name}] differs from the one in ARIADNE_AMI_URL`);
    }
    const classes = (key: string) => {
      const v = getValue(user, key);
      return { v, set: new Set((v?.value ?? '').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean)) };
    };
    const write = classes('write');
    for (const c of AMI_WRITE_NEEDED) if (!write.set.has(c) && !write.set.has('all')) this.add(write.v?.file ?? user.file, write.v?.line ?? user.line, `AMI user [${user.name}] lacks write class '${c}' the orchestrator needs`);
    const extra = [...write.set].filter((c) => !AMI_WRITE_NEEDED.includes(c));
    if (extra.length > 0) this.add(write.v?.file ?? user.file, write.v?.line ?? user.line, `AMI user [${user.name}] may write more than it needs (${extra.join(',')}); grant only ${AMI_WRITE_NEEDED.join(',')}`);
    const read = classes('read');
    for (const c of AMI_READ_NEEDED) if (!read.set.has(c) && !read.set.has('all')) this.add(read.v?.file ?? user.file, read.v?.line ?? user.line, `AMI user [${user.name}] lacks read class '${c}' the orchestrator needs`);
    const extraRead = [...read.set].filter((c) => !AMI_READ_ALLOWED.has(c));
    if (extraRead.length > 0) this.add(read.v?.file ?? user.file, read.v?.line ?? user.line, `AMI user [${user.name}] reads more than it needs (${extraRead.join(',')})`);
  }
}

/** The destinations of Goto, GotoIf and Gosub/GotoIf-style apps, as written. */
export function gotoTargets(p: Priority): string[] {
  const app = p.app.toLowerCase();
  if (app === 'goto' || app === 'gosub') return [app === 'gosub' ? p.args.replace(/\(.*\)$/s, '') : p.args];
  if (app === 'gotoif' || app === 'gosubif' || app === 'gotoiftime') {
    const q = topLevelIndex(p.args, '?');
    if (q < 0) return [];
    const branches = p.args.slice(q + 1);
    const c = topLevelIndex(branches, ':');
    const list = c < 0 ? [branches] : [branches.slice(0, c), branches.slice(c + 1)];
    return list.map((s) => s.trim()).filter((s) => s !== '');
  }
  return [];
}

function topLevelIndex(text: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '[' || c === '(' || c === '{') depth += 1;
    else if (c === ']' || c === ')' || c === '}') depth -= 1;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

export function resolveTarget(
  target: string,
  ctx: string,
  exten: string,
  subst: (s: string) => string,
): { context: string; exten: string; priority: string; dynamic: boolean; sameExtension: boolean } | undefined {
  const parts = splitArgs(subst(target));
  let out: { context: string; exten: string; priority: string };
  if (parts.length === 1) {
    const priority = parts[0] as string;
    return { context: ctx, exten, priority, dynamic: priority.includes('${') || priority.includes('$['), sameExtension: true };
  }
  if (parts.length === 2) out = { context: ctx, exten: parts[0] as string, priority: parts[1] as string };
  else if (parts.length === 3) out = { context: parts[0] as string, exten: parts[1] as string, priority: parts[2] as string };
  else return undefined;
  const dynamic = Object.values(out).some((v) => v.includes('${') || v.includes('$['));
  return { ...out, dynamic, sameExtension: out.context === ctx && out.exten === exten };
}

/** Runs every check; the result is empty when the configuration is fine. */
export function checkAsteriskConfig(opts: CheckOptions): Problem[] {
  return new Checker(opts).run();
}

export { extensionMatches };
