/**
 * The minibatch-standard-deviation groups of a batch (official `MinibatchStdLayer`): with group
 * size G' = min(G, N) and m = N/G', the batch is viewed as [G', m, …], so sample i belongs to
 * group i mod m and the group's members are i, i + m, i + 2m, … Nothing else in the
 * discriminator mixes samples, so D's logits of one group depend only on that group's images.
 *
 * That makes the R1 penalty separable by group: ∂Σ_j D(x)_j/∂x_i only involves i's group, the
 * penalty of sample i is a function of its group's images alone, and the loss is a mean over
 * samples, so Σ over groups of (Σ_{i∈group} reg_i)·gain/N is the whole loss and the sum of the
 * groups' parameter gradients is its gradient, exactly (up to float summation order).
 */

/**
 * Sub-batches of a batch of `n` samples that D can evaluate independently: each holds whole
 * minibatch-stddev groups, at most `maxSamples` samples (but at least one group), in the order
 * that makes D's grouping of the sub-batch the same as its grouping of the whole batch. `groupSize`
 * null means one group of the whole batch; `numChannels` 0 means no layer mixes samples, so every
 * sample is its own group.
 */
export function mbstdSubBatches(
  n: number,
  groupSize: number | null,
  numChannels: number,
  maxSamples: number,
): number[][] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(maxSamples >= 1)) throw new RangeError(`maxSamples must be >= 1, got ${maxSamples}`);
  const G = numChannels === 0 ? 1 : groupSize === null ? n : Math.min(groupSize, n);
  if (n % G !== 0)
    throw new RangeError(`batch size ${n} must be a multiple of the minibatch-stddev group size ${G}`);
  const m = n / G;
  // k groups per sub-batch: samples j … j+k−1 of every row r (index r·m + j …). Viewed as [G, k]
  // by D, column t is group j + t — the same members as in the whole batch.
  const k = Math.max(1, Math.min(m, Math.floor(maxSamples / G)));
  const out: number[][] = [];
  for (let j = 0; j < m; j += k) {
    const kk = Math.min(k, m - j);
    const idx: number[] = [];
    for (let r = 0; r < G; r++) for (let t = 0; t < kk; t++) idx.push(r * m + j + t);
    out.push(idx);
  }
  return out;
}
