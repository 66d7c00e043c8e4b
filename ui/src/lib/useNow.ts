import { useEffect, useState } from 'preact/hooks';

/** The current time (epoch ms), re-read every `everyMs` so relative times like "12 s ago" tick. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
