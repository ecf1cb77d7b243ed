import WebSocket from 'ws';
const auth = 'Basic ' + Buffer.from('ariadne:ariadne').toString('base64');
const base = 'http://127.0.0.1:8088/ari';
const ws = new WebSocket('ws://127.0.0.1:8088/ari/events?app=ariadne', { headers: { authorization: auth } });
await new Promise((r) => ws.on('open', r));
const t0 = Date.now();
let continued = false;
ws.on('message', (data) => {
  const e = JSON.parse(String(data));
  const extra = e.type === 'StasisStart' ? JSON.stringify(e.args) : e.type === 'ChannelVarset' ? `${e.variable}=${e.value}` : e.type === 'ChannelDialplan' ? `${e.dialplan_app}(${e.dialplan_app_data})` : e.type.startsWith('ChannelHangup') || e.type === 'ChannelDestroyed' ? `cause ${e.cause}` : '';
  console.log(Date.now() - t0, e.type, e.channel?.name ?? '', e.channel?.dialplan ? `${e.channel.dialplan.context},${e.channel.dialplan.exten},${e.channel.dialplan.priority}` : '', extra);
  if (e.type === 'StasisStart' && !continued) {
    continued = true;
    void fetch(`${base}/channels/${e.channel.id}/continue?context=ariadne-amd&extension=s&priority=1`, { method: 'POST', headers: { authorization: auth } }).then((r) => console.log(Date.now() - t0, 'continue ->', r.status));
  } else if (e.type === 'StasisStart') {
    void fetch(`${base}/channels/${e.channel.id}`, { method: 'DELETE', headers: { authorization: auth } }).then((r) => console.log(Date.now() - t0, 'DELETE ->', r.status));
  }
});
const r = await fetch(`${base}/channels?endpoint=${encodeURIComponent('Local/greeting@amd-far')}&app=ariadne&appArgs=outbound,c1&variables=`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ variables: { ARIADNE_CALL_ID: 'c1' } }) });
console.log(Date.now() - t0, 'originate ->', r.status);
await new Promise((r) => setTimeout(r, 5000));
ws.close();
process.exit(0);
