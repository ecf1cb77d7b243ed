import { expect } from 'chai';
import { call, concrete, startHarness, type Harness } from './harness.js';

/** Bodies no route accepts: each must be refused with a 4xx naming why, never a 500 or a dropped connection. */
const BAD_BODIES: ReadonlyArray<{ readonly what: string; readonly raw: string }> = [
  { what: 'truncated JSON', raw: '{"name":' },
  { what: 'null', raw: 'null' },
  { what: 'an array', raw: '[1,2]' },
  { what: 'a string', raw: '"x"' },
  { what: 'wrong types everywhere', raw: '{"name":[],"id":{},"version":"one","document":1e999,"queueId":-1}' },
  { what: 'a prototype key', raw: '{"__proto__":{"role":"admin"},"constructor":{"prototype":{}}}' },
];

/** Path values no route accepts as an id, a flow name or a number. */
const BAD_PARAMS = ['-1', 'abc', '1e3', '%00', '99999999999999999999', 'x'.repeat(300)];

describe('malformed requests on every route', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('answers every bad body with a 4xx error body, as admin and as agent', async () => {
    const wrong: string[] = [];
    for (const who of [h.users.admin, h.users.agent]) {
      for (const r of h.http.routes) {
        if (r.method === 'get' || r.path.startsWith('/auth/')) continue;
        for (const body of BAD_BODIES) {
          const res = await call(h, r.method.toUpperCase(), concrete(r), { token: who.token, raw: body.raw });
          if (res.status < 400 || res.status >= 500 || typeof res.body?.error?.code !== 'string')
            wrong.push(`${who.role} ${r.method.toUpperCase()} ${r.path} with ${body.what}: ${res.status}`);
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('answers every bad path value with a 4xx, never a 500', async () => {
    const wrong: string[] = [];
    for (const r of h.http.routes) {
      if (!r.path.includes('/:') || r.path.startsWith('/auth/')) continue;
      for (const value of BAD_PARAMS) {
        const url = `/api${r.path}`.replace(/:[a-zA-Z]+/g, encodeURIComponent(value));
        const res = await call(h, r.method.toUpperCase(), url, {
          token: h.users.admin.token,
          ...(r.method === 'get' ? {} : { body: {} }),
        });
        if (res.status < 400 || res.status >= 500)
          wrong.push(`${r.method.toUpperCase()} ${url.slice(0, 80)}: ${res.status}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});
