type Internals = { runCallback(id: number, data: unknown): void };

/**
 * Drives any channel handed to a mocked command (under `mockIPC` the argument is the `Channel`
 * itself). Messages go to its callback id as the shell sends them: `{ index, message }`.
 */
export function channelOf<T>(arg: unknown): { send(message: T): void } {
  const id = (arg as { id?: unknown } | null)?.id;
  if (typeof id !== 'number') throw new Error('expected a Channel argument');
  let index = 0;
  return {
    send(message: T) {
      const internals = (window as unknown as { __TAURI_INTERNALS__: Internals })
        .__TAURI_INTERNALS__;
      internals.runCallback(id, { index: index++, message });
    },
  };
}
