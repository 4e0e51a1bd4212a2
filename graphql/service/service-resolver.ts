import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root, Subscription } from 'type-graphql';
import { LISTENERS } from '../../server/config/bootstrap';
import type { ConnectionInfo, Protocol } from '../../server/net/connections';
import type { GraphqlContext } from '../context';
import { badInput, unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { engineVersion } from '../../server/config/engine-version';
import {
  ClientConnectionType,
  ConnectionCountType,
  ConnectionEventKind,
  ConnectionEventType,
  ServiceStatusType,
} from './service-types';

const PROTOCOLS: Protocol[] = ['smtp', 'submission', 'imap', 'pop3', 'sieve', 'http'];

function checkProtocol(protocol: string | undefined): Protocol | undefined {
  if (protocol === undefined || protocol === null) return undefined;
  if (!(PROTOCOLS as string[]).includes(protocol)) throw badInput(`protocol must be one of ${PROTOCOLS.join(', ')}`, 'protocol');
  return protocol as Protocol;
}

const toConnection = (c: ConnectionInfo): ClientConnectionType => ({ ...c });

function connectionCounts(ctx: GraphqlContext): ConnectionCountType[] {
  return PROTOCOLS.map((protocol) => ({ protocol, count: ctx.engine.connections.count(protocol) }));
}

@Resolver(() => ServiceStatusType)
export class ServiceResolver {
  @Authorized()
  @Query(() => ServiceStatusType, { description: 'Whether the engine runs, its listeners and open connections.' })
  serviceStatus(@Ctx() ctx: GraphqlContext): ServiceStatusType {
    const { engine } = ctx;
    const wanted = engine.wantedListeners();
    return {
      running: true,
      startedAt: engine.startedAt,
      uptimeSeconds: Math.floor((Date.now() - engine.startedAt.getTime()) / 1000),
      version: engineVersion(),
      hostname: engine.options.hostname,
      listeners: LISTENERS.map((name) => ({ name, port: engine.ports[name], enabled: wanted.has(name) })),
      connections: connectionCounts(ctx),
    };
  }

  @FieldResolver(() => [ClientConnectionType], { description: 'Open connections, optionally of one protocol.' })
  connectionList(
    @Root() _status: ServiceStatusType,
    @Arg('protocol', () => String, { nullable: true }) protocol: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): ClientConnectionType[] {
    return ctx.engine.connections.list(checkProtocol(protocol)).map(toConnection);
  }

  @Authorized()
  @Subscription(() => ConnectionEventType, {
    description: 'A client connection opened or closed.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      const only = (args.protocols as string[] | undefined)?.map((p) => checkProtocol(p));
      return eventStream(ctx.engine.connections, ['open', 'close'], (event, payload) => {
        const conn = payload as ConnectionInfo;
        if (only && only.length > 0 && !only.includes(conn.protocol)) return undefined;
        return { kind: event as ConnectionEventKind, connection: toConnection(conn) };
      });
    },
  })
  connectionEvents(
    @Root() event: ConnectionEventType,
    @Arg('protocols', () => [String], { nullable: true }) _protocols: string[] | undefined,
  ): ConnectionEventType {
    return event;
  }

  @Authorized()
  @Subscription(() => [ConnectionCountType], {
    description: 'Open connections per protocol, sent again whenever a connection opens or closes.',
    subscribe: ({ context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      return eventStream(ctx.engine.connections, ['open', 'close'], () => connectionCounts(ctx));
    },
  })
  connectionCounts(@Root() counts: ConnectionCountType[]): ConnectionCountType[] {
    return counts;
  }
}
