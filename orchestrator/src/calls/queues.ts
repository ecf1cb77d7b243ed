import type { Db } from '../db/knex.js';
import { parseJson } from '../db/time.js';
import type { SkillRequirement } from '../routing/types.js';

/** The queue settings the call flow acts on (routing/ owns the table; this is a read-only, briefly cached view). */
export interface QueueSettings {
  readonly id: number;
  readonly name: string;
  readonly displayName: string;
  readonly ringTimeoutSeconds: number;
  readonly wrapUpSeconds: number;
  readonly announceIntervalSeconds: number;
  readonly mohClass: string;
  readonly callbackDigit: string | null;
  readonly recordCalls: boolean;
  readonly whisperQueueName: boolean;
  readonly skills: readonly SkillRequirement[];
}

export class QueueSettingsStore {
  private readonly byId = new Map<number, { value: QueueSettings | null; at: number }>();
  private readonly idByName = new Map<string, { value: number | null; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 5_000,
  ) {}

  async get(id: number): Promise<QueueSettings | null> {
    const hit = this.byId.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const row = await this.db('queues').where({ id }).first();
    let value: QueueSettings | null = null;
    if (row) {
      const skills = await this.db('queue_skills as q')
        .join('skills as s', 's.id', 'q.skill_id')
        .where('q.queue_id', id)
        .select('s.name', 'q.min_level');
      value = {
        id: Number(row.id),
        name: String(row.name),
        displayName: String(row.display_name),
        ringTimeoutSeconds: Number(row.ring_timeout_s),
        wrapUpSeconds: Number(row.wrap_up_s),
        announceIntervalSeconds: Number(row.announce_interval_s),
        mohClass: String(row.moh_class || 'default'),
        callbackDigit: row.callback_digit ? String(row.callback_digit) : null,
        recordCalls: Boolean(row.record_calls),
        whisperQueueName: Boolean(row.whisper_queue_name),
        skills: skills.map((s: { name: string; min_level: number }) => ({
          skill: s.name,
          minLevel: Number(s.min_level),
        })),
      };
    }
    this.byId.set(id, { value, at: Date.now() });
    return value;
  }

  async byName(name: string): Promise<QueueSettings | null> {
    const hit = this.idByName.get(name);
    let id: number | null;
    if (hit && Date.now() - hit.at < this.ttlMs) id = hit.value;
    else {
      const row = await this.db('queues').where({ name }).first('id');
      id = row ? Number(row.id) : null;
      this.idByName.set(name, { value: id, at: Date.now() });
    }
    return id === null ? null : this.get(id);
  }
}

export function parseSkills(text: string | null): SkillRequirement[] {
  return parseJson<SkillRequirement[]>(text, []);
}
