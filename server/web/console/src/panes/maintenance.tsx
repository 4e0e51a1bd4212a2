import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { Pane } from './pane';
import { ConfirmDialog } from '../ui/confirm';
import { Control, useSession } from '../ui/control';
import { FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes, formatTime } from '../ui/format';
import { Empty, ErrorState, Loading } from '../ui/states';
import { useInterval } from '../ui/use-interval';

const MaintenanceQuery = graphql(`
  query ConsoleMaintenance {
    repair: job(name: "repair") {
      running
      progress {
        step
        done
        total
      }
      lastRun {
        outcome
        finishedAt
        output
      }
    }
    backupJob: job(name: "backup") {
      running
      lastRun {
        outcome
        finishedAt
        output
      }
    }
    settings {
      backupDirectory
      backupKeep
      backupSchedule
    }
    appliance {
      available
      systemVersion
      runningSlot
      defaultSlot
      trialSlot
      images {
        name
        size
        sha256
        addedAt
        fetchingFrom
      }
      pendingRequest {
        id
        action
        state
        image
        notBefore
        message
      }
      lastRequest {
        id
        action
        state
        message
      }
      history
    }
  }
`);

const Backups = graphql(`
  query ConsoleBackups {
    backups {
      name
      complete
      startedAt
      finishedAt
      files
      sizeBytes
      copiedBytes
      missingFiles
      engineVersion
      downloadPath
    }
  }
`);

const RestoreStatus = graphql(`
  query ConsoleRestoreStatus {
    restoreStatus {
      state
      backup
      filesChecked
      filesTotal
      message
      startedAt
      finishedAt
    }
  }
`);
const RestoreBackup = graphql(`
  mutation ConsoleRestoreBackup($input: RestoreBackupInput!) {
    restoreBackup(input: $input) {
      state
    }
  }
`);

const Repair = graphql(`
  mutation ConsoleRepair($input: RepairMailStoreInput) {
    repairMailStore(input: $input) {
      run {
        id
      }
    }
  }
`);
const Reconstruct = graphql(`
  mutation ConsoleReconstruct($input: ReconstructMailboxesInput!) {
    reconstructMailboxes(input: $input) {
      mailboxes {
        mailbox
        added
        missing
        expunged
        resized
      }
    }
  }
`);
const FindUser = graphql(`
  query ConsoleFindUser($shortName: String!) {
    user(shortName: $shortName) {
      id
    }
  }
`);
const RunBackup = graphql(`
  mutation ConsoleRunBackup {
    runJob(input: { name: "backup", wait: false }) {
      run {
        id
      }
    }
  }
`);
const DeleteBackup = graphql(`
  mutation ConsoleDeleteBackup($input: DeleteBackupInput!) {
    deleteBackup(input: $input) {
      removed
    }
  }
`);
const FetchImage = graphql(`
  mutation ConsoleFetchImage($input: FetchSystemImageInput!) {
    fetchSystemImage(input: $input) {
      name
    }
  }
`);
const ScheduleUpdate = graphql(`
  mutation ConsoleScheduleUpdate($input: ScheduleSystemUpdateInput!) {
    scheduleSystemUpdate(input: $input) {
      id
    }
  }
`);
const ScheduleRollback = graphql(`
  mutation ConsoleScheduleRollback($input: ScheduleSystemRollbackInput!) {
    scheduleSystemRollback(input: $input) {
      id
    }
  }
`);
const ScheduleFactoryReset = graphql(`
  mutation ConsoleScheduleFactoryReset($input: ScheduleFactoryResetInput!) {
    scheduleFactoryReset(input: $input) {
      id
    }
  }
`);
const CancelFirmware = graphql(`
  mutation ConsoleCancelFirmware {
    cancelFirmwareRequest {
      id
    }
  }
`);

/** The seed's maintenance: repair and reconstruct, backups, and the appliance's firmware (update, rollback, factory reset). */
function Maintenance() {
  const [{ data, error, fetching }, reload] = useQuery({ query: MaintenanceQuery, requestPolicy: 'cache-and-network' });
  const busy = Boolean(data?.repair.running || data?.backupJob.running || data?.appliance.images.some((i) => i.fetchingFrom));
  useInterval(() => reload({ requestPolicy: 'network-only' }), busy ? 2000 : 20_000);
  return (
    <>
      <h1>Maintenance</h1>
      <p className="lede">Repair the mail database, take and manage backups, update the system.</p>
      {error ? <ErrorState error={error} /> : !data ? (fetching ? <Loading /> : null) : (
        <>
          <RepairCard repair={data.repair} reload={() => reload({ requestPolicy: 'network-only' })} />
          <BackupsCard settings={data.settings} running={data.backupJob.running} lastRun={data.backupJob.lastRun} reload={() => reload({ requestPolicy: 'network-only' })} />
          <FirmwareCard appliance={data.appliance} reload={() => reload({ requestPolicy: 'network-only' })} />
        </>
      )}
    </>
  );
}

type MaintenanceData = NonNullable<ReturnType<typeof useQuery<import('../gql/graphql').ConsoleMaintenanceQuery>>[0]['data']>;

function RepairCard({ repair, reload }: { repair: MaintenanceData['repair']; reload: () => void }) {
  const [repairing, runRepair] = useMutation(Repair);
  const [reconstructing, reconstruct] = useMutation(Reconstruct);
  const [expunge, setExpunge] = useState(false);
  const [userName, setUserName] = useState('');
  const [findResult, setFound] = useState<string>();
  const [{ data: found }] = useQuery({ query: FindUser, variables: { shortName: userName.trim() }, pause: !userName.trim() });
  const { saved, show } = useSaved();

  async function startRepair() {
    const r = await runRepair({ input: { wait: false, expungeMissingFiles: expunge } });
    if (!r.error) {
      show();
      reload();
    }
  }
  async function runReconstruct(e: FormEvent) {
    e.preventDefault();
    const id = found?.user?.id;
    if (!id) {
      setFound(`No user named "${userName.trim()}".`);
      return;
    }
    setFound(undefined);
    const r = await reconstruct({ input: { userId: id, expungeMissingFiles: expunge } });
    if (r.data) {
      const m = r.data.reconstructMailboxes.mailboxes;
      setFound(`${m.length} mailboxes: ${m.reduce((n, x) => n + x.added, 0)} messages added, ${m.reduce((n, x) => n + x.missing, 0)} missing files, ${m.reduce((n, x) => n + x.resized, 0)} sizes corrected.`);
    }
  }
  return (
    <section className="card" aria-labelledby="repair-title">
      <h2 id="repair-title">
        Repair the mail database <SavedNote saved={saved} text="Repair started" />
      </h2>
      <p>Checks the database and the message files, moves files of no mailbox to lost+found and reconstructs every mailbox. Safe while mail is served.</p>
      <p>
        {repair.running ? (
          <>
            Running: {repair.progress?.step}{' '}
            {repair.progress ? <progress max={repair.progress.total || 1} value={repair.progress.done} aria-label="Repair progress" /> : null}
          </>
        ) : repair.lastRun ? (
          `Last run: ${repair.lastRun.outcome.toLowerCase()}${repair.lastRun.finishedAt ? `, ${formatTime(repair.lastRun.finishedAt)}` : ''}. ${repair.lastRun.output}`
        ) : (
          'Never run.'
        )}
      </p>
      {repairing.error ? <ErrorState error={repairing.error} /> : null}
      <Control>
        <label className="check">
          <input type="checkbox" checked={expunge} onChange={(e) => setExpunge(e.target.checked)} /> Expunge messages whose file is gone (otherwise they are only reported)
        </label>
        <div className="actions">
          <button type="button" className="primary" disabled={repair.running} onClick={() => void startRepair()}>
            Repair now
          </button>
        </div>
        <form className="inline-form" aria-label="Reconstruct a user's mailboxes" onSubmit={(e) => void runReconstruct(e)}>
          <TextField label="Reconstruct the mailboxes of user" field="userId" value={userName} onChange={setUserName} error={reconstructing.error} autoComplete="off" />
          <button type="submit" disabled={!userName.trim() || reconstructing.fetching}>
            Reconstruct
          </button>
          <FieldError id="reconstruct-error" error={formError(reconstructing.error, ['userId'])} />
        </form>
      </Control>
      {findResult ? <p role="status">{findResult}</p> : null}
    </section>
  );
}

function BackupsCard({ settings, running, lastRun, reload }: { settings: MaintenanceData['settings']; running: boolean; lastRun: MaintenanceData['backupJob']['lastRun']; reload: () => void }) {
  const [{ data, error }, reloadBackups] = useQuery({ query: Backups, requestPolicy: 'cache-and-network', pause: !settings.backupDirectory });
  const [starting, runBackup] = useMutation(RunBackup);
  const [deleting, deleteBackup] = useMutation(DeleteBackup);
  const [confirm, setConfirm] = useState<string>();
  const [restoreName, setRestoreName] = useState<string>();
  const [restoring, restore] = useMutation(RestoreBackup);
  const [{ data: restoreData }, reloadRestore] = useQuery({ query: RestoreStatus, requestPolicy: 'cache-and-network' });
  const restoreState = restoreData?.restoreStatus;
  useInterval(() => reloadRestore({ requestPolicy: 'network-only' }), restoreState?.state === 'VERIFYING' || restoreState?.state === 'RESTORING' ? 2000 : 60_000);
  const [downloadError, setDownloadError] = useState<string>();
  const session = useSession();
  const { saved, show } = useSaved();

  async function download(path: string, name: string) {
    setDownloadError(undefined);
    const response = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
    if (!response.ok) {
      setDownloadError(`The download was refused (HTTP ${response.status}).`);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `pillarbox-backup-${name}.tar`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  return (
    <section className="card" aria-labelledby="backup-title">
      <h2 id="backup-title">
        Backups <SavedNote saved={saved} />
      </h2>
      {!settings.backupDirectory ? (
        <p>
          No backup directory is set: set <code>backupDirectory</code> (Settings, Advanced, Maintenance) to an absolute directory on another disk.
        </p>
      ) : (
        <p>
          Into <code>{settings.backupDirectory}</code>, keeping {settings.backupKeep}; schedule {settings.backupSchedule ? <code>{settings.backupSchedule}</code> : 'none'}.{' '}
          {running ? 'A backup is being taken now.' : lastRun ? `Last: ${lastRun.outcome.toLowerCase()}${lastRun.finishedAt ? `, ${formatTime(lastRun.finishedAt)}` : ''}.` : ''}
        </p>
      )}
      {restoreState && restoreState.state !== 'IDLE' ? (
        <p className={restoreState.state === 'FAILED' ? 'state state-error' : 'notice'} role="status">
          Restore of {restoreState.backup ?? 'a backup'}: {restoreState.state.toLowerCase()}
          {restoreState.state === 'VERIFYING' ? ` (${restoreState.filesChecked} of ${restoreState.filesTotal} files checked)` : ''}. {restoreState.message}
        </p>
      ) : null}
      {restoring.error ? <ErrorState error={restoring.error} title="The restore was refused" /> : null}
      {starting.error ? <ErrorState error={starting.error} /> : null}
      {deleting.error ? <ErrorState error={deleting.error} /> : null}
      {error ? <ErrorState error={error} /> : null}
      {downloadError ? <p className="state state-error">{downloadError}</p> : null}
      {settings.backupDirectory ? (
        <>
          <Control>
            <button
              type="button"
              className="primary"
              disabled={running}
              onClick={() =>
                void runBackup({}).then((r) => {
                  if (!r.error) {
                    show();
                    reload();
                    reloadBackups({ requestPolicy: 'network-only' });
                  }
                })
              }
            >
              Back up now
            </button>
          </Control>
          {data && !data.backups.length ? <Empty>No backups yet.</Empty> : null}
          {data?.backups.length ? (
            <div className="table-scroll">
              <table className="plain-table">
                <thead>
                  <tr>
                    <th scope="col">Backup</th>
                    <th scope="col">Finished</th>
                    <th scope="col">Size</th>
                    <th scope="col">Files</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.backups.map((b) => (
                    <tr key={b.name}>
                      <td>
                        {b.name} {b.complete ? null : <span className="badge warn">incomplete</span>}
                      </td>
                      <td>{b.finishedAt ? formatTime(b.finishedAt) : '—'}</td>
                      <td>
                        {formatBytes(b.sizeBytes)} ({formatBytes(b.copiedBytes)} new)
                      </td>
                      <td>
                        {b.files}
                        {b.missingFiles ? `, ${b.missingFiles} missing` : ''}
                      </td>
                      <td>
                        <Control>
                          <span className="row-actions">
                            {b.downloadPath ? (
                              <button type="button" onClick={() => void download(b.downloadPath as string, b.name)}>
                                Download<span className="visually-hidden"> {b.name}</span>
                              </button>
                            ) : null}
                            {b.complete ? (
                              <button type="button" onClick={() => setRestoreName(b.name)}>
                                Restore<span className="visually-hidden"> {b.name}</span>
                              </button>
                            ) : null}
                            <button type="button" className="danger" onClick={() => setConfirm(b.name)}>
                              Delete<span className="visually-hidden"> {b.name}</span>
                            </button>
                          </span>
                        </Control>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={`Delete backup ${confirm}?`}
          confirmLabel="Delete backup"
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            const name = confirm;
            setConfirm(undefined);
            void deleteBackup({ input: { name } }).then((r) => !r.error && reloadBackups({ requestPolicy: 'network-only' }));
          }}
        >
          <p>Later backups keep their own copies of the files they share with it.</p>
        </ConfirmDialog>
      ) : null}
      {restoreName ? (
        <ConfirmDialog
          title={`Restore backup ${restoreName}?`}
          confirmLabel="Restore"
          typeToConfirm="RESTORE"
          onCancel={() => setRestoreName(undefined)}
          onConfirm={() => {
            const name = restoreName;
            setRestoreName(undefined);
            void restore({ input: { name, confirm: 'RESTORE' } }).then(() => reloadRestore({ requestPolicy: 'network-only' }));
          }}
        >
          <p>Every mail, account and setting changed since this backup is replaced by the backup's. Its files are checked first while mail is served; then the engine stops, restores and starts again on the restored store (the console reconnects).</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function FirmwareCard({ appliance, reload }: { appliance: MaintenanceData['appliance']; reload: () => void }) {
  const [fetching, fetchImage] = useMutation(FetchImage);
  const [updating, scheduleUpdate] = useMutation(ScheduleUpdate);
  const [rollingBack, scheduleRollback] = useMutation(ScheduleRollback);
  const [resetting, scheduleReset] = useMutation(ScheduleFactoryReset);
  const [cancelling, cancel] = useMutation(CancelFirmware);
  const [image, setImage] = useState({ name: '', url: '', sha256: '' });
  const [confirm, setConfirm] = useState<{ kind: 'update'; image: string } | { kind: 'rollback' } | { kind: 'reset' }>();
  const { saved, show } = useSaved();
  const done = (r: { error?: unknown }) => {
    if (!r.error) {
      show();
      reload();
    }
  };
  if (!appliance.available) {
    return (
      <section className="card" aria-labelledby="firmware-title">
        <h2 id="firmware-title">System</h2>
        <p>This engine does not run on the Pillarbox appliance: system update, rollback and factory reset are done by the appliance's firmware agent and are not available here.</p>
      </section>
    );
  }
  const error = fetching.error ?? updating.error ?? rollingBack.error ?? resetting.error ?? cancelling.error;
  return (
    <section className="card" aria-labelledby="firmware-title">
      <h2 id="firmware-title">
        System <SavedNote saved={saved} text="Scheduled" />
      </h2>
      <dl className="pairs wide">
        <dt>System version</dt>
        <dd>{appliance.systemVersion ?? '—'}</dd>
        <dt>Running slot</dt>
        <dd>
          {appliance.runningSlot ?? '—'}
          {appliance.trialSlot ? ` (on trial: ${appliance.trialSlot})` : ''}
        </dd>
      </dl>
      {appliance.pendingRequest ? (
        <p className="notice">
          Pending: {appliance.pendingRequest.action.toLowerCase().replace('_', ' ')} {appliance.pendingRequest.image ?? ''} — {appliance.pendingRequest.state.toLowerCase()}
          {appliance.pendingRequest.notBefore ? ` at ${formatTime(appliance.pendingRequest.notBefore)}` : ''}. {appliance.pendingRequest.message}{' '}
          <Control>
            <button type="button" onClick={() => void cancel({}).then(done)}>
              Cancel it
            </button>
          </Control>
        </p>
      ) : appliance.lastRequest ? (
        <p className="muted">
          Last: {appliance.lastRequest.action.toLowerCase()} — {appliance.lastRequest.state.toLowerCase()}. {appliance.lastRequest.message}
        </p>
      ) : null}
      {error ? <ErrorState error={error} /> : null}
      <h3>System images</h3>
      {appliance.images.length ? (
        <ul className="item-list">
          {appliance.images.map((i) => (
            <li key={i.name}>
              <strong>{i.name}</strong> {formatBytes(i.size)} {i.fetchingFrom ? <span className="badge warn">downloading</span> : null}
              <Control>
                {!i.fetchingFrom ? (
                  <button type="button" onClick={() => setConfirm({ kind: 'update', image: i.name })}>
                    Update to {i.name}
                  </button>
                ) : null}
              </Control>
            </li>
          ))}
        </ul>
      ) : (
        <Empty>No system images downloaded.</Empty>
      )}
      <Control>
        <form
          className="inline-form"
          aria-label="Download a system image"
          onSubmit={(e) => {
            e.preventDefault();
            void fetchImage({ input: { name: image.name.trim(), url: image.url.trim(), sha256: image.sha256.trim() || null } }).then(done);
          }}
        >
          <TextField label="Image name" field="name" value={image.name} onChange={(v) => setImage({ ...image, name: v })} error={fetching.error} autoComplete="off" />
          <TextField label="URL" field="url" value={image.url} onChange={(v) => setImage({ ...image, url: v })} error={fetching.error} autoComplete="off" />
          <TextField label="SHA-256 (optional)" field="sha256" value={image.sha256} onChange={(v) => setImage({ ...image, sha256: v })} error={fetching.error} autoComplete="off" />
          <button type="submit">Download image</button>
        </form>
        <div className="actions">
          <button type="button" onClick={() => setConfirm({ kind: 'rollback' })}>
            Roll back to the other system
          </button>
          <button type="button" className="danger" onClick={() => setConfirm({ kind: 'reset' })}>
            Factory reset…
          </button>
        </div>
      </Control>
      {confirm?.kind === 'update' ? (
        <ConfirmDialog title={`Update the system to ${confirm.image}?`} confirmLabel="Update and restart" danger={false} onCancel={() => setConfirm(undefined)} onConfirm={() => (setConfirm(undefined), void scheduleUpdate({ input: { image: confirm.image } }).then(done))}>
          <p>The image is written to the other system slot and the appliance restarts into it on trial; it rolls back on its own if the engine is not healthy. Mail is not served during the restart.</p>
        </ConfirmDialog>
      ) : null}
      {confirm?.kind === 'rollback' ? (
        <ConfirmDialog title="Roll back the system?" confirmLabel="Roll back and restart" onCancel={() => setConfirm(undefined)} onConfirm={() => (setConfirm(undefined), void scheduleRollback({ input: {} }).then(done))}>
          <p>The appliance restarts into the system in the other slot.</p>
        </ConfirmDialog>
      ) : null}
      {confirm?.kind === 'reset' ? (
        <ConfirmDialog title="Erase everything?" confirmLabel="Factory reset" typeToConfirm="ERASE" onCancel={() => setConfirm(undefined)} onConfirm={() => (setConfirm(undefined), void scheduleReset({ input: { confirm: 'ERASE' } }).then(done))}>
          <p>A factory reset erases the data partition: all mail, users and settings. The appliance then restarts into a first boot.</p>
        </ConfirmDialog>
      ) : null}
      {appliance.history.length ? (
        <details data-view>
          <summary>History</summary>
          <ul>
            {appliance.history.map((h, i) => (
              <li key={i}>{h}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

export const maintenancePane: Pane = { id: 'maintenance', title: 'Maintenance', group: 'Server', component: Maintenance };
