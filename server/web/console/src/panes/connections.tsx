import { useEffect, useId, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../gql';
import type { ConnectionProtocol, ConsoleConnectionsQuery } from '../gql/graphql';
import type { Pane } from './pane';
import { DataTable, type Column } from '../ui/data-table';
import { QueryState } from '../ui/states';
import { formatDuration, formatTime } from '../ui/format';
import { useNow } from '../ui/use-now';
import { useThrottled } from '../ui/use-throttled';

const ConnectionsQuery = graphql(`
  query ConsoleConnections($protocol: ConnectionProtocol) {
    serviceStatus {
      connectionList(protocol: $protocol) {
        id
        listener
        protocol
        remoteAddress
        remotePort
        secure
        since
        user
      }
      connections {
        protocol
        count
      }
    }
  }
`);

const ConnectionEvents = graphql(`
  subscription ConsoleConnectionEvents {
    connectionEvents {
      kind
      connection {
        id
      }
    }
  }
`);

type Connection = ConsoleConnectionsQuery['serviceStatus']['connectionList'][number];

function Connections() {
  const [protocol, setProtocol] = useState<ConnectionProtocol | ''>('');
  const [{ data, error, fetching }, reexecute] = useQuery({ query: ConnectionsQuery, variables: { protocol: protocol || null }, requestPolicy: 'network-only' });
  const [event] = useSubscription({ query: ConnectionEvents });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 1000);
  useEffect(() => {
    if (event.data) refresh();
  }, [event.data, refresh]);
  const now = useNow();
  const filterId = useId();

  const columns: Column<Connection>[] = [
    { key: 'user', header: 'User', render: (c) => c.user ?? <span className="muted">not logged in</span>, sortValue: (c) => c.user ?? '' },
    { key: 'from', header: 'From', render: (c) => `${c.remoteAddress} port ${c.remotePort}`, sortValue: (c) => c.remoteAddress, width: '1.4fr' },
    { key: 'protocol', header: 'Protocol', render: (c) => `${c.protocol.toLowerCase()}${c.listener !== c.protocol ? ` (${c.listener.toLowerCase()})` : ''}`, sortValue: (c) => c.protocol },
    { key: 'tls', header: 'TLS', render: (c) => (c.secure ? 'yes' : 'no'), sortValue: (c) => (c.secure ? 1 : 0), width: '4rem' },
    { key: 'for', header: 'Connected for', render: (c) => <span title={formatTime(c.since)}>{formatDuration((now - Date.parse(c.since)) / 1000)}</span>, sortValue: (c) => -Date.parse(c.since) },
  ];
  const rows = data?.serviceStatus.connectionList ?? [];
  const protocols = data?.serviceStatus.connections.map((c) => c.protocol) ?? [];

  return (
    <>
      <h1>Connections</h1>
      <p className="lede">Who is connected now, from where, by which protocol and for how long; the list follows connections as they open and close.</p>
      <div className="toolbar" data-view>
        <div className="field">
          <label htmlFor={filterId}>Protocol</label>
          <select id={filterId} value={protocol} onChange={(e) => setProtocol(e.target.value as ConnectionProtocol | '')}>
            <option value="">Every protocol</option>
            {protocols.map((p) => (
              <option key={p} value={p}>
                {p.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
      </div>
      <QueryState fetching={fetching} error={error} empty={data ? rows.length === 0 : undefined} emptyText="Nobody is connected.">
        <DataTable label="Open connections" rows={rows} columns={columns} rowKey={(c) => String(c.id)} height="min(60vh, 40rem)" />
      </QueryState>
    </>
  );
}

export const connectionsPane: Pane = { id: 'connections', title: 'Connections', group: 'Status', component: Connections };
