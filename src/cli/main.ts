/**
 * `aliasfree` command line: report | generate | ladder | spectra | convert | summary | backend.
 * Every command has `--help`; bad options exit with status 2 and a message naming the option;
 * failures exit with status 1. Long work prints progress with an ETA on stderr.
 */
import { Command, Option, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import {
  backendName,
  configList,
  configName,
  finiteNumber,
  nonNegativeInt,
  positiveInt,
  resolution,
  seedList,
  type CliBackendName,
} from './options.js';
import { REPORT_DEFAULTS } from '../report/defaults.js';
import { compareList, formatList, generateUsageError, positiveNumber } from './generate-options.js';
import { addStudioCommand } from './studio.js';
import { addTrainCommands } from './train.js';
import { parseShift } from '../project/shift.js';

/** Strip frames: an integer >= 2 (frame 0 is the reference). */
function stripFrames(value: string): number {
  const n = positiveInt(value);
  if (n < 2) throw new InvalidArgumentError(`expected an integer >= 2, got ${n}`);
  return n;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const backendOption = () =>
  new Option(
    '--backend <name>',
    'tfjs backend: auto (tensorflow if installed, else wasm), wasm, cpu, tensorflow or webgpu',
  )
    .default('auto')
    .argParser(backendName);
const quietOption = () => new Option('-q, --quiet', 'no progress output');

export function buildProgram(): Command {
  const program = new Command('aliasfree')
    .description(
      'Alias-Free GANs (StyleGAN3) in TypeScript: reports, images, ladder measurements and pickle tools',
    )
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('report')
    .description(
      'build configs A–R (A–C StyleGAN2) with seeded weights (or load --weights), measure them and write a self-contained HTML report',
    )
    .addOption(
      new Option('--configs <list>', 'configs to build, e.g. T,R')
        .argParser(configList)
        .default(REPORT_DEFAULTS.configs, REPORT_DEFAULTS.configs.join(',')),
    )
    .option('--weights <path>', 'report on one generator directory or official .pkl (replaces --configs)')
    .option('--resolution <px>', 'output resolution of the presets', resolution, REPORT_DEFAULTS.resolution)
    .option(
      '--samples <n>',
      'latents pooled by EQ-T / EQ-T_frac / EQ-R per config',
      positiveInt,
      REPORT_DEFAULTS.samples,
    )
    .option(
      '--layer-samples <n>',
      'latents averaged for the per-layer spectra and alias energies',
      positiveInt,
      REPORT_DEFAULTS.layerSamples,
    )
    .option('--images <n>', 'sample images per config', positiveInt, REPORT_DEFAULTS.images)
    .option(
      '--frames <n>',
      'frames per translation/rotation strip (>= 2)',
      stripFrames,
      REPORT_DEFAULTS.frames,
    )
    .option('--seed <n>', 'seed of the latents and metric draws', nonNegativeInt, REPORT_DEFAULTS.seed)
    .option(
      '--weight-seed <n>',
      'seed of the fresh weights of the presets',
      nonNegativeInt,
      REPORT_DEFAULTS.weightSeed,
    )
    .option('--channel-base <n>', 'C_base of the presets (default: ablation C_base)', positiveInt)
    .option('--channel-max <n>', 'C_max of the presets (R gets twice this; default 16)', positiveInt)
    .option('--no-layers', 'skip the per-layer spectra and alias energies (faster)')
    .option(
      '--no-trained',
      'leave out the trained networks of data/ (shown beside their random weights when present)',
    )
    .option('--workers <n>', 'worker threads measuring configs at once (one core each)', positiveInt, 1)
    .option('--out <dir>', 'output folder', REPORT_DEFAULTS.out)
    .addOption(backendOption())
    .addOption(quietOption())
    .action(async (opts) => {
      await (await import('./report.js')).runReport(opts);
    });

  program
    .command('ladder')
    .description('measure the ladder A → R (EQ metrics, alias summary, speed) and print it beside the paper')
    .addOption(
      new Option('--configs <list>', 'configs, e.g. E,T')
        .argParser(configList)
        .default(REPORT_DEFAULTS.configs, REPORT_DEFAULTS.configs.join(',')),
    )
    .option('--resolution <px>', 'output resolution', resolution, 64)
    .option('--samples <n>', 'EQ latents per config', positiveInt, 256)
    .option('--layer-samples <n>', 'latents for the per-layer alias measurement', positiveInt, 8)
    .option('--seed <n>', 'seed of the latents and metric draws', nonNegativeInt, 0)
    .option(
      '--capacity-divisor <n>',
      'divide the ablation capacity (C_base, C_max) of every config by n; 8 runs ~50× faster on a CPU',
      positiveInt,
      1,
    )
    .option('--workers <n>', 'configs measured at once in worker threads (one core each)', positiveInt, 1)
    .option('--out <dir>', 'output folder for ladder.md and ladder.json', 'out/ladder')
    .addOption(backendOption())
    .addOption(quietOption())
    .action(async (opts) => {
      await (await import('./ladder.js')).runLadderCommand(opts);
    });

  program
    .command('spectra')
    .description('per-layer spectra and alias energies of one config or loaded generator (HTML, PNG, JSON)')
    .option('--config <name>', 'config preset (A, B, C, D, E, F, G, H, T, R)', configName, 'T')
    .option('--weights <path>', 'generator directory or official .pkl (overrides --config)')
    .option('--resolution <px>', 'output resolution of the preset', resolution, 64)
    .option('--layer-samples <n>', 'latents averaged per spectrum', positiveInt, 8)
    .option('--seed <n>', 'seed of the latents', nonNegativeInt, 0)
    .option('--weight-seed <n>', 'seed of the fresh weights of a preset', nonNegativeInt, 0)
    .option('--channel-base <n>', 'C_base of the preset', positiveInt)
    .option('--channel-max <n>', 'C_max of the preset', positiveInt)
    .option('--out <dir>', 'output folder', 'out/spectra')
    .addOption(backendOption())
    .addOption(quietOption())
    .action(async (opts) => {
      await (await import('./spectra.js')).runSpectra(opts);
    });

  program
    .command('generate')
    .description(
      'write PNG images (and a GIF of an input translation or latent walk) for a config or a loaded generator; with --compare, one motion for several networks side by side',
    )
    .option('--config <name>', 'config preset (A, B, C: StyleGAN2; D, E, F, G, H, T, R)', configName, 'T')
    .option('--weights <path>', 'generator directory or official .pkl (overrides --config)')
    .option('--resolution <px>', 'output resolution for presets', resolution, 64)
    .option('--channel-base <n>', 'C_base for presets', positiveInt)
    .option('--channel-max <n>', 'C_max for presets', positiveInt)
    .addOption(
      new Option(
        '--noise-mode <mode>',
        "StyleGAN2 per-pixel noise: random (official default), const (each layer's stored noise), none",
      ).choices(['random', 'const', 'none']),
    )
    .option('--seeds <list>', 'latent seeds, e.g. 0-3 or 1,5,9', seedList, seedList('0-3'))
    .option('--weight-seed <n>', 'seed of the fresh weights of a preset', nonNegativeInt, 0)
    .option('--psi <value>', 'truncation psi', finiteNumber, 1)
    .addOption(
      new Option('--animate <kind>', 'GIF animation (interpolate: from the first seed to the second in W)')
        .choices(['none', 'translate', 'rotate', 'walk', 'interpolate'])
        .default('translate'),
    )
    .option('--frames <n>', 'frames of the animation', positiveInt, 24)
    .option(
      '--compare <list>',
      'networks side by side: configs and/or weight files, comma-separated or repeated (e.g. C,T,R) → compare-<animate>.gif',
      compareList,
    )
    .option('--fps <n>', 'frames per second of the GIF/MP4', positiveNumber, 12.5)
    .option('--format <list>', 'videos to write: gif, mp4 (needs ffmpeg on PATH) or gif,mp4', formatList, [
      'gif',
    ])
    .option(
      '--gain <x>',
      "amplification of --compare's difference row (default 8; interpolate 2)",
      positiveNumber,
    )
    .option(
      '--workers <n>',
      'worker threads; >1 splits each image across them by channels (not the walk/interpolate animations)',
      positiveInt,
      1,
    )
    .option('--out <dir>', 'output folder', 'out/generate')
    .addOption(backendOption())
    .addOption(quietOption())
    .action(async (opts, cmd: Command) => {
      const usage = generateUsageError(opts);
      if (usage) cmd.error(`error: ${usage}`, { exitCode: 2 });
      await (await import('./generate.js')).runGenerate(opts);
    });

  program
    .command('convert')
    .description(
      'convert an official StyleGAN3 or StyleGAN2 network pickle to the directory format (init_kwargs.json + state/*.npy)',
    )
    .argument('<pkl>', 'official network pickle')
    .argument('<outDir>', 'output directory')
    .option('--key <name>', 'which network of the snapshot', 'G_ema')
    .option('--force', 'write into a non-empty output directory (files of the same name are replaced)')
    .action(async (pklPath: string, outDir: string, opts: { key: string; force?: boolean }) => {
      const { prepareOutDir } = await import('./output.js');
      prepareOutDir(outDir, '<outDir>', { refuseNonEmpty: !opts.force });
      const { convertPickleToDir } = await import('../io/pickle/network-files.js');
      const snap = convertPickleToDir(pklPath, outDir, { key: opts.key });
      console.log(`wrote ${snap.state.size} tensors and init_kwargs.json to ${outDir}`);
    });

  program
    .command('summary')
    .description(
      'print what a network pickle contains (classes, kwargs, parameter shapes, sizes) without loading it',
    )
    .argument('<pkl>', 'network pickle')
    .option('--no-tensors', 'omit the per-tensor listing')
    .action(async (pklPath: string, opts: { tensors: boolean }) => {
      const { summarizePickle, formatPickleSummary } = await import('../io/pickle/network.js');
      console.log(formatPickleSummary(summarizePickle(readFileSync(pklPath)), { tensors: opts.tensors }));
    });

  program
    .command('backend')
    .description('initialise the tfjs backend and say which one runs and why')
    .addOption(backendOption())
    .action(async (opts: { backend: CliBackendName }) => {
      const { setBackend, backendInfo } = await import('../generator/backend.js');
      try {
        console.log(JSON.stringify(await setBackend(opts.backend), null, 2));
      } catch (err) {
        // The attempts (with what native code printed, captured) explain the failure.
        console.log(JSON.stringify(backendInfo(), null, 2));
        throw err;
      }
    });

  program
    .command('project')
    .description('find the latent of an image (official projector schedule, pixel-pyramid distance)')
    .requiredOption('--weights <path>', 'generator: official .pkl or directory (StyleGAN3, StyleGAN2)')
    .requiredOption('--target <png>', 'target image (PNG, RGB or grayscale as the network)')
    .option('--steps <n>', 'optimisation steps', positiveInt, 1000)
    .addOption(
      new Option('--space <space>', 'w: one w for every layer (official); w+: one per layer')
        .choices(['w', 'w+'])
        .default('w'),
    )
    .option('--seed <n>', 'seed of the w noise and initial noise maps', nonNegativeInt, 303)
    .option('--resize', 'resample a target of another size to the network (anti-aliased Lanczos-3)')
    .option(
      '--translate <dx,dy>',
      'also project the target shifted by dx,dy pixels and check the projection follows',
      (v: string) => {
        try {
          return parseShift(v);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      },
    )
    .addOption(
      new Option('--noise <mode>', 'StyleGAN2: optimise the noise maps (official) or none').choices([
        'optimise',
        'none',
      ]),
    )
    .option('--out <dir>', 'output folder', 'out/project')
    .addOption(backendOption())
    .addOption(quietOption())
    .action(async (opts) => {
      await (await import('./project.js')).runProject(opts);
    });

  addStudioCommand(program);
  addTrainCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Subcommands copy settings only when created, so the override is applied to each of them too:
  // usage errors must come back here (exit 2) instead of exiting the process with status 1.
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`aliasfree: ${(err as Error).message}\n`);
    if (process.env.ALIASFREE_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (
  invokedDirectly ||
  process.argv[1]?.endsWith('aliasfree.mjs') ||
  process.argv[1]?.endsWith('/aliasfree')
) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
