/**
 * Adam as the official training loop uses it (`torch.optim.Adam` built by `training_loop.py`), with
 * the lazy-regularisation correction and the gradient sanitising that precedes every step.
 *
 * Reference: Kingma & Ba 2015 (Adam); Karras et al. 2020 ("Analyzing and Improving the Image Quality
 * of StyleGAN", App. B: lazy regularisation); spec §8.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A parameter Adam can update: a tf.Variable (replaced by `assign`) or a Float32Array (in place). */
export type Parameter = tf.Variable | Float32Array;
/** A gradient: a tf.Tensor or a Float32Array of the parameter's size. */
export type Gradient = tf.Tensor | Float32Array;

/** Official defaults of train.py: `betas = [0, 0.99]`, `eps = 1e-8`. */
export const ADAM_DEFAULTS = { betas: [0, 0.99] as [number, number], eps: 1e-8 };

/**
 * The lazy-regularisation correction of `training_loop.py`: when the regulariser runs only every
 * `interval`-th minibatch, the main and the regularisation phase share one Adam whose learning rate
 * is multiplied by `r = interval / (interval + 1)` and whose β's are raised to the power `r`
 * (`lr·r`, `β^r`). `interval` null or undefined (no lazy regularisation) leaves both unchanged.
 */
export function lazyRegularisation(
  lr: number,
  betas: readonly [number, number],
  interval: number | null | undefined,
): { lr: number; betas: [number, number]; ratio: number } {
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`lr must be a finite number >= 0, got ${lr}`);
  for (const b of betas)
    if (!(b >= 0 && b < 1)) throw new RangeError(`betas must lie in [0, 1), got [${betas.join(', ')}]`);
  if (interval === null || interval === undefined) return { lr, betas: [betas[0], betas[1]], ratio: 1 };
  if (!Number.isSafeInteger(interval) || interval < 1)
    throw new RangeError(`interval must be a positive integer or null, got ${interval}`);
  const r = interval / (interval + 1);
  return { lr: lr * r, betas: [betas[0] ** r, betas[1] ** r], ratio: r };
}

/**
 * `misc.nan_to_num(grad, nan=0, posinf=1e5, neginf=-1e5)` in place, as the training loop does on the
 * flattened gradients before each optimizer step. Returns the number of values replaced.
 */
export function sanitizeGradient(g: Float32Array): number {
  let replaced = 0;
  for (let i = 0; i < g.length; i++) {
    const x = g[i];
    if (Number.isFinite(x)) continue;
    g[i] = Number.isNaN(x) ? 0 : x > 0 ? 1e5 : -1e5;
    replaced++;
  }
  return replaced;
}

/** Options of `Adam`: learning rate, (already corrected) β's, ε. */
export interface AdamOptions {
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
}

/** First and second moments and step count of one parameter (`exp_avg`, `exp_avg_sq`, `step`). */
export interface AdamSlot {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

function gradientData(name: string, g: Gradient, size: number): Float32Array {
  // Copy: sanitising must not touch the caller's buffer.
  const data = g instanceof Float32Array ? g.slice() : Float32Array.from(g.dataSync());
  if (data.length !== size)
    throw new RangeError(`gradient of ${name} has ${data.length} values, the parameter has ${size}`);
  return data;
}

/**
 * `torch.optim.Adam` without weight decay or amsgrad, per parameter:
 *   m ← β₁·m + (1−β₁)·g,  v ← β₂·v + (1−β₂)·g²,
 *   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε),
 * with t counted per parameter (a parameter without gradient in a step keeps its state, as torch
 * skips parameters whose `.grad` is None). Gradients are sanitised first (`sanitizeGradient`).
 * State and parameters are float32; each update is evaluated in float64 and rounded once.
 */
export class Adam {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  private slots = new Map<string, AdamSlot>();

  constructor(opts: AdamOptions) {
    const betas = opts.betas ?? ADAM_DEFAULTS.betas;
    const eps = opts.eps ?? ADAM_DEFAULTS.eps;
    if (!Number.isFinite(opts.lr) || opts.lr < 0)
      throw new RangeError(`lr must be a finite number >= 0, got ${opts.lr}`);
    if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => b >= 0 && b < 1))
      throw new RangeError(`betas must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
    if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
    this.lr = opts.lr;
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
  }

  /** The moments of one parameter (undefined before its first step). */
  slot(name: string): AdamSlot | undefined {
    return this.slots.get(name);
  }

  /**
   * One optimizer step over every parameter that has a gradient in `grads` (others are skipped).
   * Returns the number of non-finite gradient values that were replaced.
   */
  step(params: Map<string, Parameter>, grads: Map<string, Gradient>): number {
    let replaced = 0;
    const [b1, b2] = this.betas;
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (p === undefined) throw new RangeError(`gradient for unknown parameter ${JSON.stringify(name)}`);
      const size = p instanceof Float32Array ? p.length : p.size;
      const grad = gradientData(name, g, size);
      replaced += sanitizeGradient(grad);
      let s = this.slots.get(name);
      if (!s) this.slots.set(name, (s = { m: new Float32Array(size), v: new Float32Array(size), step: 0 }));
      s.step++;
      const stepSize = this.lr / (1 - b1 ** s.step);
      const bc2Sqrt = Math.sqrt(1 - b2 ** s.step);
      const data = p instanceof Float32Array ? p : Float32Array.from(p.dataSync());
      const { m, v } = s;
      for (let i = 0; i < size; i++) {
        const gi = grad[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        data[i] = data[i] - (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + this.eps);
      }
      if (!(p instanceof Float32Array)) {
        const t = tf.tensor(data, p.shape, 'float32');
        p.assign(t);
        t.dispose();
      }
    }
    return replaced;
  }
}
