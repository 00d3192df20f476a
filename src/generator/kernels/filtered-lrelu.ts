/**
 * The fused filtered leaky ReLU kernel (`filtered-lrelu.c`, WebAssembly SIMD) as a TensorFlow.js
 * kernel of the wasm backend. It computes the official reference
 *
 *     y = downsample_d( f_d ∗ clamp( gain·lrelu_slope( f_u ∗ pad( zero_insert_u(x + b) ) ) ) )
 *
 * for NHWC float32 maps in one streaming pass (see the C file for the loop structure), reading
 * the input and writing the output in place in tfjs's own wasm heap: the module imports that
 * memory, so nothing is copied in or out. On other backends `fusedFilteredLreluSupport` says why
 * it is not available and the caller uses the tfjs-op path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WASM_BASE64 } from './filtered-lrelu-wasm.js';
import { callKernel, heapOffset, writeParamBlock, HeapKernelModule, type KernelArgs } from './tfjs-heap.js';

/** Geometry and taps of one fused call (all taps are correlation taps, as applied). */
export interface FusedFilteredLreluSpec {
  /** Up factor u and the left / top padding on the zero-inserted grid. */
  up: number;
  padX0: number;
  padY0: number;
  /** Temporary-rate size (after the up filter): columns, rows. */
  tw: number;
  th: number;
  /** Up taps along x (×u) and along y (×u·gain), equal lengths. */
  upX: Float32Array;
  upY: Float32Array;
  /** Down factor d; taps: 1-D (separable, both axes) or 2-D [rows, cols] row-major (radial). */
  down: number;
  downTaps: Float32Array;
  downShape: [number, number] | null;
  /** Output size. */
  oh: number;
  ow: number;
  /** Leaky ReLU slope (null = identity) and clamp (null = none). */
  slope: number | null;
  clamp: number | null;
}

const KERNEL_NAME = 'AliasfreeFusedFilteredLrelu';

interface KernelExports {
  filtered_lrelu(params: number): void;
  scratch_floats(params: number): number;
}

/** Parameter block fields, in the order of the C struct `Params` (4 bytes each). */
const PARAM_FIELDS = [
  'n', 'h', 'w', 'c', 'up', 'px0', 'py0', 'lu', 'tw', 'th', 'down', 'ldh', 'ldw', 'radial', 'mirror', 'oh', 'ow',
  'use_slope', 'use_clamp', 'slope', 'clamp', 'x', 'bias', 'y', 'gux', 'guy', 'gd', 'scratch', 'rowp',
  'rowc',
] as const; // prettier-ignore
const FLOAT_FIELDS = new Set(['slope', 'clamp']);

const kernel = new HeapKernelModule<KernelExports>(WASM_BASE64, 'fused filtered lrelu');

/**
 * Whether the fused kernel can run on the current tfjs backend, and if not, why (wasm backend
 * only: it needs the backend's heap, which no other backend has).
 */
export function fusedFilteredLreluSupport(): { ok: boolean; reason: string } {
  return kernel.support(tf.getBackend(), tf.backend());
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = kernel.exportsFor(backend);
  const x = inputs.x as tf.TensorInfo;
  const bias = inputs.bias as tf.TensorInfo | undefined;
  const a = attrs as unknown as {
    geometry: number[];
    upX: number[];
    upY: number[];
    down: number[];
    slope: number;
    clamp: number;
  };
  const [up, px0, py0, tw, th, down, ldh, ldw, radial, mirror, oh, ow] = a.geometry;
  const [n, h, w, c] = x.shape;
  const lu = a.upX.length;
  const out = be.makeOutput([n, oh, ow, c], 'float32');
  const offset = (t: tf.TensorInfo) => heapOffset(be, t);
  // One block for the parameters, the taps and the row tables; a second for the row buffers.
  const nParams = PARAM_FIELDS.length;
  const floats = nParams + 2 * lu + a.down.length + 2 * lu;
  callKernel(
    be,
    'fused filtered lrelu',
    {
      blockBytes: floats * 4,
      fill: (block, scratch) => {
        const values: Record<(typeof PARAM_FIELDS)[number], number> = {
          n, h, w, c, up, px0, py0, lu, tw, th, down, ldh, ldw, radial, mirror, oh, ow,
          use_slope: Number.isNaN(a.slope) ? 0 : 1, use_clamp: a.clamp >= 0 ? 1 : 0,
          slope: Number.isNaN(a.slope) ? 0 : a.slope, clamp: a.clamp,
          x: offset(x), bias: bias ? offset(bias) : 0, y: offset(out),
          gux: block + nParams * 4, guy: block + (nParams + lu) * 4, gd: block + (nParams + 2 * lu) * 4,
          scratch, rowp: block + (nParams + 2 * lu + a.down.length) * 4,
          rowc: block + (nParams + 3 * lu + a.down.length) * 4,
        }; // prettier-ignore
        writeParamBlock(memory, block, PARAM_FIELDS, values, FLOAT_FIELDS);
        const f32 = new Float32Array(memory.buffer, block, floats);
        f32.set(a.upX, nParams);
        f32.set(a.upY, nParams + lu);
        f32.set(a.down, nParams + 2 * lu);
      },
      scratchFloats: (block) => k.scratch_floats(block),
      run: (block) => k.filtered_lrelu(block),
    },
    [out],
  );
  return out;
}

/** Whether every row of the 2-D taps reads the same backwards (exactly): the radial filters do. */
function mirrorRows(taps: Float32Array, rows: number, cols: number): boolean {
  for (let a = 0; a < rows; a++)
    for (let b = 0; b < cols; b++) if (taps[a * cols + b] !== taps[a * cols + cols - 1 - b]) return false;
  return true;
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  if (!tf.getKernel(KERNEL_NAME, 'wasm'))
    tf.registerKernel({
      kernelName: KERNEL_NAME,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  registered = true;
}

/** The kernel's attributes for `spec`, checked and built once per spec (plans keep their specs). */
const attrsOf = new WeakMap<FusedFilteredLreluSpec, Record<string, number | number[]>>();
function kernelAttrs(spec: FusedFilteredLreluSpec): Record<string, number | number[]> {
  const hit = attrsOf.get(spec);
  if (hit) return hit;
  if (spec.upX.length !== spec.upY.length || spec.upX.length < 1)
    throw new RangeError(`upX and upY must have the same nonzero length`);
  const [ldh, ldw] = spec.downShape ?? [spec.downTaps.length, spec.downTaps.length];
  if (ldh * (spec.downShape ? ldw : 1) !== spec.downTaps.length)
    throw new RangeError(`downTaps length ${spec.downTaps.length} does not match ${ldh}×${ldw}`);
  if ((spec.oh - 1) * spec.down + ldh > spec.th || (spec.ow - 1) * spec.down + ldw > spec.tw)
    throw new RangeError(`output ${spec.oh}×${spec.ow} reads past the temporary ${spec.th}×${spec.tw}`);
  const attrs = {
    geometry: [
      spec.up,
      spec.padX0,
      spec.padY0,
      spec.tw,
      spec.th,
      spec.down,
      ldh,
      ldw,
      spec.downShape ? 1 : 0,
      spec.downShape ? Number(mirrorRows(spec.downTaps, ldh, ldw)) : 0,
      spec.oh,
      spec.ow,
    ],
    upX: Array.from(spec.upX),
    upY: Array.from(spec.upY),
    down: Array.from(spec.downTaps),
    slope: spec.slope ?? NaN,
    clamp: spec.clamp ?? -1,
  };
  attrsOf.set(spec, attrs);
  return attrs;
}

/**
 * Run the fused kernel: x NHWC [N, H, W, C] float32, bias [C] or null → NHWC [N, oh, ow, C].
 * Needs the wasm backend (`fusedFilteredLreluSupport()`). `spec` is checked once and then reused
 * as is: build a new spec rather than changing one (FilteredLreluPlan keeps one per input size).
 */
export function fusedFilteredLrelu(
  x: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  spec: FusedFilteredLreluSpec,
): tf.Tensor4D {
  const support = fusedFilteredLreluSupport();
  if (!support.ok) throw new Error(`fused filtered lrelu unavailable: ${support.reason}`);
  if (x.dtype !== 'float32') throw new TypeError(`x must be float32, got ${x.dtype}`);
  if (bias && bias.shape[0] !== x.shape[3])
    throw new RangeError(`bias must have ${x.shape[3]} entries, got ${bias.shape[0]}`);
  ensureRegistered();
  const inputs: tf.NamedTensorMap = bias ? { x, bias } : { x };
  const attrs = kernelAttrs(spec);
  return tf.engine().runKernel(KERNEL_NAME, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
