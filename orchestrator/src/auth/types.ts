export type Role = 'admin' | 'supervisor' | 'agent';

/** The authenticated principal the auth middleware puts on `res.locals.user` for every /api route. */
export interface AuthUser {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  /** The agents row bound to this user, if any (agents see only their own calls, tickets and recordings). */
  readonly agentId: number | null;
  /** Set for supervisors by the auth middleware: the queues whose calls, recordings and figures they see. */
  readonly queueIds?: readonly number[];
  /**
   * A session of a user whose role requires two-factor sign-in and who has not set it up: it may only set it up
   * (api/index.ts refuses everything else).
   */
  readonly twoFactorSetupRequired?: boolean;
}
