/**
 * `aliasfree generate`: PNG images for a list of seeds and a GIF that either translates or rotates
 * the input Fourier features (an equivariant generator moves its whole image; texture sticking
 * shows as details that stay put) or walks between the latents of consecutive seeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';
import { setBackend, describeBackend } from '../generator/backend.js';
import type { CliBackendName } from './options.js';
import type { ConfigName, StyleGAN2ConfigName } from '../generator/config.js';
import { StyleGAN2Generator, type NoiseMode } from '../generator/stylegan2/generator.js';
import type { AnyGenerator } from '../generator/weights.js';
import { imageToPng, tensorToTiles } from '../viz/figures/images.js';
import { encodeGif } from '../io/gif.js';
import { GeneratorPool } from '../generator/parallel/pool.js';
import { buildAnyGenerator, latents } from './build.js';
import { progress } from './progress.js';
import { countFiles, prepareOutDir } from './output.js';

export interface GenerateOptions {
  config: ConfigName | StyleGAN2ConfigName;
  weights?: string;
  resolution: number;
  channelBase?: number;
  channelMax?: number;
  seeds: number[];
  weightSeed: number;
  psi: number;
  animate: 'none' | 'translate' | 'rotate' | 'walk';
  frames: number;
  out: string;
  backend: CliBackendName;
  /** Worker threads (default 1 = this thread): each image is split across them by channels. */
  workers?: number;
  /** StyleGAN2 only: per-pixel noise 'random' (official default), 'const' or 'none'. */
  noiseMode?: NoiseMode;
  quiet?: boolean;
}

/**
 * synthesis(ws, transform) of either generator; StyleGAN2 gets the noise mode, StyleGAN3 has no
 * noise inputs.
 */
function synthesize(gen: AnyGenerator, ws: tf.Tensor3D, transform: number[] | null, noiseMode?: NoiseMode) {
  if (gen instanceof StyleGAN2Generator) return gen.synthesis(ws, { transform, noiseMode });
  return gen.synthesis(ws, { transform });
}

/** Transform of frame k of an animation: the inverse image transform written into the input. */
export function animationTransform(kind: 'translate' | 'rotate', k: number, frames: number): number[] {
  const phase = k / frames;
  if (kind === 'translate') {
    // One full circle of radius 1/8 image width: content moves by +t, so the input gets −t.
    const tx = 0.125 * Math.cos(2 * Math.PI * phase);
    const ty = 0.125 * Math.sin(2 * Math.PI * phase);
    return [1, 0, -tx, 0, 1, -ty, 0, 0, 1];
  }
  const a = 2 * Math.PI * phase;
  const c = Math.cos(-a);
  const s = Math.sin(-a);
  return [c, s, 0, -s, c, 0, 0, 0, 1];
}

async function toNd(t: tf.Tensor4D) {
  return ndarray((await t.data()) as Float32Array, t.shape.slice());
}

/**
 * Render the GIF frames for the first seed (or walk through all seeds). Translate/rotate frames
 * go through the worker pool when there is one (the walk interpolates in W, which the pool's
 * z-only interface cannot take, so it stays on this thread).
 */
async function animationFrames(
  gen: AnyGenerator,
  opts: GenerateOptions,
  ws: tf.Tensor3D,
  pool: GeneratorPool | null,
  z0: Float32Array,
) {
  const frames = [];
  // Frames are parts of one GIF: throttled in logs (see progress.ts).
  const prog = progress(`generate: ${opts.animate} frames`, opts.frames, { quiet: opts.quiet, units: false });
  for (let k = 0; k < opts.frames; k++) {
    let image: tf.Tensor4D;
    if (opts.animate === 'walk') {
      // Linear interpolation in W between consecutive seeds, looping back to the first.
      const n = ws.shape[0];
      const pos = (k / opts.frames) * n;
      const i = Math.floor(pos);
      const f = pos - i;
      const wk = tf.tidy(() => {
        const a = tf.slice(ws, [i, 0, 0], [1, -1, -1]);
        const b = tf.slice(ws, [(i + 1) % n, 0, 0], [1, -1, -1]);
        return tf.add(tf.mul(a, 1 - f), tf.mul(b, f)) as tf.Tensor3D;
      });
      image = synthesize(gen, wk, null, opts.noiseMode).image;
      wk.dispose();
    } else if (pool) {
      const transform = animationTransform(opts.animate as 'translate' | 'rotate', k, opts.frames);
      const { data, shape } = await pool.generate(z0.slice(), { psi: opts.psi, transform });
      image = tf.tensor4d(data, shape);
    } else {
      const w0 = tf.slice(ws, [0, 0, 0], [1, -1, -1]);
      image = synthesize(
        gen,
        w0,
        animationTransform(opts.animate as 'translate' | 'rotate', k, opts.frames),
        opts.noiseMode,
      ).image;
      w0.dispose();
    }
    const [tile] = tensorToTiles(await toNd(image), { range: [-1, 1] });
    image.dispose();
    frames.push(tile);
    prog.tick(k + 1);
  }
  return frames;
}

export async function runGenerate(opts: GenerateOptions): Promise<{ files: string[] }> {
  const info = await setBackend(opts.backend);
  if (!opts.quiet) process.stderr.write(`backend: ${describeBackend(info)}\n`);
  const gen = await buildAnyGenerator({ ...opts, config: opts.config });
  const sg2 = gen instanceof StyleGAN2Generator ? gen : null;
  if (opts.noiseMode !== undefined && !sg2) {
    gen.dispose();
    throw new RangeError(
      `--noise-mode ${opts.noiseMode} applies to StyleGAN2 generators (configs A–C or StyleGAN2 weights); this one has no noise inputs`,
    );
  }
  if (sg2 && opts.noiseMode !== undefined && opts.noiseMode !== 'none' && !sg2.config.useNoise) {
    gen.dispose();
    throw new RangeError(
      `--noise-mode ${opts.noiseMode}: this StyleGAN2 generator has no noise inputs (use none)`,
    );
  }
  // A StyleGAN2 with the learned 4×4 constant (config A) has no input to translate or rotate.
  let animate = opts.animate;
  if (sg2 && sg2.config.input === 'const' && (animate === 'translate' || animate === 'rotate')) {
    if (!opts.quiet)
      process.stderr.write(`generate: no ${animate} GIF: this StyleGAN2 starts from a learned constant\n`);
    animate = 'none';
  }
  prepareOutDir(opts.out);
  const files: string[] = [];
  const workers = opts.workers ?? 1;
  let pool: GeneratorPool | null = null;
  try {
    if (workers > 1 && sg2) {
      throw new RangeError('--workers: the worker pool runs StyleGAN3 generators only; use 1 for StyleGAN2');
    }
    if (workers > 1 && !sg2) {
      // The workers use the backend this thread got (the webgpu/tensorflow names map back to 'auto').
      const backend = info.name === 'wasm' || info.name === 'cpu' ? info.name : 'auto';
      pool = await GeneratorPool.create(gen as Exclude<AnyGenerator, StyleGAN2Generator>, {
        workers,
        backend,
      });
      if (!opts.quiet) process.stderr.write(`workers: ${pool.size} (split: ${pool.split})\n`);
    }
    const zDim = gen.config.zDim;
    const z = latents(opts.seeds, zDim);
    const zData = z.dataSync() as Float32Array;
    const ws = gen.mapping(z, { psi: opts.psi });
    z.dispose();
    const prog = progress('generate: images', opts.seeds.length, { quiet: opts.quiet });
    const images = [];
    for (let i = 0; i < opts.seeds.length; i++) {
      let nd;
      if (pool) {
        const { data, shape } = await pool.generate(zData.slice(i * zDim, (i + 1) * zDim), { psi: opts.psi });
        nd = ndarray(data, shape);
      } else {
        const wi = tf.slice(ws, [i, 0, 0], [1, -1, -1]);
        const { image } = synthesize(gen, wi, null, opts.noiseMode);
        wi.dispose();
        nd = await toNd(image);
        image.dispose();
      }
      const file = join(opts.out, `seed${String(opts.seeds[i]).padStart(4, '0')}.png`);
      imageToPng(nd, file);
      files.push(file);
      images.push(nd);
      prog.tick(i + 1);
    }
    if (images.length > 1) {
      const [, c, h, w] = images[0].shape;
      const all = new Float32Array(images.length * c * h * w);
      images.forEach((im, i) => all.set(im.data as Float32Array, i * c * h * w));
      const file = join(opts.out, 'grid.png');
      imageToPng(ndarray(all, [images.length, c, h, w]), file);
      files.push(file);
    }
    if (animate !== 'none') {
      const frames = await animationFrames(gen, { ...opts, animate }, ws, pool, zData.slice(0, zDim));
      const file = join(opts.out, `${animate}.gif`);
      writeFileSync(file, encodeGif(frames, { delayMs: 80 }));
      files.push(file);
    }
    ws.dispose();
    const meta = {
      config: opts.weights ? null : opts.config,
      weights: opts.weights ?? null,
      generator: gen.config,
      seeds: opts.seeds,
      psi: opts.psi,
      animate,
      noiseMode: sg2 ? (opts.noiseMode ?? 'random') : null,
      backend: info.name,
      workers: pool ? pool.size : 1,
      files,
    };
    writeFileSync(join(opts.out, 'generate.json'), JSON.stringify(meta, null, 2));
    // + generate.json
    if (!opts.quiet) console.log(`wrote ${countFiles(files.length + 1)} to ${opts.out}`);
    return { files };
  } finally {
    await pool?.close();
    gen.dispose();
  }
}
