/**
 * A valid manifest entry built in memory (no files), for the pure tests of the manifest, the README
 * and the report's trained section. `over` replaces top-level fields; numbers are plausible, not
 * measured.
 */
import { TRAINED_SCHEMA, type TrainedEntry, type TrainedManifest } from '../../src/data/manifest.js';

export function entryJson(over: Partial<TrainedEntry> = {}): TrainedEntry {
  const family = over.family ?? 'T';
  const id = over.id ?? `fixture-${family.toLowerCase()}`;
  const eq =
    family === 'A'
      ? { eqt: null, eqt_frac: null, eqr: null }
      : { eqt: 40.5, eqt_frac: 38.25, eqr: 20.125 };
  return {
    id,
    file: `${id}.pkl`,
    sha256: 'a'.repeat(64),
    bytes: 1000,
    family,
    network: family === 'A' ? 'stylegan2' : 'stylegan3',
    resolution: 32,
    dataset: {
      command: 'aliasfree dataset --procedural --count 2000 --resolution 32 --seed 0 --out procedural32.zip',
      kind: 'procedural',
      count: 2000,
      resolution: 32,
      seed: 0,
      channels: 3,
    },
    train: {
      command: 'aliasfree train --cfg stylegan3-t --data procedural32.zip --batch 8 --kimg 10',
      kimgTarget: 10,
      kimg: 10.0,
      wallSeconds: 5400,
      options: { cfg: 'stylegan3-t', G_kwargs: { class_name: 'training.networks_stylegan3.Generator' } },
      machine: { cpus: 2, cpuModel: 'CPU', platform: 'linux x64', loadAverage: 3.5, note: 'shared' },
    },
    image: { seed: 0, psi: 1, noiseMode: family === 'A' ? 'const' : null, file: `${id}.image.npy`, sha256: 'b'.repeat(64), bytes: 100 },
    metrics: {
      swd: {
        images: 128,
        seed: 0,
        psi: 1,
        trained: { average: 50, perLevel: [60, 40], resolutions: [32, 16] },
        untrained: { average: 300, perLevel: [310, 290], resolutions: [32, 16] },
      },
      eq: {
        samples: family === 'A' ? 0 : 64,
        seed: 0,
        trained: eq,
        untrained: family === 'A' ? eq : { eqt: 70, eqt_frac: 69, eqr: 30 },
        note: family === 'A' ? 'no transformable input' : null,
      },
      untrainedWeightSeed: 0,
      backend: 'wasm',
      seconds: 12,
    },
    recorded: '2026-12-02T00:00:00.000Z',
    ...over,
  };
}

export function manifestJson(networks: TrainedEntry[], why = ''): TrainedManifest {
  return { schema: TRAINED_SCHEMA, why, networks };
}
