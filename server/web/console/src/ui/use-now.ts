import { useState } from 'react';
import { useInterval } from './use-interval';

/** The current time, ticking every `ms` (for "connected for 5 min"). */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(Date.now);
  useInterval(() => setNow(Date.now()), ms);
  return now;
}
