// Property tests (fast-check) of the resampling ops: agreement with a naive, literal implementation
// of the official definition, linearity, shift behaviour, DC preservation and the definition of
// filteredLrelu as a composition of upfirdn2d and biasAct. All in float64 so that the tolerances
// are round-off only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NdArray } from 'ndarray';
import { fromData, zeros } from '../../src/signal/array.js';
import { upfirdn } from '../../src/signal/upfirdn.js';
import { upfirdn2d } from '../../src/signal/upfirdn2d.js';
import { filteredLrelu } from '../../src/signal/filtered-lrelu.js';
import { biasAct } from '../../src/signal/bias-act.js';
import { maxAbs } from '../helpers/golden.js';

// PROPERTY_RUNS=1000 for a deeper (slower) search.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const TOL = 1e-12;

function closeToMax(a: ArrayLike<number>, b: ArrayLike<number>, tol = TOL): boolean {
  if (a.length !== b.length) return false;
  const scale = Math.max(maxAbs(a), maxAbs(b), 1e-300);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol * scale)) return false;
  return true;
}

const value = fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });
const vec = (min: number, max: number) =>
  fc.array(value, { minLength: min, maxLength: max }).map((a) => Float64Array.from(a));
const tensor = (shape: number[]) =>
  fc
    .array(value, {
      minLength: shape.reduce((a, b) => a * b, 1),
      maxLength: shape.reduce((a, b) => a * b, 1),
    })
    .map((a) => fromData(Float64Array.from(a), shape));

/**
 * The official upfirdn2d, literally: build the zero-stuffed array, pad/crop it, correlate with the
 * (flipped unless flipFilter) filter over the valid region, keep every down-th sample.
 */
function naiveUpfirdn2d(
  x: NdArray,
  f: { data: Float64Array; shape: number[] } | null,
  up: [number, number],
  down: [number, number],
  pad: [number, number, number, number],
  flip: boolean,
  gain: number,
): NdArray<Float64Array> {
  const [N, C, H, W] = x.shape;
  const [ux, uy] = up;
  const [dx, dy] = down;
  const [px0, px1, py0, py1] = pad;
  // 2-D filter in correlation order, total gain folded in (separable = outer product).
  let fh: number, fw: number, k2: Float64Array;
  if (f === null) {
    fh = fw = 1;
    k2 = Float64Array.of(1);
  } else if (f.shape.length === 1) {
    fh = fw = f.shape[0];
    k2 = new Float64Array(fh * fw);
    for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) k2[i * fw + j] = f.data[i] * f.data[j];
  } else {
    [fh, fw] = f.shape;
    k2 = f.data.slice();
  }
  if (!flip) k2.reverse();
  const PH = H * uy + py0 + py1;
  const PW = W * ux + px0 + px1;
  const VH = PH - fh + 1;
  const VW = PW - fw + 1;
  const OH = Math.ceil(VH / dy);
  const OW = Math.ceil(VW / dx);
  const out = zeros([N, C, OH, OW], 'float64') as NdArray<Float64Array>;
  for (let b = 0; b < N; b++)
    for (let c = 0; c < C; c++) {
      // Zero-stuffed, padded (or cropped) plane: xp[i][j] = xu[i − py0][j − px0].
      const xp = new Float64Array(PH * PW);
      for (let i = 0; i < PH; i++)
        for (let j = 0; j < PW; j++) {
          const m = i - py0;
          const n = j - px0;
          const real = m >= 0 && n >= 0 && m < H * uy && n < W * ux && m % uy === 0 && n % ux === 0;
          if (real) xp[i * PW + j] = x.get(b, c, m / uy, n / ux);
        }
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let acc = 0;
          for (let a = 0; a < fh; a++)
            for (let e = 0; e < fw; e++) acc += k2[a * fw + e] * xp[(oy * dy + a) * PW + ox * dx + e];
          out.set(b, c, oy, ox, acc * gain);
        }
    }
  return out;
}

/** Random upfirdn2d geometry that the official op accepts (padded axis ≥ filter taps). */
const geometry = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }),
    C: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 3, max: 9 }),
    W: fc.integer({ min: 3, max: 9 }),
    kind: fc.constantFrom('sep', '2d', 'none'),
    fh: fc.integer({ min: 1, max: 7 }),
    fw: fc.integer({ min: 1, max: 7 }),
    ux: fc.integer({ min: 1, max: 4 }),
    uy: fc.integer({ min: 1, max: 4 }),
    dx: fc.integer({ min: 1, max: 3 }),
    dy: fc.integer({ min: 1, max: 3 }),
    pad: fc.tuple(...[0, 1, 2, 3].map(() => fc.integer({ min: -4, max: 6 }))) as fc.Arbitrary<
      [number, number, number, number]
    >,
    flip: fc.boolean(),
    gain: fc.double({ min: 0.25, max: 4, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .map((g) => {
    const fshape = g.kind === 'sep' ? [g.fw] : g.kind === '2d' ? [g.fh, g.fw] : [];
    const [fwEff, fhEff] = g.kind === 'none' ? [1, 1] : g.kind === 'sep' ? [g.fw, g.fw] : [g.fw, g.fh];
    return { ...g, fshape, fwEff, fhEff };
  })
  .filter((g) => g.W * g.ux + g.pad[0] + g.pad[1] >= g.fwEff && g.H * g.uy + g.pad[2] + g.pad[3] >= g.fhEff);

/** Deterministic pseudo-random float64 data from a seed (keeps shrinking cheap). */
function seeded(seed: number, n: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

type Geometry = typeof geometry extends fc.Arbitrary<infer T> ? T : never;

function makeCase(g: Geometry, seedOffset = 0) {
  const x = fromData(seeded(g.seed + seedOffset, g.N * g.C * g.H * g.W), [g.N, g.C, g.H, g.W]);
  const fdata =
    g.kind === 'none'
      ? null
      : seeded(
          g.seed * 7 + 3,
          g.fshape.reduce((a, b) => a * b, 1),
        );
  const f = fdata === null ? null : { data: fdata, shape: g.fshape };
  const fArg = f === null ? null : fromData(f.data, f.shape);
  const opts = { up: [g.ux, g.uy], down: [g.dx, g.dy], padding: g.pad, flipFilter: g.flip, gain: g.gain };
  return { x, f, fArg, opts };
}

test('upfirdn2d equals the literal zero-stuff / pad / convolve / decimate definition', () => {
  fc.assert(
    fc.property(geometry, (g) => {
      const { x, f, fArg, opts } = makeCase(g);
      const fast = upfirdn2d(x, fArg, opts);
      const ref = naiveUpfirdn2d(x, f, [g.ux, g.uy], [g.dx, g.dy], g.pad, g.flip, g.gain);
      assert.deepEqual(fast.shape, ref.shape);
      assert.ok(fast.data instanceof Float64Array, 'float64 in, float64 out');
      assert.ok(closeToMax(fast.data, ref.data), 'values');
    }),
    { numRuns: RUNS },
  );
});

test('upfirdn2d keeps rank 2 and 3 inputs at their rank', () => {
  const x4 = fromData(seeded(5, 2 * 7 * 6), [1, 2, 7, 6]);
  const x3 = fromData(x4.data as Float64Array, [2, 7, 6]);
  const x2 = fromData((x4.data as Float64Array).slice(0, 42), [7, 6]);
  const opts = { up: 2, down: 1, padding: [1, 2, 2, 1] };
  const f = [0.25, 0.5, 0.25];
  const y4 = upfirdn2d(x4, f, opts);
  const y3 = upfirdn2d(x3, f, opts);
  const y2 = upfirdn2d(x2, f, opts);
  assert.deepEqual(y3.shape, y4.shape.slice(1));
  assert.deepEqual(y2.shape, y4.shape.slice(2));
  assert.deepEqual(Array.from(y3.data), Array.from(y4.data));
  assert.deepEqual(Array.from(y2.data), Array.from(y4.data.slice(0, y2.data.length)));
});

test('upfirdn2d is linear: f(a·x + b·y) = a·f(x) + b·f(y)', () => {
  fc.assert(
    fc.property(geometry, value, value, (g, a, b) => {
      const { x, fArg, opts } = makeCase(g);
      const y = makeCase(g, 99).x;
      const mix = fromData(
        x.data.map((v, i) => a * v + b * (y.data as Float64Array)[i]),
        x.shape,
      );
      const lhs = upfirdn2d(mix, fArg, opts).data;
      const fx = upfirdn2d(x, fArg, opts).data;
      const fy = upfirdn2d(y, fArg, opts).data;
      const rhs = fx.map((v, i) => a * v + b * fy[i]);
      const scale = (Math.abs(a) + Math.abs(b)) * Math.max(maxAbs(fx), maxAbs(fy), 1e-300);
      for (let i = 0; i < lhs.length; i++) assert.ok(Math.abs(lhs[i] - rhs[i]) <= 1e-12 * scale + 1e-300);
    }),
    { numRuns: RUNS },
  );
});

test('upfirdn (SciPy) is linear', () => {
  fc.assert(
    fc.property(
      vec(1, 12),
      vec(1, 30),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      value,
      value,
      (h, x, up, down, a, b) => {
        const y = x.map((v, i) => Math.sin(i + v));
        const lhs = upfirdn(
          h,
          x.map((v, i) => a * v + b * y[i]),
          up,
          down,
        );
        const fx = upfirdn(h, x, up, down);
        const fy = upfirdn(h, y, up, down);
        const scale = (Math.abs(a) + Math.abs(b)) * Math.max(maxAbs(fx), maxAbs(fy), 1e-300);
        for (let i = 0; i < lhs.length; i++)
          assert.ok(Math.abs(lhs[i] - (a * fx[i] + b * fy[i])) <= 1e-12 * scale + 1e-300);
      },
    ),
    { numRuns: RUNS },
  );
});

test('upfirdn equals its definition: full convolution of the zero-stuffed input, every down-th sample', () => {
  fc.assert(
    fc.property(
      vec(1, 10),
      vec(1, 20),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      (h, x, up, down) => {
        const xu = new Float64Array((x.length - 1) * up + 1);
        x.forEach((v, i) => (xu[i * up] = v));
        const full = new Float64Array(xu.length + h.length - 1);
        for (let i = 0; i < xu.length; i++) for (let k = 0; k < h.length; k++) full[i + k] += xu[i] * h[k];
        const ref = full.filter((_, i) => i % down === 0);
        assert.ok(closeToMax(upfirdn(h, x, up, down), ref));
      },
    ),
    { numRuns: RUNS },
  );
});

test('upfirdn shift: delaying x by k samples delays y by k·up/down (when down divides k·up)', () => {
  fc.assert(
    fc.property(
      vec(1, 10),
      vec(1, 20),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      (h, x, up, down, k0) => {
        const k = k0 * down; // so that down | k·up
        const shifted = new Float64Array(x.length + k);
        shifted.set(x, k);
        const y = upfirdn(h, x, up, down);
        const ys = upfirdn(h, shifted, up, down);
        const s = (k * up) / down;
        assert.equal(ys.length, y.length + s);
        for (let i = 0; i < s; i++) assert.equal(ys[i], 0);
        assert.ok(closeToMax(ys.subarray(s), y));
      },
    ),
    { numRuns: RUNS },
  );
});

test('upfirdn2d shift: delaying x by k pixels along x and y delays y by k·up/down', () => {
  fc.assert(
    fc.property(geometry, fc.integer({ min: 1, max: 3 }), (g, k0) => {
      const { x, fArg, opts } = makeCase(g);
      const kx = k0 * g.dx;
      const ky = k0 * g.dy;
      const [N, C, H, W] = x.shape;
      const xs = zeros([N, C, H + ky, W + kx], 'float64');
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++)
          for (let i = 0; i < H; i++)
            for (let j = 0; j < W; j++) xs.set(n, c, i + ky, j + kx, x.get(n, c, i, j));
      const y = upfirdn2d(x, fArg, opts);
      const ys = upfirdn2d(xs, fArg, opts);
      const sx = (kx * g.ux) / g.dx;
      const sy = (ky * g.uy) / g.dy;
      assert.deepEqual(ys.shape, [N, C, y.shape[2] + sy, y.shape[3] + sx]);
      const scale = Math.max(maxAbs(y.data), 1e-300);
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++)
          for (let i = 0; i < y.shape[2]; i++)
            for (let j = 0; j < y.shape[3]; j++)
              assert.ok(Math.abs(ys.get(n, c, i + sy, j + sx) - y.get(n, c, i, j)) <= 1e-12 * scale + 1e-300);
    }),
    { numRuns: RUNS },
  );
});

/** A filter whose `up` polyphase components all sum to 1/up: box(up) ∗ g with Σg = 1. */
function polyphaseUnitFilter(g: Float64Array, up: number): Float64Array {
  const sum = g.reduce((a, b) => a + b, 0);
  const f = new Float64Array(g.length + up - 1);
  for (let i = 0; i < g.length; i++) for (let j = 0; j < up; j++) f[i + j] += g[i] / sum / up;
  return f;
}

const positiveTaps = fc
  .array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 })
  .map((a) => Float64Array.from(a));

test('a unit-DC-gain filter preserves constants in the interior (upfirdn2d, 1-D and 2-D filters)', () => {
  fc.assert(
    fc.property(
      positiveTaps,
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: -3, max: 5 }),
      fc.boolean(),
      fc.double({ min: -3, max: 3, noNaN: true }),
      (g, up, down, pad, twoD, level) => {
        // Each polyphase component of f1 sums to 1/up, so with the upsampling gain up per axis (up² in
        // total, what upsample2d passes) every output sample sees a DC gain of exactly 1.
        const f1 = polyphaseUnitFilter(g, up);
        const n = f1.length;
        const f = twoD
          ? fromData(
              Float64Array.from({ length: n * n }, (_, i) => f1[Math.floor(i / n)] * f1[i % n]),
              [n, n],
            )
          : f1;
        const L = n + 8;
        const x = fromData(new Float64Array(L * L).fill(level), [L, L]);
        const y = upfirdn2d(x, f, { up, down, padding: pad, gain: up * up });
        let interior = 0;
        for (let oy = 0; oy < y.shape[0]; oy++)
          for (let ox = 0; ox < y.shape[1]; ox++) {
            // Interior: every tap lands on [0, L·up − 1] of the upsampled grid.
            const ty = oy * down - pad;
            const tx = ox * down - pad;
            if (ty >= 0 && tx >= 0 && ty + n <= L * up && tx + n <= L * up) {
              interior++;
              assert.ok(Math.abs(y.get(oy, ox) - level) <= 1e-12 * (1 + Math.abs(level)));
            }
          }
        assert.ok(interior > 0, 'some interior samples');
      },
    ),
    { numRuns: RUNS },
  );
});

test('a unit-DC-gain filter preserves constants in the interior (SciPy upfirdn)', () => {
  fc.assert(
    fc.property(
      positiveTaps,
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.double({ min: -3, max: 3, noNaN: true }),
      (g, up, down, level) => {
        const h = polyphaseUnitFilter(g, up).map((v) => v * up); // sum(h) = up: unit gain after upsampling
        const L = h.length + 10;
        const y = upfirdn(h, new Float64Array(L).fill(level), up, down);
        for (let n = 0; n < y.length; n++) {
          const t = n * down;
          if (t - (h.length - 1) >= 0 && t <= (L - 1) * up)
            assert.ok(Math.abs(y[n] - level) <= 1e-12 * (1 + Math.abs(level)));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('filteredLrelu equals bias → upfirdn2d(fu, up, gain up²) → gain·lrelu → clamp → upfirdn2d(fd, down)', () => {
  const config = fc
    .record({
      N: fc.integer({ min: 1, max: 2 }),
      C: fc.integer({ min: 1, max: 3 }),
      H: fc.integer({ min: 6, max: 10 }),
      W: fc.integer({ min: 6, max: 10 }),
      fuKind: fc.constantFrom('sep', '2d', 'none'),
      fdKind: fc.constantFrom('sep', '2d', 'none'),
      fuTaps: fc.integer({ min: 1, max: 6 }),
      fdTaps: fc.integer({ min: 1, max: 5 }),
      up: fc.integer({ min: 1, max: 4 }),
      down: fc.integer({ min: 1, max: 3 }),
      pad: fc.tuple(...[0, 1, 2, 3].map(() => fc.integer({ min: -2, max: 5 }))),
      gain: fc.double({ min: 0.5, max: 2, noNaN: true }),
      slope: fc.double({ min: 0, max: 1, noNaN: true }),
      clamp: fc.option(fc.double({ min: 0, max: 1.5, noNaN: true }), { nil: null }),
      flip: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    })
    .filter((c) => {
      const nu = c.fuKind === 'none' ? 1 : c.fuTaps;
      const nd = c.fdKind === 'none' ? 1 : c.fdTaps;
      const w = c.W * c.up + c.pad[0] + c.pad[1] - nu + 1;
      const h = c.H * c.up + c.pad[2] + c.pad[3] - nu + 1;
      return w >= nd && h >= nd && w >= 1 && h >= 1;
    });
  const filterOf = (kind: string, taps: number, seed: number) =>
    kind === 'none'
      ? null
      : kind === 'sep'
        ? seeded(seed, taps)
        : fromData(seeded(seed, taps * taps), [taps, taps]);
  fc.assert(
    fc.property(config, (c) => {
      const x = fromData(seeded(c.seed, c.N * c.C * c.H * c.W), [c.N, c.C, c.H, c.W]);
      const b = seeded(c.seed + 1, c.C);
      const fu = filterOf(c.fuKind, c.fuTaps, c.seed + 2);
      const fd = filterOf(c.fdKind, c.fdTaps, c.seed + 3);
      const fused = filteredLrelu(x, {
        fu,
        fd,
        b,
        up: c.up,
        down: c.down,
        padding: c.pad,
        gain: c.gain,
        slope: c.slope,
        clamp: c.clamp,
        flipFilter: c.flip,
      });
      let t = biasAct(x, { b });
      t = upfirdn2d(t, fu, { up: c.up, padding: c.pad, gain: c.up * c.up, flipFilter: c.flip });
      t = biasAct(t, { act: 'lrelu', alpha: c.slope, gain: c.gain, clamp: c.clamp });
      t = upfirdn2d(t, fd, { down: c.down, flipFilter: c.flip });
      assert.deepEqual(fused.shape, t.shape);
      // Output size as the official op computes it.
      const nu = c.fuKind === 'none' ? 1 : c.fuTaps;
      const nd = c.fdKind === 'none' ? 1 : c.fdTaps;
      const outW = Math.floor((c.W * c.up + c.pad[0] + c.pad[1] - (nu - 1) - (nd - 1) + c.down - 1) / c.down);
      const outH = Math.floor((c.H * c.up + c.pad[2] + c.pad[3] - (nu - 1) - (nd - 1) + c.down - 1) / c.down);
      assert.deepEqual(fused.shape, [c.N, c.C, outH, outW]);
      assert.ok(closeToMax(fused.data, t.data), 'values');
    }),
    { numRuns: RUNS },
  );
});
