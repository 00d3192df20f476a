/**
 * The file-system side of the network pickle reader (Node only): read or summarise a pickle file,
 * and convert one to the golden directory format. The parsing itself is in `network.ts`, which
 * stays free of Node modules so that the browser can use it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../npy.js';
import {
  readNetworkPickle,
  summarizePickle,
  type GeneratorSnapshot,
  type PickleReadOptions,
  type PickleSummary,
} from './network.js';
import { PickleSecurityError, describe } from './values.js';

/** `readNetworkPickle` of a file. */
export function readNetworkPickleFile(
  path: string,
  opts: PickleReadOptions & { key?: string } = {},
): GeneratorSnapshot {
  return readNetworkPickle(readFileSync(path), { what: path, ...opts });
}

/** `summarizePickle` of a file. */
export function summarizePickleFile(path: string, opts: PickleReadOptions = {}): PickleSummary {
  if (typeof path !== 'string' || !path)
    throw new TypeError(`path must be a non-empty string, got ${describe(path)}`);
  return summarizePickle(readFileSync(path), { what: path, ...opts });
}

/**
 * `aliasfree convert in.pkl outDir`: read `G_ema` from a network pickle and write the golden directory
 * format: `outDir/init_kwargs.json` and `outDir/state/<state_dict key>.npy` (float32 `<f4`, float64
 * `<f8`, integers `<i4`). State keys must be dotted identifiers, so a hostile pickle cannot steer the
 * written paths. Returns the snapshot that was written.
 */
export function convertPickleToDir(
  pklPath: string,
  outDir: string,
  opts: PickleReadOptions & { key?: string } = {},
): GeneratorSnapshot {
  if (typeof pklPath !== 'string' || !pklPath)
    throw new TypeError(`pklPath must be a non-empty string, got ${describe(pklPath)}`);
  if (typeof outDir !== 'string' || !outDir)
    throw new TypeError(`outDir must be a non-empty string, got ${describe(outDir)}`);
  const snap = readNetworkPickleFile(pklPath, opts);
  for (const key of snap.state.keys())
    if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(key))
      throw new PickleSecurityError(
        `${pklPath}: state key ${JSON.stringify(key)} is not a dotted identifier; refusing to use it as a file name`,
      );
  mkdirSync(join(outDir, 'state'), { recursive: true });
  writeFileSync(join(outDir, 'init_kwargs.json'), JSON.stringify(snap.initKwargs, null, 1) + '\n');
  for (const [key, t] of snap.state) writeNpy(join(outDir, 'state', `${key}.npy`), t.data, t.shape);
  return snap;
}
