// Cold start to first paint of the real app under Xvfb, and to its first data (the instance list), as figures
// (never a pass/fail on time). Each run starts the app afresh through tauri-driver:
// - first paint: the webview's first-contentful-paint (Paint Timing), on the same clock as the launch (epoch ms);
// - ready: the UI sets data-ready once the sandbox's instances are listed.
// The launch time includes tauri-driver starting WebKitWebDriver and the app process.
//   LIFEBOAT_APP=… scripts/with-desktop.sh bash -c 'cd tests/e2e && node bench/cold-start.mjs [RUNS=3]'
import { openApp, waitUntilReady } from '../lib/app.mjs';

const runs = Number(process.argv[2] ?? 3);
const results = [];
for (let i = 0; i < runs; i += 1) {
  const launched = Date.now();
  const browser = await openApp();
  const sessionAt = Date.now();
  await waitUntilReady(browser);
  const readyAt = Date.now();
  const paint = await browser.execute(() => {
    const fcp = performance
      .getEntriesByType('paint')
      .find((e) => e.name === 'first-contentful-paint');
    return { origin: performance.timeOrigin, fcp: fcp ? fcp.startTime : null };
  });
  await browser.deleteSession();
  const firstPaintAt = paint.fcp === null ? null : paint.origin + paint.fcp;
  results.push({
    run: i + 1,
    sessionMs: sessionAt - launched,
    firstPaintMs: firstPaintAt === null ? null : Math.round(firstPaintAt - launched),
    readyMs: readyAt - launched,
  });
  // A moment between runs, so the previous process has gone.
  await new Promise((r) => setTimeout(r, 1000));
}
const median = (key) => {
  const v = results
    .map((r) => r[key])
    .filter((x) => x !== null)
    .sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : null;
};
console.log(
  JSON.stringify({
    runs: results,
    medianFirstPaintMs: median('firstPaintMs'),
    medianReadyMs: median('readyMs'),
  }),
);
