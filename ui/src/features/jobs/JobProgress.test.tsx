import { act, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState } from '../../api';
import { job, result, step } from '../../test/jobs';
import { JobProgress } from './JobProgress';

const START = Date.UTC(2025, 10, 21, 15, 0, 0);
const at = (secs: number) => new Date(START + secs * 1000).toISOString();

const restore: JobState = job({
  id: 'job-restore',
  kind: 'restore',
  title: 'Restore Production to 21 Nov 11:00 UTC',
  startedAt: at(0),
  steps: [
    step('safety-snapshot', 'Take a safety snapshot', {
      state: 'done',
      startedAt: at(0),
      finishedAt: at(95),
    }),
    step('counts-before', 'Count nodes and relationships', {
      state: 'skipped',
      detail: 'The instance was not running, so nothing could be counted.',
    }),
    step('restoring', 'Restore the snapshot', { state: 'active', startedAt: at(95) }),
    step('verify', 'Check the data'),
  ],
});

beforeEach(() => {
  vi.useFakeTimers({ now: START + 200_000 });
});
afterEach(() => vi.useRealTimers());

describe('JobProgress', () => {
  it('lists the steps with an icon and a word for each state', () => {
    render(<JobProgress job={restore} />);
    const progress = screen.getByTestId('job-progress');
    expect(progress.dataset.outcome).toBe('running');
    expect(screen.getByRole('region', { name: restore.title })).toBe(progress);
    const list = within(progress).getByRole('list');
    const steps = within(list).getAllByTestId('job-step');
    expect(steps.map((s) => [s.dataset.stepId, s.dataset.state])).toEqual([
      ['safety-snapshot', 'done'],
      ['counts-before', 'skipped'],
      ['restoring', 'active'],
      ['verify', 'pending'],
    ]);
    expect(steps.map((s) => s.querySelector('.job-step__state')?.textContent)).toEqual([
      'Done',
      'Skipped',
      'In progress',
      'Waiting',
    ]);
    expect(steps[0]?.querySelector('.job-step__icon')?.getAttribute('aria-hidden')).toBe('true');
    expect(steps[1]?.textContent).toContain('The instance was not running');
  });

  it('times each step and the whole job, ticking while it runs', async () => {
    render(<JobProgress job={restore} />);
    const steps = screen.getAllByTestId('job-step');
    expect(steps[0]?.querySelector('.job-step__time')?.textContent).toBe('1 min 35 s');
    expect(steps[2]?.querySelector('.job-step__time')?.textContent).toBe('1 min 45 s');
    expect(steps[3]?.querySelector('.job-step__time')).toBeNull();
    expect(screen.getByTestId('job-total').textContent).toBe('3 min 20 s so far');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(screen.getByTestId('job-total').textContent).toBe('3 min 30 s so far');
  });

  it('has an indeterminate bar under the step in progress only', () => {
    render(<JobProgress job={restore} />);
    const bars = screen.getAllByRole('progressbar');
    expect(bars).toHaveLength(1);
    expect(bars[0]?.getAttribute('aria-busy')).toBe('true');
    expect(bars[0]?.closest('[data-testid="job-step"]')?.getAttribute('data-step-id')).toBe(
      'restoring',
    );
  });

  it('announces a step change politely, not every second', () => {
    render(<JobProgress job={restore} />);
    const summary = screen.getByTestId('job-summary');
    expect(summary.getAttribute('aria-live')).toBe('polite');
    expect(summary.textContent).toBe('Step 3 of 4: Restore the snapshot.');
    expect(screen.getByTestId('job-total').closest('[aria-live]')).toBeNull();
  });

  it('shows the measured duration and the counts side by side when done', () => {
    const onDismiss = vi.fn();
    render(
      <JobProgress
        onDismiss={onDismiss}
        job={{
          ...restore,
          steps: restore.steps.map((s) => ({ ...s, state: 'done' as const })),
          outcome: 'succeeded',
          finishedAt: at(300),
          result: result({
            countsBefore: { nodes: 1200, relationships: 3400 },
            countsAfter: { nodes: 1000, relationships: 3500 },
            durationSecs: 205,
          }),
        }}
      />,
    );
    const progress = screen.getByTestId('job-progress');
    expect(progress.dataset.outcome).toBe('succeeded');
    expect(screen.getByTestId('job-total').textContent).toBe('Total 5 min');
    expect(screen.getByTestId('job-duration').textContent).toContain('took 3 min 25 s');
    const before = screen.getByTestId('counts-before');
    const after = screen.getByTestId('counts-after');
    expect(before.parentElement).toBe(after.parentElement);
    expect(before.textContent).toBe('BeforeNodes1,200Relationships3,400');
    expect(after.textContent).toContain('1,000 (200 fewer)');
    expect(after.textContent).toContain('3,500 (100 more)');
    expect(screen.queryByRole('progressbar')).toBeNull();
    fireEvent.click(screen.getByTestId('job-dismiss'));
    expect(onDismiss).toHaveBeenCalledTimes(1);
  });

  it('shows the plain failure and what to do', () => {
    render(
      <JobProgress
        job={{
          ...job({ kind: 'snapshot', title: 'Take a snapshot of Production' }),
          steps: [step('request', 'Ask Aura for a snapshot', { state: 'failed' })],
          outcome: 'failed',
          finishedAt: at(10),
          error: { code: 'rate-limited', message: 'Aura is busy right now.', retryable: true },
        }}
      />,
    );
    expect(screen.getByTestId('job-progress').dataset.outcome).toBe('failed');
    const error = screen.getByTestId('job-error');
    expect(error.textContent).toContain('Aura is busy right now.');
    expect(error.textContent).toContain('Nothing in Production was changed.');
    expect(screen.getByTestId('job-summary').textContent).toBe(
      'Stopped at step 1 of 1: Ask Aura for a snapshot.',
    );
  });

  it('offers no dismiss while running', () => {
    render(<JobProgress job={restore} onDismiss={() => {}} />);
    expect(screen.queryByTestId('job-dismiss')).toBeNull();
  });
});
