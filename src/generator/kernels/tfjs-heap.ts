/**
 * Access to TensorFlow.js's wasm heap for the hand-written kernels of this folder: they import the
 * backend's `WebAssembly.Memory` and read and write tensors in place at their heap offsets, with
 * scratch space from the backend's own malloc. These are internal, version-pinned fields of
 * `@tensorflow/tfjs-backend-wasm` (the kernels' tests fail loudly if a version changes them).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** The emscripten module behind tfjs's wasm backend (the fields the kernels use). */
export interface WasmBackendLike {
  wasm: {
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The backend's heap, or null when `backend` is not the wasm backend (or hides its memory). */
export function heapMemory(backend: unknown): WebAssembly.Memory | null {
  const w = (backend as Partial<WasmBackendLike> | null)?.wasm;
  const m = w?.asm?.memory ?? w?.wasmMemory;
  return m instanceof WebAssembly.Memory ? m : null;
}

/**
 * malloc in the tfjs heap, as an unsigned address (emscripten returns a signed i32, negative past
 * 2 GiB; a parameter block stores the same 32 bits either way). Throws, naming `who`, when the
 * heap cannot grow.
 */
export function heapAlloc(be: WasmBackendLike, bytes: number, who: string): number {
  const p = be.wasm._malloc(bytes) >>> 0;
  if (p === 0) throw new RangeError(`${who}: out of wasm memory (${bytes} bytes requested)`);
  return p;
}

/** Byte offset of a tensor's data in the heap. */
export function heapOffset(be: WasmBackendLike, t: tf.TensorInfo): number {
  const e = be.dataIdMap.get(t.dataId);
  if (!e) throw new Error('tensor data is not in the wasm heap (disposed, or of another backend)');
  return e.memoryOffset;
}
