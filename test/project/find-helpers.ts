/**
 * Shared by the projection tests: an image a golden network made from a known latent (ψ 0.8),
 * and a projection of it with its PSNR curve checked.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { AnyGenerator } from '../../src/generator/weights.js';
import { StyleGAN2Generator } from '../../src/generator/stylegan2/generator.js';
import { Rng } from '../../src/generator/rng.js';
import { project, type ProjectOptions, type ProjectionResult } from '../../src/project/projector.js';

/** The network's image of z ~ N(0, I) (seed `seed`) at ψ 0.8; StyleGAN2 without noise unless `noiseMode`. */
export function knownImage(
  G: AnyGenerator,
  seed: number,
  noiseMode: 'none' | 'const' = 'none',
): { ws: tf.Tensor3D; image: tf.Tensor4D } {
  const zDim = G.config.zDim;
  const z = tf.tensor2d(new Rng(seed).normals(zDim), [1, zDim]);
  const ws = G.mapping(z, { psi: 0.8 });
  z.dispose();
  const image =
    G instanceof StyleGAN2Generator ? G.synthesis(ws, { noiseMode }).image : G.synthesis(ws).image;
  return { ws, image: image as tf.Tensor4D };
}

/**
 * Project `target`, check that no tensor is left behind and that the curve has one entry per step
 * with the result's PSNR matching a recomputation; returns the result (caller disposes it).
 */
export async function projectChecked(
  G: AnyGenerator,
  target: tf.Tensor4D,
  opts: ProjectOptions,
): Promise<ProjectionResult> {
  // StyleGAN2's variables and buffer tensors are created on first use and owned by G.
  if (G instanceof StyleGAN2Generator) {
    G.params();
    G.buffers();
  }
  const before = tf.memory().numTensors;
  const r = await project(G, target, opts);
  assert.equal(tf.memory().numTensors, before + 2, 'only ws and image stay alive');
  assert.equal(r.history.length, opts.steps);
  const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(r.image, target))).dataSync()[0]);
  assert.ok(Math.abs(r.psnr - 10 * Math.log10(4 / mse)) < 1e-9);
  return r;
}
