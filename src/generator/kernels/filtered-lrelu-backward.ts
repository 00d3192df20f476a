/**
 * The backward of the fused filtered leaky ReLU (`filtered-lrelu-backward.c`, WebAssembly SIMD) as
 * a TensorFlow.js kernel of the wasm backend, and the trainable op built from both kernels:
 * `fusedFilteredLreluWithGradient` runs the fused forward kernel and, under `tf.grad`, this
 * kernel for ∂L/∂x and ∂L/∂b, so training differentiates the filtered nonlinearity without the
 * dozens of tfjs ops (and their autograd backward) of the op path. Like the forward, the kernel
 * reads and writes tfjs's own wasm heap in place (the module imports that memory).
 *
 * The gradient is first order: the backward kernel has no gradient of its own, and reaching it
 * in a second differentiation throws an Error that says so (`FilteredLreluPlan.applyDifferentiable`
 * takes the op path by itself where a second derivative may be asked for).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedFilteredLrelu,
  fusedFilteredLreluSupport,
  type FusedFilteredLreluSpec,
} from './filtered-lrelu.js';
import { WASM_BASE64 } from './filtered-lrelu-backward-wasm.js';
import { callKernel, heapOffset, writeParamBlock, HeapKernelModule, type KernelArgs } from './tfjs-heap.js';

const KERNEL_NAME = 'AliasfreeFusedFilteredLreluBackward';

interface KernelExports {
  filtered_lrelu_backward(params: number): void;
  scratch_floats(params: number): number;
}

/** Parameter block fields, in the order of the C struct `Params` (4 bytes each). */
const PARAM_FIELDS = [
  'n', 'h', 'w', 'c', 'up', 'px0', 'py0', 'lu', 'tw', 'th', 'down', 'ldh', 'ldw', 'radial', 'oh', 'ow',
  'use_slope', 'use_clamp', 'slope', 'clamp', 'x', 'bias', 'dy', 'dx', 'db', 'gux', 'guy', 'gd', 'scratch',
] as const; // prettier-ignore
const FLOAT_FIELDS = new Set(['slope', 'clamp']);

const kernel = new HeapKernelModule<KernelExports>(WASM_BASE64, 'fused filtered lrelu backward');

interface BackwardAttrs {
  /** [up, px0, py0, tw, th, down, ldh, ldw, radial, oh, ow] */
  geometry: number[];
  upX: number[];
  upY: number[];
  down: number[];
  /** NaN = no leaky ReLU; clamp < 0 = no clamp */
  slope: number;
  clamp: number;
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { be, memory, k } = kernel.exportsFor(backend);
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const bias = inputs.bias as tf.TensorInfo | undefined;
  const a = attrs as unknown as BackwardAttrs;
  const [up, px0, py0, tw, th, down, ldh, ldw, radial, oh, ow] = a.geometry;
  const [n, h, w, c] = x.shape;
  const lu = a.upX.length;
  const offset = (t: tf.TensorInfo) => heapOffset(be, t);
  const nParams = PARAM_FIELDS.length;
  const floats = nParams + 2 * lu + a.down.length;
  const outs: tf.TensorInfo[] = [];
  try {
    outs.push(be.makeOutput([n, h, w, c], 'float32'), be.makeOutput([c], 'float32'));
  } catch (e) {
    for (const o of outs) be.disposeData(o.dataId); // they never reach the engine
    throw e;
  }
  callKernel(
    be,
    'fused filtered lrelu backward',
    {
      blockBytes: floats * 4,
      fill: (block, scratch) => {
        const values: Record<(typeof PARAM_FIELDS)[number], number> = {
          n, h, w, c, up, px0, py0, lu, tw, th, down, ldh, ldw, radial, oh, ow,
          use_slope: Number.isNaN(a.slope) ? 0 : 1, use_clamp: a.clamp >= 0 ? 1 : 0,
          slope: Number.isNaN(a.slope) ? 0 : a.slope, clamp: a.clamp,
          x: offset(x), bias: bias ? offset(bias) : 0, dy: offset(dy), dx: offset(outs[0]), db: offset(outs[1]),
          gux: block + nParams * 4, guy: block + (nParams + lu) * 4, gd: block + (nParams + 2 * lu) * 4,
          scratch,
        }; // prettier-ignore
        writeParamBlock(memory, block, PARAM_FIELDS, values, FLOAT_FIELDS);
        const f32 = new Float32Array(memory.buffer, block, floats);
        f32.set(a.upX, nParams);
        f32.set(a.upY, nParams + lu);
        f32.set(a.down, nParams + 2 * lu);
      },
      scratchFloats: (block) => k.scratch_floats(block),
      run: (block) => k.filtered_lrelu_backward(block),
    },
    outs,
  );
  return outs;
}

/**
 * The backward kernel has no gradient: a second differentiation through the fused op stops here
 * with this message instead of tfjs's generic one.
 */
const SECOND_ORDER_ERROR =
  'the fused filtered lrelu has a first-order gradient only (its backward kernel is not ' +
  'differentiable); differentiate twice through FilteredLreluPlan.applyDifferentiable under ' +
  "setFilteredLreluGradient('ops') or let it choose ('auto')";

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  if (!tf.getKernel(KERNEL_NAME, 'wasm'))
    tf.registerKernel({
      kernelName: KERNEL_NAME,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  tf.registerGradient({
    kernelName: KERNEL_NAME,
    gradFunc: () => {
      throw new Error(SECOND_ORDER_ERROR);
    },
  });
  registered = true;
}

/** The kernel's attributes for `spec`, checked and built once per spec (plans keep their specs). */
const attrsOf = new WeakMap<FusedFilteredLreluSpec, BackwardAttrs>();
function kernelAttrs(spec: FusedFilteredLreluSpec): BackwardAttrs {
  const hit = attrsOf.get(spec);
  if (hit) return hit;
  if (spec.upX.length !== spec.upY.length || spec.upX.length < 1)
    throw new RangeError(`upX and upY must have the same nonzero length`);
  const [ldh, ldw] = spec.downShape ?? [spec.downTaps.length, spec.downTaps.length];
  if (ldh * (spec.downShape ? ldw : 1) !== spec.downTaps.length)
    throw new RangeError(`downTaps length ${spec.downTaps.length} does not match ${ldh}×${ldw}`);
  if ((spec.oh - 1) * spec.down + ldh > spec.th || (spec.ow - 1) * spec.down + ldw > spec.tw)
    throw new RangeError(`output ${spec.oh}×${spec.ow} reads past the temporary ${spec.th}×${spec.tw}`);
  const attrs: BackwardAttrs = {
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
 * The gradients of Σ dy ⊙ fusedFilteredLrelu(x, bias, spec) with respect to x ([N, H, W, C]) and
 * the bias ([C]: the sum of dx over samples and positions, also without a bias), computed by the
 * backward kernel. dy must have the forward's output shape [N, oh, ow, C]. Wasm backend only.
 */
export function fusedFilteredLreluBackward(
  x: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  dy: tf.Tensor4D,
  spec: FusedFilteredLreluSpec,
): { dx: tf.Tensor4D; db: tf.Tensor1D } {
  const support = fusedFilteredLreluSupport();
  if (!support.ok) throw new Error(`fused filtered lrelu backward unavailable: ${support.reason}`);
  const [n, , , c] = x.shape;
  for (const [name, t] of [
    ['x', x],
    ['dy', dy],
  ] as const)
    if (t.dtype !== 'float32') throw new TypeError(`${name} must be float32, got ${t.dtype}`);
  if (bias && bias.shape[0] !== c) throw new RangeError(`bias must have ${c} entries, got ${bias.shape[0]}`);
  const want = [n, spec.oh, spec.ow, c];
  if (dy.rank !== 4 || dy.shape.some((v, i) => v !== want[i]))
    throw new RangeError(`dy must have the output shape [${want.join(', ')}], got [${dy.shape.join(', ')}]`);
  ensureRegistered();
  const inputs: tf.NamedTensorMap = bias ? { x, dy, bias } : { x, dy };
  const attrs = kernelAttrs(spec);
  const [dx, db] = tf.engine().runKernel(KERNEL_NAME, inputs, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor4D,
    tf.Tensor1D,
  ];
  return { dx, db };
}

/**
 * `fusedFilteredLrelu(x, bias, spec)` with a gradient: under `tf.grad` / `tf.variableGrads` its
 * backward is `fusedFilteredLreluBackward` (∂L/∂x and, with a bias, ∂L/∂bias; the taps are
 * constants). First order only (see the module comment). Wasm backend only.
 */
export function fusedFilteredLreluWithGradient(
  x: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  spec: FusedFilteredLreluSpec,
): tf.Tensor4D {
  const support = fusedFilteredLreluSupport();
  if (!support.ok) throw new Error(`fused filtered lrelu unavailable: ${support.reason}`);
  ensureRegistered();
  // tf.customGrad takes tensors only, so the bias-free form is a function of x alone.
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args[0] as tf.Tensor4D;
    const b = bias ? (args[1] as tf.Tensor1D) : null;
    save(b ? [xs, b] : [xs]);
    return {
      value: fusedFilteredLrelu(xs, b, spec),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { dx, db } = fusedFilteredLreluBackward(
          saved[0] as tf.Tensor4D,
          b ? (saved[1] as tf.Tensor1D) : null,
          dy as tf.Tensor4D,
          spec,
        );
        if (b) return [dx, db];
        db.dispose();
        return [dx];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
  return bias ? op(x, bias) : op(x);
}
