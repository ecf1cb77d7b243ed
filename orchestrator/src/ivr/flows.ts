import type { Db } from '../db/knex.js';
import { ReadThroughCache } from '../db/read-through-cache.js';
import { parseJson, toDate } from '../db/time.js';
import { unknownNamesIn } from './references.js';
import { validateFlow, type FlowDocument, type FlowIssue } from './schema.js';

/** A flow problem the API can show as-is: a code plus, for invalid documents, every issue with its path. */
export class FlowError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'no_previous_version',
    message: string,
    readonly issues: readonly FlowIssue[] = [],
  ) {
    super(message);
    this.name = 'FlowError';
  }
}

export interface FlowVersionInfo {
  readonly flowId: number;
  readonly name: string;
  readonly version: number;
  readonly published: boolean;
  readonly createdBy: string | null;
  readonly createdAt: Date | null;
}

export interface PublishOptions {
  /**
   * Refuse a version that names business hours or queues that do not exist (what an admin publishes). The call
   * flow still survives such a flow, by its fallback; tests of that fallback publish one on purpose.
   */
  readonly namesMustExist?: boolean;
}

export interface PublishedFlow {
  readonly flowId: number;
  readonly name: string;
  readonly version: number;
  readonly document: FlowDocument;
}

/**
 * Versioned flows: every save is a new immutable version; `published_version` says which one callers hear.
 * Publishing re-validates, so a document that became invalid (e.g. schema tightened) is never put live.
 */
export class FlowRepository {
  private readonly didCache: ReadThroughCache<string, PublishedFlow | null>;

  constructor(
    private readonly db: Db,
    cacheTtlMs = 5_000,
  ) {
    this.didCache = new ReadThroughCache((did) => this.loadForDid(did), { ttlMs: cacheTtlMs });
  }

  /** Validates and stores a new version (creating the flow on first save). Does not publish. */
  async saveVersion(
    name: string,
    document: unknown,
    createdBy: string | null = null,
    description?: string,
  ): Promise<FlowVersionInfo> {
    const result = validateFlow(document);
    if (!result.ok)
      throw new FlowError(
        'invalid',
        `flow "${name}" is invalid: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        result.issues,
      );
    return this.db.transaction(async (trx) => {
      let flow = await trx('ivr_flows').where({ name }).forUpdate().first('id', 'published_version');
      if (!flow) {
        const [id] = await trx('ivr_flows').insert({ name, description: description ?? null });
        flow = { id: Number(id), published_version: null };
      }
      const last = await trx('ivr_flow_versions').where({ flow_id: flow.id }).max({ v: 'version' }).first();
      const version = Number(last?.v ?? 0) + 1;
      const createdAt = new Date();
      await trx('ivr_flow_versions').insert({
        flow_id: flow.id,
        version,
        document: JSON.stringify(result.flow),
        created_by: createdBy,
        created_at: createdAt,
      });
      await trx('ivr_flows').where({ id: flow.id }).update({ updated_at: createdAt });
      return { flowId: Number(flow.id), name, version, published: false, createdBy, createdAt };
    });
  }

  async publish(name: string, version: number, options: PublishOptions = {}): Promise<void> {
    const flow = await this.db('ivr_flows').where({ name }).first('id');
    if (!flow) throw new FlowError('not_found', `no flow named "${name}"`);
    const row = await this.db('ivr_flow_versions').where({ flow_id: flow.id, version }).first('document');
    if (!row) throw new FlowError('not_found', `flow "${name}" has no version ${version}`);
    const result = validateFlow(parseJson<unknown>(row.document, null));
    if (!result.ok) throw new FlowError('invalid', `flow "${name}" version ${version} is invalid`, result.issues);
    if (options.namesMustExist) await this.requireKnownNames(`flow "${name}" version ${version}`, result.flow);
    await this.db('ivr_flows').where({ id: flow.id }).update({ published_version: version, updated_at: new Date() });
    this.didCache.clear();
  }

  /** Saves and publishes in one step (seeding, simple admin edits). */
  async saveAndPublish(
    name: string,
    document: unknown,
    createdBy: string | null = null,
    description?: string,
  ): Promise<FlowVersionInfo> {
    const saved = await this.saveVersion(name, document, createdBy, description);
    await this.publish(name, saved.version);
    return { ...saved, published: true };
  }

  /** Refuses (as invalid) a flow that names business hours or queues that do not exist. */
  async requireKnownNames(what: string, flow: FlowDocument): Promise<void> {
    const issues = await unknownNamesIn(this.db, flow);
    if (issues.length > 0)
      throw new FlowError(
        'invalid',
        `${what} names what does not exist: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
  }

  /** Publishes the newest version older than the published one. */
  async rollback(name: string, options: PublishOptions = {}): Promise<number> {
    const flow = await this.db('ivr_flows').where({ name }).first('id', 'published_version');
    if (!flow) throw new FlowError('not_found', `no flow named "${name}"`);
    const current = flow.published_version == null ? Number.MAX_SAFE_INTEGER : Number(flow.published_version);
    const prev = await this.db('ivr_flow_versions')
      .where({ flow_id: flow.id })
      .where('version', '<', current)
      .max({ v: 'version' })
      .first();
    if (prev?.v == null) throw new FlowError('no_previous_version', `flow "${name}" has no version before ${current}`);
    await this.publish(name, Number(prev.v), options);
    return Number(prev.v);
  }

  async versions(name: string): Promise<FlowVersionInfo[]> {
    const flow = await this.db('ivr_flows').where({ name }).first('id', 'published_version');
    if (!flow) throw new FlowError('not_found', `no flow named "${name}"`);
    const rows = await this.db('ivr_flow_versions')
      .where({ flow_id: flow.id })
      .orderBy('version', 'desc')
      .select('version', 'created_by', 'created_at');
    return rows.map((r: Record<string, unknown>) => ({
      flowId: Number(flow.id),
      name,
      version: Number(r.version),
      published: Number(r.version) === Number(flow.published_version),
      createdBy: (r.created_by as string | null) ?? null,
      createdAt: toDate(r.created_at),
    }));
  }

  async getVersion(name: string, version: number): Promise<FlowDocument | null> {
    const row = await this.db('ivr_flow_versions as v')
      .join('ivr_flows as f', 'f.id', 'v.flow_id')
      .where({ 'f.name': name, 'v.version': version })
      .first('v.document');
    return row ? parseJson<FlowDocument | null>(row.document, null) : null;
  }

  async getPublished(name: string): Promise<PublishedFlow | null> {
    const row = await this.db('ivr_flows as f')
      .join('ivr_flow_versions as v', function join() {
        this.on('v.flow_id', '=', 'f.id').andOn('v.version', '=', 'f.published_version');
      })
      .where('f.name', name)
      .first('f.id', 'f.name', 'v.version', 'v.document');
    return row ? toPublished(row) : null;
  }

  /** The published flow for a DID (the Stasis argument), or null when the DID has none. Cached briefly. */
  forDid(did: string): Promise<PublishedFlow | null> {
    return this.didCache.get(did);
  }

  private async loadForDid(did: string): Promise<PublishedFlow | null> {
    const row = await this.db('dids as d')
      .join('ivr_flows as f', 'f.id', 'd.ivr_flow_id')
      .join('ivr_flow_versions as v', function join() {
        this.on('v.flow_id', '=', 'f.id').andOn('v.version', '=', 'f.published_version');
      })
      .where('d.number', did)
      .first('f.id', 'f.name', 'v.version', 'v.document');
    return row ? toPublished(row) : null;
  }

  async mapDid(number: string, flowName: string, description?: string): Promise<void> {
    const flow = await this.db('ivr_flows').where({ name: flowName }).first('id');
    if (!flow) throw new FlowError('not_found', `no flow named "${flowName}"`);
    const existing = await this.db('dids').where({ number }).first('id');
    if (existing)
      await this.db('dids')
        .where({ id: existing.id })
        .update({ ivr_flow_id: flow.id, description: description ?? null });
    else await this.db('dids').insert({ number, ivr_flow_id: flow.id, description: description ?? null });
    this.didCache.delete(number);
  }
}

function toPublished(row: Record<string, unknown>): PublishedFlow | null {
  // A stored document is re-validated on load: defaults are applied and a corrupt row never reaches a caller.
  const result = validateFlow(parseJson<unknown>(row.document, null));
  if (!result.ok) return null;
  return { flowId: Number(row.id), name: String(row.name), version: Number(row.version), document: result.flow };
}
