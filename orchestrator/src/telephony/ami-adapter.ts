/**
 * AMI (asterisk-manager 0.2.0) for what ARI has no verb for: reloads, PJSIP contact status, CoreShowChannels
 * and Ping. One supervised session per node: reconnect forever with capped backoff (asterisk-manager's own
 * keepConnected logs with console.log and waits 10-60 s), a timeout on every action, list actions collected
 * by ActionID until their `...Complete` event.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { SwitchError } from './port.js';
import { makeRedactor, type Redactor } from './ari-errors.js';

export type AmiMessage = Record<string, string | string[] | Record<string, string> | undefined>;

interface ManagerLike {
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeAllListeners(event?: string): void;
  connect(port: number, host: string, cb: (err: unknown) => void): void;
  login(cb: (err: unknown) => void): void;
  action(action: Record<string, unknown>, cb: (err: AmiMessage | undefined, res: AmiMessage) => void): string;
  disconnect(): void;
  isConnected(): boolean;
}

type ManagerCtor = new (
  port: number | undefined,
  host: string,
  user: string,
  secret: string,
  events: boolean,
) => ManagerLike;

const require = createRequire(import.meta.url);

export interface AmiTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly secret: string;
}

/** Parses `tcp://user:secret@host:port`. */
export function parseAmiUrl(url: string): AmiTarget {
  const m = /^tcp:\/\/([^:@\s]+):([^@\s]*)@([^:\s/]+):(\d+)\/?$/.exec(url);
  if (!m) throw new SwitchError('bad_request', 'AMI URL must be tcp://user:secret@host:port');
  return { user: decodeURIComponent(m[1]!), secret: decodeURIComponent(m[2]!), host: m[3]!, port: Number(m[4]) };
}

export interface AmiTuning {
  readonly actionTimeoutMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
}

export class AmiConnection {
  private manager?: ManagerLike;
  private connectedNow = false;
  private stopping = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private seq = 0;
  private readonly lists = new Map<
    string,
    { items: AmiMessage[]; complete: string; done(items: AmiMessage[]): void; fail(err: SwitchError): void }
  >();
  readonly redact: Redactor;
  private readonly target: AmiTarget;
  lastError?: string;
  readonly stats = { attempts: 0, sessions: 0 };
  /** Dialplan UserEvent(...) events (AMI read class `user`), by their name as the dialplan gives it. */
  private readonly userEventHandlers: ((ev: AmiMessage) => void)[] = [];

  constructor(
    readonly node: string,
    amiUrl: string,
    private readonly tuning: AmiTuning,
    private readonly log: Logger,
  ) {
    this.target = parseAmiUrl(amiUrl);
    this.redact = makeRedactor([this.target.secret]);
  }

  get connected(): boolean {
    return this.connectedNow;
  }

  /** Tries once; keeps retrying in the background. Never rejects. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.dispose();
  }

  private dispose(): void {
    const m = this.manager;
    this.manager = undefined;
    this.connectedNow = false;
    if (m) {
      m.removeAllListeners('close');
      m.removeAllListeners('managerevent');
      m.on('error', () => undefined);
      try {
        m.disconnect();
      } catch {
        // already gone
      }
    }
    for (const [id, l] of this.lists) {
      this.lists.delete(id);
      l.fail(new SwitchError('unavailable', `AMI session on node ${this.node} ended during a list`));
    }
  }

  private attempt(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.stats.attempts++;
    this.dispose();
    const Manager = require('asterisk-manager') as ManagerCtor;
    // No port: asterisk-manager would connect and log in on its own and swallow a login failure.
    const m = new Manager(undefined, this.target.host, this.target.user, this.target.secret, false);
    this.manager = m;
    return new Promise<void>((resolve) => {
      let settled = false;
      const fail = (why: string): void => {
        if (this.manager !== m) return;
        const wasConnected = this.connectedNow;
        this.lastError = this.redact(why);
        this.dispose();
        if (!settled || wasConnected)
          this.log.warn({ node: this.node, err: this.lastError }, 'AMI session failed; retrying');
        this.scheduleRetry();
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const timer = setTimeout(
        () => fail(`no AMI login within ${this.tuning.actionTimeoutMs} ms`),
        this.tuning.actionTimeoutMs,
      );
      m.on('error', (err) =>
        fail(`AMI at ${this.target.host}:${this.target.port}: ${(err as Error)?.message ?? String(err)}`),
      );
      m.on('close', () => fail(`AMI at ${this.target.host}:${this.target.port} closed the session`));
      m.on('managerevent', (ev) => this.onEvent(ev as AmiMessage));
      m.connect(this.target.port, this.target.host, () => {
        m.login((err) => {
          clearTimeout(timer);
          if (err) {
            const msg =
              typeof (err as AmiMessage).message === 'string' ? String((err as AmiMessage).message) : 'login refused';
            fail(`AMI at ${this.target.host}:${this.target.port} refused user ${this.target.user}: ${msg}`);
            return;
          }
          if (this.manager !== m) return;
          this.connectedNow = true;
          this.failures = 0;
          this.lastError = undefined;
          this.stats.sessions++;
          this.log.info({ node: this.node }, 'AMI session up');
          settled = true;
          resolve();
        });
      });
    });
  }

  private scheduleRetry(): void {
    if (this.stopping) return;
    clearTimeout(this.retryTimer);
    const delay = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffMinMs * 2 ** Math.min(this.failures, 20));
    this.failures++;
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }

  /** Calls `handler` with every UserEvent the dialplan raises (its headers lower-cased, as asterisk-manager gives). */
  onUserEvent(handler: (ev: AmiMessage) => void): void {
    this.userEventHandlers.push(handler);
  }

  private onEvent(ev: AmiMessage): void {
    if (typeof ev.event === 'string' && ev.event.toLowerCase() === 'userevent') {
      for (const h of this.userEventHandlers) h(ev);
      return;
    }
    const id = typeof ev.actionid === 'string' ? ev.actionid : undefined;
    if (!id) return;
    const list = this.lists.get(id);
    if (!list) return;
    if (typeof ev.event === 'string' && ev.event.toLowerCase() === list.complete) {
      this.lists.delete(id);
      list.done(list.items);
    } else {
      list.items.push(ev);
    }
  }

  /** One action and its response; `Response: Error` becomes a SwitchError. */
  action(action: Record<string, string>, actionid = `ariadne-${++this.seq}`): Promise<AmiMessage> {
    const m = this.manager;
    const name = action.action ?? '?';
    if (!m || !this.connectedNow) {
      return Promise.reject(
        new SwitchError(
          'unavailable',
          `AMI on node ${this.node} is not connected${this.lastError ? ` (${this.lastError})` : ''}`,
        ),
      );
    }
    return new Promise<AmiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        m.removeAllListeners(actionid);
        reject(
          new SwitchError(
            'timeout',
            `AMI ${name} on node ${this.node}: no reply within ${this.tuning.actionTimeoutMs} ms`,
          ),
        );
      }, this.tuning.actionTimeoutMs);
      m.action({ ...action, actionid }, (err, res) => {
        clearTimeout(timer);
        if (err) {
          const message = [err.message, err.output]
            .flat()
            .filter((x) => typeof x === 'string')
            .join(': ');
          reject(
            new SwitchError(
              'bad_request',
              this.redact(`AMI ${name} on node ${this.node} failed: ${message || 'error'}`),
            ),
          );
        } else resolve(res);
      });
    });
  }

  /** An action answered by `EventList: start`, items, and `<complete>` (e.g. ContactListComplete). */
  async list(action: Record<string, string>, completeEvent: string): Promise<AmiMessage[]> {
    const m = this.manager;
    if (!m || !this.connectedNow) return this.action(action).then(() => []);
    const actionid = `ariadne-${++this.seq}`;
    let timer: NodeJS.Timeout | undefined;
    const items = new Promise<AmiMessage[]>((resolve, reject) => {
      this.lists.set(actionid, { items: [], complete: completeEvent.toLowerCase(), done: resolve, fail: reject });
      timer = setTimeout(() => {
        this.lists.delete(actionid);
        reject(
          new SwitchError(
            'timeout',
            `AMI ${action.action} on node ${this.node}: list not complete within ${this.tuning.actionTimeoutMs} ms`,
          ),
        );
      }, this.tuning.actionTimeoutMs);
    });
    items.catch(() => undefined);
    try {
      await this.action(action, actionid);
      return await items;
    } finally {
      this.lists.delete(actionid);
      clearTimeout(timer);
    }
  }

  /** AMI Command; returns the output lines. */
  async command(command: string): Promise<string[]> {
    const res = await this.action({ action: 'Command', command });
    const out = res.output;
    return Array.isArray(out) ? out : typeof out === 'string' ? [out] : [];
  }

  async ping(): Promise<void> {
    await this.action({ action: 'Ping' });
  }
}
