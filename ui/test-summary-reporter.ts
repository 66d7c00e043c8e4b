import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `Vitest: N passed, N failed, N skipped`, after Vitest's own
 * summary, so CI logs can be read without knowing Vitest's format.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    process.stdout.write(`Vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
