import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface ConfirmProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The person must type this word to confirm (for what cannot be undone). */
  typeToConfirm?: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal dialog (the browser's <dialog>: focus is trapped, Escape cancels) for a dangerous mutation. */
export function ConfirmDialog({ title, children, confirmLabel, typeToConfirm, danger = true, onConfirm, onCancel }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const ready = !typeToConfirm || typed === typeToConfirm;
  return (
    <dialog ref={ref} className="confirm" aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), onCancel())}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div className="confirm-body">{children}</div>
        {typeToConfirm ? (
          <label className="field">
            Type <code>{typeToConfirm}</code> to confirm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onCancel} autoFocus>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={!ready} data-changes>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
