/**
 * End to end: `loadGenerator(<golden network.pkl>)` (engineer D2's loader, which reads pickles through
 * src/io/pickle) must reproduce the official image `io/img.npy` for `io/z.npy` with ψ = 1 within
 * 1e-4·max|ref| (the golden whole-generator tolerance). Iterates the golden pickle cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, goldenPath, assertCloseToMax } from '../helpers/golden.js';

const cases = manifest('generators').filter((c) => c.fn === 'legacy.load_network_pkl');

for (const c of cases) {
  test(`${c.name}: loadGenerator(network.pkl) reproduces img.npy`, async () => {
    // Imported dynamically so this file type-checks before the loader exists.
    const mod = (await import('../../src/generator/index.js')) as Record<string, unknown>;
    const loadGenerator = mod.loadGenerator as ((path: string) => Promise<any> | any) | undefined;
    assert.equal(typeof loadGenerator, 'function', 'src/generator exports loadGenerator');
    const gen = await loadGenerator!(goldenPath('generators', c.inputs.pkl));
    const z = npy('generators', c.inputs.z);
    const ref = npy('generators', c.outputs.img);
    assert.equal(c.params.truncation_psi, 1);
    const zt = tf.tensor(Float32Array.from(z.data as ArrayLike<number>), z.shape as number[]);
    const out = await gen.generate(zt, { psi: c.params.truncation_psi });
    const img = (out?.image ?? out) as tf.Tensor;
    assert.deepEqual(img.shape, ref.shape);
    const rel = assertCloseToMax(await img.data(), ref.data as ArrayLike<number>, 1e-4, `${c.name} image`);
    console.log(`${c.name}: max |Δ| / max|ref| = ${rel.toExponential(2)}`);
    tf.dispose([zt, img]);
  });
}
