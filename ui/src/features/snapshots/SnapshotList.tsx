import type { TargetedKeyboardEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SnapshotView, StatusTone } from '../../api';
import { StatusPill } from '../../components';
import { formatAgo } from '../../lib/format';
import { expiryPhrase, formatClock, formatUtc, groupByDay, toMs } from '../../lib/time';
import { MarkIcon, markKind, markState } from './marks';

export type SnapshotListProps = {
  snapshots: SnapshotView[];
  now: number;
  selectedId: string | null;
  onSelect: (id: string) => void;
  labelledBy: string;
};

export function statusTone(status: string): StatusTone {
  if (status === 'Completed') return 'ok';
  if (status === 'Failed') return 'error';
  return 'busy';
}

/** What a completed snapshot can be used for, in words; nothing for one that failed or is not done. */
export function usesText(snapshot: SnapshotView): string | null {
  if (!snapshot.restorable) return null;
  return snapshot.exportable ? 'Can be exported / used for a new instance' : 'Restore only';
}

/**
 * Snapshots grouped by local day ("Today", "Yesterday", then dates) as a single-select listbox: one
 * Tab stop, ↑/↓/Home/End move, Enter or Space selects, a click selects.
 */
export function SnapshotList({
  snapshots,
  now,
  selectedId,
  onSelect,
  labelledBy,
}: SnapshotListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string | null>(selectedId);
  const groups = groupByDay(snapshots, now);
  const ids = snapshots.map((s) => s.id);
  const tabStop =
    activeId !== null && ids.includes(activeId)
      ? activeId
      : selectedId !== null && ids.includes(selectedId)
        ? selectedId
        : (ids[0] ?? null);

  useEffect(() => {
    if (selectedId !== null) setActiveId(selectedId);
  }, [selectedId]);

  const focusRow = (id: string) => {
    setActiveId(id);
    const rows = listRef.current?.querySelectorAll<HTMLElement>('[role="option"]') ?? [];
    for (const row of rows) {
      if (row.dataset.snapshotId === id) row.focus();
    }
  };

  const onKeyDown = (event: TargetedKeyboardEvent<HTMLDivElement>, id: string) => {
    const index = ids.indexOf(id);
    let next: string | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = ids[Math.min(index + 1, ids.length - 1)];
        break;
      case 'ArrowUp':
        next = ids[Math.max(index - 1, 0)];
        break;
      case 'Home':
        next = ids[0];
        break;
      case 'End':
        next = ids[ids.length - 1];
        break;
      case 'Enter':
      case ' ':
        event.preventDefault();
        onSelect(id);
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next !== undefined) focusRow(next);
  };

  return (
    <div
      ref={listRef}
      role="listbox"
      aria-labelledby={labelledBy}
      class="snapshot-list"
      data-testid="snapshot-list"
    >
      {groups.map((group) => {
        const headingId = `snapshot-day-${group.key}`;
        return (
          // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role="group", not a fieldset.
          <div
            key={group.key}
            role="group"
            aria-labelledby={headingId}
            class="snapshot-day"
            data-testid="snapshot-day"
            data-day={group.key}
          >
            <div
              id={headingId}
              role="presentation"
              class="snapshot-day__label"
              data-testid="snapshot-day-label"
            >
              {group.label}
            </div>
            {group.items.map((snapshot) => {
              const selected = snapshot.id === selectedId;
              const uses = usesText(snapshot);
              const expiry = expiryPhrase(snapshot.expiresAt, now);
              return (
                <div
                  key={snapshot.id}
                  role="option"
                  aria-selected={selected ? 'true' : 'false'}
                  tabIndex={snapshot.id === tabStop ? 0 : -1}
                  class={`snapshot-row${selected ? ' snapshot-row--selected' : ''}`}
                  data-testid="snapshot-row"
                  data-snapshot-id={snapshot.id}
                  data-status={snapshot.status}
                  data-profile={snapshot.profile}
                  data-exportable={snapshot.exportable ? 'true' : 'false'}
                  data-selected={selected ? 'true' : 'false'}
                  onClick={() => {
                    setActiveId(snapshot.id);
                    onSelect(snapshot.id);
                  }}
                  onKeyDown={(event) => onKeyDown(event, snapshot.id)}
                >
                  <time
                    class="snapshot-row__time"
                    dateTime={snapshot.timestamp}
                    title={formatUtc(snapshot.timestamp)}
                    data-testid="snapshot-time"
                  >
                    {formatClock(snapshot.timestamp)}
                  </time>
                  <span
                    class="snapshot-row__profile"
                    data-testid="snapshot-profile"
                    data-purpose={snapshot.purpose ?? undefined}
                  >
                    <MarkIcon kind={markKind(snapshot)} state={markState(snapshot)} />
                    {snapshot.purpose ?? snapshot.profileLabel}
                  </span>
                  <span class="snapshot-row__status">
                    <StatusPill
                      tone={statusTone(snapshot.status)}
                      label={snapshot.statusLabel}
                      testId="snapshot-status"
                    />
                  </span>
                  <span class="snapshot-row__uses" data-testid="snapshot-uses">
                    {uses}
                  </span>
                  <span class="snapshot-row__age" data-testid="snapshot-age">
                    {formatAgo(toMs(snapshot.timestamp), now)}
                  </span>
                  <span class="snapshot-row__expiry" data-testid="snapshot-expiry">
                    {expiry}
                  </span>
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}
