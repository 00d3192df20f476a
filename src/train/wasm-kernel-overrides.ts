/**
 * Faster versions of three wasm-backend kernels that training runs thousands of times, with
 * bit-identical results:
 *
 * - `Identity` shares its input's data instead of copying it. tfjs's engine clones every tensor a
 *   gradient function saves (and clones for its own bookkeeping), and a clone runs `Identity`;
 *   the wasm kernel copies the whole buffer each time — about 1 500 full-tensor copies in a 32²
 *   stylegan3-t Gmain (batch 8), over a tenth of the phase, and a higher heap peak. tfjs tensors
 *   are immutable (kernels write only their own outputs; `Variable.assign` swaps the data id), so
 *   a clone may share the data with one more reference, as the wasm `Reshape` kernel and the CPU
 *   backend's `Identity` already do.
 * - `LeakyRelu` runs as x·step(x, α) (step = 1 where x > 0, else α): the wasm `LeakyRelu` kernel
 *   takes ~15× the time of its `Step` and `Multiply` kernels on the same tensor (53 ms against
 *   3.5 + 5 ms for 5·10⁶ floats). x·1 = x and x·α = α·x exactly, so the values are the same bits
 *   (also for ±0 and NaN).
 * - `BatchMatMul` with `transposeA` or `transposeB` transposes that operand first (the wasm
 *   `Transpose` kernel) and multiplies without the flag: the flagged products ran 6–8× slower than
 *   the plain one on the same shapes ([10368, 256] · [256, 256]ᵀ: 600 ms against 80–100 ms; the
 *   transpose costs a few ms). Every matMul gradient is a flagged product (dA = dy·Bᵀ, dB = Aᵀ·dy).
 *   The same products are summed in the same order (`test/train/wasm-kernels.test.ts` checks the
 *   bits).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
}

let installed = false;

/**
 * Install both overrides on the wasm backend (idempotent; does nothing while the wasm backend's
 * kernels are not registered). String tensors keep the original `Identity`.
 */
export function installWasmKernelOverrides(): void {
  if (installed) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const step = tf.getKernel('Step', 'wasm');
  const multiply = tf.getKernel('Multiply', 'wasm');
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!identity || !step || !multiply || !batchMatMul || !transpose || !tf.getKernel('LeakyRelu', 'wasm'))
    return;
  installed = true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return identity.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  });
  tf.unregisterKernel('LeakyRelu', 'wasm');
  tf.registerKernel({
    kernelName: 'LeakyRelu',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      const s = step.kernelFunc({
        inputs: { x },
        attrs: { alpha: attrs?.alpha ?? 0.2 },
        backend,
      }) as tf.TensorInfo;
      try {
        return multiply.kernelFunc({ inputs: { a: x, b: s }, attrs: {}, backend });
      } finally {
        (backend as unknown as WasmBackendLike).disposeData(s.dataId);
      }
    },
  });
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { transposeA = false, transposeB = false } = (attrs ?? {}) as {
        transposeA?: boolean;
        transposeB?: boolean;
      };
      if (!transposeA && !transposeB) return batchMatMul.kernelFunc({ inputs, attrs, backend });
      const made: tf.TensorInfo[] = [];
      // The last two axes swapped, as a new tensor (the caller's stays untouched).
      const swapped = (t: tf.TensorInfo): tf.TensorInfo => {
        const perm = t.shape.map((_, i) => i);
        [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
        const y = transpose.kernelFunc({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
        made.push(y);
        return y;
      };
      try {
        const a = transposeA ? swapped(inputs.a as tf.TensorInfo) : inputs.a;
        const b = transposeB ? swapped(inputs.b as tf.TensorInfo) : inputs.b;
        return batchMatMul.kernelFunc({
          inputs: { a, b },
          attrs: { ...attrs, transposeA: false, transposeB: false },
          backend,
        });
      } finally {
        for (const t of made) (backend as unknown as WasmBackendLike).disposeData(t.dataId);
      }
    },
  });
}
