/**
 * A pool of generator replicas in `worker_threads`, for using more than one CPU core; StyleGAN3
 * (`Generator`) or StyleGAN2 (`StyleGAN2Generator`).
 *
 * Why: the wasm backend is single-threaded in Node (its pthread pool needs Web Workers), so one
 * process uses one core. Images of a batch are independent, so a pool of N workers — each with its
 * own wasm instance and its own copy of the weights — renders a batch about min(N, batch)× as fast
 * as one thread, less what the cores share (memory bandwidth: two workers measured 1.45× one on
 * the 2-core CI machine). Each worker costs one copy of the weights and its own activations.
 *
 * The batch is split into contiguous parts, one per worker, and the images come back in order.
 * Demodulated layers normalise the styles by their RMS over the *whole* batch (official
 * `modulated_conv2d`); the demodulation divides that factor out again, so a split batch gives the
 * same images up to float32 rounding (and the 1e-8 in the demodulation). StyleGAN2 has no such
 * batch statistic; its per-pixel noise ('const' and 'none' are deterministic) is the one thing a
 * split must take care of: with `noiseMode: 'random'` and a `noiseSeed`, each part draws the noise
 * its images get in the whole seeded batch (`noiseOffset`), so the images do not depend on the
 * split; without a seed the draws are fresh anyway, except in channel mode, where every worker of
 * an image must add the same noise: there the pool draws one seed for the call.
 *
 *     const gen = await createGenerator({...configs.T, imgResolution: 256}, {seed: 0});
 *     const pool = await GeneratorPool.create(gen, {workers: 2});
 *     const {data, shape} = await pool.generate(z);   // z: Float32Array [N·zDim] or number[][]
 *     await pool.close();
 */
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from './workers.js';
import { availableParallelism } from 'node:os';
import {
  parseTransform,
  type Generator,
  type MappingOptions,
  type Transform3x3,
} from '../stylegan3/generator.js';
import type { BackendName } from '../backend.js';
import type { ResolvedConfig } from '../types.js';
import { checkNoiseSeed } from '../stylegan2/synthesis.js';
import { StyleGAN2Generator } from '../stylegan2/generator.js';
import type { ResolvedStyleGAN2Config } from '../stylegan2/config.js';
import type { NoiseMode } from '../stylegan2/synthesis.js';

/** What a worker needs to rebuild the generator (structured-clone friendly). */
export type PoolWorkerInit = PoolWorkerState &
  (
    | { network: 'stylegan3'; config: ResolvedConfig }
    | { network: 'stylegan2'; config: ResolvedStyleGAN2Config }
  );

/** The weights and backend of a worker's replica (either architecture). */
export interface PoolWorkerState {
  initKwargs: Record<string, unknown> | null;
  state: [string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }][];
  backend: BackendName | 'auto';
}

/** A request to a worker: a block of latents. */
export interface PoolRequest {
  id: number;
  z: Float32Array;
  n: number;
  psi: number;
  cutoff: number | null;
  transform: number[] | null;
  /** StyleGAN2 only: the noise options of `StyleGAN2Generator.synthesis` for this block. */
  noise?: { noiseMode?: NoiseMode; noiseSeed?: number; noiseOffset?: number };
  /**
   * Channel mode: this worker computes channels `part` of `parts` of every layer of the whole
   * block; the slices meet in `data` (two halves, 2 × N × the largest activation, floats) and the
   * workers wait for each other on `ctrl` ([arrived, generation, abort], Int32).
   */
  split?: { part: number; parts: number; data: SharedArrayBuffer; ctrl: SharedArrayBuffer };
}

/** A worker's answer: the images NCHW, or an error message. */
export interface PoolResponse {
  id: number;
  data?: Float32Array;
  shape?: number[];
  error?: string;
}

/**
 * How `GeneratorPool.generate` shares the work: 'batch' = whole images per worker; 'channels' =
 * every worker renders a slice of the channels of every layer of every image, exchanging the
 * slices after each layer (the only way to put several cores on one image); 'auto' (default) =
 * whole images as long as every worker gets the same number, the remainder (fewer images than
 * workers) by channels.
 */
export type PoolSplit = 'auto' | 'batch' | 'channels';

/** Options of `GeneratorPool.create`: worker count, work sharing and the backend inside the workers. */
export interface PoolOptions {
  /** Number of workers (default: the number of CPU cores, at least 1). */
  workers?: number;
  /** Work sharing (default 'auto'); see `PoolSplit`. */
  split?: PoolSplit;
  /** Backend inside the workers (default 'auto': the same order as `setBackend()`). */
  backend?: BackendName | 'auto';
}

/**
 * Options of `GeneratorPool.generate`: truncation (ψ, cutoff) as `Generator.mapping`, the user
 * input transform, and for StyleGAN2 the noise.
 */
export interface PoolGenerateOptions extends Omit<MappingOptions, 'c'> {
  /** User input transform, 3×3 (row-major 9 numbers or rows), as `Generator.synthesis` (StyleGAN2: B/C only). */
  transform?: Transform3x3 | null;
  /** StyleGAN2 only: 'random' (default, as official), 'const' or 'none', as `StyleGAN2Generator.synthesis`. */
  noiseMode?: NoiseMode;
  /**
   * StyleGAN2 with `noiseMode: 'random'`: seed of the draws (a non-negative integer). The images
   * equal those of `StyleGAN2Generator.generate(z, {noiseMode: 'random', noiseSeed})` for the whole
   * batch, however it is split.
   */
  noiseSeed?: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: PoolResponse) => void; reject: (e: Error) => void }>;
}

/** Generator replicas in worker threads; see the module comment. */
export class GeneratorPool {
  /** Number of workers. */
  readonly size: number;
  readonly zDim: number;
  /** Work sharing of `generate` (see `PoolSplit`). */
  readonly split: PoolSplit;
  /** The architecture of the replicas. */
  readonly network: 'stylegan3' | 'stylegan2';
  private readonly slots: Slot[];
  /** Largest activation of one image that channel mode exchanges (floats: H·W·C of a layer). */
  private readonly activation: number;
  private shared: SharedArrayBuffer | null = null;
  private nextId = 1;
  private closed = false;

  private constructor(
    slots: Slot[],
    zDim: number,
    split: PoolSplit,
    activation: number,
    network: 'stylegan3' | 'stylegan2',
  ) {
    this.network = network;
    this.slots = slots;
    this.size = slots.length;
    this.zDim = zDim;
    this.split = split;
    this.activation = activation;
  }

  /** Start `workers` replicas of `gen` (its weights are copied into each worker). */
  static async create(
    gen: Generator | StyleGAN2Generator,
    { workers, backend = 'auto', split = 'auto' }: PoolOptions = {},
  ): Promise<GeneratorPool> {
    const count = workers ?? Math.max(1, availableParallelism());
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      throw new RangeError(`workers must be an integer in [1, 64], got ${workers}`);
    }
    if (split !== 'auto' && split !== 'batch' && split !== 'channels')
      throw new RangeError(`split must be 'auto', 'batch' or 'channels', got ${String(split)}`);
    // The layers channel mode splits (see the generators' synthesisPart); each must have a channel per part.
    const splitLayers = splitLayerSizes(gen);
    const minChannels = Math.min(...splitLayers.map((L) => L.channels));
    if (split === 'channels' && minChannels < count)
      throw new RangeError(`split 'channels' needs at least ${count} channels per layer, got ${minChannels}`);
    const activation = Math.max(0, ...splitLayers.map((L) => L.size * L.size * L.channels));
    const weights: PoolWorkerState = { initKwargs: gen.initKwargs, state: [...gen.stateDict()], backend };
    const init: PoolWorkerInit =
      gen instanceof StyleGAN2Generator
        ? { network: 'stylegan2', config: gen.config, ...weights }
        : { network: 'stylegan3', config: gen.config, ...weights };
    const slots: Slot[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const worker = await startSiblingWorker(import.meta.url, 'pool-worker', init);
        const slot: Slot = { worker, pending: new Map() };
        worker.on('message', (r: PoolResponse) => {
          const p = slot.pending.get(r.id);
          if (!p) return;
          slot.pending.delete(r.id);
          if (r.error) p.reject(new Error(r.error));
          else p.resolve(r);
        });
        worker.on('error', (e) => {
          for (const p of slot.pending.values()) p.reject(e);
          slot.pending.clear();
        });
        slots.push(slot);
      }
    } catch (err) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      throw err;
    }
    const mode: PoolSplit = split === 'auto' && minChannels < count ? 'batch' : split;
    return new GeneratorPool(slots, gen.config.zDim, mode, activation, init.network);
  }

  /**
   * Render the images of latents `z` ([N, zDim] rows, or flat N·zDim) across the workers.
   * Returns the images NCHW as one Float32Array (values as `Generator.generate`: about [−1, 1]).
   */
  async generate(
    z: Float32Array | number[][],
    { psi = 1, cutoff = null, transform = null, noiseMode, noiseSeed }: PoolGenerateOptions = {},
  ): Promise<Images> {
    if (this.closed) throw new Error('this GeneratorPool was closed');
    const flat = flattenLatents(z, this.zDim);
    const n = flat.length / this.zDim;
    if (typeof psi !== 'number' || !Number.isFinite(psi))
      throw new TypeError(
        `psi must be a finite number, got ${typeof psi === 'string' ? JSON.stringify(psi) : String(psi)}`,
      );
    const opts: BlockOptions = {
      psi,
      cutoff: cutoff ?? null,
      transform: transform === null ? null : Array.from(parseTransform(transform)),
      noise: this.noiseOptions(noiseMode, noiseSeed),
    };
    if (this.size === 1 || this.split === 'batch') return this.generateBatch(flat, opts);
    if (this.split === 'channels') return this.generateSplit(flat, opts);
    // 'auto': whole images while every worker gets the same number of them, the rest (fewer than
    // workers) split by channels — e.g. 5 images on 2 workers: 2 + 2 by image, then 1 on both.
    const whole = Math.floor(n / this.size) * this.size * this.zDim;
    if (whole === flat.length) return this.generateBatch(flat, opts);
    if (whole === 0) return this.generateSplit(flat, opts);
    return stackImages([
      await this.generateBatch(flat.subarray(0, whole), opts),
      await this.generateSplit(flat.subarray(whole), opts, whole / this.zDim),
    ]);
  }

  /** The checked noise options of a StyleGAN2 call (undefined for StyleGAN3, which has no noise). */
  private noiseOptions(noiseMode: unknown, noiseSeed: unknown): PoolRequest['noise'] {
    if (this.network === 'stylegan3') {
      if (noiseMode !== undefined || noiseSeed !== undefined)
        throw new RangeError(
          'noiseMode and noiseSeed apply to StyleGAN2 generators; this pool runs StyleGAN3',
        );
      return undefined;
    }
    if (noiseMode !== undefined && noiseMode !== 'const' && noiseMode !== 'none' && noiseMode !== 'random')
      throw new RangeError(`noiseMode must be 'const', 'none' or 'random', got ${JSON.stringify(noiseMode)}`);
    const seed = checkNoiseSeed(noiseSeed, noiseMode ?? 'random');
    return { noiseMode, noiseSeed: seed ?? undefined };
  }

  /**
   * The options of the block of images `start …` of this call: seeded noise continues the
   * batch's draws at `start` (see `StyleGAN2SynthesisOptions.noiseOffset`).
   */
  private blockOptions(opts: BlockOptions, start: number): BlockOptions {
    if (opts.noise?.noiseSeed === undefined) return opts;
    return { ...opts, noise: { ...opts.noise, noiseOffset: start } };
  }

  /** Image split: contiguous parts, as equal as possible, one per worker (fewer for small N). */
  private async generateBatch(flat: Float32Array, opts: BlockOptions, first = 0): Promise<Images> {
    const n = flat.length / this.zDim;
    const parts = Math.min(this.size, n);
    const jobs: Promise<PoolResponse>[] = [];
    let start = 0;
    for (let p = 0; p < parts; p++) {
      const m = Math.floor(n / parts) + (p < n % parts ? 1 : 0);
      const z = flat.slice(start * this.zDim, (start + m) * this.zDim);
      jobs.push(this.send(p, { id: this.nextId++, z, n: m, ...this.blockOptions(opts, first + start) }));
      start += m;
    }
    return stackImages(await Promise.all(jobs));
  }

  /** Post `req` to worker `p`; resolves with its answer. */
  private send(p: number, req: PoolRequest): Promise<PoolResponse> {
    const slot = this.slots[p];
    return new Promise<PoolResponse>((resolve, reject) => {
      slot.pending.set(req.id, { resolve, reject });
      slot.worker.postMessage(req, [req.z.buffer]);
    });
  }

  /**
   * Channel mode: all workers on the whole block (images `first …` of the call), part 0 returns the
   * images. Unseeded random noise gets one seed for the block: every part must add the same noise.
   */
  private async generateSplit(flat: Float32Array, opts: BlockOptions, first = 0): Promise<Images> {
    const noise = opts.noise;
    if (noise && (noise.noiseMode ?? 'random') === 'random' && noise.noiseSeed === undefined)
      opts = { ...opts, noise: { ...noise, noiseSeed: randomSeed() } };
    else opts = this.blockOptions(opts, first);
    const n = flat.length / this.zDim;
    const floats = 2 * n * this.activation;
    if (!this.shared || this.shared.byteLength < floats * 4) this.shared = new SharedArrayBuffer(floats * 4);
    const ctrl = new SharedArrayBuffer(3 * 4);
    const jobs: Promise<PoolResponse>[] = [];
    for (let p = 0; p < this.size; p++) {
      const split = { part: p, parts: this.size, data: this.shared, ctrl };
      jobs.push(this.send(p, { id: this.nextId++, z: flat.slice(), n, ...opts, split }));
    }
    const results = await Promise.allSettled(jobs);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Report the worker that failed first, not the ones it released from the barrier.
    const cause = failed.find((r) => !/another worker/.test(String(r.reason))) ?? failed[0];
    if (cause) throw cause.reason;
    return stackImages([(results[0] as PromiseFulfilledResult<PoolResponse>).value]);
  }

  /** Stop the workers (pending requests are rejected). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      for (const p of s.pending.values()) p.reject(new Error('GeneratorPool closed'));
      s.pending.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Images NCHW, as `generate` returns them. */
export type Images = { data: Float32Array; shape: [number, number, number, number] };

/** The per-request options of a block of latents. */
type BlockOptions = Pick<PoolRequest, 'psi' | 'cutoff' | 'transform' | 'noise'>;

/** A fresh noise seed (a non-negative integer below 2^43, as `noiseSeed` allows). */
function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 43);
}

/**
 * Size and channels of each layer that channel mode splits: StyleGAN3's layers but ToRGB;
 * StyleGAN2's conv0 and conv1 of every block (ToRGB runs whole on part 0).
 */
function splitLayerSizes(gen: Generator | StyleGAN2Generator): { size: number; channels: number }[] {
  if (gen instanceof StyleGAN2Generator)
    return gen.layout.blocks.flatMap((b) =>
      [b.conv0, b.conv1].flatMap((L) => (L ? [{ size: L.resolution, channels: L.outChannels }] : [])),
    );
  return gen.geometry.layers.slice(0, -1).map((L) => ({ size: L.outSize, channels: L.outChannels }));
}

/** Concatenate blocks of images (worker answers or earlier results) along the batch axis. */
function stackImages(blocks: { data?: Float32Array; shape?: number[] }[]): Images {
  const [n, c, h, w] = blocks[0].shape!;
  if (blocks.length === 1) return { data: blocks[0].data!, shape: [n, c, h, w] };
  const data = new Float32Array(blocks.reduce((a, b) => a + b.data!.length, 0));
  let offset = 0;
  for (const b of blocks) {
    data.set(b.data!, offset);
    offset += b.data!.length;
  }
  return { data, shape: [offset / (c * h * w), c, h, w] };
}

function flattenLatents(z: Float32Array | number[][], zDim: number): Float32Array {
  if (z instanceof Float32Array) {
    if (z.length === 0 || z.length % zDim !== 0) {
      throw new RangeError(`z must hold N·${zDim} numbers (N ≥ 1), got ${z.length}`);
    }
    for (const v of z) if (!Number.isFinite(v)) throw new TypeError('z must be finite (found NaN or ±Inf)');
    return z;
  }
  if (!Array.isArray(z) || z.length === 0)
    throw new TypeError('z must be a Float32Array or a non-empty number[][]');
  const out = new Float32Array(z.length * zDim);
  z.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== zDim) {
      throw new RangeError(
        `z rows must have length ${zDim}, row ${i} has ${Array.isArray(row) ? row.length : typeof row}`,
      );
    }
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new TypeError(`z[${i}][${j}] must be finite, got ${v}`);
      out[i * zDim + j] = v;
    });
  });
  return out;
}
