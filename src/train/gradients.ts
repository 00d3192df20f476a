/**
 * The gradient functions training needs, registered once: tfjs-core's per-kernel gradients that
 * `ensureGradients()` (src/generator/ops/gradients.ts) registers, plus the few kernels only the
 * training forwards use (Sin and Cos of the Fourier-feature input layer; Sigmoid and Sign reach
 * the loss through softplus) and zero gradients for comparisons. (The Conv2D gradient, made of
 * forward convolutions, is `ensureGradients`'s.) On the wasm backend it also installs the faster `Identity`
 * and `LeakyRelu` kernels of `installWasmKernelOverrides` (same values). Also the two places
 * training reaches into tfjs's engine: gradients with respect to any tensors (`gradientsOf`) and
 * a paused tape (`offTape`).
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

type EngineInternals = {
  state: { gradientDepth: number; activeTape: unknown };
  gradients(
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients?: boolean,
  ): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
};

/**
 * ∂f/∂wrt for a scalar f() with respect to any tensors f reads, variables included (null where f
 * does not reach one; f's value is freed). Nested inside another gradient, the backward is itself
 * recorded (tfjs's higher-order gradients).
 */
export function gradientsOf(f: () => tf.Tensor, wrt: tf.Tensor[]): (tf.Tensor | null)[] {
  const { value, grads } = (tf.engine() as unknown as EngineInternals).gradients(f, wrt, undefined, true);
  value.dispose();
  return grads.map((g) => g ?? null);
}

/**
 * Run `f` with the engine's tape paused: what `f` computes is not recorded into the gradient
 * being taken around it (its results count as constants there), and gradients `f` takes itself
 * are first-order ones on a tape of their own.
 */
export function offTape<T>(f: () => T): T {
  const state = (tf.engine() as unknown as EngineInternals).state;
  const { gradientDepth, activeTape } = state;
  state.gradientDepth = 0;
  state.activeTape = null;
  try {
    return f();
  } finally {
    state.gradientDepth = gradientDepth;
    state.activeTape = activeTape;
  }
}
