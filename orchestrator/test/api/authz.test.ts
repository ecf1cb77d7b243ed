import { expect } from 'chai';
import type { ApiRoute } from '../../src/api/registry.js';
import type { AuthUser } from '../../src/auth/types.js';
import { call, concrete, startHarness, type Harness, type Principal } from './harness.js';

function expectedAllowed(r: ApiRoute, who: Principal): boolean {
  if (r.roles === 'public' || r.roles === 'any') return true;
  if (!r.roles.includes(who.role)) return false;
  // The agent workspace needs a user bound to an agent row, as do routes whose guard asks for one.
  if (r.path.startsWith('/agent/')) return who.agentId != null;
  try {
    const user: AuthUser = {
      id: who.id,
      username: who.username,
      displayName: who.username,
      role: who.role,
      agentId: who.agentId,
    };
    r.guard?.(user);
  } catch {
    return false;
  }
  return true;
}

describe('authorisation on every route', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('has routes to check', () => {
    expect(h.http.routes.length).to.be.greaterThan(60);
  });

  it('refuses every non-public route without credentials (401)', async () => {
    for (const r of h.http.routes) {
      if (r.roles === 'public') continue;
      const res = await call(h, r.method.toUpperCase(), concrete(r), r.method === 'get' ? {} : { body: {} });
      expect(res.status, `${r.method} ${r.path}`).to.equal(401);
      expect(res.body.error.code, `${r.method} ${r.path}`).to.equal('unauthenticated');
    }
  });

  for (const role of ['admin', 'supervisor', 'agent'] as const) {
    it(`lets ${role} through exactly the routes declared for the role (others 403)`, async () => {
      const who = h.users[role];
      const wrong: string[] = [];
      for (const r of h.http.routes) {
        if (r.path === '/auth/logout' || r.path === '/auth/login') continue;
        const res = await call(h, r.method.toUpperCase(), concrete(r), {
          token: who.token,
          ...(r.method === 'get' ? {} : { body: {} }),
        });
        const allowed = expectedAllowed(r, who);
        const refused = res.status === 403;
        if (res.status === 401 || allowed === refused)
          wrong.push(`${r.method.toUpperCase()} ${r.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  it('documents every route in /api/openapi.json with its roles', async () => {
    const doc = (await call(h, 'GET', '/api/openapi.json')).body;
    expect(doc.openapi).to.equal('3.1.0');
    for (const r of h.http.routes) {
      const p = `/api${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
      const op = doc.paths[p]?.[r.method];
      expect(op, `${r.method} ${p}`).to.be.an('object');
      expect(op.description).to.match(/^Roles: /);
    }
    const login = doc.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.required).to.deep.equal(['username', 'password']);
    const queues = doc.paths['/api/queues'].get;
    expect(queues.parameters.map((p: { name: string }) => p.name)).to.include.members(['page', 'pageSize']);
  });
});
