import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { CertificateKeyType, CertificateService } from '../gql/graphql';
import type { Pane } from './pane';
import { ConfirmDialog } from '../ui/confirm';
import { Control } from '../ui/control';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatTime } from '../ui/format';
import { ErrorState, QueryState } from '../ui/states';
import { formatList, parseList } from './admin-forms';

const Certificates = graphql(`
  query ConsoleCertificates {
    certificates(first: 500) {
      nodes {
        id
        name
        commonName
        altNames
        issuer
        origin
        status
        notAfter
        daysLeft
        isDefault
        engineOwned
        services
        domains
        keyAlgorithm
        keyBits
        fingerprintSha256
        signingRequestPem
      }
    }
  }
`);

const CreateSelfSigned = graphql(`
  mutation ConsoleCreateSelfSigned($input: CreateSelfSignedCertificateInput!) {
    createSelfSignedCertificate(input: $input) {
      id
    }
  }
`);
const CreateCsr = graphql(`
  mutation ConsoleCreateCsr($input: CreateCertificateSigningRequestInput!) {
    createCertificateSigningRequest(input: $input) {
      id
    }
  }
`);
const AddSigned = graphql(`
  mutation ConsoleAddSigned($input: AddSignedCertificateInput!) {
    addSignedCertificate(input: $input) {
      warnings
    }
  }
`);
const ImportPem = graphql(`
  mutation ConsoleImportPem($input: ImportCertificateInput!) {
    importCertificate(input: $input) {
      warnings
    }
  }
`);
const UpdateCertificate = graphql(`
  mutation ConsoleUpdateCertificate($input: UpdateCertificateInput!) {
    updateCertificate(input: $input) {
      id
    }
  }
`);
const OrderAcme = graphql(`
  mutation ConsoleOrderAcme($input: OrderAcmeCertificateInput!) {
    orderAcmeCertificate(input: $input) {
      id
    }
  }
`);
const RenewAcme = graphql(`
  mutation ConsoleRenewAcme($input: CertificateIdInput!) {
    renewAcmeCertificate(input: $input) {
      id
    }
  }
`);
const RenewSelfSigned = graphql(`
  mutation ConsoleRenewSelfSigned($input: CertificateIdInput!) {
    renewSelfSignedCertificate(input: $input) {
      id
    }
  }
`);
const DeleteCertificate = graphql(`
  mutation ConsoleDeleteCertificate($input: DeleteCertificateInput!) {
    deleteCertificate(input: $input)
  }
`);

const SERVICES: CertificateService[] = ['SMTP', 'SUBMISSION', 'SMTPS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE', 'HTTPS'];
const KEY_TYPES: CertificateKeyType[] = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECDSA_P256', 'ECDSA_P384'];
type Cert = NonNullable<ReturnType<typeof useQuery<import('../gql/graphql').ConsoleCertificatesQuery>>[0]['data']>['certificates']['nodes'][number];
type Action = 'self-signed' | 'csr' | 'import' | 'acme';

/** The certificate store (the seed's Certificate Manager): expiry, services and domains; new, imported, ACME; assign; delete with a replacement. */
function CertificatesPane() {
  const [{ data, error, fetching }, reload] = useQuery({ query: Certificates, requestPolicy: 'cache-and-network' });
  const [action, setAction] = useState<Action>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const { saved, show } = useSaved();
  const refresh = (w: string[] = []) => {
    setWarnings(w);
    setAction(undefined);
    show();
    reload({ requestPolicy: 'network-only' });
  };
  const certs = data?.certificates.nodes ?? [];
  return (
    <>
      <h1>Certificates</h1>
      <p className="lede">The certificates the services present. A service without one of its own uses the default certificate; a domain's names get its certificate by SNI.</p>
      <Control>
        <div className="toolbar">
          <button type="button" onClick={() => setAction('self-signed')}>
            New self-signed
          </button>
          <button type="button" onClick={() => setAction('csr')}>
            New signing request (CSR)
          </button>
          <button type="button" onClick={() => setAction('import')}>
            Import PEM
          </button>
          <button type="button" onClick={() => setAction('acme')}>
            Order from ACME (Let's Encrypt)
          </button>
          <SavedNote saved={saved} />
        </div>
      </Control>
      {warnings.length ? (
        <ul className="warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {action ? <NewCertificate action={action} onDone={refresh} onCancel={() => setAction(undefined)} /> : null}
      <QueryState fetching={fetching} error={error} empty={data ? certs.length === 0 : undefined} emptyText="No certificates.">
        {certs.map((c) => (
          <CertificateCard key={c.id} cert={c} others={certs.filter((o) => o.id !== c.id && o.status !== 'PENDING')} onChanged={refresh} />
        ))}
      </QueryState>
    </>
  );
}

function NewCertificate({ action, onDone, onCancel }: { action: Action; onDone: (warnings?: string[]) => void; onCancel: () => void }) {
  const [form, setForm] = useState({ name: '', commonName: '', altNames: '', keyType: 'RSA_2048' as CertificateKeyType, validityDays: '365', certificate: '', chain: '', privateKey: '', passphrase: '' });
  const [selfSigned, createSelfSigned] = useMutation(CreateSelfSigned);
  const [csr, createCsr] = useMutation(CreateCsr);
  const [imported, importPem] = useMutation(ImportPem);
  const [acme, orderAcme] = useMutation(OrderAcme);
  const error = { 'self-signed': selfSigned.error, csr: csr.error, import: imported.error, acme: acme.error }[action];
  const busy = selfSigned.fetching || csr.fetching || imported.fetching || acme.fetching;
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = form.name.trim();
    if (action === 'self-signed') {
      const r = await createSelfSigned({ input: { name, commonName: form.commonName.trim(), altNames: parseList(form.altNames), keyType: form.keyType, validityDays: Number(form.validityDays) || undefined } });
      if (!r.error) onDone();
    } else if (action === 'csr') {
      const r = await createCsr({ input: { name, commonName: form.commonName.trim(), altNames: parseList(form.altNames), keyType: form.keyType } });
      if (!r.error) onDone();
    } else if (action === 'import') {
      const r = await importPem({ input: { name, certificate: form.certificate, chain: form.chain || null, privateKey: form.privateKey, passphrase: form.passphrase || null } });
      if (!r.error) onDone(r.data?.importCertificate.warnings);
    } else {
      const r = await orderAcme({ input: { name, names: parseList(form.altNames), keyType: form.keyType } });
      if (!r.error) onDone();
    }
  }
  const fields = ['name', 'commonName', 'altNames', 'names', 'keyType', 'validityDays', 'certificate', 'chain', 'privateKey', 'passphrase'];
  const title = { 'self-signed': 'New self-signed certificate', csr: 'New certificate signing request', import: 'Import a certificate (PEM)', acme: 'Order a certificate from the ACME CA' }[action];
  return (
    <form className="card" aria-label={title} onSubmit={(e) => void submit(e)}>
      <h2>{title}</h2>
      <div className="form-grid">
        <TextField label="Name" field="name" value={form.name} onChange={(v) => set('name', v)} error={error} hint="How the store calls it." autoComplete="off" />
        {action === 'self-signed' || action === 'csr' ? (
          <>
            <TextField label="Common name" field="commonName" value={form.commonName} onChange={(v) => set('commonName', v)} error={error} hint="The host name, e.g. mail.example.com." autoComplete="off" />
            <Field label="Other names" field="altNames" error={error} hint="One per line.">
              {(a) => <textarea {...a} rows={2} value={form.altNames} onChange={(e) => set('altNames', e.target.value)} />}
            </Field>
          </>
        ) : null}
        {action === 'acme' ? (
          <Field label="Host names" field="names" error={error} hint="One per line, the first the common name; each must reach this server's port 80.">
            {(a) => <textarea {...a} rows={2} value={form.altNames} onChange={(e) => set('altNames', e.target.value)} />}
          </Field>
        ) : null}
        {action !== 'import' ? (
          <Field label="Key" field="keyType" error={error}>
            {(a) => (
              <select {...a} value={form.keyType} onChange={(e) => set('keyType', e.target.value)}>
                {KEY_TYPES.map((k) => (
                  <option key={k} value={k}>
                    {k.replace('_', ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {action === 'self-signed' ? <TextField label="Valid for (days)" field="validityDays" value={form.validityDays} onChange={(v) => set('validityDays', v)} error={error} /> : null}
        {action === 'import' ? (
          <>
            <Field label="Certificate (PEM)" field="certificate" error={error}>
              {(a) => <textarea {...a} className="code" rows={5} value={form.certificate} onChange={(e) => set('certificate', e.target.value)} />}
            </Field>
            <Field label="Chain (PEM, optional)" field="chain" error={error}>
              {(a) => <textarea {...a} className="code" rows={4} value={form.chain} onChange={(e) => set('chain', e.target.value)} />}
            </Field>
            <Field label="Private key (PEM)" field="privateKey" error={error}>
              {(a) => <textarea {...a} className="code" rows={5} value={form.privateKey} onChange={(e) => set('privateKey', e.target.value)} />}
            </Field>
            <TextField label="Key passphrase (if encrypted)" field="passphrase" type="password" value={form.passphrase} onChange={(v) => set('passphrase', v)} error={error} autoComplete="off" />
          </>
        ) : null}
      </div>
      <div className="actions">
        <FieldError id="certificate-error" error={formError(error, fields)} />
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {action === 'acme' ? (busy ? 'Ordering…' : 'Order') : action === 'import' ? 'Import' : 'Create'}
        </button>
      </div>
    </form>
  );
}

function CertificateCard({ cert, others, onChanged }: { cert: Cert; others: Cert[]; onChanged: (warnings?: string[]) => void }) {
  const [assign, setAssign] = useState<{ services: Set<CertificateService>; domains: string; isDefault: boolean }>();
  const [signed, setSigned] = useState<{ certificate: string; chain: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [replacement, setReplacement] = useState('');
  const [updating, update] = useMutation(UpdateCertificate);
  const [adding, addSigned] = useMutation(AddSigned);
  const [renewingAcme, renewAcme] = useMutation(RenewAcme);
  const [renewingSelf, renewSelf] = useMutation(RenewSelfSigned);
  const [deleting, remove] = useMutation(DeleteCertificate);
  const inUse = cert.isDefault || cert.services.length > 0 || cert.domains.length > 0;
  const error = renewingAcme.error ?? renewingSelf.error ?? deleting.error;
  const state = { VALID: 'valid', EXPIRING: 'expiring soon', EXPIRED: 'expired', PENDING: 'waiting for the signed certificate' }[cert.status];

  return (
    <section className="card" aria-labelledby={`cert-${cert.id}`}>
      <h2 id={`cert-${cert.id}`}>
        {cert.name} {cert.isDefault ? <span className="badge">default</span> : null}{' '}
        <span className={cert.status === 'VALID' ? 'badge' : cert.status === 'EXPIRED' ? 'badge bad' : 'badge warn'}>{state}</span>
      </h2>
      <dl className="pairs wide">
        <dt>Names</dt>
        <dd className="wrap">{[cert.commonName, ...cert.altNames.filter((n) => n !== cert.commonName)].join(', ')}</dd>
        <dt>Issuer</dt>
        <dd className="wrap">{cert.issuer || '—'}</dd>
        <dt>Origin</dt>
        <dd>
          {cert.origin.toLowerCase().replace('_', '-')}
          {cert.engineOwned ? ' (made and renewed by the engine)' : ''}
        </dd>
        <dt>Expires</dt>
        <dd>{cert.notAfter ? `${formatTime(cert.notAfter)} (${cert.daysLeft} days)` : '—'}</dd>
        <dt>Key</dt>
        <dd>
          {cert.keyAlgorithm} {cert.keyBits}
        </dd>
        <dt>Services</dt>
        <dd>{cert.services.length ? cert.services.join(', ') : cert.isDefault ? 'every service without its own' : 'none'}</dd>
        <dt>Domains</dt>
        <dd>{cert.domains.join(', ') || 'none'}</dd>
      </dl>
      {cert.signingRequestPem ? (
        <details data-view>
          <summary>Signing request (send this to the CA)</summary>
          <pre className="block">{cert.signingRequestPem}</pre>
        </details>
      ) : null}
      {error ? <ErrorState error={error} /> : null}
      <Control>
        <div className="row-actions">
          {cert.status !== 'PENDING' ? (
            <button type="button" onClick={() => setAssign({ services: new Set(cert.services), domains: formatList(cert.domains), isDefault: cert.isDefault })}>
              Assign…
            </button>
          ) : (
            <button type="button" onClick={() => setSigned({ certificate: '', chain: '' })}>
              Add the signed certificate…
            </button>
          )}
          {cert.origin === 'ACME' ? (
            <button type="button" disabled={renewingAcme.fetching} onClick={() => void renewAcme({ input: { id: cert.id } }).then((r) => !r.error && onChanged())}>
              Renew now
            </button>
          ) : null}
          {cert.origin === 'SELF_SIGNED' ? (
            <button type="button" onClick={() => void renewSelf({ input: { id: cert.id } }).then((r) => !r.error && onChanged())}>
              Make anew
            </button>
          ) : null}
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            Delete<span className="visually-hidden"> {cert.name}</span>
          </button>
        </div>
        {assign ? (
          <form
            aria-label={`Assign ${cert.name}`}
            onSubmit={(e) => {
              e.preventDefault();
              void update({ input: { id: cert.id, services: [...assign.services], domains: parseList(assign.domains), ...(assign.isDefault && !cert.isDefault ? { isDefault: true } : {}) } }).then((r) => {
                if (!r.error) {
                  setAssign(undefined);
                  onChanged();
                }
              });
            }}
          >
            <fieldset className="settings-section">
              <legend>Services that present it</legend>
              <div className="check-grid">
                {SERVICES.map((s) => (
                  <label key={s} className="check">
                    <input
                      type="checkbox"
                      checked={assign.services.has(s)}
                      onChange={(e) => {
                        const next = new Set(assign.services);
                        if (e.target.checked) next.add(s);
                        else next.delete(s);
                        setAssign({ ...assign, services: next });
                      }}
                    />{' '}
                    {s}
                  </label>
                ))}
              </div>
              <Field label="Domains (by SNI)" field="domains" error={updating.error} hint="One per line.">
                {(a) => <textarea {...a} rows={2} value={assign.domains} onChange={(e) => setAssign({ ...assign, domains: e.target.value })} />}
              </Field>
              <label className="check">
                <input type="checkbox" checked={assign.isDefault} disabled={cert.isDefault} onChange={(e) => setAssign({ ...assign, isDefault: e.target.checked })} /> The default certificate
              </label>
            </fieldset>
            <div className="actions">
              <FieldError id={`assign-${cert.id}-error`} error={formError(updating.error, ['domains'])} />
              <button type="button" onClick={() => setAssign(undefined)}>
                Cancel
              </button>
              <button type="submit" className="primary">
                Save
              </button>
            </div>
          </form>
        ) : null}
        {signed ? (
          <form
            aria-label={`Signed certificate for ${cert.name}`}
            onSubmit={(e) => {
              e.preventDefault();
              void addSigned({ input: { id: cert.id, certificate: signed.certificate, chain: signed.chain || null } }).then((r) => {
                if (!r.error) {
                  setSigned(undefined);
                  onChanged(r.data?.addSignedCertificate.warnings);
                }
              });
            }}
          >
            <Field label="Signed certificate (PEM)" field="certificate" error={adding.error}>
              {(a) => <textarea {...a} className="code" rows={5} value={signed.certificate} onChange={(e) => setSigned({ ...signed, certificate: e.target.value })} />}
            </Field>
            <Field label="Chain (PEM, optional)" field="chain" error={adding.error}>
              {(a) => <textarea {...a} className="code" rows={4} value={signed.chain} onChange={(e) => setSigned({ ...signed, chain: e.target.value })} />}
            </Field>
            <div className="actions">
              <FieldError id={`signed-${cert.id}-error`} error={formError(adding.error, ['certificate', 'chain'])} />
              <button type="button" onClick={() => setSigned(undefined)}>
                Cancel
              </button>
              <button type="submit" className="primary">
                Add
              </button>
            </div>
          </form>
        ) : null}
      </Control>
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${cert.name}?`}
          confirmLabel="Delete certificate"
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => {
            setConfirmDelete(false);
            void remove({ input: { id: cert.id, replacementId: replacement || null } }).then((r) => !r.error && onChanged());
          }}
        >
          <p>The certificate and its key are deleted.{inUse ? ' It is in use: choose the certificate that takes over its services, domains and default role.' : ''}</p>
          {inUse ? (
            <label className="field">
              Replacement
              <select value={replacement} onChange={(e) => setReplacement(e.target.value)}>
                <option value="">(choose one)</option>
                {others.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export const certificatesPane: Pane = { id: 'certificates', title: 'Certificates', group: 'Server', component: CertificatesPane };
