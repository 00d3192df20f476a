/**
 * The StyleGAN2 generator against the official `training.networks_stylegan2.Generator`: every case
 * of test/golden/stylegan2/manifest.json (the test iterates the manifest, so further generators of
 * the same kind are picked up), all within 1e-4·max|ref| — ws for each truncation, images with
 * noise 'const' and 'none', the ψ = 0.7 generator image, every block's `x` and `img`, and the
 * snapshot `network.pkl`. Both paths run: the prepared fast path (`synthesis`) and the
 * differentiable reference (`synthesisWith`).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, goldenPath, assertCloseToMax, type GoldenCase } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator, type AnyGenerator } from '../../src/generator/weights.js';
import { StyleGAN2Generator } from '../../src/generator/stylegan2/generator.js';

const GROUP = 'stylegan2';
const TOL = 1e-4;

before(async () => {
  await setBackend('wasm');
});

function tensorOf(file: string): tf.Tensor {
  const a = npy(GROUP, file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}

const cases = manifest(GROUP);
const tags = [
  ...new Set(
    cases.map(
      (c) =>
        c.params.tag ??
        c.inputs.ws?.split('/')[0] ??
        c.inputs.z?.split('/')[0] ??
        c.inputs.pkl?.split('/')[0],
    ),
  ),
];

const generators = new Map<string, StyleGAN2Generator>();
async function gen(tag: string): Promise<StyleGAN2Generator> {
  let g = generators.get(tag);
  if (!g) {
    const loaded = await loadGenerator<AnyGenerator>(goldenPath(GROUP, tag));
    if (!(loaded instanceof StyleGAN2Generator))
      throw new Error(`${tag} did not load as a StyleGAN2 generator`);
    g = loaded;
    generators.set(tag, g);
  }
  return g;
}

function tagOf(c: GoldenCase): string {
  const f = Object.values(c.inputs)[0];
  return f.split('/')[0];
}

test('the stylegan2 golden manifest has generators and all case kinds', () => {
  assert.ok(tags.length >= 1);
  const fns = new Set(cases.map((c) => c.fn));
  for (const fn of [
    'training.networks_stylegan2.MappingNetwork.forward',
    'training.networks_stylegan2.SynthesisNetwork.forward',
    'training.networks_stylegan2.Generator.forward',
    'training.networks_stylegan2.SynthesisBlock.forward',
    'legacy.load_network_pkl',
  ])
    assert.ok(fns.has(fn), `manifest covers ${fn}`);
});

for (const c of cases) {
  if (c.fn.endsWith('Generator.state_dict')) {
    test(`stylegan2 golden ${c.name}: state dict keys and shapes load in official order`, async () => {
      const g = await gen(c.params.tag);
      const sd = g.stateDict();
      assert.deepEqual([...sd.keys()], c.params.state_dict_keys);
      for (const [key, file] of Object.entries(c.outputs)) {
        const ref = npy(GROUP, file);
        // npy stores the official 0-d scalars (noise_strength) as [1] or []: compare element counts there.
        const want = ref.shape.length === 1 && ref.shape[0] === 1 ? [] : ref.shape;
        assert.deepEqual(sd.get(key)!.shape, want, key);
        assert.deepEqual(Array.from(sd.get(key)!.data), Array.from(ref.data as ArrayLike<number>), key);
      }
    });
    continue;
  }
  test(`stylegan2 golden ${c.name}`, async () => {
    const p = c.params;
    if (c.fn.endsWith('MappingNetwork.forward')) {
      const g = await gen(tagOf(c));
      const z = tensorOf(c.inputs.z) as tf.Tensor2D;
      const ws = g.mapping(z, { psi: p.truncation_psi, cutoff: p.truncation_cutoff });
      assert.equal(ws.shape[1], p.num_ws);
      const ref = npy(GROUP, c.outputs.ws);
      assert.deepEqual(ws.shape, ref.shape);
      assertCloseToMax(ws.dataSync(), ref.data as ArrayLike<number>, TOL, `${c.name} ws`);
      const wsRef = g.mappingWith(null, z, { psi: p.truncation_psi, cutoff: p.truncation_cutoff });
      assertCloseToMax(wsRef.dataSync(), ref.data as ArrayLike<number>, TOL, `${c.name} ws (reference path)`);
      tf.dispose([z, ws, wsRef]);
      return;
    }
    if (c.fn.endsWith('SynthesisNetwork.forward')) {
      const g = await gen(tagOf(c));
      const ws = tensorOf(c.inputs.ws) as tf.Tensor3D;
      const ref = npy(GROUP, c.outputs.img);
      for (const [path, r] of [
        ['fast', g.synthesis(ws, { noiseMode: p.noise_mode })],
        ['reference', g.synthesisWith(null, ws, { noiseMode: p.noise_mode })],
      ] as const) {
        assert.deepEqual(r.image.shape, ref.shape);
        assertCloseToMax(r.image.dataSync(), ref.data as ArrayLike<number>, TOL, `${c.name} (${path})`);
        r.image.dispose();
      }
      ws.dispose();
      return;
    }
    if (c.fn.endsWith('Generator.forward')) {
      const g = await gen(tagOf(c));
      const z = tensorOf(c.inputs.z) as tf.Tensor2D;
      const r = g.generate(z, { psi: p.truncation_psi, noiseMode: p.noise_mode });
      const ref = npy(GROUP, c.outputs.img);
      assertCloseToMax(r.image.dataSync(), ref.data as ArrayLike<number>, TOL, c.name);
      tf.dispose([z, r.image]);
      return;
    }
    if (c.fn.endsWith('SynthesisBlock.forward')) {
      const g = await gen(tagOf(c));
      const ws = tensorOf(c.inputs.ws) as tf.Tensor3D;
      assert.equal(ws.shape[0], p.batch);
      for (const [path, r] of [
        ['fast', g.synthesis(ws, { noiseMode: p.noise_mode, capture: true })],
        ['reference', g.synthesisWith(null, ws, { noiseMode: p.noise_mode, capture: true })],
      ] as const) {
        const keys = Object.keys(r.layers!);
        for (const res of p.block_resolutions as number[]) {
          for (const what of ['x', 'img']) {
            const ref = npy(GROUP, c.outputs[`b${res}_${what}`]);
            const got = r.layers![`b${res}.${what}`];
            assert.ok(got, `${path}: capture has b${res}.${what} (keys ${keys.join(', ')})`);
            assert.deepEqual(got.shape, ref.shape, `b${res}.${what}`);
            assertCloseToMax(got.dataSync(), ref.data as ArrayLike<number>, TOL, `${path} b${res}.${what}`);
          }
        }
        assertCloseToMax(
          r.image.dataSync(),
          npy(GROUP, c.outputs.img).data as ArrayLike<number>,
          TOL,
          `${path} img`,
        );
        tf.dispose([r.image, ...Object.values(r.layers!)]);
      }
      ws.dispose();
      return;
    }
    if (c.fn === 'legacy.load_network_pkl') {
      const g = await loadGenerator<AnyGenerator>(goldenPath(GROUP, c.inputs.pkl));
      if (!(g instanceof StyleGAN2Generator))
        throw new Error('network.pkl did not load as a StyleGAN2 generator');
      assert.equal(g.initKwargs?.class_name, 'training.networks_stylegan2.Generator');
      const ws = tensorOf(c.inputs.ws) as tf.Tensor3D;
      const r = g.synthesis(ws, { noiseMode: p.noise_mode });
      assertCloseToMax(r.image.dataSync(), npy(GROUP, c.outputs.img).data as ArrayLike<number>, TOL, c.name);
      tf.dispose([ws, r.image]);
      g.dispose();
      return;
    }
    assert.fail(`unhandled case kind ${c.fn}`);
  });
}

test('stylegan2 network.pkl: summary counts the official parameters; convert → loadGenerator reproduces img_const', async () => {
  const { summarizePickleFile, convertPickleToDir } = await import('../../src/io/pickle/network-files.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const c = cases.find((x) => x.fn === 'legacy.load_network_pkl')!;
  const pkl = goldenPath(GROUP, c.inputs.pkl);
  const summary = summarizePickleFile(pkl);
  const gEma = summary.entries.find((e) => e.key === 'G_ema');
  assert.ok(gEma && gEma.type === 'network');
  assert.equal(gEma.qualifiedName, 'training.networks_stylegan2.Generator');
  const g = await gen(tagOf(c));
  // Trainable parameters of the summary = the layout's count from the official constructors.
  assert.equal(gEma.numParameters, g.parameterBreakdown().total);
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-s2conv-'));
  try {
    convertPickleToDir(pkl, join(dir, 'g'));
    const h = await loadGenerator<AnyGenerator>(join(dir, 'g'));
    if (!(h instanceof StyleGAN2Generator)) throw new Error('converted pickle did not load as StyleGAN2');
    const ws = tensorOf(c.inputs.ws) as tf.Tensor3D;
    const r = h.synthesis(ws, { noiseMode: 'const' });
    assertCloseToMax(
      r.image.dataSync(),
      npy(GROUP, c.outputs.img).data as ArrayLike<number>,
      TOL,
      'converted',
    );
    tf.dispose([ws, r.image]);
    h.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
