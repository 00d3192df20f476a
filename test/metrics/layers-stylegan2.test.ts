// Per-layer measurements of StyleGAN2 generators (configs A–C, src/metrics/layers-stylegan2.ts):
// official module names in execution order, critically sampled geometry without margins, the
// alias probe (nonlinear layers above the linear ToRGB at the same rate), per-layer EQ for the
// Fourier-feature input of B/C and none — with the reason — for A's learned constant.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setBackend, createGenerator, configs, type StyleGAN2Generator } from '../../src/generator/index.js';
import { measureLayers, summarizeLayers, type LayerMeasurement } from '../../src/metrics/layers.js';
import { NO_TRANSFORMABLE_INPUT } from '../../src/metrics/layers-stylegan2.js';

before(async () => {
  await setBackend('wasm');
});

/** A, B or C at 32² with C_base 1024, C_max 32, z/w 32. */
async function tiny(name: 'A' | 'B' | 'C', seed = 0): Promise<StyleGAN2Generator> {
  return createGenerator(
    { ...configs[name], imgResolution: 32, channelBase: 1024, channelMax: 32, zDim: 32, wDim: 32 },
    { seed },
  );
}

const cache = new Map<string, LayerMeasurement[]>();
async function measured(name: 'A' | 'B' | 'C'): Promise<LayerMeasurement[]> {
  if (!cache.has(name)) {
    const gen = await tiny(name);
    try {
      cache.set(name, await measureLayers(gen, { samples: 4 }));
    } finally {
      gen.dispose();
    }
  }
  return cache.get(name)!;
}

test('StyleGAN2 layers: official module names in order, s = size = block resolution, f_c = s/2', async () => {
  const ms = await measured('A');
  const expected = ['b4.conv1', 'b4.torgb'];
  for (const r of [8, 16, 32]) expected.push(`b${r}.conv0`, `b${r}.conv1`, `b${r}.torgb`);
  assert.deepEqual(
    ms.map((m) => m.name),
    expected,
  );
  for (const m of ms) {
    const block = Number(m.name.slice(1, m.name.indexOf('.')));
    assert.equal(m.samplingRate, block, m.name);
    assert.equal(m.size, block, m.name);
    assert.equal(m.cutoff, block / 2, m.name);
    assert.equal(m.channels, m.name.endsWith('torgb') ? 3 : 32, m.name);
    assert.equal(m.linear, m.name.endsWith('torgb'), m.name);
    assert.equal(m.upFactor, m.name.endsWith('conv0') ? 2 : 1, m.name);
    // Spectra: P = nextPow2(2s) bins from −s/2; nothing lies beyond f_c = s/2, so no above-cutoff energy.
    const P = m.spectrumFreqs.length;
    assert.equal(P, 2 * block);
    assert.deepEqual(m.spectrumDb.shape, [P, P]);
    assert.equal(m.spectrumFreqs[0], -block / 2);
    for (const v of m.spectrumDb.data) assert.ok(Number.isFinite(v));
    assert.equal(m.aboveCutoffDb, null, m.name);
    assert.ok(Number.isFinite(m.aliasDb) && m.aliasDb! < 0, `${m.name}: ${m.aliasDb}`);
  }
});

test('StyleGAN2 alias probe: the leaky ReLU at rate s aliases far above the linear ToRGB of its block', async () => {
  for (const name of ['A', 'B', 'C'] as const) {
    const ms = await measured(name);
    for (const r of [16, 32]) {
      const torgb = ms.find((m) => m.name === `b${r}.torgb`)!;
      for (const conv of ['conv0', 'conv1']) {
        const m = ms.find((x) => x.name === `b${r}.${conv}`)!;
        assert.ok(
          m.aliasDb! > torgb.aliasDb! + 10,
          `${name} ${m.name} ${m.aliasDb} vs ToRGB ${torgb.aliasDb}`,
        );
      }
    }
    const s = summarizeLayers(ms);
    // The worst layer is a conv layer (ToRGB is skipped as linear).
    assert.ok(s.worstLayer !== null && !s.worstLayer.endsWith('torgb'), `${name}: ${s.worstLayer}`);
  }
});

test('StyleGAN2 per-layer EQ: A has none (the reason is given); B and C are finite where the map is wide enough', async () => {
  for (const m of await measured('A')) {
    assert.equal(m.eqPsnrDb, null);
    assert.equal(m.eqNote, NO_TRANSFORMABLE_INPUT);
  }
  assert.match(NO_TRANSFORMABLE_INPUT, /no transformable input/);
  for (const name of ['B', 'C'] as const) {
    for (const m of await measured(name)) {
      assert.equal(m.eqNote, undefined);
      // Lanczos-3 leaves no fully determined pixel on a 4×4 map.
      if (m.samplingRate === 4) assert.equal(m.eqPsnrDb, null, `${name} ${m.name}`);
      else assert.ok(Number.isFinite(m.eqPsnrDb) && m.eqPsnrDb! > 5, `${name} ${m.name}: ${m.eqPsnrDb}`);
    }
  }
  // Reproducible: same weights and latents (stored noise), same numbers.
  const gen = await tiny('B');
  try {
    const again = await measureLayers(gen, { samples: 4, spectra: false, alias: false });
    const first = await measured('B');
    again.forEach((m, i) => assert.equal(m.eqPsnrDb, first[i].eqPsnrDb, m.name));
    await assert.rejects(measureLayers(gen, { samples: 0 }), /samples/);
  } finally {
    gen.dispose();
  }
});
