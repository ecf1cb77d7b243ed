/**
 * One supervised ari-client connection to one Asterisk node: connect with retry and capped backoff forever,
 * re-register the app after every gap, typed errors and a timeout on every REST request.
 *
 * What it contains of ari-client 2.2.0 (see docs/telephony.md):
 * - A wrong password makes swagger-client `throw` a bare string from inside an HTTP callback (the process
 *   exits). We check the credentials ourselves first (GET resources.json with Basic auth) and only hand them to
 *   ari-client once Asterisk accepted them; a 401 becomes "ARI at URL refused user X" and a retry.
 * - An event type missing from the served events.json makes ari-client's message handler throw a TypeError
 *   inside the WebSocket's 'message' listener (uncaught). We never run that listener (it also builds resource
 *   objects per event, at a cost): we parse each event and route it ourselves; unknown types are logged once per
 *   type and still routed.
 * - After a disconnect ari-client retries 10 times (~43 s) and then gives up for good. We take the socket's
 *   'error'/'close' before ari-client sees them (setting its `_wsClosed` flag, so it does not start its own
 *   retries) and reconnect ourselves forever with capped, configurable backoff.
 * - Credentials are module-global in swagger-client: see ari-loader.ts.
 * - Per-instance listeners: we never register any; events are routed by resource id (event-router.ts).
 * - The WebSocket URL carries `api_key=user:pass`: every message we log or throw goes through the redactor.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { SwitchError, type StoredRecordingLocation } from './port.js';
import { ariModuleFor, type AriClientLike, type AriModule } from './ari-loader.js';
import { makeRedactor, timeoutError, withTimeout, type Redactor } from './ari-errors.js';
import { AriRest, ariRequest, restOperation } from './ari-rest.js';
import { AriWsRest, blocksSocket, type RestResponseFrame } from './ari-ws-rest.js';
import type { AriEvent } from './event-router.js';
import { RepeatedFrames } from './repeated-frames.js';

export interface AriNodeConfig {
  readonly name: string;
  /** e.g. http://127.0.0.1:8088/ari (ari-client only uses the origin; the path /ari is fixed by Asterisk). */
  readonly ariUrl: string;
  readonly user: string;
  readonly password: string;
  readonly app: string;
  /** tcp://user:secret@host:port; absent = no AMI on this node. */
  readonly amiUrl?: string;
}

export interface AriConnectionTuning {
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** WebSocket ping interval; a socket that misses a pong for this long is closed and reconnected. */
  readonly pingIntervalMs: number;
  /**
   * `websocket`: REST requests go over the events socket where Asterisk offers it (its events.json describes
   * RESTResponse) and the socket is open, otherwise over HTTP. `http`: always HTTP.
   */
  readonly restTransport: 'websocket' | 'http';
}

export interface AriConnectionHooks {
  onEvent(event: AriEvent): void;
  /** The socket is up (first time: reconnected=false) or down. */
  onState(connected: boolean, reconnected: boolean, lastError?: string): void;
}

interface WsLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  send(data: string, cb?: (err?: Error) => void): void;
  ping(): void;
  terminate(): void;
  readyState: number;
}

export class AriConnection {
  readonly redact: Redactor;
  private readonly origin: string;
  private readonly ari: AriModule;
  private readonly rest: AriRest;
  private readonly wsRest: AriWsRest;
  /** Whether the connected Asterisk takes REST requests on the events socket (and we are configured to). */
  private restOverSocket = false;
  private client?: AriClientLike;
  private models = new Set<string>();
  private eventTypes: readonly string[] = [];
  private ws?: WsLike;
  private stopping = false;
  private everConnected = false;
  private connectedNow = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private awaitingPong = false;
  private readonly unknownTypes = new Set<string>();
  private readonly repeated = new RepeatedFrames();
  /** Counted for tests and metrics. */
  readonly stats = { attempts: 0, socketsOpened: 0, unknownEvents: 0, socketRequests: 0, repeatedEvents: 0 };
  lastError?: string;

  constructor(
    readonly config: AriNodeConfig,
    private readonly tuning: AriConnectionTuning,
    private readonly hooks: AriConnectionHooks,
    private readonly log: Logger,
  ) {
    this.redact = makeRedactor([config.password, `${config.user}:${config.password}`]);
    const u = new URL(config.ariUrl);
    this.origin = `${u.protocol}//${u.host}`;
    this.ari = ariModuleFor(config.user, config.password);
    this.rest = new AriRest(this.origin, config.user, config.password, this.redact);
    this.wsRest = new AriWsRest(this.redact);
  }

  /** The event types the connected Asterisk describes (the subtypes of Event in its events.json). */
  get servedEventTypes(): readonly string[] {
    return this.eventTypes;
  }

  /** The transport REST requests take now: `websocket` while the socket is up and Asterisk offers it. */
  get restTransport(): 'websocket' | 'http' {
    return this.restOverSocket && this.ws?.readyState === 1 ? 'websocket' : 'http';
  }

  get connected(): boolean {
    return this.connectedNow;
  }

  get hasClient(): boolean {
    return this.client !== undefined;
  }

  /** Tries once; on failure keeps retrying in the background. Never rejects. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    if (client && this.ws) {
      try {
        client.stop();
      } catch {
        // already closed
      }
    }
    this.ws = undefined;
    this.wsRest.failAll('closed (stopping)');
    this.rest.close();
    if (this.connectedNow) {
      this.connectedNow = false;
      this.hooks.onState(false, false, 'stopped');
    }
  }

  /** Drops the socket as if the network had; for tests and for a forced re-sync. */
  dropSocket(): void {
    this.ws?.terminate();
  }

  private async attempt(): Promise<void> {
    if (this.stopping) return;
    this.stats.attempts++;
    try {
      await this.preflight();
      // After a failed attempt Asterisk may have restarted (or been upgraded): load its API description again.
      if (this.client && this.failures > 0) this.dropClient();
      if (!this.client) this.client = await this.loadClient();
      await this.openSocket(this.client);
      this.failures = 0;
    } catch (err) {
      const message = this.redact(err instanceof Error ? err.message : String(err));
      this.lastError = message;
      this.log.warn({ node: this.config.name, err: message }, 'ARI connection attempt failed; retrying');
      this.hooks.onState(false, false, message);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopping) return;
    clearTimeout(this.retryTimer);
    const { backoffMinMs, backoffMaxMs } = this.tuning;
    const base = this.replaced ? backoffMaxMs : Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.min(this.failures, 20));
    this.failures++;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.retryTimer = setTimeout(() => void this.attempt(), Math.min(delay, backoffMaxMs));
  }

  /** Checks reachability and credentials before swagger-client sees them (it would throw a bare string). */
  private preflight(): Promise<void> {
    const url = `${this.origin}/ari/api-docs/resources.json`;
    const shown = `${this.origin}/ari`;
    return new Promise<void>((resolve, reject) => {
      const lib = url.startsWith('https:') ? https : http;
      const req = lib.get(
        url,
        { headers: { authorization: this.basicAuth() }, timeout: this.tuning.connectTimeoutMs },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status === 200) resolve();
          else if (status === 401 || status === 403)
            reject(
              new SwitchError(
                'auth',
                `ARI at ${shown} refused user ${this.config.user} (${status}); check the ARI user and password`,
                status,
              ),
            );
          else
            reject(
              new SwitchError(
                'unavailable',
                `ARI at ${shown} answered ${status} to ${'/ari/api-docs/resources.json'}`,
                status,
              ),
            );
        },
      );
      req.on('timeout', () => req.destroy(timeoutError(`ARI at ${shown}`, this.tuning.connectTimeoutMs)));
      req.on('error', (err) =>
        reject(
          err instanceof SwitchError
            ? err
            : new SwitchError('unavailable', `ARI at ${shown} unreachable: ${err.message}`),
        ),
      );
    });
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners();
    client._wsClosed = true;
  }

  private async loadClient(): Promise<AriClientLike> {
    const pending = Promise.resolve(this.ari.connect(this.origin, this.config.user, this.config.password));
    let client: AriClientLike;
    try {
      client = await withTimeout(
        pending,
        this.tuning.connectTimeoutMs,
        `ARI at ${this.origin}/ari: loading the API description`,
      );
    } catch (err) {
      // A late client is simply dropped: it has no socket yet.
      pending.then(
        () => undefined,
        () => undefined,
      );
      if (err instanceof SwitchError) throw err;
      throw new SwitchError(
        'unavailable',
        this.redact(`ARI at ${this.origin}/ari: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    const models = client._swagger?.apis?.events?.models;
    if (!models || !client._swagger.apis.channels) {
      throw new SwitchError(
        'unavailable',
        'ari-client did not expose its API description (_swagger); only ari-client 2.2.0 is supported',
      );
    }
    this.models = new Set(Object.keys(models));
    const subTypes = (client._swagger.apis.events?.rawModels?.Event as { subTypes?: unknown } | undefined)?.subTypes;
    this.eventTypes = Array.isArray(subTypes) ? subTypes.filter((t): t is string => typeof t === 'string') : [];
    this.restOverSocket = this.tuning.restTransport === 'websocket' && this.models.has('RESTResponse');
    this.installSocketGuard(client);
    return client;
  }

  private deliver(event: AriEvent): void {
    if (event.type === 'ApplicationReplaced') {
      this.onReplaced();
      return;
    }
    try {
      this.hooks.onEvent(event);
    } catch (err) {
      this.log.error({ node: this.config.name, err, type: event.type }, 'event handler threw');
    }
  }

  /**
   * ari-client assigns `client._ws = new WebSocket(url)` and then adds its listeners. A setter on `_ws` lets us
   * wrap those listeners on every socket it creates (including ones created by its own reconnect logic).
   */
  private installSocketGuard(client: AriClientLike): void {
    let current: unknown;
    Object.defineProperty(client, '_ws', {
      configurable: true,
      enumerable: false,
      get: () => current,
      set: (ws: unknown) => {
        current = ws;
        if (ws && typeof ws === 'object') this.guardSocket(client, ws as WsLike);
      },
    });
  }

  private guardSocket(client: AriClientLike, ws: WsLike): void {
    if (client === this.client && this.opening) this.pendingWs = ws;
    const originalOn = ws.on.bind(ws);
    ws.on = (event: string, listener: (...args: unknown[]) => void) => {
      if (event === 'message') {
        // ari-client's listener would build a resource object with every operation attached for each model in
        // each event (a tenth of the orchestrator's CPU in the `full` benchmark) for handlers we never register;
        // we use the event JSON alone, so we parse and route it ourselves.
        return originalOn('message', (raw: unknown) => this.onMessage(raw));
      }
      if (event === 'error' || event === 'close') {
        return originalOn(event, (...args: unknown[]) => {
          // Keep ari-client from starting its own 10-try reconnect: we supervise.
          client._wsClosed = true;
          try {
            listener(...args);
          } catch {
            // ari-client's handlers only bookkeep
          }
          this.onSocketDown(
            ws,
            event === 'error'
              ? this.redact(String((args[0] as Error)?.message ?? args[0]))
              : `closed (${String(args[0])})`,
          );
        });
      }
      if (event === 'open') {
        return originalOn('open', (...args: unknown[]) => {
          try {
            listener(...args);
          } finally {
            this.onSocketOpen(ws);
          }
        });
      }
      return originalOn(event, listener);
    };
    originalOn('pong', () => {
      this.awaitingPong = false;
    });
  }

  /**
   * Another connection registered our app on this node: Asterisk now sends it our events and leaves this socket
   * open but silent. Mark the node down (readyz shows it) and retry slowly; two orchestrators configured with the
   * same app on one node take it from each other at most once per backoffMaxMs.
   */
  private onReplaced(): void {
    this.replaced = true;
    this.log.error(
      { node: this.config.name, app: this.config.app },
      'another connection took over the Stasis app on this node (two orchestrators with the same app?); marking the node down',
    );
    this.ws?.terminate();
  }

  private replaced = false;

  private onMessage(raw: unknown): void {
    const frame = String(raw);
    // The second copy of a channel's event (repeated-frames.ts): dropped before it is parsed.
    if (this.repeated.seen(frame)) {
      this.stats.repeatedEvents++;
      return;
    }
    let event: AriEvent;
    try {
      event = JSON.parse(frame) as AriEvent;
    } catch {
      this.log.warn({ node: this.config.name }, 'ARI sent a frame that is not JSON; ignored');
      return;
    }
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      this.log.warn({ node: this.config.name }, 'ARI sent an event without a type; ignored');
      return;
    }
    if (event.type === 'RESTResponse') {
      const frame = event as unknown as RestResponseFrame;
      if (!this.wsRest.settle(frame))
        this.log.warn(
          { node: this.config.name, status: frame.status_code, reason: frame.reason_phrase },
          'ARI sent a REST response that answers no request in flight (late, or to a frame it could not read); ignored',
        );
      return;
    }
    if (!this.models.has(event.type)) {
      this.stats.unknownEvents++;
      if (!this.unknownTypes.has(event.type)) {
        this.unknownTypes.add(event.type);
        this.log.warn(
          { node: this.config.name, type: event.type },
          'ARI event type not in the served events.json (ari-client would crash); routed raw',
        );
      }
    }
    this.deliver(event);
  }

  private openSocket(client: AriClientLike): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.opening = undefined;
        const stale = this.pendingWs;
        this.pendingWs = undefined;
        stale?.terminate();
        reject(timeoutError(`ARI events socket at ${this.origin}/ari`, this.tuning.connectTimeoutMs));
      }, this.tuning.connectTimeoutMs);
      this.opening = {
        opened: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        },
        failed: (why: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(
            new SwitchError(
              /401/.test(why) ? 'auth' : 'unavailable',
              `ARI events socket at ${this.origin}/ari: ${why}`,
            ),
          );
        },
      };
      client._wsClosed = false;
      // Its promise is not used: 'open', 'error' and 'close' reach us through the socket guard. Handled so a
      // rejection never goes unhandled.
      Promise.resolve(client.start(this.config.app)).then(
        () => undefined,
        () => undefined,
      );
    });
  }

  private opening?: { opened(): void; failed(why: string): void };
  /** The socket the current opening waits for (a stale socket's late events must not decide it). */
  private pendingWs?: WsLike;

  private onSocketOpen(ws: WsLike): void {
    if (this.stopping || ws !== this.pendingWs) {
      ws.terminate();
      return;
    }
    this.pendingWs = undefined;
    this.replaced = false;
    this.ws = ws;
    this.stats.socketsOpened++;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.connectedNow = true;
    this.lastError = undefined;
    this.opening?.opened();
    this.opening = undefined;
    this.startPing();
    this.log.info({ node: this.config.name, reconnected }, 'ARI events socket open');
    this.hooks.onState(true, reconnected);
  }

  private onSocketDown(ws: WsLike, why: string): void {
    if (this.opening && ws === this.pendingWs) {
      const o = this.opening;
      this.opening = undefined;
      this.pendingWs = undefined;
      o.failed(why);
      return;
    }
    if (ws !== this.ws) return;
    this.ws = undefined;
    clearInterval(this.pingTimer);
    this.wsRest.failAll(why);
    if (this.stopping) return;
    const wasConnected = this.connectedNow;
    this.connectedNow = false;
    this.lastError = this.replaced
      ? `Stasis app ${this.config.app} was taken over by another connection to this node`
      : `events socket ${why}`;
    if (wasConnected) {
      this.log.warn({ node: this.config.name, why }, 'ARI events socket lost; reconnecting');
      this.hooks.onState(false, false, this.lastError);
    }
    this.scheduleRetry();
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      if (this.awaitingPong) {
        this.log.warn({ node: this.config.name }, 'ARI events socket missed a pong; closing it');
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }, this.tuning.pingIntervalMs);
    this.pingTimer.unref();
  }

  // --- REST -----------------------------------------------------------------------------------------------------

  /**
   * Calls one ARI operation as ari-client's loaded API description defines it (see ari-rest.ts for why the
   * request does not go through swagger-client), with the status kept and a timeout.
   */
  request<T = unknown>(
    resource: string,
    operation: string,
    params: Record<string, unknown>,
    timeoutMs = this.tuning.requestTimeoutMs,
  ): Promise<T> {
    const op = `${this.config.name} ${resource}.${operation}`;
    const client = this.client;
    if (!client)
      return Promise.reject(
        new SwitchError(
          'unavailable',
          `${op}: node ${this.config.name} is not connected${this.lastError ? ` (${this.lastError})` : ''}`,
        ),
      );
    const spec = restOperation(client._swagger.apis[resource]?.operations?.[operation]);
    if (!spec) return Promise.reject(new SwitchError('bad_request', `${op}: no such ARI operation`));
    let request;
    try {
      request = ariRequest(op, spec, params);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new SwitchError('bad_request', String(err)));
    }
    const ws = this.ws;
    if (this.restOverSocket && ws?.readyState === 1 && !blocksSocket(resource, operation)) {
      this.stats.socketRequests++;
      return this.wsRest.send<T>(ws, op, request, timeoutMs);
    }
    return this.rest.send<T>(op, request, timeoutMs);
  }

  /** GET a binary resource as a stream (ari-client would buffer it whole). */
  stream(path: string, timeoutMs = this.tuning.requestTimeoutMs): Promise<Readable> {
    return this.rest.stream(`${this.config.name} GET ${path}`, path, timeoutMs);
  }

  /** The resource `stream(path)` would GET, for a client in another thread. */
  locate(path: string, timeoutMs = this.tuning.requestTimeoutMs): StoredRecordingLocation {
    return this.rest.locate(`${this.config.name} GET ${path}`, path, timeoutMs);
  }

  private basicAuth(): string {
    return `Basic ${Buffer.from(`${this.config.user}:${this.config.password}`).toString('base64')}`;
  }
}
