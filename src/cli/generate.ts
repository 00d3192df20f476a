/**
 * `aliasfree generate`: PNG images for a list of seeds and a GIF that either translates or rotates
 * the input Fourier features (an equivariant generator moves its whole image; texture sticking
 * shows as details that stay put), walks between the latents of consecutive seeds or interpolates
 * from the first seed's to the second's in W.
 *
 * With `--compare` it renders one motion for several networks side by side instead (the paper's
 * Fig. 1 videos, `buildMotionComparison`): `compare-<kind>.gif` and/or `.mp4`. Networks must share
 * one output resolution — a run that mixes them is refused, since resampling one network's output
 * would change the aliasing the video is meant to show.
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
import { writeMp4 } from '../io/mp4.js';
import { GeneratorPool } from '../generator/parallel/pool.js';
import { buildMotionComparison, type MotionNetwork } from '../viz/motion/comparison.js';
import { buildAnyGenerator, latentForSeed, latents } from './build.js';
import { generateUsageError, type CompareItem, type VideoFormat } from './generate-options.js';
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
  animate: 'none' | 'translate' | 'rotate' | 'walk' | 'interpolate';
  frames: number;
  /** Networks to show side by side (presets and/or weights); at least 2. */
  compare?: CompareItem[];
  /** Frames per second of the GIF/MP4 (default 12.5: 80 ms per frame). */
  fps?: number;
  /** Which videos to write (default gif). */
  format?: VideoFormat[];
  /** Amplification of the comparison's difference row (default: buildMotionComparison's). */
  gain?: number;
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
 * Render the animation frames for the first seed (or walk through all seeds, or interpolate from
 * the first to the second). Translate/rotate frames go through the worker pool when there is one
 * (walk and interpolate blend in W, which the pool's z-only interface cannot take, so they stay on
 * this thread).
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
    if (opts.animate === 'interpolate') {
      // From the first latent to the second in W (rows 0 and 1 of ws), ends included.
      const f = k / (opts.frames - 1);
      const wk = tf.tidy(() => {
        const a = tf.slice(ws, [0, 0, 0], [1, -1, -1]);
        const b = tf.slice(ws, [1, 0, 0], [1, -1, -1]);
        return tf.add(tf.mul(a, 1 - f), tf.mul(b, f)) as tf.Tensor3D;
      });
      image = synthesize(gen, wk, null, opts.noiseMode).image;
      wk.dispose();
    } else if (opts.animate === 'walk') {
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
      const { data, shape } = await pool.generate(z0.slice(), {
        psi: opts.psi,
        transform,
        noiseMode: opts.noiseMode,
      });
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

/** The GIF frame delay for `fps` (GIF stores hundredths of a second, so 12.5 fps → 80 ms exactly). */
function gifDelayMs(fps: number | undefined): number {
  return Math.max(10, Math.round(100 / (fps ?? 12.5)) * 10);
}

/**
 * Write the requested videos of `frames` as `<stem>.gif` / `<stem>.mp4`; returns the files written
 * and the notes to report (an MP4 that ffmpeg's absence skipped).
 */
async function writeVideos(
  frames: { width: number; height: number; rgba: Uint8Array }[],
  out: string,
  stem: string,
  opts: Pick<GenerateOptions, 'fps' | 'format' | 'quiet'>,
): Promise<{ files: string[]; notes: string[] }> {
  const files: string[] = [];
  const notes: string[] = [];
  const formats = opts.format ?? ['gif'];
  if (formats.includes('gif')) {
    const file = join(out, `${stem}.gif`);
    writeFileSync(file, encodeGif(frames, { delayMs: gifDelayMs(opts.fps) }));
    files.push(file);
  }
  if (formats.includes('mp4')) {
    const r = await writeMp4(join(out, `${stem}.mp4`), frames, { fps: opts.fps ?? 12.5 });
    if (r.written) files.push(r.path);
    else {
      notes.push(r.reason);
      if (!opts.quiet) process.stderr.write(`generate: ${r.reason}\n`);
    }
  }
  return { files, notes };
}

/** Where a compared network came from, for generate.json. */
function compareSource(item: CompareItem): { config: string | null; weights: string | null } {
  return item.kind === 'config' ? { config: item.name, weights: null } : { config: null, weights: item.path };
}

/**
 * `--compare`: build every network (presets at `--resolution`, or loaded weights), render the
 * motion side by side and write `compare-<kind>.gif` / `.mp4` and `generate.json`.
 */
async function runCompare(opts: GenerateOptions, backend: string): Promise<{ files: string[] }> {
  const items = opts.compare ?? [];
  const kind = opts.animate as 'translate' | 'rotate' | 'interpolate';
  const networks: MotionNetwork[] = [];
  try {
    for (const item of items) {
      const generator = await buildAnyGenerator(
        item.kind === 'config'
          ? { ...opts, weights: undefined, config: item.name as GenerateOptions['config'] }
          : { ...opts, weights: item.path },
      );
      networks.push({ label: item.label, generator });
    }
    const res = networks.map((n) => `${n.label} ${n.generator.config.imgResolution}²`);
    if (new Set(networks.map((n) => n.generator.config.imgResolution)).size > 1)
      throw new RangeError(
        `--compare: the networks must share one resolution (${res.join(', ')}); resampling one would change the aliasing the video shows`,
      );
    const zDims = new Set(networks.map((n) => n.generator.config.zDim));
    if (zDims.size > 1)
      throw new RangeError(
        `--compare: the networks must share one latent size to draw the same z (${networks.map((n) => `${n.label} zDim ${n.generator.config.zDim}`).join(', ')})`,
      );
    const zDim = networks[0].generator.config.zDim;
    const seeds =
      kind === 'interpolate' ? [opts.seeds[0], opts.seeds[1] ?? opts.seeds[0] + 1] : [opts.seeds[0]];
    const notes: string[] = [];
    prepareOutDir(opts.out);
    const prog = progress(`generate: compare ${kind} frames`, opts.frames, {
      quiet: opts.quiet,
      units: false,
    });
    const cmp = await buildMotionComparison(networks, {
      kind,
      frames: opts.frames,
      latents: seeds.map((s) => latentForSeed(s, zDim)),
      psi: opts.psi,
      gain: opts.gain,
      noiseMode: opts.noiseMode,
      onFrame: (done) => prog.tick(done),
    });
    for (const c of cmp.columns)
      if (c.note) {
        const why = `${c.note} (a learned 4×4 constant cannot ${kind}): its column is blank`;
        notes.push(why);
        if (!opts.quiet) process.stderr.write(`generate: ${why}\n`);
      }
    const { files, notes: videoNotes } = await writeVideos(cmp.frames, opts.out, `compare-${kind}`, opts);
    notes.push(...videoNotes);
    const meta = {
      mode: 'compare',
      animate: kind,
      frames: opts.frames,
      fps: opts.fps ?? 12.5,
      gain: cmp.gain,
      rows: cmp.rows,
      seeds,
      psi: opts.psi,
      noiseMode: opts.noiseMode ?? 'const',
      backend,
      networks: networks.map((n, i) => ({
        label: n.label,
        ...compareSource(items[i]),
        active: cmp.columns[i].active,
        range: cmp.columns[i].range,
        // Largest RMS of the difference row over the frames, relative to the display span.
        drift: cmp.columns[i].active
          ? Math.max(...cmp.differenceRms[i].map((v) => v ?? 0)) /
            (cmp.columns[i].range[1] - cmp.columns[i].range[0])
          : null,
        generator: n.generator.config,
      })),
      notes,
      files,
    };
    writeFileSync(join(opts.out, 'generate.json'), JSON.stringify(meta, null, 2));
    if (!opts.quiet) console.log(`wrote ${countFiles(files.length + 1)} to ${opts.out}`);
    return { files };
  } finally {
    for (const n of networks) n.generator.dispose();
  }
}

export async function runGenerate(opts: GenerateOptions): Promise<{ files: string[] }> {
  const usage = generateUsageError(opts);
  if (usage) throw new RangeError(usage);
  const info = await setBackend(opts.backend);
  if (!opts.quiet) process.stderr.write(`backend: ${describeBackend(info)}\n`);
  if (opts.compare) return runCompare(opts, String(info.name));
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
    if (workers > 1) {
      // The workers use the backend this thread got (the webgpu/tensorflow names map back to 'auto').
      const backend = info.name === 'wasm' || info.name === 'cpu' ? info.name : 'auto';
      pool = await GeneratorPool.create(gen, {
        workers,
        backend,
      });
      if (!opts.quiet) process.stderr.write(`workers: ${pool.size} (split: ${pool.split})\n`);
    }
    const zDim = gen.config.zDim;
    const z = latents(opts.seeds, zDim);
    // The interpolation runs from the first seed to the second (seed + 1 when only one is given).
    const zAnim =
      animate === 'interpolate' && opts.seeds.length < 2
        ? latents([opts.seeds[0], opts.seeds[0] + 1], zDim)
        : null;
    const zData = z.dataSync() as Float32Array;
    const ws = gen.mapping(z, { psi: opts.psi });
    z.dispose();
    const wsAnim = zAnim ? gen.mapping(zAnim, { psi: opts.psi }) : ws;
    zAnim?.dispose();
    const prog = progress('generate: images', opts.seeds.length, { quiet: opts.quiet });
    const images = [];
    for (let i = 0; i < opts.seeds.length; i++) {
      let nd;
      if (pool) {
        const { data, shape } = await pool.generate(zData.slice(i * zDim, (i + 1) * zDim), {
          psi: opts.psi,
          noiseMode: opts.noiseMode,
        });
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
    const notes: string[] = [];
    if (animate !== 'none') {
      const frames = await animationFrames(gen, { ...opts, animate }, wsAnim, pool, zData.slice(0, zDim));
      const written = await writeVideos(frames, opts.out, animate, opts);
      files.push(...written.files);
      notes.push(...written.notes);
    }
    if (wsAnim !== ws) wsAnim.dispose();
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
      notes,
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
