// Waits for the event a test needs — a final file name, a notification's text — never for "something appeared"
// and never for a fixed time. Each wait polls a probe until it returns a value, then returns that value; on timeout
// it fails with what it last saw, so a failure says what was missing.
import { readdir, readFile } from 'node:fs/promises';

/**
 * Polls `probe` (sync or async) until it returns a truthy value, and returns that value.
 * `describe(last)` explains a timeout in terms of the last value seen.
 */
export async function waitFor(probe, { timeout = 10_000, interval = 100, message = 'the awaited event', describe } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() >= deadline) {
      const seen = describe ? `: ${describe(last)}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${seen}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Waits until `dir` holds a file whose name matches `pattern` (the final name of an atomic write: a temporary
 * file such as `.name.1234.tmp` never matches a pattern anchored on the real name), and returns that name.
 */
export async function waitForFile(dir, pattern, { timeout = 10_000 } = {}) {
  let names = [];
  return waitFor(
    async () => {
      names = await readdir(dir).catch(() => []);
      return names.find((n) => pattern.test(n));
    },
    { timeout, message: `a file named like ${pattern} in ${dir}`, describe: () => `found [${names.join(', ')}]` },
  );
}

/** Waits until the recorded desktop notifications (the harness's dbus-monitor log) match `pattern`; returns the log. */
export async function waitForNotification(pattern, { timeout = 15_000 } = {}) {
  const log = process.env.LIFEBOAT_NOTIFY_LOG;
  if (!log) throw new Error('the harness records notifications in LIFEBOAT_NOTIFY_LOG');
  return waitFor(
    async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      return pattern.test(text) ? text : '';
    },
    { timeout, interval: 200, message: `a notification matching ${pattern}` },
  );
}
