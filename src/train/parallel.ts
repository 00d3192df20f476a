/**
 * Data-parallel training phases on several cores, with the semantics of the official multi-GPU
 * loop: the batch is split evenly over `n` ranks (this thread is rank 0, worker threads the others),
 * every rank evaluates the phase on its share with its own replica of G and D, and the gradients are
 * averaged (`all_reduce` sum / num_gpus: each rank's loss is already a mean over its share). Reports
 * are gathered from all ranks. As in the official loop, each replica keeps its own buffers (w_avg,
 * magnitude_ema) and the snapshot takes rank 0's; the path-length mean is rank 0's, handed to every
 * rank. Parameters are sent to the workers before a phase whenever the optimizer changed them.
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { startSiblingWorker, type JobReply } from '../generator/parallel/workers.js';
import type { StateDict } from '../generator/state.js';
import type { TrainConfig } from './config.js';
import type { PhaseCall, PhaseOutcome, TrainNetwork } from './loop.js';
import { filteredLreluGradient, type FilteredLreluGradient } from '../generator/ops/filtered-lrelu.js';

/** What each worker is built from. */
export interface PhaseWorkerInit {
  backend: string;
  gKwargs: Record<string, unknown>;
  dKwargs: Record<string, unknown>;
  gState: [string, { shape: number[]; data: Float32Array }][];
  dState: [string, { shape: number[]; data: Float32Array }][];
  loss: TrainConfig['loss'];
  /** How the filtered nonlinearity is differentiated (the starting thread's choice). */
  filteredLreluGradient: FilteredLreluGradient;
  /** Samples per round of a rank's share (train.py `--batch-gpu`; default: the whole share). */
  batchGpu?: number;
}

/** One phase on one worker. */
export interface PhaseJob {
  phase: PhaseCall['phase'];
  gain: number;
  curNimg: number;
  plMean: number;
  seed: string;
  real: { data: Float32Array; shape: number[] };
  z: { data: Float32Array; shape: number[] };
  /** New parameter values of G / D (only when they changed since the last job). */
  g?: [string, Float32Array][];
  d?: [string, Float32Array][];
}

/** A worker's answer. */
export interface PhaseJobResult {
  reports: Record<string, Float32Array>;
  grads: [string, Float32Array][];
  plMean?: number;
}

function stateEntries(s: StateDict): [string, { shape: number[]; data: Float32Array }][] {
  return [...s].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]);
}

function paramValues(net: TrainNetwork): [string, Float32Array][] {
  return [...net.params].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]);
}

/** Rank 0 + worker threads evaluating phases on equal shares of the batch. */
export class DataParallelPhases {
  private nextId = 0;
  private dirty = { G: false, D: false };

  private constructor(
    private readonly workers: Worker[],
    readonly ranks: number,
  ) {}

  /** Start `ranks − 1` workers holding replicas of G and D (their current state). */
  static async start(
    ranks: number,
    init: {
      backend: string;
      gKwargs: Record<string, unknown>;
      dKwargs: Record<string, unknown>;
      G: TrainNetwork;
      D: TrainNetwork;
      loss: TrainConfig['loss'];
      /** Samples per round of each worker's share (default: the whole share). */
      batchGpu?: number;
    },
  ): Promise<DataParallelPhases> {
    if (!Number.isSafeInteger(ranks) || ranks < 2)
      throw new RangeError(`ranks must be an integer >= 2, got ${ranks}`);
    const data: PhaseWorkerInit = {
      backend: init.backend,
      gKwargs: init.gKwargs,
      dKwargs: init.dKwargs,
      gState: stateEntries(init.G.stateDict()),
      dState: stateEntries(init.D.stateDict()),
      loss: init.loss,
      filteredLreluGradient: filteredLreluGradient(),
      ...(init.batchGpu !== undefined ? { batchGpu: init.batchGpu } : {}),
    };
    const settled = await Promise.allSettled(
      Array.from({ length: ranks - 1 }, () => startSiblingWorker(import.meta.url, 'phase-worker', data)),
    );
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const bad = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (bad) {
      await Promise.all(ok.map((w) => w.terminate()));
      throw bad.reason;
    }
    return new DataParallelPhases(ok, ranks);
  }

  private send(w: Worker, job: PhaseJob): Promise<PhaseJobResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        w.off('message', onMessage);
        reject(e);
      };
      const onMessage = (m: JobReply<PhaseJobResult, never>) => {
        if (m.id !== id) return;
        w.off('message', onMessage);
        w.off('error', onError);
        if (m.error !== undefined || !m.result)
          reject(new Error(`training worker: ${m.error ?? 'no result'}`));
        else resolve(m.result);
      };
      w.on('message', onMessage);
      w.once('error', onError);
      w.postMessage({ id, job });
    });
  }

  /**
   * Evaluate `call` over all ranks; `local` evaluates rank 0's share on this thread. The phase's
   * network is marked changed (the loop steps its optimizer next), so its parameters go to the
   * workers before the next phase.
   */
  async run(
    call: PhaseCall,
    nets: { G: TrainNetwork; D: TrainNetwork },
    local: (call: PhaseCall) => Promise<PhaseOutcome>,
  ): Promise<PhaseOutcome> {
    const n = this.ranks;
    const B = call.realImg.shape[0];
    if (B % n !== 0) throw new RangeError(`batch ${B} does not split evenly over ${n} ranks`);
    const b = B / n;
    const real = call.realImg.dataSync() as Float32Array;
    const z = call.genZ.dataSync() as Float32Array;
    const rs = real.length / B;
    const zs = z.length / B;
    const g = this.dirty.G ? paramValues(nets.G) : undefined;
    const d = this.dirty.D ? paramValues(nets.D) : undefined;
    this.dirty = { G: false, D: false };
    const remote = this.workers.map((w, k) =>
      this.send(w, {
        phase: call.phase,
        gain: call.gain,
        curNimg: call.curNimg,
        plMean: call.plMean,
        seed: `${call.seed}:rank${k + 1}`,
        real: {
          data: real.slice((k + 1) * b * rs, (k + 2) * b * rs),
          shape: [b, ...call.realImg.shape.slice(1)],
        },
        z: { data: z.slice((k + 1) * b * zs, (k + 2) * b * zs), shape: [b, zs] },
        g,
        d,
      }),
    );
    const realImg = tf.tensor4d(real.subarray(0, b * rs), [b, ...call.realImg.shape.slice(1)] as [
      number,
      number,
      number,
      number,
    ]);
    const genZ = tf.tensor2d(z.subarray(0, b * zs), [b, zs]);
    let mine: PhaseOutcome;
    try {
      mine = await local({ ...call, realImg, genZ });
    } finally {
      realImg.dispose();
      genZ.dispose();
    }
    const others = await Promise.all(remote);
    this.dirty[call.phase[0] as 'G' | 'D'] = true;
    const grads = new Map<string, Float32Array>();
    const mineGrads = mine.grads instanceof Map ? mine.grads : new Map(Object.entries(mine.grads));
    for (const [k, v] of mineGrads) {
      const acc =
        v instanceof Float32Array ? Float32Array.from(v) : Float32Array.from(v.dataSync() as Float32Array);
      if (!(v instanceof Float32Array)) v.dispose();
      grads.set(k, acc);
    }
    for (const o of others)
      for (const [k, v] of o.grads) {
        const acc = grads.get(k);
        if (!acc || acc.length !== v.length)
          throw new Error(`training worker returned a mismatched gradient for ${k}`);
        for (let i = 0; i < v.length; i++) acc[i] += v[i];
      }
    for (const acc of grads.values()) for (let i = 0; i < acc.length; i++) acc[i] /= n;
    const reports: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(mine.reports)) {
      const parts = [v, ...others.map((o) => o.reports[k] ?? new Float32Array(0))];
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let off = 0;
      for (const p of parts) out.set(p, (off += p.length) - p.length);
      reports[k] = out;
    }
    return { reports, grads, plMean: mine.plMean };
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
