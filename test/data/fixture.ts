/**
 * Fixtures of the trained-network tests: a valid manifest entry built in memory (`entryJson`;
 * `over` replaces top-level fields; its numbers are plausible, not measured) and a data folder with
 * one real network (`fixtureDataDir`).
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAINED_SCHEMA, type TrainedEntry, type TrainedManifest } from '../../src/data/manifest.js';
import { renderRecorded, sha256File } from '../../src/data/trained.js';
import { encodeNpy } from '../../src/io/npy.js';
import { loadGenerator, type AnyGenerator } from '../../src/generator/weights.js';

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

/**
 * A data folder in `dir` holding one real network: the golden t32 pickle (an official StyleGAN3-T
 * snapshot file) as `fixture-t.pkl`, its rendered image and a manifest entry with the real sizes and
 * hashes and the golden kwargs as the run's G kwargs (so its untrained twin builds). Its metrics are
 * the placeholder numbers of `entryJson` — for views that show the manifest, not for `data:check`.
 */
export async function fixtureDataDir(dir: string): Promise<TrainedEntry> {
  const golden = join(import.meta.dirname, '..', 'golden', 'generators', 't32');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(golden, 'network.pkl'), join(dir, 'fixture-t.pkl'));
  const gen = await loadGenerator<AnyGenerator>(join(dir, 'fixture-t.pkl'));
  const img = await renderRecorded(gen, { seed: 0, psi: 1 });
  gen.dispose();
  writeFileSync(join(dir, 'fixture-t.image.npy'), encodeNpy(img.data, img.shape));
  const base = entryJson({ id: 'fixture-t' });
  const e = entryJson({
    id: 'fixture-t',
    sha256: sha256File(join(dir, 'fixture-t.pkl')),
    bytes: statSync(join(dir, 'fixture-t.pkl')).size,
    image: {
      ...base.image,
      sha256: sha256File(join(dir, 'fixture-t.image.npy')),
      bytes: statSync(join(dir, 'fixture-t.image.npy')).size,
    },
    train: {
      ...base.train,
      options: { cfg: 'stylegan3-t', G_kwargs: JSON.parse(readFileSync(join(golden, 'init_kwargs.json'), 'utf8')) },
    },
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestJson([e])));
  return e;
}
