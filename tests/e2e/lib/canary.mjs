// Helpers for the canary test: a second, independent Aura emulator (its client secret and database passwords are
// random, so they make unique canaries), and a scan of files for those strings.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';

export async function startSandbox(binary, dataDir) {
  const child = spawn(binary, ['sandbox', '--json', '--clock', 'fast', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`lifeboat sandbox exited with ${code}`)));
  });
  return { child, info: JSON.parse(first) };
}

/** Every regular file under `root` (but not under `skip`) whose bytes contain one of `needles`. */
export async function scanForSecrets(root, needles, skip = []) {
  const hits = [];
  async function walk(dir) {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (skip.includes(full)) continue;
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        const info = await stat(full);
        if (info.size > 64 * 1024 * 1024) continue;
        const bytes = await readFile(full);
        for (const needle of needles) {
          if (bytes.includes(Buffer.from(needle))) hits.push(`${full}: ${needle.slice(0, 4)}…`);
        }
      }
    }
  }
  await walk(root);
  return hits;
}
