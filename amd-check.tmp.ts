// Manual check against a real Asterisk (not committed).
import { pino } from 'pino';
import { createSwitch } from './orchestrator/src/telephony/index.js';
const sw = createSwitch({
  nodes: [{ name: 'n1', ariUrl: 'http://127.0.0.1:8088', user: 'ariadne', password: 'ariadne', app: 'ariadne' }],
  requestTimeoutMs: 5000, connectTimeoutMs: 5000, backoffMinMs: 100, backoffMaxMs: 1000,
  logger: pino({ level: 'warn' }),
});
const inbound: string[] = [];
sw.onInbound((c) => inbound.push(`${c.channelId} ${c.args.join(',')}`));
await sw.start();
const amd = { context: 'ariadne-amd', extension: 's', priority: 1 };
for (const far of ['hello', 'silent', 'greeting']) {
  const leg = await sw.originate({ endpoint: `Local/${far}@amd-far`, timeoutSeconds: 10, variables: { ARIADNE_CALL_ID: `call-${far}` } });
  console.log(far, 'outcome', await leg.outcome);
  const events: string[] = [];
  sw.watchChannel(leg.channelId, (e) => events.push(e.type));
  const t0 = Date.now();
  const back = await sw.visitDialplan(leg.channelId, amd, 10_000);
  console.log(far, 'back', back, `${Date.now() - t0} ms`, 'events', events);
  await sw.hangup(leg.channelId).catch((e) => console.log('hangup err', String(e)));
  await new Promise((r) => setTimeout(r, 300));
  console.log(far, 'events after hangup', events);
}
// Far end hangs up during AMD: the visit must resolve null and the watcher hear one hangup.
const leg = await sw.originate({ endpoint: 'Local/silent@amd-far', timeoutSeconds: 10, variables: { ARIADNE_CALL_ID: 'call-gone' } });
await leg.outcome;
const events: string[] = [];
sw.watchChannel(leg.channelId, (e) => events.push(e.type));
const visit = sw.visitDialplan(leg.channelId, amd, 10_000);
setTimeout(() => { void fetch(`http://127.0.0.1:8088/ari/channels/${leg.channelId}`, { method: 'DELETE', headers: { authorization: 'Basic ' + Buffer.from('ariadne:ariadne').toString('base64') } }).then(r => console.log('DELETE from outside', r.status)); }, 1000);
console.log('gone: back', await visit, 'events', events);
// Message: continue to the message extension with a variable set at originate time.
const m = await sw.originate({ endpoint: 'Local/silent@amd-far', timeoutSeconds: 10, variables: { ARIADNE_CALL_ID: 'call-msg', ARIADNE_MACHINE_MESSAGE: 'ariadne/campaign-message' } });
await m.outcome;
const mev: string[] = [];
sw.watchChannel(m.channelId, (e) => mev.push(e.type));
await sw.continueInDialplan(m.channelId, { context: 'ariadne-amd', extension: 'message', priority: 1 });
await new Promise((r) => setTimeout(r, 4000));
console.log('message events', mev, 'inbound', inbound, 'routes', sw.routeSizes());
await sw.stop();
process.exit(0);
