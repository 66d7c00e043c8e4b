import type { InvokeArgs } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';

export type CommandHandler = (args: Record<string, unknown>) => unknown;
export type Call = { cmd: string; args: Record<string, unknown> };

/**
 * Installs Tauri's IPC mock with one handler per command and records every call. A handler that
 * throws (or returns a rejected promise) makes `invoke` reject with that value, just as the shell
 * rejects with `{ code, message, retryable }`. Unknown commands reject loudly.
 */
export function mockCommands(handlers: Record<string, CommandHandler>): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = handlers[cmd];
    if (!handler) throw new Error(`test has no mock for command "${cmd}"`);
    return handler(args);
  });
  return calls;
}

export function callsOf(calls: Call[], cmd: string): Call[] {
  return calls.filter((c) => c.cmd === cmd);
}
