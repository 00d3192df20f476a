/**
 * Watch the tfjs wasm heap's malloc/free while `run` executes (tfjs tensors and the fused
 * filtered-lrelu kernel both allocate through them): which blocks are still allocated afterwards,
 * how many were allocated, and the error `run` threw (if any). `refuseCall` = k makes the k-th
 * malloc fail (return 0), to test out-of-memory paths.
 */
import * as tf from '@tensorflow/tfjs-core';

interface HeapFns {
  _malloc(n: number): number;
  _free(p: number): void;
}

export function trackWasmHeap(
  run: () => void,
  { refuseCall }: { refuseCall?: number } = {},
): { live: Set<number>; allocations: number; error: unknown } {
  const wasm = (tf.backend() as unknown as { wasm: HeapFns }).wasm;
  const { _malloc: malloc, _free: free } = wasm;
  const live = new Set<number>();
  let allocations = 0;
  wasm._malloc = (n: number) => {
    if (++allocations === refuseCall) return 0;
    const p = malloc(n);
    live.add(p);
    return p;
  };
  wasm._free = (p: number) => {
    live.delete(p);
    free(p);
  };
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return { live, allocations, error };
}
