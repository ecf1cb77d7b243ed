/**
 * `/_sim/*`: the control API over HTTP (same operations as `Control`). Bodies are JSON; replies are JSON.
 */
import type { Reply } from './ariRest.js';
import type { CallScriptStep, Control, EndpointInput } from './control.js';
import { AriError, badRequest, notFound } from './errors.js';

type Body = Record<string, unknown>;

function parse(raw: Buffer): Body {
  if (!raw.length) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest('body must be a JSON object');
  return v as Body;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (name: string, v: unknown): boolean | undefined => {
  if (v === undefined || typeof v === 'boolean') return v;
  throw badRequest(`"${name}" must be true or false`);
};
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : undefined);

export function routeControl(control: Control, method: string, path: string, query: URLSearchParams, raw: Buffer): Reply {
  try {
    return dispatch(control, method, path.split('/').filter(Boolean).slice(1).map(decodeURIComponent), query, raw);
  } catch (err) {
    if (err instanceof AriError) return { status: err.status, statusText: err.statusText, body: err.body };
    if (err instanceof URIError) return { status: 400, statusText: 'Bad Request', body: { message: 'bad path encoding' } };
    throw err;
  }
}

function dispatch(control: Control, method: string, seg: string[], query: URLSearchParams, raw: Buffer): Reply {
  const [a, b, c, d] = seg;
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  const none = (): Reply => ({ status: 204, statusText: 'No Content' });
  if (a === 'calls' && seg.length === 1 && method === 'POST') {
    const body = parse(raw);
    const script = Array.isArray(body.script) ? (body.script as CallScriptStep[]) : undefined;
    const res = control.placeCall({
      from: str(body.from) ?? '',
      to: str(body.to) ?? '',
      trunk: str(body.trunk),
      callerName: str(body.callerName),
      app: str(body.app),
      channelId: str(body.channelId),
      endpoint: str(body.endpoint),
      context: str(body.context),
      args: Array.isArray(body.args) ? body.args.filter((x): x is string => typeof x === 'string') : undefined,
      script,
      hangupAfterMs: num(body.hangupAfterMs),
      answered: bool('answered', body.answered),
    });
    return ok(res, 201);
  }
  if (a === 'channels') {
    if (seg.length === 1 && method === 'GET') return ok(control.channels());
    if (b && seg.length === 2 && method === 'GET') return ok(control.channel(b));
    if (b && seg.length === 2 && method === 'DELETE') {
      const body = parse(raw);
      control.hangup(b, num(body.cause) ?? num(query.get('cause')) ?? 16);
      return none();
    }
    if (b && c === 'dtmf' && method === 'POST') {
      const body = parse(raw);
      control.sendDtmf(b, str(body.digits) ?? '', num(body.gapMs));
      return none();
    }
    if (b && c === 'answer' && method === 'POST') {
      control.answer(b);
      return none();
    }
  }
  if (a === 'endpoints') {
    if (seg.length === 1 && method === 'GET') return ok(control.listEndpoints());
    if (b && c && !d && method === 'PUT') {
      const body = parse(raw);
      const input: EndpointInput = {
        behaviour: str(body.behaviour) as EndpointInput['behaviour'],
        afterMs: body.afterMs === undefined ? undefined : (num(body.afterMs) ?? -1),
        talkMs: body.talkMs === undefined ? undefined : (num(body.talkMs) ?? -1),
        context: str(body.context),
        callerName: str(body.callerName),
        callerNumber: str(body.callerNumber),
      };
      return ok(control.setEndpoint(b, c, input));
    }
    if (b && c && !d && method === 'DELETE') {
      control.deleteEndpoint(b, c);
      return none();
    }
  }
  if (a === 'sounds' && seg.length >= 2 && method === 'PUT') {
    const body = parse(raw);
    const name = seg.slice(1).join('/');
    control.setSound(name, body.exists === false ? null : (num(body.durationMs) ?? 1000));
    return none();
  }
  if (a === 'recordings' && b && seg.length === 2 && method === 'PUT') {
    const body = parse(raw);
    control.addStoredRecording(b, num(body.durationMs) ?? -1, str(body.format) ?? 'wav');
    return none();
  }
  if (a === 'stats' && method === 'GET') return ok(control.stats());
  if (a === 'websockets' && b === 'drop' && method === 'POST') return ok({ dropped: control.dropWebSockets() });
  throw notFound('No such control operation');
}
