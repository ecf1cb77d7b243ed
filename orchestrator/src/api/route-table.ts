import type { ApiRoute } from './registry.js';

/** One row per route: method, path, roles, summary (+ audit action). docs/api.md carries this table. */
export function routeRows(routes: readonly ApiRoute[]): string[][] {
  return routes.map((r) => {
    const roles = r.roles === 'public' ? 'public' : r.roles === 'any' ? 'any' : r.roles.join(', ');
    return [
      r.method.toUpperCase(),
      `\`/api${r.path}\``,
      roles,
      `${r.summary}${r.audit ? ` (audit \`${r.audit.action}\`)` : ''}`,
    ];
  });
}

/** The route table of docs/api.md, grouped by tag (paste between the routes:start/end markers). */
export function routeTableMarkdown(routes: readonly ApiRoute[]): string {
  const out: string[] = [];
  let tag = '';
  for (const r of routes) {
    if (r.tag !== tag) {
      tag = r.tag;
      out.push('', `### ${tag}`, '', '| Method | Path | Roles | What |', '| --- | --- | --- | --- |');
    }
    out.push(`| ${(routeRows([r])[0] ?? []).join(' | ')} |`);
  }
  return out.join('\n');
}
