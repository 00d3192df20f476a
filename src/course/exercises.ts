/**
 * The course's exercises and their checkers. Each checker recomputes the expected answer with the
 * library (`aliasfree/signal`), so the checks stay right if a notebook's numbers change together with
 * the library, and the hint can say what was computed. Ids are `NN-topic-k` where NN is the notebook.
 */
import {
  firwin,
  freqz,
  interpolateIdeal,
  jinc,
  kaiserAtten,
  kaiserBeta,
  sampleDiracComb,
  sinc,
  upfirdn,
  upfirdnLength,
} from '../signal/index.js';

/** What a checker says about one answer. */
export interface Verdict {
  ok: boolean;
  /** Why the answer is wrong (shown with the exercise's general hint). */
  hint?: string;
  /** Extra remark for a right answer. */
  note?: string;
}

/** One exercise: what to do, a general hint, and the checker. */
export interface Exercise {
  /** The task in one sentence (shown while unanswered). */
  task: string;
  /** A general hint shown with every wrong answer. */
  hint: string;
  check(answer: unknown): Verdict;
}

// ---------------------------------------------------------------------------------------------
// Small checker helpers

function asNumber(answer: unknown): number | string {
  if (typeof answer !== 'number' || !Number.isFinite(answer)) {
    return `expected a finite number, got ${typeof answer === 'number' ? answer : typeof answer}`;
  }
  return answer;
}

/** |answer − expected| ≤ tol·max(1, |expected|). */
function closeTo(answer: unknown, expected: number, tol: number, what: string): Verdict {
  const a = asNumber(answer);
  if (typeof a === 'string') return { ok: false, hint: a + '.' };
  if (Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected))) return { ok: true };
  return { ok: false, hint: `${a} is not ${what}.` };
}

function asFunction(answer: unknown): ((...args: number[]) => number) | string {
  return typeof answer === 'function'
    ? (answer as (...args: number[]) => number)
    : `expected a function, got ${typeof answer}`;
}

/**
 * Do two cosines give the same samples on the comb `k/fs`, k = 0…63? This is the definition of
 * "indistinguishable after sampling" that the aliasing exercises use.
 */
function sameSamples(f1: number, f2: number, fs: number): boolean {
  const grid = { rate: fs, start: 0, count: 64 };
  const a = sampleDiracComb((x) => Math.cos(2 * Math.PI * f1 * x), grid);
  const b = sampleDiracComb((x) => Math.cos(2 * Math.PI * f2 * x), grid);
  return a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Shared exercise data (the notebooks build the same arrays with the same library calls)

/** The test signal of exercise 02-ws-1: two cosines below Nyquist of rate 4. */
export function ex02Signal(x: number): number {
  return Math.cos(2 * Math.PI * 1.5 * x) + 0.5 * Math.sin(2 * Math.PI * 0.7 * x);
}
/** The grid of exercise 02-ws-1: 32 samples at rate 4 with pixel-centre offset 1/(2·4). */
export const EX02_GRID = { rate: 4, start: 0.125, count: 32 } as const;

// ---------------------------------------------------------------------------------------------

/** All exercises of the course, by id. */
export const exercises: Record<string, Exercise> = {
  '00-setup-1': {
    task: 'compute the normalised sinc at x = 0.5 with the library.',
    hint: 'sinc(x) = sin(πx)/(πx); call sinc(0.5) from aliasfree/signal.',
    check: (a) => closeTo(a, sinc(0.5), 1e-9, 'sinc(0.5)'),
  },

  '01-alias-1': {
    task: 'a 7 Hz cosine is sampled at fs = 10 Hz: at which frequency in [0, fs/2] does it appear?',
    hint: 'subtract the nearest multiple of fs and take the absolute value.',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 5) return { ok: false, hint: `${f} Hz is outside [0, fs/2] = [0, 5] Hz.` };
      if (!sameSamples(f, 7, 10))
        return { ok: false, hint: `a ${f} Hz cosine gives different samples than the 7 Hz one.` };
      return { ok: true, note: 'the samples of both cosines coincide.' };
    },
  },

  '01-alias-2': {
    task: 'write fold(f, fs) returning the apparent frequency in [0, fs/2] of a cosine at f sampled at fs.',
    hint: 'f − fs·Math.round(f/fs) lies in [−fs/2, fs/2]; a cosine does not care about the sign.',
    check(a) {
      const fold = asFunction(a);
      if (typeof fold === 'string') return { ok: false, hint: fold + '.' };
      const cases: [number, number][] = [
        [3, 10],
        [7, 10],
        [13, 10],
        [26, 10],
        [0.4, 1],
        [0.6, 1],
        [1.25, 1],
        [37.5, 16],
        [5, 10],
      ];
      for (const [f, fs] of cases) {
        const g = fold(f, fs);
        if (typeof g !== 'number' || !(g >= -1e-12 && g <= fs / 2 + 1e-12) || !sameSamples(g, f, fs)) {
          return {
            ok: false,
            hint: `fold(${f}, ${fs}) returned ${g}, which does not give the samples of a ${f} cosine in [0, ${fs / 2}].`,
          };
        }
      }
      return { ok: true, note: `${cases.length} cases agree with sampling.` };
    },
  },

  '01-alias-3': {
    task: 'what is the smallest sampling rate (samples per unit) that keeps a 12 cycles/unit cosine from aliasing?',
    hint: 'the Nyquist frequency fs/2 must reach the signal frequency.',
    check(a) {
      const fs = asNumber(a);
      if (typeof fs === 'string') return { ok: false, hint: fs + '.' };
      // Above the answer a 12 cycles/unit cosine must keep its frequency, just below it must fold.
      const keeps = (rate: number) => Math.abs(foldFrequency(12, rate) - 12) < 1e-9;
      if (!keeps(fs))
        return { ok: false, hint: `at ${fs} samples/unit the cosine folds to ${foldFrequency(12, fs)}.` };
      if (keeps(fs * 0.999)) return { ok: false, hint: `${fs} works, but a smaller rate does too.` };
      return {
        ok: true,
        note: 'exactly at this rate the cosine sits on the Nyquist frequency (in practice stay below it).',
      };
    },
  },

  '02-ws-1': {
    task: 'reconstruct the sampled signal at x = 1.3 with your own Whittaker–Shannon sum.',
    hint: 'z(x) = Σ_k Z[k]·sinc(rate·(x − x_k)) with x_k = start + k/rate.',
    check(a) {
      const samples = sampleDiracComb(ex02Signal, EX02_GRID);
      const expected = interpolateIdeal(samples, EX02_GRID, [1.3])[0];
      return closeTo(
        a,
        expected,
        1e-9,
        `the Whittaker–Shannon sum (the library gives ${expected.toFixed(6)})`,
      );
    },
  },

  '02-kaiser-1': {
    task: "Kaiser's attenuation estimate (dB) for 12 taps at fs = 4 with transition width 2·f_h = 0.8.",
    hint: 'A = 2.285·(n − 1)·π·Δf + 7.95 with Δf = width/(fs/2), or kaiserAtten(n, Δf).',
    check: (a) => closeTo(a, kaiserAtten(12, 0.8 / 2), 1e-6, 'the estimate of Eq. 7'),
  },

  '02-kaiser-2': {
    task: 'the smallest number of taps that reaches A ≥ 80 dB at fs = 4 with width 0.8.',
    hint: 'solve Eq. 7 for n and round up, or try kaiserAtten(n, 0.4) for growing n.',
    check(a) {
      const n = asNumber(a);
      if (typeof n === 'string') return { ok: false, hint: n + '.' };
      if (!Number.isInteger(n) || n < 1)
        return { ok: false, hint: `a tap count is a positive integer, got ${n}.` };
      if (kaiserAtten(n, 0.4) < 80)
        return { ok: false, hint: `${n} taps only reach ${kaiserAtten(n, 0.4).toFixed(1)} dB.` };
      if (n > 1 && kaiserAtten(n - 1, 0.4) >= 80)
        return { ok: false, hint: `${n - 1} taps already reach 80 dB.` };
      return { ok: true };
    },
  },

  '02-kaiser-3': {
    task: 'the Kaiser shape parameter β for a stopband attenuation of 80 dB.',
    hint: 'for A > 50 dB: β = 0.1102·(A − 8.7) (Eq. 8), or kaiserBeta(A).',
    check: (a) => closeTo(a, kaiserBeta(80), 1e-6, 'β of Eq. 8'),
  },

  '02-kaiser-4': {
    task: 'measure the worst stopband gain (dB) above f_c + f_h of firwin(12, 0.6, {width: 0.8, fs: 4}).',
    hint: 'freqz(h, {worN: 4096, fs: 4}), keep frequencies ≥ 1.0, take the maximum of magnitudeDb().',
    check(a) {
      const h = firwin(12, 0.6, { width: 0.8, fs: 4 });
      const r = freqz(h, { worN: 4096, fs: 4 });
      const db = r.magnitudeDb();
      let worst = -Infinity;
      r.w.forEach((f, i) => {
        if (f >= 1.0) worst = Math.max(worst, db[i]);
      });
      return closeTo(
        a,
        worst,
        0.5 / Math.max(1, Math.abs(worst)),
        `the worst stopband gain (about ${worst.toFixed(1)} dB)`,
      );
    },
  },

  '03-conv-1': {
    task: 'how many samples does upfirdn(h, x, 2) return for 12 taps and 20 input samples?',
    hint: 'upsampling gives (nx − 1)·up + 1 samples; full convolution adds nh − 1.',
    check(a) {
      const h = new Float64Array(12).fill(1 / 12);
      const x = new Float64Array(20).fill(1);
      const n = upfirdn(h, x, 2).length;
      if (n !== upfirdnLength(12, 20, 2, 1)) throw new Error('upfirdn and upfirdnLength disagree');
      return closeTo(a, n, 0, 'the output length');
    },
  },

  '03-equiv-1': {
    task: 'shift x by one input sample before upsampling by 2: by how many output samples does upfirdn(h, x, 2) move?',
    hint: 'one input sample spans `up` samples on the upsampled grid.',
    check(a) {
      const s = asNumber(a);
      if (typeof s === 'string') return { ok: false, hint: s + '.' };
      const h = firwin(12, 0.25, { width: 0.2, fs: 1 });
      const x = sampleDiracComb((t) => Math.cos(0.3 * t) + Math.sin(0.11 * t * t), {
        rate: 1,
        start: 0,
        count: 40,
      });
      const shifted = new Float64Array(41);
      shifted.set(x, 1);
      const y = upfirdn(h, x, 2);
      const ys = upfirdn(h, shifted, 2);
      if (!Number.isInteger(s) || s < 0 || s >= ys.length)
        return { ok: false, hint: `${s} is not a possible shift.` };
      const ok = y.every((v, i) => Math.abs(ys[i + s] - v) < 1e-12);
      return ok
        ? { ok: true, note: 'upsampling commutes with shifts by whole input samples.' }
        : { ok: false, hint: `ys is not y moved by ${s}.` };
    },
  },

  '03-down-1': {
    task: 'keep every 2nd sample of a cosine at 0.4 cycles/sample: what frequency (cycles per new sample, in [0, 0.5]) remains?',
    hint: 'the frequency in cycles per new sample doubles; then fold it into [0, 0.5].',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 0.5) return { ok: false, hint: `${f} is outside [0, 0.5].` };
      const x = sampleDiracComb((t) => Math.cos(2 * Math.PI * 0.4 * t), { rate: 1, start: 0, count: 128 });
      const kept = upfirdn([1], x, 1, 2);
      const y = sampleDiracComb((t) => Math.cos(2 * Math.PI * f * t), {
        rate: 1,
        start: 0,
        count: kept.length,
      });
      const ok = kept.every((v, i) => Math.abs(v - y[i]) < 1e-6);
      return ok ? { ok: true } : { ok: false, hint: `a cosine at ${f} does not match the kept samples.` };
    },
  },

  '03-down-2': {
    task: 'the largest low-pass cutoff (cycles per input sample) that makes downsampling by 2 alias-free.',
    hint: 'after downsampling by 2 the Nyquist frequency is half of what it was.',
    check: (a) => closeTo(a, foldLimit(1, 2), 1e-9, 'the new Nyquist frequency'),
  },

  '04-lrelu-1': {
    task: 'the leaky ReLU of a 0.3 cycles/sample cosine at rate 1: where does its 2nd harmonic (0.6) appear, in [0, 0.5]?',
    hint: 'harmonics fold like any other frequency: subtract the nearest multiple of the rate.',
    check(a) {
      const f = asNumber(a);
      if (typeof f === 'string') return { ok: false, hint: f + '.' };
      if (f < 0 || f > 0.5) return { ok: false, hint: `${f} is outside [0, 0.5].` };
      return sameSamples(f, 0.6, 1)
        ? { ok: true }
        : { ok: false, hint: `a cosine at ${f} gives other samples than one at 0.6.` };
    },
  },

  '04-m-1': {
    task: 'the smallest integer m for which the 4th harmonic of a 0.45 cycles/pixel component stays below m/2.',
    hint: 'the 4th harmonic is at 4·0.45 cycles per (coarse) pixel; the temporary grid has Nyquist m/2.',
    check(a) {
      const m = asNumber(a);
      if (typeof m === 'string') return { ok: false, hint: m + '.' };
      if (!Number.isInteger(m) || m < 1) return { ok: false, hint: `m is a positive integer, got ${m}.` };
      // At the temporary rate m the harmonic must keep its frequency (no folding), at m − 1 it must fold.
      const keeps = (rate: number) =>
        4 * 0.45 < rate / 2 && Math.abs(foldFrequency(4 * 0.45, rate) - 4 * 0.45) < 1e-12;
      if (!keeps(m))
        return {
          ok: false,
          hint: `at m = ${m} the harmonic folds to ${foldFrequency(4 * 0.45, m).toFixed(2)}.`,
        };
      if (m > 1 && keeps(m - 1)) return { ok: false, hint: `m = ${m - 1} is enough already.` };
      return { ok: true };
    },
  },

  '05-jinc-1': {
    task: 'the first positive zero of jinc(x) = 2·J₁(πx)/(πx), to 4 decimals.',
    hint: 'jinc changes sign between 1 and 1.5; bisect with the library’s jinc (or use the first zero of J₁, 3.8317, divided by π).',
    check(a) {
      // Bisection on the library's jinc: the sign change in [1, 1.5] is its first zero.
      let [lo, hi] = [1, 1.5];
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (jinc(lo) * jinc(mid) <= 0) hi = mid;
        else lo = mid;
      }
      return closeTo(a, (lo + hi) / 2, 5e-5, 'the first zero of jinc');
    },
  },

  '05-diag-1': {
    task: 'the radial frequency of the corner (f_c, f_c) of a separable pass band with f_c = 0.25.',
    hint: 'the corner is at distance √(f_c² + f_c²) from DC.',
    check: (a) => closeTo(a, Math.hypot(0.25, 0.25), 1e-6, 'the distance of the corner from DC'),
  },
};

/** Apparent frequency in [0, fs/2] of a cosine at `f` sampled at `fs`. */
function foldFrequency(f: number, fs: number): number {
  return Math.abs(f - fs * Math.round(f / fs));
}

/** The Nyquist frequency after downsampling a rate-`fs` signal by `down`. */
function foldLimit(fs: number, down: number): number {
  return fs / down / 2;
}
