/**
 * `npm run data:record -- SNAPSHOT_OR_RUN… [options]`: add training snapshots to `data/` (or `--dir`):
 * for each, copy the official pickle, record an image, measure SWD and EQ beside the untrained
 * network of the same config, write the manifest entry and regenerate data/README.md
 * (src/data/record.ts). A run folder stands for its latest snapshot; the id defaults to
 * `<cfg>-<data set>` (`--id` names a single snapshot's). Progress on stderr; a summary line per
 * network on stdout.
 *
 *   npm run data:record -- /work/runs/t/00000-… /work/runs/a/00000-… --machine-note "…"
 *
 *   npm run data:record -- /work/runs/t/00000-…/network-snapshot-000010.pkl --id stylegan3-t-procedural32 \
 *     --machine-note "2 cores shared with a second training run"
 *   npm run data:record -- --readme-only     # after editing the manifest's `why`: regenerate README.md
 */
import { Command, InvalidArgumentError } from 'commander';
import { setBackend, describeBackend, type BackendName } from '../src/generator/backend.js';
import { recordSnapshot } from '../src/data/record.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir, readManifest } from '../src/data/listing.js';
import { readmeFromManifest } from '../src/data/readme.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
}
function real(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
}

const program = new Command()
  .name('data:record')
  .description('Add a training snapshot to data/: copy, record an image, measure, write manifest and README.')
  .argument(
    '[snapshots...]',
    'network-snapshot-*.pkl inside a run folder (training_options.json, log.jsonl beside it), or the run folder (its latest snapshot)',
  )
  .option(
    '--id <id>',
    'entry id of a single snapshot (default <cfg>-<data set>): lower-case letters, digits and -',
  )
  .option('--readme-only', 'only regenerate README.md from the manifest (after editing its why text)')
  .option('--dir <folder>', 'data folder', defaultDataDir())
  .option(
    '--data-seed <n>',
    'seed of the procedural training set (aliasfree dataset --seed)',
    int('--data-seed', 0),
    0,
  )
  .option(
    '--data-count <n>',
    'images of the procedural set (default: the run’s max_size)',
    int('--data-count', 1),
  )
  .option('--train-command <text>', 'the exact train command (default: rebuilt from training_options.json)')
  .option('--machine-note <text>', 'what else shared the machine while it trained', '')
  .option('--image-seed <n>', 'latent seed of the recorded image', int('--image-seed', 0), 0)
  .option('--psi <x>', 'truncation of the recorded image', real('--psi'), 1)
  .option('--swd-images <n>', 'SWD images per set', int('--swd-images', 16), 128)
  .option('--eq-samples <n>', 'EQ latents', int('--eq-samples', 8), 64)
  .option('--seed <n>', 'seed of the SWD and EQ draws', int('--seed', 0), 0)
  .option('--backend <name>', 'tfjs backend (wasm, cpu, tensorflow)', 'wasm');
program.parse();
const snapshots = program.args;
const o = program.opts<{
  id?: string;
  readmeOnly?: boolean;
  dir: string;
  dataSeed: number;
  dataCount?: number;
  trainCommand?: string;
  machineNote: string;
  imageSeed: number;
  psi: number;
  swdImages: number;
  eqSamples: number;
  seed: number;
  backend: string;
}>();

const t0 = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
try {
  if (o.readmeOnly) {
    const m = readManifest({ dir: o.dir });
    if (!m) throw new RangeError(`--dir ${o.dir} has no manifest.json`);
    writeFileSync(join(o.dir, 'README.md'), readmeFromManifest(m));
    log(`wrote ${join(o.dir, 'README.md')}`);
    process.exit(0);
  }
  if (snapshots.length === 0)
    throw new RangeError('give snapshots (network-snapshot-*.pkl or run folders) or --readme-only');
  if (o.id && snapshots.length > 1)
    throw new RangeError('--id names one snapshot; several take their default ids');
  log(`backend: ${describeBackend(await setBackend(o.backend as BackendName))}`);
  for (const snapshot of snapshots) {
    const e = await recordSnapshot({ ...o, snapshot, log });
    const m = e.metrics;
    console.log(
      `${e.id}: ${e.family}, ${e.train.kimg} kimg, SWD×10³ ${m.swd.trained.average.toFixed(2)} (untrained ${m.swd.untrained.average.toFixed(2)}), ` +
        `EQ-T ${m.eq.trained.eqt?.toFixed(2) ?? '–'} dB (untrained ${m.eq.untrained.eqt?.toFixed(2) ?? '–'} dB)`,
    );
  }
} catch (e) {
  process.stderr.write(`data:record: ${(e as Error).message}\n`);
  process.exit(1);
}
