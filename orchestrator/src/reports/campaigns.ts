import type { Db } from '../db/knex.js';

/**
 * What became of the calls campaigns placed over some days, per campaign: read from the calls themselves (their
 * `campaign_id` and disposition), so a campaign deleted since still has its row.
 */
export interface CampaignReportRow {
  readonly campaignId: number;
  /** Null: the campaign has been deleted since. */
  readonly campaign: string | null;
  /** Calls placed for it that have ended. */
  readonly calls: number;
  /** A person answered and talked to the agent. */
  readonly answered: number;
  /** An answering machine, hung up on. */
  readonly machine: number;
  /** An answering machine, left the campaign's message. */
  readonly machineMessage: number;
  readonly busy: number;
  readonly noAnswer: number;
  /** The agent's phone was not picked up: the customer was never dialled. */
  readonly notPlaced: number;
  /** Anything else: the trunk could not carry it, cancelled, failed. */
  readonly other: number;
  /** answered / the calls that dialled the customer (all but notPlaced); null when none did. */
  readonly answeredPct: number | null;
  readonly talkS: number;
  readonly avgTalkS: number | null;
}

const COUNTED = ['machine', 'machine_message', 'busy', 'no_answer', 'not_placed'] as const;

export async function campaignReport(
  db: Db,
  f: { from: Date; to: Date; queueIds?: readonly number[] },
): Promise<{ rows: CampaignReportRow[]; total: CampaignReportRow }> {
  const answered = 'c.answered_at is not null';
  const q = db('calls as c')
    .leftJoin('campaigns as k', 'k.id', 'c.campaign_id')
    .whereNotNull('c.campaign_id')
    .whereNotNull('c.ended_at')
    .where('c.arrived_at', '>=', f.from)
    .where('c.arrived_at', '<', f.to)
    .groupBy('c.campaign_id', 'k.name')
    .orderBy('c.campaign_id')
    .select('c.campaign_id', 'k.name')
    .count({ calls: '*' })
    .select(db.raw(`sum(case when ${answered} then 1 else 0 end) as answered`))
    .select(db.raw(`sum(case when ${answered} then coalesce(c.talk_s, 0) else 0 end) as talk_s`));
  // Only a call nobody answered counts by its disposition: an answered one is answered, whatever came after.
  for (const d of COUNTED)
    q.select(db.raw(`sum(case when not (${answered}) and c.disposition = ? then 1 else 0 end) as ??`, [d, d]));
  if (f.queueIds) q.whereIn('c.queue_id', [...f.queueIds]);
  const rows = ((await q) as Record<string, unknown>[]).map((r) =>
    rowOf({
      campaignId: Number(r.campaign_id),
      campaign: r.name == null ? null : String(r.name),
      ...countsOf((key) => Number(r[COLUMN_OF[key]] ?? 0)),
    }),
  );
  const total = rowOf({
    campaignId: 0,
    campaign: null,
    ...countsOf((key) => rows.reduce((n, r) => n + r[key], 0)),
  });
  return { rows, total };
}

type Counts = Omit<CampaignReportRow, 'campaignId' | 'campaign' | 'other' | 'answeredPct' | 'avgTalkS'>;

/** Each count and the column the query gives it in. */
const COLUMN_OF: Record<keyof Counts, string> = {
  calls: 'calls',
  answered: 'answered',
  machine: 'machine',
  machineMessage: 'machine_message',
  busy: 'busy',
  noAnswer: 'no_answer',
  notPlaced: 'not_placed',
  talkS: 'talk_s',
};

function countsOf(value: (key: keyof Counts) => number): Counts {
  return Object.fromEntries((Object.keys(COLUMN_OF) as (keyof Counts)[]).map((k) => [k, value(k)])) as Counts;
}

function rowOf(c: Counts & Pick<CampaignReportRow, 'campaignId' | 'campaign'>): CampaignReportRow {
  const dialled = c.calls - c.notPlaced;
  return {
    ...c,
    // Talk is kept to the millisecond; the report counts whole seconds, as its average does.
    talkS: Math.round(c.talkS),
    other: c.calls - c.answered - c.machine - c.machineMessage - c.busy - c.noAnswer - c.notPlaced,
    answeredPct: dialled > 0 ? Math.round((c.answered / dialled) * 1000) / 10 : null,
    avgTalkS: c.answered > 0 ? Math.round(c.talkS / c.answered) : null,
  };
}
