import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { InboundChannel, SwitchPort } from '../telephony/port.js';
import { pauseReasonOfCode } from './pause-reasons.js';
import type { AgentService } from './service.js';

/**
 * Agent feature codes dialled on a desk phone (*11 login, *12 logout, *13[code] pause with the reason of that code
 * (agents/pause-reasons.ts), *14 unpause; see dialplans/agents.conf). The dialplan enters Stasis with args
 * ['feature', action, code]; the agent is the owner of the calling endpoint. The agent hears a confirmation (or an
 * error prompt) and the channel is hung up.
 */

const CONFIRMATIONS: Readonly<Record<string, string>> = {
  login: 'sound:agent-loginok',
  logout: 'sound:agent-loggedoff',
  pause: 'sound:beep',
  unpause: 'sound:beep',
};

export function isFeatureCall(channel: Pick<InboundChannel, 'args'>): boolean {
  return channel.args[0] === 'feature';
}

/** 'PJSIP/2001-0000002c' → 'PJSIP/2001' (the endpoint part of an Asterisk channel name). */
export function endpointOfChannel(channelName: string): string | null {
  const m = /^([A-Za-z0-9_]+\/[^\s]+)-[0-9a-f]+$/.exec(channelName);
  return m ? (m[1] ?? null) : null;
}

export interface FeatureCodeOptions {
  readonly db: Db;
  readonly switchPort: SwitchPort;
  readonly agents: Pick<AgentService, 'login' | 'logout' | 'pause' | 'unpause'>;
  readonly logger: Logger;
  readonly promptTimeoutMs?: number;
}

export type FeatureOutcome =
  | { readonly ok: true; readonly agentId: number; readonly action: string }
  | { readonly ok: false; readonly reason: string };

export class FeatureCodes {
  constructor(private readonly o: FeatureCodeOptions) {}

  /** Subscribes to inbound channels; only feature calls are taken (the call center ignores them). */
  attach(): void {
    this.o.switchPort.onInbound((channel) => {
      if (!isFeatureCall(channel)) return;
      void this.handle(channel);
    });
  }

  async handle(channel: InboundChannel): Promise<FeatureOutcome> {
    const outcome = await this.apply(channel).catch((err: unknown): FeatureOutcome => ({
      ok: false,
      reason: (err as Error).message,
    }));
    const log = this.o.logger.child({ channelId: channel.channelId, feature: channel.args[1] });
    if (outcome.ok) log.info({ agentId: outcome.agentId }, 'agent feature code applied');
    else log.warn({ reason: outcome.reason, channel: channel.channelName }, 'agent feature code refused');
    await this.confirm(channel, outcome);
    return outcome;
  }

  private async apply(channel: InboundChannel): Promise<FeatureOutcome> {
    const action = channel.args[1] ?? '';
    if (!(action in CONFIRMATIONS)) return { ok: false, reason: `unknown feature "${action}"` };
    const endpoint = endpointOfChannel(channel.channelName);
    if (!endpoint) return { ok: false, reason: `no endpoint in channel name ${channel.channelName}` };
    const agent = (await this.o.db('agents').where({ endpoint }).orWhere({ bound_endpoint: endpoint }).first('id')) as
      { id: number } | undefined;
    if (!agent) return { ok: false, reason: `no agent has endpoint ${endpoint}` };
    const code = channel.args[2] ?? '';
    switch (action) {
      case 'login':
        await this.o.agents.login(agent.id, endpoint);
        break;
      case 'logout':
        await this.o.agents.logout(agent.id);
        break;
      case 'pause': {
        const reason = await pauseReasonOfCode(this.o.db, code);
        if (reason === null) return { ok: false, reason: `no pause reason has code ${code}` };
        await this.o.agents.pause(agent.id, reason);
        break;
      }
      case 'unpause':
        await this.o.agents.unpause(agent.id);
        break;
    }
    return { ok: true, agentId: agent.id, action };
  }

  private async confirm(channel: InboundChannel, outcome: FeatureOutcome): Promise<void> {
    const prompt = outcome.ok ? (CONFIRMATIONS[outcome.action] ?? 'sound:beep') : 'sound:an-error-has-occurred';
    try {
      await this.o.switchPort.answer(channel.channelId);
      const playback = await this.o.switchPort.play({ channelId: channel.channelId }, prompt, {
        timeoutMs: this.o.promptTimeoutMs ?? 5000,
      });
      await playback.finished;
    } catch {
      // The agent hung up already: the state change stands, there is nobody left to tell.
    }
    await this.o.switchPort.hangup(channel.channelId).catch(() => undefined);
  }
}
