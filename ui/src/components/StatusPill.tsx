import type { StatusTone } from '../api';

export type StatusPillProps = {
  tone: StatusTone;
  /** Plain words shown in the pill; the colour only repeats what the words say. */
  label: string;
  testId?: string;
};

/** A status in words, with a tone colour and a tone-specific shape so colour is never the only cue. */
export function StatusPill({ tone, label, testId }: StatusPillProps) {
  return (
    <span class={`pill pill--${tone}`} data-tone={tone} data-testid={testId}>
      <span class="pill__icon" aria-hidden="true" />
      <span class="pill__label">{label}</span>
    </span>
  );
}
