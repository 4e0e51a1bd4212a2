import { useId, useState } from 'react';
import { useClient, useMutation, useQuery, type TypedDocumentNode } from 'urql';
import { graphql } from '../gql';
import type { ConsoleQueueQuery, QueueState } from '../gql/graphql';
import type { Pane } from './pane';
import { Control } from '../ui/control';
import { ConfirmDialog } from '../ui/confirm';
import { DataTable, type Column } from '../ui/data-table';
import { usePaged } from '../ui/paged';
import { Empty, ErrorState, Loading } from '../ui/states';
import { SavedNote, useSaved } from '../ui/feedback';
import { Toggle } from '../ui/toggle';
import { formatBytes, formatNumber, formatTime } from '../ui/format';
import { useDebounced } from '../ui/use-debounced';
import { useInterval } from '../ui/use-interval';

const QueueQuery = graphql(`
  query ConsoleQueue($first: Int, $after: String, $state: QueueState, $search: String) {
    queue(first: $first, after: $after, state: $state, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        sender
        size
        state
        attempts
        createdAt
        lastError
        recipients {
          address
          original
          status
        }
      }
    }
  }
`);

const QueueSwitches = graphql(`
  query ConsoleQueueSwitches {
    settings {
      holdOutbound
      blockInbound
    }
    queueCounts {
      active
      deferred
      held
    }
  }
`);

const SetSwitch = graphql(`
  mutation ConsoleQueueSwitch($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      holdOutbound
      blockInbound
    }
  }
`);

const Headers = graphql(`
  query ConsoleQueuedHeaders($id: ID!) {
    queuedMessageHeaders(id: $id)
  }
`);

const Hold = graphql(`
  mutation ConsoleHoldQueued($ids: [ID!]!) {
    holdQueuedMessages(input: { ids: $ids }) {
      done
      skipped
    }
  }
`);
const Release = graphql(`
  mutation ConsoleReleaseQueued($ids: [ID!]!) {
    releaseQueuedMessages(input: { ids: $ids }) {
      done
      skipped
    }
  }
`);
const Retry = graphql(`
  mutation ConsoleRetryQueued($ids: [ID!]!) {
    retryQueuedMessages(input: { ids: $ids }) {
      done
      skipped
    }
  }
`);
const Delete = graphql(`
  mutation ConsoleDeleteQueued($ids: [ID!]!) {
    deleteQueuedMessages(input: { ids: $ids }) {
      done
      skipped
    }
  }
`);

/**
 * Messages per request. The API allows 500, but resolving a message with its recipients
 * costs the engine about half a millisecond of CPU (type-graphql's per-field middleware
 * dominates): 50 keeps each request well under the engine's 100 ms stall budget on a busy
 * machine, and the table asks for the next page before the rows run out.
 */
const QUEUE_PAGE = 50;

type Message = ConsoleQueueQuery['queue']['nodes'][number];
const STATES: { value: QueueState | ''; label: string }[] = [
  { value: '', label: 'Every state' },
  { value: 'ACTIVE', label: 'Active' },
  { value: 'DEFERRED', label: 'Deferred' },
  { value: 'HELD', label: 'Held' },
];

function Queue() {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [state, setState] = useState<QueueState | ''>('');
  const query = useDebounced(search.trim());
  const list = usePaged(QueueQuery, { state: state || null, search: query || null }, (d) => d.queue, QUEUE_PAGE);
  const [switches, reexecuteSwitches] = useQuery({ query: QueueSwitches });
  const [switchResult, setSwitch] = useMutation(SetSwitch);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [inspecting, setInspecting] = useState<string>();
  const [headers, setHeaders] = useState<{ id: string; text?: string; error?: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [outcome, setOutcome] = useState<string>();
  const [actionError, setActionError] = useState<Parameters<typeof ErrorState>[0]['error']>();
  const { saved, show } = useSaved();
  const searchId = useId();
  const stateId = useId();
  useInterval(() => reexecuteSwitches({ requestPolicy: 'network-only' }), 10_000);

  async function inspect(id: string) {
    setInspecting(id);
    setHeaders({ id });
    const result = await client.query(Headers, { id }, { requestPolicy: 'network-only' }).toPromise();
    setHeaders({ id, text: result.data?.queuedMessageHeaders, error: result.error ? result.error.message : undefined });
  }

  async function act<D extends Record<string, { done: string[]; skipped: string[] }>>(verb: string, mutation: TypedDocumentNode<D, { ids: string[] }>) {
    const ids = [...selected];
    setActionError(undefined);
    const result = await client.mutation(mutation, { ids }).toPromise();
    if (result.error || !result.data) {
      setActionError(result.error);
      return;
    }
    const payload = Object.values(result.data)[0];
    setOutcome(`${verb} ${payload.done.length}${payload.skipped.length ? `, skipped ${payload.skipped.length} (gone or being delivered)` : ''}`);
    show();
    setSelected(new Set());
    list.refresh();
    reexecuteSwitches({ requestPolicy: 'network-only' });
  }

  async function flip(setting: 'holdOutbound' | 'blockInbound', on: boolean) {
    const result = await setSwitch({ input: { [setting]: on } });
    if (!result.error) {
      setOutcome(undefined);
      show();
      reexecuteSwitches({ requestPolicy: 'network-only' });
    }
  }

  const columns: Column<Message>[] = [
    {
      key: 'id',
      header: 'Queue ID',
      width: '9rem',
      sortValue: (m) => m.id,
      render: (m) => (
        <button type="button" className="linklike" data-view aria-pressed={inspecting === m.id} onClick={() => void inspect(m.id)} aria-label={`Headers of ${m.id}`}>
          {m.id}
        </button>
      ),
    },
    { key: 'from', header: 'From', sortValue: (m) => m.sender, render: (m) => m.sender || <span className="muted">(bounce)</span> },
    {
      key: 'to',
      header: 'To',
      render: (m) => (
        <span title={m.recipients.map((r) => `${r.original} → ${r.address}: ${r.status.toLowerCase()}`).join('\n')}>
          {m.recipients[0]?.original}
          {m.recipients.length > 1 ? ` +${m.recipients.length - 1}` : ''}
        </span>
      ),
      sortValue: (m) => m.recipients[0]?.original ?? '',
    },
    { key: 'state', header: 'State', width: '6rem', sortValue: (m) => m.state, render: (m) => m.state.toLowerCase() },
    { key: 'size', header: 'Size', width: '5.5rem', sortValue: (m) => m.size, render: (m) => formatBytes(m.size) },
    { key: 'attempts', header: 'Tries', width: '4rem', sortValue: (m) => m.attempts, render: (m) => m.attempts },
    { key: 'created', header: 'Queued', width: '10rem', sortValue: (m) => m.createdAt, render: (m) => formatTime(m.createdAt) },
    { key: 'error', header: 'Last error', width: '1.5fr', render: (m) => <span title={m.lastError ?? ''}>{m.lastError ?? ''}</span> },
  ];

  const counts = switches.data?.queueCounts;
  const settings = switches.data?.settings;
  return (
    <>
      <h1>Queue</h1>
      <p className="lede">
        {counts ? `${formatNumber(counts.active)} active, ${formatNumber(counts.deferred)} deferred, ${formatNumber(counts.held)} held.` : ''} Double-click a row or its ID for the headers.
      </p>
      {switches.error ? <ErrorState error={switches.error} /> : null}
      {switchResult.error ? <ErrorState error={switchResult.error} title="The change was refused" /> : null}
      {settings ? (
        <section className="card switches" aria-label="Queue switches">
          <div className="switch-row">
            <span>Hold outgoing mail (queue it without sending until released)</span>
            <Toggle label="Hold outgoing mail" checked={settings.holdOutbound} onChange={(on) => void flip('holdOutbound', on)} />
          </div>
          <div className="switch-row">
            <span>Block incoming mail from other servers (refused with 554; the queue still delivers)</span>
            <Toggle label="Block incoming mail" checked={settings.blockInbound} onChange={(on) => void flip('blockInbound', on)} />
          </div>
        </section>
      ) : null}
      <div className="toolbar" data-view>
        <div className="field">
          <label htmlFor={searchId}>Search</label>
          <input id={searchId} type="search" value={search} placeholder="address, queue ID, client" onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={stateId}>State</label>
          <select id={stateId} value={state} onChange={(e) => setState(e.target.value as QueueState | '')}>
            {STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={list.refresh}>
          Refresh
        </button>
      </div>
      <Control>
        <div className="toolbar" role="group" aria-label="Act on the selected messages">
          <span>{selected.size} selected</span>
          <button type="button" data-changes disabled={!selected.size} onClick={() => void act('Held', Hold)}>
            Hold
          </button>
          <button type="button" data-changes disabled={!selected.size} onClick={() => void act('Released', Release)}>
            Release
          </button>
          <button type="button" data-changes disabled={!selected.size} onClick={() => void act('Retried', Retry)}>
            Retry now
          </button>
          <button type="button" className="danger" data-changes disabled={!selected.size} onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
          <SavedNote saved={saved} text={outcome ?? 'Saved'} />
        </div>
      </Control>
      {actionError ? <ErrorState error={actionError} title="The action was refused" /> : null}
      {list.error ? (
        <ErrorState error={list.error} />
      ) : list.fetching && !list.nodes.length ? (
        <Loading />
      ) : !list.nodes.length ? (
        <Empty>{query || state ? 'No queued message matches.' : 'The queue is empty.'}</Empty>
      ) : (
        <DataTable
          label="Queued messages"
          rows={list.nodes}
          columns={columns}
          rowKey={(m) => m.id}
          totalCount={list.totalCount}
          hasMore={list.hasMore}
          onLoadMore={list.loadMore}
          selected={selected}
          onSelectedChange={setSelected}
          onOpen={(m) => void inspect(m.id)}
          height="min(55vh, 36rem)"
        />
      )}
      {headers ? (
        <section className="headers" aria-labelledby="headers-title">
          <h2 id="headers-title">Headers of {headers.id}</h2>
          {headers.error ? <p className="field-error">{headers.error}</p> : headers.text === undefined ? <Loading /> : <pre className="block">{headers.text}</pre>}
          <button
            type="button"
            data-view
            onClick={() => {
              setHeaders(undefined);
              setInspecting(undefined);
            }}
          >
            Close
          </button>
        </section>
      ) : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${selected.size} message${selected.size === 1 ? '' : 's'}?`}
          confirmLabel="Delete"
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => {
            setConfirmDelete(false);
            void act('Deleted', Delete);
          }}
        >
          They are removed from the queue without being delivered or returned to their senders. This cannot be undone.
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export const queuePane: Pane = { id: 'queue', title: 'Queue', group: 'Status', component: Queue };
