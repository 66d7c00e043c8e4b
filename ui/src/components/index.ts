export { Button, type ButtonProps, type ButtonVariant } from './Button';
export { CopyButton, type CopyButtonProps } from './CopyButton';
export { Dialog, type DialogProps } from './Dialog';
export { EmptyState, type EmptyStateProps } from './EmptyState';
export { ErrorNotice, type ErrorNoticeProps } from './ErrorNotice';
export { MarkdownDocument } from './MarkdownDocument';
export { Progress, type ProgressProps } from './Progress';
export {
  CONFIRM_WORD,
  type RestoreChoices,
  RestoreConfirmDialog,
  type RestoreConfirmDialogProps,
} from './RestoreConfirmDialog';
export { StatusPill, type StatusPillProps } from './StatusPill';
export { type ToastApi, type ToastOptions, ToastProvider, type ToastTone, useToast } from './Toast';
