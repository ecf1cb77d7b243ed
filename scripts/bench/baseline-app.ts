/**
 * The no-op Stasis app of `ari_baseline`, in its own process: written directly on ari-client 2.2.0, it answers
 * every channel that enters the app and hangs it up. Nothing else: no database, no state, no logging per call.
 * What it sustains is what the ARI pipeline (simulator + WebSocket + REST + ari-client) allows on this machine,
 * the ceiling the orchestrator is compared against.
 *
 * Started by the harness with an IPC channel: it says `{ type: 'ready' }` once its WebSocket is up, then sends
 * `{ type: 'done', calls: [[channelId, doneAtEpochMs, ok], ...] }` in batches every 100 ms.
 * Env: BENCH_ARI_URL, BENCH_ARI_APP.
 */
// @ts-expect-error ari-client ships no types
import ari from 'ari-client';

interface ChannelLike {
  readonly id: string;
}
interface AriClient {
  on(
    event: 'StasisStart',
    handler: (event: { channel: ChannelLike; args: string[] }, channel: ChannelLike) => void,
  ): void;
  on(event: string, handler: (...args: unknown[]) => void): void;
  channels: {
    answer(p: { channelId: string }): Promise<void>;
    hangup(p: { channelId: string }): Promise<void>;
  };
  start(app: string): Promise<void>;
  stop(): void;
}

const url = process.env.BENCH_ARI_URL;
const app = process.env.BENCH_ARI_APP ?? 'bench-noop';
if (!url || !process.send) {
  process.stderr.write('baseline-app: run by scripts/bench (needs BENCH_ARI_URL and an IPC channel)\n');
  process.exit(2);
}
const send = process.send.bind(process);

let batch: Array<[string, number, boolean]> = [];
const flush = (): void => {
  if (batch.length === 0) return;
  send({ type: 'done', calls: batch });
  batch = [];
};
setInterval(flush, 100).unref();

async function main(): Promise<void> {
  const client = (await (ari as { connect(u: string, user: string, pass: string): Promise<AriClient> }).connect(
    url as string,
    'ariadne',
    'ariadne',
  )) as AriClient;
  client.on('StasisStart', (_event, channel) => {
    const channelId = channel.id;
    client.channels
      .answer({ channelId })
      .then(() => client.channels.hangup({ channelId }))
      .then(
        () => batch.push([channelId, Date.now(), true]),
        () => batch.push([channelId, Date.now(), false]),
      );
  });
  await client.start(app);
  send({ type: 'ready' });
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === 'flush') {
      flush();
      send({ replyTo: m.id, type: 'flushed' });
    }
  });
  const stop = (): void => {
    flush();
    client.stop();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline-app: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
