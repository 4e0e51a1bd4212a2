import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../gql';
import type { ConsoleLogsQuery, LogFilterInput, LogLevel, LogService, Severity } from '../gql/graphql';
import type { Pane } from './pane';
import { Control, useCanChange } from '../ui/control';
import { DataTable, type Column } from '../ui/data-table';
import { usePaged } from '../ui/paged';
import { Empty, ErrorState, Loading } from '../ui/states';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes, formatTime } from '../ui/format';
import { downloadWithToken } from '../api/download';

const LogsQuery = graphql(`
  query ConsoleLogs($first: Int, $after: String, $filter: LogFilterInput) {
    logs(first: $first, after: $after, filter: $filter) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        time
        service
        severity
        text
        fields
      }
    }
  }
`);

const LogTail = graphql(`
  subscription ConsoleLogTail($services: [LogService!], $severity: Severity) {
    logEntries(services: $services, severity: $severity) {
      time
      service
      severity
      text
      fields
    }
  }
`);

const LogSettings = graphql(`
  query ConsoleLogSettings {
    settings {
      logLevelSmtp
      logLevelImapPop
      logLevelJunk
      logLevelServer
      logLevelJobs
    }
    logArchives {
      name
      service
      archivedAt
      sizeBytes
      downloadPath
    }
  }
`);

const SetLogLevel = graphql(`
  mutation ConsoleSetLogLevel($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      logLevelSmtp
      logLevelImapPop
      logLevelJunk
      logLevelServer
      logLevelJobs
    }
  }
`);

type Entry = ConsoleLogsQuery['logs']['nodes'][number];

const SERVICES: LogService[] = ['SMTP', 'IMAP', 'POP', 'SIEVE', 'JUNK', 'LISTS', 'JOBS', 'SERVER', 'WEB', 'AUDIT'];
const SEVERITIES: { value: Severity; label: string }[] = [
  { value: 'DEBUG', label: 'Everything (debug)' },
  { value: 'EVENT', label: 'Events and more' },
  { value: 'MESSAGE', label: 'Messages and errors' },
  { value: 'ERROR', label: 'Errors only' },
];
/** The seed's "log detail level" per service (Settings > Logging), with the setting behind each. */
const LEVEL_SETTINGS = [
  { setting: 'logLevelSmtp', label: 'SMTP log detail' },
  { setting: 'logLevelImapPop', label: 'POP/IMAP log detail' },
  { setting: 'logLevelJunk', label: 'Junk mail/virus log detail' },
  { setting: 'logLevelServer', label: 'Server log detail' },
  { setting: 'logLevelJobs', label: 'Jobs log detail' },
] as const;
const LEVELS: LogLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'DEBUG'];
const LIVE_KEEP = 1000;

interface Filters {
  service: LogService | '';
  severity: Severity;
  since: string;
  until: string;
  queueId: string;
  address: string;
  user: string;
  text: string;
}
const NO_FILTERS: Filters = { service: '', severity: 'DEBUG', since: '', until: '', queueId: '', address: '', user: '', text: '' };

/** The API's filter from the form: empty fields left out, local times as ISO instants. */
function toFilter(f: Filters): LogFilterInput {
  const out: LogFilterInput = { severity: f.severity };
  if (f.service) out.services = [f.service];
  if (f.since) out.since = new Date(f.since).toISOString();
  if (f.until) out.until = new Date(f.until).toISOString();
  for (const key of ['queueId', 'address', 'user', 'text'] as const) if (f[key].trim()) out[key] = f[key].trim();
  return out;
}

function fieldsText(json: string): string {
  try {
    return Object.entries(JSON.parse(json) as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
  } catch {
    return json;
  }
}

const columns: Column<Entry>[] = [
  { key: 'time', header: 'Time', width: '11rem', sortValue: (e) => e.time, render: (e) => formatTime(e.time) },
  { key: 'service', header: 'Service', width: '5.5rem', sortValue: (e) => e.service, render: (e) => e.service.toLowerCase() },
  { key: 'severity', header: 'Level', width: '5.5rem', sortValue: (e) => e.severity, render: (e) => <span className={`sev-${e.severity}`}>{e.severity.toLowerCase()}</span> },
  { key: 'text', header: 'Entry', width: '3fr', render: (e) => <span title={`${e.text}\n${fieldsText(e.fields)}`}>{e.text} <span className="muted">{fieldsText(e.fields)}</span></span> },
];

function Logs() {
  const [form, setForm] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [live, setLive] = useState(false);
  const filter = useMemo(() => toFilter(applied), [applied]);
  const list = usePaged(LogsQuery, { filter }, (d) => d.logs, 200);
  const ids = { service: useId(), severity: useId(), since: useId(), until: useId(), queueId: useId(), address: useId(), user: useId(), text: useId() };
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  function search(event: FormEvent) {
    event.preventDefault();
    setApplied(form);
  }

  return (
    <>
      <h1>Logs</h1>
      <p className="lede">Every service's log, across restarts: filter and search, or follow it live.</p>
      <form className="toolbar filters" onSubmit={search} data-view aria-label="Log filters">
        <div className="field">
          <label htmlFor={ids.service}>Service</label>
          <select id={ids.service} value={form.service} onChange={set('service')}>
            <option value="">Every service</option>
            {SERVICES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.severity}>Level</label>
          <select id={ids.severity} value={form.severity} onChange={set('severity')}>
            {SEVERITIES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.since}>From</label>
          <input id={ids.since} type="datetime-local" value={form.since} onChange={set('since')} />
        </div>
        <div className="field">
          <label htmlFor={ids.until}>To</label>
          <input id={ids.until} type="datetime-local" value={form.until} onChange={set('until')} />
        </div>
        <div className="field">
          <label htmlFor={ids.queueId}>Queue ID</label>
          <input id={ids.queueId} value={form.queueId} onChange={set('queueId')} />
        </div>
        <div className="field">
          <label htmlFor={ids.address}>Address or client IP</label>
          <input id={ids.address} value={form.address} onChange={set('address')} />
        </div>
        <div className="field">
          <label htmlFor={ids.user}>User</label>
          <input id={ids.user} value={form.user} onChange={set('user')} />
        </div>
        <div className="field">
          <label htmlFor={ids.text}>Words</label>
          <input id={ids.text} type="search" value={form.text} onChange={set('text')} placeholder="relay denied" />
        </div>
        <button type="submit" className="primary">
          Search
        </button>
        <button type="button" onClick={() => (setForm(NO_FILTERS), setApplied(NO_FILTERS))}>
          Clear
        </button>
        <button type="button" aria-pressed={live} onClick={() => setLive(!live)}>
          {live ? 'Stop following' : 'Follow live'}
        </button>
      </form>
      {live ? (
        <LiveTail key={`${applied.service}|${applied.severity}`} service={applied.service} severity={applied.severity} />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.fetching && !list.nodes.length ? (
        <Loading />
      ) : !list.nodes.length ? (
        <Empty>No log entry matches.</Empty>
      ) : (
        <DataTable label="Log entries, newest first" rows={list.nodes} columns={columns} rowKey={(e) => `${e.time}|${e.service}|${e.text}|${e.fields}`} hasMore={list.hasMore} onLoadMore={list.loadMore} height="min(60vh, 40rem)" rowHeight={36} />
      )}
      <LogSettingsSection />
    </>
  );
}

/** The log subscription: new entries on top, the last thousand kept. */
function LiveTail({ service, severity }: { service: LogService | ''; severity: Severity }) {
  const [{ data, error }] = useSubscription({ query: LogTail, variables: { services: service ? [service] : null, severity } }, (previous: Entry[] | undefined, event) =>
    [event.logEntries, ...(previous ?? [])].slice(0, LIVE_KEEP),
  );
  const entries = data ?? [];
  if (error) return <ErrorState error={error} />;
  return (
    <>
      <p role="status" className="muted">
        Following the log live{service ? ` of ${service.toLowerCase()}` : ''}: {entries.length ? `${entries.length} new entr${entries.length === 1 ? 'y' : 'ies'}` : 'waiting for entries…'}
      </p>
      {entries.length ? <DataTable label="Live log entries, newest first" rows={entries} columns={columns} rowKey={(e) => `${e.time}|${e.service}|${e.text}|${e.fields}`} height="min(60vh, 40rem)" rowHeight={36} /> : null}
    </>
  );
}

function LogSettingsSection() {
  const [{ data, error }, reexecute] = useQuery({ query: LogSettings });
  const [result, setLevel] = useMutation(SetLogLevel);
  const canChange = useCanChange();
  const { saved, show } = useSaved();
  const levelIds = useId();
  const [failed, setFailed] = useState<string>();
  if (error) return <ErrorState error={error} />;
  if (!data) return null;

  async function change(setting: string, level: LogLevel) {
    const r = await setLevel({ input: { [setting]: level } });
    if (!r.error) {
      show();
      reexecute({ requestPolicy: 'network-only' });
    }
  }
  async function download(path: string, name: string) {
    setFailed(undefined);
    try {
      await downloadWithToken(path, name);
    } catch (err) {
      setFailed(`${name}: ${String(err)}`);
    }
  }

  return (
    <div className="cards logs-extra">
      <section className="card" aria-labelledby="levels-title">
        <h2 id="levels-title">
          Detail level <SavedNote saved={saved} />
        </h2>
        {result.error ? <ErrorState error={result.error} title="The change was refused" /> : null}
        <dl className="pairs levels">
          {LEVEL_SETTINGS.map(({ setting, label }) => (
            <div key={setting} className="pair">
              <dt>{canChange ? <label htmlFor={`${levelIds}-${setting}`}>{label}</label> : label}</dt>
              <dd>
                <Control otherwise={data.settings[setting].toLowerCase()}>
                  <select id={`${levelIds}-${setting}`} data-changes value={data.settings[setting]} onChange={(e) => void change(setting, e.target.value as LogLevel)}>
                    {LEVELS.map((l) => (
                      <option key={l} value={l}>
                        {l.toLowerCase()}
                      </option>
                    ))}
                  </select>
                </Control>
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card archives" aria-labelledby="archives-title">
        <h2 id="archives-title">Archived logs</h2>
        {failed ? (
          <p className="field-error" role="alert">
            {failed}
          </p>
        ) : null}
        {data.logArchives.length ? (
          <ul className="plain">
            {data.logArchives.map((a) => (
              <li key={a.name}>
                <span>
                  {a.name} <span className="muted">({a.service}, {formatTime(a.archivedAt)}, {formatBytes(a.sizeBytes)})</span>
                </span>{' '}
                <Control>
                  <button type="button" data-view onClick={() => void download(a.downloadPath, a.name)}>
                    Download
                  </button>
                </Control>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No archived logs yet (the log archive job makes them).</p>
        )}
      </section>
    </div>
  );
}

export const logsPane: Pane = { id: 'logs', title: 'Logs', group: 'Status', component: Logs };
