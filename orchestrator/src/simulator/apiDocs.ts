/**
 * The swagger 1.1 documents captured from Asterisk 22.10.1, served byte-for-byte except `basePath`, which
 * Asterisk builds from the request's Host header (trace 00: the proxy's host:port appears there).
 * The same documents give the route table (paths and methods), so the simulator answers 404/405 exactly
 * where Asterisk does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'api-docs');
const CAPTURED_BASE = 'http://127.0.0.1:8088/ari';

export interface ApiDocs {
  /** File name (e.g. `channels.json`) → raw text. */
  files: Map<string, string>;
  /** Event model ids declared in events.json. */
  eventTypes: Set<string>;
  routes: RouteNode;
}

export interface RouteNode {
  literal: Map<string, RouteNode>;
  /** `{channelId}` style child and the variable's name. */
  variable: { name: string; node: RouteNode } | null;
  /** Methods in the order the document lists them (the Allow header keeps that order). */
  methods: string[];
}

function node(): RouteNode {
  return { literal: new Map(), variable: null, methods: [] };
}

interface SwaggerDoc {
  apis?: { path: string; operations?: { httpMethod: string }[] }[];
  models?: Record<string, unknown>;
}

let cached: ApiDocs | null = null;

export function loadApiDocs(): ApiDocs {
  if (cached) return cached;
  const files = new Map<string, string>();
  for (const f of readdirSync(DOCS_DIR)) if (f.endsWith('.json')) files.set(f, readFileSync(join(DOCS_DIR, f), 'utf8'));
  const routes = node();
  let eventTypes = new Set<string>();
  for (const [f, text] of files) {
    if (f === 'resources.json') continue;
    const doc = JSON.parse(text) as SwaggerDoc;
    if (f === 'events.json') eventTypes = new Set(Object.keys(doc.models ?? {}));
    for (const api of doc.apis ?? []) {
      if (api.path === '/events') continue; // the WebSocket, handled by the upgrade path
      let n = routes;
      for (const seg of api.path.split('/').filter(Boolean)) {
        const m = /^\{(.+)\}$/.exec(seg);
        if (m) {
          n.variable ??= { name: m[1]!, node: node() };
          n = n.variable.node;
        } else {
          let c = n.literal.get(seg);
          if (!c) n.literal.set(seg, (c = node()));
          n = c;
        }
      }
      for (const op of api.operations ?? []) if (!n.methods.includes(op.httpMethod)) n.methods.push(op.httpMethod);
    }
  }
  cached = { files, eventTypes, routes };
  return cached;
}

const REST_OVER_WEBSOCKET_MODELS = ['RESTHeader', 'RESTQueryStringParameter', 'RESTRequest', 'RESTResponse'];

/** events.json as an Asterisk before ARI REST over WebSocket (20.14, 21.9, 22.4) serves it: without its models. */
export function withoutRestOverWebSocket(eventsJson: string): string {
  const doc = JSON.parse(eventsJson) as { models: Record<string, { subTypes?: string[] }> };
  for (const name of REST_OVER_WEBSOCKET_MODELS) delete doc.models[name];
  for (const model of Object.values(doc.models)) {
    if (model.subTypes) model.subTypes = model.subTypes.filter((t) => !REST_OVER_WEBSOCKET_MODELS.includes(t));
  }
  return JSON.stringify(doc);
}

/** The document with `basePath` rewritten for the host the client used. */
export function servedDoc(docs: ApiDocs, file: string, host: string): string | null {
  const text = docs.files.get(file);
  if (text === undefined) return null;
  return text.split(CAPTURED_BASE).join(`http://${host}/ari`);
}

export interface RouteMatch {
  /** Path template, e.g. `/channels/{channelId}/play`. */
  template: string;
  params: Record<string, string>;
  methods: string[];
}

/** Literal segments win over variables, as in Asterisk's res_ari path tree. */
export function matchRoute(root: RouteNode, path: string): RouteMatch | null {
  const segs = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  const tpl: string[] = [];
  let n = root;
  for (const raw of segs) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    const lit = n.literal.get(seg);
    if (lit) {
      tpl.push(seg);
      n = lit;
    } else if (n.variable) {
      params[n.variable.name] = seg;
      tpl.push(`{${n.variable.name}}`);
      n = n.variable.node;
    } else {
      return null;
    }
  }
  if (!n.methods.length) return null;
  return { template: '/' + tpl.join('/'), params, methods: n.methods };
}
