/**
 * The official projector's schedule (`projector.py` of the StyleGAN2-ADA / StyleGAN3 repositories):
 * with t = step/steps (step counted from 0),
 *
 *   lr(t)     = lr₀ · ½(1 − cos(π·min(1, (1 − t)/rampdown))) · min(1, t/rampup)
 *   σ_w(t)    = w_std · noise₀ · max(0, 1 − t/noiseRamp)²
 *
 * lr₀ = 0.1, rampdown = 0.25, rampup = 0.05, noise₀ = 0.05, noiseRamp = 0.75. The learning rate
 * is zero at step 0 (the ramp-up starts there), rises linearly over the first 5 % of the steps,
 * stays at lr₀ and falls back along a half cosine over the last 25 %. σ_w is the standard
 * deviation of the Gaussian noise added to w before each synthesis: it explores W early and is
 * gone after 75 % of the steps, so the last quarter optimises the clean loss.
 */

/** The constants of the schedule (official defaults in `PROJECTION_DEFAULTS`). */
export interface ProjectionSchedule {
  /** Peak learning rate lr₀ of Adam. */
  initialLearningRate: number;
  /** Fraction of the steps over which lr falls along a half cosine at the end. */
  lrRampdownLength: number;
  /** Fraction of the steps over which lr rises linearly from 0 at the start. */
  lrRampupLength: number;
  /** σ_w at t = 0, in units of w_std. */
  initialNoiseFactor: number;
  /** Fraction of the steps after which no noise is added to w. */
  noiseRampLength: number;
}

/**
 * The official projector's constants (besides these: Adam β = (0.9, 0.999), noise regulariser
 * weight 1e5, w_avg and w_std from 10 000 mapped latents, start at w_avg).
 *
 * @example
 * ```ts
 * const lr = learningRate(500, 1000, PROJECTION_DEFAULTS); // 0.1 (mid-run)
 * ```
 */
export const PROJECTION_DEFAULTS: Readonly<ProjectionSchedule> = Object.freeze({
  initialLearningRate: 0.1,
  lrRampdownLength: 0.25,
  lrRampupLength: 0.05,
  initialNoiseFactor: 0.05,
  noiseRampLength: 0.75,
});

function checkStep(step: number, steps: number): number {
  if (!Number.isSafeInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${String(steps)}`);
  if (!Number.isSafeInteger(step) || step < 0 || step >= steps)
    throw new RangeError(`step must be an integer in [0, ${steps - 1}], got ${String(step)}`);
  return step / steps;
}

/**
 * Adam's learning rate at `step` (0-based) of `steps` (formula in the module comment).
 *
 * @example
 * ```ts
 * learningRate(0, 1000);   // 0 (the ramp-up starts at zero)
 * learningRate(25, 1000);  // 0.05 (half-way up the 50-step ramp)
 * learningRate(875, 1000); // 0.05 (half-way down the cosine)
 * ```
 */
export function learningRate(
  step: number,
  steps: number,
  schedule: ProjectionSchedule = PROJECTION_DEFAULTS,
): number {
  const t = checkStep(step, steps);
  const down = Math.min(1, (1 - t) / schedule.lrRampdownLength);
  const cosine = 0.5 - 0.5 * Math.cos(down * Math.PI);
  return schedule.initialLearningRate * cosine * Math.min(1, t / schedule.lrRampupLength);
}

/**
 * Standard deviation of the noise added to w at `step` of `steps`, given `wStd` (the root mean
 * square distance of mapped latents from w_avg; formula in the module comment).
 *
 * @example
 * ```ts
 * wNoiseScale(0, 1000, 2);   // 0.1  (= 2 · 0.05)
 * wNoiseScale(750, 1000, 2); // 0    (no noise in the last quarter)
 * ```
 */
export function wNoiseScale(
  step: number,
  steps: number,
  wStd: number,
  schedule: ProjectionSchedule = PROJECTION_DEFAULTS,
): number {
  const t = checkStep(step, steps);
  if (!(Number.isFinite(wStd) && wStd >= 0))
    throw new RangeError(`wStd must be a finite number >= 0, got ${String(wStd)}`);
  return wStd * schedule.initialNoiseFactor * Math.max(0, 1 - t / schedule.noiseRampLength) ** 2;
}
