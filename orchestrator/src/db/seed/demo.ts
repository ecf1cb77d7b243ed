import { hashPassword } from '../../auth/passwords.js';
import { FlowRepository } from '../../ivr/flows.js';
import type { Db } from '../knex.js';
import { seedCustomers, type SeedCustomersResult } from './customers.js';
import { MAIN_FLOW, ORDER_STATUS_FLOW } from './flows.js';
import { seedCallHistory, type CallHistoryOptions } from './history.js';
import { addDays } from '../../reports/day.js';
import { onShift, seedPresenceHistory, seedShiftPlan } from './presence.js';
import type { ScorecardQuestion } from '../../quality/score.js';
import { createScorecard, type ScorecardInput } from '../../quality/scorecards.js';
import { copyShifts, shiftsOnDays } from '../../shifts/repository.js';
import { acceptTrade, offerTrade, tradeCandidates, type TradeContext } from '../../shifts/trades.js';

/**
 * Demo data for `npm start` and `scripts/seed.ts`: a contact center in Shanghai and Chengdu selling online, with
 * 50 agents, 8 queues, routing rules (VIP, order history, menu choices), business hours with Chinese public
 * holidays, customers with orders and history, the demo IVR on DID 4007188668, and three users.
 */

export const DEMO_DID = '4007188668';
export const DEMO_ORDER_STATUS_DID = '4007188669';
/** A DID without an IVR flow: calls go straight to the router. */
export const DEMO_DIRECT_DID = '4007188000';
/** On the demo's do-not-call list: an agent who dials it sees the refusal. */
export const DEMO_DO_NOT_CALL = '+8613800000000';
/** A paused campaign of the demo, with the first customers as its contacts (the Campaigns page is not empty). */
export const DEMO_CAMPAIGN = { name: 'Renewal reminders', contacts: 20 } as const;

export const DEMO_SITES = ['shanghai', 'chengdu'] as const;

/** Hand-made customers the demo script and the tests call as: fixed numbers outside the generated 13x range. */
export const DEMO_CUSTOMERS = [
  {
    key: 'gold',
    name: '王芳',
    phone: '+8619900000001',
    tier: 'gold',
    language: 'zh',
    orders: [['20000001', 'in_transit']],
    contacts: ['billing'],
  },
  {
    key: 'diamond',
    name: '李强',
    phone: '+8619900000002',
    tier: 'diamond',
    language: 'zh',
    orders: [['20000002', 'paid']],
    contacts: ['sales'],
  },
  {
    key: 'logistics',
    name: '张伟',
    phone: '+8619900000003',
    tier: 'standard',
    language: 'zh',
    orders: [['20000003', 'exception']],
    contacts: ['logistics', 'logistics', 'billing'],
  },
  {
    key: 'standard',
    name: 'Emily Chen',
    phone: '+8619900000004',
    tier: 'standard',
    language: 'en',
    orders: [['20000004', 'delivered']],
    contacts: [],
  },
  {
    key: 'standard2',
    name: '赵敏',
    phone: '+8619900000005',
    tier: 'standard',
    language: 'zh',
    orders: [],
    contacts: ['technical'],
  },
] as const;

export const DEMO_USERS = [
  { username: 'admin', displayName: 'Administrator', role: 'admin', password: 'ariadne-admin' },
  { username: 'supervisor', displayName: '周主管 (Supervisor)', role: 'supervisor', password: 'ariadne-supervisor' },
  { username: 'agent', displayName: 'Agent 2001 刘洋', role: 'agent', password: 'ariadne-agent' },
] as const;

const SKILLS = [
  ['orders', 'Orders and returns'],
  ['logistics', 'Shipping and delivery'],
  ['billing', 'Invoices, payments, refunds'],
  ['technical', 'App and website support'],
  ['vip', 'Gold and diamond customers'],
  ['general', 'Anything'],
  ['sales', 'Pre-sales questions'],
  ['english', 'Speaks English'],
] as const;

/** Queues whose callers hear the IVR satisfaction survey when the agent hangs up. */
const SURVEY_QUEUES = new Set(['orders', 'general']);

/** Queue name → settings. Overflow steps follow routing/'s format (afterSeconds + action). */
const QUEUES = [
  {
    name: 'orders',
    display_name: '订单 Orders',
    skills: [['orders', 3]],
    overflow: [
      { afterSeconds: 60, action: 'widen_skills' },
      { afterSeconds: 120, action: 'add_site', site: 'chengdu' },
      { afterSeconds: 240, action: 'move_queue', queue: 'general' },
    ],
  },
  {
    name: 'logistics',
    display_name: '物流 Logistics',
    skills: [['logistics', 3]],
    overflow: [
      { afterSeconds: 45, action: 'widen_skills' },
      { afterSeconds: 180, action: 'move_queue', queue: 'backup' },
    ],
  },
  {
    name: 'billing',
    display_name: '账单 Billing',
    skills: [['billing', 3]],
    overflow: [{ afterSeconds: 90, action: 'move_queue', queue: 'general' }],
  },
  {
    name: 'technical',
    display_name: '技术支持 Technical support',
    skills: [['technical', 3]],
    overflow: [
      { afterSeconds: 60, action: 'widen_skills' },
      { afterSeconds: 300, action: 'move_queue', queue: 'general' },
    ],
  },
  {
    name: 'vip',
    display_name: '贵宾 VIP',
    skills: [['vip', 1]],
    ring: 15,
    wrap: 60,
    overflow: [{ afterSeconds: 30, action: 'move_queue', queue: 'general' }],
  },
  {
    name: 'general',
    display_name: '综合 General',
    skills: [['general', 1]],
    overflow: [{ afterSeconds: 120, action: 'add_site', site: 'chengdu' }],
  },
  {
    name: 'sales',
    display_name: '售前 Sales',
    skills: [['sales', 2]],
    overflow: [{ afterSeconds: 60, action: 'move_queue', queue: 'general' }],
  },
  { name: 'backup', display_name: '后备组 Backup group', skills: [['general', 1]], overflow: [] },
] as const;

/**
 * Routing rules, first match wins. Expressions are filtrex over the call attributes (routing/ documents the
 * names: tier, language, did, ivr values flattened as `ivr.<name>`, recent contact categories).
 */
export const DEMO_RULES = [
  {
    name: 'Diamond customers to VIP',
    expression: 'tier == "diamond"',
    queue: 'vip',
    priority: 90,
    skills: [{ skill: 'vip', minLevel: 1 }],
  },
  {
    name: 'Gold customers jump the line',
    expression: 'tier == "gold"',
    queue: 'general',
    priority: 50,
    skills: [{ skill: 'general', minLevel: 1 }],
  },
  {
    name: 'Repeat logistics callers to logistics',
    expression: 'recentCount("logistics") >= 2',
    queue: 'logistics',
    priority: 20,
    skills: [{ skill: 'logistics', minLevel: 3 }],
  },
  {
    name: 'Menu 1: orders',
    expression: 'ivr.menu == "1"',
    queue: 'orders',
    priority: 0,
    skills: [{ skill: 'orders', minLevel: 3 }],
  },
  {
    name: 'Menu 2: billing',
    expression: 'ivr.menu == "2"',
    queue: 'billing',
    priority: 0,
    skills: [{ skill: 'billing', minLevel: 3 }],
  },
  {
    name: 'Menu 3: technical',
    expression: 'ivr.menu == "3"',
    queue: 'technical',
    priority: 0,
    skills: [{ skill: 'technical', minLevel: 3 }],
  },
  {
    name: 'English speakers',
    expression: 'language == "en"',
    queue: 'general',
    priority: 0,
    skills: [{ skill: 'english', minLevel: 1 }],
  },
  { name: 'Default', expression: 'true', queue: 'general', priority: 0, skills: [], isDefault: true },
] as const;

/** Skills per agent number range (2001..2050): [first, last, site, skills]. Everyone also has general. */
const AGENT_GROUPS: ReadonlyArray<readonly [number, number, string, ReadonlyArray<readonly [string, number]>]> = [
  [
    2001,
    2010,
    'shanghai',
    [
      ['orders', 7],
      ['logistics', 5],
    ],
  ],
  [
    2011,
    2018,
    'shanghai',
    [
      ['billing', 7],
      ['sales', 4],
    ],
  ],
  [
    2019,
    2026,
    'shanghai',
    [
      ['technical', 8],
      ['english', 5],
    ],
  ],
  [
    2027,
    2030,
    'shanghai',
    [
      ['vip', 9],
      ['billing', 6],
      ['orders', 6],
      ['english', 7],
    ],
  ],
  [
    2031,
    2040,
    'chengdu',
    [
      ['logistics', 8],
      ['orders', 5],
    ],
  ],
  [
    2041,
    2045,
    'chengdu',
    [
      ['billing', 5],
      ['sales', 7],
    ],
  ],
  [
    2046,
    2050,
    'chengdu',
    [
      ['technical', 6],
      ['vip', 5],
    ],
  ],
];

const AGENT_NAMES = ['刘洋', '陈静', '杨磊', '赵娜', '黄勇', '周敏', '吴杰', '徐丽', '孙涛', '胡娟'];

export interface SeedDemoOptions {
  /** How many generated customers (besides the hand-made ones). Default 10,000. */
  readonly customers?: number;
  readonly now?: Date;
  /** Re-seed even if queues already exist (tests on an empty database never need it). */
  readonly force?: boolean;
  /**
   * Business hours `main` open around the clock with no holidays, so a demo watched from another time zone
   * reaches agents instead of the after-hours branch (the real Shanghai hours and holidays live on as `shanghai`).
   */
  readonly alwaysOpen?: boolean;
  /** Past days to fill with calls (`history.ts`), each with its local midnight; none by default. */
  readonly historyDays?: CallHistoryOptions['days'];
  /**
   * The rota as shifts (shifts/) for the history's days and these after them (today and the days ahead), on the
   * contact center's clock; none by default.
   */
  readonly schedule?: { readonly timeZone: string; readonly days: readonly string[] };
}

export interface SeedDemoResult {
  readonly skipped: boolean;
  readonly agents: number;
  readonly queues: number;
  readonly customers: SeedCustomersResult | null;
  readonly queueIds: Readonly<Record<string, number>>;
  readonly agentIds: Readonly<Record<string, number>>;
  readonly history: {
    readonly calls: number;
    readonly events: number;
    readonly surveys: number;
    readonly presenceSpans: number;
  } | null;
  /** Shifts planned (`schedule`). */
  readonly shifts: number;
}

async function insertId(db: Db, table: string, row: Record<string, unknown>): Promise<number> {
  const [id] = await db(table).insert(row);
  return Number(id);
}

/** Seeds the demo contact center. Does nothing when queues exist already (so `npm start` can always call it). */
/** The quality team's form for inbound service calls: five questions, two of them compliance. */
export const DEMO_SCORECARD: ScorecardInput & { name: string; questions: ScorecardQuestion[] } = {
  name: 'Service call basics',
  description: 'Inbound service calls: greeting, identity check, resolution, no promises we cannot keep, close',
  questions: [
    {
      key: 'greeting',
      text: 'Greeted the caller with the company and their own name',
      weight: 1,
      critical: false,
      allowNa: false,
    },
    {
      key: 'identity',
      text: 'Checked identity before discussing an order or account',
      weight: 3,
      critical: true,
      allowNa: true,
    },
    {
      key: 'resolved',
      text: 'Resolved the request or set a clear next step',
      weight: 4,
      critical: false,
      allowNa: false,
    },
    {
      key: 'promises',
      text: 'Made no refund or delivery promise outside policy',
      weight: 2,
      critical: true,
      allowNa: false,
    },
    {
      key: 'close',
      text: 'Summarised and offered further help before closing',
      weight: 1,
      critical: false,
      allowNa: false,
    },
  ],
};

/**
 * Two trades of the last planned day's shifts, so the workspace and the Schedule page show them: a give-away a
 * colleague accepted, waiting for a supervisor, and a shift offered to anyone. None for shifts already begun.
 */
async function seedTrades(db: Db, day: string, ctx: TradeContext): Promise<void> {
  const shifts = (await shiftsOnDays(db, day, day, { timeZone: ctx.timeZone })).filter(
    (s) => Date.parse(s.start) > ctx.now.getTime(),
  );
  const [given, open] = [shifts[0], shifts.find((s) => s.agentId !== shifts[0]?.agentId)];
  if (!given || !open) return;
  const taker = (await tradeCandidates(db, given.id, ctx)).find((c) => c.busy === null && c.agentId !== open.agentId);
  if (taker) {
    const trade = await offerTrade(
      db,
      given.agentId,
      { shiftId: given.id, toAgentId: taker.agentId, note: 'school run' },
      ctx,
    );
    await acceptTrade(db, trade.id, taker.agentId, ctx);
  }
  await offerTrade(db, open.agentId, { shiftId: open.id, note: 'anyone?' }, ctx);
}

export async function seedDemo(db: Db, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const existing = await db('queues').count({ n: '*' }).first();
  if (Number(existing?.n ?? 0) > 0 && !options.force) {
    return {
      skipped: true,
      agents: 0,
      queues: 0,
      customers: null,
      queueIds: {},
      agentIds: {},
      history: null,
      shifts: 0,
    };
  }
  const now = options.now ?? new Date();

  // --- users (scrypt is slow on purpose: only three) ----------------------------------------------------------
  const userIds: Record<string, number> = {};
  for (const u of DEMO_USERS) {
    userIds[u.username] = await insertId(db, 'users', {
      username: u.username,
      display_name: u.displayName,
      role: u.role,
      password_hash: await hashPassword(u.password),
      active: true,
    });
  }

  // --- skills, business hours, queues -----------------------------------------------------------------------
  const skillIds: Record<string, number> = {};
  for (const [name, description] of SKILLS) skillIds[name] = await insertId(db, 'skills', { name, description });

  const weekly = {
    mon: [['09:00', '21:00']],
    tue: [['09:00', '21:00']],
    wed: [['09:00', '21:00']],
    thu: [['09:00', '21:00']],
    fri: [['09:00', '21:00']],
    sat: [['10:00', '18:00']],
    sun: [['10:00', '18:00']],
  };
  const allDay = Object.fromEntries(Object.keys(weekly).map((d) => [d, [['00:00', '24:00']]]));
  const hoursId = await insertId(db, 'business_hours', {
    name: 'main',
    timezone: 'Asia/Shanghai',
    weekly: JSON.stringify(options.alwaysOpen ? allDay : weekly),
  });
  // With alwaysOpen the real hours and holidays live on as `shanghai`.
  const shanghaiId = options.alwaysOpen
    ? await insertId(db, 'business_hours', {
        name: 'shanghai',
        timezone: 'Asia/Shanghai',
        weekly: JSON.stringify(weekly),
      })
    : hoursId;
  await insertId(db, 'business_hours', {
    name: 'always',
    timezone: 'Asia/Shanghai',
    weekly: JSON.stringify(Object.fromEntries(Object.keys(weekly).map((d) => [d, [['00:00', '24:00']]]))),
  });
  const holidays: Array<[string, string, string[][] | null]> = [
    ['2026-10-01', '国庆节 National Day', null],
    ['2026-10-02', '国庆节 National Day', null],
    ['2026-10-03', '国庆节 National Day', null],
    ['2026-10-04', '国庆节 National Day', [['10:00', '16:00']]],
    ['2026-10-05', '国庆节 National Day', [['10:00', '16:00']]],
    ['2026-12-31', '跨年 New Year Eve', [['09:00', '15:00']]],
    ['2027-01-01', '元旦 New Year', null],
    ['2027-02-06', '春节 Spring Festival', null],
    ['2027-02-07', '春节 Spring Festival', null],
    ['2027-02-08', '春节 Spring Festival', null],
    ['2027-02-09', '春节 Spring Festival', [['10:00', '16:00']]],
    ['2027-04-05', '清明节 Qingming', null],
    ['2027-05-01', '劳动节 Labour Day', null],
  ];
  await db('holidays').insert(
    holidays.map(([day, name, spans]) => ({
      business_hours_id: shanghaiId,
      day,
      name,
      open_spans: spans ? JSON.stringify(spans) : null,
    })),
  );

  const queueIds: Record<string, number> = {};
  for (const q of QUEUES) {
    queueIds[q.name] = await insertId(db, 'queues', {
      name: q.name,
      display_name: q.display_name,
      strategy: q.name === 'vip' ? 'skill_score' : 'longest_idle',
      ring_timeout_s: 'ring' in q ? q.ring : 20,
      wrap_up_s: 'wrap' in q ? q.wrap : 30,
      service_level_s: q.name === 'vip' ? 10 : 20,
      max_wait_s: q.name === 'backup' ? 900 : 600,
      max_wait_action: q.name === 'vip' ? 'callback' : 'voicemail',
      announce_interval_s: 30,
      moh_class: 'default',
      callback_digit: '*',
      record_calls: true,
      whisper_queue_name: q.name === 'vip',
      survey: SURVEY_QUEUES.has(q.name) ? 'ivr' : 'none',
      business_hours_id: hoursId,
      overflow: JSON.stringify(q.overflow),
    });
  }
  // The demo supervisor supervises every demo queue (a new queue is assigned in Users).
  await db('supervisor_queues').insert(
    Object.values(queueIds).map((queue_id) => ({ user_id: userIds.supervisor, queue_id })),
  );
  for (const q of QUEUES) {
    await db('queue_skills').insert(
      q.skills.map(([skill, min]) => ({ queue_id: queueIds[q.name], skill_id: skillIds[skill], min_level: min })),
    );
  }
  await db('routing_rules').insert(
    DEMO_RULES.map((r, i) => ({
      position: (i + 1) * 10,
      name: r.name,
      expression: r.expression,
      queue_id: queueIds[r.queue],
      priority: r.priority,
      required_skills: JSON.stringify(r.skills),
      enabled: true,
      is_default: 'isDefault' in r && r.isDefault === true,
    })),
  );

  // --- agents -----------------------------------------------------------------------------------------------
  const agentIds: Record<string, number> = {};
  const agentSkillRows: Record<string, unknown>[] = [];
  for (const [first, last, site, skills] of AGENT_GROUPS) {
    for (let n = first; n <= last; n++) {
      const endpoint = `PJSIP/${n}`;
      const id = await insertId(db, 'agents', {
        user_id: n === 2001 ? userIds.agent : null,
        name: `${AGENT_NAMES[(n - 2001) % AGENT_NAMES.length]} ${n}`,
        endpoint,
        site,
        capacity: 1,
        state: 'logged_out',
        state_since: now,
      });
      agentIds[endpoint] = id;
      agentSkillRows.push({ agent_id: id, skill_id: skillIds.general, level: 5 });
      for (const [skill, level] of skills) agentSkillRows.push({ agent_id: id, skill_id: skillIds[skill], level });
    }
  }
  await db('agent_skills').insert(agentSkillRows);

  // --- customers --------------------------------------------------------------------------------------------
  for (const c of DEMO_CUSTOMERS) {
    const id = await insertId(db, 'customers', {
      name: c.name,
      tier: c.tier,
      language: c.language,
      email: null,
      external_ref: `DEMO-${c.key}`,
    });
    await db('customer_phones').insert({ customer_id: id, e164: c.phone, label: 'mobile' });
    for (const [orderNo, status] of c.orders) {
      const shipped = status !== 'paid';
      await db('orders').insert({
        customer_id: id,
        order_no: orderNo,
        status,
        total_cents: 29_900,
        currency: 'CNY',
        carrier: shipped ? 'SF Express' : null,
        tracking_no: shipped ? `SF${orderNo}0000` : null,
        shipping_address: '上海市浦东新区世纪大道100号',
        eta: new Date(now.getTime() + 2 * 86_400_000).toISOString().slice(0, 10),
      });
    }
    let minutesAgo = 60;
    for (const category of c.contacts) {
      const started = new Date(now.getTime() - minutesAgo * 60_000 * 24);
      minutesAgo *= 2;
      await db('contacts').insert({
        customer_id: id,
        channel: 'phone',
        category,
        outcome: 'unresolved',
        started_at: started,
        ended_at: new Date(started.getTime() + 300_000),
      });
    }
  }
  const customers = await seedCustomers(db, options.customers ?? 10_000, { now });

  // --- IVR ------------------------------------------------------------------------------------------------------
  const flows = new FlowRepository(db, 0);
  await flows.saveAndPublish(
    'main',
    MAIN_FLOW,
    'seed',
    'Main menu: orders and logistics, billing, technical support, agent; after hours',
  );
  await flows.saveAndPublish('order-status', ORDER_STATUS_FLOW, 'seed', 'Order status self-service line');
  await flows.mapDid(DEMO_DID, 'main', 'Main service number 400-718-8668');
  await flows.mapDid(DEMO_ORDER_STATUS_DID, 'order-status', 'Order status line');
  await db('dids').insert({ number: DEMO_DIRECT_DID, ivr_flow_id: null, description: 'Direct line: router only' });
  await db('do_not_call').insert({
    e164: DEMO_DO_NOT_CALL,
    reason: 'Demo: asked not to be called again',
    created_at: now,
  });
  await createScorecard(db, DEMO_SCORECARD, now);
  const [campaignId] = await db('campaigns').insert({
    name: DEMO_CAMPAIGN.name,
    queue_id: queueIds.general,
    state: 'paused',
    hours: 'always',
    max_attempts: 3,
    retry_minutes: 60,
    script:
      'Hello {contact}, this is {agent} from Ariadne Retail. Your annual membership renews next month: may I take ' +
      'two minutes to go through the new plans?\n\nIf they are busy: offer "Call back later" and book the time ' +
      'they choose. If they ask not to be called again: "Do not call this number".',
    // Answering machines are left the callback message (asterisk-conf/sounds/ariadne/prompts.txt).
    machine_detection: 'message',
    machine_message: 'ariadne/campaign-message',
    created_at: now,
    updated_at: now,
  });
  const reminded = (await db('customer_phones as p')
    .join('customers as c', 'c.id', 'p.customer_id')
    .orderBy('p.customer_id')
    .limit(DEMO_CAMPAIGN.contacts)
    .select('p.e164', 'c.name')) as { e164: string; name: string }[];
  await db('campaign_contacts').insert(
    reminded.map((r) => ({
      campaign_id: Number(campaignId),
      e164: r.e164,
      name: r.name,
      state: 'pending',
      attempts: 0,
      updated_at: now,
    })),
  );

  let history: SeedDemoResult['history'] = null;
  if (options.historyDays?.length) {
    const phones = (await db('customer_phones').orderBy('customer_id').limit(2000).select('e164', 'customer_id')) as {
      e164: string;
      customer_id: number;
    }[];
    const presence = await seedPresenceHistory(db, { days: options.historyDays, agentIds: Object.values(agentIds) });
    const calls = await seedCallHistory(db, {
      days: options.historyDays,
      queueIds,
      agentIds: Object.values(agentIds),
      agentsAt: onShift(presence.shifts),
      callers: phones.map((p) => ({ e164: p.e164, customerId: Number(p.customer_id) })),
      dids: { ivr: DEMO_DID, direct: DEMO_DIRECT_DID },
      surveyQueueIds: [...SURVEY_QUEUES].flatMap((name) => (queueIds[name] === undefined ? [] : [queueIds[name]])),
    });
    history = { ...calls, presenceSpans: presence.spans };
  }
  const shifts = options.schedule
    ? await seedShiftPlan(db, {
        days: [...(options.historyDays ?? []).map((d) => d.day), ...options.schedule.days],
        agentIds: Object.values(agentIds),
        timeZone: options.schedule.timeZone,
        now,
      })
    : 0;
  const lastPlanned = options.schedule?.days.at(-1);
  if (lastPlanned) {
    // A request waiting for a supervisor, so the Schedule page shows one: three days after the planned week.
    const [first] = Object.values(agentIds);
    await db('time_off').insert({
      agent_id: first,
      from_day: addDays(lastPlanned, 3),
      to_day: addDays(lastPlanned, 5),
      kind: 'vacation',
      note: 'family visit',
      status: 'pending',
      requested_at: now,
    });
    await seedTrades(db, lastPlanned, { now, timeZone: options.schedule!.timeZone });
    // The day after begun as drafts, so the Schedule page shows a rota not yet published.
    await copyShifts(
      db,
      { fromDay: lastPlanned, toDay: addDays(lastPlanned, 1), days: 1 },
      { timeZone: options.schedule!.timeZone, by: null, now, draft: true },
    );
  }

  return {
    skipped: false,
    agents: Object.keys(agentIds).length,
    queues: QUEUES.length,
    customers,
    queueIds,
    agentIds,
    history,
    shifts,
  };
}
