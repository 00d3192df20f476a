/**
 * The per-channel FIR filter kernel (`fir-filter.c`, WebAssembly SIMD) as a TensorFlow.js kernel
 * of the wasm backend: NHWC x filtered with one set of taps for every channel, zero padding p and
 * stride s, or the adjoint of that (see the C source for both formulas). Reads x and writes y in
 * place in tfjs's wasm heap. Not differentiable by itself: `src/train/differentiable-fir.ts` pairs
 * the two directions into an op with gradients of every order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WASM_BASE64 } from './fir-filter-wasm.js';
import { callKernel, heapOffset, writeParamBlock, HeapKernelModule, type KernelArgs } from './tfjs-heap.js';

const KERNEL_NAME = 'AliasfreeFirFilter';

/** Parameter block fields, in the order of the C struct `Params` (4 bytes each, all int32). */
const PARAM_FIELDS = [
  'n', 'h', 'w', 'c', 'oh', 'ow', 'kh', 'kw', 'pad', 'stride', 'adjoint', 'taps', 'x', 'y',
] as const; // prettier-ignore

interface KernelExports {
  fir_filter(params: number): void;
}

const kernel = new HeapKernelModule<KernelExports>(WASM_BASE64, 'fir filter');

/** Whether the FIR kernel can run on the current tfjs backend (wasm only), and if not, why. */
export function firFilterSupport(): { ok: boolean; reason: string } {
  return kernel.support(tf.getBackend(), tf.backend());
}

interface Attrs {
  kh: number;
  kw: number;
  pad: number;
  stride: number;
  adjoint: boolean;
  oh: number;
  ow: number;
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { be, memory, k } = kernel.exportsFor(backend);
  const x = inputs.x as tf.TensorInfo;
  const a = attrs as unknown as Attrs;
  const [n, h, w, c] = x.shape;
  const out = be.makeOutput([n, a.oh, a.ow, c], 'float32');
  const values = {
    n, h, w, c, oh: a.oh, ow: a.ow, kh: a.kh, kw: a.kw, pad: a.pad, stride: a.stride,
    adjoint: a.adjoint ? 1 : 0,
    taps: heapOffset(be, inputs.taps as tf.TensorInfo), x: heapOffset(be, x), y: heapOffset(be, out),
  }; // prettier-ignore
  callKernel(
    be,
    'fir filter',
    {
      blockBytes: PARAM_FIELDS.length * 4,
      fill: (block) => writeParamBlock(memory, block, PARAM_FIELDS, values, new Set<string>()),
      scratchFloats: () => 0,
      run: (block) => k.fir_filter(block),
    },
    [out],
  );
  return out;
}

let registered = false;

/**
 * Run the kernel: x NHWC [N, H, W, C], `taps` a float32 tensor of kh·kw correlation taps
 * (row-major). Forward: output [N, ⌊(H + 2p − kh)/s⌋ + 1, …, C]. Adjoint: the output size of the
 * forward's input, `outH` × `outW`, must be given (several inputs map to one output size when
 * s > 1). Needs the wasm backend (`firFilterSupport`).
 */
export function firFilterKernel(
  x: tf.Tensor4D,
  taps: tf.Tensor,
  {
    kh,
    kw,
    pad,
    stride,
    adjoint = false,
    outH,
    outW,
  }: { kh: number; kw: number; pad: number; stride: number; adjoint?: boolean; outH?: number; outW?: number },
): tf.Tensor4D {
  const support = firFilterSupport();
  if (!support.ok) throw new Error(`fir filter kernel unavailable: ${support.reason}`);
  if (x.dtype !== 'float32' || x.rank !== 4) throw new TypeError('x must be a float32 NHWC tensor');
  if (taps.dtype !== 'float32' || taps.size !== kh * kw)
    throw new RangeError(`taps must be ${kh * kw} float32 values, got ${taps.size}`);
  const [, h, w] = x.shape;
  const oh = adjoint ? outH : Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = adjoint ? outW : Math.floor((w + 2 * pad - kw) / stride) + 1;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh! < 1 || ow! < 1)
    throw new RangeError(`the output size must be positive integers, got ${oh}×${ow}`);
  if (!registered) {
    if (!tf.getKernel(KERNEL_NAME, 'wasm'))
      tf.registerKernel({
        kernelName: KERNEL_NAME,
        backendName: 'wasm',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
    registered = true;
  }
  const attrs: Attrs = { kh, kw, pad, stride, adjoint, oh: oh!, ow: ow! };
  return tf.engine().runKernel(KERNEL_NAME, { x, taps }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
