import { useCallback, useEffect, useRef, useState } from 'react';

/** "Saved" feedback: call `show()` after a mutation succeeded; the note stays a few seconds. */
export function useSaved(ms = 4000): { saved: boolean; show: () => void } {
  const [saved, setSaved] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const show = useCallback(() => {
    setSaved(true);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setSaved(false), ms);
  }, [ms]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return { saved, show };
}

/** A polite live region, so screen readers hear it too. */
export function SavedNote({ saved, text = 'Saved' }: { saved: boolean; text?: string }) {
  return (
    <span className="saved" role="status" aria-live="polite">
      {saved ? `✓ ${text}` : ''}
    </span>
  );
}
