/**
 * Network pickle reading: load time and peak memory for a 1024² stylegan3-t sized snapshot.
 *
 * No official 1024² pickle can be downloaded here, so one is synthesised: the key layout and shapes
 * of the official stylegan3-t generator at 1024² with train.py's capacity (channel base 32768, max 512,
 * z/w 512, 2 mapping layers; 114 state_dict entries, 22.3 M values, 85 MiB of float32) come from
 * `stateLayout(computeGeometry(configAt('T', 1024)))`, filled with seeded pseudo-random float32 values,
 * and written by `writeNetworkPickle` in the official snapshot structure (persistent records,
 * OrderedDicts, legacy torch.save storages). Differences from a released snapshot: G and G_ema are one
 * memoised object and D / augment_pipe are None, so the file holds one network (≈ 85 MiB instead of
 * ≈ 280 MiB with G, D and G_ema); per-byte costs carry over.
 *
 * Peak memory is measured in a child process (peak RSS, Linux `VmHWM`, before and after one
 * `readNetworkPickle` of the file), so the writer's allocations do not mask it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timeMedian, type BenchRow } from './harness.js';
import {
  readNetworkPickle,
  summarizePickle,
  writeNetworkPickle,
  type GeneratorSnapshot,
} from '../src/io/pickle/network.js';
import { computeGeometry, configAt, stateLayout } from '../src/generator/index.js';

const HERE = fileURLToPath(import.meta.url);

/** A 1024² stylegan3-t sized snapshot with seeded values (xorshift32 → uniform in [−1, 1)). */
export function syntheticSnapshot(seed = 1): GeneratorSnapshot {
  const config = configAt('T', 1024);
  const geometry = computeGeometry(config);
  let s = seed >>> 0 || 1;
  const state: GeneratorSnapshot['state'] = new Map();
  for (const { key, shape } of stateLayout(geometry)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      data[i] = (s >>> 0) / 2 ** 31 - 1;
    }
    state.set(key, { shape, data });
  }
  const initKwargs = {
    class_name: 'training.networks_stylegan3.Generator',
    z_dim: config.zDim,
    w_dim: config.wDim,
    mapping_kwargs: { num_layers: config.mappingLayers },
    channel_base: config.channelBase,
    channel_max: config.channelMax,
    magnitude_ema_beta: config.magnitudeEmaBeta,
    c_dim: 0,
    img_resolution: config.imgResolution,
    img_channels: config.imgChannels,
  };
  return { initKwargs, state };
}

interface ChildReport {
  ms: number;
  baseRssMiB: number;
  fileRssMiB: number;
  peakRssMiB: number;
  heapDeltaMiB: number;
  arrayBuffersDeltaMiB: number;
  entries: number;
}

/**
 * Peak resident set size of this process in bytes: Linux `VmHWM` (reset by execve, unlike
 * `getrusage().ru_maxrss`, which a spawned child inherits from the forked parent), else maxRSS.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Child mode: read the pickle once and report time and memory. */
function childMain(path: string): void {
  const mib = (b: number) => b / 2 ** 20;
  const base = peakRss();
  const m0 = process.memoryUsage();
  const bytes = readFileSync(path);
  const fileRss = peakRss();
  const t0 = performance.now();
  const snap = readNetworkPickle(bytes);
  const ms = performance.now() - t0;
  const m1 = process.memoryUsage();
  const report: ChildReport = {
    ms,
    baseRssMiB: mib(base),
    fileRssMiB: mib(fileRss),
    peakRssMiB: mib(peakRss()),
    heapDeltaMiB: mib(m1.heapUsed - m0.heapUsed),
    arrayBuffersDeltaMiB: mib(m1.arrayBuffers - m0.arrayBuffers),
    entries: snap.state.size,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

export async function rows({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  const repeats = quick ? 2 : 5;

  // The tiny golden snapshots (official bytes).
  for (const tag of ['t32', 'r32']) {
    const bytes = new Uint8Array(
      readFileSync(fileURLToPath(new URL(`../test/golden/generators/${tag}/network.pkl`, import.meta.url))),
    );
    const ms = await timeMedian(() => readNetworkPickle(bytes), { repeats: quick ? 3 : 10, warmup: 2 });
    out.push({
      group: 'pickle',
      name: `readNetworkPickle golden ${tag} (G, D, G_ema)`,
      ms,
      extra: { MiB: bytes.length / 2 ** 20, 'MiB/s': bytes.length / 2 ** 20 / (ms / 1000) },
    });
  }

  const snap = syntheticSnapshot();
  let t0 = performance.now();
  const pkl = writeNetworkPickle(snap);
  const writeMs = performance.now() - t0;
  const mibSize = pkl.length / 2 ** 20;
  out.push({
    group: 'pickle',
    name: 'writeNetworkPickle 1024² T (synthetic)',
    ms: writeMs,
    extra: { MiB: mibSize },
  });

  // Sanity: the synthetic pickle reads back to the same snapshot.
  const back = readNetworkPickle(pkl);
  if (
    back.state.size !== snap.state.size ||
    JSON.stringify(back.initKwargs) !== JSON.stringify(snap.initKwargs)
  )
    throw new Error('synthetic pickle did not round-trip');

  const readMs = await timeMedian(() => readNetworkPickle(pkl), { repeats, warmup: 1 });
  out.push({
    group: 'pickle',
    name: 'readNetworkPickle 1024² T (in memory)',
    ms: readMs,
    extra: { MiB: mibSize, 'MiB/s': mibSize / (readMs / 1000) },
  });
  t0 = performance.now();
  const sumMs = await timeMedian(() => summarizePickle(pkl), { repeats, warmup: 1 });
  out.push({
    group: 'pickle',
    name: 'summarizePickle 1024² T (no decoding)',
    ms: sumMs,
    extra: { MiB: mibSize },
  });

  // Peak memory of one cold read in a fresh process.
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-bench-pkl-'));
  try {
    const file = join(dir, 't1024.pkl');
    writeFileSync(file, pkl);
    const r = spawnSync(process.execPath, ['--import', 'tsx', HERE, '--child', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`pickle bench child failed: ${r.stderr}`);
    const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
    out.push({
      group: 'pickle',
      name: 'readNetworkPickle 1024² T (cold, child process)',
      ms: rep.ms,
      extra: {
        MiB: mibSize,
        'file RSS MiB': rep.fileRssMiB - rep.baseRssMiB,
        'peak RSS Δ MiB': rep.peakRssMiB - rep.fileRssMiB,
        'heap Δ MiB': rep.heapDeltaMiB,
        'arrayBuffers Δ MiB': rep.arrayBuffersDeltaMiB,
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv[2] === '--child'
) {
  childMain(process.argv[3]);
}
