// How many Aura requests the real app sends, counted by the sandbox itself (its request log), as figures (never a
// pass/fail on time): idle with the instance list visible, and while it watches three jobs at once. The budget the
// product sets: at most 6 requests a minute idle, at most 30 with three jobs watched.
//
// The sandbox runs on the real clock (as a user's would), and holds its transitions during the busy window so that
// the three snapshots stay "in progress" and are watched for the whole minute; they are released afterwards.
//   LIFEBOAT_APP=… scripts/with-desktop.sh bash -c 'cd tests/e2e && node bench/request-budget.mjs [MINUTES=2]'
import { openApp, waitUntilReady } from '../lib/app.mjs';
import { sandboxControl } from '../lib/sandbox.mjs';

const minutes = Number(process.argv[2] ?? 2);

const browser = await openApp();
await waitUntilReady(browser);
const sandbox = await sandboxControl();

async function measure(label, ms) {
  await sandbox.clearRequests();
  const started = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  // Aura's API limit counts the public API and its token endpoint; the database's own queries are listed apart.
  const all = await sandbox.requests();
  const seen = all.filter((e) => e.path.startsWith('/v1/') || e.path.startsWith('/oauth'));
  const perMinute = (seen.length * 60_000) / (Date.now() - started);
  const routes = {};
  for (const e of all) {
    const key = `${e.method} ${e.route ?? e.path}`;
    routes[key] = (routes[key] ?? 0) + 1;
  }
  return { label, requests: seen.length, perMinute: Math.round(perMinute * 10) / 10, routes };
}

async function rows() {
  const found = {};
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    found[(await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim()] = row;
  }
  return found;
}

const results = [];
// Idle: the list visible, Production selected, nothing running. The first minute after start-up is not idle.
(await rows()).Production.click();
await new Promise((r) => setTimeout(r, 15_000));
results.push(await measure('idle, instance list visible', minutes * 60_000));
console.log(JSON.stringify(results[0]));

// Three jobs watched: a snapshot of each instance, held in progress by the sandbox for the whole window.
await sandbox.call('POST', '/transitions/hold');
for (const name of ['Production', 'Staging', 'Playground']) {
  (await rows())[name].click();
  const take = await browser.$('[data-testid="take-snapshot"]');
  await take.waitForClickable({ timeout: 20_000 });
  await take.click();
  // A Free instance keeps one snapshot: the app asks before replacing it.
  const replace = await browser.$('[data-testid="replace-snapshot-confirm"]');
  if (await replace.waitForExist({ timeout: 2_000 }).catch(() => false)) await replace.click();
  // The job's card appears in this instance's snapshot activity once it has started.
  await (await browser.$('[data-testid="snapshot-activity"] [data-testid="job-progress"]')).waitForExist({
    timeout: 20_000,
  });
}
results.push(await measure('three jobs watched', minutes * 60_000));
await sandbox.call('POST', '/transitions/release');
await browser.deleteSession();

for (const r of results) {
  console.log(`${r.label}: ${r.requests} Aura API requests in ${minutes} min = ${r.perMinute}/min (all requests by route:)`);
  for (const [route, n] of Object.entries(r.routes).sort((a, b) => b[1] - a[1])) console.log(`    ${n}\t${route}`);
}
console.log(JSON.stringify(results));
