import type net from 'node:net';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import type { ConnectionInfo } from '../net/connections';
import type { AuthPolicy } from './auth-policy';

/** What the command handlers of a session may do with its connection. */
export interface SessionIo {
  readonly ctx: EngineContext;
  readonly log: Logger;
  readonly conn: ConnectionInfo;
  /** The current socket (the TLS one after STLS). */
  readonly socket: net.Socket;
  /** True once the session is over (client gone, shut down, or QUIT answered). */
  readonly closed: boolean;
  policy(): AuthPolicy;
  /** Sends one response line; CRLF is added. */
  reply(line: string): void;
  /** Ends the session after the replies already written. */
  close(): void;
}
