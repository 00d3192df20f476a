/**
 * Progress output (src/cli/progress.ts, src/report/progress.ts): on a terminal every tick prints;
 * in a log (stderr not a terminal) step lines are throttled to one per interval while lines that
 * finish a unit of work always print. The clock is injected, so nothing here depends on timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logThrottle, progress } from '../../src/cli/progress.js';
import { reportProgress } from '../../src/report/progress.js';

/** A fake stderr that records lines, and a clock the test moves by hand. */
function fakes(isTTY: boolean) {
  const lines: string[] = [];
  const clock = { t: 1000 };
  return {
    lines,
    clock,
    stream: { isTTY, write: (s: string) => void lines.push(s.trimEnd()) },
    now: () => clock.t,
  };
}

test('progress: a terminal gets every tick', () => {
  const f = fakes(true);
  const p = progress('frames', 10, { units: false, stream: f.stream, now: f.now });
  for (let k = 1; k <= 10; k++) p.tick(k);
  p.finish();
  assert.equal(f.lines.length, 11);
  assert.match(f.lines[0], /^frames {2}1\/10 {2}10%/);
  assert.match(f.lines[10], /^frames {2}done in/);
});

test('progress: in a log, parts of one unit are throttled to one line per interval, the last always prints', () => {
  const f = fakes(false);
  const p = progress('frames', 10, { units: false, stream: f.stream, now: f.now, intervalMs: 5000 });
  for (let k = 1; k <= 10; k++) {
    p.tick(k);
    f.clock.t += 1000; // one tick per second
  }
  p.finish();
  // Ticks at t = 0, 1, …, 9 s after the start: lines at 0 s and 5 s, then the last tick and finish.
  assert.deepEqual(
    f.lines.map((l) => l.split('  ')[1]),
    ['1/10', '6/10', '10/10', 'done in 10.0 s'],
  );
});

test('progress: in a log, every finished unit prints', () => {
  const f = fakes(false);
  const p = progress('images', 4, { stream: f.stream, now: f.now });
  for (let k = 1; k <= 4; k++) p.tick(k); // no time passes: each tick is a finished image
  assert.equal(f.lines.length, 4);
  const quiet = fakes(false);
  progress('images', 4, { quiet: true, stream: quiet.stream, now: quiet.now }).tick(1);
  assert.deepEqual(quiet.lines, []);
});

test('logThrottle: forced lines always pass, others once per interval; bad interval rejected', () => {
  const clock = { t: 0 };
  const g = logThrottle({ intervalMs: 3000, now: () => clock.t });
  const seen: boolean[] = [];
  for (const [t, force] of [
    [0, false],
    [1000, false],
    [2000, true],
    [4000, false],
    [5000, false],
    [5100, false],
  ] as const) {
    clock.t = t;
    seen.push(g.pass(force));
  }
  assert.deepEqual(seen, [true, false, true, false, true, false]);
  assert.equal(logThrottle({ isTTY: true }).pass(false), true);
  assert.throws(
    () => logThrottle({ intervalMs: -1 }),
    /intervalMs must be a finite number >= 0 \(ms\), got -1/,
  );
});

test('reportProgress: update lines are throttled in a log, result lines are not', () => {
  const lines: string[] = [];
  const clock = { t: 0 };
  const p = reportProgress(['A', 'B'], [1, 1], {
    write: (l) => lines.push(l),
    throttle: logThrottle({ intervalMs: 5000, now: () => clock.t }),
  });
  for (let k = 1; k <= 20; k++) {
    clock.t = k * 500;
    p.update(0, k / 20, `EQ ${k}/20`);
  }
  p.update(0, 1, 'translate strip 3/3 frames'); // at 10 s, 0 s after the last line: a finished unit
  p.finish(0);
  p.log('   A: EQ-T 40 dB');
  // Updates at 0.5 s, 1 s, …, 10 s: printed at 0.5 s, 5.5 s (the first ≥ 5 s later) and 10 s
  // (EQ 20/20 ends its counter), then the strip's last frame and the log.
  assert.deepEqual(
    lines.map((l) => l.trim().split('  ')[0]),
    [
      '[1/2 A] EQ 1/20',
      '[1/2 A] EQ 11/20',
      '[1/2 A] EQ 20/20',
      '[1/2 A] translate strip 3/3 frames',
      'A: EQ-T 40 dB',
    ],
  );
});
