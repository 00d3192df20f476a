/**
 * The StyleGAN2 generator (`StyleGAN2Generator`, configs A–C) in the form `lossPhase` needs: its
 * trainable variables (`params()`) and differentiable forwards (`mappingWith`, `synthesisWith`),
 * plus the official `update_emas` of its mapping network:
 *
 *     w_avg ← lerp(mean_batch(w), w_avg, β_w)      (β_w = w_avg_beta, 0.998)
 *
 * (the StyleGAN2 synthesis network has no EMA buffers). The synthesis runs with the official
 * training noise, `noise_mode = 'random'`, when the generator has noise inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { StateDict } from '../generator/state.js';
import type { LossGenerator } from './loss.js';

/** `lossPhase`'s view of a StyleGAN2 generator (shares its variables; dispose the generator itself). */
export class StyleGAN2Training implements LossGenerator {
  readonly params: Map<string, tf.Variable>;
  constructor(readonly generator: StyleGAN2Generator) {
    this.params = generator.params();
  }

  get numWs(): number {
    return this.generator.numWs;
  }

  mapping(
    z: tf.Tensor2D,
    c: tf.Tensor2D | null,
    { updateEmas = false }: { updateEmas?: boolean } = {},
  ): tf.Tensor3D {
    const ws = this.generator.mappingWith(this.params, z, { c });
    if (updateEmas) {
      const state = this.generator.stateDict();
      const avg = Float32Array.from(state.get('mapping.w_avg')!.data);
      const mean = tf.tidy(
        () => tf.mean(tf.slice(ws, [0, 0, 0], [-1, 1, -1]), [0, 1]).dataSync() as Float32Array,
      );
      const beta = Math.fround(this.generator.config.wAvgBeta);
      const f32 = Math.fround;
      for (let i = 0; i < avg.length; i++) avg[i] = f32(mean[i] + f32(f32(avg[i] - mean[i]) * beta));
      this.generator.loadState(new Map([['mapping.w_avg', { shape: [avg.length], data: avg }]]));
    }
    return ws;
  }

  synthesis(ws: tf.Tensor3D, _opts: { updateEmas?: boolean } = {}): tf.Tensor4D {
    const noiseMode = this.generator.config.useNoise ? 'random' : 'none';
    return this.generator.synthesisWith(this.params, ws, { noiseMode }).image;
  }

  /** The generator's state dict (official keys); the variables' values after `loadState`. */
  stateDict(): StateDict {
    return this.generator.stateDict();
  }
}
