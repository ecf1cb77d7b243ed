import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { mapRow } from '../db/rows.js';
import { questionsSchema, type ScorecardQuestion } from './score.js';

export interface Scorecard {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly questions: readonly ScorecardQuestion[];
  /** Inactive scorecards keep their evaluations but are not offered for new ones. */
  readonly active: boolean;
  readonly evaluations: number;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export const scorecardInput = z
  .object({
    name: z.string().trim().min(1, 'required').max(128),
    description: z.string().trim().max(1000).nullable(),
    questions: questionsSchema,
    active: z.boolean(),
  })
  .partial()
  .strict();

export type ScorecardInput = z.output<typeof scorecardInput>;

/** The way every resource maps its rows (db/rows.ts): camelCase, ISO times, JSON parsed, flags as booleans. */
function toScorecard(row: Record<string, unknown>): Scorecard {
  return mapRow(row, { json: ['questions'], bools: ['active'], numbers: ['evaluations'] }) as unknown as Scorecard;
}

function withUse(db: Db) {
  const used = db('evaluations').count('*').where('evaluations.scorecard_id', db.ref('s.id')).as('evaluations');
  return db('scorecards as s').select('s.*', used);
}

export async function listScorecards(db: Db, filter: { active?: boolean } = {}): Promise<Scorecard[]> {
  const q = withUse(db).orderBy('s.name');
  if (filter.active !== undefined) q.where('s.active', filter.active);
  return ((await q) as Record<string, unknown>[]).map(toScorecard);
}

export async function getScorecard(db: Db, id: number): Promise<Scorecard | null> {
  const row = (await withUse(db).where('s.id', id).first()) as Record<string, unknown> | undefined;
  return row ? toScorecard(row) : null;
}

export async function createScorecard(
  db: Db,
  input: ScorecardInput & Pick<Required<ScorecardInput>, 'name' | 'questions'>,
  now = new Date(),
): Promise<Scorecard> {
  const [id] = await db('scorecards').insert({
    name: input.name,
    description: input.description ?? null,
    questions: JSON.stringify(input.questions),
    active: input.active ?? true,
    created_at: now,
    updated_at: now,
  });
  const created = await getScorecard(db, Number(id));
  if (!created) throw new Error(`scorecard ${String(id)} vanished after insert`);
  return created;
}

/** Past evaluations keep the questions they were scored on: an edit applies to the next ones only. */
export async function updateScorecard(
  db: Db,
  id: number,
  input: ScorecardInput,
  now = new Date(),
): Promise<Scorecard | null> {
  const changes: Record<string, unknown> = { updated_at: now };
  if (input.name !== undefined) changes.name = input.name;
  if (input.description !== undefined) changes.description = input.description;
  if (input.questions !== undefined) changes.questions = JSON.stringify(input.questions);
  if (input.active !== undefined) changes.active = input.active;
  const n = await db('scorecards').where({ id }).update(changes);
  return n === 0 ? null : getScorecard(db, id);
}

/** A scorecard with evaluations stays (deactivate it instead): their report groups by it. */
export async function deleteScorecard(db: Db, id: number): Promise<'deleted' | 'missing' | 'in_use'> {
  const used = await db('evaluations').where({ scorecard_id: id }).first('id');
  if (used) return 'in_use';
  return (await db('scorecards').where({ id }).delete()) > 0 ? 'deleted' : 'missing';
}
