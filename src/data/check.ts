/**
 * `npm run data:check`: recompute what the manifest records for each trained network present and
 * compare, with tolerances that say how far an honest recomputation may land:
 *
 * - Recorded image: max |Δ| ≤ `IMAGE_TOLERANCE` · max |expected| (float32 summation order only).
 * - SWD: recomputed with the recorded image count and seed, so the same images and patches; only
 *   float32 rendering differences between backends move a few uint8 levels — 2 % relative.
 * - EQ-T / EQ-T_frac / EQ-R: recomputed over the first m of the n recorded latents (same seed, so the
 *   draws are a prefix of the recorded ones). The two pooled estimates then differ by sampling alone,
 *   with standard deviation σ_m·√(1 − m/n), σ_m the standard error of the m-latent estimate from its
 *   per-batch spread (`psnrStandardErrorDb`); the tolerance is 4 such deviations plus 0.02 dB of
 *   float slack (m = n: the 0.02 dB alone).
 */
import type { AnyGenerator } from '../generator/weights.js';
import { ALL_METRICS, type EquivarianceMetric } from '../metrics/equivariance.js';
import type { TrainedEntry } from './manifest.js';
import {
  equivarianceBatches,
  proceduralReals,
  psnrStandardErrorDb,
  swdAgainst,
  transformable,
  type EqBatches,
} from './metrics.js';
import {
  compareRecordedImage,
  generatorKwargs,
  IMAGE_TOLERANCE,
  loadTrained,
  type ImageComparison,
  untrainedGenerator,
  type TrainedListing,
} from './trained.js';

/** Relative SWD tolerance (see the module comment). */
export const SWD_RELATIVE_TOLERANCE = 0.02;
/** Standard deviations of the EQ difference allowed. */
export const EQ_SIGMAS = 4;
/** Float slack added to every EQ tolerance, dB. */
export const EQ_FLOAT_DB = 0.02;

/** One compared number. */
export interface CheckRow {
  id: string;
  /** `image`, `swd`, `eqt`, `eqt_frac`, `eqr`. */
  metric: string;
  network: 'trained' | 'untrained';
  recorded: number;
  measured: number;
  /** Allowed |measured − recorded| (absolute, in the metric's unit; the image: relative). */
  tolerance: number;
  /** What the comparison used (samples, images). */
  detail: string;
  ok: boolean;
}

/**
 * EQ tolerance (dB) of an m-latent recomputation against an n-latent record whose first m latents it
 * shares, given the m-latent estimate's standard error `seDb` (module comment).
 */
export function eqTolerance(seDb: number, m: number, n: number): number {
  return EQ_SIGMAS * seDb * Math.sqrt(Math.max(0, 1 - m / n)) + EQ_FLOAT_DB;
}

/** Options of `checkTrained`. */
export interface CheckOptions {
  /** The data folder (its manifest and files). */
  dir: string;
  /** EQ latents to recompute (default 32; at most the recorded count). */
  eqSamples?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What `measureForCheck` recomputes for one network (trained or untrained). */
export interface CheckMeasurement {
  swd: number;
  /** The m-latent EQ run (per-batch sums), or null without a transformable input. */
  eq: EqBatches | null;
}

/** Everything `data:check` recomputes for one entry, before it is compared. */
export interface CheckMeasurements {
  image: ImageComparison;
  trained: CheckMeasurement;
  untrained: CheckMeasurement;
}

async function measureOne(
  e: TrainedEntry,
  gen: AnyGenerator,
  what: string,
  reals: Uint8Array,
  o: CheckOptions,
): Promise<CheckMeasurement> {
  const s = e.metrics.swd;
  const swd = (await swdAgainst(gen, reals, { images: s.images, seed: s.seed, psi: s.psi })).average;
  const eq = e.metrics.eq;
  if (eq.samples === 0 || !transformable(gen)) return { swd, eq: null };
  // At least two batches for a spread, at most the recorded latents (the prefix property).
  const m = Math.min(eq.samples, Math.max(8, o.eqSamples ?? 32));
  const r = await equivarianceBatches(gen, {
    samples: m,
    seed: eq.seed,
    batch: 4,
    onProgress: (d, n) => o.log?.(`${e.id} ${what}: EQ ${d}/${n} latents`),
  });
  return { swd, eq: r };
}

/** Recompute the recorded image, SWD and EQ of one present network (trained and untrained). */
export async function measureForCheck(listing: TrainedListing, o: CheckOptions): Promise<CheckMeasurements> {
  const e = listing.entry;
  o.log?.(`${e.id}: loading (SHA-256 checked)`);
  const { generator: trained } = await loadTrained(e.id, { dir: o.dir });
  const untrained = await untrainedGenerator(
    generatorKwargs(e.train.options, `${e.id} train.options`),
    e.metrics.untrainedWeightSeed,
  );
  try {
    const image = await compareRecordedImage(trained, e, o.dir);
    o.log?.(`${e.id}: regenerating ${e.metrics.swd.images} training images for SWD`);
    const reals = proceduralReals(e.dataset, e.metrics.swd.images, e.metrics.swd.seed);
    return {
      image,
      trained: await measureOne(e, trained, 'trained', reals, o),
      untrained: await measureOne(e, untrained, 'untrained', reals, o),
    };
  } finally {
    trained.dispose();
    untrained.dispose();
  }
}

/** Compare recomputed numbers with what `e` records (tolerances: module comment). */
export function compareWithManifest(e: TrainedEntry, got: CheckMeasurements): CheckRow[] {
  const rows: CheckRow[] = [
    {
      id: e.id,
      metric: 'image',
      network: 'trained',
      recorded: 0,
      measured: got.image.relative,
      tolerance: IMAGE_TOLERANCE,
      detail: `max |Δ| / max |x|, seed ${e.image.seed}`,
      ok: got.image.ok,
    },
  ];
  for (const network of ['trained', 'untrained'] as const) {
    const g = got[network];
    const rec = e.metrics.swd[network].average;
    const tol = SWD_RELATIVE_TOLERANCE * rec;
    rows.push({
      id: e.id,
      metric: 'swd',
      network,
      recorded: rec,
      measured: g.swd,
      tolerance: tol,
      detail: `${e.metrics.swd.images} images`,
      ok: Math.abs(g.swd - rec) <= tol,
    });
    const eq = e.metrics.eq;
    for (const k of ALL_METRICS as EquivarianceMetric[]) {
      const recorded = eq[network][k];
      if (recorded === null) continue;
      if (!g.eq) throw new RangeError(`${e.id}: the manifest records ${k} of the ${network} network, which has no transformable input`);
      const m = g.eq.samples;
      const measured = g.eq.psnr[k]!;
      const tolerance = eqTolerance(psnrStandardErrorDb(g.eq.perBatch[k]!), m, eq.samples);
      rows.push({
        id: e.id,
        metric: k,
        network,
        recorded,
        measured,
        tolerance,
        detail: `${m} of ${eq.samples} latents`,
        ok: Math.abs(measured - recorded) <= tolerance,
      });
    }
  }
  return rows;
}

/** Recompute and compare everything recorded for one present network (module comment). */
export async function checkTrained(listing: TrainedListing, o: CheckOptions): Promise<CheckRow[]> {
  return compareWithManifest(listing.entry, await measureForCheck(listing, o));
}

const fmt = (v: number) => (Math.abs(v) !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(3));

/** A plain-text table of check rows (one line per compared number, then a summary). */
export function formatCheckTable(rows: readonly CheckRow[]): string {
  const head = ['network', 'metric', 'of', 'recorded', 'measured', '|Δ|', 'tolerance', 'used', 'ok'];
  // The image row compares pixels: its one number is the relative difference (recorded: the .npy).
  const body = rows.map((r) => [
    r.id,
    r.metric,
    r.network,
    r.metric === 'image' ? '.npy' : fmt(r.recorded),
    r.metric === 'image' ? '(pixels)' : fmt(r.measured),
    fmt(Math.abs(r.measured - r.recorded)),
    fmt(r.tolerance),
    r.detail,
    r.ok ? 'ok' : 'MISMATCH',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const bad = rows.filter((r) => !r.ok).length;
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    bad === 0 ? `all ${rows.length} numbers within tolerance` : `${bad} of ${rows.length} numbers out of tolerance`,
  ].join('\n');
}
