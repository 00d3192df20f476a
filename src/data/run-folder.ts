/**
 * What a training run folder (`aliasfree train --out …`, the official layout) says about one of its
 * snapshots: the run's options, the images shown when the snapshot was written, the wall time up to
 * it (from `log.jsonl`), the exact train command and the config family. Pure parsing of the files'
 * text, so it is tested without a run.
 */
import type { TrainedFamily } from './manifest.js';

/** One tick line of `log.jsonl` (the fields used here). */
export interface LogTick {
  kimg: number;
  tickSeconds: number;
  /** Unix seconds when the tick ended. */
  timestamp: number;
}

/** The tick lines of `log.jsonl` text; other lines are ignored, a malformed line names its number. */
export function parseTrainingLog(text: string, what = 'log.jsonl'): LogTick[] {
  const ticks: LogTick[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new RangeError(`${what} line ${i + 1} is not JSON: ${line.slice(0, 60)}`);
    }
    if (typeof o.kimg === 'number' && typeof o.timestamp === 'number' && typeof o.tick_seconds === 'number')
      ticks.push({ kimg: o.kimg, tickSeconds: o.tick_seconds, timestamp: o.timestamp });
  });
  return ticks;
}

/**
 * Wall time from the start of the run to the last tick at or before `kimg`: the first tick's end time
 * minus its duration is the start (the log has no start line); snapshots are written right after a
 * tick, so that tick's end is the snapshot's time. Throws when no tick reaches back that far.
 */
export function wallSecondsTo(ticks: readonly LogTick[], kimg: number, what = 'log.jsonl'): number {
  if (ticks.length === 0) throw new RangeError(`${what} has no tick lines (kimg, tick_seconds, timestamp)`);
  const start = ticks[0].timestamp - ticks[0].tickSeconds;
  const upTo = ticks.filter((t) => t.kimg <= kimg + 1e-9);
  if (upTo.length === 0)
    throw new RangeError(`${what}: no tick at or before ${kimg} kimg (the first ends at ${ticks[0].kimg} kimg)`);
  return upTo[upTo.length - 1].timestamp - start;
}

/**
 * Images shown at a snapshot, in kimg: `curNimg / 1000` of the sidecar `network-snapshot-*.json` the
 * trainer writes beside it when given, else the number in the file name (`…-000006.pkl` = 6 kimg).
 */
export function snapshotKimg(fileName: string, sidecar: Record<string, unknown> | null): number {
  if (sidecar && typeof sidecar.curNimg === 'number') return sidecar.curNimg / 1000;
  const m = /(\d+)\.pkl$/.exec(fileName);
  if (!m) throw new RangeError(`cannot tell the kimg of ${JSON.stringify(fileName)}: no sidecar .json and no number in its name`);
  return Number(m[1]);
}

/** Config family from `training_options.json`: StyleGAN2 → A, `stylegan3-t` → T, `stylegan3-r` → R. */
export function familyOf(options: Record<string, unknown>): TrainedFamily {
  const g = options.G_kwargs as Record<string, unknown> | undefined;
  const cls = String(g?.class_name ?? '');
  if (/networks_stylegan2\.Generator$/.test(cls)) return 'A';
  if (options.cfg === 'stylegan3-t') return 'T';
  if (options.cfg === 'stylegan3-r') return 'R';
  throw new RangeError(
    `training options: cfg ${JSON.stringify(options.cfg)} with ${JSON.stringify(cls)} is none of stylegan2, stylegan3-t, stylegan3-r`,
  );
}

/**
 * The `aliasfree train` command that gives these options: every option the run was started with
 * that train.py records (cfg, data, batch, kimg, tick, snap, capacity, latent sizes, seed) and, when
 * they differ from the defaults the rest of the command implies, γ. A command recorded by hand
 * (`--train-command`) takes precedence in `data:record`.
 */
export function trainCommandFrom(options: Record<string, unknown>): string {
  const g = (options.G_kwargs ?? {}) as Record<string, unknown>;
  const data = String(options.data ?? '').split(/[\\/]/).pop();
  const parts = [
    'aliasfree train',
    `--cfg ${String(options.cfg)}`,
    `--data ${data}`,
    `--batch ${String(options.batch)}`,
    `--kimg ${String(options.kimg)}`,
    `--tick ${String(options.tick)}`,
    `--snap ${String(options.snap)}`,
    `--cbase ${String(g.channel_base)}`,
    `--cmax ${String(g.channel_max)}`,
    `--z-dim ${String(g.z_dim)}`,
    `--w-dim ${String(g.w_dim)}`,
    `--seed ${String(options.seed)}`,
  ];
  return parts.join(' ');
}

/** The `aliasfree dataset` command of a procedural set. */
export function datasetCommand(ds: { count: number; resolution: number; seed: number; channels: number; out: string }): string {
  return (
    `aliasfree dataset --procedural --count ${ds.count} --resolution ${ds.resolution} --seed ${ds.seed}` +
    (ds.channels !== 3 ? ` --channels ${ds.channels}` : '') +
    ` --out ${ds.out}`
  );
}

/**
 * The latest snapshot among a run folder's file names: the highest `network-snapshot-NNNNNN.pkl`
 * (the number is kimg, zero-padded, so the numeric maximum is the newest), or null when there is none.
 */
export function latestSnapshot(fileNames: readonly string[]): string | null {
  let best: { name: string; kimg: number } | null = null;
  for (const name of fileNames) {
    const m = /^network-snapshot-(\d+)\.pkl$/.exec(name);
    if (m && (!best || Number(m[1]) > best.kimg)) best = { name, kimg: Number(m[1]) };
  }
  return best?.name ?? null;
}

/**
 * The default entry id of a run: its `--cfg` and the data set's base name
 * (`stylegan3-t` + `procedural32.zip` → `stylegan3-t-procedural32`), lower-cased to the id alphabet.
 */
export function defaultId(options: Record<string, unknown>): string {
  const data = String(options.data ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/\.zip$/i, '');
  return `${String(options.cfg ?? 'network')}-${data}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
