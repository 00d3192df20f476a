/**
 * Adam whose learning rate changes every step (the projector's schedule), on tfjs tensors so the
 * update stays on the backend (`torch.optim.Adam` without weight decay):
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 *
 * (`src/train/optim.ts` has the training loop's Adam, with a fixed rate and float64 host math.)
 */
import * as tf from '@tensorflow/tfjs-core';

/** The projector's Adam: β = (0.9, 0.999) and ε = 1e−8 as `projector.py`. */
export class ScheduledAdam {
  private readonly m = new Map<tf.Variable, tf.Tensor>();
  private readonly v = new Map<tf.Variable, tf.Tensor>();
  private t = 0;

  /**
   * @example
   * ```ts
   * const adam = new ScheduledAdam();
   * adam.step(new Map([[w, grad]]), 0.1);
   * ```
   */
  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /** One update of every variable in `grads` with learning rate `lr`. */
  step(grads: ReadonlyMap<tf.Variable, tf.Tensor>, lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`lr must be a finite number >= 0, got ${lr}`);
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    for (const [p, g] of grads) {
      const [m, v, next] = tf.tidy(() => {
        const m0 = this.m.get(p) ?? tf.zerosLike(p);
        const v0 = this.v.get(p) ?? tf.zerosLike(p);
        const m1 = tf.add(tf.mul(m0, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v0, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const update = tf.div(tf.mul(m1, lr / bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), this.eps));
        return [m1, v1, tf.sub(p, update)];
      });
      this.m.get(p)?.dispose();
      this.v.get(p)?.dispose();
      this.m.set(p, m);
      this.v.set(p, v);
      p.assign(next);
      next.dispose();
    }
  }

  /** Free the moments. */
  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
    this.m.clear();
    this.v.clear();
  }
}
