import { describe, expect, it } from 'vitest';
import { isAppError, toAppError } from './backend';

describe('toAppError', () => {
  it('keeps the wire shape from the shell as it is', () => {
    const wire = {
      code: 'rate-limited',
      message: 'Aura is busy. Waiting a moment.',
      retryable: true,
    };
    expect(toAppError(wire)).toEqual(wire);
  });

  it('drops unknown extra fields', () => {
    const wire = { code: 'auth', message: 'Sign in again.', retryable: false, extra: 1 };
    expect(toAppError(wire)).toEqual({ code: 'auth', message: 'Sign in again.', retryable: false });
  });

  it('turns a bare string or Error from the IPC layer into a calm, retryable message', () => {
    for (const reason of ['command list_instances not found', new Error('boom'), undefined, 42]) {
      const error = toAppError(reason);
      expect(error.code).toBe('unexpected');
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/Nothing was changed/);
    }
  });

  it('rejects half-formed error objects', () => {
    expect(isAppError({ code: 'x', message: '', retryable: true })).toBe(false);
    expect(isAppError({ code: 'x', message: 'm', retryable: 'yes' })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
