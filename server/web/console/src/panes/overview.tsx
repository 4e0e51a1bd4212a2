import { useEffect, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import type { Pane } from './pane';
import { PANE_PATHS } from '../routes';
import { Toggle } from '../ui/toggle';
import { ErrorState, Loading } from '../ui/states';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../ui/format';
import { useInterval } from '../ui/use-interval';

const OverviewQuery = graphql(`
  query ConsoleOverview {
    serviceStatus {
      hostname
      version
      running
      startedAt
      uptimeSeconds
      listeners {
        name
        port
        enabled
      }
      connections {
        protocol
        count
      }
      messages {
        received
        delivered
        relayed
        rejected
        bounced
        deferred
        junk
        virus
      }
    }
    queueCounts {
      active
      deferred
      held
    }
    mailStore {
      reserveBytes
      dataDirectory {
        path
        freeBytes
        sizeBytes
        databaseBytes
      }
      locations {
        name
        path
        bytes
        freeBytes
        sizeBytes
      }
    }
    settings {
      smtpEnabled
      imapEnabled
      popEnabled
    }
    alerts {
      key
      kind
      summary
      details
      raisedAt
    }
    certificates(first: 500) {
      nodes {
        id
        name
        status
        daysLeft
      }
    }
    jobs(first: 500) {
      nodes {
        name
        running
        lastRun {
          outcome
          finishedAt
          output
        }
      }
    }
  }
`);

const ConnectionCounts = graphql(`
  subscription ConsoleConnectionCounts {
    connectionCounts {
      protocol
      count
    }
  }
`);

const AlertUpdates = graphql(`
  subscription ConsoleAlerts {
    alerts {
      key
      clearedAt
    }
  }
`);

const SetProtocol = graphql(`
  mutation ConsoleSetProtocol($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      smtpEnabled
      imapEnabled
      popEnabled
    }
  }
`);

/** The protocols an administrator switches on and off, with the setting that does it. */
const PROTOCOLS = [
  { label: 'SMTP (mail from other servers and clients)', setting: 'smtpEnabled', listeners: ['SMTP', 'SUBMISSION', 'SMTPS'] },
  { label: 'IMAP', setting: 'imapEnabled', listeners: ['IMAP', 'IMAPS'] },
  { label: 'POP3', setting: 'popEnabled', listeners: ['POP3', 'POP3S'] },
] as const;

function Overview() {
  const [{ data, error, fetching }, reexecute] = useQuery({ query: OverviewQuery });
  const [live] = useSubscription({ query: ConnectionCounts });
  const [alertEvent] = useSubscription({ query: AlertUpdates });
  useEffect(() => {
    if (alertEvent.data) reexecute({ requestPolicy: 'network-only' });
  }, [alertEvent.data, reexecute]);
  const [setting, setProtocol] = useMutation(SetProtocol);
  const { saved, show } = useSaved();
  const [busy, setBusy] = useState<string>();
  useInterval(() => reexecute({ requestPolicy: 'network-only' }), 10_000);

  if (error && !data) return <ErrorState error={error} />;
  if (!data) return fetching ? <Loading /> : null;
  const status = data.serviceStatus;
  const connections = live.data?.connectionCounts ?? status.connections;
  const totalConnections = connections.reduce((n, c) => n + c.count, 0);
  const queued = data.queueCounts.active + data.queueCounts.deferred + data.queueCounts.held;
  const certificates = data.certificates.nodes.filter((c) => c.status === 'EXPIRED' || c.status === 'EXPIRING');
  const failingJobs = data.jobs.nodes.filter((j) => j.lastRun?.outcome === 'FAILED');
  const m = status.messages;

  async function toggle(setting: string, on: boolean) {
    setBusy(setting);
    const result = await setProtocol({ input: { [setting]: on } });
    setBusy(undefined);
    if (!result.error) {
      show();
      reexecute({ requestPolicy: 'network-only' });
    }
  }

  return (
    <>
      <h1>Overview</h1>
      <p className="lede">
        {status.hostname} · Pillarbox {status.version} · {status.running ? 'running' : 'stopped'} for {formatDuration(status.uptimeSeconds)} (since {formatTime(status.startedAt)})
      </p>
      {setting.error ? <ErrorState error={setting.error} title="The change was refused" /> : null}
      <div className="cards">
        <section className="card" aria-labelledby="services-title">
          <h2 id="services-title">
            Services <SavedNote saved={saved} />
          </h2>
          <ul className="service-list">
            {PROTOCOLS.map((p) => {
              const on = data.settings[p.setting];
              const ports = status.listeners.filter((l) => (p.listeners as readonly string[]).includes(l.name) && l.port !== null && l.port !== undefined);
              return (
                <li key={p.setting}>
                  <span className="service-name">{p.label}</span>
                  <span className="service-ports">{ports.length ? ports.map((l) => `${l.name.toLowerCase()} ${l.port}`).join(', ') : 'not listening'}</span>
                  <Toggle label={`${p.label} service`} checked={on} busy={busy === p.setting} onChange={(next) => void toggle(p.setting, next)} />
                </li>
              );
            })}
          </ul>
        </section>
        <section className="card" aria-labelledby="connections-title">
          <h2 id="connections-title">Connections</h2>
          <p className="big">{totalConnections}</p>
          <ul className="plain">
            {connections.map((c) => (
              <li key={c.protocol}>
                {c.protocol.toLowerCase()}: {c.count}
              </li>
            ))}
          </ul>
          <Link href={`~${PANE_PATHS.connections}`}>Who is connected</Link>
        </section>
        <section className="card" aria-labelledby="messages-title">
          <h2 id="messages-title">Messages since start</h2>
          <dl className="pairs">
            <dt>Received</dt>
            <dd>{formatNumber(m.received)}</dd>
            <dt>Delivered</dt>
            <dd>{formatNumber(m.delivered)}</dd>
            <dt>Relayed out</dt>
            <dd>{formatNumber(m.relayed)}</dd>
            <dt>Rejected</dt>
            <dd>{formatNumber(m.rejected)}</dd>
            <dt>Bounced</dt>
            <dd>{formatNumber(m.bounced)}</dd>
            <dt>Junk</dt>
            <dd>{formatNumber(m.junk)}</dd>
            <dt>Viruses</dt>
            <dd>{formatNumber(m.virus)}</dd>
          </dl>
          <Link href={`~${PANE_PATHS.graphs}`}>Graphs</Link>
        </section>
        <section className="card" aria-labelledby="queue-title">
          <h2 id="queue-title">Queue</h2>
          <p className="big">{formatNumber(queued)}</p>
          <p>
            {data.queueCounts.active} active, {data.queueCounts.deferred} deferred, {data.queueCounts.held} held
          </p>
          <Link href={`~${PANE_PATHS.queue}`}>Open the queue</Link>
        </section>
        <section className="card" aria-labelledby="disk-title">
          <h2 id="disk-title">Disk</h2>
          <DiskBar label={`Data (${data.mailStore.dataDirectory.path})`} free={data.mailStore.dataDirectory.freeBytes} size={data.mailStore.dataDirectory.sizeBytes} />
          {data.mailStore.locations.map((l) => (
            <DiskBar key={l.name} label={`Mail store ${l.name} (${formatBytes(l.bytes)} of mail)`} free={l.freeBytes} size={l.sizeBytes} />
          ))}
        </section>
        <section className="card" aria-labelledby="attention-title">
          <h2 id="attention-title">Needs attention</h2>
          {!data.alerts.length && !certificates.length && !failingJobs.length ? <p>Nothing: no alerts, certificates valid, jobs fine.</p> : null}
          <ul className="attention">
            {data.alerts.map((a) => (
              <li key={a.key} className="alert">
                <strong>{a.summary}</strong> <span className="muted">since {formatTime(a.raisedAt)}</span>
                <br />
                {a.details}
              </li>
            ))}
            {certificates.map((c) => (
              <li key={c.id}>
                Certificate <strong>{c.name}</strong> {c.status === 'EXPIRED' ? 'has expired' : `expires in ${c.daysLeft} days`}
              </li>
            ))}
            {failingJobs.map((j) => (
              <li key={j.name}>
                Job <strong>{j.name}</strong> failed{j.lastRun?.finishedAt ? ` (${formatTime(j.lastRun.finishedAt)})` : ''}: {j.lastRun?.output}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}

function DiskBar({ label, free, size }: { label: string; free: number; size: number }) {
  const used = size > 0 ? Math.round(((size - free) / size) * 100) : 0;
  return (
    <div className="disk">
      <div className="disk-label">
        {label}: {formatBytes(free)} free of {formatBytes(size)}
      </div>
      <meter min={0} max={100} low={80} high={90} optimum={0} value={used} aria-label={`${label}: ${used}% used`}>
        {used}%
      </meter>
    </div>
  );
}

export const overviewPane: Pane = { id: 'overview', title: 'Overview', group: 'Status', component: Overview };
