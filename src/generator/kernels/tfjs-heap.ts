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

/** The arguments tfjs passes a kernel function (inputs by name, the backend, the attributes). */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
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

/**
 * One WebAssembly kernel module that runs in tfjs's heap: compiled once from its base64 bytes,
 * instantiated once per heap memory. `support()` says whether it can run on the current tfjs
 * backend (wasm only, with a visible memory, the module compiling) and if not why; `exportsFor`
 * gives a kernel function the backend, its memory and the instance's exports.
 */
export class HeapKernelModule<E> {
  private compiled: WebAssembly.Module | null = null;
  private readonly instances = new WeakMap<WebAssembly.Memory, E>();

  /** `base64`: the module's bytes; `name`: how errors name the kernel. */
  constructor(
    private readonly base64: string,
    readonly name: string,
  ) {}

  module(): WebAssembly.Module {
    return (this.compiled ??= new WebAssembly.Module(
      Uint8Array.from(atob(this.base64), (ch) => ch.charCodeAt(0)),
    ));
  }

  /** Whether the kernel can run on the current tfjs backend, and if not, why. */
  support(tfBackendName: string, tfBackend: unknown): { ok: boolean; reason: string } {
    if (tfBackendName !== 'wasm')
      return { ok: false, reason: `the tfjs backend is '${tfBackendName}', not 'wasm'` };
    if (!heapMemory(tfBackend))
      return { ok: false, reason: 'the wasm backend does not expose its memory (unexpected tfjs version)' };
    try {
      this.module();
    } catch (e) {
      return { ok: false, reason: `the kernel does not compile here (WebAssembly SIMD?): ${String(e)}` };
    }
    return { ok: true, reason: 'wasm backend with SIMD: kernel in the tfjs heap' };
  }

  /** The backend, its heap and this module's exports instantiated on that heap. */
  exportsFor(backend: unknown): { be: WasmBackendLike; memory: WebAssembly.Memory; k: E } {
    const be = backend as WasmBackendLike;
    const memory = heapMemory(be);
    if (!memory) throw new Error(`${this.name}: the wasm backend does not expose its memory`);
    let k = this.instances.get(memory);
    if (!k) {
      k = new WebAssembly.Instance(this.module(), { env: { memory } }).exports as unknown as E;
      this.instances.set(memory, k);
    }
    return { be, memory, k };
  }
}
