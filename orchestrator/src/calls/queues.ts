import type { Db } from '../db/knex.js';
import { ReadThroughCache } from '../db/read-through-cache.js';
import { parseJson } from '../db/time.js';
import type { SkillRequirement } from '../routing/types.js';
import { surveyChannelOf, type SurveyChannel } from '../surveys/replies.js';

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
  /** The satisfaction survey its answered callers get. */
  readonly survey: SurveyChannel;
  /** The IVR survey's question, when the queue has its own (media such as sound:custom/acme-survey). */
  readonly surveyPrompt: string | null;
  /** Days its recordings are kept (the upload sets their retain_until from it). */
  readonly retentionDays: number;
  /** Its recordings are transcribed once stored. */
  readonly transcribe: boolean;
  readonly skills: readonly SkillRequirement[];
}

export class QueueSettingsStore {
  private readonly byId: ReadThroughCache<number, QueueSettings | null>;
  private readonly idByName: ReadThroughCache<string, number | null>;

  constructor(
    private readonly db: Db,
    ttlMs = 5_000,
  ) {
    this.byId = new ReadThroughCache((id) => this.load(id), { ttlMs });
    this.idByName = new ReadThroughCache(
      async (name) => {
        const row = await this.db('queues').where({ name }).first('id');
        return row ? Number(row.id) : null;
      },
      { ttlMs },
    );
  }

  get(id: number): Promise<QueueSettings | null> {
    return this.byId.get(id);
  }

  async byName(name: string): Promise<QueueSettings | null> {
    const id = await this.idByName.get(name);
    return id === null ? null : this.get(id);
  }

  private async load(id: number): Promise<QueueSettings | null> {
    const row = await this.db('queues').where({ id }).first();
    if (!row) return null;
    const skills = await this.db('queue_skills as q')
      .join('skills as s', 's.id', 'q.skill_id')
      .where('q.queue_id', id)
      .select('s.name', 'q.min_level');
    return {
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
      survey: surveyChannelOf(row.survey),
      surveyPrompt: row.survey_prompt ? String(row.survey_prompt) : null,
      retentionDays: Number(row.retention_days),
      transcribe: Boolean(Number(row.transcribe ?? 0)),
      skills: skills.map((s: { name: string; min_level: number }) => ({
        skill: s.name,
        minLevel: Number(s.min_level),
      })),
    };
  }
}

export function parseSkills(text: string | null): SkillRequirement[] {
  return parseJson<SkillRequirement[]>(text, []);
}
