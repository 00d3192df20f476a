/**
 * Memory limits of the synthesis (element counts of float32 tensors). The wasm backend has a 32-bit
 * heap (4 GiB at most), so large layers run the filtered nonlinearity in chunks of channel maps and
 * large batches in chunks of samples; results are identical either way (the official whole-batch
 * style normalisation is kept). Lower them to trade speed for memory, e.g. in a browser tab.
 */
export const memoryLimits = {
  /** Largest temporary-rate tensor of one chunk of channel maps in the filtered lrelu. */
  maxTmpElements: 1 << 26,
  /** Largest per-chunk activation when the batch is split. */
  maxBatchElements: 64e6,
};

/** Change the limits (values must be positive integers); returns the previous limits. */
export function setMemoryLimits(limits: Partial<typeof memoryLimits>): typeof memoryLimits {
  const prev = { ...memoryLimits };
  for (const [k, v] of Object.entries(limits)) {
    if (!(k in memoryLimits)) throw new RangeError(`unknown memory limit ${JSON.stringify(k)}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`memory limit ${k} must be a positive integer, got ${v}`);
    }
    (memoryLimits as Record<string, number>)[k] = v;
  }
  return prev;
}
