/**
 * `npm run bench:gpu [-- options]`: time the generator on a GPU backend and print the same table as
 * the CPU bench (`bench/harness.ts` formatTable; median of repeats after one warm-up call, which
 * also compiles the shaders).
 *
 * Options:
 *   --backend webgpu|tensorflow|wasm|cpu|auto   backend to time (default webgpu; `wasm` is the dry run)
 *   --adapter default|vulkan|opengl             Dawn adapter for webgpu (default ALIASFREE_WEBGPU_ADAPTER or default)
 *   --cases T256x1,T256x8,R256x1,R256x8,T1024x1,T1024x8   configs, resolutions and batch sizes
 *   --generator DIR   time a saved/golden generator (its own resolution) instead; cases then `x<batch>` only
 *   --compare         also run each case once on wasm and print the max |Δ| relative to max |ref|
 *   --quick           3 repeats instead of 5
 *   --json FILE       also write the rows and the backend report as JSON
 *
 * The generators are freshly seeded (`createGenerator(configAt(name, res), {seed: 0})`): timing does
 * not depend on trained weights. GFLOP/s = 2 · macsPerImage · batch / time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatTable, type BenchRow } from './harness.js';
import { setBackend, backendInfo, type BackendAttempt, type BackendName } from '../src/generator/backend.js';
import { tryWebgpu, webgpuAdapter, type WebgpuAdapterMode } from '../src/generator/webgpu.js';
import { createGenerator, loadGenerator } from '../src/generator/weights.js';
import { configAt, type ConfigName } from '../src/generator/config.js';
import type { Generator } from '../src/generator/stylegan3/generator.js';

/** One timed case: config (or a loaded generator), resolution, batch. */
export interface GpuCase {
  label: string;
  config: ConfigName | null;
  resolution: number | null;
  batch: number;
}

const DEFAULT_CASES = 'T256x1,T256x8,R256x1,R256x8,T1024x1,T1024x8';
const BACKENDS = ['webgpu', 'tensorflow', 'wasm', 'cpu', 'auto'] as const;
type BenchBackend = (typeof BACKENDS)[number];

/** Parse `T256x8` (config T, 256², batch 8) or `x8` (loaded generator, batch 8). */
export function parseCases(spec: string, loaded: boolean): GpuCase[] {
  return spec.split(',').map((raw) => {
    const s = raw.trim();
    const m = loaded ? /^x(\d+)$/.exec(s) : /^([DEFGHTR])(\d+)x(\d+)$/.exec(s);
    if (!m) {
      throw new RangeError(
        `--cases entry must look like ${loaded ? 'x<batch> (with --generator)' : '<config><resolution>x<batch>, e.g. T256x8'}, got ${JSON.stringify(s)}`,
      );
    }
    if (loaded)
      return { label: `loaded, batch ${m[1]}`, config: null, resolution: null, batch: Number(m[1]) };
    return {
      label: `${m[1]} ${m[2]}² batch ${m[3]}`,
      config: m[1] as ConfigName,
      resolution: Number(m[2]),
      batch: Number(m[3]),
    };
  });
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new RangeError(`${name} needs a value`);
  return v;
}

/** Select the backend; `webgpu` goes through `tryWebgpu` (works with or without backend.ts knowing it). */
async function selectBackend(name: BenchBackend, adapter: WebgpuAdapterMode | undefined): Promise<string> {
  if (name !== 'webgpu') {
    await setBackend(name as BackendName | 'auto');
    return describeInfo();
  }
  // Initialise the ordinary order first so that later ensureBackend() calls keep this choice.
  await setBackend('cpu');
  const tried: BackendAttempt[] = [];
  if (!(await tryWebgpu(tried as never, adapter ? { adapter } : {}))) {
    throw new Error(`webgpu backend unavailable: ${tried.map((t) => t.reason).join('; ')}`);
  }
  return `backend webgpu (${tried[0].source})`;
}

function describeInfo(): string {
  const i = backendInfo();
  const skipped = i.tried.filter((t) => !t.ok).map((t) => `${t.source}: ${t.reason}`);
  return `backend ${i.name}${i.simd !== undefined ? ` (simd ${i.simd})` : ''}; ${i.reason}${skipped.length && !i.reason.includes('skipped') ? `; skipped ${skipped.join('; ')}` : ''}`;
}

function latents(batch: number, zDim: number, seed: number): Float32Array {
  // Deterministic, CPU-created latents (so that they can be re-created on another backend).
  const z = new Float32Array(batch * zDim);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < z.length; i += 2) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u1 = (s + 1) / 4294967297;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u2 = s / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    z[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < z.length) z[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return z;
}

async function makeGenerator(c: GpuCase, dir: string | undefined): Promise<Generator> {
  return dir ? loadGenerator(dir) : createGenerator(configAt(c.config!, c.resolution!), { seed: 0 });
}

/** One forward of `batch` images, awaited to completion (async read: GPU backends cannot read synchronously). */
async function forward(g: Generator, z: Float32Array, batch: number): Promise<Float32Array> {
  const zt = tf.tensor2d(z, [batch, g.config.zDim]);
  const { image } = g.generate(zt, { psi: 0.7 });
  const out = (await image.data()) as Float32Array;
  tf.dispose([zt, image]);
  return out;
}

/** Time every case on the selected backend; with `compare`, also the error against wasm. */
export async function gpuRows(opts: {
  backend: BenchBackend;
  adapter?: WebgpuAdapterMode;
  cases: GpuCase[];
  generator?: string;
  quick: boolean;
  compare: boolean;
}): Promise<{ rows: BenchRow[]; backend: string }> {
  const refs: (Float32Array | null)[] = [];
  if (opts.compare) {
    await setBackend('wasm');
    for (const c of opts.cases) {
      const g = await makeGenerator(c, opts.generator);
      refs.push(await forward(g, latents(c.batch, g.config.zDim, 1), c.batch));
      g.dispose();
    }
  }
  const backend = await selectBackend(opts.backend, opts.adapter);
  const rows: BenchRow[] = [];
  for (const [k, c] of opts.cases.entries()) {
    const g = await makeGenerator(c, opts.generator);
    const z = latents(c.batch, g.config.zDim, 1);
    const t0 = performance.now();
    const first = await forward(g, z, c.batch); // includes shader compilation / kernel setup
    const firstMs = performance.now() - t0;
    const times: number[] = [];
    for (let r = 0; r < (opts.quick ? 3 : 5); r++) {
      const t = performance.now();
      await forward(g, z, c.batch);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const extra: Record<string, string | number> = {
      'first call ms': firstMs,
      'img/s': (1000 * c.batch) / ms,
      'GFLOP/s': (2 * g.macsPerImage() * c.batch) / ms / 1e6,
    };
    const ref = refs[k];
    if (ref) {
      let m = 0;
      let e = 0;
      for (let i = 0; i < ref.length; i++) {
        m = Math.max(m, Math.abs(ref[i]));
        e = Math.max(e, Math.abs(ref[i] - first[i]));
      }
      extra['max|Δ|/max|ref|'] = (e / m).toExponential(2);
    }
    rows.push({ group: `gpu:${tf.getBackend()}`, name: c.label, ms, extra });
    g.dispose();
  }
  return { rows, backend };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const backend = (arg(args, '--backend') ?? 'webgpu') as BenchBackend;
  if (!BACKENDS.includes(backend))
    throw new RangeError(`--backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);
  const adapter = arg(args, '--adapter') as WebgpuAdapterMode | undefined;
  const generator = arg(args, '--generator');
  const cases = parseCases(arg(args, '--cases') ?? (generator ? 'x1,x8' : DEFAULT_CASES), Boolean(generator));
  const json = arg(args, '--json');
  const { rows, backend: report } = await gpuRows({
    backend,
    adapter,
    cases,
    generator,
    quick: args.includes('--quick'),
    compare: args.includes('--compare'),
  });
  const adapterInfo = webgpuAdapter();
  const text = `${report}\n${formatTable(rows)}\n`;
  // writeSync: the text must be out before a possible hard exit below.
  writeSync(1, text);
  if (json) writeFileSync(json, JSON.stringify({ backend: report, adapter: adapterInfo, rows }, null, 2));
  writeSync(1, 'bench:gpu done\n');
  if (adapterInfo?.mode === 'opengl') {
    // Dawn's OpenGL backend on Mesa llvmpipe crashes or hangs in its teardown at process exit;
    // everything is written, so leave without running the native destructors.
    process.kill(process.pid, 'SIGKILL');
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.env.ALIASFREE_BENCH_GPU_MAIN === '1') {
  main().catch((err: unknown) => {
    writeSync(2, `bench:gpu failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
