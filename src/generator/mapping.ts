/**
 * The mapping network z → w (official `MappingNetwork` of networks_stylegan3.py):
 *
 *     x = z / √(mean(z²) + 1e−8)                                  (normalize_2nd_moment)
 *     [with labels: x = concat(x, normalize(embed(c)))]
 *     x ← √2 · lrelu_0.2( x · (W_i · lr/√in)ᵀ + b_i · lr )         i = 0 … mappingLayers−1
 *     ws = repeat(x, numWs);  truncation: ws[:, :cutoff] = w_avg + ψ·(ws[:, :cutoff] − w_avg)
 *
 * The equalised-learning-rate gains are folded into 2-D weight matrices once, at construction.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedConfig } from './types.js';
import type { StateDict } from './state.js';
import { stateTensor } from './tensors.js';

interface Fc {
  /** [in, out], gain folded in. */
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** Prepared mapping network (owns its tensors). */
export class Mapping {
  private readonly embed: Fc | null;
  private readonly fcs: Fc[];
  private readonly wAvg: tf.Tensor1D;
  constructor(
    readonly cfg: ResolvedConfig,
    readonly numWs: number,
    state: StateDict,
  ) {
    const lr = cfg.mappingLrMultiplier;
    const fc = (prefix: string, lrMul: number): Fc =>
      tf.tidy(() => {
        const w = stateTensor(state, `${prefix}.weight`) as tf.Tensor2D;
        const inF = w.shape[1];
        return {
          w: tf.transpose(tf.mul(w, lrMul / Math.sqrt(inF))) as tf.Tensor2D,
          b: tf.mul(stateTensor(state, `${prefix}.bias`), lrMul) as tf.Tensor1D,
        };
      });
    this.embed = cfg.cDim > 0 ? fc('mapping.embed', 1) : null;
    this.fcs = [];
    for (let i = 0; i < cfg.mappingLayers; i++) this.fcs.push(fc(`mapping.fc${i}`, lr));
    this.wAvg = stateTensor(state, 'mapping.w_avg') as tf.Tensor1D;
  }

  /** z [N, zDim] (and c [N, cDim] when cDim > 0) → ws [N, numWs, wDim]. */
  forward(z: tf.Tensor2D, c: tf.Tensor2D | null, psi: number, cutoff: number | null): tf.Tensor3D {
    return tf.tidy(() => {
      const norm = (v: tf.Tensor2D) =>
        tf.mul(v, tf.rsqrt(tf.add(tf.mean(tf.square(v), 1, true), 1e-8))) as tf.Tensor2D;
      let x: tf.Tensor2D | null = this.cfg.zDim > 0 ? norm(z) : null;
      if (this.embed && c) {
        const y = norm(tf.add(tf.matMul(c, this.embed.w), this.embed.b) as tf.Tensor2D);
        x = x ? (tf.concat([x, y], 1) as tf.Tensor2D) : y;
      }
      if (!x) throw new RangeError('mapping needs zDim > 0 or labels');
      for (const fc of this.fcs) {
        x = tf.mul(tf.leakyRelu(tf.add(tf.matMul(x, fc.w), fc.b), 0.2), Math.SQRT2) as tf.Tensor2D;
      }
      const n = x.shape[0];
      const wDim = x.shape[1];
      let ws = tf.tile(tf.reshape(x, [n, 1, wDim]), [1, this.numWs, 1]) as tf.Tensor3D;
      if (psi !== 1) {
        const k = cutoff === null ? this.numWs : Math.min(cutoff, this.numWs);
        const avg = tf.reshape(this.wAvg, [1, 1, wDim]);
        const lerped = tf.add(avg, tf.mul(tf.sub(ws, avg), psi)) as tf.Tensor3D;
        if (k >= this.numWs) ws = lerped;
        else if (k > 0) {
          const mask = tf.reshape(
            tf.tensor1d(Array.from({ length: this.numWs }, (_, i) => (i < k ? 1 : 0))),
            [1, this.numWs, 1],
          );
          ws = tf.where(tf.cast(mask, 'bool'), lerped, ws) as tf.Tensor3D;
        }
      }
      return ws;
    });
  }

  /** Multiply–accumulates of one sample. */
  macs(): number {
    let m = 0;
    if (this.embed) m += this.embed.w.size;
    for (const fc of this.fcs) m += fc.w.size;
    return m;
  }

  dispose(): void {
    for (const fc of [...this.fcs, ...(this.embed ? [this.embed] : [])]) tf.dispose([fc.w, fc.b]);
    this.wAvg.dispose();
  }
}
