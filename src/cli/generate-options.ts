/**
 * Option parsers of `aliasfree generate`'s comparison videos (`--compare`, `--format`, `--fps`,
 * `--gain`) and the checks that need several options at once. Kept apart from generate.ts so that
 * parsing the command line does not load TensorFlow.js.
 */
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { configs } from '../generator/config.js';

/** One network of `--compare`: a config preset (A–R) or a weights file/directory. */
export type CompareItem =
  { kind: 'config'; name: string; label: string } | { kind: 'weights'; path: string; label: string };

/** Video containers `--format` accepts. */
export const VIDEO_FORMATS = ['gif', 'mp4'] as const;
/** One of `VIDEO_FORMATS`. */
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

const PRESETS = Object.keys(configs);

/**
 * `--compare` items, comma-separated and repeatable (`--compare C,T,R`, `--compare a.pkl --compare
 * b.pkl`): a single letter is a preset and must be one of A–R; anything else is a weights path and
 * must exist. Labels are the preset letter or the file name without `.pkl`; a repeated label gets
 * `#2`, `#3`, … so that every column stays distinguishable.
 */
export function compareList(value: string, previous: CompareItem[] = []): CompareItem[] {
  const out = [...previous];
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new InvalidArgumentError('expected config names and/or weight paths, e.g. C,T,R');
  for (const part of parts) {
    let item: CompareItem;
    if (/^[A-Za-z]$/.test(part)) {
      const name = part.toUpperCase();
      if (!PRESETS.includes(name))
        throw new InvalidArgumentError(
          `unknown config ${JSON.stringify(part)}; known: ${PRESETS.join(', ')}`,
        );
      item = { kind: 'config', name, label: name };
    } else {
      if (!existsSync(part))
        throw new InvalidArgumentError(
          `${JSON.stringify(part)} is neither a config (${PRESETS.join(', ')}) nor an existing weights file or directory`,
        );
      const file = basename(part.replace(/[/\\]+$/, ''));
      item = { kind: 'weights', path: part, label: extname(file) === '.pkl' ? file.slice(0, -4) : file };
    }
    const same = out.filter((o) => o.label === item.label || o.label.startsWith(`${item.label}#`)).length;
    if (same > 0) item.label = `${item.label}#${same + 1}`;
    out.push(item);
  }
  return out;
}

/** `--format gif,mp4`: one or more of `VIDEO_FORMATS`, without repeats. */
export function formatList(value: string): VideoFormat[] {
  const list = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (list.length === 0)
    throw new InvalidArgumentError(`expected ${VIDEO_FORMATS.join(' and/or ')}, e.g. gif,mp4`);
  for (const f of list)
    if (!(VIDEO_FORMATS as readonly string[]).includes(f))
      throw new InvalidArgumentError(
        `unknown format ${JSON.stringify(f)}; known: ${VIDEO_FORMATS.join(', ')}`,
      );
  return [...new Set(list)] as VideoFormat[];
}

/** A positive finite number (frames per second, gains). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** The options whose combinations `generateUsageError` checks. */
export interface GenerateUsage {
  compare?: readonly CompareItem[];
  animate: string;
  frames: number;
  workers?: number;
  weights?: string;
}

/**
 * The message of a bad combination of `generate` options, or null: `--compare` needs two networks,
 * a motion (translate, rotate or interpolate) and `--frames` ≥ 2, and renders on this thread;
 * `--animate interpolate` needs two frames too.
 */
export function generateUsageError(o: GenerateUsage): string | null {
  if (o.compare) {
    if (o.compare.length < 2)
      return `--compare needs at least 2 networks to put side by side, got ${o.compare.length} (${o.compare.map((c) => c.label).join(', ')})`;
    if (!['translate', 'rotate', 'interpolate'].includes(o.animate))
      return `--animate ${o.animate}: --compare shows translate, rotate or interpolate`;
    if (o.frames < 2) return `--frames ${o.frames}: a comparison video needs at least 2 frames`;
    if ((o.workers ?? 1) > 1) return '--workers: --compare renders on this thread; use 1';
    if (o.weights)
      return `--weights ${o.weights}: with --compare, list weight files in --compare (e.g. --compare C,${o.weights})`;
  }
  if (o.animate === 'interpolate' && o.frames < 2)
    return `--frames ${o.frames}: an interpolation needs at least 2 frames (from the first latent to the second)`;
  return null;
}
