import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useRoute } from 'wouter';
import { graphql } from '../gql';
import type { Pane } from './pane';
import { Control } from '../ui/control';
import { DataTable } from '../ui/data-table';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatTime } from '../ui/format';
import { usePaged } from '../ui/paged';
import { ErrorState, Loading, QueryState } from '../ui/states';
import { useInterval } from '../ui/use-interval';

const Jobs = graphql(`
  query ConsoleJobs {
    jobs(first: 500) {
      nodes {
        name
        description
        enabled
        schedule
        scheduleSetting
        nextRun
        running
        progress {
          step
          done
          total
        }
        lastRun {
          id
          outcome
          startedAt
          finishedAt
        }
      }
    }
  }
`);

const JobRuns = graphql(`
  query ConsoleJobRuns($job: String, $first: Int, $after: String) {
    jobRuns(job: $job, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        job
        outcome
        trigger
        startedAt
        finishedAt
        output
        progress {
          step
          done
          total
        }
      }
    }
  }
`);

const RunJob = graphql(`
  mutation ConsoleRunJob($input: RunJobInput!) {
    runJob(input: $input) {
      run {
        id
        outcome
      }
    }
  }
`);

const outcomeText = { OK: 'OK', FAILED: 'Failed', RUNNING: 'Running' } as const;

/** The scheduled jobs, their runs, and "Run now". /jobs/<name> shows one job's runs. */
function JobsPane() {
  const [, params] = useRoute<{ name: string }>('/:name');
  const [{ data, error, fetching }, reload] = useQuery({ query: Jobs, requestPolicy: 'cache-and-network' });
  const [running, runJob] = useMutation(RunJob);
  const { saved, show } = useSaved();
  const [started, setStarted] = useState<string>();
  const selected = params?.name ? decodeURIComponent(params.name) : undefined;
  const runs = usePaged(JobRuns, { job: selected ?? null }, (d) => d.jobRuns, 100);
  const anyRunning = data?.jobs.nodes.some((j) => j.running) ?? false;
  useInterval(() => {
    reload({ requestPolicy: 'network-only' });
    runs.refresh();
  }, anyRunning ? 1500 : 15_000);

  async function runNow(name: string) {
    const result = await runJob({ input: { name, wait: false } });
    if (!result.error) {
      setStarted(name);
      show();
      reload({ requestPolicy: 'network-only' });
      runs.refresh();
    }
  }

  const jobs = data?.jobs.nodes ?? [];
  return (
    <>
      <h1>Jobs</h1>
      <p className="lede">Maintenance the server runs on a schedule (cron syntax, server time). A schedule is a setting; "Run now" starts a job at once.</p>
      {running.error ? <ErrorState error={running.error} title="The job could not start" /> : null}
      <QueryState fetching={fetching} error={error} empty={data ? jobs.length === 0 : undefined} emptyText="No jobs.">
        <div className="job-list">
          {jobs.map((j) => (
            <section key={j.name} className={selected === j.name ? 'card job current' : 'card job'} aria-labelledby={`job-${j.name}`}>
              <h2 id={`job-${j.name}`}>
                <Link href={`/${encodeURIComponent(j.name)}`}>{j.name}</Link>
              </h2>
              <p>{j.description}</p>
              <dl className="pairs">
                <dt>Schedule</dt>
                <dd>
                  {j.schedule ? <code>{j.schedule}</code> : 'not scheduled'} {j.enabled ? '' : '(feature off)'}
                </dd>
                <dt>Next run</dt>
                <dd>{j.nextRun ? formatTime(j.nextRun) : '—'}</dd>
                <dt>Last run</dt>
                <dd>{j.running ? 'running now' : j.lastRun ? `${outcomeText[j.lastRun.outcome]}, ${formatTime(j.lastRun.startedAt)}` : 'never'}</dd>
              </dl>
              {j.running && j.progress ? (
                <p>
                  <progress max={j.progress.total || 1} value={j.progress.done} aria-label={`${j.name} progress`} /> {j.progress.step}
                </p>
              ) : null}
              <p className="muted">
                Schedule setting: <code>{j.scheduleSetting}</code>
              </p>
              <Control>
                <div className="actions">
                  {started === j.name ? <SavedNote saved={saved} text="Started" /> : null}
                  <button type="button" className="primary" disabled={j.running} onClick={() => void runNow(j.name)}>
                    Run now<span className="visually-hidden">: {j.name}</span>
                  </button>
                </div>
              </Control>
            </section>
          ))}
        </div>
      </QueryState>
      <h2 id="runs-title">{selected ? `Runs of ${selected}` : 'Recent runs'}</h2>
      {selected ? (
        <p>
          <Link href="/">All jobs' runs</Link>
        </p>
      ) : null}
      {runs.error ? (
        <ErrorState error={runs.error} />
      ) : runs.fetching && !runs.nodes.length ? (
        <Loading />
      ) : (
        <DataTable
          label="Job runs"
          rows={runs.nodes}
          rowKey={(r) => r.id}
          totalCount={runs.totalCount}
          hasMore={runs.hasMore}
          onLoadMore={runs.loadMore}
          height="40vh"
          columns={[
            { key: 'job', header: 'Job', width: '10rem', render: (r) => r.job },
            { key: 'outcome', header: 'Outcome', width: '7rem', render: (r) => <span className={`outcome outcome-${r.outcome.toLowerCase()}`}>{outcomeText[r.outcome]}</span> },
            { key: 'trigger', header: 'Started by', width: '7rem', render: (r) => r.trigger.toLowerCase() },
            { key: 'started', header: 'Started', width: '11rem', render: (r) => formatTime(r.startedAt) },
            { key: 'finished', header: 'Finished', width: '11rem', render: (r) => (r.finishedAt ? formatTime(r.finishedAt) : r.progress ? `${r.progress.step} ${r.progress.done}/${r.progress.total}` : '—') },
            { key: 'output', header: 'Output', width: '3fr', render: (r) => <span title={r.output}>{r.output}</span> },
          ]}
        />
      )}
    </>
  );
}

export const jobsPane: Pane = { id: 'jobs', title: 'Jobs', group: 'Server', component: JobsPane };
