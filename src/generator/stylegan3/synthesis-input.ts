/**
 * The Fourier-feature input layer (official `SynthesisInput`; spec §2.4). With frequencies f_c ∈ R²
 * and phases φ_c (cycles) fixed at construction, per sample n:
 *
 *   t = A(w₀) = (r_c, r_s, t_x, t_y);  t ← t / ‖(r_c, r_s)‖            (learned transform, H/T/R)
 *   M = R(t) · T(−t_x, −t_y) · U      with R = [[r_c, −r_s, 0], [r_s, r_c, 0], [0, 0, 1]] and U the
 *                                     user transform (inverse of the desired image transform)
 *   φ'_c = φ_c + f_c · M[0:2, 2],     f'_c = f_c · M[0:2, 0:2]         (f as a row vector)
 *   a_c  = clamp(1 − (‖f'_c‖ − bw)/(s/2 − bw), 0, 1)                   (fade out-of-band features)
 *   x[h, w, c] = sin(2π (X_w f'_{c,x} + Y_h f'_{c,y} + φ'_c)) · a_c
 *   out = x · (W/√C)ᵀ                                                  (learned C×C mix)
 *
 * with pixel-centre coordinates X_w = (w + ½ − size/2)/s (canvas [−½, ½], s = sampling rate).
 * The per-sample transforms are 3×3 and are evaluated in JavaScript; the feature map is built
 * with broadcast tf ops and the channel mix is one 2-D matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { InputSpec } from '../types.js';
import type { StateDict } from '../state.js';
import { stateTensor, stateValues } from '../tensors.js';
import { backendReadsSync, inputFeaturesTf } from '../webgpu.js';

const f32 = Math.fround;

/** 3×3 row-major product a·b with float32 rounding of every result (as the official float32 bmm). */
function mat3(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const o = new Float32Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[i * 3 + k] * b[k * 3 + j];
      o[i * 3 + j] = s;
    }
  return o;
}

/** Prepared input layer (owns its tensors). */
export class SynthesisInputLayer {
  readonly spec: InputSpec;
  private readonly freqs: Float32Array;
  private readonly phases: Float32Array;
  /** The state's transform buffer (used when no transform is passed). */
  readonly defaultTransform: Float32Array;
  private readonly mix: tf.Tensor2D;
  private readonly affine: { w: tf.Tensor2D; b: tf.Tensor1D } | null;
  private readonly gx: tf.Tensor4D;
  private readonly gy: tf.Tensor4D;

  constructor(spec: InputSpec, state: StateDict) {
    this.spec = spec;
    this.freqs = stateValues(state, 'synthesis.input.freqs');
    this.phases = stateValues(state, 'synthesis.input.phases');
    this.defaultTransform = Float32Array.from(stateValues(state, 'synthesis.input.transform'));
    const C = spec.channels;
    this.mix = tf.tidy(
      () => tf.transpose(tf.div(stateTensor(state, 'synthesis.input.weight'), Math.sqrt(C))) as tf.Tensor2D,
    );
    this.affine = spec.learnedTransform
      ? tf.tidy(() => {
          const w = stateTensor(state, 'synthesis.input.affine.weight') as tf.Tensor2D;
          return {
            w: tf.transpose(tf.mul(w, 1 / Math.sqrt(w.shape[1]))) as tf.Tensor2D,
            b: stateTensor(state, 'synthesis.input.affine.bias') as tf.Tensor1D,
          };
        })
      : null;
    // Pixel-centre coordinates of the (square) grid, as affine_grid(align_corners=False) · size/(2s).
    const n = spec.size;
    const coord = new Float32Array(n);
    for (let j = 0; j < n; j++) coord[j] = f32(f32((2 * j + 1) / n - 1) * f32((0.5 * n) / spec.samplingRate));
    this.gx = tf.tensor4d(coord, [1, 1, n, 1]);
    this.gy = tf.tensor4d(coord, [1, n, 1, 1]);
  }

  /**
   * Per-sample frequencies, phases and amplitudes (float32), from the learned transform values
   * `t` ([N·4], or null when there is none) and the 3×3 user transform.
   */
  transformFeatures(
    t: Float32Array | null,
    n: number,
    user: ArrayLike<number>,
  ): { fx: Float32Array; fy: Float32Array; ph: Float32Array; amp: Float32Array } {
    const C = this.spec.channels;
    const fx = new Float32Array(n * C);
    const fy = new Float32Array(n * C);
    const ph = new Float32Array(n * C);
    const amp = new Float32Array(n * C);
    const { bandwidth: bw, samplingRate: s } = this.spec;
    for (let i = 0; i < n; i++) {
      let M: ArrayLike<number> = user;
      if (t) {
        const norm = f32(Math.sqrt(f32(t[i * 4] * t[i * 4] + t[i * 4 + 1] * t[i * 4 + 1])));
        const [rc, rs, tx, ty] = [0, 1, 2, 3].map((k) => f32(t[i * 4 + k] / norm));
        const mr = [rc, -rs, 0, rs, rc, 0, 0, 0, 1];
        const mt = [1, 0, -tx, 0, 1, -ty, 0, 0, 1];
        M = mat3(mat3(mr, mt), user);
      }
      for (let c = 0; c < C; c++) {
        const f0 = this.freqs[c * 2];
        const f1 = this.freqs[c * 2 + 1];
        const k = i * C + c;
        ph[k] = f32(this.phases[c] + f32(f0 * M[2] + f1 * M[5]));
        fx[k] = f32(f0 * M[0] + f1 * M[3]);
        fy[k] = f32(f0 * M[1] + f1 * M[4]);
        const r = Math.hypot(fx[k], fy[k]);
        // Rigid configs (s/2 = bw): the fade degenerates to a hard cut at the band edge.
        amp[k] = this.spec.hardBandCut
          ? r <= bw
            ? 1
            : 0
          : Math.min(Math.max(1 - (r - bw) / (s / 2 - bw), 0), 1);
      }
    }
    return { fx, fy, ph, amp };
  }

  /** ws0 [N, wDim] → NHWC features [N, size, size, C]. `transform`: 9 numbers, row-major. */
  forward(ws0: tf.Tensor2D, transform: ArrayLike<number> | null): tf.Tensor4D {
    const n = ws0.shape[0];
    const C = this.spec.channels;
    const size = this.spec.size;
    let t: Float32Array | null = null;
    if (!backendReadsSync()) {
      // WebGPU in Node cannot read device data synchronously: evaluate the transforms on the device.
      return tf.tidy(() => {
        const tt = this.affine ? (tf.add(tf.matMul(ws0, this.affine.w), this.affine.b) as tf.Tensor2D) : null;
        const { bandwidth, samplingRate, hardBandCut } = this.spec;
        const f = inputFeaturesTf(
          tt,
          n,
          transform ?? this.defaultTransform,
          this.freqs,
          this.phases,
          bandwidth,
          samplingRate,
          hardBandCut,
        );
        const r4 = (v: tf.Tensor2D) => tf.reshape(v, [n, 1, 1, C]);
        let x = tf.add(tf.add(tf.mul(this.gx, r4(f.fx)), tf.mul(this.gy, r4(f.fy))), r4(f.ph));
        x = tf.mul(tf.sin(tf.mul(x, 2 * Math.PI)), r4(f.amp));
        const y = tf.matMul(tf.reshape(x, [n * size * size, C]), this.mix);
        return tf.reshape(y, [n, size, size, C]) as tf.Tensor4D;
      });
    }
    if (this.affine) {
      const tt = tf.tidy(() => tf.add(tf.matMul(ws0, this.affine!.w), this.affine!.b));
      t = tt.dataSync() as Float32Array;
      tt.dispose();
    }
    const { fx, fy, ph, amp } = this.transformFeatures(t, n, transform ?? this.defaultTransform);
    return tf.tidy(() => {
      const shape: [number, number, number, number] = [n, 1, 1, C];
      let x = tf.add(tf.mul(this.gx, tf.tensor4d(fx, shape)), tf.mul(this.gy, tf.tensor4d(fy, shape)));
      x = tf.add(x, tf.tensor4d(ph, shape));
      x = tf.mul(tf.sin(tf.mul(x, 2 * Math.PI)), tf.tensor4d(amp, shape));
      const y = tf.matMul(tf.reshape(x, [n * size * size, C]), this.mix);
      return tf.reshape(y, [n, size, size, C]) as tf.Tensor4D;
    });
  }

  /** Multiply–accumulates of one sample (the channel mix). */
  macs(): number {
    return this.spec.size * this.spec.size * this.spec.channels * this.spec.channels;
  }

  dispose(): void {
    tf.dispose([this.mix, this.gx, this.gy]);
    if (this.affine) tf.dispose([this.affine.w, this.affine.b]);
  }
}
