/**
 * The UI says sizes, spans, elapsed times, counts and UTC labels exactly as the engine does: both
 * sides are held to `words.fixture.json`, which `crates/lifeboat-basics/src/words.rs` writes
 * (`LIFEBOAT_WRITE_FIXTURES=1 cargo test -p lifeboat-basics`) and checks on every Rust test run.
 */
import { describe, expect, it } from 'vitest';

import { formatBytes } from './files';
import { formatExactCount } from './format';
import { formatElapsed, formatUtc, humanDuration } from './time';
import fixture from './words.fixture.json';

type Pairs<T> = [T, string][];

const cases: [string, Pairs<number> | Pairs<string>, (v: never) => string][] = [
  ['size', fixture.size as Pairs<number>, formatBytes as (v: never) => string],
  ['span', fixture.span as Pairs<number>, humanDuration as (v: never) => string],
  ['elapsed', fixture.elapsed as Pairs<number>, formatElapsed as (v: never) => string],
  [
    'grouped',
    fixture.grouped as Pairs<number>,
    ((n: number) => formatExactCount(n)) as (v: never) => string,
  ],
  ['utcLabel', fixture.utcLabel as Pairs<string>, formatUtc as (v: never) => string],
];

describe('words agree with the engine (shared fixture)', () => {
  for (const [name, pairs, say] of cases) {
    it(`${name}: every case of the fixture`, () => {
      expect(pairs.length).toBeGreaterThan(0);
      for (const [input, words] of pairs) {
        expect(say(input as never), `${name}(${String(input)})`).toBe(words);
      }
    });
  }
});
