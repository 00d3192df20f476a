/**
 * One synthesis layer (official `SynthesisLayer`; spec §2.4), NHWC on TensorFlow.js:
 *
 *   s = A(w) = w · (A_W/√wDim)ᵀ + A_b                       (ToRGB: s · 1/√(C_in·k²))
 *   y = modulated_conv(x, W, s, demodulate = !ToRGB, padding = k − 1, input_gain = 1/√magnitude_ema)
 *   y = filtered_lrelu(y, up_filter, down_filter, bias, u, d, padding, gain, slope, clamp)
 *
 * The conv weights, demodulation sums, polyphase filter kernels and affine matrices are prepared
 * once; `forward` only runs the per-sample part.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerSpec } from '../types.js';
import type { StateDict } from '../state.js';
import { stateTensor, stateValues } from '../tensors.js';
import {
  prepareModConvWeight,
  modulatedConv2dNHWC,
  type PreparedModConvWeight,
} from '../ops/modulated-conv.js';
import { FilteredLreluPlan, type FilterTaps, type FilteredLreluParams } from '../ops/filtered-lrelu.js';

function filterFromState(state: StateDict, key: string): FilterTaps | null {
  const e = state.get(key);
  if (!e) return null;
  const data = stateValues(state, key);
  return e.shape.length === 2 ? { data, shape: [e.shape[0], e.shape[1]] } : data;
}

/** A prepared synthesis layer (owns its tensors). */
export class SynthesisLayer {
  readonly spec: LayerSpec;
  private readonly conv: PreparedModConvWeight;
  private readonly plan: FilteredLreluPlan;
  private readonly affineW: tf.Tensor2D;
  private readonly affineB: tf.Tensor1D;
  private readonly bias: tf.Tensor1D;
  private readonly inputGain: tf.Scalar;
  private readonly styleGain: number;

  /**
   * Output channels [o0, o1) this layer computes: all of them by default; a slice for splitting one
   * image across workers (pool.ts, channel mode). Exact: the styles, the input gain and the
   * demodulation of an output channel depend only on that channel's own weights and the full
   * input, and the filtered nonlinearity works channel by channel.
   */
  readonly channels: [number, number];

  constructor(
    spec: LayerSpec,
    state: StateDict,
    clamp: number | null,
    channels: [number, number] = [0, spec.outChannels],
  ) {
    this.spec = spec;
    const [o0, o1] = channels;
    if (!(Number.isInteger(o0) && Number.isInteger(o1) && 0 <= o0 && o0 < o1 && o1 <= spec.outChannels))
      throw new RangeError(
        `channels must be [o0, o1) with 0 <= o0 < o1 <= ${spec.outChannels}, got ${JSON.stringify(channels)}`,
      );
    this.channels = [o0, o1];
    const whole = o0 === 0 && o1 === spec.outChannels;
    const p = `synthesis.${spec.name}`;
    const k = spec.convKernel;
    this.styleGain = spec.isTorgb ? 1 / Math.sqrt(spec.inChannels * k * k) : 1;
    const weight = tf.tidy(() => {
      const all = stateTensor(state, `${p}.weight`) as tf.Tensor4D;
      return whole ? all : tf.slice(all, [o0, 0, 0, 0], [o1 - o0, -1, -1, -1]);
    });
    this.conv = prepareModConvWeight(weight, !spec.isTorgb);
    weight.dispose();
    [this.affineW, this.affineB, this.bias, this.inputGain] = tf.tidy(() => {
      const aw = stateTensor(state, `${p}.affine.weight`) as tf.Tensor2D;
      const bias = stateTensor(state, `${p}.bias`) as tf.Tensor1D;
      return [
        tf.transpose(tf.mul(aw, 1 / Math.sqrt(aw.shape[1]))) as tf.Tensor2D,
        stateTensor(state, `${p}.affine.bias`) as tf.Tensor1D,
        whole ? bias : (tf.slice(bias, [o0], [o1 - o0]) as tf.Tensor1D),
        tf.rsqrt(tf.reshape(stateTensor(state, `${p}.magnitude_ema`), [])) as tf.Scalar,
      ];
    });
    this.plan = new FilteredLreluPlan(o1 - o0, {
      fu: filterFromState(state, `${p}.up_filter`),
      fd: filterFromState(state, `${p}.down_filter`),
      up: spec.upFactor,
      down: spec.downFactor,
      padding: spec.padding,
      gain: spec.gain,
      slope: spec.slope,
      clamp,
    });
  }

  private styles(w: tf.Tensor2D): tf.Tensor2D {
    const s = tf.add(tf.matMul(w, this.affineW), this.affineB) as tf.Tensor2D;
    return this.styleGain !== 1 ? tf.mul(s, this.styleGain) : s;
  }

  /**
   * 1/rms of the styles of the whole batch `w` [N, wDim] (official: over the whole style tensor),
   * for running the batch in chunks; null for ToRGB (no demodulation).
   */
  styleScale(w: tf.Tensor2D): tf.Scalar | null {
    if (this.spec.isTorgb) return null;
    return tf.tidy(() => tf.rsqrt(tf.mean(tf.square(this.styles(w)))) as tf.Scalar);
  }

  /**
   * x NHWC [N, inSize, inSize, C_in], w [N, wDim] → NHWC [N, outSize, outSize, C_out] (C_out =
   * o1 − o0 for a channel slice). `styleScale`: see `styleScale()` (null = from this batch).
   */
  forward(x: tf.Tensor4D, w: tf.Tensor2D, styleScale: tf.Scalar | null = null): tf.Tensor4D {
    return tf.tidy(() => {
      const k = this.spec.convKernel;
      const y = modulatedConv2dNHWC(x, this.conv, this.styles(w), k - 1, this.inputGain, styleScale);
      return this.plan.apply(y, this.bias);
    });
  }

  /** Largest per-sample activation (elements) this layer holds at once: conv output or filter map. */
  peakElements(): number {
    const s = this.spec;
    const conv = s.inSize + s.convKernel - 1;
    return Math.max(
      conv * conv * Math.max(s.inChannels, s.outChannels),
      s.outSize * s.outSize * s.outChannels,
    );
  }

  /** Multiply–accumulates of one sample: affine + conv + filters. */
  macs(): number {
    const s = this.spec;
    const k = s.convKernel;
    const convOut = s.inSize + k - 1;
    const conv = convOut * convOut * s.inChannels * s.outChannels * k * k;
    return this.affineW.size + conv + this.plan.macs(1, convOut, convOut);
  }

  /** Free the layer's prepared weights, filters and Winograd transforms. */
  dispose(): void {
    const c = this.conv;
    // incl. the Winograd filters the conv made on first use
    tf.dispose(
      [
        c.hwio,
        c.sq,
        ...(c.winograd?.tensors ?? []),
        this.affineW,
        this.affineB,
        this.bias,
        this.inputGain,
      ].filter((t) => t !== null) as tf.Tensor[],
    );
    c.winograd = null;
    this.plan.dispose();
  }

  // --- Probes for the per-layer measurements (src/metrics/layers.ts); they reuse `forward`'s pieces. ---

  /**
   * The modulated convolution of `forward` alone (before bias and filtered nonlinearity):
   * x NHWC [N, inSize, inSize, C_in], w [N, wDim] → NHWC [N, inSize + k − 1, inSize + k − 1, C_out]
   * (full convolution, padding k − 1, as the official layer). A new tensor.
   */
  convOutput(x: tf.Tensor4D, w: tf.Tensor2D, styleScale: tf.Scalar | null = null): tf.Tensor4D {
    return tf.tidy(() => {
      const k = this.spec.convKernel;
      return modulatedConv2dNHWC(x, this.conv, this.styles(w), k - 1, this.inputGain, styleScale);
    });
  }

  /** A copy of the per-channel bias [C_out] that the filtered nonlinearity adds (caller disposes). */
  biasValues(): tf.Tensor1D {
    return tf.clone(this.bias);
  }

  /**
   * The official `filtered_lrelu` arguments of this layer (filters from `state`, the generator's
   * clamp), so a probe can run a variant of the nonlinearity (e.g. `down = 1`).
   */
  filteredLreluParams(state: StateDict, clamp: number | null): FilteredLreluParams {
    const p = `synthesis.${this.spec.name}`;
    return {
      fu: filterFromState(state, `${p}.up_filter`),
      fd: filterFromState(state, `${p}.down_filter`),
      up: this.spec.upFactor,
      down: this.spec.downFactor,
      padding: [...this.spec.padding] as [number, number, number, number],
      gain: this.spec.gain,
      slope: this.spec.slope,
      clamp,
    };
  }
}
