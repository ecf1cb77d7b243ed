/**
 * The simulator in its own process, and a small client for its control API (`/_sim/`) over keep-alive HTTP, so
 * placing hundreds of calls a second costs the load generator little.
 */
import { Agent, request } from 'node:http';
import { freePort, startChild, waitReady, type Child } from './procs.js';

export interface SimStats {
  channelsLive: number;
  channelsTotal: number;
  bridgesLive: number;
  bridgesTotal: number;
  playbacksStarted: number;
  recordingsStarted: number;
  eventsSent: number;
  eventsDropped: number;
  callsPlaced: number;
  originates: number;
  originatesFailed: number;
  webSockets: number;
  apps: string[];
}

export interface ScriptStep {
  readonly atMs: number;
  readonly dtmf?: string;
  readonly hangup?: boolean;
}

export interface PlaceCall {
  readonly from: string;
  readonly to: string;
  readonly channelId?: string;
  readonly script?: readonly ScriptStep[];
  readonly hangupAfterMs?: number;
  readonly app?: string;
}

export class SimClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  constructor(readonly baseUrl: string) {}

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 10_000,
  ): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`simulator ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  placeCall(c: PlaceCall): Promise<{ channelId: string; inStasis: boolean }> {
    return this.ok('POST', '/_sim/calls', c);
  }

  setEndpoint(
    resource: string,
    spec: { behaviour: 'answer' | 'no-answer'; afterMs?: number; talkMs?: number },
  ): Promise<unknown> {
    return this.ok('PUT', `/_sim/endpoints/PJSIP/${encodeURIComponent(resource)}`, spec);
  }

  /** Live channels (id and kind only are used here). */
  channels(): Promise<Array<{ id: string; kind: string; state: string }>> {
    return this.ok('GET', '/_sim/channels');
  }

  /** The far end of a channel hangs up. A channel already gone is not an error. */
  async hangup(channelId: string): Promise<void> {
    const r = await this.call('DELETE', `/_sim/channels/${encodeURIComponent(channelId)}`);
    if (r.status >= 300 && r.status !== 404)
      throw new Error(`simulator hangup ${channelId}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /**
   * Ends whatever is still live (calls a saturated step left behind), so the next step starts from nothing.
   * Returns how many channels had to be hung up, or throws if they will not go.
   */
  async drain(timeoutMs = 5000): Promise<number> {
    const live = await this.channels();
    const queue = live.map((c) => c.id);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) await this.hangup(id);
      }),
    );
    const deadline = Date.now() + timeoutMs;
    while ((await this.stats()).channelsLive > 0) {
      if (Date.now() > deadline)
        throw new Error(`simulator: channels still live ${timeoutMs} ms after hanging them up`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return live.length;
  }

  stats(): Promise<SimStats> {
    return this.ok('GET', '/_sim/stats');
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface RunningSim {
  readonly child: Child;
  readonly port: number;
  readonly ariUrl: string;
  readonly client: SimClient;
  stop(): Promise<void>;
}

export async function startSimProcess(o: {
  logDir: string;
  app: string;
  playbackMs: number;
  name?: string;
}): Promise<RunningSim> {
  const port = await freePort();
  const child = startChild({
    name: o.name ?? 'simulator',
    script: 'orchestrator/src/simulator/cli.ts',
    args: [
      '--port',
      String(port),
      '--user',
      'ariadne',
      '--password',
      'ariadne',
      '--app',
      o.app,
      '--no-ami',
      '--playback-ms',
      String(o.playbackMs),
    ],
    // The simulator logs nothing per call; warnings only keep its log small under load.
    env: { ARIADNE_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' },
    logDir: o.logDir,
  });
  const client = new SimClient(`http://127.0.0.1:${port}`);
  await waitReady(
    child,
    async () => (await client.call('GET', '/_sim/stats', undefined, 1000)).status === 200,
    30_000,
    'control API',
  );
  return {
    child,
    port,
    ariUrl: `http://127.0.0.1:${port}`,
    client,
    stop: async () => {
      client.close();
      await child.stop();
    },
  };
}
