import type { ComponentChildren, TargetedEvent } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import type { AppError, MessageBefore } from '../api';
import { Button } from './Button';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { Progress } from './Progress';

/** The exact word the user must type before anything is overwritten. */
export const CONFIRM_WORD = 'RESTORE';

export type RestoreChoices = {
  safetySnapshot: boolean;
  /** Trimmed; null when the user gave none. */
  reason: string | null;
};

export type RestoreConfirmDialogProps = {
  title: string;
  /** Lead text: what is replaced with what. */
  description: ComponentChildren;
  /** The name of what is overwritten, for the confirm button ("Restore Production"). */
  name: string;
  /** Shown first in the form, e.g. the data-loss sentence. */
  children?: ComponentChildren;
  /** What it costs: unavailability, "This cannot be undone." */
  warning: ComponentChildren;
  safetyDefault: boolean;
  safetyDisabled?: boolean;
  safetyHint: string;
  /** The message to send colleagues before starting (the engine's, from the plan; absent until it is in). */
  messageBefore?: MessageBefore;
  /** The one-time token is in hand (confirm stays disabled until then). */
  prepared: boolean;
  prepareError: AppError | null;
  onRetryPrepare: () => void;
  submitting: boolean;
  submitError: AppError | null;
  /** Called only with RESTORE typed exactly and the token in hand. */
  onConfirm: (choices: RestoreChoices) => void;
  onClose: () => void;
  testId: string;
};

/**
 * The shared confirmation for overwriting an instance (from a snapshot or from a file): type
 * RESTORE exactly, a safety snapshot first (on by default), an optional reason for the history.
 * Escape and Cancel only close; a click on the backdrop does nothing; nothing here confirms by
 * accident. Mount it only while open.
 */
export function RestoreConfirmDialog({
  title,
  description,
  name,
  children,
  warning,
  safetyDefault,
  safetyDisabled = false,
  safetyHint,
  messageBefore,
  prepared,
  prepareError,
  onRetryPrepare,
  submitting,
  submitError,
  onConfirm,
  onClose,
  testId,
}: RestoreConfirmDialogProps) {
  const formId = useId();
  const confirmInput = useRef<HTMLInputElement>(null);
  const [safety, setSafety] = useState(safetyDefault && !safetyDisabled);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');

  const ready = prepared && typed === CONFIRM_WORD;
  // Off, whatever was ticked, once the plan says Aura cannot take one (it may say so after the dialog opened).
  const safetyOn = safety && !safetyDisabled;

  const submit = (event?: TargetedEvent<HTMLFormElement>) => {
    event?.preventDefault();
    if (!ready || submitting) return;
    onConfirm({ safetySnapshot: safetyOn, reason: reason.trim() || null });
  };

  return (
    <Dialog
      open
      role="alertdialog"
      title={title}
      description={description}
      onClose={onClose}
      closeOnBackdropClick={false}
      initialFocusRef={confirmInput}
      testId={testId}
    >
      <form id={formId} class="form" onSubmit={submit}>
        {children}
        <p class="warning">{warning}</p>

        <div class="field field--check">
          <label>
            <input
              type="checkbox"
              checked={safetyOn}
              disabled={safetyDisabled}
              onChange={(event) => setSafety(event.currentTarget.checked)}
              data-testid="restore-safety-snapshot"
            />{' '}
            Take a safety snapshot first
          </label>
          <p class="field__hint" data-testid="restore-safety-hint">
            {safetyHint}
          </p>
        </div>

        <div class="field">
          <label for={`${formId}-reason`}>Reason (for the history)</label>
          <input
            id={`${formId}-reason`}
            type="text"
            value={reason}
            maxLength={500}
            placeholder="Optional, e.g. “Undo the failed migration”"
            onInput={(event) => setReason(event.currentTarget.value)}
            data-testid="restore-reason"
          />
        </div>

        {messageBefore && (
          <details class="message-before" data-testid="restore-message-before">
            <summary>Tell your colleagues first: a message ready to send</summary>
            <p class="field__hint">
              Copy it, send it, then come back and restore. It says when, how long, the impact and
              what will be lost{safetyOn ? ', and that a safety snapshot is taken first' : ''}.
            </p>
            <pre class="report__text" data-testid="restore-message-before-text">
              {safetyOn ? messageBefore.withSafetySnapshot : messageBefore.withoutSafetySnapshot}
            </pre>
            <CopyButton
              text={
                safetyOn ? messageBefore.withSafetySnapshot : messageBefore.withoutSafetySnapshot
              }
              what="message for before the restore"
              testId="copy-restore-message-before"
            />
          </details>
        )}

        <div class="field">
          <label for={`${formId}-confirm`}>
            Type <strong>{CONFIRM_WORD}</strong> to confirm
          </label>
          <input
            id={`${formId}-confirm`}
            ref={confirmInput}
            type="text"
            value={typed}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            onInput={(event) => setTyped(event.currentTarget.value)}
            data-testid="restore-confirm-input"
          />
        </div>

        {!prepared && !prepareError && (
          <Progress label="Getting the restore ready…" testId="restore-preparing" />
        )}
        {prepareError && (
          <ErrorNotice
            error={prepareError}
            title="Lifeboat couldn't get this restore ready. Nothing was changed."
            onRetry={onRetryPrepare}
            testId="restore-prepare-error"
          />
        )}
        {submitError && (
          <ErrorNotice
            error={submitError}
            title="The restore did not start."
            testId="restore-error"
          />
        )}

        <div class="dialog__actions">
          <Button onClick={onClose} data-testid="restore-cancel">
            Cancel
          </Button>
          <Button
            variant="danger"
            type="submit"
            disabled={!ready}
            loading={submitting}
            data-testid="restore-confirm"
          >
            Restore {name}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
