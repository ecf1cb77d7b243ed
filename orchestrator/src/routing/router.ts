import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import { BusinessHoursStore, type BusinessHours } from '../ivr/hours.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import { buildScope, compileRule, evaluate, validateExpression, type Evaluator, type Scope } from './expressions.js';
import {
  businessHoursNames,
  loadQueues,
  loadRules,
  routingFingerprint,
  type QueueConfig,
  type RuleRecord,
} from './repository.js';
import type { CallAttributes, RouteDecision, Router, SkillRequirement } from './types.js';

export interface RouterOptions {
  readonly db: Db;
  readonly logger?: Logger;
  /** Time zone of hour/weekday/time in expressions (default: the process's). */
  readonly timeZone?: string;
  /** Queue used when no rule matches and no default rule exists (default 'general'; else the lowest id). */
  readonly fallbackQueueName?: string;
  /** Poll the tables for changes made elsewhere (the API, another orchestrator); 0 = only reload() (default 10 s). */
  readonly watchIntervalMs?: number;
  /** When given, a 'queue.changed' event (the API edited a queue) reloads the rules and queues at once. */
  readonly bus?: EventBus;
}

interface CompiledRule {
  readonly rule: RuleRecord;
  readonly evaluator: Evaluator | null;
  readonly compileError: string | null;
}

interface Loaded {
  readonly rules: readonly CompiledRule[];
  readonly defaultRule: CompiledRule | null;
  readonly queues: ReadonlyMap<number, QueueConfig>;
  readonly hours: ReadonlyMap<string, BusinessHours>;
  readonly fingerprint: string;
}

export type RuleOutcome = 'matched' | 'no_match' | 'error' | 'disabled' | 'not_reached' | 'default';

/** One rule's verdict for a sample call (the admin "test this rule" view). */
export interface RuleTrace {
  readonly ruleId: number;
  readonly name: string;
  readonly position: number;
  readonly expression: string;
  readonly isDefault: boolean;
  readonly outcome: RuleOutcome;
  /** What the expression gave, or why it could not run. */
  readonly detail: string;
}

export interface RouteTestResult {
  readonly decision: RouteDecision;
  /** The rule that decided (null when the safe fallback did). */
  readonly matchedRuleId: number | null;
  readonly reason: string;
  readonly fallback: boolean;
  readonly rules: readonly RuleTrace[];
  /** The names the expressions saw for this call. */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Thrown when nothing can be routed at all (no queue exists). */
export class NoRouteError extends Error {
  readonly code = 'no_route';
  constructor(message: string) {
    super(message);
    this.name = 'NoRouteError';
  }
}

function describe(value: unknown): string {
  return value === true ? 'true' : value === false ? 'false' : `not true/false: ${JSON.stringify(value)}`;
}

/**
 * Ordered rules, first match wins; a disabled rule is skipped; the default rule (is_default) is the answer when
 * nothing else matches, whatever its own expression says. Rules are compiled once per load; route() touches no
 * database. reload() (after an edit through the API) and a cheap periodic fingerprint check pick up changes.
 */
export class RuleRouter implements Router {
  private loaded: Loaded | null = null;
  private loading: Promise<Loaded> | null = null;
  private watchTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly log: Logger;
  private readonly timeZone: string;

  constructor(private readonly o: RouterOptions) {
    this.log = o.logger ?? rootLogger.child({ module: 'router' });
    this.timeZone = o.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  }

  async start(): Promise<void> {
    await this.reload();
    if (this.o.bus && !this.unsubscribe) {
      this.unsubscribe = this.o.bus.subscribe('queue.changed', () => {
        this.reload().catch((err: unknown) => this.log.warn({ err }, 'routing reload after a queue change failed'));
      });
    }
    const every = this.o.watchIntervalMs ?? 10_000;
    if (every > 0 && !this.watchTimer) {
      this.watchTimer = setInterval(() => {
        this.reloadIfChanged().catch((err: unknown) => this.log.warn({ err }, 'routing rules change check failed'));
      }, every);
      this.watchTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Reads and compiles the rules again. A rule that does not compile is logged and never matches. */
  async reload(): Promise<void> {
    const p = this.load();
    this.loading = p;
    try {
      this.loaded = await p;
    } finally {
      if (this.loading === p) this.loading = null;
    }
  }

  async reloadIfChanged(): Promise<boolean> {
    const fp = await routingFingerprint(this.o.db);
    if (this.loaded && this.loaded.fingerprint === fp) return false;
    await this.reload();
    return true;
  }

  /** Checks an expression for the API: null when fine, else a clear message. */
  validate(expression: string): string | null {
    return validateExpression(expression, this.loaded?.hours ?? new Map());
  }

  async route(attributes: CallAttributes): Promise<RouteDecision> {
    const loaded = await this.current();
    const result = this.decide(loaded, attributes, false);
    return result.decision;
  }

  /** Which rule a sample call matches and why the ones before it did not. */
  async test(attributes: CallAttributes): Promise<RouteTestResult> {
    const loaded = await this.current();
    return this.decide(loaded, attributes, true);
  }

  // --- internals ----------------------------------------------------------------------------------------------

  private async current(): Promise<Loaded> {
    if (this.loaded) return this.loaded;
    if (!this.loading) await this.reload();
    else await this.loading;
    if (!this.loaded) throw new NoRouteError('routing rules are not loaded');
    return this.loaded;
  }

  private async load(): Promise<Loaded> {
    const [rules, queues, fingerprint] = await Promise.all([
      loadRules(this.o.db),
      loadQueues(this.o.db),
      routingFingerprint(this.o.db),
    ]);
    const hours = await this.loadHours();
    const compiled: CompiledRule[] = [];
    let defaultRule: CompiledRule | null = null;
    const queueMap = new Map(queues.map((q) => [q.id, q]));
    for (const rule of rules) {
      let evaluator: Evaluator | null = null;
      let compileError: string | null = null;
      try {
        evaluator = compileRule(rule.expression);
      } catch (err) {
        compileError = (err as Error).message;
        if (rule.enabled)
          this.log.error(
            { ruleId: rule.id, rule: rule.name, error: compileError },
            'routing rule does not compile; it never matches',
          );
      }
      if (!queueMap.has(rule.queueId))
        this.log.error({ ruleId: rule.id, queueId: rule.queueId }, 'routing rule names a missing queue');
      const c = { rule, evaluator, compileError };
      if (rule.isDefault && rule.enabled && !defaultRule) defaultRule = c;
      else compiled.push(c);
    }
    if (!defaultRule) this.log.warn('no enabled default routing rule: unmatched calls go to the fallback queue');
    this.log.info({ rules: rules.length, queues: queues.length }, 'routing rules loaded');
    return { rules: compiled, defaultRule, queues: queueMap, hours, fingerprint };
  }

  private async loadHours(): Promise<Map<string, BusinessHours>> {
    const store = new BusinessHoursStore(this.o.db, 0);
    const out = new Map<string, BusinessHours>();
    for (const name of await businessHoursNames(this.o.db)) {
      const h = await store.get(String(name));
      if (h) out.set(h.name, h);
    }
    return out;
  }

  private decision(rule: RuleRecord, queue: QueueConfig): RouteDecision {
    // A rule without skills takes the queue's own requirement.
    const skills: readonly SkillRequirement[] = rule.requiredSkills.length > 0 ? rule.requiredSkills : queue.skills;
    return {
      queueId: queue.id,
      queueName: queue.name,
      priority: rule.priority,
      requiredSkills: skills,
      ruleId: rule.id,
      ruleName: rule.name,
    };
  }

  private decide(loaded: Loaded, attributes: CallAttributes, trace: true): RouteTestResult;
  private decide(loaded: Loaded, attributes: CallAttributes, trace: false): { decision: RouteDecision };
  private decide(
    loaded: Loaded,
    attributes: CallAttributes,
    trace: boolean,
  ): RouteTestResult | { decision: RouteDecision } {
    const scope: Scope = buildScope(attributes, { timeZone: this.timeZone, hours: loaded.hours });
    const traces: RuleTrace[] = [];
    const note = (c: CompiledRule, outcome: RuleOutcome, detail: string): void => {
      if (trace)
        traces.push({
          ruleId: c.rule.id,
          name: c.rule.name,
          position: c.rule.position,
          expression: c.rule.expression,
          isDefault: c.rule.isDefault,
          outcome,
          detail,
        });
    };
    let chosen: { rule: RuleRecord; queue: QueueConfig; reason: string } | null = null;
    for (const c of loaded.rules) {
      if (chosen) {
        if (!trace) break;
        note(c, 'not_reached', 'an earlier rule matched');
        continue;
      }
      if (!c.rule.enabled) {
        note(c, 'disabled', 'disabled');
        continue;
      }
      if (!c.evaluator) {
        note(c, 'error', c.compileError ?? 'does not compile');
        continue;
      }
      const { value, error } = evaluate(c.evaluator, scope, loaded.hours);
      if (error) {
        this.log.warn({ ruleId: c.rule.id, rule: c.rule.name, error }, 'routing rule failed to evaluate; skipped');
        note(c, 'error', error);
        continue;
      }
      if (value !== true) {
        note(c, 'no_match', describe(value));
        continue;
      }
      const queue = loaded.queues.get(c.rule.queueId);
      if (!queue) {
        note(c, 'error', `queue ${c.rule.queueId} does not exist`);
        continue;
      }
      note(c, 'matched', 'true');
      chosen = { rule: c.rule, queue, reason: `rule "${c.rule.name}" matched` };
    }
    const d = loaded.defaultRule;
    if (d) {
      const queue = loaded.queues.get(d.rule.queueId);
      if (!chosen && queue) {
        chosen = { rule: d.rule, queue, reason: `no rule matched; default rule "${d.rule.name}"` };
        note(d, 'default', 'used because no other rule matched');
      } else if (!chosen) note(d, 'error', `queue ${d.rule.queueId} does not exist`);
      else note(d, 'not_reached', 'an earlier rule matched');
    }
    let decision: RouteDecision;
    let fallback = false;
    let reason: string;
    if (chosen) {
      decision = this.decision(chosen.rule, chosen.queue);
      reason = chosen.reason;
    } else {
      const queues = [...loaded.queues.values()];
      const name = this.o.fallbackQueueName ?? 'general';
      const queue = queues.find((q) => q.name === name) ?? queues.sort((a, b) => a.id - b.id)[0];
      if (!queue) throw new NoRouteError('no routing rule matched and no queue exists');
      fallback = true;
      reason = `no rule matched and no default rule: fallback queue ${queue.name}`;
      this.log.warn(
        { did: attributes.did, queue: queue.name },
        'no routing rule matched and no default rule; using the fallback queue',
      );
      decision = {
        queueId: queue.id,
        queueName: queue.name,
        priority: 0,
        requiredSkills: queue.skills,
        ruleId: 0,
        ruleName: 'fallback',
      };
    }
    if (!trace) return { decision };
    const { ivr: _ivr, ...vars } = scope.vars;
    return {
      decision,
      matchedRuleId: fallback ? null : decision.ruleId,
      reason,
      fallback,
      rules: traces,
      variables: { ...vars, ivr: scope.ivr },
    };
  }
}
