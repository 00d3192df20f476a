/**
 * `npm run data:check [-- --dir data --eq-samples 32 --id ID]`: for every trained network present in
 * `data/`, recompute the recorded image, SWD and EQ (with a small EQ sample count) and compare with
 * the manifest within the tolerances of src/data/check.ts; prints a table, exits 1 on a mismatch
 * (or a bad manifest), 0 otherwise.
 */
import { Command, InvalidArgumentError } from 'commander';
import { setBackend, describeBackend, type BackendName } from '../src/generator/backend.js';
import { checkTrained, formatCheckTable, type CheckRow } from '../src/data/check.js';
import { defaultDataDir, readManifest, trainedNetworks } from '../src/data/trained.js';

const program = new Command()
  .name('data:check')
  .description('Recompute the recorded metrics of the trained networks in data/ and compare.')
  .option('--dir <folder>', 'data folder', defaultDataDir())
  .option('--id <id>', 'only this network')
  .option(
    '--eq-samples <n>',
    'EQ latents to recompute (a prefix of the recorded ones)',
    (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 8)
        throw new InvalidArgumentError(`expected an integer >= 8, got ${v}`);
      return n;
    },
    32,
  )
  .option('--backend <name>', 'tfjs backend (wasm, cpu, tensorflow)', 'wasm');
program.parse();
const o = program.opts<{ dir: string; id?: string; eqSamples: number; backend: string }>();

const t0 = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
try {
  log(`backend: ${describeBackend(await setBackend(o.backend as BackendName))}`);
  const manifest = readManifest({ dir: o.dir });
  if (!manifest) throw new RangeError(`${o.dir} has no manifest.json`);
  const present = trainedNetworks({ dir: o.dir }).filter((l) => !o.id || l.entry.id === o.id);
  const absent = manifest.networks.filter(
    (n) => !present.some((l) => l.entry.id === n.id) && (!o.id || n.id === o.id),
  );
  for (const n of absent) log(`${n.id}: ${n.file} is not present (or not the recorded size) — skipped`);
  if (o.id && present.length === 0) throw new RangeError(`--id ${o.id}: no such network present in ${o.dir}`);
  const rows: CheckRow[] = [];
  for (const l of present) rows.push(...(await checkTrained(l, { dir: o.dir, eqSamples: o.eqSamples, log })));
  console.log(formatCheckTable(rows));
  process.exit(rows.every((r) => r.ok) ? 0 : 1);
} catch (e) {
  process.stderr.write(`data:check: ${(e as Error).message}\n`);
  process.exit(1);
}
