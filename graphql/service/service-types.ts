import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ALL_LISTENERS } from '../../server/config/bootstrap';
import { PROTOCOLS } from '../../server/net/connections';
import { closedSet } from '../enums';

export const ConnectionProtocol = closedSet(PROTOCOLS, {
  name: 'ConnectionProtocol',
  description: 'The protocol a client connection speaks; its listener says on which port.',
});

export const ListenerName = closedSet(ALL_LISTENERS, {
  name: 'ListenerName',
  description:
    'A listening port of the engine: the bootstrap options PILLARBOX_<NAME>_PORT, plus SIEVE_LEGACY (manageSieveLegacyPortEnabled, manageSieveLegacyPort) and METRICS (metricsListen).',
});

@ObjectType('Listener', { description: 'A listening port of the engine.' })
export class ListenerType {
  @Field(() => ListenerName)
  name!: string;

  @Field(() => Int, { nullable: true, description: 'The port it is bound to and accepting on; null when it is not listening.' })
  port?: number;

  @Field(() => Boolean, {
    description:
      'Whether the settings call for it (smtpEnabled, smtpSsl, imapEnabled, popEnabled, imapPopSsl, manageSieveLegacyPortEnabled, metricsListen). ' +
      'Enabled with a null port: it could not be opened (the log says why).',
  })
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
