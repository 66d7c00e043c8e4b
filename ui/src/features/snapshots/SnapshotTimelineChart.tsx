import type { TargetedKeyboardEvent } from 'preact';
import { useRef } from 'preact/hooks';
import type { SnapshotView } from '../../api';
import { sincePhrase, toMs } from '../../lib/time';
import { dayStarts, labelStep, timelineRange, xForTime } from '../../lib/timeline';
import { MarkIcon, MarkShape, markKind, markState } from './marks';

export type SnapshotTimelineChartProps = {
  /** Newest first, as the shell sends them. */
  snapshots: SnapshotView[];
  /** Days to show back from `now` (stretched to include older snapshots). */
  days: number;
  now: number;
  selectedId: string | null;
  onSelect: (id: string) => void;
};

const WIDTH = 720;
const HEIGHT = 92;
const PAD = 16;
const LANE_Y = { scheduled: 22, adhoc: 46 } as const;
const AXIS_Y = 64;

const dayLabelFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });

function drawRank(snapshot: SnapshotView, selectedId: string | null): number {
  if (snapshot.id === selectedId) return 4;
  const state = markState(snapshot);
  if (state === 'failed') return 3;
  if (state === 'pending') return 2;
  return markKind(snapshot) === 'adhoc' ? 1 : 0;
}

function describe(snapshot: SnapshotView, now: number): string {
  return `${snapshot.purpose ?? `${snapshot.profileLabel} snapshot`}, ${sincePhrase(snapshot.timestamp, now)}, ${snapshot.statusLabel}`;
}

/**
 * Days across, one mark per snapshot: scheduled ones as circles on the upper lane, on-demand ones as
 * diamonds on the lower lane, failed ones as crosses, unfinished ones hollow. Marks are selectable
 * by click; with the keyboard, Tab reaches the selected (or newest) mark and ←/→ move along.
 */
export function SnapshotTimelineChart({
  snapshots,
  days,
  now,
  selectedId,
  onSelect,
}: SnapshotTimelineChartProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const oldest =
    snapshots.length > 0 ? toMs(snapshots[snapshots.length - 1]?.timestamp ?? '') : undefined;
  const range = timelineRange(now, days, oldest);
  const spanDays = (range.end - range.start) / 86_400_000;
  const starts = dayStarts(range);
  const step = labelStep(spanDays);
  const useWeekday = spanDays <= 8;

  // Oldest first along the line; the selected one is drawn last so it sits on top.
  const ordered = [...snapshots].reverse();
  const ids = ordered.map((s) => s.id);
  const tabStop =
    selectedId !== null && ids.includes(selectedId) ? selectedId : ids[ids.length - 1];
  const selected = ordered.find((s) => s.id === selectedId);
  // Rare marks (on-demand, unfinished, failed) are drawn over the many scheduled ones.
  const drawOrder = [...ordered].sort((a, b) => drawRank(a, selectedId) - drawRank(b, selectedId));
  // Hourly snapshots over weeks crowd the line: draw them smaller so daily ones stand out.
  const dense = snapshots.length > (WIDTH - 2 * PAD) / 10;

  const moveTo = (id: string | undefined) => {
    if (id === undefined) return;
    onSelect(id);
    const marks =
      svgRef.current?.querySelectorAll<SVGGElement>('[data-testid="timeline-mark"]') ?? [];
    for (const mark of marks) {
      if (mark.dataset.snapshotId === id) mark.focus();
    }
  };

  const onKeyDown = (event: TargetedKeyboardEvent<SVGGElement>, id: string) => {
    const index = ids.indexOf(id);
    switch (event.key) {
      case 'ArrowLeft':
        moveTo(ids[Math.max(0, index - 1)]);
        break;
      case 'ArrowRight':
        moveTo(ids[Math.min(ids.length - 1, index + 1)]);
        break;
      case 'Home':
        moveTo(ids[0]);
        break;
      case 'End':
        moveTo(ids[ids.length - 1]);
        break;
      case 'Enter':
      case ' ':
        onSelect(id);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const caption = `Last ${Math.round(spanDays)} ${Math.round(spanDays) === 1 ? 'day' : 'days'}`;

  return (
    <figure class="timeline" data-testid="snapshot-timeline">
      <figcaption class="timeline__caption">
        {caption} · {snapshots.length} {snapshots.length === 1 ? 'snapshot' : 'snapshots'}
      </figcaption>
      {/* biome-ignore lint/a11y/useSemanticElements: an SVG drawing cannot be a fieldset; the group names its marks. */}
      <svg
        ref={svgRef}
        class="timeline__chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="group"
        aria-label={`Snapshot timeline, ${caption.toLowerCase()}. Use the left and right arrow keys to move between snapshots.`}
      >
        <line
          class="timeline__lane"
          x1={PAD}
          x2={WIDTH - PAD}
          y1={LANE_Y.scheduled}
          y2={LANE_Y.scheduled}
        />
        <line
          class="timeline__lane"
          x1={PAD}
          x2={WIDTH - PAD}
          y1={LANE_Y.adhoc}
          y2={LANE_Y.adhoc}
        />
        <line class="timeline__axis" x1={PAD} x2={WIDTH - PAD} y1={AXIS_Y} y2={AXIS_Y} />
        {starts.map((t, i) => {
          const x = xForTime(t, range, WIDTH, PAD);
          const fromEnd = starts.length - 1 - i;
          const labelled = fromEnd % step === 0 && x < WIDTH - PAD - 34;
          return (
            <g key={t} class="timeline__tick">
              <line x1={x} x2={x} y1={8} y2={AXIS_Y + 4} class="timeline__day-line" />
              {labelled && (
                <text x={x + 3} y={AXIS_Y + 18} class="timeline__label">
                  {useWeekday ? weekdayFormat.format(t) : dayLabelFormat.format(t)}
                </text>
              )}
            </g>
          );
        })}
        <text
          x={WIDTH - PAD}
          y={AXIS_Y + 18}
          class="timeline__label timeline__label--now"
          text-anchor="end"
        >
          Now
        </text>
        {selected && (
          <line
            class="timeline__guide"
            x1={xForTime(toMs(selected.timestamp), range, WIDTH, PAD)}
            x2={xForTime(toMs(selected.timestamp), range, WIDTH, PAD)}
            y1={6}
            y2={AXIS_Y}
          />
        )}
        {drawOrder.map((snapshot) => {
          const kind = markKind(snapshot);
          const state = markState(snapshot);
          const x = xForTime(toMs(snapshot.timestamp), range, WIDTH, PAD);
          const y = LANE_Y[kind];
          const isSelected = snapshot.id === selectedId;
          const label = describe(snapshot, now);
          return (
            // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; this mark acts as one.
            <g
              key={snapshot.id}
              class={`mark${isSelected ? ' mark--selected' : ''}`}
              role="button"
              tabIndex={snapshot.id === tabStop ? 0 : -1}
              aria-pressed={isSelected ? 'true' : 'false'}
              aria-label={label}
              data-testid="timeline-mark"
              data-snapshot-id={snapshot.id}
              data-status={snapshot.status}
              data-profile={snapshot.profile}
              onClick={() => onSelect(snapshot.id)}
              onKeyDown={(event) => onKeyDown(event, snapshot.id)}
            >
              <title>{label}</title>
              <circle class="mark__hit" cx={x} cy={y} r={9} />
              {isSelected && <circle class="mark__ring" cx={x} cy={y} r={9} />}
              <MarkShape
                kind={kind}
                state={state}
                x={x}
                y={y}
                size={
                  dense &&
                  kind === 'scheduled' &&
                  state === 'ok' &&
                  !snapshot.exportable &&
                  !isSelected
                    ? 3
                    : 5
                }
              />
            </g>
          );
        })}
      </svg>
      <ul class="timeline__legend" aria-label="Legend">
        <li>
          <MarkIcon kind="scheduled" state="ok" /> Scheduled
        </li>
        <li>
          <MarkIcon kind="adhoc" state="ok" /> On-demand
        </li>
        <li>
          <MarkIcon kind="scheduled" state="failed" /> Failed
        </li>
        <li>
          <MarkIcon kind="scheduled" state="pending" /> Still being taken
        </li>
      </ul>
    </figure>
  );
}
