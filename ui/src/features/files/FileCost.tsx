import type { FileRestoreCost } from '../../api';
import { formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';

/**
 * What a restore from a file costs, in the engine's three sentences (the same on the card, in the dialog and in
 * the report): what the instance holds now, how old the file's data is, and what is lost. The backup's own time
 * is added in local time; a file without a date says its age is unknown.
 */
export function FileCost({ cost, testId }: { cost: FileRestoreCost; testId: string }) {
  const now = useNow(60_000);
  return (
    <div
      class="loss file-cost"
      data-testid={testId}
      data-age-known={String(cost.dataTime !== null)}
    >
      <p data-testid={`${testId}-now`}>{cost.holdsNow}</p>
      <p data-testid={`${testId}-age`}>
        {cost.dataAge}
        {cost.dataTime && (
          <>
            {' '}
            (
            <time dateTime={cost.dataTime} title={formatUtc(cost.dataTime)}>
              {sincePhrase(cost.dataTime, now)}
            </time>
            )
          </>
        )}
      </p>
      <p data-testid={`${testId}-loss`}>
        <strong>{cost.loss}</strong>
      </p>
    </div>
  );
}
