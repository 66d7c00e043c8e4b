import { fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './Button';
import { Dialog, type DialogProps } from './Dialog';

/** An opener button and a dialog with two inputs and two buttons, as a real screen would have. */
function Harness(props: Partial<DialogProps> & { onCloseSpy?: () => void }) {
  const [open, setOpen] = useState(false);
  const close = () => {
    props.onCloseSpy?.();
    setOpen(false);
  };
  return (
    <div>
      <Button onClick={() => setOpen(true)}>Open</Button>
      <Dialog
        title="Overwrite Production?"
        description="This replaces all data in Production."
        {...props}
        open={open}
        onClose={close}
        actions={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="danger">Overwrite</Button>
          </>
        }
      >
        <label>
          Type RESTORE <input aria-label="Confirmation" />
        </label>
      </Dialog>
    </div>
  );
}

function openDialog() {
  const opener = screen.getByRole('button', { name: 'Open' });
  opener.focus();
  fireEvent.click(opener);
  return opener;
}

describe('Dialog', () => {
  it('is a modal dialog named by its title and described by its lead text', () => {
    render(<Harness />);
    openDialog();
    const dialog = screen.getByRole('dialog', { name: 'Overwrite Production?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const describedBy = dialog.getAttribute('aria-describedby');
    expect(describedBy && document.getElementById(describedBy)?.textContent).toBe(
      'This replaces all data in Production.',
    );
  });

  it('can be an alertdialog', () => {
    render(<Harness role="alertdialog" />);
    openDialog();
    expect(screen.getByRole('alertdialog', { name: 'Overwrite Production?' })).toBeTruthy();
  });

  it('moves focus inside on open and gives it back to the opener on close', () => {
    render(<Harness />);
    const opener = openDialog();
    expect(document.activeElement).toBe(screen.getByLabelText('Confirmation'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('focuses the requested element first', () => {
    function WithInitialFocus() {
      const [open, setOpen] = useState(true);
      return (
        <Dialog
          open={open}
          title="Pick"
          onClose={() => setOpen(false)}
          initialFocusRef={{
            get current() {
              return document.querySelector<HTMLElement>('[data-testid="second"]');
            },
          }}
        >
          <button type="button">First</button>
          <button type="button" data-testid="second">
            Second
          </button>
        </Dialog>
      );
    }
    render(<WithInitialFocus />);
    expect(document.activeElement).toBe(screen.getByTestId('second'));
  });

  it('keeps Tab and Shift+Tab inside the dialog', () => {
    render(<Harness />);
    openDialog();
    const input = screen.getByLabelText('Confirmation');
    const last = screen.getByRole('button', { name: 'Overwrite' });

    last.focus();
    fireEvent.keyDown(last, { key: 'Tab' });
    expect(document.activeElement).toBe(input);

    fireEvent.keyDown(input, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
  });

  it('pulls focus back when something outside tries to take it', () => {
    render(<Harness />);
    const opener = openDialog();
    opener.focus();
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);
  });

  it('closes on Escape by default', () => {
    const onCloseSpy = vi.fn();
    render(<Harness onCloseSpy={onCloseSpy} />);
    openDialog();
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(onCloseSpy).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('ignores Escape when closeOnEscape is false', () => {
    const onCloseSpy = vi.fn();
    render(<Harness closeOnEscape={false} onCloseSpy={onCloseSpy} />);
    openDialog();
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(onCloseSpy).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('closes on a backdrop click by default, but not on a click inside', () => {
    const onCloseSpy = vi.fn();
    render(<Harness onCloseSpy={onCloseSpy} />);
    openDialog();
    const dialog = screen.getByRole('dialog');
    fireEvent.mouseDown(dialog);
    fireEvent.click(dialog);
    expect(onCloseSpy).not.toHaveBeenCalled();

    const backdrop = screen.getByTestId('dialog-backdrop');
    fireEvent.mouseDown(backdrop);
    fireEvent.click(backdrop);
    expect(onCloseSpy).toHaveBeenCalledTimes(1);
  });

  it('ignores backdrop clicks when closeOnBackdropClick is false', () => {
    const onCloseSpy = vi.fn();
    render(<Harness closeOnBackdropClick={false} onCloseSpy={onCloseSpy} />);
    openDialog();
    const backdrop = screen.getByTestId('dialog-backdrop');
    fireEvent.mouseDown(backdrop);
    fireEvent.click(backdrop);
    expect(onCloseSpy).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('does not close when a drag that started inside ends on the backdrop', () => {
    const onCloseSpy = vi.fn();
    render(<Harness onCloseSpy={onCloseSpy} />);
    openDialog();
    fireEvent.mouseDown(screen.getByLabelText('Confirmation'));
    fireEvent.click(screen.getByTestId('dialog-backdrop'));
    expect(onCloseSpy).not.toHaveBeenCalled();
  });
});
