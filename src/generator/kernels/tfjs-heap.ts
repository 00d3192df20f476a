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

/**
 * Write a kernel's parameter block at `block`: the `fields` in order, 4 bytes each, as float32 for
 * the names in `floatFields` and int32 (addresses, sizes, flags) otherwise. The views are made on
 * the memory's current buffer, so call it again after anything that may grow the heap.
 */
export function writeParamBlock<F extends string>(
  memory: WebAssembly.Memory,
  block: number,
  fields: readonly F[],
  values: Record<F, number>,
  floatFields: ReadonlySet<string>,
): void {
  const i32 = new Int32Array(memory.buffer, block, fields.length);
  const f32 = new Float32Array(memory.buffer, block, fields.length);
  fields.forEach((f, i) => {
    if (floatFields.has(f)) f32[i] = values[f];
    else i32[i] = values[f];
  });
}

/** One kernel call's steps for `callKernel`. */
export interface KernelCall {
  /** Bytes of the parameter block (the parameters and whatever the kernel reads after them). */
  blockBytes: number;
  /** Write the block; `scratch` is 0 on the first call, then the 16-byte aligned scratch address. */
  fill(block: number, scratch: number): void;
  /** Floats of scratch the kernel needs for this block (asked after the first `fill`). */
  scratchFloats(block: number): number;
  /** Run the kernel. */
  run(block: number): void;
}

/**
 * Run one kernel call in the heap: allocate the parameter block, fill it, allocate the scratch the
 * kernel asks for, fill again with its address (the malloc may have grown the heap), run, and free
 * both whatever happens. If anything fails, the `outputs` (made by the caller, not yet returned to
 * the engine) are freed as well. `who` names the kernel in out-of-memory errors.
 */
export function callKernel(
  be: WasmBackendLike,
  who: string,
  call: KernelCall,
  outputs: tf.TensorInfo[],
): void {
  const block = heapAlloc(be, call.blockBytes, who);
  let scratch = 0;
  let done = false;
  try {
    call.fill(block, 0);
    scratch = heapAlloc(be, call.scratchFloats(block) * 4 + 16, who);
    call.fill(block, scratch + ((16 - (scratch % 16)) % 16));
    call.run(block);
    done = true;
  } finally {
    if (scratch) be.wasm._free(scratch);
    be.wasm._free(block);
    if (!done) for (const o of outputs) be.disposeData(o.dataId);
  }
}
