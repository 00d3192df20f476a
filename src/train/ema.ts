/**
 * The generator's exponential moving average (G_ema) as `training_loop.py` updates it after every
 * iteration (Karras et al. 2018, "Progressive Growing of GANs", §A.1; spec §8):
 *
 *   ema_nimg = ema_kimg·1000, or min(ema_nimg, cur_nimg·ema_rampup) with a ramp-up,
 *   β = 0.5^(batch / max(ema_nimg, 1e-8)),
 *   p_ema ← lerp(p, p_ema, β) = p + β·(p_ema − p)    for every parameter,
 *   b_ema ← b                                          for every buffer (copied, not averaged).
 */
import * as tf from '@tensorflow/tfjs-core';

/** `ema_kimg` default of train.py: `batch·10/32` (10 kimg at batch 32). */
export function defaultEmaKimg(batch: number): number {
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  return (batch * 10) / 32;
}

/** Arguments of `emaBeta`. */
export interface EmaBetaOptions {
  /** Images per iteration (the total batch over all workers). */
  batch: number;
  /** Images shown so far, before this iteration's increment (the official `cur_nimg`). */
  curNimg: number;
  /** Half-life of the average in thousands of images (default `batch·10/32`). */
  emaKimg?: number;
  /** Ramp-up factor (official 0.05; null when resuming: no ramp-up). */
  emaRampup?: number | null;
}

/** β of this iteration: `0.5^(batch / max(ema_nimg, 1e-8))` with `ema_nimg` as in the module doc. */
export function emaBeta(opts: EmaBetaOptions): number {
  const { batch, curNimg } = opts;
  const emaKimg = opts.emaKimg ?? defaultEmaKimg(batch);
  const rampup = opts.emaRampup === undefined ? 0.05 : opts.emaRampup;
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  if (!Number.isFinite(curNimg) || curNimg < 0)
    throw new RangeError(`curNimg must be a finite number >= 0, got ${curNimg}`);
  if (!Number.isFinite(emaKimg) || emaKimg < 0)
    throw new RangeError(`emaKimg must be a finite number >= 0, got ${emaKimg}`);
  if (rampup !== null && !(Number.isFinite(rampup) && rampup >= 0))
    throw new RangeError(`emaRampup must be a finite number >= 0 or null, got ${rampup}`);
  let emaNimg = emaKimg * 1000;
  if (rampup !== null) emaNimg = Math.min(emaNimg, curNimg * rampup);
  return 0.5 ** (batch / Math.max(emaNimg, 1e-8));
}

/** A tensor of a network's state: a tf.Variable or a Float32Array (updated in place). */
export type StateValue = tf.Variable | Float32Array;

function values(v: StateValue): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v.dataSync());
}

function store(target: StateValue, data: Float32Array): void {
  if (target instanceof Float32Array) {
    if (target !== data) target.set(data);
    return;
  }
  const t = tf.tensor(data, target.shape, 'float32');
  target.assign(t);
  t.dispose();
}

/**
 * `p_ema ← lerp(p, p_ema, β)` for every parameter name, evaluated in float64 and rounded once to
 * float32, and `b_ema ← b` for every buffer. Names must match in both networks (RangeError otherwise).
 */
export function updateEma(
  source: { parameters: Map<string, StateValue>; buffers: Map<string, StateValue> },
  ema: { parameters: Map<string, StateValue>; buffers: Map<string, StateValue> },
  beta: number,
): void {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must lie in [0, 1], got ${beta}`);
  for (const [kind, src, dst] of [
    ['parameter', source.parameters, ema.parameters],
    ['buffer', source.buffers, ema.buffers],
  ] as const) {
    for (const [name, s] of src) {
      const d = dst.get(name);
      if (d === undefined) throw new RangeError(`G_ema has no ${kind} ${JSON.stringify(name)}`);
      const a = values(s);
      if (kind === 'buffer') {
        store(d, a);
        continue;
      }
      const b = values(d);
      if (a.length !== b.length)
        throw new RangeError(`${kind} ${name}: ${a.length} values in G, ${b.length} in G_ema`);
      const out = d instanceof Float32Array ? d : b;
      for (let i = 0; i < a.length; i++) out[i] = a[i] + beta * (b[i] - a[i]);
      store(d, out);
    }
  }
}
