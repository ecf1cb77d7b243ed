/**
 * ARI REST operations: one handler per (method, path template) of the captured api-docs. Handlers return a
 * reply; errors are thrown as AriError and rendered by the HTTP layer with Asterisk's shapes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, Params } from './engine.js';
import { badRequest, notFound } from './errors.js';
import { asteriskTime } from './model.js';
import { makeWav } from './wav.js';

export interface Reply {
  status: number;
  statusText?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw payload (e.g. a WAV file) instead of JSON. */
  raw?: { contentType: string; data: Buffer };
}

export interface HandlerCtx {
  engine: Engine;
  p: Record<string, string>;
  q: Params;
}

type Handler = (c: HandlerCtx) => Reply | Promise<Reply>;

const ok = (body: unknown): Reply => ({ status: 200, statusText: 'OK', body });
const noContent = (): Reply => ({ status: 204, statusText: 'No Content' });
const created = (body: unknown, location: string): Reply => ({ status: 201, statusText: 'Created', body, headers: { Location: location } });

const INFO = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'asterisk-info.json'), 'utf8')) as Record<string, unknown>;

const handlers: Record<string, Handler> = {
  // ---- asterisk
  'GET /asterisk/info': ({ engine, q }) => {
    const info: Record<string, unknown> = {
      ...INFO,
      system: { version: '22.10.1', entity_id: engine.opts.asteriskId },
    };
    const only = q.list('only');
    if (!only.length) return ok(info);
    const out: Record<string, unknown> = {};
    for (const k of ['build', 'system', 'config', 'status']) if (only.includes(k)) out[k] = info[k];
    return ok(out);
  },
  'GET /asterisk/ping': ({ engine }) => ok({ ping: 'pong', timestamp: asteriskTime(), asterisk_id: engine.opts.asteriskId }),
  'GET /asterisk/variable': ({ engine, q }) => ok(engine.getGlobal(q.str('variable'))),
  'POST /asterisk/variable': ({ engine, q }) => {
    engine.setGlobal(q.str('variable'), q.str('value') ?? '');
    return noContent();
  },
  'GET /asterisk/modules': () => ok([{ name: 'res_ari.so', description: 'Asterisk RESTful Interface', use_count: 12, status: 'Running', support_level: 'core' }]),
  'GET /asterisk/modules/{moduleName}': ({ p }) => {
    if (!/\.so$/.test(p.moduleName ?? '')) throw notFound('Module could not be found in running modules');
    if (p.moduleName === 'res_ari.so') return ok({ name: 'res_ari.so', description: 'Asterisk RESTful Interface', use_count: 12, status: 'Running', support_level: 'core' });
    return ok({ name: p.moduleName, description: p.moduleName, use_count: 0, status: 'Running', support_level: 'core' });
  },
  'PUT /asterisk/modules/{moduleName}': () => noContent(),
  'GET /asterisk/logging': () =>
    ok([
      { channel: '/var/log/asterisk/messages.log', type: 'File', status: 'Enabled', configuration: 'NOTICE WARNING ERROR VERBOSE ' },
      { channel: '', type: 'Console', status: 'Enabled', configuration: 'NOTICE WARNING ERROR VERBOSE ' },
    ]),

  // ---- endpoints
  'GET /endpoints': ({ engine }) => ok(engine.listEndpoints()),
  'GET /endpoints/{tech}': ({ engine, p }) => ok(engine.listEndpoints(p.tech)),
  'GET /endpoints/{tech}/{resource}': ({ engine, p }) => ok(engine.getEndpoint(p.tech!, p.resource!)),

  // ---- applications
  'GET /applications': ({ engine }) => ok([...engine.apps.values()].map((a) => engine.applicationJson(a))),
  'GET /applications/{applicationName}': ({ engine, p }) => ok(engine.applicationJson(engine.getApp(p.applicationName!))),
  'POST /applications/{applicationName}/subscription': ({ engine, p, q }) =>
    ok(engine.applicationJson(engine.subscribe(p.applicationName!, need1(q.list('eventSource'), 'eventSource'), true))),
  'DELETE /applications/{applicationName}/subscription': ({ engine, p, q }) =>
    ok(engine.applicationJson(engine.subscribe(p.applicationName!, need1(q.list('eventSource'), 'eventSource'), false))),
  'PUT /applications/{applicationName}/eventFilter': ({ engine, p, q }) =>
    ok(engine.applicationJson(engine.setEventFilter(p.applicationName!, q.body))),

  // ---- channels
  'GET /channels': ({ engine }) => {
    const out = [];
    for (const ch of engine.channels.values()) out.push(engine.channelJson(ch));
    return ok(out);
  },
  'POST /channels': ({ engine, q }) => ok(engine.originate(q)),
  'POST /channels/create': ({ engine, q }) => ok(engine.create(q)),
  'GET /channels/{channelId}': ({ engine, p }) => ok(engine.channelJson(engine.getChannel(p.channelId!))),
  'POST /channels/{channelId}': ({ engine, p, q }) => ok(engine.originate(q, p.channelId)),
  'DELETE /channels/{channelId}': ({ engine, p, q }) => {
    engine.appHangup(p.channelId!, q);
    return noContent();
  },
  'POST /channels/{channelId}/continue': ({ engine, p, q }) => {
    engine.continueInDialplan(p.channelId!, { context: q.str('context'), extension: q.str('extension'), priority: q.str('priority') });
    return noContent();
  },
  'POST /channels/{channelId}/move': ({ engine, p, q }) => {
    engine.move(p.channelId!, q.str('app'), q.str('appArgs'));
    return noContent();
  },
  'POST /channels/{channelId}/redirect': ({ engine, p, q }) => {
    engine.redirect(p.channelId!, q.str('endpoint'));
    return noContent();
  },
  'POST /channels/{channelId}/answer': async ({ engine, p }) => {
    await engine.answer(p.channelId!);
    return noContent();
  },
  'POST /channels/{channelId}/ring': ({ engine, p }) => {
    engine.ring(p.channelId!, true);
    return noContent();
  },
  'DELETE /channels/{channelId}/ring': ({ engine, p }) => {
    engine.ring(p.channelId!, false);
    return noContent();
  },
  'POST /channels/{channelId}/progress': ({ engine, p }) => {
    engine.progress(p.channelId!);
    return noContent();
  },
  'POST /channels/{channelId}/dtmf': ({ engine, p, q }) => {
    engine.sendDtmf(p.channelId!, q.str('dtmf'));
    return noContent();
  },
  'POST /channels/{channelId}/mute': ({ engine, p, q }) => {
    engine.mute(p.channelId!, q.str('direction') ?? 'both');
    return noContent();
  },
  'DELETE /channels/{channelId}/mute': ({ engine, p }) => {
    engine.mute(p.channelId!, null);
    return noContent();
  },
  'POST /channels/{channelId}/hold': ({ engine, p }) => {
    engine.hold(p.channelId!, true);
    return noContent();
  },
  'DELETE /channels/{channelId}/hold': ({ engine, p }) => {
    engine.hold(p.channelId!, false);
    return noContent();
  },
  'POST /channels/{channelId}/moh': ({ engine, p, q }) => {
    engine.moh(p.channelId!, q.str('mohClass') ?? 'default');
    return noContent();
  },
  'DELETE /channels/{channelId}/moh': ({ engine, p }) => {
    engine.moh(p.channelId!, null);
    return noContent();
  },
  'POST /channels/{channelId}/silence': ({ engine, p }) => {
    engine.silence(p.channelId!, true);
    return noContent();
  },
  'DELETE /channels/{channelId}/silence': ({ engine, p }) => {
    engine.silence(p.channelId!, false);
    return noContent();
  },
  'POST /channels/{channelId}/play': ({ engine, p, q }) => playOn(engine, { channel: engine.stasisChannel(p.channelId!) }, q),
  'POST /channels/{channelId}/play/{playbackId}': ({ engine, p, q }) =>
    playOn(engine, { channel: engine.stasisChannel(p.channelId!) }, q, p.playbackId),
  'POST /channels/{channelId}/record': ({ engine, p, q }) => {
    const r = engine.record({ channel: engine.stasisChannel(p.channelId!) }, q);
    return created(r, `/ari/recordings/live/${r.name}`);
  },
  'GET /channels/{channelId}/variable': ({ engine, p, q }) => ok(engine.getVariable(p.channelId!, q.str('variable'))),
  'POST /channels/{channelId}/variable': async ({ engine, p, q }) => {
    await engine.setVariable(p.channelId!, q.str('variable'), q.str('value') ?? '');
    return noContent();
  },
  'POST /channels/{channelId}/snoop': ({ engine, p, q }) => ok(engine.snoop(p.channelId!, q)),
  'POST /channels/{channelId}/snoop/{snoopId}': ({ engine, p, q }) => ok(engine.snoop(p.channelId!, q, p.snoopId)),
  'POST /channels/{channelId}/dial': ({ engine, p, q }) => {
    engine.dial(p.channelId!, q);
    return noContent();
  },

  // ---- bridges
  'GET /bridges': ({ engine }) => {
    const out = [];
    for (const b of engine.bridges.values()) out.push(engine.bridgeJson(b));
    return ok(out);
  },
  'POST /bridges': ({ engine, q }) => ok(engine.createBridge(q, undefined, null)),
  'POST /bridges/{bridgeId}': ({ engine, p, q }) => ok(engine.createBridge(q, p.bridgeId, null)),
  'GET /bridges/{bridgeId}': ({ engine, p }) => ok(engine.bridgeJson(engine.getBridge(p.bridgeId!))),
  'DELETE /bridges/{bridgeId}': ({ engine, p }) => {
    engine.destroyBridge(p.bridgeId!);
    return noContent();
  },
  'POST /bridges/{bridgeId}/addChannel': async ({ engine, p, q }) => {
    await engine.addToBridge(p.bridgeId!, q.list('channel'), q.str('role'));
    return noContent();
  },
  'POST /bridges/{bridgeId}/removeChannel': async ({ engine, p, q }) => {
    await engine.removeFromBridgeById(p.bridgeId!, q.list('channel'));
    return noContent();
  },
  'POST /bridges/{bridgeId}/moh': ({ engine, p, q }) => {
    engine.bridgeMoh(p.bridgeId!, q.str('mohClass') ?? 'default');
    return noContent();
  },
  'DELETE /bridges/{bridgeId}/moh': ({ engine, p }) => {
    engine.bridgeMoh(p.bridgeId!, null);
    return noContent();
  },
  'POST /bridges/{bridgeId}/play': ({ engine, p, q }) => playOn(engine, { bridge: engine.getBridge(p.bridgeId!) }, q),
  'POST /bridges/{bridgeId}/play/{playbackId}': ({ engine, p, q }) => playOn(engine, { bridge: engine.getBridge(p.bridgeId!) }, q, p.playbackId),
  'POST /bridges/{bridgeId}/record': ({ engine, p, q }) => {
    const r = engine.record({ bridge: engine.getBridge(p.bridgeId!) }, q);
    return created(r, `/ari/recordings/live/${r.name}`);
  },

  // ---- playbacks
  'GET /playbacks/{playbackId}': ({ engine, p }) => ok(engine.playbackJson(engine.getPlayback(p.playbackId!))),
  'DELETE /playbacks/{playbackId}': ({ engine, p }) => {
    engine.stopPlayback(p.playbackId!);
    return noContent();
  },
  'POST /playbacks/{playbackId}/control': ({ engine, p, q }) => {
    engine.controlPlayback(p.playbackId!, q.str('operation'));
    return noContent();
  },

  // ---- recordings
  'GET /recordings/stored': ({ engine }) => {
    const out = [];
    for (const r of engine.storedRecordings.values()) out.push({ name: r.name, format: r.format });
    return ok(out);
  },
  'GET /recordings/stored/{recordingName}': ({ engine, p }) => {
    const r = engine.getStored(p.recordingName!);
    return ok({ name: r.name, format: r.format });
  },
  'DELETE /recordings/stored/{recordingName}': ({ engine, p }) => {
    engine.deleteStored(p.recordingName!);
    return noContent();
  },
  'GET /recordings/stored/{recordingName}/file': ({ engine, p }) => {
    const r = engine.getStored(p.recordingName!);
    return { status: 200, statusText: 'OK', raw: { contentType: 'audio/wav', data: makeWav(r.durationMs) } };
  },
  'POST /recordings/stored/{recordingName}/copy': ({ engine, p, q }) => {
    const r = engine.copyStored(p.recordingName!, q.str('destinationRecordingName'));
    return ok({ name: r.name, format: r.format });
  },
  'GET /recordings/live/{recordingName}': ({ engine, p }) => {
    const r = engine.getLiveRecording(p.recordingName!);
    return ok({ ...engine.liveRecordingJson(r), duration: Math.floor(engine.recordingElapsedMs(r) / 1000) });
  },
  'DELETE /recordings/live/{recordingName}': ({ engine, p }) => recOp(engine, p, 'cancel'),
  'POST /recordings/live/{recordingName}/stop': ({ engine, p }) => recOp(engine, p, 'stop'),
  'POST /recordings/live/{recordingName}/pause': ({ engine, p }) => recOp(engine, p, 'pause'),
  'DELETE /recordings/live/{recordingName}/pause': ({ engine, p }) => recOp(engine, p, 'unpause'),
  'POST /recordings/live/{recordingName}/mute': ({ engine, p }) => recOp(engine, p, 'mute'),
  'DELETE /recordings/live/{recordingName}/mute': ({ engine, p }) => recOp(engine, p, 'unmute'),

  // ---- sounds / device states
  'GET /sounds': ({ engine }) => {
    const out = [];
    for (const id of engine.soundTable.keys()) out.push({ id, formats: [{ language: 'en', format: 'gsm' }] });
    return ok(out);
  },
  'GET /sounds/{soundId}': ({ engine, p }) => {
    if (!engine.soundTable.has(p.soundId!)) throw notFound('Sound not found');
    return ok({ id: p.soundId, formats: [{ language: 'en', format: 'gsm' }, { language: 'en', format: 'slin' }] });
  },
  'GET /deviceStates': () => ok([]),
  'GET /asterisk/config/dynamic/{configClass}/{objectType}/{id}': ({ engine, p }) => {
    const ep = p.configClass === 'res_pjsip' && p.objectType === 'endpoint' ? engine.endpoints.get(`PJSIP/${p.id}`) : undefined;
    if (!ep) throw notFound('Object not found');
    // A few of the attributes a real res_pjsip endpoint lists (rest_snapshots_idle), with this setup's values.
    return ok([
      { attribute: 'context', value: ep.context },
      { attribute: 'allow', value: '(ulaw|alaw)' },
      { attribute: 'direct_media', value: 'false' },
      { attribute: 'dtmf_mode', value: 'rfc4733' },
      { attribute: 'aors', value: ep.resource },
      { attribute: 'callerid', value: `"${ep.callerName}" <${ep.callerNumber}>` },
      { attribute: 'rtp_symmetric', value: 'true' },
      { attribute: 'force_rport', value: 'true' },
      { attribute: 'rewrite_contact', value: 'true' },
    ]);
  },
};

function need1(list: string[], name: string): string[] {
  if (!list.length) throw badRequest(`Missing parameter ${name}`);
  return list;
}

function playOn(engine: Engine, target: Parameters<Engine['play']>[0], q: Params, playbackId?: string): Reply {
  const pb = engine.play(target, q, playbackId);
  return created(pb, `/ari/playbacks/${pb.id}`);
}

function recOp(engine: Engine, p: Record<string, string>, op: Parameters<Engine['recordingOp']>[1]): Reply {
  engine.recordingOp(p.recordingName!, op);
  return noContent();
}

export function findHandler(method: string, template: string): Handler | undefined {
  return handlers[`${method} ${template}`];
}
