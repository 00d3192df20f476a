/**
 * Geometry of the synthesis network against the official StyleGAN3 code (golden `generators/<tag>/
 * layers.json`, `filters/geometry_*`, `filters/design_*`) and against the rigid-ladder and flexible
 * schedules of spec §2.3/§2.5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN, manifest, npy } from '../helpers/golden.js';
import {
  computeGeometry,
  log2CR,
  powCR,
  resolveConfig,
  rint,
} from '../../src/generator/stylegan3/geometry.js';
import { configAt, configFromInitKwargs, configs } from '../../src/generator/config.js';
import type { GeneratorConfig, LayerSpec, SynthesisGeometry } from '../../src/generator/types.js';

const REL = 1e-12;

/** snake_case column of the official layer → value of our LayerSpec (booleans as 0/1, padding split). */
function layerValue(l: LayerSpec, column: string): number | string {
  const pad = ['pad_x0', 'pad_x1', 'pad_y0', 'pad_y1'].indexOf(column);
  if (pad >= 0) return l.padding[pad];
  if (column === 'use_fp16') return l.useFp16 ? 1 : 0;
  const key = column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) as keyof LayerSpec;
  assert.ok(key in l, `LayerSpec has no field for official column ${column}`);
  const v = l[key];
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number | string;
}

function assertRel(actual: number, expected: number, what: string): void {
  const d = Math.abs(actual - expected);
  assert.ok(
    d <= REL * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (rel ${d / Math.abs(expected)})`,
  );
}

/**
 * Compare one official column: rates, cutoffs and half-widths are floats (1e-12 relative, even when
 * integral like 16.0, which JSON writes as 16); everything else (names, sizes, channels, taps,
 * padding, flags) exactly.
 */
function assertOfficial(l: LayerSpec, column: string, expected: number | string, what: string): void {
  if (/sampling_rate|cutoff|half_width/.test(column))
    assertRel(layerValue(l, column) as number, expected as number, what);
  else assert.equal(layerValue(l, column), expected, what);
}

const generatorTags = readdirSync(join(GOLDEN, 'generators')).filter((d) =>
  existsSync(join(GOLDEN, 'generators', d, 'init_kwargs.json')),
);

test('golden generators: layers.json equals computeGeometry(configFromInitKwargs(init_kwargs))', () => {
  assert.ok(generatorTags.length >= 2, 'expected the t32 and r32 golden generators');
  for (const tag of generatorTags) {
    const dir = join(GOLDEN, 'generators', tag);
    const kwargs = JSON.parse(readFileSync(join(dir, 'init_kwargs.json'), 'utf8'));
    const ref = JSON.parse(readFileSync(join(dir, 'layers.json'), 'utf8'));
    const g = computeGeometry(configFromInitKwargs(kwargs));
    assert.equal(g.input.channels, ref.input.channels, `${tag} input.channels`);
    assert.equal(g.input.size, ref.input.size, `${tag} input.size`);
    assert.equal(g.input.samplingRate, ref.input.sampling_rate, `${tag} input.sampling_rate`);
    assertRel(g.input.bandwidth, ref.input.bandwidth, `${tag} input.bandwidth`);
    assert.equal(g.input.hardBandCut, false);
    assert.equal(g.layers.length, ref.layers.length, `${tag} layer count`);
    assert.equal(g.numWs, ref.layers.length + 1, `${tag} numWs`);
    ref.layers.forEach((r: Record<string, number | string>, i: number) => {
      const l = g.layers[i];
      for (const [col, v] of Object.entries(r)) assertOfficial(l, col, v, `${tag} ${r.name} ${col}`);
    });
  }
});

/** The config train.py builds for a golden `geometry_*` case (params name the non-default args). */
function configForGeometryCase(p: Record<string, any>): GeneratorConfig {
  const name = p.cfg === 'stylegan3-t' ? 'T' : p.cfg === 'stylegan3-r' ? 'R' : null;
  assert.ok(name, `unknown cfg ${p.cfg}`);
  const cfg: GeneratorConfig = {
    ...configAt(name, p.img_resolution),
    imgChannels: p.img_channels,
    wDim: p.w_dim,
    channelBase: p.channel_base,
    channelMax: p.channel_max,
  };
  if (p.conv_kernel !== undefined) cfg.convKernel = p.conv_kernel;
  if (p.use_radial_filters !== undefined) cfg.useRadialFilters = p.use_radial_filters;
  return cfg;
}

const geometryCases = manifest('filters').filter(
  (c) => c.fn === 'training.networks_stylegan3.SynthesisNetwork',
);

test('filters/geometry_*: every layer attribute of the official SynthesisNetwork', () => {
  assert.ok(geometryCases.length >= 8);
  let floats = 0;
  let exactFloats = 0;
  for (const c of geometryCases) {
    const p = c.params;
    const g = computeGeometry(configForGeometryCase(p));
    assert.deepEqual(
      g.layers.map((l) => l.name),
      p.layer_names,
      `${c.name} layer names`,
    );
    assert.equal(g.input.channels, p.input.channels, `${c.name} input.channels`);
    assert.equal(g.input.size, p.input.size, `${c.name} input.size`);
    assert.equal(g.input.samplingRate, p.input.sampling_rate, `${c.name} input.sampling_rate`);
    assertRel(g.input.bandwidth, p.input.bandwidth, `${c.name} input.bandwidth`);
    const f64 = npy('filters', c.outputs.geometry_f64);
    const i32 = npy('filters', c.outputs.geometry_i32);
    const colsF: string[] = p.columns_f64;
    const colsI: string[] = p.columns_i32;
    assert.deepEqual(f64.shape, [p.layer_names.length, colsF.length]);
    assert.deepEqual(i32.shape, [p.layer_names.length, colsI.length]);
    g.layers.forEach((l, i) => {
      colsF.forEach((col, j) => {
        const ref = f64.data[i * colsF.length + j] as number;
        const v = layerValue(l, col) as number;
        assertRel(v, ref, `${c.name} ${l.name} ${col}`);
        floats++;
        if (v === ref) exactFloats++;
      });
      colsI.forEach((col, j) => {
        assert.equal(layerValue(l, col), i32.data[i * colsI.length + j], `${c.name} ${l.name} ${col}`);
      });
    });
    // The readable copy in params.layers must agree too (names, every column).
    if (Array.isArray(p.layers)) {
      p.layers.forEach((r: Record<string, number | string>, i: number) => {
        for (const [col, v] of Object.entries(r))
          assertOfficial(g.layers[i], col, v, `${c.name} ${r.name} ${col}`);
      });
    }
  }
  // Most floats are bit-identical; the rest differ by an ulp of the official machine's libm pow.
  assert.ok(exactFloats >= 0.9 * floats, `only ${exactFloats}/${floats} floats bit-identical`);
});

test('filters/design_*: every used_by layer/direction has exactly those firwin arguments', () => {
  const cases = manifest('filters').filter((c) => c.name.startsWith('design_'));
  assert.ok(cases.length > 10);
  const cache = new Map<string, SynthesisGeometry>();
  const geometryOf = (cfg: string, res: number): SynthesisGeometry => {
    const key = `${cfg}@${res}`;
    let g = cache.get(key);
    if (!g) {
      const name = cfg === 'stylegan3-t' ? 'T' : cfg === 'stylegan3-r' ? 'R' : null;
      assert.ok(name, `unknown cfg ${cfg}`);
      g = computeGeometry(configAt(name, res)); // train.py's default (dataset) capacity
      cache.set(key, g);
    }
    return g;
  };
  let checked = 0;
  for (const c of cases) {
    const p = c.params;
    assert.ok(Array.isArray(p.used_by) && p.used_by.length > 0, `${c.name} used_by`);
    for (const use of p.used_by as string[]) {
      const m = /^(stylegan3-[tr])@(\d+) (\S+) (up|down)_filter$/.exec(use);
      assert.ok(m, `unparsed used_by entry ${use}`);
      const g = geometryOf(m[1], Number(m[2]));
      const layer = g.layers.find((l) => l.name === m[3]);
      assert.ok(layer, `${use}: no layer ${m[3]} in ${g.layers.map((l) => l.name).join(',')}`);
      const spec = m[4] === 'up' ? layer.upFilter : layer.downFilter;
      assert.ok(spec && spec.kind === 'kaiser', `${use}: expected a Kaiser filter`);
      assert.equal(spec.numtaps, p.numtaps, `${use} numtaps`);
      assert.equal(m[4] === 'up' ? layer.upTaps : layer.downTaps, p.numtaps, `${use} taps`);
      assertRel(spec.cutoff, p.cutoff, `${use} cutoff`);
      assertRel(spec.width, p.width, `${use} width`);
      assert.equal(spec.fs, p.fs, `${use} fs`);
      assert.equal(spec.radial, p.radial, `${use} radial`);
      checked++;
    }
  }
  assert.ok(checked > 50, `checked ${checked} filter uses`);
});

test('every filter-bearing layer has a FilterSpec and vice versa (T, R at several sizes)', () => {
  for (const name of ['T', 'R'] as const) {
    for (const res of [16, 64, 256, 1024]) {
      const g = computeGeometry(configAt(name, res));
      for (const l of g.layers) {
        assert.equal(l.upFilter === null, l.upTaps === 1, `${name}${res} ${l.name} up`);
        assert.equal(l.downFilter === null, l.downTaps === 1, `${name}${res} ${l.name} down`);
        if (l.upFilter?.kind === 'kaiser') {
          assert.equal(l.upFilter.fs, l.tmpSamplingRate);
          assert.equal(l.upFilter.cutoff, l.inCutoff);
          assert.equal(l.upFilter.width, 2 * l.inHalfWidth);
          assert.equal(l.upFilter.radial, false);
        }
        if (l.downFilter?.kind === 'kaiser') {
          assert.equal(l.downFilter.fs, l.tmpSamplingRate);
          assert.equal(l.downFilter.cutoff, l.outCutoff);
          assert.equal(l.downFilter.width, 2 * l.outHalfWidth);
          assert.equal(l.downFilter.radial, l.downRadial);
        }
        // The layer's output size is what the padding formula promises after all the steps.
        const [lo, hi] = l.padding;
        const upLen =
          (l.inSize + l.convKernel - 1) * l.upFactor + lo + hi - (l.upTaps - 1) - (l.downTaps - 1);
        assert.equal(Math.ceil(upLen / l.downFactor), l.outSize, `${name}${res} ${l.name} size`);
        assert.equal(l.gain, l.isTorgb ? 1 : Math.SQRT2);
        assert.equal(l.slope, l.isTorgb ? 1 : 0.2);
      }
    }
  }
});

test('flexible schedule at 256²: s = 16,16,16,32,32,64,64,128,128,128,256,256,256,256 | 256 (float trap)', () => {
  const g = computeGeometry(configAt('T', 256, { ablation: true }));
  assert.deepEqual(
    g.layers.map((l) => l.outSamplingRate),
    [16, 16, 16, 32, 32, 64, 64, 128, 128, 128, 256, 256, 256, 256, 256],
  );
  // 2·f_t[9] = 2^(3.1 + 3.9) sits exactly on 128.
  assert.equal(g.layers[9].outStopband * 2, 128);
  // Spec §2.3 table (ablation capacity 2^14/512).
  assert.deepEqual(
    g.layers.map((l) => l.outChannels),
    [512, 512, 512, 512, 512, 512, 512, 362, 256, 181, 128, 91, 64, 64, 3],
  );
  assert.deepEqual(
    g.layers.map((l) => l.outSize),
    [36, 36, 36, 52, 52, 84, 84, 148, 148, 148, 276, 276, 276, 256, 256],
  );
  const fcPlusFh = g.layers.slice(0, 12).map((l) => l.outCutoff + l.outHalfWidth);
  fcPlusFh.forEach((v, i) =>
    assertRel(v, [8, 8, 8, 16, 16, 32, 32, 64, 64, 64, 128, 128][i], `f_c+f_h[${i}]`),
  );
  const ups = g.layers.map((l) => `${l.upFactor}/${l.downFactor}`);
  assert.deepEqual(ups, [
    '2/2',
    '2/2',
    '2/2',
    '4/2',
    '2/2',
    '4/2',
    '2/2',
    '4/2',
    '2/2',
    '2/2',
    '4/2',
    '2/2',
    '2/2',
    '2/2',
    '1/1',
  ]);
  // Spec §2.4 padding examples: L0 17 → 9/8, L3 −15 → −6/−9.
  assert.deepEqual(g.layers[0].padding, [9, 8, 9, 8]);
  assert.deepEqual(g.layers[3].padding, [-6, -9, -6, -9]);
  assert.equal(g.layers.filter((l) => l.isCriticallySampled).length, 3); // L12, L13, ToRGB
  assert.equal(g.numWs, 16);
  // R at 256² (ablation 2^15/1024): channels doubled, radial down filters except L12, L13.
  const r = computeGeometry(configAt('R', 256, { ablation: true }));
  assert.deepEqual(
    r.layers.map((l) => l.outChannels),
    [1024, 1024, 1024, 1024, 1024, 1024, 1024, 724, 512, 362, 256, 181, 128, 128, 3],
  );
  assert.deepEqual(
    r.layers.map((l) => l.downRadial),
    [...Array(12).fill(true), false, false, false],
  );
  assert.ok(r.layers.every((l) => l.convKernel === 1));
});

test('flexible schedules at 128² and 64² (spec §2.3, ablation capacity)', () => {
  const g128 = computeGeometry(configAt('T', 128, { ablation: true }));
  assert.deepEqual(
    g128.layers.slice(0, 14).map((l) => l.outSamplingRate),
    [16, 16, 16, 32, 32, 32, 64, 64, 64, 128, 128, 128, 128, 128],
  );
  assert.deepEqual(
    g128.layers.slice(0, 14).map((l) => l.outChannels),
    [512, 512, 512, 512, 512, 512, 512, 512, 406, 304, 228, 171, 128, 128],
  );
  const g64 = computeGeometry(configAt('T', 64, { ablation: true }));
  assert.deepEqual(
    g64.layers.slice(0, 14).map((l) => l.outSamplingRate),
    [16, 16, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64],
  );
  assert.deepEqual(
    g64.layers.slice(0, 14).map((l) => l.outChannels),
    [512, 512, 512, 512, 512, 512, 512, 512, 512, 512, 406, 323, 256, 256],
  );
  // T at 1024² (official capacity), spec table.
  const t = computeGeometry(configs.T);
  assert.deepEqual(
    t.layers.map((l) => l.outSamplingRate),
    [16, 16, 32, 32, 64, 128, 128, 256, 256, 512, 1024, 1024, 1024, 1024, 1024],
  );
  assert.deepEqual(
    t.layers.map((l) => l.outChannels),
    [512, 512, 512, 512, 512, 512, 512, 323, 203, 128, 81, 51, 32, 32, 3],
  );
});

// Spec §2.5 rigid table at 256² (C_base 2^14, C_max 512): per pair of layers.
const RIGID_S = [4, 8, 16, 32, 64, 128, 256];
const RIGID_SIZE = [24, 28, 36, 52, 84, 148, 276];
const EF = {
  fc: [2, 4, 8, 16, 32, 64, 128],
  stop: [2.828, 5.657, 11.314, 22.627, 45.255, 90.51, 181.02],
  C: [512, 512, 512, 512, 256, 128, 64],
};
const GH = {
  fc: [1.172, 2.343, 4.686, 9.373, 18.745, 37.49, 128],
  stop: [2, 4, 8, 16, 32, 64, 181.02],
  C: [512, 512, 512, 512, 437, 219, 64],
};

test('rigid D–H at 256²: rates, sizes, cutoffs, stopbands and channels of the spec §2.5 table', () => {
  for (const name of ['D', 'E', 'F', 'G', 'H'] as const) {
    const g = computeGeometry(configs[name]);
    assert.equal(g.layers.length, 15, `${name} 14 layers + ToRGB`);
    assert.equal(g.numWs, 16);
    const ref = name === 'G' || name === 'H' ? GH : EF;
    for (let i = 0; i < 14; i++) {
      const l = g.layers[i];
      const k = Math.floor(i / 2);
      assert.equal(l.outSamplingRate, RIGID_S[k], `${name} L${i} s`);
      const size = name === 'D' ? RIGID_S[k] : i === 13 ? 256 : RIGID_SIZE[k];
      assert.equal(l.outSize, size, `${name} L${i} size`);
      assert.ok(Math.abs(l.outCutoff - ref.fc[k]) < 6e-3, `${name} L${i} f_c ${l.outCutoff} vs ${ref.fc[k]}`);
      const stop = l.outCutoff + l.outHalfWidth;
      assert.ok(Math.abs(stop - ref.stop[k]) < 6e-3, `${name} L${i} f_c+f_h ${stop} vs ${ref.stop[k]}`);
      assertRel(l.outStopband, stop, `${name} L${i} f_t`);
      assertRel(l.outHalfWidth, (Math.SQRT2 - 1) * (l.outSamplingRate / 2), `${name} L${i} f_h`);
      assert.equal(l.outChannels, ref.C[k], `${name} L${i} C`);
      assert.equal(
        l.upFactor,
        i > 0 && i % 2 === 0 ? (name === 'D' || name === 'E' ? 2 : 4) : name === 'D' || name === 'E' ? 1 : 2,
      );
    }
    const torgb = g.layers[14];
    assert.ok(torgb.isTorgb && torgb.outChannels === 3 && torgb.outSize === 256 && torgb.upTaps === 1);
    // Input: s0 = 4, bandwidth 2, hard band cut; layer 0 reads the input's own spec.
    assert.equal(g.input.samplingRate, 4);
    assert.equal(g.input.bandwidth, 2);
    assert.equal(g.input.hardBandCut, true);
    assert.equal(g.input.size, name === 'D' ? 4 : 24);
    assert.equal(g.input.learnedTransform, name === 'H');
    assert.equal(g.layers[0].inCutoff, 2);
    assertRel(g.layers[0].inHalfWidth, (Math.SQRT2 - 1) * 2, `${name} L0 in f_h`);
    assert.equal(g.layers[0].inSize, g.input.size);
  }
  // D: [1,3,3,1] on the 2× layers, no other filter, no margin.
  const d = computeGeometry(configs.D);
  for (const l of d.layers) {
    if (l.upFactor === 2) {
      assert.deepEqual(l.upFilter, { kind: 'binomial', taps: [0.125, 0.375, 0.375, 0.125] });
      assert.equal(l.upTaps, 4);
    } else assert.equal(l.upFilter, null);
    assert.equal(l.downFilter, null);
    assert.equal(l.tmpSamplingRate, l.outSamplingRate);
  }
  // E: Kaiser n=6 (12 taps) up filter on the 2× layers only, critical f_c = s/2, unfiltered lrelu.
  const e = computeGeometry(configs.E);
  for (const l of e.layers) {
    if (l.upFactor === 2) assert.ok(l.upFilter?.kind === 'kaiser' && l.upFilter.numtaps === 12);
    else assert.equal(l.upFilter, null);
    assert.equal(l.downFilter, null);
    assert.equal(l.isCriticallySampled, true);
  }
  // F: every layer filtered (m = 2): 12/12 taps, 24/12 on the rate-doubling layers; separable down.
  const f = computeGeometry(configs.F);
  for (const l of f.layers.slice(0, 14)) {
    assert.equal(l.tmpSamplingRate, 2 * l.outSamplingRate);
    assert.equal(l.downTaps, 12);
    assert.ok(l.downFilter?.kind === 'kaiser' && !l.downFilter.radial);
    assert.equal(l.upTaps, l.upFactor === 4 ? 24 : 12);
  }
  // G/H: only L12, L13 (and ToRGB) critically sampled.
  const gg = computeGeometry(configs.G);
  assert.deepEqual(
    gg.layers.map((l) => l.isCriticallySampled),
    [...Array(12).fill(false), true, true, true],
  );
});

test('rigid layer counts: 10 at 64², 12 at 128², 14 at 256², 18 at 1024²', () => {
  for (const name of ['D', 'E', 'F', 'G', 'H'] as const) {
    for (const [res, n] of [
      [64, 10],
      [128, 12],
      [256, 14],
      [1024, 18],
    ]) {
      const g = computeGeometry(configAt(name, res));
      assert.equal(g.config.numLayers, n, `${name}@${res}`);
      assert.equal(g.layers.length, n + 1);
      assert.equal(g.layers[n - 1].outSamplingRate, res);
      assert.equal(g.layers[n - 2].outSamplingRate, res);
      assert.equal(g.layers[n - 3].outSamplingRate, res / 2);
    }
  }
});

test('resolveConfig fills official defaults; ablation helper switches capacity', () => {
  const r = resolveConfig({
    imgResolution: 64,
    imgChannels: 3,
    zDim: 8,
    wDim: 8,
    mappingLayers: 2,
    channelBase: 1024,
    channelMax: 64,
  });
  assert.equal(r.numLayers, 14);
  assert.equal(r.numCritical, 2);
  assert.equal(r.firstStopband, 2 ** 2.1);
  assert.equal(r.lastStopbandRel, 2 ** 0.3);
  assert.equal(r.magnitudeEmaBeta, 0.999);
  assert.equal(r.convClamp, 256);
  assert.equal(r.ladder.schedule, 'flexible');
  assert.equal(r.ladder.inputSamplingRate, 16);
  const ab = configAt('R', 256, { ablation: true });
  assert.equal(ab.channelBase, 32768);
  assert.equal(ab.channelMax, 1024);
  assert.equal(ab.magnitudeEmaBeta, 0.5 ** (64 / 20000));
});

test('powCR / log2CR are correctly rounded; rint rounds half to even', () => {
  // Exact cases and a case where the correctly rounded value is below the exact integer.
  assert.equal(powCR(2, 10), 1024);
  assert.equal(powCR(8, 8 / 12), 3.9999999999999996);
  assert.equal(powCR(2, 2.1), 4.2870938501451725);
  assert.equal(powCR(0.5, 32 / 20000), 0.9988915792636801);
  assert.equal(log2CR(128), 7);
  assert.equal(log2CR(1024), 10);
  // Slightly above a power of two: log2 rounds back to the integer at 128 (ulp(7) > 2^-52/ln 2).
  assert.equal(Math.ceil(log2CR(128 * (1 + 2 ** -52))), 7);
  assert.equal(Math.ceil(log2CR(4 * (1 + 2 ** -52))), 3);
  // Agreement with Math.pow to within an ulp on a sweep.
  for (let i = 1; i < 200; i++) {
    const x = 0.37 * i + 1.5;
    const e = (i % 13) / 12;
    const a = powCR(x, e);
    const b = x ** e;
    assert.ok(Math.abs(a - b) <= 2.3e-16 * Math.abs(b), `${x}^${e}`);
  }
  assert.equal(rint(2.5), 2);
  assert.equal(rint(3.5), 4);
  assert.equal(rint(-2.5), -2);
  assert.equal(rint(437.02), 437);
});
