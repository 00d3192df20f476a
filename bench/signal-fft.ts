/**
 * Benchmarks of the FFT, spectrum and equivariance operators of aliasfree/signal (median ms).
 * Rows: fft2 at 256² and 1024², powerSpectrum2d of 4 RGB 256² images (4× padding → 1024² FFTs),
 * translateFractional and rotateFractional on [1,3,256,256].
 */
import ndarray from 'ndarray';
import { timeMedian, type BenchRow } from './harness.js';
import { fft2 } from '../src/signal/fft.js';
import { powerSpectrum2d } from '../src/signal/spectrum.js';
import { translateFractional } from '../src/signal/translate.js';
import { rotateFractional, affineBandlimitFilter, rotationMatrix } from '../src/signal/rotate.js';

function noise(shape: number[], seed = 1): ndarray.NdArray<Float32Array> {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2147483648 - 1;
  }
  return ndarray(data, shape);
}

export async function rows(opts: { quick: boolean }): Promise<BenchRow[]> {
  const repeats = opts.quick ? 3 : 7;
  const out: BenchRow[] = [];
  const group = 'signal-fft';

  for (const n of [256, 1024]) {
    const x = noise([n, n]);
    const ms = await timeMedian(() => fft2(x), { repeats, warmup: 1 });
    // 5·N·log2(N) flops per complex 1-D transform, 2N transforms.
    const flops = 2 * n * 5 * n * Math.log2(n);
    out.push({
      group,
      name: `fft2 ${n}x${n} (complex, float64)`,
      ms,
      extra: { 'GFLOP/s': flops / ms / 1e6 },
    });
  }

  const imgs = noise([4, 3, 256, 256]);
  out.push({
    group,
    name: 'powerSpectrum2d 4×RGB 256² (→1024²)',
    ms: await timeMedian(() => powerSpectrum2d(imgs, { mean: 0, std: 1 }), {
      repeats: opts.quick ? 1 : 3,
      warmup: 1,
    }),
  });

  const x = noise([1, 3, 256, 256]);
  out.push({
    group,
    name: 'translateFractional [1,3,256,256]',
    ms: await timeMedian(() => translateFractional(x, 0.0123, -0.0456), { repeats, warmup: 1 }),
  });
  out.push({
    group,
    name: 'affineBandlimitFilter rot, up 4 (47² taps)',
    ms: await timeMedian(() => affineBandlimitFilter(rotationMatrix(0.3), { amax: 6 }), {
      repeats: opts.quick ? 1 : 3,
      warmup: 1,
    }),
  });
  out.push({
    group,
    name: 'rotateFractional [1,3,256,256] (incl. filter)',
    ms: await timeMedian(() => rotateFractional(x, 0.3), { repeats: opts.quick ? 1 : 3, warmup: 1 }),
  });
  return out;
}
