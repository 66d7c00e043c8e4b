import { formatAgo } from '../../lib/format';
import { useNow } from '../../lib/useNow';

/** "Updated 12 s ago", ticking each second. Not a live region: it would chatter every second. */
export function UpdatedAgo({ updatedAt, stale }: { updatedAt: number | null; stale: boolean }) {
  const now = useNow(1000);
  if (updatedAt === null) return null;
  return (
    <p class={`updated${stale ? ' updated--stale' : ''}`} data-testid="updated-ago">
      {stale ? 'Last updated' : 'Updated'} {formatAgo(updatedAt, now)}
    </p>
  );
}
