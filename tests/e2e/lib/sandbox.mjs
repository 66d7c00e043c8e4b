// The control routes of the app's own sandbox (the embedded Aura emulator): its port is the one the app wrote to
// `<data dir>/dev.lifeboat.desktop/sandbox/port` when it started, on loopback. Tests use it to arm faults and read
// the sandbox's request log, as they would with a real Aura's misbehaviour.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The sandbox's control client; call after the app is ready (it has started its sandbox by then). */
export async function sandboxControl() {
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  const port = (await readFile(path.join(dataHome, 'dev.lifeboat.desktop', 'sandbox', 'port'), 'utf8')).trim();
  const base = `http://127.0.0.1:${port}/_emulator`;
  const call = async (method, route, body) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${route}: ${response.status} ${await response.text()}`);
    return (await response.json()).data;
  };
  return {
    call,
    /** Arms a fault rule (see the emulator's README: route, count, status, retry_after, drop…). */
    arm: (rule) => call('POST', '/faults', rule),
    clearFaults: () => call('DELETE', '/faults'),
    /** The public API's and the storage's requests since the log was last cleared (not the control routes). */
    requests: async () => (await call('GET', '/requests')).filter((e) => !e.path.startsWith('/_emulator')),
    clearRequests: () => call('DELETE', '/requests'),
  };
}
