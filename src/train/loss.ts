/**
 * The official StyleGAN2/3 training loss (`training/loss.py`, `StyleGAN2Loss.accumulate_gradients`;
 * spec §8): one call per phase returns the gradients the official call leaves in `.grad` and the
 * values it passes to `training_stats.report`.
 *
 *   blur σ = max(1 − cur_nimg/(blur_fade_kimg·1000), 0)·blur_init_sigma (0 when blur_fade_kimg = 0);
 *            with ⌊3σ⌋ > 0 every image D sees is first filtered with 2^(−(k/σ)²), k = −⌊3σ⌋…⌊3σ⌋,
 *            normalised (separable, same-size padding, official filter2d)
 *   Gmain:   L = mean(softplus(−D(G(z))))·gain                          → ∂L/∂θ_G
 *   Greg:    z ← z[:N/shrink]; g = ∂Σ(img·n/√(HW))/∂ws (n ~ N(0,1));
 *            ℓ = √(mean_ws Σ_w g²); μ' = lerp(μ, mean ℓ, pl_decay);
 *            L = mean((ℓ − μ')²·pl_weight)·gain                           → ∂L/∂θ_G  (μ' not detached)
 *   Dmain:   fakes with update_emas (w_avg, magnitude_ema move);
 *            L = mean(softplus(D(fake)))·gain + mean(softplus(−D(real)))·gain → ∂L/∂θ_D
 *   Dreg:    r = Σ_pixels (∂ΣD(real)/∂real)²;  L = mean(r·γ/2)·gain       → ∂L/∂θ_D (second order),
 *            evaluated per sub-batch of whole minibatch-stddev groups (`r1Limits`; exact, as
 *            D's logits of one group depend on that group's images only)
 *
 * Greg is skipped when pl_weight = 0 and Dreg when γ = 0 (as official): the gradients are zeros.
 * Style mixing (probability p): a cutoff drawn in [1, num_ws) replaces ws[:, cutoff:] with the ws
 * of fresh latents (mapping without EMA updates).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureTrainingGradients, gradientsOf, offTape } from './gradients.js';
import { installWasmKernelOverrides } from './wasm-kernel-overrides.js';
import { discriminatorFeatureElements, type Discriminator } from './discriminator.js';
import { Rng } from '../generator/rng.js';
import { mbstdSubBatches } from './mbstd-groups.js';
import { withoutWeightGradients } from './differentiable-conv.js';
import { r1StagedGradients, type R1Stage } from './r1-staged.js';

/**
 * How the R1 phase (Dreg) bounds its memory; its second-order graph is the largest of training.
 * - `samples`: samples per sub-batch, rounded up to whole minibatch-stddev groups (at 64², batch
 *   8, C_max 256 the whole batch needs more than the 4 GiB wasm heap).
 * - `wholeElements`: a sub-batch whose D feature maps (samples · `discriminatorFeatureElements`)
 *   stay within this is differentiated as one graph; a larger one stage by stage
 *   (`r1StagedGradients`: one block's second-order graph at a time, about 1.5× the arithmetic),
 *   its blocks in chunks of samples of at most `chunkElements` state elements.
 * Results do not depend on them beyond float summation order.
 */
export const r1Limits = { samples: 4, wholeElements: 1 << 22, chunkElements: 1 << 21 };

/** The phases of one training iteration (official names). */
export type LossPhaseName = 'Gmain' | 'Greg' | 'Dmain' | 'Dreg';

/** What `lossPhase` needs of a generator: trainable variables and differentiable forwards. */
export interface LossGenerator {
  /** Trainable parameters by official state-dict name. */
  readonly params: Map<string, tf.Variable>;
  readonly numWs: number;
  /** z [N, zDim] (c [N, cDim]) → ws [N, numWs, wDim]; `updateEmas` moves w_avg. */
  mapping(z: tf.Tensor2D, c: tf.Tensor2D | null, opts: { updateEmas?: boolean }): tf.Tensor3D;
  /**
   * ws → image NCHW; `updateEmas` moves the synthesis EMAs (e.g. magnitude_ema); `secondOrder`:
   * the image will be differentiated twice (path length), so no first-order-only shortcuts.
   */
  synthesis(ws: tf.Tensor3D, opts: { updateEmas?: boolean; secondOrder?: boolean }): tf.Tensor4D;
}

/** Arguments of one `lossPhase` call (official `StyleGAN2Loss` settings + `accumulate_gradients` inputs). */
export interface LossPhaseOptions {
  phase: LossPhaseName;
  /** Real images [N, C, H, W] in [−1, 1]. */
  realImg: tf.Tensor;
  /** Labels of the reals [N, cDim] (conditional networks only). */
  realC?: tf.Tensor | null;
  /** Latents [N, zDim]. */
  genZ: tf.Tensor;
  /** Labels for the fakes [N, cDim] (conditional networks only). */
  genC?: tf.Tensor | null;
  /** Loss multiplier (the phase's lazy-regularisation interval for Greg/Dreg, else 1). */
  gain?: number;
  /** Images shown so far (drives the blur fade). */
  curNimg?: number;
  /** R1 weight γ (default 10). */
  r1Gamma?: number;
  /** Style-mixing probability (default 0). */
  styleMixingProb?: number;
  /** Path-length weight (default 0 = no Greg). */
  plWeight?: number;
  /** Greg batch divisor (default 2). */
  plBatchShrink?: number;
  /** pl_mean EMA decay (default 0.01). */
  plDecay?: number;
  /** The running pl_mean before this call (default 0). */
  plMean?: number;
  /**
   * Greg: the N(0, 1) draw shaped like the Greg images ([N/shrink, C, H, W]; the official
   * `torch.randn_like(gen_img)`, before the 1/√(HW) scale). Default: drawn from `seed`.
   */
  plNoise?: tf.Tensor | null;
  /** Initial blur σ of D's inputs (default 0). */
  blurInitSigma?: number;
  /** Blur fade length in kimg (default 0 = no blur). */
  blurFadeKimg?: number;
  /** Seed of the draws this call makes (pl noise, style-mixing cutoff and latents); default 0. */
  seed?: number | string;
}

/** The result of one phase. */
export interface LossPhaseResult {
  /** Official report key (`Loss/G/loss`, `Loss/scores/fake`, …) → per-sample values. */
  reports: Record<string, Float32Array>;
  /** Official parameter name → gradient (official shape; zeros where the phase gives none). Caller disposes. */
  grads: Record<string, tf.Tensor>;
  /** Greg: pl_mean after the call. */
  plMean?: number;
}

/** Blur σ of D's inputs at `curNimg` (official: 0 unless blur_fade_kimg > 0). */
export function blurSigma(curNimg: number, blurInitSigma: number, blurFadeKimg: number): number {
  return blurFadeKimg > 0 ? Math.max(1 - curNimg / (blurFadeKimg * 1e3), 0) * blurInitSigma : 0;
}

/**
 * The official blur filter of D's inputs: f[k] = 2^(−(k/σ)²), k = −⌊3σ⌋ … ⌊3σ⌋, divided by its sum,
 * in float32 as torch computes it; null when ⌊3σ⌋ = 0.
 */
export function blurFilter(sigma: number): Float32Array | null {
  const size = Math.floor(sigma * 3);
  if (!(size > 0)) return null;
  const f32 = Math.fround;
  const f = new Float32Array(2 * size + 1);
  for (let i = 0; i < f.length; i++) {
    const q = f32(f32(i - size) / f32(sigma));
    f[i] = f32(Math.pow(2, -f32(q * q)));
  }
  let s = 0;
  for (const v of f) s = f32(s + v);
  for (let i = 0; i < f.length; i++) f[i] = f32(f[i] / s);
  return f;
}

/** Separable filter2d of NCHW `img` with odd taps `f` (same-size zero padding); differentiable. */
function blur(img: tf.Tensor4D, f: Float32Array): tf.Tensor4D {
  const [n, c, h, w] = img.shape;
  const p = (f.length - 1) / 2;
  const maps = tf.reshape(img, [n * c, h, w, 1]) as tf.Tensor4D;
  const taps = Float32Array.from(f).reverse(); // upfirdn2d convolves (symmetric anyway)
  let y = tf.conv2d(maps, tf.tensor4d(taps, [1, f.length, 1, 1]), 1, [
    [0, 0],
    [0, 0],
    [p, p],
    [0, 0],
  ]);
  y = tf.conv2d(y, tf.tensor4d(taps, [f.length, 1, 1, 1]), 1, [
    [0, 0],
    [p, p],
    [0, 0],
    [0, 0],
  ]);
  return tf.reshape(y, [n, c, h, w]) as tf.Tensor4D;
}

function num(name: string, v: number | undefined, def: number, min = -Infinity): number {
  const x = v === undefined ? def : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min)
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${String(v)}`);
  return x;
}

function checkBatch(name: string, t: unknown, rank: number): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new TypeError(`${name} must be a tf.Tensor, got ${String(t)}`);
  if (t.rank !== rank)
    throw new RangeError(`${name} must have rank ${rank}, got shape [${t.shape.join(', ')}]`);
  return t;
}

/** Gradients of `f` with respect to `params`, keyed by official name (zeros where none). */
function paramGrads(
  params: Map<string, tf.Variable>,
  f: () => tf.Scalar,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const names = new Map<string, string>();
  for (const [k, v] of params) names.set(v.name, k);
  const vars = [...params.values()];
  // variableGrads refuses a function that reaches no variable at all; every phase reaches some.
  const { value, grads } = tf.variableGrads(f, vars);
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of params) out[k] = grads[v.name] ?? tf.zerosLike(v);
  return { value, grads: out };
}

function zeroGrads(params: Map<string, tf.Variable>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of params) out[k] = tf.zerosLike(v);
  return out;
}

/** Read and free the report tensors. */
function collect(reports: Record<string, tf.Tensor>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(reports)) {
    out[k] = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
  }
  return out;
}

/**
 * One official `StyleGAN2Loss.accumulate_gradients(phase, real_img, real_c, gen_z, gen_c, gain,
 * cur_nimg)` call (formulas in the module comment). `G` is a training generator (e.g.
 * `Generator.trainable()`), `D` a `Discriminator`; G phases differentiate G's parameters, D
 * phases D's. A Dmain call moves G's `w_avg` and `magnitude_ema` buffers as the official one.
 */
export async function lossPhase(
  G: LossGenerator,
  D: Discriminator,
  opts: LossPhaseOptions,
): Promise<LossPhaseResult> {
  await ensureTrainingGradients();
  installWasmKernelOverrides(); // (again: the wasm backend may have been set up after the first call)
  if (
    !G ||
    !(G.params instanceof Map) ||
    typeof G.mapping !== 'function' ||
    typeof G.synthesis !== 'function'
  )
    throw new TypeError(
      'G must be a training generator ({params, mapping, synthesis}, e.g. Generator.trainable())',
    );
  if (!D || typeof D.forward !== 'function' || !(D.params instanceof Map))
    throw new TypeError('D must be a Discriminator');
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`opts must be an object, got ${String(opts)}`);
  const phase = opts.phase;
  if (phase !== 'Gmain' && phase !== 'Greg' && phase !== 'Dmain' && phase !== 'Dreg')
    throw new RangeError(`phase must be 'Gmain', 'Greg', 'Dmain' or 'Dreg', got ${JSON.stringify(phase)}`);
  const realImg = checkBatch('realImg', opts.realImg, 4) as tf.Tensor4D;
  const genZ = checkBatch('genZ', opts.genZ, 2) as tf.Tensor2D;
  const realC = opts.realC ? (checkBatch('realC', opts.realC, 2) as tf.Tensor2D) : null;
  const genC = opts.genC ? (checkBatch('genC', opts.genC, 2) as tf.Tensor2D) : null;
  const gain = num('gain', opts.gain, 1);
  const curNimg = num('curNimg', opts.curNimg, 0, 0);
  const r1Gamma = num('r1Gamma', opts.r1Gamma, 10, 0);
  const mixProb = num('styleMixingProb', opts.styleMixingProb, 0, 0);
  if (mixProb > 1) throw new RangeError(`styleMixingProb must be in [0, 1], got ${mixProb}`);
  const plWeight = num('plWeight', opts.plWeight, 0, 0);
  const plShrink = num('plBatchShrink', opts.plBatchShrink, 2, 1);
  if (!Number.isInteger(plShrink))
    throw new RangeError(`plBatchShrink must be an integer >= 1, got ${plShrink}`);
  const plDecay = num('plDecay', opts.plDecay, 0.01, 0);
  const plMean = num('plMean', opts.plMean, 0);
  const sigma = blurSigma(
    curNimg,
    num('blurInitSigma', opts.blurInitSigma, 0, 0),
    num('blurFadeKimg', opts.blurFadeKimg, 0, 0),
  );
  const filt = blurFilter(sigma);
  const rng = new Rng(opts.seed ?? 0);
  const runD = (img: tf.Tensor4D, c: tf.Tensor2D | null) => D.forward(filt ? blur(img, filt) : img, c);
  /**
   * ∂L/∂img and D's logits for G's images in Gmain (D frozen): D's forward and backward run once,
   * off G's tape, on a short-lived tape of their own, so D's saved tensors are freed before G's
   * backward starts (tfjs keeps every saved tensor of a tape to its end) and D's forward is not
   * run a second time inside the gradient.
   */
  const frozenD = (img: tf.Tensor4D, c: tf.Tensor2D | null, loss: (logits: tf.Tensor) => tf.Scalar) =>
    offTape(() =>
      // D's weights are frozen here: its convs skip their weight gradients.
      withoutWeightGradients(() => {
        let logits: tf.Tensor | null = null;
        const [dImg] = gradientsOf(() => {
          logits = tf.keep(runD(img, c));
          return loss(logits);
        }, [img]);
        return { logits: logits!, dImg: dImg! };
      }),
    );

  /** Official run_G: mapping (+ style mixing), synthesis. */
  const runG = (z: tf.Tensor2D, c: tf.Tensor2D | null, updateEmas: boolean) => {
    let ws = G.mapping(z, c, { updateEmas });
    if (mixProb > 0) {
      const cutoff = 1 + Math.floor(rng.uniform() * (G.numWs - 1));
      if (rng.uniform() < mixProb) {
        const z2 = tf.tensor2d(rng.normals(z.size), z.shape as [number, number]);
        const ws2 = G.mapping(z2, c, { updateEmas: false });
        const keep = tf.tensor3d(
          Float32Array.from({ length: G.numWs }, (_, i) => (i < cutoff ? 1 : 0)),
          [1, G.numWs, 1],
        );
        ws = tf.add(tf.mul(ws, keep), tf.mul(ws2, tf.sub(1, keep))) as tf.Tensor3D;
      }
    }
    return { img: G.synthesis(ws, { updateEmas }), ws };
  };

  if (phase === 'Gmain') {
    const rep: Record<string, tf.Tensor> = {};
    const { value, grads } = paramGrads(G.params, () => {
      const { img } = runG(genZ, genC, false);
      const { logits, dImg } = frozenD(img, genC, (logits) => {
        const loss = tf.softplus(tf.neg(logits));
        rep['Loss/G/loss'] = tf.keep(tf.clone(loss));
        return tf.mul(tf.mean(loss), gain) as tf.Scalar;
      });
      rep['Loss/scores/fake'] = logits;
      rep['Loss/signs/fake'] = tf.keep(tf.sign(logits));
      // L = mean(softplus(−D(img)))·gain; ⟨img, ∂L/∂img⟩ has the same gradient with respect to G.
      return tf.sum(tf.mul(img, dImg)) as tf.Scalar;
    });
    value.dispose();
    return { reports: collect(rep), grads };
  }

  if (phase === 'Greg') {
    if (plWeight === 0) return { reports: {}, grads: zeroGrads(G.params), plMean };
    const n = Math.floor(genZ.shape[0] / plShrink);
    if (n < 1)
      throw new RangeError(`genZ has ${genZ.shape[0]} samples: fewer than plBatchShrink ${plShrink}`);
    const rep: Record<string, tf.Tensor> = {};
    let newMean = plMean;
    const z = tf.slice(genZ, [0, 0], [n, -1]) as tf.Tensor2D;
    const c = genC ? (tf.slice(genC, [0, 0], [n, -1]) as tf.Tensor2D) : null;
    let noise: tf.Tensor | null = null;
    const { value, grads } = paramGrads(G.params, () => {
      // ws is the input of the inner gradient: the mapping runs first, then the synthesis as f(ws).
      const { ws } = runG(z, c, false);
      const inner = tf.grad((w: tf.Tensor) => {
        const img = G.synthesis(w as tf.Tensor3D, { updateEmas: false, secondOrder: true });
        if (!noise) {
          if (opts.plNoise) {
            const p = checkBatch('plNoise', opts.plNoise, 4);
            if (p.shape.some((v, i) => v !== img.shape[i]))
              throw new RangeError(
                `plNoise must have shape [${img.shape.join(', ')}], got [${p.shape.join(', ')}]`,
              );
            noise = tf.keep(tf.cast(p, 'float32'));
          } else noise = tf.keep(tf.tensor(rng.normals(img.size), img.shape));
        }
        const scale = 1 / Math.sqrt(img.shape[2] * img.shape[3]);
        return tf.sum(tf.mul(img, tf.mul(noise, scale)));
      });
      const g = inner(ws);
      const lengths = tf.sqrt(tf.mean(tf.sum(tf.square(g), 2), 1)); // [n]
      const mu = tf.add(plMean, tf.mul(tf.sub(tf.mean(lengths), plMean), plDecay));
      newMean = mu.dataSync()[0];
      const penalty = tf.square(tf.sub(lengths, mu));
      const reg = tf.mul(penalty, plWeight);
      rep['Loss/pl_penalty'] = tf.keep(tf.clone(penalty));
      rep['Loss/G/reg'] = tf.keep(tf.clone(reg));
      return tf.mul(tf.mean(reg), gain) as tf.Scalar;
    });
    value.dispose();
    tf.dispose([z, ...(c ? [c] : []), ...(noise ? [noise] : [])]);
    return { reports: collect(rep), grads, plMean: newMean };
  }

  if (phase === 'Dmain') {
    const rep: Record<string, tf.Tensor> = {};
    // The fakes are constants for D: generate them outside the gradient (EMAs move here).
    const fake = tf.tidy(() => runG(genZ, genC, true).img);
    // Two backward passes, as the official code does (one tape at a time: half the peak memory).
    let lossGen: tf.Tensor | null = null;
    const gen = paramGrads(D.params, () => {
      const fakeLogits = runD(fake, genC);
      const l = tf.softplus(fakeLogits);
      lossGen = tf.keep(tf.clone(l));
      rep['Loss/scores/fake'] = tf.keep(tf.clone(fakeLogits));
      rep['Loss/signs/fake'] = tf.keep(tf.sign(fakeLogits));
      return tf.mul(tf.mean(l), gain) as tf.Scalar;
    });
    const real = paramGrads(D.params, () => {
      const realLogits = runD(realImg, realC);
      const lossReal = tf.softplus(tf.neg(realLogits));
      rep['Loss/scores/real'] = tf.keep(tf.clone(realLogits));
      rep['Loss/signs/real'] = tf.keep(tf.sign(realLogits));
      rep['Loss/D/loss'] = tf.keep(tf.add(lossGen!, lossReal));
      return tf.mul(tf.mean(lossReal), gain) as tf.Scalar;
    });
    const grads: Record<string, tf.Tensor> = {};
    for (const k of Object.keys(gen.grads)) grads[k] = tf.add(gen.grads[k], real.grads[k]);
    tf.dispose([gen.value, real.value, lossGen!, ...Object.values(gen.grads), ...Object.values(real.grads)]);
    fake.dispose();
    return { reports: collect(rep), grads };
  }

  // Dreg, one sub-batch of whole minibatch-stddev groups at a time (exact: see mbstd-groups.ts).
  // The second-order graph of D over a whole 64² batch of 8 outgrows the 4 GiB wasm heap.
  if (r1Gamma === 0) return { reports: {}, grads: zeroGrads(D.params) };
  const n = realImg.shape[0];
  const parts = mbstdSubBatches(
    n,
    D.config.mbstdGroupSize,
    D.config.mbstdNumChannels,
    Math.max(1, Math.floor(r1Limits.samples)),
  );
  const weight = ((r1Gamma / 2) * gain) / n; // this sub-batch's share of mean(reg)·gain
  /** One sub-batch as one autograd-over-autograd graph; its reports into `rep`. */
  const r1Whole = (img: tf.Tensor4D, c: tf.Tensor2D | null, rep: Record<string, tf.Tensor>) => {
    const { value, grads } = paramGrads(D.params, () => {
      let logits: tf.Tensor | null = null;
      const r1 = tf.grad((x: tf.Tensor) => {
        logits = tf.keep(runD(x as tf.Tensor4D, c)); // outlives the inner gradient's tidy
        return tf.sum(logits);
      })(img);
      const penalty = tf.sum(tf.square(r1), [1, 2, 3]);
      rep['Loss/scores/real'] = logits!;
      rep['Loss/r1_penalty'] = tf.keep(tf.clone(penalty));
      return tf.mul(tf.sum(penalty), weight) as tf.Scalar;
    });
    value.dispose();
    return grads;
  };
  /** One sub-batch stage by stage (`r1StagedGradients`); its reports into `rep`. */
  const r1Staged = (img: tf.Tensor4D, c: tf.Tensor2D | null, rep: Record<string, tf.Tensor>) => {
    D.checkInputs(img, c);
    const stages: R1Stage[] = D.chain(c);
    if (filt) stages.unshift({ params: [], run: ([x]) => [blur(x as tf.Tensor4D, filt)] });
    const r = r1StagedGradients(stages, img, weight, { chunkElements: r1Limits.chunkElements });
    rep['Loss/scores/real'] = r.logits;
    rep['Loss/r1_penalty'] = r.penalty;
    const grads: Record<string, tf.Tensor> = {};
    for (const [k, v] of D.params) grads[k] = r.grads.get(v) ?? tf.zerosLike(v);
    return grads;
  };
  const keys = ['Loss/scores/real', 'Loss/signs/real', 'Loss/r1_penalty', 'Loss/D/reg'];
  const reports: Record<string, Float32Array> = {};
  for (const k of keys) reports[k] = new Float32Array(n);
  let grads: Record<string, tf.Tensor> | null = null;
  const disposeGrads = () => grads && tf.dispose(Object.values(grads));
  for (const idx of parts) {
    const whole = idx.length === n && idx.every((v, i) => v === i);
    const pick = (t: tf.Tensor) => (whole ? t : tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32'))));
    const img = pick(realImg) as tf.Tensor4D;
    const c = realC ? (pick(realC) as tf.Tensor2D) : null;
    const rep: Record<string, tf.Tensor> = {};
    let part: Record<string, tf.Tensor>;
    try {
      part =
        idx.length * discriminatorFeatureElements(D.config) > r1Limits.wholeElements
          ? r1Staged(img, c, rep)
          : r1Whole(img, c, rep);
    } catch (e) {
      disposeGrads(); // the earlier sub-batches' sums
      throw e;
    } finally {
      if (!whole) tf.dispose([img, ...(c ? [c] : [])]);
    }
    rep['Loss/signs/real'] = tf.sign(rep['Loss/scores/real']);
    rep['Loss/D/reg'] = tf.mul(rep['Loss/r1_penalty'], r1Gamma / 2);
    const got = collect(rep);
    for (const k of keys) idx.forEach((i, j) => (reports[k][i] = got[k][j]));
    if (!grads) grads = part;
    else {
      for (const k of Object.keys(grads)) {
        const sum = tf.add(grads[k], part[k]);
        tf.dispose([grads[k], part[k]]);
        grads[k] = sum;
      }
    }
  }
  return { reports, grads: grads! };
}
