/**
 * The WebGPU route (`src/generator/webgpu.ts`): option parsing, the reason recorded for every way
 * the route can fail (package missing, no adapter, software adapter refused), the device-side input
 * features against the CPU version of the input layer (golden generators, wasm backend), and a real
 * Dawn adapter on Mesa llvmpipe (OpenGL, compatibility) running the generator's ops against cpu.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath, assertCloseToMax } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { SynthesisInputLayer } from '../../src/generator/stylegan3/synthesis-input.js';
import {
  tryWebgpu,
  webgpuOptionsFromEnv,
  summarizeAdapter,
  describeAdapter,
  inputFeaturesTf,
  backendReadsSync,
  webgpuAdapter,
  vulkanDrivers,
  WEBGPU_ADAPTER_ENV,
  type DawnModule,
  type DawnAdapter,
  type WebgpuAttempt,
} from '../../src/generator/webgpu.js';

const HERE = dirname(fileURLToPath(import.meta.url));

before(async () => {
  await setBackend('wasm');
});

/** A fake `webgpu` module whose instance returns `adapter` (records the flags and options used). */
function fakeDawn(
  adapter: DawnAdapter | null,
  seen: { flags?: string[]; options?: Record<string, unknown> } = {},
): () => Promise<DawnModule> {
  return async () => ({
    globals: {},
    create(flags: string[]) {
      seen.flags = flags;
      return {
        async requestAdapter(options?: Record<string, unknown>) {
          seen.options = options;
          return adapter;
        },
      };
    },
  });
}
const adapterNamed = (device: string, description = ''): DawnAdapter => ({
  info: { vendor: '', architecture: '', device, description },
  features: { has: () => false },
  limits: {},
  requestDevice: async () => {
    throw new Error('fake adapter has no device');
  },
});

test('webgpuOptionsFromEnv parses the adapter mode and the software switch, and names bad values', () => {
  assert.deepEqual(webgpuOptionsFromEnv({}), {});
  assert.deepEqual(webgpuOptionsFromEnv({ [WEBGPU_ADAPTER_ENV]: 'opengl' }), { adapter: 'opengl' });
  assert.deepEqual(webgpuOptionsFromEnv({ ALIASFREE_WEBGPU_ALLOW_SOFTWARE: 'true' }), {
    allowSoftware: true,
  });
  assert.deepEqual(webgpuOptionsFromEnv({ ALIASFREE_WEBGPU_ALLOW_SOFTWARE: '0' }), { allowSoftware: false });
  assert.throws(
    () => webgpuOptionsFromEnv({ [WEBGPU_ADAPTER_ENV]: 'metal' }),
    (e: Error) => e instanceof RangeError && /ALIASFREE_WEBGPU_ADAPTER.*"metal"/.test(e.message),
  );
  assert.throws(
    () => webgpuOptionsFromEnv({ ALIASFREE_WEBGPU_ALLOW_SOFTWARE: 'yes' }),
    (e: Error) => e instanceof RangeError && /ALIASFREE_WEBGPU_ALLOW_SOFTWARE.*"yes"/.test(e.message),
  );
});

test('summarizeAdapter flags CPU rasterisers and the fallback adapter as software', () => {
  assert.equal(summarizeAdapter(adapterNamed('llvmpipe-llvm-15-0-6-256-bits-'), 'opengl').software, true);
  assert.equal(summarizeAdapter(adapterNamed('', 'SwiftShader Device (Subzero)'), 'vulkan').software, true);
  assert.equal(summarizeAdapter(adapterNamed('NVIDIA H100 80GB HBM3'), 'default').software, false);
  const fb = { ...adapterNamed('x'), info: { device: 'x', isFallbackAdapter: true } };
  assert.equal(summarizeAdapter(fb, 'default').software, true);
  const s = summarizeAdapter(adapterNamed('llvmpipe'), 'opengl');
  assert.equal(s.featureLevel, 'compatibility');
  assert.match(describeAdapter(s), /^opengl\/compatibility llvmpipe \(software\)$/);
});

test('tryWebgpu records a clear reason for each failure and leaves the backend unchanged', async () => {
  const cases: { name: string; opts: Parameters<typeof tryWebgpu>[1]; reason: RegExp; flags?: string[] }[] = [
    {
      name: 'package missing',
      opts: {
        loadDawn: async () => {
          throw new Error("Cannot find package 'webgpu'");
        },
      },
      reason: /optional package "webgpu".*Cannot find package/,
    },
    {
      name: 'no GPU adapter',
      opts: { loadDawn: fakeDawn(null) },
      reason: /Dawn found no GPU adapter.*ALIASFREE_WEBGPU_ADAPTER=opengl/,
      flags: [],
    },
    {
      name: 'no Vulkan adapter',
      opts: { adapter: 'vulkan', loadDawn: fakeDawn(null) },
      reason: /no Vulkan GPU adapter/,
      flags: ['backend=vulkan'],
    },
    {
      name: 'no OpenGL adapter',
      opts: { adapter: 'opengl', loadDawn: fakeDawn(null) },
      reason: /no OpenGL adapter.*libegl1/,
      flags: ['backend=opengl'],
    },
    {
      name: 'software adapter refused',
      opts: { loadDawn: fakeDawn(adapterNamed('llvmpipe-llvm-15')) },
      reason: /software adapter was found \(llvmpipe-llvm-15\), refused.*ALIASFREE_WEBGPU_ALLOW_SOFTWARE=1/,
    },
  ];
  for (const c of cases) {
    const tried: WebgpuAttempt[] = [];
    const seen: { flags?: string[]; options?: Record<string, unknown> } = {};
    const opts =
      c.opts && c.opts.loadDawn && c.name !== 'package missing'
        ? { ...c.opts, loadDawn: rewrap(c.opts.loadDawn, seen) }
        : c.opts;
    assert.equal(await tryWebgpu(tried, opts), false, c.name);
    assert.equal(tried.length, 1, c.name);
    assert.equal(tried[0].name, 'webgpu');
    assert.equal(tried[0].ok, false);
    assert.match(tried[0].reason ?? '', c.reason, c.name);
    if (c.flags) assert.deepEqual(seen.flags, c.flags, c.name);
    assert.equal(tf.getBackend(), 'wasm', c.name);
    assert.equal(webgpuAdapter(), null);
  }
  // The OpenGL mode asks for a compatibility-level adapter.
  const seen: { options?: Record<string, unknown> } = {};
  await tryWebgpu([], { adapter: 'opengl', loadDawn: fakeDawn(null, seen) });
  assert.equal(seen.options?.featureLevel, 'compatibility');
});

/** Keep the fake but let the test see what it was called with. */
function rewrap(
  load: () => Promise<DawnModule>,
  seen: { flags?: string[]; options?: Record<string, unknown> },
) {
  return async () => {
    const m = await load();
    return {
      globals: m.globals,
      create(flags: string[]) {
        seen.flags = flags;
        const gpu = m.create(flags);
        return {
          requestAdapter: (o?: Record<string, unknown>) => {
            seen.options = o;
            return gpu.requestAdapter(o);
          },
        };
      },
    };
  };
}

test('tryWebgpu turns a bad ALIASFREE_WEBGPU_ADAPTER into a recorded reason', async () => {
  const old = process.env[WEBGPU_ADAPTER_ENV];
  process.env[WEBGPU_ADAPTER_ENV] = 'directx';
  try {
    const tried: WebgpuAttempt[] = [];
    assert.equal(await tryWebgpu(tried, { loadDawn: fakeDawn(null) }), false);
    assert.match(
      tried[0].reason ?? '',
      /ALIASFREE_WEBGPU_ADAPTER must be one of default, vulkan, opengl, got "directx"/,
    );
  } finally {
    if (old === undefined) delete process.env[WEBGPU_ADAPTER_ENV];
    else process.env[WEBGPU_ADAPTER_ENV] = old;
  }
  await assert.rejects(() => tryWebgpu([], { adapter: 'metal' as never }), RangeError);
});

test('backendReadsSync is true on wasm', () => {
  assert.equal(backendReadsSync(), true);
});

// Device-side input features (used when the backend cannot read synchronously) equal the CPU ones.
const tags = readdirSync(goldenPath('generators')).filter((d) =>
  statSync(goldenPath('generators', d)).isDirectory(),
);
for (const tag of tags) {
  test(`inputFeaturesTf equals SynthesisInputLayer.transformFeatures (${tag})`, async () => {
    const g = await loadGenerator(goldenPath('generators', tag));
    const state = g.stateDict();
    const layer = new SynthesisInputLayer(g.geometry.input, state);
    const f32 = (k: string) => Float32Array.from(state.get(k)!.data as ArrayLike<number>);
    const freqs = f32('synthesis.input.freqs');
    const phases = f32('synthesis.input.phases');
    const n = 3;
    // Learned-transform values as the affine would give them, and a rotation + translation by the user.
    const t = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(1.3 * i + 0.4) * (i % 4 < 2 ? 1 : 0.2));
    const a = 0.3;
    const user = Float32Array.from([
      Math.cos(a),
      -Math.sin(a),
      0.07,
      Math.sin(a),
      Math.cos(a),
      -0.05,
      0,
      0,
      1,
    ]);
    const { bandwidth, samplingRate, hardBandCut } = g.geometry.input;
    for (const withT of [true, false]) {
      const ref = layer.transformFeatures(withT ? t : null, n, user);
      const tt = withT ? tf.tensor2d(t, [n, 4]) : null;
      const got = inputFeaturesTf(tt, n, user, freqs, phases, bandwidth, samplingRate, hardBandCut);
      for (const k of ['fx', 'fy', 'ph', 'amp'] as const) {
        assert.deepEqual(got[k].shape, [n, phases.length]);
        assertCloseToMax(got[k].dataSync(), ref[k], 1e-5, `${tag} ${k} (learned transform ${withT})`);
      }
      tf.dispose([got.fx, got.fy, got.ph, got.amp]);
      if (tt) tt.dispose();
    }
    layer.dispose();
    g.dispose();
  });
}

test('inputFeaturesTf names bad arguments', () => {
  const f = new Float32Array(4);
  const p = new Float32Array(2);
  assert.throws(
    () => inputFeaturesTf(null, 0, new Float32Array(9), f, p, 1, 4, false),
    /n must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => inputFeaturesTf(null, 1, new Float32Array(6), f, p, 1, 4, false),
    /user must hold 9 numbers/,
  );
  assert.throws(
    () => inputFeaturesTf(null, 1, new Float32Array(9), new Float32Array(3), p, 1, 4, false),
    /freqs must hold 2·2 numbers, got 3/,
  );
  const bad = tf.zeros([2, 4]) as tf.Tensor2D;
  assert.throws(
    () => inputFeaturesTf(bad, 1, new Float32Array(9), f, p, 1, 4, false),
    /t must have shape \[1, 4\], got \[2, 4\]/,
  );
  bad.dispose();
});

// A real Dawn adapter: OpenGL on Mesa llvmpipe. Dawn's GL backend on llvmpipe (webgpu 0.6.2, Mesa
// 22.3) crashes or hangs now and then — more often the more tensors a process uploads and the busier
// the machine (docs/gpu.md) — so the ops run in a few short child processes, each of which prints
// its result and kills itself; a group whose process printed nothing is run again (at most 8 runs of
// at most 60 s each; one normally takes 2–4 s). What is asserted does not depend on which run
// succeeded: every op of every group must equal cpu.
const GROUPS = [
  ['matMul', 'conv2d', 'depthwiseConv2d', 'sinMul'],
  ['leakyReluGain', 'clip', 'padSlice', 'transposeReshape'],
  ['meanRsqrt', 'sumConcat', 'stridedUpsample'],
  ['inputFeatures'],
];

/** Run the child on `cases` until one run prints its result; returns it (or null) and the log. */
function llvmpipeRun(cases: string[]): { result: Record<string, unknown> | null; log: string } {
  let log = '';
  for (let run = 0; run < 8; run++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'webgpu-child.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, [WEBGPU_ADAPTER_ENV]: 'opengl', ALIASFREE_CHILD_CASES: cases.join(',') },
    });
    log += `run ${run}: status ${r.status} signal ${r.signal}\n${r.stderr
      .split('\n')
      .filter((l) => l && !l.startsWith('Warning'))
      .join('\n')}\n`;
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (line) return { result: JSON.parse(line.slice(7)) as Record<string, unknown>, log };
  }
  return { result: null, log };
}

test('webgpu on Dawn/OpenGL (llvmpipe): backend selected, adapter reported, ops equal cpu', () => {
  const errs: Record<string, number> = {};
  for (const cases of GROUPS) {
    const { result, log } = llvmpipeRun(cases);
    assert.ok(
      result,
      `the llvmpipe child (${cases.join(', ')}) printed no result in 8 runs (needs libegl1 libegl-mesa0 libgl1-mesa-dri):\n${log.slice(-3000)}`,
    );
    assert.equal(result.ok, true, JSON.stringify(result.tried));
    assert.equal(result.backend, 'webgpu');
    const adapter = result.adapter as { mode: string; software: boolean; featureLevel: string };
    assert.equal(adapter.mode, 'opengl');
    assert.equal(adapter.featureLevel, 'compatibility');
    assert.equal(adapter.software, true);
    assert.equal(result.readsSync, false);
    assert.match(String(result.syncError), /impossible with WebGPU in Node.*await tensor\.data\(\)/);
    Object.assign(errs, result.errors as Record<string, number>);
  }
  assert.deepEqual(Object.keys(errs).sort(), GROUPS.flat().sort());
  for (const [op, e] of Object.entries(errs)) assert.ok(e <= 1e-5, `${op}: max|Δ|/max|ref| = ${e}`);
});

test('skipWithoutDriver: no Dawn load without a hardware Vulkan driver manifest', async () => {
  const drivers = await vulkanDrivers({ VK_DRIVER_FILES: '/nonexistent/nvidia_icd.json' });
  assert.deepEqual(drivers, []);
  const old = process.env.VK_DRIVER_FILES;
  process.env.VK_DRIVER_FILES = '/nonexistent/nvidia_icd.json';
  try {
    const tried: WebgpuAttempt[] = [];
    let loaded = false;
    const loadDawn = async () => {
      loaded = true;
      return fakeDawn(null)();
    };
    assert.equal(await tryWebgpu(tried, { skipWithoutDriver: true, loadDawn }), false);
    assert.equal(loaded, false);
    assert.match(tried[0].reason ?? '', /no hardware Vulkan driver manifest found/);
    // An explicit mode always tries.
    assert.equal(await tryWebgpu([], { skipWithoutDriver: true, adapter: 'vulkan', loadDawn }), false);
    assert.equal(loaded, true);
  } finally {
    if (old === undefined) delete process.env.VK_DRIVER_FILES;
    else process.env.VK_DRIVER_FILES = old;
  }
});
