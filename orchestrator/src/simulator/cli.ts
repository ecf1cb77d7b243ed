/**
 * `npm run simulator -- --port 8088 --user ariadne --password ariadne --app ariadne [--ami-port 5038]
 *  [--playback-ms N] [--endpoint PJSIP/2001=answer:500 ...]`
 */
import { parseArgs } from 'node:util';
import { logger } from '../logger.js';
import type { EndpointBehaviour } from './engine.js';
import { startSimulator } from './index.js';

const USAGE = `usage: simulator [--host 127.0.0.1] [--port 8088] [--user ariadne] [--password ariadne] [--app ariadne]
                 [--ami-port 5038 | --no-ami] [--ami-user U] [--ami-secret S] [--playback-ms N]
                 [--endpoint TECH/RES=behaviour[:afterMs]]...   (behaviour: answer|machine|no-answer|busy|unreachable|reject|congestion)`;

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      user: { type: 'string', default: 'ariadne' },
      password: { type: 'string', default: 'ariadne' },
      app: { type: 'string', default: 'ariadne' },
      'ami-port': { type: 'string' },
      'no-ami': { type: 'boolean', default: false },
      'ami-user': { type: 'string' },
      'ami-secret': { type: 'string' },
      'playback-ms': { type: 'string' },
      endpoint: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const endpoints: Record<string, { behaviour: EndpointBehaviour; afterMs: number }> = {};
  for (const spec of values.endpoint ?? []) {
    const m = /^([^/=]+\/[^=]+)=(answer|machine|no-answer|busy|unreachable|reject|congestion)(?::(\d+))?$/.exec(spec);
    if (!m) throw new Error(`bad --endpoint "${spec}" (expected TECH/RES=behaviour[:afterMs])`);
    endpoints[m[1]!] = { behaviour: m[2] as EndpointBehaviour, afterMs: Number(m[3] ?? 0) };
  }
  const sim = await startSimulator({
    host: values.host,
    port: int('port', values.port, 8088),
    user: values.user,
    password: values.password,
    app: values.app,
    amiPort: values['no-ami'] ? null : int('ami-port', values['ami-port'], 5038),
    amiUser: values['ami-user'] ?? values.user,
    amiSecret: values['ami-secret'] ?? values.password,
    playbackMs: values['playback-ms'] === undefined ? undefined : int('playback-ms', values['playback-ms'], 0),
    endpoints,
    onError: (err) => logger.error({ err }, 'simulator internal error'),
  });
  logger.info({ ari: sim.ariUrl, control: `${sim.url}/_sim/`, amiPort: sim.amiPort, app: values.app }, 'Asterisk simulator listening');
  const shutdown = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
});
