import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import type { DigestMode, MemberDelivery } from '../gql/graphql';
import { ConfirmDialog } from '../ui/confirm';
import { Control, useCanChange } from '../ui/control';
import { DataTable } from '../ui/data-table';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatTime } from '../ui/format';
import { usePaged } from '../ui/paged';
import { Empty, ErrorState, Loading } from '../ui/states';

const ListMembers = graphql(`
  query ConsoleListMembers($list: String!, $first: Int, $after: String, $search: String) {
    listMembers(list: $list, first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        address
        name
        delivery
        deliveryReason
        digest
        hidden
        createdAt
      }
    }
  }
`);

const AddListMembers = graphql(`
  mutation ConsoleAddListMembers($input: AddListMembersInput!) {
    addListMembers(input: $input) {
      added
      invited
      skipped {
        address
        reason
      }
    }
  }
`);

const RemoveListMembers = graphql(`
  mutation ConsoleRemoveListMembers($input: RemoveListMembersInput!) {
    removeListMembers(input: $input) {
      removed
      asked
      notMembers
    }
  }
`);

const UpdateListMember = graphql(`
  mutation ConsoleUpdateListMember($input: UpdateListMemberInput!) {
    updateListMember(input: $input) {
      address
    }
  }
`);

type Member = { address: string; name: string; delivery: MemberDelivery; deliveryReason: string; digest: DigestMode; hidden: boolean; createdAt: unknown };

const DELIVERY_TEXT: Record<MemberDelivery, string> = { ENABLED: 'enabled', BY_MEMBER: 'off (by the member)', BY_OWNER: 'off (by an administrator)', BY_BOUNCES: 'off (bounces)' };
const DIGEST_TEXT: Record<DigestMode, string> = { OFF: 'each post', MIME: 'MIME digest', PLAIN: 'plain digest' };

/** One address a line: "address" or "Name <address>" (the way Mailman's mass subscription takes them). */
export function parseMembers(text: string): { address: string; name?: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const named = /^(.*?)\s*<([^<>\s]+)>$/.exec(line);
      return named ? { address: named[2], name: named[1].replace(/^"|"$/g, '') || undefined } : { address: line };
    });
}

/** A list's members (paged, searched), mass subscription and removal, and one member's options. */
export function ListMembersSection({ address, onChanged }: { address: string; onChanged: () => void }) {
  const [search, setSearch] = useState('');
  const members = usePaged(ListMembers, { list: address, search: search.trim() || null }, (d) => d.listMembers, 300);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [removing, remove] = useMutation(RemoveListMembers);
  const [open, setOpen] = useState<Member>();
  const [done, setDone] = useState('');
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const changed = (what: string) => {
    setDone(what);
    show();
    members.refresh();
    onChanged();
  };

  return (
    <section className="list-members" aria-labelledby="members-title">
      <h2 id="members-title">
        Members <SavedNote saved={saved} text={done} />
      </h2>
      <div className="toolbar">
        <div className="field" data-view>
          <label htmlFor="member-search">Search members</label>
          <input id="member-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <Control>
          <div className="toolbar" role="group" aria-label="Act on the selected members">
            <span>{selected.size} selected</span>
            <button type="button" className="danger" data-changes disabled={!selected.size} onClick={() => setConfirmRemove(true)}>
              Remove selected
            </button>
          </div>
        </Control>
      </div>
      {removing.error ? <ErrorState error={removing.error} title="Nobody was removed" /> : null}
      {members.error ? (
        <ErrorState error={members.error} />
      ) : members.fetching && !members.nodes.length ? (
        <Loading />
      ) : !members.nodes.length ? (
        <Empty>{search.trim() ? 'No member matches.' : 'No members yet.'}</Empty>
      ) : (
        <DataTable
          label="Members"
          rows={members.nodes}
          rowKey={(r) => r.address}
          totalCount={members.totalCount}
          hasMore={members.hasMore}
          onLoadMore={members.loadMore}
          selected={selected}
          onSelectedChange={setSelected}
          height="50vh"
          columns={[
            { key: 'address', header: 'Address', width: '2fr', render: (r) => r.address, sortValue: (r) => r.address },
            { key: 'name', header: 'Name', width: '1.5fr', render: (r) => r.name },
            { key: 'delivery', header: 'Delivery', width: '10rem', render: (r) => DELIVERY_TEXT[r.delivery] },
            { key: 'digest', header: 'Gets', width: '8rem', render: (r) => DIGEST_TEXT[r.digest] },
            { key: 'since', header: 'Since', width: '10rem', render: (r) => formatTime(r.createdAt as string), sortValue: (r) => String(r.createdAt) },
            ...(canChange
              ? [
                  {
                    key: 'options',
                    header: 'Options',
                    width: '6rem',
                    render: (r: Member) => (
                      <button type="button" onClick={() => setOpen(r)}>
                        Options<span className="visually-hidden"> of {r.address}</span>
                      </button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {open ? <MemberOptions key={open.address} list={address} member={open} onClose={() => setOpen(undefined)} onSaved={() => (setOpen(undefined), changed(`Saved ${open.address}`))} /> : null}
      <Control>
        <AddMembers list={address} onAdded={(n) => changed(`Added ${n}`)} />
      </Control>
      {confirmRemove ? (
        <ConfirmDialog
          title={`Remove ${selected.size} member${selected.size === 1 ? '' : 's'}?`}
          confirmLabel="Remove"
          onCancel={() => setConfirmRemove(false)}
          onConfirm={() => {
            const addresses = [...selected];
            setConfirmRemove(false);
            void remove({ input: { list: address, addresses, goodbye: true } }).then((r) => {
              if (r.error || !r.data) return;
              setSelected(new Set());
              changed(`Removed ${r.data.removeListMembers.removed.length}`);
            });
          }}
        >
          <p>
            {[...selected].slice(0, 5).join(', ')}
            {selected.size > 5 ? ` and ${selected.size - 5} more` : ''} leave the list and get its goodbye message.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** Mass subscription: a box of addresses, welcomed at once or asked to confirm by mail. */
function AddMembers({ list, onAdded }: { list: string; onAdded: (count: number) => void }) {
  const [text, setText] = useState('');
  const [welcome, setWelcome] = useState(true);
  const [confirm, setConfirm] = useState(false);
  const [adding, add] = useMutation(AddListMembers);
  const [outcome, setOutcome] = useState<{ invited: string[]; skipped: { address: string; reason: string }[] }>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const members = parseMembers(text);
    if (!members.length) return;
    const result = await add({ input: { list, members, welcome, confirm } });
    if (!result.error && result.data) {
      const r = result.data.addListMembers;
      setOutcome({ invited: r.invited, skipped: r.skipped });
      // Addresses that were refused stay in the box, to be corrected.
      const skipped = new Set(r.skipped.map((s) => s.address.toLowerCase()));
      setText(members.filter((m) => skipped.has(m.address.toLowerCase())).map((m) => (m.name ? `${m.name} <${m.address}>` : m.address)).join('\n'));
      onAdded(r.added.length);
    }
  }

  return (
    <form className="card" aria-label="Add members" onSubmit={(e) => void submit(e)}>
      <h3>Add members</h3>
      <Field label="Addresses to add" field="members" error={adding.error} hint='One per line: an address, or "Name <address>".'>
        {(a) => <textarea {...a} rows={5} value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <div className="inline-form">
        <Field label="Send the welcome message" field="welcome" error={adding.error}>
          {(a) => <input {...a} type="checkbox" className="setting-check" checked={welcome} onChange={(e) => setWelcome(e.target.checked)} />}
        </Field>
        <Field label="Ask each address to confirm by mail first" field="confirm" error={adding.error}>
          {(a) => <input {...a} type="checkbox" className="setting-check" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} />}
        </Field>
        <button type="submit" className="primary" disabled={adding.fetching}>
          Add
        </button>
      </div>
      <FieldError id="add-members-error" error={formError(adding.error, ['members', 'welcome', 'confirm'])} />
      {outcome?.invited.length ? <p role="status">Asked to confirm: {outcome.invited.join(', ')}</p> : null}
      {outcome?.skipped.length ? (
        <div role="alert">
          <p>Not added:</p>
          <ul className="item-list">
            {outcome.skipped.map((s) => (
              <li key={s.address}>
                <strong>{s.address}</strong> {s.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}

/** One member's options: name, delivery (an administrator turns it off with a reason), digest, hidden from the roster. */
function MemberOptions({ list, member, onClose, onSaved }: { list: string; member: Member; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(member.name);
  const [delivery, setDelivery] = useState<MemberDelivery>(member.delivery);
  const [reason, setReason] = useState(member.deliveryReason);
  const [digest, setDigest] = useState<DigestMode>(member.digest);
  const [hidden, setHidden] = useState(member.hidden);
  const [saving, save] = useMutation(UpdateListMember);
  // An administrator can turn delivery on, or off as BY_OWNER; the other two states are shown as they are.
  const deliveries: MemberDelivery[] = ['ENABLED', 'BY_OWNER', ...(['BY_MEMBER', 'BY_BOUNCES'] as const).filter((d) => d === member.delivery)];

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      list,
      address: member.address,
      ...(name !== member.name ? { name } : {}),
      ...(delivery !== member.delivery || (delivery === 'BY_OWNER' && reason !== member.deliveryReason) ? { delivery, deliveryReason: reason } : {}),
      ...(digest !== member.digest ? { digest } : {}),
      ...(hidden !== member.hidden ? { hidden } : {}),
    };
    const result = await save({ input });
    if (!result.error) onSaved();
  }

  return (
    <form className="card" aria-label={`Options of ${member.address}`} onSubmit={(e) => void submit(e)}>
      <h3>Options of {member.address}</h3>
      <div className="form-grid form-grid-top">
        <TextField label="Name" field="name" value={name} onChange={setName} error={saving.error} />
        <Field label="Delivery" field="delivery" error={saving.error}>
          {(a) => (
            <select {...a} value={delivery} onChange={(e) => setDelivery(e.target.value as MemberDelivery)}>
              {deliveries.map((d) => (
                <option key={d} value={d}>
                  {DELIVERY_TEXT[d]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {delivery === 'BY_OWNER' ? <TextField label="Reason" field="deliveryReason" value={reason} onChange={setReason} error={saving.error} /> : null}
        <Field label="Gets" field="digest" error={saving.error}>
          {(a) => (
            <select {...a} value={digest} onChange={(e) => setDigest(e.target.value as DigestMode)}>
              {(Object.keys(DIGEST_TEXT) as DigestMode[]).map((d) => (
                <option key={d} value={d}>
                  {DIGEST_TEXT[d]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Hidden from the roster" field="hidden" error={saving.error}>
          {(a) => <input {...a} type="checkbox" className="setting-check" checked={hidden} onChange={(e) => setHidden(e.target.checked)} />}
        </Field>
      </div>
      <div className="actions">
        <FieldError id="member-options-error" error={formError(saving.error, ['name', 'delivery', 'deliveryReason', 'digest', 'hidden'])} />
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary" disabled={saving.fetching}>
          Save member
        </button>
      </div>
    </form>
  );
}
