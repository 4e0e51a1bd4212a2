import { useCanChange } from './control';

/**
 * An on/off switch for a setting or a service. For an account that may not change things it
 * is plain text ("On"/"Off"), never a disabled control.
 */
export function Toggle({ label, checked, onChange, busy = false, describedBy }: { label: string; checked: boolean; onChange: (next: boolean) => void; busy?: boolean; describedBy?: string }) {
  const canChange = useCanChange();
  if (!canChange) {
    return (
      <span className={checked ? 'toggle-text on' : 'toggle-text off'}>
        <span className="visually-hidden">{label}: </span>
        {checked ? 'On' : 'Off'}
      </span>
    );
  }
  return (
    <button type="button" role="switch" className="toggle" aria-checked={checked} aria-label={label} aria-describedby={describedBy} aria-busy={busy} disabled={busy} data-changes onClick={() => onChange(!checked)}>
      <span className="toggle-track" aria-hidden="true">
        <span className="toggle-thumb" />
      </span>
      <span className="toggle-state" aria-hidden="true">
        {checked ? 'On' : 'Off'}
      </span>
    </button>
  );
}
