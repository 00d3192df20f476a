/**
 * `npm run ladder`: measure the configuration ladder A → R (A–C StyleGAN2) on untrained seeded generators
 * (src/metrics/ladder.ts) and write out/ladder/ladder.json and ladder.md.
 *
 *   npm run ladder -- --resolution 64 --samples 256 --seed 0 --configs A,B,C,D,E,F,G,H,T,R
 *   [--layer-samples 8] [--channel-base N --channel-max N] [--workers 2] [--backend wasm]
 *   [--out out/ladder]
 *
 * Progress lines with an ETA go to stderr; the markdown table goes to stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { setBackend, type BackendName } from '../src/generator/backend.js';
import { runLadder, ladderMarkdown, LADDER_CONFIGS } from '../src/metrics/ladder.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
}

const program = new Command()
  .name('ladder')
  .description('Measure the configuration ladder A → R (untrained, seeded) beside the paper numbers.')
  .option('--resolution <n>', 'output resolution s_N (power of two)', int('resolution', 8), 64)
  .option('--samples <n>', 'EQ samples per config', int('samples', 1), 256)
  .option('--seed <n>', 'weight and latent seed', int('seed', 0), 0)
  .option('--configs <list>', 'comma-separated configs', LADDER_CONFIGS.join(','))
  .option('--layer-samples <n>', 'samples of the per-layer measurements', int('layer-samples', 1), 8)
  .option('--channel-base <n>', 'capacity override C_base (needs --channel-max)', int('channel-base', 1))
  .option('--channel-max <n>', 'capacity override C_max (needs --channel-base)', int('channel-max', 1))
  .option(
    '--capacity-divisor <n>',
    'divide every ablation capacity by n (R stays doubled)',
    int('capacity-divisor', 1),
    1,
  )
  .option('--workers <n>', 'configs measured at once in worker threads (one core each)', int('workers', 1), 1)
  .option('--backend <name>', 'tfjs backend (wasm, cpu, tensorflow, webgpu)', 'wasm')
  .option('--out <dir>', 'output folder', 'out/ladder');
program.parse();
const o = program.opts<{
  resolution: number;
  samples: number;
  seed: number;
  configs: string;
  layerSamples: number;
  channelBase?: number;
  channelMax?: number;
  capacityDivisor: number;
  workers: number;
  backend: string;
  out: string;
}>();
if ((o.channelBase === undefined) !== (o.channelMax === undefined)) {
  program.error('--channel-base and --channel-max must be given together');
}

async function main(): Promise<void> {
  await setBackend(o.backend as BackendName);
  const started = new Date();
  const t0 = performance.now();
  const rows = await runLadder({
    configs: o.configs
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
    resolution: o.resolution,
    samples: o.samples,
    seed: o.seed,
    layerSamples: o.layerSamples,
    capacity:
      o.channelBase !== undefined ? { channelBase: o.channelBase, channelMax: o.channelMax! } : undefined,
    capacityDivisor: o.capacityDivisor,
    workers: o.workers,
    onRow: (_row, done) => {
      // Partial results after every config, so a long run leaves something behind.
      mkdirSync(o.out, { recursive: true });
      writeFileSync(
        join(o.out, 'ladder.partial.json'),
        JSON.stringify({ started: started.toISOString(), options: o, rows: done }, null, 2) + '\n',
      );
      writeFileSync(join(o.out, 'ladder.partial.md'), ladderMarkdown(done));
    },
    onProgress: (msg) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const md = ladderMarkdown(rows);
  process.stdout.write(md + '\n');
  mkdirSync(o.out, { recursive: true });
  writeFileSync(
    join(o.out, 'ladder.json'),
    JSON.stringify({ started: started.toISOString(), seconds, options: o, rows }, null, 2) + '\n',
  );
  writeFileSync(
    join(o.out, 'ladder.md'),
    md + `\nTotal runtime ${seconds.toFixed(0)} s (started ${started.toISOString()}).\n`,
  );
  process.stderr.write(`wrote ${join(o.out, 'ladder.json')} and ladder.md (${seconds.toFixed(0)} s)\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
