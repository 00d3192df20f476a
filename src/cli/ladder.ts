/**
 * `aliasfree ladder`: the configuration ladder A → R (A–C StyleGAN2) measured on seeded networks (`runLadder` of
 * src/metrics/ladder.ts: EQ-T / EQ-T_frac / EQ-R, per-layer alias summary, ms per image, parameter
 * count), printed as a Markdown table with the paper's trained-network numbers beside ours, and
 * written to `ladder.md` and `ladder.json` (rows saved after every config, so a long run that is
 * stopped keeps what it measured).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setBackend, describeBackend } from '../generator/backend.js';
import type { CliBackendName } from './options.js';
import { logThrottle } from './progress.js';
import { prepareOutDir } from './output.js';
import { ladderMarkdown, runLadder, type LadderConfigName, type LadderRow } from '../metrics/ladder.js';
import { formatSeconds } from '../report/progress.js';

export interface LadderCommandOptions {
  configs: LadderConfigName[];
  resolution: number;
  samples: number;
  layerSamples: number;
  seed: number;
  /** Divide the ablation capacity (C_base, C_max) of every config by this (default 1). */
  capacityDivisor?: number;
  /** Configs measured at once in worker threads (default 1). */
  workers?: number;
  out: string;
  backend: CliBackendName;
  quiet?: boolean;
}

/** Run the ladder; prints the Markdown table on stdout and returns the rows. */
export async function runLadderCommand(opts: LadderCommandOptions): Promise<LadderRow[]> {
  const t0 = Date.now();
  const info = await setBackend(opts.backend);
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(s + '\n');
  };
  // Step lines are throttled in logs; a config's "done" line always prints (see cli/progress.ts).
  const gate = logThrottle({ isTTY: Boolean(process.stderr.isTTY) });
  log(`backend: ${describeBackend(info)}`);
  prepareOutDir(opts.out);
  const save = (rows: LadderRow[]) => {
    writeFileSync(join(opts.out, 'ladder.md'), ladderMarkdown(rows) + '\n');
    const { quiet: _quiet, ...options } = opts;
    writeFileSync(
      join(opts.out, 'ladder.json'),
      JSON.stringify({ options, backend: info.name, rows }, null, 2),
    );
  };
  const rows = await runLadder({
    configs: opts.configs,
    resolution: opts.resolution,
    samples: opts.samples,
    seed: opts.seed,
    layerSamples: opts.layerSamples,
    capacityDivisor: opts.capacityDivisor ?? 1,
    workers: opts.workers ?? 1,
    onRow: (_row, all) => save(all),
    onProgress: (msg) => {
      if (gate.pass(/\] done in /.test(msg))) log(`ladder  ${msg}`);
    },
  });
  save(rows);
  console.log(ladderMarkdown(rows));
  log(
    `ladder done in ${formatSeconds((Date.now() - t0) / 1000)}; wrote ladder.md and ladder.json to ${opts.out}`,
  );
  return rows;
}
