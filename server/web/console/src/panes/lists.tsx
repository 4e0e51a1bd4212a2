import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useRoute } from 'wouter';
import { graphql } from '../gql';
import type { ConsoleListWaitingQuery, ModerationAction, SubscriptionDecision } from '../gql/graphql';
import type { Pane } from './pane';
import { Control, useCanChange } from '../ui/control';
import { DataTable } from '../ui/data-table';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes, formatTime } from '../ui/format';
import { usePaged } from '../ui/paged';
import { Empty, ErrorState, Loading, QueryState } from '../ui/states';
import { ListCreate } from './list-create';
import { ListMembersSection } from './list-members';
import { ListSettings } from './list-settings';

const Lists = graphql(`
  query ConsoleLists($first: Int, $after: String, $search: String) {
    lists(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        address
        description
        memberCount
        subscriptionApproval
        nonMemberAction
      }
    }
  }
`);

const ListWaiting = graphql(`
  query ConsoleListWaiting($list: String!) {
    list(address: $list) {
      address
      description
      owners
      memberCount
      pages {
        info
        owner
        members
        moderation
        archive
      }
      stats(days: 14) {
        members
        byDelivery {
          enabled
          byMember
          byOwner
          byBounces
        }
        byDigest {
          off
          mime
          plain
        }
        postsPerDay {
          day
          posts
        }
        heldPosts
        pendingConfirmations
        pendingApprovals
        bouncingMembers
        disabledByBounces
      }
    }
    heldPosts(list: $list) {
      id
      from
      subject
      reason
      size
      receivedAt
    }
    pendingSubscriptions(list: $list) {
      id
      address
      name
      createdAt
    }
  }
`);

const ModeratePost = graphql(`
  mutation ConsoleModeratePost($input: ModeratePostInput!) {
    moderatePost(input: $input) {
      id
    }
  }
`);

const DecideSubscription = graphql(`
  mutation ConsoleDecideSubscription($input: DecideSubscriptionInput!) {
    decideSubscription(input: $input) {
      id
    }
  }
`);

/**
 * Mailing lists (/mailing-lists), a new list (/mailing-lists/new), one list's members, held posts
 * and pending subscriptions (/mailing-lists/<address>) and its settings (…/<address>/settings).
 */
function ListsPane() {
  const [, params] = useRoute<{ address: string }>('/:address');
  const [, settings] = useRoute<{ address: string }>('/:address/settings');
  if (settings) return <ListSettings address={decodeURIComponent(settings.address)} />;
  const address = params?.address ? decodeURIComponent(params.address) : undefined;
  if (address === 'new') return <ListCreate />;
  return address ? <ListDetail address={address} /> : <ListIndex />;
}

function ListIndex() {
  const [search, setSearch] = useState('');
  const paged = usePaged(Lists, { search: search.trim() || null }, (d) => d.lists, 200);
  return (
    <>
      <h1>Mailing lists</h1>
      <p className="lede">Open a list for its members, the posts held for a moderator and subscriptions waiting for approval.</p>
      <div className="toolbar">
        <Control>
          <Link href="/new" className="button primary">
            New list
          </Link>
        </Control>
        <div className="field" data-view>
          <label htmlFor="list-search">Search lists</label>
          <input id="list-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </div>
      {paged.error ? (
        <ErrorState error={paged.error} />
      ) : paged.fetching && !paged.nodes.length ? (
        <Loading />
      ) : !paged.nodes.length ? (
        <Empty>No mailing lists.</Empty>
      ) : (
        <DataTable
          label="Mailing lists"
          rows={paged.nodes}
          rowKey={(r) => r.address}
          totalCount={paged.totalCount}
          hasMore={paged.hasMore}
          onLoadMore={paged.loadMore}
          height="50vh"
          columns={[
            { key: 'address', header: 'List', width: '1.5fr', render: (r) => <Link href={`/${encodeURIComponent(r.address)}`}>{r.address}</Link>, sortValue: (r) => r.address },
            { key: 'description', header: 'Description', width: '2fr', render: (r) => r.description },
            { key: 'members', header: 'Members', width: '6rem', render: (r) => r.memberCount, sortValue: (r) => r.memberCount },
            { key: 'approval', header: 'Approval', width: '7rem', render: (r) => (r.subscriptionApproval ? 'owner approves' : 'open') },
          ]}
        />
      )}
    </>
  );
}

function ListDetail({ address }: { address: string }) {
  const [{ data, error, fetching }, reload] = useQuery({ query: ListWaiting, variables: { list: address }, requestPolicy: 'cache-and-network' });
  const [moderating, moderate] = useMutation(ModeratePost);
  const [deciding, decide] = useMutation(DecideSubscription);
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const [done, setDone] = useState('');
  const after = (what: string) => (r: { error?: unknown }) => {
    if (!r.error) {
      setDone(what);
      show();
      reload({ requestPolicy: 'network-only' });
    }
  };
  const post = (id: number, action: ModerationAction) => void moderate({ input: { id, action } }).then(after(action === 'APPROVE' ? 'Approved' : action === 'REJECT' ? 'Rejected' : 'Discarded'));
  const subscription = (id: number, decision: SubscriptionDecision) => void decide({ input: { id, decision } }).then(after(decision === 'APPROVE' ? 'Approved' : 'Refused'));

  return (
    <>
      <p>
        <Link href="/">← Mailing lists</Link>
      </p>
      <h1>List {address}</h1>
      {error ? <ErrorState error={error} /> : !data ? (fetching ? <Loading /> : null) : !data.list ? (
        <p>No such list.</p>
      ) : (
        <>
          <p className="lede">
            {data.list.description ? `${data.list.description} · ` : ''}{data.list.memberCount} members · owners {data.list.owners.join(', ')} <SavedNote saved={saved} text={done} />
          </p>
          <p>
            <Link href={`/${encodeURIComponent(address)}/settings`}>{canChange ? 'Settings and deletion' : 'Settings'}</Link>
          </p>
          <nav aria-label="The list's web pages" className="row-actions">
            {/* The list's own pages, served by the engine beside the console (they open in their own language and login). */}
            <a href={data.list.pages.info}>Info page</a> <a href={data.list.pages.owner}>Owner pages</a> <a href={data.list.pages.moderation}>Moderation page</a>{' '}
            <a href={data.list.pages.archive}>Archive</a>
          </nav>
          <ListStatsCard stats={data.list.stats} />
          {moderating.error ? <ErrorState error={moderating.error} /> : null}
          {deciding.error ? <ErrorState error={deciding.error} /> : null}
          <section className="card" aria-labelledby="held-title">
            <h2 id="held-title">Held posts</h2>
            <QueryState fetching={false} empty={data.heldPosts.length === 0} emptyText="No posts wait for a moderator.">
              <ul className="item-list">
                {data.heldPosts.map((p) => (
                  <li key={p.id}>
                    <strong>{p.subject || '(no subject)'}</strong> from {p.from} <span className="muted">({p.reason}; {formatBytes(p.size)}, {formatTime(p.receivedAt)})</span>
                    <Control>
                      <span className="row-actions">
                        <button type="button" className="primary" onClick={() => post(p.id, 'APPROVE')}>
                          Approve<span className="visually-hidden"> {p.subject}</span>
                        </button>
                        <button type="button" onClick={() => post(p.id, 'REJECT')}>
                          Reject<span className="visually-hidden"> {p.subject}</span>
                        </button>
                        <button type="button" className="danger" onClick={() => post(p.id, 'DISCARD')}>
                          Discard<span className="visually-hidden"> {p.subject}</span>
                        </button>
                      </span>
                    </Control>
                  </li>
                ))}
              </ul>
            </QueryState>
          </section>
          <section className="card" aria-labelledby="pending-title">
            <h2 id="pending-title">Subscriptions waiting for approval</h2>
            <QueryState fetching={false} empty={data.pendingSubscriptions.length === 0} emptyText="None.">
              <ul className="item-list">
                {data.pendingSubscriptions.map((s) => (
                  <li key={s.id}>
                    <strong>{s.address}</strong> {s.name} <span className="muted">{formatTime(s.createdAt)}</span>
                    <Control>
                      <span className="row-actions">
                        <button type="button" className="primary" onClick={() => subscription(s.id, 'APPROVE')}>
                          Approve<span className="visually-hidden"> {s.address}</span>
                        </button>
                        <button type="button" className="danger" onClick={() => subscription(s.id, 'REFUSE')}>
                          Refuse<span className="visually-hidden"> {s.address}</span>
                        </button>
                      </span>
                    </Control>
                  </li>
                ))}
              </ul>
            </QueryState>
          </section>
        </>
      )}
      {data?.list ? <ListMembersSection address={address} onChanged={() => reload({ requestPolicy: 'network-only' })} /> : null}
    </>
  );
}

type Stats = NonNullable<ConsoleListWaitingQuery['list']>['stats'];

/** The list's figures (GraphQL `MailingList.stats`): members by state, the last two weeks' posts, what waits. */
function ListStatsCard({ stats }: { stats: Stats }) {
  const most = Math.max(1, ...stats.postsPerDay.map((d) => d.posts));
  const total = stats.postsPerDay.reduce((n, d) => n + d.posts, 0);
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Statistics</h2>
      <dl className="facts">
        <dt>Members</dt>
        <dd>
          {stats.members}: {stats.byDelivery.enabled} receiving, {stats.byDelivery.byMember} stopped by themselves, {stats.byDelivery.byOwner} by an owner, {stats.byDelivery.byBounces} by bounces
        </dd>
        <dt>Digests</dt>
        <dd>
          {stats.byDigest.off} each post, {stats.byDigest.mime} MIME digest, {stats.byDigest.plain} plain digest
        </dd>
        <dt>Waiting</dt>
        <dd>
          {stats.heldPosts} held posts, {stats.pendingConfirmations} confirmations, {stats.pendingApprovals} approvals
        </dd>
        <dt>Bounces</dt>
        <dd>
          {stats.bouncingMembers} members with a bounce score, {stats.disabledByBounces} disabled
        </dd>
      </dl>
      <table className="post-days">
        <caption>Posts in the last 14 days: {total}</caption>
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            <th scope="col">Posts</th>
          </tr>
        </thead>
        <tbody>
          {stats.postsPerDay.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>
                <meter min={0} max={most} value={d.posts} aria-hidden="true" /> {d.posts}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export const listsPane: Pane = { id: 'lists', title: 'Mailing lists', group: 'Users', component: ListsPane };
