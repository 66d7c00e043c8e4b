import type { ComponentChildren } from 'preact';

export type EmptyStateProps = {
  title: string;
  /** What this means and what to do next, in a sentence or two. */
  children?: ComponentChildren;
  /** An optional real action (never a placeholder). */
  action?: ComponentChildren;
  testId?: string;
};

export function EmptyState({ title, children, action, testId = 'empty-state' }: EmptyStateProps) {
  return (
    <div class="empty-state" data-testid={testId}>
      <svg class="empty-state__icon" viewBox="0 0 48 48" aria-hidden="true">
        <circle cx="24" cy="24" r="18" fill="none" stroke="currentColor" stroke-width="2.5" />
        <circle cx="24" cy="24" r="8" fill="none" stroke="currentColor" stroke-width="2.5" />
      </svg>
      <h2 class="empty-state__title">{title}</h2>
      {children && <div class="empty-state__body">{children}</div>}
      {action && <div class="empty-state__action">{action}</div>}
    </div>
  );
}
