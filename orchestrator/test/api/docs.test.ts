import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { apiRoutes } from '../../src/api/index.js';
import { routeRows } from '../../src/api/route-table.js';
import type { ApiDeps } from '../../src/api/services.js';
import { testConfig } from '../../src/config/load.js';

/** Table rows of a markdown block, cells trimmed (prettier pads them; the content is what matters). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l) && !/^\|\s*Method\s*\|/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    );
}

describe('docs/api.md', () => {
  it('lists every route with its roles, as the route table says (regenerate with routeTableMarkdown())', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const start = doc.indexOf('<!-- routes:start');
    const end = doc.indexOf('<!-- routes:end -->');
    expect(start, 'routes:start marker').to.be.greaterThan(0);
    const deps = {
      db: {},
      config: testConfig(),
      bus: { publish() {} },
      switchPort: {},
      services: {},
      now: () => new Date(),
    } as unknown as ApiDeps;
    expect(tableRows(doc.slice(start, end))).to.deep.equal(routeRows(apiRoutes(deps)));
  });
});
