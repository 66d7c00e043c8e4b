import type { InvokeArgs } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CommandName, CommandReplies } from '../api/commands';

/** A mocked command: its reply is typed as the shell's (the generated types), so fixtures cannot drift. */
export type CommandHandler<K extends CommandName = CommandName> = (
  args: Record<string, unknown>,
) => CommandReplies[K] | Promise<CommandReplies[K]>;
/** One handler per command the test needs. */
export type CommandHandlers = { [K in CommandName]?: CommandHandler<K> };
export type Call = { cmd: string; args: Record<string, unknown> };

/**
 * Installs Tauri's IPC mock with one handler per command and records every call. A handler that
 * throws (or returns a rejected promise) makes `invoke` reject with that value, just as the shell
 * rejects with `{ code, message, retryable }`. Unknown commands reject loudly.
 */
export function mockCommands(handlers: CommandHandlers): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = (handlers as Record<string, CommandHandler | undefined>)[cmd];
    if (!handler) throw new Error(`test has no mock for command "${cmd}"`);
    return handler(args);
  });
  return calls;
}

export function callsOf(calls: Call[], cmd: CommandName): Call[] {
  return calls.filter((c) => c.cmd === cmd);
}
