import type { EngineContext } from '../server/context';
import type { AdminAccount } from '../server/directory/admins';
import type { UserSession } from '../server/directory/user-sessions';
import type { Logger } from '../server/logs/logger';

/** What every resolver gets: the engine's services and who is asking. */
export interface GraphqlContext {
  engine: EngineContext;
  /** The management account behind the bearer token; undefined when not logged in. */
  admin?: AdminAccount;
  /** The mail user behind the bearer token (the USER role); never set together with `admin`. */
  user?: UserSession;
  /** The bearer token itself, so `logout` can revoke it. */
  token?: string;
  /** Client address, for the login back-off. */
  remoteAddress: string;
  log: Logger;
  /**
   * What the mutation being run changed, beyond its arguments (a setting's value before and
   * after): a resolver may fill it in for the audit trail, which redacts it as it does arguments.
   */
  changes?: Record<string, unknown>;
}
