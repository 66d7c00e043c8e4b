import type { InspectionCheck } from '../../api';
import { checkIcon, checkLabel, checkState, checkWord } from '../../lib/files';

/**
 * The inspector's checks of a backup file (readable, complete, compatible, fits), one line each with an
 * icon and a word, as the file card and the snapshot export show them. Nothing when there are none.
 */
export function CheckList({ checks, testId }: { checks: InspectionCheck[]; testId: string }) {
  if (checks.length === 0) return null;
  return (
    // biome-ignore lint/a11y/noRedundantRoles: WebKit drops list semantics from unstyled lists; keep the role explicit.
    <ul class="checklist" role="list" aria-label="Checks">
      {checks.map((check) => {
        const state = checkState(check);
        return (
          <li
            key={check.id}
            class={`check check--${state}`}
            data-testid={testId}
            data-check-id={check.id}
            data-ok={state}
          >
            <span class="check__icon" aria-hidden="true">
              {checkIcon(state)}
            </span>
            <span class="check__label">{checkLabel(check.id)}</span>
            <span class="check__state">{checkWord(state)}</span>
            {check.message && <span class="check__message">{check.message}</span>}
          </li>
        );
      })}
    </ul>
  );
}
