/**
 * The R1 penalty's gradient (Dreg) one stage of D at a time, so that only one block's
 * second-order graph is alive at once.
 *
 * D is a chain h₁ = B₀(h₀), …, h_K = B_{K−1}(h_{K−1}), logits = E(h_K) with h₀ the images
 * (`Discriminator.chain`). R1 differentiates
 *
 *   L = w · Σ_i ‖u₀,ᵢ‖²,   u_K = ∂ΣE/∂h_K,   u_k = J_kᵀ u_{k+1}   (J_k = ∂B_k/∂h_k at h_k)
 *
 * with respect to D's parameters θ. Differentiating the whole chain at once (tfjs autograd over
 * autograd) keeps every block's forward and backward alive until the end: at 256² one
 * minibatch-stddev group of four images outgrows the 4 GiB wasm heap. Reverse mode over the
 * chain instead needs, per stage, only that stage's graph:
 *
 *   1. forward, keeping the block boundaries h_k;
 *   2. u_K = ∂ΣE/∂h_K;  u_k = J_kᵀ u_{k+1} for k = K−1 … 0 (first order, keeping the u_k);
 *   3. ū₀ = ∂L/∂u₀ = 2w·u₀;  for k = 0 … K−1, with s_k = ⟨J_kᵀ u_{k+1}, ū_k⟩ (one block's
 *      second-order graph): ū_{k+1} = ∂s_k/∂u_{k+1}, h̄_k ← ∂s_k/∂h_k, θ̄_k ← ∂s_k/∂θ_k;
 *   4. s_E = ⟨∂ΣE/∂h_K, ū_K⟩:  h̄_K = ∂s_E/∂h_K, θ̄_E = ∂s_E/∂θ_E;
 *   5. for k = K−1 … 0: h̄_k += J_kᵀ h̄_{k+1}, θ̄_k += ∂⟨B_k(h_k), h̄_{k+1}⟩/∂θ_k (first order).
 *
 * The result is the gradient of the same function; it differs from the whole-chain autograd only
 * in float summation order. Stages 2 and 5 are first-order passes and take the fast Winograd
 * gradients; the recomputed forwards cost about one forward and one backward of D more.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withoutWeightGradients } from './differentiable-conv.js';
import { gradientsOf } from './gradients.js';

/** What the staged R1 needs of a stage (`DiscriminatorStage` satisfies it). */
export interface R1Stage {
  /** The trainable parameters the stage reads (their gradients are returned). */
  readonly params: tf.Variable[];
  /** State in → state out; the last stage returns `[logits]`. */
  run(state: tf.Tensor[]): tf.Tensor[];
}

/** The result of `r1StagedGradients` (the caller disposes every tensor). */
export interface R1StagedResult {
  /** D's logits [N, 1] of the images. */
  logits: tf.Tensor;
  /** ‖∂ΣD/∂img‖² per sample, [N]. */
  penalty: tf.Tensor1D;
  /** ∂L/∂θ for every parameter a stage lists (the variable → its gradient; zeros where none). */
  grads: Map<tf.Variable, tf.Tensor>;
}

/** Σ_i Σ a_i ⊙ b_i: the inner product of two states. */
function inner(a: tf.Tensor[], b: tf.Tensor[]): tf.Scalar {
  let s: tf.Scalar | null = null;
  a.forEach((t, i) => {
    const p = tf.sum(tf.mul(t, b[i])) as tf.Scalar;
    s = s ? (tf.add(s, p) as tf.Scalar) : p;
  });
  return s!;
}

/** a + b where either may be missing (null: zero); frees the operands it replaces. */
function accumulate(a: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null {
  if (!a) return b;
  if (!b) return a;
  const s = tf.add(a, b);
  tf.dispose([a, b]);
  return s;
}

/** What one chunk of samples gives: per-sample tensors (concatenated over chunks) and sums. */
interface ChunkResult {
  rows: tf.Tensor[];
  sums: (tf.Tensor | null)[];
}

/**
 * `body` on consecutive chunks of at most `size` of the `n` samples (`rows(t)`: the chunk's rows of
 * a batch tensor); the chunks' `rows` are concatenated along the batch axis and their `sums`
 * added. One chunk when size ≥ n (then `rows` returns its argument, uncopied).
 */
function overChunks(
  n: number,
  size: number,
  body: (rows: (t: tf.Tensor) => tf.Tensor) => ChunkResult,
): ChunkResult {
  if (size >= n) return body((t) => t);
  const parts: tf.Tensor[][] = [];
  let sums: (tf.Tensor | null)[] = [];
  try {
    for (let start = 0; start < n; start += size) {
      const len = Math.min(size, n - start);
      const made: tf.Tensor[] = [];
      let r: ChunkResult;
      try {
        r = body((t) => {
          const s = tf.slice(t, start, len);
          made.push(s);
          return s;
        });
      } finally {
        tf.dispose(made);
      }
      parts.push(r.rows);
      sums = r.sums.map((g, i) => accumulate(sums[i] ?? null, g));
    }
    return {
      rows: parts[0].map((_, i) =>
        tf.concat(
          parts.map((p) => p[i]),
          0,
        ),
      ),
      sums,
    };
  } catch (e) {
    tf.dispose(sums.filter((t): t is tf.Tensor => t !== null));
    throw e;
  } finally {
    for (const p of parts) tf.dispose(p);
  }
}

/** Options of `r1StagedGradients`. */
export interface R1StagedOptions {
  /**
   * Elements (samples × pixels × channels of a block's input and output state) a per-sample stage
   * evaluates at once; larger batches go through it in chunks of samples (default 2²¹).
   */
  chunkElements?: number;
}

/**
 * ∂L/∂θ of L = `weight` · Σ_i ‖∂ΣD(img)/∂img_i‖² (R1 with weight = γ/2 · gain / batch), D given as
 * the chain `stages` (per-sample stages, then the epilogue last), evaluated stage by stage (module
 * comment); per-sample stages run in chunks of samples (`chunkElements`). `img` is the first
 * stage's input (NCHW); it is not freed.
 */
export function r1StagedGradients(
  stages: R1Stage[],
  img: tf.Tensor,
  weight: number,
  { chunkElements = 1 << 21 }: R1StagedOptions = {},
): R1StagedResult {
  if (stages.length < 1) throw new RangeError('r1StagedGradients needs at least the epilogue stage');
  if (!(chunkElements >= 1)) throw new RangeError(`chunkElements must be >= 1, got ${chunkElements}`);
  const K = stages.length - 1;
  const epilogue = stages[K];
  const n = img.shape[0];
  const grads = new Map<tf.Variable, tf.Tensor | null>();
  for (const st of stages) for (const v of st.params) grads.set(v, null);
  const addGrads = (params: tf.Variable[], gs: (tf.Tensor | null)[]) =>
    params.forEach((v, i) => grads.set(v, accumulate(grads.get(v) ?? null, gs[i])));
  const dense = (gs: (tf.Tensor | null)[], like: tf.Tensor[]) => gs.map((g, i) => g ?? tf.zerosLike(like[i]));

  const h: tf.Tensor[][] = [[img]];
  const u: tf.Tensor[][] = [];
  const uBar: tf.Tensor[][] = [];
  const hBar: tf.Tensor[][] = [];
  let logits: tf.Tensor | null = null;
  let penalty: tf.Tensor1D | null = null;
  try {
    // 1. Forward to the block boundaries.
    for (let k = 0; k < K; k++) h.push(tf.tidy(() => stages[k].run(h[k])));
    // Samples per chunk of stage k: its input and output state within `chunkElements`.
    const perSample = (list: tf.Tensor[]) => list.reduce((a, t) => a + t.size / n, 0);
    const chunk = (k: number) =>
      Math.max(1, Math.floor(chunkElements / (perSample(h[k]) + perSample(h[k + 1]))));

    // 2. The first-order backward: u_K = ∂ΣE/∂h_K, then u_k = J_kᵀ u_{k+1}.
    u[K] = dense(
      withoutWeightGradients(() =>
        gradientsOf(() => {
          logits = tf.keep(epilogue.run(h[K])[0]);
          return tf.sum(logits);
        }, h[K]),
      ),
      h[K],
    );
    for (let k = K - 1; k >= 0; k--) {
      u[k] = overChunks(n, chunk(k), (rows) => {
        const hk = h[k].map(rows);
        const gs = withoutWeightGradients(() =>
          gradientsOf(() => inner(stages[k].run(hk), u[k + 1].map(rows)), hk),
        );
        return { rows: dense(gs, hk), sums: [] };
      }).rows;
    }
    const g0 = u[0][0];
    penalty = tf.tidy(() =>
      tf.sum(
        tf.square(g0),
        g0.shape.slice(1).map((_, i) => i + 1),
      ),
    ) as tf.Tensor1D;

    // 3. The second-order pass, one stage at a time, from the images up.
    uBar[0] = u[0].map((t) => tf.mul(t, 2 * weight));
    for (let k = 0; k < K; k++) {
      const st = stages[k];
      const r = overChunks(n, chunk(k), (rows) => {
        const hk = h[k].map(rows);
        const uk1 = u[k + 1].map(rows);
        const ubk = uBar[k].map(rows);
        const wrtH = k > 0 ? hk : []; // ∂/∂images is not needed
        const gs = gradientsOf(
          () =>
            inner(
              dense(
                gradientsOf(() => inner(st.run(hk), uk1), hk),
                hk,
              ),
              ubk,
            ),
          [...wrtH, ...uk1, ...st.params],
        );
        return {
          rows: [
            ...dense(gs.slice(0, wrtH.length), wrtH),
            ...dense(gs.slice(wrtH.length, wrtH.length + uk1.length), uk1),
          ],
          sums: gs.slice(wrtH.length + uk1.length),
        };
      });
      const nh = k > 0 ? h[k].length : 0;
      hBar[k] = r.rows.slice(0, nh);
      uBar[k + 1] = r.rows.slice(nh);
      addGrads(st.params, r.sums);
      tf.dispose(uBar[k]);
      uBar[k] = [];
    }

    // 4. The epilogue's second order: h̄_K and θ̄_E.
    {
      const gs = gradientsOf(
        () =>
          inner(
            dense(
              gradientsOf(() => tf.sum(epilogue.run(h[K])[0]), h[K]),
              h[K],
            ),
            uBar[K],
          ),
        [...h[K], ...epilogue.params],
      );
      hBar[K] = dense(gs.slice(0, h[K].length), h[K]);
      addGrads(epilogue.params, gs.slice(h[K].length));
    }

    // 5. Back down the forward chain (first order): h̄_k += J_kᵀ h̄_{k+1}, θ̄_k.
    for (let k = K - 1; k >= 0; k--) {
      const st = stages[k];
      const wrtCount = (k > 0 ? h[k].length : 0) + st.params.length;
      if (wrtCount > 0) {
        const r = overChunks(n, chunk(k), (rows) => {
          const hk = h[k].map(rows);
          const wrtH = k > 0 ? hk : [];
          const gs = gradientsOf(() => inner(st.run(hk), hBar[k + 1].map(rows)), [...wrtH, ...st.params]);
          return { rows: dense(gs.slice(0, wrtH.length), wrtH), sums: gs.slice(wrtH.length) };
        });
        hBar[k] = hBar[k].map((t, i) => accumulate(t, r.rows[i])!);
        addGrads(st.params, r.sums);
      }
      tf.dispose(hBar[k + 1]);
      hBar[k + 1] = [];
    }

    const out = new Map<tf.Variable, tf.Tensor>();
    for (const [v, g] of grads) out.set(v, g ?? tf.zerosLike(v));
    grads.clear();
    const result = { logits: logits!, penalty: penalty!, grads: out };
    logits = penalty = null;
    return result;
  } finally {
    for (const list of [...h.slice(1), ...u, ...uBar, ...hBar]) tf.dispose(list ?? []);
    for (const g of grads.values()) g?.dispose();
    (logits as tf.Tensor | null)?.dispose();
    (penalty as tf.Tensor | null)?.dispose();
  }
}
