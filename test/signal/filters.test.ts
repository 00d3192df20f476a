// Golden parity of the filter-design core (group `filters`): every case of the manifest is dispatched
// by its `fn` and every recorded output is compared. The `geometry_*` cases (SynthesisNetwork layer
// attributes) belong to the generator tests and are left to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NdArray } from 'ndarray';
import {
  besselI0,
  besselJ1,
  designLowpassFilter,
  firwin,
  freqz,
  kaiserAtten,
  kaiserBeta,
  kaiserOrd,
  kaiserWindow,
  type WindowSpec,
} from '../../src/signal/index.js';
import {
  assertCloseToMax,
  assertRelClose,
  manifest,
  maxAbs,
  npy,
  type GoldenCase,
} from '../helpers/golden.js';

const GROUP = 'filters';
const NOT_OURS = new Set(['training.networks_stylegan3.SynthesisNetwork']);

function out(c: GoldenCase, name: string): ArrayLike<number> {
  const file = c.outputs[name];
  assert.ok(file, `${c.name}: output ${name} missing from the manifest`);
  return npy(GROUP, file).data;
}

function inp(c: GoldenCase, name: string): ArrayLike<number> {
  const file = c.inputs[name];
  assert.ok(file, `${c.name}: input ${name} missing from the manifest`);
  return npy(GROUP, file).data;
}

/**
 * Relative check with an absolute floor tied to the array's scale: taps that are (nearly) zero by
 * symmetry or at the window edge carry only rounding noise of order ε·max|h|.
 */
function assertRelWithFloor(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  floorRel = 1e-15,
) {
  assertRelClose(actual, expected, 1e-12, what, floorRel * (maxAbs(expected) || 1));
}

/** Spacing of float32 numbers at |x| (one ulp). */
function f32Ulp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const handlers: Record<string, (c: GoldenCase) => void> = {
  'numpy.i0': (c) => {
    const x = inp(c, 'x');
    assertRelClose(besselI0(x), out(c, 'y'), 1e-12, `${c.name} I0`);
  },
  'scipy.special.j1': (c) => {
    // Relative 1e-12, with an absolute floor of 1e-15 (≈ 5ε·max|J₁|): at the float nearest to a zero of
    // J₁ the value is O(1e-17) and SciPy itself only guarantees absolute accuracy there.
    const x = inp(c, 'x');
    assertRelClose(besselJ1(x), out(c, 'y'), 1e-12, `${c.name} J1`, 1e-15);
    // J₁ is odd.
    const neg = Float64Array.from(x, (v) => -v);
    const yNeg = besselJ1(neg);
    const y = besselJ1(x);
    for (let i = 0; i < y.length; i++) assert.equal(yNeg[i], -y[i]);
  },
  'numpy.kaiser': (c) => {
    const w = kaiserWindow(c.params.M, c.params.beta);
    assertRelWithFloor(w, out(c, 'window'), `${c.name} window`);
  },
  'scipy.signal.kaiser_beta': (c) => {
    const a = inp(c, 'a');
    const beta = Float64Array.from(a, (v) => kaiserBeta(v));
    assertRelClose(beta, out(c, 'beta'), 1e-12, `${c.name} beta`);
  },
  'scipy.signal.kaiser_atten': (c) => {
    const n = inp(c, 'numtaps');
    const width = inp(c, 'width');
    const atten = Float64Array.from(n, (v, i) => kaiserAtten(v, width[i]));
    assertRelClose(atten, out(c, 'atten'), 1e-12, `${c.name} atten`);
  },
  'scipy.signal.kaiserord': (c) => {
    const { numtaps, beta } = kaiserOrd(c.params.ripple, c.params.width);
    assert.equal(numtaps, out(c, 'numtaps')[0], `${c.name} numtaps`);
    assertRelClose([beta], out(c, 'beta'), 1e-12, `${c.name} beta`);
  },
  'scipy.signal.firwin': (c) => {
    const p = c.params;
    const opts: { width?: number; fs?: number; window?: WindowSpec; passZero?: boolean; scale?: boolean } =
      {};
    if (p.width !== undefined && p.width !== null) opts.width = p.width;
    if (p.fs !== undefined) opts.fs = p.fs;
    if (p.window !== undefined && p.window !== null) opts.window = p.window;
    if (p.pass_zero !== undefined) opts.passZero = p.pass_zero;
    if (p.scale !== undefined) opts.scale = p.scale;
    const taps = firwin(p.numtaps, p.cutoff, opts);
    assertRelWithFloor(taps, out(c, 'taps'), `${c.name} taps`);
  },
  'SynthesisLayer.design_lowpass_filter': (c) => {
    const { numtaps, cutoff, width, fs, radial } = c.params;
    const f = designLowpassFilter({ numtaps, cutoff, width, fs, radial });
    if (numtaps === 1) {
      assert.equal(f, null, `${c.name}: numtaps 1 means no filter`);
      return;
    }
    assert.ok(f !== null);
    let data: Float64Array;
    if (radial) {
      const nd = f as NdArray<Float64Array>;
      assert.deepEqual(nd.shape, [numtaps, numtaps], `${c.name} shape`);
      data = nd.data;
      assertCloseToMax(data, out(c, 'filter_f64'), 1e-12, `${c.name} filter_f64`);
    } else {
      assert.ok(f instanceof Float64Array, `${c.name}: separable filter is 1-D taps`);
      data = f;
      assert.equal(data.length, numtaps);
      assertCloseToMax(data, out(c, 'firwin_f64'), 1e-12, `${c.name} firwin_f64`);
    }
    // The official buffer is the float32 cast of the float64 design.
    const f32 = out(c, 'filter_f32');
    assert.equal(f32.length, data.length);
    for (let i = 0; i < data.length; i++) {
      const d = Math.abs(Math.fround(data[i]) - f32[i]);
      assert.ok(d <= f32Ulp(f32[i]), `${c.name} filter_f32[${i}]: ${Math.fround(data[i])} vs ${f32[i]}`);
    }
  },
  'scipy.signal.freqz': (c) => {
    const b = inp(c, 'b');
    const r = freqz(b, c.params.worN ?? 512);
    for (const k of ['w', 're', 'im', 'abs'] as const) {
      if (c.outputs[k] === undefined) continue;
      assertCloseToMax(r[k], out(c, k), 1e-12, `${c.name} ${k}`);
    }
    // |H| in dB is consistent with abs.
    const db = r.magnitudeDb();
    for (let i = 0; i < db.length; i++) {
      if (r.abs[i] > 1e-12) assert.ok(Math.abs(db[i] - 20 * Math.log10(r.abs[i])) < 1e-9);
    }
  },
};

const cases = manifest(GROUP).filter((c) => !NOT_OURS.has(c.fn));

test('the filters manifest has cases of every kind this module reproduces', () => {
  const kinds = new Set(cases.map((c) => c.fn));
  for (const fn of Object.keys(handlers)) assert.ok(kinds.has(fn), `no golden case for ${fn}`);
  for (const fn of kinds) assert.ok(fn in handlers, `no handler for golden fn ${fn}`);
});

for (const c of cases) {
  test(`golden ${c.name} (${c.fn})`, () => {
    handlers[c.fn](c);
  });
}
