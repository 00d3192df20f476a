/**
 * Presets, official-kwargs conversion, config validation and parameter inventory, checked against the
 * golden official generators (`generators/<tag>/init_kwargs.json`, `state/*.npy`, manifest) and the
 * parameter counts of spec §2.3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN, manifest } from '../helpers/golden.js';
import {
  configAt,
  configFromInitKwargs,
  configs,
  magnitudeEmaBetaForBatch,
  OFFICIAL_DEFAULTS,
} from '../../src/generator/config.js';
import { computeGeometry, resolveConfig } from '../../src/generator/stylegan3/geometry.js';
import {
  parameterBreakdown,
  parameterCount,
  stateDictShapes,
} from '../../src/generator/stylegan3/parameters.js';
import type { GeneratorConfig } from '../../src/generator/types.js';

/** Buffers of the official generator (not trained): everything else in the state dict is a parameter. */
const BUFFER =
  /(\.magnitude_ema|\.up_filter|\.down_filter|input\.transform|input\.freqs|input\.phases|w_avg)$/;

/** Shape from a `.npy` header (the array reader maps 0-d arrays to [1]; scalars matter here). */
function npyShape(path: string): number[] {
  const bytes = readFileSync(path);
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  assert.ok(m, `no shape in ${path}`);
  return m[1]
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map(Number);
}

const stateCases = manifest('generators').filter((c) => c.fn.endsWith('Generator.state_dict'));

function presetFor(cfg: string): 'T' | 'R' {
  if (cfg === 'stylegan3-t') return 'T';
  if (cfg === 'stylegan3-r') return 'R';
  throw new Error(`unknown cfg ${cfg}`);
}

test('configs.T / configs.R are the official train.py generators (golden init_kwargs), up to size args', () => {
  assert.ok(stateCases.length >= 2);
  for (const c of stateCases) {
    const kw = c.params.init_kwargs;
    const fromFile = JSON.parse(
      readFileSync(join(GOLDEN, 'generators', c.params.tag, 'init_kwargs.json'), 'utf8'),
    );
    assert.deepEqual(kw, fromFile);
    const official = resolveConfig(configFromInitKwargs(kw));
    // Only the size/capacity arguments the golden run passed differ from the dataset preset.
    const preset = resolveConfig({
      ...configs[presetFor(c.params.cfg)],
      zDim: kw.z_dim,
      wDim: kw.w_dim,
      imgResolution: kw.img_resolution,
      imgChannels: kw.img_channels,
      channelBase: kw.channel_base,
      channelMax: kw.channel_max,
    });
    assert.deepEqual(preset, official, `${c.params.tag}`);
    // train.py's own kwargs (no resolution/channels/c_dim) + dataset args give the same config.
    const trainPy = configFromInitKwargs({
      ...c.params.train_py_G_kwargs,
      c_dim: 0,
      img_resolution: kw.img_resolution,
      img_channels: 3,
    });
    assert.deepEqual(resolveConfig(trainPy), official);
  }
  // The dataset presets themselves.
  const t = resolveConfig(configs.T);
  assert.equal(t.imgResolution, 1024);
  assert.equal(t.channelBase, 32768);
  assert.equal(t.channelMax, 512);
  assert.equal(t.convKernel, 3);
  assert.equal(t.mappingLayers, 2);
  assert.equal(t.zDim, 512);
  assert.equal(t.wDim, 512);
  assert.equal(t.magnitudeEmaBeta, 0.5 ** (32 / 20000));
  assert.equal(t.useRadialFilters, false);
  const r = resolveConfig(configs.R);
  assert.equal(r.channelBase, 65536);
  assert.equal(r.channelMax, 1024);
  assert.equal(r.convKernel, 1);
  assert.equal(r.useRadialFilters, true);
  for (const name of ['T', 'R'] as const) {
    const x = resolveConfig(configs[name]);
    for (const [k, v] of Object.entries(OFFICIAL_DEFAULTS)) {
      if (['channelBase', 'channelMax', 'convKernel', 'useRadialFilters', 'magnitudeEmaBeta'].includes(k))
        continue;
      assert.equal((x as Record<string, unknown>)[k], v, `${name}.${k}`);
    }
  }
});

test('presets D–H: ladder switches and shared capacity', () => {
  const expect: Record<string, Partial<GeneratorConfig['ladder']> & { m: number; margin: number }> = {
    D: {
      cutoff: 'critical',
      channels: 'rate',
      upFilter: 'binomial',
      learnedInputTransform: false,
      m: 1,
      margin: 0,
    },
    E: {
      cutoff: 'critical',
      channels: 'rate',
      upFilter: 'kaiser',
      learnedInputTransform: false,
      m: 1,
      margin: 10,
    },
    F: {
      cutoff: 'critical',
      channels: 'rate',
      upFilter: 'kaiser',
      learnedInputTransform: false,
      m: 2,
      margin: 10,
    },
    G: {
      cutoff: 'noncritical',
      channels: 'cutoff',
      upFilter: 'kaiser',
      learnedInputTransform: false,
      m: 2,
      margin: 10,
    },
    H: {
      cutoff: 'noncritical',
      channels: 'cutoff',
      upFilter: 'kaiser',
      learnedInputTransform: true,
      m: 2,
      margin: 10,
    },
  };
  for (const [name, e] of Object.entries(expect)) {
    const r = resolveConfig(configs[name as 'D']);
    assert.equal(r.ladder.schedule, 'rigid', name);
    assert.equal(r.ladder.cutoff, e.cutoff, name);
    assert.equal(r.ladder.channels, e.channels, name);
    assert.equal(r.ladder.upFilter, e.upFilter, name);
    assert.equal(r.ladder.learnedInputTransform, e.learnedInputTransform, name);
    assert.equal(r.ladder.inputSamplingRate, 4, name);
    assert.equal(r.lreluUpsampling, e.m, name);
    assert.equal(r.marginSize, e.margin, name);
    assert.equal(r.imgResolution, 256);
    assert.equal(r.channelBase, 16384);
    assert.equal(r.channelMax, 512);
    assert.equal(r.mappingLayers, 2);
    assert.equal(r.convKernel, 3);
    assert.equal(r.outputScale, 0.25);
    assert.equal(r.magnitudeEmaBeta, magnitudeEmaBetaForBatch(64));
  }
});

test('presets are frozen; configAt and spreading give independent copies', () => {
  assert.ok(Object.isFrozen(configs.T));
  assert.ok(Object.isFrozen(configs.T.ladder));
  assert.throws(() => {
    (configs.T as GeneratorConfig).imgResolution = 8;
  }, TypeError);
  const a = configAt('H', 64);
  a.ladder!.learnedInputTransform = false;
  assert.equal(configs.H.ladder!.learnedInputTransform, true);
  const spread = { ...configs.T, imgResolution: 256, channelBase: 16384, channelMax: 256 };
  const g = computeGeometry(spread);
  assert.equal(g.layers.at(-1)!.outSize, 256);
  assert.equal(g.input.channels, 256);
  assert.throws(() => configAt('Z' as 'T', 64), /name/);
});

test('stateDictShapes: keys, order and shapes of the golden official state dicts', () => {
  for (const c of stateCases) {
    const tag = c.params.tag;
    const entries = stateDictShapes(configFromInitKwargs(c.params.init_kwargs));
    assert.deepEqual(
      entries.map((e) => e.key),
      c.params.state_dict_keys,
      `${tag} keys`,
    );
    let official = 0;
    for (const e of entries) {
      const file = join('generators', tag, 'state', `${e.key}.npy`);
      assert.ok(existsSync(join(GOLDEN, file)), `${file} missing`);
      assert.deepEqual(npyShape(join(GOLDEN, file)), e.shape, `${tag} ${e.key} shape`);
      assert.equal(e.trainable, !BUFFER.test(e.key), `${tag} ${e.key} trainable`);
      if (!BUFFER.test(e.key)) official += e.shape.reduce((a, b) => a * b, 1);
    }
    assert.equal(parameterCount(configFromInitKwargs(c.params.init_kwargs)), official, `${tag} count`);
    // Every state file is listed.
    const files = readdirSync(join(GOLDEN, 'generators', tag, 'state')).filter((f) => f.endsWith('.npy'));
    assert.equal(files.length, entries.length);
  }
});

test('parameter counts of spec §2.3: T-256 23.32 M, R-256 15.78 M, T-1024 22.31 M, R-1024 15.09 M', () => {
  const M = (n: number) => Math.round(n / 1e4) / 100;
  assert.equal(M(parameterCount(configAt('T', 256, { ablation: true }))), 23.32);
  assert.equal(M(parameterCount(configAt('R', 256, { ablation: true }))), 15.78);
  assert.equal(M(parameterCount(configs.T)), 22.31);
  assert.equal(M(parameterCount(configs.R)), 15.09);
  // Breakdown adds up; mapping = 2·(512² + 512).
  const b = parameterBreakdown(configs.T);
  assert.equal(b.mapping, 2 * (512 * 512 + 512));
  assert.equal(b.input, 512 * 512 + 4 * 512 + 4);
  assert.equal(b.layers.length, 15);
  assert.equal(b.total, b.mapping + b.synthesis);
  // Ladder: D, E, F share the architecture (only filters differ); H = G + the input affine.
  const [d, e, f, g, h] = (['D', 'E', 'F', 'G', 'H'] as const).map((n) => parameterCount(configs[n]));
  assert.equal(d, e);
  assert.equal(e, f);
  assert.equal(h - g, 4 * 512 + 4);
  assert.ok(g > f, 'G has more channels at rates 64/128');
  // Conditional mapping: embed c·w + w and a wider first layer.
  const cond = parameterCount({ ...configs.T, cDim: 10 });
  assert.equal(cond - parameterCount(configs.T), 10 * 512 + 512 + 512 * 512);
});

test('configFromInitKwargs: official defaults, mapping_kwargs, and rejection of unknown keys', () => {
  const cfg = configFromInitKwargs({ z_dim: 16, w_dim: 16, img_resolution: 64, img_channels: 3 });
  const r = resolveConfig(cfg);
  assert.equal(r.channelBase, 32768);
  assert.equal(r.channelMax, 512);
  assert.equal(r.convKernel, 3);
  assert.equal(r.magnitudeEmaBeta, 0.999); // the signature default, not train.py's
  assert.equal(r.mappingLayers, 2);
  assert.equal(r.cDim, 0);
  const m = resolveConfig(
    configFromInitKwargs({
      z_dim: 16,
      w_dim: 16,
      img_resolution: 64,
      img_channels: 1,
      mapping_kwargs: { num_layers: 4, lr_multiplier: 0.1, w_avg_beta: 0.99 },
      conv_clamp: null,
      num_fp16_res: 0,
      filter_size: 4,
    }),
  );
  assert.equal(m.mappingLayers, 4);
  assert.equal(m.mappingLrMultiplier, 0.1);
  assert.equal(m.wAvgBeta, 0.99);
  assert.equal(m.convClamp, null);
  assert.equal(m.filterSize, 4);
  assert.ok(computeGeometry(m).layers.every((l) => !l.useFp16));
  assert.throws(
    () => configFromInitKwargs({ z_dim: 1, w_dim: 1, img_resolution: 8, img_channels: 3, foo: 1 }),
    {
      name: 'TypeError',
      message: /kwargs\.foo/,
    },
  );
  assert.throws(
    () =>
      configFromInitKwargs({
        z_dim: 1,
        w_dim: 1,
        img_resolution: 8,
        img_channels: 3,
        mapping_kwargs: { depth: 3 },
      }),
    { name: 'TypeError', message: /mapping_kwargs\.depth/ },
  );
  assert.throws(() => configFromInitKwargs({ z_dim: 1, w_dim: 1, img_channels: 3 }), /img_resolution/);
  assert.throws(
    () =>
      configFromInitKwargs({
        class_name: 'training.networks_stylegan2.Generator',
        z_dim: 1,
        w_dim: 1,
        img_resolution: 8,
        img_channels: 3,
      }),
    /class_name/,
  );
});

const BASE: GeneratorConfig = {
  imgResolution: 32,
  imgChannels: 3,
  zDim: 8,
  wDim: 8,
  mappingLayers: 2,
  channelBase: 1024,
  channelMax: 32,
};

test('bad configs throw errors naming the field and the value', () => {
  const cases: [Record<string, unknown>, 'TypeError' | 'RangeError', RegExp][] = [
    [{ imgResolution: 100 }, 'RangeError', /imgResolution.*100/],
    [{ imgResolution: 2 }, 'RangeError', /imgResolution.*2/],
    [{ imgResolution: 32.5 }, 'TypeError', /imgResolution.*32\.5/],
    [{ imgChannels: 0 }, 'RangeError', /imgChannels.*0/],
    [{ zDim: undefined }, 'TypeError', /zDim.*undefined/],
    [{ wDim: '8' }, 'TypeError', /wDim/],
    [{ channelBase: 0 }, 'RangeError', /channelBase.*0/],
    [{ channelBase: -5 }, 'RangeError', /channelBase.*-5/],
    [{ channelMax: Number.NaN }, 'TypeError', /channelMax.*NaN/],
    [{ channelBase: 1 }, 'RangeError', /channelBase.*1.*0 channels/],
    [{ numLayers: 2, numCritical: 2 }, 'RangeError', /numCritical.*2/],
    [{ numCritical: -1 }, 'RangeError', /numCritical/],
    [{ convKernel: 2 }, 'RangeError', /convKernel.*2/],
    [{ marginSize: -1 }, 'RangeError', /marginSize/],
    [{ filterSize: 0 }, 'RangeError', /filterSize/],
    [{ lreluUpsampling: 1.5 }, 'TypeError', /lreluUpsampling/],
    [{ lastStopbandRel: 0.5 }, 'RangeError', /lastStopbandRel/],
    [{ firstStopband: 1 }, 'RangeError', /firstStopband/],
    [{ magnitudeEmaBeta: 1.5 }, 'RangeError', /magnitudeEmaBeta.*1\.5/],
    [{ convClamp: -1 }, 'RangeError', /convClamp/],
    [{ useRadialFilters: 1 }, 'TypeError', /useRadialFilters/],
    [{ foo: 1 }, 'TypeError', /config\.foo/],
    [{ ladder: { schedule: 'weird' } }, 'TypeError', /ladder\.schedule.*weird/],
    [{ ladder: { bogus: true } }, 'TypeError', /ladder\.bogus/],
    [{ ladder: { cutoff: 'noncritical' } }, 'RangeError', /ladder\.cutoff/],
    [{ ladder: { inputSamplingRate: 4 } }, 'RangeError', /inputSamplingRate.*16/],
    [{ ladder: { upFilter: 'binomial' } }, 'RangeError', /upFilter/],
    [{ ladder: { schedule: 'rigid', inputSamplingRate: 3 } }, 'RangeError', /inputSamplingRate.*3/],
    [{ ladder: { schedule: 'rigid' }, numLayers: 12 }, 'RangeError', /numLayers must be 8.*got 12/],
    [{ ladder: { schedule: 'rigid', inputSamplingRate: 2 } }, 'RangeError', /firstCutoff/],
  ];
  for (const [patch, name, message] of cases) {
    const cfg = { ...BASE, ...patch } as GeneratorConfig;
    assert.throws(() => computeGeometry(cfg), { name, message }, JSON.stringify(patch));
  }
  assert.throws(() => computeGeometry(null as unknown as GeneratorConfig), {
    name: 'TypeError',
    message: /config/,
  });
  assert.throws(
    () => computeGeometry({ ...BASE, ladder: 'rigid' } as unknown as GeneratorConfig),
    /config\.ladder/,
  );
  // Rigid schedule at 32²: 2·(log2(32/4)+1) = 8 layers are fine.
  assert.equal(computeGeometry({ ...BASE, ladder: { schedule: 'rigid' } }).layers.length, 9);
});

test('ladderCapacity: D–H and T share C_base 2^14 and C_max; R doubles both; ABLATION_CAPACITY is 512', async () => {
  const { ladderCapacity, ABLATION_CAPACITY } = await import('../../src/generator/config.js');
  const c = ladderCapacity(64);
  for (const n of ['D', 'E', 'F', 'G', 'H', 'T'] as const)
    assert.deepEqual(c[n], { channelBase: 16384, channelMax: 64 });
  assert.deepEqual(c.R, { channelBase: 32768, channelMax: 128 });
  assert.deepEqual(ABLATION_CAPACITY.T, { channelBase: 16384, channelMax: 512 });
  assert.deepEqual(ABLATION_CAPACITY.R, { channelBase: 32768, channelMax: 1024 });
  assert.ok(Object.isFrozen(c.R));
  assert.throws(() => ladderCapacity(0), /channelMax must be an integer >= 1, got 0/);
  assert.throws(() => ladderCapacity(2.5), /channelMax must be an integer >= 1, got 2.5/);
});
