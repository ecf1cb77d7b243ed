import { z } from 'zod';
import { contactCenterTimeZone } from '../../config/schema.js';
import { forbidden, notFound } from '../../http/errors.js';
import { calendarDay } from '../../shifts/plan.js';
import { getShift } from '../../shifts/repository.js';
import {
  acceptTrade,
  cancelTrade,
  declineTrade,
  decideTrade,
  getTrade,
  listTrades,
  offerTrade,
  tradeCandidates,
  tradeOffer,
  TRADE_STATUSES,
  type ShiftTrade,
} from '../../shifts/trades.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam } from '../validation.js';
import { agentScope, assertOwn, boundAgent, EVERYONE, STAFF } from './common.js';

/** Shift trades (shifts/trades.ts): agents offer and accept, supervisors and admins approve or refuse. */
export function shiftTradeRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const timeZone = contactCenterTimeZone(deps.config);
  const ctx = () => ({ now: deps.now(), timeZone });
  const audited = (t: ShiftTrade) => ({
    shiftId: t.shift?.id ?? null,
    swapShiftId: t.swapShift?.id ?? null,
    fromAgentId: t.fromAgentId,
    toAgentId: t.toAgentId,
    status: t.status,
  });
  const changed = (t: ShiftTrade): void =>
    deps.bus.publish('shift-trade.changed', {
      tradeId: t.id,
      status: t.status,
      fromAgentId: t.fromAgentId,
      toAgentId: t.toAgentId,
      toAnyone: t.toAnyone,
    });
  // Approved: the shifts moved, and both agents' schedules with them.
  const told = (t: ShiftTrade): void => {
    changed(t);
    if (t.status === 'approved') deps.bus.publish('schedule.changed', { agentIds: [t.fromAgentId, t.toAgentId!] });
  };
  return [
    route({
      method: 'get',
      path: '/shift-trades',
      tag: 'shifts',
      summary:
        'Shift trades, newest first (at most 500), by status and the days their shift starts on; an agent gets the trades they are in and the offers open to anyone (staff: so with `agentId`), with the skills each side would lack',
      roles: EVERYONE,
      query: z.object({
        status: z.enum(TRADE_STATUSES).optional(),
        from: calendarDay.optional(),
        to: calendarDay.optional(),
        /** Staff: the trades of this agent and the offers open to them (a supervisor's own, in the workspace). */
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        return { items: await listTrades(db, { ...query, agentId: agentScope(user) ?? query.agentId }, ctx()) };
      },
    }),
    route({
      method: 'get',
      path: '/shift-trades/candidates',
      tag: 'shifts',
      summary:
        "Colleagues a shift could be offered to (the shift's agent, or staff): whether each is free then, the skills they lack, and their shifts a swap could ask for",
      roles: EVERYONE,
      query: z.object({ shiftId: z.coerce.number().int().positive() }),
      async handler({ query, user }) {
        const shift = await getShift(db, query.shiftId, timeZone);
        // An agent never sees a draft, so is not told there is one.
        if (!shift || (shift.publishedAt === null && agentScope(user) !== undefined))
          throw notFound(`shift ${query.shiftId}`);
        assertOwn(user, shift.agentId, 'shift');
        return { shiftId: shift.id, items: await tradeCandidates(db, shift.id, ctx()) };
      },
    }),
    route({
      method: 'post',
      path: '/shift-trades',
      tag: 'shifts',
      summary:
        "Offer one of your shifts not yet begun to a colleague (`toAgentId`) or to anyone, as a give-away or for the colleague's `swapShiftId`; 409 when it cannot be made (a shift begun, someone double-booked or on time off, the shift already in a trade)",
      roles: EVERYONE,
      body: tradeOffer,
      status: 201,
      guard: (user) => void boundAgent(user),
      audit: { action: 'shift-trade.offer', targetType: 'shift-trade' },
      async handler({ body, user, auditTarget }) {
        const trade = await offerTrade(db, boundAgent(user), body, ctx());
        auditTarget(trade.id, audited(trade));
        changed(trade);
        return trade;
      },
    }),
    route({
      method: 'post',
      path: '/shift-trades/:id/accept',
      tag: 'shifts',
      summary:
        'Accept an offer made to you or to anyone (the first to accept takes it); it then waits for a supervisor, unless ARIADNE_SHIFT_TRADE_APPROVAL=auto approves it at once (nobody lacking a skill or going past their contract)',
      roles: EVERYONE,
      params: idParam,
      guard: (user) => void boundAgent(user),
      audit: { action: 'shift-trade.accept', targetType: 'shift-trade' },
      async handler({ params, user, auditTarget }) {
        const autoApprove = deps.config.shiftTradeApproval === 'auto';
        const trade = await acceptTrade(db, params.id, boundAgent(user), { ...ctx(), autoApprove });
        auditTarget(trade.id, audited(trade));
        told(trade);
        return trade;
      },
    }),
    route({
      method: 'post',
      path: '/shift-trades/:id/decline',
      tag: 'shifts',
      summary: 'Decline an offer made to you by name',
      roles: EVERYONE,
      params: idParam,
      guard: (user) => void boundAgent(user),
      audit: { action: 'shift-trade.decline', targetType: 'shift-trade' },
      async handler({ params, user, auditTarget }) {
        const trade = await declineTrade(db, params.id, boundAgent(user), ctx());
        auditTarget(trade.id, audited(trade));
        changed(trade);
        return trade;
      },
    }),
    route({
      method: 'post',
      path: '/shift-trades/:id/cancel',
      tag: 'shifts',
      summary: 'Withdraw a trade offered or accepted (the agent who offered it, or staff)',
      roles: EVERYONE,
      params: idParam,
      audit: { action: 'shift-trade.cancel', targetType: 'shift-trade' },
      async handler({ params, user, auditTarget }) {
        const found = await getTrade(db, params.id, ctx());
        if (!found) throw notFound(`shift trade ${params.id}`);
        if (user.role === 'agent' && found.fromAgentId !== user.agentId)
          throw forbidden('only the agent who offered a trade withdraws it');
        const trade = await cancelTrade(db, params.id, ctx());
        auditTarget(trade.id, audited(trade));
        changed(trade);
        return trade;
      },
    }),
    route({
      method: 'post',
      path: '/shift-trades/:id/decision',
      tag: 'shifts',
      summary:
        'Approve an accepted trade, which moves the shifts between the agents (checked again as the schedule stands), or refuse it. Both agents are told',
      roles: STAFF,
      params: idParam,
      body: z
        .object({ status: z.enum(['approved', 'rejected']), note: z.string().trim().max(200).nullable().optional() })
        .strict(),
      audit: { action: 'shift-trade.decide', targetType: 'shift-trade' },
      async handler({ params, body, user, auditTarget }) {
        const trade = await decideTrade(db, params.id, body, { ...ctx(), by: user.id });
        auditTarget(trade.id, audited(trade));
        told(trade);
        return trade;
      },
    }),
  ];
}
