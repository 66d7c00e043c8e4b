import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { Progress } from './Progress';

describe('Progress', () => {
  it('exposes its value, range and name', () => {
    render(<Progress label="Uploading backup" value={45} valueText="45 %, about 2 min left" />);
    const bar = screen.getByRole('progressbar', { name: 'Uploading backup' });
    expect(bar.getAttribute('aria-valuenow')).toBe('45');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-valuetext')).toBe('45 %, about 2 min left');
    expect(bar.querySelector<HTMLElement>('.progress__bar')?.style.width).toBe('45%');
  });

  it('works with a custom maximum and clamps out-of-range values', () => {
    const { rerender } = render(<Progress label="Chunks" value={3} max={4} />);
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuemax')).toBe('4');
    expect(bar.querySelector<HTMLElement>('.progress__bar')?.style.width).toBe('75%');
    rerender(<Progress label="Chunks" value={9} max={4} />);
    expect(bar.getAttribute('aria-valuenow')).toBe('4');
    rerender(<Progress label="Chunks" value={-2} max={4} />);
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
  });

  it('has no value when indeterminate', () => {
    render(<Progress label="Loading your instances…" />);
    const bar = screen.getByRole('progressbar', { name: 'Loading your instances…' });
    expect(bar.hasAttribute('aria-valuenow')).toBe(false);
    expect(bar.getAttribute('aria-busy')).toBe('true');
  });
});
