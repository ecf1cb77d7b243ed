import type { Knex } from 'knex';

/**
 * The core schema every module builds on. JSON documents are stored as text (portable across MySQL, MariaDB
 * and SQLite, parsed by the owning repository). Times are DATETIME(3) in UTC.
 *
 * Tables are grouped by the module that owns them (DESIGN.md: a folder owns its tables).
 */

const TIERS = ['standard', 'gold', 'diamond'] as const;
const ROLES = ['admin', 'supervisor', 'agent'] as const;
const AGENT_STATES = ['logged_out', 'available', 'reserved', 'on_call', 'wrap_up', 'paused'] as const;
const STRATEGIES = ['longest_idle', 'fewest_calls', 'skill_score', 'round_robin', 'ring_all'] as const;

/**
 * Default "now" in the form each dialect's driver reads back: DATETIME(3) on MySQL; on SQLite, where knex's
 * better-sqlite3 driver stores a JS Date as epoch milliseconds, the same epoch milliseconds.
 */
function now(knex: Knex): Knex.Raw {
  return knex.client.config.client === 'better-sqlite3'
    ? knex.raw("(CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER))")
    : knex.fn.now(3);
}

function stamps(t: Knex.CreateTableBuilder, knex: Knex): void {
  t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
  t.datetime('updated_at', { precision: 3 }).notNullable().defaultTo(now(knex));
}

export async function up(knex: Knex): Promise<void> {
  // --- auth -------------------------------------------------------------------------------------------------
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('username', 64).notNullable().unique();
    t.string('display_name', 128).notNullable();
    t.string('password_hash', 255).notNullable();
    t.enu('role', ROLES).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    stamps(t, knex);
  });
  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.string('name', 128).notNullable();
    t.string('token_hash', 128).notNullable().unique();
    t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
    t.datetime('last_used_at', { precision: 3 });
    t.datetime('revoked_at', { precision: 3 });
  });
  await knex.schema.createTable('sessions', (t) => {
    t.string('id_hash', 128).primary();
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.datetime('expires_at', { precision: 3 }).notNullable().index();
    t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.datetime('at', { precision: 3 }).notNullable().defaultTo(now(knex)).index();
    t.integer('user_id').unsigned().references('users.id').onDelete('SET NULL');
    t.string('actor', 128).notNullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 64);
    t.string('target_id', 64);
    t.text('details');
    t.string('ip', 64);
    t.index(['target_type', 'target_id']);
  });

  // --- crm --------------------------------------------------------------------------------------------------
  await knex.schema.createTable('customers', (t) => {
    t.increments('id');
    t.string('external_ref', 64).unique();
    t.string('name', 128).notNullable().index();
    t.string('email', 191);
    t.enu('tier', TIERS).notNullable().defaultTo('standard');
    t.string('language', 8).notNullable().defaultTo('en');
    t.string('company', 128);
    t.text('notes');
    stamps(t, knex);
  });
  await knex.schema.createTable('customer_phones', (t) => {
    t.increments('id');
    t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
    // E.164 with the +: identification looks customers up by this column alone.
    t.string('e164', 20).notNullable().index();
    t.string('label', 32).notNullable().defaultTo('mobile');
    t.index(['customer_id']);
  });
  await knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
    t.string('order_no', 32).notNullable().unique();
    t.string('status', 24).notNullable(); // pending, paid, shipped, in_transit, delivered, cancelled, returned
    t.integer('total_cents').notNullable().defaultTo(0);
    t.string('currency', 3).notNullable().defaultTo('CNY');
    t.string('carrier', 64);
    t.string('tracking_no', 64);
    t.string('shipping_address', 255);
    t.date('eta');
    stamps(t, knex);
    t.index(['customer_id', 'status']);
  });
  await knex.schema.createTable('contacts', (t) => {
    t.bigIncrements('id');
    t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
    t.string('channel', 16).notNullable(); // phone, email, chat, sms
    t.string('category', 32).notNullable(); // logistics, billing, technical, sales, other
    t.string('outcome', 32).notNullable(); // resolved, unresolved, escalated, abandoned, callback
    t.integer('agent_id').unsigned();
    t.string('call_id', 36);
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('ended_at', { precision: 3 });
    t.text('notes');
    t.index(['customer_id', 'started_at']);
  });

  // --- agents, skills, queues, routing ----------------------------------------------------------------------
  await knex.schema.createTable('skills', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('description', 255);
  });
  await knex.schema.createTable('agents', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().unique().references('users.id').onDelete('SET NULL');
    t.string('name', 128).notNullable();
    // The SIP endpoint the agent is normally bound to (e.g. PJSIP/2001); login may bind another.
    t.string('endpoint', 64).notNullable().unique();
    t.string('site', 64).notNullable().defaultTo('main');
    t.integer('capacity').notNullable().defaultTo(1);
    // Live presence, shared by every orchestrator: changed only by conditional updates (see agents/ repository).
    t.enu('state', AGENT_STATES).notNullable().defaultTo('logged_out');
    t.datetime('state_since', { precision: 3 }).notNullable().defaultTo(now(knex));
    t.string('pause_reason', 64);
    t.string('bound_endpoint', 64);
    t.string('reserved_call_id', 36);
    t.datetime('wrap_up_until', { precision: 3 });
    t.datetime('last_call_ended_at', { precision: 3 });
    t.integer('calls_today').notNullable().defaultTo(0);
    t.integer('missed_in_row').notNullable().defaultTo(0);
    t.integer('version').notNullable().defaultTo(0);
    stamps(t, knex);
    t.index(['state', 'last_call_ended_at']);
  });
  await knex.schema.createTable('agent_skills', (t) => {
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.integer('skill_id').unsigned().notNullable().references('skills.id').onDelete('CASCADE');
    t.integer('level').notNullable().defaultTo(5); // 1..10
    t.primary(['agent_id', 'skill_id']);
    t.index(['skill_id', 'level']);
  });
  await knex.schema.createTable('business_hours', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('timezone', 64).notNullable().defaultTo('Asia/Shanghai');
    // {"mon":[["09:00","18:00"]], ...}: a day may hold several open spans.
    t.text('weekly').notNullable();
    stamps(t, knex);
  });
  await knex.schema.createTable('holidays', (t) => {
    t.increments('id');
    t.integer('business_hours_id').unsigned().notNullable().references('business_hours.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.string('name', 128).notNullable();
    t.text('open_spans'); // null = closed all day; else [["10:00","14:00"]]
    t.unique(['business_hours_id', 'day']);
  });
  await knex.schema.createTable('queues', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('display_name', 128).notNullable();
    t.enu('strategy', STRATEGIES).notNullable().defaultTo('longest_idle');
    t.integer('ring_timeout_s').notNullable().defaultTo(20);
    t.integer('wrap_up_s').notNullable().defaultTo(30);
    t.integer('service_level_s').notNullable().defaultTo(20);
    t.integer('max_wait_s').notNullable().defaultTo(600);
    t.string('max_wait_action', 16).notNullable().defaultTo('voicemail'); // voicemail, callback, hangup, queue
    t.string('max_wait_target', 64);
    t.integer('announce_interval_s').notNullable().defaultTo(30);
    t.string('moh_class', 64).notNullable().defaultTo('default');
    t.string('callback_digit', 1).defaultTo('*');
    t.boolean('join_when_empty').notNullable().defaultTo(true);
    t.boolean('leave_when_empty').notNullable().defaultTo(false);
    t.boolean('record_calls').notNullable().defaultTo(true);
    t.integer('retention_days').notNullable().defaultTo(90);
    t.integer('auto_pause_after_misses').notNullable().defaultTo(3);
    t.boolean('whisper_queue_name').notNullable().defaultTo(false);
    t.integer('business_hours_id').unsigned().references('business_hours.id').onDelete('SET NULL');
    // [{"afterSeconds":60,"action":"widen_skills"|"add_site"|"move_queue","site":"...","queue":"..."}]
    t.text('overflow').notNullable().defaultTo('[]');
    stamps(t, knex);
  });
  await knex.schema.createTable('queue_skills', (t) => {
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.integer('skill_id').unsigned().notNullable().references('skills.id').onDelete('CASCADE');
    t.integer('min_level').notNullable().defaultTo(1);
    t.primary(['queue_id', 'skill_id']);
  });
  await knex.schema.createTable('routing_rules', (t) => {
    t.increments('id');
    t.integer('position').notNullable();
    t.string('name', 128).notNullable();
    // A filtrex expression over call attributes; the default rule's is "true".
    t.text('expression').notNullable();
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.integer('priority').notNullable().defaultTo(0);
    t.text('required_skills').notNullable().defaultTo('[]'); // [{"skill":"logistics","minLevel":3}]
    t.boolean('enabled').notNullable().defaultTo(true);
    t.boolean('is_default').notNullable().defaultTo(false);
    stamps(t, knex);
    t.index(['position']);
  });

  // --- ivr ---------------------------------------------------------------------------------------------------
  await knex.schema.createTable('ivr_flows', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('description', 255);
    t.integer('published_version');
    stamps(t, knex);
  });
  await knex.schema.createTable('ivr_flow_versions', (t) => {
    t.increments('id');
    t.integer('flow_id').unsigned().notNullable().references('ivr_flows.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('document').notNullable();
    t.string('created_by', 64);
    t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
    t.unique(['flow_id', 'version']);
  });
  await knex.schema.createTable('dids', (t) => {
    t.increments('id');
    t.string('number', 32).notNullable().unique(); // as the trunk delivers it (the Stasis DID argument)
    t.integer('ivr_flow_id').unsigned().references('ivr_flows.id').onDelete('SET NULL');
    t.string('description', 255);
  });

  // --- calls -------------------------------------------------------------------------------------------------
  await knex.schema.createTable('calls', (t) => {
    t.string('id', 36).primary();
    t.string('node', 64).notNullable();
    t.string('channel_id', 64).notNullable().index();
    t.string('owner', 128).notNullable(); // orchestrator instance holding the call, for recovery
    t.string('state', 16).notNullable();
    t.string('caller_raw', 64).notNullable();
    t.string('caller_e164', 20);
    t.string('caller_name', 128);
    t.string('did', 32).notNullable();
    t.string('trunk', 64);
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL');
    t.string('tier', 16);
    t.string('language', 8);
    t.integer('queue_id').unsigned().references('queues.id').onDelete('SET NULL');
    t.integer('priority').notNullable().defaultTo(0);
    t.text('required_skills');
    t.integer('agent_id').unsigned().references('agents.id').onDelete('SET NULL');
    t.datetime('arrived_at', { precision: 3 }).notNullable();
    t.datetime('queued_at', { precision: 3 });
    t.datetime('offered_at', { precision: 3 });
    t.datetime('answered_at', { precision: 3 });
    t.datetime('ended_at', { precision: 3 });
    t.decimal('wait_s', 10, 3);
    t.decimal('talk_s', 10, 3);
    t.string('disposition', 24); // answered, abandoned, self_service, voicemail, callback, transferred, failed
    t.string('hangup_side', 8); // caller, agent, system
    t.integer('hangup_cause');
    t.string('recording_id', 36);
    t.text('ivr_path');
    t.text('attributes');
    t.string('agent_disposition', 64);
    t.index(['arrived_at']);
    t.index(['queue_id', 'arrived_at']);
    t.index(['agent_id', 'arrived_at']);
    t.index(['customer_id', 'arrived_at']);
    t.index(['state']);
  });
  await knex.schema.createTable('call_events', (t) => {
    t.bigIncrements('id');
    t.string('call_id', 36).notNullable().references('calls.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.datetime('at', { precision: 3 }).notNullable().index();
    t.string('from_state', 16);
    t.string('event', 32).notNullable();
    t.string('to_state', 16).notNullable();
    t.text('data');
    t.unique(['call_id', 'seq']);
  });
  await knex.schema.createTable('callbacks', (t) => {
    t.increments('id');
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL');
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL');
    t.string('phone', 32).notNullable();
    t.integer('queue_id').unsigned().references('queues.id').onDelete('SET NULL');
    t.string('state', 16).notNullable().defaultTo('pending'); // pending, assigned, done, failed
    t.integer('agent_id').unsigned().references('agents.id').onDelete('SET NULL');
    t.datetime('requested_at', { precision: 3 }).notNullable();
    t.datetime('due_at', { precision: 3 });
    t.text('notes');
    t.index(['state', 'queue_id']);
  });
  await knex.schema.createTable('voicemails', (t) => {
    t.increments('id');
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL');
    t.integer('queue_id').unsigned().references('queues.id').onDelete('SET NULL');
    t.string('recording_name', 128).notNullable();
    t.string('state', 16).notNullable().defaultTo('new');
    t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
  });

  // --- recording -----------------------------------------------------------------------------------------------
  await knex.schema.createTable('recordings', (t) => {
    t.string('id', 36).primary();
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL').index();
    t.string('name', 128).notNullable().unique(); // the Asterisk recording name
    t.string('node', 64);
    t.integer('queue_id').unsigned().references('queues.id').onDelete('SET NULL');
    t.integer('agent_id').unsigned().references('agents.id').onDelete('SET NULL');
    t.string('state', 16).notNullable(); // recording, stored, uploaded, failed, missing, deleted
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('ended_at', { precision: 3 });
    t.decimal('duration_s', 10, 3);
    t.string('format', 8).notNullable().defaultTo('wav');
    t.bigInteger('bytes');
    t.string('sha256', 64);
    t.string('storage_key', 255);
    t.string('key_id', 64);
    t.datetime('retain_until', { precision: 3 }).index();
    t.datetime('deleted_at', { precision: 3 });
  });
  await knex.schema.createTable('recording_replicas', (t) => {
    t.increments('id');
    t.string('recording_id', 36).notNullable().references('recordings.id').onDelete('CASCADE');
    t.string('target', 255).notNullable();
    t.string('state', 16).notNullable(); // pending, stored, failed, deleted
    t.string('storage_key', 255);
    t.datetime('updated_at', { precision: 3 }).notNullable().defaultTo(now(knex));
    t.unique(['recording_id', 'target']);
  });

  // --- tickets and surveys -------------------------------------------------------------------------------------
  await knex.schema.createTable('tickets', (t) => {
    t.increments('id');
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL').index();
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL').index();
    t.integer('agent_id').unsigned().references('agents.id').onDelete('SET NULL');
    t.string('subject', 255).notNullable();
    t.text('body');
    t.string('category', 32);
    t.string('disposition', 64);
    t.string('status', 16).notNullable().defaultTo('open');
    t.float('sentiment');
    t.text('summary');
    stamps(t, knex);
  });
  await knex.schema.createTable('tags', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
  });
  await knex.schema.createTable('ticket_tags', (t) => {
    t.integer('ticket_id').unsigned().notNullable().references('tickets.id').onDelete('CASCADE');
    t.integer('tag_id').unsigned().notNullable().references('tags.id').onDelete('CASCADE');
    t.primary(['ticket_id', 'tag_id']);
  });
  await knex.schema.createTable('survey_responses', (t) => {
    t.increments('id');
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL').index();
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL');
    t.string('channel', 8).notNullable(); // ivr, sms
    t.integer('score');
    t.text('comment');
    t.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now(knex));
  });

  // --- jobs (the outbox) ---------------------------------------------------------------------------------------
  await knex.schema.createTable('jobs', (t) => {
    t.bigIncrements('id');
    t.string('type', 64).notNullable();
    t.text('payload').notNullable();
    t.string('state', 16).notNullable().defaultTo('pending'); // pending, running, done, dead
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(10);
    t.datetime('run_at', { precision: 3 }).notNullable();
    t.string('locked_by', 128);
    t.datetime('locked_until', { precision: 3 });
    t.text('last_error');
    t.string('idempotency_key', 191).unique();
    stamps(t, knex);
    t.index(['state', 'run_at']);
  });

  // --- reports -------------------------------------------------------------------------------------------------
  await knex.schema.createTable('report_queue_intervals', (t) => {
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.datetime('interval_start').notNullable(); // 15-minute buckets, UTC
    t.integer('offered').notNullable().defaultTo(0);
    t.integer('answered').notNullable().defaultTo(0);
    t.integer('abandoned').notNullable().defaultTo(0);
    t.integer('answered_in_sl').notNullable().defaultTo(0);
    t.decimal('wait_s_sum', 14, 3).notNullable().defaultTo(0);
    t.decimal('wait_s_max', 10, 3).notNullable().defaultTo(0);
    t.decimal('talk_s_sum', 14, 3).notNullable().defaultTo(0);
    t.primary(['queue_id', 'interval_start']);
  });
  await knex.schema.createTable('report_agent_days', (t) => {
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.integer('calls').notNullable().defaultTo(0);
    t.integer('missed').notNullable().defaultTo(0);
    t.decimal('talk_s', 14, 3).notNullable().defaultTo(0);
    t.decimal('wrap_s', 14, 3).notNullable().defaultTo(0);
    t.decimal('pause_s', 14, 3).notNullable().defaultTo(0);
    t.primary(['agent_id', 'day']);
  });
}

const ALL_TABLES = [
  'report_agent_days',
  'report_queue_intervals',
  'jobs',
  'survey_responses',
  'ticket_tags',
  'tags',
  'tickets',
  'recording_replicas',
  'recordings',
  'voicemails',
  'callbacks',
  'call_events',
  'calls',
  'dids',
  'ivr_flow_versions',
  'ivr_flows',
  'routing_rules',
  'queue_skills',
  'queues',
  'holidays',
  'business_hours',
  'agent_skills',
  'agents',
  'skills',
  'contacts',
  'orders',
  'customer_phones',
  'customers',
  'audit_log',
  'sessions',
  'api_tokens',
  'users',
];

export async function down(knex: Knex): Promise<void> {
  for (const table of ALL_TABLES) await knex.schema.dropTableIfExists(table);
}
