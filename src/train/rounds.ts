/**
 * One rank's share of a phase in rounds of `batchGpu` samples (train.py `--batch-gpu`): the
 * official loop splits each GPU's share of the batch into rounds, calls `accumulate_gradients`
 * once per round and leaves the sum of the rounds' gradients in `.grad` (each round's loss is a
 * mean over its own samples, so two rounds give twice a one-round gradient); the path-length
 * mean moves round after round. Rounds bound memory: a round's graphs are freed before the next.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './config.js';
import type { Discriminator } from './discriminator.js';
import { lossPhase, type LossGenerator, type LossPhaseName, type LossPhaseResult } from './loss.js';

/** One phase evaluation on one rank. */
export interface RankPhaseCall {
  phase: LossPhaseName;
  /** The phase's lazy-regularisation interval (1 for main phases). */
  gain: number;
  /** This rank's reals [B, C, H, W] in [−1, 1] and latents [B, zDim]. */
  realImg: tf.Tensor4D;
  genZ: tf.Tensor2D;
  curNimg: number;
  plMean: number;
  /** Seed of the phase's draws; round r > 0 draws from `${seed}:round${r}`. */
  seed: string;
}

/**
 * `lossPhase` on `call`'s samples in rounds of `batchGpu` (module comment): reports concatenated
 * in sample order, gradients summed, pl_mean carried from round to round. One round (the plain
 * `lossPhase` call) when `batchGpu` is the rank's batch.
 */
export async function lossPhaseInRounds(
  G: LossGenerator,
  D: Discriminator,
  loss: TrainConfig['loss'],
  call: RankPhaseCall,
  batchGpu: number,
): Promise<LossPhaseResult> {
  const B = call.realImg.shape[0];
  if (!Number.isSafeInteger(batchGpu) || batchGpu < 1 || B % batchGpu !== 0)
    throw new RangeError(`batchGpu must be a positive divisor of the rank's batch ${B}, got ${batchGpu}`);
  const rounds = B / batchGpu;
  let plMean = call.plMean;
  let movedPl = false;
  let grads: Record<string, tf.Tensor> | null = null;
  const reports: Record<string, Float32Array[]> = {};
  try {
    for (let r = 0; r < rounds; r++) {
      const whole = rounds === 1;
      const realImg = whole ? call.realImg : tf.slice(call.realImg, r * batchGpu, batchGpu);
      const genZ = whole ? call.genZ : tf.slice(call.genZ, r * batchGpu, batchGpu);
      let out: LossPhaseResult;
      try {
        out = await lossPhase(G, D, {
          phase: call.phase,
          realImg,
          genZ,
          gain: call.gain,
          curNimg: call.curNimg,
          r1Gamma: loss.r1Gamma,
          styleMixingProb: loss.styleMixingProb,
          plWeight: loss.plWeight,
          plBatchShrink: loss.plBatchShrink,
          plDecay: loss.plDecay,
          plMean,
          blurInitSigma: loss.blurInitSigma,
          blurFadeKimg: loss.blurFadeKimg,
          seed: r === 0 ? call.seed : `${call.seed}:round${r}`,
        });
      } finally {
        if (!whole) tf.dispose([realImg, genZ]);
      }
      if (out.plMean !== undefined) [plMean, movedPl] = [out.plMean, true];
      for (const [k, v] of Object.entries(out.reports)) (reports[k] ??= []).push(v);
      if (!grads) grads = out.grads;
      else
        for (const [k, g] of Object.entries(out.grads)) {
          const sum = tf.add(grads[k], g);
          tf.dispose([grads[k], g]);
          grads[k] = sum;
        }
    }
  } catch (e) {
    if (grads) tf.dispose(Object.values(grads));
    throw e;
  }
  const joined: Record<string, Float32Array> = {};
  for (const [k, parts] of Object.entries(reports)) {
    joined[k] = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) joined[k].set(p, (off += p.length) - p.length);
  }
  return {
    reports: joined,
    grads: grads!,
    ...(movedPl ? { plMean } : {}),
  };
}
