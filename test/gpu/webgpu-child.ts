/**
 * Child process of webgpu-backend.test.ts: selects webgpu through `tryWebgpu` (adapter from
 * ALIASFREE_WEBGPU_ADAPTER), runs ops the generator uses on cpu and on webgpu, and prints one line
 * `RESULT {json}` (max |Δ| / max |ref| per op, the attempt log, the adapter). It then kills itself:
 * Dawn's OpenGL backend on llvmpipe may crash in its teardown. `ALIASFREE_CHILD_CASES` selects the
 * ops (default all).
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeSync } from 'node:fs';
import { setBackend } from '../../src/generator/backend.js';
import {
  tryWebgpu,
  webgpuAdapter,
  backendReadsSync,
  inputFeaturesTf,
  type WebgpuAttempt,
} from '../../src/generator/webgpu.js';

function data(seed: number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 0.731) * 1.7),
    shape,
  );
}
const cases: Record<string, () => tf.Tensor> = {
  matMul: () => tf.matMul(data(1, [6, 32]), data(2, [32, 16])),
  conv2d: () =>
    tf.conv2d(data(3, [2, 12, 12, 8]) as tf.Tensor4D, data(4, [3, 3, 8, 5]) as tf.Tensor4D, 1, 'valid'),
  depthwiseConv2d: () =>
    tf.depthwiseConv2d(
      data(5, [1, 10, 10, 4]) as tf.Tensor4D,
      data(6, [4, 1, 4, 1]) as tf.Tensor4D,
      [1, 1],
      'valid',
    ),
  sinMul: () => tf.mul(tf.sin(tf.mul(data(7, [4, 9]), 2 * Math.PI)), 0.5),
  leakyReluGain: () => tf.mul(tf.leakyRelu(data(8, [3, 7, 5]), 0.2), Math.SQRT2),
  clip: () => tf.clipByValue(data(9, [50]), -0.5, 0.5),
  padSlice: () =>
    tf.slice(
      tf.pad(data(10, [1, 5, 5, 2]), [
        [0, 0],
        [2, 1],
        [1, 2],
        [0, 0],
      ]),
      [0, 1, 1, 0],
      [1, 6, 6, 2],
    ),
  transposeReshape: () => tf.reshape(tf.transpose(data(11, [2, 3, 4, 5]), [0, 3, 1, 2]), [10, 12]),
  meanRsqrt: () => tf.rsqrt(tf.add(tf.mean(tf.square(data(12, [4, 32])), 1, true), 1e-8)),
  sumConcat: () => tf.sum(tf.concat([data(13, [3, 4]), data(14, [3, 4])], 1), 0),
  stridedUpsample: () =>
    tf.reshape(tf.tile(tf.reshape(data(15, [2, 3]), [2, 1, 3, 1]), [1, 2, 1, 2]), [4, 6]),
  inputFeatures: () => {
    const f = inputFeaturesTf(
      data(16, [2, 4]) as tf.Tensor2D,
      2,
      [1, 0, 0.1, 0, 1, 0, 0, 0, 1],
      Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)),
      Float32Array.from({ length: 8 }, (_, i) => i / 8),
      2,
      8,
      false,
    );
    return tf.concat([f.fx, f.fy, f.ph, f.amp], 1);
  },
};

// ALIASFREE_CHILD_CASES=a,b runs only those cases: Dawn's GL backend on llvmpipe crashes more often
// the more tensors one process uploads, so the test spreads the cases over several short processes.
const only = process.env.ALIASFREE_CHILD_CASES?.split(',').filter(Boolean);
for (const k of only ?? []) if (!(k in cases)) throw new Error(`unknown case ${k}`);

async function runAll(): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, f] of Object.entries(cases)) {
    if (only && !only.includes(k)) continue;
    const t = f();
    out[k] = (await t.data()) as Float32Array;
    t.dispose();
  }
  return out;
}

await setBackend('cpu');
const ref = await runAll();
const tried: WebgpuAttempt[] = [];
const ok = await tryWebgpu(tried);
const result: Record<string, unknown> = {
  ok,
  tried,
  backend: tf.getBackend(),
  adapter: webgpuAdapter(),
  readsSync: backendReadsSync(),
};
if (ok) {
  const got = await runAll();
  const errors: Record<string, number> = {};
  for (const k of Object.keys(ref)) {
    let m = 0;
    let e = 0;
    for (let i = 0; i < ref[k].length; i++) {
      m = Math.max(m, Math.abs(ref[k][i]));
      e = Math.max(e, Math.abs(ref[k][i] - got[k][i]));
    }
    errors[k] = got[k].length === ref[k].length ? e / m : Infinity;
  }
  result.errors = errors;
  const onGpu = tf.matMul(data(1, [2, 2]), data(2, [2, 2]));
  try {
    onGpu.dataSync();
    result.syncError = null;
  } catch (err) {
    result.syncError = (err as Error).message;
  }
}
writeSync(1, `RESULT ${JSON.stringify(result)}\n`);
process.kill(process.pid, 'SIGKILL');
