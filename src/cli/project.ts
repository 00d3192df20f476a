/**
 * `aliasfree project`: find the latent of an image (the official `projector.py` with a pixel-pyramid
 * distance; docs/projection.md) and write, into `--out`:
 *
 *   projected_w.npz   key `w`, float32 [1, num_ws, w_dim] (as the official file: one w repeated
 *                     for --space w, one per layer for w+); StyleGAN2 adds the noise maps under
 *                     their official names with dots as underscores
 *   target.png        the projected target (after --resize)
 *   proj.png          the projection's image
 *   proj.gif / .mp4   the optimisation: target | image of the step (MP4 when ffmpeg is on PATH)
 *   psnr.json         PSNR (and loss, lr) per step; rewritten while the run goes, so a killed run
 *                     keeps its curve
 *   psnr.html         the PSNR curve (plotly, offline)
 *   translate/        with --translate dx,dy: the shifted target, both projections and the PSNRs
 *                     that show whether the projection follows the shift (translate.json)
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, describeBackend } from '../generator/backend.js';
import { loadGenerator, type AnyGenerator } from '../generator/weights.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { encodeImage } from '../train/dataset/images.js';
import { encodeGif } from '../io/gif.js';
import { writeMp4 } from '../io/mp4.js';
import { toHtml } from '../viz/render/html.js';
import {
  project,
  type ProjectionProgress,
  type ProjectionResult,
  type ProjectionStep,
} from '../project/projector.js';
import { projectTranslated, disposeTranslated } from '../project/translated.js';
import { targetFromImage, imageToUint8, readTargetPng } from '../project/target.js';
import { encodeNpz } from '../project/npz.js';
import { psnrCurveFigure, sideBySide } from '../project/figures.js';
import type { CliBackendName } from './options.js';
import { progress } from './progress.js';
import { prepareOutDir } from './output.js';

/** Options of `aliasfree project` (after commander's parsing). */
export interface ProjectCliOptions {
  weights: string;
  target: string;
  steps: number;
  space: 'w' | 'w+';
  seed: number;
  resize?: boolean;
  /** Shift in pixels for the translated projection. */
  translate?: [number, number];
  /** StyleGAN2: optimise the noise maps (default) or run without noise. */
  noise?: 'optimise' | 'none';
  out: string;
  backend: CliBackendName;
  quiet?: boolean;
}

/** Write `bytes` to `path` through a temporary file, so a killed run never leaves half a file. */
function writeAtomic(path: string, bytes: string | Uint8Array): void {
  writeFileSync(`${path}.partial`, bytes);
  renameSync(`${path}.partial`, path);
}

function curveJson(
  history: readonly ProjectionStep[],
  steps: number,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ steps, ...extra, history }, null, 1);
}

/** The npz of a result: `w` plus (StyleGAN2) the noise maps. */
function resultNpz(r: ProjectionResult): Uint8Array {
  const arrays: Parameters<typeof encodeNpz>[0] = {
    w: { data: Float32Array.from(r.ws.dataSync() as Float32Array), shape: r.ws.shape },
  };
  for (const [k, v] of r.noise) {
    const side = Math.round(Math.sqrt(v.length));
    arrays[k.replace(/\./g, '_')] = { data: v, shape: [side, side] };
  }
  return encodeNpz(arrays);
}

function png(t: tf.Tensor4D): Uint8Array {
  return encodeImage(imageToUint8(t));
}

/** Run `aliasfree project`. Throws (exit status 1) when the optimisation had to stop early, after writing the best result. */
export async function runProject(opts: ProjectCliOptions): Promise<void> {
  const info = await setBackend(opts.backend);
  if (!opts.quiet) process.stderr.write(`backend: ${describeBackend(info)}\n`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(opts.target));
  } catch (e) {
    throw new Error(
      `--target ${JSON.stringify(opts.target)}: cannot read the file (${(e as Error).message})`,
    );
  }
  const G = await loadGenerator<AnyGenerator>(opts.weights);
  const out = prepareOutDir(opts.out);
  const channels = G.config.imgChannels;
  const resolution = G.config.imgResolution;
  const img = readTargetPng(bytes, `--target ${JSON.stringify(opts.target)}`);
  const target = targetFromImage(
    img,
    { channels, resolution },
    {
      resize: opts.resize,
      what: `--target ${JSON.stringify(opts.target)}`,
    },
  );
  const frameEvery = Math.max(1, Math.ceil(opts.steps / 100));
  const logEvery = Math.max(1, Math.min(10, Math.ceil(opts.steps / 20)));
  const curvePath = join(out, 'psnr.json');
  const history: ProjectionStep[] = [];
  const runs = opts.translate ? 2 : 1;
  let run = 0;
  const prog = progress('project', opts.steps * runs, { quiet: opts.quiet, units: false });
  const onProgress = (p: ProjectionProgress) => {
    if (run === 0) history.push(p);
    const done = run * opts.steps + p.step;
    if (p.step % logEvery === 0 || p.step === p.steps) {
      prog.tick(
        done,
        `step ${p.step}/${p.steps}  loss ${p.loss.toPrecision(4)}  PSNR ${p.psnr.toFixed(2)} dB`,
      );
      if (run === 0) writeAtomic(curvePath, curveJson(history, opts.steps));
    }
    if (p.step === p.steps) run++;
  };
  const common = {
    steps: opts.steps,
    seed: opts.seed,
    space: opts.space,
    frameEvery,
    onProgress,
    ...(G instanceof StyleGAN2Generator && opts.noise ? { noise: opts.noise } : {}),
  };
  let result: ProjectionResult | null = null;
  let translated: Awaited<ReturnType<typeof projectTranslated>> | null = null;
  try {
    if (opts.translate) {
      translated = await projectTranslated(G, target, {
        ...common,
        dx: opts.translate[0],
        dy: opts.translate[1],
      });
      result = translated.original;
    } else {
      result = await project(G, target, common);
    }
    prog.finish(`PSNR ${result.psnr.toFixed(2)} dB`);

    writeAtomic(join(out, 'projected_w.npz'), resultNpz(result));
    writeAtomic(join(out, 'target.png'), png(target));
    writeAtomic(join(out, 'proj.png'), png(result.image));
    writeAtomic(
      curvePath,
      curveJson(result.history, opts.steps, {
        finalPsnr: result.psnr,
        space: opts.space,
        seed: opts.seed,
        ...(result.stopped ? { stopped: result.stopped } : {}),
      }),
    );
    toHtml(psnrCurveFigure(result.history), join(out, 'psnr.html'), {
      title: 'aliasfree project: PSNR per step',
    });
    const targetU8 = imageToUint8(target);
    const [, c, h, w] = result.image.shape;
    const frames = result.frames.map((f) =>
      sideBySide(targetU8, imageToUint8({ shape: [1, c, h, w], data: f.data })),
    );
    frames.push(sideBySide(targetU8, imageToUint8(result.image)));
    writeAtomic(join(out, 'proj.gif'), encodeGif(frames, { delayMs: 80 }));
    const mp4 = await writeMp4(join(out, 'proj.mp4'), frames);
    if (!mp4.written && !opts.quiet) process.stderr.write(`proj.mp4 not written: ${mp4.reason}\n`);

    if (translated) {
      const dir = prepareOutDir(join(out, 'translate'));
      writeAtomic(join(dir, 'shifted_target.png'), png(translated.shiftedTarget));
      writeAtomic(join(dir, 'proj_shifted.png'), png(translated.shifted.image));
      writeAtomic(join(dir, 'proj_rendered_shifted.png'), png(translated.rendered));
      writeAtomic(join(dir, 'projected_w_shifted.npz'), resultNpz(translated.shifted));
      const summary = {
        dx: translated.dx,
        dy: translated.dy,
        psnrFollows: translated.psnrFollows,
        psnrUnmoved: translated.psnrUnmoved,
        psnrRenderedVsTarget: translated.psnrRenderedVsTarget,
        psnrUnmovedVsTarget: translated.psnrUnmovedVsTarget,
        psnrShift: translated.psnrShift,
        psnrOriginal: translated.original.psnr,
        psnrShifted: translated.shifted.psnr,
      };
      writeAtomic(join(dir, 'translate.json'), JSON.stringify(summary, null, 1));
      if (!opts.quiet)
        process.stderr.write(
          `translate (${translated.dx}, ${translated.dy}) px: the projection rendered shifted fits the shifted target at ` +
            `${translated.psnrRenderedVsTarget.toFixed(2)} dB (unmoved ${translated.psnrUnmovedVsTarget.toFixed(2)} dB); ` +
            `projection of the shifted target vs the projection rendered shifted ${translated.psnrFollows.toFixed(2)} dB ` +
            `(vs unmoved ${translated.psnrUnmoved.toFixed(2)} dB)\n`,
        );
    }
    if (!opts.quiet) process.stderr.write(`wrote the projection to ${out}\n`);
    const stopped = result.stopped ?? translated?.shifted.stopped;
    if (stopped)
      throw new Error(
        `${stopped.reason}; stopped there and wrote the best step so far (step ${stopped.bestStep}) to ${out}`,
      );
  } finally {
    if (translated) disposeTranslated(translated);
    else if (result) tf.dispose([result.ws, result.image]);
    target.dispose();
    G.dispose();
  }
}
