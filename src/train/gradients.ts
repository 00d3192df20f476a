/**
 * The gradient functions training needs, registered once: tfjs-core's per-kernel gradients that
 * `ensureGradients()` (src/generator/ops/gradients.ts) registers, plus the few kernels only the
 * training forwards use (Sin and Cos of the Fourier-feature input layer; Sigmoid and Sign reach
 * the loss through softplus) and zero gradients for comparisons. (The Conv2D gradient, made of
 * forward convolutions, is `ensureGradients`'s.) On the wasm backend it also installs the faster `Identity`
 * and `LeakyRelu` kernels of `installWasmKernelOverrides` (same values).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../generator/ops/gradients.js';
import { installWasmKernelOverrides } from './wasm-kernel-overrides.js';

const EXTRA_MODULES = ['Sin_grad', 'Cos_grad', 'Sigmoid_grad', 'Sign_grad', 'Elu_grad'] as const;

/**
 * Comparisons and logical ops are piecewise constant: their gradient is zero. tfjs registers none,
 * yet second-order gradients reach them (the masks of leaky ReLU and clamp gradients depend on the
 * input), so they get explicit zero gradients.
 */
const PIECEWISE_CONSTANT: [string, string[]][] = [
  ['Greater', ['a', 'b']],
  ['GreaterEqual', ['a', 'b']],
  ['Less', ['a', 'b']],
  ['LessEqual', ['a', 'b']],
  ['Equal', ['a', 'b']],
  ['NotEqual', ['a', 'b']],
  ['LogicalAnd', ['a', 'b']],
  ['LogicalOr', ['a', 'b']],
  ['LogicalNot', ['x']],
];

function registerZeroGradients(): void {
  for (const [kernelName, inputs] of PIECEWISE_CONSTANT) {
    tf.registerGradient({
      kernelName,
      inputsToSave: inputs,
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const out: Record<string, () => tf.Tensor> = {};
        inputs.forEach((name, i) => (out[name] = () => tf.zeros(saved[i].shape, 'float32')));
        return out;
      },
    });
  }
}

let ready: Promise<void> | null = null;

/** Register every gradient the training code uses (idempotent; later calls share the promise). */
export function ensureTrainingGradients(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      await ensureGradients();
      installWasmKernelOverrides();
      registerZeroGradients();
      for (const name of EXTRA_MODULES) {
        let mod: Record<string, unknown>;
        try {
          mod = (await import(`@tensorflow/tfjs-core/dist/gradients/${name}.js`)) as Record<string, unknown>;
        } catch (e) {
          ready = null;
          throw new Error(`cannot load tfjs-core's gradient module ${name} (${(e as Error).message})`);
        }
        for (const v of Object.values(mod)) {
          const cfg = v as tf.GradConfig | undefined;
          if (
            cfg &&
            typeof cfg === 'object' &&
            typeof cfg.kernelName === 'string' &&
            typeof cfg.gradFunc === 'function'
          )
            tf.registerGradient(cfg);
        }
      }
    })();
  }
  return ready;
}
