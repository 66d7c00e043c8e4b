import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './Button';

describe('Button', () => {
  it('is a plain button of the chosen variant', () => {
    const onClick = vi.fn();
    render(
      <Button variant="danger" onClick={onClick}>
        Overwrite
      </Button>,
    );
    const button = screen.getByRole('button', { name: 'Overwrite' });
    expect(button.getAttribute('type')).toBe('button');
    expect(button.className).toContain('btn--danger');
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('announces itself busy, ignores clicks and keeps focus while loading', () => {
    const onClick = vi.fn();
    render(
      <Button loading onClick={onClick}>
        Try again
      </Button>,
    );
    const button = screen.getByRole('button', { name: 'Try again' });
    button.focus();
    fireEvent.click(button);
    expect(onClick).not.toHaveBeenCalled();
    expect(button.getAttribute('aria-busy')).toBe('true');
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.hasAttribute('disabled')).toBe(false);
    expect(document.activeElement).toBe(button);
  });
});
