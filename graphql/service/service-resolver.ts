import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ALL_LISTENERS } from '../../server/config/bootstrap';
import { PROTOCOLS, type ConnectionInfo, type Protocol } from '../../server/net/connections';
import type { GraphqlContext } from '../context';
import { unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { engineVersion } from '../../server/config/engine-version';
import {
  ClientConnectionType,
  ConnectionCountType,
  ConnectionEventKind,
  ConnectionEventType,
  ConnectionProtocol,
  ServiceStatusType,
} from './service-types';

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
      listeners: ALL_LISTENERS.map((name) => ({ name, port: engine.ports[name], enabled: wanted.has(name) })),
      connections: connectionCounts(ctx),
    };
  }

  @FieldResolver(() => [ClientConnectionType], { description: 'Open connections, optionally of one protocol.' })
  connectionList(
    @Root() _status: ServiceStatusType,
    @Arg('protocol', () => ConnectionProtocol, { nullable: true }) protocol: Protocol | undefined,
    @Ctx() ctx: GraphqlContext,
  ): ClientConnectionType[] {
    return ctx.engine.connections.list(protocol ?? undefined).map(toConnection);
  }

  @Authorized()
  @Subscription(() => ConnectionEventType, {
    description: 'A client connection opened or closed.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      const only = args.protocols as Protocol[] | null | undefined;
      return eventStream(ctx.engine.connections, ['open', 'close'], (event, payload) => {
        const conn = payload as ConnectionInfo;
        if (only && only.length > 0 && !only.includes(conn.protocol)) return undefined;
        return { kind: event as ConnectionEventKind, connection: toConnection(conn) };
      });
    },
  })
  connectionEvents(
    @Root() event: ConnectionEventType,
    @Arg('protocols', () => [ConnectionProtocol], { nullable: true }) _protocols: Protocol[] | undefined,
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
