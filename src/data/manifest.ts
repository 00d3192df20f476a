/**
 * The manifest of the trained networks shipped in `data/` (`data/manifest.json`): what each network
 * is, how exactly it was made (the `aliasfree dataset` and `aliasfree train` commands, kimg reached,
 * wall time, the machine), one recorded image that any later load must reproduce, and the metrics
 * measured on it beside the untrained network of the same config.
 *
 * Pure: validation works on parsed JSON and reports the first problem with its JSON path
 * (`networks[1].image.seed`) and why, so a hand-edited manifest fails with a message that says where.
 * File checks (presence, size, SHA-256) live in `trained.ts`, which owns the file system.
 */

/** Version tag of the manifest layout (bump when a field changes meaning). */
export const TRAINED_SCHEMA = 'aliasfree-trained/1';

/**
 * Config family of a trained network: `A` = StyleGAN2 (`training.networks_stylegan2.Generator`,
 * train.py's `--cfg stylegan2`, the paper's config A up to capacity), `T` = StyleGAN3-T, `R` =
 * StyleGAN3-R.
 */
export type TrainedFamily = 'A' | 'T' | 'R';

/** The procedural training set, enough to regenerate it without storing the zip. */
export interface TrainedDataset {
  /** The exact command that wrote the zip the run trained on. */
  command: string;
  kind: 'procedural';
  count: number;
  resolution: number;
  seed: number;
  channels: number;
}

/** The machine a run trained on, and how busy it was. */
export interface TrainedMachine {
  /** `os.cpus()` count and model. */
  cpus: number;
  cpuModel: string;
  platform: string;
  /** 1-minute load average when the snapshot was recorded (same machine as the run). */
  loadAverage: number;
  /** Free text: what else shared the machine. */
  note: string;
}

/** How the network was trained. */
export interface TrainedRun {
  /** The exact `aliasfree train` command. */
  command: string;
  /** Training length asked for (kimg). */
  kimgTarget: number;
  /** Images shown when the snapshot was written, in thousands (cur_nimg / 1000). */
  kimg: number;
  /** Wall time from the start of the run to the last tick at or before the snapshot (`log.jsonl`). */
  wallSeconds: number;
  /** The run's `training_options.json` (G/D kwargs, optimiser, loss options …), verbatim. */
  options: Record<string, unknown>;
  machine: TrainedMachine;
}

/** The image recorded when the network was added; a load must reproduce it. */
export interface RecordedImage {
  /** Latent seed (z = `latentForSeed(seed, zDim)`, the CLI's `--seeds`). */
  seed: number;
  /** Truncation ψ. */
  psi: number;
  /** StyleGAN2: the noise mode it was rendered with (`const`, the stored noise); null for StyleGAN3. */
  noiseMode: 'const' | null;
  /** The expected pixels: float32 `.npy`, `[1, C, H, W]`, relative to the manifest's folder. */
  file: string;
  sha256: string;
  bytes: number;
}

/** SWD×10³ of one network against the regenerated training set. */
export interface SwdValue {
  /** Mean over the pyramid levels. */
  average: number;
  /** Per level, full resolution first. */
  perLevel: number[];
  resolutions: number[];
}

/** EQ-T / EQ-T_frac / EQ-R (dB); all null when the network has no transformable input. */
export interface EqValue {
  eqt: number | null;
  eqt_frac: number | null;
  eqr: number | null;
}

/** Measurements of the trained network and of the untrained one of the same config. */
export interface TrainedMetrics {
  swd: {
    /** Images per set (generated and real). */
    images: number;
    seed: number;
    /** ψ of the generated images. */
    psi: number;
    trained: SwdValue;
    untrained: SwdValue;
  };
  eq: {
    /** Latents pooled per metric. */
    samples: number;
    seed: number;
    trained: EqValue;
    untrained: EqValue;
    /** Why EQ is missing (config A), else null. */
    note: string | null;
  };
  /** The untrained network: fresh seeded weights from the run's G kwargs (train.py's seed stream). */
  untrainedWeightSeed: number;
  /** The tfjs backend that measured. */
  backend: string;
  /** Seconds the measurement took. */
  seconds: number;
}

/** One trained network. */
export interface TrainedEntry {
  /** Unique name, also the studio's and report's label (`[a-z0-9-]+`). */
  id: string;
  /** The official snapshot pickle (G, D, G_ema, …), relative to the manifest's folder. */
  file: string;
  sha256: string;
  bytes: number;
  family: TrainedFamily;
  /** `stylegan3` (T, R) or `stylegan2` (A). */
  network: 'stylegan3' | 'stylegan2';
  resolution: number;
  dataset: TrainedDataset;
  train: TrainedRun;
  image: RecordedImage;
  metrics: TrainedMetrics;
  /** ISO time the entry was recorded. */
  recorded: string;
}

/** `data/manifest.json`. */
export interface TrainedManifest {
  schema: typeof TRAINED_SCHEMA;
  /**
   * A paragraph for `data/README.md` on why the trend does or does not show (kept across
   * re-recordings; edit it by hand).
   */
  why: string;
  networks: TrainedEntry[];
}

/** An empty manifest (what `data:record` starts from). */
export function emptyManifest(): TrainedManifest {
  return { schema: TRAINED_SCHEMA, why: '', networks: [] };
}

/** The error a bad manifest throws: the JSON path of the first problem and what is wrong there. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

type Obj = Record<string, unknown>;

function fail(where: string, path: string, what: string): never {
  throw new ManifestError(`${where}: ${path} ${what}`);
}

function obj(where: string, path: string, v: unknown): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    fail(where, path, `must be an object, got ${describe(v)}`);
  return v as Obj;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function str(where: string, path: string, v: unknown, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length === 0) fail(where, path, `must be a non-empty string, got ${describe(v)}`);
  if (pattern && !pattern.test(v)) fail(where, path, `must match ${pattern}, got ${describe(v)}`);
  return v;
}

function num(where: string, path: string, v: unknown, o: { int?: boolean; min?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, path, `must be a finite number, got ${describe(v)}`);
  if (o.int && !Number.isSafeInteger(v)) fail(where, path, `must be an integer, got ${v}`);
  if (o.min !== undefined && v < o.min) fail(where, path, `must be ≥ ${o.min}, got ${v}`);
  return v;
}

function numOrNull(where: string, path: string, v: unknown): number | null {
  return v === null ? null : num(where, path, v);
}

/** A path inside the manifest's folder: relative, forward slashes, no `..` (the package ships it). */
function relFile(where: string, path: string, v: unknown): string {
  const s = str(where, path, v);
  if (s.startsWith('/') || s.includes('\\') || s.split('/').some((p) => p === '..' || p === '' || p === '.'))
    fail(where, path, `must be a relative path inside the data folder (no '..', '/', '\\'), got ${describe(s)}`);
  return s;
}

const SHA256 = /^[0-9a-f]{64}$/;
const ID = /^[a-z0-9][a-z0-9-]*$/;

function swdValue(where: string, p: string, v: unknown): SwdValue {
  const o = obj(where, p, v);
  const perLevel = o.perLevel;
  const resolutions = o.resolutions;
  if (!Array.isArray(perLevel) || perLevel.length === 0)
    fail(where, `${p}.perLevel`, `must be a non-empty array, got ${describe(perLevel)}`);
  if (!Array.isArray(resolutions) || resolutions.length !== perLevel.length)
    fail(where, `${p}.resolutions`, `must be an array as long as perLevel (${perLevel.length}), got ${describe(resolutions)}`);
  return {
    average: num(where, `${p}.average`, o.average, { min: 0 }),
    perLevel: perLevel.map((x, i) => num(where, `${p}.perLevel[${i}]`, x, { min: 0 })),
    resolutions: resolutions.map((x, i) => num(where, `${p}.resolutions[${i}]`, x, { int: true, min: 1 })),
  };
}

function eqValue(where: string, p: string, v: unknown): EqValue {
  const o = obj(where, p, v);
  return {
    eqt: numOrNull(where, `${p}.eqt`, o.eqt),
    eqt_frac: numOrNull(where, `${p}.eqt_frac`, o.eqt_frac),
    eqr: numOrNull(where, `${p}.eqr`, o.eqr),
  };
}

function entry(where: string, p: string, v: unknown): TrainedEntry {
  const o = obj(where, p, v);
  const family = o.family;
  if (family !== 'A' && family !== 'T' && family !== 'R')
    fail(where, `${p}.family`, `must be 'A' (StyleGAN2), 'T' or 'R', got ${describe(family)}`);
  const network = o.network;
  const expected = family === 'A' ? 'stylegan2' : 'stylegan3';
  if (network !== expected)
    fail(where, `${p}.network`, `must be '${expected}' for family ${family}, got ${describe(network)}`);
  const d = obj(where, `${p}.dataset`, o.dataset);
  if (d.kind !== 'procedural') fail(where, `${p}.dataset.kind`, `must be 'procedural', got ${describe(d.kind)}`);
  const t = obj(where, `${p}.train`, o.train);
  const m = obj(where, `${p}.train.machine`, t.machine);
  const im = obj(where, `${p}.image`, o.image);
  if (im.noiseMode !== null && im.noiseMode !== 'const')
    fail(where, `${p}.image.noiseMode`, `must be 'const' or null, got ${describe(im.noiseMode)}`);
  const me = obj(where, `${p}.metrics`, o.metrics);
  const sw = obj(where, `${p}.metrics.swd`, me.swd);
  const eq = obj(where, `${p}.metrics.eq`, me.eq);
  if (eq.note !== null && typeof eq.note !== 'string')
    fail(where, `${p}.metrics.eq.note`, `must be a string or null, got ${describe(eq.note)}`);
  const resolution = num(where, `${p}.resolution`, o.resolution, { int: true, min: 4 });
  return {
    id: str(where, `${p}.id`, o.id, ID),
    file: relFile(where, `${p}.file`, o.file),
    sha256: str(where, `${p}.sha256`, o.sha256, SHA256),
    bytes: num(where, `${p}.bytes`, o.bytes, { int: true, min: 1 }),
    family,
    network: expected,
    resolution,
    dataset: {
      command: str(where, `${p}.dataset.command`, d.command),
      kind: 'procedural',
      count: num(where, `${p}.dataset.count`, d.count, { int: true, min: 1 }),
      resolution: num(where, `${p}.dataset.resolution`, d.resolution, { int: true, min: 4 }),
      seed: num(where, `${p}.dataset.seed`, d.seed, { int: true }),
      channels: num(where, `${p}.dataset.channels`, d.channels, { int: true, min: 1 }),
    },
    train: {
      command: str(where, `${p}.train.command`, t.command),
      kimgTarget: num(where, `${p}.train.kimgTarget`, t.kimgTarget, { min: 0 }),
      kimg: num(where, `${p}.train.kimg`, t.kimg, { min: 0 }),
      wallSeconds: num(where, `${p}.train.wallSeconds`, t.wallSeconds, { min: 0 }),
      options: obj(where, `${p}.train.options`, t.options),
      machine: {
        cpus: num(where, `${p}.train.machine.cpus`, m.cpus, { int: true, min: 1 }),
        cpuModel: typeof m.cpuModel === 'string' ? m.cpuModel : fail(where, `${p}.train.machine.cpuModel`, 'must be a string'),
        platform: str(where, `${p}.train.machine.platform`, m.platform),
        loadAverage: num(where, `${p}.train.machine.loadAverage`, m.loadAverage, { min: 0 }),
        note: typeof m.note === 'string' ? m.note : fail(where, `${p}.train.machine.note`, 'must be a string'),
      },
    },
    image: {
      seed: num(where, `${p}.image.seed`, im.seed, { int: true }),
      psi: num(where, `${p}.image.psi`, im.psi),
      noiseMode: im.noiseMode as 'const' | null,
      file: relFile(where, `${p}.image.file`, im.file),
      sha256: str(where, `${p}.image.sha256`, im.sha256, SHA256),
      bytes: num(where, `${p}.image.bytes`, im.bytes, { int: true, min: 1 }),
    },
    metrics: {
      swd: {
        images: num(where, `${p}.metrics.swd.images`, sw.images, { int: true, min: 1 }),
        seed: num(where, `${p}.metrics.swd.seed`, sw.seed, { int: true }),
        psi: num(where, `${p}.metrics.swd.psi`, sw.psi),
        trained: swdValue(where, `${p}.metrics.swd.trained`, sw.trained),
        untrained: swdValue(where, `${p}.metrics.swd.untrained`, sw.untrained),
      },
      eq: {
        samples: num(where, `${p}.metrics.eq.samples`, eq.samples, { int: true, min: 0 }),
        seed: num(where, `${p}.metrics.eq.seed`, eq.seed, { int: true }),
        trained: eqValue(where, `${p}.metrics.eq.trained`, eq.trained),
        untrained: eqValue(where, `${p}.metrics.eq.untrained`, eq.untrained),
        note: (eq.note as string | null) ?? null,
      },
      untrainedWeightSeed: num(where, `${p}.metrics.untrainedWeightSeed`, me.untrainedWeightSeed, { int: true }),
      backend: str(where, `${p}.metrics.backend`, me.backend),
      seconds: num(where, `${p}.metrics.seconds`, me.seconds, { min: 0 }),
    },
    recorded: str(where, `${p}.recorded`, o.recorded),
  };
}

/**
 * Check parsed manifest JSON against the layout above and return it typed. Throws `ManifestError`
 * naming `where` (the file), the JSON path of the first bad field and why: a missing field, a wrong
 * type, a bad hash, a path leaving the data folder, a duplicate id or file.
 */
export function validateManifest(json: unknown, where = 'manifest'): TrainedManifest {
  const o = obj(where, '(top level)', json);
  if (o.schema !== TRAINED_SCHEMA)
    fail(where, 'schema', `must be ${JSON.stringify(TRAINED_SCHEMA)}, got ${describe(o.schema)}`);
  if (typeof o.why !== 'string') fail(where, 'why', `must be a string (may be empty), got ${describe(o.why)}`);
  if (!Array.isArray(o.networks)) fail(where, 'networks', `must be an array, got ${describe(o.networks)}`);
  const networks = o.networks.map((n, i) => entry(where, `networks[${i}]`, n));
  const seen = new Map<string, number>();
  networks.forEach((n, i) => {
    for (const key of [`id ${n.id}`, `file ${n.file}`, `file ${n.image.file}`]) {
      const j = seen.get(key);
      if (j !== undefined && j !== i) fail(where, `networks[${i}]`, `repeats the ${key} of networks[${j}]`);
      seen.set(key, i);
    }
  });
  return { schema: TRAINED_SCHEMA, why: o.why, networks };
}

/** The manifest with `e` added, or replacing the entry of the same id (order kept, new ones last). */
export function upsertEntry(m: TrainedManifest, e: TrainedEntry): TrainedManifest {
  const i = m.networks.findIndex((n) => n.id === e.id);
  const networks = m.networks.slice();
  if (i >= 0) networks[i] = e;
  else networks.push(e);
  return { ...m, networks };
}
