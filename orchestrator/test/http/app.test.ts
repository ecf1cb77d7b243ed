import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, startHarness, type Harness } from '../api/harness.js';

describe('http app', () => {
  let h: Harness;
  let dbDown = false;
  before(async () => {
    h = await startHarness({
      deps: {
        pingDb: async () => {
          if (dbDown) throw new Error('connect ECONNREFUSED');
        },
        corsOrigins: ['https://ops.example.test'],
      },
    });
  });
  after(async () => h.close());

  it('/healthz answers 200 while the process runs', async () => {
    const r = await call(h, 'GET', '/healthz');
    expect(r.status).to.equal(200);
    expect(r.body.status).to.equal('ok');
  });

  it('/readyz is 200 when the DB answers and every node is connected, 503 naming what is down otherwise', async () => {
    let r = await call(h, 'GET', '/readyz');
    expect(r.status).to.equal(200);
    expect(r.body.nodes[0]).to.include({ node: 'ast1', connected: true });

    h.sw.states = [
      { node: 'ast1', connected: true, since: new Date() },
      { node: 'ast2', connected: false, since: new Date(), lastError: 'ECONNREFUSED' },
    ];
    r = await call(h, 'GET', '/readyz');
    expect(r.status).to.equal(503);
    expect(r.body.error.code).to.equal('unavailable');
    expect(r.body.error.details.down).to.deep.equal(['node ast2']);

    dbDown = true;
    r = await call(h, 'GET', '/readyz');
    expect(r.status).to.equal(503);
    expect(r.body.error.details.down).to.deep.equal(['db', 'node ast2']);
    expect(r.body.db).to.deep.equal({ ok: false, error: 'connect ECONNREFUSED' });

    dbDown = false;
    h.sw.states = [{ node: 'ast1', connected: true, since: new Date() }];
    expect((await call(h, 'GET', '/readyz')).status).to.equal(200);
  });

  it('/readyz answers 503 when the DB ping hangs instead of hanging itself', async () => {
    const slow = await startHarness({ deps: { pingDb: () => new Promise(() => undefined), readyTimeoutMs: 100 } });
    try {
      const r = await call(slow, 'GET', '/readyz');
      expect(r.status).to.equal(503);
      expect(r.body.db.error).to.match(/no answer within/);
    } finally {
      await slow.close();
    }
  });

  it('/metrics serves the registry, including counters the domain registers', async () => {
    const { Counter } = await import('prom-client');
    const c = new Counter({
      name: 'ariadne_test_domain_total',
      help: 'a domain counter',
      registers: [h.http.metrics.registry],
    });
    c.inc(3);
    await call(h, 'GET', '/healthz');
    const r = await call(h, 'GET', '/metrics');
    expect(r.status).to.equal(200);
    expect(r.body).to.include('ariadne_test_domain_total 3');
    expect(r.body).to.match(/ariadne_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  it('sends security headers and no x-powered-by', async () => {
    const r = await call(h, 'GET', '/healthz');
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(r.headers.get('content-security-policy')).to.include("default-src 'self'");
    expect(r.headers.get('x-powered-by')).to.equal(null);
  });

  it('keeps CORS closed except for configured origins', async () => {
    let r = await call(h, 'GET', '/api/auth/me', { headers: { origin: 'https://evil.example.test' } });
    expect(r.headers.get('access-control-allow-origin')).to.equal(null);
    r = await call(h, 'OPTIONS', '/api/auth/me', {
      headers: { origin: 'https://ops.example.test', 'access-control-request-method': 'GET' },
    });
    expect(r.status).to.equal(204);
    expect(r.headers.get('access-control-allow-origin')).to.equal('https://ops.example.test');
  });

  it('answers unknown /api routes with a JSON 404 in the error shape', async () => {
    const r = await call(h, 'GET', '/api/no-such-thing', { token: h.users.admin.token });
    expect(r.status).to.equal(404);
    expect(r.body).to.deep.equal({ error: { code: 'not_found', message: 'no route GET /api/no-such-thing' } });
    const anon = await call(h, 'GET', '/api/nothing/here');
    expect(anon.status).to.equal(404);
    expect(anon.body.error.code).to.equal('not_found');
  });

  it('refuses malformed JSON (400) and oversized bodies (413) in the error shape', async () => {
    let r = await call(h, 'POST', '/api/skills', { token: h.users.admin.token, raw: '{"name": ' });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('invalid_json');
    r = await call(h, 'POST', '/api/skills', {
      token: h.users.admin.token,
      body: { name: 'x', description: 'y'.repeat(300_000) },
    });
    expect(r.status).to.equal(413);
    expect(r.body.error.code).to.equal('payload_too_large');
  });

  it('tells how to build the UI when admin-ui/dist is missing', async () => {
    const r = await call(h, 'GET', '/');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.include('text/html');
    expect(r.body).to.include('npm run build:ui');
  });

  it('serves the built UI with an SPA fallback, but not for /api or missing assets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Ariadne UI</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const ui = await startHarness({ deps: { uiDistDir: dir } });
    try {
      const root = await call(ui, 'GET', '/');
      expect(root.body).to.include('Ariadne UI');
      expect(root.headers.get('cache-control')).to.equal('no-cache');
      expect((await call(ui, 'GET', '/wallboard/queues/3')).body).to.include('Ariadne UI');
      const js = await call(ui, 'GET', '/assets/app.js');
      expect(js.status).to.equal(200);
      expect(js.body).to.equal('console.log(1)');
      expect(js.headers.get('cache-control')).to.include('immutable');
      expect((await call(ui, 'GET', '/assets/missing.js')).status).to.equal(404);
      const api = await call(ui, 'GET', '/api/unknown');
      expect(api.status).to.equal(404);
      expect(api.body.error.code).to.equal('not_found');
    } finally {
      await ui.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
