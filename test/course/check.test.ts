/**
 * The exercise checker (src/course/check.ts): verdicts, hints, and that every exercise accepts the
 * answer computed with the library and rejects a wrong one. Fast; the notebooks themselves are
 * executed in course.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, exercise, exercises, listExercises, MARKS } from '../../src/course/check.js';
import { EX02_GRID, ex02Signal } from '../../src/course/exercises.js';
import {
  firwin,
  freqz,
  interpolateIdeal,
  kaiserAtten,
  kaiserBeta,
  kaiserOrd,
  sampleDiracComb,
  sinc,
  upfirdnLength,
} from '../../src/signal/index.js';

test('unknown id throws a RangeError naming the id', () => {
  assert.throws(
    () => evaluate('99-nope-1', 1),
    (e: unknown) => e instanceof RangeError && /99-nope-1/.test(e.message),
  );
});

test('undefined answer is unanswered, with the task', () => {
  const r = evaluate('02-kaiser-1', undefined);
  assert.equal(r.status, 'unanswered');
  assert.ok(r.message.startsWith(`${MARKS.unanswered} 02-kaiser-1:`));
  assert.match(r.message, /attenuation/);
});

test('wrong answers get a hint; non-numbers and throwing functions are wrong, not crashes', () => {
  const r = evaluate('02-kaiser-1', 12);
  assert.equal(r.status, 'wrong');
  assert.match(r.message, /Hint: A = 2\.285/);
  assert.equal(evaluate('02-kaiser-1', 'forty').status, 'wrong');
  assert.equal(evaluate('02-kaiser-1', NaN).status, 'wrong');
  const thrower = () => {
    throw new Error('oops');
  };
  const t = evaluate('01-alias-2', thrower);
  assert.equal(t.status, 'wrong');
  assert.match(t.message, /oops/);
});

test('exercise() prints exactly the verdict line', () => {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    exercise('00-setup-1', sinc(0.5));
  } finally {
    console.log = orig;
  }
  assert.deepEqual(lines, [`${MARKS.correct} 00-setup-1: correct`]);
});

/** Right answers computed with the library, independently of the checkers' code paths. */
const right: Record<string, unknown> = {
  '00-setup-1': 2 / Math.PI,
  '01-alias-1': 3,
  '01-alias-2': (f: number, fs: number) => Math.abs(f - fs * Math.round(f / fs)),
  '01-alias-3': 24,
  '02-ws-1': interpolateIdeal(sampleDiracComb(ex02Signal, EX02_GRID), EX02_GRID, [1.3])[0],
  '02-kaiser-1': kaiserAtten(12, 0.4),
  '02-kaiser-2': kaiserOrd(80, 0.4).numtaps,
  '02-kaiser-3': kaiserBeta(80),
  '02-kaiser-4': (() => {
    const r = freqz(firwin(12, 0.6, { width: 0.8, fs: 4 }), { worN: 8192, fs: 4 });
    const db = r.magnitudeDb();
    return Math.max(...Array.from(db).filter((_, i) => r.w[i] >= 1));
  })(),
  '03-conv-1': upfirdnLength(12, 20, 2, 1),
  '03-equiv-1': 2,
  '03-down-1': 0.2,
  '03-down-2': 0.25,
  '04-lrelu-1': 0.4,
  '04-m-1': 4,
  '05-jinc-1': 3.831705970207512 / Math.PI,
  '05-diag-1': 0.25 * Math.SQRT2,
  '06-disc-1': 2 / Math.SQRT2,
  '06-fade-1': 1 - (3 * 1.5 - 2) / (16 / 2 - 2),
  '06-learned-1': [
    Math.cos(Math.PI / 6),
    -0.5,
    -0.1 * Math.cos(Math.PI / 6) + 0.05 * 0.5,
    0.5,
    Math.cos(Math.PI / 6),
    -0.1 * 0.5 - 0.05 * Math.cos(Math.PI / 6),
    0,
    0,
    1,
  ],
  '07-crit-1': (2 - Math.SQRT2) * 16,
  '07-tmp-1': 64,
  '07-chan-1': 437,
  '08-psnr-1': 20 * Math.log10(2) - 10 * Math.log10(1e-4),
  '08-trans-1': (tx: number, ty: number) => [1, 0, -tx, 0, 1, -ty, 0, 0, 1],
  '08-rot-1': [0, -1, 0, 1, 0, 0, 0, 0, 1],
};
const wrong: Record<string, unknown> = {
  '00-setup-1': 0.5,
  '01-alias-1': 7,
  '01-alias-2': (f: number) => f,
  '01-alias-3': 12,
  '02-ws-1': ex02Signal(1.3) + 0.01,
  '02-kaiser-1': kaiserAtten(11, 0.4),
  '02-kaiser-2': kaiserOrd(80, 0.4).numtaps + 1,
  '02-kaiser-3': 0.1102 * 80,
  '02-kaiser-4': -80,
  '03-conv-1': 40,
  '03-equiv-1': 1,
  '03-down-1': 0.4,
  '03-down-2': 0.5,
  '04-lrelu-1': 0.6,
  '04-m-1': 2,
  '05-jinc-1': 1.22,
  '05-diag-1': 0.25,
  '06-disc-1': 1,
  '06-fade-1': 1,
  '06-learned-1': [1, 0, -0.1, 0, 1, -0.05, 0, 0, 1],
  '07-crit-1': 16,
  '07-tmp-1': 32,
  '07-chan-1': 256,
  '08-psnr-1': -10 * Math.log10(1e-4),
  '08-trans-1': (tx: number, ty: number) => [1, 0, tx, 0, 1, ty, 0, 0, 1],
  '08-rot-1': [0, 1, 0, -1, 0, 0, 0, 0, 1],
};

for (const id of listExercises()) {
  test(`exercise ${id}: library answer is right, a typical mistake is wrong`, () => {
    assert.ok(id in right, `test has no right answer for ${id}`);
    assert.equal(evaluate(id, right[id]).status, 'correct', evaluate(id, right[id]).message);
    assert.ok(id in wrong, `test has no wrong answer for ${id}`);
    const w = evaluate(id, wrong[id]);
    assert.equal(w.status, 'wrong');
    assert.ok(w.message.includes(exercises[id].hint), 'a wrong answer shows the general hint');
  });
}

test('01-alias-3 accepts only the smallest rate', () => {
  assert.equal(evaluate('01-alias-3', 30).status, 'wrong');
  assert.match(evaluate('01-alias-3', 30).message, /smaller rate/);
});

test('transform exercises name the typical mistakes: swapped order, image transform instead of its inverse', () => {
  const [c, s] = [Math.cos(Math.PI / 6), 0.5];
  // T·R: translate first, then rotate (the wrong order for the learned transform).
  const tr = [c, -s, -0.1, s, c, -0.05, 0, 0, 1];
  assert.match(evaluate('06-learned-1', tr).message, /T·R/);
  assert.equal(
    evaluate('06-learned-1', [
      [c, -s, -0.1 * c + 0.05 * s],
      [s, c, -0.1 * s - 0.05 * c],
      [0, 0, 1],
    ]).status,
    'correct',
  );
  assert.match(evaluate('08-rot-1', [0, 1, 0, -1, 0, 0, 0, 0, 1]).message, /not its inverse/);
  assert.equal(evaluate('08-rot-1', [1, 2, 3]).status, 'wrong');
  assert.match(evaluate('08-trans-1', (tx: number) => [1, 0, -tx]).message, /9 numbers/);
});
