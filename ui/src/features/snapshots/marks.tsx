import type { SnapshotView } from '../../api';

/** How a snapshot is drawn: shape by profile, fill by status; colour only repeats what shape says. */
export type MarkKind = 'scheduled' | 'adhoc';
export type MarkState = 'ok' | 'pending' | 'failed';

export function markKind(snapshot: Pick<SnapshotView, 'profile'>): MarkKind {
  return snapshot.profile === 'AdHoc' ? 'adhoc' : 'scheduled';
}

export function markState(snapshot: Pick<SnapshotView, 'status'>): MarkState {
  if (snapshot.status === 'Completed') return 'ok';
  if (snapshot.status === 'Failed') return 'failed';
  return 'pending';
}

/** The shape of a mark centred on (x, y): a circle (scheduled), a diamond (on-demand), a cross (failed). */
export function MarkShape({
  kind,
  state,
  x,
  y,
  size = 5,
}: {
  kind: MarkKind;
  state: MarkState;
  x: number;
  y: number;
  size?: number;
}) {
  const cls = `mark-shape mark-shape--${kind} mark-shape--${state}`;
  if (state === 'failed') {
    const s = size;
    return (
      <path
        class={cls}
        d={`M${x - s} ${y - s}L${x + s} ${y + s}M${x + s} ${y - s}L${x - s} ${y + s}`}
      />
    );
  }
  if (kind === 'adhoc') {
    const s = size + 1;
    return <path class={cls} d={`M${x} ${y - s}L${x + s} ${y}L${x} ${y + s}L${x - s} ${y}Z`} />;
  }
  return <circle class={cls} cx={x} cy={y} r={size - 0.5} />;
}

/** A small stand-alone icon of a mark, for the legend and the list. */
export function MarkIcon({ kind, state }: { kind: MarkKind; state: MarkState }) {
  return (
    <svg class="mark-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <MarkShape kind={kind} state={state} x={8} y={8} />
    </svg>
  );
}
