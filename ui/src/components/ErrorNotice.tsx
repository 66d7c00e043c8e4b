import type { AppError } from '../api';
import { Button } from './Button';

export type ErrorNoticeProps = {
  error: AppError;
  /** Shown as "Try again" only when the error is retryable. */
  onRetry?: () => void;
  retrying?: boolean;
  /** A short lead-in naming what failed, e.g. "Couldn't refresh the list." */
  title?: string;
  testId?: string;
};

/** An inline error: the backend's plain message as-is, and "Try again" when that can help. */
export function ErrorNotice({
  error,
  onRetry,
  retrying = false,
  title,
  testId = 'error-notice',
}: ErrorNoticeProps) {
  return (
    <div class="notice notice--error" role="alert" data-testid={testId} data-code={error.code}>
      <span class="notice__icon" aria-hidden="true">
        !
      </span>
      <div class="notice__text">
        {title && <p class="notice__title">{title}</p>}
        <p class="notice__message">{error.message}</p>
      </div>
      {error.retryable && onRetry && (
        <Button size="small" onClick={onRetry} loading={retrying}>
          Try again
        </Button>
      )}
    </div>
  );
}
