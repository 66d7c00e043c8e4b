import type { TargetedKeyboardEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { InstanceView } from '../../api';
import { StatusPill } from '../../components';
import { formatVersion } from '../../lib/format';

export type InstanceListProps = {
  instances: InstanceView[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Id of the element that names the list (the pane heading). */
  labelledBy: string;
};

/** DOM id of an instance's option, for focus handling and `aria-controls`. */
export function optionDomId(instanceId: string): string {
  return `instance-option-${instanceId}`;
}

/**
 * The instances as a single-select listbox: one Tab stop (roving tabindex), ↑/↓/Home/End move focus,
 * Enter or Space selects, a click selects.
 */
export function InstanceList({ instances, selectedId, onSelect, labelledBy }: InstanceListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string | null>(selectedId);

  // The focusable option: the one the user moved to, else the selection, else the first.
  const ids = instances.map((i) => i.id);
  const tabStop =
    activeId !== null && ids.includes(activeId)
      ? activeId
      : selectedId !== null && ids.includes(selectedId)
        ? selectedId
        : (ids[0] ?? null);

  useEffect(() => {
    if (selectedId !== null) setActiveId(selectedId);
  }, [selectedId]);

  const focusOption = (id: string) => {
    setActiveId(id);
    const options = listRef.current?.querySelectorAll<HTMLElement>('[role="option"]') ?? [];
    for (const option of options) {
      if (option.dataset.instanceId === id) option.focus();
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
    if (next !== undefined) focusOption(next);
  };

  return (
    <div
      ref={listRef}
      role="listbox"
      aria-labelledby={labelledBy}
      class="instance-list"
      data-testid="instance-list"
    >
      {instances.map((instance) => {
        const selected = instance.id === selectedId;
        const version = formatVersion(instance.version);
        return (
          <div
            key={instance.id}
            id={optionDomId(instance.id)}
            role="option"
            aria-selected={selected ? 'true' : 'false'}
            tabIndex={instance.id === tabStop ? 0 : -1}
            class={`instance-row${selected ? ' instance-row--selected' : ''}`}
            data-testid="instance-row"
            data-instance-id={instance.id}
            data-status={instance.status}
            data-selected={selected ? 'true' : 'false'}
            onClick={() => {
              setActiveId(instance.id);
              onSelect(instance.id);
            }}
            onKeyDown={(event) => onKeyDown(event, instance.id)}
          >
            <span class="instance-row__name" data-testid="instance-name">
              {instance.name}
            </span>
            <span class="instance-row__meta">
              {[instance.tierLabel, version].filter(Boolean).join(' · ')}
            </span>
            <span class="instance-row__status">
              <StatusPill
                tone={instance.statusTone}
                label={instance.statusLabel}
                testId="instance-status"
              />
            </span>
          </div>
        );
      })}
    </div>
  );
}
