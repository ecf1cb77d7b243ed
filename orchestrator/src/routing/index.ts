import { AgentService, type AgentServiceOptions } from '../agents/service.js';
import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { SwitchPort } from '../telephony/port.js';
import { AcdEngine, type AcdOptions } from './acd.js';
import { RuleRouter, type RouterOptions } from './router.js';

export { AcdEngine, type AcdOptions } from './acd.js';
export { RuleRouter, NoRouteError, type RouterOptions, type RouteTestResult, type RuleTrace } from './router.js';
export { validateExpression, VARIABLES as EXPRESSION_VARIABLES } from './expressions.js';
export * as routingRepository from './repository.js';
export * as callbacks from './callbacks.js';

export interface RoutingOptions {
  readonly db: Db;
  readonly bus: EventBus;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly router?: Partial<Omit<RouterOptions, 'db' | 'logger' | 'bus'>>;
  readonly acd?: Partial<Omit<AcdOptions, 'db' | 'agents' | 'bus' | 'logger' | 'now'>>;
  readonly agents?: Partial<Omit<AgentServiceOptions, 'db' | 'bus' | 'logger' | 'now'>>;
  /** When given, the switch's endpoint state events keep agents' reachability current. */
  readonly switchPort?: Pick<SwitchPort, 'onEndpointState'>;
}

export interface Routing {
  readonly router: RuleRouter;
  readonly acd: AcdEngine;
  readonly agents: AgentService;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The wiring entry for main.ts: router, ACD and agent presence sharing one database and bus. */
export function createRouting(o: RoutingOptions): Routing {
  const agents = new AgentService({
    db: o.db,
    bus: o.bus,
    logger: o.logger?.child({ module: 'agents' }),
    now: o.now,
    ...o.agents,
  });
  const router = new RuleRouter({ db: o.db, bus: o.bus, logger: o.logger?.child({ module: 'router' }), ...o.router });
  const acd = new AcdEngine({
    db: o.db,
    agents,
    bus: o.bus,
    logger: o.logger?.child({ module: 'acd' }),
    now: o.now,
    ...o.acd,
  });
  o.switchPort?.onEndpointState((event) => agents.endpointStateChanged(event));
  return {
    router,
    acd,
    agents,
    async start() {
      await router.start();
      agents.start();
      await acd.start();
    },
    async stop() {
      await acd.stop();
      agents.stop();
      router.stop();
    },
  };
}
