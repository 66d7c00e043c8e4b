import { act, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Button } from './Button';
import { type ToastOptions, ToastProvider, useToast } from './Toast';

function Trigger({ options }: { options: ToastOptions }) {
  const toast = useToast();
  return <Button onClick={() => toast.show(options)}>Show</Button>;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function show(options: ToastOptions) {
  render(
    <ToastProvider>
      <Trigger options={options} />
    </ToastProvider>,
  );
  fireEvent.click(screen.getByRole('button', { name: 'Show' }));
}

describe('Toast', () => {
  it('announces info politely and dismisses it after a while', async () => {
    show({ message: 'Copied the connection address.', tone: 'success' });
    const toast = screen.getByText('Copied the connection address.');
    expect(toast.closest('[role="status"]')?.getAttribute('aria-live')).toBe('polite');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5000);
    });
    expect(screen.queryByText('Copied the connection address.')).toBeNull();
  });

  it('puts errors in an alert region and keeps them until dismissed', async () => {
    show({ message: 'Upload stopped. Nothing was lost.', tone: 'error' });
    const toast = screen.getByText('Upload stopped. Nothing was lost.');
    expect(toast.closest('[role="alert"]')).not.toBeNull();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    expect(screen.getByText('Upload stopped. Nothing was lost.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss message' }));
    expect(screen.queryByText('Upload stopped. Nothing was lost.')).toBeNull();
  });

  it('runs its action and closes', () => {
    const onAction = vi.fn();
    show({
      message: 'Could not refresh.',
      tone: 'error',
      action: { label: 'Try again', onAction },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onAction).toHaveBeenCalledTimes(1);
    expect(screen.queryByText('Could not refresh.')).toBeNull();
  });
});
