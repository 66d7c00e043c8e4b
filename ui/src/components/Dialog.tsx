import type { ComponentChildren, RefObject, TargetedMouseEvent } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

export type DialogProps = {
  open: boolean;
  title: string;
  /**
   * Called when the dialog asks to close: Escape or a backdrop click (each only when allowed).
   * Buttons inside the dialog call their own handlers.
   */
  onClose: () => void;
  /** Use 'alertdialog' for confirmations that interrupt, e.g. a destructive step. */
  role?: 'dialog' | 'alertdialog';
  /** Optional lead text; becomes the dialog's accessible description. */
  description?: ComponentChildren;
  /** Escape closes the dialog (default true). Set false where Escape must never confirm or dismiss. */
  closeOnEscape?: boolean;
  /** A click on the dimmed backdrop closes the dialog (default true). */
  closeOnBackdropClick?: boolean;
  /** Element to focus when the dialog opens; defaults to the first focusable element. */
  initialFocusRef?: RefObject<HTMLElement | null>;
  children?: ComponentChildren;
  /** Buttons, right-aligned at the bottom. */
  actions?: ComponentChildren;
  /** 'wide' for tables and long text (the history, a report). */
  size?: 'normal' | 'wide';
  testId?: string;
};

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

function focusableIn(container: HTMLElement): HTMLElement[] {
  return Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.hasAttribute('inert') && el.getAttribute('aria-hidden') !== 'true',
  );
}

/** Open dialogs, innermost last: only the top one reacts to keys and outside focus. */
const openStack: symbol[] = [];

/**
 * A modal dialog: labelled by its title, traps keyboard focus while open and gives focus back to
 * the element that had it before. Rendered in place (no portal); the backdrop covers the window.
 */
export function Dialog({
  open,
  title,
  onClose,
  role = 'dialog',
  description,
  closeOnEscape = true,
  closeOnBackdropClick = true,
  initialFocusRef,
  children,
  actions,
  size = 'normal',
  testId = 'dialog',
}: DialogProps) {
  const titleId = useId();
  const descriptionId = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  const pressStartedOnBackdrop = useRef(false);

  // Keep the latest options without re-running the open/close effect.
  const latest = useRef({ onClose, closeOnEscape });
  latest.current = { onClose, closeOnEscape };

  useEffect(() => {
    if (!open) return;
    const panel = panelRef.current;
    if (!panel) return;
    const token = Symbol('dialog');
    openStack.push(token);
    const isTop = () => openStack[openStack.length - 1] === token;
    const previouslyFocused =
      document.activeElement instanceof HTMLElement ? document.activeElement : null;

    const target = initialFocusRef?.current ?? focusableIn(panel)[0] ?? panel;
    target.focus();

    const onKeyDown = (event: KeyboardEvent) => {
      if (!isTop()) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        if (latest.current.closeOnEscape) latest.current.onClose();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = focusableIn(panel);
      const first = items[0];
      const last = items[items.length - 1];
      const active = document.activeElement;
      if (!first || !last) {
        event.preventDefault();
        panel.focus();
      } else if (event.shiftKey && (active === first || !panel.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    };
    // Focus that escapes by other means (a script, a click outside) is pulled back in.
    const onFocusIn = (event: FocusEvent) => {
      if (!isTop()) return;
      if (event.target instanceof Node && !panel.contains(event.target)) {
        (focusableIn(panel)[0] ?? panel).focus();
      }
    };

    document.addEventListener('keydown', onKeyDown, true);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('keydown', onKeyDown, true);
      document.removeEventListener('focusin', onFocusIn);
      const index = openStack.indexOf(token);
      if (index >= 0) openStack.splice(index, 1);
      if (previouslyFocused?.isConnected) previouslyFocused.focus();
    };
  }, [open, initialFocusRef]);

  if (!open) return null;

  const onBackdropMouseDown = (event: TargetedMouseEvent<HTMLDivElement>) => {
    pressStartedOnBackdrop.current = event.target === event.currentTarget;
  };
  const onBackdropClick = (event: TargetedMouseEvent<HTMLDivElement>) => {
    // Only a press that both started and ended on the backdrop counts (not a text selection drag).
    const onBackdrop = event.target === event.currentTarget && pressStartedOnBackdrop.current;
    pressStartedOnBackdrop.current = false;
    if (onBackdrop && closeOnBackdropClick) onClose();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the backdrop is a pointer convenience; Escape and the dialog's buttons are the keyboard path.
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard closing is handled by the document-level Escape listener.
    <div
      class="dialog-backdrop"
      data-testid="dialog-backdrop"
      onMouseDown={onBackdropMouseDown}
      onClick={onBackdropClick}
    >
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: role is always 'dialog' or 'alertdialog', both support aria-modal. */}
      <div
        ref={panelRef}
        class={`dialog dialog--${role}${size === 'wide' ? ' dialog--wide' : ''}`}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        tabIndex={-1}
        data-testid={testId}
      >
        <h2 id={titleId} class="dialog__title">
          {title}
        </h2>
        {description && (
          <div id={descriptionId} class="dialog__description">
            {description}
          </div>
        )}
        {children && <div class="dialog__body">{children}</div>}
        {actions && <div class="dialog__actions">{actions}</div>}
      </div>
    </div>
  );
}
