/**
 * Reproduces defects of plain ari-client 2.2.0 (no adapter) in a child process, because some of them kill the
 * process. Run by defects.test.ts as `node --import tsx ari-client-defects.child.ts <mode>`; prints one JSON line
 * `RESULT {...}` when it survives.
 */
import { createRequire } from 'node:module';
import { startSimulator } from '../../src/simulator/index.js';

interface Client {
  on(ev: string, fn: (...a: unknown[]) => void): void;
  start(app: string): Promise<void>;
  stop(): void;
  channels: { list(): Promise<unknown[]> };
}
interface AriClientModule {
  connect(url: string, user: string, pass: string): Promise<Client>;
}

const mode = process.argv[2];
const require = createRequire(import.meta.url);

function result(obj: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  if (mode === 'max-retries') {
    // Compress time a thousandfold so ari-client's ~43 s of retries take a few ms.
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) =>
      real(fn, Math.ceil((ms ?? 0) / 1000))) as typeof setTimeout;
  }
  const ari = require('ari-client') as AriClientModule;
  const sim = await startSimulator({ port: 0, user: 'ariadne', password: 'ariadne', app: 'ariadne', amiPort: null });
  if (mode === 'wrong-password') {
    await ari.connect(sim.url, 'ariadne', 'wrong').catch((e: unknown) => result({ rejected: String(e) }));
    await new Promise((r) => setTimeout(r, 1000));
    result({ survived: true });
  } else if (mode === 'unknown-event') {
    const client = await ari.connect(sim.url, 'ariadne', 'ariadne');
    await client.start('ariadne');
    sim.engine.sink('ariadne', '{"type":"ChannelFutureThing","application":"ariadne"}', {});
    await new Promise((r) => setTimeout(r, 1000));
    result({ survived: true });
  } else if (mode === 'shared-credentials') {
    const other = await startSimulator({ port: 0, user: 'bob', password: 'pw-b', app: 'ariadne', amiPort: null });
    const a = await ari.connect(sim.url, 'ariadne', 'ariadne');
    const before = await a.channels.list().then(
      () => 'ok',
      (e: Error) => e.message,
    );
    await ari.connect(other.url, 'bob', 'pw-b');
    const after = await a.channels.list().then(
      () => 'ok',
      (e: Error) => e.message,
    );
    result({ before, after });
  } else if (mode === 'max-retries') {
    const client = await ari.connect(sim.url, 'ariadne', 'ariadne');
    let reconnecting = 0;
    let gaveUp = false;
    client.on('WebSocketReconnecting', () => reconnecting++);
    client.on('WebSocketMaxRetries', () => {
      gaveUp = true;
    });
    await client.start('ariadne');
    const port = sim.port;
    await sim.stop();
    const end = Date.now() + 5000;
    while (!gaveUp && Date.now() < end) await new Promise((r) => setImmediate(r));
    const back = await startSimulator({ port, user: 'ariadne', password: 'ariadne', app: 'ariadne', amiPort: null });
    await new Promise((r) => setTimeout(r, 300_000)); // 300 ms compressed
    result({ reconnecting, gaveUp, socketsAfterAsteriskCameBack: back.control.stats().webSockets });
  }
  process.exit(0);
}

void main();
