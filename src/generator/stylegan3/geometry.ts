/**
 * Synthesis-network geometry, computed once, up front, from a config: per layer the sampling rates
 * s, cutoffs f_c, transition half-widths f_h, stopbands f_t, map sizes, channels, the temporary rate
 * s' of the filtered nonlinearity, up/down factors and taps, the padding of the fused
 * upsample–lrelu–downsample, and the arguments of the up/down low-pass filter designs.
 *
 * Two schedules:
 * - 'flexible' (T, R; paper Eqs. 35–36) evaluated with the official operation order, which is
 *   NumPy's: `2 ** ceil(log2(min(2·f_t, s_N)))` etc. in float64, with correctly rounded pow/log2
 *   (see below). Integers (rates, sizes, channels, taps, padding) equal the official ones; floats
 *   agree to ≤ 1 ulp (the official values themselves depend on the libm NumPy ran on). At 256²,
 *   2·f_t[9] lands exactly on 128; one ulp more would double that layer's rate.
 * - 'rigid' (D–H, spec §2.5): StyleGAN2-like s[i] = s₀·2^⌊i/2⌋, f_h = (√2−1)·s/2, critical
 *   f_c = s/2 or non-critical f_c = s/2 − f_h (except the N_crit layers at s_N).
 * Both are then turned into layers by the same per-layer rules as the official `SynthesisLayer`.
 *
 * Reference: ../shared/docs/alias-free-spec.md §2.3 (formulas), §2.4 (layer, padding), §2.5 (rigid
 * configs and their notes), §5 (symbol → code names).
 */
import type {
  FilterSpec,
  GeneratorConfig,
  InputSpec,
  LadderSwitches,
  LayerSpec,
  ResolvedConfig,
  SynthesisGeometry,
} from '../types.js';

// ---------------------------------------------------------------------------------------------
// Correctly rounded pow / log2 in double-double arithmetic.
//
// Why: the official schedule is evaluated by NumPy, whose `power`/`log2` come from the platform's
// libm (glibc: correctly rounded except within ~0.003 ulp of a tie; SIMD builds may differ by an ulp),
// whereas V8's Math.pow / `**` is off by one ulp for about one argument pair in ten. The integer
// outputs (s = 2^ceil(log2 …), C = rint …) depend on the last bits near power-of-two and
// half-integer boundaries, so x^e and log2 x are evaluated with ~106-bit precision and rounded once:
// the platform-independent value closest to what every accurate libm returns. Measured: identical to
// glibc-NumPy on 99.1 % of 5820 schedules (the rest 1 ulp, no integer differs) and to the golden
// official geometry in 780 of 840 floats (max 4e-16 relative), all integers equal.
// ---------------------------------------------------------------------------------------------

/** A double-double number hi + lo with |lo| ≤ ulp(hi)/2. */
type DD = [number, number];

/** Exact a + b = s + err (Knuth's TwoSum). */
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** Exact a·b = p + err by Dekker's splitting (JS has no fused multiply-add). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const SPLIT = 134217729; // 2^27 + 1
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  return twoSum(s, e + a[1] + b[1]);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

/** a / b for a double-double a and a double b. */
function ddDiv(a: DD, b: number): DD {
  const q = a[0] / b;
  const [p, e] = twoProd(q, b);
  return twoSum(q, (a[0] - p - e + a[1]) / b);
}

/** ln 2 as a double-double. */
const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** e^a for a double-double a (|a| < 700), relative error ~1e-30. */
function ddExp(a: DD): DD {
  const k = Math.round(a[0] / LN2[0]);
  // r = a − k·ln2 (|r| ≲ 0.35), e^r by its Taylor series, then × 2^k (exact).
  const r = ddAdd(a, ddMul([-k, 0], LN2));
  let term: DD = [1, 0];
  let sum: DD = [1, 0];
  for (let n = 1; n <= 27; n++) {
    term = ddDiv(ddMul(term, r), n);
    sum = ddAdd(sum, term);
  }
  const scale = 2 ** k;
  return [sum[0] * scale, sum[1] * scale];
}

/** ln x for a positive finite double x, as a double-double (Newton step on Math.log). */
function ddLog(x: number): DD {
  const y = Math.log(x);
  // ln x = y + ln(x·e^−y) ≈ y + (x − e^y)/e^y; the residual is ~1e-16, its square negligible.
  const ey = ddExp([y, 0]);
  const d = (x - ey[0] - ey[1]) / ey[0];
  return twoSum(y, d);
}

/**
 * x ** e rounded to the nearest double (what glibc's pow, hence NumPy's `power` and Python's `**`,
 * return), for x > 0. Special cases follow Math.pow.
 */
export function powCR(x: number, e: number): number {
  if (!(x > 0) || !Number.isFinite(x) || !Number.isFinite(e) || e === 0 || x === 1) return x ** e;
  if (e === 1) return x;
  const L = ddLog(x);
  const p = ddAdd(twoProd(e, L[0]), [e * L[1], 0]);
  if (Math.abs(p[0]) > 700) return x ** e; // outside the range we need; defer to V8
  const v = ddExp(p);
  return v[0] + v[1];
}

/** log2 x rounded to the nearest double (glibc's log2, NumPy's `log2`), for x > 0. */
export function log2CR(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log2(x);
  // Exact powers of two (and their exact logs) first: the common, boundary-critical case.
  const m = Math.log2(x);
  if (Number.isInteger(m) && 2 ** m === x) return m;
  const L = ddLog(x);
  // (L / ln2) in double-double: q = L.hi/LN2.hi, one correction step.
  const q = L[0] / LN2[0];
  const back = ddMul([q, 0], LN2);
  const rem = ddAdd(L, [-back[0], -back[1]]);
  const corr = (rem[0] + rem[1]) / LN2[0];
  const s = twoSum(q, corr);
  return s[0] + s[1];
}

/**
 * Official defaults of the optional fields, i.e. the values the official `Generator`,
 * `MappingNetwork`, `SynthesisNetwork` and `SynthesisLayer` signatures use when an argument is absent
 * (so a pickle's `init_kwargs` that omits a key means this value). Note that `magnitudeEmaBeta` is
 * the *signature* default 0.999; train.py always passes 0.5^(batch/20000) instead.
 */
export const OFFICIAL_DEFAULTS = Object.freeze({
  cDim: 0,
  /** MappingNetwork num_layers. */
  mappingLayers: 2,
  channelBase: 32768,
  channelMax: 512,
  numLayers: 14,
  numCritical: 2,
  firstCutoff: 2,
  firstStopband: powCR(2, 2.1),
  lastStopbandRel: powCR(2, 0.3),
  marginSize: 10,
  outputScale: 0.25,
  numFp16Res: 4,
  convKernel: 3,
  filterSize: 6,
  lreluUpsampling: 2,
  useRadialFilters: false,
  convClamp: 256 as number | null,
  magnitudeEmaBeta: 0.999,
  wAvgBeta: 0.998,
  mappingLrMultiplier: 0.01,
});

/** The fixed StyleGAN2 up filter [1,3,3,1], normalised to unit DC gain (used by config D). */
export const BINOMIAL_TAPS: readonly number[] = Object.freeze([1 / 8, 3 / 8, 3 / 8, 1 / 8]);

/** Every key a config may have (anything else is rejected: a typo would silently change nothing). */
const CONFIG_KEYS: readonly string[] = [
  'imgResolution',
  'imgChannels',
  'zDim',
  'wDim',
  'cDim',
  'mappingLayers',
  'channelBase',
  'channelMax',
  'numLayers',
  'numCritical',
  'firstCutoff',
  'firstStopband',
  'lastStopbandRel',
  'marginSize',
  'outputScale',
  'filterSize',
  'lreluUpsampling',
  'useRadialFilters',
  'convKernel',
  'convClamp',
  'magnitudeEmaBeta',
  'wAvgBeta',
  'mappingLrMultiplier',
  'numFp16Res',
  'ladder',
];
const LADDER_KEYS: readonly string[] = [
  'schedule',
  'cutoff',
  'channels',
  'learnedInputTransform',
  'upFilter',
  'inputSamplingRate',
];

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function isPowerOfTwo(v: number): boolean {
  return Number.isInteger(v) && v >= 1 && (v & (v - 1)) === 0;
}

/** Integer field ≥ min (TypeError if not an integer, RangeError if too small). */
function checkInt(name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`config.${name} must be an integer, got ${show(v)}`);
  }
  if (v < min || v > max) {
    throw new RangeError(
      `config.${name} must be an integer in [${min}, ${max === Infinity ? '∞' : max}], got ${v}`,
    );
  }
  return v;
}

/** Finite number with lo < v (or lo ≤ v) and v ≤ hi. */
function checkNum(name: string, v: unknown, lo: number, hi = Infinity, loInclusive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`config.${name} must be a finite number, got ${show(v)}`);
  }
  if (!(loInclusive ? v >= lo : v > lo) || v > hi) {
    throw new RangeError(
      `config.${name} must lie in ${loInclusive ? '[' : '('}${lo}, ${hi === Infinity ? '∞)' : `${hi}]`}, got ${v}`,
    );
  }
  return v;
}

function checkBool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`config.${name} must be a boolean, got ${show(v)}`);
  return v;
}

function checkEnum<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new TypeError(
      `config.${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`,
    );
  }
  return v as T;
}

/** The value or its default when absent (`undefined`). */
function or<T>(v: T | undefined, d: T): T {
  return v === undefined ? d : v;
}

/** NumPy's `rint`: round half to even (Math.round rounds half up). */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Validate a config and fill every optional field: official defaults (`OFFICIAL_DEFAULTS`), the
 * ladder switches of the official flexible generator, and derived values (the rigid schedule's
 * `numLayers` = 2·(log2(s_N/s₀) + 1); the flexible input rate = s[0]). Throws a TypeError for a
 * wrong type or an unknown key and a RangeError for an out-of-range value, naming the field
 * (`config.imgResolution`, `config.ladder.schedule`, …).
 */
export function resolveConfig(config: GeneratorConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`config must be a plain object, got ${show(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new TypeError(`config.${key} is not a known config key (allowed: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  const c = config as GeneratorConfig & Record<string, unknown>;
  const ladderIn: LadderSwitches = c.ladder === undefined ? {} : c.ladder;
  if (ladderIn === null || typeof ladderIn !== 'object' || Array.isArray(ladderIn)) {
    throw new TypeError(`config.ladder must be an object of ladder switches, got ${show(ladderIn)}`);
  }
  for (const key of Object.keys(ladderIn)) {
    if (!LADDER_KEYS.includes(key)) {
      throw new TypeError(
        `config.ladder.${key} is not a known ladder switch (allowed: ${LADDER_KEYS.join(', ')})`,
      );
    }
  }

  const imgResolution = checkInt('imgResolution', c.imgResolution, 4, 32768);
  if (!isPowerOfTwo(imgResolution)) {
    throw new RangeError(`config.imgResolution must be a power of two in [4, 32768], got ${imgResolution}`);
  }
  const D = OFFICIAL_DEFAULTS;
  const schedule = checkEnum('ladder.schedule', or(ladderIn.schedule, 'flexible'), [
    'flexible',
    'rigid',
  ] as const);
  const rigid = schedule === 'rigid';
  const r = {
    imgResolution,
    imgChannels: checkInt('imgChannels', c.imgChannels, 1),
    zDim: checkInt('zDim', c.zDim, 1),
    wDim: checkInt('wDim', c.wDim, 1),
    cDim: checkInt('cDim', or(c.cDim, D.cDim), 0),
    mappingLayers: checkInt('mappingLayers', or(c.mappingLayers, D.mappingLayers), 1),
    channelBase: checkNum('channelBase', c.channelBase, 0),
    channelMax: checkNum('channelMax', c.channelMax, 0),
    numLayers: 0, // below
    numCritical: checkInt('numCritical', or(c.numCritical, D.numCritical), 0),
    firstCutoff: checkNum('firstCutoff', or(c.firstCutoff, D.firstCutoff), 0),
    firstStopband: checkNum('firstStopband', or(c.firstStopband, D.firstStopband), 0),
    lastStopbandRel: checkNum('lastStopbandRel', or(c.lastStopbandRel, D.lastStopbandRel), 0),
    marginSize: checkInt('marginSize', or(c.marginSize, D.marginSize), 0),
    outputScale: checkNum('outputScale', or(c.outputScale, D.outputScale), -Infinity),
    filterSize: checkInt('filterSize', or(c.filterSize, D.filterSize), 1),
    lreluUpsampling: checkInt('lreluUpsampling', or(c.lreluUpsampling, D.lreluUpsampling), 1),
    useRadialFilters: checkBool('useRadialFilters', or(c.useRadialFilters, D.useRadialFilters)),
    convKernel: checkInt('convKernel', or(c.convKernel, D.convKernel), 1),
    convClamp: c.convClamp === undefined ? D.convClamp : c.convClamp,
    magnitudeEmaBeta: checkNum('magnitudeEmaBeta', or(c.magnitudeEmaBeta, D.magnitudeEmaBeta), 0, 1, true),
    wAvgBeta: checkNum('wAvgBeta', or(c.wAvgBeta, D.wAvgBeta), 0, 1, true),
    mappingLrMultiplier: checkNum('mappingLrMultiplier', or(c.mappingLrMultiplier, D.mappingLrMultiplier), 0),
    numFp16Res: checkInt('numFp16Res', or(c.numFp16Res, D.numFp16Res), 0),
  };
  if (r.convKernel % 2 !== 1) {
    // An even kernel has no centre tap: the "full conv then symmetric crop" would shift the map.
    throw new RangeError(`config.convKernel must be an odd integer >= 1, got ${r.convKernel}`);
  }
  if (r.convClamp !== null) checkNum('convClamp', r.convClamp, 0);

  const ladder: Required<LadderSwitches> = {
    schedule,
    cutoff: checkEnum('ladder.cutoff', or(ladderIn.cutoff, 'critical'), ['critical', 'noncritical'] as const),
    channels: checkEnum('ladder.channels', or(ladderIn.channels, 'cutoff'), ['rate', 'cutoff'] as const),
    learnedInputTransform: checkBool(
      'ladder.learnedInputTransform',
      or(ladderIn.learnedInputTransform, true),
    ),
    upFilter: checkEnum('ladder.upFilter', or(ladderIn.upFilter, 'kaiser'), ['kaiser', 'binomial'] as const),
    inputSamplingRate: 0, // below
  };

  if (rigid) {
    const s0 = checkInt('ladder.inputSamplingRate', or(ladderIn.inputSamplingRate, 4), 2, imgResolution);
    if (!isPowerOfTwo(s0)) {
      throw new RangeError(
        `config.ladder.inputSamplingRate must be a power of two in [2, ${imgResolution}], got ${s0}`,
      );
    }
    ladder.inputSamplingRate = s0;
    // Two layers per rate s₀, 2s₀, …, s_N.
    const derived = 2 * (Math.log2(imgResolution / s0) + 1);
    if (c.numLayers !== undefined && c.numLayers !== derived) {
      throw new RangeError(
        `config.numLayers must be ${derived} (2 per rate from ${s0} to ${imgResolution}) for the rigid schedule, or be omitted; got ${show(c.numLayers)}`,
      );
    }
    r.numLayers = derived;
    if (r.firstCutoff > s0 / 2) {
      throw new RangeError(
        `config.firstCutoff (input bandwidth) must be <= ladder.inputSamplingRate/2 = ${s0 / 2} for the rigid schedule, got ${r.firstCutoff}`,
      );
    }
  } else {
    r.numLayers = checkInt('numLayers', or(c.numLayers, D.numLayers), 1);
    if (ladderIn.cutoff !== undefined && ladderIn.cutoff !== 'critical') {
      throw new RangeError(
        `config.ladder.cutoff ${show(ladderIn.cutoff)} applies only to schedule 'rigid' (the flexible schedule takes f_c from Eq. 35)`,
      );
    }
  }
  if (r.numCritical > r.numLayers || (!rigid && r.numCritical >= r.numLayers)) {
    throw new RangeError(
      `config.numCritical must be ${rigid ? '<=' : '<'} numLayers = ${r.numLayers}, got ${r.numCritical}`,
    );
  }
  if (!rigid) {
    // s[0] of Eq. 35, needed to check/fill the input rate.
    const s = flexibleSchedule(r as ResolvedScalars);
    if (ladderIn.inputSamplingRate !== undefined && ladderIn.inputSamplingRate !== s.samplingRates[0]) {
      throw new RangeError(
        `config.ladder.inputSamplingRate must equal s[0] = ${s.samplingRates[0]} for the flexible schedule (or be omitted), got ${show(ladderIn.inputSamplingRate)}`,
      );
    }
    ladder.inputSamplingRate = s.samplingRates[0];
  }
  return { ...r, ladder };
}

type ResolvedScalars = Omit<ResolvedConfig, 'ladder'>;

/** Per-index schedule arrays (length N + 1; index N is ToRGB). */
interface Schedule {
  samplingRates: number[]; // s[i]
  cutoffs: number[]; // f_c[i]
  stopbands: number[]; // f_t[i]
  halfWidths: number[]; // f_h[i]
}

/**
 * Paper Eqs. 35–36 with the official operation order (NumPy float64):
 *   e[i]   = min(i / (N − N_crit), 1)
 *   f_c[i] = f_c,0 · (f_c,N / f_c,0) ** e[i],        f_c,N = s_N / 2
 *   f_t[i] = f_t,0 · (f_t,N / f_t,0) ** e[i],        f_t,N = f_c,N · lastStopbandRel
 *   s[i]   = 2 ** ceil(log2(min(f_t[i] · 2, s_N)))
 *   f_h[i] = max(f_t[i], s[i] / 2) − f_c[i]
 */
function flexibleSchedule(c: ResolvedScalars): Schedule {
  const N = c.numLayers;
  const lastCutoff = c.imgResolution / 2;
  const lastStopband = lastCutoff * c.lastStopbandRel;
  const out: Schedule = { samplingRates: [], cutoffs: [], stopbands: [], halfWidths: [] };
  for (let i = 0; i <= N; i++) {
    const e = Math.min(i / (N - c.numCritical), 1);
    const fc = c.firstCutoff * powCR(lastCutoff / c.firstCutoff, e);
    const ft = c.firstStopband * powCR(lastStopband / c.firstStopband, e);
    const s = 2 ** Math.ceil(log2CR(Math.min(ft * 2, c.imgResolution)));
    out.cutoffs.push(fc);
    out.stopbands.push(ft);
    out.samplingRates.push(s);
    out.halfWidths.push(Math.max(ft, s / 2) - fc);
  }
  return out;
}

/**
 * Rigid StyleGAN2-like schedule of configs D–H (spec §2.5, [inferred] there):
 *   s[i] = s₀ · 2^⌊i/2⌋ (i < N),  s[N] = s_N (ToRGB)
 *   f_h[i] = (√2 − 1) · s[i]/2
 *   f_c[i] = s[i]/2 (critical: rule 'critical', or one of the last N_crit layers and ToRGB)
 *          = s[i]/2 − f_h[i] (rule 'noncritical'), so the stopband edge f_c + f_h is exactly s/2
 *   f_t[i] = f_c[i] + f_h[i]
 */
function rigidSchedule(c: ResolvedConfig): Schedule {
  const N = c.numLayers;
  const s0 = c.ladder.inputSamplingRate;
  const out: Schedule = { samplingRates: [], cutoffs: [], stopbands: [], halfWidths: [] };
  for (let i = 0; i <= N; i++) {
    const s = i < N ? s0 * 2 ** Math.floor(i / 2) : c.imgResolution;
    const fh = (Math.SQRT2 - 1) * (s / 2);
    const critical = c.ladder.cutoff === 'critical' || i >= N - c.numCritical;
    const fc = critical ? s / 2 : s / 2 - fh;
    out.samplingRates.push(s);
    out.halfWidths.push(fh);
    out.cutoffs.push(fc);
    out.stopbands.push(fc + fh);
  }
  return out;
}

/**
 * Compute the whole synthesis geometry of a config (validated first by `resolveConfig`).
 *
 * Schedule (s, f_c, f_t, f_h per index 0…N) as described above, then, mirroring the official
 * `SynthesisNetwork`/`SynthesisLayer` constructors:
 * - size[i] = s[i] + 2·margin (pixels), except size[N−1] = size[N] = s_N;
 * - C[i] = rint(min((C_base/2)/f_c[i], C_max)) (rule 'cutoff', = C(2 f_c)) or
 *   rint(min(C_base/s[i], C_max)) (rule 'rate', = C(s)); C[N] = imgChannels;
 * - input: C[0] channels, size[0] px, rate s[0] (rigid: s₀), bandwidth f_c[0] (rigid: firstCutoff);
 * - layer i reads index prev = max(i−1, 0); for the rigid schedule layer 0 reads the input's spec
 *   (f_c = bandwidth, f_h = (√2−1)·s₀/2) instead of its own (spec §2.5 note);
 * - s' = max(s_in, s_out)·m (m = 1 for ToRGB); u = s'/s_in, d = s'/s_out;
 *   taps = n·factor if factor > 1 and not ToRGB, else 1 (no filter); D's binomial up filter has 4;
 * - kernel k = convKernel (1 for ToRGB);
 * - pad_total = (out − 1)·d + 1 − (in + k − 1)·u + taps_up + taps_down − 2,
 *   pad_lo = floor((pad_total + u)/2), pad_hi = pad_total − pad_lo, padding = [lo, hi, lo, hi];
 * - up filter (taps_up, cutoff f_c,in, width 2·f_h,in, fs s'), separable;
 *   down filter (taps_down, f_c,out, 2·f_h,out, s'), radial iff useRadialFilters and the layer is not
 *   critically sampled (i ≥ N − N_crit; every layer under the rigid 'critical' rule);
 * - gain √2, slope 0.2 (1, 1 for ToRGB); name `L{i}_{size}_{C}`; numWs = N + 2.
 * Rates are in samples per canvas unit (= canvas pixels), frequencies in cycles per canvas unit.
 */
export function computeGeometry(config: GeneratorConfig): SynthesisGeometry {
  const c = resolveConfig(config);
  const N = c.numLayers;
  const rigid = c.ladder.schedule === 'rigid';
  const sch = rigid ? rigidSchedule(c) : flexibleSchedule(c);
  const { samplingRates: s, cutoffs: fc, stopbands: ft, halfWidths: fh } = sch;

  // Sanity of the schedule: the last two indices must run at s_N (their maps are s_N px wide) and
  // every transition band must have positive width (firwin needs width > 0).
  for (let i = 0; i <= N; i++) {
    if (!(fh[i] > 0)) {
      throw new RangeError(
        `config.firstStopband / config.lastStopbandRel give a non-positive transition half-width f_h = ${fh[i]} at layer ${i}; the stopband must lie above the cutoff`,
      );
    }
    if (i > 0 && s[i] < s[i - 1]) {
      throw new RangeError(
        `config.firstStopband / config.lastStopbandRel make the sampling rate decrease at layer ${i}`,
      );
    }
  }
  if (s[N - 1] !== c.imgResolution) {
    throw new RangeError(
      `config.lastStopbandRel = ${c.lastStopbandRel} leaves the last layer at rate ${s[N - 1]} < imgResolution ${c.imgResolution}; it must make 2·f_t,N >= s_N`,
    );
  }

  const sizes = s.map((v) => v + 2 * c.marginSize);
  if (N >= 1) sizes[N - 1] = c.imgResolution;
  sizes[N] = c.imgResolution;
  const channels = fc.map((f, i) =>
    rint(
      Math.min(c.ladder.channels === 'cutoff' ? c.channelBase / 2 / f : c.channelBase / s[i], c.channelMax),
    ),
  );
  channels[N] = c.imgChannels;
  for (let i = 0; i < N; i++) {
    if (!(channels[i] >= 1)) {
      throw new RangeError(
        `config.channelBase = ${c.channelBase} gives ${channels[i]} channels at layer ${i} (need >= 1); increase channelBase`,
      );
    }
  }

  const s0 = rigid ? c.ladder.inputSamplingRate : s[0];
  const bandwidth = rigid ? c.firstCutoff : fc[0];
  const inputSize = rigid ? s0 + 2 * c.marginSize : sizes[0];
  const input: InputSpec = {
    channels: channels[0],
    size: inputSize,
    samplingRate: s0,
    bandwidth,
    hardBandCut: s0 / 2 - bandwidth <= 0,
    learnedTransform: c.ladder.learnedInputTransform,
  };
  // Spec of the signal entering layer 0 in the rigid configs: the Fourier features' own band.
  const inputHalfWidth = (Math.SQRT2 - 1) * (s0 / 2);

  const layers: LayerSpec[] = [];
  for (let i = 0; i <= N; i++) {
    const prev = Math.max(i - 1, 0);
    const isTorgb = i === N;
    const isCriticallySampled = (rigid && c.ladder.cutoff === 'critical') || i >= N - c.numCritical;
    const fromInput = rigid && i === 0;
    const inSamplingRate = fromInput ? s0 : s[prev];
    const outSamplingRate = s[i];
    const inCutoff = fromInput ? bandwidth : fc[prev];
    const inHalfWidth = fromInput ? inputHalfWidth : fh[prev];
    const inStopband = fromInput ? bandwidth + inputHalfWidth : ft[prev];
    const inSize = fromInput ? inputSize : sizes[prev];
    const outSize = sizes[i];
    const m = isTorgb ? 1 : c.lreluUpsampling;
    const tmpSamplingRate = Math.max(inSamplingRate, outSamplingRate) * m;
    const upFactor = rint(tmpSamplingRate / inSamplingRate);
    const downFactor = rint(tmpSamplingRate / outSamplingRate);
    if (inSamplingRate * upFactor !== tmpSamplingRate || outSamplingRate * downFactor !== tmpSamplingRate) {
      throw new RangeError(
        `layer ${i}: rates ${inSamplingRate} → ${tmpSamplingRate} → ${outSamplingRate} are not integer ratios`,
      );
    }
    const binomial = c.ladder.upFilter === 'binomial';
    if (binomial && upFactor > 1 && !isTorgb && upFactor !== 2) {
      throw new RangeError(
        `config.ladder.upFilter 'binomial' is a 2× filter, but layer ${i} upsamples by ${upFactor}; use lreluUpsampling 1 with it`,
      );
    }
    const upTaps = upFactor > 1 && !isTorgb ? (binomial ? BINOMIAL_TAPS.length : c.filterSize * upFactor) : 1;
    const downTaps = downFactor > 1 && !isTorgb ? c.filterSize * downFactor : 1;
    const downRadial = c.useRadialFilters && !isCriticallySampled;
    const convKernel = isTorgb ? 1 : c.convKernel;

    let padTotal = (outSize - 1) * downFactor + 1; // wanted length before the down step
    padTotal -= (inSize + convKernel - 1) * upFactor; // length of the full conv output after zero insertion
    padTotal += upTaps + downTaps - 2; // what the two FIR filters trim
    const padLo = Math.floor((padTotal + upFactor) / 2); // symmetric (pixel-centre) alignment
    const padHi = padTotal - padLo;

    const upFilter: FilterSpec | null =
      upTaps === 1
        ? null
        : binomial
          ? { kind: 'binomial', taps: [...BINOMIAL_TAPS] }
          : {
              kind: 'kaiser',
              numtaps: upTaps,
              cutoff: inCutoff,
              width: inHalfWidth * 2,
              fs: tmpSamplingRate,
              radial: false,
            };
    const downFilter: FilterSpec | null =
      downTaps === 1
        ? null
        : {
            kind: 'kaiser',
            numtaps: downTaps,
            cutoff: fc[i],
            width: fh[i] * 2,
            fs: tmpSamplingRate,
            radial: downRadial,
          };

    layers.push({
      name: `L${i}_${outSize}_${channels[i]}`,
      index: i,
      inSamplingRate,
      outSamplingRate,
      tmpSamplingRate,
      inCutoff,
      outCutoff: fc[i],
      inHalfWidth,
      outHalfWidth: fh[i],
      inStopband,
      outStopband: ft[i],
      inSize,
      outSize,
      inChannels: channels[prev],
      outChannels: channels[i],
      convKernel,
      upFactor,
      upTaps,
      downFactor,
      downTaps,
      padding: [padLo, padHi, padLo, padHi],
      isTorgb,
      isCriticallySampled,
      downRadial,
      upFilter,
      downFilter,
      gain: isTorgb ? 1 : Math.SQRT2,
      slope: isTorgb ? 1 : 0.2,
      useFp16: outSamplingRate * 2 ** c.numFp16Res > c.imgResolution,
    });
  }
  return { input, layers, numWs: N + 2, config: c };
}
