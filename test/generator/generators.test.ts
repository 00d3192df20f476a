/**
 * Both tiny official generators (golden `generators/<tag>/`) loaded from the golden directory format
 * and run on the wasm backend: mapping (ψ = 1, 0.7, 0.5 with cutoff 4), every layer's activation,
 * the image with and without truncation and with a user transform, all within 1e-4·max|ref|.
 * Also the `synthesis_input/` cases through the same input layer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, assertCloseToMax, goldenPath, type GoldenCase } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { SynthesisInputLayer } from '../../src/generator/stylegan3/synthesis-input.js';
import { setMemoryLimits } from '../../src/generator/limits.js';
import type { StateDict } from '../../src/generator/state.js';

const TOL = 1e-4;
const cases = manifest('generators');
const tags = readdirSync(goldenPath('generators')).filter((d) =>
  statSync(goldenPath('generators', d)).isDirectory(),
);
const gens = new Map<string, Generator>();

before(async () => {
  await setBackend('wasm');
  for (const tag of tags) gens.set(tag, await loadGenerator(goldenPath('generators', tag)));
});
after(() => {
  for (const g of gens.values()) g.dispose();
});

function t(file: string): tf.Tensor {
  const a = npy('generators', file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}
function ref(file: string): Float32Array {
  return Float32Array.from(npy('generators', file).data as ArrayLike<number>);
}
const tagOf = (c: GoldenCase) => c.params.tag ?? c.name.split('_')[0];

test('golden generator folders are found', () => {
  assert.ok(tags.length >= 2, `expected at least two generators, got ${tags}`);
});

for (const c of cases) {
  const tag = tagOf(c);
  if (c.fn.endsWith('MappingNetwork.forward')) {
    test(`${c.name}: ws (psi ${c.params.truncation_psi}, cutoff ${c.params.truncation_cutoff})`, () => {
      const g = gens.get(tag)!;
      assert.equal(g.numWs, c.params.num_ws);
      const z = t(c.inputs.z);
      const ws = g.mapping(z, { psi: c.params.truncation_psi, cutoff: c.params.truncation_cutoff });
      const e = npy('generators', c.outputs.ws);
      assert.deepEqual(ws.shape, e.shape);
      assertCloseToMax(ws.dataSync(), ref(c.outputs.ws), TOL, c.name);
      tf.dispose([z, ws]);
    });
  } else if (c.fn.endsWith('Generator.forward')) {
    test(`${c.name}: image (psi ${c.params.truncation_psi})`, () => {
      const g = gens.get(tag)!;
      const z = t(c.inputs.z);
      const { image } = g.generate(z, { psi: c.params.truncation_psi });
      assert.deepEqual(image.shape, npy('generators', c.outputs.img).shape);
      assertCloseToMax(image.dataSync(), ref(c.outputs.img), TOL, c.name);
      tf.dispose([z, image]);
    });
  } else if (c.fn.endsWith('SynthesisNetwork.forward') && c.params.layer_names) {
    test(`${c.name}: every layer's activation`, () => {
      const g = gens.get(tag)!;
      const ws = t(c.inputs.ws);
      const { image, layers } = g.synthesis(ws, { capture: true });
      assert.deepEqual(Object.keys(layers!), ['input', ...c.params.layer_names]);
      for (const [name, file] of Object.entries(c.outputs)) {
        const got = name === 'img' ? image : layers![name];
        assert.ok(got, `missing capture ${name}`);
        assert.deepEqual(got.shape, npy('generators', file).shape, name);
        assertCloseToMax(got.dataSync(), ref(file), TOL, `${c.name} ${name}`);
      }
      tf.dispose([ws, image, ...Object.values(layers!)]);
    });
  } else if (c.fn.endsWith('SynthesisNetwork.forward') && c.params.transform) {
    test(`${c.name}: image with a user transform`, () => {
      const g = gens.get(tag)!;
      const ws = t(c.inputs.ws);
      const tr = ref(c.inputs.transform);
      assertCloseToMax(tr, (c.params.transform as number[][]).flat(), 1e-7, 'transform file vs params');
      // Both accepted forms: rows and 9 numbers.
      const a = g.synthesis(ws, { transform: c.params.transform }).image;
      const b = g.synthesis(ws, { transform: tr }).image;
      assertCloseToMax(a.dataSync(), ref(c.outputs.img), TOL, c.name);
      assertCloseToMax(b.dataSync(), a.dataSync(), 0, `${c.name} (flat transform)`);
      // The transform is not sticky: without it the plain image comes back.
      const plain = g.synthesis(ws).image;
      const imgCase = cases.find(
        (k) => tagOf(k) === tag && k.fn.endsWith('Generator.forward') && k.params.truncation_psi === 1,
      );
      if (imgCase) assertCloseToMax(plain.dataSync(), ref(imgCase.outputs.img), TOL, `${c.name} reset`);
      tf.dispose([ws, a, b, plain]);
    });
  }
}

test('chunked synthesis (channel maps and samples) gives the same images', () => {
  for (const [tag, g] of gens) {
    const c = cases.find(
      (k) => tagOf(k) === tag && k.fn.endsWith('Generator.forward') && k.params.truncation_psi === 1,
    )!;
    const z = t(c.inputs.z);
    const prev = setMemoryLimits({ maxTmpElements: 4000, maxBatchElements: 1 });
    try {
      const { image } = g.generate(z);
      assertCloseToMax(image.dataSync(), ref(c.outputs.img), TOL, `${tag} chunked`);
      image.dispose();
    } finally {
      setMemoryLimits(prev);
    }
    z.dispose();
  }
});

// synthesis_input/: the input layer alone, with its exported parameters and four transforms.
const inputCases = manifest('synthesis_input');
const stateCase = inputCases.find((c) => c.fn.endsWith('state_dict'))!;
for (const c of inputCases.filter((k) => k.fn.endsWith('forward'))) {
  test(`synthesis_input golden: ${c.name}`, () => {
    const state: StateDict = new Map();
    for (const key of stateCase.params.state_dict_keys as string[]) {
      const a = npy('synthesis_input', stateCase.outputs[`param_${key.replace(/\./g, '_')}`]);
      state.set(`synthesis.input.${key}`, {
        shape: a.shape.slice(),
        data: Float32Array.from(a.data as ArrayLike<number>),
      });
    }
    const p = c.params;
    const layer = new SynthesisInputLayer(
      {
        channels: p.channels,
        size: p.size,
        samplingRate: p.sampling_rate,
        bandwidth: p.bandwidth,
        hardBandCut: false,
        learnedTransform: true,
      },
      state,
    );
    const w = tf.tensor(
      Float32Array.from(npy('synthesis_input', c.inputs.w).data as ArrayLike<number>),
      npy('synthesis_input', c.inputs.w).shape as [number, number],
    ) as tf.Tensor2D;
    const tr = Float32Array.from(npy('synthesis_input', c.inputs.transform).data as ArrayLike<number>);
    const nhwc = layer.forward(w, tr);
    const x = tf.transpose(nhwc, [0, 3, 1, 2]);
    const e = npy('synthesis_input', c.outputs.x);
    assert.deepEqual(x.shape, e.shape);
    assertCloseToMax(x.dataSync(), e.data as ArrayLike<number>, 1e-5, c.name);
    tf.dispose([w, nhwc, x]);
    layer.dispose();
  });
}
