import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { QuarantineKind } from '../gql/graphql';
import type { Pane } from './pane';
import { ConfirmDialog } from '../ui/confirm';
import { Control } from '../ui/control';
import { DataTable } from '../ui/data-table';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes, formatNumber, formatTime } from '../ui/format';
import { usePaged } from '../ui/paged';
import { Empty, ErrorState, Loading } from '../ui/states';
import { SettingsForm } from './settings-form';

const JunkVirusStatus = graphql(`
  query ConsoleJunkVirusStatus {
    junkStatistics {
      trained
      spamLearnt
      hamLearnt
      minLearntPerClass
      tokens
      lastLearnt
      lastTraining {
        outcome
        finishedAt
        output
      }
      mailboxLearning {
        learntAsJunk
        learntAsNotJunk
        alreadyKnown
        dropped
        waiting
      }
    }
    virusStatus {
      enabled
      clamdAddress
      clamdReachable
      version
      engineVersion
      databaseVersion
      databaseDate
      lastSuccessfulUpdate
      scans
      averageScanMs
      lastUpdate {
        outcome
        finishedAt
        output
      }
    }
  }
`);

const Quarantine = graphql(`
  query ConsoleQuarantine($first: Int, $after: String, $kind: QuarantineKind) {
    quarantine(first: $first, after: $after, kind: $kind) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        kind
        junkScore
        quarantinedAt
        sender
        recipients
        subject
        virus
        size
        client
      }
    }
  }
`);

const ReleaseQuarantined = graphql(`
  mutation ConsoleReleaseQuarantined($input: QuarantinedMessagesInput!) {
    releaseQuarantinedMessages(input: $input) {
      done
      skipped
    }
  }
`);

const DeleteQuarantined = graphql(`
  mutation ConsoleDeleteQuarantined($input: QuarantinedMessagesInput!) {
    deleteQuarantinedMessages(input: $input) {
      done
      skipped
    }
  }
`);

const UpdateVirusDatabase = graphql(`
  mutation ConsoleUpdateVirusDatabase {
    runJob(input: { name: "virus-database-update", wait: false }) {
      run {
        id
      }
    }
  }
`);

/** The seed's Filters tab at work: junk levels and dispositions, training, viruses, clamd and the quarantine. */
function JunkVirus() {
  return (
    <>
      <h1>Junk mail and viruses</h1>
      <p className="lede">How junk mail and viruses are found and what happens to them; the filter's training, clamd and its database, and the quarantine.</p>
      <Status />
      <SettingsForm
        title="Junk and virus settings"
        sections={[
          { title: 'Junk mail: level and disposition', keys: ['junkScanEnabled', 'junkPermissiveness', 'junkAction', 'junkRedirectTo', 'junkNotify', 'junkTagSubject', 'junkSubjectTag', 'junkEncapsulate', 'junkLearnFromMailboxes'] },
          { title: 'Viruses: disposition', keys: ['virusScanEnabled', 'virusAction', 'virusNotify', 'virusNotifyRecipient'] },
        ]}
      />
      <QuarantineList />
    </>
  );
}

function Status() {
  const [{ data, error }, reload] = useQuery({ query: JunkVirusStatus, requestPolicy: 'cache-and-network' });
  const [updating, updateDatabase] = useMutation(UpdateVirusDatabase);
  const { saved, show } = useSaved();
  if (error) return <ErrorState error={error} />;
  if (!data) return <Loading />;
  const j = data.junkStatistics;
  const v = data.virusStatus;
  return (
    <div className="cards">
      <section className="card" aria-labelledby="training-title">
        <h2 id="training-title">Junk filter training</h2>
        <p>
          {j.trained ? <span className="badge">trained</span> : <span className="badge warn">not trained yet</span>} {formatNumber(j.spamLearnt)} junk and {formatNumber(j.hamLearnt)} good messages learnt ({j.minLearntPerClass} of each needed), {formatNumber(j.tokens)} tokens.
        </p>
        <dl className="pairs">
          <dt>Last learnt</dt>
          <dd>{j.lastLearnt ? formatTime(j.lastLearnt) : 'never'}</dd>
          <dt>Last training run</dt>
          <dd>{j.lastTraining ? `${j.lastTraining.outcome.toLowerCase()}${j.lastTraining.finishedAt ? `, ${formatTime(j.lastTraining.finishedAt)}` : ''}` : 'never'}</dd>
          <dt>From users' Junk folders</dt>
          <dd>
            {j.mailboxLearning.learntAsJunk} junk, {j.mailboxLearning.learntAsNotJunk} not junk, {j.mailboxLearning.waiting} waiting
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="clamd-title">
        <h2 id="clamd-title">
          Virus scanner <SavedNote saved={saved} text="Update started" />
        </h2>
        <p>
          Scanning {v.enabled ? 'on' : 'off'}; clamd at <code>{v.clamdAddress}</code> {v.clamdReachable ? <span className="badge">answering</span> : <span className="badge bad">not answering</span>}
        </p>
        <dl className="pairs">
          <dt>Engine</dt>
          <dd>{v.engineVersion ?? '—'}</dd>
          <dt>Database</dt>
          <dd>{v.databaseVersion ? `${v.databaseVersion} (${v.databaseDate ?? ''})` : '—'}</dd>
          <dt>Last update</dt>
          <dd>{v.lastSuccessfulUpdate ? formatTime(v.lastSuccessfulUpdate) : 'never'}</dd>
          <dt>Scans since start</dt>
          <dd>
            {formatNumber(v.scans)}
            {v.averageScanMs ? `, ${v.averageScanMs.toFixed(1)} ms each` : ''}
          </dd>
        </dl>
        {v.lastUpdate?.outcome === 'FAILED' ? <p className="state state-error">The last update failed: {v.lastUpdate.output}</p> : null}
        {updating.error ? <ErrorState error={updating.error} /> : null}
        <Control>
          <button
            type="button"
            onClick={() =>
              void updateDatabase({}).then((r) => {
                if (!r.error) {
                  show();
                  reload({ requestPolicy: 'network-only' });
                }
              })
            }
          >
            Update the virus database now
          </button>
        </Control>
      </section>
    </div>
  );
}

/** Why a message is held, as the table says it. */
function reasonOf(r: { kind: QuarantineKind; virus: string; junkScore?: number | null }): string {
  return r.kind === 'VIRUS' ? `virus: ${r.virus}` : `junk (score ${r.junkScore?.toFixed(1) ?? '?'})`;
}

/** Infected mail (virusAction QUARANTINE) and junk (junkAction QUARANTINE), both or one kind, with release and delete. */
function QuarantineList() {
  const [kind, setKind] = useState<QuarantineKind | ''>('');
  const paged = usePaged(Quarantine, { kind: kind || null }, (d) => d.quarantine, 200);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<'release' | 'delete'>();
  const [releasing, release] = useMutation(ReleaseQuarantined);
  const [deleting, remove] = useMutation(DeleteQuarantined);
  const { saved, show } = useSaved();
  const [done, setDone] = useState('');

  async function act(kind: 'release' | 'delete') {
    const ids = [...selected];
    setConfirm(undefined);
    const result = kind === 'release' ? await release({ input: { ids } }) : await remove({ input: { ids } });
    if (!result.error) {
      setDone(kind === 'release' ? 'Released' : 'Deleted');
      setSelected(new Set());
      show();
      paged.refresh();
    }
  }
  const error = releasing.error ?? deleting.error;
  return (
    <section aria-labelledby="quarantine-title" className="quarantine">
      <h2 id="quarantine-title">
        Quarantine <SavedNote saved={saved} text={done} />
      </h2>
      {error ? <ErrorState error={error} /> : null}
      <div className="toolbar">
        <div className="field" data-view>
          <label htmlFor="quarantine-kind">Show</label>
          <select id="quarantine-kind" value={kind} onChange={(e) => (setKind(e.target.value as QuarantineKind | ''), setSelected(new Set()))}>
            <option value="">Viruses and junk</option>
            <option value="VIRUS">Viruses</option>
            <option value="JUNK">Junk</option>
          </select>
        </div>
        <Control>
          <div className="toolbar" role="group" aria-label="Act on the selected messages">
            <button type="button" disabled={!selected.size} onClick={() => setConfirm('release')}>
              Release {selected.size || ''}
            </button>
            <button type="button" className="danger" disabled={!selected.size} onClick={() => setConfirm('delete')}>
              Delete {selected.size || ''}
            </button>
          </div>
        </Control>
      </div>
      {paged.error ? (
        <ErrorState error={paged.error} />
      ) : paged.fetching && !paged.nodes.length ? (
        <Loading />
      ) : !paged.nodes.length ? (
        <Empty>{kind === 'JUNK' ? 'No junk in quarantine.' : kind === 'VIRUS' ? 'No infected messages in quarantine.' : 'No messages in quarantine.'}</Empty>
      ) : (
        <DataTable
          label="Quarantined messages"
          rows={paged.nodes}
          rowKey={(r) => r.id}
          totalCount={paged.totalCount}
          hasMore={paged.hasMore}
          onLoadMore={paged.loadMore}
          selected={selected}
          onSelectedChange={setSelected}
          height="40vh"
          columns={[
            { key: 'when', header: 'Quarantined', width: '11rem', render: (r) => formatTime(r.quarantinedAt), sortValue: (r) => r.quarantinedAt },
            { key: 'reason', header: 'Held as', width: '12rem', render: (r) => reasonOf(r), sortValue: (r) => reasonOf(r) },
            { key: 'from', header: 'From', width: '1fr', render: (r) => r.sender || '<>' },
            { key: 'to', header: 'To', width: '1fr', render: (r) => r.recipients.join(', ') },
            { key: 'subject', header: 'Subject', width: '1.5fr', render: (r) => r.subject },
            { key: 'size', header: 'Size', width: '5rem', render: (r) => formatBytes(r.size), sortValue: (r) => r.size },
          ]}
        />
      )}
      {confirm ? (
        <ConfirmDialog
          title={confirm === 'release' ? `Release ${selected.size} message(s)?` : `Delete ${selected.size} message(s)?`}
          confirmLabel={confirm === 'release' ? 'Release' : 'Delete'}
          danger
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => void act(confirm)}
        >
          <p>
            {confirm === 'release'
              ? `They are delivered to their recipients as they are, without being screened again${[...selected].some((id) => paged.nodes.find((n) => n.id === id)?.kind === 'VIRUS') ? ': some carry a virus' : ''}.`
              : 'They are removed for good.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export const junkVirusPane: Pane = { id: 'junk-virus', title: 'Junk & virus', group: 'Mail', component: JunkVirus };
