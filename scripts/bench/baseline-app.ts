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
import { doneReporter, fatal } from './lib/app-ipc.js';

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
const report = doneReporter('baseline-app', { BENCH_ARI_URL: url });

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
        () => report.done(channelId, true),
        () => report.done(channelId, false),
      );
  });
  await client.start(app);
  report.ready(() => client.stop());
}

main().catch(fatal('baseline-app'));
