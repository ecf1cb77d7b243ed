/**
 * The AMI subset Ariadne uses (ARI has no verb for these): Login/Logoff, Ping, Command (dialplan reload,
 * module reload, core show version), Reload, PJSIPShowEndpoints/PJSIPShowContacts and CoreShowChannels with
 * EventList framing. Framing and the login exchange follow ami/_login.json (Asterisk Call Manager/11.0.0).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Channel, Engine } from './engine.js';
import { asteriskTime } from './model.js';

export interface AmiServer {
  port: number;
  close(): Promise<void>;
}

export interface AmiOptions {
  port: number;
  host: string;
  user: string;
  secret: string;
}

type Msg = Map<string, string>; // lower-cased key → value

const MAX_BUFFER = 64 * 1024;
const STATE_NUM: Record<string, string> = { Down: '0', Ring: '4', Ringing: '5', Up: '6' };

function frame(pairs: [string, string | number][]): string {
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n';
}

/** A channel's snapshot as main/manager_channels.c writes it into every channel event (no ChanVariable set). */
function channelState(ch: Channel): [string, string | number][] {
  return [
    ['Channel', ch.name],
    ['ChannelState', STATE_NUM[ch.state] ?? '0'],
    ['ChannelStateDesc', ch.state],
    ['CallerIDNum', ch.caller.number || '<unknown>'],
    ['CallerIDName', ch.caller.name || '<unknown>'],
    ['ConnectedLineNum', ch.connected.number || '<unknown>'],
    ['ConnectedLineName', ch.connected.name || '<unknown>'],
    ['Language', ch.language],
    ['AccountCode', ''],
    ['Context', ch.dialplan.context],
    ['Exten', ch.dialplan.exten],
    ['Priority', ch.dialplan.priority],
    ['Uniqueid', ch.id],
    ['Linkedid', ch.id],
  ];
}

export async function startAmi(engine: Engine, opts: AmiOptions): Promise<AmiServer> {
  const started = Date.now();
  const sessions = new Set<Socket>();
  /** The sessions logged in with events on: what the dialplan's UserEvents go to (read class `user`). */
  const listening = new Set<(pairs: [string, string | number][]) => void>();
  let sessionSeq = 0x7fae6c002170;
  const stopUserEvents = engine.onUserEvent((ch, name, body) => {
    const event: [string, string | number][] = [
      ['Event', 'UserEvent'],
      ['Privilege', 'user,all'],
      ...channelState(ch),
      ['UserEvent', name],
      ...body,
    ];
    for (const send of listening) send(event);
  });

  const server: Server = createServer((sock) => {
    sessions.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => {
      sessions.delete(sock);
      listening.delete(send);
    });
    sock.on('error', () => sock.destroy());
    let authed = false;
    let buf = '';
    const sessionId = '0x' + (sessionSeq++).toString(16);
    sock.write('Asterisk Call Manager/11.0.0\r\n');

    const send = (pairs: [string, string | number][]): void => {
      if (!sock.destroyed) sock.write(frame(pairs));
    };

    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_BUFFER) {
        sock.destroy();
        return;
      }
      let idx: number;
      while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, idx);
        const sepLen = /^\r?\n\r?\n/.exec(buf.slice(idx))![0].length;
        buf = buf.slice(idx + sepLen);
        const msg: Msg = new Map();
        for (const line of block.split(/\r?\n/)) {
          const c = line.indexOf(':');
          if (c <= 0) continue;
          msg.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
        }
        if (msg.size) handle(msg);
      }
    });

    function handle(msg: Msg): void {
      const action = (msg.get('action') ?? '').toLowerCase();
      const id = msg.get('actionid');
      const withId = (pairs: [string, string | number][]): [string, string | number][] => {
        const [first, ...rest] = pairs;
        return id === undefined ? pairs : [first!, ['ActionID', id], ...rest];
      };
      const respond = (pairs: [string, string | number][]): void => send(withId(pairs));
      if (!action) return respond([['Response', 'Error'], ['Message', 'Missing action in request']]);
      if (action === 'login') {
        if (msg.get('username') === opts.user && msg.get('secret') === opts.secret) {
          authed = true;
          respond([['Response', 'Success'], ['Message', 'Authentication accepted']]);
          if ((msg.get('events') ?? 'on').toLowerCase() !== 'off') {
            listening.add(send);
            const up = Math.floor((Date.now() - started) / 1000);
            send([['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', up], ['LastReload', up], ['Status', 'Fully Booted']]);
            const now = asteriskTime();
            send([
              ['Event', 'SuccessfulAuth'],
              ['Privilege', 'security,all'],
              ['EventTV', now],
              ['Severity', 'Informational'],
              ['Service', 'AMI'],
              ['EventVersion', '1'],
              ['AccountID', opts.user],
              ['SessionID', sessionId],
              ['LocalAddress', `IPV4/TCP/${sock.localAddress ?? '127.0.0.1'}/${sock.localPort ?? 0}`],
              ['RemoteAddress', `IPV4/TCP/${sock.remoteAddress ?? '127.0.0.1'}/${sock.remotePort ?? 0}`],
              ['UsingPassword', '0'],
              ['SessionTV', now],
            ]);
          }
        } else {
          // Documented (manager.c): the failed login is answered, then the session is closed.
          respond([['Response', 'Error'], ['Message', 'Authentication failed']]);
          sock.end();
        }
        return;
      }
      if (action === 'logoff') {
        respond([['Response', 'Goodbye'], ['Message', 'Thanks for all the fish.']]);
        sock.end();
        return;
      }
      if (!authed) return respond([['Response', 'Error'], ['Message', 'Authentication Required']]);
      switch (action) {
        case 'ping':
          return respond([['Response', 'Success'], ['Ping', 'Pong'], ['Timestamp', (Date.now() / 1000).toFixed(6)]]);
        case 'command':
          return command(msg.get('command') ?? '', respond);
        case 'reload':
          return respond([['Response', 'Success'], ['Message', 'Module Reloaded']]);
        case 'pjsipshowendpoints':
          return listEndpoints(id, respond);
        case 'pjsipshowcontacts':
          return listContacts(id, respond);
        case 'coreshowchannels':
          return listChannels(id, respond);
        case 'pjsipshowregistrationsoutbound':
          // The simulator has no trunk that registers: the list Asterisk gives without any.
          respond([['Response', 'Success'], ['EventList', 'start'], ['Message', 'Following are Events for each Outbound registration']]);
          return send([['Event', 'OutboundRegistrationDetailComplete'], ...(id === undefined ? [] : [['ActionID', id] as [string, string]]), ['EventList', 'Complete'], ['ListItems', 0], ['Registered', 0], ['NotRegistered', 0]]);
        case 'dbput':
        case 'dbget':
        case 'dbdel':
        case 'dbdeltree':
          return astDb(action, msg.get('family') ?? '', msg.get('key') ?? '', msg.get('val') ?? '', id, respond);
        default:
          return respond([['Response', 'Error'], ['Message', 'Invalid/unknown command']]);
      }
    }

    function command(cmd: string, respond: (p: [string, string | number][]) => void): void {
      const c = cmd.trim().replace(/\s+/g, ' ');
      let out: string[] | null = null;
      if (c === 'core show version') out = ['Asterisk 22.10.1 built by root @ sim on a x86_64 running Linux on 2026-11-23 20:11:07 UTC'];
      else if (c === 'dialplan reload') out = ['Dialplan reloaded.'];
      else if (/^module reload \S+$/.test(c)) out = [`Module '${c.slice('module reload '.length)}' reloaded successfully.`];
      else if (c === 'core show uptime') out = [`System uptime: ${Math.floor((Date.now() - started) / 1000)} seconds`];
      if (!out) {
        respond([['Response', 'Error'], ['Message', 'Command output follows'], ['Output', `No such command '${c}' (type 'core show help ${c}' for other possible commands)`]]);
        return;
      }
      respond([['Response', 'Success'], ['Message', 'Command output follows'], ...out.map((l): [string, string] => ['Output', l])]);
    }

    /** main/db.c's manager actions, their replies word for word (Asterisk 22). */
    function astDb(
      action: string,
      family: string,
      key: string,
      val: string,
      id: string | undefined,
      respond: (p: [string, string | number][]) => void,
    ): void {
      // DBPut's own two messages have no full stop; the other actions' have.
      const error = (message: string): void =>
        respond([['Response', 'Error'], ['Message', action === 'dbput' ? message.replace(/\.$/, '') : message]]);
      if (!family) return error('No family specified.');
      if (action === 'dbdeltree') {
        const prefix = key ? `${family}/${key}` : `${family}/`;
        const doomed = [...engine.astdb.keys()].filter((k) => k.startsWith(prefix) || k === `${family}/${key}`);
        for (const k of doomed) engine.astdb.delete(k);
        return doomed.length === 0
          ? error('Database entry not found')
          : respond([['Response', 'Success'], ['Message', 'Key tree deleted successfully']]);
      }
      if (!key) return error('No key specified.');
      const path = `${family}/${key}`;
      if (action === 'dbput') {
        engine.astdb.set(path, val);
        return respond([['Response', 'Success'], ['Message', 'Updated database successfully']]);
      }
      if (action === 'dbdel') {
        if (!engine.astdb.delete(path)) return error('Database entry not found');
        return respond([['Response', 'Success'], ['Message', 'Key deleted successfully']]);
      }
      const value = engine.astdb.get(path);
      if (value === undefined) return error('Database entry not found');
      eventList(id, respond, 'Result will follow', [[['Event', 'DBGetResponse'], ['Family', family], ['Key', key], ['Val', value]]], 'DBGetComplete');
    }

    function eventList(id: string | undefined, respond: (p: [string, string | number][]) => void, message: string, items: [string, string | number][][], completeEvent: string): void {
      respond([['Response', 'Success'], ['EventList', 'start'], ['Message', message]]);
      const idPair: [string, string][] = id === undefined ? [] : [['ActionID', id]];
      for (const it of items) {
        const [ev, ...rest] = it;
        send([ev!, ...idPair, ...rest]);
      }
      send([['Event', completeEvent], ...idPair, ['EventList', 'Complete'], ['ListItems', items.length]]);
    }

    function listEndpoints(id: string | undefined, respond: (p: [string, string | number][]) => void): void {
      const items: [string, string | number][][] = [];
      for (const e of engine.endpoints.values()) {
        if (e.technology !== 'PJSIP' || e.resource.includes('@')) continue;
        const online = e.behaviour !== 'unreachable';
        const busy = e.channelIds.size > 0;
        items.push([
          ['Event', 'EndpointList'],
          ['ObjectType', 'endpoint'],
          ['ObjectName', e.resource],
          ['Transport', ''],
          ['Aor', e.resource],
          ['Auths', ''],
          ['OutboundAuths', ''],
          ['Contacts', online ? `${e.resource}/sip:${e.resource}@127.0.0.1:5060,` : ''],
          ['DeviceState', !online ? 'Unavailable' : busy ? 'In use' : 'Not in use'],
          ['ActiveChannels', [...e.channelIds].join(',')],
        ]);
      }
      if (items.length === 0) return respond([['Response', 'Error'], ['Message', 'No endpoints found']]);
      eventList(id, respond, 'A listing of Endpoints follows, presented as EndpointList events', items, 'EndpointListComplete');
    }

    function listContacts(id: string | undefined, respond: (p: [string, string | number][]) => void): void {
      const items: [string, string | number][][] = [];
      for (const e of engine.endpoints.values()) {
        // A number dialled through a trunk (`+8613…@carrier-a`) is a call on the trunk's endpoint, not an endpoint.
        if (e.technology !== 'PJSIP' || e.behaviour === 'unreachable' || e.resource.includes('@')) continue;
        items.push([
          ['Event', 'ContactList'],
          ['ObjectType', 'contact'],
          ['ObjectName', `${e.resource};@sim${e.resource}`],
          ['ViaAddr', '127.0.0.1'],
          ['QualifyTimeout', '3.000000'],
          ['CallId', `sim-${e.resource}`],
          ['RegServer', ''],
          ['PruneOnBoot', 'no'],
          ['Path', ''],
          ['Endpoint', e.resource],
          ['ViaPort', '5060'],
          ['AuthenticateQualify', 'no'],
          ['Uri', `sip:${e.resource}@127.0.0.1:5060`],
          ['QualifyFrequency', '0'],
          ['UserAgent', 'simulator'],
          ['ExpirationTime', String(Math.floor(Date.now() / 1000) + 3600)],
          ['OutboundProxy', ''],
          ['Status', 'NonQualified'],
          ['RoundtripUsec', 'N/A'],
        ]);
      }
      // res_pjsip/pjsip_options.c: a node without contacts answers an error, not an empty list.
      if (items.length === 0) return respond([['Response', 'Error'], ['Message', 'No Contacts found']]);
      eventList(id, respond, 'A listing of Contacts follows, presented as ContactList events', items, 'ContactListComplete');
    }

    function listChannels(id: string | undefined, respond: (p: [string, string | number][]) => void): void {
      const items: [string, string | number][][] = [];
      const now = Date.now();
      for (const ch of engine.channels.values()) {
        const secs = Math.floor((now - ch.createdMs) / 1000);
        const dur = `${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
        items.push([
          ['Event', 'CoreShowChannel'],
          ...channelState(ch),
          ['Application', ch.dialplan.app_name],
          ['ApplicationData', ch.dialplan.app_data],
          ['Duration', dur],
          ['BridgeId', ch.bridge?.id ?? ''],
        ]);
      }
      eventList(id, respond, 'Channels will follow', items, 'CoreShowChannelsComplete');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        stopUserEvents();
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
