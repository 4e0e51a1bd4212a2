import { useState } from 'react';
import { Link, Route, Switch } from 'wouter';
import { graphql } from '../gql';
import type { AccountUsageOrder } from '../gql/graphql';
import type { Pane } from './pane';
import { Control } from '../ui/control';
import { DataTable, type SortState } from '../ui/data-table';
import { formatBytes, formatNumber } from '../ui/format';
import { usePaged } from '../ui/paged';
import { ErrorState } from '../ui/states';
import { AccountEditor } from './account-editor';

const AccountUsage = graphql(`
  query ConsoleAccountUsage($first: Int, $after: String, $order: AccountUsageOrder, $reverse: Boolean, $search: String) {
    accountUsage(first: $first, after: $after, order: $order, reverse: $reverse, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        usedBytes
        limitBytes
        percent
        messages
        user {
          id
          shortName
          fullName
          mailEnabled
          protocols
          storeLocation
        }
      }
    }
  }
`);

/** Column → the API's order; USAGE and PERCENT are biggest first unless reversed, NAME A to Z. */
const ORDER: Record<string, AccountUsageOrder> = { name: 'NAME', usage: 'USAGE', percent: 'PERCENT' };

/** Server Admin's Accounts pane (users with usage and quota) and Workgroup Manager's mail tab per user. */
function Accounts() {
  return (
    <Switch>
      <Route path="/new">
        <AccountEditor />
      </Route>
      <Route path="/:id">{(params) => <AccountEditor id={params.id} />}</Route>
      <Route>
        <AccountList />
      </Route>
    </Switch>
  );
}

function AccountList() {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'name', descending: false });
  const order = ORDER[sort.key] ?? 'NAME';
  const reverse = order === 'NAME' ? sort.descending : !sort.descending;
  const paged = usePaged(AccountUsage, { order, reverse, search: search.trim() || null }, (d) => d.accountUsage, 100);
  return (
    <>
      <h1>Accounts</h1>
      <p className="lede">Mail users with the mail they store and their quota. Open a user for the mail settings (Workgroup Manager's mail tab).</p>
      <div className="toolbar">
        <div className="field" data-view>
          <label htmlFor="account-search">Search</label>
          <input id="account-search" type="search" value={search} placeholder="Name, additional name or full name" onChange={(e) => setSearch(e.target.value)} />
        </div>
        <Control>
          <Link href="/new" className="button primary">
            New user
          </Link>
        </Control>
      </div>
      {paged.error ? <ErrorState error={paged.error} /> : null}
      <DataTable
        label="Mail users"
        rows={paged.nodes}
        rowKey={(r) => r.user.id}
        totalCount={paged.totalCount}
        hasMore={paged.hasMore}
        onLoadMore={paged.loadMore}
        sort={sort}
        onSortChange={setSort}
        columns={[
          {
            key: 'name',
            header: 'User',
            width: '2fr',
            render: (r) => (
              <Link href={`/${r.user.id}`}>
                {r.user.shortName}
                {r.user.fullName ? <span className="muted"> — {r.user.fullName}</span> : null}
              </Link>
            ),
          },
          { key: 'usage', header: 'Mail stored', width: '8rem', render: (r) => `${formatBytes(r.usedBytes)} (${formatNumber(r.messages)} msgs)` },
          { key: 'quota', header: 'Quota', width: '6rem', render: (r) => (r.limitBytes ? formatBytes(r.limitBytes) : 'none') },
          {
            key: 'percent',
            header: 'Used',
            width: '7rem',
            render: (r) =>
              r.percent === null || r.percent === undefined ? (
                '—'
              ) : (
                <span>
                  <meter min={0} max={100} low={80} high={95} optimum={0} value={Math.min(100, r.percent)} aria-label={`${r.user.shortName}: ${r.percent}% of quota`} /> {r.percent}%
                </span>
              ),
          },
          { key: 'mail', header: 'Mail', width: '7rem', render: (r) => (r.user.mailEnabled ? r.user.protocols.toLowerCase().replace('both', 'POP and IMAP') : 'none') },
        ]}
      />
    </>
  );
}

export const accountsPane: Pane = { id: 'accounts', title: 'Accounts', group: 'Users', component: Accounts };
