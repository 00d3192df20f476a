/**
 * Option parsers shared by the CLI commands: each one rejects a bad value with a message that
 * names the problem (commander prints it with the option's name and exits non-zero).
 */
import { InvalidArgumentError } from 'commander';
import { configs, type ConfigName } from '../generator/config.js';

export const CONFIG_NAMES = Object.keys(configs) as ConfigName[];

/** A positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A non-negative integer (seeds). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A finite number. */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** An output resolution: a power of two between 16 and 1024. */
export function resolution(value: string): number {
  const n = positiveInt(value);
  if (n < 16 || n > 1024 || (n & (n - 1)) !== 0) {
    throw new InvalidArgumentError(`expected a power of two between 16 and 1024, got ${n}`);
  }
  return n;
}

/** A comma-separated list of config names, e.g. `E,F,T`. */
export function configList(value: string): ConfigName[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('expected at least one config name');
  for (const n of names) {
    if (!(CONFIG_NAMES as string[]).includes(n)) {
      throw new InvalidArgumentError(
        `unknown config ${JSON.stringify(n)}; known: ${CONFIG_NAMES.join(', ')}`,
      );
    }
  }
  return names as ConfigName[];
}

/** One config name. */
export function configName(value: string): ConfigName {
  const list = configList(value);
  if (list.length !== 1) throw new InvalidArgumentError(`expected one config name, got ${value}`);
  return list[0];
}

/** Seeds as `0-3`, `1,5,9` or a single number. */
export function seedList(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`expected seeds like 0-3 or 1,5,9, got ${JSON.stringify(value)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InvalidArgumentError(`seed range ${part} is reversed`);
    if (b - a > 10_000) throw new InvalidArgumentError(`seed range ${part} is too long`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/** The `--backend` values: every name `setBackend` accepts. */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
export type CliBackendName = (typeof BACKEND_NAMES)[number];

/** A backend name understood by setBackend (case-insensitive). */
export function backendName(value: string): CliBackendName {
  const v = value.trim().toLowerCase();
  if (!(BACKEND_NAMES as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(
      `expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return v as CliBackendName;
}
