import { useId } from 'preact/hooks';

export type ProgressProps = {
  /** What is progressing, in plain words; also the progress bar's accessible name. */
  label: string;
  /** Current amount of `max`; `null` or absent means indeterminate (we don't know how far along). */
  value?: number | null;
  max?: number;
  /** Spoken instead of the bare number, e.g. "45 %, about 2 min left". */
  valueText?: string;
  /** Hide the visible label (it stays the accessible name). */
  hideLabel?: boolean;
  testId?: string;
};

export function Progress({
  label,
  value = null,
  max = 100,
  valueText,
  hideLabel = false,
  testId = 'progress',
}: ProgressProps) {
  const labelId = useId();
  const indeterminate = value === null || !Number.isFinite(value);
  const safeMax = max > 0 ? max : 100;
  const clamped = indeterminate ? 0 : Math.min(Math.max(value, 0), safeMax);
  const percent = (clamped / safeMax) * 100;

  return (
    <div class={`progress${indeterminate ? ' progress--indeterminate' : ''}`} data-testid={testId}>
      <div id={labelId} class={hideLabel ? 'visually-hidden' : 'progress__label'}>
        {label}
      </div>
      <div
        role="progressbar"
        class="progress__track"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={safeMax}
        aria-valuenow={indeterminate ? undefined : clamped}
        aria-valuetext={indeterminate ? undefined : valueText}
        aria-busy={indeterminate ? 'true' : undefined}
      >
        {/* Width is set through the CSSOM (allowed by the CSP), never as a style attribute string. */}
        <div class="progress__bar" style={indeterminate ? undefined : { width: `${percent}%` }} />
      </div>
    </div>
  );
}
