import type { Db } from '../db/knex.js';
import { parseJson } from '../db/time.js';
import type { FlowDocument, FlowIssue } from './schema.js';

/** What IVR flows and routing rules name by name rather than by a foreign key. */
export type NamedThing = 'business_hours' | 'queue';

/** The flows' node fields that hold each kind of name. */
const NODE_FIELDS: Record<NamedThing, ReadonlyArray<readonly [nodeType: string, field: string]>> = {
  business_hours: [['hours', 'businessHours']],
  queue: [
    ['queue', 'queue'],
    ['voicemail', 'queue'],
  ],
};

/**
 * Who uses a business hours set or a queue by its name: the published version of each IVR flow; for business
 * hours, the routing rules that call `in_hours("name")` and the campaigns that call only inside them; for a queue,
 * the queues that overflow or move their longest waiters to it. No foreign key guards those names, so deleting or
 * renaming the thing would send callers down a fallback (or stop a campaign) without a word to whoever did it; the
 * API refuses that while something here uses it. Unpublished flow versions are left out: no caller hears them.
 */
export async function usersOfName(db: Db, kind: NamedThing, name: string): Promise<string[]> {
  const users: string[] = [];
  const flows = (await db('ivr_flows as f')
    .join('ivr_flow_versions as v', function join() {
      this.on('v.flow_id', '=', 'f.id').andOn('v.version', '=', 'f.published_version');
    })
    .orderBy('f.name')
    .select('f.name', 'v.version', 'v.document')) as { name: string; version: number; document: unknown }[];
  for (const flow of flows) {
    const nodes =
      parseJson<{ nodes?: Record<string, Record<string, unknown>> } | null>(flow.document, null)?.nodes ?? {};
    const named = Object.values(nodes).some((node) =>
      NODE_FIELDS[kind].some(([type, field]) => node?.type === type && node[field] === name),
    );
    if (named) users.push(`IVR flow "${flow.name}" (published version ${Number(flow.version)})`);
  }
  if (kind === 'business_hours') {
    const call = new RegExp(`in_hours\\(\\s*(["'])${escapeRegExp(name)}\\1\\s*\\)`);
    const rules = (await db('routing_rules').orderBy('name').select('name', 'expression')) as {
      name: string;
      expression: string;
    }[];
    for (const rule of rules) if (call.test(rule.expression)) users.push(`routing rule "${rule.name}"`);
    const campaigns = (await db('campaigns').where({ hours: name }).orderBy('name').pluck('name')) as string[];
    for (const campaign of campaigns) users.push(`campaign "${campaign}"`);
  }
  if (kind === 'queue') {
    const queues = (await db('queues')
      .orderBy('name')
      .select('name', 'max_wait_action', 'max_wait_target', 'overflow')) as {
      name: string;
      max_wait_action: string;
      max_wait_target: string | null;
      overflow: unknown;
    }[];
    for (const q of queues) {
      if (q.name === name) continue;
      const steps = parseJson<unknown>(q.overflow, []);
      const overflows =
        Array.isArray(steps) &&
        steps.some((s: { action?: unknown; queue?: unknown } | null) => s?.action === 'move_queue' && s.queue === name);
      if (overflows || (q.max_wait_action === 'queue' && q.max_wait_target === name)) users.push(`queue "${q.name}"`);
    }
  }
  return users;
}

const TABLES: Record<NamedThing, string> = { business_hours: 'business_hours', queue: 'queues' };
const LABELS: Record<NamedThing, string> = { business_hours: 'business hours', queue: 'queue' };

/** The business hours and queues a flow names that do not exist: what publishing it would break for its callers. */
export async function unknownNamesIn(db: Db, flow: FlowDocument): Promise<FlowIssue[]> {
  const issues: FlowIssue[] = [];
  for (const kind of Object.keys(NODE_FIELDS) as NamedThing[]) {
    const wanted: { path: string; name: string }[] = [];
    for (const [id, node] of Object.entries(flow.nodes) as [string, Record<string, unknown>][])
      for (const [type, field] of NODE_FIELDS[kind])
        if (node.type === type && typeof node[field] === 'string')
          wanted.push({ path: `nodes.${id}.${field}`, name: node[field] });
    if (wanted.length === 0) continue;
    const known = new Set(
      (
        (await db(TABLES[kind])
          .whereIn(
            'name',
            wanted.map((w) => w.name),
          )
          .pluck('name')) as string[]
      ).map(String),
    );
    for (const w of wanted)
      if (!known.has(w.name)) issues.push({ path: w.path, message: `no ${LABELS[kind]} named "${w.name}"` });
  }
  return issues;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
