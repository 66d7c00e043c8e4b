import { useState } from 'preact/hooks';
import { Button } from './Button';
import { useToast } from './Toast';

export type CopyButtonProps = {
  text: string;
  /** Names what is copied, for the button's accessible name and the confirmation. */
  what: string;
  /** The button's words ("Copy" unless said otherwise, e.g. "Copy as Markdown"). */
  label?: string;
  testId?: string;
};

/** Copies `text` with the system clipboard and confirms in a toast; says how to copy by hand if that fails. */
export function CopyButton({
  text,
  what,
  label = 'Copy',
  testId = 'copy-button',
}: CopyButtonProps) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);

  const copy = async () => {
    setBusy(true);
    try {
      if (!navigator.clipboard) throw new Error('clipboard unavailable');
      await navigator.clipboard.writeText(text);
      toast.show({ tone: 'success', message: `Copied the ${what}.` });
    } catch {
      toast.show({
        tone: 'error',
        message: `Couldn't copy the ${what} automatically. Select it and press Ctrl+C (⌘C on a Mac).`,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      size="small"
      variant="secondary"
      loading={busy}
      aria-label={label === 'Copy' ? `Copy the ${what}` : undefined}
      data-testid={testId}
      onClick={() => void copy()}
    >
      {label}
    </Button>
  );
}
