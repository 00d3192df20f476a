/**
 * The official training loop (`training/training_loop.py`; spec §8) over abstract networks:
 *
 * - phases per iteration, in order: G then D; with a lazy-regularisation interval `r` a network has
 *   `main` (every iteration, gain 1) and `reg` (every r-th iteration, gain r) sharing one Adam with
 *   lr·r/(r+1) and β^(r/(r+1)); without one, a single `both` phase (here: the main phase);
 * - each phase draws its own latents; all phases of an iteration see the same real batch;
 * - before each Adam step NaN gradients become 0 and ±∞ become ±1e5 (`Adam.step`);
 * - after the phases G_ema ← lerp(G, G_ema, β) with the ramp-up (`ema.ts`), buffers copied;
 * - cur_nimg += batch; a tick ends when `kimgPerTick` more kimg have been shown (and after the first
 *   iteration); every `snapTicks`-th tick and at the end a snapshot is written.
 *
 * A non-finite loss stops the run with `TrainingDivergedError`; the last snapshot written before it
 * stays the last good one (nothing is written for the failed tick).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../generator/rng.js';
import type { StateTensor } from '../generator/state.js';
import { emaBeta, updateEma } from './ema.js';
import { Adam, lazyRegularisation, type Gradient } from './optim.js';

/** A network the loop trains: trainable variables by official name and its full state dict. */
export interface TrainNetwork {
  readonly params: Map<string, tf.Variable>;
  /** The full state (parameters with their current values, and buffers), official keys and order. */
  stateDict(): Map<string, StateTensor>;
}

/** The phase names `lossPhase` understands. */
export type PhaseName = 'Gmain' | 'Greg' | 'Dmain' | 'Dreg';

/** One phase evaluation the loop asks for. */
export interface PhaseCall {
  phase: PhaseName;
  gain: number;
  realImg: tf.Tensor4D;
  genZ: tf.Tensor2D;
  curNimg: number;
  plMean: number;
  /** Seed of the phase's own draws (style-mixing, path-length noise). */
  seed: number;
}

/** What a phase returns (the `lossPhase` result). */
export interface PhaseOutcome {
  reports: Record<string, Float32Array>;
  grads: Record<string, Gradient> | Map<string, Gradient>;
  plMean?: number;
}

/** A scheduled phase of the loop. */
export interface LoopPhase {
  name: PhaseName;
  network: 'G' | 'D';
  interval: number;
  opt: Adam;
}

/**
 * The phase list of `training_loop.py` for lazy intervals `gReg` / `dReg` (null = no lazy
 * regularisation: one phase with gain 1 and the plain optimizer settings).
 */
export function buildPhases(
  gOpt: { lr: number; betas: readonly [number, number]; eps: number },
  dOpt: { lr: number; betas: readonly [number, number]; eps: number },
  gReg: number | null,
  dReg: number | null,
): LoopPhase[] {
  const out: LoopPhase[] = [];
  for (const [net, o, reg] of [
    ['G', gOpt, gReg],
    ['D', dOpt, dReg],
  ] as const) {
    const c = lazyRegularisation(o.lr, o.betas, reg);
    const opt = new Adam({ lr: c.lr, betas: c.betas, eps: o.eps });
    out.push({ name: `${net}main` as PhaseName, network: net, interval: 1, opt });
    if (reg !== null) out.push({ name: `${net}reg` as PhaseName, network: net, interval: reg, opt });
  }
  return out;
}

/** A run stopped on a non-finite loss. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/** Progress of a run (the part a resume restores). */
export interface LoopProgress {
  curNimg: number;
  batchIdx: number;
  tick: number;
  plMean: number;
}

/** What the loop reports at the end of each tick. */
export interface TickReport extends LoopProgress {
  kimg: number;
  /** Seconds this tick took and per kimg. */
  tickSeconds: number;
  secPerKimg: number;
  /** Seconds left at this pace. */
  etaSeconds: number;
  /** Mean of every reported loss value over the tick. */
  losses: Record<string, number>;
  done: boolean;
  /** True when a snapshot is due now. */
  snapshot: boolean;
}

/** Options of `trainingLoop`. */
export interface LoopOptions {
  G: TrainNetwork;
  D: TrainNetwork;
  /** G_ema's state (updated in place); keys = G's state keys. */
  gEma: Map<string, StateTensor>;
  zDim: number;
  batch: number;
  phases: LoopPhase[];
  /** Evaluate one phase (normally `lossPhase` on G and D). */
  runPhase(call: PhaseCall): Promise<PhaseOutcome>;
  /** The next real batch, NCHW in [−1, 1]. */
  nextReals(batch: number): { data: Float32Array; shape: [number, number, number, number] };
  totalKimg: number;
  kimgPerTick?: number;
  /** Snapshot every this many ticks (null = never). */
  snapTicks?: number | null;
  emaKimg: number;
  emaRampup: number | null;
  seed?: number;
  /** Continue from here (resume). */
  start?: Partial<LoopProgress>;
  /** Called after every tick; awaited (write snapshots, logs, grids here). */
  onTick?(r: TickReport): Promise<void> | void;
}

function gradMap(g: PhaseOutcome['grads']): Map<string, Gradient> {
  return g instanceof Map ? g : new Map(Object.entries(g));
}

function disposeGrads(g: Map<string, Gradient>): void {
  for (const v of g.values()) if (!(v instanceof Float32Array)) v.dispose();
}

/** Split a network's state into parameters (its trainable names) and buffers, as Float32Arrays. */
function split(net: TrainNetwork | null, state: Map<string, StateTensor>, paramNames: Set<string>) {
  void net;
  const parameters = new Map<string, Float32Array>();
  const buffers = new Map<string, Float32Array>();
  for (const [k, t] of state) {
    if (!(t.data instanceof Float32Array)) t.data = Float32Array.from(t.data);
    (paramNames.has(k) ? parameters : buffers).set(k, t.data as Float32Array);
  }
  return { parameters, buffers };
}

/**
 * Run the loop until `totalKimg` (official semantics in the module doc). Returns the final progress.
 * Throws `TrainingDivergedError` on a non-finite loss.
 */
export async function trainingLoop(o: LoopOptions): Promise<LoopProgress> {
  const kimgPerTick = o.kimgPerTick ?? 4;
  const snapTicks = o.snapTicks === undefined ? 50 : o.snapTicks;
  if (!(o.totalKimg > 0)) throw new RangeError(`totalKimg must be > 0, got ${o.totalKimg}`);
  if (!(kimgPerTick > 0)) throw new RangeError(`kimgPerTick must be > 0, got ${kimgPerTick}`);
  if (!Number.isSafeInteger(o.batch) || o.batch < 1)
    throw new RangeError(`batch must be a positive integer, got ${o.batch}`);
  const p: LoopProgress = { curNimg: 0, batchIdx: 0, tick: 0, plMean: 0, ...o.start };
  const rng = new Rng(`train-latents:${o.seed ?? 0}:${p.batchIdx}`);
  const gParamNames = new Set(o.G.params.keys());
  let tickStartNimg = p.curNimg;
  let tickStart = Date.now();
  const startNimg = p.curNimg;
  const runStart = Date.now();
  let sums: Record<string, { s: number; n: number }> = {};
  let done = false;
  while (!done) {
    const reals = o.nextReals(o.batch);
    const realImg = tf.tensor4d(reals.data, reals.shape);
    try {
      for (const ph of o.phases) {
        if (p.batchIdx % ph.interval !== 0) continue;
        const genZ = tf.tensor2d(rng.normals(o.batch * o.zDim), [o.batch, o.zDim]);
        let out: PhaseOutcome;
        try {
          out = await o.runPhase({
            phase: ph.name,
            gain: ph.interval,
            realImg,
            genZ,
            curNimg: p.curNimg,
            plMean: p.plMean,
            seed: p.batchIdx * 8 + o.phases.indexOf(ph),
          });
        } finally {
          genZ.dispose();
        }
        const grads = gradMap(out.grads);
        try {
          for (const [key, v] of Object.entries(out.reports)) {
            let s = 0;
            for (const x of v) {
              if (!Number.isFinite(x))
                throw new TrainingDivergedError(
                  `${ph.name}: ${key} is ${x} at kimg ${(p.curNimg / 1000).toFixed(3)} (iteration ${p.batchIdx}); training stopped, the last snapshot written before this point is the last good one`,
                );
              s += x;
            }
            const acc = (sums[key] ??= { s: 0, n: 0 });
            acc.s += s;
            acc.n += v.length;
          }
          if (ph.name === 'Greg' && out.plMean !== undefined) p.plMean = out.plMean;
          const net = ph.network === 'G' ? o.G : o.D;
          ph.opt.step(net.params, grads);
        } finally {
          disposeGrads(grads);
        }
      }
    } finally {
      realImg.dispose();
    }
    // G_ema.
    const beta = emaBeta({ batch: o.batch, curNimg: p.curNimg, emaKimg: o.emaKimg, emaRampup: o.emaRampup });
    updateEma(split(o.G, o.G.stateDict(), gParamNames), split(null, o.gEma, gParamNames), beta);
    p.curNimg += o.batch;
    p.batchIdx++;
    done = p.curNimg >= o.totalKimg * 1000;
    if (!done && p.tick !== 0 && p.curNimg < tickStartNimg + kimgPerTick * 1000) continue;
    const now = Date.now();
    const tickSeconds = (now - tickStart) / 1000;
    const secPerKimg = ((now - runStart) / 1000 / Math.max(p.curNimg - startNimg, 1)) * 1000;
    const losses: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) losses[k] = v.s / Math.max(v.n, 1);
    const report: TickReport = {
      ...p,
      kimg: p.curNimg / 1000,
      tickSeconds,
      secPerKimg,
      etaSeconds: (Math.max(o.totalKimg * 1000 - p.curNimg, 0) / 1000) * secPerKimg,
      losses,
      done,
      snapshot: snapTicks !== null && (done || p.tick % snapTicks === 0),
    };
    await o.onTick?.(report);
    sums = {};
    p.tick++;
    tickStartNimg = p.curNimg;
    tickStart = Date.now();
  }
  return { ...p };
}
