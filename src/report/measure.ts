/**
 * Everything the report measures for one generator — StyleGAN3 (D–R) or StyleGAN2 (A–C; per-pixel
 * noise from each layer's stored `noise_const`, as the official metrics render): sample images (and the time per image), the
 * equivariance metrics EQ-T / EQ-T_frac / EQ-R (`equivariance`, pooled over `samples` latents), the
 * per-layer spectra and alias energies (`measureLayers`, averaged over `layerSamples` latents), and
 * the translation and rotation strips. Produces the JSON part (`ConfigReport`), the PNG assets and
 * the per-layer aliasing dashboard figure.
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';
import type { Generator } from '../generator/stylegan3/generator.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { AnyGenerator } from '../generator/weights.js';
import { parameterCount } from '../generator/stylegan3/parameters.js';
import { NO_TRANSFORMABLE_INPUT } from '../metrics/layers-stylegan2.js';
import { equivariance } from '../metrics/equivariance.js';
import { paperLadderRow } from '../metrics/paper.js';
import { composeGrid, encodePng, tensorToTiles } from '../viz/figures/images.js';
import type { Figure } from '../viz/style.js';
import { latents } from '../cli/build.js';
import type { LayersApi, LayerMeasurement } from './layers-api.js';
import type { ConfigReport, LayerMeasurementRow, PaperJson } from './schema.js';
import { spectraSection } from './spectra.js';
import { amplitude, renderStrip, type StripTarget } from './strip.js';
import { layerRows } from './tables.js';

export interface MeasureConfigOptions {
  /** Preset letter or `weights`. */
  config: string;
  label: string;
  /** EQ latents. */
  samples: number;
  /** Latents for the per-layer measurement. */
  layerSamples: number;
  /** Sample images. */
  images: number;
  /** Frames per strip. */
  frames: number;
  seed: number;
  /** The per-layer API, or null when unavailable. */
  layersApi: LayersApi | null;
  /**
   * EQ numbers already measured (a trained network's manifest record, verified by `data:check`):
   * shown instead of measuring them again, which is most of a config's renders.
   */
  recordedEq?: { eqt: number | null; eqt_frac: number | null; eqr: number | null; samples: number };
  /** Work fraction (0…1) of this config and what runs. */
  onProgress?: (fraction: number, note: string) => void;
}

export interface MeasuredConfig {
  report: ConfigReport;
  /** PNG bytes by file name (relative to the report folder). */
  assets: Map<string, Buffer>;
  /** Per-layer aliasing dashboard (null without layer measurements). */
  aliasingFigure: Figure | null;
}

/**
 * Relative cost of measuring one config in rendered images: sample images + 4 renders per EQ
 * latent (reference, EQ-T, EQ-T_frac, EQ-R) + 2 strips + ~4 renders per layer latent (capture,
 * oversampled probe, shifted pair). Multiply by MACs per image for a cross-config weight.
 */
export function renderBudget(
  o: Pick<MeasureConfigOptions, 'samples' | 'layerSamples' | 'images' | 'frames'>,
  layers: boolean,
): number {
  return o.images + 4 * o.samples + 2 * o.frames + (layers ? 4 * o.layerSamples : 0);
}

/** What the images, strips and layer pictures render through (the StyleGAN3 `Generator` fits it). */
export interface ReportView extends StripTarget {
  synthesis(
    ws: tf.Tensor3D,
    opts?: { transform?: number[]; capture?: boolean },
  ): { image: tf.Tensor4D; layers?: Record<string, tf.Tensor4D> };
}

/**
 * A StyleGAN2 generator seen through the StyleGAN3 synthesis signature the strips and layer
 * pictures use: every call renders with the stored noise (`noiseMode 'const'`, none without noise
 * inputs) and `capture` also returns every layer (`captureLayers`).
 */
export function styleGAN2View(gen: StyleGAN2Generator): ReportView {
  const noiseMode = gen.config.useNoise ? ('const' as const) : ('none' as const);
  return {
    config: gen.config,
    synthesis: (ws: tf.Tensor3D, opts: { transform?: number[]; capture?: boolean } = {}) =>
      gen.synthesis(ws, {
        noiseMode,
        transform: opts.transform ?? null,
        capture: opts.capture ?? false,
        captureLayers: opts.capture ?? false,
      }),
  };
}

/** Measure one generator (see the module comment). The generator stays owned by the caller. */
export async function measureConfig(gen: AnyGenerator, o: MeasureConfigOptions): Promise<MeasuredConfig> {
  const t0 = Date.now();
  const sg2 = gen instanceof StyleGAN2Generator;
  // A StyleGAN2 with a learned constant (A) has no input to translate or rotate: no EQ, no strips.
  const transformable = !sg2 || gen.config.input === 'fourier';
  const view: ReportView = sg2 ? styleGAN2View(gen) : (gen as Generator);
  const useLayers = o.layersApi !== null;
  const budget = renderBudget({ ...o, samples: o.recordedEq ? 0 : o.samples }, useLayers);
  let done = 0;
  const progress = (units: number, note: string) => {
    o.onProgress?.(Math.min(1, (done + units) / budget), note);
  };
  const assets = new Map<string, Buffer>();
  const prefix = o.config;

  // Sample images (seeds seed … seed + images − 1), timed: ms per image of one batch.
  const z = latents(
    Array.from({ length: o.images }, (_, i) => o.seed + i),
    gen.config.zDim,
  );
  const ws = gen.mapping(z, { psi: 1 });
  z.dispose();
  const t1 = performance.now();
  const { image } = view.synthesis(ws, {});
  const imgs = ndarray((await image.data()) as Float32Array, image.shape.slice());
  const msPerImage = (performance.now() - t1) / o.images;
  image.dispose();
  const amp = amplitude(imgs);
  const tiles = tensorToTiles(imgs, { range: [-amp, amp], channels: 'rgb' });
  const samplesPng = `${prefix}-samples.png`;
  assets.set(samplesPng, encodePng(tiles.length === 1 ? tiles[0] : composeGrid(tiles, tiles.length, 2)));
  done += o.images;
  progress(0, `images ${o.images}/${o.images} (${msPerImage.toFixed(0)} ms/image)`);

  // Equivariance metrics.
  const eq =
    transformable && !o.recordedEq
      ? await equivariance(gen, {
          samples: o.samples,
          seed: o.seed,
          batch: 4,
          onProgress: (d, total) => progress(4 * d, `EQ ${d}/${total} latents`),
        })
      : null;
  if (!o.recordedEq) done += 4 * o.samples;

  // Strips for the first latent.
  const ws0 = tf.slice(ws, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D;
  const strips = [];
  try {
    for (const kind of transformable ? (['translate', 'rotate'] as const) : []) {
      const s = await renderStrip(view, ws0, kind, {
        frames: o.frames,
        onFrame: (d, total) => progress(d, `${kind} strip ${d}/${total} frames`),
      });
      done += o.frames;
      const png = `${prefix}-${kind}.png`;
      assets.set(png, encodePng(s.tile));
      strips.push({ kind, steps: s.steps, psnrDb: s.psnrDb, png, diffRange: s.diffRange });
    }

    // Per-layer spectra and alias energies.
    let layerMeasurements: LayerMeasurementRow[] | null = null;
    let alias: ConfigReport['alias'] = null;
    let aliasingFigure: Figure | null = null;
    let spectraPng: string | null = null;
    if (o.layersApi) {
      const ms: LayerMeasurement[] = await o.layersApi.measureLayers(gen, {
        samples: o.layerSamples,
        seed: o.seed,
        batch: 4,
        onProgress: (d, total, label) =>
          progress((4 * o.layerSamples * d) / Math.max(1, total), `layers ${d}/${total} ${label}`),
      });
      done += 4 * o.layerSamples;
      alias = o.layersApi.summarizeLayers(ms);
      const sec = await spectraSection(view, ws0, ms, prefix);
      for (const [k, v] of sec.assets) assets.set(k, v);
      layerMeasurements = sec.rows;
      spectraPng = sec.sheet;
      aliasingFigure = sec.figure;
    }

    const paperRow = paperLadderRow(o.config);
    const paper: PaperJson | null =
      o.config === 'weights' || !paperRow
        ? null
        : {
            label: paperRow.label,
            fid: paperRow.fid,
            eqt: paperRow.eqt,
            eqt_frac: paperRow.eqt_frac,
            eqr: paperRow.eqr,
          };
    const report: ConfigReport = {
      config: o.config,
      label: o.label,
      resolution: gen.config.imgResolution,
      channelBase: gen.config.channelBase,
      channelMax: gen.config.channelMax,
      network: sg2 ? 'stylegan2' : 'stylegan3',
      parameters: sg2 ? gen.parameterBreakdown().total : parameterCount(gen.geometry),
      macsPerImage: gen.macsPerImage(),
      msPerImage,
      layers: layerRows(gen.layerInfo()),
      layerMeasurements,
      alias,
      eq: eq
        ? { eqt: eq.eqt!, eqt_frac: eq.eqt_frac!, eqr: eq.eqr!, samples: eq.samples, note: null }
        : transformable && o.recordedEq
          ? { ...o.recordedEq, note: null }
          : { eqt: null, eqt_frac: null, eqr: null, samples: 0, note: NO_TRANSFORMABLE_INPUT },
      paper,
      strips,
      stripsNote: transformable ? null : NO_TRANSFORMABLE_INPUT,
      samplesPng,
      spectraPng,
      seconds: (Date.now() - t0) / 1000,
    };
    return { report, assets, aliasingFigure };
  } finally {
    ws0.dispose();
    ws.dispose();
  }
}
