/**
 * The exercise checker (src/course/check.ts): verdicts, hints, and that every exercise accepts the
 * answer computed with the library and rejects a wrong one. Fast; the notebooks themselves are
 * executed in course.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, exercise, exercises, listExercises, MARKS } from '../../src/course/check.js';
import {
  borderWidth,
  EX02_GRID,
  EX03_GRID,
  ex02Signal,
  ex03Signal,
  zeroPaddedConvNet,
} from '../../src/course/exercises.js';
import {
  firwin,
  freqz,
  interpolateIdeal,
  kaiserAtten,
  kaiserBeta,
  kaiserOrd,
  rotationMatrix,
  sampleDiracComb,
  sinc,
  upfirdn,
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
  assert.match(r.message, /too low .* Hint: Eq\. \(2\.4\)/);
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
  '01-alias-3': 25,
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
  '03-border-1': 5,
  '03-cd-1': interpolateIdeal(sampleDiracComb(ex03Signal, EX03_GRID), EX03_GRID, [20.25])[0],
  '04-lrelu-1': 0.4,
  '04-m-1': 4,
  '05-jinc-1': 3.831705970207512 / Math.PI,
  '05-diag-1': 0.25 * Math.SQRT2,
  '05-rot-1': [1, 2, 1, 2, 4, 2, 1, 2, 1],
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
  '07-flex-1': flexibleSchedule,
  '08-psnr-1': 20 * Math.log10(2) - 10 * Math.log10(1e-4),
  '08-trans-1': (tx: number, ty: number) => [1, 0, -tx, 0, 1, -ty, 0, 0, 1],
  '08-rot-1': [0, -1, 0, 1, 0, 0, 0, 0, 1],
  '09-move-1': (3 / 64) * 32,
  '10-noise-1': 0,
};

/** Eqs. 35–36 of the paper written out (notebook 07 §2), independently of the generator's geometry. */
function flexibleSchedule(sN: number) {
  const N = 14;
  const nCrit = 2;
  const [fc0, fcN] = [2, sN / 2];
  const [ft0, ftN] = [2 ** 2.1, (sN / 2) * 2 ** 0.3];
  return Array.from({ length: N }, (_, i) => {
    const e = Math.min(i / (N - nCrit), 1);
    const fc = fc0 * (fcN / fc0) ** e;
    const ft = ft0 * (ftN / ft0) ** e;
    const s = 2 ** Math.ceil(Math.log2(Math.min(2 * ft, sN)));
    return { s, fc, ft, fh: Math.max(ft, s / 2) - fc };
  });
}

/** Typical mistakes, several per exercise: every one must be answered ✘ with the general hint. */
const wrong: Record<string, unknown[]> = {
  '00-setup-1': [0.5, Math.sin(0.5) / 0.5, 1, 0.63],
  '01-alias-1': [7, 17, -3, 5, 2.9],
  '01-alias-2': [
    (f: number) => f,
    () => NaN,
    (f: number, fs: number) => f - fs * Math.round(f / fs),
    () => 0,
  ],
  '01-alias-3': [12, 24, 26, 30, 24.5, 13],
  '02-ws-1': [
    ex02Signal(1.3),
    ex02Signal(1.3) + 0.01,
    interpolateIdeal(sampleDiracComb(ex02Signal, EX02_GRID), { ...EX02_GRID, start: 0 }, [1.3])[0],
    0,
  ],
  '02-kaiser-1': [kaiserAtten(11, 0.4), kaiserAtten(12, 0.8), kaiserAtten(12, 0.2), 12, 40],
  '02-kaiser-2': [kaiserOrd(80, 0.4).numtaps + 1, kaiserOrd(80, 0.4).numtaps - 1, 80, 10, 28.5],
  '02-kaiser-3': [0.1102 * 80, 0.5842 * (80 - 21) ** 0.4 + 0.07886 * (80 - 21), 8, 0],
  '02-kaiser-4': [-80, -kaiserAtten(12, 0.4), 37.5, -20, -50],
  '03-conv-1': [40, 31, 49, 39],
  '03-equiv-1': [1, 0, 4, 0.5],
  '03-down-1': [0.4, 0.8, 0.1, 0.3],
  '03-down-2': [0.5, 1, 0.125, 0.3],
  '03-border-1': [0, 1, 3, 10, 2.5],
  '03-cd-1': [
    ex03Signal(20.25),
    (() => {
      const Z = sampleDiracComb(ex03Signal, EX03_GRID);
      const h = firwin(24, 0.5, { width: 0.3, fs: 2 }).map((v) => v * 2);
      return upfirdn(h, Z, 2)[Math.round((20.25 - 0.5) * 2 + 11.5)];
    })(),
    0,
    1,
  ],
  '04-lrelu-1': [0.6, 0.3, 0.1, 0.5],
  '04-m-1': [2, 3, 5, 8, 1],
  '05-jinc-1': [1.22, 1, 3.8317, 1.5],
  '05-diag-1': [0.25, 0.5, 0.125, 0.3],
  '05-rot-1': [
    [0, 0, 0, 0, 1, 0, 0, 0, 0],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 0, 0, 0, 4, 0, 0, 0, 1],
    [0, 1, 0, 2, 4, 2, 0, 1, 0],
  ],
  '06-disc-1': [1, 0.5, Math.SQRT2 / 4, 2],
  '06-fade-1': [1, 0, 0.25, 0.5],
  '06-learned-1': [
    [1, 0, -0.1, 0, 1, -0.05, 0, 0, 1],
    [Math.cos(Math.PI / 6), -0.5, -0.1, 0.5, Math.cos(Math.PI / 6), -0.05, 0, 0, 1],
    [1, 0, 0, 0, 1, 0, 0, 0, 1],
  ],
  '07-crit-1': [16, (Math.SQRT2 - 1) * 16, 8, 32],
  '07-tmp-1': [32, 128, 16, 48],
  '07-chan-1': [256, 512, 436.9, 300],
  '07-flex-1': [
    (sN: number) => flexibleSchedule(sN).map((r) => ({ ...r, fh: r.s / 2 - r.fc })),
    (sN: number) => flexibleSchedule(sN).map((r) => ({ ...r, s: Math.min(2 * r.ft, sN) })),
    (sN: number) => flexibleSchedule(sN).slice(1),
    (sN: number) =>
      flexibleSchedule(sN).map((r, i) => ({ ...r, fc: 2 + (sN / 2 - 2) * Math.min(i / 12, 1) })),
  ],
  '08-psnr-1': [-10 * Math.log10(1e-4), 20 * Math.log10(2) - 10 * Math.log10(0.5), 40, 0],
  '08-trans-1': [
    (tx: number, ty: number) => [1, 0, tx, 0, 1, ty, 0, 0, 1],
    (tx: number, ty: number) => [1, 0, -ty, 0, 1, -tx, 0, 0, 1],
  ],
  '08-rot-1': [[0, 1, 0, -1, 0, 0, 0, 0, 1], Array.from(rotationMatrix(-90)), [1, 0, 0, 0, 1, 0, 0, 0, 1]],
  '09-move-1': [(3 / 64) * 52, 3, 1, (3 / 64) * 16],
  '10-noise-1': [5, 2.5, 1, -5],
};

for (const id of listExercises()) {
  test(`exercise ${id}: the library answer is right, every typical mistake is wrong`, () => {
    assert.ok(id in right, `test has no right answer for ${id}`);
    assert.equal(evaluate(id, right[id]).status, 'correct', evaluate(id, right[id]).message);
    assert.ok((wrong[id]?.length ?? 0) >= 2, `test has fewer than two wrong answers for ${id}`);
    for (const w of wrong[id]) {
      const v = evaluate(id, w);
      assert.equal(v.status, 'wrong', `${id}: ${String(w)} → ${v.message}`);
      assert.ok(v.message.includes(exercises[id].hint), 'a wrong answer shows the general hint');
    }
  });
}

/**
 * Every number written in a text (Unicode minus), with its decimals and significant digits.
 * Exercise ids and references (`§3`, `Eq. (2.3)`, `Eqs. 7.1–7.4`, `notebook 04`, `paper Eq. 7`, `layer 9`) are
 * addresses, not values, and are skipped.
 */
function numbersIn(text: string): { value: number; decimals: number; digits: number }[] {
  const values = text
    .replace(/\b\d\d-[a-z]+-\d+\b/g, ' ') // exercise ids
    .replace(/(§|Eqs?\.\s*\(?|notebooks?\s+|App\.\s*|Fig\.\s*|layer\s+L?|s_N = )[\d.–-]+\)?/g, ' ')
    .replace(/−/g, '-');
  return [...values.matchAll(/-?\d+(?:\.(\d+))?(?:e-?\d+)?/g)].map((m) => ({
    value: Number(m[0]),
    decimals: m[1]?.length ?? 0,
    digits: m[0].replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length,
  }));
}

/**
 * Does `text` give away `expected`? A number reveals it when it equals it, or when it has two or more
 * significant digits and rounds to the same value at its own precision (sign ignored: "37.5 dB"
 * gives away −37.5). Numbers that the task itself states, or that echo the student's answer, are
 * not counted.
 */
function reveals(text: string, expected: number, known: string): boolean {
  const allowed = new Set(numbersIn(known).map((n) => n.value));
  return numbersIn(text).some(
    (n) =>
      !allowed.has(n.value) &&
      (Math.abs(Math.abs(n.value) - Math.abs(expected)) < 1e-12 ||
        (n.digits >= 2 && Math.abs(Math.abs(n.value) - Math.abs(expected)) <= 0.5 * 10 ** -n.decimals)),
  );
}

test('no hint contains the solution: several wrong answers per exercise, every number checked', () => {
  for (const id of listExercises()) {
    const sol = right[id];
    const targets: number[] =
      typeof sol === 'number'
        ? [sol]
        : Array.isArray(sol)
          ? (sol as number[]).filter((v) => ![0, 1, -1].includes(v))
          : [];
    for (const w of wrong[id]) {
      const message = evaluate(id, w).message;
      const known = `${exercises[id].task} ${typeof w === 'function' ? '' : JSON.stringify(w)}`;
      for (const t of targets) {
        assert.ok(
          !reveals(message, t, known),
          `${id}: the hint for ${JSON.stringify(w)} gives away ${t}: ${message}`,
        );
      }
    }
    // The general hint and the task never state it either.
    for (const t of targets)
      assert.ok(!reveals(exercises[id].hint, t, exercises[id].task), `${id}: general hint`);
  }
});

test('the hint test itself catches a hint that gives the value away', () => {
  assert.ok(reveals('not yet (the library gives 0.752760)', 0.75276012, ''));
  assert.ok(reveals('(about −37.5 dB)', -37.52, ''));
  assert.ok(reveals('m = 4 is enough already', 4, 'the 3rd harmonic'));
  assert.ok(!reveals('the 4th harmonic of 0.45', 4, 'the 4th harmonic of a 0.45 component'));
  assert.ok(!reveals('between 1 and 1.5', 1.2197, ''));
});

test('01-alias-3: on the Nyquist frequency itself the pixel-centre samples are all zero', () => {
  assert.match(evaluate('01-alias-3', 24).message, /zero/);
  assert.match(evaluate('01-alias-3', 30).message, /not the smallest/);
});

test('02-kaiser-2 and 04-m-1: too many is answered without naming a smaller count that works', () => {
  for (const [id, a] of [
    ['02-kaiser-2', kaiserOrd(80, 0.4).numtaps + 1],
    ['04-m-1', 5],
  ] as const) {
    const m = evaluate(id, a).message;
    assert.match(m, /not the smallest/);
    assert.ok(!reveals(m, a - 1, String(a)), m);
  }
});

test('01-alias-2: an unanswered stub is ○, not ✘', () => {
  assert.equal(evaluate('01-alias-2', undefined).status, 'unanswered');
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

test('zeroPaddedConvNet: the border region grows by (taps − 1)/2 per layer; bad arguments are named', () => {
  const flat = new Float64Array(64).fill(1);
  for (const [depth, taps] of [
    [1, 3],
    [4, 3],
    [3, 5],
  ]) {
    assert.deepEqual(borderWidth(zeroPaddedConvNet(flat, { depth, taps })), [
      (depth * (taps - 1)) / 2,
      (depth * (taps - 1)) / 2,
    ]);
  }
  assert.throws(() => zeroPaddedConvNet(flat, { taps: 4 }), /taps must be an odd positive integer, got 4/);
  assert.throws(() => zeroPaddedConvNet(flat, { depth: -1 }), /depth must be a non-negative integer, got -1/);
});
