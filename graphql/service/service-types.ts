import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LISTENERS } from '../../server/config/bootstrap';
import { PROTOCOLS } from '../../server/net/connections';
import { closedSet } from '../enums';

export const ConnectionProtocol = closedSet(PROTOCOLS, {
  name: 'ConnectionProtocol',
  description: 'The protocol a client connection speaks; its listener says on which port.',
});

export const ListenerName = closedSet([...LISTENERS, 'sieveLegacy'], {
  name: 'ListenerName',
  description: 'A listening port of the engine (bootstrap options PILLARBOX_<NAME>_PORT); SIEVE_LEGACY is the optional second ManageSieve port (manageSieveLegacyPort).',
});

@ObjectType('Listener', { description: 'A listening port of the engine.' })
export class ListenerType {
  @Field(() => ListenerName)
  name!: string;

  @Field(() => Int, { nullable: true, description: 'The bound port; null when the listener is not running.' })
  port?: number;

  @Field(() => Boolean, { description: 'Whether the settings turn the service on (smtpEnabled, imapEnabled, popEnabled).' })
  enabled!: boolean;
}

@ObjectType('ConnectionCount')
export class ConnectionCountType {
  @Field(() => ConnectionProtocol)
  protocol!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ClientConnection', { description: 'An open client connection.' })
export class ClientConnectionType {
  @Field(() => Int)
  id!: number;

  @Field(() => ConnectionProtocol)
  protocol!: string;

  @Field(() => ListenerName)
  listener!: string;

  @Field(() => String)
  remoteAddress!: string;

  @Field(() => Int)
  remotePort!: number;

  @Field(() => String, { nullable: true, description: 'The authenticated user, if any.' })
  user?: string;

  @Field(() => DateTimeISOResolver)
  since!: Date;

  @Field(() => Boolean, { description: 'TLS in use.' })
  secure!: boolean;
}

@ObjectType('ServiceStatus')
export class ServiceStatusType {
  @Field(() => Boolean)
  running!: boolean;

  @Field(() => DateTimeISOResolver)
  startedAt!: Date;

  @Field(() => Int)
  uptimeSeconds!: number;

  @Field(() => String)
  version!: string;

  @Field(() => String)
  hostname!: string;

  @Field(() => [ListenerType])
  listeners!: ListenerType[];

  @Field(() => [ConnectionCountType], { description: 'Open connections per protocol.' })
  connections!: ConnectionCountType[];
}

export enum ConnectionEventKind {
  OPENED = 'open',
  CLOSED = 'close',
}
registerEnumType(ConnectionEventKind, { name: 'ConnectionEventKind' });

@ObjectType('ConnectionEvent')
export class ConnectionEventType {
  @Field(() => ConnectionEventKind)
  kind!: ConnectionEventKind;

  @Field(() => ClientConnectionType)
  connection!: ClientConnectionType;
}
