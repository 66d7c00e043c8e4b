import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Button } from './Button';

export type ToastTone = 'info' | 'success' | 'error';

export type ToastOptions = {
  message: string;
  tone?: ToastTone;
  /** One real follow-up, e.g. "Try again". */
  action?: { label: string; onAction: () => void };
  /**
   * Auto-dismiss after this many milliseconds. Defaults: 5 s for info/success; errors stay until
   * dismissed (pass a number to change that, `null` to keep any toast).
   */
  durationMs?: number | null;
};

type ToastItem = ToastOptions & { id: number; tone: ToastTone };

export type ToastApi = {
  show(options: ToastOptions): number;
  dismiss(id: number): void;
};

const ToastContext = createContext<ToastApi | null>(null);

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast() needs a <ToastProvider> above it');
  return api;
}

/**
 * Holds the window's toasts. Two live regions are always in the DOM so screen readers announce
 * new messages: `role="status"` (polite) for info and success, `role="alert"` for errors.
 */
export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    const timer = timers.current.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.current.delete(id);
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const show = useCallback(
    (options: ToastOptions) => {
      const id = nextId.current++;
      const tone = options.tone ?? 'info';
      const duration =
        options.durationMs !== undefined ? options.durationMs : tone === 'error' ? null : 5000;
      setToasts((list) => [...list, { ...options, id, tone }]);
      if (duration !== null)
        timers.current.set(
          id,
          setTimeout(() => dismiss(id), duration),
        );
      return id;
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
    };
  }, []);

  const api = useMemo<ToastApi>(() => ({ show, dismiss }), [show, dismiss]);
  const polite = toasts.filter((t) => t.tone !== 'error');
  const urgent = toasts.filter((t) => t.tone === 'error');

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div class="toasts" data-testid="toasts">
        <div role="status" aria-live="polite" class="toasts__region">
          {polite.map((t) => (
            <Toast key={t.id} toast={t} onDismiss={dismiss} />
          ))}
        </div>
        <div role="alert" class="toasts__region">
          {urgent.map((t) => (
            <Toast key={t.id} toast={t} onDismiss={dismiss} />
          ))}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

function Toast({ toast, onDismiss }: { toast: ToastItem; onDismiss: (id: number) => void }) {
  return (
    <div class={`toast toast--${toast.tone}`} data-testid="toast" data-tone={toast.tone}>
      <p class="toast__message">{toast.message}</p>
      {toast.action && (
        <Button
          size="small"
          onClick={() => {
            onDismiss(toast.id);
            toast.action?.onAction();
          }}
        >
          {toast.action.label}
        </Button>
      )}
      <Button
        size="small"
        variant="ghost"
        class="toast__dismiss"
        aria-label="Dismiss message"
        onClick={() => onDismiss(toast.id)}
      >
        ×
      </Button>
    </div>
  );
}
