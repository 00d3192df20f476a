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
import { psnrFromMse } from '../signal/psnr.js';
import { rotationMatrix } from '../signal/rotate.js';
import { configAt } from '../generator/config.js';
import { computeGeometry } from '../generator/stylegan3/geometry.js';

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

  '06-disc-1': {
    task: 'the radius below which half of the Fourier-feature frequencies lie (bandwidth b = 2, uniform in the disc).',
    hint: 'uniform in a disc of radius b: P(|f| ≤ r) = (r/b)²; solve (r/b)² = 1/2.',
    check(a) {
      // The bandwidth the generator's input layer actually uses (T, R: f_c,0 = 2).
      const b = computeGeometry(configAt('T', 64)).input.bandwidth;
      const r = asNumber(a);
      if (typeof r === 'number' && Math.abs(r - b / 2) < 1e-9)
        return { ok: false, hint: 'b/2 holds only a quarter of the disc area.' };
      return closeTo(a, b / Math.SQRT2, 1e-6, `the radius r with (r/${b})² = 1/2`);
    },
  },

  '06-fade-1': {
    task: 'the amplitude a_c of a T input feature with |f| = 1.5 after a user transform diag(3, 3, 1) (zoom out by 3).',
    hint: "the transformed frequency is 3·1.5; a = clamp(1 − (|f'| − b)/(s₀/2 − b), 0, 1) with T's b = 2, s₀ = 16.",
    check(a) {
      const { bandwidth: b, samplingRate: s0 } = computeGeometry(configAt('T', 64)).input;
      const f = 3 * 1.5;
      const expected = Math.min(Math.max(1 - (f - b) / (s0 / 2 - b), 0), 1);
      return closeTo(a, expected, 1e-6, 'the faded amplitude');
    },
  },

  '06-learned-1': {
    task: 'the 9-number user transform U that reproduces a learned transform (rotation 30°, translation (0.1, 0.05)).',
    hint: 'the input layer composes M = R·T·U (rotate, then translate, then the user transform); with a learned identity M = U.',
    check(a) {
      const u = asMatrix(a);
      if (typeof u === 'string') return { ok: false, hint: u };
      // R = [[c, −s, 0], [s, c, 0], [0, 0, 1]] is the library's rotationMatrix(−θ); T translates by −t.
      const R = rotationMatrix(-Math.PI / 6);
      const T = [1, 0, -0.1, 0, 1, -0.05, 0, 0, 1];
      const expected = mat3(R, T);
      if (maxDiff(u, expected) <= 1e-5) return { ok: true };
      if (maxDiff(u, mat3(T, R)) <= 1e-5)
        return {
          ok: false,
          hint: 'that is T·R: the learned rotation is applied first, then the translation.',
        };
      return { ok: false, hint: `[${u.map((v) => +v.toFixed(4)).join(', ')}] is not R·T.` };
    },
  },

  '07-crit-1': {
    task: 'the output cutoff f_c of a non-critical config-G layer with s = 32.',
    hint: 'G keeps f_h = (√2 − 1)·s/2 and lowers the cutoff to f_c = s/2 − f_h.',
    check(a) {
      const L = computeGeometry(configAt('G', 256, { ablation: true })).layers.find(
        (l) => l.outSamplingRate === 32 && !l.isCriticallySampled,
      )!;
      const f = asNumber(a);
      if (typeof f === 'number' && Math.abs(f - 16) < 1e-6)
        return { ok: false, hint: '16 = s/2 is the critical cutoff of configs E and F.' };
      return closeTo(a, L.outCutoff, 1e-4, "G's cutoff at s = 32");
    },
  },

  '07-tmp-1': {
    task: "the temporary sampling rate s' of the filtered nonlinearity in StyleGAN3-T's layer L3 at 256².",
    hint: "s'[i] = max(s[i], s[i−1])·m with m = 2; L3 goes from s = 16 to s = 32.",
    check(a) {
      const L3 = computeGeometry(configAt('T', 256, { ablation: true })).layers[3];
      return closeTo(a, L3.tmpSamplingRate, 0, "L3's temporary rate");
    },
  },

  '07-chan-1': {
    task: 'the channel count of config G at s = 64 (256², C_base = 2^14, C_max = 512).',
    hint: 'G counts channels from the cutoff: C = rint(min(C_base/(2·f_c), C_max)) with f_c = (2 − √2)·s/2.',
    check(a) {
      const L = computeGeometry(configAt('G', 256, { ablation: true })).layers.find(
        (l) => l.outSamplingRate === 64,
      )!;
      const c = asNumber(a);
      if (typeof c === 'number' && c === 256)
        return { ok: false, hint: '256 = C_base/s is the rule of configs D–F, C(s).' };
      return closeTo(a, L.outChannels, 0, "G's channel count at s = 64");
    },
  },

  '08-psnr-1': {
    task: 'the PSNR (dB, images in [−1, 1]) of pooled sums Σ mask·err² = 0.5 and Σ mask = 5000.',
    hint: 'MSE = Σ mask·err² / Σ mask; PSNR = 20·log10(2) − 10·log10(MSE).',
    check(a) {
      const p = asNumber(a);
      if (typeof p === 'number' && Math.abs(p + 10 * Math.log10(0.5 / 5000)) < 1e-6)
        return { ok: false, hint: 'the peak value of the [−1, 1] range is I_max = 2, not 1.' };
      return closeTo(a, psnrFromMse(0.5 / 5000, 2), 1e-6, 'the pooled PSNR');
    },
  },

  '08-trans-1': {
    task: 'write translateInput(tx, ty) returning the 9-number user transform that moves the image by (tx, ty) canvas units.',
    hint: 'the user transform is the inverse of the image transform [[1, 0, tx], [0, 1, ty], [0, 0, 1]].',
    check(a) {
      const fn = asFunction(a) as unknown as ((tx: number, ty: number) => unknown) | string;
      if (typeof fn === 'string') return { ok: false, hint: fn + '.' };
      for (const [tx, ty] of [
        [0.1, -0.05],
        [-0.125, 0.125],
        [0.03125, 0],
        [0, 0.2],
      ]) {
        const u = asMatrix(fn(tx, ty));
        if (typeof u === 'string') return { ok: false, hint: `translateInput(${tx}, ${ty}): ${u}` };
        // U must undo the image transform: U·A = identity.
        const A = [1, 0, tx, 0, 1, ty, 0, 0, 1];
        if (maxDiff(mat3(u, A), [1, 0, 0, 0, 1, 0, 0, 0, 1]) > 1e-9) {
          return {
            ok: false,
            hint: `translateInput(${tx}, ${ty}) = [${u.join(', ')}] is not the inverse of the image translation.`,
          };
        }
      }
      return { ok: true, note: 'the same matrix EQ-T and EQ-T_frac write into the input layer.' };
    },
  },

  '08-rot-1': {
    task: 'the 9-number user transform that EQ-R passes to rotate the image by α = 90°.',
    hint: 'EQ-R writes rotationMatrix(−α) into the input layer (the inverse of the image rotation).',
    check(a) {
      const u = asMatrix(a);
      if (typeof u === 'string') return { ok: false, hint: u };
      if (maxDiff(u, rotationMatrix(-Math.PI / 2)) <= 1e-6) return { ok: true };
      if (maxDiff(u, rotationMatrix(Math.PI / 2)) <= 1e-6)
        return {
          ok: false,
          hint: 'that is rotationMatrix(+α), the image transform itself, not its inverse.',
        };
      return { ok: false, hint: `[${u.map((v) => +v.toFixed(4)).join(', ')}] is not rotationMatrix(−π/2).` };
    },
  },
};

/** 9 finite numbers (a 3×3 matrix row-major, or its 3 rows), or a message saying what is wrong. */
function asMatrix(answer: unknown): number[] | string {
  const flat =
    Array.isArray(answer) && answer.length === 3 && answer.every((r) => Array.isArray(r))
      ? (answer as unknown[][]).flat()
      : answer && typeof (answer as ArrayLike<unknown>).length === 'number'
        ? Array.from(answer as ArrayLike<unknown>)
        : null;
  if (!flat || flat.length !== 9) return `expected 9 numbers (3×3 row-major), got ${String(answer)}.`;
  if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'expected 9 finite numbers.';
  return flat as number[];
}

/** Row-major 3×3 product a·b. */
function mat3(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return o;
}

/** Largest absolute element difference of two 9-number matrices. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < 9; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Apparent frequency in [0, fs/2] of a cosine at `f` sampled at `fs`. */
function foldFrequency(f: number, fs: number): number {
  return Math.abs(f - fs * Math.round(f / fs));
}

/** The Nyquist frequency after downsampling a rate-`fs` signal by `down`. */
function foldLimit(fs: number, down: number): number {
  return fs / down / 2;
}
