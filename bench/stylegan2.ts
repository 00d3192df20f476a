/**
 * StyleGAN2-256 benchmark rows of the `generator` group: config A (the official StyleGAN2 at the
 * ladder's 256² ablation capacity: C_base 16384, C_max 512, 8 mapping layers), noise 'const',
 * batch 1, one thread (wasm), with the default conv choice ('auto': Winograd F(4×4,3×3) for the big
 * 3×3 convs; the up-sampling conv0 always as four direct phase convs plus the [1,3,3,1] filter
 * passes) and with every 3×3 conv direct (`tf.conv2d`). Reports the median and the spread
 * (min–max) of the timed runs: on a shared machine other processes compete for the CPU, so the
 * spread says how much to trust the median.
 *
 * Baseline: the official PyTorch code on the 2-core CI-class CPU took 0.41–0.55 s per image
 * (2 threads, 4 runs); the goal is ≤ 0.75× of that on one thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './harness.js';
import { backendInfo } from '../src/generator/backend.js';
import { createGenerator } from '../src/generator/weights.js';
import { configs } from '../src/generator/config.js';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/generator/ops/modulated-conv.js';

/** Official PyTorch on the 2-core machine, s/image (range of 4 runs). */
const PYTORCH_S: [number, number] = [0.41, 0.55];

export async function stylegan2Rows({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const gen = await createGenerator(configs.A, { seed: 1 });
  const flop = 2 * gen.macsPerImage();
  const z = tf.randomNormal([1, gen.config.zDim], 0, 1, 'float32', 7) as tf.Tensor2D;
  const repeats = quick ? 3 : 7;
  const out: BenchRow[] = [];
  try {
    for (const alg of ['auto', 'direct'] as ConvAlgorithm[]) {
      setConvAlgorithm(alg);
      const once = () => {
        const t0 = performance.now();
        const { image } = gen.generate(z, { noiseMode: 'const' });
        image.dataSync();
        image.dispose();
        return performance.now() - t0;
      };
      once(); // warm-up: prepares the Winograd weights and XNNPACK's packed copies
      const times = Array.from({ length: repeats }, once).sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      out.push({
        group: 'generator',
        name: `StyleGAN2-256 (A) batch 1 (${backendInfo().name})${alg === 'direct' ? ' direct conv' : ''}`,
        ms: median,
        extra: {
          conv: alg,
          'ms/image': median,
          'min–max ms': `${times[0].toFixed(0)}–${times[times.length - 1].toFixed(0)}`,
          'images/s': 1000 / median,
          'GFLOP/image': flop / 1e9,
          'GFLOP/s': flop / 1e9 / (median / 1000),
          'PyTorch s/image': `${PYTORCH_S[0]}–${PYTORCH_S[1]}`,
          'vs PyTorch': `${(median / 1000 / PYTORCH_S[1]).toFixed(2)}–${(median / 1000 / PYTORCH_S[0]).toFixed(2)}×`,
        },
      });
      process.stderr.write(
        `  StyleGAN2-256 batch 1 conv ${alg}: median ${median.toFixed(0)} ms/image (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)})\n`,
      );
    }
  } finally {
    setConvAlgorithm('auto');
    z.dispose();
    gen.dispose();
  }
  return out;
}
