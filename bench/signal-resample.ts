/**
 * Benchmarks of the resampling ops at the sizes of real StyleGAN3 layers (256² generator: 128
 * channels, 52² maps; filters are the official 12- and 24-tap Kaiser low-passes and a 12×12 radial
 * jinc filter, read from the golden vectors so the numbers do not depend on the filter design code).
 * `rows({quick})` returns one row per case (median of repeats).
 */
import { join } from 'node:path';
import type { NdArray } from 'ndarray';
import { timeMedian, type BenchRow } from './harness.js';
import { readNpy } from '../src/io/npy.js';
import { fromData, type FloatArray } from '../src/signal/array.js';
import { upfirdn } from '../src/signal/upfirdn.js';
import { upfirdn2d } from '../src/signal/upfirdn2d.js';
import { filteredLrelu } from '../src/signal/filtered-lrelu.js';
import { biasAct } from '../src/signal/bias-act.js';
import { GOLDEN } from '../test/helpers/golden.js';

const GROUP = 'signal/resample';

function golden(...parts: string[]): NdArray {
  return readNpy(join(GOLDEN, ...parts)) as NdArray;
}

/** Deterministic pseudo-random float32 tensor in [−1, 1). */
function randomTensor(shape: number[], seed = 1): NdArray<FloatArray> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return fromData(data, shape);
}

/** Multiply-adds per call of a separable/2-D upfirdn pass, for a GMAC/s column. */
function rate(macs: number, ms: number): number {
  return macs / (ms * 1e6);
}

/**
 * Multiply-adds of filteredLrelu on `C` square planes: separable up pass (`fuTaps/up` taps per output,
 * `inN → upN`), then the down pass to `outN` with a separable or 2-D `fdTaps`-tap filter.
 */
function lreluMacs(
  C: number,
  inN: number,
  upN: number,
  outN: number,
  fuTaps: number,
  up: number,
  fd2d: boolean,
  fdTaps: number,
): number {
  const upMacs = (upN * inN + upN * upN) * (fuTaps / up);
  const downMacs = fd2d ? outN * outN * fdTaps * fdTaps : (outN * upN + outN * outN) * fdTaps;
  return C * (upMacs + downMacs);
}

export async function rows(opts: { quick: boolean }): Promise<BenchRow[]> {
  const repeats = opts.quick ? 3 : 9;
  const f12 = golden('filters', 'design_t16_L3_36_512_down__out_filter_f32.npy'); // 12 taps
  const f24 = golden('filters', 'design_t32_L5_52_512_up__out_filter_f32.npy'); // 24 taps
  const radial = golden('filtered_lrelu', 'r_L3_36_64__in_fd.npy'); // 12×12 jinc
  const out: BenchRow[] = [];
  const add = async (name: string, fn: () => unknown, macs: number, shape: string) => {
    const ms = await timeMedian(fn, { repeats, warmup: 1 });
    out.push({ group: GROUP, name, ms, extra: { shape, 'GMAC/s': rate(macs, ms) } });
  };

  // upfirdn2d alone: upsample ×2 and downsample ×2 of a 128×52×52 map, 12-tap separable filter.
  const x52 = randomTensor([1, 128, 52, 52]);
  {
    const y = upfirdn2d(x52, f12, { up: 2, padding: [6, 5, 6, 5], gain: 4 });
    const [, C, H, W] = y.shape;
    const macs = C * (52 * W + H * W) * (12 / 2);
    await add(
      'upfirdn2d up2 12-tap sep',
      () => upfirdn2d(x52, f12, { up: 2, padding: [6, 5, 6, 5], gain: 4 }),
      macs,
      '1×128×52² → 104²',
    );
  }
  const x104 = randomTensor([1, 128, 104, 104], 2);
  {
    const y = upfirdn2d(x104, f12, { down: 2, padding: [5, 5, 5, 5] });
    const [, C, H, W] = y.shape;
    const macs = C * (104 * W + H * W) * 12;
    await add(
      'upfirdn2d down2 12-tap sep',
      () => upfirdn2d(x104, f12, { down: 2, padding: [5, 5, 5, 5] }),
      macs,
      '1×128×104² → 52²',
    );
  }
  {
    const macs = 128 * 52 * 52 * 144;
    await add(
      'upfirdn2d down2 12×12 radial',
      () => upfirdn2d(x104, radial, { down: 2, padding: [5, 5, 5, 5] }),
      macs,
      '1×128×104² → 52²',
    );
  }

  // filteredLrelu exactly as the 256² generator's layers call it.
  const b128 = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * 0.1);
  const x54 = randomTensor([1, 128, 54, 54], 3);
  await add(
    'filteredLrelu up2/down2 12/12 taps',
    () =>
      filteredLrelu(x54, { fu: f12, fd: f12, b: b128, up: 2, down: 2, padding: [9, 8, 9, 8], clamp: 256 }),
    lreluMacs(128, 54, 114, 52, 12, 2, false, 12),
    '1×128×54² → 52²',
  );
  // The same layer as a composition of the public ops (materialises the whole upsampled batch in
  // float32 between steps): what the fused plane-by-plane path saves.
  await add(
    'filteredLrelu up2/down2 via upfirdn2d+biasAct',
    () => {
      let t = biasAct(x54, { b: b128 });
      t = upfirdn2d(t, f12, { up: 2, padding: [9, 8, 9, 8], gain: 4 });
      t = biasAct(t, { act: 'lrelu', clamp: 256 });
      return upfirdn2d(t, f12, { down: 2 });
    },
    lreluMacs(128, 54, 114, 52, 12, 2, false, 12),
    '1×128×54² → 52²',
  );
  const x38 = randomTensor([1, 128, 38, 38], 4);
  await add(
    'filteredLrelu up4/down2 24/12 taps',
    () =>
      filteredLrelu(x38, {
        fu: f24,
        fd: f12,
        b: b128,
        up: 4,
        down: 2,
        padding: [-6, -9, -6, -9],
        clamp: 256,
      }),
    lreluMacs(128, 38, 114, 52, 24, 4, false, 12),
    '1×128×38² → 52²',
  );
  const x52r = randomTensor([1, 128, 52, 52], 5);
  await add(
    'filteredLrelu up2/down2 12 + 12×12 radial',
    () =>
      filteredLrelu(x52r, {
        fu: f12,
        fd: radial,
        b: b128,
        up: 2,
        down: 2,
        padding: [11, 10, 11, 10],
        clamp: 256,
      }),
    lreluMacs(128, 52, 114, 52, 12, 2, true, 12),
    '1×128×52² → 52²',
  );

  // SciPy-style 1-D resampling (e.g. of a long test signal): 24 taps, up 3, down 2.
  const sig = Float64Array.from({ length: 200_000 }, (_, i) => Math.sin(i * 0.01));
  const h24 = Float64Array.from(f24.data as ArrayLike<number>);
  await add(
    'upfirdn 1-D up3/down2 24 taps',
    () => upfirdn(h24, sig, 3, 2),
    ((200_000 * 3) / 2) * 8,
    '200k → 300k',
  );
  return out;
}
